//! The Merkle tree of the append-only log: RFC 6962 hashing, proofs and their verification.
//!
//! A leaf hashes as SHA-256(0x00 || leaf) and an interior node as SHA-256(0x01 || left ||
//! right), so a leaf can never pass for a node. The tree over `n` leaves splits at the largest
//! power of two below `n`, as RFC 6962 section 2.1 defines it.
//!
//! Storage keeps only *perfect* subtrees: [`NodeId`] names the one over leaves
//! `[index << level, (index + 1) << level)`. Every node of every tree size, and every element of
//! every proof, is either such a node or a right-edge subtree whose hash folds a few of them, so
//! a store that holds the perfect nodes answers any root or proof with `O(log n)` reads. Proof
//! building is split into a plan (which nodes to read, [`ProofPlan::nodes`]) and the assembly
//! from whatever the store returned, so a database can fetch all nodes of a proof in one query.
//!
//! Verification follows the iterative algorithms of RFC 9162 sections 2.1.3.2 and 2.1.4.2.

use ring::digest::{Context, SHA256};

/// A SHA-256 hash of a leaf, node or tree.
pub type Hash = [u8; 32];

/// The root of the empty tree: SHA-256 of no bytes.
pub const EMPTY_ROOT: Hash = [
    0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24,
    0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55,
];

/// Why a proof could not be built or did not verify.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum MerkleError {
    /// A leaf index at or past the tree size.
    #[error("leaf {index} is not in a tree of size {size}")]
    IndexOutOfRange {
        /// The leaf index asked for.
        index: u64,
        /// The tree size.
        size: u64,
    },
    /// A consistency proof asked from a larger tree to a smaller one.
    #[error("tree size {from} is larger than {to}")]
    SizeOrder {
        /// The older size.
        from: u64,
        /// The newer size.
        to: u64,
    },
    /// The store lacks a node the proof needs.
    #[error("node at level {} index {} is missing", .0.level, .0.index)]
    MissingNode(NodeId),
    /// The proof has the wrong number of hashes for the sizes given.
    #[error("proof has the wrong length")]
    ProofLength,
    /// The proof does not lead to the root it should.
    #[error("proof does not match the root")]
    RootMismatch,
}

/// A perfect subtree: the one over leaves `[index << level, (index + 1) << level)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId {
    /// Height above the leaves; 0 is a leaf hash.
    pub level: u8,
    /// Position among the nodes of that level, from 0 at the left.
    pub index: u64,
}

/// The hash of one leaf's bytes.
#[must_use]
pub fn leaf_hash(leaf: &[u8]) -> Hash {
    let mut ctx = Context::new(&SHA256);
    ctx.update(&[0]);
    ctx.update(leaf);
    finish(ctx)
}

/// The hash of an interior node from its two children.
#[must_use]
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut ctx = Context::new(&SHA256);
    ctx.update(&[1]);
    ctx.update(left);
    ctx.update(right);
    finish(ctx)
}

fn finish(ctx: Context) -> Hash {
    let mut out = [0u8; 32];
    out.copy_from_slice(ctx.finish().as_ref());
    out
}

/// The maximal perfect subtrees covering leaves `[lo, hi)`, left to right.
fn cover(mut lo: u64, hi: u64) -> Vec<NodeId> {
    let mut nodes = Vec::new();
    while lo < hi {
        let mut level = if lo == 0 { 63 } else { lo.trailing_zeros() };
        while level > 0 && (1u64 << level) > hi - lo {
            level -= 1;
        }
        nodes.push(NodeId {
            level: level as u8,
            index: lo >> level,
        });
        lo += 1 << level;
    }
    nodes
}

/// The perfect subtrees whose hashes make up the tree of `size` leaves, left to right.
#[must_use]
pub fn frontier(size: u64) -> Vec<NodeId> {
    cover(0, size)
}

/// The hash of a run of perfect subtrees, folded from the right (a tree's root from its
/// [`frontier`], or one element of a proof from its part of a [`ProofPlan`]).
#[must_use]
pub fn root_of(hashes: &[Hash]) -> Hash {
    let Some((last, rest)) = hashes.split_last() else {
        return EMPTY_ROOT;
    };
    rest.iter().rev().fold(*last, |acc, h| node_hash(h, &acc))
}

/// Every node that becomes complete when `leaves` are appended to a tree of `old_size`
/// leaves whose frontier hashes are `frontier_hashes`, level-0 nodes included, in the order
/// they complete.
pub fn appended(
    old_size: u64,
    frontier_hashes: &[Hash],
    leaves: &[Hash],
) -> Result<Vec<(NodeId, Hash)>, MerkleError> {
    let ids = frontier(old_size);
    if ids.len() != frontier_hashes.len() {
        return Err(MerkleError::ProofLength);
    }
    let mut stack: Vec<(NodeId, Hash)> = ids
        .into_iter()
        .zip(frontier_hashes.iter().copied())
        .collect();
    let mut out = Vec::with_capacity(leaves.len() * 2);
    for (i, leaf) in leaves.iter().enumerate() {
        let id = NodeId {
            level: 0,
            index: old_size + i as u64,
        };
        stack.push((id, *leaf));
        out.push((id, *leaf));
        while let [.., (left_id, left), (right_id, right)] = stack[..] {
            if left_id.level != right_id.level {
                break;
            }
            let parent = (
                NodeId {
                    level: left_id.level + 1,
                    index: right_id.index >> 1,
                },
                node_hash(&left, &right),
            );
            stack.truncate(stack.len() - 2);
            stack.push(parent);
            out.push(parent);
        }
    }
    Ok(out)
}

/// Which stored nodes make up each element of a proof.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProofPlan {
    parts: Vec<Vec<NodeId>>,
}

impl ProofPlan {
    fn from_ranges(ranges: Vec<(u64, u64)>) -> Self {
        Self {
            parts: ranges.into_iter().map(|(lo, hi)| cover(lo, hi)).collect(),
        }
    }

    /// Every node the proof needs, without repeats, sorted.
    #[must_use]
    pub fn nodes(&self) -> Vec<NodeId> {
        let mut all: Vec<NodeId> = self.parts.iter().flatten().copied().collect();
        all.sort_unstable();
        all.dedup();
        all
    }

    /// Builds the proof from node hashes looked up by `node`.
    pub fn assemble(
        &self,
        mut node: impl FnMut(NodeId) -> Option<Hash>,
    ) -> Result<Vec<Hash>, MerkleError> {
        self.parts
            .iter()
            .map(|part| {
                let hashes = part
                    .iter()
                    .map(|id| node(*id).ok_or(MerkleError::MissingNode(*id)))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(root_of(&hashes))
            })
            .collect()
    }
}

/// The largest power of two strictly below `n` (n >= 2).
fn split(n: u64) -> u64 {
    1 << (n - 1).ilog2()
}

/// RFC 6962 PATH: the subtrees proving leaf `m` inside leaves `[lo, hi)`.
fn path(m: u64, lo: u64, hi: u64, out: &mut Vec<(u64, u64)>) {
    if hi - lo <= 1 {
        return;
    }
    let k = split(hi - lo);
    if m < lo + k {
        path(m, lo, lo + k, out);
        out.push((lo + k, hi));
    } else {
        path(m, lo + k, hi, out);
        out.push((lo, lo + k));
    }
}

/// RFC 6962 SUBPROOF: the subtrees proving that the first `m` leaves of `[lo, hi)` are a prefix.
fn subproof(m: u64, lo: u64, hi: u64, whole: bool, out: &mut Vec<(u64, u64)>) {
    let n = hi - lo;
    if m == n {
        if !whole {
            out.push((lo, hi));
        }
        return;
    }
    let k = split(n);
    if m <= k {
        subproof(m, lo, lo + k, whole, out);
        out.push((lo + k, hi));
    } else {
        subproof(m - k, lo + k, hi, false, out);
        out.push((lo, lo + k));
    }
}

/// Plans the inclusion proof of leaf `index` in the tree of `size` leaves.
pub fn inclusion_plan(index: u64, size: u64) -> Result<ProofPlan, MerkleError> {
    if index >= size {
        return Err(MerkleError::IndexOutOfRange { index, size });
    }
    let mut ranges = Vec::new();
    path(index, 0, size, &mut ranges);
    Ok(ProofPlan::from_ranges(ranges))
}

/// Plans the proof that the tree of `from` leaves is a prefix of the tree of `to` leaves.
pub fn consistency_plan(from: u64, to: u64) -> Result<ProofPlan, MerkleError> {
    if from > to {
        return Err(MerkleError::SizeOrder { from, to });
    }
    let mut ranges = Vec::new();
    if from > 0 && from < to {
        subproof(from, 0, to, true, &mut ranges);
    }
    Ok(ProofPlan::from_ranges(ranges))
}

/// Checks that `leaf` (a leaf hash) is leaf `index` of the tree of `size` leaves with `root`.
pub fn verify_inclusion(
    leaf: &Hash,
    index: u64,
    size: u64,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), MerkleError> {
    if index >= size {
        return Err(MerkleError::IndexOutOfRange { index, size });
    }
    let (mut fn_, mut sn) = (index, size - 1);
    let mut r = *leaf;
    for p in proof {
        if sn == 0 {
            return Err(MerkleError::ProofLength);
        }
        if fn_ & 1 == 1 || fn_ == sn {
            r = node_hash(p, &r);
            while fn_ & 1 == 0 && fn_ != 0 {
                fn_ >>= 1;
                sn >>= 1;
            }
        } else {
            r = node_hash(&r, p);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    if sn != 0 {
        return Err(MerkleError::ProofLength);
    }
    if r == *root {
        Ok(())
    } else {
        Err(MerkleError::RootMismatch)
    }
}

/// Checks that the tree of `from` leaves with `from_root` is a prefix of the tree of `to`
/// leaves with `to_root`.
pub fn verify_consistency(
    from: u64,
    to: u64,
    from_root: &Hash,
    to_root: &Hash,
    proof: &[Hash],
) -> Result<(), MerkleError> {
    if from > to {
        return Err(MerkleError::SizeOrder { from, to });
    }
    if from == to {
        return match (proof.is_empty(), from_root == to_root) {
            (false, _) => Err(MerkleError::ProofLength),
            (true, false) => Err(MerkleError::RootMismatch),
            (true, true) => Ok(()),
        };
    }
    if from == 0 {
        return if proof.is_empty() {
            Ok(())
        } else {
            Err(MerkleError::ProofLength)
        };
    }
    let mut path: Vec<Hash> = Vec::with_capacity(proof.len() + 1);
    if from.is_power_of_two() {
        path.push(*from_root);
    }
    path.extend_from_slice(proof);
    let Some((first, rest)) = path.split_first() else {
        return Err(MerkleError::ProofLength);
    };
    let (mut fn_, mut sn) = (from - 1, to - 1);
    while fn_ & 1 == 1 {
        fn_ >>= 1;
        sn >>= 1;
    }
    let (mut fr, mut sr) = (*first, *first);
    for c in rest {
        if sn == 0 {
            return Err(MerkleError::ProofLength);
        }
        if fn_ & 1 == 1 || fn_ == sn {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            while fn_ & 1 == 0 && fn_ != 0 {
                fn_ >>= 1;
                sn >>= 1;
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    if sn != 0 {
        return Err(MerkleError::ProofLength);
    }
    if fr == *from_root && sr == *to_root {
        Ok(())
    } else {
        Err(MerkleError::RootMismatch)
    }
}

/// A whole tree in memory: for auditors rebuilding a log from its leaves, and for tests.
#[derive(Clone, Debug, Default)]
pub struct MemoryTree {
    /// `levels[l][i]` is the hash of [`NodeId`] `{ level: l, index: i }`.
    levels: Vec<Vec<Hash>>,
}

impl MemoryTree {
    /// An empty tree.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends a leaf by its hash ([`leaf_hash`]).
    pub fn push(&mut self, leaf: Hash) {
        let mut level = 0;
        let mut hash = leaf;
        loop {
            if self.levels.len() == level {
                self.levels.push(Vec::new());
            }
            let row = &mut self.levels[level];
            row.push(hash);
            let i = row.len() - 1;
            if i.is_multiple_of(2) {
                return;
            }
            hash = node_hash(&row[i - 1], &row[i]);
            level += 1;
        }
    }

    /// The number of leaves.
    #[must_use]
    pub fn len(&self) -> u64 {
        self.levels.first().map_or(0, |l| l.len() as u64)
    }

    /// Whether the tree has no leaves.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A stored perfect node.
    #[must_use]
    pub fn node(&self, id: NodeId) -> Option<Hash> {
        let index = usize::try_from(id.index).ok()?;
        self.levels.get(usize::from(id.level))?.get(index).copied()
    }

    /// The root of the whole tree.
    #[must_use]
    pub fn root(&self) -> Hash {
        self.root_at(self.len()).unwrap_or(EMPTY_ROOT)
    }

    /// The root of the tree of the first `size` leaves.
    pub fn root_at(&self, size: u64) -> Result<Hash, MerkleError> {
        let hashes = frontier(size)
            .into_iter()
            .map(|id| self.node(id).ok_or(MerkleError::MissingNode(id)))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(root_of(&hashes))
    }

    /// The inclusion proof of leaf `index` in the tree of the first `size` leaves.
    pub fn inclusion_proof(&self, index: u64, size: u64) -> Result<Vec<Hash>, MerkleError> {
        inclusion_plan(index, size)?.assemble(|id| self.node(id))
    }

    /// The consistency proof from the first `from` leaves to the first `to`.
    pub fn consistency_proof(&self, from: u64, to: u64) -> Result<Vec<Hash>, MerkleError> {
        consistency_plan(from, to)?.assemble(|id| self.node(id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(n: u64) -> MemoryTree {
        let mut t = MemoryTree::new();
        for i in 0..n {
            t.push(leaf_hash(&i.to_be_bytes()));
        }
        t
    }

    /// The RFC's recursive definition, straight from the text, as the reference.
    fn reference_root(leaves: &[Hash]) -> Hash {
        match leaves.len() {
            0 => EMPTY_ROOT,
            1 => leaves[0],
            n => {
                let k = split(n as u64) as usize;
                node_hash(&reference_root(&leaves[..k]), &reference_root(&leaves[k..]))
            }
        }
    }

    #[test]
    fn roots_match_the_recursive_definition() {
        let leaves: Vec<Hash> = (0..70u64).map(|i| leaf_hash(&i.to_be_bytes())).collect();
        let t = tree(70);
        for size in 0..=70 {
            assert_eq!(
                t.root_at(size).unwrap(),
                reference_root(&leaves[..size as usize])
            );
        }
    }

    #[test]
    fn every_proof_up_to_40_leaves_verifies_and_a_wrong_one_does_not() {
        let t = tree(40);
        for size in 1..=40 {
            let root = t.root_at(size).unwrap();
            for index in 0..size {
                let proof = t.inclusion_proof(index, size).unwrap();
                let leaf = t.node(NodeId { level: 0, index }).unwrap();
                verify_inclusion(&leaf, index, size, &proof, &root).unwrap();
                let other = leaf_hash(b"not this one");
                assert!(verify_inclusion(&other, index, size, &proof, &root).is_err());
            }
            for from in 0..=size {
                let proof = t.consistency_proof(from, size).unwrap();
                let old = t.root_at(from).unwrap();
                verify_consistency(from, size, &old, &root, &proof).unwrap();
                if from > 0 && from < size {
                    let forged = leaf_hash(b"forged");
                    assert!(verify_consistency(from, size, &forged, &root, &proof).is_err());
                }
            }
        }
    }

    #[test]
    fn appending_in_batches_stores_the_same_nodes_as_one_by_one() {
        let whole = tree(37);
        let mut stored = std::collections::HashMap::new();
        let mut size = 0u64;
        for batch in [1u64, 2, 5, 8, 1, 20] {
            let frontier_hashes: Vec<Hash> = frontier(size).iter().map(|id| stored[id]).collect();
            let leaves: Vec<Hash> = (size..size + batch)
                .map(|i| leaf_hash(&i.to_be_bytes()))
                .collect();
            for (id, hash) in appended(size, &frontier_hashes, &leaves).unwrap() {
                assert_eq!(whole.node(id), Some(hash), "node {id:?}");
                assert!(stored.insert(id, hash).is_none(), "node {id:?} made twice");
            }
            size += batch;
        }
        let count: usize = whole.levels.iter().map(Vec::len).sum();
        assert_eq!(stored.len(), count);
    }

    #[test]
    fn out_of_range_requests_are_refused() {
        assert_eq!(
            inclusion_plan(5, 5),
            Err(MerkleError::IndexOutOfRange { index: 5, size: 5 })
        );
        assert_eq!(
            consistency_plan(6, 5),
            Err(MerkleError::SizeOrder { from: 6, to: 5 })
        );
        assert_eq!(appended(3, &[], &[]), Err(MerkleError::ProofLength));
    }
}

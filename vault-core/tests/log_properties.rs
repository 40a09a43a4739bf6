//! Property tests of the log formats: proofs between random tree sizes verify and fail once
//! tampered with, a database-style store built by batched appends serves the same proofs as the
//! in-memory tree, and the leaf and checkpoint parsers refuse any input without panicking.

use std::collections::HashMap;

use proptest::prelude::*;
use vault_core::checkpoint::{Checkpoint, NoteKey, SignedCheckpoint};
use vault_core::keys::SigningKey;
use vault_core::leaf::LogLeaf;
use vault_core::merkle::{
    appended, consistency_plan, frontier, inclusion_plan, leaf_hash, root_of, verify_consistency,
    verify_inclusion, Hash, MemoryTree, NodeId,
};

fn tree(n: u64) -> MemoryTree {
    let mut t = MemoryTree::new();
    for i in 0..n {
        t.push(leaf_hash(&i.to_le_bytes()));
    }
    t
}

/// Nodes as a database would hold them after appending `batches` one after another.
fn stored(batches: &[u64]) -> (u64, HashMap<NodeId, Hash>) {
    let mut nodes = HashMap::new();
    let mut size = 0;
    for &batch in batches {
        let front: Vec<Hash> = frontier(size).iter().map(|id| nodes[id]).collect();
        let leaves: Vec<Hash> = (size..size + batch)
            .map(|i| leaf_hash(&i.to_le_bytes()))
            .collect();
        nodes.extend(appended(size, &front, &leaves).unwrap());
        size += batch;
    }
    (size, nodes)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn inclusion_proofs_verify_and_tampering_fails(size in 1u64..3000, seed in any::<u64>()) {
        let t = tree(size);
        let index = seed % size;
        let root = t.root_at(size).unwrap();
        let leaf = t.node(NodeId { level: 0, index }).unwrap();
        let mut proof = t.inclusion_proof(index, size).unwrap();
        prop_assert!(verify_inclusion(&leaf, index, size, &proof, &root).is_ok());
        if !proof.is_empty() {
            let i = (seed as usize / 7) % proof.len();
            proof[i][(seed % 32) as usize] ^= 1;
            prop_assert!(verify_inclusion(&leaf, index, size, &proof, &root).is_err());
        }
    }

    #[test]
    fn consistency_proofs_verify_and_forks_fail(to in 1u64..3000, seed in any::<u64>()) {
        let t = tree(to);
        let from = seed % (to + 1);
        let proof = t.consistency_proof(from, to).unwrap();
        let (old, new) = (t.root_at(from).unwrap(), t.root_at(to).unwrap());
        prop_assert!(verify_consistency(from, to, &old, &new, &proof).is_ok());
        if from > 0 && from < to {
            // A fork: the same old size, but one leaf different.
            let mut fork = MemoryTree::new();
            for i in 0..from {
                let bytes = if i == seed % from { u64::MAX } else { i };
                fork.push(leaf_hash(&bytes.to_le_bytes()));
            }
            let forked = fork.root();
            prop_assert!(verify_consistency(from, to, &forked, &new, &proof).is_err());
        }
    }

    #[test]
    fn batched_store_serves_the_same_roots_and_proofs(
        batches in proptest::collection::vec(1u64..300, 1..12), seed in any::<u64>()
    ) {
        let (size, nodes) = stored(&batches);
        let t = tree(size);
        let front: Vec<Hash> = frontier(size).iter().map(|id| nodes[id]).collect();
        prop_assert_eq!(root_of(&front), t.root());
        let index = seed % size;
        let plan = inclusion_plan(index, size).unwrap();
        prop_assert_eq!(
            plan.assemble(|id| nodes.get(&id).copied()).unwrap(),
            t.inclusion_proof(index, size).unwrap()
        );
        let from = seed % (size + 1);
        let plan = consistency_plan(from, size).unwrap();
        prop_assert_eq!(
            plan.assemble(|id| nodes.get(&id).copied()).unwrap(),
            t.consistency_proof(from, size).unwrap()
        );
    }

    #[test]
    fn leaf_decode_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let _ = LogLeaf::decode(&bytes);
    }

    #[test]
    fn note_open_never_panics(text in "\\PC{0,300}", size in any::<u64>()) {
        let key = SigningKey::generate().unwrap();
        let log = NoteKey { name: "log".into(), key: key.verifying_key() };
        let _ = SignedCheckpoint::open(&text, &log);
        let note = Checkpoint { origin: "log".into(), size, root: [0; 32], time: 1 }.sign(&key);
        let _ = SignedCheckpoint::open(&format!("{text}{note}"), &log);
        let _ = SignedCheckpoint::open(&format!("{note}{text}"), &log);
        prop_assert!(SignedCheckpoint::open(&note, &log).is_ok());
    }
}

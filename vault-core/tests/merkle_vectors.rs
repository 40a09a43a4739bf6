//! RFC 6962 known answers: the tree hashes, inclusion proofs and consistency proofs of
//! `tests/vectors/rfc6962.json` (see its `source`) are rebuilt by `vault_core::merkle`, verify,
//! and stop verifying when any part of them is changed.

use serde::Deserialize;
use vault_core::merkle::{
    leaf_hash, verify_consistency, verify_inclusion, Hash, MemoryTree, NodeId, EMPTY_ROOT,
};

#[derive(Deserialize)]
struct Vectors {
    leaves: Vec<String>,
    roots: Vec<String>,
    nodes: Vec<Vec<String>>,
    inclusion: Vec<Inclusion>,
    consistency: Vec<Consistency>,
}

#[derive(Deserialize)]
struct Inclusion {
    index: u64,
    size: u64,
    proof: Vec<String>,
}

#[derive(Deserialize)]
struct Consistency {
    from: u64,
    to: u64,
    proof: Vec<String>,
}

fn hash(text: &str) -> Hash {
    hex::decode(text).unwrap().try_into().unwrap()
}

fn hashes(texts: &[String]) -> Vec<Hash> {
    texts.iter().map(|t| hash(t)).collect()
}

fn load() -> (Vectors, MemoryTree) {
    let text = include_str!("vectors/rfc6962.json");
    let vectors: Vectors = serde_json::from_str(text).unwrap();
    let mut tree = MemoryTree::new();
    for leaf in &vectors.leaves {
        tree.push(leaf_hash(&hex::decode(leaf).unwrap()));
    }
    (vectors, tree)
}

#[test]
fn roots_and_nodes_match() {
    let (v, tree) = load();
    assert_eq!(hash(&v.roots[0]), EMPTY_ROOT);
    for (size, root) in v.roots.iter().enumerate() {
        assert_eq!(
            tree.root_at(size as u64).unwrap(),
            hash(root),
            "root of size {size}"
        );
    }
    for (level, row) in v.nodes.iter().enumerate() {
        for (index, node) in row.iter().enumerate() {
            let id = NodeId {
                level: level as u8,
                index: index as u64,
            };
            assert_eq!(tree.node(id), Some(hash(node)), "{id:?}");
        }
    }
}

/// Ways to spoil a proof; each must make verification fail.
fn spoiled(proof: &[Hash]) -> Vec<(String, Vec<Hash>)> {
    let mut out = vec![
        ("trailing hash".to_owned(), [proof, &[[7; 32]]].concat()),
        ("leading hash".to_owned(), [&[[7; 32]], proof].concat()),
    ];
    if !proof.is_empty() {
        out.push(("last removed".to_owned(), proof[..proof.len() - 1].to_vec()));
    }
    for i in 0..proof.len() {
        let mut p = proof.to_vec();
        p[i][0] ^= 8;
        out.push((format!("bit flipped in element {i}"), p));
    }
    out
}

#[test]
fn inclusion_proofs_match_and_verify() {
    let (v, tree) = load();
    for case in &v.inclusion {
        let expected = hashes(&case.proof);
        assert_eq!(
            tree.inclusion_proof(case.index, case.size).unwrap(),
            expected
        );
        let leaf = tree
            .node(NodeId {
                level: 0,
                index: case.index,
            })
            .unwrap();
        let root = hash(&v.roots[case.size as usize]);
        verify_inclusion(&leaf, case.index, case.size, &expected, &root).unwrap();
        for (what, proof) in spoiled(&expected) {
            let r = verify_inclusion(&leaf, case.index, case.size, &proof, &root);
            assert!(
                r.is_err(),
                "{what} accepted for leaf {} of {}",
                case.index,
                case.size
            );
        }
        let wrong_index = case.index ^ 1;
        if wrong_index < case.size && case.size > 1 {
            assert!(verify_inclusion(&leaf, wrong_index, case.size, &expected, &root).is_err());
        }
        assert!(verify_inclusion(&leaf, case.index, case.size * 2, &expected, &root).is_err());
        assert!(verify_inclusion(&leaf, case.index, case.size, &expected, &EMPTY_ROOT).is_err());
    }
}

#[test]
fn consistency_proofs_match_and_verify() {
    let (v, tree) = load();
    for case in &v.consistency {
        let expected = hashes(&case.proof);
        assert_eq!(
            tree.consistency_proof(case.from, case.to).unwrap(),
            expected
        );
        let old = hash(&v.roots[case.from as usize]);
        let new = hash(&v.roots[case.to as usize]);
        verify_consistency(case.from, case.to, &old, &new, &expected).unwrap();
        if expected.is_empty() {
            continue;
        }
        for (what, proof) in spoiled(&expected) {
            let r = verify_consistency(case.from, case.to, &old, &new, &proof);
            assert!(
                r.is_err(),
                "{what} accepted for {} to {}",
                case.from,
                case.to
            );
        }
        assert!(verify_consistency(case.from, case.to, &new, &old, &expected).is_err());
        assert!(verify_consistency(case.from, case.to, &old, &new, &[]).is_err());
        assert!(verify_consistency(case.from - 1, case.to, &old, &new, &expected).is_err());
        assert!(verify_consistency(case.from, case.to * 2, &old, &new, &expected).is_err());
    }
}

#[test]
fn trivial_consistency_cases() {
    let a = [1u8; 32];
    let b = [2u8; 32];
    verify_consistency(0, 0, &a, &a, &[]).unwrap();
    verify_consistency(0, 5, &a, &b, &[]).unwrap();
    assert!(verify_consistency(1, 1, &a, &b, &[]).is_err());
    assert!(verify_consistency(2, 1, &a, &b, &[]).is_err());
    assert!(verify_consistency(1, 2, &a, &b, &[]).is_err());
    assert!(verify_consistency(1, 1, &a, &a, &[EMPTY_ROOT]).is_err());
}

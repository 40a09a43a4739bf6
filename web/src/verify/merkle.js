// The log's Merkle tree as a verifier sees it: RFC 6962 hashing and the checks of inclusion
// and consistency proofs, ported from vault-core/src/merkle.rs.
//
// A leaf hashes as SHA-256(0x00 || leaf) and a node as SHA-256(0x01 || left || right), so a
// leaf never passes for a node. The proof checks follow the iterative algorithms of RFC 9162
// sections 2.1.3.2 and 2.1.4.2, step for step as the Rust client runs them, so a proof the
// command-line client refuses is refused here with the same reason. Indexes and sizes are
// u64 on the wire; they are handled as BigInt so bit operations stay exact past 2^31.

import { VerifyError } from './errors.js';
import { equal, sha256 } from './bytes.js';

const LEAF = Uint8Array.of(0);
const NODE = Uint8Array.of(1);
const U64_MAX = (1n << 64n) - 1n;

/** SHA-256 of no bytes: the root of the empty tree. */
export const EMPTY_ROOT = sha256();

/** @param {Uint8Array} leaf the exact leaf bytes @returns {Uint8Array} */
export function leafHash(leaf) {
  return sha256(LEAF, leaf);
}

/** @param {Uint8Array} left @param {Uint8Array} right @returns {Uint8Array} */
export function nodeHash(left, right) {
  return sha256(NODE, left, right);
}

/**
 * A tree size or index as a BigInt within u64.
 * @param {number | bigint} value
 * @param {string} what
 */
export function u64(value, what) {
  const ok = (typeof value === 'bigint' || Number.isSafeInteger(value))
    && BigInt(value) >= 0n && BigInt(value) <= U64_MAX;
  if (!ok) {
    throw proofError('proof-malformed', `${what} is not a whole number of leaves`);
  }
  return BigInt(value);
}

/**
 * @param {string} code
 * @param {string} why
 * @param {Record<string, unknown>} [details]
 */
function proofError(code, why, details = {}) {
  return new VerifyError(code, `The log's proof does not hold: ${why}.`, { why, ...details });
}

/**
 * Checks that `leaf` (a leaf hash) is leaf `index` of the tree of `size` leaves with `root`.
 * Throws 'proof-index', 'proof-length' or 'proof-root'.
 * @param {Uint8Array} leaf
 * @param {number | bigint} index
 * @param {number | bigint} size
 * @param {Uint8Array[]} proof
 * @param {Uint8Array} root
 */
export function verifyInclusion(leaf, index, size, proof, root) {
  const [i, n] = [u64(index, 'the leaf index'), u64(size, 'the tree size')];
  if (i >= n) {
    throw proofError('proof-index', `leaf ${i} is not in a tree of size ${n}`);
  }
  let [fn, sn] = [i, n - 1n];
  let r = leaf;
  for (const p of proof) {
    if (sn === 0n) {
      throw proofError('proof-length', 'the proof has the wrong length');
    }
    if ((fn & 1n) === 1n || fn === sn) {
      r = nodeHash(p, r);
      while ((fn & 1n) === 0n && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      r = nodeHash(r, p);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  if (sn !== 0n) {
    throw proofError('proof-length', 'the proof has the wrong length');
  }
  if (!equal(r, root)) {
    throw proofError('proof-root', 'the proof does not match the root');
  }
}

/**
 * Checks that the tree of `from` leaves with `fromRoot` is a prefix of the tree of `to`
 * leaves with `toRoot`. Throws 'proof-sizes', 'proof-length' or 'proof-root'.
 * @param {number | bigint} from
 * @param {number | bigint} to
 * @param {Uint8Array} fromRoot
 * @param {Uint8Array} toRoot
 * @param {Uint8Array[]} proof
 */
export function verifyConsistency(from, to, fromRoot, toRoot, proof) {
  const [m, n] = [u64(from, 'the older tree size'), u64(to, 'the newer tree size')];
  if (m > n) {
    throw proofError('proof-sizes', `tree size ${m} is larger than ${n}`);
  }
  if (m === n) {
    if (proof.length > 0) {
      throw proofError('proof-length', 'the proof has the wrong length');
    }
    if (!equal(fromRoot, toRoot)) {
      throw proofError('proof-root', 'the proof does not match the root');
    }
    return;
  }
  if (m === 0n) {
    if (proof.length > 0) {
      throw proofError('proof-length', 'the proof has the wrong length');
    }
    return;
  }
  const path = isPowerOfTwo(m) ? [fromRoot, ...proof] : [...proof];
  if (path.length === 0) {
    throw proofError('proof-length', 'the proof has the wrong length');
  }
  const [first, ...rest] = path;
  let [fn, sn] = [m - 1n, n - 1n];
  while ((fn & 1n) === 1n) {
    fn >>= 1n;
    sn >>= 1n;
  }
  let [fr, sr] = [first, first];
  for (const c of rest) {
    if (sn === 0n) {
      throw proofError('proof-length', 'the proof has the wrong length');
    }
    if ((fn & 1n) === 1n || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while ((fn & 1n) === 0n && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  if (sn !== 0n) {
    throw proofError('proof-length', 'the proof has the wrong length');
  }
  if (!equal(fr, fromRoot) || !equal(sr, toRoot)) {
    throw proofError('proof-root', 'the proof does not match the root');
  }
}

/** @param {bigint} n */
function isPowerOfTwo(n) {
  return n > 0n && (n & (n - 1n)) === 0n;
}

/**
 * The root of a tree from its leaf hashes, by RFC 6962's recursive definition: for tests and
 * for an auditor who holds every leaf.
 * @param {Uint8Array[]} leaves
 * @returns {Uint8Array}
 */
export function rootOfLeaves(leaves) {
  if (leaves.length === 0) {
    return EMPTY_ROOT;
  }
  if (leaves.length === 1) {
    return leaves[0];
  }
  let k = 1;
  while (k * 2 < leaves.length) {
    k *= 2;
  }
  return nodeHash(rootOfLeaves(leaves.slice(0, k)), rootOfLeaves(leaves.slice(k)));
}

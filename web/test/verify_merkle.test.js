// The Merkle proof checks (web/src/verify/merkle.js) against proofs built from RFC 6962's
// recursive definitions: every proof of trees up to 40 leaves verifies, and a wrong leaf, a
// wrong root, a short or long proof, or a leaf past the tree is refused with its own code.

import assert from 'node:assert/strict';
import test from 'node:test';

import {
  EMPTY_ROOT, leafHash, rootOfLeaves, verifyConsistency, verifyInclusion,
} from '../src/verify/merkle.js';
import { toHex, utf8 } from '../src/verify/bytes.js';
import { proofs } from './verify_fixtures.js';

const leaves = Array.from({ length: 40 }, (_, i) => leafHash(utf8(`leaf ${i}`)));

/** @param {() => void} f @param {string} code */
function refuses(f, code) {
  assert.throws(f, (e) => e.code === code, `expected ${code}`);
}

test('the empty tree and a one-leaf tree have the roots RFC 6962 gives', () => {
  assert.equal(toHex(EMPTY_ROOT),
    'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  assert.equal(toHex(leafHash(new Uint8Array())),
    '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d');
});

test('every inclusion proof up to 40 leaves verifies, and a wrong leaf does not', () => {
  for (let size = 1; size <= 40; size += 1) {
    const tree = leaves.slice(0, size);
    const root = rootOfLeaves(tree);
    for (let index = 0; index < size; index += 1) {
      const proof = proofs.inclusion(index, tree);
      verifyInclusion(tree[index], index, size, proof, root);
      refuses(() => verifyInclusion(leafHash(utf8('not this')), index, size, proof, root),
        'proof-root');
    }
  }
});

test('every consistency proof up to 40 leaves verifies, and a forged old root does not', () => {
  for (let size = 1; size <= 40; size += 1) {
    const root = rootOfLeaves(leaves.slice(0, size));
    for (let from = 0; from <= size; from += 1) {
      const old = rootOfLeaves(leaves.slice(0, from));
      const proof = proofs.consistency(from, leaves.slice(0, size));
      verifyConsistency(from, size, old, root, proof);
      if (from > 0 && from < size) {
        refuses(() => verifyConsistency(from, size, leafHash(utf8('forged')), root, proof),
          'proof-root');
      }
    }
  }
});

test('proofs of the wrong length, sizes out of order and leaves past the tree are refused', () => {
  const tree = leaves.slice(0, 7);
  const root = rootOfLeaves(tree);
  const proof = proofs.inclusion(3, tree);
  refuses(() => verifyInclusion(tree[3], 3, 7, proof.slice(1), root), 'proof-length');
  refuses(() => verifyInclusion(tree[3], 3, 7, [...proof, root], root), 'proof-length');
  refuses(() => verifyInclusion(tree[3], 7, 7, proof, root), 'proof-index');
  refuses(() => verifyConsistency(8, 7, root, root, []), 'proof-sizes');
  refuses(() => verifyConsistency(7, 7, root, root, [root]), 'proof-length');
  refuses(() => verifyConsistency(0, 7, EMPTY_ROOT, root, [root]), 'proof-length');
  refuses(() => verifyConsistency(3, 7, rootOfLeaves(tree.slice(0, 3)), root, []),
    'proof-length');
  refuses(() => verifyInclusion(tree[3], -1, 7, proof, root), 'proof-malformed');
});

test('indexes past 2^32 are handled exactly', () => {
  // A right-edge leaf of a huge tree: the proof is the one left sibling at each level, so a
  // path of 33 hashes; the check must walk it with 64-bit arithmetic.
  const size = 2 ** 33 + 1;
  const leaf = leafHash(utf8('last'));
  const left = leafHash(utf8('left subtree'));
  const root = rootOfLeaves([left, leaf]);
  verifyInclusion(leaf, size - 1, size, [left], root);
  refuses(() => verifyInclusion(leaf, size - 2, size, [left], root), 'proof-length');
});

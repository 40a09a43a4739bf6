// Log leaves (web/src/verify/leaf.js) are read as the Rust types read them: a version-1 leaf
// with only the known fields, no repeated key (which JSON.parse would quietly take the last
// of), whole numbers where Rust has integers, and at most 64 KiB.

import assert from 'node:assert/strict';
import test from 'node:test';

import { carries, decodeLeaf, MAX_LEAF_BYTES } from '../src/verify/leaf.js';

const statement = { statement: 'AAEC', signer: 'A'.repeat(43) + '=', signature: 'AAAA' };
const leaf = {
  v: 1, time: 1796000000, action: 'org.created', actor: null,
  org_id: '01010101-0101-0101-0101-010101010101', object_kind: 'org', object_id: 'x\ny',
  case_id: null, statement,
};

/** @param {string} text @param {string} code */
function refuses(text, code = 'leaf-malformed') {
  assert.throws(() => decodeLeaf(text), (e) => e.code === code, text.slice(0, 80));
}

test('a version-1 leaf decodes and carries exactly its statement', () => {
  const decoded = decodeLeaf(JSON.stringify(leaf));
  assert.equal(decoded.action, 'org.created');
  assert.ok(carries(decoded, statement));
  assert.ok(!carries(decoded, { ...statement, signature: 'AAAB' }));
  assert.ok(!carries(decodeLeaf(JSON.stringify({ ...leaf, statement: undefined })), statement));
});

test('unknown fields, other versions, repeated keys and fractions are refused', () => {
  refuses(JSON.stringify({ ...leaf, extra: 1 }));
  refuses(JSON.stringify({ ...leaf, v: 2 }));
  refuses(JSON.stringify({ ...leaf, keys: { other: null } }));
  refuses(JSON.stringify(leaf).replace('"v":1', '"v":1.0'));
  refuses(JSON.stringify(leaf).replace('"v":1', '"v":1e0'));
  const twice = `{"statement":${JSON.stringify(statement)},"v":1`;
  refuses(JSON.stringify(leaf).replace('{"v":1', twice));
  refuses(JSON.stringify({ ...leaf, actor: 'someone' }));
  refuses(JSON.stringify({ ...leaf, statement: { ...statement, signer: 'AAAA' } }));
  refuses(' '.repeat(MAX_LEAF_BYTES + 1), 'leaf-too-large');
  // Unknown fields inside the statement are skipped by serde, whatever they hold.
  const lenient = JSON.stringify({ ...leaf, statement: { ...statement, note: 1.5 } });
  assert.ok(carries(decodeLeaf(lenient), statement));
});

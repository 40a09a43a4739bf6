// Unit tests of web/src/core/statement.js: every claim kind round-trips through encode, sign
// and verify; decoding refuses every non-canonical form statement.rs refuses.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { encode as b64encode, decode as b64decode } from '../src/core/b64.js';
import { newId } from '../src/core/ids.js';
import { generateIdentity, SigningKey } from '../src/core/keys.js';
import * as st from '../src/core/statement.js';

const fp = () => crypto.getRandomValues(new Uint8Array(16));
const digest = (n) => new Uint8Array(32).fill(n);

async function everyClaim() {
  const { recipient } = await generateIdentity();
  const signing = SigningKey.generate().publicKey;
  return [
    { kind: 'org-key-published', org: newId(), version: 3, key: recipient },
    { kind: 'member-certified', org: newId(), user: newId(), role: 'manager',
      encryptionKey: recipient, signingKey: signing },
    { kind: 'member-removed', org: newId(), user: newId() },
    { kind: 'document-sealed', org: newId(), case: newId(), document: newId(),
      ciphertextSha256: digest(7), ciphertextSize: 1234n, metadataSha256: digest(9),
      documentKey: fp() },
    { kind: 'key-wrapped', org: newId(), scope: { kind: 'document', id: newId() }, key: fp(),
      recipient: fp(), envelopeSha256: digest(1) },
    { kind: 'document-shared', document: newId(), fromOrg: newId(), toOrg: newId(),
      toOrgKey: fp(), envelopeSha256: digest(2) },
    { kind: 'share-revoked', document: newId(), toOrg: newId() },
    { kind: 'case-transferred', case: newId(), fromOrg: newId(), toOrg: newId(),
      toOrgKey: fp(), newCaseKey: fp(), documents: 7n },
    { kind: 'transfer-accepted', case: newId(), fromOrg: newId(), toOrg: newId(),
      newCaseKey: fp() },
  ];
}

test('every kind signs, verifies and decodes to the same statement', async () => {
  const key = SigningKey.generate();
  for (const claim of await everyClaim()) {
    const statement = { issuedAt: st.nowSeconds(), claim };
    const wire = st.signStatement(statement, key);
    assert.deepEqual(st.verifySigned(wire), statement, claim.kind);
    assert.deepEqual(st.decodeStatement(st.encodeStatement(statement)), statement);
  }
});

test('any changed byte or another signer is refused', async () => {
  const key = SigningKey.generate();
  const [, , , sealed] = await everyClaim();
  const wire = st.signStatement({ issuedAt: 5n, claim: sealed }, key);
  const bytes = b64decode(wire.statement);
  for (let i = 0; i < bytes.length; i++) {
    const changed = bytes.slice();
    changed[i] ^= 1;
    assert.throws(() => st.verifySigned({ ...wire, statement: b64encode(changed) }), {
      code: 'bad-signature' }, `byte ${i}`);
  }
  const other = b64encode(SigningKey.generate().publicKey);
  assert.throws(() => st.verifySigned({ ...wire, signer: other }), { code: 'bad-signature' });
  assert.throws(() => st.verifySigned({ ...wire, signature: 'AAAA' }), { code: 'bad-signature' });
});

test('decoding refuses trailing, truncated, non-canonical bytes as statement.rs', async () => {
  const claims = await everyClaim();
  const bytes = st.encodeStatement({ issuedAt: 1n, claim: claims[3] });
  const longer = new Uint8Array(bytes.length + 1);
  longer.set(bytes);
  const reason = (b) => {
    try {
      st.decodeStatement(b);
      return 'accepted';
    } catch (e) {
      assert.equal(e.code, 'malformed');
      return e.message.replace('statement encoding is invalid: ', '');
    }
  };
  assert.equal(reason(longer), 'trailing bytes');
  assert.equal(reason(bytes.subarray(0, bytes.length - 1)), 'truncated');
  assert.equal(reason(new TextEncoder().encode('something else')), 'domain tag');
  assert.equal(reason(new Uint8Array(4097)), 'too long');
  // Binary bytes read as Latin-1 keep one character per byte, so indexes are byte offsets.
  const find = (b, ascii) => new TextDecoder('latin1').decode(b).indexOf(ascii);
  const shouting = st.encodeStatement({ issuedAt: 1n, claim: claims[0] });
  const at = find(shouting, 'age1');
  shouting.set(new TextEncoder().encode(claims[0].key.toUpperCase()), at);
  assert.equal(reason(shouting), 'not canonical');
  const role = st.encodeStatement({ issuedAt: 1n, claim: claims[1] });
  role[find(role, 'manager')] = 'n'.charCodeAt(0);
  assert.equal(reason(role), 'role');
});

test('encoding refuses values that do not fit', async () => {
  const claims = await everyClaim();
  const bad = (claim) => assert.throws(() => st.encodeStatement({ issuedAt: 1n, claim }));
  bad({ ...claims[0], version: 2 ** 32 });
  bad({ ...claims[3], ciphertextSize: -1n });
  bad({ ...claims[3], ciphertextSize: 1n << 64n });
  bad({ ...claims[3], documentKey: new Uint8Array(15) });
  bad({ ...claims[1], role: 'auditor' });
  bad({ ...claims[4], scope: { kind: 'user', id: newId() } });
  bad({ kind: 'nothing' });
  assert.deepEqual(st.decodeStatement(st.encodeStatement({ issuedAt: 1,
    claim: { ...claims[3], ciphertextSize: 10 } })).claim.ciphertextSize, 10n);
});

// Unit tests of web/src/core/keys.js: identities, ring's PKCS#8 layout, signatures,
// fingerprints and wrapping with the fingerprint check on unwrap.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import * as k from '../src/core/keys.js';

test('identities give their recipients; malformed ones are refused without echo', async () => {
  const { identity, recipient } = await k.generateIdentity();
  assert.match(identity, /^AGE-SECRET-KEY-1[0-9A-Z]{58}$/);
  assert.equal(await k.recipientOf(`  ${identity}\n`), recipient);
  assert.equal(k.parseRecipient(recipient.toUpperCase()), recipient);
  const wrong = `${identity.slice(0, -1)}${identity.endsWith('Q') ? 'P' : 'Q'}`;
  await assert.rejects(k.recipientOf(wrong), (e) => e.code === 'invalid-identity' &&
    !e.message.includes(wrong.slice(16)));
  assert.throws(() => k.parseRecipient('age1nope'), { code: 'invalid-recipient' });
  const other = recipient.endsWith('q') ? 'p' : 'q';
  assert.throws(() => k.parseRecipient(recipient.slice(0, -1) + other), {
    code: 'invalid-recipient' });
});

test('PKCS#8 v2 round-trips and refuses a public key of another seed', () => {
  const key = k.SigningKey.generate();
  const pkcs8 = key.toPkcs8();
  assert.equal(pkcs8.length, 83);
  const back = k.SigningKey.fromPkcs8(pkcs8);
  assert.deepEqual(back.publicKey, key.publicKey);
  const other = k.SigningKey.generate().publicKey;
  const swapped = pkcs8.slice();
  swapped.set(other, 51);
  assert.throws(() => k.SigningKey.fromPkcs8(swapped), { code: 'invalid-signing-key' });
  const v1 = pkcs8.slice();
  v1[4] = 0;
  assert.throws(() => k.SigningKey.fromPkcs8(v1), { code: 'invalid-signing-key' });
  assert.throws(() => k.SigningKey.fromPkcs8(pkcs8.subarray(0, 48)), {
    code: 'invalid-signing-key' });
});

test('signatures verify and any change is refused', () => {
  const key = k.SigningKey.generate();
  const msg = new TextEncoder().encode('hello');
  const sig = key.sign(msg);
  assert.equal(sig.length, 64);
  assert.deepEqual(key.sign(msg), sig, 'deterministic, as ring');
  assert.ok(k.verify(key.publicKey, msg, sig));
  assert.ok(!k.verify(key.publicKey, new TextEncoder().encode('hellp'), sig));
  assert.ok(!k.verify(k.SigningKey.generate().publicKey, msg, sig));
  assert.ok(!k.verify(key.publicKey, msg, sig.subarray(0, 63)));
  assert.ok(!k.verify(new Uint8Array(32), msg, sig), 'small-order key');
});

test('fingerprints separate kinds and read back', async () => {
  const { recipient } = await k.generateIdentity();
  const signing = k.SigningKey.generate().publicKey;
  const fp = k.fingerprintOfRecipient(recipient);
  const text = k.formatFingerprint(fp);
  assert.match(text, /^([0-9a-f]{4}-){7}[0-9a-f]{4}$/);
  assert.deepEqual(k.parseFingerprint(text), fp);
  assert.deepEqual(k.parseFingerprint(text.replaceAll('-', ' ').toUpperCase()), fp);
  assert.notDeepEqual(k.fingerprintOfSigningKey(signing), fp);
  const member = k.fingerprintOfMember(recipient, signing);
  assert.notDeepEqual(member, k.fingerprintOfMember(recipient, k.SigningKey.generate().publicKey));
  assert.throws(() => k.fingerprintOfSigningKey(new Uint8Array(31)), {
    code: 'invalid-verifying-key' });
});

test('wrap and unwrap, refusing a planted key and a stranger', async () => {
  const parent = await k.generateIdentity();
  const child = await k.generateIdentity();
  const envelope = await k.wrapKey(child.identity, [parent.recipient]);
  const fp = k.fingerprintOfRecipient(child.recipient);
  assert.equal(await k.unwrapKey(envelope, [parent.identity], fp), child.identity);
  await assert.rejects(k.unwrapKey(envelope, [parent.identity],
    k.fingerprintOfRecipient(parent.recipient)), { code: 'wrong-key' });
  const stranger = await k.generateIdentity();
  await assert.rejects(k.unwrapKey(envelope, [stranger.identity], fp), {
    code: 'unwrap-failed' });
  await assert.rejects(k.unwrapKey(new Uint8Array(16 * 1024 + 1), [parent.identity], fp), {
    code: 'too-large' });
  await assert.rejects(k.wrapKey(child.identity, []), { code: 'no-recipients' });
});

test('without WebCrypto (a page not on HTTPS) the vault says so, not "wrong key"', async () => {
  const { identity, recipient } = await k.generateIdentity();
  const real = Object.getOwnPropertyDescriptor(globalThis, 'crypto');
  Object.defineProperty(globalThis, 'crypto', { value: { getRandomValues: (a) => a },
    configurable: true });
  try {
    await assert.rejects(k.recipientOf(identity), { code: 'insecure-page' });
    await assert.rejects(k.wrapKey(identity, [recipient]), { code: 'insecure-page' });
  } finally {
    Object.defineProperty(globalThis, 'crypto', real);
  }
  assert.equal(await k.recipientOf(identity), recipient);
});

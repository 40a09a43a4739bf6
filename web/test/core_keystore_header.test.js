// Unit tests of web/src/core/keystore.js and header.js: locking and unlocking, the work factor
// read before the passphrase is tried, and the header checks bodies must pass.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import * as age from 'age-encryption';

import { newId } from '../src/core/ids.js';
import { generateIdentity, SigningKey, wrapKey } from '../src/core/keys.js';
import * as ks from '../src/core/keystore.js';
import * as h from '../src/core/header.js';

async function keystore() {
  const { identity } = await generateIdentity();
  return new ks.Keystore({ userId: newId(), email: 'p@example.org', server: 'http://127.0.0.1',
    orgId: newId(), identity, signing: SigningKey.generate(), orgRoot: null });
}

async function lockedAt(workFactor, text) {
  const e = new age.Encrypter();
  e.setScryptWorkFactor(workFactor);
  e.setPassphrase('pass');
  return e.encrypt(text);
}

test('a keystore unlocks with its passphrase only, keeping every field', async () => {
  const mine = await keystore();
  const locked = await ks.lockKeystore(mine, 'correct horse', 15);
  assert.equal(ks.keystoreWorkFactor(locked), 15);
  const back = await ks.unlockKeystore(locked, 'correct horse');
  assert.deepEqual(back.record(), mine.record());
  await assert.rejects(ks.unlockKeystore(locked, 'battery staple'), {
    code: 'wrong-passphrase', message: 'wrong passphrase (or the keystore is damaged)' });
});

test('a lowered or excessive work factor is refused before the passphrase is tried', async () => {
  const record = JSON.stringify((await keystore()).record());
  await assert.rejects(ks.unlockKeystore(await lockedAt(14, record), 'pass'), (e) =>
    e.code === 'work-factor' && e.message.startsWith("the keystore's passphrase work factor is " +
      '14, outside the accepted 15..=22: it may have been downgraded'));
  const header = (factor) => new TextEncoder().encode('age-encryption.org/v1\n' +
    `-> scrypt c2FsdHNhbHRzYWx0c2FsdA ${factor}\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n` +
    '--- AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n0123456789abcdef');
  assert.throws(() => ks.keystoreWorkFactor(header(23)), /outside the accepted 15..=22/);
  // vaultctl accepts 21 and 22, but age-encryption opens at most 20: say so plainly.
  assert.throws(() => ks.keystoreWorkFactor(header(21)), {
    code: 'work-factor', message: /more than this browser can open \(20\)/ });
  assert.equal(ks.keystoreWorkFactor(header(20)), 20);
  await assert.rejects(ks.lockKeystore(await keystore(), 'p', 14), { code: 'work-factor' });
  await assert.rejects(ks.lockKeystore(await keystore(), 'p', 21), { code: 'work-factor' });
});

test('files that are not passphrase keystores are damaged, with keystore.rs words', async () => {
  const { identity, recipient } = await generateIdentity();
  const x25519 = await wrapKey(identity, [recipient]);
  await assert.rejects(ks.unlockKeystore(x25519, 'p'), {
    code: 'keystore-damaged',
    message: 'the keystore is damaged: it is not locked with a passphrase',
  });
  await assert.rejects(ks.unlockKeystore(new TextEncoder().encode('%PDF'), 'p'), {
    message: 'the keystore is damaged: the header is not a valid age header' });
  await assert.rejects(ks.unlockKeystore(await lockedAt(15, '{"version":1}'), 'pass'), {
    message: 'the keystore is damaged: contents' });
  const bad = { ...(await keystore()).record(), signing_pkcs8: 'AAAA' };
  await assert.rejects(ks.unlockKeystore(await lockedAt(15, JSON.stringify(bad)), 'pass'), {
    message: 'the keystore is damaged: keys' });
});

test('headers: whole, cut short, not age, X25519 only', async () => {
  const { identity, recipient } = await generateIdentity();
  const file = await wrapKey(identity, [recipient]);
  const info = h.inspectHeader(file);
  h.requireX25519(info);
  assert.equal(info.stanzas.filter((s) => s.tag === 'X25519').length, 1);
  for (let cut = 0; cut < info.headerLen + 16; cut += 7) {
    assert.equal(h.checkHeader(file.subarray(0, cut)), null, `cut at ${cut}`);
  }
  assert.throws(() => h.inspectHeader(file.subarray(0, 40)), { code: 'truncated' });
  assert.throws(() => h.checkHeader(new TextEncoder().encode('%PDF-1.7\n')), { code: 'not-age' });
  const scrypt = h.inspectHeader(await lockedAt(15, 'x'));
  assert.equal(h.scryptWorkFactor(scrypt), 15);
  assert.throws(() => h.requireX25519(scrypt), { code: 'not-x25519' });
  const text = new TextDecoder().decode(file.subarray(0, info.headerLen));
  const share = text.match(/-> X25519 (\S+)/)[1];
  const zero = 'A'.repeat(43);
  const small = new TextEncoder().encode(text.replace(share, zero));
  const tail = file.subarray(info.headerLen, info.headerLen + 16);
  const forged = new Uint8Array(small.length + 16);
  forged.set(small);
  forged.set(tail, small.length);
  assert.throws(() => h.requireX25519(h.inspectHeader(forged)), { code: 'not-x25519' });
  const endless = new Uint8Array(h.MAX_HEADER_BYTES + 40).fill(65);
  endless.set(new TextEncoder().encode('age-encryption.org/v1\n'));
  assert.throws(() => h.checkHeader(endless), { code: 'too-large' });
});

test('a record that would not unlock is not locked', async () => {
  const record = (await keystore()).record();
  await assert.rejects(ks.lockKeystore({ ...record, identity: 'AGE-SECRET-KEY-1' }, 'p', 15), {
    code: 'keystore-damaged' });
  await assert.rejects(ks.lockKeystore({ ...record, signing_pkcs8: 'AAAA' }, 'p', 15), {
    code: 'keystore-damaged' });
  await assert.rejects(ks.lockKeystore({ ...record, user_id: 'me' }, 'p', 15), {
    code: 'keystore-damaged' });
});

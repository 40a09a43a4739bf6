// Unit tests of web/src/core/seal.js: streaming seal and open with both digests, each failed
// check named by its OpenError code and message, and sealed metadata as serde writes it.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import * as age from 'age-encryption';

import { generateIdentity } from '../src/core/keys.js';
import * as seal from '../src/core/seal.js';

const data = Uint8Array.from({ length: 200_000 }, (_, i) => (i * 13) % 256);
const streamOf = (bytes) => new Blob([bytes]).stream();

async function sealed(bytes = data) {
  const key = await generateIdentity();
  const progress = [];
  const { ciphertext, done } = await seal.sealBody(streamOf(bytes), key.recipient,
    (n) => progress.push(n));
  const body = new Uint8Array(await new Response(ciphertext).arrayBuffer());
  return { key, body, result: await done, progress };
}

async function open(body, identity, expected) {
  const { plaintext, done } = await seal.openBody(streamOf(body), identity, expected);
  const bytes = new Uint8Array(await new Response(plaintext).arrayBuffer());
  return { bytes, opened: await done };
}

test('seal then open gives the plaintext, with both digests and sizes', async () => {
  const { key, body, result, progress } = await sealed();
  assert.equal(result.ciphertextSize, body.length);
  assert.deepEqual(result.ciphertextSha256, seal.sha256Of(body));
  assert.deepEqual(result.plaintextSha256, seal.sha256Of(data));
  assert.equal(result.plaintextSize, data.length);
  assert.equal(progress.at(-1), data.length);
  const { bytes, opened } = await open(body, key.identity, {
    ciphertextSha256: result.ciphertextSha256, plaintextSha256: result.plaintextSha256,
    size: BigInt(data.length) });
  assert.deepEqual(bytes, data);
  assert.deepEqual(opened.ciphertextSha256, result.ciphertextSha256);
  const d = new age.Decrypter();
  d.addIdentity(key.identity);
  assert.deepEqual(await d.decrypt(body), data, 'a standard age file');
});

test('an empty file seals and opens', async () => {
  const { key, body, result } = await sealed(new Uint8Array(0));
  assert.equal(result.plaintextSize, 0);
  assert.equal((await open(body, key.identity, {})).bytes.length, 0);
});

async function failure(body, identity, expected = {}) {
  try {
    const { plaintext, done } = await seal.openBody(streamOf(body), identity, expected);
    await assert.rejects(new Response(plaintext).arrayBuffer());
    await done;
  } catch (e) {
    assert.equal(e.message, seal.OPEN_ERRORS[e.code]);
    return e.code;
  }
  return 'opened';
}

test('each altered part fails with the check that caught it', async () => {
  const { key, body, result } = await sealed();
  const changed = (at) => {
    const copy = body.slice();
    copy[at] ^= 1;
    return copy;
  };
  const headerEnd = new TextDecoder('latin1').decode(body).indexOf('\n---') + 1;
  assert.equal(await failure(changed(body.length - 3), key.identity), 'payload-altered');
  assert.equal(await failure(body.subarray(0, body.length - 100), key.identity),
    'payload-altered');
  const macEnd = body.indexOf(0x0a, headerEnd) + 1;
  assert.equal(await failure(body.subarray(0, macEnd + 16 + 10), key.identity),
    'payload-altered');
  assert.equal(await failure(body.subarray(0, macEnd + 8), key.identity), 'bad-header');
  const longer = new Uint8Array(body.length + 1);
  longer.set(body);
  assert.equal(await failure(longer, key.identity), 'payload-altered');
  // A character of the header's MAC swapped for another base64 character: flipping a bit
  // instead would now and then give a character outside base64 (the MAC is random), which is
  // a malformed header, not an altered one, and made this test fail about one run in ten.
  const macAltered = body.slice();
  const at = headerEnd + 6;
  macAltered[at] = macAltered[at] === 0x41 ? 0x42 : 0x41;
  assert.equal(await failure(macAltered, key.identity), 'header-altered');
  assert.equal(await failure(body.subarray(0, 30), key.identity), 'bad-header');
  assert.equal(await failure(new TextEncoder().encode('%PDF-1.7\n'), key.identity), 'bad-header');
  const stranger = await generateIdentity();
  assert.equal(await failure(body, stranger.identity), 'no-matching-key');
  const other = seal.sha256Of(new Uint8Array(1));
  assert.equal(await failure(body, key.identity, { ciphertextSha256: other }),
    'ciphertext-digest');
  assert.equal(await failure(body, key.identity, { plaintextSha256: other,
    size: data.length }), 'plaintext-digest');
  assert.equal(await failure(body, key.identity, { plaintextSha256: result.plaintextSha256,
    size: data.length + 1 }), 'plaintext-digest');
});

test('a passphrase-locked file is not a body', async () => {
  const { identity } = await generateIdentity();
  const e = new age.Encrypter();
  e.setScryptWorkFactor(10);
  e.setPassphrase('x');
  assert.equal(await failure(await e.encrypt(data), identity), 'bad-header');
});

test('a failing source stops sealing with an I/O error', async () => {
  const { recipient } = await generateIdentity();
  const broken = new ReadableStream({
    pull(c) {
      c.error(new Error('disk went away'));
    },
  });
  const { ciphertext, done } = await seal.sealBody(broken, recipient);
  await assert.rejects(new Response(ciphertext).arrayBuffer());
  await assert.rejects(done, { code: 'io' });
});

test('metadata is serde JSON, sealed and opened, with the limits of seal.rs', async () => {
  const { identity, recipient } = await generateIdentity();
  const meta = { fileName: 'Röntgen "report"\n(draft).pdf', mediaType: 'application/pdf',
    size: 12, sha256: new Uint8Array(32).fill(0xab) };
  const sealedMeta = await seal.sealMetadata(meta, recipient);
  const d = new age.Decrypter();
  d.addIdentity(identity);
  assert.equal(await d.decrypt(sealedMeta, 'text'), '{"file_name":"Röntgen \\"report\\"\\n' +
    `(draft).pdf","media_type":"application/pdf","size":12,"sha256":"${'ab'.repeat(32)}"}`);
  assert.deepEqual(await seal.openMetadata(sealedMeta, identity), meta);
  await assert.rejects(seal.sealMetadata({ ...meta, fileName: 'é'.repeat(513) }, recipient), {
    code: 'metadata-invalid',
    message: 'invalid metadata: file name or media type too long' });
  await assert.rejects(seal.sealMetadata({ ...meta, mediaType: 'a'.repeat(256) }, recipient), {
    code: 'metadata-invalid' });
  const stranger = await generateIdentity();
  await assert.rejects(seal.openMetadata(sealedMeta, stranger.identity), { code: 'metadata' });
  await assert.rejects(seal.openMetadata(new Uint8Array(8 * 1024 + 1), identity), {
    code: 'metadata' });
  const e = new age.Encrypter();
  e.addRecipient(recipient);
  await assert.rejects(seal.openMetadata(await e.encrypt('{"file_name":"a"}'), identity), {
    code: 'metadata', message: 'the sealed metadata record is invalid' });
});

test('a size alone is checked too', async () => {
  const { key, body } = await sealed();
  assert.equal(await failure(body, key.identity, { size: data.length - 1 }), 'plaintext-digest');
  assert.equal(await failure(body, key.identity, { plaintextSha256: seal.sha256Of(data) }),
    'plaintext-digest');
  assert.equal((await open(body, key.identity, { size: data.length })).bytes.length, data.length);
});

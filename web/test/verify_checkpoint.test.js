// Checkpoints and cosignatures (web/src/verify/checkpoint.js): the C2SP signed-note example
// published with the format verifies, a signed checkpoint opens and a changed one does not,
// bodies and verifier keys are strict, and cosignatures verify only on what they signed.

import assert from 'node:assert/strict';
import test from 'node:test';

import {
  cosignatureVerifies, openCheckpoint, parseBody, parseCosignatureLine, parseLogKey,
  parseWitnessKey,
} from '../src/verify/checkpoint.js';
import { SigningKey, verify } from '../src/core/keys.js';
import { decode as unb64 } from '../src/core/b64.js';
import { utf8 } from '../src/verify/bytes.js';
import { cosignLine, signNote, vkey } from './verify_fixtures.js';

const ORIGIN = 'case-vault.localhost/log';
const checkpoint = {
  origin: ORIGIN, size: 42n, root: new Uint8Array(32).fill(9), time: 1796000000n,
};

/** @param {() => unknown} f @param {string} code */
function refuses(f, code) {
  assert.throws(f, (e) => e.code === code, `expected ${code}`);
}

test('the signed-note example published with the format verifies', () => {
  const key = parseLogKey('PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW');
  const text = 'If you think cryptography is the answer to your problem,\n'
    + "then you don't know what your problem is.\n";
  const payload = unb64('x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC'
    + '2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=');
  assert.deepEqual(payload.slice(0, 4), key.keyId);
  assert.ok(verify(key.key, utf8(text), payload.slice(4)));
  assert.ok(!verify(key.key, utf8(text.replace('problem,', 'problem;')), payload.slice(4)));
});

test('a signed checkpoint opens, and a changed one or another key does not', () => {
  const key = SigningKey.generate();
  const log = parseLogKey(vkey(ORIGIN, 1, key.publicKey));
  const note = signNote(checkpoint, key);
  const opened = openCheckpoint(note, log);
  assert.equal(opened.checkpoint.size, 42n);
  assert.deepEqual(opened.checkpoint.root, checkpoint.root);
  assert.deepEqual(opened.cosignatures, []);
  refuses(() => openCheckpoint(note.replace('\n42\n', '\n43\n'), log), 'checkpoint-signature');
  const other = parseLogKey(vkey(ORIGIN, 1, SigningKey.generate().publicKey));
  refuses(() => openCheckpoint(note, other), 'checkpoint-signature');
  const elsewhere = parseLogKey(vkey('other.example/log', 1, key.publicKey));
  refuses(() => openCheckpoint(note, elsewhere), 'checkpoint-origin');
  refuses(() => openCheckpoint(note.slice(0, -1), log), 'checkpoint-malformed');
  refuses(() => openCheckpoint(`${note}\n`, log), 'checkpoint-malformed');
});

test('bodies are strict', () => {
  const root = Buffer.from(checkpoint.root).toString('base64');
  const body = `${ORIGIN}\n42\n${root}\ntime 1796000000\n`;
  assert.equal(parseBody(body).size, 42n);
  for (const bad of [
    body.replace('\n42\n', '\n042\n'),
    body.replace('time ', 't '),
    body.trimEnd(),
    `${body}extra\n`,
    body.replace('\n42\n', '\n18446744073709551616\n'),
    body.replace(ORIGIN, 'has space'),
    body.replace(ORIGIN, 'a+b'),
  ]) {
    refuses(() => parseBody(bad), 'checkpoint-malformed');
  }
  assert.equal(parseBody(body.replace('\n42\n', '\n18446744073709551615\n')).size, 2n ** 64n - 1n);
});

test('verifier keys must carry their own id and algorithm', () => {
  const key = SigningKey.generate().publicKey;
  const text = vkey(ORIGIN, 1, key);
  assert.equal(parseLogKey(text).vkey, text);
  const parts = text.split('+');
  refuses(() => parseLogKey([parts[0], '00000000', ...parts.slice(2)].join('+')),
    'checkpoint-malformed');
  refuses(() => parseWitnessKey(text), 'checkpoint-malformed');
  refuses(() => parseLogKey(`${ORIGIN}+abcd`), 'checkpoint-malformed');
});

test('cosignatures round-trip through the note and verify only on what was signed', () => {
  const logKey = SigningKey.generate();
  const witnessKey = SigningKey.generate();
  const witness = parseWitnessKey(vkey('auditor.example/witness', 4, witnessKey.publicKey));
  const line = cosignLine(checkpoint, witness.name, witnessKey, 1796000100);
  const note = signNote(checkpoint, logKey, [line]);
  const opened = openCheckpoint(note, parseLogKey(vkey(ORIGIN, 1, logKey.publicKey)));
  assert.equal(opened.cosignatures.length, 1);
  const [cosignature] = opened.cosignatures;
  assert.equal(cosignature.time, 1796000100n);
  assert.deepEqual(parseCosignatureLine(line), cosignature);
  assert.ok(cosignatureVerifies(cosignature, opened.checkpoint, witness));
  assert.ok(!cosignatureVerifies(cosignature, { ...opened.checkpoint, size: 43n }, witness));
  const stranger = parseWitnessKey(vkey(witness.name, 4, SigningKey.generate().publicKey));
  assert.ok(!cosignatureVerifies(cosignature, opened.checkpoint, stranger));
});

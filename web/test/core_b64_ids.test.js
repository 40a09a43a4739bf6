// Unit tests of web/src/core/b64.js and ids.js: base64 as strict as the Rust engine, hex, and
// UUID ids in both text and byte forms.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { decode, encode, equalBytes, fromHex, hex } from '../src/core/b64.js';
import { canonicalId, idBytes, idText, newId } from '../src/core/ids.js';

test('base64 round-trips every length and matches Node', () => {
  for (let n = 0; n < 40; n++) {
    const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 37 + n) & 255);
    const text = encode(bytes);
    assert.equal(text, Buffer.from(bytes).toString('base64'));
    assert.deepEqual(decode(text), bytes);
  }
});

test('base64 refuses what the Rust engine refuses', () => {
  for (const bad of ['QQ', 'QQ=', 'QR==', 'Q===', '====', 'QUJD\n', 'QU-D', 'QUJ=D===', 'A=A=']) {
    assert.throws(() => decode(bad), { code: 'base64' }, bad);
  }
  assert.deepEqual(decode('QQ=='), Uint8Array.of(65));
});

test('hex both ways and constant-time comparison', () => {
  assert.equal(hex(Uint8Array.of(0, 15, 255)), '000fff');
  assert.deepEqual(fromHex('000FfF'), Uint8Array.of(0, 15, 255));
  assert.throws(() => fromHex('abc'), { code: 'hex' });
  assert.throws(() => fromHex('zz'), { code: 'hex' });
  assert.ok(equalBytes(Uint8Array.of(1, 2), Uint8Array.of(1, 2)));
  assert.ok(!equalBytes(Uint8Array.of(1, 2), Uint8Array.of(1, 3)));
  assert.ok(!equalBytes(Uint8Array.of(1), Uint8Array.of(1, 0)));
});

test('ids are random v4 UUIDs with a 16-byte form', () => {
  const id = newId();
  assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.notEqual(newId(), id);
  assert.equal(idText(idBytes(id)), id);
  assert.equal(canonicalId(id.toUpperCase()), id);
  assert.deepEqual(idBytes('00010203-0405-0607-0809-0a0b0c0d0e0f'),
    Uint8Array.from({ length: 16 }, (_, i) => i));
  for (const bad of ['', 'nope', '000102030405060708090a0b0c0d0e0f', `{${id}}`, `${id}0`]) {
    assert.throws(() => idBytes(bad), { code: 'id' }, bad);
  }
});

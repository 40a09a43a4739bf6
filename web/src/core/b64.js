// Base64 (standard alphabet, padded) and hex, as vault_core::b64 writes and reads them.
// Written here rather than taken from Node's Buffer so the same code runs in the browser;
// decoding is strict (canonical padding, zero trailing bits) like the Rust base64 engine.

import { fail } from './errors.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const VALUES = new Map([...ALPHABET].map((c, i) => [c, i]));

/**
 * Encodes bytes as padded standard base64.
 * @param {Uint8Array} bytes
 * @returns {string}
 */
export function encode(bytes) {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    out += ALPHABET[(n >> 18) & 63] + ALPHABET[(n >> 12) & 63];
    out += i + 1 < bytes.length ? ALPHABET[(n >> 6) & 63] : '=';
    out += i + 2 < bytes.length ? ALPHABET[n & 63] : '=';
  }
  return out;
}

/**
 * Decodes padded standard base64; anything else (missing or extra padding, other alphabets,
 * non-zero trailing bits, white space) throws a VaultError with code 'base64'.
 * @param {string} text
 * @returns {Uint8Array}
 */
export function decode(text) {
  const bad = () => fail('base64', 'not valid base64');
  if (typeof text !== 'string' || text.length % 4 !== 0) throw bad();
  const pad = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const out = new Uint8Array((text.length / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < text.length; i += 4) {
    let n = 0;
    for (let j = 0; j < 4; j++) {
      const c = text[i + j];
      const last = i + 4 === text.length;
      if (c === '=' && last && j >= 4 - pad) {
        n <<= 6;
        continue;
      }
      const v = VALUES.get(c);
      if (v === undefined) throw bad();
      n = (n << 6) | v;
    }
    const three = [(n >> 16) & 255, (n >> 8) & 255, n & 255];
    const keep = i + 4 === text.length ? 3 - pad : 3;
    // The bits the padding leaves unused must be zero, or two texts would decode the same.
    for (let k = keep; k < 3; k++) if (three[k] !== 0) throw bad();
    for (let k = 0; k < keep; k++) out[o++] = three[k];
  }
  return out;
}

/**
 * Lower-case hex of bytes.
 * @param {Uint8Array} bytes
 * @returns {string}
 */
export function hex(bytes) {
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}

/**
 * Bytes of a hex text (either case); throws a VaultError with code 'hex' otherwise.
 * @param {string} text
 * @returns {Uint8Array}
 */
export function fromHex(text) {
  if (typeof text !== 'string' || text.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(text)) {
    throw fail('hex', 'not valid hex');
  }
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/**
 * Compares two byte arrays without an early exit (for digests and fingerprints).
 * @param {Uint8Array} a
 * @param {Uint8Array} b
 * @returns {boolean}
 */
export function equalBytes(a, b) {
  if (!(a instanceof Uint8Array) || !(b instanceof Uint8Array) || a.length !== b.length) {
    return false;
  }
  let acc = 0;
  for (let i = 0; i < a.length; i++) acc |= a[i] ^ b[i];
  return acc === 0;
}

// Ids of the vault: every object is named by a random UUID (v4), and clients choose the ids of
// the cases and documents they create so a signed statement can name them first. Statements
// carry the 16 raw bytes; JSON carries the lower-case hyphenated text, as vault_core::ids does.

import { fail } from './errors.js';
import { hex } from './b64.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A fresh random id (UUID v4, lower-case hyphenated text).
 * @returns {string}
 */
export function newId() {
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  return idText(b);
}

/**
 * The 16 raw bytes of an id given as hyphenated UUID text (either case).
 * @param {string} text
 * @returns {Uint8Array}
 */
export function idBytes(text) {
  if (typeof text !== 'string' || !UUID.test(text)) throw fail('id', 'not a valid id');
  const digits = text.replaceAll('-', '');
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) out[i] = parseInt(digits.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/**
 * The lower-case hyphenated text of 16 id bytes.
 * @param {Uint8Array} bytes
 * @returns {string}
 */
export function idText(bytes) {
  if (!(bytes instanceof Uint8Array) || bytes.length !== 16) throw fail('id', 'not a valid id');
  const h = hex(bytes);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * The canonical (lower-case) text of an id, or a VaultError if it is not one.
 * @param {string} text
 * @returns {string}
 */
export function canonicalId(text) {
  return idText(idBytes(text));
}

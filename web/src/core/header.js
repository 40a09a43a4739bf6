// Inspecting the header of an age file without any key, as vault-core/src/header.rs does: where
// the header ends, its recipient stanzas, and the checks every sealed body must pass before it
// is opened (X25519 stanzas only, well formed, no share of small order, no passphrase stanza).
// age-encryption does not expose its header parser, so the age v1 grammar is checked here.

import { x25519 } from '@noble/curves/ed25519.js';

import { fail } from './errors.js';

/** Largest header accepted (header.rs MAX_HEADER_BYTES). */
export const MAX_HEADER_BYTES = 64 * 1024;
const NONCE_BYTES = 16;
const MAGIC = new TextEncoder().encode('age-encryption.org/v1\n');
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const ARG = /^[\x21-\x7e]+$/;

const errors = {
  notAge: () => fail('not-age', 'not an age v1 file'),
  tooLarge: () => fail('too-large', 'age header is too large'),
  truncated: () => fail('truncated', 'age file is truncated inside its header'),
  malformed: () => fail('malformed', 'age header is malformed'),
  notX25519: () =>
    fail('not-x25519', 'age header has a recipient stanza other than a well-formed X25519 one'),
};

/**
 * Decodes canonical unpadded base64 (age's stanza encoding); null when it is not that.
 * @param {string} text
 * @returns {Uint8Array|null}
 */
export function decodeNoPad(text) {
  if (text.length % 4 === 1) return null;
  const out = new Uint8Array(Math.floor((text.length * 3) / 4));
  let bits = 0;
  let acc = 0;
  let o = 0;
  for (const c of text) {
    const v = B64.indexOf(c);
    if (v < 0) return null;
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 255;
    }
    acc &= (1 << bits) - 1;
  }
  return acc === 0 ? out : null; // leftover bits must be zero (canonical)
}

function findHeaderEnd(prefix) {
  const limit = Math.min(prefix.length, MAX_HEADER_BYTES + 1);
  for (let i = 0; i + 5 <= limit; i++) {
    if (prefix[i] === 0x0a && prefix[i + 1] === 0x2d && prefix[i + 2] === 0x2d &&
        prefix[i + 3] === 0x2d && prefix[i + 4] === 0x20) {
      const nl = prefix.subarray(i + 1, limit).indexOf(0x0a);
      return nl < 0 ? null : i + 1 + nl + 1;
    }
  }
  return null;
}

/**
 * Parses the header text after the magic line (up to and including the MAC line) by the age v1
 * grammar; null when it is not well formed.
 * @param {string} text
 * @returns {{tag: string, args: string[], body: Uint8Array}[]|null}
 */
function parseStanzas(text) {
  const lines = text.split('\n');
  if (lines.pop() !== '') return null; // the MAC line ends with a newline
  const mac = lines.pop();
  if (mac === undefined || !mac.startsWith('--- ')) return null;
  const macBytes = decodeNoPad(mac.slice(4));
  if (!macBytes || macBytes.length !== 32) return null;
  const stanzas = [];
  let i = 0;
  while (i < lines.length) {
    if (!lines[i].startsWith('-> ')) return null;
    const words = lines[i].slice(3).split(' ');
    if (!words.every((w) => ARG.test(w))) return null;
    i++;
    const chunks = [];
    for (;;) {
      if (i >= lines.length) return null;
      const line = lines[i++];
      const bytes = line.length <= 64 ? decodeNoPad(line) : null;
      if (!bytes) return null;
      chunks.push(bytes);
      if (line.length < 64) break;
    }
    const body = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
    let o = 0;
    for (const c of chunks) {
      body.set(c, o);
      o += c.length;
    }
    stanzas.push({ tag: words[0], args: words.slice(1), body });
  }
  return stanzas.length > 0 ? stanzas : null;
}

/**
 * Checks the header at the start of `prefix`, as header.rs `check_header`: null while more bytes
 * are needed to see the whole header and payload nonce, else what it says; throws a VaultError
 * ('not-age', 'too-large', 'malformed') when it can never be valid.
 * @param {Uint8Array} prefix
 * @returns {{headerLen: number, stanzas: {tag: string, args: string[], body: Uint8Array}[]}|null}
 */
export function checkHeader(prefix) {
  const head = prefix.subarray(0, Math.min(prefix.length, MAGIC.length));
  if (!head.every((b, i) => b === MAGIC[i])) throw errors.notAge();
  const headerLen = findHeaderEnd(prefix);
  if (headerLen === null) {
    if (prefix.length > MAX_HEADER_BYTES) throw errors.tooLarge();
    return null;
  }
  if (headerLen > MAX_HEADER_BYTES) throw errors.tooLarge();
  if (prefix.length < headerLen + NONCE_BYTES) return null;
  const raw = prefix.subarray(MAGIC.length, headerLen);
  if (!raw.every((b) => b === 0x0a || (b >= 0x20 && b <= 0x7e))) throw errors.malformed();
  const stanzas = parseStanzas(new TextDecoder().decode(raw));
  if (!stanzas) throw errors.malformed();
  return { headerLen, stanzas };
}

/**
 * The header of a whole file (or of a prefix long enough to hold it and the nonce).
 * @param {Uint8Array} bytes
 * @returns {{headerLen: number, stanzas: {tag: string, args: string[], body: Uint8Array}[]}}
 */
export function inspectHeader(bytes) {
  const info = checkHeader(bytes);
  if (!info) throw errors.truncated();
  return info;
}

function isSmallOrder(share) {
  try {
    x25519.getSharedSecret(x25519.utils.randomSecretKey(), share);
    return false;
  } catch {
    return true;
  }
}

function isValidX25519(stanza) {
  if (stanza.args.length !== 1) return false;
  const share = decodeNoPad(stanza.args[0]);
  return !!share && share.length === 32 && stanza.body.length === 32 && !isSmallOrder(share);
}

/**
 * Refuses a header unless it has at least one X25519 stanza, all of them well formed, and no
 * scrypt stanza (other stanza kinds, such as age's grease, are ignored as age ignores them).
 * @param {{stanzas: {tag: string, args: string[], body: Uint8Array}[]}} info
 */
export function requireX25519(info) {
  const x = info.stanzas.filter((s) => s.tag === 'X25519');
  const scrypt = info.stanzas.some((s) => s.tag === 'scrypt');
  if (x.length === 0 || scrypt || !x.every(isValidX25519)) throw errors.notX25519();
}

/**
 * The scrypt work factor of a passphrase-locked file (its only stanza), or null.
 * @param {{stanzas: {tag: string, args: string[]}[]}} info
 * @returns {number|null}
 */
export function scryptWorkFactor(info) {
  const [s, more] = info.stanzas;
  if (!s || more || s.tag !== 'scrypt' || s.args.length !== 2) return null;
  return /^\+?[0-9]+$/.test(s.args[1]) && Number(s.args[1]) <= 255 ? Number(s.args[1]) : null;
}

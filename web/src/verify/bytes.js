// Byte helpers the trust checks share: hashing, comparing, and the text forms of digests and
// fingerprints as the /v1 JSON API writes them.
//
// Digests on the wire are 64 hex digits (vault_core::b64::digest), fingerprints are 32 hex
// digits in groups of four joined by '-' (vault_core::keys::Fingerprint). Parsing follows the
// Rust side: hex digits of either case, and for fingerprints '-' and ' ' are ignored. Base64
// comes from the core part so that there is one strict decoder in the bundle.

import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';

import * as b64 from '../core/b64.js';
import { canonicalId as coreCanonicalId } from '../core/ids.js';
import { parseRecipient } from '../core/keys.js';
import { VerifyError } from './errors.js';

const encoder = new TextEncoder();
const strictDecoder = new TextDecoder('utf-8', { fatal: true });

/**
 * SHA-256 of the bytes given, in order.
 * @param {...Uint8Array} parts
 * @returns {Uint8Array}
 */
export function sha256(...parts) {
  const hash = nobleSha256.create();
  for (const part of parts) {
    hash.update(part);
  }
  return hash.digest();
}

/** @param {string} text @returns {Uint8Array} */
export function utf8(text) {
  return encoder.encode(text);
}

/**
 * UTF-8 text of bytes; invalid UTF-8 is refused, as Rust's `str` refuses it.
 * @param {Uint8Array} bytes
 * @returns {string | null}
 */
export function utf8Text(bytes) {
  try {
    return strictDecoder.decode(bytes);
  } catch {
    return null;
  }
}

/** @param {...Uint8Array} parts @returns {Uint8Array} */
export function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/**
 * Whether two byte strings are equal, looking at every byte whatever the first difference
 * (digests of secret-bearing files are compared with it, as seal.rs does).
 * @param {Uint8Array} a
 * @param {Uint8Array} b
 */
export function equal(a, b) {
  if (!(a instanceof Uint8Array) || !(b instanceof Uint8Array) || a.length !== b.length) {
    return false;
  }
  let diff = 0;
  for (let i = 0; i < a.length; i += 1) {
    diff |= a[i] ^ b[i];
  }
  return diff === 0;
}

/** @param {Uint8Array} bytes @returns {string} lower-case hex */
export function toHex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Hex digits (either case) to exactly `length` bytes, or null.
 * @param {unknown} text
 * @param {number} length
 * @returns {Uint8Array | null}
 */
export function fromHex(text, length) {
  if (typeof text !== 'string' || text.length !== length * 2 || !/^[0-9a-fA-F]*$/.test(text)) {
    return null;
  }
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i += 1) {
    out[i] = Number.parseInt(text.slice(i * 2, i * 2 + 2), 16);
  }
  return out;
}

/**
 * A fingerprint as the API writes it ("3f2a-9c10-…") to its 16 bytes.
 * @param {unknown} text
 * @param {string} what names the field in the error
 * @returns {Uint8Array}
 */
export function parseFingerprint(text, what) {
  const digits = typeof text === 'string' ? text.replace(/[- ]/g, '') : null;
  const bytes = fromHex(digits, 16);
  if (!bytes) {
    throw malformed(`${what} is not a fingerprint`);
  }
  return bytes;
}

/**
 * A digest as the API writes it (64 hex digits) to its 32 bytes.
 * @param {unknown} text
 * @param {string} what
 * @returns {Uint8Array}
 */
export function parseDigest(text, what) {
  const bytes = fromHex(text, 32);
  if (!bytes) {
    throw malformed(`${what} is not a SHA-256 digest`);
  }
  return bytes;
}

/**
 * Standard padded base64 to bytes, optionally of an exact length.
 * @param {unknown} text
 * @param {string} what
 * @param {number} [length]
 * @returns {Uint8Array}
 */
export function parseBase64(text, what, length) {
  let bytes = null;
  if (typeof text === 'string') {
    try {
      bytes = b64.decode(text);
    } catch {
      bytes = null;
    }
  }
  if (!bytes || (length !== undefined && bytes.length !== length)) {
    throw malformed(`${what} is not ${length === undefined ? '' : `${length} bytes of `}base64`);
  }
  return bytes;
}

/** @param {Uint8Array} bytes @returns {string} */
export function toBase64(bytes) {
  return b64.encode(bytes);
}

/**
 * The error for an answer from the server that is not in the shape the API defines.
 * @param {string} what
 */
export function malformed(what) {
  return new VerifyError(
    'malformed',
    `The server's answer is not in the expected form (${what}). Nothing was done; try again, `
      + 'and tell your platform admin if it happens again.',
    { what },
  );
}

/**
 * An id from the wire in the one spelling statements decode to (hyphenated, lower case), as
 * the Rust side compares parsed UUIDs rather than their text.
 * @param {unknown} text
 * @param {string} what
 * @returns {string}
 */
export function canonicalId(text, what) {
  try {
    return coreCanonicalId(/** @type {string} */ (text));
  } catch {
    throw malformed(`${what} is not an id`);
  }
}

/**
 * The canonical (lower-case) text of an age X25519 public key, as vault_core::keys::PublicKey
 * keeps it when it reads one from the wire.
 * @param {unknown} text
 * @param {string} what
 * @returns {string}
 */
export function canonicalRecipient(text, what) {
  try {
    return parseRecipient(/** @type {string} */ (text));
  } catch {
    throw malformed(`${what} is not an age public key`);
  }
}

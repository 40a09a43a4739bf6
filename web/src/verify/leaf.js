// Leaves of the append-only log, read as vault-core/src/leaf.rs reads them.
//
// A leaf is compact JSON written once by the server and hashed as stored; the API hands it
// back as text (`LogEntry.leaf`), whose UTF-8 bytes are the bytes hashed. Only a version-1
// leaf with exactly the known fields is accepted, so that "this leaf carries that statement"
// means the same to the browser, to `vaultctl` and to an auditor's tools.

import { VerifyError } from './errors.js';
import {
  canonicalRecipient, equal, parseBase64, utf8,
} from './bytes.js';
import { parseStrict } from './strict_json.js';

/** Upper bound on one leaf's bytes. */
export const MAX_LEAF_BYTES = 64 * 1024;
const FIELDS = new Set([
  'v', 'time', 'action', 'actor', 'org_id', 'object_kind', 'object_id', 'case_id', 'statement',
  'keys',
]);
const KEY_FIELDS = new Set(['root_signing_key', 'encryption_key', 'signing_key']);
const HYPHENATED = /^[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}$/;

/**
 * Whether `text` is one of the spellings of a UUID the Rust ids accept: plain, hyphenated,
 * braced or URN.
 * @param {string} text
 */
function isUuid(text) {
  if (text.startsWith('urn:uuid:')) {
    return HYPHENATED.test(text.slice(9));
  }
  if (text.startsWith('{') && text.endsWith('}')) {
    return HYPHENATED.test(text.slice(1, -1));
  }
  return HYPHENATED.test(text) || /^[0-9a-fA-F]{32}$/.test(text);
}

/** @param {string} why */
function malformed(why) {
  return new VerifyError(
    'leaf-malformed',
    `A log leaf is not a version 1 log leaf (${why}).`,
    { why },
  );
}

/**
 * @typedef {{bytes: Uint8Array, signer: Uint8Array, signature: Uint8Array}} Signed
 *   a signed statement with its base64 fields decoded
 */

/**
 * Reads leaf text (or its bytes), refusing anything but a version-1 leaf.
 * @param {string | Uint8Array} leaf
 * @returns {{v: number, time: number, action: string, objectKind: string, objectId: string,
 *   statement: Signed | null, raw: Record<string, unknown>}}
 */
export function decodeLeaf(leaf) {
  const bytes = typeof leaf === 'string' ? utf8(leaf) : leaf;
  if (bytes.length > MAX_LEAF_BYTES) {
    throw new VerifyError('leaf-too-large', `A log leaf is larger than ${MAX_LEAF_BYTES} bytes.`);
  }
  const text = typeof leaf === 'string' ? leaf : new TextDecoder('utf-8', { fatal: true })
    .decode(bytes);
  let raw;
  try {
    raw = parseStrict(text, 'the leaf');
  } catch (e) {
    throw malformed(e.details?.why ?? 'not JSON');
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw malformed('not an object');
  }
  for (const key of Object.keys(raw)) {
    if (!FIELDS.has(key)) {
      throw malformed(`unknown field ${key}`);
    }
  }
  checkFields(raw);
  if (raw.v !== 1) {
    throw malformed(`version ${raw.v}`);
  }
  return {
    v: raw.v,
    time: raw.time,
    action: raw.action,
    objectKind: raw.object_kind,
    objectId: raw.object_id,
    statement: raw.statement == null ? null : signedOf(raw.statement),
    raw,
  };
}

/** @param {Record<string, any>} raw */
function checkFields(raw) {
  const integer = (v, lo, hi) => Number.isSafeInteger(v) && v >= lo && v <= hi;
  if (!integer(raw.v, 0, 255)) {
    throw malformed('v is not a small whole number');
  }
  if (!integer(raw.time, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER)) {
    throw malformed('time is not a whole number');
  }
  for (const key of ['action', 'object_kind', 'object_id']) {
    if (typeof raw[key] !== 'string') {
      throw malformed(`${key} is missing or not text`);
    }
  }
  for (const key of ['actor', 'org_id', 'case_id']) {
    if (raw[key] != null && !(typeof raw[key] === 'string' && isUuid(raw[key]))) {
      throw malformed(`${key} is not an id`);
    }
  }
  if (raw.keys != null) {
    checkKeys(raw.keys);
  }
}

/** @param {unknown} keys */
function checkKeys(keys) {
  if (typeof keys !== 'object' || Array.isArray(keys)) {
    throw malformed('keys is not an object');
  }
  for (const [key, value] of Object.entries(keys)) {
    if (!KEY_FIELDS.has(key)) {
      throw malformed(`unknown field keys.${key}`);
    }
    if (value === null) {
      continue;
    }
    if (key === 'encryption_key') {
      signedField(() => canonicalRecipient(value, 'keys.encryption_key'));
    } else {
      signedField(() => parseBase64(value, key, 32));
    }
  }
}

/**
 * @template T
 * @param {() => T} read
 * @returns {T}
 */
function signedField(read) {
  try {
    return read();
  } catch (e) {
    throw malformed(e.details?.what ?? 'a field is not base64');
  }
}

/**
 * A signed statement as the wire writes it, with its base64 fields decoded.
 * @param {unknown} wire
 * @returns {Signed}
 */
export function signedOf(wire) {
  if (typeof wire !== 'object' || wire === null || Array.isArray(wire)) {
    throw malformed('statement is not an object');
  }
  return {
    bytes: signedField(() => parseBase64(wire.statement, 'statement')),
    signer: signedField(() => parseBase64(wire.signer, 'signer', 32)),
    signature: signedField(() => parseBase64(wire.signature, 'signature')),
  };
}

/**
 * Whether a decoded leaf carries exactly this signed statement (as wire JSON).
 * @param {{statement: Signed | null}} leaf
 * @param {{statement: string, signer: string, signature: string}} wire
 */
export function carries(leaf, wire) {
  if (!leaf.statement) {
    return false;
  }
  let want;
  try {
    want = signedOf(wire);
  } catch {
    return false;
  }
  return equal(leaf.statement.bytes, want.bytes) && equal(leaf.statement.signer, want.signer)
    && equal(leaf.statement.signature, want.signature);
}

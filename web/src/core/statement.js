// Signed statements in the browser, byte for byte as vault-core/src/statement.rs encodes them:
// the domain tag, the kind as length-prefixed text, the issue time (u64 big-endian), then the
// claim's fields in a fixed order (raw ids, fingerprints and digests; big-endian numbers;
// length-prefixed UTF-8 text). Decoding refuses anything but the one canonical encoding, so a
// signature over the bytes is a signature over the meaning. One table below describes every
// claim kind, and both directions read it, so writing and reading cannot drift apart.

import { decode as b64decode, encode as b64encode } from './b64.js';
import { fail } from './errors.js';
import { idBytes, idText } from './ids.js';
import { parseRecipient, verify } from './keys.js';

const DOMAIN = new TextEncoder().encode('case-vault statement v1\0');
/** Upper bound on an encoded statement (statement.rs MAX_STATEMENT_BYTES). */
export const MAX_STATEMENT_BYTES = 4096;
const U64_MAX = (1n << 64n) - 1n;

// Field types: id (16 raw bytes of a UUID), fp (16-byte fingerprint), digest (32 bytes),
// u32 / u64 (big-endian), role and key (text), signing (32-byte Ed25519 key), scope (text tag
// then an id).
const CLAIMS = {
  'org-key-published': [['org', 'id'], ['version', 'u32'], ['key', 'key']],
  'member-certified': [
    ['org', 'id'], ['user', 'id'], ['role', 'role'], ['encryptionKey', 'key'],
    ['signingKey', 'signing'],
  ],
  'member-removed': [['org', 'id'], ['user', 'id']],
  'document-sealed': [
    ['org', 'id'], ['case', 'id'], ['document', 'id'], ['ciphertextSha256', 'digest'],
    ['ciphertextSize', 'u64'], ['metadataSha256', 'digest'], ['documentKey', 'fp'],
  ],
  'key-wrapped': [
    ['org', 'id'], ['scope', 'scope'], ['key', 'fp'], ['recipient', 'fp'],
    ['envelopeSha256', 'digest'],
  ],
  'document-shared': [
    ['document', 'id'], ['fromOrg', 'id'], ['toOrg', 'id'], ['toOrgKey', 'fp'],
    ['envelopeSha256', 'digest'],
  ],
  'share-revoked': [['document', 'id'], ['toOrg', 'id']],
  'case-transferred': [
    ['case', 'id'], ['fromOrg', 'id'], ['toOrg', 'id'], ['toOrgKey', 'fp'],
    ['newCaseKey', 'fp'], ['documents', 'u64'],
  ],
  'transfer-accepted': [['case', 'id'], ['fromOrg', 'id'], ['toOrg', 'id'], ['newCaseKey', 'fp']],
};
const ROLES = ['manager', 'practitioner'];
const SCOPES = ['org', 'case', 'document'];
const SIZES = { fp: 16, digest: 32, signing: 32 };

const malformed = (what) => fail('malformed', `statement encoding is invalid: ${what}`);
const invalid = (what) => fail('invalid-statement', `cannot encode the statement: ${what}`);

class Writer {
  constructor() {
    this.parts = [];
    this.length = 0;
  }
  raw(bytes) {
    this.parts.push(bytes);
    this.length += bytes.length;
  }
  u32(v) {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, v);
    this.raw(b);
  }
  u64(v) {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, v);
    this.raw(b);
  }
  text(s) {
    const bytes = new TextEncoder().encode(s);
    this.u32(bytes.length);
    this.raw(bytes);
  }
  bytes() {
    const out = new Uint8Array(this.length);
    let o = 0;
    for (const p of this.parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }
}

function toU64(v, name) {
  const n = typeof v === 'number' && Number.isSafeInteger(v) ? BigInt(v) : v;
  if (typeof n !== 'bigint' || n < 0n || n > U64_MAX) throw invalid(`${name} is not a u64`);
  return n;
}

function writeField(w, type, value, name) {
  switch (type) {
    case 'id':
      return w.raw(idBytes(value));
    case 'u32':
      if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
        throw invalid(`${name} is not a u32`);
      }
      return w.u32(value);
    case 'u64':
      return w.u64(toU64(value, name));
    case 'role':
      if (!ROLES.includes(value)) throw invalid('role');
      return w.text(value);
    case 'key':
      return w.text(parseRecipient(value));
    case 'scope':
      if (!value || !SCOPES.includes(value.kind)) throw invalid('key scope');
      w.text(value.kind);
      return w.raw(idBytes(value.id));
    default:
      if (!(value instanceof Uint8Array) || value.length !== SIZES[type]) {
        throw invalid(`${name} must be ${SIZES[type]} bytes`);
      }
      return w.raw(value);
  }
}

/**
 * The canonical bytes of a statement, the bytes that are signed.
 * @param {{issuedAt: bigint|number, claim: {kind: string}}} statement
 * @returns {Uint8Array}
 */
export function encodeStatement({ issuedAt, claim }) {
  const fields = claim && CLAIMS[claim.kind];
  if (!fields) throw invalid('unknown kind');
  const w = new Writer();
  w.raw(DOMAIN);
  w.text(claim.kind);
  w.u64(toU64(issuedAt, 'issuedAt'));
  for (const [name, type] of fields) writeField(w, type, claim[name], name);
  return w.bytes();
}

class Reader {
  constructor(bytes) {
    this.bytes = bytes;
    this.at = 0;
  }
  take(n) {
    if (this.bytes.length - this.at < n) throw malformed('truncated');
    const out = this.bytes.slice(this.at, this.at + n);
    this.at += n;
    return out;
  }
  u32() {
    return new DataView(this.take(4).buffer).getUint32(0);
  }
  u64() {
    return new DataView(this.take(8).buffer).getBigUint64(0);
  }
  text() {
    const bytes = this.take(this.u32());
    try {
      return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
    } catch {
      throw malformed('utf-8');
    }
  }
}

function readField(r, type) {
  switch (type) {
    case 'id':
      return idText(r.take(16));
    case 'u32':
      return r.u32();
    case 'u64':
      return r.u64();
    case 'role': {
      const role = r.text();
      if (!ROLES.includes(role)) throw malformed('role');
      return role;
    }
    case 'key':
      try {
        return parseRecipient(r.text());
      } catch (e) {
        if (e.code === 'malformed') throw e;
        throw malformed('public key');
      }
    case 'scope': {
      const kind = r.text();
      const id = idText(r.take(16));
      if (!SCOPES.includes(kind)) throw malformed('key scope');
      return { kind, id };
    }
    default:
      return r.take(SIZES[type]);
  }
}

/**
 * Parses canonical statement bytes; anything else throws a VaultError 'malformed' whose message
 * names the same reason statement.rs gives (domain tag, truncated, trailing bytes, …).
 * @param {Uint8Array} bytes
 * @returns {{issuedAt: bigint, claim: object}}
 */
export function decodeStatement(bytes) {
  if (bytes.length > MAX_STATEMENT_BYTES) throw malformed('too long');
  const tagged = bytes.length >= DOMAIN.length && DOMAIN.every((b, i) => bytes[i] === b);
  if (!tagged) throw malformed('domain tag');
  const r = new Reader(bytes);
  r.at = DOMAIN.length;
  const kind = r.text();
  const issuedAt = r.u64();
  const fields = CLAIMS[kind];
  if (!fields) throw malformed('unknown kind');
  const claim = { kind };
  for (const [name, type] of fields) claim[name] = readField(r, type);
  if (r.at !== bytes.length) throw malformed('trailing bytes');
  const statement = { issuedAt, claim };
  const again = encodeStatement(statement);
  if (again.length !== bytes.length || !again.every((b, i) => b === bytes[i])) {
    throw malformed('not canonical');
  }
  return statement;
}

/**
 * Signs a statement: the wire JSON shape of `SignedStatement` (base64 strings).
 * @param {{issuedAt: bigint|number, claim: object}} statement
 * @param {import('./keys.js').SigningKey} signingKey
 * @returns {{statement: string, signer: string, signature: string}}
 */
export function signStatement(statement, signingKey) {
  const bytes = encodeStatement(statement);
  return {
    statement: b64encode(bytes),
    signer: b64encode(signingKey.publicKey),
    signature: b64encode(signingKey.sign(bytes)),
  };
}

/**
 * Checks a signed statement's signature against the signer it names, then decodes it. This says
 * only that the signer signed it; whether the signer may say so is for the trust checks.
 * @param {{statement: string, signer: string, signature: string}} wire
 * @returns {{issuedAt: bigint, claim: object}}
 */
export function verifySigned(wire) {
  const bad = () => fail('bad-signature', 'statement signature is invalid');
  let bytes;
  let signer;
  let signature;
  try {
    bytes = b64decode(wire.statement);
    signer = b64decode(wire.signer);
    signature = b64decode(wire.signature);
  } catch {
    throw bad();
  }
  if (signer.length !== 32) throw fail('invalid-verifying-key', 'not an Ed25519 public key');
  if (bytes.length > MAX_STATEMENT_BYTES || signature.length !== 64) throw bad();
  if (!verify(signer, bytes, signature)) throw bad();
  return decodeStatement(bytes);
}

/**
 * The current time as a statement's issue time (seconds since the Unix epoch).
 * @returns {bigint}
 */
export function nowSeconds() {
  return BigInt(Math.floor(Date.now() / 1000));
}

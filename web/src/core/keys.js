// Keys of the hierarchy in the browser, byte for byte as vault-core/src/keys.rs makes them:
// age X25519 identities and recipients (text forms), Ed25519 signing keys kept in ring's exact
// PKCS#8 v2 layout (so a keystore moves between vaultctl and the browser unchanged), the
// domain-separated fingerprints people read aloud, and wrapping a key (age-encrypting its text
// form) with the fingerprint check on unwrap that stops a planted key from being adopted.

import * as age from 'age-encryption';
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';

import { equalBytes } from './b64.js';
import { fail } from './errors.js';

/** Largest wrapped key accepted (keys.rs MAX_WRAPPED_KEY_BYTES). */
export const MAX_WRAPPED_KEY_BYTES = 16 * 1024;

const TAGS = {
  encryption: 'case-vault fingerprint v1: age-x25519\n',
  signing: 'case-vault fingerprint v1: ed25519\n',
  member: 'case-vault fingerprint v1: member\n',
};
const BECH32 = '[qpzry9x8gf2tvdw0s3jn54khce6mua7l]';
const RECIPIENT = new RegExp(`^age1${BECH32}{58}$`);
const IDENTITY = new RegExp(`^AGE-SECRET-KEY-1${BECH32.toUpperCase()}{58}$`);
const utf8 = new TextEncoder();

// ring's PKCS#8 v2 document for Ed25519, as `Ed25519KeyPair::generate_pkcs8` writes it: version
// 1, the algorithm, the seed, then the public key as an implicitly tagged [1] BIT STRING. ring
// also reads the explicitly tagged form ([1] { BIT STRING }), so that is accepted on input too.
const PKCS8_HEAD = Uint8Array.of(
  0x30, 0x51, 0x02, 0x01, 0x01, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
);
const PKCS8_MID = Uint8Array.of(0x81, 0x21, 0x00);
const PKCS8_LEN = PKCS8_HEAD.length + 32 + PKCS8_MID.length + 32;
const EXPLICIT_HEAD = Uint8Array.of(...PKCS8_HEAD.subarray(0, 1), 0x53, ...PKCS8_HEAD.subarray(2));
const EXPLICIT_MID = Uint8Array.of(0xa1, 0x23, 0x03, 0x21, 0x00);

const errors = {
  recipient: () => fail('invalid-recipient', 'not an age X25519 public key'),
  identity: () => fail('invalid-identity', 'not an age X25519 secret key'),
  verifying: () => fail('invalid-verifying-key', 'not an Ed25519 public key'),
  signing: () => fail('invalid-signing-key', 'not an Ed25519 signing key'),
};

/**
 * Refuses to go on where the browser withholds WebCrypto (a page not served over HTTPS or from
 * localhost): age's X25519 then fails with an error that would read as a wrong key.
 */
export function requireSecurePage() {
  if (!globalThis.crypto?.subtle) {
    throw fail('insecure-page', 'the vault works only on a secure page: open the web app at its ' +
      'https:// address');
  }
}

/**
 * The canonical (lower-case) text of an age X25519 recipient, or a VaultError
 * 'invalid-recipient'. Post-quantum and other recipient kinds are refused.
 * @param {string} text
 * @returns {string}
 */
export function parseRecipient(text) {
  if (typeof text !== 'string') throw errors.recipient();
  const lower = text === text.toUpperCase() ? text.toLowerCase() : text;
  if (!RECIPIENT.test(lower)) throw errors.recipient();
  try {
    new age.Encrypter().addRecipient(lower); // checks the bech32 checksum and length
  } catch {
    throw errors.recipient();
  }
  return lower;
}

/**
 * Checks an identity's text form (trimmed, as keys.rs does) without ever echoing it.
 * @param {string} text
 * @returns {string} the trimmed identity
 */
function parseIdentity(text) {
  const trimmed = typeof text === 'string' ? text.trim() : '';
  if (!IDENTITY.test(trimmed)) throw errors.identity();
  return trimmed;
}

/**
 * A fresh age X25519 identity and its recipient.
 * @returns {Promise<{identity: string, recipient: string}>}
 */
export async function generateIdentity() {
  const identity = await age.generateX25519Identity();
  return { identity, recipient: await recipientOf(identity) };
}

/**
 * The recipient (`age1…`) of an identity (`AGE-SECRET-KEY-1…`).
 * @param {string} identity
 * @returns {Promise<string>}
 */
export async function recipientOf(identity) {
  requireSecurePage();
  const text = parseIdentity(identity);
  try {
    return await age.identityToRecipient(text);
  } catch {
    throw errors.identity();
  }
}

function fingerprint(tag, key) {
  const h = sha256.create();
  h.update(utf8.encode(tag));
  h.update(key);
  return h.digest().slice(0, 16);
}

/**
 * Fingerprint of an encryption key (16 bytes), over its canonical text.
 * @param {string} recipient
 * @returns {Uint8Array}
 */
export function fingerprintOfRecipient(recipient) {
  return fingerprint(TAGS.encryption, utf8.encode(parseRecipient(recipient)));
}

/**
 * Fingerprint of an Ed25519 public key (16 bytes).
 * @param {Uint8Array} publicKey 32 bytes
 * @returns {Uint8Array}
 */
export function fingerprintOfSigningKey(publicKey) {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32) throw errors.verifying();
  return fingerprint(TAGS.signing, publicKey);
}

/**
 * One fingerprint over both of a member's public keys: what a new member reads out.
 * @param {string} recipient
 * @param {Uint8Array} signingKey 32 bytes
 * @returns {Uint8Array}
 */
export function fingerprintOfMember(recipient, signingKey) {
  if (!(signingKey instanceof Uint8Array) || signingKey.length !== 32) throw errors.verifying();
  const text = utf8.encode(`${parseRecipient(recipient)}\n`);
  const keys = new Uint8Array(text.length + 32);
  keys.set(text);
  keys.set(signingKey, text.length);
  return fingerprint(TAGS.member, keys);
}

/**
 * A fingerprint as people read it: eight groups of four hex digits (`3f2a-9c10-…`).
 * @param {Uint8Array} bytes 16 bytes
 * @returns {string}
 */
export function formatFingerprint(bytes) {
  if (!(bytes instanceof Uint8Array) || bytes.length !== 16) {
    throw fail('invalid-fingerprint', 'not a fingerprint');
  }
  const groups = [];
  for (let i = 0; i < 16; i += 2) {
    groups.push(((bytes[i] << 8) | bytes[i + 1]).toString(16).padStart(4, '0'));
  }
  return groups.join('-');
}

/**
 * Reads a fingerprint as typed (dashes and spaces ignored), like keys.rs `Fingerprint::from_str`.
 * @param {string} text
 * @returns {Uint8Array}
 */
export function parseFingerprint(text) {
  const digits = typeof text === 'string' ? text.replace(/[- ]/g, '') : '';
  if (!/^[0-9a-fA-F]{32}$/.test(digits)) throw fail('invalid-fingerprint', 'not a fingerprint');
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) out[i] = parseInt(digits.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** An Ed25519 signing key; its seed stays inside and leaves only through `toPkcs8`. */
export class SigningKey {
  #seed;

  /** @param {Uint8Array} seed 32 bytes (copied) */
  constructor(seed) {
    if (!(seed instanceof Uint8Array) || seed.length !== 32) throw errors.signing();
    this.#seed = seed.slice();
    /** The 32-byte public key. */
    this.publicKey = ed25519.getPublicKey(this.#seed);
  }

  /** @returns {SigningKey} a fresh key from the system's random generator */
  static generate() {
    const seed = crypto.getRandomValues(new Uint8Array(32));
    const key = new SigningKey(seed);
    seed.fill(0);
    return key;
  }

  /**
   * Loads ring's PKCS#8 v2 document, refusing any other layout and a public key that does not
   * belong to the seed (as ring's `Ed25519KeyPair::from_pkcs8` does).
   * @param {Uint8Array} bytes
   * @returns {SigningKey}
   */
  static fromPkcs8(bytes) {
    if (!(bytes instanceof Uint8Array)) throw errors.signing();
    const layout = [[PKCS8_HEAD, PKCS8_MID], [EXPLICIT_HEAD, EXPLICIT_MID]].find(([head, mid]) =>
      bytes.length === head.length + 64 + mid.length &&
      equalBytes(bytes.subarray(0, head.length), head) &&
      equalBytes(bytes.subarray(head.length + 32, head.length + 32 + mid.length), mid));
    if (!layout) throw errors.signing();
    const seedEnd = layout[0].length + 32;
    const key = new SigningKey(bytes.subarray(layout[0].length, seedEnd));
    if (!equalBytes(key.publicKey, bytes.subarray(seedEnd + layout[1].length))) {
      key.wipe();
      throw errors.signing();
    }
    return key;
  }

  /** @returns {Uint8Array} ring's exact PKCS#8 v2 bytes (secret: wipe when done) */
  toPkcs8() {
    const out = new Uint8Array(PKCS8_LEN);
    out.set(PKCS8_HEAD);
    out.set(this.#seed, PKCS8_HEAD.length);
    out.set(PKCS8_MID, PKCS8_HEAD.length + 32);
    out.set(this.publicKey, PKCS8_HEAD.length + 32 + PKCS8_MID.length);
    return out;
  }

  /**
   * Signs a message (deterministic Ed25519, the same signature ring makes).
   * @param {Uint8Array} message
   * @returns {Uint8Array} 64 bytes
   */
  sign(message) {
    return ed25519.sign(message, this.#seed);
  }

  /** Overwrites the seed; the key cannot sign afterwards. */
  wipe() {
    this.#seed.fill(0);
  }
}

/**
 * Checks an Ed25519 signature (RFC 8032 strict decoding; false on any malformed input).
 * @param {Uint8Array} publicKey 32 bytes
 * @param {Uint8Array} message
 * @param {Uint8Array} signature 64 bytes
 * @returns {boolean}
 */
export function verify(publicKey, message, signature) {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32) return false;
  if (!(signature instanceof Uint8Array) || signature.length !== 64) return false;
  try {
    return ed25519.verify(signature, message, publicKey, { zip215: false });
  } catch {
    return false;
  }
}

/**
 * Wraps a key: age-encrypts its identity text to every recipient, as keys.rs `wrap_to`.
 * @param {string} identity
 * @param {string[]} recipients
 * @returns {Promise<Uint8Array>} the envelope (an age file)
 */
export async function wrapKey(identity, recipients) {
  requireSecurePage();
  const text = parseIdentity(identity);
  if (!Array.isArray(recipients) || recipients.length === 0) {
    throw fail('no-recipients', 'a key must be wrapped to at least one recipient');
  }
  const e = new age.Encrypter();
  for (const r of recipients) e.addRecipient(parseRecipient(r));
  const plaintext = utf8.encode(text);
  try {
    return await e.encrypt(plaintext);
  } finally {
    plaintext.fill(0);
  }
}

/**
 * Opens an envelope with one of `identities` and checks that the key inside is the one
 * `expectedFingerprint` names (what a certified member signed); anything else is refused.
 * @param {Uint8Array} envelope
 * @param {string[]} identities
 * @param {Uint8Array} expectedFingerprint 16 bytes
 * @returns {Promise<string>} the identity text inside
 */
export async function unwrapKey(envelope, identities, expectedFingerprint) {
  requireSecurePage();
  if (!(envelope instanceof Uint8Array)) throw unwrapFailed();
  if (envelope.length > MAX_WRAPPED_KEY_BYTES) {
    throw fail('too-large', 'wrapped key is too large');
  }
  const d = new age.Decrypter();
  for (const id of identities) d.addIdentity(parseIdentity(id));
  let plaintext;
  try {
    plaintext = await d.decrypt(envelope);
  } catch {
    throw unwrapFailed();
  }
  let text;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(plaintext);
  } catch {
    throw errors.identity();
  } finally {
    plaintext.fill(0);
  }
  const recipient = await recipientOf(text);
  if (!equalBytes(fingerprintOfRecipient(recipient), expectedFingerprint)) {
    throw fail('wrong-key', 'the unwrapped key does not match the fingerprint it was signed for');
  }
  return text.trim();
}

function unwrapFailed() {
  return fail(
    'unwrap-failed',
    'the wrapped key could not be opened with the keys held (authentication failed)',
  );
}

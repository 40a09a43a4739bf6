// Sealing and opening document bodies and their metadata records in the browser, as
// vault-core/src/seal.rs does. A body is a standard age file to the document key, made and read
// as a stream so memory stays bounded whatever the file's size; both the plaintext and the
// ciphertext are hashed (SHA-256, incrementally) as bytes pass, so the signed statement's digest
// needs no second read. Opening applies the same checks as seal.rs in the same order (header
// structure and X25519 only, header MAC, every chunk, then the ciphertext digest from the signed
// statement and the plaintext size and digest from the sealed metadata); failures carry the
// codes and plain-language messages of seal.rs's OpenError. The file name, media type, size and
// digest travel in a small separate age file (the sealed metadata).

import * as age from 'age-encryption';
import { sha256 } from '@noble/hashes/sha2.js';

import { equalBytes, fromHex, hex } from './b64.js';
import { fail, VaultError } from './errors.js';
import { checkHeader, requireX25519 } from './header.js';
import { parseRecipient, requireSecurePage } from './keys.js';

/** Upper bound on a sealed metadata record (seal.rs MAX_METADATA_BYTES). */
export const MAX_METADATA_BYTES = 8 * 1024;
/** Upper bound on a file name in the metadata record, in UTF-8 bytes. */
export const MAX_FILE_NAME_BYTES = 1024;
const MAX_HEADER_READ = 64 * 1024 + 16;
const utf8 = new TextEncoder();

/** The messages of seal.rs OpenError, by code. */
export const OPEN_ERRORS = {
  'bad-header': 'not a valid age file: the header is malformed',
  'no-matching-key': 'the document key does not open this file, which may have been swapped '
    + 'for another',
  'header-altered': 'integrity check failed: the header was altered',
  'payload-altered': 'integrity check failed: the ciphertext was altered or truncated',
  'ciphertext-digest': 'integrity check failed: the ciphertext is not the one that was signed',
  'plaintext-digest': 'integrity check failed: the plaintext does not match its sealed digest',
  metadata: 'the sealed metadata record is invalid',
};
const openError = (code) => fail(code, OPEN_ERRORS[code]);

/**
 * SHA-256 of bytes.
 * @param {Uint8Array} bytes
 * @returns {Uint8Array}
 */
export function sha256Of(bytes) {
  return sha256(bytes);
}

function asBytes(chunk) {
  if (chunk instanceof Uint8Array) return chunk;
  if (chunk instanceof ArrayBuffer) return new Uint8Array(chunk);
  if (ArrayBuffer.isView(chunk)) {
    return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  }
  throw fail('io', 'I/O error: a stream gave something other than bytes');
}

/** A promise with its settle functions, kept apart for the stream callbacks. */
function deferred() {
  let resolve;
  let reject;
  const promise = new Promise((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => {}); // the caller may read only the stream; the error reaches it there
  return { promise, resolve, reject };
}

/**
 * A stream that hands on what `reader` gives, counting and hashing it; `end` runs when the
 * source is done and may throw to fail the stream; `failed` maps any error on the way.
 */
function relay(reader, { onChunk, end, failed }) {
  return new ReadableStream({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) {
          await end();
          controller.close();
          return;
        }
        const bytes = asBytes(value);
        onChunk(bytes);
        controller.enqueue(bytes);
      } catch (e) {
        const mapped = failed(e);
        controller.error(mapped);
      }
    },
    cancel(reason) {
      failed(reason instanceof VaultError ? reason :
        fail('cancelled', 'the transfer was cancelled'));
      return reader.cancel(reason);
    },
  }, { highWaterMark: 0 });
}

/**
 * Seals a stream of plaintext to a document key: an age file out, as a stream, with bounded
 * memory. `done` settles once the ciphertext stream has been read to its end.
 * @param {ReadableStream<Uint8Array>} readable plaintext
 * @param {string} recipient the document key's `age1…`
 * @param {(plaintextBytes: number) => void} [onProgress]
 * @returns {Promise<{ciphertext: ReadableStream<Uint8Array>, done: Promise<{plaintextSize: number,
 *   plaintextSha256: Uint8Array, ciphertextSize: number, ciphertextSha256: Uint8Array}>}>}
 */
export async function sealBody(readable, recipient, onProgress) {
  requireSecurePage();
  const e = new age.Encrypter();
  e.addRecipient(parseRecipient(recipient));
  const plain = { hash: sha256.create(), size: 0 };
  const cipher = { hash: sha256.create(), size: 0 };
  const counted = relay(readable.getReader(), {
    onChunk(bytes) {
      plain.hash.update(bytes);
      plain.size += bytes.length;
      onProgress?.(plain.size);
    },
    end() {},
    failed: (err) => (err instanceof VaultError ? err : fail('io',
      'I/O error while sealing: the file could not be read')),
  });
  const result = deferred();
  const encrypted = await e.encrypt(counted);
  const ciphertext = relay(encrypted.getReader(), {
    onChunk(bytes) {
      cipher.hash.update(bytes);
      cipher.size += bytes.length;
    },
    end() {
      result.resolve({
        plaintextSize: plain.size,
        plaintextSha256: plain.hash.digest(),
        ciphertextSize: cipher.size,
        ciphertextSha256: cipher.hash.digest(),
      });
    },
    failed(err) {
      const mapped = err instanceof VaultError ? err : fail('io', 'I/O error while sealing');
      result.reject(mapped);
      return mapped;
    },
  });
  return { ciphertext, done: result.promise };
}

/**
 * Reads the header and payload nonce from `reader` and applies the structural checks of
 * seal.rs read_checked_header; returns the bytes read so far (they go to age next).
 */
async function readCheckedHeader(reader, onChunk) {
  let prefix = new Uint8Array(0);
  for (;;) {
    let info;
    try {
      info = checkHeader(prefix);
    } catch {
      throw openError('bad-header');
    }
    if (info) {
      try {
        requireX25519(info);
      } catch {
        throw openError('bad-header');
      }
      return prefix;
    }
    if (prefix.length > MAX_HEADER_READ) throw openError('bad-header');
    let read;
    try {
      read = await reader.read();
    } catch {
      // The source failed, not the file: as a failed read after the header is said.
      throw fail('io', 'I/O error while opening: the file could not be read');
    }
    const { done, value } = read;
    if (done) throw openError('bad-header');
    const bytes = asBytes(value);
    onChunk(bytes);
    const grown = new Uint8Array(prefix.length + bytes.length);
    grown.set(prefix);
    grown.set(bytes, prefix.length);
    prefix = grown;
  }
}

/** The bytes already read, then the rest of `reader`. */
function replay(prefix, reader, onChunk) {
  let first = prefix;
  return new ReadableStream({
    async pull(controller) {
      if (first) {
        controller.enqueue(first);
        first = null;
        return;
      }
      try {
        const { done, value } = await reader.read();
        if (done) {
          controller.close();
          return;
        }
        const bytes = asBytes(value);
        onChunk(bytes);
        controller.enqueue(bytes);
      } catch {
        controller.error(fail('io', 'I/O error while opening: the file could not be read'));
      }
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  }, { highWaterMark: 0 });
}

function mapHeaderError(e) {
  if (e instanceof VaultError) return e;
  const text = String(e?.message ?? '');
  if (text.includes('no identity matched')) return openError('no-matching-key');
  if (text.includes('invalid header HMAC')) return openError('header-altered');
  return openError('bad-header');
}

/**
 * Opens an age body with the document key, streaming. The plaintext must not be handed to the
 * person until `done` resolves: it settles once the plaintext stream has been read to its end,
 * after every check, and on a failed check the stream errors too. Take the reason from `done`
 * (or from a reader of the stream): browsers' `Response` turns a stream's error into a bare
 * TypeError.
 * @param {ReadableStream<Uint8Array>} readable ciphertext
 * @param {string} identity the document key (`AGE-SECRET-KEY-1…`)
 * @param {{ciphertextSha256?: Uint8Array, plaintextSha256?: Uint8Array,
 *   size?: number|bigint}} [expected]
 * @param {(plaintextBytes: number) => void} [onProgress]
 * @returns {Promise<{plaintext: ReadableStream<Uint8Array>, done: Promise<{plaintextSize: number,
 *   plaintextSha256: Uint8Array, ciphertextSize: number, ciphertextSha256: Uint8Array}>}>}
 */
export async function openBody(readable, identity, expected = {}, onProgress) {
  requireSecurePage();
  const d = new age.Decrypter();
  try {
    d.addIdentity(identity);
  } catch {
    throw fail('invalid-identity', 'not an age X25519 secret key');
  }
  const source = readable.getReader();
  const cipher = { hash: sha256.create(), size: 0 };
  const hashCipher = (bytes) => {
    cipher.hash.update(bytes);
    cipher.size += bytes.length;
  };
  let decrypted;
  try {
    const prefix = await readCheckedHeader(source, hashCipher);
    decrypted = await d.decrypt(replay(prefix, source, hashCipher));
  } catch (e) {
    source.cancel().catch(() => {});
    throw mapHeaderError(e);
  }
  return streamPlaintext(decrypted.getReader(), cipher, expected, onProgress);
}

function streamPlaintext(reader, cipher, expected, onProgress) {
  const plain = { hash: sha256.create(), size: 0 };
  const result = deferred();
  const plaintext = relay(reader, {
    onChunk(bytes) {
      plain.hash.update(bytes);
      plain.size += bytes.length;
      onProgress?.(plain.size);
    },
    end() {
      const opened = {
        plaintextSize: plain.size,
        plaintextSha256: plain.hash.digest(),
        ciphertextSize: cipher.size,
        ciphertextSha256: cipher.hash.digest(),
      };
      checkExpected(opened, expected);
      result.resolve(opened);
    },
    failed(err) {
      // Errors other than ours come from age's chunk authentication (or its final-chunk rule).
      const mapped = err instanceof VaultError ? err : openError('payload-altered');
      result.reject(mapped);
      return mapped;
    },
  });
  return { plaintext, done: result.promise };
}

function checkExpected(opened, expected) {
  if (expected.ciphertextSha256 && !equalBytes(expected.ciphertextSha256,
    opened.ciphertextSha256)) {
    throw openError('ciphertext-digest');
  }
  // seal.rs takes the size and digest as a pair; here either one given is checked, and a
  // digest without its size fails rather than being half-checked.
  if (expected.plaintextSha256 || expected.size !== undefined) {
    const sameSize = expected.size !== undefined && BigInt(expected.size) ===
      BigInt(opened.plaintextSize);
    const sameDigest = !expected.plaintextSha256 ||
      equalBytes(expected.plaintextSha256, opened.plaintextSha256);
    if (!sameSize || !sameDigest) throw openError('plaintext-digest');
  }
}

function utf8Length(text) {
  return utf8.encode(text).length;
}

/**
 * Seals a metadata record to the document key; the JSON is exactly serde's `DocumentMetadata`.
 * @param {{fileName: string, mediaType: string, size: number|bigint, sha256: Uint8Array}} meta
 * @param {string} recipient
 * @returns {Promise<Uint8Array>}
 */
export async function sealMetadata({ fileName, mediaType, size, sha256: digest }, recipient) {
  requireSecurePage();
  const bad = (what) => fail('metadata-invalid', `invalid metadata: ${what}`);
  if (typeof fileName !== 'string' || typeof mediaType !== 'string') throw bad('json');
  if (/\p{Cs}/u.test(fileName) || /\p{Cs}/u.test(mediaType)) throw bad('json');
  if (utf8Length(fileName) > MAX_FILE_NAME_BYTES || utf8Length(mediaType) > 255) {
    throw bad('file name or media type too long');
  }
  const n = typeof size === 'bigint' ? size : Number.isSafeInteger(size) ? BigInt(size) : -1n;
  if (n < 0n || n >= 1n << 64n) throw bad('json');
  if (!(digest instanceof Uint8Array) || digest.length !== 32) throw bad('json');
  const json = utf8.encode(`{"file_name":${JSON.stringify(fileName)},"media_type":` +
    `${JSON.stringify(mediaType)},"size":${n},"sha256":"${hex(digest)}"}`);
  const e = new age.Encrypter();
  e.addRecipient(parseRecipient(recipient));
  try {
    return await e.encrypt(json);
  } finally {
    json.fill(0);
  }
}

/**
 * Opens a sealed metadata record with the document key.
 * @param {Uint8Array} sealed
 * @param {string} identity
 * @returns {Promise<{fileName: string, mediaType: string, size: number, sha256: Uint8Array}>}
 */
export async function openMetadata(sealed, identity) {
  requireSecurePage();
  if (!(sealed instanceof Uint8Array) || sealed.length > MAX_METADATA_BYTES) {
    throw openError('metadata');
  }
  let json;
  try {
    const d = new age.Decrypter();
    d.addIdentity(identity);
    json = await d.decrypt(sealed);
  } catch {
    throw openError('metadata');
  }
  try {
    const m = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(json));
    const ok = m && typeof m === 'object' && !Array.isArray(m) &&
      typeof m.file_name === 'string' && typeof m.media_type === 'string' &&
      Number.isSafeInteger(m.size) && m.size >= 0 && typeof m.sha256 === 'string' &&
      m.sha256.length === 64;
    if (!ok) throw openError('metadata');
    return { fileName: m.file_name, mediaType: m.media_type, size: m.size,
      sha256: fromHex(m.sha256) };
  } catch {
    throw openError('metadata');
  } finally {
    json.fill(0);
  }
}

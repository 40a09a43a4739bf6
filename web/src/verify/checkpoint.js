// Signed checkpoints of the log and witness cosignatures (C2SP signed-note, tlog-checkpoint
// and tlog-cosignature text forms), read and checked as vault-core/src/checkpoint.rs does.
//
// A checkpoint body is four lines: the log's origin, the tree size in decimal, the root in
// base64, and `time <unix seconds>`. The note is the body, a blank line, then signature lines
// `— <name> <base64(key id || signature)>`. The log's line carries a 4-byte key id and a
// 64-byte Ed25519 signature over the body; a witness's cosignature carries key id, an 8-byte
// big-endian time and a signature over `cosignature/v1\ntime <t>\n` + body. Key ids are the
// first four bytes of SHA-256(name || "\n" || algorithm byte || key). Keys are written
// `name+keyid+base64(algorithm byte || key)`. Everything is parsed strictly: a size with a
// leading zero, a missing final newline or a fifth body line is refused, as in Rust.
//
// This module only reads; the browser never signs checkpoints. Sizes and times are BigInt.

import { verify as verifySignature } from '../core/keys.js';
import { VerifyError } from './errors.js';
import { equal, parseBase64, sha256, toBase64, toHex, utf8 } from './bytes.js';

/** Upper bound on a signed note, cosignatures included (bytes of UTF-8). */
export const MAX_NOTE_BYTES = 64 * 1024;
const NOTE_ED25519 = 0x01;
const COSIGNATURE_V1 = 0x04;
const DASH = '\u2014 ';
const U64_MAX = (1n << 64n) - 1n;

/** @param {string} why */
function malformed(why) {
  return new VerifyError(
    'checkpoint-malformed',
    `The log's checkpoint is not in the expected form (${why}). Nothing was done; tell your `
      + 'platform admin.',
    { why },
  );
}

/**
 * A decimal u64 without sign or leading zeros, or null.
 * @param {string} text
 * @returns {bigint | null}
 */
function decimal(text) {
  if (!/^(0|[1-9][0-9]*)$/.test(text)) {
    return null;
  }
  const value = BigInt(text);
  return value <= U64_MAX ? value : null;
}

/** @param {string} name */
function checkName(name) {
  const ok = name.length > 0 && utf8(name).length <= 255 && !name.includes('+')
    && !/[\p{White_Space}\p{Cc}]/u.test(name);
  if (!ok) {
    throw malformed("name is empty, too long or has spaces or '+'");
  }
}

/**
 * @typedef {{origin: string, size: bigint, root: Uint8Array, time: bigint}} Checkpoint
 */

/**
 * The text body of a checkpoint, which the signatures cover.
 * @param {Checkpoint} checkpoint
 */
export function body(checkpoint) {
  const { origin, size, root, time } = checkpoint;
  return `${origin}\n${size}\n${toBase64(root)}\ntime ${time}\n`;
}

/**
 * Parses a checkpoint body; anything but the exact form is refused.
 * @param {string} text
 * @returns {Checkpoint}
 */
export function parseBody(text) {
  if (!text.endsWith('\n')) {
    throw malformed('body does not end with a newline');
  }
  const lines = text.slice(0, -1).split('\n');
  if (lines.length !== 4) {
    throw malformed('body is not four lines');
  }
  const [origin, sizeText, rootText, timeText] = lines;
  checkName(origin);
  let root;
  try {
    root = parseBase64(rootText, 'root', 32);
  } catch {
    throw malformed('root hash is not 32 bytes of base64');
  }
  if (!timeText.startsWith('time ')) {
    throw malformed('fourth line is not the time');
  }
  const size = decimal(sizeText);
  if (size === null) {
    throw malformed('tree size is not a decimal number');
  }
  const time = decimal(timeText.slice(5));
  if (time === null) {
    throw malformed('time is not a decimal number');
  }
  return { origin, size, root, time };
}

/**
 * @param {string} name
 * @param {number} algorithm
 * @param {Uint8Array} key
 */
function keyId(name, algorithm, key) {
  return sha256(utf8(name), Uint8Array.of(0x0a, algorithm), key).slice(0, 4);
}

/**
 * @typedef {{name: string, key: Uint8Array, keyId: Uint8Array, vkey: string}} NoteKey
 */

/**
 * @param {unknown} text
 * @param {number} algorithm
 * @returns {NoteKey}
 */
function parseVkey(text, algorithm) {
  const bad = () => malformed('verifier key is not name+keyid+base64 key');
  if (typeof text !== 'string') {
    throw bad();
  }
  // The base64 key may itself hold '+': only the first two separate fields.
  const trimmed = text.trim();
  const first = trimmed.indexOf('+');
  const second = first < 0 ? -1 : trimmed.indexOf('+', first + 1);
  if (second < 0) {
    throw bad();
  }
  const [name, id, rawText] = [
    trimmed.slice(0, first), trimmed.slice(first + 1, second), trimmed.slice(second + 1),
  ];
  checkName(name);
  let raw;
  try {
    raw = parseBase64(rawText, 'verifier key');
  } catch {
    throw bad();
  }
  if (raw.length < 1) {
    throw bad();
  }
  if (raw[0] !== algorithm) {
    throw malformed('verifier key is for another algorithm');
  }
  const key = raw.slice(1);
  if (key.length !== 32) {
    throw bad();
  }
  const expectedId = keyId(name, algorithm, key);
  if (toHex(expectedId) !== id) {
    throw malformed('verifier key id does not match the key');
  }
  return { name, key, keyId: expectedId, vkey: `${name}+${id}+${toBase64(raw)}` };
}

/**
 * The log's key from its verifier key text (`origin+keyid+base64(0x01 || key)`).
 * @param {unknown} text
 * @returns {NoteKey}
 */
export function parseLogKey(text) {
  return parseVkey(text, NOTE_ED25519);
}

/**
 * A witness's key from its verifier key text (`name+keyid+base64(0x04 || key)`).
 * @param {unknown} text
 * @returns {NoteKey}
 */
export function parseWitnessKey(text) {
  return parseVkey(text, COSIGNATURE_V1);
}

/**
 * @param {string} line
 * @returns {{name: string, payload: Uint8Array}}
 */
function splitLine(line) {
  const bad = () => malformed("signature line is not '\u2014 name base64'");
  if (!line.startsWith(DASH)) {
    throw bad();
  }
  const rest = line.slice(DASH.length);
  const space = rest.indexOf(' ');
  if (space < 0) {
    throw bad();
  }
  const name = rest.slice(0, space);
  checkName(name);
  let payload;
  try {
    payload = parseBase64(rest.slice(space + 1), 'signature');
  } catch {
    throw bad();
  }
  if (payload.length < 4) {
    throw bad();
  }
  return { name, payload };
}

/**
 * @typedef {{witness: string, keyId: Uint8Array, time: bigint, signature: Uint8Array}}
 *   Cosignature
 */

/**
 * One signature line as a cosignature, or null when it is another kind of signature.
 * @param {string} line
 * @returns {Cosignature | null}
 */
export function parseCosignatureLine(line) {
  const { name, payload } = splitLine(line);
  if (payload.length !== 76) {
    return null;
  }
  const time = new DataView(payload.buffer, payload.byteOffset + 4, 8).getBigUint64(0, false);
  return {
    witness: name,
    keyId: payload.slice(0, 4),
    time,
    signature: payload.slice(12),
  };
}

/**
 * Whether `cosignature` is `witness`'s valid signature on `checkpoint`.
 * @param {Cosignature} cosignature
 * @param {Checkpoint} checkpoint
 * @param {NoteKey} witness
 */
export function cosignatureVerifies(cosignature, checkpoint, witness) {
  const message = `cosignature/v1\ntime ${cosignature.time}\n${body(checkpoint)}`;
  return cosignature.witness === witness.name && equal(cosignature.keyId, witness.keyId)
    && verifySignature(witness.key, utf8(message), cosignature.signature);
}

/**
 * Parses a signed note and checks the log's signature on it.
 * Throws 'checkpoint-malformed', 'checkpoint-origin' or 'checkpoint-signature'.
 * @param {unknown} note
 * @param {NoteKey} log
 * @returns {{checkpoint: Checkpoint, note: string, cosignatures: Cosignature[]}}
 */
export function openCheckpoint(note, log) {
  if (typeof note !== 'string' || utf8(note).length > MAX_NOTE_BYTES) {
    throw malformed('note is missing or too large');
  }
  const split = note.lastIndexOf('\n\n');
  if (split < 0) {
    throw malformed('note has no signature block');
  }
  const text = note.slice(0, split + 1);
  const block = note.slice(split + 2);
  if (!block.endsWith('\n')) {
    throw malformed('note does not end with a newline');
  }
  const checkpoint = parseBody(text);
  if (checkpoint.origin !== log.name) {
    throw new VerifyError(
      'checkpoint-origin',
      `The checkpoint is for log ${JSON.stringify(checkpoint.origin)}, not for this server's log `
        + `${JSON.stringify(log.name)}. Nothing was done; tell your auditor.`,
      { expected: log.name, found: checkpoint.origin },
    );
  }
  let signed = false;
  const cosignatures = [];
  for (const line of block.slice(0, -1).split('\n')) {
    const { name, payload } = splitLine(line);
    if (name === log.name && payload.length === 68 && equal(payload.slice(0, 4), log.keyId)) {
      signed = verifySignature(log.key, utf8(text), payload.slice(4)) || signed;
    } else {
      const cosignature = parseCosignatureLine(line);
      if (cosignature) {
        cosignatures.push(cosignature);
      }
    }
  }
  if (!signed) {
    throw new VerifyError(
      'checkpoint-signature',
      `The checkpoint is not signed by the log key of ${log.name}.`,
      { log: log.name },
    );
  }
  return { checkpoint, note, cosignatures };
}

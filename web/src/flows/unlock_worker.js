/**
 * @file Unlocking in a dedicated Web Worker. scrypt at the keystore's work factor needs
 * 256 MiB, which on the page stays allocated until the page's garbage collector runs, so a
 * seal started right after unlocking peaked at twice that. The same bundle
 * (/static/vault.js, allowed by the CSP's `script-src 'self'`) is started as a worker, unlocks
 * there and hands back the keystore's record; the page then ends the worker, and its memory
 * goes with it. Where workers are not available the page unlocks itself, as before.
 */
import * as b64 from '../core/b64.js';
import { fail } from '../core/errors.js';
import { SigningKey } from '../core/keys.js';
import { Keystore, unlockKeystore } from '../core/keystore.js';
import { askWorkerOnce, canStartWorkers } from './bundle.js';

/**
 * The worker's side of an unlock: one request `{locked, passphrase}`, one answer `{record}`
 * or `{error}`.
 */
export async function serveUnlock(data, post) {
  try {
    const keystore = await unlockKeystore(data.locked, data.passphrase);
    const record = keystore.record();
    keystore.wipe();
    post({ record });
  } catch (error) {
    post({ error: { code: error.code || 'error', message: error.message } });
  }
}

/** A keystore from the record the worker unlocked (the worker made every check). */
function fromRecord(record) {
  const key = (text) => {
    const bytes = b64.decode(text);
    try {
      return SigningKey.fromPkcs8(bytes);
    } finally {
      bytes.fill(0);
    }
  };
  return new Keystore({
    userId: record.user_id,
    email: record.email,
    server: record.server,
    orgId: record.org_id,
    identity: record.identity,
    signing: key(record.signing_pkcs8),
    orgRoot: record.org_root_pkcs8 ? key(record.org_root_pkcs8) : null,
  });
}

/** Runs the unlock in a worker, ended as soon as it answers. */
async function inAWorker(locked, passphrase) {
  const data = await askWorkerOnce({ locked, passphrase });
  if (!data) {
    throw fail('worker', 'Your keys could not be unlocked in this browser. Reload the page '
      + 'and try again.');
  }
  if (data.error) throw fail(data.error.code, data.error.message);
  return fromRecord(data.record);
}

/**
 * Unlocks keystore bytes with the passphrase: in a worker when the browser has them, else in
 * the page. Errors are the core's (`wrong-passphrase`, `keystore-damaged`, `work-factor`).
 * @param {Uint8Array} locked
 * @param {string} passphrase
 * @returns {Promise<Keystore>}
 */
export function unlockAside(locked, passphrase) {
  if (!canStartWorkers()) return unlockKeystore(locked, passphrase);
  return inAWorker(locked, passphrase);
}

// The keystore in the browser: the same passphrase-locked age file vaultctl writes (JSON record
// inside an age scrypt file), so one keystore serves both. As keystore.rs does, the scrypt work
// factor is read from the header before the passphrase is tried, and a file outside 15..22 is
// refused (a keystore handed back by the server with a lowered factor must not be opened).
// The browser's age library opens at most factor 20; 21 and 22 get a clear message instead.

import * as age from 'age-encryption';

import { decode as b64decode, encode as b64encode } from './b64.js';
import { fail } from './errors.js';
import { canonicalId } from './ids.js';
import { recipientOf, SigningKey } from './keys.js';
import { checkHeader, scryptWorkFactor } from './header.js';

/** The least work factor a keystore may be locked with (keystore.rs MIN_WORK_FACTOR). */
export const MIN_WORK_FACTOR = 15;
/** The greatest work factor accepted when opening (keystore.rs MAX_WORK_FACTOR). */
export const MAX_WORK_FACTOR = 22;
/** The greatest work factor age-encryption opens; above it the browser cannot unlock. */
export const MAX_BROWSER_WORK_FACTOR = 20;
/** The work factor new keystores get (keystore.rs DEFAULT_WORK_FACTOR). */
export const DEFAULT_WORK_FACTOR = 18;
const MAX_KEYSTORE_BYTES = 64 * 1024;
const LONE_SURROGATE = /\p{Cs}/u;

const damaged = (what) => fail('keystore-damaged', `the keystore is damaged: ${what}`);

/** A person's unlocked keys; they live in this page's memory only. */
export class Keystore {
  /**
   * @param {{userId: string, email: string, server: string, orgId: string|null,
   *   identity: string, signing: SigningKey, orgRoot: SigningKey|null}} fields
   */
  constructor({ userId, email, server, orgId, identity, signing, orgRoot }) {
    this.userId = canonicalId(userId);
    this.email = email;
    this.server = server ?? '';
    this.orgId = orgId == null ? null : canonicalId(orgId);
    this.identity = identity;
    this.signing = signing;
    this.orgRoot = orgRoot ?? null;
  }

  /**
   * The JSON record exactly as keystore.rs `Record` (snake_case, field order kept); it holds
   * secrets, so lock it and drop it.
   * @returns {object}
   */
  record() {
    const pkcs8 = (key) => {
      const bytes = key.toPkcs8();
      const text = b64encode(bytes);
      bytes.fill(0);
      return text;
    };
    return {
      version: 1,
      user_id: this.userId,
      email: this.email,
      server: this.server,
      org_id: this.orgId,
      identity: this.identity,
      signing_pkcs8: pkcs8(this.signing),
      org_root_pkcs8: this.orgRoot ? pkcs8(this.orgRoot) : null,
    };
  }

  /** Overwrites the signing keys' seeds (strings cannot be wiped in JavaScript). */
  wipe() {
    this.signing.wipe();
    this.orgRoot?.wipe();
  }
}

function recordJson(record) {
  const fields = {
    version: record.version ?? 1,
    user_id: canonicalId(record.user_id),
    email: record.email,
    server: record.server ?? '',
    org_id: record.org_id == null ? null : canonicalId(record.org_id),
    identity: record.identity,
    signing_pkcs8: record.signing_pkcs8,
    org_root_pkcs8: record.org_root_pkcs8 ?? null,
  };
  for (const [name, v] of Object.entries(fields)) {
    if (typeof v === 'string' && LONE_SURROGATE.test(v)) throw damaged(`${name} is not text`);
  }
  return JSON.stringify(fields);
}

/**
 * Locks a keystore (a Keystore or its record) with a passphrase, as vaultctl does.
 * @param {Keystore|object} record
 * @param {string} passphrase
 * @param {number} [workFactor] scrypt log2 N, 15..20 in the browser
 * @returns {Promise<Uint8Array>} the locked age file
 */
export async function lockKeystore(record, passphrase, workFactor = DEFAULT_WORK_FACTOR) {
  if (!Number.isInteger(workFactor) || workFactor < MIN_WORK_FACTOR ||
      workFactor > MAX_BROWSER_WORK_FACTOR) {
    throw fail('work-factor', `the work factor must be a number from ${MIN_WORK_FACTOR} to ` +
      `${MAX_BROWSER_WORK_FACTOR}`);
  }
  if (typeof passphrase !== 'string' || passphrase.length === 0) {
    throw fail('no-passphrase', 'a passphrase is needed to lock the keystore');
  }
  const fields = record instanceof Keystore ? record.record() : record;
  // What is locked must unlock: the same checks as unlocking, before the slow part.
  (await fromRecord(fields)).wipe();
  const json = new TextEncoder().encode(recordJson(fields));
  const e = new age.Encrypter();
  e.setScryptWorkFactor(workFactor);
  e.setPassphrase(passphrase);
  try {
    return await e.encrypt(json);
  } finally {
    json.fill(0);
  }
}

/**
 * The scrypt work factor a locked keystore claims, refusing a file that is not locked by a
 * passphrase alone or whose factor is outside 15..22 (before any passphrase is tried).
 * @param {Uint8Array} locked
 * @returns {number}
 */
export function keystoreWorkFactor(locked) {
  let info = null;
  try {
    info = checkHeader(locked);
  } catch {
    // reported below, as keystore.rs does, without the parser's reason
  }
  if (!info) throw damaged('the header is not a valid age header');
  const found = scryptWorkFactor(info);
  if (found === null) throw damaged('it is not locked with a passphrase');
  if (found < MIN_WORK_FACTOR || found > MAX_WORK_FACTOR) {
    throw fail('work-factor', `the keystore's passphrase work factor is ${found}, outside the ` +
      `accepted ${MIN_WORK_FACTOR}..=${MAX_WORK_FACTOR}: it may have been downgraded; restore ` +
      'it from a backup');
  }
  if (found > MAX_BROWSER_WORK_FACTOR) {
    throw fail('work-factor', `the keystore's passphrase work factor is ${found}, more than ` +
      `this browser can open (${MAX_BROWSER_WORK_FACTOR}): lock it again with vaultctl at a ` +
      'lower factor (VAULTCTL_SCRYPT_WORK_FACTOR) and upload it');
  }
  return found;
}

/**
 * Unlocks keystore bytes with the passphrase.
 * @param {Uint8Array} locked
 * @param {string} passphrase
 * @returns {Promise<Keystore>}
 */
export async function unlockKeystore(locked, passphrase) {
  if (!(locked instanceof Uint8Array) || locked.length > MAX_KEYSTORE_BYTES) {
    throw damaged('the header is not a valid age header');
  }
  keystoreWorkFactor(locked);
  const d = new age.Decrypter();
  d.addPassphrase(passphrase);
  let json;
  try {
    json = await d.decrypt(locked);
  } catch {
    throw fail('wrong-passphrase', 'wrong passphrase (or the keystore is damaged)');
  }
  let record;
  try {
    record = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(json));
  } catch {
    throw damaged('contents');
  } finally {
    json.fill(0);
  }
  return fromRecord(record);
}

function fromRecord(record) {
  const text = (v) => typeof v === 'string';
  const ok = record && typeof record === 'object' && Number.isInteger(record.version) &&
    record.version >= 0 && text(record.email) && (record.server === undefined ||
    text(record.server)) && text(record.identity) && text(record.signing_pkcs8) &&
    (record.org_root_pkcs8 == null || text(record.org_root_pkcs8)) &&
    (record.org_id == null || text(record.org_id)) && text(record.user_id);
  if (!ok) throw damaged('contents');
  let ids;
  try {
    ids = { userId: canonicalId(record.user_id), orgId: record.org_id == null ? null :
      canonicalId(record.org_id) };
  } catch {
    throw damaged('contents');
  }
  const pkcs8 = (b64) => {
    let bytes;
    try {
      bytes = b64decode(b64);
    } catch {
      throw damaged('signing key encoding');
    }
    try {
      return SigningKey.fromPkcs8(bytes);
    } catch {
      throw damaged('keys');
    } finally {
      bytes.fill(0);
    }
  };
  return finishRecord(record, ids, pkcs8);
}

async function finishRecord(record, ids, pkcs8) {
  try {
    await recipientOf(record.identity);
  } catch {
    throw damaged('keys');
  }
  return new Keystore({
    ...ids,
    email: record.email,
    server: record.server ?? '',
    identity: record.identity.trim(),
    signing: pkcs8(record.signing_pkcs8),
    orgRoot: record.org_root_pkcs8 == null ? null : pkcs8(record.org_root_pkcs8),
  });
}

// Keys pinned the first time this browser saw them, as vault-client/src/pins.rs keeps them.
//
// The first time a directory verifies, the organisation's root signing key, the fingerprint
// of every organisation key version and the member fingerprint (over both keys) of every
// active certified member are recorded. Later directories must show the same root, the same
// key for every version already seen and the same keys for every member already seen:
// anything else is refused naming both fingerprints, because a directory that changes under
// a person is what a key-substitution attack looks like. A new key version proven by the
// chain, or a newly certified member, is not a change and is simply recorded.
//
// The store is a plain JSON object in the same shape as the command-line client's pins.json
// (`{orgs: {<org id>: {root: <base64>, org_keys: [<fingerprint>], members: {<user id>:
// <fingerprint>}}}}`). It holds only public keys; the caller keeps it (the page keeps it in
// localStorage per signed-in user) and saves it when a function here says it changed.

import { VerifyError } from './errors.js';
import { parseBase64, parseFingerprint, toBase64 } from './bytes.js';
import {
  fingerprintOfMember, fingerprintOfRecipient, fingerprintOfSigningKey, formatFingerprint,
} from '../core/keys.js';

/**
 * @typedef {{root: string, org_keys: string[], members: Record<string, string>}} OrgPin
 * @typedef {{orgs: Record<string, OrgPin>}} Pins
 */

/** @returns {Pins} an empty store */
export function emptyPins() {
  return { orgs: {} };
}

/**
 * Checks a store read back from where the caller kept it.
 * @param {unknown} value
 * @returns {Pins}
 */
export function readPins(value) {
  const damaged = () => new VerifyError(
    'pins-damaged',
    'The keys this browser remembered are damaged, so nothing can be checked against them. '
      + 'Ask your platform admin before continuing.',
  );
  if (value == null) {
    return emptyPins();
  }
  const orgs = /** @type {any} */ (value)?.orgs;
  if (typeof orgs !== 'object' || orgs === null) {
    throw damaged();
  }
  for (const pin of Object.values(orgs)) {
    const ok = typeof pin?.root === 'string' && Array.isArray(pin.org_keys)
      && pin.org_keys.every((f) => typeof f === 'string')
      && (pin.members === undefined || typeof pin.members === 'object');
    if (!ok) {
      throw damaged();
    }
    pin.members ??= {};
  }
  return /** @type {Pins} */ (value);
}

/**
 * The pinned root signing key of `orgId`, if any.
 * @param {Pins} pins
 * @param {string} orgId
 * @returns {Uint8Array | null}
 */
export function pinnedRoot(pins, orgId) {
  const pin = pins.orgs[orgId];
  return pin ? parseBase64(pin.root, 'a pinned root key', 32) : null;
}

/**
 * Pins what a founding manager made, before the directory was ever fetched.
 * @param {Pins} pins
 * @param {string} orgId
 * @param {Uint8Array} root the root signing key (32 bytes)
 * @param {Uint8Array | string} orgKey the organisation key's fingerprint (bytes or text)
 */
export function recordFounding(pins, orgId, root, orgKey) {
  const fingerprint = typeof orgKey === 'string' ? parseFingerprint(orgKey, 'the key') : orgKey;
  pins.orgs[orgId] = {
    root: toBase64(root),
    org_keys: [fpr(fingerprint)],
    members: {},
  };
}

/** @param {Uint8Array} bytes */
function fpr(bytes) {
  return formatFingerprint(bytes);
}

/**
 * The fingerprints a verified directory shows.
 * @param {import('./trust.js').TrustedOrg} trusted
 * @returns {OrgPin}
 */
function shownBy(trusted) {
  const members = {};
  for (const m of trusted.activeMembers()) {
    members[m.userId] = fpr(fingerprintOfMember(m.encryptionKey, m.signingKey));
  }
  return {
    root: toBase64(trusted.root),
    org_keys: trusted.orgKeys.map((k) => fpr(fingerprintOfRecipient(k))),
    members,
  };
}

/** @param {string} root base64 */
function rootFpr(root) {
  return fpr(fingerprintOfSigningKey(parseBase64(root, 'a root key', 32)));
}

/**
 * The first pinned key version shown differently (or no longer shown).
 * @param {OrgPin} pin
 * @param {OrgPin} shown
 * @returns {[number, string, string] | null} index, pinned, shown
 */
function firstChangedVersion(pin, shown) {
  for (const [version, pinned] of pin.org_keys.entries()) {
    const now = shown.org_keys[version];
    if (now !== pinned) {
      return [version, pinned, now ?? pinned];
    }
  }
  return null;
}

/**
 * Checks a verified directory against the pins and records anything new. Returns whether the
 * pins changed (the caller then saves them). Nothing is recorded when anything is refused.
 * Throws 'pin-changed' naming both fingerprints.
 * @param {Pins} pins
 * @param {import('./trust.js').TrustedOrg} trusted
 * @returns {boolean}
 */
export function checkAndRecord(pins, trusted) {
  const shown = shownBy(trusted);
  const org = trusted.orgId;
  const pin = pins.orgs[org];
  if (!pin) {
    pins.orgs[org] = shown;
    return true;
  }
  if (pin.root !== shown.root) {
    throw changed(org, 'root', null, rootFpr(pin.root), rootFpr(shown.root));
  }
  const version = firstChangedVersion(pin, shown);
  if (version) {
    throw changed(org, 'org-key', version[0] + 1, version[1], version[2]);
  }
  for (const [user, now] of Object.entries(shown.members)) {
    const pinned = pin.members[user];
    if (pinned !== undefined && pinned !== now) {
      throw changed(org, 'member', user, pinned, now);
    }
  }
  const grew = shown.org_keys.length > pin.org_keys.length;
  if (grew) {
    pin.org_keys = shown.org_keys;
  }
  const before = Object.keys(pin.members).length;
  Object.assign(pin.members, shown.members);
  return grew || Object.keys(pin.members).length > before;
}

/**
 * @param {string} org
 * @param {'root' | 'org-key' | 'member'} what
 * @param {string | number | null} which the version or the user
 * @param {string} pinned
 * @param {string} shown
 */
function changed(org, what, which, pinned, shown) {
  const since = `since this browser last saw it (was ${pinned}, now ${shown})`;
  const messages = {
    root: `The organisation's key has changed ${since}. Do not continue; ask your manager to `
      + 'confirm the new key.',
    'org-key': `The organisation's encryption key (version ${which}) has changed ${since}. Do `
      + 'not continue; ask your manager to confirm the new key.',
    member: `The keys of member ${which} have changed since this browser last saw them (was `
      + `${pinned}, now ${shown}). Do not continue; ask that member to read out their `
      + 'fingerprint to your manager.',
  };
  const details = { org, what, pinned, shown };
  if (what === 'member') {
    details.user = which;
  } else if (what === 'org-key') {
    details.version = which;
  }
  return new VerifyError('pin-changed', messages[what], details);
}

/** The fingerprint given is not that of the changed key (which is not shown, on purpose). */
function notTheChangedKey() {
  return new VerifyError(
    'not-the-changed-key',
    'The fingerprint you gave is not that of the key the server shows now; nothing was '
      + 'accepted. Compare again with the organisation or member, out of band.',
  );
}

/**
 * Normalises a typed fingerprint for comparison.
 * @param {string} text
 */
function typed(text) {
  const digits = String(text).replace(/[- ]/g, '').toLowerCase();
  return /^[0-9a-f]{32}$/.test(digits) ? digits.replace(/(.{4})(?!$)/g, '$1-') : null;
}

/**
 * Takes an organisation's changed root, or its first changed key version, once the person
 * confirmed `fingerprint` (the new key's) out of band. Member pins are kept. Returns whether
 * anything was taken; an unknown organisation is simply pinned.
 * @param {Pins} pins
 * @param {import('./trust.js').TrustedOrg} trusted
 * @param {string} fingerprint
 * @returns {boolean}
 */
export function acceptOrg(pins, trusted, fingerprint) {
  const shown = shownBy(trusted);
  const pin = pins.orgs[trusted.orgId];
  if (!pin) {
    pins.orgs[trusted.orgId] = shown;
    return true;
  }
  const sameRoot = pin.root === shown.root;
  const version = sameRoot ? firstChangedVersion(pin, shown) : null;
  if (sameRoot && !version) {
    return false;
  }
  const now = sameRoot ? version[2] : rootFpr(shown.root);
  if (typed(fingerprint) !== now) {
    throw notTheChangedKey();
  }
  if (sameRoot) {
    pin.org_keys[version[0]] = now;
  } else {
    pin.root = shown.root;
    pin.org_keys = shown.org_keys;
  }
  return true;
}

/**
 * Takes a member's changed keys once the person confirmed `fingerprint` (the member
 * fingerprint over both new keys) with the member out of band.
 * @param {Pins} pins
 * @param {import('./trust.js').TrustedOrg} trusted
 * @param {string} user
 * @param {string} fingerprint
 * @returns {boolean}
 */
export function acceptMember(pins, trusted, user, fingerprint) {
  const shown = shownBy(trusted);
  const now = shown.members[user];
  if (now === undefined) {
    throw new VerifyError(
      'not-certified',
      `${user} is not an active certified member of organisation ${trusted.orgId}.`,
      { user, org: trusted.orgId },
    );
  }
  if (typed(fingerprint) !== now) {
    throw notTheChangedKey();
  }
  pins.orgs[trusted.orgId] ??= shown;
  const pin = pins.orgs[trusted.orgId];
  const before = pin.members[user];
  pin.members[user] = now;
  return before !== now;
}

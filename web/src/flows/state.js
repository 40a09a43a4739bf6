/**
 * @file What the page knows while it is open: the unlocked keystore (keys in this page's
 * memory only, never localStorage, sessionStorage, IndexedDB or cookies; leaving or reloading
 * the page forgets them), who the server says the person is, and the pins (public keys seen
 * before, kept in localStorage per user id because they are public, like the CLI's pins file).
 */
import { fail } from '../core/errors.js';

/** @type {null | {keystore: any, me: any}} */
let unlocked = null;
const listeners = new Set();

/**
 * Keeps the unlocked keystore and the account for this page's lifetime. If a listener
 * refuses them (damaged pins, say), the keys are dropped again and the refusal is thrown.
 */
export function setUnlocked(keystore, me) {
  unlocked = { keystore, me };
  try {
    for (const listener of listeners) listener(unlocked);
  } catch (error) {
    unlocked = null;
    throw error;
  }
}

/** Calls `listener` once keys are unlocked (at once when they already are). */
export function whenUnlocked(listener) {
  listeners.add(listener);
  if (unlocked) listener(unlocked);
}

/** Whether keys are unlocked in this page. */
export function isUnlocked() {
  return unlocked !== null;
}

/** The unlocked keystore and account, or an error asking to unlock first. */
export function session() {
  if (!unlocked) {
    throw fail('locked', 'Unlock your keys with your vault passphrase first.');
  }
  return unlocked;
}

/** The organisation the unlocked keystore is registered with. */
export function myOrg() {
  const { keystore } = session();
  if (!keystore.orgId) {
    throw fail('not-registered', 'These keys are not registered with an organisation.');
  }
  return keystore.orgId;
}

const pinsKey = (userId) => `vault-pins:${userId}`;

/**
 * The pins kept for `userId` as stored (null the first time); the verify part reads them and
 * refuses damaged ones rather than starting again, as the CLI does with its pins file.
 */
export function loadPins(userId) {
  let text = null;
  try {
    text = window.localStorage.getItem(pinsKey(userId));
  } catch {
    // Storage switched off: the pins last as long as the page.
    return null;
  }
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Keeps the pins for `userId`; they hold public keys only. */
export function savePins(userId, pins) {
  try {
    window.localStorage.setItem(pinsKey(userId), JSON.stringify(pins));
  } catch {
    // Storage switched off: the pins last as long as the page, which is still safe.
  }
}

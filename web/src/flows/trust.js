/**
 * @file The page's link to the verify part: one `Verifier` (directories checked against the
 * pins, envelopes, documents, keys proven in the log) and one `LogSession` per unlocked
 * person, made when their keys are unlocked. The pins and the log book (the checkpoint seen
 * last) are public data, kept in localStorage per user id as the CLI keeps its pins and log
 * files; the keys are not. The flows call these few functions, in vaultctl's order.
 */
import { recipientOf } from '../core/keys.js';
import {
  LogSession, Verifier, confirmOnLog as confirmed, readPins, recordFounding as pinFounding,
  storedBook,
} from '../verify/index.js';
import * as api from '../api.js';
import { loadPins, myOrg, savePins, session, whenUnlocked } from './state.js';

/** @type {Verifier | null} */
let verifier = null;

/** The log book's storage key of a person (public data: the checkpoint seen last). */
const bookKey = (userId) => `vault-log:${userId}`;

/** A place that keeps nothing, for a browser with storage switched off. */
const nowhere = { getItem: () => null, setItem: () => {} };

function storage() {
  try {
    return window.localStorage;
  } catch {
    return nowhere;
  }
}

whenUnlocked(({ keystore }) => {
  const userId = keystore.userId;
  const log = new LogSession(api, storedBook(storage(), bookKey(userId)));
  verifier = new Verifier({
    api,
    orgId: keystore.orgId,
    userId,
    pins: loadPins(userId),
    savePins: (pins) => savePins(userId, pins),
    log,
  });
});

/** The unlocked person's verifier. */
function checks() {
  session();
  myOrg();
  return verifier;
}

/** Pins what a founder just made, as `vaultctl register --invite` does. */
export function recordFounding(userId, org, rootPublicKey, orgKeyFingerprint) {
  const pins = readPins(loadPins(userId));
  pinFounding(pins, org, rootPublicKey, orgKeyFingerprint);
  savePins(userId, pins);
}

/** A verified directory, fetched afresh: `{dir, trusted}`. */
export const directory = (org) => checks().directory(org);

/** A verified directory, from this page's cache when it has one. */
export const trustedOrg = (org) => checks().trustedOrg(org);

/** Our own organisation's root fingerprint, from its checked directory, to read out. */
export const myOrgRoot = () => checks().myOrgRoot();

/** Forgets a verified directory after a change made to it. */
export const forget = (org) => checks().forgetTrusted(org);

/**
 * The root keys this browser pinned for the first time, unchecked, since the last call, each
 * to compare once out of band: `others` (`[{org, name, root}]`, named as their directory names
 * them) and `own`, our own organisation's root fingerprint or null. Our own organisation is
 * kept apart so that it is never presented as another one.
 */
export function firstSights() {
  const mine = myOrg();
  const sights = checks().takeFirstSights();
  const own = sights.find((s) => s.org === mine);
  return { others: sights.filter((s) => s.org !== mine), own: own ? own.root : null };
}

/** Checks the log's latest checkpoint against the one this browser saw before. */
export const checkLog = () => checks().log.checkLog();

/**
 * Whether `error` is the log check's refusal (a rollback, a fork, a bad signature…): it stops
 * a whole page's work at once, rather than being told once per document.
 */
export const isLogRefusal = (error) => Boolean(error) && typeof error.code === 'string'
  && error.code.startsWith('log-');

/** After a change: proves each of `statements` included in the log. */
export const confirmOnLog = (action, statements) => confirmed(checks().log, action, statements);

/**
 * Verifies organisation `org` before anything is sent to it; with `expect`, a root fingerprint
 * the person typed (given them by that organisation out of band), it must match before the
 * root is remembered, as `vaultctl … --expect-fingerprint` does.
 * @param {string} org
 * @param {string} expect
 */
export const meetOrg = (org, expect) => checks().meetOrg(org, expect);

/** An organisation's current key, once the statements certifying it are proven in the log. */
export const loggedOrgKey = (org) => checks().loggedOrgKey(org);

/** Checks an envelope; answers the organisation that wrapped it. */
export const checkEnvelope = (envelope, keyScope, recipient, allowed) => checks()
  .checkEnvelope(envelope, keyScope, recipient, allowed);

/** The organisations allowed to hand over a case's key. */
export const caseWrappers = (caseId) => checks().caseWrappers(caseId);

/** Verifies a document's seal statement against the stored document. */
export const checkDocument = (doc) => checks().checkDocument(doc);

/** A key as the flows hold it: its identity and recipient text. */
async function held(identity) {
  return { identity, recipient: await recipientOf(identity) };
}

/**
 * Checks then unwraps an envelope with `holder`'s identity.
 * @returns {Promise<{identity: string, recipient: string}>}
 */
export async function openEnvelope(envelope, keyScope, holder, allowed) {
  return held(await checks().openEnvelope(envelope, keyScope, holder.identity, allowed));
}

/**
 * The current organisation key, unwrapped from the person's own envelope after every check.
 * The log is checked first, every time: every key the page opens or wraps comes through here,
 * so a server showing an older or forked log gets no document opened, as with vaultctl.
 */
export async function orgKey() {
  await checkLog();
  return held(await checks().orgKey(session().keystore.identity));
}

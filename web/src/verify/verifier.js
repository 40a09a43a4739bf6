// The checks made before any key is used or any document is shown, as
// vault-client/src/verify.rs and log/chain.rs make them, for one signed-in person's page.
//
// - A directory counts only after `verifyOrg` and after the pins agree on its root, its
//   organisation keys and its members' keys. Before a key is wrapped to, the statements
//   certifying it must also be proven in the log (`loggedOrgKey`, `loggedMembers`).
// - An envelope counts only when its `key-wrapped` statement verifies against a certified
//   member of the organisation it names, that organisation is one allowed to hand us this
//   key, and it is unwrapped with the fingerprint the statement names. Allowed: our own
//   organisation for our organisation key; for a case's key and its documents' keys, ours or
//   one that transferred the case to us and whose offer we accepted. An organisation the
//   server made up can therefore plant no key in our cases.
// - A document counts as genuine only when its `document-sealed` statement comes from a
//   certified member of the organisation it names and agrees with the stored sizes, digests
//   and key.
// One refinement over the Rust client: a directory must be the one of the organisation asked
// for (`org-mismatch`), so an answer about another organisation is never used in its place.

import { VerifyError } from './errors.js';
import {
  canonicalId, canonicalRecipient, equal, parseBase64, parseDigest, parseFingerprint, sha256,
} from './bytes.js';
import { forMember, forOrgKey } from './chain.js';
import { requireLogged } from './inclusion.js';
import { LogSession } from './log.js';
import { checkAndRecord, readPins } from './pins.js';
import { verifyOrg } from './trust.js';
import { verifyStatement } from './claims.js';
import {
  fingerprintOfRecipient, fingerprintOfSigningKey, formatFingerprint, recipientOf, unwrapKey,
} from '../core/keys.js';

/** @param {string} why */
export function notGenuine(why) {
  return new VerifyError(
    'not-genuine',
    `NOT GENUINE: ${why}. Nothing was opened or sent; tell your manager.`,
    { why },
  );
}

/**
 * Verifies a fetched directory for `orgId` and checks it against (and adds it to) `pins`.
 * @param {any} directory the JSON of `GET /v1/orgs/{org}/directory`
 * @param {string} orgId the organisation asked for
 * @param {import('./pins.js').Pins} pins updated in place when `pinsChanged`
 * @returns {{trusted: import('./trust.js').TrustedOrg, firstSight: boolean,
 *   pinsChanged: boolean}}
 */
export function verifyDirectory(directory, orgId, pins) {
  const org = canonicalId(orgId, 'the organisation asked for');
  const firstSight = !pins.orgs[org];
  // The pins compare the root, as they compare every key, so that a changed root is refused
  // naming both fingerprints.
  const trusted = verifyOrg(directory, null);
  if (trusted.orgId !== org) {
    throw new VerifyError(
      'org-mismatch',
      `The server answered with the keys of organisation ${trusted.orgId} when asked for `
        + `${org}. Nothing was done; tell your platform admin.`,
      { asked: org, shown: trusted.orgId },
    );
  }
  const pinsChanged = checkAndRecord(pins, trusted);
  return { trusted, firstSight, pinsChanged };
}

/**
 * One signed-in person's checks against the server.
 */
export class Verifier {
  /**
   * @param {{api: import('./log.js').Api, orgId: string, userId: string, pins?: unknown,
   *   savePins?: (pins: import('./pins.js').Pins) => void, log?: LogSession}} options
   */
  constructor(options) {
    this.api = options.api;
    this.orgId = canonicalId(options.orgId, 'your organisation');
    this.userId = canonicalId(options.userId, 'your user id');
    this.pins = readPins(options.pins ?? null);
    this.savePins = options.savePins ?? (() => {});
    this.log = options.log ?? new LogSession(options.api);
    /** @type {Map<string, import('./trust.js').TrustedOrg>} */
    this.trusted = new Map();
    /** @type {{org: string, name: string, root: string, firstSight: boolean}[]} */
    this.firstSights = [];
  }

  /**
   * One fetch, verified, compared with `expect` (a root fingerprint the person typed), then
   * checked against and added to the pins; a first-seen root nobody vouched for is noted.
   * @param {string} org
   * @param {string | null} [expect]
   */
  async fetchDirectory(org, expect = null) {
    const dir = await this.api.get(`/v1/orgs/${encodeURIComponent(org)}/directory`);
    const trial = structuredClone(this.pins);
    const { trusted, firstSight, pinsChanged } = verifyDirectory(dir, org, trial);
    const root = formatFingerprint(fingerprintOfSigningKey(trusted.root));
    if (expect !== null && !equal(parseFingerprint(expect, 'the fingerprint given'),
      fingerprintOfSigningKey(trusted.root))) {
      throw new VerifyError(
        'org-root-mismatch',
        `Organisation ${org}'s root key does not match the fingerprint you expected; nothing `
          + 'was sent or accepted and nothing was remembered. Check the fingerprint with that '
          + 'organisation again.',
        { org },
      );
    }
    if (pinsChanged) {
      this.pins = trial;
      this.savePins(this.pins);
    }
    if (firstSight && expect === null) {
      // The name is the server's word only (no statement signs it), for people to recognise.
      const name = typeof dir?.org?.name === 'string' ? dir.org.name : '';
      this.firstSights.push({ org: trusted.orgId, name, root, firstSight });
    }
    this.trusted.set(trusted.orgId, trusted);
    return { dir, trusted, firstSight, root };
  }

  /** A verified directory, fetched afresh. @param {string} org */
  async directory(org) {
    const { dir, trusted } = await this.fetchDirectory(org);
    return { dir, trusted };
  }

  /** A verified directory, from this page's cache when it has one. @param {string} org */
  async trustedOrg(org) {
    return this.trusted.get(org) ?? (await this.fetchDirectory(org)).trusted;
  }

  /** Forgets a verified directory (after a change made to it). @param {string} org */
  forgetTrusted(org) {
    this.trusted.delete(org);
  }

  /**
   * Verifies another organisation before sending it anything, optionally against the root
   * fingerprint its manager gave out of band.
   * @param {string} org
   * @param {string | null} [expect]
   */
  async meetOrg(org, expect = null) {
    const { root, firstSight } = await this.fetchDirectory(org, expect);
    return { org, root, firstSight };
  }

  /** Roots pinned for the first time, unchecked, since the last call. */
  takeFirstSights() {
    return this.firstSights.splice(0);
  }

  /** Our own organisation's verified root fingerprint, to read out. */
  async myOrgRoot() {
    return formatFingerprint(fingerprintOfSigningKey((await this.trustedOrg(this.orgId)).root));
  }

  /**
   * Refuses a manager-only action early when our own verified directory certifies us as a
   * practitioner; when it does not certify us at all the server decides.
   * @param {string} what
   */
  async requireManager(what) {
    const me = (await this.trustedOrg(this.orgId)).activeMember(this.userId);
    if (me && me.role !== 'manager') {
      throw new VerifyError(
        'not-manager',
        `Only a manager can ${what}; your role is ${me.role}.`,
        { role: me.role },
      );
    }
  }

  /**
   * Checks an envelope's statement against a certified member of the organisation it names,
   * which must be one of `allowed`, for `scope`, and that it is addressed to `recipient` (a
   * fingerprint, text or bytes). Returns the organisation that wrapped it.
   * @param {any} envelope
   * @param {{kind: 'org'|'case'|'document', id: string}} scope
   * @param {string | Uint8Array} recipient
   * @param {string[]} allowed
   */
  async checkEnvelope(envelope, scope, recipient, allowed) {
    let claim;
    try {
      claim = verifyStatement(envelope?.statement).claim;
    } catch (e) {
      throw notGenuine(`an envelope's statement does not verify: ${e.details?.why ?? e.message}`);
    }
    if (claim.kind !== 'key-wrapped') {
      throw notGenuine('an envelope carries the wrong statement');
    }
    if (!allowed.includes(claim.org)) {
      throw notGenuine(`a key was wrapped by organisation ${claim.org}, which has no standing `
        + 'to hand it to us');
    }
    (await this.trustedOrg(claim.org)).checkEnvelope(envelope, scope);
    const want = typeof recipient === 'string'
      ? parseFingerprint(recipient, 'the recipient') : recipient;
    if (!equal(parseFingerprint(envelope.recipient, 'the envelope recipient'), want)) {
      throw notGenuine('an envelope is addressed to a key other than the one used to open it');
    }
    return claim.org;
  }

  /**
   * Checks then unwraps an envelope with `identity` (age secret key text), whose key must be
   * the one it names. Returns the unwrapped key's identity text.
   * @param {any} envelope
   * @param {{kind: 'org'|'case'|'document', id: string}} scope
   * @param {string} identity
   * @param {string[]} allowed
   */
  async openEnvelope(envelope, scope, identity, allowed) {
    const holder = fingerprintOfRecipient(await recipientOf(identity));
    await this.checkEnvelope(envelope, scope, holder, allowed);
    const wrapped = parseBase64(envelope.wrapped, 'the wrapped key');
    return unwrapKey(wrapped, [identity], parseFingerprint(envelope.key, 'the envelope key'));
  }

  /**
   * Our current organisation key, unwrapped from our own envelope after every check.
   * @param {string} identity the person's own age identity
   */
  async orgKey(identity) {
    const answer = await this.api.get(`/v1/orgs/${this.orgId}/key-envelope`);
    const trusted = await this.trustedOrg(this.orgId);
    const offered = canonicalRecipient(answer?.org_key, 'the organisation key offered');
    const named = parseFingerprint(answer?.envelope?.key, 'the envelope key');
    const fits = offered === trusted.currentOrgKey()
      && equal(named, fingerprintOfRecipient(offered));
    if (!fits) {
      throw notGenuine("the organisation key offered is not the organisation's verified current "
        + 'key');
    }
    return this.openEnvelope(answer.envelope, { kind: 'org', id: this.orgId }, identity,
      [this.orgId]);
  }

  /**
   * The organisations allowed to hand us a case's key and its documents' keys: ours, and
   * every organisation whose offer of this case to us was accepted.
   * @param {string} caseId
   */
  async caseWrappers(caseId) {
    const allowed = [this.orgId];
    const wanted = canonicalId(caseId, 'the case');
    for (const t of await this.api.get('/v1/transfers')) {
      const to = canonicalId(t.to_org, 'a transfer organisation');
      const same = canonicalId(t.case_id, 'a transfer case') === wanted;
      if (t.status === 'accepted' && same && to === this.orgId) {
        allowed.push(canonicalId(t.from_org, 'a transfer organisation'));
      }
    }
    return allowed;
  }

  /**
   * Verifies a document's `document-sealed` statement against the stored document (the JSON
   * of `DocumentSummary`). Returns what the statement vouches for.
   * @param {any} doc
   * @returns {Promise<{ciphertextSha256: Uint8Array, documentKey: Uint8Array,
   *   sealedBy: import('./trust.js').CertifiedMember}>}
   */
  async checkDocument(doc) {
    const refuse = (why) => notGenuine(`document ${doc?.document_id}: ${why}`);
    let claim;
    try {
      claim = verifyStatement(doc?.statement).claim;
    } catch {
      throw refuse("its sealed statement's signature is invalid");
    }
    if (claim.kind !== 'document-sealed') {
      throw refuse('it carries no document-sealed statement');
    }
    // A directory that does not verify is its own refusal, as in Rust; only the check of the
    // signer against it becomes "not genuine".
    const trusted = await this.trustedOrg(claim.org);
    let member;
    try {
      member = trusted.check(doc.statement).member;
    } catch (e) {
      if (e?.code !== 'not-certified' && e?.code !== 'statement-invalid') {
        throw e;
      }
      throw refuse('it was not sealed by a certified member');
    }
    return matchSealed(claim, doc, refuse, member);
  }

  /**
   * `org`'s current key, fetched afresh: chain verified, pins agreeing, and every statement
   * it rests on proven in the log. The one way to get a key to wrap to an organisation.
   * @param {string} org
   * @returns {Promise<string>} the key (age1 text)
   */
  async loggedOrgKey(org) {
    const { dir, trusted } = await this.directory(org);
    await requireLogged(this.log, `organisation ${org}'s current key`, forOrgKey(dir));
    return trusted.currentOrgKey();
  }

  /**
   * The active certified members of `org` except `leaving`, fetched afresh, each one's
   * certificate chain proven in the log: those a new organisation key is wrapped to.
   * @param {string} org
   * @param {string | null} [leaving]
   */
  async loggedMembers(org, leaving = null) {
    const { dir, trusted } = await this.directory(org);
    const members = trusted.activeMembers().filter((m) => m.userId !== leaving);
    for (const member of members) {
      const signing = dir.members.find((e) => equal(
        parseBase64(e.signing_key, 'a signing key', 32), member.signingKey,
      )).signing_key;
      await requireLogged(this.log, `member ${member.userId} of organisation ${org}`,
        forMember(dir, signing));
    }
    return { trusted, members };
  }
}

/**
 * The stored document must be the one the verified statement describes.
 * @param {Record<string, any>} claim
 * @param {any} doc
 * @param {(why: string) => VerifyError} refuse
 * @param {import('./trust.js').CertifiedMember} member
 */
function matchSealed(claim, doc, refuse, member) {
  const sameId = (text, id) => {
    try {
      return canonicalId(text, 'an id') === id;
    } catch {
      return false;
    }
  };
  if (!sameId(doc.document_id, claim.document) || !sameId(doc.case_id, claim.case)) {
    throw refuse('the statement names another document or case');
  }
  const storedSha = parseDigest(doc.ciphertext_sha256, 'the ciphertext digest');
  const storedSize = Number.isSafeInteger(doc.ciphertext_size) ? BigInt(doc.ciphertext_size) : -1n;
  if (!equal(claim.ciphertextSha256, storedSha) || claim.ciphertextSize !== storedSize) {
    throw refuse('the stored ciphertext is not the one that was signed');
  }
  const metadata = parseBase64(doc.sealed_metadata, 'the sealed metadata');
  const key = typeof doc.document_key === 'string' ? doc.document_key : '';
  let keyFpr = null;
  try {
    keyFpr = fingerprintOfRecipient(key);
  } catch {
    keyFpr = null;
  }
  if (!equal(claim.metadataSha256, sha256(metadata)) || !keyFpr
    || !equal(claim.documentKey, keyFpr)) {
    throw refuse('its metadata or key is not the one that was signed');
  }
  return {
    ciphertextSha256: claim.ciphertextSha256,
    documentKey: claim.documentKey,
    sealedBy: member,
  };
}

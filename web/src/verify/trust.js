// Who signed what: an organisation's directory checked as vault-core/src/trust.rs checks it.
//
// The server is a directory of public keys, and a lying directory is the main attack on an
// end-to-end system, so nothing in `GET /v1/orgs/{org}/directory` is taken on trust:
// - a member counts as certified only through `member-certified` statements chaining to the
//   organisation's root signing key: the root certifies managers, certified managers certify
//   anyone; a certificate must name this organisation, this user and exactly the keys listed;
// - the organisation's keys count only through `org-key-published` statements numbered 1, 2, …
//   with version 1 signed by the root and later ones by the root or a certified manager, and
//   the key the listing shows must be the last of them;
// - an envelope counts only when a certified member signed a `key-wrapped` statement naming
//   this organisation, this object, exactly this key and recipient, and the envelope's bytes.
// Removed members stay certified (their old signatures still verify) but are not active.

import { VerifyError } from './errors.js';
import {
  canonicalId, canonicalRecipient, equal, malformed, parseBase64, parseFingerprint, sha256,
  toHex,
} from './bytes.js';
import { signerOf, verifyStatement } from './claims.js';
import { fingerprintOfSigningKey, formatFingerprint } from '../core/keys.js';

/**
 * @typedef {{userId: string, role: string, encryptionKey: string, signingKey: Uint8Array,
 *   active: boolean}} CertifiedMember
 */

/**
 * A directory after verification. Build it with `verifyOrg`.
 */
export class TrustedOrg {
  /**
   * @param {string} orgId
   * @param {Uint8Array} root
   * @param {Map<string, CertifiedMember>} members by hex of signing key
   */
  constructor(orgId, root, members) {
    this.orgId = orgId;
    this.root = root;
    /** @type {string[]} organisation keys by version, oldest first */
    this.orgKeys = [];
    this.members = members;
  }

  /** @param {Uint8Array} signer @returns {CertifiedMember | undefined} */
  member(signer) {
    return this.members.get(toHex(signer));
  }

  /** @param {string} userId @returns {CertifiedMember | undefined} */
  activeMember(userId) {
    return [...this.members.values()].find((m) => m.userId === userId && m.active);
  }

  /** @returns {CertifiedMember[]} */
  activeMembers() {
    return [...this.members.values()].filter((m) => m.active);
  }

  /** The organisation's current encryption key (age1 text). */
  currentOrgKey() {
    return this.orgKeys[this.orgKeys.length - 1];
  }

  /**
   * Checks a statement's signature and that its signer is certified here.
   * @param {unknown} wire
   * @returns {{statement: {issuedAt: bigint, claim: Record<string, any>},
   *   member: CertifiedMember}}
   */
  check(wire) {
    const statement = verifyStatement(wire);
    const signer = signerOf(wire);
    const member = this.member(signer);
    if (!member) {
      const fpr = formatFingerprint(fingerprintOfSigningKey(signer));
      throw new VerifyError(
        'not-certified',
        `The key ${fpr} that signed this is not a certified member of the organisation.`,
        { signer: fpr, org: this.orgId },
      );
    }
    return { statement, member };
  }

  /**
   * Checks an envelope: signed by a certified member here, for `scope`, naming exactly this
   * key, this recipient and these bytes. Throws 'not-certified', 'statement-invalid' or
   * 'envelope-mismatch'.
   * @param {{key: string, recipient: string, wrapped: string, statement: unknown}} envelope
   * @param {{kind: 'org'|'case'|'document', id: string}} scope
   */
  checkEnvelope(envelope, scope) {
    const { statement } = this.check(envelope.statement);
    const claim = statement.claim;
    const refuse = (why) => new VerifyError(
      'envelope-mismatch',
      `A wrapped key does not match its signed statement (${why}). Nothing was opened.`,
      { why },
    );
    if (claim.kind !== 'key-wrapped') {
      throw refuse('not a key-wrapped statement');
    }
    if (claim.org !== this.orgId) {
      throw refuse('signed for another organisation');
    }
    const signed = claim.scope;
    if (signed.kind !== scope.kind || signed.id !== scope.id) {
      throw refuse('signed for another object');
    }
    const key = parseFingerprint(envelope.key, 'the envelope key');
    const recipient = parseFingerprint(envelope.recipient, 'the envelope recipient');
    if (!equal(claim.key, key) || !equal(claim.recipient, recipient)) {
      throw refuse('key or recipient differs');
    }
    const wrapped = parseBase64(envelope.wrapped, 'the wrapped key');
    if (!equal(claim.envelopeSha256, sha256(wrapped))) {
      throw refuse('wrapped bytes differ');
    }
  }
}

/**
 * Verifies an organisation's directory (the JSON of `OrgDirectory`). `pinnedRoot` is the root
 * key seen before, if any. Throws 'no-root', 'root-changed', 'statement-invalid',
 * 'org-key-chain' or 'malformed'.
 * @param {any} dir
 * @param {Uint8Array | null} [pinnedRoot]
 * @returns {TrustedOrg}
 */
export function verifyOrg(dir, pinnedRoot = null) {
  const listing = readDirectory(dir);
  const { orgId, root } = listing;
  if (!root) {
    throw new VerifyError(
      'no-root',
      'This organisation has not been set up by its first manager yet, so nothing can be '
        + 'shared with it.',
      { org: orgId },
    );
  }
  if (pinnedRoot && !equal(pinnedRoot, root)) {
    const [pinned, shown] = [pinnedRoot, root]
      .map((k) => formatFingerprint(fingerprintOfSigningKey(k)));
    throw new VerifyError(
      'root-changed',
      `The organisation's root key has changed (was ${pinned}, now ${shown}). Do not `
        + 'continue; ask your manager to confirm the new key.',
      { org: orgId, pinned, shown },
    );
  }
  const trusted = new TrustedOrg(orgId, root, certifyMembers(listing));
  verifyOrgKeys(trusted, dir.org_key_statements, listing.orgKey);
  return trusted;
}

/**
 * The directory's listed values, parsed as strictly as the Rust types read them.
 * @param {any} dir
 */
function readDirectory(dir) {
  const org = dir?.org;
  if (!org || !Array.isArray(dir.members) || !Array.isArray(dir.org_key_statements)) {
    throw malformed('the directory lacks its organisation, members or key statements');
  }
  const root = org.root_signing_key == null
    ? null : parseBase64(org.root_signing_key, 'the root signing key', 32);
  const orgKey = org.org_key == null
    ? null : canonicalRecipient(org.org_key, 'the organisation key');
  const members = dir.members.map((entry) => ({
    userId: canonicalId(entry?.user_id, 'a member id'),
    status: memberStatus(entry?.status),
    encryptionKey: canonicalRecipient(entry?.encryption_key, 'a member encryption key'),
    signingKey: parseBase64(entry?.signing_key, 'a member signing key', 32),
    certificate: entry?.certificate ?? null,
  }));
  return { orgId: canonicalId(org.org_id, 'the organisation id'), root, orgKey, members };
}

/** @param {unknown} status */
function memberStatus(status) {
  if (!['pending', 'active', 'removed'].includes(/** @type {string} */ (status))) {
    throw malformed('a member status is not pending, active or removed');
  }
  return status;
}

/**
 * Every member whose certificate chains to the root, repeating until nothing new verifies.
 * @param {ReturnType<typeof readDirectory>} listing
 * @returns {Map<string, CertifiedMember>}
 */
function certifyMembers(listing) {
  const certified = new Map();
  for (;;) {
    const before = certified.size;
    for (const entry of listing.members) {
      const id = toHex(entry.signingKey);
      if (!certified.has(id) && entry.certificate) {
        const member = certifiedBy(listing, entry, certified);
        if (member) {
          certified.set(id, member);
        }
      }
    }
    if (certified.size === before) {
      return certified;
    }
  }
}

/**
 * The member an entry's certificate certifies, when it verifies, chains, and matches.
 * @param {ReturnType<typeof readDirectory>} listing
 * @param {ReturnType<typeof readDirectory>['members'][number]} entry
 * @param {Map<string, CertifiedMember>} certified
 * @returns {CertifiedMember | null}
 */
function certifiedBy(listing, entry, certified) {
  let claim;
  let signer;
  try {
    claim = verifyStatement(entry.certificate).claim;
    signer = signerOf(entry.certificate);
  } catch {
    return null;
  }
  if (claim.kind !== 'member-certified') {
    return null;
  }
  const signerOk = (equal(signer, listing.root) && claim.role === 'manager')
    || certified.get(toHex(signer))?.role === 'manager';
  const signingKey = claim.signingKey;
  const matches = claim.org === listing.orgId && claim.user === entry.userId
    && claim.encryptionKey === entry.encryptionKey && equal(signingKey, entry.signingKey);
  if (!signerOk || !matches) {
    return null;
  }
  return {
    userId: claim.user,
    role: claim.role,
    encryptionKey: claim.encryptionKey,
    signingKey,
    active: entry.status === 'active',
  };
}

/**
 * Follows the organisation key chain; the listed key must be its last.
 * @param {TrustedOrg} trusted
 * @param {unknown[]} statements
 * @param {string | null} listed
 */
function verifyOrgKeys(trusted, statements, listed) {
  const broken = () => new VerifyError(
    'org-key-chain',
    "The organisation's key history does not verify: the server may be showing a key the "
      + 'organisation never published. Nothing was sent; tell your manager.',
    { org: trusted.orgId },
  );
  statements.forEach((wire, i) => {
    const { claim } = verifyStatement(wire);
    const signer = signerOf(wire);
    if (claim.kind !== 'org-key-published') {
      throw broken();
    }
    const signerOk = equal(signer, trusted.root)
      || (i > 0 && trusted.member(signer)?.role === 'manager');
    if (claim.org !== trusted.orgId || Number(claim.version) !== i + 1 || !signerOk) {
      throw broken();
    }
    trusted.orgKeys.push(claim.key);
  });
  if (!listed || trusted.orgKeys.length === 0 || trusted.currentOrgKey() !== listed) {
    throw broken();
  }
}

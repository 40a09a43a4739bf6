/**
 * @file Approving a member (manager), as `vaultctl org approve` does: the member's published
 * keys are checked against the fingerprint the member read out (one fingerprint over both
 * keys, so a swapped signing key is caught as surely as a swapped encryption key), the keys
 * are certified with the manager's signing key, and the organisation key is wrapped to the
 * member.
 */
import * as b64 from '../core/b64.js';
import { fail } from '../core/errors.js';
import { fingerprintOfMember, formatFingerprint } from '../core/keys.js';
import * as api from '../api.js';
import { makeEnvelope, scope, sign } from './envelope.js';
import { myOrg } from './state.js';
import * as trust from './trust.js';

/** Fingerprint text as people type it: hex digits only, any dashes or spaces. */
function normalised(text) {
  return String(text).toLowerCase().replace(/[^0-9a-f]/g, '');
}

/** The member fingerprint of a directory entry, computed here from its published keys. */
export function memberFingerprint(entry) {
  return formatFingerprint(fingerprintOfMember(entry.encryption_key,
    b64.decode(entry.signing_key)));
}

/**
 * Approves `userId` with `role` ('manager' or 'practitioner') once `typed` (what the member
 * read out) matches the fingerprint of their published keys.
 */
export async function approve(userId, role, typed, say) {
  if (role !== 'manager' && role !== 'practitioner') {
    throw fail('role', 'Choose a role for the new member.');
  }
  if (normalised(typed).length !== 32) {
    throw fail('fingerprint', 'Type the fingerprint the new member reads out to you '
      + '(32 letters and digits, such as 3f2a-9c10-…).');
  }
  say('Checking the log and your organisation’s directory…');
  await trust.checkLog();
  const org = myOrg();
  const { dir } = await trust.directory(org);
  const entry = dir.members.find((m) => m.user_id === userId);
  if (!entry) {
    throw fail('not-member', 'This person is not a member of your organisation.');
  }
  if (normalised(memberFingerprint(entry)) !== normalised(typed)) {
    throw fail('fingerprint-mismatch', 'The fingerprint you typed does not match the '
      + 'keys the server holds for this person. Do not approve: ask them to read it out again '
      + 'from their own screen, and tell your platform admin if it still differs.');
  }
  say('The fingerprint matches. Certifying the member’s keys…');
  const signingKey = b64.decode(entry.signing_key);
  const certificate = sign({
    kind: 'member-certified',
    org,
    user: userId,
    role,
    encryptionKey: entry.encryption_key,
    signingKey,
  });
  say('Wrapping the organisation key to the new member…');
  const orgKey = await trust.orgKey();
  const orgEnvelope = await makeEnvelope(orgKey, entry.encryption_key, scope.org(org), org);
  await api.post(`/v1/orgs/${org}/members/${userId}/approve`,
    { certificate, org_envelope: orgEnvelope });
  trust.forget(org);
  say('Confirming the approval in the log…');
  await trust.confirmOnLog('approval', [certificate, orgEnvelope.statement]);
}

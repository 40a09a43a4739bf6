/**
 * @file Cases, as vault-client/src/cases.rs handles them: a new case with a fresh key wrapped
 * to the organisation's logged current key; a case's key unwrapped after its envelope's
 * checks; a transfer offer (manager) that rotates the case key, re-wraps every document key
 * to it and wraps it to the receiving organisation's logged current key; and accepting an
 * offer (receiving manager) only when a certified manager of the sender signed it for the
 * receiver's own current key and the new case key really opens with it.
 */
import * as b64 from '../core/b64.js';
import { fail } from '../core/errors.js';
import { newId } from '../core/ids.js';
import {
  fingerprintOfRecipient, generateIdentity, parseFingerprint, unwrapKey,
} from '../core/keys.js';
import * as api from '../api.js';
import { makeEnvelope, scope, sign } from './envelope.js';
import { myOrg, session } from './state.js';
import * as trust from './trust.js';

/** Creates a case with `reference`; answers its id. */
export async function createCase(reference, say) {
  const text = reference.trim();
  if (!text || text.length > 200) {
    throw fail('reference', 'Give the case a reference of 1 to 200 characters.');
  }
  say('Checking the log and your organisation’s key…');
  await trust.checkLog();
  const org = myOrg();
  const orgKey = await trust.loggedOrgKey(org);
  const caseId = newId();
  const caseKey = await generateIdentity();
  const envelope = await makeEnvelope(caseKey, orgKey, scope.case(caseId), org);
  say('Creating the case…');
  await api.post('/v1/cases', { case_id: caseId, reference: text,
    case_key: caseKey.recipient, envelope });
  await trust.confirmOnLog('case create', [envelope.statement]);
  return caseId;
}

/** A case's key from its detail, checked to be the listed case key. */
export async function caseKey(detail, orgKey) {
  const id = detail.case.case_id;
  const allowed = await trust.caseWrappers(id);
  const key = await trust.openEnvelope(detail.envelope, scope.case(id), orgKey, allowed);
  if (key.recipient !== detail.case.case_key) {
    throw fail('not-genuine', 'This case’s listed key is not the key its envelope '
      + 'holds. Do not continue; tell your manager.');
  }
  return key;
}

/** Re-wraps each document key of a case to `newPublic`, after checking each document. */
async function rewrapDocuments(detail, key, newPublic, org) {
  const allowed = await trust.caseWrappers(detail.case.case_id);
  const out = [];
  for (const doc of detail.documents) {
    const sealed = await trust.checkDocument(doc);
    const access = await api.get(`/v1/documents/${doc.document_id}`);
    if (access.path.via !== 'case') {
      throw fail('not-genuine', 'A document of this case is not reachable through it.');
    }
    const docScope = scope.document(doc.document_id);
    const docKey = await trust.openEnvelope(access.path.document_envelope, docScope, key,
      allowed);
    if (!b64.equalBytes(fingerprintOfRecipient(docKey.recipient), sealed.documentKey)) {
      throw fail('not-genuine', 'A document’s key is not the one it was sealed to.');
    }
    const envelope = await makeEnvelope(docKey, newPublic, docScope, org);
    out.push({ document_id: doc.document_id, envelope });
  }
  return out;
}

/**
 * Offers a case to organisation `to` (manager); answers the transfer id. With `expect`, only
 * if that organisation's root key has that fingerprint (see trust.meetOrg).
 */
export async function offerTransfer(caseId, to, say, expect = '') {
  if (!to) throw fail('to-org', 'Choose the organisation to offer the case to.');
  say('Checking the log, the case and its documents…');
  await trust.checkLog();
  const org = myOrg();
  if (to === org) {
    throw fail('to-org', 'A case cannot be offered to its own organisation.');
  }
  if (expect) await trust.meetOrg(to, expect);
  const detail = await api.get(`/v1/cases/${caseId}`);
  const key = await caseKey(detail, await trust.orgKey());
  const fresh = await generateIdentity();
  say('Re-wrapping every document key to a new case key…');
  const documentEnvelopes = await rewrapDocuments(detail, key, fresh.recipient, org);
  say('Checking the receiving organisation’s key…');
  const toKey = await trust.loggedOrgKey(to);
  const caseEnvelope = await makeEnvelope(fresh, toKey, scope.case(caseId), org);
  const statement = sign({
    kind: 'case-transferred',
    case: caseId,
    fromOrg: org,
    toOrg: to,
    toOrgKey: fingerprintOfRecipient(toKey),
    newCaseKey: fingerprintOfRecipient(fresh.recipient),
    documents: BigInt(documentEnvelopes.length),
  });
  const transferId = newId();
  await api.post(`/v1/cases/${caseId}/transfers`, {
    transfer_id: transferId,
    to_org: to,
    new_case_key: fresh.recipient,
    case_envelope: caseEnvelope,
    document_envelopes: documentEnvelopes,
    statement,
  });
  await trust.confirmOnLog('transfer offer', [statement, caseEnvelope.statement,
    ...documentEnvelopes.map((d) => d.envelope.statement)]);
  return transferId;
}

/** Checks an offer made to our organisation; answers the `transfer-accepted` claim to sign. */
async function checkOffer(offer) {
  const bad = (why) => fail('not-genuine', `This transfer offer is not genuine: ${why}. `
    + 'Do not accept it; tell your manager.');
  const sender = await trust.trustedOrg(offer.from_org);
  const { statement, member: signer } = sender.check(offer.statement);
  if (signer.role !== 'manager' || !signer.active) {
    throw bad('it was not made by an active manager of the sending organisation');
  }
  const c = statement.claim;
  if (c.kind !== 'case-transferred') throw bad('it carries no transfer statement');
  const receiver = await trust.trustedOrg(offer.to_org);
  const ours = fingerprintOfRecipient(receiver.currentOrgKey());
  if (c.case !== offer.case_id || c.fromOrg !== offer.from_org || c.toOrg !== offer.to_org
    || !b64.equalBytes(c.newCaseKey, fingerprintOfRecipient(offer.new_case_key))) {
    throw bad('the signed offer names another case, organisation or key');
  }
  if (!b64.equalBytes(c.toOrgKey, ours)) {
    const earlier = receiver.orgKeys
      .some((k) => b64.equalBytes(fingerprintOfRecipient(k), c.toOrgKey));
    if (earlier) {
      throw fail('stale-offer', 'This offer was made for an earlier key of your '
        + 'organisation, replaced since. Decline it and ask the sending organisation for a new '
        + 'offer.');
    }
    throw bad('the case key is not wrapped to your current organisation key');
  }
  if (!b64.equalBytes(parseFingerprint(offer.case_envelope.recipient), ours)) {
    throw bad('the case key is not wrapped to your current organisation key');
  }
  sender.checkEnvelope(offer.case_envelope, scope.case(c.case));
  if (!b64.equalBytes(parseFingerprint(offer.case_envelope.key), c.newCaseKey)) {
    throw bad('the case envelope holds another key');
  }
  const orgKey = await trust.orgKey();
  await unwrapKey(b64.decode(offer.case_envelope.wrapped), [orgKey.identity], c.newCaseKey);
  return { kind: 'transfer-accepted', case: c.case, fromOrg: c.fromOrg, toOrg: c.toOrg,
    newCaseKey: c.newCaseKey };
}

/**
 * Accepts transfer `transferId` offered to our organisation (receiving manager); with
 * `expect`, only if the sending organisation's root key has that fingerprint (trust.meetOrg).
 */
export async function acceptTransfer(transferId, say, expect = '') {
  say('Checking the log and the offer…');
  await trust.checkLog();
  const org = myOrg();
  const me = await trust.trustedOrg(org);
  const mine = me.activeMember(session().keystore.userId);
  if (mine && mine.role !== 'manager') {
    throw fail('role', 'Only a manager can accept a transfer.');
  }
  const offer = (await api.get('/v1/transfers')).find((t) => t.transfer_id === transferId);
  if (!offer || offer.to_org !== org) {
    throw fail('no-offer', 'No such transfer is offered to your organisation.');
  }
  if (offer.status !== 'offered') {
    throw fail('closed', `This transfer no longer waits: it was ${offer.status}.`);
  }
  if (expect) await trust.meetOrg(offer.from_org, expect);
  const statement = sign(await checkOffer(offer));
  try {
    await api.post(`/v1/transfers/${transferId}/accept`, { statement });
  } catch (error) {
    if (error.status === 409) {
      throw fail('stale-offer', `The server refused the offer: ${error.message} It can `
        + 'no longer be accepted: decline it and ask the sending organisation for a new offer.');
    }
    throw error;
  }
  await trust.confirmOnLog('transfer acceptance', [statement]);
  return offer.case_id;
}

// The checks before a key is used or a document shown (web/src/verify/verifier.js): a
// directory is verified and pinned, an answer about another organisation is refused, a key
// is wrapped to only once its statements are proven in the log, and a document or envelope
// counts only when a certified member of an allowed organisation signed exactly it.

import assert from 'node:assert/strict';
import test from 'node:test';

import { Verifier } from '../src/verify/verifier.js';
import { LogSession } from '../src/verify/log.js';
import { encode as b64 } from '../src/core/b64.js';
import {
  fingerprintOfRecipient, fingerprintOfSigningKey, formatFingerprint, generateIdentity,
} from '../src/core/keys.js';
import { newId } from '../src/core/ids.js';
import { sha256, toHex } from '../src/verify/bytes.js';
import { directory, FakeLog, httpError, organisation, signed } from './verify_fixtures.js';

/** A server with two organisations whose statements are all on the log. */
async function server() {
  const [north, bright] = [await organisation(), await organisation()];
  const log = new FakeLog();
  for (const org of [north, bright]) {
    org.statements.forEach((s) => log.append(s));
    [...org.certificates.values()].forEach((s) => log.append(s));
  }
  const orgs = new Map([[north.orgId, north], [bright.orgId, bright]]);
  const answers = new Map();
  const api = {
    get: async (p) => {
      if (answers.has(p)) {
        return answers.get(p);
      }
      const m = /^\/v1\/orgs\/([^/]+)\/directory$/.exec(p);
      if (m) {
        if (!orgs.has(m[1])) {
          throw httpError(404);
        }
        return directory(orgs.get(m[1]));
      }
      return log.api().get(p);
    },
  };
  const verifier = new Verifier({ api, orgId: north.orgId, userId: north.practitioner.userId,
    log: new LogSession(api) });
  return { north, bright, log, api, answers, verifier };
}

/** A document sealed by `by` into a case of `org`, as the API lists it. */
async function sealedDocument(org, by) {
  const documentKey = await generateIdentity();
  const [caseId, documentId] = [newId(), newId()];
  const metadata = new Uint8Array([7, 7, 7]);
  const ciphertextSha = sha256(new Uint8Array([1]));
  const statement = signed({ kind: 'document-sealed', org: org.orgId, case: caseId,
    document: documentId, ciphertextSha256: ciphertextSha, ciphertextSize: 1234n,
    metadataSha256: sha256(metadata), documentKey: fingerprintOfRecipient(documentKey.recipient),
  }, by.signing);
  return {
    document_id: documentId, case_id: caseId, ciphertext_size: 1234,
    ciphertext_sha256: toHex(ciphertextSha), document_key: documentKey.recipient,
    sealed_metadata: b64(metadata), statement, sealed_by: by.userId, created_at: 0,
  };
}

test('a genuine document passes and every disagreement is NOT GENUINE', async () => {
  const { north, verifier } = await server();
  const doc = await sealedDocument(north, north.practitioner);
  const sealed = await verifier.checkDocument(doc);
  assert.equal(sealed.sealedBy.userId, north.practitioner.userId);
  const variants = {
    'the stored ciphertext is not the one that was signed': { ciphertext_size: 1235 },
    'its metadata or key is not the one that was signed': { sealed_metadata: b64([7, 7]) },
    'the statement names another document or case': { document_id: newId() },
    'it was not sealed by a certified member': {
      statement: (await sealedDocument(north, { ...north.practitioner,
        signing: (await organisation()).root })).statement,
    },
  };
  for (const [why, change] of Object.entries(variants)) {
    await assert.rejects(verifier.checkDocument({ ...doc, ...change }), (e) =>
      e.code === 'not-genuine' && e.message.startsWith('NOT GENUINE: document ')
        && e.details.why.endsWith(why), why);
  }
});

test('a key wrapped by an organisation with no standing is refused', async () => {
  const { north, bright, verifier } = await server();
  const caseId = newId();
  const orgKey = north.orgKeys[0];
  const wrapped = new Uint8Array([4, 5, 6]);
  const envelopeBy = (org, by) => {
    const claim = { kind: 'key-wrapped', org: org.orgId, scope: { kind: 'case', id: caseId },
      key: fingerprintOfRecipient(orgKey.recipient),
      recipient: fingerprintOfRecipient(orgKey.recipient), envelopeSha256: sha256(wrapped) };
    return { key: formatFingerprint(claim.key), recipient: formatFingerprint(claim.recipient),
      wrapped: b64(wrapped), statement: signed(claim, by.signing) };
  };
  const scope = { kind: 'case', id: caseId };
  const own = envelopeBy(north, north.practitioner);
  assert.equal(await verifier.checkEnvelope(own, scope, own.recipient, [north.orgId]),
    north.orgId);
  const planted = envelopeBy(bright, bright.manager);
  await assert.rejects(verifier.checkEnvelope(planted, scope, planted.recipient,
    [north.orgId]), (e) => e.code === 'not-genuine' && e.details.why.includes('no standing'));
  assert.equal(await verifier.checkEnvelope(planted, scope, planted.recipient,
    [north.orgId, bright.orgId]), bright.orgId);
  const other = formatFingerprint(fingerprintOfRecipient((await generateIdentity()).recipient));
  await assert.rejects(verifier.checkEnvelope(own, scope, other, [north.orgId]),
    (e) => e.code === 'not-genuine' && e.details.why.includes('addressed to a key other'));
});

test("another organisation's key is wrapped to only once it is on the log", async () => {
  const { bright, log, verifier } = await server();
  assert.equal(await verifier.loggedOrgKey(bright.orgId), bright.orgKeys[0].recipient);
  const { members } = await verifier.loggedMembers(bright.orgId);
  assert.equal(members.length, 2);
  assert.equal(verifier.takeFirstSights().length, 1);

  const rotated = await generateIdentity();
  bright.orgKeys.push(rotated);
  bright.statements.push(signed({ kind: 'org-key-published', org: bright.orgId, version: 2,
    key: rotated.recipient }, bright.manager.signing));
  await assert.rejects(verifier.loggedOrgKey(bright.orgId), (e) => e.code === 'key-not-logged'
    && e.message.startsWith(`Refusing to wrap a key to organisation ${bright.orgId}'s current`));
  log.append(bright.statements[1]);
  assert.equal(await verifier.loggedOrgKey(bright.orgId), rotated.recipient);
});

test('a directory of another organisation, or with an unexpected root, is refused', async () => {
  const { north, bright, answers, verifier } = await server();
  const rootOf = (org) => formatFingerprint(fingerprintOfSigningKey(org.root.publicKey));
  await assert.rejects(verifier.meetOrg(bright.orgId, rootOf(north)),
    (e) => e.code === 'org-root-mismatch');
  assert.equal(Object.keys(verifier.pins.orgs).length, 0, 'nothing pinned');
  const met = await verifier.meetOrg(bright.orgId, rootOf(bright));
  assert.deepEqual(met, { org: bright.orgId, root: rootOf(bright), firstSight: true });
  assert.equal(verifier.takeFirstSights().length, 0, 'a vouched-for root is no first sight');
  answers.set(`/v1/orgs/${north.orgId}/directory`, directory(bright));
  await assert.rejects(verifier.directory(north.orgId), (e) => e.code === 'org-mismatch');
});

test('only organisations whose offer of this case was accepted may hand over its keys',
  async () => {
    const { north, bright, answers, verifier } = await server();
    const caseId = newId();
    const offer = (status, id, from = bright.orgId, to = north.orgId) => ({
      case_id: id, from_org: from, to_org: to, status,
    });
    answers.set('/v1/transfers', [
      offer('accepted', caseId.toUpperCase()),
      offer('offered', caseId, newId()),
      offer('accepted', newId(), newId()),
      offer('accepted', caseId, newId(), newId()),
    ]);
    assert.deepEqual(await verifier.caseWrappers(caseId), [north.orgId, bright.orgId]);
  });

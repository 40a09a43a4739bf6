// The directory checks (web/src/verify/trust.js), made on directories signed with real keys:
// a member counts only through a certificate chain from the root, an organisation key only
// through its numbered chain, and an envelope only when a certified member signed exactly it.

import assert from 'node:assert/strict';
import test from 'node:test';

import { verifyOrg } from '../src/verify/trust.js';
import { encode as b64 } from '../src/core/b64.js';
import { fingerprintOfRecipient, formatFingerprint, generateIdentity, SigningKey }
  from '../src/core/keys.js';
import { newId } from '../src/core/ids.js';
import { sha256 } from '../src/verify/bytes.js';
import { certify, directory, organisation, person, signed } from './verify_fixtures.js';

/** @param {() => unknown} f @param {string} code */
function refuses(f, code) {
  assert.throws(f, (e) => e.code === code, `expected ${code}`);
}

test('a genuine directory verifies: root, key, manager and practitioner', async () => {
  const org = await organisation();
  const trusted = verifyOrg(directory(org));
  assert.equal(trusted.orgId, org.orgId);
  assert.equal(trusted.currentOrgKey(), org.orgKeys[0].recipient);
  assert.equal(trusted.activeMember(org.manager.userId).role, 'manager');
  assert.equal(trusted.activeMember(org.practitioner.userId).role, 'practitioner');
  assert.equal(trusted.activeMembers().length, 2);
});

test('a certificate by a practitioner, by nobody, or for other keys certifies no one',
  async () => {
    const org = await organisation();
    const [byPractitioner, unsigned, swapped] = [await person(), await person(), await person()];
    org.extra.push(byPractitioner, unsigned, swapped);
    org.certificates.set(byPractitioner.userId,
      certify(org, byPractitioner, 'practitioner', org.practitioner.signing));
    const other = await person();
    org.certificates.set(swapped.userId, certify(org, { ...other, userId: swapped.userId },
      'practitioner', org.manager.signing));
    const trusted = verifyOrg(directory(org));
    for (const m of [byPractitioner, unsigned, swapped]) {
      assert.equal(trusted.activeMember(m.userId), undefined);
    }
    // The root certifies managers only.
    const rootCertified = await person();
    org.extra.push(rootCertified);
    org.certificates.set(rootCertified.userId,
      certify(org, rootCertified, 'practitioner', org.root));
    assert.equal(verifyOrg(directory(org)).activeMember(rootCertified.userId), undefined);
  });

test('removed members stay certified but not active', async () => {
  const org = await organisation();
  org.practitioner.status = 'removed';
  const trusted = verifyOrg(directory(org));
  assert.equal(trusted.activeMember(org.practitioner.userId), undefined);
  assert.equal(trusted.member(org.practitioner.signing.publicKey).active, false);
});

test('the organisation key chain must be whole, in order, and end at the listed key',
  async () => {
    const org = await organisation();
    const next = await generateIdentity();
    org.orgKeys.push(next);
    org.statements.push(signed({ kind: 'org-key-published', org: org.orgId, version: 2,
      key: next.recipient }, org.manager.signing));
    assert.equal(verifyOrg(directory(org)).currentOrgKey(), next.recipient);

    const listedElsewhere = directory(org);
    listedElsewhere.org.org_key = (await generateIdentity()).recipient;
    refuses(() => verifyOrg(listedElsewhere), 'org-key-chain');

    const byPractitioner = directory(org);
    byPractitioner.org_key_statements[1] = signed({ kind: 'org-key-published', org: org.orgId,
      version: 2, key: next.recipient }, org.practitioner.signing);
    refuses(() => verifyOrg(byPractitioner), 'org-key-chain');

    const skipped = directory(org);
    skipped.org_key_statements[1] = signed({ kind: 'org-key-published', org: org.orgId,
      version: 3, key: next.recipient }, org.root);
    refuses(() => verifyOrg(skipped), 'org-key-chain');

    const firstByManager = directory(org);
    firstByManager.org_key_statements[0] = signed({ kind: 'org-key-published', org: org.orgId,
      version: 1, key: org.orgKeys[0].recipient }, org.manager.signing);
    refuses(() => verifyOrg(firstByManager), 'org-key-chain');

    const empty = directory(org);
    empty.org_key_statements = [];
    refuses(() => verifyOrg(empty), 'org-key-chain');

    const forged = directory(org);
    forged.org_key_statements[0] = { ...forged.org_key_statements[0],
      signature: forged.org_key_statements[1].signature };
    refuses(() => verifyOrg(forged), 'statement-invalid');
  });

test('a root other than the pinned one, or none, is refused', async () => {
  const org = await organisation();
  const dir = directory(org);
  const pinned = SigningKey.generate().publicKey;
  assert.throws(() => verifyOrg(dir, pinned), (e) => e.code === 'root-changed'
    && e.message.startsWith("The organisation's root key has changed (was "));
  dir.org.root_signing_key = null;
  refuses(() => verifyOrg(dir), 'no-root');
  const bad = directory(org);
  bad.members[0].encryption_key = 'age1notakey';
  refuses(() => verifyOrg(bad), 'malformed');
});

test('an envelope counts only when it is exactly what a certified member signed', async () => {
  const org = await organisation();
  const trusted = verifyOrg(directory(org));
  const caseId = newId();
  const [caseKey, wrapped] = [await generateIdentity(), new Uint8Array([1, 2, 3])];
  const claim = {
    kind: 'key-wrapped', org: org.orgId, scope: { kind: 'case', id: caseId },
    key: fingerprintOfRecipient(caseKey.recipient),
    recipient: fingerprintOfRecipient(org.orgKeys[0].recipient), envelopeSha256: sha256(wrapped),
  };
  const envelope = {
    key: formatFingerprint(claim.key), recipient: formatFingerprint(claim.recipient),
    wrapped: b64(wrapped), statement: signed(claim, org.practitioner.signing),
  };
  trusted.checkEnvelope(envelope, { kind: 'case', id: caseId });
  refuses(() => trusted.checkEnvelope(envelope, { kind: 'case', id: newId() }),
    'envelope-mismatch');
  refuses(() => trusted.checkEnvelope(envelope, { kind: 'org', id: caseId }),
    'envelope-mismatch');
  refuses(() => trusted.checkEnvelope({ ...envelope, wrapped: b64(new Uint8Array([1, 2, 4])) },
    { kind: 'case', id: caseId }), 'envelope-mismatch');
  refuses(() => trusted.checkEnvelope({ ...envelope, key: envelope.recipient },
    { kind: 'case', id: caseId }), 'envelope-mismatch');
  const stranger = { ...envelope, statement: signed(claim, SigningKey.generate()) };
  refuses(() => trusted.checkEnvelope(stranger, { kind: 'case', id: caseId }), 'not-certified');
  const otherOrg = { ...envelope, statement: signed({ ...claim, org: newId() },
    org.practitioner.signing) };
  refuses(() => trusted.checkEnvelope(otherOrg, { kind: 'case', id: caseId }),
    'envelope-mismatch');
});

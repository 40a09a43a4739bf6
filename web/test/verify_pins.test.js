// Pins (web/src/verify/pins.js): keys seen first are kept, the same keys pass, a rotation
// proven by the chain and a newly certified member are recorded, and a changed root, a
// replaced key version or a member's changed keys are refused naming both fingerprints
// until the person gives the new fingerprint they confirmed out of band.

import assert from 'node:assert/strict';
import test from 'node:test';

import {
  acceptMember, acceptOrg, checkAndRecord, emptyPins, pinnedRoot, readPins, recordFounding,
} from '../src/verify/pins.js';
import { verifyOrg } from '../src/verify/trust.js';
import {
  fingerprintOfMember, fingerprintOfRecipient, fingerprintOfSigningKey, formatFingerprint,
  generateIdentity, SigningKey,
} from '../src/core/keys.js';
import { certify, directory, organisation, person, signed } from './verify_fixtures.js';

const fpr = (bytes) => formatFingerprint(bytes);

test('first sight is pinned in the pins.json shape and the same keys pass', async () => {
  const org = await organisation();
  const pins = emptyPins();
  assert.equal(checkAndRecord(pins, verifyOrg(directory(org))), true);
  assert.equal(checkAndRecord(pins, verifyOrg(directory(org))), false);
  assert.deepEqual(pinnedRoot(pins, org.orgId), org.root.publicKey);
  const pin = readPins(JSON.parse(JSON.stringify(pins))).orgs[org.orgId];
  assert.deepEqual(pin.org_keys, [fpr(fingerprintOfRecipient(org.orgKeys[0].recipient))]);
  assert.equal(pin.members[org.manager.userId],
    fpr(fingerprintOfMember(org.manager.recipient, org.manager.signing.publicKey)));
  assert.throws(() => readPins({ orgs: { x: { root: 1 } } }), (e) => e.code === 'pins-damaged');
});

test('a changed root is refused naming both fingerprints, and taken only with the new one',
  async () => {
    const org = await organisation();
    const pins = emptyPins();
    checkAndRecord(pins, verifyOrg(directory(org)));
    const before = JSON.stringify(pins);
    const oldRoot = fpr(fingerprintOfSigningKey(org.root.publicKey));
    org.root = SigningKey.generate();
    org.statements = [signed({ kind: 'org-key-published', org: org.orgId, version: 1,
      key: org.orgKeys[0].recipient }, org.root)];
    org.certificates.set(org.manager.userId, certify(org, org.manager, 'manager', org.root));
    const shown = verifyOrg(directory(org));
    const newRoot = fpr(fingerprintOfSigningKey(org.root.publicKey));
    assert.throws(() => checkAndRecord(pins, shown), (e) => e.code === 'pin-changed'
      && e.message === "The organisation's key has changed since this browser last saw it "
        + `(was ${oldRoot}, now ${newRoot}). Do not continue; ask your manager to confirm `
        + 'the new key.');
    assert.equal(JSON.stringify(pins), before, 'nothing is recorded on a refusal');
    assert.throws(() => acceptOrg(pins, shown, oldRoot), (e) => e.code === 'not-the-changed-key');
    assert.equal(acceptOrg(pins, shown, newRoot.toUpperCase()), true);
    assert.equal(checkAndRecord(pins, shown), false);
  });

test('a rotation passes; a replaced version waits for its fingerprint', async () => {
  const org = await organisation();
  const pins = emptyPins();
  checkAndRecord(pins, verifyOrg(directory(org)));
  const v2 = await generateIdentity();
  org.orgKeys.push(v2);
  org.statements.push(signed({ kind: 'org-key-published', org: org.orgId, version: 2,
    key: v2.recipient }, org.manager.signing));
  assert.equal(checkAndRecord(pins, verifyOrg(directory(org))), true);

  const other = await generateIdentity();
  org.orgKeys[1] = other;
  org.statements[1] = signed({ kind: 'org-key-published', org: org.orgId, version: 2,
    key: other.recipient }, org.manager.signing);
  const replaced = verifyOrg(directory(org));
  const [was, now] = [v2, other].map((k) => fpr(fingerprintOfRecipient(k.recipient)));
  assert.throws(() => checkAndRecord(pins, replaced), (e) => e.code === 'pin-changed'
    && e.details.version === 2 && e.message.includes(`(was ${was}, now ${now})`));
  assert.throws(() => acceptOrg(pins, replaced, was), (e) => e.code === 'not-the-changed-key');
  assert.equal(acceptOrg(pins, replaced, now), true);
  assert.equal(checkAndRecord(pins, replaced), false);
  assert.equal(acceptOrg(pins, replaced, now), false);
});

test("a member's changed keys are refused until their fingerprint is given", async () => {
  const org = await organisation();
  const pins = emptyPins();
  checkAndRecord(pins, verifyOrg(directory(org)));
  const newcomer = await person();
  org.extra.push(newcomer);
  org.certificates.set(newcomer.userId, certify(org, newcomer, 'practitioner',
    org.manager.signing));
  assert.equal(checkAndRecord(pins, verifyOrg(directory(org))), true, 'a new member is added');

  const { userId } = org.practitioner;
  const was = fpr(fingerprintOfMember(org.practitioner.recipient,
    org.practitioner.signing.publicKey));
  org.practitioner = { ...(await person()), userId };
  org.certificates.set(userId, certify(org, org.practitioner, 'practitioner',
    org.manager.signing));
  const changed = verifyOrg(directory(org));
  const now = fpr(fingerprintOfMember(org.practitioner.recipient,
    org.practitioner.signing.publicKey));
  assert.throws(() => checkAndRecord(pins, changed), (e) => e.code === 'pin-changed'
    && e.details.user === userId
    && e.message.startsWith(`The keys of member ${userId} have changed since this browser `
      + `last saw them (was ${was}, now ${now}).`));
  assert.throws(() => acceptMember(pins, changed, userId, was),
    (e) => e.code === 'not-the-changed-key');
  assert.equal(acceptMember(pins, changed, userId, now), true);
  assert.equal(checkAndRecord(pins, changed), false);
});

test("a founder's pins hold the root and first key before any directory is fetched",
  async () => {
    const org = await organisation();
    const pins = emptyPins();
    recordFounding(pins, org.orgId, org.root.publicKey,
      fpr(fingerprintOfRecipient(org.orgKeys[0].recipient)));
    assert.equal(checkAndRecord(pins, verifyOrg(directory(org))), true, 'members are added');
    const other = emptyPins();
    recordFounding(other, org.orgId, org.root.publicKey,
      fingerprintOfRecipient((await generateIdentity()).recipient));
    assert.throws(() => checkAndRecord(other, verifyOrg(directory(org))),
      (e) => e.code === 'pin-changed' && e.details.version === 1);
  });

// The log checks (web/src/verify/log.js and inclusion.js) against an in-memory log that signs
// real checkpoints: the key is pinned on first sight, a grown log is accepted through its
// consistency proof, a rollback, a fork or another key's checkpoint stops everything and
// keeps the saved checkpoint, statements must be proven in the log before a key is trusted,
// and a required witness must have cosigned recently.

import assert from 'node:assert/strict';
import test from 'node:test';

import { LogSession, storedBook } from '../src/verify/log.js';
import { confirmOnLog, proveIncluded, requireLogged } from '../src/verify/inclusion.js';
import { SigningKey } from '../src/core/keys.js';
import {
  cosignLine, FakeLog, httpError, organisation, signNote, vkey,
} from './verify_fixtures.js';

/** @param {Promise<unknown>} p @param {string} code */
async function refuses(p, code) {
  await assert.rejects(p, (e) => {
    assert.equal(e.code, code, e.message);
    return true;
  });
}

/** A log with a few leaves, an API for it, and a session with a book in memory. */
function started() {
  const log = new FakeLog();
  for (let i = 0; i < 5; i += 1) {
    log.append();
  }
  let book = null;
  const session = new LogSession(log.api(), { load: () => book, save: (b) => { book = b; } });
  return { log, session, book: () => book };
}

test('the log key is pinned on first sight and a grown log is accepted', async () => {
  const { log, session, book } = started();
  const first = await session.checkLog();
  assert.equal(first.size, 5n);
  assert.equal(session.takeNewLogKey(), log.vkey);
  assert.equal(session.takeNewLogKey(), null);
  assert.equal(book().log_key, log.vkey);
  log.append();
  log.append();
  assert.equal((await session.checkLog()).size, 7n);
  assert.equal(book().size, 7);
});

test('a rollback or a fork stops and keeps the saved checkpoint', async () => {
  const { log, session, book } = started();
  await session.checkLog();
  const saved = book();
  const rolledBack = log.note(4);
  log.lie = (p, a) => (p === '/v1/log/checkpoint' ? { note: rolledBack } : a);
  await assert.rejects(session.checkLog(), (e) => e.code === 'log-rollback'
    && e.message.startsWith('LOG ROLLBACK: the server shows checkpoint size 4 root '));
  assert.equal(book(), saved);

  log.lie = (_p, a) => a;
  log.leaves[2] = log.leaves[2].replace('"object_id":"2"', '"object_id":"rewritten"');
  log.append();
  await refuses(session.checkLog(), 'log-fork');
  log.leaves.pop();
  await refuses(session.checkLog(), 'log-fork');
  assert.equal(book(), saved);
});

test('a checkpoint signed by another key than the pinned one is refused', async () => {
  const { log, session } = started();
  await session.checkLog();
  const impostor = SigningKey.generate();
  log.lie = (p, a) => (p === '/v1/log/checkpoint' ? { note: log.note(5, impostor) } : a);
  await refuses(session.checkLog(), 'log-signature');
  const expecting = new LogSession(log.api(), { expectLogKey: vkey(log.origin, 1,
    impostor.publicKey) });
  log.lie = (_p, a) => a;
  await refuses(expecting.checkLog(), 'log-unexpected-key');
});

test('statements are proven in the log before a key is trusted', async () => {
  const org = await organisation();
  const log = new FakeLog();
  const [certificate] = org.certificates.values();
  log.append(org.statements[0]);
  log.append(certificate);
  const session = new LogSession(log.api());
  await requireLogged(session, 'organisation X', [org.statements[0], certificate]);
  assert.equal(session.proven.size, 2);

  // A statement logged after the checkpoint the session holds: a fresh checkpoint is taken.
  const late = [...org.certificates.values()][1];
  log.append(late);
  await requireLogged(session, 'member Y', [late]);

  const unlogged = new LogSession(log.api());
  const elsewhere = (await organisation()).statements[0];
  await assert.rejects(requireLogged(unlogged, 'member Z', [elsewhere]), (e) =>
    e.code === 'key-not-logged' && e.message.startsWith('Refusing to wrap a key to member Z')
      && e.details.why === 'no leaf carries it');
  // The same statement bytes with another signature: the leaf found does not carry it.
  const resigned = { ...late, signature: certificate.signature };
  await assert.rejects(requireLogged(unlogged, 'member Z', [resigned]),
    (e) => e.details.why === 'leaf 2 does not carry exactly this statement');

  const checkpoint = await unlogged.checkLog();
  log.lie = (p, a) => {
    if (!p.startsWith('/v1/log/proof/inclusion')) {
      return a;
    }
    const proof = [...a.proof];
    proof[0] = `${proof[0][0] === '0' ? '1' : '0'}${proof[0].slice(1)}`;
    return { ...a, proof };
  };
  await assert.rejects(proveIncluded(log.api(), [certificate], checkpoint),
    (e) => e.code === 'key-not-logged' && /inclusion proof of leaf 1 in checkpoint size 3/
      .test(e.message));
  log.lie = (p, a) => (p.startsWith('/v1/log/by-statement/')
    ? { ...a, leaf: log.leaves[0] } : a);
  await assert.rejects(proveIncluded(log.api(), [certificate], checkpoint),
    (e) => e.details.why === 'leaf 1 does not carry exactly this statement');
  log.lie = (p, a) => {
    if (p.startsWith('/v1/log/proof/inclusion')) {
      throw httpError(404);
    }
    return a;
  };
  await assert.rejects(proveIncluded(log.api(), [certificate], checkpoint),
    (e) => e.details.why === 'no leaf carries it');
  log.lie = (_p, a) => a;
  await assert.rejects(confirmOnLog(new LogSession(log.api()), 'member approval', [elsewhere]),
    (e) => e.code === 'action-not-logged' && e.message.startsWith('The member approval '
      + 'happened on the server but is NOT ON THE LOG: its org-key-published statement'));
});

test('a required witness must have cosigned a recent, consistent checkpoint', async () => {
  const log = new FakeLog();
  log.append();
  log.append();
  const witnessKey = SigningKey.generate();
  const name = 'auditor.example/witness';
  const options = (now) => ({ requireWitness: { key: vkey(name, 4, witnessKey.publicKey),
    maxAgeSecs: 3600 }, now: () => now });
  await assert.rejects(new LogSession(log.api(), options(log.time)).checkLog(),
    (e) => e.code === 'log-witness'
      && e.details.why === 'it has cosigned no checkpoint of this log');
  const cosigned = log.checkpoint();
  log.witnessNotes.set(name, signNote(cosigned, log.key,
    [cosignLine(cosigned, name, witnessKey, log.time + 10)]));
  log.append();
  assert.equal((await new LogSession(log.api(), options(log.time + 60)).checkLog()).size, 3n);
  await assert.rejects(new LogSession(log.api(), options(log.time + 7200)).checkLog(),
    (e) => e.code === 'log-witness' && e.details.why.endsWith('at most 3600 are accepted'));
  const stranger = SigningKey.generate();
  log.witnessNotes.set(name, signNote(cosigned, log.key,
    [cosignLine(cosigned, name, stranger, log.time + 10)]));
  await assert.rejects(new LogSession(log.api(), options(log.time + 60)).checkLog(),
    (e) => e.code === 'log-witness' && e.details.why.includes('carries no valid cosignature'));
});

test('the book kept in storage survives a reload, and a damaged one is refused', async () => {
  const log = new FakeLog();
  log.append();
  const items = new Map();
  const storage = { getItem: (k) => items.get(k) ?? null, setItem: (k, v) => items.set(k, v) };
  await new LogSession(log.api(), storedBook(storage, 'vault-log:u1')).checkLog();
  assert.equal(JSON.parse(items.get('vault-log:u1')).log_key, log.vkey);
  const reloaded = new LogSession(log.api(), storedBook(storage, 'vault-log:u1'));
  await reloaded.checkLog();
  assert.equal(reloaded.takeNewLogKey(), null, 'the key was pinned before the reload');
  items.set('vault-log:u1', '{not json');
  await refuses(new LogSession(log.api(), storedBook(storage, 'vault-log:u1')).checkLog(),
    'log-malformed');
});

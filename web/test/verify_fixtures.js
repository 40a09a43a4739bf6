// Fixtures for the trust-check tests (web/test/verify_*.test.js): organisations whose
// directories are signed with real keys, and an in-memory log that signs real checkpoints
// and answers the /v1/log paths, so each test states what a lying server changes. Not a test
// itself; the runner loads it and finds nothing to run.

import { generateIdentity, SigningKey } from '../src/core/keys.js';
import { signStatement } from '../src/core/statement.js';
import { encode as b64 } from '../src/core/b64.js';
import { newId } from '../src/core/ids.js';
import { leafHash, nodeHash, rootOfLeaves } from '../src/verify/merkle.js';
import { sha256, toHex, utf8 } from '../src/verify/bytes.js';

export const NOW = 1_796_000_000n;

/**
 * @param {object} claim
 * @param {SigningKey} key
 */
export function signed(claim, key) {
  return signStatement({ issuedAt: NOW, claim }, key);
}

/** A person's keys. */
export async function person() {
  const { identity, recipient } = await generateIdentity();
  return { userId: newId(), identity, recipient, signing: SigningKey.generate() };
}

/**
 * An organisation: root key, one org key (version 1), a manager certified by the root and a
 * practitioner certified by the manager.
 */
export async function organisation() {
  const orgId = newId();
  const root = SigningKey.generate();
  const orgKey = await generateIdentity();
  const manager = await person();
  const practitioner = await person();
  const org = { orgId, root, orgKeys: [orgKey], manager, practitioner, extra: [] };
  org.statements = [signed({ kind: 'org-key-published', org: orgId, version: 1,
    key: orgKey.recipient }, root)];
  org.certificates = new Map([
    [manager.userId, certify(org, manager, 'manager', root)],
    [practitioner.userId, certify(org, practitioner, 'practitioner', manager.signing)],
  ]);
  return org;
}

/**
 * @param {any} org
 * @param {any} member
 * @param {string} role
 * @param {SigningKey} by
 */
export function certify(org, member, role, by) {
  return signed({
    kind: 'member-certified', org: org.orgId, user: member.userId, role,
    encryptionKey: member.recipient, signingKey: member.signing.publicKey,
  }, by);
}

/**
 * @param {any} member
 * @param {any} certificate
 * @param {string} [status]
 */
function entry(member, certificate, status = 'active') {
  return {
    user_id: member.userId,
    email: `${member.userId}@example.org`,
    role: null,
    status,
    encryption_key: member.recipient,
    signing_key: b64(member.signing.publicKey),
    certificate,
  };
}

/** The directory JSON the server would answer for `org`. @param {any} org */
export function directory(org) {
  const members = [org.manager, org.practitioner, ...org.extra];
  return {
    org: {
      org_id: org.orgId,
      name: 'Northshire Council',
      root_signing_key: b64(org.root.publicKey),
      org_key: org.orgKeys[org.orgKeys.length - 1].recipient,
      org_key_version: org.orgKeys.length,
    },
    org_key_statements: org.statements,
    members: members.map((m) => entry(m, org.certificates.get(m.userId) ?? null, m.status)),
  };
}

/** Bytes of a statement as the log indexes it. @param {{statement: string}} s */
function digestOf(s) {
  return toHex(sha256(Uint8Array.from(atob(s.statement), (c) => c.charCodeAt(0))));
}

/** RFC 6962 PATH, for building inclusion proofs. */
function path(m, leaves) {
  if (leaves.length <= 1) {
    return [];
  }
  let k = 1;
  while (k * 2 < leaves.length) {
    k *= 2;
  }
  return m < k
    ? [...path(m, leaves.slice(0, k)), rootOfLeaves(leaves.slice(k))]
    : [...path(m - k, leaves.slice(k)), rootOfLeaves(leaves.slice(0, k))];
}

/** RFC 6962 SUBPROOF, for building consistency proofs. */
function subproof(m, leaves, whole) {
  const n = leaves.length;
  if (m === n) {
    return whole ? [] : [rootOfLeaves(leaves)];
  }
  let k = 1;
  while (k * 2 < n) {
    k *= 2;
  }
  return m <= k
    ? [...subproof(m, leaves.slice(0, k), whole), rootOfLeaves(leaves.slice(k))]
    : [...subproof(m - k, leaves.slice(k), false), rootOfLeaves(leaves.slice(0, k))];
}

export const proofs = {
  inclusion: (index, hashes) => path(index, hashes),
  consistency: (from, hashes) => (from === 0 || from === hashes.length
    ? [] : subproof(from, hashes, true)),
};

/**
 * A checkpoint note signed by `key` under `origin`.
 * @param {{origin: string, size: number|bigint, root: Uint8Array, time: number|bigint}} c
 * @param {SigningKey} key
 * @param {string[]} [extraLines]
 */
export function signNote(c, key, extraLines = []) {
  const body = `${c.origin}\n${c.size}\n${b64(c.root)}\ntime ${c.time}\n`;
  const id = keyIdOf(c.origin, 0x01, key.publicKey);
  const payload = new Uint8Array([...id, ...key.sign(utf8(body))]);
  return `${body}\n\u2014 ${c.origin} ${b64(payload)}\n${extraLines.map((l) => `${l}\n`).join('')}`;
}

export function keyIdOf(name, algorithm, key) {
  return sha256(utf8(name), Uint8Array.of(0x0a, algorithm), key).slice(0, 4);
}

/** Verifier key text. */
export function vkey(name, algorithm, key) {
  return `${name}+${toHex(keyIdOf(name, algorithm, key))}+${b64(Uint8Array.of(algorithm, ...key))}`;
}

/** A witness cosignature line on checkpoint `c` at `time`. */
export function cosignLine(c, name, key, time) {
  const body = `${c.origin}\n${c.size}\n${b64(c.root)}\ntime ${c.time}\n`;
  const signature = key.sign(utf8(`cosignature/v1\ntime ${time}\n${body}`));
  const t = new Uint8Array(8);
  new DataView(t.buffer).setBigUint64(0, BigInt(time));
  return `\u2014 ${name} ${b64(new Uint8Array([...keyIdOf(name, 0x04, key.publicKey), ...t,
    ...signature]))}`;
}

/** An HTTP failure as the page's fetch wrapper throws it. */
export function httpError(status) {
  return Object.assign(new Error(`The server answered ${status}.`), { status });
}

/**
 * An in-memory log server: leaves, signed checkpoints, proofs, and a `get` like the page's
 * API wrapper. `lie` lets a test change any answer.
 */
export class FakeLog {
  constructor(origin = 'case-vault.localhost/log') {
    this.origin = origin;
    this.key = SigningKey.generate();
    this.leaves = [];
    this.time = 1_796_000_000;
    this.witnessNotes = new Map();
    /** @type {(path: string, answer: any) => any} */
    this.lie = (_path, answer) => answer;
  }

  get vkey() {
    return vkey(this.origin, 0x01, this.key.publicKey);
  }

  /** Appends a leaf carrying `statement` (or none); returns its index. */
  append(statement = null, action = 'test.event') {
    const leaf = { v: 1, time: this.time, action, actor: null, org_id: null,
      object_kind: 'test', object_id: String(this.leaves.length), case_id: null };
    if (statement) {
      leaf.statement = statement;
    }
    this.leaves.push(JSON.stringify(leaf));
    return this.leaves.length - 1;
  }

  hashes(size = this.leaves.length) {
    return this.leaves.slice(0, size).map((l) => leafHash(utf8(l)));
  }

  checkpoint(size = this.leaves.length) {
    return { origin: this.origin, size, root: rootOfLeaves(this.hashes(size)), time: this.time };
  }

  note(size = this.leaves.length, key = this.key) {
    return signNote(this.checkpoint(size), key);
  }

  api() {
    return { get: async (p) => this.lie(p, this.answer(p)) };
  }

  answer(p) {
    const url = new URL(p, 'http://127.0.0.1');
    const q = (name) => Number(url.searchParams.get(name));
    if (url.pathname === '/v1/log/key') {
      return { vkey: this.vkey };
    }
    if (url.pathname === '/v1/log/checkpoint') {
      const witness = url.searchParams.get('witness');
      if (witness === null) {
        return { note: this.note() };
      }
      if (!this.witnessNotes.has(witness)) {
        throw httpError(404);
      }
      return { note: this.witnessNotes.get(witness) };
    }
    if (url.pathname === '/v1/log/proof/inclusion') {
      const [index, size] = [q('index'), q('size')];
      return { index, size, proof: proofs.inclusion(index, this.hashes(size)).map(toHex) };
    }
    if (url.pathname === '/v1/log/proof/consistency') {
      const [from, to] = [q('from'), q('to')];
      return { from, to, proof: proofs.consistency(from, this.hashes(to)).map(toHex) };
    }
    if (url.pathname.startsWith('/v1/log/by-statement/')) {
      const digest = url.pathname.split('/').pop();
      const index = this.leaves.findIndex((l) => {
        const s = JSON.parse(l).statement;
        return s && digestOf(s) === digest;
      });
      if (index < 0) {
        throw httpError(404);
      }
      return { index, leaf: this.leaves[index] };
    }
    throw httpError(404);
  }
}

export { nodeHash };

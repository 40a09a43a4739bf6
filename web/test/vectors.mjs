// The JavaScript half of the cross-language vectors (tests/tests/web_vectors.rs runs it):
// `node web/test/vectors.mjs DIR` reads DIR/rust.json and the files beside it, made by
// vault-core and vault-client, checks every one with web/src/core, then writes DIR/js.json and
// js-*.age made by web/src/core from the same inputs, for the Rust side to verify and open.
// Any mismatch throws, so the process exits non-zero with the reason.

import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

import * as age from 'age-encryption';

import * as b64 from '../src/core/b64.js';
import * as keys from '../src/core/keys.js';
import * as ks from '../src/core/keystore.js';
import * as header from '../src/core/header.js';
import * as seal from '../src/core/seal.js';
import * as st from '../src/core/statement.js';

const dir = process.argv[2];
let rust;
let k;
const read = async (name) => new Uint8Array(await readFile(path.join(dir, name)));
const write = (name, bytes) => writeFile(path.join(dir, name), bytes);

/** The deterministic plaintext both sides seal: byte i is i mod 251. */
function plaintext() {
  return Uint8Array.from({ length: rust.plaintext_len }, (_, i) => i % 251);
}

/** A claim from its JSON shape in rust.json: hex to bytes, decimal u64 text to BigInt. */
function claimOf(shape) {
  const bytes = ['ciphertextSha256', 'metadataSha256', 'documentKey', 'key', 'recipient',
    'envelopeSha256', 'toOrgKey', 'newCaseKey', 'signingKey'];
  const claim = { ...shape };
  for (const name of bytes) {
    if (name === 'key' && shape.kind === 'org-key-published') continue;
    if (typeof shape[name] === 'string') claim[name] = b64.fromHex(shape[name]);
  }
  for (const name of ['ciphertextSize', 'documents']) {
    if (name in shape) claim[name] = BigInt(shape[name]);
  }
  return claim;
}

function checkKeys() {
  const signing = keys.SigningKey.fromPkcs8(b64.fromHex(k.signing_pkcs8));
  assert.equal(b64.encode(signing.publicKey), k.signing_public);
  assert.equal(b64.hex(signing.toPkcs8()), k.signing_pkcs8);
  const random = keys.SigningKey.fromPkcs8(b64.fromHex(k.random_pkcs8));
  assert.equal(b64.hex(random.toPkcs8()), k.random_pkcs8, 'ring PKCS#8 layout');
  const fp = k.fingerprints;
  assert.equal(b64.hex(keys.fingerprintOfRecipient(k.document_recipient)), fp.recipient);
  assert.equal(keys.formatFingerprint(keys.fingerprintOfRecipient(k.document_recipient)),
    fp.recipient_text);
  assert.equal(b64.hex(keys.fingerprintOfSigningKey(signing.publicKey)), fp.signing);
  assert.equal(b64.hex(keys.fingerprintOfMember(k.document_recipient, signing.publicKey)),
    fp.member);
  return signing;
}

async function checkStatements(signing) {
  const own = keys.SigningKey.generate();
  const same = [];
  const ownSigned = [];
  for (const { claim: shape, wire } of k.statements) {
    const statement = { issuedAt: BigInt(k.issued_at), claim: claimOf(shape) };
    assert.equal(b64.encode(st.encodeStatement(statement)), wire.statement, shape.kind);
    assert.deepEqual(st.verifySigned(wire), statement, shape.kind);
    const signed = st.signStatement(statement, signing);
    assert.deepEqual(signed, wire, `${shape.kind}: same key, same signature`);
    same.push(signed);
    ownSigned.push(st.signStatement(statement, own));
  }
  const { identity, recipient } = await keys.generateIdentity();
  assert.equal(await keys.recipientOf(identity), recipient);
  return {
    statements: same,
    statements_own_key: ownSigned,
    own_public: b64.encode(own.publicKey),
    own_recipient: recipient,
    own_fingerprints: {
      signing: b64.hex(keys.fingerprintOfSigningKey(own.publicKey)),
      recipient: b64.hex(keys.fingerprintOfRecipient(recipient)),
      member: keys.formatFingerprint(keys.fingerprintOfMember(recipient, own.publicKey)),
    },
  };
}

async function checkRustKeystore() {
  const v = rust.keystore;
  const locked = await read(v.file);
  assert.equal(ks.keystoreWorkFactor(locked), 15);
  const keystore = await ks.unlockKeystore(locked, v.passphrase);
  assert.equal(keystore.userId, v.user_id);
  assert.equal(keystore.email, v.email);
  assert.equal(keystore.server, v.server);
  assert.equal(keystore.orgId, v.org_id);
  assert.equal(await keys.recipientOf(keystore.identity), v.recipient);
  assert.equal(b64.encode(keystore.signing.publicKey), v.signing_public);
  assert.equal(b64.encode(keystore.orgRoot.publicKey), v.org_root_public);
  await assert.rejects(ks.unlockKeystore(locked, 'not it'), { code: 'wrong-passphrase' });
}

async function lockJsKeystore(signing) {
  const root = keys.SigningKey.generate();
  const keystore = new ks.Keystore({
    userId: crypto.randomUUID(),
    email: 'browser.practitioner@example.org',
    server: 'http://127.0.0.1:8088',
    orgId: null,
    identity: k.document_identity,
    signing,
    orgRoot: root,
  });
  await write('js-keystore.age', await ks.lockKeystore(keystore, rust.keystore.passphrase, 15));
  return {
    user_id: keystore.userId,
    email: keystore.email,
    server: keystore.server,
    org_root_public: b64.encode(root.publicKey),
  };
}

async function openAll(readable, identity, expected) {
  const { plaintext: out, done } = await seal.openBody(readable, identity, expected);
  const bytes = new Uint8Array(await new Response(out).arrayBuffer());
  return { bytes, opened: await done };
}

async function checkRustSealed() {
  const v = rust.sealed;
  const body = await read(v.body);
  const info = header.inspectHeader(body);
  assert.equal(info.headerLen, v.header_len);
  assert.deepEqual(info.stanzas.map((s) => s.tag), v.stanza_tags);
  header.requireX25519(info);
  const meta = await seal.openMetadata(await read(v.metadata), k.document_identity);
  assert.equal(meta.fileName, v.file_name);
  assert.equal(b64.hex(meta.sha256), v.plaintext_sha256);
  const expected = { ciphertextSha256: b64.fromHex(v.ciphertext_sha256),
    plaintextSha256: meta.sha256, size: meta.size };
  const { bytes, opened } = await openAll(new Blob([body]).stream(), k.document_identity,
    expected);
  assert.deepEqual(bytes, plaintext());
  assert.equal(opened.ciphertextSize, v.ciphertext_size);
  // The same record JavaScript would write for the same document: serde's exact bytes.
  const again = await seal.sealMetadata(meta, k.document_recipient);
  const d = new age.Decrypter();
  d.addIdentity(k.document_identity);
  assert.equal(await d.decrypt(again, 'text'), v.metadata_json);
  const wrapped = await read(v.wrapped);
  const fp = keys.fingerprintOfRecipient(k.document_recipient);
  assert.equal(await keys.unwrapKey(wrapped, [k.parent_identity], fp), k.document_identity);
  await assert.rejects(keys.unwrapKey(wrapped, [k.parent_identity],
    keys.fingerprintOfRecipient(k.parent_recipient)), { code: 'wrong-key' });
}

async function sealJs() {
  const data = plaintext();
  const { ciphertext, done } = await seal.sealBody(new Blob([data]).stream(),
    k.document_recipient);
  const body = new Uint8Array(await new Response(ciphertext).arrayBuffer());
  const sealed = await done;
  const fileName = 'Life story – Élodie "draft" ✓.txt';
  await write('js-body.age', body);
  await write('js-metadata.age', await seal.sealMetadata({ fileName,
    mediaType: 'text/plain; charset=utf-8', size: sealed.plaintextSize,
    sha256: sealed.plaintextSha256 }, k.document_recipient));
  await write('js-wrapped.age', await keys.wrapKey(k.document_identity, [k.parent_recipient]));
  return { ciphertext_sha256: b64.hex(sealed.ciphertextSha256),
    ciphertext_size: sealed.ciphertextSize, file_name: fileName };
}

/** Altered bodies: the check JavaScript names for each, for Rust to name the same. */
async function tamperCases() {
  const v = rust.sealed;
  const body = await read(v.body);
  const { headerLen } = header.inspectHeader(body);
  const flip = (at) => {
    const copy = body.slice();
    copy[at] = copy[at] === 65 ? 66 : 65; // another base64 letter, so the text stays valid
    return copy;
  };
  const appended = new Uint8Array(body.length + 1);
  appended.set(body);
  const stranger = await seal.sealBody(new Blob([plaintext()]).stream(), k.parent_recipient);
  const strangerBody = new Uint8Array(await new Response(stranger.ciphertext).arrayBuffer());
  const locked = new age.Encrypter();
  locked.setScryptWorkFactor(10);
  locked.setPassphrase('not a body');
  const none = {};
  const other = b64.hex(seal.sha256Of(new Uint8Array(1)));
  const cases = [
    ['payload', flip(body.length - 3), none],
    ['truncated', body.subarray(0, body.length - 100), none],
    ['appended', appended, none],
    ['mac', flip(headerLen - 6), none],
    ['cut-header', body.subarray(0, 30), none],
    ['cut-nonce', body.subarray(0, headerLen + 8), none],
    ['not-age', new TextEncoder().encode('%PDF-1.7\n'), none],
    ['scrypt', await locked.encrypt(plaintext()), none],
    ['stranger', strangerBody, none],
    ['ciphertext', body, { ciphertext_sha256: other }],
    ['plaintext', body, { plaintext_sha256: v.plaintext_sha256,
      plaintext_size: v.plaintext_size + 1 }],
  ];
  const out = [];
  for (const [name, bytes, expected] of cases) {
    const file = `tamper-${name}.age`;
    await write(file, bytes);
    const error = await openAll(new Blob([bytes]).stream(), k.document_identity, {
      ciphertextSha256: expected.ciphertext_sha256 && b64.fromHex(expected.ciphertext_sha256),
      plaintextSha256: expected.plaintext_sha256 && b64.fromHex(expected.plaintext_sha256),
      size: expected.plaintext_size,
    }).then(() => null, (e) => e);
    assert.ok(error, `${name}: JavaScript opened an altered body`);
    out.push({ file, expected, code: error.code, message: error.message });
  }
  return out;
}

if (dir) {
  rust = JSON.parse(await readFile(path.join(dir, 'rust.json'), 'utf8'));
  k = rust.keys;
  const signing = checkKeys();
  const out = await checkStatements(signing);
  await checkRustKeystore();
  out.keystore = await lockJsKeystore(signing);
  await checkRustSealed();
  out.body = await sealJs();
  out.tampered = await tamperCases();
  await writeFile(path.join(dir, 'js.json'), JSON.stringify(out));
  console.log('web vectors: every Rust vector checked in JavaScript; JavaScript outputs written');
} else {
  // `node --test test/` loads every module in test/; this one needs the Rust side's directory.
  const { test } = await import('node:test');
  test.skip('cross-language vectors: run by cargo test -p vault-tests --test web_vectors');
}

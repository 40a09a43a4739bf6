/**
 * @file Documents, as vault-client/src/documents.rs handles them: seal a file into a case and
 * upload it, list a case's documents with their names opened here, open one (every check
 * first, the file offered for saving only once its digests match), share one with another
 * organisation and revoke that share.
 *
 * Sealing streams the file through the core's sealBody and sends the ciphertext in parts as
 * it comes (parts.js), then the signed manifest, which the server checks against the bytes it
 * received before it keeps anything. Opening makes every check on the keys and metadata here,
 * then streams the body through decryption in a worker of its own (open_body.js) into a file
 * or Blob that is committed only once every digest has matched.
 *
 * A case or document the API no longer lets our organisation reach (404: the case was
 * transferred away while the page stayed open, say) is told in a sentence, not as the API's
 * bare "not found"; any other failure keeps its own message.
 */
import { sha256 } from '@noble/hashes/sha2.js';

import * as b64 from '../core/b64.js';
import { fail } from '../core/errors.js';
import { newId } from '../core/ids.js';
import {
  fingerprintOfRecipient, generateIdentity, recipientOf, unwrapKey,
} from '../core/keys.js';
import { openMetadata, sealBody, sealMetadata } from '../core/seal.js';
import { verifySigned } from '../core/statement.js';
import * as api from '../api.js';
import { caseKey } from './cases.js';
import { PartUpload } from './parts.js';
import { openBodyAside } from './open_body.js';
import { makeEnvelope, scope, sign } from './envelope.js';
import { myOrg } from './state.js';
import * as trust from './trust.js';

/** Why a share the page still lists cannot be revoked. */
const NO_SHARE = 'This document is no longer shared with that organisation: the share was '
  + 'revoked already (reload the page to see the shares as they are now), or the document is '
  + 'no longer in your organisation’s cases.';
/** Why a document the page still lists no longer opens, shares or names. */
const DOCUMENT_GONE = 'This document is no longer in your organisation’s cases (the case may '
  + 'have been transferred to another organisation).';
/** Why a case the page still shows no longer takes documents or lists them. */
const CASE_GONE = 'This case is no longer in your organisation’s cases (it may have been '
  + 'transferred to another organisation).';

/**
 * Awaits `request`, turning the API's 404 into `sentence` (code `gone`), so the person reads
 * what happened rather than "not found"; shared.js turns it into the revoked-share sentence.
 */
async function reachable(request, sentence) {
  try {
    return await request;
  } catch (error) {
    if (error && error.status === 404) throw fail('gone', sentence);
    throw error;
  }
}

/** The case's public key, its envelope checked once for any number of files. */
export async function prepareCase(caseId) {
  await trust.checkLog();
  const detail = await reachable(api.get(`/v1/cases/${caseId}`), `${CASE_GONE} Nothing was `
    + 'sealed.');
  const key = await caseKey(detail, await trust.orgKey());
  return { caseId, caseKey: key.recipient };
}

/** A ciphertext's size for `size` plaintext bytes, close enough for a progress bar. */
function ciphertextEstimate(size) {
  const CHUNK = 64 * 1024;
  return size + 16 * Math.max(1, Math.ceil(size / CHUNK)) + 256;
}

/**
 * Seals `file` into the prepared case and uploads it in parts as it is sealed; answers the
 * new document's id. Whatever fails, the upload is cancelled (unless the server ended it
 * already), so the server keeps nothing.
 * @param {{caseId: string, caseKey: string}} prepared
 * @param {File} file
 * @param {{sealed: (done: number, total: number) => void,
 *   sent: (done: number, total: number) => void}} progress
 */
export async function sealFile(prepared, file, progress) {
  const upload = await PartUpload.start(prepared.caseId, `${CASE_GONE} Nothing was sealed.`);
  try {
    const documentId = await sealInto(upload, prepared, file, progress);
    return documentId;
  } catch (error) {
    // A part refused for the upload limit (413) or an upload the server no longer has (404)
    // is one the server ended already; any other failure, the upload is cancelled.
    if (error.status !== 413 && error.status !== 404) await upload.cancel();
    throw error;
  }
}

async function sealInto(upload, prepared, file, progress) {
  const org = myOrg();
  const documentId = newId();
  const docKey = await generateIdentity();
  const { ciphertext, done } = await sealBody(file.stream(), docKey.recipient,
    (n) => progress.sealed(Number(n), file.size));
  const total = ciphertextEstimate(file.size);
  const [sent, sealed] = await Promise.all([
    upload.sendAll(ciphertext, (n) => progress.sent(n, Math.max(n, total))), done]);
  if (Number(sealed.plaintextSize) !== file.size || sent !== Number(sealed.ciphertextSize)) {
    throw fail('changed', `${file.name} changed while it was being sealed; nothing was `
      + 'stored. Seal it again once nothing is writing to it.');
  }
  const sealedMetadata = await sealMetadata({
    fileName: file.name,
    mediaType: file.type || 'application/octet-stream',
    size: sealed.plaintextSize,
    sha256: sealed.plaintextSha256,
  }, docKey.recipient);
  const docScope = scope.document(documentId);
  const envelope = await makeEnvelope(docKey, prepared.caseKey, docScope, org);
  const statement = sign({
    kind: 'document-sealed',
    org,
    case: prepared.caseId,
    document: documentId,
    ciphertextSha256: sealed.ciphertextSha256,
    ciphertextSize: BigInt(sealed.ciphertextSize),
    metadataSha256: sha256(sealedMetadata),
    documentKey: fingerprintOfRecipient(docKey.recipient),
  });
  await upload.finish({
    document_id: documentId,
    document_key: docKey.recipient,
    sealed_metadata: b64.encode(sealedMetadata),
    envelope,
    statement,
  });
  progress.sent(sent, sent);
  await trust.confirmOnLog('document seal', [statement, envelope.statement]);
  return documentId;
}

/**
 * Checks a `document-shared` statement: from a certified member of the sharing organisation,
 * naming this document, our organisation and one of our verified organisation keys.
 */
async function checkShare(documentId, statement) {
  const bad = (why) => fail('not-genuine', `This shared document is not genuine: ${why}.`);
  let claim;
  try {
    claim = verifySigned(statement).claim;
  } catch {
    throw bad('its share statement does not verify');
  }
  if (claim.kind !== 'document-shared') throw bad('it carries no share statement');
  try {
    (await trust.trustedOrg(claim.fromOrg)).check(statement);
  } catch {
    throw bad('it was not shared by a certified member of the sharing organisation');
  }
  const ours = await trust.trustedOrg(myOrg());
  const toOurKey = ours.orgKeys
    .some((k) => b64.equalBytes(fingerprintOfRecipient(k), claim.toOrgKey));
  if (claim.document !== documentId || claim.toOrg !== myOrg() || !toOurKey) {
    throw bad('its statement names another document, organisation or key');
  }
  return { from: claim.fromOrg, envelopeSha256: claim.envelopeSha256 };
}

/**
 * The document key along the caller's access path, every envelope checked. `given` is the
 * organisation key when the caller already fetched it (and so checked the log) for a list.
 */
async function documentKey(access, sealed, given) {
  const id = access.document.document_id;
  const orgKey = given ?? await trust.orgKey();
  const docScope = scope.document(id);
  const { path } = access;
  let holder;
  let envelope;
  if (path.via === 'case') {
    const caseId = access.document.case_id;
    const allowed = await trust.caseWrappers(caseId);
    holder = await trust.openEnvelope(path.case_envelope, scope.case(caseId), orgKey, allowed);
    await trust.checkEnvelope(path.document_envelope, docScope,
      fingerprintOfRecipient(holder.recipient), allowed);
    envelope = path.document_envelope;
  } else {
    const { from, envelopeSha256 } = await checkShare(id, path.statement);
    const wrapper = await trust.checkEnvelope(path.envelope, docScope,
      fingerprintOfRecipient(orgKey.recipient), [from, myOrg()]);
    const signed = sha256(b64.decode(path.envelope.wrapped));
    if (wrapper === from && !b64.equalBytes(envelopeSha256, signed)) {
      throw fail('not-genuine', 'The shared document’s key envelope is not the one the '
        + 'sharing organisation signed.');
    }
    holder = orgKey;
    envelope = path.envelope;
  }
  const identity = await unwrapKey(b64.decode(envelope.wrapped), [holder.identity],
    sealed.documentKey);
  return identity;
}

/**
 * Fetches a document's access record and checks it end to end: statement, envelopes, key
 * and sealed metadata.
 */
async function inspect(documentId, nothing = 'Nothing was opened.', orgKey = undefined) {
  const access = await reachable(api.get(`/v1/documents/${documentId}`),
    `${DOCUMENT_GONE} ${nothing}`);
  const sealed = await trust.checkDocument(access.document);
  const identity = await documentKey(access, sealed, orgKey);
  const metadata = await openMetadata(b64.decode(access.document.sealed_metadata), identity);
  return { access, sealed, identity, metadata };
}

/** One document's opened name and size, every check made first. */
export async function nameOf(documentId) {
  const { metadata } = await inspect(documentId);
  return { name: metadata.fileName, size: Number(metadata.size) };
}

/**
 * The names of a case's documents, opened here: by document id, `{name, size}` or
 * `{problem, error}` when a document does not verify (the ui words the error).
 */
export async function documentNames(caseId) {
  const detail = await reachable(api.get(`/v1/cases/${caseId}`), CASE_GONE);
  const out = new Map();
  // One log check and one organisation key for the whole list, not one per document.
  const orgKey = await trust.orgKey();
  for (const doc of detail.documents) {
    try {
      const { metadata } = await inspect(doc.document_id, undefined, orgKey);
      out.set(doc.document_id, { name: metadata.fileName, size: Number(metadata.size) });
    } catch (error) {
      // A refused log stops the whole list: no name opens while the server shows a rollback.
      // Any other answer of the server does too, but for one document whose record on the
      // platform is damaged (409 document_damaged): that row says so and the rest still open.
      const damaged = error.status === 409 && error.code === 'document_damaged';
      if ((error.status && !damaged) || trust.isLogRefusal(error)) throw error;
      out.set(doc.document_id, { problem: error.message, error });
    }
  }
  return out;
}

/**
 * Opens a document: every check here, then the ciphertext streamed through decryption with
 * its digests checked at the end, in a worker where the page can start one (open_body.js).
 * The plaintext goes into the file `choose(metadata)` answers (a handle from the save-file
 * picker) or, when it answers null, into a Blob; either is committed only once every check
 * has passed, and discarded on any failure. Answers the document's name and the Blob to
 * offer for download, or null when the bytes went straight into the chosen file.
 * @param {string} documentId
 * @param {(done: number, total: number) => void} onProgress
 * @param {(metadata: {fileName: string, mediaType: string, size: bigint}) =>
 *   Promise<FileSystemFileHandle|null>} [choose]
 * @returns {Promise<{blob: Blob|null, name: string}>}
 */
export async function openDocument(documentId, onProgress, choose = async () => null) {
  const { sealed, identity, metadata } = await inspect(documentId);
  const handle = await choose(metadata);
  const total = Number(metadata.size);
  const blob = await reachable(openBodyAside({
    path: `/v1/documents/${documentId}/body`,
    csrf: api.csrfToken(),
    identity,
    expected: {
      ciphertextSha256: sealed.ciphertextSha256,
      plaintextSha256: metadata.sha256,
      size: metadata.size,
    },
    handle,
    mediaType: metadata.mediaType,
  }, (n) => onProgress(Math.min(n, total), total)), `${DOCUMENT_GONE} Nothing was opened.`);
  return { blob, name: metadata.fileName };
}

/**
 * Shares a document with organisation `to`, wrapped to its logged current key; with `expect`,
 * only if that organisation's root key has that fingerprint (see trust.meetOrg).
 */
export async function share(documentId, to, say, expect = '') {
  if (!to) throw fail('to-org', 'Choose the organisation to share with.');
  say('Checking the log and the document…');
  await trust.checkLog();
  if (expect) await trust.meetOrg(to, expect);
  const org = myOrg();
  const { identity } = await inspect(documentId, 'Nothing was shared.');
  const key = { identity, recipient: await recipientOf(identity) };
  const toKey = await trust.loggedOrgKey(to);
  const envelope = await makeEnvelope(key, toKey, scope.document(documentId), org);
  const statement = sign({
    kind: 'document-shared',
    document: documentId,
    fromOrg: org,
    toOrg: to,
    toOrgKey: fingerprintOfRecipient(toKey),
    envelopeSha256: sha256(b64.decode(envelope.wrapped)),
  });
  await api.post(`/v1/documents/${documentId}/shares`, { to_org: to, envelope, statement });
  await trust.confirmOnLog('share', [statement, envelope.statement]);
}

/**
 * Revokes the share of a document with organisation `to`, as `vaultctl doc revoke`: the log
 * checked first, a signed `share-revoked` statement sent, and the statement found on the log.
 */
export async function revoke(documentId, to, say) {
  say('Checking the log…');
  await trust.checkLog();
  const statement = sign({ kind: 'share-revoked', document: documentId, toOrg: to });
  say('Revoking…');
  try {
    await api.post(`/v1/documents/${documentId}/shares/${to}/revoke`, { statement });
  } catch (error) {
    // Revoked already (from another tab, or with vaultctl), or the case left our hands.
    if (error && error.status === 404) throw fail('gone', NO_SHARE);
    throw error;
  }
  await trust.confirmOnLog('share revocation', [statement]);
}

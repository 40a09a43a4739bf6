/**
 * @file Documents another organisation shared with ours (`vaultctl doc shared`): their names
 * and the files themselves are opened along the share's access path, which documents.js
 * checks as vaultctl does (the sharer's directory verified and pinned, its `document-shared`
 * statement naming this document, our organisation and our key, the envelope it signed, then
 * the digests). A share the sharer revoked answers 404 (documents.js words it as a document
 * gone, code `gone`); here that becomes a sentence saying the share was revoked.
 */
import { fail } from '../core/errors.js';
import * as api from '../api.js';
import { nameOf, openDocument } from './documents.js';
import { isLogRefusal } from './trust.js';

const REVOKED = 'This document is no longer shared with your organisation: the organisation '
  + 'that shared it has revoked the share. Ask them if you still need it.';

/**
 * The ids of the documents shared with our organisation now. Asked before a document is
 * fetched, so a revoked share is told without a 404, which the browser would log as an error.
 */
async function stillShared() {
  const shares = await api.get('/v1/shared');
  return new Set(shares.map((s) => s.document_id));
}

/** Runs `work`, turning a withdrawn share (gone from the list, or a 404) into a sentence. */
async function unlessRevoked(documentId, shared, work) {
  if (!shared.has(documentId)) throw fail('revoked', REVOKED);
  try {
    return await work();
  } catch (error) {
    if (error && (error.status === 404 || error.code === 'gone')) throw fail('revoked', REVOKED);
    throw error;
  }
}

/**
 * The opened names of shared documents: by id, `{name, size}`, or `{problem, error}` when one
 * does not verify or is no longer shared.
 * @param {string[]} ids
 */
export async function sharedNames(ids) {
  const shared = await stillShared();
  const out = new Map();
  for (const id of ids) {
    try {
      out.set(id, await unlessRevoked(id, shared, () => nameOf(id)));
    } catch (error) {
      if (error.status || isLogRefusal(error)) throw error;
      out.set(id, { problem: error.message, error });
    }
  }
  return out;
}

/** Opens a shared document, every check first; see `openDocument`. */
export async function openShared(documentId, onProgress, choose) {
  const shared = await stillShared();
  return unlessRevoked(documentId, shared, () => openDocument(documentId, onProgress, choose));
}

// Proving that a statement is in the log (vault-client/src/log/inclusion.rs): its leaf looked
// up by the statement's digest, the leaf checked to carry exactly that statement, and its
// inclusion proof verified against a checkpoint the log session accepted.
//
// Two uses: before relying on the statements that certify a key about to be wrapped to
// (`requireLogged`, refusing with 'key-not-logged'), and after an action, to see that the
// statement the person signed was recorded (`confirmOnLog`, 'action-not-logged').

import { parseBase64, sha256, toHex } from './bytes.js';
import { carries, decodeLeaf } from './leaf.js';
import { actionNotLogged, keyNotLogged, logMalformed } from './log_errors.js';
import { proofHashes, sameNumber } from './log.js';
import { leafHash, verifyInclusion } from './merkle.js';
import { verifySigned } from '../core/statement.js';

const PAST = Symbol('leaf past the checkpoint');

/**
 * @typedef {{statement: string, signer: string, signature: string}} WireStatement
 * @typedef {import('./log.js').LogSession} LogSession
 * @typedef {import('./checkpoint.js').Checkpoint} Checkpoint
 */

const NOT_FOUND = Symbol('404');

/**
 * One log request; a 404 (which the Rust client reads as "no leaf carries it") is NOT_FOUND,
 * any other failure is thrown as it is.
 * @param {import('./log.js').Api} api
 * @param {string} path
 */
async function ask(api, path) {
  try {
    return await api.get(path);
  } catch (e) {
    if (e?.status === 404) {
      return NOT_FOUND;
    }
    throw e;
  }
}

/** A statement's digest, hex, as the log indexes it. @param {WireStatement} statement */
export function statementDigest(statement) {
  return toHex(sha256(parseBase64(statement.statement, 'a statement')));
}

/**
 * One statement's leaf and inclusion proof against `checkpoint`. Resolves to null when proven,
 * PAST when its leaf is newer than the checkpoint, or the reason it is not proven.
 * @param {import('./log.js').Api} api
 * @param {WireStatement} statement
 * @param {Checkpoint} checkpoint
 * @returns {Promise<null | typeof PAST | string>}
 */
async function proveOne(api, statement, checkpoint) {
  const entry = await ask(api, `/v1/log/by-statement/${statementDigest(statement)}`);
  if (entry === NOT_FOUND) {
    return 'no leaf carries it';
  }
  const index = entry?.index;
  if (!Number.isSafeInteger(index) || index < 0 || typeof entry.leaf !== 'string') {
    throw logMalformed('a log entry without its index or leaf');
  }
  let leaf;
  try {
    leaf = decodeLeaf(entry.leaf);
  } catch (e) {
    return `its leaf does not decode: ${e.message}`;
  }
  if (!carries(leaf, statement)) {
    return `leaf ${index} does not carry exactly this statement`;
  }
  const size = checkpoint.size;
  if (BigInt(index) >= size) {
    return PAST;
  }
  const answer = await ask(api, `/v1/log/proof/inclusion?index=${index}&size=${size}`);
  if (answer === NOT_FOUND) {
    return 'no leaf carries it';
  }
  if (!sameNumber(answer?.index, BigInt(index)) || !sameNumber(answer?.size, size)) {
    return 'the server sent an inclusion proof for another leaf or size';
  }
  const bytes = new TextEncoder().encode(entry.leaf);
  try {
    verifyInclusion(leafHash(bytes), index, size, proofHashes(answer.proof), checkpoint.root);
  } catch (e) {
    return `the inclusion proof of leaf ${index} in checkpoint size ${size} fails: `
      + `${e.details?.why ?? e.message}`;
  }
  return null;
}

/**
 * Proves each statement in the log against `checkpoint` (one the caller accepted with a
 * LogSession). Throws 'key-not-logged' naming `what` for the first one not proven.
 * @param {import('./log.js').Api} api
 * @param {WireStatement[]} statements
 * @param {Checkpoint} checkpoint
 * @param {string} [what] whose key rests on them, for the message
 */
export async function proveIncluded(api, statements, checkpoint, what = 'this key') {
  for (const statement of statements) {
    const outcome = await proveOne(api, statement, checkpoint);
    if (outcome === PAST) {
      throw keyNotLogged(what, 'its leaf is past the checkpoint');
    }
    if (outcome !== null) {
      throw keyNotLogged(what, outcome);
    }
  }
}

/**
 * Before relying on `statements` (those certifying a key about to be wrapped to): proves each
 * against the checkpoint accepted in this session (a fresh one when a leaf is newer).
 * Statements proven once are not asked about again while the page is open.
 * @param {LogSession} session
 * @param {string} what whose key, for the message
 * @param {WireStatement[]} statements
 */
export async function requireLogged(session, what, statements) {
  let checkpoint = session.accepted ?? await session.checkLog();
  for (const statement of statements) {
    const digest = statementDigest(statement);
    if (session.proven.has(digest)) {
      continue;
    }
    let outcome = await proveOne(session.api, statement, checkpoint);
    if (outcome === PAST) {
      checkpoint = await session.checkLog();
      outcome = await proveOne(session.api, statement, checkpoint);
    }
    if (outcome === PAST) {
      throw keyNotLogged(what, 'its leaf is past the latest checkpoint');
    }
    if (outcome !== null) {
      throw keyNotLogged(what, outcome);
    }
    session.proven.add(digest);
  }
}

/**
 * After an action: accepts a fresh checkpoint, then proves every statement the action signed
 * to be in it. Throws 'action-not-logged' saying the action happened but is not on the log.
 * @param {LogSession} session
 * @param {string} action as a person would name it ("document seal")
 * @param {WireStatement[]} statements
 */
export async function confirmOnLog(session, action, statements) {
  const checkpoint = await session.checkLog();
  for (const statement of statements) {
    const outcome = await proveOne(session.api, statement, checkpoint);
    if (outcome === PAST) {
      throw actionNotLogged(action, kindOf(statement), 'its leaf is past the checkpoint');
    }
    if (outcome !== null) {
      throw actionNotLogged(action, kindOf(statement), outcome);
    }
  }
}

/** The statement's kind, or "signed" when it does not decode. @param {WireStatement} s */
function kindOf(s) {
  try {
    return verifySigned(s).claim.kind;
  } catch {
    return 'signed';
  }
}

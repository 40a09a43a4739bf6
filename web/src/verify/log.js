// Checking the log, not trusting it: what the browser remembers of the server's log and how
// it accepts a new checkpoint, as vault-client/src/log/check.rs and book.rs do.
//
// The server keeps an append-only Merkle log of every key published, member certified and
// key wrapped, and signs checkpoints of it. A lying server could show an old state (a
// rollback) or different histories to different people (a fork). So the browser keeps a
// "book": the log key pinned on first sight and the last checkpoint accepted, as the signed
// note it came in (so an edited copy no longer opens). A new checkpoint is accepted only when
// it carries the log's signature under the pinned key and a consistency proof from the saved
// one verifies; anything else stops the action and leaves the book as it was.
//
// The policy is the command-line client's default: no witness required and the log key
// pinned on first sight (`takeNewLogKey` reports it once, to be compared with the platform's
// operator). `expectLogKey` and `requireWitness` ({key, maxAgeSecs}) add the checks of
// `--expect-log-key` and `--require-witness`/`--witness-max-age`.
//
// The book is public data; the caller keeps it (the page keeps it in localStorage per user
// id) through `load` and `save`, and a saved checkpoint never moves back.

import {
  cosignatureVerifies, openCheckpoint, parseLogKey, parseWitnessKey,
} from './checkpoint.js';
import {
  badSignature, fork, logMalformed, named, rollback, unexpectedKey, witnessMissing,
} from './log_errors.js';
import { parseDigest } from './bytes.js';
import { verifyConsistency } from './merkle.js';

/** How far ahead of this browser's clock a witness's cosignature may be dated. */
const MAX_CLOCK_SKEW_SECS = 300n;

/**
 * @typedef {{log_key: string, checkpoint: string | null, size: number}} Book
 * @typedef {import('./checkpoint.js').Checkpoint} Checkpoint
 * @typedef {{get: (path: string) => Promise<any>}} Api answers with the parsed JSON, throws
 *   errors with a numeric `.status` for HTTP failures
 */

/**
 * Opens a note with the log key; any failure is named as a bad signature.
 * @param {unknown} note
 * @param {import('./checkpoint.js').NoteKey} key
 */
export function openNote(note, key) {
  try {
    return openCheckpoint(note, key);
  } catch (e) {
    throw badSignature(key.vkey, e.message);
  }
}

/**
 * `load` and `save` for a LogSession that keep the book in a Web Storage (the page passes
 * `localStorage` and a key per signed-in user). A book that does not parse is handed back as
 * it is, so the session refuses it rather than starting afresh.
 * @param {{getItem: (k: string) => string | null, setItem: (k: string, v: string) => void}}
 *   storage
 * @param {string} key
 */
export function storedBook(storage, key) {
  return {
    load: () => {
      const text = storage.getItem(key);
      if (text === null) {
        return null;
      }
      try {
        return JSON.parse(text);
      } catch {
        return { log_key: '', checkpoint: null, size: 0 };
      }
    },
    save: (book) => storage.setItem(key, JSON.stringify(book)),
  };
}

/** @param {unknown} e */
function isHttpError(e) {
  return typeof (/** @type {any} */ (e)?.status) === 'number';
}

/**
 * Why a cosignature made at `time` is not recent enough, or null.
 * @param {bigint} time
 * @param {bigint} maxAge
 * @param {bigint} now
 */
export function tooOld(time, maxAge, now) {
  if (time > now + MAX_CLOCK_SKEW_SECS) {
    return `is dated ${time - now} seconds in the future`;
  }
  const age = now > time ? now - time : 0n;
  return age > maxAge ? `is ${age} seconds old; at most ${maxAge} are accepted` : null;
}

/**
 * `text` with every byte outside the unreserved set percent-encoded, for a query value.
 * @param {string} text
 */
function queryValue(text) {
  return Array.from(new TextEncoder().encode(text), (b) => {
    const c = String.fromCharCode(b);
    return /[A-Za-z0-9\-._~]/.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }).join('');
}

/**
 * One person's view of the server's log for the time the page is open.
 */
export class LogSession {
  /**
   * @param {Api} api
   * @param {{load?: () => Book | null, save?: (book: Book) => void,
   *   expectLogKey?: string, requireWitness?: {key: string, maxAgeSecs: number},
   *   now?: () => number}} [options]
   */
  constructor(api, options = {}) {
    this.api = api;
    let kept = null;
    this.load = options.load ?? (() => kept);
    this.save = options.save ?? ((book) => { kept = book; });
    this.expectLogKey = options.expectLogKey ? parseLogKey(options.expectLogKey) : null;
    this.requireWitness = options.requireWitness ? {
      key: parseWitnessKey(options.requireWitness.key),
      maxAge: BigInt(options.requireWitness.maxAgeSecs),
    } : null;
    this.now = options.now ?? (() => Math.floor(Date.now() / 1000));
    /** @type {import('./checkpoint.js').NoteKey | null} */
    this.key = null;
    /** @type {Checkpoint | null} the checkpoint accepted last */
    this.accepted = null;
    /** @type {Set<string>} hex digests of statements proven against an accepted checkpoint */
    this.proven = new Set();
    this.newLogKey = null;
  }

  /**
   * Fetches the latest checkpoint and accepts it only when it is signed with the log key
   * pinned (pinned now, on first sight) and extends the one accepted before; then saves it.
   * @returns {Promise<Checkpoint>}
   */
  async checkLog() {
    const kept = this.load();
    const [key, source] = await this.logKey(kept);
    const answer = await this.api.get('/v1/log/checkpoint');
    let latest;
    try {
      latest = openNote(answer?.note, key).checkpoint;
    } catch (e) {
      throw source === 'expected' ? unexpectedKey(key.vkey) : e;
    }
    if (kept?.checkpoint) {
      await this.checkConsistent(this.openSaved(kept.checkpoint, key), latest);
    }
    if (this.requireWitness) {
      await this.checkWitness(key, latest);
    }
    this.record({ log_key: key.vkey, checkpoint: answer.note, size: Number(latest.size) });
    if (source === 'first-sight') {
      this.newLogKey = key.vkey;
    }
    this.key = key;
    this.accepted = latest;
    return latest;
  }

  /**
   * Saves `book` unless a larger checkpoint of the same log was saved meanwhile (by another
   * tab), which this one is consistent with or it would not have been accepted.
   * @param {Book} book
   */
  record(book) {
    const kept = this.load();
    if (kept && kept.log_key === book.log_key && kept.size > book.size) {
      return;
    }
    this.save(book);
  }

  /**
   * @param {string} note
   * @param {import('./checkpoint.js').NoteKey} key
   */
  openSaved(note, key) {
    try {
      return openCheckpoint(note, key).checkpoint;
    } catch {
      throw logMalformed('the checkpoint this browser saved no longer verifies with the pinned '
        + 'log key; clear this browser\'s saved log state only after asking your auditor');
    }
  }

  /**
   * The log key: pinned, else expected, else as the server names it (first sight).
   * @param {Book | null} kept
   * @returns {Promise<[import('./checkpoint.js').NoteKey, string]>}
   */
  async logKey(kept) {
    if (kept) {
      let pinned;
      try {
        pinned = parseLogKey(kept.log_key);
      } catch {
        throw logMalformed('the pinned log key does not parse');
      }
      if (this.expectLogKey && this.expectLogKey.vkey !== pinned.vkey) {
        throw unexpectedKey(this.expectLogKey.vkey);
      }
      return [pinned, 'pinned'];
    }
    if (this.expectLogKey) {
      return [this.expectLogKey, 'expected'];
    }
    const answer = await this.api.get('/v1/log/key');
    try {
      return [parseLogKey(answer?.vkey), 'first-sight'];
    } catch (e) {
      throw logMalformed(`the server's log key: ${e.message}`);
    }
  }

  /** The log key pinned on first sight since the last call, to compare once; or null. */
  takeNewLogKey() {
    const key = this.newLogKey;
    this.newLogKey = null;
    return key;
  }

  /**
   * Refuses `latest` unless it extends `saved`.
   * @param {Checkpoint} saved
   * @param {Checkpoint} latest
   */
  async checkConsistent(saved, latest) {
    if (latest.size < saved.size) {
      throw rollback(saved, latest);
    }
    if (latest.size === saved.size) {
      if (latest.root.every((b, i) => b === saved.root[i])) {
        return;
      }
      throw fork(saved, latest, 'same size, different root');
    }
    let proof;
    try {
      proof = await this.consistencyProof(saved.size, latest.size);
    } catch (e) {
      if (isHttpError(e)) {
        throw fork(saved, latest, `the server gave no consistency proof: ${e.message}`);
      }
      throw e;
    }
    try {
      verifyConsistency(saved.size, latest.size, saved.root, latest.root, proof);
    } catch (e) {
      throw fork(saved, latest, `the consistency proof does not verify: ${e.details.why}`);
    }
  }

  /**
   * @param {bigint} from
   * @param {bigint} to
   * @returns {Promise<Uint8Array[]>}
   */
  async consistencyProof(from, to) {
    const answer = await this.api.get(`/v1/log/proof/consistency?from=${from}&to=${to}`);
    if (!sameNumber(answer?.from, from) || !sameNumber(answer?.to, to)) {
      throw logMalformed('a consistency proof for other sizes');
    }
    return proofHashes(answer.proof);
  }

  /**
   * Refuses unless the required witness cosigned, recently enough, a checkpoint that
   * `latest` extends.
   * @param {import('./checkpoint.js').NoteKey} key
   * @param {Checkpoint} latest
   */
  async checkWitness(key, latest) {
    const required = /** @type {NonNullable<LogSession['requireWitness']>} */ (
      this.requireWitness);
    const refuse = (why) => witnessMissing(required.key.name, why);
    let answer;
    try {
      answer = await this.api.get(`/v1/log/checkpoint?witness=${queryValue(required.key.name)}`);
    } catch (e) {
      if (e?.status === 404) {
        throw refuse('it has cosigned no checkpoint of this log');
      }
      throw e;
    }
    const witnessed = openNote(answer?.note, key);
    const on = named(witnessed.checkpoint);
    const times = witnessed.cosignatures
      .filter((c) => cosignatureVerifies(c, witnessed.checkpoint, required.key))
      .map((c) => c.time);
    if (times.length === 0) {
      throw refuse(`checkpoint ${on} carries no valid cosignature by it`);
    }
    const time = times.reduce((a, b) => (a > b ? a : b));
    const why = tooOld(time, required.maxAge, BigInt(this.now()));
    if (why) {
      throw refuse(`its newest cosignature, on checkpoint ${on}, ${why}`);
    }
    try {
      await this.checkConsistent(witnessed.checkpoint, latest);
    } catch (e) {
      if (e?.code === 'log-fork' || e?.code === 'log-rollback') {
        throw refuse(`the checkpoint it cosigned and the latest do not agree: ${e.message}`);
      }
      throw e;
    }
  }
}

/**
 * Whether a number from the wire equals a BigInt size.
 * @param {unknown} value
 * @param {bigint} want
 */
export function sameNumber(value, want) {
  return (typeof value === 'number' && Number.isSafeInteger(value) && BigInt(value) === want)
    || value === want;
}

/**
 * The hashes of a proof as the API writes them (64 hex digits each).
 * @param {unknown} proof
 * @returns {Uint8Array[]}
 */
export function proofHashes(proof) {
  if (!Array.isArray(proof)) {
    throw logMalformed('a proof is not a list of hashes');
  }
  try {
    return proof.map((h) => parseDigest(h, 'a proof hash'));
  } catch {
    throw logMalformed('a proof hash is not 64 hex digits');
  }
}

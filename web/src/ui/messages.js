/**
 * @file What a practitioner reads when a document does not open. The core keeps the Rust
 * client's technical wording for its open checks (a vector test compares the two), which is
 * right for an auditor but terse for a practitioner; here each of those checks becomes a
 * sentence saying what happened and what to do, with the technical check kept at its end.
 */
import { OPEN_ERRORS } from '../core/seal.js';

/** The core's own prefix, which the sentence below already says in words. */
const PREFIX = 'integrity check failed: ';

/**
 * The practitioner's sentence for a failed open check of the core, or null when `error` is
 * not one (another failure keeps its own message).
 * @param {unknown} error
 * @returns {string|null}
 */
export function openProblem(error) {
  if (!error || error.name !== 'VaultError') return null;
  const technical = Object.hasOwn(OPEN_ERRORS, error.code) ? OPEN_ERRORS[error.code] : null;
  if (!technical || error.message !== technical) return null;
  const check = technical.startsWith(PREFIX) ? technical.slice(PREFIX.length) : technical;
  return `This document failed its integrity check and was not opened: ${check}. Tell your `
    + 'manager; the stored copy may have been tampered with.';
}

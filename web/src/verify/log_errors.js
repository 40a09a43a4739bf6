// The refusals of the log checks, worded as the command-line client words them
// (vault-client/src/log/mod.rs) so that a practitioner, a manager and an auditor read the same
// sentence from the browser as from `vaultctl`, less the command-line advice.

import { VerifyError } from './errors.js';
import { toBase64 } from './bytes.js';

/**
 * A checkpoint as the errors name it.
 * @param {{size: bigint, root: Uint8Array}} checkpoint
 */
export function named(checkpoint) {
  return `size ${checkpoint.size} root ${toBase64(checkpoint.root)}`;
}

/**
 * @param {{size: bigint, root: Uint8Array}} saved
 * @param {{size: bigint, root: Uint8Array}} shown
 */
export function rollback(saved, shown) {
  return new VerifyError(
    'log-rollback',
    `LOG ROLLBACK: the server shows checkpoint ${named(shown)}, older than checkpoint `
      + `${named(saved)} that this browser accepted before. Nothing was done and the saved `
      + 'checkpoint is kept; tell your auditor: the server is showing an earlier state of its '
      + 'log.',
    { saved: named(saved), shown: named(shown) },
  );
}

/**
 * @param {{size: bigint, root: Uint8Array}} saved
 * @param {{size: bigint, root: Uint8Array}} shown
 * @param {string} why
 */
export function fork(saved, shown, why) {
  return new VerifyError(
    'log-fork',
    `LOG FORK: checkpoint ${named(saved)}, which this browser accepted before, and checkpoint `
      + `${named(shown)}, which the server shows now, cannot both be true (${why}). Nothing was `
      + 'done and the saved checkpoint is kept; tell your auditor: the server may be showing '
      + 'different histories to different people.',
    { saved: named(saved), shown: named(shown), why },
  );
}

/** @param {string} pinned the log key text @param {string} why */
export function badSignature(pinned, why) {
  return new VerifyError(
    'log-signature',
    `The server's log checkpoint is not signed by the log key this browser pinned for it `
      + `(${pinned}): ${why}. Nothing was done; if the log key was really replaced, confirm the `
      + "new one with the platform's operator before trusting it.",
    { pinned, why },
  );
}

/** @param {string} expected */
export function unexpectedKey(expected) {
  return new VerifyError(
    'log-unexpected-key',
    `The server's log key is not the one this browser was told to expect (${expected}); `
      + 'nothing was pinned or done.',
    { expected },
  );
}

/** @param {string} what */
export function logMalformed(what) {
  return new VerifyError('log-malformed', `The server's log answer is malformed: ${what}.`, {
    what,
  });
}

/** @param {string} action @param {string} statement its kind @param {string} why */
export function actionNotLogged(action, statement, why) {
  return new VerifyError(
    'action-not-logged',
    `The ${action} happened on the server but is NOT ON THE LOG: its ${statement} statement `
      + `is not proven in the log (${why}). Tell your auditor: the server is keeping a change `
      + 'off its record.',
    { action, statement, why },
  );
}

/** @param {string} what whose key @param {string} why */
export function keyNotLogged(what, why) {
  return new VerifyError(
    'key-not-logged',
    `Refusing to wrap a key to ${what}: a statement certifying it is not proven in the log `
      + `(${why}). Nothing was sent; the server may be showing a key it made up.`,
    { what, why },
  );
}

/** @param {string} witness its name @param {string} why */
export function witnessMissing(witness, why) {
  return new VerifyError(
    'log-witness',
    `The log is not backed by the required witness ${witness}: ${why}. Nothing was done; ask `
      + 'the auditor running the witness to cosign the latest checkpoint.',
    { witness, why },
  );
}

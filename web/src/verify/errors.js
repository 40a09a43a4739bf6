// The one error type of the browser's trust checks.
// 
// Every refusal made before a key is used or a document is shown throws a `VerifyError`: a
// stable `.code` the page can branch on (and tests assert), a `.message` written for the
// practitioner or manager who reads it, and `.details` with the public values it names
// (fingerprints, checkpoint sizes), never a secret. Its `name` is `VaultError`, like the
// core part's errors, so one `catch` in the page handles both.

/**
 * A refused check.
 */
export class VerifyError extends Error {
  /**
   * @param {string} code stable machine name, e.g. 'pin-changed'
   * @param {string} message what happened and what to do, in plain words
   * @param {Record<string, unknown>} [details] public values named in the message
   */
  constructor(code, message, details = {}) {
    super(message);
    this.name = 'VaultError';
    this.code = code;
    this.details = details;
  }
}

/**
 * Throws a `VerifyError` unless `condition` holds.
 * @param {unknown} condition
 * @param {string} code
 * @param {string} message
 * @param {Record<string, unknown>} [details]
 * @returns {asserts condition}
 */
export function ensure(condition, code, message, details) {
  if (!condition) {
    throw new VerifyError(code, message, details);
  }
}

// The one error type of the browser vault core. Each error carries a stable `.code` that the
// page can branch on and a plain-language `.message` taken from the Rust client's wording, so a
// practitioner sees the same sentence in the browser as from vaultctl. No message ever holds a
// secret (identity, signing key, passphrase): callers pass only fixed sentences.

/** An error of the vault core: `code` is stable, `message` is for people. */
export class VaultError extends Error {
  /**
   * @param {string} code stable machine-readable name, such as 'wrong-passphrase'
   * @param {string} message plain-language sentence (never a secret)
   */
  constructor(code, message) {
    super(message);
    this.name = 'VaultError';
    this.code = code;
  }
}

/**
 * Makes a VaultError; a shorthand for the many throw sites.
 * @param {string} code
 * @param {string} message
 * @returns {VaultError}
 */
export function fail(code, message) {
  return new VaultError(code, message);
}

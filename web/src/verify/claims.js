// Signed statements as the trust checks use them: signature checked and canonical bytes
// decoded by the core part (web/src/core/statement.js), then read through the few accessors
// here, so that the checks name claim fields in one way and an error in a statement always
// becomes the same refusal.

import { verifySigned } from '../core/statement.js';
import { VerifyError } from './errors.js';
import { parseBase64 } from './bytes.js';

/**
 * Checks a signed statement's signature and canonical encoding; returns the statement.
 * Throws 'statement-invalid' (as `TrustError::Statement`).
 * @param {unknown} wire `{statement, signer, signature}` base64 strings
 * @returns {{issuedAt: bigint, claim: Record<string, any>}}
 */
export function verifyStatement(wire) {
  try {
    return verifySigned(wire);
  } catch (e) {
    throw new VerifyError(
      'statement-invalid',
      `A signed statement does not verify (${e?.message ?? e}).`,
      { why: String(e?.message ?? e) },
    );
  }
}

/**
 * The signer's 32-byte Ed25519 key of a wire statement.
 * @param {{signer: string}} wire
 * @returns {Uint8Array}
 */
export function signerOf(wire) {
  return parseBase64(wire?.signer, 'a statement signer', 32);
}


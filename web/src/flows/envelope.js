/**
 * @file Envelopes as vaultctl makes them (vault-client/src/org.rs `make_envelope`): a key
 * age-wrapped to one recipient, with the wrapper's signed `key-wrapped` statement naming the
 * key, the recipient and the SHA-256 of the wrapped bytes; and signing with the unlocked key.
 */
import { sha256 } from '@noble/hashes/sha2.js';

import * as b64 from '../core/b64.js';
import { fingerprintOfRecipient, formatFingerprint, wrapKey } from '../core/keys.js';
import { nowSeconds, signStatement } from '../core/statement.js';
import { session } from './state.js';

/** Scopes of a wrapped key, as the `key-wrapped` claim names them. */
export const scope = {
  org: (id) => ({ kind: 'org', id }),
  case: (id) => ({ kind: 'case', id }),
  document: (id) => ({ kind: 'document', id }),
};

/** Signs `claim` now with the person's own signing key (or `key` when given). */
export function sign(claim, key) {
  const signer = key || session().keystore.signing;
  return signStatement({ issuedAt: nowSeconds(), claim }, signer);
}

/**
 * Wraps `key` (an age identity with its recipient) to `to` and signs the statement as a member
 * of `org`: the wire `Envelope` of vault-core/src/api.rs.
 * @param {{identity: string, recipient: string}} key
 * @param {string} to the recipient's `age1…` text
 * @param {{kind: string, id: string}} keyScope
 * @param {string} org
 * @param {any} [signer] the signing key; the unlocked keystore's by default
 */
export async function makeEnvelope(key, to, keyScope, org, signer) {
  const wrapped = await wrapKey(key.identity, [to]);
  const keyFpr = fingerprintOfRecipient(key.recipient);
  const toFpr = fingerprintOfRecipient(to);
  const statement = sign({
    kind: 'key-wrapped',
    org,
    scope: keyScope,
    key: keyFpr,
    recipient: toFpr,
    envelopeSha256: sha256(wrapped),
  }, signer);
  return {
    key: formatFingerprint(keyFpr),
    recipient: formatFingerprint(toFpr),
    wrapped: b64.encode(wrapped),
    statement,
  };
}

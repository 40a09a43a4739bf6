/**
 * @file Unlocking: the locked keystore comes from the server (GET /v1/me/keystore), the
 * passphrase opens it in this browser (in a worker that is ended afterwards, see
 * unlock_worker.js), and the keys stay in this page's memory (see state.js). Also the
 * person's own member fingerprint, which they read out to the approving manager.
 */
import * as b64 from '../core/b64.js';
import { fail } from '../core/errors.js';
import { fingerprintOfMember, formatFingerprint, recipientOf } from '../core/keys.js';
import * as api from '../api.js';
import { session, setUnlocked } from './state.js';
import { unlockAside } from './unlock_worker.js';

/**
 * Unlocks the signed-in person's keystore with `passphrase`.
 * @returns {Promise<{keystore: any, me: any}>}
 */
export async function unlock(passphrase) {
  const me = await api.get('/v1/me');
  // The server answers `{"keystore": null}` rather than 404 when none is kept, so the page's
  // console shows no failed request for a member who keeps their keys with vaultctl only.
  const stored = await api.get('/v1/me/keystore');
  if (!stored || !stored.keystore) {
    throw fail('no-keystore', 'Your keys are not stored for the browser. Run `vaultctl keys '
      + 'upload` on the computer that holds them.');
  }
  let keystore;
  try {
    keystore = await unlockAside(b64.decode(stored.keystore), passphrase);
  } catch (error) {
    if (error.code === 'wrong-passphrase') {
      // As vaultctl says it: a damaged copy of the keys fails exactly as a wrong passphrase.
      throw fail('wrong-passphrase', 'That vault passphrase does not unlock your keys. Check it '
        + 'and try again; it is not your sign-in password. If you are sure of it, the copy of '
        + 'your keys kept on the server may be damaged: tell your manager.');
    }
    throw error;
  }
  if (keystore.userId !== me.user_id) {
    throw fail('keystore-mismatch', 'The keys stored for this account belong to '
      + 'another account. Do not use them; tell your manager.');
  }
  setUnlocked(keystore, me);
  return { keystore, me };
}

/** The unlocked person's member fingerprint (over both public keys), as text to read out. */
export async function ownFingerprint() {
  const { keystore } = session();
  const recipient = await recipientOf(keystore.identity);
  return formatFingerprint(fingerprintOfMember(recipient, keystore.signing.publicKey));
}

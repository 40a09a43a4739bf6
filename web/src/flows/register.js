/**
 * @file Registration in the browser, as `vaultctl init` then `vaultctl register` do it: keys
 * made here, the keystore locked with the vault passphrase (never sent), and one
 * POST /v1/register carrying the public keys, the locked keystore and the display name. With
 * an invitation code the person founds the organisation (vault-client/src/org.rs `founding`):
 * a root signing key kept in the keystore's org_root, organisation key version 1 published by
 * it, the founder certified as manager, and the organisation key wrapped to the founder.
 */
import * as b64 from '../core/b64.js';
import { fail } from '../core/errors.js';
import { newId } from '../core/ids.js';
import { generateIdentity, SigningKey } from '../core/keys.js';
import { lockKeystore } from '../core/keystore.js';
import * as api from '../api.js';
import { makeEnvelope, scope, sign } from './envelope.js';
import { recordFounding } from './trust.js';

/** The web form's words for a wrong invitation code (vault-server/src/web/register.rs). */
const INVITE_NOT_VALID = 'This invitation code is not valid for this organisation.';

/** Shortest vault passphrase accepted (the CLI asks for the same). */
export const MIN_PASSPHRASE = 12;

/**
 * The founding part of the request and the root key to keep.
 * @returns {Promise<{founding: object, root: any, orgKeyFpr: string}>}
 */
async function founding(org, userId, invite, identity, signing) {
  const root = SigningKey.generate();
  const orgKey = await generateIdentity();
  const orgKeyStatement = sign({ kind: 'org-key-published', org, version: 1,
    key: orgKey.recipient }, root);
  const certificate = sign({
    kind: 'member-certified',
    org,
    user: userId,
    role: 'manager',
    encryptionKey: identity.recipient,
    signingKey: signing.publicKey,
  }, root);
  const orgEnvelope = await makeEnvelope(orgKey, identity.recipient, scope.org(org), org,
    signing);
  return {
    founding: {
      invite_code: invite,
      root_signing_key: b64.encode(root.publicKey),
      org_key_statement: orgKeyStatement,
      certificate,
      org_envelope: orgEnvelope,
    },
    root,
    orgKeyFpr: orgEnvelope.key,
  };
}

/**
 * Registers a vault member.
 * @param {{org: string, email: string, password: string, passphrase: string,
 *   displayName: string, invite: string}} form
 * @param {(step: string) => void} say told what is happening, for the status line
 * @returns {Promise<{status: string, founded: boolean}>}
 */
export async function register(form, say) {
  if (form.passphrase.length < MIN_PASSPHRASE) {
    throw fail('passphrase', `The vault passphrase needs at least ${MIN_PASSPHRASE} `
      + 'characters.');
  }
  say('Making your keys on this device…');
  const userId = newId();
  const identity = await generateIdentity();
  const signing = SigningKey.generate();
  const invite = form.invite.trim();
  const made = invite
    ? await founding(form.org, userId, invite, identity, signing)
    : null;
  const record = {
    version: 1,
    user_id: userId,
    email: form.email,
    server: window.location.origin,
    org_id: form.org,
    identity: identity.identity,
    signing_pkcs8: b64.encode(signing.toPkcs8()),
    org_root_pkcs8: made ? b64.encode(made.root.toPkcs8()) : null,
  };
  say('Locking your keys with your vault passphrase (this takes a few seconds)…');
  const locked = await lockKeystore(record, form.passphrase);
  say('Registering…');
  const answer = await api.post('/v1/register', {
    user_id: userId,
    org_id: form.org,
    email: form.email,
    password: form.password,
    encryption_key: identity.recipient,
    signing_key: b64.encode(signing.publicKey),
    founding: made ? made.founding : null,
    keystore: b64.encode(locked),
    display_name: form.displayName,
  }).catch((error) => {
    // The API's own sentence is lower-case and terse; the page says it as the web form does.
    if (made && error && error.status === 403) throw fail('invite', INVITE_NOT_VALID);
    throw error;
  });
  if (made) recordFounding(userId, form.org, made.root.publicKey, made.orgKeyFpr);
  return { status: answer.status, founded: Boolean(made) };
}

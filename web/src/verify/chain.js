// The statements a key's trust rests on, so each can be proven to be in the log before
// anything is wrapped to that key (vault-client/src/log/chain.rs).
//
// An organisation's current key rests on every `org-key-published` statement and, for each
// signed by a manager, that manager's `member-certified` statement and those of the managers
// who certified them, up to the root. A member's keys rest on the same kind of certificate
// chain. The chain itself is verified by trust.js; this only collects its statements.

/**
 * @typedef {{statement: string, signer: string, signature: string}} WireStatement
 */

/**
 * Whether two wire statements are the same (base64 is decoded strictly everywhere, so equal
 * bytes are equal text).
 * @param {WireStatement} a
 * @param {WireStatement} b
 */
export function sameStatement(a, b) {
  return a.statement === b.statement && a.signer === b.signer && a.signature === b.signature;
}

/**
 * Every statement the organisation's current key rests on.
 * @param {any} dir the directory JSON
 * @returns {WireStatement[]}
 */
export function forOrgKey(dir) {
  const out = [];
  for (const statement of dir.org_key_statements) {
    out.push(statement);
    certificatesOf(dir, statement.signer, out);
  }
  return out;
}

/**
 * Every statement a member's keys rest on: their certificate and its signers' certificates.
 * @param {any} dir
 * @param {string} signingKey the member's signing key, base64 as in the directory
 * @returns {WireStatement[]}
 */
export function forMember(dir, signingKey) {
  const out = [];
  certificatesOf(dir, signingKey, out);
  return out;
}

/**
 * Appends the certificate of the member whose signing key is `signer`, then its signer's, up
 * to the root (which has none). Each member is visited once, so a cycle cannot loop.
 * @param {any} dir
 * @param {string} signer base64
 * @param {WireStatement[]} out
 */
function certificatesOf(dir, signer, out) {
  let current = signer;
  const visited = new Set();
  while (dir.org.root_signing_key !== current && !visited.has(current)) {
    visited.add(current);
    const certificate = dir.members.find((m) => m.signing_key === current)?.certificate;
    if (!certificate) {
      return;
    }
    if (!out.some((s) => sameStatement(s, certificate))) {
      out.push(certificate);
    }
    current = certificate.signer;
  }
}

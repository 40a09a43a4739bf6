// The browser's trust checks, in one place for the page's flows to import: the same
// decisions and refusals as the command-line client's (vault-core trust, merkle, checkpoint
// and leaf; vault-client verify, pins and log). Every refusal is a `VerifyError` (name
// 'VaultError') with a stable `.code` and a message for the person reading it.
//
// Typical use, once the person is signed in:
//   const log = new LogSession(api, { load, save });          // book kept per user id
//   const verifier = new Verifier({ api, orgId, userId, pins, savePins, log });
//   await log.checkLog();                                     // before anything else
//   const key = await verifier.loggedOrgKey(otherOrg);        // before wrapping to it
//   await verifier.checkDocument(doc);                        // before opening a document
//   await confirmOnLog(log, 'document seal', [statement]);    // after an action

export { VerifyError } from './errors.js';
export { TrustedOrg, verifyOrg } from './trust.js';
export {
  acceptMember, acceptOrg, checkAndRecord, emptyPins, pinnedRoot, readPins, recordFounding,
} from './pins.js';
export { LogSession, storedBook } from './log.js';
export {
  confirmOnLog, proveIncluded, requireLogged, statementDigest,
} from './inclusion.js';
export { forMember, forOrgKey } from './chain.js';
export { Verifier, notGenuine, verifyDirectory } from './verifier.js';
export {
  cosignatureVerifies, openCheckpoint, parseLogKey, parseWitnessKey,
} from './checkpoint.js';
export {
  leafHash, nodeHash, rootOfLeaves, verifyConsistency, verifyInclusion,
} from './merkle.js';
export { decodeLeaf } from './leaf.js';

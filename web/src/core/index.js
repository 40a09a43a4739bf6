// The core API in one import, for the bundle entry and the tests: encodings, ids, keys, the
// keystore, statements, age header checks and sealing, each from its own module.

export * as b64 from './b64.js';
export * as ids from './ids.js';
export * as keys from './keys.js';
export * as keystore from './keystore.js';
export * as statement from './statement.js';
export * as header from './header.js';
export * as seal from './seal.js';
export { VaultError } from './errors.js';

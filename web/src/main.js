// Entry point of the browser vault bundle (vault-server/static/vault.js).
// PLACEHOLDER made by the "core" part so the bundle pipeline has something to build: the "ui"
// part owns this file and replaces it with the real entry (wiring web/src/flows and web/src/ui);
// the core part does not edit it again.

import * as core from './core/index.js';

// Exposed for the page's own code only while the real entry is being written.
globalThis.caseVaultCore = core;

/**
 * @file Entry of the vault bundle (vault-server/static/vault.js): finds the hooks the page
 * has and wires them. Every controller does nothing on a page without its hooks, so the one
 * bundle serves every page of a vault member and the register page. Keys live only in this
 * page's memory (flows/state.js).
 */
import * as unlock from './ui/unlock.js';
import * as register from './ui/register.js';
import * as members from './ui/members.js';
import * as cases from './ui/cases.js';
import * as casePage from './ui/case.js';
import * as shared from './ui/shared.js';
import { inWorker } from './flows/bundle.js';
import { serve } from './flows/worker.js';

function start() {
  for (const part of [register, unlock, members, cases, casePage, shared]) part.start();
}

// The same bundle started as a worker (flows/worker.js) has no page.
if (inWorker()) {
  serve();
} else if (document.readyState === 'loading') {
  document.addEventListener('DOMContentLoaded', start, { once: true });
} else {
  start();
}

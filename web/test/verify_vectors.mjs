// Cross-language check of the browser's trust checks, run by the Rust test
// tests/tests/web_verify_vectors.rs as `node web/test/verify_vectors.mjs DIR`.
//
// DIR/clean.json holds a real organisation's answers as the server gave them (directories,
// log key and checkpoint, statements' leaves and inclusion proofs, a case with a sealed
// document, a witness's cosigned checkpoint) and who is looking and which witness they
// require (`meta`). The same checks a page makes before sealing to or
// opening from those organisations must all pass on it. Each DIR/tampered/NAME.json holds the
// same answers with one lie told by the server, and `expect`, the refusal code it must meet,
// starting from the pins and log state the clean run left (or, with `from_saved`, from the
// checkpoint the page had saved before, so that a consistency proof is asked for). The clean
// run starts from that saved checkpoint too (`meta.saved`). The outcome of every run is written
// to DIR/results.json, and the exit status is 0 only when every expectation held.
//
// Loaded without a directory (as `node --test test/` loads every file here), it does nothing.

import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { LogSession } from '../src/verify/log.js';
import { Verifier } from '../src/verify/verifier.js';
import { fingerprintOfRecipient } from '../src/core/keys.js';

/** The recorded answers as the page's API wrapper; anything not recorded is a 404. */
function recorded(answers) {
  return {
    get: async (path) => {
      if (!Object.hasOwn(answers, path)) {
        throw Object.assign(new Error(`The server answered 404 (${path}).`), { status: 404 });
      }
      return structuredClone(answers[path]);
    },
  };
}

/**
 * What a practitioner's page checks before working with its own and another organisation.
 * @param {{answers: Record<string, any>, meta: any}} vectors
 * @param {{pins: any, book: any}} state carried from an earlier run
 */
async function scenario(vectors, state) {
  const { answers, meta } = vectors;
  const api = recorded(answers);
  let book = structuredClone(state.book);
  const witness = meta.witness
    ? { key: meta.witness.vkey, maxAgeSecs: meta.witness.max_age_secs } : undefined;
  const log = new LogSession(api, {
    load: () => book, save: (b) => { book = b; }, requireWitness: witness,
  });
  const verifier = new Verifier({ api, orgId: meta.org, userId: meta.user, log,
    pins: structuredClone(state.pins) });
  await log.checkLog();
  const own = await verifier.loggedOrgKey(meta.org);
  await verifier.loggedMembers(meta.org);
  await verifier.loggedOrgKey(meta.other);
  await verifier.loggedMembers(meta.other);
  const detail = answers[`/v1/cases/${meta.case}`];
  await verifier.checkEnvelope(detail.envelope, { kind: 'case', id: meta.case },
    fingerprintOfRecipient(own), [meta.org]);
  for (const doc of detail.documents) {
    await verifier.checkDocument(doc);
  }
  return { pins: verifier.pins, book, documents: detail.documents.length };
}

async function main(dir) {
  const results = { clean: null, tampered: {} };
  let failed = false;
  const clean = JSON.parse(readFileSync(join(dir, 'clean.json'), 'utf8'));
  let state;
  try {
    state = await scenario(clean, { pins: null, book: clean.meta.saved ?? null });
    results.clean = 'accepted';
  } catch (e) {
    results.clean = `${e.code}: ${e.message}`;
    writeFileSync(join(dir, 'results.json'), JSON.stringify(results, null, 2));
    console.error(`the genuine answers were refused: ${e.code}: ${e.message}`);
    return 1;
  }
  if (state.documents === 0) {
    console.error('the vectors hold no document to check');
    failed = true;
  }
  for (const file of readdirSync(join(dir, 'tampered')).sort()) {
    const name = file.replace(/\.json$/, '');
    const lie = JSON.parse(readFileSync(join(dir, 'tampered', file), 'utf8'));
    let outcome;
    try {
      const start = lie.from_saved ? { ...state, book: clean.meta.saved } : state;
      await scenario({ answers: lie.answers, meta: clean.meta }, start);
      outcome = { code: 'accepted' };
    } catch (e) {
      outcome = { code: e.code ?? 'exception', message: e.message };
    }
    results.tampered[name] = outcome;
    if (outcome.code !== lie.expect) {
      console.error(`${name}: expected ${lie.expect}, got ${outcome.code} (${outcome.message})`);
      failed = true;
    }
  }
  writeFileSync(join(dir, 'results.json'), JSON.stringify(results, null, 2));
  return failed ? 1 : 0;
}

const dir = process.argv[2];
if (dir) {
  process.exitCode = await main(dir);
}

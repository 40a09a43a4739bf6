// The browser vault's memory proof (issue 6): a file of 200 MiB (VAULT_MEMORY_MIB to change
// it), made in the run's temporary directory, is sealed and uploaded in the browser (in parts,
// as it is sealed), then opened into a file chosen through the save-file picker (a stand-in
// answering a file of the origin's private file system, since a headless browser shows no
// picker), and compared piece by piece with the original. A byte flipped in the stored object
// is then refused, and the chosen file is gone. While each step runs, the memory of the
// browser's renderer processes and of its browser process (from /proc) and the page's JS heap
// (CDP Performance.getMetrics) are sampled, from a full garbage collection at the step's
// start. The page's memory is its renderer's own (anonymous, shared and swapped out: see
// rssOf in vault_helpers.js), which must stay under 300 MiB while sealing and opening; its
// resident total, which also counts about 120 MiB of Chromium's program mapped from disk, is
// printed beside it. The browser process must not grow by the file (under 100 MiB over its
// start). Unlocking is measured on its own and not held to those bounds: scrypt at the
// keystore's work factor 18 needs 256 MiB by design, as vaultctl does. The figures (MiB,
// seconds, MiB/s) are printed.
const fs = require('fs');
const path = require('path');
const { test, expect, admin, email, runId, signIn } = require('./helpers');
const h = require('./vault_helpers');
const p = require('./vault_pages');

test.describe.configure({ mode: 'serial' });

// The words a refused document shows (vault_proof.spec.js asserts them for a small one).
const TAMPERED = 'This document failed its integrity check and was not opened: the ciphertext was '
  + 'altered or truncated. Tell your manager; the stored copy may have been tampered with.';
// The file the stand-in save-file picker answers, in the origin's private file system.
const PICKED = 'opened-large-document';
// Pieces compared between the original and what the page saved.
const PIECE = 8 * 1024 * 1024;
// How much the browser process may grow over its start while a step runs: the file must
// pass through it in bounded pieces, never whole (a Blob of 200 MiB would be 200 MiB here).
const BROWSER_GROWTH_MIB = 100;

// VAULT_MEMORY_MIB=1024 tries a larger file (the issue's 1 GiB video); 200 MiB by default.
const MIB_SIZE = Number(process.env.VAULT_MEMORY_MIB || 200);
const SIZE = MIB_SIZE * h.MIB;
const LIMIT_MIB = 300;
// Sealing or opening hundreds of MiB in JavaScript against a debug server takes a while.
const LONG = 600_000;
test.setTimeout(LONG + 120_000);

const org = { name: 'Ashford Fostering Service' };
const manager = {
  name: 'Maya Lindqvist',
  email: email('maya.lindqvist', 'ashford'),
  password: `password of the Ashford manager, ${runId}`,
  passphrase: `vault passphrase of the Ashford manager, ${runId}`,
};
const big = {};
const stage = p.castFor(test);

// Runs `work` on `page` while sampling memory; prints and keeps the figures as big[what].
async function measured(browser, page, what, work) {
  const sampler = new h.MemorySampler(browser, page);
  await sampler.start();
  const started = process.hrtime.bigint();
  try {
    await work();
  } finally {
    big[what] = await sampler.stop();
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const figures = Object.assign(big[what], { seconds, mibPerSecond: SIZE / h.MIB / seconds });
  const f = (n) => n.toFixed(1);
  const rate = what === 'unlock' ? ''
    : ` ${SIZE / h.MIB} MiB in ${f(seconds)} s (${f(figures.mibPerSecond)} MiB/s)`;
  console.log(`memory proof, ${what}:${rate || ` ${f(seconds)} s`}; page (renderer's own) peak `
    + `${f(figures.ownMiB)} MiB from ${f(figures.ownBeforeMiB)} MiB; renderer peak RSS `
    + `${f(figures.rendererMiB)} MiB from ${f(figures.beforeMiB)} MiB `
    + `(anonymous ${f(figures.anonMiB)}, shared `
    + `${f(figures.shmemMiB)}, files ${f(figures.fileMiB)}; largest of ${figures.renderers} `
    + `renderer processes, ${figures.samples} samples); JS heap peak `
    + `${f(figures.heapUsedMiB)} MiB used, ${f(figures.heapTotalMiB)} MiB total; browser `
    + `process peak RSS ${f(figures.browserMiB)} MiB from ${f(figures.browserBeforeMiB)} MiB; `
    + `all of the browser's processes together at most ${f(figures.allMiB)} MiB`);
}

test('an organisation is founded in the browser and a case opened', async () => {
  const page = await stage.cast.open('admin');
  await signIn(page, admin.email, admin.password);
  Object.assign(org, await p.createOrg(page, org.name));
  big.dir = h.freshDir('memory');
  // The manager's browser keeps its profile on disk, as a person's does, so that the file
  // saved through the picker's stand-in is written to disk, not kept in memory.
  const own = await stage.cast.openOnDisk('manager', path.join(big.dir, 'profile'),
    test.info().project.use);
  await p.registerVault(own, org, manager, { invite: org.invite });
  await signIn(own, manager.email, manager.password);
  big.caseId = await p.newCase(own, `AF-${runId}-01`, manager.passphrase);
  big.file = path.join(big.dir, 'contact-visit-recording.bin');
  big.sha256 = h.writeRandomFile(big.file, SIZE);
});

test(`a ${MIB_SIZE} MiB file seals and uploads in the browser`, async () => {
  const page = stage.cast.manager;
  const browser = page.context().browser();
  await page.goto(`/cases/${big.caseId}`);
  // Measured on its own: scrypt at the keystore's work factor 18 needs 256 MiB by design.
  await measured(browser, page, 'unlock', () => p.unlock(page, manager.passphrase));
  await measured(browser, page, 'seal', () => p.sealOne(page, big.file, { timeout: LONG }));
  const stored = h.sqlOne('SELECT ciphertext_size FROM documents d JOIN cases c '
    + 'ON c.id = d.case_id WHERE c.id = ?', [big.caseId]);
  expect(stored).toBeGreaterThan(SIZE);
});

test(`the ${MIB_SIZE} MiB file opens in the browser into the chosen file, byte-identical`,
  async () => {
    const page = stage.cast.manager;
    const browser = page.context().browser();
    await p.visit(page, `/cases/${big.caseId}`, manager.passphrase);
    const ids = await p.namesOnPage(page);
    big.id = ids.get(path.basename(big.file));
    await p.pickInto(page, PICKED);
    let suggested;
    await measured(browser, page, 'open', async () => {
      suggested = await p.openIntoPicked(page, big.id, { timeout: LONG });
    });
    expect(suggested).toBe(path.basename(big.file));
    const saved = await p.pickedDigests(page, PICKED, PIECE);
    expect(saved).toEqual(h.pieceDigests(big.file, PIECE));
  });

test(`a tampered ${MIB_SIZE} MiB document is refused and leaves no file behind`, async () => {
  const page = stage.cast.manager;
  await page.evaluate(async (file) => {
    await (await navigator.storage.getDirectory()).removeEntry(file);
  }, PICKED);
  const restore = h.flipObjectByte(big.id, Math.floor(SIZE / 2));
  try {
    expect(await p.openRefused(page, big.id, { timeout: LONG })).toBe(TAMPERED);
  } finally {
    restore();
  }
  // The picker made the file; the refusal removed it, with nothing of the document written.
  expect(await p.pickedDigests(page, PICKED, PIECE)).toBeNull();
  fs.rmSync(big.file, { force: true });
});

// Asserted last, so every figure is measured and printed even when one is over.
test('the page stayed under 300 MiB and the file never sat whole in the browser process',
  () => {
    for (const what of ['seal', 'open']) {
      expect(big[what].ownMiB, `the page's own memory while ${what}ing`)
        .toBeLessThan(LIMIT_MIB);
      expect(big[what].heapTotalMiB, `JS heap while ${what}ing`).toBeLessThan(LIMIT_MIB);
      const growth = big[what].browserMiB - big[what].browserBeforeMiB;
      expect(growth, `browser process growth while ${what}ing`)
        .toBeLessThan(BROWSER_GROWTH_MIB);
    }
  });

// The browser vault's memory proof (issue 6): a file of 200 MiB (VAULT_MEMORY_MIB to change
// it), made in the run's temporary directory, is sealed and uploaded in the browser, then
// opened and saved, byte-identical. While each step runs, the resident memory of the
// browser's renderer processes (from /proc) and the page's JS heap (CDP Performance.getMetrics)
// are sampled, from a full garbage collection at the step's start; each peak must stay under
// 300 MiB. Unlocking is measured on its own and not held to that bound: scrypt at the
// keystore's work factor 18 needs 256 MiB by design, as vaultctl does. The figures (MiB,
// seconds, MiB/s, and the browser process's peak for the record) are printed for the lead.
const fs = require('fs');
const path = require('path');
const { test, expect, admin, email, runId, signIn } = require('./helpers');
const h = require('./vault_helpers');
const p = require('./vault_pages');

test.describe.configure({ mode: 'serial' });

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
  console.log(`memory proof, ${what}:${rate || ` ${f(seconds)} s`}; renderer peak RSS `
    + `${f(figures.rendererMiB)} MiB from ${f(figures.beforeMiB)} MiB (anonymous ${f(figures.anonMiB)}, shared `
    + `${f(figures.shmemMiB)}, files ${f(figures.fileMiB)}; largest of ${figures.renderers} `
    + `renderer processes, ${figures.samples} samples); JS heap peak `
    + `${f(figures.heapUsedMiB)} MiB used, ${f(figures.heapTotalMiB)} MiB total; browser `
    + `process peak RSS ${f(figures.browserMiB)} MiB`);
}

test('an organisation is founded in the browser and a case opened', async () => {
  const page = await stage.cast.open('admin');
  await signIn(page, admin.email, admin.password);
  Object.assign(org, await p.createOrg(page, org.name));
  const own = await stage.cast.open('manager');
  await p.registerVault(own, org, manager, { invite: org.invite });
  await signIn(own, manager.email, manager.password);
  big.caseId = await p.newCase(own, `AF-${runId}-01`, manager.passphrase);
  big.dir = h.freshDir('memory');
  big.file = path.join(big.dir, 'contact-visit-recording.bin');
  big.sha256 = h.writeRandomFile(big.file, SIZE);
});

test(`a ${MIB_SIZE} MiB file seals and uploads in the browser`, async ({ browser }) => {
  const page = stage.cast.manager;
  await page.goto(`/cases/${big.caseId}`);
  // Measured on its own: scrypt at the keystore's work factor 18 needs 256 MiB by design.
  await measured(browser, page, 'unlock', () => p.unlock(page, manager.passphrase));
  await measured(browser, page, 'seal', () => p.sealOne(page, big.file, { timeout: LONG }));
  const stored = h.sqlOne('SELECT ciphertext_size FROM documents d JOIN cases c '
    + 'ON c.id = d.case_id WHERE c.id = ?', [big.caseId]);
  expect(stored).toBeGreaterThan(SIZE);
});

test(`the ${MIB_SIZE} MiB file opens in the browser byte-identical`,
  async ({ browser }) => {
    const page = stage.cast.manager;
    await p.visit(page, `/cases/${big.caseId}`, manager.passphrase);
    const ids = await p.namesOnPage(page);
    const id = ids.get(path.basename(big.file));
    const out = h.freshDir('memory', 'opened');
    let opened;
    await measured(browser, page, 'open', async () => {
      opened = await p.openInBrowser(page, id, out, { timeout: LONG });
    });
    expect(fs.statSync(opened.file).size).toBe(SIZE);
    expect(h.sha256File(opened.file)).toBe(big.sha256);
    fs.rmSync(big.dir, { recursive: true, force: true });
  });

// Asserted last, so both figures are measured and printed even when one is over.
test('the page stayed under 300 MiB while sealing and while opening', () => {
  for (const what of ['seal', 'open']) {
    expect(big[what].rendererMiB, `renderer peak RSS while ${what}ing`).toBeLessThan(LIMIT_MIB);
    expect(big[what].heapTotalMiB, `JS heap while ${what}ing`).toBeLessThan(LIMIT_MIB);
  }
});

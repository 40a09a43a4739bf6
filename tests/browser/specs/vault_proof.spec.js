// Proofs of the browser vault (issue 6) in Debian's Chromium against the server run.sh
// started: two organisations founded in the browser; a vaultctl member approved in the
// browser after comparing fingerprints; every shared sample sealed in the browser and opened
// byte for byte both in the browser and with vaultctl, and the reverse; the server's storage
// scanned for anything readable; a tampered ciphertext, a swapped envelope and a substituted
// organisation key each refused on the page with a message a practitioner understands; and
// the case transferred between the two organisations' browser sessions, after which the
// receiver opens every document and the sender no longer can. Steps depend on each other.
const fs = require('fs');
const path = require('path');
const {
  test, expect, admin, email, runId, signIn, shot,
} = require('./helpers');
const { vaultctl } = require('./vault');
const h = require('./vault_helpers');
const p = require('./vault_pages');

test.describe.configure({ mode: 'serial' });
// Sealing and opening seven files with scrypt unlocks on the way takes minutes, not seconds.
test.setTimeout(300_000);

const west = { name: 'Westmere Council' };
const east = { name: 'Eastbrook Adoption Agency' };
const person = (who, org, name) => ({
  name,
  email: email(who, org),
  password: `password of ${who}, ${runId}`,
  passphrase: `vault passphrase of ${who}, ${runId}`,
});
const westManager = person('west.manager', 'westmere', 'Wren Adeyemi');
const eastManager = person('east.manager', 'eastbrook', 'Elliot Marsh');
// The vaultctl member of Westmere: keys on their own computer, never in a browser.
const cli = { who: 'west-practitioner', email: email('west.practitioner', 'westmere') };
const SAMPLES = h.samples();
// What a practitioner reads on the page when the vault refuses (asserted exactly).
const TAMPERED = 'This document failed its integrity check and was not opened: the ciphertext was '
  + 'altered or truncated. Tell your manager; the stored copy may have been tampered with.';
const SWAPPED = 'A wrapped key does not match its signed statement (signed for another object). '
  + 'Nothing was opened.';
const SUBSTITUTED = 'The organisation\'s key history does not verify: the server may be showing a '
  + 'key the organisation never published. Nothing was sent; tell your manager.';
// What the sending organisation's page, still open, says once the case has moved.
const GONE = 'This document is no longer in your organisation’s cases (the case may have been '
  + 'transferred to another organisation). Nothing was opened.';
// What vaultctl says to Westmere's practitioner once the case has moved.
const CLI_GONE = 'server refused the request (404, not_found): not found (it does not exist, or '
  + 'your organisation cannot reach it: never shared with you, transferred away, or your '
  + 'membership was removed)';
const world = {};

const stage = p.castFor(test);

// Every document of the page's case opened in the browser into `dir`, compared with the
// samples; answers the names the page offered for saving.
async function openAllInBrowser(page, ids, dir) {
  const offered = [];
  for (const sample of SAMPLES) {
    const { file, suggested } = await p.openInBrowser(page, ids.get(sample.name), dir);
    expect(h.sameBytes(file, sample), `${sample.name} opened in the browser`).toBe('identical');
    offered.push(suggested);
  }
  return offered;
}

// Takes the browser's report of one 404 the test provoked off the list helpers.js checks.
function expected404(where) {
  const at = stage.cast.seen.errors.findIndex((e) => e.text.includes('status of 404')
    && (e.url || '').endsWith(where));
  expect(at, `the browser reported the 404 of ${where}`).toBeGreaterThanOrEqual(0);
  stage.cast.seen.errors.splice(at, 1);
}

// vaultctl's view of a case: document id by sealed file name.
function cliDocuments(who, caseId) {
  const listed = JSON.parse(vaultctl(who, ['doc', 'list', caseId, '--json']));
  return new Map(listed.map((d) => [d.file_name, d.document_id]));
}

// vaultctl opens each document of `ids` into `dir`; each must equal its sample.
function openAllWithCli(who, ids, dir) {
  for (const sample of SAMPLES) {
    vaultctl(who, ['doc', 'open', ids.get(sample.name), '--out-dir', dir]);
    expect(h.sameBytes(path.join(dir, sample.name), sample), `${sample.name} opened by vaultctl`)
      .toBe('identical');
  }
}

test('two organisations are founded in the browser with their invitation codes', async () => {
  const page = await stage.cast.open('admin');
  await signIn(page, admin.email, admin.password);
  Object.assign(west, await p.createOrg(page, west.name));
  Object.assign(east, await p.createOrg(page, east.name));
  for (const [org, who, name] of [[west, westManager, 'west'], [east, eastManager, 'east']]) {
    const manager = await stage.cast.open(name);
    await p.registerVault(manager, org, who, { invite: org.invite });
    await signIn(manager, who.email, who.password);
    await p.visit(manager, '/dashboard', who.passphrase);
  }
  // Founding published each organisation's keys: the directory the server keeps has them.
  for (const org of [west, east]) {
    expect(h.sqlOne('SELECT org_key_version FROM orgs WHERE id = ?', [org.id])).toBe(1);
  }
});

test('a vaultctl member registers and the manager approves them in the browser after '
  + 'comparing fingerprints', async () => {
  vaultctl(cli.who, ['init', '--email', cli.email]);
  const printed = JSON.parse(vaultctl(cli.who, ['keys', 'fingerprint', '--json'])).member;
  vaultctl(cli.who, ['register', '--org', west.id]);

  const page = stage.cast.west;
  await p.visit(page, '/members', westManager.passphrase);
  const row = page.locator(`tr[data-vault-member][data-email="${cli.email}"]`);
  await expect(row.locator('[data-vault-action="approve"]')).toBeVisible(p.SLOW);
  // No fingerprint on the page to copy: the manager types the one vaultctl printed, and the
  // browser compares it with its own computation over the published keys.
  await expect(page.locator('main')).not.toContainText(printed);
  await row.getByLabel(/^Fingerprint .+ reads out to you$/).fill(printed);
  await row.locator('[data-vault-role]').selectOption('practitioner');
  await row.locator('[data-vault-action="approve"]').click();
  await expect(page.locator('[data-vault-approved] [data-vault-status]'))
    .toHaveText(/^Approved: .+ can now seal and open documents\.$/, p.SLOW);
  await expect(row).toHaveCount(0);
  vaultctl(cli.who, ['login']);
  expect(JSON.parse(vaultctl(cli.who, ['whoami', '--json'])).role).toBe('practitioner');
});

test('every sample is sealed in the browser and its name opened on the case page',
  async () => {
    const page = stage.cast.west;
    world.caseId = await p.newCase(page, `WC-${runId}-01`, westManager.passphrase);
    await p.unlock(page, westManager.passphrase);
    for (const sample of SAMPLES) await p.sealOne(page, sample.path);
    world.ids = await p.namesOnPage(page);
    expect([...world.ids.keys()].sort()).toEqual(SAMPLES.map((s) => s.name).sort());
    // For the README: the page as a manager finds it, names opened and its forms shown.
    await p.visit(page, `/cases/${world.caseId}`, westManager.passphrase);
    expect(await p.namesOnPage(page)).toEqual(world.ids);
    await shot(page, 'case-page');
  });

// The scan of the server's data directory; `when` names the moment in the printed line.
function scanStorage(when) {
  const { files, findings } = h.scanDataDir(h.SERVER_DATA, SAMPLES);
  console.log(`storage scan ${when}: ${files} files below the server's data directory, `
    + `${findings.length} findings`);
  return { files, findings };
}

test("the server's storage holds none of the samples' bytes, names or digests", async () => {
  const { files, findings } = scanStorage('after browser sealing');
  // The scan read the database and every object, not an empty directory.
  expect(h.filesBelow(h.OBJECTS).length).toBeGreaterThanOrEqual(SAMPLES.length);
  expect(files).toBeGreaterThan(SAMPLES.length);
  expect(findings).toEqual([]);
});

test('each browser-sealed document opens byte-identical in the browser and with vaultctl',
  async () => {
    const offered = await openAllInBrowser(stage.cast.west, world.ids,
      h.freshDir('opened', 'west-browser'));
    // The page offers each file under its own name, awkward characters and all.
    expect(offered).toEqual(SAMPLES.map((s) => s.name));
    const listed = cliDocuments(cli.who, world.caseId);
    expect(listed).toEqual(world.ids);
    openAllWithCli(cli.who, listed, h.freshDir('opened', 'west-cli'));
  });

test('every sample sealed with vaultctl opens byte-identical in the browser', async () => {
  const caseId = JSON.parse(vaultctl(cli.who,
    ['case', 'create', `WC-${runId}-02`, '--json'])).case_id;
  vaultctl(cli.who, ['doc', 'seal', caseId, ...SAMPLES.map((s) => s.path)]);
  const page = stage.cast.west;
  await p.visit(page, `/cases/${caseId}`, westManager.passphrase);
  const ids = await p.namesOnPage(page);
  expect(ids).toEqual(cliDocuments(cli.who, caseId));
  await openAllInBrowser(page, ids, h.freshDir('opened', 'west-from-cli'));
});

test('a tampered ciphertext is refused in the browser with a clear message', async () => {
  const page = stage.cast.west;
  await p.visit(page, `/cases/${world.caseId}`, westManager.passphrase);
  await p.namesOnPage(page);
  const photo = SAMPLES.find((s) => s.name.endsWith('.jpg'));
  const id = world.ids.get(photo.name);
  // A byte in the middle of the stored age file, as an operator with the disk could flip it.
  const restore = h.flipObjectByte(id, Math.floor(fs.statSync(h.objectFile(id)).size / 2));
  try {
    expect(await p.openRefused(page, id)).toBe(TAMPERED);
  } finally {
    restore();
  }
  const { file } = await p.openInBrowser(page, id, h.freshDir('opened', 'after-tamper'));
  expect(h.sameBytes(file, photo)).toBe('identical');
});

test('a swapped envelope is refused in the browser with a clear message', async () => {
  const page = stage.cast.west;
  const [a, b] = SAMPLES.filter((s) => s.name.endsWith('.pdf')).slice(0, 2)
    .map((s) => world.ids.get(s.name));
  // Each document's key envelope now sits on the other: both still open with the case key,
  // but the key inside is not the one the document's signed statement names.
  const restore = h.swapColumn('documents', 'envelope', a, b);
  try {
    await p.visit(page, `/cases/${world.caseId}`, westManager.passphrase);
    for (const id of [a, b]) {
      const name = page.locator(`tr[data-document-id="${id}"]`).getByRole('cell').first();
      await expect(name).toHaveText(SWAPPED, p.SLOW);
      expect(await p.openRefused(page, id)).toBe(SWAPPED);
    }
  } finally {
    restore();
  }
  await p.visit(page, `/cases/${world.caseId}`, westManager.passphrase);
  expect(await p.namesOnPage(page)).toEqual(world.ids);
});

// Replaces `org`'s published key (orgs.org_key, which the directory serves) with one only the
// operator holds the secret of, runs `work`, and puts the genuine key back.
async function withPlantedKey(org, work) {
  const original = h.sqlOne('SELECT org_key FROM orgs WHERE id = ?', [org.id]);
  h.sql('UPDATE orgs SET org_key = ? WHERE id = ?', [h.plantedRecipient(), org.id]);
  try {
    await work();
  } finally {
    h.sql('UPDATE orgs SET org_key = ? WHERE id = ?', [original, org.id]);
  }
}

test('a substituted organisation key is refused before a key is wrapped to it', async () => {
  const page = stage.cast.west;
  const count = (table) => h.sqlOne(`SELECT count(*) FROM ${table}`);
  // The receiving organisation's key: offering the case would wrap the case key to it.
  await withPlantedKey(east, async () => {
    await p.visit(page, `/cases/${world.caseId}`, westManager.passphrase);
    const offer = page.locator('form[data-vault="transfer"]');
    await offer.getByLabel('Receiving organisation').selectOption(east.id);
    const before = count('transfers');
    await offer.getByRole('button', { name: 'Offer the case' }).click();
    await expect(offer.locator('[data-vault-error]')).toHaveText(SUBSTITUTED, p.SLOW);
    expect(count('transfers')).toBe(before);
  });
  // Its own key: a new case's key would be wrapped to it.
  await withPlantedKey(west, async () => {
    await p.visit(page, '/cases', westManager.passphrase);
    const form = page.locator('form[data-vault="new-case"]');
    await form.getByLabel('Case reference').fill(`WC-${runId}-03`);
    const before = count('cases');
    await form.getByRole('button', { name: 'Open the case' }).click();
    await expect(form.locator('[data-vault-error]')).toHaveText(SUBSTITUTED, p.SLOW);
    expect(count('cases')).toBe(before);
  });
});

test('the case moves to the other organisation: it opens every document, the sender cannot',
  async () => {
    const sender = stage.cast.west;
    await p.visit(sender, `/cases/${world.caseId}`, westManager.passphrase);
    await p.namesOnPage(sender);
    const offer = sender.locator('form[data-vault="transfer"]');
    await offer.getByLabel('Receiving organisation').selectOption(east.id);
    await offer.getByRole('button', { name: 'Offer the case' }).click();
    // The first key wrapped to Eastbrook: the page names its root key to compare by voice.
    await expect(offer.locator('[data-vault-status]')).toHaveText(
      'Offered: the receiving organisation’s manager can now accept the case. This browser met '
      + `${east.name} for the first time: compare its key fingerprint `
      + `${h.rootFingerprint(east.id)} once with that organisation, by phone or in person.`,
      p.SLOW);

    const page = stage.cast.east;
    await p.visit(page, '/cases', eastManager.passphrase);
    const offered = page.locator(`li[data-transfer-id]`).filter({ hasText: west.name });
    await offered.getByRole('button', { name: `Accept the case from ${west.name}` }).click();
    // Eastbrook's browser meets Westmere's root key here first: it names it to compare.
    await expect(offered.locator('[data-vault-status]')).toHaveText('Accepted: the case is now '
      + `your organisation’s. This browser met ${west.name} for the first time: compare its key `
      + `fingerprint ${h.rootFingerprint(west.id)} once with that organisation, by phone or in `
      + 'person.', p.SLOW);
    expect(h.sqlOne('SELECT org_id FROM cases WHERE id = ?', [world.caseId])).toBe(east.id);
    await offered.getByRole('link', { name: 'Go to the case' }).click();
    await expect(page).toHaveURL(`/cases/${world.caseId}`);
    await p.unlock(page, eastManager.passphrase);
    expect(await p.namesOnPage(page)).toEqual(world.ids);
    await openAllInBrowser(page, world.ids, h.freshDir('opened', 'east-browser'));

    // Westmere's page, still open with its keys unlocked, is refused now.
    const id = world.ids.get(SAMPLES[0].name);
    expect(await p.openRefused(sender, id)).toBe(GONE);
    // The refused request is the point here, not a fault of the page.
    expected404(`/v1/documents/${id}`);
    expect((await sender.goto(`/cases/${world.caseId}`)).status()).toBe(404);
    for (const sample of SAMPLES) {
      expect(() => vaultctl(cli.who, ['doc', 'open', world.ids.get(sample.name), '--out-dir',
        h.freshDir('opened', 'west-after')])).toThrow(CLI_GONE);
    }
  });

test('after the transfer and the tampering undone, the storage still holds nothing readable',
  () => {
    expect(scanStorage('at the end').findings).toEqual([]);
  });

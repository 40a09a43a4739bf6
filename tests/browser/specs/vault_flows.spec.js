// The vault in the browser, as people would use it: an organisation's first manager registers
// with the invitation code and the organisation's keys are made in their browser; a
// practitioner registers with keys of their own; the manager approves them after comparing
// the fingerprint the practitioner reads out; the practitioner opens a case, seals two sample
// files, reloads (which forgets the keys), unlocks again, sees the names opened in the page
// and opens one, whose bytes are the sample's; then shares one with another organisation and the
// manager offers the case to it, whose manager accepts and opens a document there. Before the
// transfer, the other organisation opens the shared document from "Shared with us" and the
// practitioner revokes the share, after which it is gone with a message saying so. A member
// registered with vaultctl who never uploaded their keystore is told so when unlocking. Along
// the way: the register page puts passphrase mistakes next to the field; the members page shows
// no fingerprint to copy and moves the approved member out of "Waiting for approval"; a server
// showing an older log (a rollback) gets no name opened and no file offered; first-seen root
// keys are named by their organisation; a name with a right-to-left override is shown with the
// hidden character made visible. No step may leave an error in the console.
const fs = require('fs');
const path = require('path');
const {
  test, expect, Cast, checkSeen, expectRefusal, admin, email, signIn,
} = require('./helpers');
const { vaultctl } = require('./vault');
const { rootFingerprint, sql, sqlOne } = require('./vault_helpers');

test.describe.configure({ mode: 'serial' });

const SAMPLES = process.env.VAULT_SAMPLES
  || path.resolve(__dirname, '../../../../shared/samples');
const FILES = ['Médical report – Zoë (2).pdf', 'life-story-notes-SAMPLE.txt'];
const PASSWORD = 'correct horse battery staple';
const org = { name: 'Eastmere Fostering Service', caseRef: 'EF-2026-0007' };
const other = { name: 'Westbury Adoption Agency' };
const people = {
  manager: { name: 'Ruth Adeyemi', email: email('ruth.adeyemi', 'eastmere'),
    passphrase: 'vault passphrase of the Eastmere manager' },
  worker: { name: 'Owen Price', email: email('owen.price', 'eastmere'),
    passphrase: 'vault passphrase of the Eastmere practitioner' },
  receiver: { name: 'Grace Mensah', email: email('grace.mensah', 'westbury'),
    passphrase: 'vault passphrase of the Westbury manager' },
};

let cast;

test.beforeAll(async ({ browser }) => {
  cast = new Cast(browser);
});

test.afterEach(() => checkSeen(cast.seen));

test.afterAll(async () => {
  await cast.close();
});

// Registers as a practitioner or manager with vault keys made in this browser.
async function register(page, who, invite, joining = org) {
  await page.goto('/register');
  await page.getByLabel('Organisation', { exact: true }).selectOption({ label: joining.name });
  await page.getByRole('radio', { name: 'a practitioner or manager of the organisation' }).check();
  await page.getByLabel('Your name').fill(who.name);
  await page.getByLabel('E-mail address').fill(who.email);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByLabel('Password again').fill(PASSWORD);
  await page.locator('#vault-passphrase').fill(who.passphrase);
  await page.locator('#vault-passphrase-confirm').fill(who.passphrase);
  if (invite) await page.getByLabel('Invitation code (first manager only)').fill(invite);
  await page.getByRole('button', { name: 'Register' }).click();
  await expect(page).not.toHaveURL(/\/register$/, { timeout: 30_000 });
}

// Types the vault passphrase into the lock panel and waits until the keys are unlocked.
async function unlock(page, who) {
  const panel = page.locator('#vault-lock');
  await expect(panel).toBeVisible();
  await panel.getByLabel('Vault passphrase').fill(who.passphrase);
  await panel.getByRole('button', { name: 'Unlock' }).click();
  await expect(page.locator('#vault-status')).toContainText('unlocked in this page',
    { timeout: 30_000 });
}

// Opens the document named `name` from its row on `page` and checks that the download keeps
// its name and is byte-identical to the sample; `savedAs` names the copy in the test's output.
async function opensIntact(page, name, savedAs) {
  const row = page.locator('tr[data-document-id]').filter({ hasText: name });
  await expect(row).toHaveCount(1, { timeout: 30_000 });
  const [download] = await Promise.all([
    page.waitForEvent('download', { timeout: 30_000 }),
    row.getByRole('button', { name: /Open/ }).click(),
  ]);
  expect(download.suggestedFilename()).toBe(name);
  const saved = path.join(test.info().outputDir, savedAs);
  await download.saveAs(saved);
  expect(fs.readFileSync(saved).equals(fs.readFileSync(path.join(SAMPLES, name)))).toBe(true);
}

// The first part of any upload in parts, which the refusal tests answer in the server's
// stead.
const FIRST_PART = /\/v1\/uploads\/[0-9a-f-]+\/parts\/0$/;

// The receiver's case page unlocked again (the test before reloaded it), with its documents'
// rows and how many there are before the test seals anything.
async function unlockedAgain(page) {
  await unlock(page, people.receiver);
  const rows = page.locator('tr[data-document-id]');
  return { rows, before: await rows.count() };
}

// Seals small text files named `names` (each holding its own name) from the case page on
// `page` in one go; answers the seal form's alert line.
async function sealTexts(page, names) {
  const seal = page.locator('form[data-vault="seal"]');
  await seal.getByLabel('Files').setInputFiles(names.map((name) => ({
    name, mimeType: 'text/plain', buffer: Buffer.from(`${name}\n`),
  })));
  await seal.getByRole('button', { name: 'Seal and upload' }).click();
  return seal.locator('[data-vault-error]');
}

test('the platform admin makes two organisations', async () => {
  const page = await cast.open('admin');
  await signIn(page, admin.email, admin.password);
  for (const made of [org, other]) {
    await page.goto('/admin/orgs');
    await page.getByRole('link', { name: 'New organisation' }).click();
    await page.getByLabel('Name').fill(made.name);
    await page.getByRole('button', { name: 'Create organisation' }).click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(`${made.name} is ready`);
    made.invite = (await page.locator('#invite-code').innerText()).trim();
    made.id = (await page.getByRole('link', { name: `Go to ${made.name}` }).getAttribute('href'))
      .split('/').pop();
  }
});

test('the register page says what is wrong with the vault passphrase next to it', async () => {
  const page = await cast.open('newcomer');
  await page.goto('/register');
  await page.getByLabel('Organisation', { exact: true }).selectOption({ label: org.name });
  await page.getByRole('radio', { name: 'a practitioner or manager of the organisation' }).check();
  await page.getByLabel('Your name').fill('Sam Newcomer');
  await page.getByLabel('E-mail address').fill(email('sam.newcomer', 'eastmere'));
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByLabel('Password again').fill(PASSWORD);
  const passphrase = page.locator('#vault-passphrase');
  const error = page.locator('#vault-passphrase-error');
  await passphrase.fill('too short');
  await page.locator('#vault-passphrase-confirm').fill('too short');
  await page.getByRole('button', { name: 'Register' }).click();
  await expect(error).toHaveText('The vault passphrase needs at least 12 characters.');
  await expect(passphrase).toHaveAttribute('aria-invalid', 'true');
  await passphrase.fill('a long enough vault passphrase');
  await page.getByRole('button', { name: 'Register' }).click();
  await expect(error).toHaveText('The two vault passphrases differ.');
  await expect(page).toHaveURL(/\/register$/);
});

test('a wrong invitation code is refused in the web form\'s words and nothing is kept',
  async () => {
    const page = await cast.open('manager');
    // The code of the other organisation: a real code, not this organisation's.
    await page.goto('/register');
    await page.getByLabel('Organisation', { exact: true }).selectOption({ label: org.name });
    await page.getByRole('radio', { name: 'a practitioner or manager of the organisation' })
      .check();
    await page.getByLabel('Your name').fill(people.manager.name);
    await page.getByLabel('E-mail address').fill(people.manager.email);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByLabel('Password again').fill(PASSWORD);
    await page.locator('#vault-passphrase').fill(people.manager.passphrase);
    await page.locator('#vault-passphrase-confirm').fill(people.manager.passphrase);
    await page.getByLabel('Invitation code (first manager only)').fill(other.invite);
    expectRefusal(cast.seen, /^\/v1\/register$/);
    await page.getByRole('button', { name: 'Register' }).click();
    await expect(page.locator('#vault-register-error')).toHaveText(
      'This invitation code is not valid for this organisation.', { timeout: 30_000 });
    await expect(page).toHaveURL(/\/register$/);
    // Nothing was kept: the same address founds the organisation next, with its own code.
  });

test('the first manager founds the organisation in the browser', async () => {
  const page = cast.manager;
  await register(page, people.manager, org.invite);
  await expect(page.locator('.notice.ok')).toBeVisible();
  await signIn(page, people.manager.email, PASSWORD);
  // The sign-in password is not the vault passphrase.
  await page.locator('#vault-lock').getByLabel('Vault passphrase').fill(PASSWORD);
  await page.locator('#vault-lock').getByRole('button', { name: 'Unlock' }).click();
  await expect(page.locator('#vault-lock-error')).toHaveText('That vault passphrase does not '
    + 'unlock your keys. Check it and try again; it is not your sign-in password. If you are '
    + 'sure of it, the copy of your keys kept on the server may be damaged: tell your manager.',
  { timeout: 30_000 });
  await unlock(page, people.manager);
});

test('a practitioner registers with keys made in the browser and reads out a fingerprint',
  async () => {
    const page = await cast.open('worker');
    await register(page, people.worker);
    await expect(page.locator('.notice.ok')).toContainText('registration has been received');
    await signIn(page, people.worker.email, PASSWORD);
    await unlock(page, people.worker);
    const fingerprint = page.locator('#vault-fingerprint');
    await expect(fingerprint).toHaveText(/^([0-9a-f]{4}-){7}[0-9a-f]{4}$/);
    people.worker.fingerprint = await fingerprint.innerText();
  });

test('the manager approves the practitioner after comparing the fingerprint', async () => {
  const page = cast.manager;
  await page.goto('/members');
  await unlock(page, people.manager);
  // What other organisations are told to compare with this one: its own root, checked here.
  await expect(page.locator('#vault-org-root code')).toHaveText(rootFingerprint(org.id));
  const pending = page.locator('section[aria-labelledby="pending-h"]');
  const row = page.locator('[data-vault-member]').filter({ hasText: people.worker.email });
  await expect(row.getByRole('button', { name: /Approve/ })).toBeVisible();
  // Nothing on the page to copy instead of comparing: the manager types what is read out.
  await expect(page.locator('main')).not.toContainText(people.worker.fingerprint);
  await row.getByRole('combobox').selectOption('practitioner');
  // A fingerprint that differs by one digit is refused, and nothing is approved.
  const wrong = people.worker.fingerprint.replace(/.$/, (d) => (d === '0' ? '1' : '0'));
  const typed = row.getByLabel(`Fingerprint ${people.worker.name} reads out to you`);
  await typed.fill(wrong);
  await row.getByRole('button', { name: /Approve/ }).click();
  await expect(row.getByRole('alert')).toContainText('does not match the keys the server holds');
  await typed.fill(people.worker.fingerprint);
  await row.getByRole('button', { name: /Approve/ }).click();
  await expect(pending.locator('[data-vault-approved] [role="status"]')).toHaveText(
    `Approved: ${people.worker.name} can now seal and open documents.`, { timeout: 30_000 });
  // The member left "Waiting for approval" and is among the members, without a reload.
  await expect(pending).not.toContainText(people.worker.email);
  await expect(page.locator('section[aria-labelledby="active-h"]'))
    .toContainText(people.worker.email);
});

test('the practitioner opens a case and seals two files', async () => {
  const page = cast.worker;
  await page.goto('/cases');
  await unlock(page, people.worker);
  const form = page.locator('form[data-vault="new-case"]');
  await form.getByRole('textbox').fill(org.caseRef);
  await form.getByRole('button').click();
  await expect(page).toHaveURL(/\/cases\/[0-9a-f-]{36}$/, { timeout: 30_000 });
  org.casePath = new URL(page.url()).pathname;
  await unlock(page, people.worker);
  // Both files chosen at once: the input takes several, and each is sealed in turn.
  const seal = page.locator('form[data-vault="seal"]');
  await seal.getByLabel('Files').setInputFiles(FILES.map((name) => path.join(SAMPLES, name)));
  await seal.getByRole('button', { name: 'Seal and upload' }).click();
  await expect(seal.getByRole('status')).toHaveText(`Sealed ${FILES.length} files.`,
    { timeout: 60_000 });
  await expect(page.locator('tr[data-document-id]')).toHaveCount(FILES.length);
});

test('after a reload the keys are gone; unlocked again, names open and a file opens intact',
  async () => {
    const page = cast.worker;
    await page.goto(org.casePath);
    const rows = page.locator('tr[data-document-id]');
    await expect(rows).toHaveCount(2);
    // Locked: the names stay sealed.
    for (const name of FILES) await expect(page.getByText(name, { exact: true })).toHaveCount(0);
    await unlock(page, people.worker);
    for (const name of FILES) {
      await expect(rows.filter({ hasText: name })).toHaveCount(1, { timeout: 30_000 });
    }
    await opensIntact(page, FILES[0], 'opened');
  });

test('in a browser that starts no workers, the page unlocks and opens a file itself',
  async () => {
    const page = cast.worker;
    await page.goto(org.casePath);
    // Unlocking and opening run in workers where the browser has them (docs/web-vault.md);
    // without, the page does the same work itself, with the same checks and outcome.
    await page.evaluate(() => { window.Worker = undefined; });
    await unlock(page, people.worker);
    await opensIntact(page, FILES[1], 'opened-without-workers');
    expect(await page.evaluate(() => typeof window.Worker)).toBe('undefined');
  });

test('a server showing an older log gets no name opened and no file offered', async () => {
  const page = cast.worker;
  // The page has opened names and a file, so this browser saved the checkpoint it accepted.
  const book = await page.evaluate(() => {
    const key = Object.keys(window.localStorage).find((k) => k.startsWith('vault-log:'));
    return JSON.parse(window.localStorage.getItem(key));
  });
  const current = sqlOne('SELECT size FROM log_head WHERE id = 1');
  const older = sqlOne('SELECT MAX(size) FROM log_checkpoints WHERE size < ?', [book.size]);
  expect(older).toBeGreaterThan(0);
  // The operator puts the log back to an earlier state, whose checkpoint the log key signed.
  sql('UPDATE log_head SET size = ? WHERE id = 1', [older]);
  try {
    await page.goto(org.casePath);
    await unlock(page, people.worker);
    const docs = page.locator('section[aria-labelledby="docs-h"]');
    await expect(docs.getByRole('alert').first()).toContainText('LOG ROLLBACK: the server '
      + `shows checkpoint size ${older} `, { timeout: 30_000 });
    await expect(docs.getByRole('alert').first()).toContainText('Nothing was done');
    await expect(docs.locator('.sealed')).toHaveCount(FILES.length);
    for (const name of FILES) await expect(page.getByText(name, { exact: true })).toHaveCount(0);
    let downloaded = false;
    page.on('download', () => { downloaded = true; });
    const row = page.locator('tr[data-document-id]').nth(1);
    await row.getByRole('button', { name: 'Open' }).click();
    await expect(row.getByRole('alert')).toContainText('LOG ROLLBACK', { timeout: 30_000 });
    expect(downloaded).toBe(false);
    // The saved checkpoint is kept: it still names the larger log.
    const kept = await page.evaluate(() => {
      const key = Object.keys(window.localStorage).find((k) => k.startsWith('vault-log:'));
      return JSON.parse(window.localStorage.getItem(key)).size;
    });
    expect(kept).toBe(book.size);
    // Nothing is shared with this organisation yet: the empty list must not hide the rollback.
    await page.goto('/shared');
    await unlock(page, people.worker);
    await expect(page.locator('[data-vault-shared-page] [role="alert"]'))
      .toContainText('LOG ROLLBACK', { timeout: 30_000 });
  } finally {
    sql('UPDATE log_head SET size = ? WHERE id = 1', [current]);
  }
});

test('the practitioner shares a document with another organisation', async () => {
  const receiver = await cast.open('receiver');
  await register(receiver, people.receiver, other.invite, other);
  await expect(receiver.locator('.notice.ok')).toBeVisible();
  // Only an organisation whose vault is set up can receive, so the page is loaded afresh.
  const page = cast.worker;
  await page.goto(org.casePath);
  await unlock(page, people.worker);
  const share = page.locator('form[data-vault="share"]');
  // The document choice names the documents once their names are opened here.
  await share.getByLabel('Document').selectOption({ label: FILES[1] });
  await share.getByLabel('Organisation').selectOption({ label: other.name });
  // A fingerprint typed in the optional field must be the organisation's root: one that is
  // not a fingerprint, then another organisation's, are refused before anything is sent.
  const expected = share.getByLabel('Their root key fingerprint (optional)');
  const alert = share.locator('[data-vault-error]');
  await expected.fill('1a2b-3c4d');
  await share.getByRole('button', { name: 'Share the document' }).click();
  await expect(alert).toHaveText('The fingerprint you typed is not one: it has 32 letters and '
    + 'digits (0–9, a–f), in groups of four such as 1a2b-3c4d-….');
  await expected.fill(rootFingerprint(org.id));
  await share.getByRole('button', { name: 'Share the document' }).click();
  await expect(alert).toHaveText(`${other.name}’s root key does not match the fingerprint you `
    + 'typed: nothing was sent, and this device remembered nothing of it. Check the '
    + `fingerprint with ${other.name} again, by phone or in person.`, { timeout: 30_000 });
  await expect(page.locator('section[aria-labelledby="shares-h"]')).toContainText('No document '
    + 'of this case is shared with another organisation.');
  await expected.fill('');
  await share.getByRole('button', { name: 'Share the document' }).click();
  // The first time this browser meets the other organisation (the refused attempt left no
  // trace), it asks for the one check by voice that vaultctl asks for too.
  await expect(share.getByRole('status')).toHaveText('Shared: the other organisation can now '
    + `open this document. This browser met ${other.name} for the first time: compare its key `
    + `fingerprint ${rootFingerprint(other.id)} once with that organisation, by phone or in `
    + 'person.', { timeout: 30_000 });
});

test('the other organisation opens the shared document from "Shared with us"', async () => {
  // A page of its own: the receiving manager's other page signs in for the transfer later.
  const page = await cast.open('reader');
  await signIn(page, people.receiver.email, PASSWORD);
  await page.getByRole('link', { name: 'Shared with us' }).click();
  await expect(page).toHaveURL(/\/shared$/);
  await unlock(page, people.receiver);
  const row = page.locator('tr[data-vault-shared]');
  await expect(row).toHaveCount(1);
  await expect(row.getByRole('cell').first()).toHaveText(FILES[1], { timeout: 30_000 });
  await expect(row.getByRole('cell').nth(1)).toHaveText(org.name);
  // The sharing organisation's root key, met here first while names were opened, is shown to
  // compare once, as vaultctl does, rather than trusted unseen.
  await expect(page.locator('#vault-sightings')).toContainText(`This browser met ${org.name} `
    + `for the first time: compare its key fingerprint ${rootFingerprint(org.id)} once with `
    + 'that organisation, by phone or in person.');
  const [download] = await Promise.all([
    page.waitForEvent('download', { timeout: 30_000 }),
    row.getByRole('button', { name: 'Open' }).click(),
  ]);
  expect(download.suggestedFilename()).toBe(FILES[1]);
  const saved = path.join(test.info().outputDir, 'shared');
  await download.saveAs(saved);
  expect(fs.readFileSync(saved).equals(fs.readFileSync(path.join(SAMPLES, FILES[1]))))
    .toBe(true);
  await expect(row.locator('[data-vault-status]')).toHaveText(`Opened: ${FILES[1]}`);
});

test('the practitioner revokes the share and the document is gone for the other organisation',
  async () => {
    const page = cast.worker;
    await page.goto(org.casePath);
    await unlock(page, people.worker);
    const shares = page.locator('section[aria-labelledby="shares-h"]');
    const row = shares.locator('tr[data-share-document]');
    await expect(row.getByRole('cell').first()).toHaveText(FILES[1], { timeout: 30_000 });
    // A second tab of the case page, left open with the share still listed.
    const tab = await page.context().newPage();
    await tab.goto(org.casePath);
    await unlock(tab, people.worker);
    const tabShares = tab.locator('section[aria-labelledby="shares-h"]');
    await expect(tabShares.locator('tr[data-share-document]')).toHaveCount(1);

    await row.getByRole('button', { name: `Revoke the share with ${other.name}` }).click();
    await expect(shares.locator('[data-vault-shares-status]')).toHaveText(
      `Revoked: ${other.name} can no longer open ${FILES[1]}.`, { timeout: 30_000 });
    await expect(shares).toContainText('No document of this case is shared with another '
      + 'organisation.');

    // Revoking again from the other tab says the share is gone, not a bare "not found".
    await tabShares.getByRole('button', { name: `Revoke the share with ${other.name}` }).click();
    await expect(tabShares.locator('[data-vault-shares-error]')).toHaveText('This document is '
      + 'no longer shared with that organisation: the share was revoked already (reload the '
      + 'page to see the shares as they are now), or the document is no longer in your '
      + 'organisation’s cases.', { timeout: 30_000 });
    await tab.close();

    // The page the receiver still has open says why the document no longer opens…
    const reader = cast.reader;
    const stale = reader.locator('tr[data-vault-shared]');
    let downloaded = false;
    reader.on('download', () => { downloaded = true; });
    await stale.getByRole('button', { name: 'Open' }).click();
    await expect(stale.getByRole('alert')).toHaveText('This document is no longer shared with '
      + 'your organisation: the organisation that shared it has revoked the share. Ask them if '
      + 'you still need it.', { timeout: 30_000 });
    expect(downloaded).toBe(false);
    // …and once reloaded the list no longer has it.
    await reader.reload();
    await expect(reader.locator('tr[data-vault-shared]')).toHaveCount(0);
    await expect(reader.getByText('No document is shared with your organisation at the '
      + 'moment.')).toBeVisible();
  });

test("the manager offers the case, the other organisation's manager accepts and opens it",
  async () => {
    const page = cast.manager;
    await page.goto(org.casePath);
    await unlock(page, people.manager);
    const offer = page.locator('form[data-vault="transfer"]');
    await offer.getByLabel('Receiving organisation').selectOption({ label: other.name });
    // The fingerprint the receiving organisation gave by phone, typed in: checked, then no
    // first-sight note, since the person has compared it already.
    await offer.getByLabel('Their root key fingerprint (optional)')
      .fill(rootFingerprint(other.id).toUpperCase());
    await offer.getByRole('button', { name: 'Offer the case' }).click();
    await expect(offer.getByRole('status')).toHaveText('Offered: the receiving organisation’s '
      + 'manager can now accept the case. Its root key matched the fingerprint you typed.',
    { timeout: 30_000 });
    // The page shows the offer and its history line without a reload.
    const offers = page.locator('section[aria-labelledby="transfers-h"]');
    await expect(offers.locator('tbody tr')).toHaveCount(1);
    await expect(offers.locator('tbody tr')).toContainText(other.name);
    await expect(page.locator('section[aria-labelledby="history-h"] li',
      { hasText: 'offered the case to another organisation' })).toHaveCount(1);

    const receiver = cast.receiver;
    await signIn(receiver, people.receiver.email, PASSWORD);
    await receiver.goto('/cases');
    await unlock(receiver, people.receiver);
    // A fingerprint typed beside the button that is not the sender's root (here the
    // receiver's own) stops the acceptance before anything is sent or remembered.
    const typed = receiver.locator('[data-vault-expect]');
    await typed.fill(rootFingerprint(other.id));
    await receiver.getByRole('button', { name: `Accept the case from ${org.name}` }).click();
    await expect(receiver.locator('.offers [data-vault-error]')).toHaveText(`${org.name}’s root `
      + 'key does not match the fingerprint you typed: nothing was sent, and this device '
      + `remembered nothing of it. Check the fingerprint with ${org.name} again, by phone or `
      + 'in person.', { timeout: 30_000 });
    await typed.fill('');
    await receiver.getByRole('button', { name: `Accept the case from ${org.name}` }).click();
    // The receiving browser meets the sending organisation here first, and names it with the
    // sending organisation's own root fingerprint, never the receiver's.
    const accepted = receiver.getByRole('status').filter({ hasText: 'Accepted' });
    await expect(accepted).toContainText(`This browser met ${org.name} for the first time: `
      + `compare its key fingerprint ${rootFingerprint(org.id)} once with that organisation`,
    { timeout: 30_000 });
    await expect(accepted).not.toContainText(`met ${other.name}`);
    // The offer is gone and the case is in the list, without a reload.
    await expect(receiver.getByRole('button', { name: `Accept the case from ${org.name}` }))
      .toHaveCount(0);
    await expect(receiver.getByRole('link', { name: org.caseRef })).toBeVisible();
    await receiver.getByRole('link', { name: 'Go to the case' }).click();
    await expect(receiver).toHaveURL(new RegExp(`${org.casePath}$`));
    await unlock(receiver, people.receiver);
    await opensIntact(receiver, FILES[1], 'received');
  });

test('a name with a right-to-left override is shown with the hidden character made visible',
  async () => {
    const page = cast.receiver;
    const spoof = 'invoice\u202etxt.exe';
    const seal = page.locator('form[data-vault="seal"]');
    await seal.getByLabel('Files').setInputFiles({ name: spoof, mimeType: 'text/plain',
      buffer: Buffer.from('not really an invoice\n') });
    await seal.getByRole('button', { name: 'Seal and upload' }).click();
    await expect(seal.getByRole('status')).toHaveText('Sealed invoice\ufffdtxt.exe.',
      { timeout: 60_000 });
    const row = page.locator('tr[data-document-id]')
      .filter({ has: page.getByRole('cell', { name: 'invoice\ufffdtxt.exe', exact: true }) });
    await expect(row).toHaveCount(1, { timeout: 30_000 });
    await expect(page.locator('main')).not.toContainText('\u202e');
    const [download] = await Promise.all([
      page.waitForEvent('download', { timeout: 30_000 }),
      row.getByRole('button', { name: 'Open' }).click(),
    ]);
    await expect(row.getByRole('status')).toHaveText('Opened: invoice\ufffdtxt.exe');
    // Chromium makes the saved file's name without the override.
    expect(download.suggestedFilename()).not.toContain('\u202e');
  });

test('a very long name wraps in its row instead of widening the documents table', async () => {
  const page = cast.receiver;
  const long = `${'Permanence-panel-assessment-of-the-applicants-'.repeat(4)}final.pdf`;
  const seal = page.locator('form[data-vault="seal"]');
  await seal.getByLabel('Files').setInputFiles({ name: long, mimeType: 'application/pdf',
    buffer: Buffer.from('%PDF-1.7 a long name\n') });
  await seal.getByRole('button', { name: 'Seal and upload' }).click();
  await expect(seal.getByRole('status')).toHaveText(`Sealed ${long}.`, { timeout: 60_000 });
  const cell = page.getByRole('cell', { name: long, exact: true });
  await expect(cell).toHaveCount(1, { timeout: 30_000 });
  const fits = await cell.evaluate((td) => {
    const wrap = td.closest('.table-wrap');
    // The distinct tops of the name's line boxes: how many lines it takes.
    const range = document.createRange();
    range.selectNodeContents(td);
    const lines = new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size;
    return { table: wrap.scrollWidth, room: wrap.clientWidth, lines };
  });
  expect(fits.table, 'the table is no wider than its place').toBeLessThanOrEqual(fits.room);
  expect(fits.lines, 'the name takes more than one line').toBeGreaterThan(1);
});

test('a part the server refuses stops the seal with the file named and nothing stored',
  async () => {
    const page = cast.receiver;
    const rows = page.locator('tr[data-document-id]');
    const before = await rows.count();
    // The server answers the first part as it does a file over its upload limit.
    await page.route(FIRST_PART, (route) => route.fulfill({
      status: 413,
      contentType: 'application/json',
      body: JSON.stringify({ error: { code: 'payload_too_large', message: 'the sealed document '
        + 'is larger than the limit of 1000000 bytes (976.6 KiB)' } }),
    }));
    const seal = page.locator('form[data-vault="seal"]');
    await seal.getByLabel('Files').setInputFiles({ name: 'panel-minutes.txt',
      mimeType: 'text/plain', buffer: Buffer.from('minutes of the matching panel\n') });
    await seal.getByRole('button', { name: 'Seal and upload' }).click();
    await expect(seal.locator('[data-vault-error]')).toHaveText('panel-minutes.txt was not '
      + 'stored: sealed, it is larger than this server’s limit of 1000000 bytes (976.6 KiB). '
      + 'Nothing of it was kept on the server.',
    { timeout: 30_000 });
    await page.unroute(FIRST_PART);
    await page.reload();
    await expect(rows).toHaveCount(before);
  });

test('of several files, one the server refuses is named and the others are still sealed',
  async () => {
    const page = cast.receiver;
    const { rows, before } = await unlockedAgain(page);
    // The first upload's first part is answered as a file over the upload limit (in the words
    // of a server that does not name it); the next upload's parts reach the server.
    let refusedOnce = false;
    await page.route(FIRST_PART, (route) => {
      if (refusedOnce) return route.continue();
      refusedOnce = true;
      return route.fulfill({
        status: 413,
        contentType: 'application/json',
        body: JSON.stringify({
          error: { code: 'payload_too_large', message: 'payload too large' },
        }),
      });
    });
    expectRefusal(cast.seen, FIRST_PART);
    const alert = await sealTexts(page, ['contact-video-notes.txt', 'panel-agenda.txt']);
    await expect(alert).toHaveText('contact-video-notes.txt was '
      + 'not stored: it is larger than this server accepts. Nothing of it was kept on the '
      + 'server. Sealed: panel-agenda.txt.', { timeout: 30_000 });
    await page.unroute(FIRST_PART);
    await expect(rows).toHaveCount(before + 1);
    await expect(rows.filter({ hasText: 'panel-agenda.txt' })).toHaveCount(1, { timeout: 30_000 });
    await expect(rows.filter({ hasText: 'contact-video-notes.txt' })).toHaveCount(0);
    // The share form's document choice follows, named, without a reload.
    await expect(page.locator('[data-vault-document-select] option',
      { hasText: 'panel-agenda.txt' })).toHaveCount(1, { timeout: 30_000 });
  });

test('a server gone mid-seal is said with what was sealed, what may not be and what was not',
  async () => {
    const page = cast.receiver;
    const rows = page.locator('tr[data-document-id]');
    const before = await rows.count();
    // The first file goes in; then the server cannot be reached, for the next upload and for
    // the page fetched again to show the documents.
    const START = /\/v1\/cases\/[0-9a-f-]+\/uploads$/;
    const PAGE = new RegExp(`${org.casePath}$`);
    let started = 0;
    let gone = false;
    await page.route(START, (route) => {
      started += 1;
      if (started === 1) return route.continue();
      gone = true;
      return route.abort('connectionrefused');
    });
    await page.route(PAGE, (route) => (gone ? route.abort('connectionrefused')
      : route.continue()));
    const alert = await sealTexts(page, ['review-d.txt', 'review-e.txt', 'review-f.txt']);
    await expect(alert).toHaveText('review-e.txt may not have '
      + 'been stored: the server could not be reached. Reload the page once it is back to see '
      + 'whether it is listed. Not sealed: review-f.txt. Sealed: review-d.txt. Reload the '
      + 'page to see the case’s documents as they are now.', { timeout: 30_000 });
    await page.unroute(START);
    await page.unroute(PAGE);
    await page.reload();
    await expect(rows).toHaveCount(before + 1);
    // The browser logged the refused connections; they were provoked on purpose.
    cast.seen.errors.length = 0;
  });

test('a seal whose upload the server no longer has says so and names the files not sealed',
  async () => {
    const page = cast.receiver;
    const { rows, before } = await unlockedAgain(page);
    // As after a server restart: the upload it began is unknown to it (404), and the case
    // then refuses further work (a 403 stands for any failure not the file's own).
    await page.route(FIRST_PART, (route) => route.fulfill({
      status: 404,
      contentType: 'application/json',
      body: JSON.stringify({ error: { code: 'not_found', message: 'not found' } }),
    }));
    const START = /\/v1\/cases\/[0-9a-f-]+\/uploads$/;
    let started = 0;
    await page.route(START, (route) => {
      started += 1;
      if (started === 1) return route.continue();
      return route.fulfill({
        status: 403,
        contentType: 'application/json',
        body: JSON.stringify({ error: { code: 'forbidden', message: 'forbidden' } }),
      });
    });
    expectRefusal(cast.seen, FIRST_PART);
    expectRefusal(cast.seen, START);
    const alert = await sealTexts(page, ['review-a.txt', 'review-b.txt', 'review-c.txt']);
    await expect(alert).toHaveText('review-a.txt was not stored: '
      + 'the server no longer had its upload (the server was restarted, or the upload waited '
      + 'too long). Nothing of it was kept on the server. review-b.txt was not stored: '
      + 'forbidden. The case does not list it, and the server removes anything it received of '
      + 'it. Not sealed: review-c.txt.',
    { timeout: 30_000 });
    await page.unroute(FIRST_PART);
    await page.unroute(START);
    await page.reload();
    await expect(rows).toHaveCount(before);
  });

test('a part whose connection is cut says the upload did not reach the server', async () => {
  const page = cast.receiver;
  const { rows, before } = await unlockedAgain(page);
  await page.route(FIRST_PART, (route) => route.abort('connectionreset'));
  const alert = await sealTexts(page, ['review-g.txt', 'review-h.txt']);
  await expect(alert).toHaveText('review-g.txt was not stored: its upload did not reach the '
    + 'server, which may have stopped, or the connection dropped. The case does not list it: '
    + 'seal it again once the server can be reached. Not sealed: review-h.txt.',
  { timeout: 30_000 });
  await page.unroute(FIRST_PART);
  await page.reload();
  await expect(rows).toHaveCount(before);
  // The browser logged the cut connection; it was provoked on purpose.
  cast.seen.errors.length = 0;
});

test('a member whose keys stay with vaultctl is told to upload them to unlock here',
  async () => {
    const who = 'eastmere-cli';
    const address = email('cli.member', 'eastmere');
    vaultctl(who, ['init', '--email', address]);
    vaultctl(who, ['register', '--org', org.id]);
    const page = await cast.open('cli');
    await signIn(page, address, `password of ${who}, long enough`);
    await expect(page).toHaveURL(/\/waiting$/);
    const panel = page.locator('#vault-lock');
    // Before any failure the alert line is hidden, so nothing empty is announced.
    await expect(page.locator('#vault-lock-error')).toBeHidden();
    await panel.getByLabel('Vault passphrase').fill(`passphrase of ${who}, long enough`);
    await panel.getByRole('button', { name: 'Unlock' }).click();
    await expect(page.locator('#vault-lock-error')).toHaveText('Your keys are not stored for '
      + 'the browser. Run `vaultctl keys upload` on the computer that holds them.',
    { timeout: 30_000 });
    await expect(page.locator('#vault-lock-error')).toBeVisible();
  });

// The browser vault's pages as the proofs (vault_proof*.spec.js) work them, the way a person
// would: the platform admin making an organisation, registering with a vault passphrase,
// unlocking keys on a page, opening a case, sealing files one by one and opening a document
// into a Playwright download. Each step waits for the page's own status line, never a sleep.
const path = require('path');
const { expect, Cast, checkSeen } = require('./helpers');

const UNLOCKED = 'Your vault keys are unlocked in this page. Leaving or reloading the page '
  + 'locks them again.';
// scrypt at the browser's work factor, sealing and opening in JavaScript: slower than a click.
const SLOW = { timeout: 60_000 };

// The people of a serial spec, each in a browser context of their own (helpers.Cast), made
// before its first test, checked for browser complaints after each and closed after the last:
// `const stage = castFor(test)`, then `stage.cast.open('manager')`.
function castFor(test) {
  const stage = {};
  test.beforeAll(async ({ browser }) => {
    stage.cast = new Cast(browser);
  });
  test.afterEach(() => checkSeen(stage.cast.seen));
  test.afterAll(async () => {
    await stage.cast.close();
  });
  return stage;
}

// The platform admin (signed in on `page`) creates an organisation; answers {name, id, invite}.
async function createOrg(page, name) {
  await page.goto('/admin/orgs');
  await page.getByRole('link', { name: 'New organisation' }).click();
  await page.getByLabel('Name').fill(name);
  await page.getByRole('button', { name: 'Create organisation' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(`${name} is ready`);
  const invite = (await page.locator('#invite-code').innerText()).trim();
  const id = (await page.getByRole('link', { name: `Go to ${name}` }).getAttribute('href'))
    .split('/').pop();
  return { name, id, invite };
}

// Registers `who` ({name, email, password, passphrase}) as a practitioner or manager of `org`
// with keys made in this browser; with `invite`, as the organisation's founding manager.
async function registerVault(page, org, who, { invite } = {}) {
  await page.goto('/register');
  await page.getByLabel('Organisation', { exact: true }).selectOption({ label: org.name });
  await page.getByRole('radio', { name: 'a practitioner or manager of the organisation' })
    .check();
  await page.getByLabel('Your name').fill(who.name);
  await page.getByLabel('E-mail address').fill(who.email);
  await page.getByLabel('Password', { exact: true }).fill(who.password);
  await page.getByLabel('Password again').fill(who.password);
  await page.getByLabel('Vault passphrase', { exact: true }).fill(who.passphrase);
  await page.getByLabel('Vault passphrase again').fill(who.passphrase);
  if (invite) await page.getByLabel('Invitation code (first manager only)').fill(invite);
  await page.getByRole('button', { name: 'Register' }).click();
  await expect(page).toHaveURL(invite ? /\/register\/vault-founded$/ : /\/register\/vault-waiting$/,
    SLOW);
  await expect(page.locator('.notice.ok')).toContainText(invite
    ? 'Your organisation\'s vault is set up, and you are its first manager.'
    : 'Your registration has been received');
}

// Unlocks the keys on the page now open (every page load forgets them).
async function unlock(page, passphrase) {
  const panel = page.locator('#vault-lock');
  await expect(panel).toBeVisible();
  await panel.getByLabel('Vault passphrase').fill(passphrase);
  await panel.getByRole('button', { name: 'Unlock' }).click();
  await expect(page.locator('#vault-status')).toHaveText(UNLOCKED, SLOW);
}

// Goes to `where` and unlocks the keys there.
async function visit(page, where, passphrase) {
  await page.goto(where);
  await unlock(page, passphrase);
}

// Opens a new case from the cases list; answers its id.
async function newCase(page, reference, passphrase) {
  await visit(page, '/cases', passphrase);
  const form = page.locator('form[data-vault="new-case"]');
  await form.getByLabel('Case reference').fill(reference);
  await form.getByRole('button', { name: 'Open the case' }).click();
  await expect(page).toHaveURL(/\/cases\/[0-9a-f-]{36}$/, SLOW);
  return new URL(page.url()).pathname.split('/').pop();
}

// The case page's document rows.
const documentRows = (page) => page.locator('tr[data-document-id]');

// Seals one file (a path) on the open, unlocked case page and waits for the page to say so
// and for its row to appear with its name opened; the form stays ready for the next file.
async function sealOne(page, file, { timeout = 60_000 } = {}) {
  const form = page.locator('form[data-vault="seal"]');
  const before = await documentRows(page).count();
  await form.getByLabel('File').setInputFiles(file);
  await form.getByRole('button', { name: 'Seal and upload' }).click();
  await expect(form.locator('[data-vault-status]'))
    .toHaveText(`Sealed ${path.basename(file)}.`, { timeout });
  await expect(documentRows(page)).toHaveCount(before + 1, SLOW);
  await expect(documentRows(page).getByRole('cell', { name: path.basename(file), exact: true }))
    .toHaveCount(1, SLOW);
}

// Once the page has opened every name: document id by file name (names are unique here).
async function namesOnPage(page) {
  const rows = documentRows(page);
  await expect(rows.locator('.sealed')).toHaveCount(0, SLOW);
  const out = new Map();
  for (const row of await rows.all()) {
    const name = (await row.getByRole('cell').first().innerText()).trim();
    out.set(name, await row.getAttribute('data-document-id'));
  }
  return out;
}

// Clicks a document's Open button and saves the download into `dir` under the name the page
// offered; answers {file, suggested}.
async function openInBrowser(page, documentId, dir, { timeout = 60_000 } = {}) {
  const row = page.locator(`tr[data-document-id="${documentId}"]`);
  const [download] = await Promise.all([
    page.waitForEvent('download', { timeout }),
    row.getByRole('button', { name: 'Open' }).click(),
  ]);
  const suggested = download.suggestedFilename();
  const file = path.join(dir, suggested);
  await download.saveAs(file);
  await expect(row.locator('[data-vault-status]')).toHaveText(`Opened: ${suggested}`);
  return { file, suggested };
}

// Stands in for the browser's save-file picker (which a headless browser cannot show): the
// page's `showSaveFilePicker` answers a file in the origin's private file system, named
// `name`, and records the name the page suggested. Set again after each navigation.
async function pickInto(page, name) {
  await page.evaluate((file) => {
    window.showSaveFilePicker = async (options = {}) => {
      window.vaultTestSuggested = options.suggestedName;
      const dir = await navigator.storage.getDirectory();
      return dir.getFileHandle(file, { create: true });
    };
  }, name);
}

// SHA-256 (hex) of each `part`-byte piece of the private file `name`, or null when there is
// no such file; compared with helpers' pieceDigests of the original.
function pickedDigests(page, name, part) {
  return page.evaluate(async ([file, size]) => {
    const dir = await navigator.storage.getDirectory();
    let handle;
    try {
      handle = await dir.getFileHandle(file);
    } catch {
      return null;
    }
    const blob = await handle.getFile();
    const out = [];
    for (let at = 0; at < blob.size; at += size) {
      const piece = await blob.slice(at, at + size).arrayBuffer();
      const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', piece));
      out.push([...digest].map((b) => b.toString(16).padStart(2, '0')).join(''));
    }
    return out;
  }, [name, part]);
}

// Clicks a large document's Open button with the picker standing in (pickInto); waits for
// the saved line and answers the name the page suggested for the file.
async function openIntoPicked(page, documentId, { timeout = 60_000 } = {}) {
  const row = page.locator(`tr[data-document-id="${documentId}"]`);
  await row.getByRole('button', { name: 'Open' }).click();
  await expect(row.locator('[data-vault-status]')).toHaveText(/^Opened and saved: /, { timeout });
  return page.evaluate(() => window.vaultTestSuggested);
}

// Clicks a document's Open button where it must be refused; answers the alert's text.
async function openRefused(page, documentId, wait = SLOW) {
  const row = page.locator(`tr[data-document-id="${documentId}"]`);
  let downloaded = false;
  const listener = () => { downloaded = true; };
  page.on('download', listener);
  await row.getByRole('button', { name: 'Open' }).click();
  const alert = row.locator('[data-vault-error]');
  await expect(alert).not.toBeEmpty(wait);
  page.off('download', listener);
  expect(downloaded, 'a refused document was still offered for saving').toBe(false);
  return (await alert.innerText()).trim();
}

module.exports = {
  castFor, UNLOCKED, SLOW, createOrg, registerVault, unlock, visit, newCase, documentRows, sealOne,
  namesOnPage, openInBrowser, openRefused, pickInto, pickedDigests, openIntoPicked,
};

// What every spec shares: a `page` that fails its test on any console error, page error or
// Content-Security-Policy violation; one browser context per person; signing in and out;
// screenshots saved for the README; and the narrow-screen check.
const path = require('path');
const base = require('@playwright/test');

const { expect } = base;
// run.sh keeps screenshots with the test results; VAULT_SCREENSHOTS_DIR=docs/screenshots
// (relative to the repository) refreshes the README's pictures instead.
const SCREENSHOTS = path.resolve(__dirname, '../../..',
  process.env.VAULT_SCREENSHOTS_DIR || 'tests/browser/test-results/screenshots');
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 800 };

const admin = {
  email: process.env.VAULT_ADMIN_EMAIL,
  password: process.env.VAULT_ADMIN_PASSWORD,
};
// Every address a run makes is unique, so runs never collide with one another's accounts.
const runId = process.env.VAULT_RUN_ID || String(Date.now());
const email = (who, domain = 'example') => `${who}.${runId}@${domain}.example`;

// Collects what the browser complained about. A CSP violation is reported by Chromium as a
// console error, so it lands here too; the `securitypolicyviolation` event catches the rest.
// Chromium also logs "Failed to load resource" for a page answered 4xx; the app answers 422
// for a form with mistakes and 401 for a wrong password on purpose, so those pages (their
// status is asserted by the tests) are set aside in `answered`; 4xx for a stylesheet, script
// or image, and any 5xx, still count.
function watch(page, seen) {
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    seen.errors.push({ text: message.text(), url: message.location().url || '' });
  });
  page.on('pageerror', (error) => seen.errors.push({ text: `page error: ${error.message}` }));
  page.on('response', (response) => {
    const status = response.status();
    if (response.request().resourceType() === 'document' && status >= 400 && status < 500) {
      seen.answered.add(response.url());
    }
  });
  // Buttons that undo work ask "are you sure?" first; a person would say yes.
  page.on('dialog', (dialog) => dialog.accept());
  page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      console.error(`CSP violation: ${event.violatedDirective} ${event.blockedURI}`);
    });
  });
}

function complaints(seen) {
  const refusedOnPurpose = (e) => seen.answered.has(e.url)
    || seen.refusals.some((path) => path.test(new URL(e.url, 'http://x').pathname));
  return seen.errors
    .filter((e) => !(e.text.startsWith('Failed to load resource: the server responded with a '
      + 'status of 4') && e.url && refusedOnPurpose(e)))
    .map((e) => (e.url ? `${e.text} (${e.url})` : e.text));
}

function newSeen() {
  return { errors: [], answered: new Set(), refusals: [] };
}

// Sets aside, until the next check, 4xx answers to API requests whose path matches `path`:
// a test that provokes a refusal on purpose asserts what the page says of it.
function expectRefusal(seen, path) {
  seen.refusals.push(path);
}

// Fails when the browser complained since the last check, then starts a new list.
function checkSeen(seen) {
  const found = complaints(seen);
  seen.errors.length = 0;
  seen.refusals.length = 0;
  expect(found, 'the browser reported errors').toEqual([]);
}

// The people of a longer story, each in a browser context of their own (their own cookies),
// watched like `page`: `await cast.open('manager')`, then `cast.manager`.
class Cast {
  constructor(browser) {
    this.browser = browser;
    this.seen = newSeen();
    this.contexts = [];
  }

  async open(name) {
    const context = await this.browser.newContext({ viewport: DESKTOP });
    this.contexts.push(context);
    const page = await context.newPage();
    watch(page, this.seen);
    this[name] = page;
    return page;
  }

  // A page in a browser of its own with an on-disk profile in `dir`, as a person's browser
  // has (the contexts `open` makes keep their storage, the private file system included, in
  // memory). `use` is the project's settings (test.info().project.use). Answers the page;
  // its browser is `page.context().browser()`.
  async openOnDisk(name, dir, use) {
    const context = await base.chromium.launchPersistentContext(dir, {
      ...use.launchOptions, headless: true, baseURL: use.baseURL, viewport: DESKTOP,
    });
    this.contexts.push(context);
    const page = context.pages()[0] || await context.newPage();
    watch(page, this.seen);
    this[name] = page;
    return page;
  }

  async close() {
    await Promise.all(this.contexts.map((c) => c.close()));
  }
}

const test = base.test.extend({
  // The browser's complaints across every page a test opened, checked when it ends.
  seen: async ({}, use) => {
    const seen = newSeen();
    await use(seen);
    checkSeen(seen);
  },
  page: async ({ page, seen }, use) => {
    watch(page, seen);
    await use(page);
  },
});

async function signIn(page, address, password) {
  await page.goto('/login');
  await page.getByLabel('E-mail address').fill(address);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  // People land on their dashboard; the platform admin on the organisations list.
  await expect(page).not.toHaveURL(/\/login$/);
  await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();
}

async function signOut(page) {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login$/);
}

// Whether the page is wider than its window (a horizontal scroll bar).
async function overflow(page) {
  return page.evaluate(() => document.documentElement.scrollWidth
    - document.documentElement.clientWidth);
}

// Checks the page reads at 390 px without scrolling sideways, then saves NAME.png at desktop
// width (and NAME-phone.png too with `{ phone: true }`).
async function shot(page, name, { phone = false } = {}) {
  const before = page.viewportSize() || DESKTOP;
  await page.setViewportSize(PHONE);
  expect(await overflow(page), `${name} scrolls sideways at 390 px`).toBeLessThanOrEqual(0);
  if (phone) {
    await page.screenshot({ path: path.join(SCREENSHOTS, `${name}-phone.png`), fullPage: true });
  }
  await page.setViewportSize(before);
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

// Posts the form by clicking `button` and answers the status of the page that came back.
async function submit(page, button) {
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST'
      && r.request().resourceType() === 'document'),
    page.getByRole('button', { name: button }).click(),
  ]);
  await page.waitForLoadState();
  return response.status();
}

// The field `id` shows `message` beside it, and assistive technology reads it with the field.
async function expectFieldError(page, id, message) {
  await expect(page.locator(`#${id}-error`)).toHaveText(message);
  const field = page.locator(`#${id}`);
  await expect(field).toHaveAttribute('aria-invalid', 'true');
  const describedBy = (await field.getAttribute('aria-describedby')) || '';
  expect(describedBy.split(/\s+/)).toContain(`${id}-error`);
  await expect(page.getByRole('alert').getByRole('link', { name: message })).toHaveAttribute(
    'href', `#${id}`);
}

// The names of visible form fields that no label names.
async function unlabelledFields(page) {
  return page.locator('input:not([type=hidden]), select, textarea')
    .evaluateAll((fields) => fields.filter((f) => f.labels.length === 0
      && !f.getAttribute('aria-label') && !f.getAttribute('aria-labelledby'))
      .map((f) => f.name || f.id));
}

module.exports = {
  test, Cast, checkSeen, expectRefusal, expect, admin, email, runId, signIn, signOut, shot, overflow, submit,
  expectFieldError, unlabelledFields, PHONE, DESKTOP,
};

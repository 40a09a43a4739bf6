// The main story in a real browser, one step after another, each person in a browser
// of their own: the platform admin onboards two organisations, their people register and are
// approved, a child profile (two brothers) and a family profile are made, each side finds the
// other in search, the family's side expresses interest and the link goes to "matched" with
// messages on the way, the adopter sees their own profile and link, and the activity trails
// name who did what. Screenshots of the main pages are saved on the way (see helpers.shot).
const {
  test, expect, Cast, checkSeen, admin, email, signIn, signOut, shot,
} = require('./helpers');

test.describe.configure({ mode: 'serial' });

const PASSWORD = 'correct horse battery staple';
// run.sh starts a fresh server, so the organisations' names are plain; addresses still carry
// the run's id, as a kept server may be run against again.
const north = { name: 'Northshire Council' };
const bright = { name: 'Brightwater Adoption Agency' };
const people = {
  northManager: { name: 'Nadia Okafor', email: email('nadia.okafor', 'northshire') },
  brightManager: { name: 'Ben Hartley', email: email('ben.hartley', 'brightwater') },
  northWorker: { name: 'Priya Shah', email: email('priya.shah', 'northshire') },
  brightWorker: { name: 'Tom Evans', email: email('tom.evans', 'brightwater') },
  adopter: { name: 'Sam Carter', email: email('sam.carter', 'example') },
};

let cast;

test.beforeAll(async ({ browser }) => {
  cast = new Cast(browser);
});

test.afterEach(() => checkSeen(cast.seen));

test.afterAll(async () => {
  await cast.close();
});

// Fills the registration form as a new person would, and checks the answer.
async function register(page, org, who, { family = false, invite } = {}) {
  await page.goto('/register');
  await page.getByLabel('Organisation', { exact: true }).selectOption({ label: org.name });
  await page.getByRole('radio', {
    name: family ? 'an adopter or foster carer registered with it'
      : 'a practitioner or manager of the organisation',
  }).check();
  await page.getByLabel('Your name').fill(who.name);
  await page.getByLabel('E-mail address').fill(who.email);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByLabel('Password again').fill(PASSWORD);
  if (invite) await page.getByLabel('Invitation code (first manager only)').fill(invite);
  await page.getByRole('button', { name: 'Register' }).click();
  await expect(page.locator('.notice.ok')).toContainText(invite
    ? 'You are now the manager of your organisation.'
    : 'Your registration has been received');
}

// A manager approves a waiting registration from the members page.
async function approve(page, who, { role, profile } = {}) {
  await page.goto('/members');
  await page.getByRole('link', { name: `Review ${who.name}` }).click();
  if (role) await page.getByLabel('Role').selectOption(role);
  if (profile) await page.getByLabel('Their family profile').selectOption({ label: profile });
  await page.getByRole('button', { name: `Approve ${who.name}` }).click();
  await expect(page).toHaveURL(/\/members$/);
  const row = page.getByRole('region', { name: 'Members' }).getByRole('row')
    .filter({ hasText: who.email });
  await expect(row.getByRole('cell').nth(2))
    .toHaveText(role || 'adopter or foster carer');
  await expect(row.getByRole('link', { name: `Manage ${who.name}` })).toBeVisible();
}

test('the platform admin onboards two organisations with invitation codes', async () => {
  const page = await cast.open('admin');
  await signIn(page, admin.email, admin.password);
  await expect(page).toHaveURL(/\/admin\/orgs$/);
  for (const org of [north, bright]) {
    await page.getByRole('link', { name: 'New organisation' }).click();
    await page.getByLabel('Name').fill(org.name);
    await expect(page.getByRole('checkbox', { name: /Licence active/ })).toBeChecked();
    await page.getByRole('button', { name: 'Create organisation' }).click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(`${org.name} is ready`);
    org.invite = (await page.locator('#invite-code').innerText()).trim();
    expect(org.invite.length).toBeGreaterThan(10);
    await page.getByRole('link', { name: 'All organisations' }).click();
    const row = page.getByRole('row').filter({ hasText: org.name });
    await expect(row.getByRole('cell').nth(3)).toHaveText('none yet');
  }
  await shot(page, 'admin-organisations');
});

test("each organisation's first manager registers with the code", async () => {
  for (const [org, who, name] of [[north, people.northManager, 'northManager'],
    [bright, people.brightManager, 'brightManager']]) {
    const page = await cast.open(name);
    await register(page, org, who, { invite: org.invite });
    await signIn(page, who.email, PASSWORD);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(`Welcome, ${who.name}`);
    await expect(page.getByRole('banner')).toContainText(org.name);
  }
  // The platform admin now sees a manager for both.
  await cast.admin.reload();
  for (const org of [north, bright]) {
    const row = cast.admin.getByRole('row').filter({ hasText: org.name });
    await expect(row.getByRole('cell').nth(3)).toHaveText('yes');
  }
});

test('a practitioner of each registers and is approved by their manager', async () => {
  for (const [org, who, name, manager] of [
    [north, people.northWorker, 'northWorker', cast.northManager],
    [bright, people.brightWorker, 'brightWorker', cast.brightManager]]) {
    const page = await cast.open(name);
    await register(page, org, who);
    // Not yet: the registration waits for the manager.
    await page.goto('/login');
    await page.getByLabel('E-mail address').fill(who.email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert')).toHaveText(
      'Your registration is waiting for a manager of your organisation to approve it.');

    await manager.goto('/dashboard');
    await expect(manager.getByRole('region', { name: 'Members' }))
      .toContainText('1 registrations waiting for approval.');
    if (name === 'brightWorker') {
      await manager.goto('/members');
      await shot(manager, 'members-approval');
    }
    await approve(manager, who, { role: 'practitioner' });
    await signIn(page, who.email, PASSWORD);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(`Welcome, ${who.name}`);
  }
});

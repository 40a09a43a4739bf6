// The main story in a real browser, one step after another, each person in a browser
// of their own: the platform admin onboards two organisations, their people register and are
// approved, a child profile (two brothers) and a family profile are made, each side finds the
// other in search, the family's side expresses interest and the link goes to "matched" with
// messages on the way, the adopter sees their own profile and link and updates their
// household (their social worker is told), and the activity trails name who did what.
// Screenshots of the main pages are saved on the way (see helpers.shot).
const {
  test, expect, Cast, checkSeen, admin, email, signIn, shot, submit, expectFieldError,
  unlabelledFields, overflow, PHONE, DESKTOP,
} = require('./helpers');
const { vaultctl, sampleDocument } = require('./vault');

test.describe.configure({ mode: 'serial' });

const PASSWORD = 'correct horse battery staple';
// run.sh starts a fresh server, so the organisations' names are plain; addresses still carry
// the run's id, as a kept server may be run against again.
const north = { name: 'Northshire Council', caseRef: 'NC-2026-0142' };
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
    if (org === bright) {
      await page.getByRole('checkbox', { name: /may edit their own profile/ }).check();
    }
    await page.getByRole('button', { name: 'Create organisation' }).click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(`${org.name} is ready`);
    org.invite = (await page.locator('#invite-code').innerText()).trim();
    org.id = (await page.getByRole('link', { name: `Go to ${org.name}` }).getAttribute('href'))
      .split('/').pop();
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

test("Northshire's vault keys are set up with vaultctl and a case holds a sealed document",
  async () => {
    // On a manager's own computer: the invitation code founds the organisation's vault keys.
    const keys = { email: email('nadia.keys', 'northshire') };
    vaultctl('north-keys', ['init', '--email', keys.email]);
    vaultctl('north-keys', ['register', '--org', north.id, '--invite', north.invite]);
    vaultctl('north-keys', ['login']);
    const opened = JSON.parse(vaultctl('north-keys', ['case', 'create', north.caseRef, '--json']));
    north.caseId = opened.case_id;
    vaultctl('north-keys', ['doc', 'seal', north.caseId,
      sampleDocument('life-story-notes.txt', 'Notes for Leo and Max\'s life-story book.\n')]);

    const page = cast.northManager;
    await page.goto('/members');
    const row = page.getByRole('region', { name: 'Members' }).getByRole('row')
      .filter({ hasText: keys.email });
    await expect(row.getByRole('cell').nth(3)).toHaveText('yes');
    await page.goto('/cases');
    await expect(page.getByRole('row').filter({ hasText: north.caseRef })
      .getByRole('cell').nth(1)).toHaveText('1');
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
      .toContainText('1 registration waiting for approval.');
    if (name === 'brightWorker') {
      await manager.goto('/members');
      await shot(manager, 'members-approval');
    }
    await approve(manager, who, { role: 'practitioner' });
    await signIn(page, who.email, PASSWORD);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(`Welcome, ${who.name}`);
  }
});

// The links and values the later steps need.
const child = { label: 'Leo and Max' };
const family = { name: 'Sam and Alex Carter' };

test("Northshire's practitioner profiles two brothers together", async () => {
  const page = cast.northWorker;
  await page.goto('/dashboard');
  await page.getByRole('link', { name: 'Add a child profile' }).click();
  const kids = [['Leo', 'March', '2019'], ['Max', 'July', '2021']];
  for (const [i, [name, month, year]] of kids.entries()) {
    const row = page.getByRole('group', { name: `Child ${i + 1}` });
    await row.getByLabel('First name or label').fill(name);
    await row.getByLabel('Month of birth').selectOption({ label: month });
    await row.getByLabel('Year of birth').fill(year);
  }
  await page.getByLabel('Legal status').selectOption({ label: 'Placement order' });
  const needs = { Health: 'Low', Development: 'Medium', Education: 'Low',
    'Contact arrangements': 'Low' };
  for (const [need, level] of Object.entries(needs)) {
    await page.getByLabel(need, { exact: true }).selectOption({ label: level });
  }
  await page.getByLabel('About these needs').fill(
    'Max has speech and language therapy once a week; letterbox contact with their birth '
    + 'mother twice a year.');
  await page.getByLabel('Likes').fill('Football in the park, dinosaurs, building dens.');
  await page.getByLabel('Personality').fill(
    'Leo looks out for his little brother; Max is cheerful and loves a joke.');
  await page.getByLabel('Region').fill('North West');
  await page.getByLabel('Case file in the vault').selectOption({ label: north.caseRef });
  await page.getByRole('radio', { name: 'All licensed organisations' }).check();
  // A year typed short comes back with its message beside it, and nothing else is lost.
  const maxYear = page.getByRole('group', { name: 'Child 2' }).getByLabel('Year of birth');
  await maxYear.fill('21');
  expect(await submit(page, 'Save the profile')).toBe(422);
  await expectFieldError(page, 'birth_year_2',
    'Enter the year of birth as four digits, such as 2019.');
  await expect(page.getByRole('group', { name: 'Child 1' }).getByLabel('First name or label'))
    .toHaveValue('Leo');
  await expect(page.getByLabel('Likes')).toHaveValue(/dinosaurs/);
  await maxYear.fill('2021');
  await page.getByRole('button', { name: 'Save the profile' }).click();

  await expect(page.getByRole('heading', { level: 1 })).toHaveText(child.label);
  child.url = new URL(page.url()).pathname;
  expect(child.url).toMatch(/^\/children\/[0-9a-f-]{36}$/);
  const facts = page.locator('dl.facts').first();
  await expect(facts).toContainText('Leo, ');
  await expect(facts).toContainText('Max, ');
  await expect(facts).toContainText('Placement order');
  await expect(facts).toContainText('All licensed organisations');
  await expect(page.locator('.trail li').first())
    .toContainText(`${people.northWorker.name} (${north.name}) created the profile`);

  // A photo: any PNG will do, so the browser draws one (the app's icon, enlarged).
  const drawing = await cast.open('easel');
  await drawing.setViewportSize({ width: 240, height: 240 });
  await drawing.goto('/favicon.ico');
  const png = await drawing.screenshot();
  await page.getByLabel('Add a photo').setInputFiles(
    { name: 'brothers.png', mimeType: 'image/png', buffer: png });
  await page.getByRole('button', { name: 'Upload the photo' }).click();
  await expect(page).toHaveURL(child.url);
  const photo = page.getByRole('img', { name: `Photo of ${child.label}` });
  await expect(photo).toBeVisible();
  expect(await photo.evaluate((img) => img.complete && img.naturalWidth)).toBeGreaterThan(0);
  await expect(page.locator('.trail li').first())
    .toContainText(`${people.northWorker.name} (${north.name}) added a photo`);
  await shot(page, 'child-profile', { phone: true });
});

test("Brightwater's practitioner profiles an adoptive family", async () => {
  const page = cast.brightWorker;
  await page.goto('/dashboard');
  await page.getByRole('link', { name: 'Add a family profile' }).click();
  await page.getByLabel('Family name').fill(family.name);
  await page.getByLabel('Hoping to').selectOption({ label: 'Adoption' });
  await page.getByLabel('Adults in the household').fill('2');
  await page.getByLabel('Children already at home').fill('0');
  await page.getByLabel('About the household').fill(
    'Sam and Alex live in a terraced house with a garden, near both grandmothers.');
  await page.getByLabel('Youngest age (years)').fill('2');
  await page.getByLabel('Oldest age (years)').fill('8');
  await page.getByLabel('Number of children, at most').fill('2');
  await page.getByLabel('About the family').fill(
    'A teacher and a nurse who love camping, hoping to adopt brothers or sisters.');
  await page.getByLabel('Approval status').selectOption({ label: 'Approved' });
  await page.getByLabel('Approval terms').fill('Approved for 1–2 children aged 2–8');
  for (const need of ['Health', 'Development', 'Education', 'Contact arrangements']) {
    await page.getByLabel(need, { exact: true }).selectOption({ label: 'Medium' });
  }
  await page.getByLabel('Region').fill('North West');
  await page.getByRole('radio', { name: 'All licensed organisations' }).check();
  await page.getByRole('button', { name: 'Save the profile' }).click();

  await expect(page.getByRole('heading', { level: 1 })).toHaveText(family.name);
  family.url = new URL(page.url()).pathname;
  expect(family.url).toMatch(/^\/families\/[0-9a-f-]{36}$/);
  await expect(page.locator('.trail li').first())
    .toContainText(`${people.brightWorker.name} (${bright.name}) created the profile`);
  await shot(page, 'family-profile');
});

test('each side finds the other in a ranked search with reasons', async () => {
  const bw = cast.brightWorker;
  await bw.goto(family.url);
  await bw.getByRole('link', { name: 'Find children for this family' }).click();
  await expect(bw.getByRole('heading', { level: 2, name: /results?, ranked for/ }))
    .toHaveText(/^1 result, ranked for Sam and Alex Carter$/);
  const hit = bw.locator('li.match').filter({ hasText: child.label });
  await expect(hit.getByRole('link', { name: child.label })).toHaveAttribute('href', child.url);
  await expect(hit.getByRole('list', { name: 'Why this score' }).getByRole('listitem'))
    .not.toHaveCount(0);
  await expect(hit.locator('.score')).toHaveText(/^\d+$/);
  await expect(hit).toContainText(north.name);
  await shot(bw, 'search', { phone: true });

  const nw = cast.northWorker;
  await nw.goto(child.url);
  await nw.getByRole('link', { name: 'Find families for this child' }).click();
  const found = nw.locator('li.match').filter({ hasText: family.name });
  await expect(found.getByRole('link', { name: family.name }))
    .toHaveAttribute('href', family.url);
  await expect(found.getByRole('list', { name: 'Why this score' }).getByRole('listitem'))
    .not.toHaveCount(0);
  await expect(found).toContainText(bright.name);
});

// The link page's status line, as its reader sees it.
const status = (page) => page.locator('p.lead .status');

// One side moves the link on with the button of the next step.
async function step(page, to) {
  await page.getByRole('button', { name: `Move on to: ${to}` }).click();
  await expect(status(page)).toHaveText(to);
}

async function say(page, text) {
  await page.getByLabel('Write to the practitioners on this link').fill(text);
  await page.getByRole('button', { name: 'Send message' }).click();
  // Messages list in the order they were written, even within one second.
  await expect(page.locator('#messages li').last()).toContainText(text);
}

test('Brightwater expresses interest and the link goes from sent to matched', async () => {
  const bw = cast.brightWorker;
  await bw.goto(family.url);
  await bw.getByRole('link', { name: 'Find children for this family' }).click();
  await bw.locator('li.match').filter({ hasText: child.label })
    .getByRole('link', { name: 'Express interest for one of our families' }).click();
  await expect(bw.getByRole('heading', { level: 1 }))
    .toHaveText(`Express interest in ${child.label}`);
  // The family's option reads "Sam and Alex Carter: up to 2 children aged …".
  const onBehalf = bw.getByLabel('On behalf of the family');
  await onBehalf.selectOption(
    await onBehalf.locator('option', { hasText: family.name }).getAttribute('value'));
  await bw.getByLabel("A first message to the child's social worker (optional)").fill(
    'Sam and Alex would love to hear more about Leo and Max.');
  await bw.getByRole('button', { name: 'Send the expression of interest' }).click();
  await expect(status(bw)).toHaveText('sent');
  const link = new URL(bw.url()).pathname;
  expect(link).toMatch(/^\/links\/[0-9a-f-]{36}$/);
  // Only the child's organisation takes the next steps.
  await expect(bw.getByRole('button', { name: /^Move on to/ })).toHaveCount(0);

  // Northshire hears of it and opens it: viewed.
  const nw = cast.northWorker;
  await nw.goto('/dashboard');
  await expect(nw.getByRole('navigation', { name: 'Main' }).locator('.badge')).toBeVisible();
  await nw.goto(link);
  await expect(status(nw)).toHaveText('viewed');
  await expect(nw.locator('#messages')).toContainText('would love to hear more');
  await step(nw, 'in discussion');
  await say(nw, 'Thank you. Could you send the family assessment report?');
  await bw.reload();
  await expect(status(bw)).toHaveText('in discussion');
  await say(bw, 'Attached to the case file today; we look forward to the child permanence report.');
  await step(bw, 'reports exchanged');
  await expect(bw.getByRole('button', { name: /^Move on to/ })).toHaveCount(0);
  await nw.reload();
  await step(nw, 'visit');
  await say(nw, 'The first visit is on Saturday at the foster home.');
  await step(nw, 'matching panel');
  await step(nw, 'matched');
  await expect(nw.locator('.trail li[aria-current="step"]')).toContainText('matched');
  await bw.reload();
  await expect(status(bw)).toHaveText('matched');
  await expect(bw.locator('#messages li > p:not(.meta)')).toHaveText([
    'Sam and Alex would love to hear more about Leo and Max.',
    'Thank you. Could you send the family assessment report?',
    'Attached to the case file today; we look forward to the child permanence report.',
    'The first visit is on Saturday at the foster home.',
  ]);
  await shot(bw, 'link');
  family.link = link;
});

test('an adopter is attached to the family profile, sees it and the link, and edits it',
  async () => {
    const page = await cast.open('adopter');
    await register(page, bright, people.adopter, { family: true });
    const manager = cast.brightManager;
    await approve(manager, people.adopter, { profile: family.name });

    await signIn(page, people.adopter.email, PASSWORD);
    await page.getByRole('link', { name: 'See your family profile' }).click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Our family profile');
    await expect(page.locator('dl.facts').first()).toContainText(family.name);
    await expect(page.locator('dl.facts').first()).toContainText(people.brightWorker.name);
    const link = page.getByRole('region', { name: 'Links' }).getByRole('listitem');
    await expect(link).toHaveCount(1);
    await expect(link.locator('.tag')).toHaveText(/^matched$/i);
    await expect(link.getByRole('link')).toHaveText(child.label);
    await shot(page, 'my-profile', { phone: true });
    // Brightwater lets families keep their household and hopes up to date themselves.
    await page.getByRole('link', { name: 'Change our household and hopes' }).click();
    const household = page.getByLabel('About the household');
    await household.fill(`${await household.inputValue()} They now have a dog, Biscuit.`);
    await page.getByRole('button', { name: 'Save the changes' }).click();
    await expect(page).toHaveURL(/\/my\/profile$/);
    await expect(page.getByRole('region', { name: 'About the household' }))
      .toContainText('They now have a dog, Biscuit.');
    await page.goto('/my/profile');
    await link.getByRole('link').click();
    await expect(status(page)).toHaveText('matched');
    // The family follows the steps; messages stay between the practitioners.
    await expect(page.getByRole('button', { name: /^Move on to/ })).toHaveCount(0);
    await expect(page.locator('#messages')).toHaveCount(0);
  });

test('the activity trails name who made each change', async () => {
  const nw = cast.northWorker;
  await nw.goto(family.link);
  const who = (p, org) => `${p.name} (${org.name})`;
  const expected = [
    `${who(people.northWorker, north)} changed the status to matched`,
    `${who(people.northWorker, north)} changed the status to matching panel`,
    `${who(people.northWorker, north)} changed the status to visit`,
    `${who(people.brightWorker, bright)} changed the status to reports exchanged`,
    `${who(people.northWorker, north)} changed the status to in discussion`,
    `${who(people.northWorker, north)} changed the status to viewed`,
    `${who(people.brightWorker, bright)} sent an expression of interest`,
  ];
  const activity = nw.getByRole('region', { name: 'Activity' }).getByRole('listitem');
  for (const line of expected) {
    await expect(activity.filter({ hasText: line })).toHaveCount(1);
  }

  const manager = cast.brightManager;
  await manager.goto(family.url);
  const familyTrail = manager.getByRole('region', { name: 'Activity' });
  await expect(familyTrail).toContainText(
    `${who(people.brightManager, bright)} gave ${people.adopter.name} their own account `
    + 'on this profile');
  await expect(familyTrail).toContainText(
    `${who(people.brightWorker, bright)} created the profile`);
  await expect(familyTrail).toContainText(`${who(people.adopter, bright)} changed household`);
  // Their social worker was told.
  await cast.brightWorker.goto('/notifications');
  await expect(cast.brightWorker.locator('main')).toContainText(
    'A family you support changed their own profile: household');
});

test("the case page lists its document as sealed and the child's link", async () => {
  const page = cast.northWorker;
  await page.goto('/cases');
  await page.getByRole('link', { name: north.caseRef }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(`Case ${north.caseRef}`);
  const documents = page.getByRole('region', { name: 'Sealed documents' }).locator('tr.document');
  await expect(documents).toHaveCount(1);
  // The name stays sealed: the server cannot read it.
  await expect(documents.getByRole('cell').first()).toHaveText('sealed');
  await expect(page.locator('main')).not.toContainText('life-story-notes');
  const links = page.getByRole('region', { name: "Links of this case's profiles" });
  const name = `${child.label} (Ages 5 and 7) with ${family.name}`;
  await expect(links.getByRole('link', { name }))
    .toHaveAttribute('href', family.link);
  await expect(links.locator('.status')).toHaveText(/^matched$/i);
  await shot(page, 'case');

  await page.goto('/dashboard');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(
    `Welcome, ${people.northWorker.name}`);
  await expect(page.getByRole('region', { name: 'Links' })).toContainText(
    '1 open expression of interest.');
  await shot(page, 'dashboard', { phone: true });
});

test('every page of the story reads at 390 px, with a label on every field', async () => {
  const childId = child.url.split('/').pop();
  const familyId = family.url.split('/').pop();
  const visits = [
    [cast.northWorker, ['/dashboard', '/children', child.url, `${child.url}/edit`, '/families',
      `/search/families?child=${childId}`, '/links', family.link, '/cases',
      `/cases/${north.caseId}`, '/notifications']],
    [cast.brightManager, ['/dashboard', '/members', family.url, `${family.url}/edit`,
      `/search/children?family=${familyId}`, `/links/new?child=${childId}`, family.link]],
    [cast.admin, ['/admin/orgs', '/admin/orgs/new', `/admin/orgs/${north.id}`, '/admin/outbox']],
    [cast.adopter, ['/dashboard', '/my/profile', family.link]],
  ];
  for (const [page, paths] of visits) {
    await page.setViewportSize(PHONE);
    for (const path of paths) {
      const response = await page.goto(path);
      expect(response.status(), path).toBe(200);
      expect(await overflow(page), `${path} scrolls sideways at 390 px`).toBeLessThanOrEqual(0);
      expect(await unlabelledFields(page), `${path} has fields without a label`).toEqual([]);
    }
    // Signed in too, the first Tab offers the way past the navigation.
    await page.keyboard.press('Tab');
    await expect(page.locator(':focus'), paths.at(-1)).toHaveText('Skip to content');
    await page.setViewportSize(DESKTOP);
  }
});

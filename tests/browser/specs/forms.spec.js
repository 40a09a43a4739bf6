// Forms posted with mistakes, in a real browser: the page comes back 422 with each message
// next to its field, the field marked aria-invalid and described by its message, a summary
// at the top linking to the fields, nothing lost that was typed (passwords excepted), and the
// page still readable at phone width.
const {
  test, expect, admin, signIn, overflow, submit, expectFieldError, PHONE,
} = require('./helpers');

test('registration with mistakes shows each message next to its field', async ({ page }) => {
  await page.goto('/register');
  await page.getByLabel('Your name').fill('   ');
  await page.getByLabel('E-mail address').fill('not an address');
  await page.getByLabel('Password', { exact: true }).fill('short');
  await page.getByLabel('Password again').fill('different');
  expect(await submit(page, 'Register')).toBe(422);

  await expect(page.getByRole('alert')).toContainText('Please correct 6 fields:');
  await expectFieldError(page, 'org', 'Choose your organisation from the list.');
  await expectFieldError(page, 'kind', 'Choose who you are.');
  await expectFieldError(page, 'name', 'This field is required.');
  await expectFieldError(page, 'email', 'Enter an e-mail address such as name@example.org.');
  await expectFieldError(page, 'password', 'Use at least 12 characters.');
  await expectFieldError(page, 'confirm', 'The two passwords are not the same.');
  // What was typed stays, except the passwords, which are never sent back.
  await expect(page.getByLabel('E-mail address')).toHaveValue('not an address');
  await expect(page.getByLabel('Password', { exact: true })).toHaveValue('');
  // The password's hint is still read with it.
  await expect(page.locator('#password')).toHaveAttribute('aria-describedby',
    /password-hint/);

  await page.setViewportSize(PHONE);
  expect(await overflow(page)).toBeLessThanOrEqual(0);
});

test("the platform admin's organisation form refuses a past licence and a zero cap",
  async ({ page }) => {
    await signIn(page, admin.email, admin.password);
    await page.goto('/admin/orgs/new');
    await page.getByLabel('Name', { exact: true }).fill('Harbour Fostering');
    await page.getByLabel('Licence valid until (last day, YYYY-MM-DD)').fill('2020-01-31');
    await page.getByLabel('Open links one family may have at once (1 to 20)').fill('0');
    expect(await submit(page, 'Create organisation')).toBe(422);
    await expectFieldError(page, 'expires', 'Choose today or a later day.');
    await expectFieldError(page, 'cap', 'Enter a whole number from 1 to 20.');
    await expect(page.getByLabel('Name', { exact: true })).toHaveValue('Harbour Fostering');
    // Nothing was created.
    await page.goto('/admin/orgs');
    await expect(page.getByRole('link', { name: 'Harbour Fostering' })).toHaveCount(0);
  });

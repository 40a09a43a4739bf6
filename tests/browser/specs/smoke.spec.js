// The front door in a real browser: the sign-in page, its headers, the keyboard, and the
// platform admin signing in and out.
const {
  test, expect, admin, signIn, signOut, overflow, unlabelledFields, PHONE,
} = require('./helpers');

test('the sign-in page carries a strict Content-Security-Policy', async ({ page }) => {
  const response = await page.goto('/login');
  expect(response.status()).toBe(200);
  const headers = response.headers();
  expect(headers['content-security-policy']).toContain("default-src 'none'");
  expect(headers['content-security-policy']).toContain("script-src 'self'");
  expect(headers['content-security-policy']).not.toContain('unsafe-inline');
  expect(headers['x-frame-options']).toBe('DENY');
  expect(headers['x-content-type-options']).toBe('nosniff');
  await expect(page).toHaveTitle('Sign in · Case vault');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Sign in');
});

test('the keyboard reaches "Skip to content" first, then labelled fields', async ({ page }) => {
  await page.goto('/login');
  await page.keyboard.press('Tab');
  await expect(page.locator(':focus')).toHaveText('Skip to content');
  await page.keyboard.press('Enter');
  await expect(page.locator(':focus')).toHaveAttribute('id', 'main');
  await page.keyboard.press('Tab');
  await expect(page.getByLabel('E-mail address')).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(page.getByLabel('Password')).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeFocused();
  expect(await unlabelledFields(page)).toEqual([]);
});

test('a wrong password is refused with a message, and nothing scrolls sideways at 390 px',
  async ({ page }) => {
    await page.setViewportSize(PHONE);
    await page.goto('/login');
    expect(await overflow(page)).toBeLessThanOrEqual(0);
    await page.getByLabel('E-mail address').fill(admin.email);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert'))
      .toHaveText('The e-mail address or the password is not right.');
    await expect(page.getByLabel('E-mail address')).toHaveValue(admin.email);
    await expect(page.getByLabel('E-mail address')).toHaveAttribute('aria-describedby',
      'login-error');
    expect(await overflow(page)).toBeLessThanOrEqual(0);
  });

test('the platform admin signs in and out', async ({ page }) => {
  await signIn(page, admin.email, admin.password);
  await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();
  await signOut(page);
  await page.goto('/dashboard');
  await expect(page).toHaveURL(/\/login$/);
});

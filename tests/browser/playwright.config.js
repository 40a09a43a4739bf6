// Playwright settings for the web app's browser tests: Debian's Chromium (Playwright's own
// browser download does not work on these machines), headless, talking only to the server
// run.sh started on loopback. Specs run one at a time: the main scenario's steps depend on
// each other and the machine has two cores.
const { defineConfig } = require('@playwright/test');

const baseURL = process.env.VAULT_URL;
if (!baseURL) {
  throw new Error('VAULT_URL is not set: start the specs with tests/browser/run.sh');
}

module.exports = defineConfig({
  testDir: './specs',
  outputDir: './test-results/artifacts',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  // A stray test.only must not quietly skip the rest on CI.
  forbidOnly: !!(process.env.CI || process.env.VAULT_REQUIRE_BROWSER),
  timeout: 60_000,
  expect: { timeout: 5_000 },
  reporter: [['list'], ['json', { outputFile: 'test-results/results.json' }]],
  use: {
    baseURL,
    headless: true,
    viewport: { width: 1280, height: 800 },
    actionTimeout: 5_000,
    navigationTimeout: 10_000,
    screenshot: 'only-on-failure',
    trace: 'off',
    launchOptions: {
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
      // Without the networking switches Chromium tries to reach outside hosts at start,
      // which this machine's closed network refuses.
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
});

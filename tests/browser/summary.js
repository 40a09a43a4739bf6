// One line from Playwright's JSON report, for scripts/test.sh's summary:
// "browser tests: N passed, M failed". Exits non-zero when the report is missing or shows a
// failure, so a run that crashed before reporting is not counted as passed.
const fs = require('fs');

const file = process.argv[2];
let report;
try {
  report = JSON.parse(fs.readFileSync(file, 'utf8'));
} catch (err) {
  console.log(`browser tests: no report at ${file} (${err.code || err.message})`);
  process.exit(1);
}
const { expected = 0, unexpected = 0, flaky = 0, skipped = 0 } = report.stats || {};
const failed = unexpected + flaky;
const seconds = Math.round((report.stats?.duration || 0) / 1000);
console.log(`browser tests: ${expected} passed, ${failed} failed` +
  (skipped ? `, ${skipped} skipped` : '') + ` in ${seconds} s`);
process.exit(failed > 0 || expected === 0 ? 1 : 0);

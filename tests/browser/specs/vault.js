// vaultctl, for the steps of the story that happen on a vault member's own computer (setting
// up an organisation's keys, opening a case and sealing a document): the web app never holds
// those keys. Keystores live in the run's data directory that run.sh removes.
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');

const DATA = process.env.VAULT_BROWSER_DATA;

// Runs vaultctl as `person` (their own keystore, passphrase and password) and answers stdout.
function vaultctl(person, args) {
  if (!process.env.VAULTCTL || !DATA) {
    throw new Error('VAULTCTL and VAULT_BROWSER_DATA are not set: use tests/browser/run.sh');
  }
  return execFileSync(process.env.VAULTCTL, args, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      VAULTCTL_HOME: path.join(DATA, 'people', person),
      VAULTCTL_PASSPHRASE: `passphrase of ${person}, long enough`,
      VAULTCTL_PASSWORD: `password of ${person}, long enough`,
      VAULTCTL_SERVER: process.env.VAULT_URL,
      // Quick keystores for a test; still above the client's enforced minimum.
      VAULTCTL_SCRYPT_WORK_FACTOR: '15',
    },
  });
}

// Writes a small document to seal and answers its path.
function sampleDocument(name, text) {
  const file = path.join(DATA, name);
  fs.writeFileSync(file, text);
  return file;
}

module.exports = { vaultctl, sampleDocument };

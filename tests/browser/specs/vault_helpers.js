// What the browser vault's proofs (vault_proof*.spec.js) share beyond helpers.js: the sample
// documents and their digests, byte comparison of what a person opened, the operator's hands on
// the server's storage (its SQLite database through Python's sqlite3 module, its object files),
// the scan of that storage for anything readable (the same scan as scan_data_dir in
// tests/src/lib.rs), and sampling of the page's memory while it seals and opens.
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');

// The shared samples beside the checkout, with awkward names on purpose.
const SAMPLES_DIR = path.resolve(__dirname, '../../../../shared/samples');
// run.sh's temporary directory: keystores and downloads here, the server's data below it.
const DATA = process.env.VAULT_BROWSER_DATA;
const SERVER_DATA = process.env.VAULT_SERVER_DATA || (DATA && path.join(DATA, 'server'));
const DATABASE = SERVER_DATA && path.join(SERVER_DATA, 'vault.sqlite3');
const OBJECTS = SERVER_DATA && path.join(SERVER_DATA, 'objects');
const MIB = 1024 * 1024;

function sha256(bytes) {
  return crypto.createHash('sha256').update(bytes).digest();
}

// A file's SHA-256, read in chunks so a 200 MiB file is not held whole.
function sha256File(file) {
  const hash = crypto.createHash('sha256');
  const fd = fs.openSync(file, 'r');
  const chunk = Buffer.alloc(4 * MIB);
  try {
    for (;;) {
      const n = fs.readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      hash.update(chunk.subarray(0, n));
    }
  } finally {
    fs.closeSync(fd);
  }
  return hash.digest('hex');
}

// Every sample file, sorted by name as the CLI's tests sort them.
function samples() {
  return fs.readdirSync(SAMPLES_DIR).sort()
    .map((name) => path.join(SAMPLES_DIR, name))
    .filter((file) => fs.statSync(file).isFile())
    .map((file) => ({ name: path.basename(file), path: file, sha256: sha256File(file) }));
}

// A fresh directory in the run's data directory (never below the server's own).
function freshDir(...parts) {
  const dir = path.join(DATA, ...parts);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

// Whether `file` holds exactly the sample's bytes: size first (a clear message), then digest.
function sameBytes(file, sample) {
  const size = fs.statSync(file).size;
  const expected = fs.statSync(sample.path).size;
  if (size !== expected) return `${size} bytes instead of ${expected}`;
  return sha256File(file) === sample.sha256 ? 'identical' : 'different bytes';
}

// One statement against the server's SQLite database while the server runs (WAL lets both
// write; the timeout waits out the server's own writer). Answers the rows as arrays.
function sql(query, params = []) {
  const script = [
    'import json, sqlite3, sys',
    'db = sqlite3.connect(sys.argv[1], timeout=30)',
    'rows = db.execute(sys.argv[2], json.loads(sys.argv[3])).fetchall()',
    'db.commit()',
    'print(json.dumps([list(r) for r in rows]))',
  ].join('\n');
  const out = execFileSync('python3', ['-c', script, DATABASE, query, JSON.stringify(params)],
    { encoding: 'utf8' });
  return JSON.parse(out);
}

// The one value of a query that must answer exactly one row.
function sqlOne(query, params) {
  const rows = sql(query, params);
  if (rows.length !== 1) throw new Error(`expected one row from ${query}, got ${rows.length}`);
  return rows[0][0];
}

// The file holding a document's ciphertext in the local object store.
function objectFile(documentId) {
  const key = sqlOne('SELECT object_key FROM documents WHERE id = ?', [documentId]);
  return path.join(OBJECTS, ...key.split('/'));
}

// Flips one bit of the byte at `offset` (from the end when negative) of a stored object, as
// an operator with the disk could; answers a function that puts the byte back.
function flipObjectByte(documentId, offset) {
  const file = objectFile(documentId);
  // In place, one byte read and written: the object may be a gigabyte.
  const fd = fs.openSync(file, 'r+');
  try {
    const at = offset < 0 ? fs.fstatSync(fd).size + offset : offset;
    const byte = Buffer.alloc(1);
    fs.readSync(fd, byte, 0, 1, at);
    const original = byte[0];
    byte[0] ^= 0x01;
    fs.writeSync(fd, byte, 0, 1, at);
    return () => {
      const back = fs.openSync(file, 'r+');
      try {
        fs.writeSync(back, Buffer.from([original]), 0, 1, at);
      } finally {
        fs.closeSync(back);
      }
    };
  } finally {
    fs.closeSync(fd);
  }
}

// SHA-256 (hex) of each `part`-byte piece of `file`, read a piece at a time: compared with
// the same list computed in the page, it proves a large file byte-identical without either
// side holding it whole.
function pieceDigests(file, part) {
  const out = [];
  const fd = fs.openSync(file, 'r');
  const buffer = Buffer.alloc(part);
  try {
    for (;;) {
      const read = fs.readSync(fd, buffer, 0, part, null);
      if (read === 0) break;
      out.push(sha256(buffer.subarray(0, read)).toString('hex'));
    }
  } finally {
    fs.closeSync(fd);
  }
  return out;
}

// Swaps one column's values between two rows of `table` (by id); answers the undo.
function swapColumn(table, column, idA, idB) {
  const get = (id) => sqlOne(`SELECT ${column} FROM ${table} WHERE id = ?`, [id]);
  const [a, b] = [get(idA), get(idB)];
  if (a === b) throw new Error(`${table}.${column} is the same for both rows`);
  const set = (id, value) => sql(`UPDATE ${table} SET ${column} = ? WHERE id = ?`, [value, id]);
  set(idA, b);
  set(idB, a);
  return () => {
    set(idA, a);
    set(idB, b);
  };
}

// A new age X25519 recipient whose secret only the "operator" holds (stock age-keygen).
function plantedRecipient() {
  const out = execFileSync('age-keygen', { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const identity = out.split('\n').find((line) => line.startsWith('AGE-SECRET-KEY-1'));
  return execFileSync('age-keygen', ['-y'], { input: identity, encoding: 'utf8' }).trim();
}

// An organisation's root signing key fingerprint as people read it out (`3f2a-9c10-…`), from
// the key the server stores: the first 16 bytes of SHA-256 over the domain tag and the key,
// as vault-core's Fingerprint.
function rootFingerprint(orgId) {
  const key = Buffer.from(sqlOne('SELECT root_signing_key FROM orgs WHERE id = ?', [orgId]),
    'base64');
  const tag = Buffer.from('case-vault fingerprint v1: ed25519\n');
  const hex = sha256(Buffer.concat([tag, key])).subarray(0, 16).toString('hex');
  return hex.match(/.{4}/g).join('-');
}

// Every regular file below `dir`, sorted.
function filesBelow(dir) {
  const out = [];
  const stack = [dir];
  while (stack.length) {
    const d = stack.pop();
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, entry.name);
      if (entry.isDirectory()) stack.push(p);
      else if (entry.isFile()) out.push(p);
    }
  }
  return out.sort();
}

// Ring's PKCS#8 v2 prefix of an Ed25519 private key, as in tests/src/lib.rs.
const PKCS8_ED25519_PREFIX = Buffer.from([0x30, 0x53, 0x02, 0x01, 0x01, 0x30, 0x05, 0x06,
  0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]);
const WINDOW = 64;

// A rolling hash of 64-byte windows (polynomial, mod 2^32), so a scan over hundreds of MiB of
// stored objects costs a few operations per byte; equal hashes are then compared byte by byte.
const BASE = 257;
const BASE_POW = (() => {
  let p = 1;
  for (let i = 0; i < WINDOW; i += 1) p = Math.imul(p, BASE) >>> 0;
  return p;
})();

// Calls `each(hash, start)` for every 64-byte window of `bytes`.
function rollWindows(bytes, each) {
  let h = 0;
  for (let i = 0; i < bytes.length; i += 1) {
    h = (Math.imul(h, BASE) + bytes[i]) >>> 0;
    if (i >= WINDOW) h = (h - Math.imul(bytes[i - WINDOW], BASE_POW)) >>> 0;
    if (i >= WINDOW - 1 && each(h, i - WINDOW + 1)) return;
  }
}

// What must never be in stored data, built from the samples as scan_data_dir builds it: every
// 64-byte window of a sample at least that long, else the whole sample; each name; each
// non-empty sample's SHA-256 raw, hex and base64; age and Ed25519 secret keys.
function needlesOf(list) {
  const windows = new Map(); // hash -> [[sample bytes, start], ...]
  const needles = [];
  for (const sample of list) {
    const bytes = fs.readFileSync(sample.path);
    if (bytes.length >= WINDOW) {
      rollWindows(bytes, (h, start) => {
        if (!windows.has(h)) windows.set(h, []);
        windows.get(h).push([bytes, start]);
      });
    } else if (bytes.length > 0) {
      needles.push([`the whole of ${sample.name}`, bytes]);
    }
    needles.push([`the file name ${sample.name}`, Buffer.from(sample.name, 'utf8')]);
    // The empty file's SHA-256 is also the empty Merkle tree's root, which the log carries.
    if (bytes.length === 0) continue;
    const digest = sha256(bytes);
    needles.push([`the SHA-256 of ${sample.name}`, digest]);
    needles.push([`the hex SHA-256 of ${sample.name}`, Buffer.from(digest.toString('hex'))]);
    needles.push([`the base64 SHA-256 of ${sample.name}`,
      Buffer.from(digest.toString('base64'))]);
  }
  needles.push(['an age secret key', Buffer.from('AGE-SECRET-KEY-1')]);
  needles.push(['an age secret key', Buffer.from('age-secret-key-1')]);
  needles.push(['an Ed25519 private key', PKCS8_ED25519_PREFIX]);
  return { windows, needles };
}

// A bitmap of the samples' window hashes (low 24 bits), so most positions of a stored file
// are ruled out by one array read before the map of full hashes is asked.
function bitmapOf(windows) {
  const bits = new Uint8Array(1 << 21);
  for (const h of windows.keys()) bits[(h & 0xffffff) >>> 3] |= 1 << (h & 7);
  return bits;
}

// Whether any 64-byte window of `stored` equals one of a sample's (inline rolling loop: this
// runs over every byte of every stored object).
function holdsWindow(stored, windows, bits) {
  let h = 0;
  for (let i = 0; i < stored.length; i += 1) {
    h = (Math.imul(h, BASE) + stored[i]) >>> 0;
    if (i >= WINDOW) h = (h - Math.imul(stored[i - WINDOW], BASE_POW)) >>> 0;
    if (i >= WINDOW - 1 && (bits[(h & 0xffffff) >>> 3] & (1 << (h & 7))) !== 0) {
      const start = i - WINDOW + 1;
      const candidates = windows.get(h) || [];
      if (candidates.some(([bytes, at]) => bytes.compare(stored, start, start + WINDOW,
        at, at + WINDOW) === 0)) return true;
    }
  }
  return false;
}

// The scan of tests/src/lib.rs scan_data_dir, over every file below `dir` (database, its WAL
// and shared-memory files, object store): answers findings as {file, what}, never the secret.
function scanDataDir(dir, list) {
  const { windows, needles } = needlesOf(list);
  const bits = bitmapOf(windows);
  const findings = [];
  const files = filesBelow(dir);
  for (const file of files) {
    let stored;
    try {
      stored = fs.readFileSync(file);
    } catch {
      continue; // A file removed while the scan ran (a finished upload's scratch file).
    }
    if (holdsWindow(stored, windows, bits)) {
      findings.push({ file, what: 'a 64-byte window of a sample' });
    }
    for (const [what, needle] of needles) {
      if (stored.indexOf(needle) >= 0) findings.push({ file, what });
    }
  }
  return { files: files.length, findings };
}

// Writes `size` bytes of random data to `file` in chunks (random, so nothing compresses or
// repeats) and answers its SHA-256.
function writeRandomFile(file, size) {
  const hash = crypto.createHash('sha256');
  const fd = fs.openSync(file, 'w');
  try {
    for (let left = size; left > 0;) {
      const chunk = crypto.randomBytes(Math.min(left, 4 * MIB));
      fs.writeSync(fd, chunk);
      hash.update(chunk);
      left -= chunk.length;
    }
  } finally {
    fs.closeSync(fd);
  }
  return hash.digest('hex');
}

// Memory of one process in bytes (zeros once it is gone): all it has resident (VmRSS), and
// its parts, anonymous (the process's own heap), file-backed and shared memory (which
// Chromium uses to hand large blobs between processes, so it is counted in both), and swap.
// `own` is what the process itself holds: anonymous, shared and swapped out, leaving out the
// pages of Chromium's program, libraries and fonts mapped from files, which every Chromium
// process shares and which do not depend on the page (about 120 MiB). Chromium's own figure
// for a tab ("memory footprint" in its task manager) is anonymous and swap only.
function rssOf(pid) {
  const out = { total: 0, anon: 0, file: 0, shmem: 0, swap: 0, own: 0 };
  let status = '';
  try {
    status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return out;
  }
  for (const [key, field] of [['total', 'VmRSS'], ['anon', 'RssAnon'], ['file', 'RssFile'],
    ['shmem', 'RssShmem'], ['swap', 'VmSwap']]) {
    const kb = new RegExp(`${field}:\\s+(\\d+) kB`).exec(status);
    out[key] = kb ? Number(kb[1]) * 1024 : 0;
  }
  out.own = out.anon + out.shmem + out.swap;
  return out;
}

// Samples, every `every` ms while running, the resident memory of each renderer process of
// this browser (their ids from the browser's own SystemInfo.getProcessInfo, so another
// Chromium on the machine is never counted) and the page's JS heap (Performance.getMetrics).
// The page's renderer is one of them; the one with the largest peak is reported, with the
// parts of its memory at that peak, and the largest own memory (see rssOf) of any of them:
// upper bounds for the page.
class MemorySampler {
  constructor(browser, page, every = 100) {
    this.browser = browser;
    this.page = page;
    this.every = every;
    this.peaks = new Map(); // pid -> the sample with the largest total
    this.ownPeaks = new Map(); // pid -> the largest `own` (see rssOf)
    this.baseline = new Map(); // pid -> the first sample
    this.browserPeak = 0;
    this.browserBefore = 0;
    this.allPeak = 0;
    this.heapUsed = 0;
    this.heapTotal = 0;
    this.samples = 0;
  }

  // Starts sampling after a full garbage collection in the page, so what an earlier step left
  // for the collector (unlocking's 256 MiB scrypt buffer, say) is not counted as this step's.
  async start() {
    this.browserCdp = await this.browser.newBrowserCDPSession();
    this.pageCdp = await this.page.context().newCDPSession(this.page);
    await this.pageCdp.send('Performance.enable');
    await this.pageCdp.send('HeapProfiler.collectGarbage');
    this.running = true;
    this.loop = this.run();
  }

  async sample() {
    const { processInfo } = await this.browserCdp.send('SystemInfo.getProcessInfo');
    for (const p of processInfo.filter((q) => q.type === 'renderer')) {
      const now = rssOf(p.id);
      const peak = this.peaks.get(p.id);
      if (!peak || now.total > peak.total) this.peaks.set(p.id, now);
      this.ownPeaks.set(p.id, Math.max(this.ownPeaks.get(p.id) || 0, now.own));
      // Where each renderer stood when the step began, after the collection.
      if (this.samples === 0) this.baseline.set(p.id, now);
    }
    // The browser process too: it holds the blobs the page hands over, and the parts of a
    // file written through the save-file picker pass through it.
    for (const p of processInfo.filter((q) => q.type === 'browser')) {
      const now = rssOf(p.id).total;
      if (this.samples === 0) this.browserBefore = now;
      this.browserPeak = Math.max(this.browserPeak, now);
    }
    // Every process of this browser together (network service, GPU and storage included):
    // shared pages are counted once per process, so this is an upper bound.
    const all = processInfo.reduce((sum, p) => sum + rssOf(p.id).total, 0);
    this.allPeak = Math.max(this.allPeak, all);
    const { metrics } = await this.pageCdp.send('Performance.getMetrics');
    const metric = (name) => (metrics.find((m) => m.name === name) || { value: 0 }).value;
    this.heapUsed = Math.max(this.heapUsed, metric('JSHeapUsedSize'));
    this.heapTotal = Math.max(this.heapTotal, metric('JSHeapTotalSize'));
    this.samples += 1;
  }

  async run() {
    while (this.running) {
      await this.sample();
      await new Promise((resolve) => { setTimeout(resolve, this.every); });
    }
  }

  // Stops sampling and answers the peaks in MiB.
  async stop() {
    this.running = false;
    await this.loop;
    await this.sample();
    await this.pageCdp.detach();
    await this.browserCdp.detach();
    const [pid, top] = [...this.peaks.entries()]
      .reduce((a, b) => (b[1].total > a[1].total ? b : a), [0, rssOf(0)]);
    const before = this.baseline.get(pid) || rssOf(0);
    return {
      pid,
      beforeMiB: before.total / MIB,
      rendererMiB: top.total / MIB,
      // The largest own memory of any renderer (see rssOf), at its own peak.
      ownMiB: Math.max(0, ...this.ownPeaks.values()) / MIB,
      ownBeforeMiB: before.own / MIB,
      anonMiB: top.anon / MIB,
      fileMiB: top.file / MIB,
      shmemMiB: top.shmem / MIB,
      browserMiB: this.browserPeak / MIB,
      browserBeforeMiB: this.browserBefore / MIB,
      allMiB: this.allPeak / MIB,
      heapUsedMiB: this.heapUsed / MIB,
      heapTotalMiB: this.heapTotal / MIB,
      renderers: this.peaks.size,
      samples: this.samples,
    };
  }
}

module.exports = {
  SAMPLES_DIR, DATA, SERVER_DATA, DATABASE, OBJECTS, MIB, samples, sha256File, sameBytes,
  freshDir, sql, sqlOne, rootFingerprint, objectFile, flipObjectByte, swapColumn,
  plantedRecipient, scanDataDir, writeRandomFile, MemorySampler, filesBelow, pieceDigests,
};

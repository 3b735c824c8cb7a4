// Verified in this browser: checks each access shown on /me/history against the transparency log,
// with WebCrypto only (no third-party code), so the person need not trust the page's server text.
//
// For the page's table (<table id="history" data-person-ref>, rows <tr data-log-index ...>):
// 1. fetch the log's verifier key (GET /log/vkey, C2SP signed-note: name+hex(keyhash)+base64(0x01 ||
//    Ed25519 public key)) and check that its key hash matches its name and key;
// 2. fetch the latest checkpoint (GET /log/checkpoint, a C2SP signed note whose text is a C2SP
//    tlog-checkpoint: origin, size, base64 root hash) and verify its Ed25519 signature;
// 3. for each row: read the entry's bytes from its C2SP tlog-tiles entry bundle, fetch its RFC 9162
//    inclusion proof for the checkpoint's size, recompute the leaf hash SHA-256(0x00 || entry) and
//    the root (RFC 9162 §2.1.3.2), compare it with the signed root, and check that the entry says
//    what the row says.
// Each row's td.verify then says what was found. The server's own formats are in
// src/consentgate/ledger/{note,tiles,tree,entries}.py; this file mirrors them.

const TILE_WIDTH = 256;
const ED25519 = 0x01;
const DASH = "\u2014 ";
const RETRY_MS = 2500;
const PARALLEL = 6;

const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/** A check that failed; `message` is what the row shows after "Not verified: ". */
class Failure extends Error {}

/** A row's entry is past the checkpoint: the log has not signed it yet. */
class NotYetSigned extends Error {}

function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function equalBytes(a, b) {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

/** Strict standard base64 (RFC 4648 §4, padded), as Python's b64decode(validate=True). */
function fromBase64(text, what) {
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(text)) {
    throw new Failure(`${what} is not base64`);
  }
  const raw = atob(text);
  return Uint8Array.from(raw, (c) => c.charCodeAt(0));
}

function fromHex(text) {
  if (!/^(?:[0-9a-f]{2})*$/.test(text)) return null;
  return Uint8Array.from(text.match(/../g) || [], (h) => parseInt(h, 16));
}

function toHex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

async function sha256(...parts) {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", concat(...parts)));
}

/** RFC 9162 §2.1.1: the hash of a leaf and of an interior node. */
const leafHash = (entry) => sha256(Uint8Array.of(0x00), entry);
const nodeHash = (left, right) => sha256(Uint8Array.of(0x01), left, right);

async function fetchOk(url, what) {
  let response;
  try {
    response = await fetch(url, { credentials: "same-origin", cache: "no-store" });
  } catch {
    throw new Failure(`the log did not answer (${what})`);
  }
  if (!response.ok) throw new Failure(`the log did not give ${what} (HTTP ${response.status})`);
  return response;
}

/** The note key id: the first 4 bytes of SHA-256(name || "\n" || 0x01 || public key). */
async function keyId(name, publicKey) {
  return (await sha256(utf8.encode(name + "\n"), Uint8Array.of(ED25519), publicKey)).slice(0, 4);
}

/** Parse and check a verifier key `<name>+<hex key id>+<base64(0x01 || public key)>`. */
async function parseVerifierKey(text) {
  const line = text.trim();
  const first = line.indexOf("+");
  const second = line.indexOf("+", first + 1);
  if (first < 1 || second < 0) throw new Failure("the log's key is malformed");
  const name = line.slice(0, first);
  const id = fromHex(line.slice(first + 1, second));
  const raw = fromBase64(line.slice(second + 1), "the log's key");
  if (/\s/.test(name) || !id || id.length !== 4 || raw.length !== 33 || raw[0] !== ED25519) {
    throw new Failure("the log's key is not an Ed25519 note key");
  }
  const publicKey = raw.slice(1);
  if (!equalBytes(await keyId(name, publicKey), id)) {
    throw new Failure("the log's key hash does not match its name and key");
  }
  let key;
  try {
    key = await crypto.subtle.importKey("raw", publicKey, { name: "Ed25519" }, false, ["verify"]);
  } catch {
    throw new Failure("this browser cannot check Ed25519 signatures");
  }
  return { name, id, key, text: `${name}+${toHex(id)}` };
}

/** C2SP signed-note: the text if one signature line is a valid signature by `vkey`. */
async function openNote(noteBytes, vkey) {
  let note;
  try {
    note = strictUtf8.decode(noteBytes);
  } catch {
    throw new Failure("the checkpoint is not UTF-8");
  }
  const split = note.lastIndexOf("\n\n");
  const sigs = note.slice(split + 2);
  if (split < 0 || !sigs.endsWith("\n")) throw new Failure("the checkpoint has no signature");
  const text = note.slice(0, split + 1);
  for (const line of sigs.slice(0, -1).split("\n")) {
    if (!line.startsWith(DASH)) throw new Failure("the checkpoint's signature block is malformed");
    const [name, b64, ...rest] = line.slice(DASH.length).split(" ");
    if (rest.length) throw new Failure("the checkpoint's signature block is malformed");
    const raw = fromBase64(b64 || "", "a checkpoint signature");
    if (name !== vkey.name || raw.length !== 68 || !equalBytes(raw.slice(0, 4), vkey.id)) continue;
    const ok = await crypto.subtle.verify({ name: "Ed25519" }, vkey.key, raw.slice(4), utf8.encode(text));
    if (ok) return text;
    throw new Failure("the checkpoint's signature is invalid");
  }
  throw new Failure(`the checkpoint carries no signature by the log's key ${vkey.text}`);
}

/** C2SP tlog-checkpoint: origin, decimal size, base64 root hash, optional extension lines. */
function parseCheckpoint(text, vkey) {
  const lines = text.split("\n");
  if (lines.length < 4 || lines[lines.length - 1] !== "") {
    throw new Failure("the checkpoint is malformed");
  }
  const [origin, size, root] = lines;
  if (!/^(?:0|[1-9][0-9]*)$/.test(size) || !Number.isSafeInteger(Number(size))) {
    throw new Failure("the checkpoint's size is not a number");
  }
  const rootHash = fromBase64(root, "the checkpoint's root");
  if (rootHash.length !== 32) throw new Failure("the checkpoint's root is not a SHA-256 hash");
  if (origin !== vkey.name) throw new Failure(`the checkpoint is for another log (${origin})`);
  return { origin, size: Number(size), root: rootHash };
}

/** Fetch and verify the latest checkpoint; `age` comes from the server's Last-Modified and Date
 * headers (when it was signed is not part of the signed note), or null if it did not say. */
async function loadCheckpoint(vkey) {
  const response = await fetchOk("/log/checkpoint", "its checkpoint");
  const note = new Uint8Array(await response.arrayBuffer());
  const checkpoint = parseCheckpoint(await openNote(note, vkey), vkey);
  const signed = Date.parse(response.headers.get("Last-Modified") || "");
  const served = Date.parse(response.headers.get("Date") || "") || Date.now();
  checkpoint.ageSeconds = Number.isNaN(signed) ? null : Math.max(0, (served - signed) / 1000);
  return checkpoint;
}

/** C2SP tlog-tiles index encoding: 1234067 is x001/x234/067. */
function encodeIndex(n) {
  let digits = String(n);
  digits = "0".repeat((3 - (digits.length % 3)) % 3) + digits;
  const groups = digits.match(/.../g);
  return groups.map((g, i) => (i < groups.length - 1 ? "x" + g : g)).join("/");
}

/** Entry bundles, each fetched once per checkpoint size and shared by the rows in it. */
function bundleReader(size) {
  const bundles = new Map();
  return (index) => {
    const n = Math.floor(index / TILE_WIDTH);
    const width = Math.min(TILE_WIDTH, size - n * TILE_WIDTH);
    const path = `/log/tile/entries/${encodeIndex(n)}${width < TILE_WIDTH ? `.p/${width}` : ""}`;
    if (!bundles.has(path)) bundles.set(path, fetchBundle(path, width));
    return bundles.get(path).then((entries) => entries[index % TILE_WIDTH]);
  };
}

async function fetchBundle(path, width) {
  const data = new Uint8Array(await (await fetchOk(path, "the entry's tile")).arrayBuffer());
  return decodeBundle(data, width);
}

/** An entry bundle of `width` entries, each a big-endian uint16 length and the entry's bytes. */
function decodeBundle(data, width) {
  const entries = [];
  let at = 0;
  while (at < data.length) {
    if (at + 2 > data.length) throw new Failure("the entry's tile is cut short");
    const length = (data[at] << 8) | data[at + 1];
    if (at + 2 + length > data.length) throw new Failure("the entry's tile is cut short");
    entries.push(data.slice(at + 2, at + 2 + length));
    at += 2 + length;
  }
  if (entries.length !== width) throw new Failure("the entry's tile does not hold the entries it should");
  return entries;
}

/** RFC 9162 §2.1.3.2: the root that `proof` leads to from leaf `index` in a tree of `size`. */
async function rootFromInclusionProof(index, size, leaf, proof) {
  if (!(index < size)) throw new Failure("the proof does not match the signed checkpoint");
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0 || p.length !== 32) throw new Failure("the proof does not match the signed checkpoint");
    if (fn % 2 === 1 || fn === sn) {
      r = await nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn !== 0 && fn % 2 === 0) {
          fn /= 2;
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = await nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  if (sn !== 0) throw new Failure("the proof does not match the signed checkpoint");
  return r;
}

async function fetchProof(index, size) {
  const url = `/log/proof/inclusion?index=${index}&size=${size}`;
  const body = await (await fetchOk(url, "a proof for this entry")).json().catch(() => null);
  if (!body || !Array.isArray(body.proof)) throw new Failure("the log's proof is malformed");
  return body.proof.map((h) => fromBase64(String(h), "a proof hash"));
}

/** Canonical version-1 entry JSON (entries.py): keys sorted, no whitespace. */
function canonical(value) {
  if (Array.isArray(value)) return "[" + value.map(canonical).join(",") + "]";
  if (value !== null && typeof value === "object") {
    const keys = Object.keys(value).sort();
    return "{" + keys.map((k) => JSON.stringify(k) + ":" + canonical(value[k])).join(",") + "}";
  }
  return JSON.stringify(value);
}

/** Milliseconds since the epoch of an RFC 3339 time, to the millisecond (finer digits dropped,
 * as the log's entries keep milliseconds only). */
function millis(text) {
  const m = /^(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/i.exec(text || "");
  if (!m) return NaN;
  const ms = Number(((m[7] || "") + "000").slice(0, 3));
  let t = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6], ms);
  if (m[8].toUpperCase() !== "Z") {
    const sign = m[8][0] === "-" ? -1 : 1;
    t -= sign * (Number(m[8].slice(1, 3)) * 60 + Number(m[8].slice(4, 6))) * 60000;
  }
  return t;
}

/** Check that the entry's bytes say what the row says; return nothing, or throw. */
function checkEntry(bytes, row, personRefs) {
  let entry;
  try {
    const text = strictUtf8.decode(bytes);
    entry = JSON.parse(text);
    if (canonical(entry) !== text) throw new Error();
  } catch {
    throw new Failure("the log's entry is not a canonical JSON entry");
  }
  if (entry === null || typeof entry !== "object" || entry.v !== 1 || entry.type !== (row.dataset.type || "access")) {
    throw new Failure("the log's entry is not an access entry");
  }
  for (const field of ["partner", "category", "action", "purpose", "decision"]) {
    if (field in row.dataset && entry[field] !== row.dataset[field]) {
      throw new Failure(`the log's entry names another ${field} than this row`);
    }
  }
  if ("time" in row.dataset && millis(entry.time) !== millis(row.dataset.time)) {
    throw new Failure("the log's entry has another time than this row");
  }
  const named = [entry.person_ref, ...(Array.isArray(entry.people) ? entry.people : [])];
  const viaOthers = row.dataset.role === "included" || row.dataset.role === "filtered";
  if (!viaOthers && !named.some((ref) => personRefs.includes(ref))) {
    throw new Failure("the log's entry is about someone else");
  }
}

/** Verify one row against a checkpoint; resolves to nothing or throws Failure / NotYetSigned. */
async function verifyRow(row, checkpoint, readEntry, personRefs) {
  const index = Number(row.dataset.logIndex);
  if (!/^\d+$/.test(row.dataset.logIndex || "") || !Number.isSafeInteger(index)) {
    throw new Failure("the row has no log index");
  }
  if (index >= checkpoint.size) throw new NotYetSigned();
  const [entry, proof] = await Promise.all([readEntry(index), fetchProof(index, checkpoint.size)]);
  const root = await rootFromInclusionProof(index, checkpoint.size, await leafHash(entry), proof);
  if (!equalBytes(root, checkpoint.root)) {
    throw new Failure("the proof does not match the signed checkpoint");
  }
  checkEntry(entry, row, personRefs);
}

/** The server's link to "how to verify it yourself", kept for the rows that stay unverified. */
const helpLinks = new WeakMap();

function show(row, state, text) {
  const cell = row.querySelector("td.verify");
  if (!cell) return;
  if (!helpLinks.has(cell)) helpLinks.set(cell, cell.querySelector("a[href]"));
  const link = helpLinks.get(cell);
  cell.dataset.verified = state;
  cell.className = `verify verify-${state}`;
  const status = document.createElement("span");
  status.textContent = text;
  cell.replaceChildren(status);
  if (state !== "yes" && link) cell.append(" ", link);
}

function ageText(seconds) {
  if (seconds === null) return "when it was signed is not known";
  const format = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });
  const steps = [
    [60, "second", 1],
    [3600, "minute", 60],
    [86400, "hour", 3600],
    [Infinity, "day", 86400],
  ];
  const [, unit, per] = steps.find(([limit]) => seconds < limit);
  return "signed " + format.format(-Math.round(seconds / per), unit);
}

function summarize(summary, checkpoint, vkey, counts) {
  if (!summary) return;
  summary.dataset.checkpointSize = String(checkpoint.size);
  if (!counts.total) {
    summary.textContent =
      `No entry on this page to check. The log's latest checkpoint, ${checkpoint.size} of ` +
      `${checkpoint.origin} (${ageText(checkpoint.ageSeconds)}), verified in this browser ` +
      `with the log's key ${vkey.text}.`;
    return;
  }
  const parts = [
    `Checked in this browser against checkpoint ${checkpoint.size} of ${checkpoint.origin}`,
    `(its first ${checkpoint.size} entries, ${ageText(checkpoint.ageSeconds)}),`,
    `with the log's key ${vkey.text}.`,
    `${counts.verified} of ${counts.total} entries on this page verified`,
  ];
  let text = parts.join(" ");
  if (counts.failed) text += `, ${counts.failed} not verified`;
  if (counts.waiting) text += `, ${counts.waiting} waiting for the next checkpoint`;
  summary.textContent = text + ".";
}

async function inPool(items, work) {
  const queue = [...items];
  const workers = Array.from({ length: Math.min(PARALLEL, queue.length) }, async () => {
    while (queue.length) await work(queue.shift());
  });
  await Promise.all(workers);
}

/**
 * What a verified row may claim. An access through a friend's grant is logged under the friend's
 * reference: its entry proves the access, not that this person's data was in it (that comes from
 * the server's access history), so the row says exactly that much.
 */
function verifiedText(row, size) {
  const viaOthers = row.dataset.role === "included" || row.dataset.role === "filtered";
  const verified = `Verified in this browser against checkpoint ${size}`;
  return viaOthers ? `${verified}: the access itself; the log entry does not list who was in the data` : verified;
}

/** Verify `rows` against `checkpoint`; return the rows the checkpoint does not cover yet. */
async function verifyRows(rows, checkpoint, personRefs, counts) {
  const readEntry = bundleReader(checkpoint.size);
  const waiting = [];
  await inPool(rows, async (row) => {
    try {
      await verifyRow(row, checkpoint, readEntry, personRefs);
      counts.verified += 1;
      show(row, "yes", verifiedText(row, checkpoint.size));
    } catch (err) {
      if (err instanceof NotYetSigned) {
        waiting.push(row);
        show(row, "waiting", "Waiting for the next checkpoint");
        return;
      }
      counts.failed += 1;
      const why = err instanceof Failure ? err.message : "the check could not be completed";
      show(row, "failed", `Not verified: ${why}`);
    }
  });
  return waiting;
}

async function main() {
  const table = document.getElementById("history");
  const summary = document.getElementById("verify-summary");
  if (!table) return;
  const rows = Array.from(table.querySelectorAll("tr[data-log-index]"));
  const personRefs = (table.dataset.personRef || "").split(/[\s,]+/).filter(Boolean);
  const counts = { total: rows.length, verified: 0, failed: 0, waiting: 0 };
  let vkey;
  let checkpoint;
  try {
    if (!crypto.subtle) throw new Failure("this page is not in a secure context, so WebCrypto is off");
    vkey = await parseVerifierKey(await (await fetchOk("/log/vkey", "its key")).text());
    checkpoint = await loadCheckpoint(vkey);
  } catch (err) {
    const why = err instanceof Failure ? err.message : "the check could not be completed";
    for (const row of rows) show(row, "failed", `Not verified: ${why}`);
    if (summary) summary.textContent = `Not verified in this browser: ${why}.`;
    return;
  }
  let waiting = await verifyRows(rows, checkpoint, personRefs, counts);
  counts.waiting = waiting.length;
  summarize(summary, checkpoint, vkey, counts);
  if (!waiting.length) return;
  // The log signs a checkpoint about every second: look once more a little later.
  await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
  try {
    checkpoint = await loadCheckpoint(vkey);
  } catch (err) {
    const why = err instanceof Failure ? err.message : "the check could not be completed";
    for (const row of waiting) show(row, "failed", `Not verified: ${why}`);
    counts.failed += waiting.length;
    counts.waiting = 0;
    summarize(summary, checkpoint, vkey, counts);
    return;
  }
  waiting = await verifyRows(waiting, checkpoint, personRefs, counts);
  for (const row of waiting) {
    show(row, "waiting", "Not verified yet: no signed checkpoint covers this entry; reload the page in a minute");
  }
  counts.waiting = waiting.length;
  summarize(summary, checkpoint, vkey, counts);
}

main();

// The checks on their own, for the tests (tests/e2e/browser/test_verify_js.py) and for anyone who
// wants to reuse them: importing this module on a page without the history table does nothing else.
export {
  Failure,
  checkEntry,
  decodeBundle,
  encodeIndex,
  leafHash,
  millis,
  openNote,
  parseCheckpoint,
  parseVerifierKey,
  rootFromInclusionProof,
};

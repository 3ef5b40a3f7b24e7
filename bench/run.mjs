#!/usr/bin/env node
// Baseline benchmark: `npm run bench` (builds first), or `node bench/run.mjs`
// once build/wasm/ is built. Prints figures, never pass/fail; every figure is
// set against a plain-JS Worker doing the same /ping work (bench/js_ping_worker.mjs),
// measured in the same run. Writes everything, raw samples included, to
// bench/results/latest.json. See docs/benchmarks.md for what each figure means.
//
// Knobs (environment): BENCH_COLD_RUNS (default 7), BENCH_BATCHES (9),
// BENCH_BATCH_MS (100), BENCH_REQUESTS (200).
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import zlib from "node:zlib";

import { WRANGLER_TELEMETRY_OFF } from "../scripts/lib/project.mjs";
import { ROOT, SECRET, startWorker, textUpdate } from "../tests/worker/harness.mjs";

const BENCH = path.dirname(fileURLToPath(import.meta.url));
const WASM = path.join(ROOT, "build/wasm/miti.wasm");
const GLUE = path.join(ROOT, "build/wasm/miti.mjs");
const JS_WORKER = path.join(BENCH, "js_ping_worker.mjs");
const JS_CONFIG = path.join(BENCH, "js_ping_wrangler.toml");
const ISOLATE_ENTRY = path.join(BENCH, "isolate_entry.mjs");
const RESULTS = path.join(BENCH, "results/latest.json");

const knob = (name, fallback) => {
  const value = Number(process.env[name]);
  return Number.isFinite(value) && value > 0 ? value : fallback;
};
const COLD_RUNS = knob("BENCH_COLD_RUNS", 7);
const BATCHES = knob("BENCH_BATCHES", 9);
const BATCH_MS = knob("BENCH_BATCH_MS", 100);
const REQUESTS = knob("BENCH_REQUESTS", 200);

const INSTANCES = 40;  // fresh wasm instances per sample
const TARGETS = ["miti", "js"];
const LABEL = { miti: "miti", js: "JS baseline" };
const warnings = [];
const warn = (text) => {
  warnings.push(text);
  console.error(`bench: warning: ${text}`);
};

// ---------------------------------------------------------------- helpers

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function summary(values) {
  return { median: median(values), min: Math.min(...values), max: Math.max(...values), samples: values };
}

const sha256 = (file) => createHash("sha256").update(fs.readFileSync(file)).digest("hex");
const gzipBytes = (buffer) => zlib.gzipSync(buffer, { level: 9 }).length;
const kib = (bytes) => bytes / 1024;

const fmtDiff = (value, unit) => (Number.isFinite(value) ? `${value >= 0 ? "+" : "−"}${fmt(Math.abs(value), unit)}` : "n/a");

function fmt(value, unit) {
  if (!Number.isFinite(value)) return "n/a";
  if (unit === "KiB") return `${value.toFixed(2)} KiB`;  // as wrangler prints it
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  return `${value.toFixed(digits)} ${unit}`;
}
const range = (s, digits = 0) => `${s.min.toFixed(digits)}–${s.max.toFixed(digits)}`;
const ratio = (a, b) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? a / b : NaN);
const fmtRatio = (r) => (Number.isFinite(r) ? `${r.toFixed(r >= 10 ? 1 : 2)}×` : "n/a");

function table(title, header, rows) {
  const cells = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...cells.map((row) => String(row[i] ?? "").length)));
  const line = (row) =>
    row.map((cell, i) => (i === 0 ? String(cell).padEnd(widths[i]) : String(cell).padStart(widths[i]))).join("   ");
  console.log(`\n${title}`);
  console.log(line(header));
  console.log(widths.map((w) => "-".repeat(w)).join("   "));
  for (const row of rows) console.log(line(row));
}

function git(...args) {
  const result = spawnSync("git", args, { cwd: ROOT, encoding: "utf8" });
  return result.status === 0 ? result.stdout.trim() : null;
}

const packageVersion = (name) => {
  try {
    return JSON.parse(fs.readFileSync(path.join(ROOT, "node_modules", name, "package.json"), "utf8")).version;
  } catch {
    return null;
  }
};

// Miniflare keeps KV and D1 in a temporary directory on disk by default; on a
// shared machine its writes then wait on other processes' disk traffic. Each
// Worker the bench starts gets a fresh directory on tmpfs instead (when there
// is one), removed when it is disposed.
const SHM = "/dev/shm";
const storeDirs = new Set();
function freshStore() {
  try {
    fs.accessSync(SHM, fs.constants.W_OK);
  } catch {
    return undefined;
  }
  const dir = fs.mkdtempSync(path.join(SHM, "miti-bench-"));
  storeDirs.add(dir);
  return dir;
}
function dropStore(dir) {
  if (!dir) return;
  fs.rmSync(dir, { recursive: true, force: true });
  storeDirs.delete(dir);
}
process.on("exit", () => {
  for (const dir of storeDirs) fs.rmSync(dir, { recursive: true, force: true });
});

async function start(scriptPath) {
  const persist = freshStore();
  const worker = await startWorker({ scriptPath, persist });
  return {
    ...worker,
    dispose: async () => {
      await worker.dispose();
      dropStore(persist);
    },
  };
}

// ---------------------------------------------------- 1. upload size

function dryRun(label, args, outdir) {
  const result = spawnSync(
    path.join(ROOT, "node_modules/.bin/wrangler"),
    ["deploy", "--dry-run", "--outdir", outdir, ...args],
    {
      cwd: ROOT,
      encoding: "utf8",
      env: {
        ...process.env,
        ...WRANGLER_TELEMETRY_OFF,
        NO_COLOR: "1",
        FORCE_COLOR: "0",
      },
      timeout: 60_000,
    },
  );
  const output = `${result.stdout ?? ""}\n${result.stderr ?? ""}`;
  const match = output.match(/Total Upload:\s*([\d.]+)\s*KiB\s*\/\s*gzip:\s*([\d.]+)\s*KiB/);
  if (result.status !== 0 || !match) {
    throw new Error(`wrangler deploy --dry-run for ${label} failed (exit ${result.status}):\n${output.trim()}`);
  }
  const files = {};
  for (const name of fs.readdirSync(outdir)) {
    if (name.endsWith(".map") || name === "README.md") continue;
    const bytes = fs.readFileSync(path.join(outdir, name));
    files[name] = { bytes: bytes.length, gzip9_bytes: gzipBytes(bytes) };
  }
  return { total_upload_kib: Number(match[1]), gzip_kib: Number(match[2]), files };
}

function uploadSizes() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "miti-bench-"));
  try {
    const miti = dryRun("miti", [], path.join(tmp, "miti"));
    const js = dryRun("the JS baseline", ["--config", JS_CONFIG], path.join(tmp, "js"));
    const wasm = fs.readFileSync(WASM);
    const glue = fs.readFileSync(GLUE);
    const shipped = Object.entries(miti.files).find(([name]) => name.endsWith(".wasm"));
    if (shipped && shipped[1].bytes !== wasm.length) {
      warn(`the wasm wrangler bundled (${shipped[1].bytes} B) is not build/wasm/miti.wasm (${wasm.length} B): rebuilt mid-run?`);
    }
    return {
      miti,
      js,
      wasm: { bytes: wasm.length, gzip9_bytes: gzipBytes(wasm) },
      glue: { bytes: glue.length, gzip9_bytes: gzipBytes(glue) },
    };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
    // wrangler leaves an empty .wrangler/tmp next to the baseline's config.
    for (const dir of [".wrangler/tmp", ".wrangler"]) {
      try {
        fs.rmdirSync(path.join(BENCH, dir));  // only if empty
      } catch {}
    }
  }
}

// ---------------------------------------------------- 2. cold start

const pingUpdate = () => textUpdate("/ping");
const unknownUpdate = () => textUpdate("/nosuch");
const PONG = { method: "sendMessage", chat_id: 42, text: "pong" };

function isPong(text) {
  try {
    const body = JSON.parse(text);
    return body.method === PONG.method && body.chat_id === PONG.chat_id && body.text === PONG.text;
  } catch {
    return false;
  }
}

const scriptFor = (target) => (target === "miti" ? undefined : JS_WORKER);

async function coldStart(target) {
  const t0 = performance.now();
  const worker = await start(scriptFor(target));  // new Miniflare(...) + ready
  const t1 = performance.now();
  const first = await worker.webhook(pingUpdate());
  const firstBody = await first.text();
  const t2 = performance.now();
  const second = await worker.webhook(pingUpdate());
  await second.text();
  const t3 = performance.now();
  const lastPing = await (await worker.mf.getKVNamespace("KV")).get("misc:last_ping");
  // Both Workers log {"method","path","status","ms"} per request, timed with
  // the isolate's clock (1 ms ticks): the first update's time inside workerd.
  const access = worker.jsonLogs().find((line) => line.path === "/webhook" && typeof line.ms === "number");
  await worker.dispose();
  if (first.status !== 200 || !isPong(firstBody)) warn(`${target}: first /ping answered ${first.status} ${firstBody}`);
  if (!lastPing || !JSON.parse(lastPing).at) warn(`${target}: /ping did not write misc:last_ping`);
  if (!access) warn(`${target}: no access log line for the first /ping`);
  return {
    ready_ms: t1 - t0,
    first_response_ms: t2 - t1,
    first_in_isolate_ms: access?.ms ?? NaN,
    total_ms: t2 - t0,
    second_response_ms: t3 - t2,
  };
}

async function coldStarts() {
  const runs = { miti: [], js: [] };
  for (let i = 0; i < COLD_RUNS; i++) {
    for (const target of i % 2 ? [...TARGETS].reverse() : TARGETS) runs[target].push(await coldStart(target));
  }
  const out = {};
  for (const target of TARGETS) {
    out[target] = {};
    for (const key of ["ready_ms", "first_response_ms", "first_in_isolate_ms", "total_ms", "second_response_ms"]) {
      out[target][key] = summary(runs[target].map((run) => run[key]));
    }
  }
  return out;
}

// ---------------------------------------------------- 3. in the isolate

const ISOLATE_CASES = [
  // Miniflare's KV is the noisiest part (its storage warms up over the first
  // few hundred writes): more warm-up and twice the batches.
  { id: "ping", text: "/ping", expect: "pong", start: 10, max: 2_000, prewarm: 5, batches: 2 },
  { id: "ping-stub", text: "/ping", expect: "pong", start: 50, max: 20_000 },
  { id: "unknown", text: "/nosuch", expect: "", start: 50, max: 20_000 },
  { id: "get", text: null, expect: "miti: ok\n", start: 50, max: 20_000 },
  { id: "core-ping-stub", text: "/ping", expect: "pong", start: 200, max: 500_000 },
  { id: "core-unknown", text: "/nosuch", expect: "", start: 200, max: 500_000 },
];

async function isolate() {
  const worker = await start(ISOLATE_ENTRY);
  try {
    const clock = await (await worker.fetch("/__bench/clock")).json();
    if (!clock.date_now_live) {
      warn("Date.now() does not advance during computation in this workerd; batch times rely on the setTimeout fence");
    }
    const batch = async (target, kase, n) => {
      const update = JSON.stringify(kase.text ? textUpdate(kase.text) : {});
      const response = await worker.fetch("/__bench/batch", {
        method: "POST",
        body: JSON.stringify({ target, case: kase.id, n, update, secret: SECRET }),
      });
      const text = await response.text();
      if (response.status !== 200) throw new Error(`batch ${target}/${kase.id} failed: ${response.status} ${text}`);
      const result = JSON.parse(text);
      const ok = result.statuses["200"] === n && (kase.expect === "pong" ? isPong(result.last.body) : result.last.body === kase.expect);
      if (!ok) warn(`${target}/${kase.id}: unexpected answers ${JSON.stringify(result.statuses)} ${JSON.stringify(result.last)}`);
      return { ms: clock.date_now_live ? result.ms : result.ms_after_fence, n };
    };
    // Pick n so one batch takes about BATCH_MS (the clock ticks in whole ms).
    const plan = {};
    for (const kase of ISOLATE_CASES) {
      for (const target of TARGETS) {
        for (let i = 0; i < (kase.prewarm ?? 0); i++) await batch(target, kase, 4 * kase.start);
        let n = kase.start;
        let { ms } = await batch(target, kase, n);
        while (ms < 10 && n < kase.max) {
          n = Math.min(kase.max, n * 10);
          ({ ms } = await batch(target, kase, n));
        }
        plan[`${target}/${kase.id}`] = Math.max(1, Math.min(kase.max, Math.round((n * BATCH_MS) / Math.max(ms, 1))));
      }
    }
    // Fresh wasm instances in this (warm) isolate.
    const fresh = { create_ms: [], create_and_first_update_ms: [] };
    for (let i = 0; i < 5; i++) {
      const response = await worker.fetch("/__bench/instantiate", {
        method: "POST",
        body: JSON.stringify({ n: INSTANCES, update: JSON.stringify(unknownUpdate()) }),
      });
      const result = await response.json();
      fresh.create_ms.push(result.create_ms / INSTANCES);
      fresh.create_and_first_update_ms.push(result.create_and_first_update_ms / INSTANCES);
    }
    const samples = {};
    for (let b = 0; b < 2 * BATCHES; b++) {
      for (const kase of ISOLATE_CASES.filter((k) => b < BATCHES * (k.batches ?? 1))) {
        for (const target of b % 2 ? [...TARGETS].reverse() : TARGETS) {
          const key = `${target}/${kase.id}`;
          const { ms, n } = await batch(target, kase, plan[key]);
          (samples[key] ??= []).push((ms * 1000) / n);
        }
      }
    }
    const cases = {};
    for (const kase of ISOLATE_CASES) {
      cases[kase.id] = {};
      for (const target of TARGETS) {
        const key = `${target}/${kase.id}`;
        cases[kase.id][target] = { us_per_update: summary(samples[key]), n_per_batch: plan[key], batches: samples[key].length };
      }
      cases[kase.id].ratio = ratio(cases[kase.id].miti.us_per_update.median, cases[kase.id].js.us_per_update.median);
      cases[kase.id].miti_minus_js_us = cases[kase.id].miti.us_per_update.median - cases[kase.id].js.us_per_update.median;
    }
    return {
      clock,
      batches: BATCHES,
      batch_ms_target: BATCH_MS,
      cases,
      fresh_instance: {
        instances_per_sample: INSTANCES,
        create_ms: summary(fresh.create_ms),
        create_and_first_update_ms: summary(fresh.create_and_first_update_ms),
      },
    };
  } finally {
    await worker.dispose();
  }
}

// ---------------------------------------------------- 4. from Node

async function fromNode() {
  const workers = {};
  for (const target of TARGETS) workers[target] = await start(scriptFor(target));
  try {
    const kinds = {
      get: (w) => w.fetch("/"),
      ping: (w) => w.webhook(pingUpdate()),
      unknown: (w) => w.webhook(unknownUpdate()),
    };
    const samples = {};
    const once = async (target, kind) => {
      const t0 = performance.now();
      const response = await kinds[kind](workers[target]);
      await response.arrayBuffer();
      return performance.now() - t0;
    };
    for (let i = 0; i < 30; i++) for (const target of TARGETS) for (const kind in kinds) await once(target, kind);
    for (let i = 0; i < REQUESTS; i++) {
      for (const target of i % 2 ? [...TARGETS].reverse() : TARGETS) {
        for (const kind in kinds) (samples[`${target}/${kind}`] ??= []).push(await once(target, kind));
      }
    }
    const out = { requests: REQUESTS };
    for (const target of TARGETS) {
      out[target] = {};
      for (const kind in kinds) out[target][kind] = summary(samples[`${target}/${kind}`]);
      out[target].ping_minus_get_ms = out[target].ping.median - out[target].get.median;
      out[target].unknown_minus_get_ms = out[target].unknown.median - out[target].get.median;
    }
    return out;
  } finally {
    for (const target of TARGETS) await workers[target].dispose();
  }
}

// ---------------------------------------------------- main

async function main() {
  for (const file of [WASM, GLUE]) {
    if (!fs.existsSync(file)) {
      console.error(`bench: ${path.relative(ROOT, file)} is missing; build it first: bash scripts/build.sh wasm (or use npm run bench)`);
      process.exit(2);
    }
  }
  const started = performance.now();
  const wasmSha = sha256(WASM);
  const head = git("rev-parse", "--short", "HEAD");
  const dirty = (git("status", "--porcelain", "--untracked-files=no") ?? "") !== "";
  const meta = {
    date: new Date().toISOString(),
    commit: head ? `${head}${dirty ? "+dirty" : ""}` : null,
    node: process.version,
    wrangler: packageVersion("wrangler"),
    miniflare: packageVersion("miniflare"),
    workerd: packageVersion("workerd"),
    cpus: os.cpus().length,
    loadavg_at_start: os.loadavg().map((x) => Number(x.toFixed(2))),
    wasm_sha256: wasmSha,
  };
  console.log(`miti baseline benchmark — ${meta.date}`);
  console.log(
    `commit ${meta.commit ?? "?"}, node ${meta.node}, wrangler ${meta.wrangler}, miniflare ${meta.miniflare}, workerd ${meta.workerd}, ` +
      `${meta.cpus} CPUs, load ${meta.loadavg_at_start.join(" ")}`,
  );
  meta.kv_d1_storage = fs.existsSync(SHM) ? `tmpfs (${SHM})` : "Miniflare default (temporary directory)";
  console.log(`wasm: build/wasm/miti.wasm sha256 ${wasmSha.slice(0, 16)}…; Miniflare KV/D1 storage: ${meta.kv_d1_storage}`);

  // 1. Upload size.
  const size = uploadSizes();
  {
    const m = size.miti;
    const j = size.js;
    const bundle = (files) => Object.entries(files).find(([name]) => /\.m?js$/.test(name))?.[1];
    const [mb, jb] = [bundle(m.files), bundle(j.files)];
    const pair = (label, a, b) => [label, fmt(a, "KiB"), fmt(b, "KiB"), fmtRatio(ratio(a, b))];
    table(
      "1. Upload size — wrangler deploy --dry-run (KiB = 1024 B)",
      ["figure", "miti", "JS baseline", "miti/JS"],
      [
        pair("Total Upload (wrangler)", m.total_upload_kib, j.total_upload_kib),
        pair("gzip (wrangler)", m.gzip_kib, j.gzip_kib),
        pair("  JS bundle wrangler built, raw", kib(mb?.bytes), kib(jb?.bytes)),
        pair("  JS bundle wrangler built, gzip -9", kib(mb?.gzip9_bytes), kib(jb?.gzip9_bytes)),
        ["  build/wasm/miti.wasm, raw", fmt(kib(size.wasm.bytes), "KiB"), "-", ""],
        ["  build/wasm/miti.wasm, gzip -9", fmt(kib(size.wasm.gzip9_bytes), "KiB"), "-", ""],
      ],
    );
  }

  // 2. Cold start.
  const cold = await coldStarts();
  {
    const row = (label, key) => [
      label,
      fmt(cold.miti[key].median, "ms"),
      fmt(cold.js[key].median, "ms"),
      fmtRatio(ratio(cold.miti[key].median, cold.js[key].median)),
      fmtDiff(cold.miti[key].median - cold.js[key].median, "ms"),
      `${range(cold.miti[key])} | ${range(cold.js[key])}`,
    ];
    table(
      `2. Cold start in Miniflare — median of ${COLD_RUNS} runs each, wall clock in Node`,
      ["figure", "miti", "JS baseline", "miti/JS", "miti − JS", "min–max ms miti | JS"],
      [
        row("new Miniflare → first /ping response", "total_ms"),
        row("  new Miniflare → ready", "ready_ms"),
        row("  ready → first /ping response", "first_response_ms"),
        row("    of which inside the isolate (log line)", "first_in_isolate_ms"),
        row("second /ping response (warm)", "second_response_ms"),
      ],
    );
  }

  // 3. In the isolate.
  const iso = await isolate();
  {
    const describe = {
      ping: "/ping, Miniflare KV (put awaited)",
      "ping-stub": "/ping, in-memory KV stub (no I/O)",
      unknown: "/nosuch: parse + dispatch, no KV",
      get: "GET / (fetch-handler floor)",
      "core-ping-stub": "core only: /ping, KV stub",
      "core-unknown": "core only: /nosuch",
    };
    table(
      `3. Per-update time in the isolate — µs per update, median of ${BATCHES} batch means (${2 * BATCHES} for KV /ping) ` +
        `(clock: ${iso.clock.date_now_live ? "live" : "frozen"}, ${iso.clock.resolution_ms} ms ticks)`,
      ["case", "miti", "JS baseline", "miti/JS", "miti − JS", "min–max µs miti | JS", "updates/batch miti | JS"],
      ISOLATE_CASES.map(({ id }) => {
        const c = iso.cases[id];
        const digits = c.js.us_per_update.median < 10 ? 1 : 0;
        return [
          describe[id],
          fmt(c.miti.us_per_update.median, "µs"),
          fmt(c.js.us_per_update.median, "µs"),
          fmtRatio(c.ratio),
          fmtDiff(c.miti.us_per_update.median - c.js.us_per_update.median, "µs"),
          `${range(c.miti.us_per_update, digits)} | ${range(c.js.us_per_update, digits)}`,
          `${c.miti.n_per_batch} | ${c.js.n_per_batch}`,
        ];
      }),
    );
  }

  {
    const f = iso.fresh_instance;
    console.log(
      `fresh wasm instance in this warm isolate (miti only; mean of ${f.instances_per_sample}, median of 5): ` +
        `create ${fmt(f.create_ms.median, "ms")}, create + first /nosuch ${fmt(f.create_and_first_update_ms.median, "ms")}`,
    );
  }

  // 4. From Node.
  const node = await fromNode();
  {
    const row = (label, pick) => [
      label,
      fmt(pick(node.miti), "ms"),
      fmt(pick(node.js), "ms"),
      fmtRatio(ratio(pick(node.miti), pick(node.js))),
      fmtDiff(pick(node.miti) - pick(node.js), "ms"),
    ];
    table(
      `4. Per-request wall time from Node (mf.dispatchFetch, sequential) — median of ${REQUESTS}`,
      ["request", "miti", "JS baseline", "miti/JS", "miti − JS"],
      [
        row("GET / (no-op)", (t) => t.get.median),
        row("/ping webhook", (t) => t.ping.median),
        row("/ping minus GET /", (t) => t.ping_minus_get_ms),
        row("/nosuch webhook", (t) => t.unknown.median),
        row("/nosuch minus GET /", (t) => t.unknown_minus_get_ms),
      ],
    );
  }

  if (sha256(WASM) !== wasmSha) warn("build/wasm/miti.wasm changed during the run: the figures mix two builds; run again");
  const seconds = (performance.now() - started) / 1000;
  meta.duration_s = Number(seconds.toFixed(1));
  meta.loadavg_at_end = os.loadavg().map((x) => Number(x.toFixed(2)));
  const results = { meta, upload_size: size, cold_start: cold, isolate: iso, from_node: node, warnings };
  fs.mkdirSync(path.dirname(RESULTS), { recursive: true });
  fs.writeFileSync(RESULTS, `${JSON.stringify(results, null, 2)}\n`);
  for (const text of warnings) console.log(`\nwarning: ${text}`);
  console.log(`\nDone in ${seconds.toFixed(1)} s (load ${meta.loadavg_at_end.join(" ")} at the end); figures in ${path.relative(process.cwd(), RESULTS) || RESULTS}`);
}

main().catch((error) => {
  console.error(`bench: ${error.stack ?? error}`);
  process.exit(1);
});

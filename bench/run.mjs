#!/usr/bin/env node
// `npm run bench` (installs the bench's own dependencies and builds first,
// see bench/prepare.sh), or `node bench/run.mjs` once everything is built.
//
// Three Workers doing the same Telegram bot work, side by side, measured in
// one run: the floor (bench/floor_worker.mjs, plain JS, no framework), the
// grammY bot (bench/grammy_worker.mjs, bundled by wrangler) and miti
// (js-shim/worker.mjs + build/wasm/miti.wasm, MODULES=util,misc,notes,remind).
// Every figure is shown for the three, with "over the floor" differences
// (Worker − floor, measured in the same run) and miti's over-floor figure as a
// ratio of grammY's. Then the issue's targets, each met or not met. Prints
// figures, never fails on them. Writes everything, raw samples included, to
// bench/results/latest.json. docs/benchmarks.md explains each figure.
//
// Knobs (environment): BENCH_COLD_RUNS (7), BENCH_BATCHES (11),
// BENCH_BATCH_MS (150), BENCH_MEMORY_UPDATES (100000), BENCH_TOP_FUNCTIONS (20).
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import zlib from "node:zlib";

import { Miniflare } from "miniflare";

import { WRANGLER_TELEMETRY_OFF, freePort } from "../scripts/lib/project.mjs";
import { ROOT, SECRET, TOKEN, API_BASE, BOT_USERNAME, startWorker, textUpdate } from "../tests/worker/harness.mjs";
import { applyD1Migrations } from "../testkit/d1_migrations.mjs";
import { measureDedup } from "./dedup.mjs";
import { shortName, summarize } from "./wasm_functions.mjs";

const BENCH = path.dirname(fileURLToPath(import.meta.url));
const WASM = path.join(ROOT, "build/wasm/miti.wasm");
const NAMES_WASM = path.join(ROOT, "build/wasm-names/miti.wasm");
const OUT = path.join(ROOT, "build/bench");  // wrangler's dry-run bundles (build/ is git-ignored)
const GRAMMY_BUNDLE = path.join(OUT, "grammy/grammy_worker.js");
const ISOLATE_ENTRY = path.join(BENCH, "isolate_entry.mjs");
const RESULTS = path.join(BENCH, "results/latest.json");

const knob = (name, fallback) => {
  const value = Number(process.env[name]);
  return Number.isFinite(value) && value > 0 ? value : fallback;
};
const COLD_RUNS = knob("BENCH_COLD_RUNS", 7);
const BATCHES = knob("BENCH_BATCHES", 11);
const BATCH_MS = knob("BENCH_BATCH_MS", 150);
const MEMORY_UPDATES = knob("BENCH_MEMORY_UPDATES", 100_000);
const TOP_FUNCTIONS = knob("BENCH_TOP_FUNCTIONS", 20);

// The production modules: the test-only ones (selftest, sqlprobe, mymod) are
// compiled into today's wasm but not enabled.
const MODULES = "util,misc,notes,remind";
// Section 3 compares like with like: the floor and the grammY bot implement
// /info (util) and /ping (misc), so `miti` there runs with those two modules.
// `miti_all` is the same Worker with every production module: `notes` keeps a
// pending question per sender in D1, which costs one D1 statement for every
// command and plain text message (docs/benchmarks.md).
const LIKE_MODULES = "util,misc";
const TARGETS = ["floor", "grammy", "miti"];
const ISOLATE_TARGETS = [...TARGETS, "miti_all"];
const LABEL = { floor: "floor", grammy: "grammY", miti: "miti", miti_all: `miti (${MODULES})` };
const SCRIPT = {
  floor: path.join(BENCH, "floor_worker.mjs"),
  grammy: GRAMMY_BUNDLE,
  miti: path.join(ROOT, "js-shim/worker.mjs"),
};
SCRIPT.miti_all = SCRIPT.miti;
const COLD_ENTRY = Object.fromEntries(TARGETS.map((t) => [t, path.join(BENCH, `cold/${t}.mjs`)]));
COLD_ENTRY.miti_all = COLD_ENTRY.miti;
const CONFIG = {
  floor: path.join(BENCH, "floor_wrangler.toml"),
  grammy: path.join(BENCH, "grammy_wrangler.toml"),
  miti: path.join(ROOT, "wrangler.toml"),
};
const TARGETS_SPEC = {
  upload_gzip_kib_max: 96,
  cpu_over_floor_ratio_max: 0.5,
  kv_ping_over_floor_us_max: 15,
};

// Each distinct warning is printed once when it first happens and again, with
// how often it happened, at the end.
const warnings = [];
const warn = (text) => {
  const seen = warnings.find((w) => w.text === text);
  if (seen) {
    seen.times++;
    return;
  }
  warnings.push({ text, times: 1 });
  console.error(`bench: warning: ${text}`);
};

// ---------------------------------------------------------------- helpers

function median(values) {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function quantile(values, q) {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

function summary(values) {
  const finite = values.filter(Number.isFinite);
  return {
    median: median(finite),
    min: finite.length ? Math.min(...finite) : NaN,
    max: finite.length ? Math.max(...finite) : NaN,
    samples: values,
  };
}

// samples[target][i] were measured in the same round i for every target.
// "Over the floor" is the median of the per-round differences (target − floor):
// pairing cancels slow drifts (machine load, storage warming up) that would
// otherwise land in one Worker's samples and not another's. The spread is half
// the interquartile range of those differences.
function compare(samples) {
  const out = { per_target: {}, over_floor: {}, spread: {} };
  const targets = Object.keys(samples);
  for (const target of targets) out.per_target[target] = summary(samples[target]);
  for (const target of targets.filter((t) => t !== "floor")) {
    const diffs = samples[target].map((x, i) => x - samples.floor[i]);
    out.over_floor[target] = median(diffs);
    out.spread[target] = (quantile(diffs, 0.75) - quantile(diffs, 0.25)) / 2;
    out[`${target}_minus_floor_samples`] = diffs;
  }
  out.miti_over_grammy = ratioOver(out.over_floor.miti, out.over_floor.grammy);
  return out;
}

// miti's over-floor figure as a fraction of grammY's; meaningless when grammY
// is not above the floor.
const ratioOver = (miti, grammy) => (Number.isFinite(miti) && Number.isFinite(grammy) && grammy > 0 ? miti / grammy : NaN);

const sha256 = (file) => createHash("sha256").update(fs.readFileSync(file)).digest("hex");
const gzipBytes = (buffer) => zlib.gzipSync(buffer, { level: 9 }).length;
const kib = (bytes) => bytes / 1024;

function fmt(value, unit) {
  if (!Number.isFinite(value)) return "n/a";
  if (unit === "KiB") return `${value.toFixed(2)} KiB`;  // as wrangler prints it
  if (unit === "B") return `${Math.round(value).toLocaleString("en-US")} B`;
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  return `${value.toFixed(digits)} ${unit}`;
}
const fmtDiff = (value, unit) => (Number.isFinite(value) ? `${value >= 0 ? "+" : "−"}${fmt(Math.abs(value), unit)}` : "n/a");
const fmtRatio = (r) => (Number.isFinite(r) ? `${r.toFixed(r >= 10 ? 1 : 2)}×` : "n/a");
const fmtSpread = (value, unit) => (Number.isFinite(value) ? `±${fmt(value, unit)}` : "");
const range = (s, digits = 0) => (Number.isFinite(s.min) ? `${s.min.toFixed(digits)}–${s.max.toFixed(digits)}` : "n/a");

// align: one letter per column, "l" or "r" (default: the first left, the rest right).
function table(title, header, rows, { align } = {}) {
  const cells = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...cells.map((row) => String(row[i] ?? "").length)));
  const left = (i) => (align ? align[i] === "l" : i === 0);
  const line = (row) =>
    row
      .map((cell, i) => (left(i) ? String(cell ?? "").padEnd(widths[i]) : String(cell ?? "").padStart(widths[i])))
      .join("   ")
      .trimEnd();
  console.log(`\n${title}`);
  console.log(line(header));
  console.log(widths.map((w) => "-".repeat(w)).join("   "));
  for (const row of rows) console.log(line(row));
}

function git(...args) {
  const result = spawnSync("git", args, { cwd: ROOT, encoding: "utf8" });
  return result.status === 0 ? result.stdout.trim() : null;
}

const packageVersion = (name, root = ROOT) => {
  try {
    return JSON.parse(fs.readFileSync(path.join(root, "node_modules", name, "package.json"), "utf8")).version;
  } catch {
    return null;
  }
};

// Rounds alternate the order the Workers run in, so none is always first.
const orderFor = (round, targets = TARGETS) => {
  const rotated = targets.map((_, i) => targets[(i + round) % targets.length]);
  return round % 2 ? rotated.reverse() : rotated;
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

// CPU time of the workerd process Miniflare spawned, from Linux's /proc: the
// time its threads were on a CPU, in ns (the first field of each thread's
// schedstat). Unlike the isolate's clock it does not count the time other
// processes on a busy machine take the CPU away, so it is the steadier figure.
// It covers every thread of workerd: the isolate, V8's GC and compiler
// threads, and Miniflare's KV/D1 storage, which runs in the same process.
const PROC = "/proc";
function childWorkerdPids() {
  const pids = [];
  let entries = [];
  try {
    entries = fs.readdirSync(PROC);
  } catch {
    return pids;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`${PROC}/${entry}/stat`, "utf8");
      const close = stat.lastIndexOf(")");
      const comm = stat.slice(stat.indexOf("(") + 1, close);
      const ppid = Number(stat.slice(close + 2).split(" ")[1]);
      if (ppid === process.pid && comm.startsWith("workerd")) pids.push(Number(entry));
    } catch {}
  }
  return pids;
}

// All threads of the processes, or only their main threads (tid = pid): the
// thread workerd runs its isolates on (Miniflare's own service Workers and its
// KV/D1 storage share it); the others are V8's GC and compiler helpers.
function cpuNs(pids, { mainThreadOnly = false } = {}) {
  let total = 0;
  for (const pid of pids) {
    let tids = [];
    try {
      tids = mainThreadOnly ? [String(pid)] : fs.readdirSync(`${PROC}/${pid}/task`);
    } catch {
      continue;
    }
    for (const tid of tids) {
      try {
        total += Number(fs.readFileSync(`${PROC}/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]);
      } catch {}
    }
  }
  return total;
}

// The workerd a worker runs in: the child workerd that was not there before.
function workerdOf(before) {
  const pids = childWorkerdPids().filter((pid) => !before.includes(pid));
  return pids.length === 1 ? pids : [];
}

// A fresh KV/D1 store for a Worker; for miti_all, with the D1 migrations
// applied by a Miniflare that is gone before the timed one starts.
async function storeFor(scriptPath, target) {
  const persist = freshStore();
  if (target === "miti_all") {
    if (!persist) warn("no tmpfs store for a migrated D1: miti_all's cold starts run against an empty database");
    const setup = await startWorker({ scriptPath, persist, bindings: { MODULES }, migrations: true });
    await setup.dispose();
  }
  return persist;
}

// The same Miniflare setup as the Worker tests (tests/worker/harness.mjs: real
// KV and D1, a fake Bot API), the same bindings for all the Workers. `miti`
// runs LIKE_MODULES; `miti_all` runs every production module against a D1
// database migrated beforehand, as a deployed Worker finds it (wrangler
// applies migrations before deploy), so the timed start does not include it.
async function start(scriptPath, target = null, persist = undefined) {
  const modules = target === "miti_all" ? MODULES : LIKE_MODULES;
  persist ??= await storeFor(scriptPath, target);
  const before = childWorkerdPids();
  const worker = await startWorker({ scriptPath, persist, bindings: { MODULES: modules } });
  const pids = workerdOf(before);
  return {
    ...worker,
    // NaN when the process cannot be told apart or /proc is not there.
    cpuMs: (options) => (pids.length ? cpuNs(pids, options) / 1e6 : NaN),
    dispose: async () => {
      await worker.dispose();
      dropStore(persist);
    },
  };
}

// ---------------------------------------------------- the expected answers

const CHAT = 42;
const SENDER = 7;
const updates = {
  info: () => textUpdate("/info", { chatId: CHAT, fromId: SENDER }),
  ping: () => textUpdate("/ping", { chatId: CHAT, fromId: SENDER }),
  ignored: () => textUpdate("hello there, just chatting", { chatId: CHAT, fromId: SENDER }),
};
const INFO_TEXT = `chat id: ${CHAT}\nthread id: n/a\nsender id: ${SENDER}`;

// The webhook answer's meaning: the same method, chat, text and thread,
// whatever the key order; any other key is reported.
function checkReply(body, text, { chatId = CHAT, threadId } = {}) {
  let reply;
  try {
    reply = JSON.parse(body);
  } catch {
    return `not JSON: ${JSON.stringify(body)}`;
  }
  const problems = [];
  if (reply.method !== "sendMessage") problems.push(`method ${JSON.stringify(reply.method)}`);
  if (reply.chat_id !== chatId) problems.push(`chat_id ${JSON.stringify(reply.chat_id)}`);
  if (reply.text !== text) problems.push(`text ${JSON.stringify(reply.text)}`);
  if (reply.message_thread_id !== threadId) problems.push(`message_thread_id ${JSON.stringify(reply.message_thread_id)}`);
  const extra = Object.keys(reply).filter((k) => !["method", "chat_id", "text", "message_thread_id"].includes(k));
  if (extra.length) problems.push(`extra keys ${extra.join(", ")}`);
  return problems.length ? problems.join("; ") : null;
}

// The KV record /ping writes: {"at": an ISO time in UTC, not before `since`}.
function pingRecordProblem(text, since) {
  let record;
  try {
    record = JSON.parse(text);
  } catch {
    return `misc:last_ping is ${JSON.stringify(text ?? null)}`;
  }
  const at = Date.parse(record?.at ?? "");
  const fresh = Number.isFinite(at) && at >= since - 2000 && at <= Date.now() + 2000;
  return Object.keys(record ?? {}).length === 1 && fresh && record.at.endsWith("Z") ? null : `misc:last_ping is ${text}`;
}

const expectBody = {
  info: (body) => checkReply(body, INFO_TEXT),
  pong: (body) => checkReply(body, "pong"),
  empty: (body) => (body === "" ? null : `expected an empty body, got ${JSON.stringify(body)}`),
  health: (body) => (body === "miti: ok\n" ? null : `expected "miti: ok\\n", got ${JSON.stringify(body)}`),
};

// ---------------------------------------------------- 1. upload size

function dryRun(target, outdir) {
  fs.rmSync(outdir, { recursive: true, force: true });
  const result = spawnSync(
    path.join(ROOT, "node_modules/.bin/wrangler"),
    ["deploy", "--dry-run", "--outdir", outdir, "--config", CONFIG[target]],
    {
      cwd: ROOT,
      encoding: "utf8",
      env: { ...process.env, ...WRANGLER_TELEMETRY_OFF, NO_COLOR: "1", FORCE_COLOR: "0" },
      timeout: 120_000,
    },
  );
  const output = `${result.stdout ?? ""}\n${result.stderr ?? ""}`;
  const match = output.match(/Total Upload:\s*([\d.]+)\s*KiB\s*\/\s*gzip:\s*([\d.]+)\s*KiB/);
  if (result.status !== 0 || !match) {
    throw new Error(`wrangler deploy --dry-run for ${LABEL[target]} failed (exit ${result.status}):\n${output.trim()}`);
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
  const out = {};
  try {
    for (const target of TARGETS) out[target] = dryRun(target, path.join(OUT, target));
  } finally {
    // wrangler leaves a .wrangler/ next to a config outside the root.
    fs.rmSync(path.join(BENCH, ".wrangler"), { recursive: true, force: true });
  }
  const wasm = fs.readFileSync(WASM);
  const shipped = Object.entries(out.miti.files).find(([name]) => name.endsWith(".wasm"));
  if (shipped && shipped[1].bytes !== wasm.length) {
    warn(`the wasm wrangler bundled (${shipped[1].bytes} B) is not build/wasm/miti.wasm (${wasm.length} B): rebuilt mid-run?`);
  }
  out.miti_wasm = { bytes: wasm.length, gzip9_bytes: gzipBytes(wasm) };
  return out;
}

function printUploadSizes(size) {
  const bundle = (files) => Object.entries(files).find(([name]) => /\.m?js$/.test(name))?.[1];
  const row = (label, pick, unit = "KiB") => {
    const v = Object.fromEntries(TARGETS.map((t) => [t, pick(t)]));
    const go = v.grammy - v.floor;
    const mo = v.miti - v.floor;
    return [label, fmt(v.floor, unit), fmt(v.grammy, unit), fmt(v.miti, unit), fmtDiff(go, unit), fmtDiff(mo, unit), fmtRatio(ratioOver(mo, go))];
  };
  table(
    "1. Upload size — wrangler deploy --dry-run (KiB = 1024 B)",
    ["figure", "floor", "grammY", "miti", "grammY − floor", "miti − floor", "miti/grammY over floor"],
    [
      row("Total Upload (wrangler)", (t) => size[t].total_upload_kib),
      row("gzip (wrangler)", (t) => size[t].gzip_kib),
      row("  JS bundle wrangler built, raw", (t) => kib(bundle(size[t].files)?.bytes)),
      row("  JS bundle wrangler built, gzip -9", (t) => kib(bundle(size[t].files)?.gzip9_bytes)),
    ],
  );
  console.log(
    `  miti's build/wasm/miti.wasm: ${fmt(kib(size.miti_wasm.bytes), "KiB")} raw, ${fmt(kib(size.miti_wasm.gzip9_bytes), "KiB")} gzip -9 ` +
      `(part of miti's Total Upload; its JS bundle is the shim, which instantiates the wasm itself)`,
  );
}

// ---------------------------------------------------- answers check

async function verify(target) {
  const worker = await start(SCRIPT[target]);
  const problems = [];
  const check = (what, problem) => {
    if (problem) problems.push(`${what}: ${problem}`);
  };
  try {
    const kv = await worker.mf.getKVNamespace("KV");
    const send = async (update, options) => {
      const response = await worker.webhook(update, options);
      return { status: response.status, body: await response.text() };
    };
    const status = (r, want) => (r.status === want ? null : `status ${r.status}, expected ${want}`);

    let r = await send(updates.info());
    check("/info", status(r, 200) ?? expectBody.info(r.body));
    r = await send(textUpdate("/info", { chatId: -100777, fromId: 99, chatType: "supergroup", threadId: 12 }));
    check("/info in a forum topic", status(r, 200) ?? checkReply(r.body, "chat id: -100777\nthread id: 12\nsender id: 99", { chatId: -100777, threadId: 12 }));
    const before = Date.now();
    r = await send(updates.ping());
    check("/ping", status(r, 200) ?? expectBody.pong(r.body));
    check("/ping's KV record", pingRecordProblem(await kv.get("misc:last_ping").catch(() => null), before));
    r = await send(updates.ignored());
    check("plain text", status(r, 200) ?? expectBody.empty(r.body));
    r = await send(textUpdate("/nosuch"));
    // miti's util module answers unknown commands in private chats with a
    // pointer to /help (not timed: no case below sends one).
    check(
      "/nosuch",
      status(r, 200) ??
        (target === "miti"
          ? (r.body.includes("I don't know /nosuch") ? null : `expected util's /help pointer, got ${JSON.stringify(r.body.slice(0, 120))}`)
          : expectBody.empty(r.body)),
    );
    r = await send(updates.ping(), { secret: "wrong-secret" });
    check("wrong secret", status(r, 401));
    let response = await worker.fetch("/");
    check("GET /", response.status === 200 ? expectBody.health(await response.text()) : `status ${response.status}`);
    response = await worker.fetch("/elsewhere");
    await response.arrayBuffer();
    check("GET /elsewhere", response.status === 404 ? null : `status ${response.status}, expected 404`);
    // One access-log line per request: 8 requests were made.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const lines = worker.jsonLogs().filter((l) => typeof l.method === "string" && typeof l.path === "string" && typeof l.status === "number" && typeof l.ms === "number");
    check("access log", lines.length === 8 ? null : `${lines.length} request lines for 8 requests`);
    if (worker.calls.length) check("Bot API", `${worker.calls.length} outbound Bot API calls, expected none (the answers ride in the webhook body)`);
  } finally {
    await worker.dispose();
  }
  return problems;
}

// ---------------------------------------------------- 2a. cold start from Node

async function coldStart(target) {
  const persist = await storeFor(SCRIPT[target], target);  // not timed
  const nodeCpu0 = process.cpuUsage();
  const t0 = performance.now();
  const worker = await start(SCRIPT[target], target, persist);  // new Miniflare(...) + ready
  const t1 = performance.now();
  const nodeCpu = process.cpuUsage(nodeCpu0);
  const first = await worker.webhook(updates.info());
  const firstBody = await first.text();
  const t2 = performance.now();
  const cpuToFirst = worker.cpuMs();
  const second = await worker.webhook(updates.info());
  await second.text();
  const t3 = performance.now();
  await new Promise((resolve) => setTimeout(resolve, 20));
  // All three log {"method","path","status","ms"} per request, timed with the
  // isolate's clock (1 ms ticks): the first update's time inside workerd.
  const access = worker.jsonLogs().find((line) => line.path === "/webhook" && typeof line.ms === "number");
  await worker.dispose();
  const problem = first.status !== 200 ? `status ${first.status}` : expectBody.info(firstBody);
  if (problem) warn(`${LABEL[target]}: cold start's first /info answered wrongly: ${problem}`);
  return {
    ready_ms: t1 - t0,
    first_response_ms: t2 - t1,
    total_ms: t2 - t0,
    workerd_cpu_ms: cpuToFirst,
    node_cpu_to_ready_ms: (nodeCpu.user + nodeCpu.system) / 1000,
    first_in_isolate_log_ms: access?.ms ?? NaN,
    second_response_ms: t3 - t2,
  };
}

const COLD_KEYS = ["total_ms", "workerd_cpu_ms", "node_cpu_to_ready_ms", "ready_ms", "first_response_ms", "first_in_isolate_log_ms", "second_response_ms"];

async function coldStarts() {
  const runs = Object.fromEntries(ISOLATE_TARGETS.map((t) => [t, []]));
  for (let i = 0; i < COLD_RUNS; i++) for (const target of orderFor(i, ISOLATE_TARGETS)) runs[target].push(await coldStart(target));
  const out = { runs: COLD_RUNS };
  for (const key of COLD_KEYS) out[key] = compare(Object.fromEntries(ISOLATE_TARGETS.map((t) => [t, runs[t].map((r) => r[key])])));
  return out;
}

// ---------------------------------------------------- 2b. cold start inside the isolate

async function coldInIsolate(target) {
  const worker = await start(COLD_ENTRY[target], target);
  try {
    const response = await worker.webhook(updates.info());
    const body = await response.text();
    const problem = response.status !== 200 ? `status ${response.status}` : expectBody.info(body);
    if (problem) warn(`${LABEL[target]}: first /info in a fresh isolate answered wrongly: ${problem}`);
    let line = null;
    for (let i = 0; i < 50 && !line; i++) {
      line = worker.jsonLogs().find((l) => l.bench_cold)?.bench_cold ?? null;
      if (!line) await new Promise((resolve) => setTimeout(resolve, 10));
    }
    if (!line) {
      warn(`${LABEL[target]}: no bench_cold log line from bench/cold/${target}.mjs`);
      return { eval_ms: NaN, first_request_ms: NaN, total_ms: NaN };
    }
    return { ...line, total_ms: line.eval_ms + line.first_request_ms };
  } finally {
    await worker.dispose();
  }
}

const ISOLATE_COLD_KEYS = ["total_ms", "eval_ms", "first_request_ms"];

async function coldStartsInIsolate() {
  const runs = Object.fromEntries(ISOLATE_TARGETS.map((t) => [t, []]));
  for (let i = 0; i < COLD_RUNS; i++) for (const target of orderFor(i, ISOLATE_TARGETS)) runs[target].push(await coldInIsolate(target));
  const out = { runs: COLD_RUNS };
  for (const key of ISOLATE_COLD_KEYS) out[key] = compare(Object.fromEntries(ISOLATE_TARGETS.map((t) => [t, runs[t].map((r) => r[key])])));
  return out;
}

// One figure for every Worker: the like-for-like three, their over-the-floor
// differences, then miti with every production module (when measured).
function coldRow(label, c, unit = "ms", last = null) {
  const p = c.per_target;
  const all = p.miti_all
    ? [fmt(p.miti_all.median, unit), `${fmtDiff(c.over_floor.miti_all, unit)} ${fmtSpread(c.spread.miti_all, unit)}`]
    : ["", ""];
  return [
    label,
    fmt(p.floor.median, unit),
    fmt(p.grammy.median, unit),
    fmt(p.miti.median, unit),
    `${fmtDiff(c.over_floor.grammy, unit)} ${fmtSpread(c.spread.grammy, unit)}`,
    `${fmtDiff(c.over_floor.miti, unit)} ${fmtSpread(c.spread.miti, unit)}`,
    fmtRatio(c.miti_over_grammy),
    ...all,
    last ?? `${range(p.floor, 1)} | ${range(p.grammy, 1)} | ${range(p.miti, 1)}`,
  ];
}

const COMPARE_HEADER = [
  "figure", "floor", "grammY", "miti", "grammY − floor", "miti − floor", "miti/grammY over floor",
  "miti, all modules", "… − floor", "min–max floor | grammY | miti",
];

// ---------------------------------------------------- 3. CPU per update in the isolate

// workerd runs the isolates on its main thread: its CPU time is the batch's.
const ISOLATE_THREAD = { mainThreadOnly: true };

const ISOLATE_CASES = [
  { id: "info", label: "/info (no I/O)", update: updates.info, expect: "info", start: 50, max: 50_000 },
  { id: "ping-stub", label: "/ping, in-memory KV stub (no I/O)", update: updates.ping, expect: "pong", start: 50, max: 50_000 },
  // The same with miti's time bounds off (bench only): what its one timer per
  // request in flight costs (docs/benchmarks.md). Not a target: the bounds stay on.
  { id: "ping-stub-unbounded", label: "  the same, miti's time bounds off", update: updates.ping, expect: "pong", start: 50, max: 50_000 },
  { id: "ignored", label: "ignored update (plain text)", update: updates.ignored, expect: "empty", start: 50, max: 50_000 },
  // Miniflare's KV is the noisiest part (its storage warms up over the first
  // few hundred writes): more warm-up and twice the batches.
  { id: "ping-kv", label: "/ping, Miniflare KV (put awaited)", update: updates.ping, expect: "pong", start: 10, max: 5_000, prewarm: 5, rounds: 2 },
  { id: "get", label: "GET / (same code in all three: noise check)", update: null, expect: "health", start: 50, max: 50_000 },
  { id: "core-info", label: "update handling only: /info", update: updates.info, expect: "info", start: 100, max: 500_000 },
  { id: "core-ignored", label: "update handling only: ignored update", update: updates.ignored, expect: "empty", start: 100, max: 500_000 },
];

async function isolate() {
  const worker = await startEntry();
  try {
    const clock = await (await worker.fetch("/__bench/clock")).json();
    if (!clock.date_now_live) {
      warn("Date.now() does not advance during computation in this workerd; batch times rely on the setTimeout fence");
    }
    const batch = async (target, kase, n) => {
      const started = Date.now();
      const update = JSON.stringify(kase.update ? kase.update() : {});
      const cpu0 = worker.cpuMs(ISOLATE_THREAD);
      const response = await worker.fetch("/__bench/batch", {
        method: "POST",
        body: JSON.stringify({ target, case: kase.id, n, update, secret: SECRET, modules: LIKE_MODULES }),
      });
      const text = await response.text();
      const cpuMs = worker.cpuMs(ISOLATE_THREAD) - cpu0;
      if (response.status !== 200) throw new Error(`batch ${target}/${kase.id} failed: ${response.status} ${text}`);
      const result = JSON.parse(text);
      const problem =
        result.statuses["200"] !== n
          ? `statuses ${JSON.stringify(result.statuses)}`
          : (expectBody[kase.expect](result.last.body) ??
            expectBody[kase.expect](result.first?.body ?? "") ??
            (kase.expect === "pong" ? pingRecordProblem(result.last_ping, started) : null));
      if (problem) warn(`${LABEL[target]}/${kase.id}: unexpected answers in a batch: ${problem}`);
      return { ms: clock.date_now_live ? result.ms : result.ms_after_fence, cpuMs, n };
    };
    // Pick n so one batch takes about BATCH_MS (the clock ticks in whole ms):
    // grow n tenfold until a batch takes 15 ms, then check the estimate with
    // one batch of the planned size. The faster of the two estimates wins
    // (a batch the machine's load slowed down would plan batches too short).
    const plan = {};
    const sizeFor = (usPerUpdate, kase) => Math.max(1, Math.min(kase.max, Math.round((BATCH_MS * 1000) / usPerUpdate)));
    for (const kase of ISOLATE_CASES) {
      for (const target of ISOLATE_TARGETS) {
        for (let i = 0; i < (kase.prewarm ?? 0); i++) await batch(target, kase, 4 * kase.start);
        let n = kase.start;
        let { ms } = await batch(target, kase, n);
        while (ms < 15 && n < kase.max) {
          n = Math.min(kase.max, n * 10);
          ({ ms } = await batch(target, kase, n));
        }
        const first = (Math.max(ms, 1) * 1000) / n;
        const planned = sizeFor(first, kase);
        const check = await batch(target, kase, planned);
        plan[`${target}/${kase.id}`] = sizeFor(Math.min(first, (Math.max(check.ms, 1) * 1000) / planned), kase);
      }
    }
    // Fresh wasm instances in this (warm) isolate: the per-instance part of
    // miti's cold start.
    const INSTANCES = 40;
    const fresh = { create_ms: [], create_and_first_update_ms: [] };
    for (let i = 0; i < 5; i++) {
      const response = await worker.fetch("/__bench/instantiate", {
        method: "POST",
        body: JSON.stringify({ n: INSTANCES, update: JSON.stringify(updates.info()) }),
      });
      const result = await response.json();
      fresh.create_ms.push(result.create_ms / INSTANCES);
      fresh.create_and_first_update_ms.push(result.create_and_first_update_ms / INSTANCES);
    }
    const samples = {};
    const cpuSamples = {};
    for (let round = 0; round < 2 * BATCHES; round++) {
      for (const kase of ISOLATE_CASES.filter((k) => round < BATCHES * (k.rounds ?? 1))) {
        for (const target of orderFor(round, ISOLATE_TARGETS)) {
          const key = `${target}/${kase.id}`;
          const { ms, cpuMs, n } = await batch(target, kase, plan[key]);
          (samples[key] ??= []).push((ms * 1000) / n);
          (cpuSamples[key] ??= []).push((cpuMs * 1000) / n);
        }
      }
    }
    const cases = {};
    for (const kase of ISOLATE_CASES) {
      cases[kase.id] = compare(Object.fromEntries(ISOLATE_TARGETS.map((t) => [t, samples[`${t}/${kase.id}`]])));
      cases[kase.id].workerd_cpu = compare(Object.fromEntries(ISOLATE_TARGETS.map((t) => [t, cpuSamples[`${t}/${kase.id}`]])));
      cases[kase.id].n_per_batch = Object.fromEntries(ISOLATE_TARGETS.map((t) => [t, plan[`${t}/${kase.id}`]]));
      cases[kase.id].batches = samples[`floor/${kase.id}`].length;
    }
    // What miti's time bounds cost a /ping: bounded − unbounded, paired per
    // round like the over-the-floor figures (both cases run in every round).
    const boundsCost = (of) => {
      const c = compare({ floor: of["miti/ping-stub-unbounded"], miti: of["miti/ping-stub"] });
      return { median: c.over_floor.miti, spread: c.spread.miti, samples: c.miti_minus_floor_samples };
    };
    return {
      clock,
      batches: BATCHES,
      batch_ms_target: BATCH_MS,
      cases,
      bounds_cost_us: { clock: boundsCost(samples), workerd_cpu: boundsCost(cpuSamples) },
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

// ---------------------------------------------------- 4. memory

// The isolate entry (bench/isolate_entry.mjs) in a Miniflare of its own: the
// same bindings and storage as start(), but the Workers' log lines (one per
// update, hundreds of thousands in a run) are drained unread instead of
// collected. With `inspector`, the V8 inspector is open so that the JS heap can
// be read (Runtime.getHeapUsage, after a forced GC).
async function startEntry({ inspector = false } = {}) {
  let WebSocket = null;
  if (inspector) {
    try {
      ({ default: WebSocket } = await import("ws"));  // Node 20 has no global WebSocket
    } catch {
      WebSocket = globalThis.WebSocket ?? null;
    }
  }
  const port = WebSocket ? await freePort() : undefined;
  const persist = freshStore();
  const before = childWorkerdPids();
  const mf = new Miniflare({
    modules: true,
    scriptPath: ISOLATE_ENTRY,
    modulesRoot: ROOT,
    modulesRules: [
      { type: "ESModule", include: ["**/*.mjs", "**/*.js"] },
      { type: "CompiledWasm", include: ["**/*.wasm"] },
    ],
    compatibilityDate: "2026-04-01",
    kvNamespaces: ["KV"],
    d1Databases: ["DB"],
    ...(persist ? { kvPersist: persist, d1Persist: persist } : {}),
    bindings: {
      MODULES,
      TELEGRAM_WEBHOOK_SECRET: SECRET,
      TELEGRAM_BOT_TOKEN: TOKEN,
      TELEGRAM_API_BASE: API_BASE,
      TELEGRAM_BOT_USERNAME: BOT_USERNAME,
    },
    inspectorPort: WebSocket ? port : undefined,
    // The Workers' access-log lines are not wanted here, but the pipes must be
    // drained or workerd blocks once they fill.
    handleRuntimeStdio(stdout, stderr) {
      stdout.resume();
      stderr.resume();
    },
  });
  await mf.ready;
  // The database the production Worker would have: with it, D1 statements
  // (a sender's conversation, delivery records) cost what they cost in
  // production instead of failing on missing tables.
  await applyD1Migrations(await mf.getD1Database("DB"));
  const pids = workerdOf(before);
  let socket = null;
  let nextId = 1;
  const pending = new Map();
  if (WebSocket) {
    try {
      const targets = await (await fetch(`http://127.0.0.1:${port}/json`)).json();
      const user = targets.find((t) => t.id === "core:user:") ?? targets.find((t) => String(t.id).startsWith("core:user:"));
      socket = new WebSocket(user.webSocketDebuggerUrl);
      await new Promise((resolve, reject) => {
        socket.addEventListener("open", resolve, { once: true });
        socket.addEventListener("error", reject, { once: true });
      });
      socket.addEventListener("message", (event) => {
        const message = JSON.parse(typeof event.data === "string" ? event.data : event.data.toString());
        const waiter = pending.get(message.id);
        if (waiter) {
          pending.delete(message.id);
          waiter(message);
        }
      });
    } catch (error) {
      warn(`the V8 inspector could not be reached, so no JS heap figures: ${error.message ?? error}`);
      socket = null;
    }
  }
  const inspect = (method, params = {}) =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      const timer = setTimeout(() => reject(new Error(`${method}: no answer`)), 10_000);
      pending.set(id, (message) => {
        clearTimeout(timer);
        message.error ? reject(new Error(message.error.message)) : resolve(message.result);
      });
      socket.send(JSON.stringify({ id, method, params }));
    });
  return {
    fetch: (url, init) => mf.dispatchFetch(new URL(url, "http://localhost").href, init),
    cpuMs: (options) => (pids.length ? cpuNs(pids, options) / 1e6 : NaN),
    // workerd answers a forced GC only once the isolate runs a request, and
    // the request must reach it after the inspector's command: tiny requests
    // (a 404 from the entry) until the GC is done.
    heapUsed: socket
      ? async () => {
          let done = false;
          const gc = inspect("HeapProfiler.collectGarbage").then(() => {
            done = true;
          });
          for (let i = 0; i < 200 && !done; i++) {
            await (await mf.dispatchFetch("http://localhost/__bench/nothing")).arrayBuffer();
            await Promise.race([gc, new Promise((resolve) => setTimeout(resolve, 25))]);
          }
          await gc;
          return (await inspect("Runtime.getHeapUsage")).usedSize;
        }
      : null,
    dispose: async () => {
      socket?.close();
      await mf.dispose();
      dropStore(persist);
    },
  };
}

const MEMORY_CASES = [
  { id: "info", label: "/info", update: updates.info, expect: "info" },
  { id: "ignored", label: "ignored update", update: updates.ignored, expect: "empty" },
  { id: "ping-stub", label: "/ping, KV stub", update: updates.ping, expect: "pong", stub: true },
];

async function memory() {
  const worker = await startEntry({ inspector: true });
  try {
    const checkpoints = [...new Set([1, 1000, 10_000, MEMORY_UPDATES].filter((n) => n <= MEMORY_UPDATES))];
    // Wasm memory: one fresh instance per kind of update.
    const wasm = {};
    for (const kase of MEMORY_CASES) {
      const response = await worker.fetch("/__bench/memory", {
        method: "POST",
        body: JSON.stringify({ update: JSON.stringify(kase.update()), checkpoints, stub: !!kase.stub }),
      });
      const result = await response.json();
      const problem =
        result.statuses["200"] !== MEMORY_UPDATES ? `statuses ${JSON.stringify(result.statuses)}` : expectBody[kase.expect](result.last.body);
      if (problem) warn(`miti memory run (${kase.label}): unexpected answers: ${problem}`);
      if (result.dead || result.in_flight || result.requests_in_flight_in_core) {
        warn(`miti memory run (${kase.label}): instance dead=${result.dead}, ${result.in_flight} JS / ${result.requests_in_flight_in_core} core requests still in flight`);
      }
      wasm[kase.id] = result;
      const top = (n) => result.readings.find((r) => r.updates === n)?.heap_top;
      const from = Math.min(1000, MEMORY_UPDATES);
      if (top(from) && top(MEMORY_UPDATES) && top(MEMORY_UPDATES) > top(from)) {
        const grew = top(MEMORY_UPDATES) - top(from);
        warn(
          `miti's heap top grew by ${grew} B between update ${from} and ${MEMORY_UPDATES} (${kase.label}): ` +
            `about ${(grew / (MEMORY_UPDATES - from)).toFixed(1)} B per update, not yet visible in the wasm memory size`,
        );
      }
    }
    // JS heap of the isolate (all three Workers live in it) after the same
    // number of /info updates through each Worker's fetch handler in turn.
    let jsHeap = null;
    if (worker.heapUsed) {
      jsHeap = { before_bytes: await worker.heapUsed() };
      for (const target of TARGETS) {
        const readings = [];
        let done = 0;
        for (const checkpoint of [1000, MEMORY_UPDATES]) {
          while (done < checkpoint) {
            const n = Math.min(10_000, checkpoint - done);
            const response = await worker.fetch("/__bench/batch", {
              method: "POST",
              body: JSON.stringify({ target, case: "info", n, warmup: 0, update: JSON.stringify(updates.info()), secret: SECRET }),
            });
            const result = await response.json();
            if (result.statuses?.["200"] !== n) warn(`${LABEL[target]} JS heap run: statuses ${JSON.stringify(result.statuses)}`);
            done += n;
          }
          readings.push({ updates: done, heap_used_bytes: await worker.heapUsed() });
        }
        jsHeap[target] = readings;
      }
    }
    return { checkpoints, wasm, js_heap: jsHeap };
  } finally {
    await worker.dispose();
  }
}

// ---------------------------------------------------- 5. largest functions

// The code section of two builds of the same sources must be byte-identical
// when one only adds --profiling-funcs (names live in a custom section).
function codeSection(bytes) {
  let offset = 8;
  while (offset < bytes.length) {
    const id = bytes[offset++];
    let size = 0;
    let shift = 0;
    for (;;) {
      const b = bytes[offset++];
      size += (b & 0x7f) * 2 ** shift;
      shift += 7;
      if (!(b & 0x80)) break;
    }
    if (id === 10) return bytes.subarray(offset, offset + size);
    offset += size;
  }
  return null;
}

function functions() {
  if (!fs.existsSync(NAMES_WASM)) {
    warn(
      "build/wasm-names/miti.wasm is missing, so no function table: `bash bench/prepare.sh` builds it " +
        "(cmake --preset wasm -B build/wasm-names -DCMAKE_EXE_LINKER_FLAGS=--profiling-funcs)",
    );
    return null;
  }
  const named = fs.readFileSync(NAMES_WASM);
  const release = fs.readFileSync(WASM);
  const a = codeSection(named);
  const b = codeSection(release);
  const sameCode = !!a && !!b && Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;
  if (!sameCode) {
    warn(
      `build/wasm-names/miti.wasm's code (${a?.length} B) is not build/wasm/miti.wasm's (${b?.length} B): ` +
        "the names build is stale or built differently (or only ordered differently: the link order follows the build " +
        "folder's path), so the table may be off by the difference; `bash bench/prepare.sh` rebuilds it",
    );
  }
  return { file: path.relative(ROOT, NAMES_WASM), same_code_as_release: sameCode, ...summarize(named, TOP_FUNCTIONS) };
}

function printFunctions(f) {
  if (!f) return;
  const pct = (bytes) => `${((100 * bytes) / f.function_body_bytes).toFixed(1)} %`;
  table(
    `5. The ${f.largest.length} largest functions of the wasm — ${f.file} (--profiling-funcs; ` +
      `code ${f.same_code_as_release ? "identical to" : "DIFFERENT from"} build/wasm/miti.wasm): ` +
      `${fmt(f.function_body_bytes, "B")} in ${f.function_bodies} function bodies`,
    ["#", "bytes", "share", "group", "function"],
    f.largest.map((fn, i) => [String(i + 1), fmt(fn.bytes, "B"), pct(fn.bytes), fn.owner, shortName(fn.name, 110)]),
    { align: "rrrll" },
  );
  table(
    "   code by group (by the name's namespace; modules/* includes the test-only modules compiled in today)",
    ["group", "functions", "bytes", "share", "of which coroutine clones"],
    [
      ...f.groups.filter((g) => g.functions).map((g) => [g.group, String(g.functions), fmt(g.bytes, "B"), pct(g.bytes), fmt(g.clone_bytes, "B")]),
      [
        "coroutine clones (.resume/.destroy/.cleanup), all groups",
        String(f.coroutine_clones.functions),
        fmt(f.coroutine_clones.bytes, "B"),
        pct(f.coroutine_clones.bytes),
        `resume ${fmt(f.coroutine_clones.resume, "B")}, destroy ${fmt(f.coroutine_clones.destroy, "B")}, cleanup ${fmt(f.coroutine_clones.cleanup, "B")}`,
      ],
    ],
  );
}

// ---------------------------------------------------- 6. targets

function targets(results) {
  const out = [];
  const add = (name, met, figures, verdict = null) =>
    out.push({ target: name, met, verdict: verdict ?? (met === null ? "n/a" : met ? "met" : "NOT MET"), figures });
  const size = results.upload_size;
  add(`upload gzip (wrangler) with ${MODULES} ≤ ${TARGETS_SPEC.upload_gzip_kib_max} KiB`, size.miti.gzip_kib <= TARGETS_SPEC.upload_gzip_kib_max, `miti ${fmt(size.miti.gzip_kib, "KiB")} (grammY ${fmt(size.grammy.gzip_kib, "KiB")}, floor ${fmt(size.floor.gzip_kib, "KiB")})`);
  // The CPU figures are judged twice: on the isolate's clock (section 3's
  // first table) and on the isolate thread's CPU time (its second table).
  // met is null when the target cannot be judged (grammY not above the floor).
  const word = (met) => (met === null ? "n/a" : met ? "met" : "NOT MET");
  const twice = (judge) => {
    const clock = judge((id) => results.isolate.cases[id]);
    const cpu = judge((id) => results.isolate.cases[id].workerd_cpu);
    const cpuKnown = Number.isFinite(cpu.value);
    const met = clock.met === null || (cpuKnown && cpu.met === null) ? null : clock.met && (!cpuKnown || cpu.met);
    return {
      met,
      verdict: cpuKnown && clock.met !== cpu.met ? `clock: ${word(clock.met)}, CPU: ${word(cpu.met)}` : word(met),
      figures: `clock ${clock.figures}${cpuKnown ? `; CPU ${cpu.figures}` : ""}`,
    };
  };
  for (const id of ["info", "ping-stub", "ignored"]) {
    const kase = ISOLATE_CASES.find((k) => k.id === id);
    const r = twice((pick) => {
      const c = pick(id);
      const limit = TARGETS_SPEC.cpu_over_floor_ratio_max * c.over_floor.grammy;
      return {
        value: c.over_floor.miti,
        met: !(c.over_floor.grammy > 0) ? null : Number.isFinite(c.over_floor.miti) && c.over_floor.miti <= limit,
        figures:
          `miti ${fmtDiff(c.over_floor.miti, "µs")} vs ≤ ${fmt(limit, "µs")} (grammY ${fmtDiff(c.over_floor.grammy, "µs")}, ratio ${fmtRatio(c.miti_over_grammy)}; ` +
          `all modules ${fmtDiff(c.over_floor.miti_all, "µs")})`,
      };
    });
    add(`CPU over floor ≤ ${TARGETS_SPEC.cpu_over_floor_ratio_max} × grammY's: ${kase.label} (miti with ${LIKE_MODULES})`, r.met, r.figures, r.verdict);
  }
  {
    const r = twice((pick) => {
      const c = pick("ping-kv");
      return {
        value: c.over_floor.miti,
        met: c.over_floor.miti <= TARGETS_SPEC.kv_ping_over_floor_us_max,
        figures:
          `miti ${fmtDiff(c.over_floor.miti, "µs")} ${fmtSpread(c.spread.miti, "µs")} (grammY ${fmtDiff(c.over_floor.grammy, "µs")}; ` +
          `all modules ${fmtDiff(c.over_floor.miti_all, "µs")})`,
      };
    });
    add(`real-KV /ping: miti − floor ≤ ${TARGETS_SPEC.kv_ping_over_floor_us_max} µs (miti with ${LIKE_MODULES})`, r.met, r.figures, r.verdict);
  }
  {
    const c = results.cold_start.total_ms;
    const cpu = results.cold_start.workerd_cpu_ms;
    const clockMet = c.over_floor.miti <= c.over_floor.grammy;
    const cpuKnown = Number.isFinite(cpu.over_floor.miti);
    const cpuMet = cpu.over_floor.miti <= cpu.over_floor.grammy;
    add(
      `cold start over floor ≤ grammY's: new Miniflare → first reply (2a, miti with ${LIKE_MODULES})`,
      clockMet && (!cpuKnown || cpuMet),
      `wall clock miti ${fmtDiff(c.over_floor.miti, "ms")} vs grammY ${fmtDiff(c.over_floor.grammy, "ms")}` +
        (cpuKnown ? `; workerd CPU miti ${fmtDiff(cpu.over_floor.miti, "ms")} vs grammY ${fmtDiff(cpu.over_floor.grammy, "ms")}` : "") +
        ` (all modules: ${fmtDiff(c.over_floor.miti_all, "ms")}${cpuKnown ? `, CPU ${fmtDiff(cpu.over_floor.miti_all, "ms")}` : ""})`,
      cpuKnown && clockMet !== cpuMet ? `clock: ${clockMet ? "met" : "NOT MET"}, CPU: ${cpuMet ? "met" : "NOT MET"}` : null,
    );
    const d = results.cold_start_isolate.total_ms;
    add(
      `cold start over floor ≤ grammY's: first request in a fresh isolate (2b, miti with ${LIKE_MODULES})`,
      d.over_floor.miti <= d.over_floor.grammy,
      `miti ${fmtDiff(d.over_floor.miti, "ms")} vs grammY ${fmtDiff(d.over_floor.grammy, "ms")} (all modules: ${fmtDiff(d.over_floor.miti_all, "ms")})`,
    );
  }
  {
    const m = results.memory.wasm;
    const from = Math.min(1000, MEMORY_UPDATES);
    const at = (id, n) => m[id].readings.find((r) => r.updates === n);
    const sizeMet = MEMORY_CASES.every((k) => at(k.id, from)?.wasm_bytes !== undefined && at(k.id, from).wasm_bytes === at(k.id, MEMORY_UPDATES)?.wasm_bytes);
    const topKnown = MEMORY_CASES.every((k) => at(k.id, from)?.heap_top && at(k.id, MEMORY_UPDATES)?.heap_top);
    const topMet = topKnown && MEMORY_CASES.every((k) => at(k.id, from).heap_top === at(k.id, MEMORY_UPDATES).heap_top);
    add(
      `wasm memory after ${MEMORY_UPDATES.toLocaleString("en-US")} updates = after ${from.toLocaleString("en-US")}`,
      sizeMet && (!topKnown || topMet),
      MEMORY_CASES.map((k) => {
        const a = at(k.id, from);
        const b = at(k.id, MEMORY_UPDATES);
        return `${k.label}: ${fmt(a?.wasm_bytes, "B")} → ${fmt(b?.wasm_bytes, "B")}` + (topKnown ? ` (heap top ${fmt(a.heap_top, "B")} → ${fmt(b.heap_top, "B")})` : "");
      }).join("; "),
      topKnown && sizeMet !== topMet ? `size: ${sizeMet ? "met" : "NOT MET"}, heap top: ${topMet ? "met" : "NOT MET"}` : null,
    );
  }
  return out;
}

// ---------------------------------------------------- main

async function main() {
  for (const file of [WASM]) {
    if (!fs.existsSync(file)) {
      console.error(`bench: ${path.relative(ROOT, file)} is missing; build it first: bash scripts/build.sh wasm (or use npm run bench)`);
      process.exit(2);
    }
  }
  const grammyVersion = packageVersion("grammy", BENCH);
  if (!grammyVersion) {
    console.error("bench: grammY is not installed for the bench: npm ci --prefix bench (npm run bench does it)");
    process.exit(2);
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
    grammy: grammyVersion,
    modules: MODULES,
    cpus: os.cpus().length,
    loadavg_at_start: os.loadavg().map((x) => Number(x.toFixed(2))),
    wasm_sha256: wasmSha,
    knobs: { BENCH_COLD_RUNS: COLD_RUNS, BENCH_BATCHES: BATCHES, BENCH_BATCH_MS: BATCH_MS, BENCH_MEMORY_UPDATES: MEMORY_UPDATES },
  };
  meta.kv_d1_storage = fs.existsSync(SHM) ? `tmpfs (${SHM})` : "Miniflare default (temporary directory)";
  console.log(`miti vs grammY vs the floor — ${meta.date}`);
  console.log(
    `commit ${meta.commit ?? "?"}, node ${meta.node}, wrangler ${meta.wrangler}, miniflare ${meta.miniflare}, workerd ${meta.workerd}, ` +
      `grammy ${meta.grammy}, ${meta.cpus} CPUs, load ${meta.loadavg_at_start.join(" ")}`,
  );
  console.log(`miti: MODULES=${MODULES}, build/wasm/miti.wasm sha256 ${wasmSha.slice(0, 16)}…; Miniflare KV/D1 storage: ${meta.kv_d1_storage}`);
  if (meta.loadavg_at_start[0] > meta.cpus) {
    warn(`the machine is busy (load ${meta.loadavg_at_start[0]} on ${meta.cpus} CPUs): expect noisy figures`);
  }
  const results = { meta };

  // 1. Upload size (also builds the grammY bundle the rest of the run uses).
  results.upload_size = uploadSizes();
  printUploadSizes(results.upload_size);

  // The same answers from all three, before anything is timed.
  results.answers = {};
  for (const target of TARGETS) {
    const problems = await verify(target);
    results.answers[target] = problems.length ? problems : "ok";
    for (const problem of problems) warn(`${LABEL[target]} answered wrongly: ${problem} — the figures compare different work`);
  }
  console.log(
    `\nanswers checked (/info, /info in a topic, /ping + its KV record, plain text, /nosuch, wrong secret, GET /, 404, access log): ` +
      TARGETS.map((t) => `${LABEL[t]} ${results.answers[t] === "ok" ? "ok" : "WRONG"}`).join(", "),
  );

  // 2. Cold start.
  results.cold_start = await coldStarts();
  results.cold_start_isolate = await coldStartsInIsolate();
  {
    const c = results.cold_start;
    const d = results.cold_start_isolate;
    table(
      `2. Cold start — median of ${COLD_RUNS} runs each, the four alternating; "over floor" = median of per-round differences ± half their IQR; ` +
        `miti runs ${LIKE_MODULES} (like for like), "miti, all modules" ${MODULES} with a migrated D1`,
      COMPARE_HEADER,
      [
        coldRow("(a) new Miniflare → first /info reply (Node wall clock)", c.total_ms),
        coldRow("      workerd CPU time until then (/proc)", c.workerd_cpu_ms),
        coldRow("      Node CPU time until ready (Miniflare reading the Worker)", c.node_cpu_to_ready_ms),
        coldRow("      new Miniflare → ready", c.ready_ms),
        coldRow("      ready → first /info reply", c.first_response_ms),
        coldRow("        its access-log ms (isolate clock, 1 ms ticks)", c.first_in_isolate_log_ms),
        coldRow("      second /info reply (warm)", c.second_response_ms),
        coldRow("(b) fresh isolate: module evaluation + first /info", d.total_ms),
        coldRow("      module evaluation (top-level code)", d.eval_ms),
        coldRow("      first /info request (fetch → body)", d.first_request_ms),
      ],
    );
  }

  // 3. CPU per update.
  results.isolate = await isolate();
  {
    const iso = results.isolate;
    table(
      `3. CPU per update in one isolate — µs per update, median of ${BATCHES} batch means (${2 * BATCHES} for Miniflare KV), ` +
        `~${BATCH_MS} ms per batch, the four alternating (clock: ${iso.clock.date_now_live ? "live" : "frozen"}, ${iso.clock.resolution_ms} ms ticks); ` +
        `miti runs ${LIKE_MODULES}, the modules whose commands the other two implement`,
      [...COMPARE_HEADER.slice(0, -1), "updates/batch floor | grammY | miti | all"],
      ISOLATE_CASES.map((kase) => {
        const c = iso.cases[kase.id];
        return coldRow(kase.label, c, "µs", ISOLATE_TARGETS.map((t) => c.n_per_batch[t]).join(" | "));
      }),
    );
    table(
      "   the same batches, CPU time of the isolate's thread per update (/proc; unlike the clock above, not inflated when other " +
        "processes take the CPU; includes building the batch's Request objects, the same for all; Miniflare's D1 and KV run on this thread too)",
      COMPARE_HEADER,
      ISOLATE_CASES.map((kase) => coldRow(kase.label, iso.cases[kase.id].workerd_cpu, "µs")),
    );
    const b = iso.bounds_cost_us;
    console.log(
      `  miti's time bounds (one timer for a request in flight), /ping bounded − unbounded, paired per round: ` +
        `clock ${fmtDiff(b.clock.median, "µs")} ${fmtSpread(b.clock.spread, "µs")}, CPU ${fmtDiff(b.workerd_cpu.median, "µs")} ${fmtSpread(b.workerd_cpu.spread, "µs")} ` +
        "(not a target row: the bounds stay on, docs/benchmarks.md)",
    );
    console.log(
      `  ${LABEL.miti_all}: notes asks questions (/note without text), so every command ends the sender's pending question and every ` +
        "plain text looks one up: one D1 statement each, which Miniflare runs on the isolate's thread (docs/benchmarks.md).",
    );
    const f = iso.fresh_instance;
    console.log(
      `  miti, fresh wasm instance in this warm isolate (mean of ${f.instances_per_sample}, median of 5): ` +
        `create ${fmt(f.create_ms.median, "ms")}, create + first /info ${fmt(f.create_and_first_update_ms.median, "ms")}`,
    );
  }

  // 4. Memory.
  results.memory = await memory();
  {
    const m = results.memory;
    const rows = [];
    for (const kase of MEMORY_CASES) {
      const at = (n) => m.wasm[kase.id].readings.find((r) => r.updates === n);
      rows.push([`miti wasm memory, ${kase.label} (one fresh instance)`, ...m.checkpoints.map((n) => fmt(at(n)?.wasm_bytes, "B"))]);
      rows.push([`  its heap top (malloc probe)`, ...m.checkpoints.map((n) => fmt(at(n)?.heap_top ?? NaN, "B"))]);
    }
    if (m.js_heap) {
      for (const target of TARGETS) {
        const at = (n) => m.js_heap[target].find((r) => r.updates === n)?.heap_used_bytes;
        rows.push([`JS heap used after GC, after /info through ${LABEL[target]} (whole isolate)`, ...m.checkpoints.map((n) => (at(n) ? fmt(at(n), "B") : ""))]);
      }
    }
    table(
      `4. Memory — after N updates handled one after another${m.js_heap ? ` (JS heap before any: ${fmt(m.js_heap.before_bytes, "B")})` : ""}`,
      ["figure", ...m.checkpoints.map((n) => `after ${n.toLocaleString("en-US")}`)],
      rows,
    );
  }

  // 4b. What at-most-once delivery costs (miti only: the others have no such record).
  results.dedup = await measureDedup({ modules: MODULES, batches: 7, perBatch: 50 });
  {
    const d = results.dedup;
    table(
      `4b. At-most-once delivery records — /note (writes D1) one update at a time through the production Worker, Miniflare D1, ` +
        `median of ${d.batches} paired batches of ${d.per_batch}`,
      ["figure", "MITI_DEDUP=on (default)", "MITI_DEDUP=off", "added by the record"],
      [["wall clock per update (webhook → answer)", fmt(d.on_us, "µs"), fmt(d.off_us, "µs"), fmt(d.added_us, "µs")]],
    );
    console.log("  read_only commands (/info, /ping, /help, /notes) and ignored updates take no record: sections 3 and 4 are unchanged by it.");
  }

  // 5. Largest functions.
  results.functions = functions();
  printFunctions(results.functions);

  // 6. Targets.
  results.targets = targets(results);
  table(
    "6. Targets from the issue",
    ["target", "verdict", "figures"],
    results.targets.map((t) => [t.target, t.verdict, t.figures]),
    { align: "lll" },
  );

  if (sha256(WASM) !== wasmSha) warn("build/wasm/miti.wasm changed during the run: the figures mix two builds; run again");
  const seconds = (performance.now() - started) / 1000;
  meta.duration_s = Number(seconds.toFixed(1));
  meta.loadavg_at_end = os.loadavg().map((x) => Number(x.toFixed(2)));
  results.warnings = warnings;
  fs.mkdirSync(path.dirname(RESULTS), { recursive: true });
  fs.writeFileSync(RESULTS, `${JSON.stringify(results, null, 2)}\n`);
  for (const { text, times } of warnings) console.log(`\nwarning: ${text}${times > 1 ? ` (${times} times)` : ""}`);
  console.log(
    `\nDone in ${seconds.toFixed(1)} s (load ${meta.loadavg_at_end.join(" ")} at the end); figures in ${path.relative(process.cwd(), RESULTS) || RESULTS}`,
  );
}

main().catch((error) => {
  console.error(`bench: ${error.stack ?? error}`);
  process.exit(1);
});

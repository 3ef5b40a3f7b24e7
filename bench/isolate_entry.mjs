// Entry Worker for the in-isolate part of `npm run bench`.
//
// It imports the real miti Worker (js-shim/worker.mjs with the wasm core) and
// the plain-JS baseline (bench/js_ping_worker.mjs) into ONE isolate, and on
// POST /__bench/batch runs N updates back to back through one of them,
// timing the whole batch with the isolate's own clock. Nothing crosses the
// Node <-> workerd boundary inside the timed region.
//
// Cases:
//   get          GET / through the Worker's fetch handler (routing, Response, log line)
//   ping         POST /webhook "/ping" through the fetch handler, Miniflare's KV
//   ping-stub    the same with env.KV replaced by an in-memory stub: no I/O at all
//   unknown      POST /webhook "/nosuch": secret check, body read, parse, dispatch, no KV
//   core-ping-stub / core-unknown
//                the update text straight into the update handler (the wasm core via
//                CoreInstance.webhook, or the JS handleUpdate), without Request,
//                Response, routing or log line.
// POST /__bench/instantiate times fresh wasm instances (see below).
import miti from "../js-shim/worker.mjs";
import { CoreInstance } from "../js-shim/instance.mjs";
import js, { handleUpdate as jsHandleUpdate } from "./js_ping_worker.mjs";

const WORKERS = { miti, js };
const encoder = new TextEncoder();

// miti keys its env id and its module registry on the identity of `env`, and
// workerd hands every request the same object: the stub env must be cached
// too, or every update would rebuild the registry.
let stubEnv = null;
function stubEnvFor(env) {
  if (stubEnv) return stubEnv;
  const store = new Map();
  const kv = {
    async get(key) {
      return store.has(key) ? store.get(key) : null;
    },
    async put(key, value) {
      store.set(key, String(value));
    },
    async delete(key) {
      store.delete(key);
    },
    async list({ prefix = "" } = {}) {
      const keys = [...store.keys()].filter((k) => k.startsWith(prefix)).map((name) => ({ name }));
      return { keys, list_complete: true };
    },
  };
  stubEnv = { ...env, KV: kv };
  return stubEnv;
}

let core = null;
async function mitiCore() {
  if (!core || core.dead) core = await CoreInstance.create();
  return core;
}

// One unit of work for (target, case); returns a function doing it once and
// resolving to {status, body}.
async function makeUnit(target, kase, env, { update, secret }) {
  const worker = WORKERS[target];
  if (!worker) throw new Error(`unknown target ${target}`);
  const webhookRequest = (text) => () =>
    new Request("http://localhost/webhook", {
      method: "POST",
      headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": secret },
      body: text,
    });
  const viaFetch = (e) => async (request) => {
    const response = await worker.fetch(request, e);
    return { status: response.status, body: await response.text() };
  };
  switch (kase) {
    case "get":
      return { prepare: () => new Request("http://localhost/"), run: viaFetch(env) };
    case "ping":
    case "unknown":
      return { prepare: webhookRequest(update), run: viaFetch(env) };
    case "ping-stub":
      return { prepare: webhookRequest(update), run: viaFetch(stubEnvFor(env)) };
    case "core-ping-stub":
    case "core-unknown": {
      const e = kase === "core-ping-stub" ? stubEnvFor(env) : env;
      if (target === "miti") {
        const instance = await mitiCore();
        const bytes = encoder.encode(update);  // copied into wasm memory on each call
        return { prepare: () => bytes, run: (b) => instance.webhook(e, b) };
      }
      return { prepare: () => update, run: (text) => jsHandleUpdate(text, e) };
    }
    default:
      throw new Error(`unknown case ${kase}`);
  }
}

// A macrotask boundary: if the clock only moved at I/O (as on Cloudflare's
// edge) this would let it catch up. In local workerd it is live anyway.
const fence = () => new Promise((resolve) => setTimeout(resolve, 0));

// Does Date.now() advance during pure computation, with no I/O?
function clockProbe() {
  const start = Date.now();
  let spins = 0;
  let seen = start;
  while (spins < 5e7) {
    spins++;
    seen = Date.now();
    if (seen - start >= 3) break;
  }
  const perf0 = performance.now();
  let perfSeen = perf0;
  for (let i = 0; i < 5e7 && perfSeen - perf0 < 3; i++) perfSeen = performance.now();
  return {
    date_now_live: seen - start >= 3,
    performance_now_live: perfSeen - perf0 >= 3,
    performance_now_is_epoch: Math.abs(performance.now() - Date.now()) < 1000,
    resolution_ms: resolution(),
  };
}

// Smallest step of performance.now() seen over a few ms.
function resolution() {
  let min = Infinity;
  let prev = performance.now();
  const end = prev + 5;
  for (let i = 0; i < 5e7; i++) {
    const now = performance.now();
    if (now !== prev) {
      min = Math.min(min, now - prev);
      prev = now;
      if (now >= end) break;
    }
  }
  return min;
}

async function batch(request, env) {
  const spec = await request.json();
  const { target, case: kase, n } = spec;
  const unit = await makeUnit(target, kase, env, spec);
  // Untimed warm-up: first use of an env by the core, lazy instance, JIT.
  const warm = [];
  for (let i = 0; i < (spec.warmup ?? 1); i++) warm.push(await unit.run(unit.prepare()));
  const inputs = Array.from({ length: n }, unit.prepare);
  const statuses = {};
  let last = null;
  await fence();
  const t0 = performance.now();
  for (const input of inputs) {
    last = await unit.run(input);
    statuses[last.status] = (statuses[last.status] ?? 0) + 1;
  }
  const t1 = performance.now();
  await fence();
  const t2 = performance.now();
  return Response.json({
    target,
    case: kase,
    n,
    ms: t1 - t0,
    ms_after_fence: t2 - t0,
    statuses,
    first: warm[0] ?? null,
    last,
  });
}

// Cost of a fresh wasm instance, as a new isolate pays it on its first update
// (workerd compiled the module when it loaded the Worker: not included).
// `create` is CoreInstance.create() alone (instantiate + Emscripten start-up);
// `first_update` adds one update on it (env hand-over, registry build, parse).
async function instantiate(request, env) {
  const { n, update } = await request.json();
  const bytes = encoder.encode(update);
  await (await CoreInstance.create()).webhook(env, bytes);  // warm the JS side
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await CoreInstance.create();
  const t1 = performance.now();
  for (let i = 0; i < n; i++) await (await CoreInstance.create()).webhook(env, bytes);
  const t2 = performance.now();
  await fence();
  return Response.json({ n, create_ms: t1 - t0, create_and_first_update_ms: t2 - t1 });
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === "/__bench/batch" && request.method === "POST") return batch(request, env);
    if (url.pathname === "/__bench/instantiate" && request.method === "POST") return instantiate(request, env);
    if (url.pathname === "/__bench/clock") return Response.json(clockProbe());
    return new Response("not found", { status: 404 });
  },
};

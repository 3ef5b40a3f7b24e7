// Entry Worker for the in-isolate part of `npm run bench`.
//
// It imports the three Workers the bench compares into ONE isolate: the floor
// (bench/floor_worker.mjs, plain JS), the grammY bot (wrangler's bundle of
// bench/grammy_worker.mjs, built by bench/run.mjs into build/bench/grammy/)
// and miti (js-shim/worker.mjs with the wasm core). On POST /__bench/batch it
// runs N updates back to back through one of them, timing the whole batch with
// the isolate's own clock. Nothing crosses the Node <-> workerd boundary inside
// the timed region.
//
// Cases (the update text comes with the request):
//   get            GET / through the Worker's fetch handler (routing, Response, log line)
//   info           POST /webhook "/info" through the fetch handler: no I/O
//   ignored        POST /webhook with a plain text message: parsed, nothing runs
//   ping-stub      POST /webhook "/ping" with env.KV replaced by an in-memory stub: no I/O
//   ping-stub-unbounded
//                  the same, with miti's time bounds off (no answer-now, cancel or
//                  KV/D1 deadline, so no timer while /ping's put is in flight): what
//                  the bounds cost. floor and
//                  grammY have no bounds; they run exactly as in ping-stub.
//   ping-kv        POST /webhook "/ping" with Miniflare's KV, the put awaited
//   core-info / core-ignored
//                  the update text straight into the update handling (miti's
//                  CoreInstance.webhook, grammY's bot.handleUpdate, the floor's
//                  handleUpdate), without Request, Response, routing or log line.
// POST /__bench/instantiate times fresh wasm instances, POST /__bench/memory
// reads the wasm memory of one instance over many updates (see below).
import miti from "../js-shim/worker.mjs";
import { CoreInstance } from "../js-shim/instance.mjs";
import wasmModule from "../build/wasm/miti.wasm";

// A fresh wasm instance of the production core, made the way the shim makes one.
const newCore = () => CoreInstance.create({ wasmModule });
import floor, { handleUpdate as floorHandleUpdate } from "./floor_worker.mjs";
import grammy, { handleUpdate as grammyHandleUpdate } from "../build/bench/grammy/grammy_worker.js";

// `miti` runs with the modules whose commands the other two bots implement
// (util, misc: MODULES from the batch request); `miti_all` is the same Worker
// with the production modules (the MODULES binding), whose `notes` keeps a
// pending question per sender (one D1 statement per command and plain text).
const WORKERS = { floor, grammy, miti, miti_all: miti };
const encoder = new TextEncoder();

// miti keys its env id and its module registry on the identity of `env`, and
// grammY's bot here is kept per env too; workerd hands every request the same
// object, so each variant below must be one object as well, or every update
// would rebuild the registry / the bot. Every target gets the same kind of
// object (a plain copy), so none pays more for reading it.
const envs = new Map();
function envFor(env, { modules = null, stubKv = false, unbounded = false } = {}) {
  const key = `${modules ?? ""}|${stubKv}|${unbounded}`;
  let e = envs.get(key);
  if (e) return e;
  e = { ...env };
  if (modules) e.MODULES = modules;
  if (stubKv) e.KV = memoryKv();
  if (unbounded) UNBOUNDED.add(e);
  envs.set(key, e);
  return e;
}

// Bench only: miti's webhook requests on these envs run without time bounds
// (no answer-now, cancel or KV/D1 operation deadline, so no timer for /ping;
// a Bot API call would still get its own), to show what
// the bounds cost per update. The shim has no setting for this on purpose:
// a Worker should never run without them (docs/architecture.md, "Time
// bounds"). The shim's CoreInstance is this module's (one module graph).
const UNBOUNDED = new WeakSet();
const boundedWebhook = CoreInstance.prototype.webhook;
CoreInstance.prototype.webhook = function webhook(env, body, bounds) {
  return boundedWebhook.call(this, env, body, UNBOUNDED.has(env) ? { opTimeoutMs: 0 } : bounds);
};

function memoryKv() {
  const store = new Map();
  return {
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
}

const cores = new Map();  // one wasm instance per env, as a Worker keeps one
async function mitiCore(env) {
  let core = cores.get(env);
  if (!core || core.dead) {
    core = await newCore();
    cores.set(env, core);
  }
  return core;
}

// One unit of work for (target, case): prepare() builds the input outside
// the timed region, run(input) does the work once and resolves to {status, body}.
async function makeUnit(target, kase, bindings, { update, secret, modules }) {
  const worker = WORKERS[target];
  if (!worker) throw new Error(`unknown target ${target}`);
  const variant = { modules: target === "miti" ? modules : null };
  const env = envFor(bindings, variant);
  const stubEnv = envFor(bindings, { ...variant, stubKv: true });
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
    case "info":
    case "ignored":
      return { prepare: webhookRequest(update), run: viaFetch(env) };
    case "ping-kv":
      return { prepare: webhookRequest(update), run: viaFetch(env), kv: env.KV };
    case "ping-stub":
      return { prepare: webhookRequest(update), run: viaFetch(stubEnv), kv: stubEnv.KV };
    case "ping-stub-unbounded": {
      const e = envFor(bindings, { ...variant, stubKv: true, unbounded: true });
      return { prepare: webhookRequest(update), run: viaFetch(e), kv: e.KV };
    }
    case "core-info":
    case "core-ignored": {
      if (target === "miti" || target === "miti_all") {
        const instance = await mitiCore(env);
        const bytes = encoder.encode(update);  // copied into wasm memory on each call
        return { prepare: () => bytes, run: (b) => instance.webhook(env, b) };
      }
      const handle = target === "grammy" ? grammyHandleUpdate : floorHandleUpdate;
      return { prepare: () => update, run: (text) => handle(text, env) };
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
    performance_memory: typeof performance.memory === "object",
  };
}

// Smallest step of performance.now() seen over 20 ms (on a busy machine a
// step can be longer: the thread was not running).
function resolution() {
  let min = Infinity;
  let prev = performance.now();
  const end = prev + 20;
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
  // Untimed warm-up: first use of an env by the core or the bot, JIT.
  const warm = [];
  for (let i = 0; i < (spec.warmup ?? 1); i++) warm.push(await unit.run(unit.prepare()));
  const inputs = Array.from({ length: n }, unit.prepare);
  // /ping: the record is checked afterwards, so it must come from this batch.
  if (unit.kv) await unit.kv.delete("misc:last_ping");
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
  // For /ping: the record the last update wrote (read after the timed region).
  const lastPing = unit.kv ? await unit.kv.get("misc:last_ping") : undefined;
  return Response.json({
    target,
    case: kase,
    n,
    ms: t1 - t0,
    ms_after_fence: t2 - t0,
    statuses,
    first: warm[0] ?? null,
    last,
    last_ping: lastPing,
  });
}

// Cost of a fresh wasm instance, as a new isolate pays it on its first update
// (workerd compiled the module when it loaded the Worker: not included).
// `create` is newCore() alone (instantiate + Emscripten start-up);
// `first_update` adds one update on it (env hand-over, registry build, parse).
async function instantiate(request, env) {
  const { n, update } = await request.json();
  const bytes = encoder.encode(update);
  await (await newCore()).webhook(env, bytes);  // warm the JS side
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await newCore();
  const t1 = performance.now();
  for (let i = 0; i < n; i++) await (await newCore()).webhook(env, bytes);
  const t2 = performance.now();
  await fence();
  return Response.json({ n, create_ms: t1 - t0, create_and_first_update_ms: t2 - t1 });
}

// Wasm memory of ONE fresh instance while it handles `total` updates one after
// another (the core path, as the shim drives it), read at each checkpoint.
// Memory only grows (in 64 KiB pages) and starts at 16 MiB, so the memory
// size alone shows a leak only once the heap has outgrown that. The heap top
// shows it sooner: where a fresh 1 MiB malloc lands (dlmalloc serves a block
// that size from the top of the heap, above every chunk in use), freed at once.
// It is a probe, not an exact count: interior free chunks do not lower it.
const PROBE_BYTES = 1 << 20;
// The top of the core's heap (sbrk(0)): it rises only when the heap grows.
function heapTop(instance) {
  return instance.exports.miti_heap_bytes();
}

async function memory(request, env) {
  const { update, checkpoints, stub } = await request.json();
  const e = envFor(env, { stubKv: Boolean(stub) });
  const instance = await newCore();
  const bytes = encoder.encode(update);
  const reading = (updates) => ({ updates, wasm_bytes: instance.heap().length, heap_top: heapTop(instance) });
  const readings = [reading(0)];
  const statuses = {};
  let last = null;
  let done = 0;
  for (const checkpoint of [...checkpoints].sort((a, b) => a - b)) {
    for (; done < checkpoint; done++) {
      last = await instance.webhook(e, bytes);
      statuses[last.status] = (statuses[last.status] ?? 0) + 1;
    }
    readings.push(reading(done));
  }
  return Response.json({
    readings,
    statuses,
    last,
    dead: instance.dead,
    in_flight: instance.inFlight,
    requests_in_flight_in_core: instance.exports.miti_requests_in_flight(),
  });
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (request.method === "POST") {
      if (url.pathname === "/__bench/batch") return batch(request, env);
      if (url.pathname === "/__bench/instantiate") return instantiate(request, env);
      if (url.pathname === "/__bench/memory") return memory(request, env);
    }
    if (url.pathname === "/__bench/clock") return Response.json(clockProbe());
    return new Response("not found", { status: 404 });
  },
};

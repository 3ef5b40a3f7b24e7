// The Worker the soak (scripts/soak.mjs) runs: the test Worker
// (testkit/worker.mjs: the production shim around the test build of the
// core) with its DB and KV bindings wrapped so that a fraction of their calls
// fail, and two endpoints of its own. The shim itself is untouched: the
// wrapper sits between workerd and it.
//
//   POST /__soak/faults {d1, kv}  the fraction of D1 / KV calls that fail
//                                 (half before the call reaches the store,
//                                 half after it took effect: the ambiguous
//                                 kind). 0 turns them off.
//   GET  /__soak/stats            faults injected so far, and the live wasm
//                                 instance's heap top and requests in flight
//                                 (read through its exports).
//   POST /__soak/replay {updates, in_flight, secret}
//                                 sends each update as a webhook request
//                                 through this Worker's own fetch handler
//                                 (in_flight at a time), inside the isolate:
//                                 thousands of updates without an HTTP round
//                                 trip from node each. Answers the count of
//                                 each response status.
import worker from "./worker.mjs";

const rates = { d1: 0, kv: 0 };
const injected = { d1_before: 0, d1_after: 0, kv_before: 0, kv_after: 0 };
const REAL = Symbol("real");
// Calls that travel to the database; prepare and bind stay in the isolate.
const D1_ROUND_TRIPS = new Set(["all", "first", "run", "raw"]);
const KV_CALLS = new Set(["get", "put", "delete", "list", "getWithMetadata"]);

// Every wasm instance the shim creates, newest last (a trap replaces it).
const instances = [];
const RealInstance = WebAssembly.Instance;
WebAssembly.Instance = function SoakInstance(module, imports) {
  const instance = new RealInstance(module, imports);
  instances.push(instance);
  return instance;
};
WebAssembly.Instance.prototype = RealInstance.prototype;

// Runs `call` (a promise factory) under the fault rate of `store`.
async function faulty(store, what, call) {
  const rate = rates[store];
  if (rate > 0 && Math.random() < rate) {
    if (Math.random() < 0.5) {
      injected[`${store}_before`]++;
      throw new Error(`soak: injected ${store} failure before ${what}`);
    }
    const result = await call();
    injected[`${store}_after`]++;
    void result;
    throw new Error(`soak: injected ${store} failure after ${what} took effect`);
  }
  return call();
}

function faultyStatement(statement, sql) {
  return new Proxy(statement, {
    get(target, property) {
      if (property === REAL) return target;
      const value = Reflect.get(target, property);
      if (typeof value !== "function") return value;
      if (property === "bind") return (...args) => faultyStatement(value.apply(target, args), sql);
      if (D1_ROUND_TRIPS.has(property)) return (...args) => faulty("d1", property, () => value.apply(target, args));
      return value.bind(target);
    },
  });
}

function faultyDatabase(db) {
  return new Proxy(db, {
    get(target, property) {
      const value = Reflect.get(target, property);
      if (typeof value !== "function") return value;
      if (property === "prepare") return (sql) => faultyStatement(value.call(target, sql), sql);
      if (property === "batch") {
        return (statements) => faulty("d1", "batch", () => value.call(target, statements.map((s) => s?.[REAL] ?? s)));
      }
      return value.bind(target);
    },
  });
}

function faultyKv(kv) {
  return new Proxy(kv, {
    get(target, property) {
      const value = Reflect.get(target, property);
      if (typeof value !== "function") return value;
      if (KV_CALLS.has(property)) return (...args) => faulty("kv", property, () => value.apply(target, args));
      return value.bind(target);
    },
  });
}

// One wrapped env per real env: the shim keys its per-environment state by
// the env object.
const wrappedEnvs = new WeakMap();
function wrapEnv(env) {
  let wrapped = wrappedEnvs.get(env);
  if (!wrapped) {
    wrapped = { ...env, ...(env.DB ? { DB: faultyDatabase(env.DB) } : {}), ...(env.KV ? { KV: faultyKv(env.KV) } : {}) };
    wrappedEnvs.set(env, wrapped);
  }
  return wrapped;
}

function stats() {
  const live = instances.at(-1);
  return {
    injected,
    rates,
    instances: instances.length,
    heap_bytes: live ? live.exports.miti_heap_bytes() : null,
    memory_bytes: live ? live.exports.memory?.buffer.byteLength ?? null : null,
    requests_in_flight: live ? live.exports.miti_requests_in_flight() : null,
  };
}

// POST /__soak/replay: every update through `fetch` below, as Telegram would send it.
async function replay(request, env, ctx) {
  const { updates, in_flight: inFlight = 1, secret } = await request.json();
  const statuses = {};
  let next = 0;
  const lane = async () => {
    while (next < updates.length) {
      const update = updates[next++];
      const response = await handler.fetch(
        new Request("http://soak.local/webhook", {
          method: "POST",
          headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": secret },
          body: JSON.stringify(update),
        }),
        env,
        ctx,
      );
      await response.arrayBuffer();
      statuses[response.status] = (statuses[response.status] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, inFlight) }, lane));
  return Response.json({ statuses });
}

const handler = {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    if (url.pathname === "/__soak/stats") return Response.json(stats());
    if (url.pathname === "/__soak/replay" && request.method === "POST") return replay(request, env, ctx);
    if (url.pathname === "/__soak/faults" && request.method === "POST") {
      const wanted = await request.json();
      for (const store of ["d1", "kv"]) rates[store] = Number(wanted[store] ?? 0);
      return Response.json(rates);
    }
    return worker.fetch(request, wrapEnv(env), ctx);
  },
  scheduled(event, env, ctx) {
    return worker.scheduled(event, wrapEnv(env), ctx);
  },
};
export default handler;

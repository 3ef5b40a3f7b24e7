// A test entry around the real Worker (testkit/worker.mjs: the shim around the test build of the core) that wraps the D1
// binding and records every call made on it, so a test can prove that a path
// touches D1 or not. GET /__d1ops answers with the calls recorded so far.
// The shim itself is untouched: the wrapper sits between workerd and it.
import worker from "../../testkit/worker.mjs";

const ops = [];
const REAL = Symbol("real");
// Calls that travel to the database; prepare and bind stay in the isolate.
const ROUND_TRIPS = new Set(["all", "first", "run", "raw"]);

function countingStatement(statement, sql) {
  return new Proxy(statement, {
    get(target, property) {
      if (property === REAL) return target;
      const value = Reflect.get(target, property);
      if (typeof value !== "function") return value;
      if (property === "bind") return (...args) => countingStatement(value.apply(target, args), sql);
      if (ROUND_TRIPS.has(property)) {
        return (...args) => {
          ops.push({ op: property, sql });
          return value.apply(target, args);
        };
      }
      return value.bind(target);
    },
  });
}

function countingDatabase(db) {
  return new Proxy(db, {
    get(target, property) {
      const value = Reflect.get(target, property);
      if (typeof value !== "function") return value;
      if (property === "prepare") {
        return (sql) => {
          ops.push({ op: "prepare", sql });
          return countingStatement(value.call(target, sql), sql);
        };
      }
      if (property === "batch") {
        return (statements) => {
          ops.push({ op: "batch", count: statements.length });
          return value.call(target, statements.map((s) => s?.[REAL] ?? s));
        };
      }
      return (...args) => {
        ops.push({ op: String(property) });
        return value.apply(target, args);
      };
    },
  });
}

// One wrapped env per real env: the shim keys its per-environment state
// (the registry) by the env object, so a fresh wrapper per request would
// rebuild the registry every time.
const wrappedEnvs = new WeakMap();
function wrapEnv(env) {
  if (!env.DB) return env;
  let wrapped = wrappedEnvs.get(env);
  if (!wrapped) {
    wrapped = { ...env, DB: countingDatabase(env.DB) };
    wrappedEnvs.set(env, wrapped);
  }
  return wrapped;
}

export default {
  fetch(request, env, ctx) {
    if (new URL(request.url).pathname === "/__d1ops") return Response.json(ops);
    return worker.fetch(request, wrapEnv(env), ctx);
  },
  scheduled(event, env, ctx) {
    return worker.scheduled(event, wrapEnv(env), ctx);
  },
};

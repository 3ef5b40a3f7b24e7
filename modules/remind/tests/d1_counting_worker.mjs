// A test entry that runs the real Worker (testkit/worker.mjs: the shim around the test build of the core) with its DB
// binding wrapped, to count what the Free plan limits per invocation:
// D1 queries (each statement of a batch counted as one, the strict reading
// of the limit). The shim and the wasm core are unchanged; only the binding
// they receive is observed.
//
// Each invocation gets its own wrapped env, so counts stay exact even when
// invocations overlap. The price: the shim keys its per-environment state
// (the registry) by the env object, so every invocation builds the registry
// afresh, which costs CPU but no D1 query. (tests/worker/d1_counting_entry.mjs
// keeps one env and records calls globally instead.)
//
//   startWorker({ scriptPath: D1_COUNTING_WORKER, ... })
//   GET /__test/invocations  ->  [{kind: "scheduled"|"fetch", cron?, scheduledTime?,
//                                 d1: n, sql: [...], done?}, ...]   (since the last clear)
//   GET /__test/invocations?clear=1  forgets them
import shim from "../../../testkit/worker.mjs";

let invocations = [];

class CountedStatement {
  constructor(inner, sql, record) {
    this.inner = inner;
    this.sql = sql;
    this.record = record;
  }
  bind(...values) {
    return new CountedStatement(this.inner.bind(...values), this.sql, this.record);
  }
  first(...args) {
    this.record(this.sql);
    return this.inner.first(...args);
  }
  all(...args) {
    this.record(this.sql);
    return this.inner.all(...args);
  }
  run(...args) {
    this.record(this.sql);
    return this.inner.run(...args);
  }
  raw(...args) {
    this.record(this.sql);
    return this.inner.raw(...args);
  }
}

class CountedD1 {
  constructor(inner, invocation) {
    this.inner = inner;
    this.record = (sql) => {
      invocation.d1 += 1;
      invocation.sql.push(sql);
    };
  }
  prepare(sql) {
    return new CountedStatement(this.inner.prepare(sql), sql, this.record);
  }
  batch(statements) {
    for (const statement of statements) this.record(statement.sql);
    return this.inner.batch(statements.map((statement) => statement.inner));
  }
  exec() {
    throw new Error("d1_counting_worker: exec is not counted; add it here if the shim starts using it");
  }
}

function observed(env, invocation) {
  return env.DB ? { ...env, DB: new CountedD1(env.DB, invocation) } : env;
}

export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    if (url.pathname === "/__test/invocations") {
      if (url.searchParams.has("clear")) invocations = [];
      return Response.json(invocations);
    }
    const invocation = { kind: "fetch", path: url.pathname, d1: 0, sql: [] };
    invocations.push(invocation);
    return shim.fetch(request, observed(env, invocation), ctx);
  },

  scheduled(event, env, ctx) {
    const invocation = { kind: "scheduled", cron: event.cron, scheduledTime: event.scheduledTime, d1: 0, sql: [], done: false };
    invocations.push(invocation);
    const pending = [];
    shim.scheduled(event, observed(env, invocation), { waitUntil: (promise) => pending.push(promise), passThroughOnException() {} });
    ctx.waitUntil(Promise.allSettled(pending).then(() => (invocation.done = true)));
  },
};

// Issue 4: every SqlStore call end to end, from a Telegram command through the
// wasm core and the shim to Miniflare's real D1 and back (module sqlprobe).
// The Worker runs behind tests/worker/d1_counting_entry.mjs, which records
// every call made on the DB binding, so a test can also say how many D1 round
// trips a path made, or that it made none.
import { test, before, after, beforeEach, describe } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { ROOT, startWorker, textUpdate, webhookReply, waitFor } from "./harness.mjs";

const COUNTING_ENTRY = path.join(ROOT, "tests/worker/d1_counting_entry.mjs");
const ROUND_TRIPS = new Set(["all", "first", "run", "raw", "batch", "exec"]);
const TWO_POW_53 = 9007199254740992;

async function start(options = {}) {
  return startWorker({ scriptPath: COUNTING_ENTRY, ...options });
}

// Every call the Worker has made on its DB binding so far.
async function d1Ops(w) {
  return (await w.fetch("/__d1ops")).json();
}

// Runs fn and returns the D1 calls it caused.
async function opsDuring(w, fn) {
  const before = (await d1Ops(w)).length;
  const result = await fn();
  return { result, ops: (await d1Ops(w)).slice(before) };
}

const roundTrips = (ops) => ops.filter((o) => ROUND_TRIPS.has(o.op));

// "/probe <case>" -> the module's JSON answer.
async function probe(w, line) {
  const response = await w.webhook(textUpdate(`/probe ${line}`));
  assert.equal(response.status, 200);
  const reply = await webhookReply(response);
  assert.ok(reply, `no reply to /probe ${line}`);
  return JSON.parse(reply.text);
}

async function itemNames(w) {
  const db = await w.mf.getD1Database("DB");
  const { results } = await db.prepare("SELECT name FROM sqlprobe_items ORDER BY id").all();
  return results.map((r) => r.name);
}

describe("SqlStore against Miniflare's D1", () => {
  let w;
  before(async () => {
    w = await start({ bindings: { MODULES: "sqlprobe" } });
  });
  after(async () => {
    await w?.dispose();
  });
  beforeEach(async () => {
    assert.deepEqual(await probe(w, "reset"), { statements: 2 });
  });

  test("has_sql is true and table_prefix() is '<module>_'", async () => {
    assert.deepEqual(await probe(w, "has"), { has_sql: true });
    assert.deepEqual(await probe(w, "prefix"), { prefix: "sqlprobe_" });
  });

  test("run inserts in one round trip", async () => {
    const { ops } = await opsDuring(w, () => probe(w, "insert apple 3"));
    assert.deepEqual(roundTrips(ops).map((o) => o.op), ["run"]);
    assert.deepEqual(await itemNames(w), ["apple"]);
  });

  test("run reports changes and last_row_id", async () => {
    assert.deepEqual(await probe(w, "insert apple 3"), { changes: 1, last_row_id: 1 });
    assert.deepEqual(await probe(w, "insert pear 4"), { changes: 1, last_row_id: 2 });
    assert.deepEqual(await probe(w, "update 7"), { changes: 2, last_row_id: 2 });
  });

  test("all returns every row, columns in query order, typed by SQLite", async () => {
    await probe(w, "insert apple 3");
    await probe(w, "insert pear 4");
    const { result, ops } = await opsDuring(w, () => probe(w, "all"));
    assert.equal(roundTrips(ops).length, 1);
    assert.deepEqual(result.rows, [
      { id: 1, name: "apple", qty: 3, price: 2.5 },
      { id: 2, name: "pear", qty: 4, price: 2.5 },
    ]);
  });

  test("first returns a row with typed access by column, or none", async () => {
    await probe(w, "insert apple 3");
    assert.deepEqual(await probe(w, "first apple"), {
      row: { id: 1, name: "apple", qty: 3 },
      typed: { id: 1, name: "apple" },
    });
    assert.deepEqual(await probe(w, "first nothing"), { row: null });
  });

  test("batch runs every statement in one round trip, one result each", async () => {
    await probe(w, "insert b0 0");
    const { result, ops } = await opsDuring(w, () => probe(w, "batch"));
    assert.deepEqual(roundTrips(ops), [{ op: "batch", count: 3 }]);
    const [first, second, read] = result.results;
    assert.deepEqual(first.meta, { changes: 1, last_row_id: 2 });
    assert.deepEqual(second.meta, { changes: 1, last_row_id: 3 });
    assert.deepEqual(first.rows, []);
    assert.deepEqual(read.rows, [
      { name: "b0", qty: 0 },
      { name: "b1", qty: 1 },
      { name: "b2", qty: 2 },
    ]);
  });

  test("batch is atomic: a failing statement rolls the whole batch back", async () => {
    await probe(w, "insert before 1");
    const answer = await probe(w, "atomic");
    assert.equal(answer.type, "HostError");
    assert.match(answer.error, /UNIQUE constraint failed: sqlprobe_items\.name/);
    // The good insert and the first "dup" ran before the failure; none stayed.
    assert.deepEqual(await itemNames(w), ["before"]);
  });

  test("every value type binds and reads back: null, integers, reals, text, blobs, booleans", async () => {
    const answer = await probe(w, "types");
    assert.deepEqual(answer.typed, {
      n_is_null: true,
      r: 2.25,
      i: -42,
      t: 'h\u00e9llo "q" <&>',
      b: [0, 1, 2, 127, 128, 255, 0],
      b_is_blob: true,
      btype: "blob",
      yes: 1,
      no: 0,
      safe: TWO_POW_53 - 1,
      neg: -(TWO_POW_53 - 1),
    });
    // Rows convert to JSON; a blob is marked so it cannot pass for an array of numbers.
    assert.deepEqual(answer.json.b, { $blob: [0, 1, 2, 127, 128, 255, 0] });
    assert.equal(answer.json.n, null);
  });

  test("a blob of every byte value survives a table round trip", async () => {
    assert.deepEqual(await probe(w, "blobstore"), { len: 256, equal: true });
  });

  test("NULL is stored and read as NULL; a typed read of it is a clear error", async () => {
    assert.deepEqual(await probe(w, "nulls"), {
      qty_null: true,
      price_null: true,
      typed_error: "expected an INTEGER, got NULL",
    });
  });

  test("reals keep their double value and REAL type", async () => {
    assert.deepEqual(await probe(w, "reals"), { price: 0.1 + 0.2, type: "real", twice: (0.1 + 0.2) * 2 });
  });

  test("an integer beyond 2^53 is refused when bound, before any D1 call", async () => {
    const { result, ops } = await opsDuring(w, () => probe(w, "bigbind"));
    assert.equal(result.type, "UsageError");
    assert.match(result.error, /2\^53/);
    assert.match(result.error, /TEXT/);
    assert.deepEqual(roundTrips(ops), []);
  });

  test("an integer beyond 2^53 coming back from D1 is refused, not rounded", async () => {
    const answer = await probe(w, `bigread ${TWO_POW_53 + 2}`);
    assert.equal(answer.type, "UsageError");
    assert.match(answer.error, /2\^53/);
    assert.deepEqual(await probe(w, `bigread -${TWO_POW_53 + 2}`), answer);
  });

  test(
    "2^53 + 1 from D1 (which D1's doubles round to 2^53) is refused, not rounded",
    async () => {
      const answer = await probe(w, "bigread 9007199254740993");
      assert.equal(answer.type, "UsageError", `read back as ${JSON.stringify(answer)}`);
    },
  );

  test("100 bound parameters are accepted; 101 are refused before any D1 call", async () => {
    assert.deepEqual(await probe(w, "params 100"), { total: 100 });
    const { result, ops } = await opsDuring(w, () => probe(w, "params 101"));
    assert.equal(result.type, "UsageError");
    assert.match(result.error, /101 parameters; D1 allows at most 100/);
    assert.deepEqual(roundTrips(ops), []);
  });

  test("a syntax error reaches the handler with D1's message", async () => {
    const answer = await probe(w, "syntax");
    assert.equal(answer.type, "HostError");
    assert.match(answer.error, /near "SELEC": syntax error/);
  });

  test("constraint violations reach the handler with D1's message", async () => {
    const unique = await probe(w, "constraint");
    assert.equal(unique.type, "HostError");
    assert.match(unique.error, /UNIQUE constraint failed: sqlprobe_items\.name/);
    const notNull = await probe(w, "notnull");
    assert.equal(notNull.type, "HostError");
    assert.match(notNull.error, /NOT NULL constraint failed: sqlprobe_items\.name/);
  });

  test("reading a column the row lacks is a clear error naming it", async () => {
    assert.deepEqual(await probe(w, "missingcol"), { error: "the row has no column 'two'", type: "UsageError" });
  });

  test("an SQL error a handler does not catch is logged with D1's message, answered 200, and the instance keeps serving", async () => {
    const mark = w.logs.length;
    const response = await w.webhook(textUpdate("/probe uncaught_sql"));
    assert.equal(response.status, 200);
    const logged = () => w.jsonLogs().find((l) => l.msg === "handler failed" && /SELEC/.test(l.error ?? ""));
    assert.ok(await waitFor(() => logged()), `no failure line in ${w.logs.slice(mark).join("\n")}`);
    assert.equal(logged().module, "sqlprobe");
    assert.equal(logged().command, "probe");
    assert.match(logged().error, /syntax error/);
    // Errors never poison the instance.
    assert.deepEqual(await probe(w, "has"), { has_sql: true });
    await probe(w, "insert after 1");
    assert.deepEqual(await itemNames(w), ["after"]);
  });
});

describe("SqlStore without a DB binding", () => {
  let w;
  before(async () => {
    w = await start({ d1: false, bindings: { MODULES: "sqlprobe,misc" } });
  });
  after(async () => {
    await w?.dispose();
  });

  test("a module can tell that sql is absent", async () => {
    assert.deepEqual(await probe(w, "has"), { has_sql: false });
  });

  test("calling it is a clear error naming the DB binding", async () => {
    assert.deepEqual(await probe(w, "prefix"), {
      error: "the DB binding is not configured for this Worker",
      type: "MissingBindingError",
    });
    assert.deepEqual(await probe(w, "all"), await probe(w, "prefix"));
  });

  test("uncaught, it is logged naming DB, answered 200, and KV-only commands keep working", async () => {
    const response = await w.webhook(textUpdate("/probe uncaught_sql"));
    assert.equal(response.status, 200);
    assert.ok(
      await waitFor(() => w.jsonLogs().some((l) => l.msg === "handler failed" && /the DB binding is not configured/.test(l.error))),
    );
    const ping = await webhookReply(await w.webhook(textUpdate("/ping")));
    assert.equal(ping.text, "pong");
  });
});

describe("modules that use no SQL cost no D1 operation", () => {
  let w;
  before(async () => {
    w = await start({ bindings: { MODULES: "util,misc,sqlprobe" } });
  });
  after(async () => {
    await w?.dispose();
  });

  test("KV-only commands (misc /ping, /mstats, /fortytwo; util /help, /info) make no D1 call", async () => {
    const { result, ops } = await opsDuring(w, async () => {
      const texts = [];
      for (const line of ["/ping", "/mstats", "/fortytwo", "/help", "/info"]) {
        texts.push((await webhookReply(await w.webhook(textUpdate(line))))?.text);
      }
      return texts;
    });
    assert.equal(result[0], "pong");
    assert.match(result[1], /^last ping: \d{4}-/);
    assert.equal(result[2], "The answer.");
    assert.deepEqual(ops, []);
  });

  test("asking has_sql() and table_prefix() costs nothing either; a query does", async () => {
    const quiet = await opsDuring(w, async () => {
      await probe(w, "has");
      await probe(w, "prefix");
    });
    assert.deepEqual(quiet.ops, []);
    // The counter does see D1 work: the control.
    const busy = await opsDuring(w, () => probe(w, "reset"));
    assert.deepEqual(roundTrips(busy.ops), [{ op: "batch", count: 2 }]);
  });
});

// The shim's request bookkeeping (js-shim/instance.mjs) against a scripted
// stand-in for the wasm core: when the answer is handed over, when `done`
// exists, and the one watchdog timer per request (answer now, a host
// operation's timeout, cancel). The real core runs through the same paths in
// the workerd tests; here each bound can be hit in milliseconds.
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { CoreInstance } from "../../js-shim/instance.mjs";

const OP_OK = 1;
const OP_TIMED_OUT = 2;
const decoder = new TextDecoder();

// A host operation reading `key` from KV, and an env whose KV never answers.
const kvGet = (key) => JSON.stringify({ op: "kv.get", key });
const hungKvEnv = () => ({ KV: { get: () => new Promise(() => {}) } });

// A core whose miti_webhook runs `script(requestId, core)`; calls into it are
// recorded. `core.host()` is what the real loader hands the wasm.
function scriptedCore(script, { env = {} } = {}) {
  const core = new CoreInstance();
  const memory = new Uint8Array(1 << 20);
  const host = core.host();
  const calls = [];
  const completions = [];
  const allocations = [];
  let onComplete = () => {};
  core.heap = () => memory;
  core.exports = {
    miti_alloc: (bytes) => {
      allocations.push(bytes);
      return 1024;
    },
    miti_free: () => {},
    miti_set_env: () => calls.push("set_env"),
    miti_webhook: (requestId) => {
      calls.push("webhook");
      script(requestId, host);
    },
    miti_complete: (operationId, status, ptr, len) => {
      const text = decoder.decode(memory.subarray(ptr, ptr + len));
      completions.push({ operationId, status, text });
      onComplete(operationId, status, text);
    },
    miti_respond_now: (requestId) => {
      calls.push("respond_now");
      host.respond(requestId, 200, "early");
    },
    miti_cancel: (requestId) => {
      calls.push("cancel");
      host.finish(requestId);
    },
  };
  return {
    core,
    calls,
    completions,
    allocations,
    env,
    onComplete(fn) {
      onComplete = fn;
    },
  };
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

describe("the shim's request bookkeeping", () => {
  test("an update answered and finished in its first call: answer at once, no done promise, nothing left", async () => {
    const t = scriptedCore((id, host) => {
      host.respond(id, 200, '{"method":"sendMessage"}');
      host.finish(id);
    });
    const result = await t.core.webhook({}, new Uint8Array([1]), { answerAfterMs: 5, maxMs: 10 });
    assert.deepEqual(result, { status: 200, body: '{"method":"sendMessage"}', done: null });
    assert.equal(t.core.inFlight, 0);
    await sleep(30);  // a stray timer would fire here
    assert.deepEqual(t.calls, ["set_env", "webhook"]);
  });

  test("an answer before a host operation: done settles when the request ends", async () => {
    const t = scriptedCore((id, host) => {
      host.respond(id, 200, "first");
      host.submit(id, 7, kvGet("k"));
    });
    const env = { KV: { get: async () => "v" } };
    let finishedId = null;
    t.onComplete((operationId) => {
      assert.equal(operationId, 7);
      t.core.finish(finishedId);
    });
    const started = t.core.webhook(env, new Uint8Array([1]), { answerAfterMs: 1000, maxMs: 2000 });
    finishedId = t.core.nextRequestId - 1;
    const result = await started;
    assert.equal(result.body, "first");
    assert.ok(result.done instanceof Promise, "a request still in flight hands over a done promise");
    await result.done;
    assert.deepEqual(t.completions, [{ operationId: 7, status: OP_OK, text: '"v"' }]);
    assert.equal(t.core.inFlight, 0);
  });

  test("an operation that completes the request in the same call: one answer, no done promise", async () => {
    let requestId = null;
    const t = scriptedCore((id, host) => {
      requestId = id;
      host.submit(id, 1, JSON.stringify({ op: "kv.put", key: "k", value: "v" }));
    });
    t.onComplete(() => {
      t.core.respond(requestId, 200, "pong");
      t.core.finish(requestId);
    });
    const env = { KV: { put: async () => {} } };
    const result = await t.core.webhook(env, new Uint8Array([1]), { answerAfterMs: 1000, maxMs: 2000 });
    assert.deepEqual(result, { status: 200, body: "pong", done: null });
    assert.equal(t.core.inFlight, 0);
  });

  test("a slow request is answered at answerAfterMs and goes on; a hung operation times out at opTimeoutMs", async () => {
    let requestId = null;
    const t = scriptedCore((id, host) => {
      requestId = id;
      host.submit(id, 3, kvGet("hangs"));
    });
    t.onComplete((operationId, status) => {
      assert.equal(status, OP_TIMED_OUT);
      t.core.finish(requestId);
    });
    const env = hungKvEnv();
    const started = Date.now();
    const result = await t.core.webhook(env, new Uint8Array([1]), { answerAfterMs: 20, maxMs: 5000, opTimeoutMs: 80 });
    assert.equal(result.body, "early");
    assert.ok(Date.now() - started >= 15, "answered at its bound, not before");
    await result.done;
    assert.ok(Date.now() - started >= 75, "the operation timed out at its own bound");
    assert.equal(t.completions.length, 1);
    assert.match(t.completions[0].text, /kv\.get did not settle within 80 ms/);
    assert.deepEqual(t.calls, ["set_env", "webhook", "respond_now"]);
    assert.equal(t.core.inFlight, 0);
  });

  test("operation deadlines before the answer's: the one timer fires for each in turn, then is gone", { timeout: 5_000 }, async () => {
    let requestId = null;
    const t = scriptedCore((id, host) => {
      requestId = id;
      host.submit(id, 1, kvGet("hangs"));
    });
    t.onComplete((operationId, status) => {
      assert.equal(status, OP_TIMED_OUT);
      // The first timeout starts a second operation, which times out too.
      if (operationId === 1) t.core.host().submit(requestId, 2, kvGet("hangs too"));
      else t.core.finish(requestId);
    });
    const env = hungKvEnv();
    const started = Date.now();
    const result = await t.core.webhook(env, new Uint8Array([1]), { answerAfterMs: 5_000, maxMs: 10_000, opTimeoutMs: 30 });
    const elapsed = Date.now() - started;
    assert.deepEqual(result, { status: 200, body: "", done: null });
    assert.ok(elapsed >= 55 && elapsed < 2_000, `two 30 ms timeouts one after the other, not the answer's 5 s (${elapsed} ms)`);
    assert.deepEqual(t.completions.map((c) => c.operationId), [1, 2]);
    assert.deepEqual(t.calls, ["set_env", "webhook"], "never answered early: the request ended first");
    assert.equal(t.core.inFlight, 0);
  });

  test("a request that outlives maxMs is cancelled; its late operation result is dropped", async () => {
    let settle;
    const t = scriptedCore((id, host) => {
      host.submit(id, 9, kvGet("slow"));
    });
    const env = { KV: { get: () => new Promise((resolve) => (settle = resolve)) } };
    const result = await t.core.webhook(env, new Uint8Array([1]), { answerAfterMs: 10, maxMs: 40, opTimeoutMs: 10_000 });
    assert.equal(result.body, "early");
    await result.done;
    assert.deepEqual(t.calls, ["set_env", "webhook", "respond_now", "cancel"]);
    assert.equal(t.core.inFlight, 0);
    settle("too late");
    await sleep(10);
    assert.deepEqual(t.completions, [], "no completion for a cancelled request's operation");
  });
  test("an operation's result reaches the core as UTF-8; a long one reserves only its own size", async () => {
    let requestId = null;
    const t = scriptedCore((id, host) => {
      requestId = id;
      host.submit(id, 1, kvGet("short"));
      host.submit(id, 2, kvGet("long"));
    });
    const long = "é".repeat(100_000);  // 2 bytes of UTF-8 each
    const env = { KV: { get: async (key) => (key === "short" ? "hé" : long) } };
    t.onComplete(() => {
      if (t.completions.length === 2) t.core.finish(requestId);
    });
    const result = await t.core.webhook(env, new Uint8Array([1]), { opTimeoutMs: 1000 });
    await result.done;
    const byId = Object.fromEntries(t.completions.map((c) => [c.operationId, c.text]));
    assert.equal(byId[1], '"hé"');
    assert.equal(byId[2], JSON.stringify(long));
    // The long result: exactly its UTF-8 length (200,002 bytes), not three times its UTF-16 length.
    assert.ok(t.allocations.includes(200_002), JSON.stringify(t.allocations));
    assert.ok(Math.max(...t.allocations) < 300_000, JSON.stringify(t.allocations));
  });
});

// Issue 2: the Worker platform end to end in workerd (Miniflare): routing, the
// webhook secret, /ping through KV, 200 interleaved requests on one isolate,
// D1 through the bridge, trap recovery, no run-time code generation, and host
// failures surfacing as C++ errors instead of hangs.
import { test, before, after, describe } from "node:test";
import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { Miniflare } from "miniflare";
import {
  ROOT,
  SECRET,
  TOKEN,
  startWorker,
  textUpdate,
  webhookReply,
  waitFor,
  withLogs,
  allKvKeys,
  isRequestLine,
  parseJsonLines,
} from "./harness.mjs";

// A request that does not answer in time fails the test instead of hanging it.
function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

// JSON log lines written since logs.length was `mark`.
function jsonSince(w, mark) {
  return parseJsonLines(w.logs.slice(mark));
}

// How many wasm instances the Worker created (it logs one line for each).
function instancesCreated(w, mark = 0) {
  return jsonSince(w, mark).filter((l) => l.msg === "wasm instance created").length;
}

// Sends /hold from each chat and resolves (to their responses' promises) once
// every one of them is certainly in flight: suspended on the gated Bot API call.
async function holdInFlight(w, chats) {
  const mark = w.logs.length;
  const held = chats.map((chatId) => w.webhook(textUpdate("/hold", { chatId })));
  assert.ok(
    await waitFor(() => jsonSince(w, mark).filter((l) => l.msg === "selftest: holding").length === chats.length, { timeoutMs: 10_000 }),
    "every /hold request is in flight",
  );
  return held;
}

// A fake Bot API that holds "selftestHold" calls (made by /hold) until the
// test opens the gate; everything else is answered at once.
function gatedTelegram() {
  let open;
  let gate = new Promise((resolve) => (open = resolve));
  let nextMessageId = 1;
  return {
    telegram: async ({ method }) => {
      if (method === "selftestHold") await gate;
      return { ok: true, result: { message_id: nextMessageId++ } };
    },
    open: () => open(),
    close: () => {
      gate = new Promise((resolve) => (open = resolve));
    },
  };
}

describe("platform (util,misc,selftest with KV and D1)", () => {
  let w;
  const bot = gatedTelegram();
  before(async () => {
    w = await startWorker({ telegram: bot.telegram });
  });
  after(async () => {
    await w?.dispose();
  });

  test("GET / answers 200 with a health text", async () => {
    const response = await w.fetch("/");
    assert.equal(response.status, 200);
    const text = await response.text();
    assert.match(text, /ok/i);
  });

  test("other paths and methods answer 404", async () => {
    const cases = [
      ["/", "POST"],
      ["/", "PUT"],
      ["/webhook", "GET"],
      ["/webhook", "PUT"],
      ["/webhook/", "POST"],
      ["/webhook/extra", "POST"],
      ["/nope", "GET"],
      ["/index.html", "GET"],
    ];
    const keysBefore = await allKvKeys(w.mf);
    const callsBefore = w.calls.length;
    for (const [url, method] of cases) {
      const response = await w.fetch(url, {
        method,
        headers: { "x-telegram-bot-api-secret-token": SECRET, "content-type": "application/json" },
        ...(method === "GET" ? {} : { body: JSON.stringify(textUpdate("/ping")) }),
      });
      assert.equal(response.status, 404, `${method} ${url}`);
      await response.arrayBuffer();
    }
    assert.deepEqual(await allKvKeys(w.mf), keysBefore, "a 404 never reaches a module");
    assert.equal(w.calls.length, callsBefore);
  });

  test("a wrong or missing webhook secret is 401, with no KV write and no Bot API call", async () => {
    const keysBefore = await allKvKeys(w.mf);
    const callsBefore = w.calls.length;
    for (const secret of [null, "", "wrong", SECRET.slice(0, -1), SECRET + "x", SECRET.toUpperCase(), "x" + SECRET]) {
      const response = await w.webhook(textUpdate("/ping"), { secret });
      assert.equal(response.status, 401, `secret ${JSON.stringify(secret)}`);
      await response.arrayBuffer();
    }
    assert.deepEqual(await allKvKeys(w.mf), keysBefore);
    assert.equal(w.calls.length, callsBefore);
  });

  test("/ping answers pong in the webhook body and records the time in KV", async () => {
    const started = Date.now();
    const callsBefore = w.calls.length;
    const response = await w.webhook(textUpdate("/ping", { chatId: 4242 }));
    assert.equal(response.status, 200);
    assert.match(response.headers.get("content-type") ?? "", /application\/json/);
    assert.deepEqual(await webhookReply(response), { method: "sendMessage", chat_id: 4242, text: "pong" });
    const kv = await w.mf.getKVNamespace("KV");
    const stored = await kv.get("misc:last_ping", "json");
    assert.ok(stored && typeof stored.at === "string", `misc:last_ping = ${JSON.stringify(stored)}`);
    assert.match(stored.at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    const at = Date.parse(stored.at);
    assert.ok(Math.abs(at - started) < 60_000, `${stored.at} is near now`);
    assert.equal(w.calls.length, callsBefore, "the only reply rode in the webhook body");
  });

  test("200 overlapping /interleave updates from 200 chats on one isolate: no cross-talk", async () => {
    const chats = Array.from({ length: 200 }, (_, i) => 900_000 + i * 7);
    const warm = await w.webhook(textUpdate("/ping"));  // the one instance they will share
    assert.equal((await webhookReply(warm)).text, "pong");
    const mark = w.logs.length;
    const responses = await withTimeout(
      Promise.all(chats.map((chatId) => w.webhook(textUpdate("/interleave", { chatId, fromId: chatId })))),
      60_000,
      "200 interleaved updates",
    );
    const replies = await Promise.all(responses.map(async (r) => ({ status: r.status, body: await webhookReply(r) })));
    replies.forEach(({ status, body }, i) => {
      assert.equal(status, 200);
      assert.deepEqual(body, { method: "sendMessage", chat_id: chats[i], text: `interleave ${chats[i]} ok` });
    });
    const kv = await w.mf.getKVNamespace("KV");
    for (const chatId of chats.filter((_, i) => i % 20 === 0)) {
      assert.equal(await kv.get(`selftest:chat:${chatId}`), String(chatId));
    }
    const keys = new Set(await allKvKeys(w.mf));
    assert.equal(chats.filter((chatId) => keys.has(`selftest:chat:${chatId}`)).length, 200);
    assert.ok(!w.logs.slice(mark).some((l) => l.includes("trapped")), "no instance was dropped on the way");
    assert.equal(instancesCreated(w, mark), 0, "all on the instance that was there");
  });

  test("a D1 round trip through the bridge: /d1echo hello -> 'hello 42'", async () => {
    const response = await w.webhook(textUpdate("/d1echo hello"));
    assert.equal(response.status, 200);
    assert.deepEqual(await webhookReply(response), { method: "sendMessage", chat_id: 42, text: "hello 42" });
  });

  test("a D1 operation that fails surfaces as an error the C++ handler catches", async () => {
    const { result: response, lines } = await withLogs(w, () => w.webhook(textUpdate("/sqlerror")));
    assert.equal(response.status, 200);
    const reply = await webhookReply(response);
    assert.equal(reply?.text, "sql error caught");
    const caught = lines.find((l) => l.msg === "selftest: caught");
    assert.ok(caught, `a 'selftest: caught' log line in ${JSON.stringify(lines)}`);
    assert.match(caught.error, /syntax|SELEC/i);
    assert.ok(!lines.some((l) => l.msg === "handler failed"));
  });

  test("a trap answers its request 200, is logged, and the next requests succeed on a fresh instance", async () => {
    // An instance exists before the trap, so the trap kills a live one.
    const warm = await w.webhook(textUpdate("/ping"));
    assert.equal((await webhookReply(warm)).text, "pong");
    const mark = w.logs.length;
    const { result: response, lines } = await withLogs(w, () =>
      withTimeout(w.webhook(textUpdate("/trap")), 10_000, "/trap"),
    );
    assert.equal(response.status, 200);
    assert.equal(await response.text(), "");
    const trapLine = lines.find((l) => /trap/i.test(l.msg ?? ""));
    assert.ok(trapLine, `a log line about the trap in ${JSON.stringify(lines)}`);
    assert.equal(trapLine.level, "error");
    assert.ok(lines.some((l) => isRequestLine(l) && l.status === 200));
    assert.equal(instancesCreated(w, mark), 0, "the trap ran on the instance that was there");

    const ping = await withTimeout(w.webhook(textUpdate("/ping")), 10_000, "/ping after trap");
    assert.deepEqual(await webhookReply(ping), { method: "sendMessage", chat_id: 42, text: "pong" });
    assert.equal(instancesCreated(w, mark), 1, "the next request created a fresh instance");
    const inter = await w.webhook(textUpdate("/interleave", { chatId: 31337 }));
    assert.equal((await webhookReply(inter)).text, "interleave 31337 ok");
    const echo = await w.webhook(textUpdate("/d1echo again"));
    assert.equal((await webhookReply(echo)).text, "again 42");
    assert.equal(instancesCreated(w, mark), 1, "and it serves on");
  });

  test("a trap while requests are in flight ends those requests (200) and the isolate keeps serving", async () => {
    // /hold logs that it is waiting, then awaits a Bot API call the fake API
    // holds back: these requests are certainly suspended on the instance when
    // the trap hits.
    const holders = [7001, 7002, 7003, 7004, 7005];
    const warm = await w.webhook(textUpdate("/ping"));  // an instance exists before the trap
    assert.equal((await webhookReply(warm)).text, "pong");
    bot.close();
    const mark = w.logs.length;
    const held = await holdInFlight(w, holders);
    const trap = await withTimeout(w.webhook(textUpdate("/trap")), 10_000, "/trap");
    assert.equal(trap.status, 200);
    assert.equal(await trap.text(), "");
    // Let the dead instance's pending calls settle (an implementation may end
    // its requests only then); nothing may come of them.
    bot.open();
    const ended = await withTimeout(Promise.all(held), 10_000, "the held requests");
    for (const response of ended) {
      assert.equal(response.status, 200);
      assert.equal(await response.text(), "", "a request ended by the trap sends no reply");
    }
    let trapLine;
    await waitFor(() => (trapLine = jsonSince(w, mark).find((l) => /trap/i.test(l.msg ?? ""))));
    assert.ok(trapLine, "the trap is logged");
    assert.equal(trapLine.requests_in_flight, holders.length + 1, "the held requests and the trap itself were in flight");
    assert.equal(instancesCreated(w, mark), 0, "no instance created yet: the held requests and the trap shared one");

    // The isolate serves on: fresh instance, fetch, KV and D1 all fine.
    const again = await withTimeout(w.webhook(textUpdate("/hold", { chatId: 7009 })), 10_000, "/hold after trap");
    assert.equal(instancesCreated(w, mark), 1, "the next request created a fresh instance");
    assert.equal(again.status, 200);
    assert.equal(await again.text(), "", "the reply follows a Bot API call, so it goes through fetch");
    assert.ok(
      await waitFor(() => w.calls.some((c) => c.method === "sendMessage" && c.params.text === "released 7009")),
      "the fresh instance finished /hold",
    );
    for (const chatId of holders) {
      assert.ok(!w.calls.some((c) => c.params.text === `released ${chatId}`), "a request ended by the trap never resumes");
    }
    const ping = await w.webhook(textUpdate("/ping", { chatId: 7010 }));
    assert.equal((await webhookReply(ping)).text, "pong");
    const inter = await w.webhook(textUpdate("/interleave", { chatId: 7011 }));
    assert.equal((await webhookReply(inter)).text, "interleave 7011 ok");
    assert.equal(instancesCreated(w, mark), 1, "one fresh instance serves everything after the trap");
  });

  test("a trap among overlapping /interleave requests: all answered, never MIXED, serving continues", async () => {
    const chats = Array.from({ length: 12 }, (_, i) => 810_000 + i);
    const warm = await w.webhook(textUpdate("/ping"));  // an instance exists before the first trap
    assert.equal((await webhookReply(warm)).text, "pong");
    const start = w.logs.length;
    for (let round = 0; round < 3; round++) {
      // Requests certainly in flight when the trap hits: /hold, parked on
      // the gated Bot API call; /interleave requests around them.
      bot.close();
      const mark = w.logs.length;
      const holders = [820_000 + round * 10, 820_001 + round * 10];
      const held = await holdInFlight(w, holders);
      const inflight = chats.map((chatId) => w.webhook(textUpdate("/interleave", { chatId })));
      const trap = w.webhook(textUpdate("/trap"));
      const responses = await withTimeout(Promise.all([...inflight, trap]), 20_000, "interleave + trap");
      for (const [i, response] of responses.entries()) {
        const text = await response.text();
        assert.equal(response.status, 200, `round ${round}, request ${i}: ${text.slice(0, 100)}`);
        if (i < chats.length && text) {
          assert.deepEqual(JSON.parse(text), { method: "sendMessage", chat_id: chats[i], text: `interleave ${chats[i]} ok` });
        }
      }
      bot.open();
      for (const response of await withTimeout(Promise.all(held), 10_000, "the held requests")) {
        assert.equal(response.status, 200);
        assert.equal(await response.text(), "", "a request ended by the trap sends no reply");
      }
      let trapLine;
      await waitFor(() => (trapLine = jsonSince(w, mark).find((l) => /trap/i.test(l.msg ?? ""))));
      assert.ok(trapLine, `round ${round}: the trap is logged`);
      assert.ok(trapLine.requests_in_flight >= holders.length + 1, `round ${round}: the trap overlapped the held requests (${trapLine.requests_in_flight} in flight)`);
      // Whatever arrived after the trap ran on one fresh instance; a request
      // now certainly does.
      const ping = await w.webhook(textUpdate("/ping", { chatId: 830_000 + round }));
      assert.equal((await webhookReply(ping)).text, "pong");
      assert.equal(instancesCreated(w, mark), 1, `round ${round}: exactly one fresh instance after the trap`);
    }
    assert.equal(instancesCreated(w, start), 3, "one fresh instance per trap");
    const again = await Promise.all(chats.map((chatId) => w.webhook(textUpdate("/interleave", { chatId }))));
    for (const [i, response] of again.entries()) {
      assert.equal((await webhookReply(response)).text, `interleave ${chats[i]} ok`);
    }
    assert.equal(instancesCreated(w, start), 3);
  });
});

describe("concurrent first requests share one registry build", () => {
  test("50 first requests on a fresh instance while a module's init awaits KV: all answered, one build", async () => {
    const w = await startWorker({ bindings: { SELFTEST_INIT_KV: "10" } });
    try {
      // Five rounds, each on a fresh instance (a trap drops the previous one).
      const kv = await w.mf.getKVNamespace("KV");
      for (let round = 1; round <= 5; round++) {
        const chats = Array.from({ length: 50 }, (_, i) => 600_000 + round * 1000 + i);
        const responses = await withTimeout(
          Promise.all(chats.map((chatId) => w.webhook(textUpdate("/interleave", { chatId })))),
          30_000,
          "first requests",
        );
        for (const [i, response] of responses.entries()) {
          const text = await response.text();
          assert.equal(response.status, 200, `round ${round}, request ${i}: ${text.slice(0, 100)}`);
          assert.deepEqual(JSON.parse(text), { method: "sendMessage", chat_id: chats[i], text: `interleave ${chats[i]} ok` });
        }
        assert.equal(await kv.get("selftest:init_runs"), String(round), "init ran once per instance: the build was shared");
        assert.equal((await w.webhook(textUpdate("/trap"))).status, 200);
      }
    } finally {
      await w.dispose();
    }
  });
});

describe("no run-time code generation", () => {
  test("the shipped JS is the shim alone: no generated glue, no eval( and no new Function", async () => {
    for (const name of ["miti.wasm", "miti-test.wasm"]) {
      const wasm = await readFile(path.join(ROOT, "build/wasm", name));
      assert.ok(wasm.length > 1000, `build/wasm/${name} is built`);
    }
    for (const entry of ["js-shim/worker.mjs", "testkit/worker.mjs"]) {
      const source = await readFile(path.join(ROOT, entry), "utf8");
      assert.ok(!/miti(-test)?\.mjs/.test(source), `${entry} imports no Emscripten glue`);
    }
    const shimFiles = (await readdir(path.join(ROOT, "js-shim"))).filter((f) => /\.m?js$/.test(f));
    for (const file of ["app.mjs", "worker.mjs", "instance.mjs", "host_ops.mjs"]) assert.ok(shimFiles.includes(file), file);
    for (const file of [...shimFiles.map((f) => `js-shim/${f}`), "testkit/worker.mjs"]) {
      const shim = await readFile(path.join(ROOT, file), "utf8");
      assert.ok(!/\beval\s*\(|new\s+Function\b/.test(shim), `no eval in ${file}`);
    }
  });

  test("workerd forbids run-time code generation, and the Worker runs there", async () => {
    // Prove the premise: in this workerd, compiling wasm from bytes, eval and
    // new Function all throw ...
    const wasmBytes = await readFile(path.join(ROOT, "build/wasm/miti.wasm"));
    const probe = new Miniflare({
      modules: true,
      compatibilityDate: "2026-04-01",
      script: `export default { async fetch(request) {
        const bytes = new Uint8Array(await request.arrayBuffer());
        const out = {};
        try { new WebAssembly.Module(bytes); out.compile = "allowed"; } catch (e) { out.compile = String(e.message); }
        try { await WebAssembly.instantiate(bytes, {}); out.instantiate = "allowed"; } catch (e) { out.instantiate = String(e.message); }
        try { eval("1 + 1"); out.eval = "allowed"; } catch (e) { out.eval = String(e.message); }
        try { new Function("return 1")(); out.fn = "allowed"; } catch (e) { out.fn = String(e.message); }
        return Response.json(out);
      } }`,
    });
    try {
      const verdict = await (await probe.dispatchFetch("http://localhost/", { method: "POST", body: wasmBytes })).json();
      assert.match(verdict.compile, /disallowed|not allowed/i);
      assert.match(verdict.instantiate, /disallowed|not allowed/i);
      assert.match(verdict.eval, /disallowed|not allowed/i);
      assert.match(verdict.fn, /disallowed|not allowed/i);
    } finally {
      await probe.dispose();
    }
    // ... and the real Worker (js-shim + miti.wasm) loads and runs there.
    const w = await startWorker();
    try {
      const response = await w.webhook(textUpdate("/d1echo nocodegen"));
      assert.equal((await webhookReply(response)).text, "nocodegen 42");
      assert.ok(!w.logs.some((l) => /disallowed|code generation/i.test(l)), "no code-generation error logged");
    } finally {
      await w.dispose();
    }
  });
});

describe("host failures reach C++ as errors, never hangs", () => {
  test("every KV call failing at the host: /ping still pongs (warned), /mstats fails cleanly", async () => {
    // KV is bound to a D1 database: env.KV.get / put throw inside the host.
    const w = await startWorker({ kv: false, extraD1: ["KV"] });
    try {
      const ping = await withLogs(w, () => withTimeout(w.webhook(textUpdate("/ping")), 10_000, "/ping"));
      assert.equal(ping.result.status, 200);
      assert.deepEqual(await webhookReply(ping.result), { method: "sendMessage", chat_id: 42, text: "pong" });
      const warn = ping.lines.find((l) => l.level === "warn");
      assert.ok(warn, `a warn line in ${JSON.stringify(ping.lines)}`);
      assert.match(warn.msg, /ping/);
      assert.ok(warn.error, "the warn line carries the host's error");

      const update = textUpdate("/mstats");
      const mstats = await withLogs(w, () => withTimeout(w.webhook(update), 10_000, "/mstats"));
      assert.equal(mstats.result.status, 200);
      assert.equal(await mstats.result.text(), "");
      const failed = mstats.lines.find((l) => l.msg === "handler failed");
      assert.ok(failed, `a handler-failed line in ${JSON.stringify(mstats.lines)}`);
      assert.equal(failed.module, "misc");
      assert.equal(failed.command, "mstats");
      assert.equal(failed.update_id, update.update_id);
      assert.equal(typeof failed.error, "string");
      assert.ok(failed.error.length > 0);
      assert.equal(w.calls.length, 0);
    } finally {
      await w.dispose();
    }
  });

  test("no DB binding: /d1echo fails with a log naming the DB binding; /ping still works", async () => {
    const w = await startWorker({ d1: false });
    try {
      const echo = await withLogs(w, () => withTimeout(w.webhook(textUpdate("/d1echo x")), 10_000, "/d1echo"));
      assert.equal(echo.result.status, 200);
      assert.equal(await echo.result.text(), "");
      const failed = echo.lines.find((l) => l.msg === "handler failed");
      assert.ok(failed, `a handler-failed line in ${JSON.stringify(echo.lines)}`);
      assert.equal(failed.module, "selftest");
      assert.equal(failed.command, "d1echo");
      assert.match(failed.error, /\bDB\b/);
      assert.match(failed.error, /binding/);

      const ping = await w.webhook(textUpdate("/ping"));
      assert.deepEqual(await webhookReply(ping), { method: "sendMessage", chat_id: 42, text: "pong" });
      const kv = await w.mf.getKVNamespace("KV");
      assert.ok(await kv.get("misc:last_ping"));
      assert.ok(!w.logs.some((l) => l.includes(TOKEN)));
    } finally {
      await w.dispose();
    }
  });
});

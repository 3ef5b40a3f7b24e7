// The test kit itself (testkit/index.mjs), as a module author uses it:
// startBot's chat (send, replies, the webhook-body reply applied to the chat
// world, sql) and the cron triggers of startWorker and startBot.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { startBot, startWorker, parseJsonLines, waitFor } from "./harness.mjs";

const MINUTE = 60_000;

describe("startBot", () => {
  test("send: /ping is answered in the webhook body and lands in the chat", async (t) => {
    const bot = await startBot({ modules: "util,misc" });
    t.after(() => bot.dispose());
    const { status, replies, calls } = await bot.send("/ping");
    assert.equal(status, 200);
    assert.deepEqual(replies, ["pong"]);
    assert.deepEqual(calls.map((c) => [c.method, c.via]), [["sendMessage", "webhook"]]);
    const transcript = bot.transcript();
    assert.deepEqual(transcript.map((e) => [e.byBot, e.message.text]), [[false, "/ping"], [true, "pong"]]);
  });

  test("sql: a module's rows on the migrated D1", async (t) => {
    const bot = await startBot({ modules: "util,notes" });
    t.after(() => bot.dispose());
    const { replies } = await bot.send("/note milk");
    assert.equal(replies.length, 1);
    assert.match(replies[0], /^saved note #\d+$/);
    const rows = await bot.sql("SELECT text FROM notes_notes");
    assert.deepEqual(rows, [{ text: "milk" }]);
  });
});

describe("cron triggers", () => {
  // testkit's scheduled() requests Miniflare's /cdn-cgi/handler/scheduled,
  // which Miniflare serves because startWorker sets `unsafeTriggerHandlers`.
  test("startWorker().scheduled fires the module crons", async (t) => {
    const w = await startWorker();
    t.after(() => w.dispose());
    const response = await w.scheduled("*/5 * * * *", { time: Date.UTC(2026, 4, 1, 10, 5) });
    await response.arrayBuffer();
    assert.equal(response.status, 200);
    let summary;
    assert.ok(await waitFor(() => (summary = parseJsonLines(w.logs).find((l) => l.event === "scheduled"))), w.logs.join("\n"));
    assert.equal(summary.cron, "*/5 * * * *");
  });

  test("startBot().cron delivers a due reminder at the given time", async (t) => {
    const bot = await startBot({ modules: "util,remind" });
    t.after(() => bot.dispose());
    const set = await bot.send("/remind 5m stretch");
    assert.match(set.replies[0] ?? "", /Reminder #\d+ set/);
    const run = await bot.cron("* * * * *", { time: Date.now() + 10 * MINUTE });
    assert.equal(run.status, 200);
    assert.deepEqual(run.replies, ["⏰ stretch"]);
  });
});

// Scheduled dispatch in workerd: module crons fan out across modules, each in
// isolation, matched by meaning rather than spelling, on a cold isolate too.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { startWorker, textUpdate, webhookReply, waitFor } from "./harness.mjs";

const MODULES = "util,misc,selftest,sqlprobe";

async function fire(w, cron, scheduledTime = Date.UTC(2026, 10, 27, 6, 5)) {
  const worker = await w.mf.getWorker();
  return worker.scheduled({ cron, scheduledTime: new Date(scheduledTime) });
}

// The {event: "scheduled"} summary line of the run that fired `cron`.
async function summary(w, cron, mark) {
  let line;
  await waitFor(() => (line = w.jsonLogs().slice(mark).find((l) => l.event === "scheduled" && l.cron === cron)));
  return line;
}

describe("scheduled dispatch", () => {
  let w;
  before(async () => {
    w = await startWorker({ bindings: { MODULES } });
  });
  after(() => w.dispose());

  test("a cron on a cold isolate builds the registry without any Telegram request first", async () => {
    const kv = await w.mf.getKVNamespace("KV");
    assert.equal(await kv.get("selftest:cron:tick"), null);
    const result = await fire(w, "*/5 * * * *");
    assert.equal(result.outcome, "ok");
    const record = JSON.parse(await kv.get("selftest:cron:tick"));
    assert.deepEqual(record, { cron: "*/5 * * * *", at: "2026-11-27T06:05:00.000Z" });
  });

  test("fan-out: every module's matching cron runs; one failure is logged and the others still run", async () => {
    const kv = await w.mf.getKVNamespace("KV");
    await kv.delete("selftest:cron:tick");
    await kv.delete("sqlprobe:cron:tick");
    const mark = w.logs.length;
    const calls = w.calls.length;
    await fire(w, "*/5 * * * *");

    assert.ok(await kv.get("selftest:cron:tick"), "selftest.tick ran");
    assert.equal(await kv.get("sqlprobe:cron:tick"), "*/5 * * * *", "sqlprobe.tick ran (spelled 0-55/5 in its module)");
    const failure = w.jsonLogs().slice(mark).find((l) => l.msg === "cron failed");
    assert.deepEqual(
      { module: failure?.module, cron: failure?.cron, error: failure?.error },
      { module: "selftest", cron: "boom", error: "selftest: deliberate cron failure" },
    );
    const line = await summary(w, "*/5 * * * *", mark);
    assert.equal(line.ran, 3);
    assert.equal(line.failed, 1);
    // No webhook to reply to: the cron's Bot API call went through fetch.
    const sent = w.calls.slice(calls).filter((c) => c.method === "sendMessage");
    assert.deepEqual(sent.map((c) => c.params), [{ chat_id: 1, text: "tick */5 * * * *" }]);
  });

  test("schedules match by meaning: spacing and spelling in wrangler.toml never lose a run", async () => {
    const kv = await w.mf.getKVNamespace("KV");
    for (const spelling of ["*/5  *   * * *", "0,5,10,15,20,25,30,35,40,45,50,55 * * * *", "0-59/5 * * * *"]) {
      await kv.delete("sqlprobe:cron:tick");
      const mark = w.logs.length;
      await fire(w, spelling);
      assert.equal(await kv.get("sqlprobe:cron:tick"), spelling, `ran for '${spelling}'`);
      assert.equal((await summary(w, spelling, mark)).ran, 3);
    }
  });

  test("a trigger no module declares runs nothing and says so", async () => {
    const mark = w.logs.length;
    const calls = w.calls.length;
    await fire(w, "0 4 * * *");
    const line = await summary(w, "0 4 * * *", mark);
    assert.equal(line.ran, 0);
    assert.ok(w.jsonLogs().slice(mark).some((l) => l.msg === "no module cron matches this trigger"));
    assert.equal(w.calls.length, calls);
  });

  test("webhooks keep working beside crons on the same instance", async () => {
    const [, response] = await Promise.all([fire(w, "*/5 * * * *"), w.webhook(textUpdate("/ping"))]);
    assert.equal((await webhookReply(response)).text, "pong");
  });
});

describe("scheduled dispatch with a broken registry", () => {
  test("an unknown module in MODULES: the run is logged as failed, the isolate keeps serving", async () => {
    const w = await startWorker({ bindings: { MODULES: "util,nope" } });
    try {
      const mark = w.logs.length;
      await fire(w, "*/5 * * * *");
      const line = await summary(w, "*/5 * * * *", mark);
      assert.equal(line.status, 500);
      assert.match(line.error, /unknown module 'nope'/);
      const health = await w.fetch("/");
      assert.equal(health.status, 200);
    } finally {
      await w.dispose();
    }
  });
});

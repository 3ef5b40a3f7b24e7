// The remind module end to end in workerd (Miniflare) with a real D1:
// /remind, /reminders and /unremind through /webhook, the `deliver` and
// `trim` crons fired with a scheduledTime, Bot API calls captured by the fake
// Telegram (startWorker), and chats with buttons, owners, rate limits and
// migrations through the test kit's chat world (startBot). D1 queries per
// invocation are counted by the real Worker running behind
// d1_counting_worker.mjs (the shim and the core are unchanged).
//
//   node --test modules/remind/tests/
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { GROUP_CHAT, PRIVATE_CHAT, ROOT, USER, startBot, startWorker, textUpdate, webhookReply, waitFor, withLogs } from "../../../testkit/index.mjs";

const DELIVER = "* * * * *";
const TRIM = "0 3 * * *";
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const COUNTING_WORKER = path.join(ROOT, "modules/remind/tests/d1_counting_worker.mjs");

// A Worker running util,misc,remind over a migrated D1, with a Bot API whose
// answers a test can script: w.telegramAnswer = ({method, params}) => answer.
async function startRemindWorker({ bindings = {} } = {}) {
  let messageId = 5000;
  let ext;
  const w = await startWorker({
    scriptPath: COUNTING_WORKER,
    migrations: true,
    bindings: { MODULES: "util,misc,remind", ...bindings },
    telegram: async (call) => (await ext.telegramAnswer?.(call)) ?? { ok: true, result: { message_id: messageId++ } },
  });
  const db = await w.mf.getD1Database("DB");
  ext = Object.assign(w, {
    db,
    telegramAnswer: null,

    // Sends a command; returns the bot's answer carried in the webhook response.
    async command(text, options = {}) {
      const response = await w.webhook(textUpdate(text, options));
      assert.equal(response.status, 200);
      return webhookReply(response);
    },

    // Fires a cron and waits for the whole run (waitUntil included); returns
    // the D1 statements it ran and the Bot API calls it made.
    async fire(cron, scheduledMs) {
      await w.fetch("/__test/invocations?clear=1");
      const before = w.calls.length;
      const worker = await w.mf.getWorker();
      await worker.scheduled({ cron, scheduledTime: new Date(scheduledMs) });
      let run;
      const finished = await waitFor(async () => {
        const list = await (await w.fetch("/__test/invocations")).json();
        run = list.find((i) => i.kind === "scheduled" && i.done);
        return run !== undefined;
      });
      assert.ok(finished, `the ${cron} run did not finish`);
      return { d1: run.d1, sql: run.sql, calls: w.calls.slice(before) };
    },

    async rows(where = "1", ...binds) {
      const { results } = await db.prepare(`SELECT * FROM remind_reminders WHERE ${where} ORDER BY id`).bind(...binds).all();
      return results;
    },
  });
  return ext;
}

// Inserts count reminders straight into D1 (far faster than /remind), due at
// dueMs + i ms, with text `${prefix} ${i}`.
async function insertReminders(db, { count, dueMs, prefix, chatId = 900, userId = 900, state = "pending", finishedAt = null, nextAt, claim = null, attempts = 0 }) {
  await db
    .prepare(
      `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ?1 - 1)
       INSERT INTO remind_reminders (chat_id, user_id, text, created_at, due_at, next_at, state, finished_at, claim, attempts)
       SELECT ?2, ?3, ?4 || ' ' || i, ?5 - 60000, ?5 + i, coalesce(?6, ?5 + i), ?7, ?8, ?9, ?10 FROM n`,
    )
    .bind(count, chatId, userId, prefix, dueMs, nextAt ?? null, state, finishedAt, claim, attempts)
    .run();
}

const REMIND_ANSWER = /^⏰ Reminder #(\d+) set for (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ) \(in ([0-9dhm]+)\)\.$/;

describe("remind: commands", () => {
  let w;
  before(async () => {
    w = await startRemindWorker();
  });
  after(async () => {
    await w?.dispose();
  });

  test("/remind answers with the id and the UTC due time, and stores the reminder", async () => {
    const before = Date.now();
    const reply = await w.command("/remind 1h30m stretch <legs> & back", { chatId: 101, fromId: 11 });
    const after = Date.now();
    assert.equal(reply.method, "sendMessage");
    assert.equal(reply.chat_id, 101);
    const match = reply.text.match(REMIND_ANSWER);
    assert.ok(match, reply.text);
    assert.equal(match[3], "1h30m");
    const [row] = await w.rows("id = ?", Number(match[1]));
    assert.equal(row.chat_id, 101);
    assert.equal(row.user_id, 11);
    assert.equal(row.text, "stretch <legs> & back");
    assert.equal(row.state, "pending");
    assert.equal(row.thread_id, null);
    assert.equal(new Date(row.due_at).toISOString().replace(".000", ""), match[2]);
    assert.ok(row.due_at >= before + 90 * MINUTE && row.due_at <= after + 90 * MINUTE + 1000, "due in 1h30m");
    assert.equal(row.due_at % 1000, 0, "whole seconds");
  });

  test("the duration bounds: 1m and 365d are accepted", async () => {
    assert.match((await w.command("/remind 1m soon", { chatId: 102, fromId: 12 })).text, REMIND_ANSWER);
    assert.match((await w.command("/remind 365d later", { chatId: 102, fromId: 12 })).text, REMIND_ANSWER);
    assert.match((await w.command("/remind 52w week-based", { chatId: 102, fromId: 12 })).text, REMIND_ANSWER);
  });

  test("bad input gets the usage line and saves nothing", async () => {
    const before = (await w.rows()).length;
    for (const text of [
      "/remind",
      "/remind tea",
      "/remind 10m",
      "/remind 10m   ",
      "/remind 10x tea",
      "/remind 30s tea",
      "/remind 0m tea",
      "/remind 366d tea",
      "/remind 53w tea",
      "/remind 30m1h tea",
      "/remind 1h1h tea",
      "/remind -5m tea",
      "/remind 1.5h tea",
      "/remind 99999999999999999999d tea",
      "/remind 1234567m tea",
    ]) {
      const reply = await w.command(text, { chatId: 103, fromId: 13 });
      assert.match(reply.text, /^Usage: \/remind <when> <text>/, text);
    }
    assert.equal((await w.rows()).length, before);
  });

  test("a reminder set in a forum topic remembers the topic", async () => {
    const reply = await w.command("/remind 5m topic tea", { chatId: -100200, fromId: 14, chatType: "supergroup", threadId: 77 });
    assert.equal(reply.message_thread_id, 77);
    const id = Number(reply.text.match(REMIND_ANSWER)[1]);
    const [row] = await w.rows("id = ?", id);
    assert.equal(row.thread_id, 77);
  });

  test("/reminders lists the sender's pending reminders in this chat, soonest first, HTML-escaped", async () => {
    const chat = 104;
    await w.command("/remind 2h second <b>not bold</b>", { chatId: chat, fromId: 15 });
    await w.command("/remind 10m first & foremost", { chatId: chat, fromId: 15 });
    await w.command("/remind 1d third\nwith a line break", { chatId: chat, fromId: 15 });
    await w.command("/remind 5m someone else's", { chatId: chat, fromId: 16 });
    await w.command("/remind 5m another chat", { chatId: chat + 1, fromId: 15 });
    const reply = await w.command("/reminders", { chatId: chat, fromId: 15 });
    assert.equal(reply.parse_mode, "HTML");
    const lines = reply.text.split("\n");
    assert.equal(lines[0], "<b>Your pending reminders here (3)</b>");
    assert.equal(lines.length, 4);
    assert.match(lines[1], /^#\d+ · \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ · first &amp; foremost$/);
    assert.match(lines[2], / · second &lt;b&gt;not bold&lt;\/b&gt;$/);
    assert.match(lines[3], / · third with a line break$/);
    assert.doesNotMatch(reply.text, /someone else|another chat/);

    const empty = await w.command("/reminders", { chatId: chat, fromId: 17 });
    assert.match(empty.text, /no pending reminders/);
  });

  test("/unremind deletes the sender's own reminder and refuses someone else's", async () => {
    const mine = Number((await w.command("/remind 10m mine", { chatId: 106, fromId: 18 })).text.match(REMIND_ANSWER)[1]);
    const theirs = Number((await w.command("/remind 10m theirs", { chatId: 106, fromId: 19 })).text.match(REMIND_ANSWER)[1]);

    const refused = await w.command(`/unremind ${theirs}`, { chatId: 106, fromId: 18 });
    assert.equal(refused.text, `You have no pending reminder #${theirs}.`);
    assert.equal((await w.rows("id = ?", theirs)).length, 1, "nothing deleted");

    const deleted = await w.command(`/unremind #${mine}`, { chatId: 106, fromId: 18 });
    assert.equal(deleted.text, `Reminder #${mine} deleted.`);
    assert.equal((await w.rows("id = ?", mine)).length, 0);

    const again = await w.command(`/unremind ${mine}`, { chatId: 106, fromId: 18 });
    assert.equal(again.text, `You have no pending reminder #${mine}.`);
    for (const bad of ["/unremind", "/unremind abc", "/unremind 0", "/unremind -3", "/unremind 12 13"]) {
      assert.match((await w.command(bad, { chatId: 106, fromId: 18 })).text, /^Usage: \/unremind <id>/, bad);
    }
  });

  test("/unremind with an id above 2^53 - 1 answers the usage line, deletes nothing, fails nothing", async () => {
    await w.command("/remind 10m keep me", { chatId: 110, fromId: 23 });
    const before = (await w.rows()).length;
    const { result: reply, lines } = await withLogs(w, () => w.command("/unremind 9007199254740993", { chatId: 110, fromId: 23 }));
    assert.match(reply.text, /^Usage: \/unremind <id>/);
    assert.equal((await w.rows()).length, before, "nothing deleted");
    assert.deepEqual(lines.filter((l) => l.msg === "handler failed"), []);
  });

  test("the 101st pending reminder of a user is refused; delivered ones do not count", async () => {
    const user = 20;
    await insertReminders(w.db, { count: 99, dueMs: Date.now() + DAY, prefix: "filler", chatId: 107, userId: user });
    assert.match((await w.command("/remind 1h the hundredth", { chatId: 108, fromId: user })).text, REMIND_ANSWER);
    const refused = await w.command("/remind 1h one too many", { chatId: 108, fromId: user });
    assert.match(refused.text, /^You already have 100 pending reminders/);
    assert.equal((await w.rows("user_id = ? AND state = 'pending'", user)).length, 100);
    assert.equal((await w.rows("text = 'one too many'")).length, 0);

    // another user is not affected
    assert.match((await w.command("/remind 1h unaffected", { chatId: 108, fromId: user + 1 })).text, REMIND_ANSWER);
    // once one is delivered there is room again
    await w.db.prepare("UPDATE remind_reminders SET state = 'delivered', finished_at = 1 WHERE id = (SELECT min(id) FROM remind_reminders WHERE user_id = ?)").bind(user).run();
    assert.match((await w.command("/remind 1h room again", { chatId: 108, fromId: user })).text, REMIND_ANSWER);
  });

  test("concurrent /remind cannot squeeze past the limit", async () => {
    const user = 22;
    await insertReminders(w.db, { count: 95, dueMs: Date.now() + DAY, prefix: "filler", chatId: 109, userId: user });
    const replies = await Promise.all(Array.from({ length: 12 }, (_, i) => w.command(`/remind 1h race ${i}`, { chatId: 109, fromId: user })));
    assert.equal(replies.filter((r) => REMIND_ANSWER.test(r.text)).length, 5);
    assert.equal((await w.rows("user_id = ? AND state = 'pending'", user)).length, 100);
  });
});

describe("remind: deliver", () => {
  let w;
  before(async () => {
    w = await startRemindWorker();
  });
  after(async () => {
    await w?.dispose();
  });

  // Each test leaves nothing due behind, so the tests share one worker.
  async function assertNothingDue(at) {
    const left = await w.rows("state IN ('pending', 'sending') AND next_at <= ?", at);
    assert.deepEqual(left, []);
  }

  test("a reminder set via /webhook is sent once when due, in its topic, and marked delivered", async () => {
    const reply = await w.command("/remind 10m tea <now>", { chatId: -100300, fromId: 31, chatType: "supergroup", threadId: 9 });
    const id = Number(reply.text.match(REMIND_ANSWER)[1]);
    const [row] = await w.rows("id = ?", id);

    const early = await w.fire(DELIVER, row.due_at - 30_000);
    assert.deepEqual(early.calls, [], "not due yet");
    assert.equal((await w.rows("id = ?", id))[0].state, "pending");

    const due = await w.fire(DELIVER, row.due_at + 30_000);
    assert.equal(due.calls.length, 1);
    const [call] = due.calls;
    assert.equal(call.method, "sendMessage");
    assert.equal(call.params.chat_id, -100300);
    assert.equal(call.params.message_thread_id, 9);
    assert.equal(call.params.text, "⏰ tea <now>");
    assert.equal(call.params.parse_mode, undefined, "sent as plain text, so nothing needs escaping");
    assert.equal(call.params.reply_parameters.allow_sending_without_reply, true);
    const [delivered] = await w.rows("id = ?", id);
    assert.equal(delivered.state, "delivered");
    assert.equal(delivered.finished_at, row.due_at + 30_000);
    assert.equal(delivered.claim, null);
    assert.equal(delivered.attempts, 1);
    assert.ok(due.d1 <= 3, `one claim and one write: ${due.d1} D1 queries`);

    const later = await w.fire(DELIVER, row.due_at + 90_000);
    assert.deepEqual(later.calls, [], "not sent again");
    assert.equal(later.d1, 1, "an idle run costs one query");
  });

  test("a failed send is retried on the next run, then marked delivered", async () => {
    const base = Date.now() + 10 * DAY;
    await insertReminders(w.db, { count: 1, dueMs: base, prefix: "retry me", chatId: 301 });
    let attempts = 0;
    w.telegramAnswer = () => (++attempts === 1 ? { ok: false, error_code: 500, description: "Internal Server Error" } : undefined);

    const first = await w.fire(DELIVER, base + MINUTE);
    assert.equal(first.calls.length, 1);
    let [row] = await w.rows("text = 'retry me 0'");
    assert.equal(row.state, "pending");
    assert.equal(row.attempts, 1);
    assert.match(row.last_error, /500/);

    const second = await w.fire(DELIVER, base + 2 * MINUTE);
    assert.equal(second.calls.length, 1);
    assert.equal(second.calls[0].params.text, "⏰ retry me 0");
    [row] = await w.rows("text = 'retry me 0'");
    assert.equal(row.state, "delivered");
    assert.equal(row.attempts, 2);

    const third = await w.fire(DELIVER, base + 3 * MINUTE);
    assert.deepEqual(third.calls, []);
    w.telegramAnswer = null;
  });

  test("an HTTP failure (non-JSON answer) counts as a failed send and is retried", async () => {
    const base = Date.now() + 11 * DAY;
    await insertReminders(w.db, { count: 1, dueMs: base, prefix: "http 500", chatId: 302 });
    let attempts = 0;
    w.telegramAnswer = () => {
      if (++attempts === 1) throw new Error("Bot API down");
    };
    await w.fire(DELIVER, base + MINUTE);
    let [row] = await w.rows("text = 'http 500 0'");
    assert.equal(row.state, "pending");
    assert.equal(row.attempts, 1);
    await w.fire(DELIVER, base + 2 * MINUTE);
    [row] = await w.rows("text = 'http 500 0'");
    assert.equal(row.state, "delivered");
    assert.equal(attempts, 2);
    w.telegramAnswer = null;
  });

  test("a permanent error (bot blocked) marks the reminder failed without retrying", async () => {
    const base = Date.now() + 12 * DAY;
    await insertReminders(w.db, { count: 1, dueMs: base, prefix: "blocked", chatId: 303 });
    w.telegramAnswer = () => ({ ok: false, error_code: 403, description: "Forbidden: bot was blocked by the user" });
    await w.fire(DELIVER, base + MINUTE);
    w.telegramAnswer = null;
    const [row] = await w.rows("text = 'blocked 0'");
    assert.equal(row.state, "failed");
    assert.match(row.last_error, /blocked/);
    assert.equal(row.finished_at, base + MINUTE);
    const next = await w.fire(DELIVER, base + 2 * MINUTE);
    assert.deepEqual(next.calls, []);
  });

  test("flood control (429): the chat's reminders are handed back for retry_after, uncounted", async () => {
    const base = Date.now() + 13 * DAY;
    await insertReminders(w.db, { count: 3, dueMs: base, prefix: "flood", chatId: 304 });
    w.telegramAnswer = () => ({ ok: false, error_code: 429, description: "Too Many Requests: retry after 5", parameters: { retry_after: 5 } });
    const limited = await w.fire(DELIVER, base + MINUTE);
    assert.equal(limited.calls.length, 1, "one attempt; the chat's other two are not tried");
    w.telegramAnswer = null;
    let rows = await w.rows("text LIKE 'flood %'");
    assert.deepEqual(rows.map((r) => [r.state, r.attempts, r.claim]), [
      ["pending", 0, null],
      ["pending", 0, null],
      ["pending", 0, null],
    ]);
    const next = await w.fire(DELIVER, base + 2 * MINUTE);
    assert.deepEqual(next.calls.map((c) => c.params.text), ["⏰ flood 0", "⏰ flood 1", "⏰ flood 2"]);
    rows = await w.rows("text LIKE 'flood %'");
    assert.ok(rows.every((r) => r.state === "delivered" && r.attempts === 1));
  });

  test("after a run died: a live claim is left alone, an expired one is sent once, a hopeless one fails", async () => {
    const base = Date.now() + 14 * DAY;
    const lease = base + 16 * MINUTE;  // as a run that claimed at `base` and then died would leave it
    await insertReminders(w.db, { count: 2, dueMs: base - MINUTE, prefix: "orphan", chatId: 305, state: "sending", nextAt: lease, claim: "deadbeefdeadbeef", attempts: 1 });
    await insertReminders(w.db, { count: 1, dueMs: base - MINUTE, prefix: "hopeless", chatId: 305, state: "sending", nextAt: lease, claim: "0123456789abcdef", attempts: 10 });

    const during = await w.fire(DELIVER, base + 5 * MINUTE);
    assert.deepEqual(during.calls, [], "the claim may still be live: never taken over before its lease ends");

    const expired = await w.fire(DELIVER, lease + MINUTE);
    assert.deepEqual(expired.calls.map((c) => c.params.text).sort(), ["⏰ orphan 0", "⏰ orphan 1"]);
    const rows = await w.rows("chat_id = 305");
    assert.deepEqual(rows.map((r) => [r.text, r.state, r.attempts]), [
      ["orphan 0", "delivered", 2],
      ["orphan 1", "delivered", 2],
      ["hopeless 0", "failed", 10],
    ]);
    const again = await w.fire(DELIVER, lease + 2 * MINUTE);
    assert.deepEqual(again.calls, []);
  });

  test("when D1 fails mid-run, sending stops: only the reminder in flight can go out twice", async () => {
    const base = Date.now() + 16 * DAY;
    await insertReminders(w.db, { count: 5, dueMs: base, prefix: "d1 down", chatId: 307 });
    // The first send succeeds at Telegram, and then D1 becomes unusable (the
    // table disappears), as if the run had died right after that send.
    let sends = 0;
    w.telegramAnswer = async () => {
      if (++sends === 1) await w.db.prepare("ALTER TABLE remind_reminders RENAME TO remind_reminders_away").run();
    };
    const broken = await w.fire(DELIVER, base + MINUTE);
    w.telegramAnswer = null;
    assert.equal(broken.calls.length, 1, "no send after an outcome could not be recorded");
    const logs = w.jsonLogs();
    assert.ok(logs.some((l) => l.msg === "remind: could not record an outcome"));
    assert.ok(logs.some((l) => l.msg === "remind: claims left to expire"));
    await w.db.prepare("ALTER TABLE remind_reminders_away RENAME TO remind_reminders").run();

    const rows = await w.rows("chat_id = 307");
    assert.ok(rows.every((r) => r.state === "sending"), "all five wait for their lease");
    const lease = rows[0].next_at;
    assert.deepEqual((await w.fire(DELIVER, lease - MINUTE)).calls, []);
    const recovered = await w.fire(DELIVER, lease + MINUTE);
    assert.deepEqual(recovered.calls.map((c) => c.params.text), ["⏰ d1 down 0", "⏰ d1 down 1", "⏰ d1 down 2", "⏰ d1 down 3", "⏰ d1 down 4"]);
    // "d1 down 0" went out twice (the documented window: one reminder), the others once.
    assert.ok((await w.rows("chat_id = 307")).every((r) => r.state === "delivered"));
  });

  test("on the Paid plan a larger REMIND_SENDS_PER_RUN still splits its hand-backs under 100 bound parameters", async () => {
    // 250 claimed, all in one chat. A 429 hands the 249 others back with the
    // refused one (97 per statement); a 401 stops the run and the end of the
    // run hands them back (99 per statement).
    const paid = await startRemindWorker({ bindings: { WORKERS_PLAN: "paid", REMIND_SENDS_PER_RUN: "250" } });
    try {
      const base = Date.now() + 17 * DAY;
      await insertReminders(paid.db, { count: 250, dueMs: base, prefix: "paid", chatId: 308 });
      paid.telegramAnswer = () => ({ ok: false, error_code: 429, description: "Too Many Requests: retry after 1", parameters: { retry_after: 1 } });
      const limited = await paid.fire(DELIVER, base + MINUTE);
      assert.equal(limited.calls.length, 1);
      const deferrals = limited.sql.filter((q) => q.includes("claim IN ("));
      assert.equal(deferrals.length, 3, "97 + 97 + 55 others");
      for (const q of deferrals) assert.ok(new Set(q.match(/\?\d+/g)).size <= 100, "at most 100 bound parameters");
      assert.equal((await paid.rows("state = 'pending' AND attempts = 0")).length, 250);

      paid.telegramAnswer = () => ({ ok: false, error_code: 401, description: "Unauthorized" });
      const unauthorized = await paid.fire(DELIVER, base + 2 * MINUTE);
      assert.equal(unauthorized.calls.length, 1, "the run stops");
      const releases = unauthorized.sql.filter((q) => q.includes("claim IN ("));
      assert.equal(releases.length, 3, "99 + 99 + 51");
      for (const q of releases) assert.ok(new Set(q.match(/\?\d+/g)).size <= 100, "at most 100 bound parameters");
      assert.equal((await paid.rows("state = 'pending' AND attempts = 0")).length, 250);

      paid.telegramAnswer = null;
      const run = await paid.fire(DELIVER, base + 3 * MINUTE);
      assert.equal(run.calls.length, 250);
      assert.equal(run.d1, 251, "one claim and one write per send");
    } finally {
      await paid.dispose();
    }
  });

  test("on the Free plan REMIND_SENDS_PER_RUN is clamped to what fits 50 subrequests", async () => {
    const free = await startRemindWorker({ bindings: { REMIND_SENDS_PER_RUN: "250" } });
    try {
      const base = Date.now() + 18 * DAY;
      await insertReminders(free.db, { count: 30, dueMs: base, prefix: "free", chatId: 309 });
      const run = await free.fire(DELIVER, base + MINUTE);
      assert.equal(run.calls.length, 23);
      assert.ok(run.d1 + run.calls.length <= 50, `${run.d1} + ${run.calls.length}`);
      assert.ok(free.jsonLogs().some((l) => /REMIND_SENDS_PER_RUN is above/.test(l.msg ?? "")));
    } finally {
      await free.dispose();
    }
  });

  test("two overlapping runs never send the same reminder twice", async () => {
    const base = Date.now() + 15 * DAY;
    await insertReminders(w.db, { count: 30, dueMs: base, prefix: "overlap", chatId: 306 });
    const before = w.calls.length;
    const worker = await w.mf.getWorker();
    await Promise.all([
      worker.scheduled({ cron: DELIVER, scheduledTime: new Date(base + MINUTE) }),
      worker.scheduled({ cron: DELIVER, scheduledTime: new Date(base + MINUTE) }),
    ]);
    assert.ok(await waitFor(async () => (await w.rows("chat_id = 306 AND state = 'delivered'")).length === 30));
    const texts = w.calls.slice(before).map((c) => c.params.text);
    assert.equal(texts.length, 30);
    assert.equal(new Set(texts).size, 30, "no duplicates");
    await assertNothingDue(base + MINUTE);
  });
});

describe("remind: a backlog of 1,000 due reminders", () => {
  let w;
  before(async () => {
    w = await startRemindWorker();
  });
  after(async () => {
    await w?.dispose();
  });

  test("drains over several runs, each within the Free plan's per-invocation limits, no duplicate", async () => {
    const base = Date.now() + 20 * DAY;
    // 1,000: about fifty runs at the Free plan's cap of 20 sends each, every one of them
    // against its limits; a bigger backlog only repeats the same runs (5,000 took 251 runs and
    // about 25 s of the npm test, 2,000 about 18 s).
    const total = 1000;
    // many chats and users, as a real backlog would be
    for (let chunk = 0; chunk < 10; chunk++) {
      await insertReminders(w.db, { count: total / 10, dueMs: base + chunk * 1000, prefix: `backlog ${chunk}`, chatId: 1000 + chunk, userId: 2000 + chunk });
    }
    // one sendMessage fails once, to show a retry inside a backlog
    let failedOnce = false;
    w.telegramAnswer = ({ params }) => {
      if (!failedOnce && params.text === "⏰ backlog 3 7") {
        failedOnce = true;
        return { ok: false, error_code: 502, description: "Bad Gateway" };
      }
    };

    const sent = new Map();
    let runs = 0;
    let maxD1 = 0;
    let maxCalls = 0;
    for (let at = base + MINUTE; ; at += MINUTE) {
      const run = await w.fire(DELIVER, at);
      runs++;
      maxD1 = Math.max(maxD1, run.d1);
      maxCalls = Math.max(maxCalls, run.calls.length);
      assert.ok(run.d1 <= 50, `run ${runs}: ${run.d1} D1 queries`);
      assert.ok(run.calls.length <= 50, `run ${runs}: ${run.calls.length} subrequests`);
      assert.ok(run.d1 + run.calls.length <= 50, `run ${runs}: ${run.d1} + ${run.calls.length} together`);
      for (const call of run.calls) sent.set(call.params.text, (sent.get(call.params.text) ?? 0) + 1);
      if (run.calls.length === 0) break;
      assert.ok(runs < 400, "the backlog does not drain");
    }
    w.telegramAnswer = null;

    const duplicates = [...sent].filter(([text, n]) => n > (text === "⏰ backlog 3 7" ? 2 : 1));
    assert.deepEqual(duplicates, []);
    assert.equal(sent.size, total);
    const [{ n: delivered }] = (await w.db.prepare("SELECT count(*) AS n FROM remind_reminders WHERE state = 'delivered'").all()).results;
    assert.equal(delivered, total);
    assert.ok(runs > 10, `several runs: ${runs}`);
    console.log(`# backlog: ${total} reminders in ${runs} runs; at most ${maxD1} D1 queries and ${maxCalls} Bot API calls per run`);
  });
});

describe("remind: trim", () => {
  let w;
  before(async () => {
    w = await startRemindWorker();
  });
  after(async () => {
    await w?.dispose();
  });

  test("deletes only reminders finished more than 30 days ago, in bounded chunks", async () => {
    const now = Date.now() + 40 * DAY;
    const old = now - 31 * DAY;
    await insertReminders(w.db, { count: 2500, dueMs: old - DAY, prefix: "old delivered", state: "delivered", finishedAt: old });
    await insertReminders(w.db, { count: 3, dueMs: old - DAY, prefix: "old failed", state: "failed", finishedAt: old });
    await insertReminders(w.db, { count: 3, dueMs: now - DAY, prefix: "recent delivered", state: "delivered", finishedAt: now - 29 * DAY });
    await insertReminders(w.db, { count: 3, dueMs: old, prefix: "old pending", state: "pending" });
    await insertReminders(w.db, { count: 3, dueMs: now + DAY, prefix: "future pending", state: "pending" });

    const run = await w.fire(TRIM, now);
    assert.deepEqual(run.calls, []);
    assert.ok(run.d1 <= 50, `${run.d1} D1 queries`);
    assert.equal(run.d1, 3, "2,503 rows in chunks of 1,000");
    const kinds = (await w.rows()).map((r) => r.text.replace(/ \d+$/, ""));
    assert.deepEqual([...new Set(kinds)], ["recent delivered", "old pending", "future pending"]);
    assert.equal(kinds.length, 9);

    const again = await w.fire(TRIM, now + DAY);
    assert.equal(again.d1, 1);
    assert.equal((await w.rows()).length, 9);
  });

  test("a schedule no module declares runs neither cron", async () => {
    const run = await w.fire("0 4 * * *", Date.now());
    assert.equal(run.d1, 0);
  });
});

// ------------------------------------------------------------------ chats, buttons, rate limits (startBot)

// A bot running util,remind behind the D1-counting Worker, driven through the
// test kit's chat world. fire() fires a cron at `time` and waits until the run
// (waitUntil included) is done; it returns the run's D1 count and statements
// and its Bot API calls (with Telegram's answers). It calls the Worker's
// scheduled handler itself, to wait for the run's end (waitUntil included);
// the kit's cron() is checked by the last test of this file.
async function startRemindBot({ vars = {}, telegram } = {}) {
  const bot = await startBot({ modules: "util,remind", scriptPath: COUNTING_WORKER, vars, telegram });
  return Object.assign(bot, {
    db: await bot.mf.getD1Database("DB"),
    async fire(time, cron = DELIVER) {
      await bot.worker.fetch("/__test/invocations?clear=1");
      const before = bot.calls.length;
      const worker = await bot.mf.getWorker();
      await worker.scheduled({ cron, scheduledTime: new Date(time) });
      let run;
      const finished = await waitFor(async () => {
        const list = await (await bot.worker.fetch("/__test/invocations")).json();
        run = list.find((i) => i.kind === "scheduled" && i.done);
        return run !== undefined;
      });
      assert.ok(finished, `the ${cron} run did not finish`);
      return { calls: bot.calls.slice(before), d1: run.d1, sql: run.sql };
    },
    async rows(where = "1", ...binds) {
      return bot.sql(`SELECT * FROM remind_reminders WHERE ${where} ORDER BY id`, ...binds);
    },
    // The sendMessage calls of a run that Telegram accepted / refused.
    delivered: (run) => run.calls.filter((c) => c.method === "sendMessage" && c.answer?.ok),
    refused: (run) => run.calls.filter((c) => c.method === "sendMessage" && !c.answer?.ok),
  });
}

const OTHER_USER = Object.freeze({ id: 8, is_bot: false, first_name: "Otto", username: "otto" });

// The answer a press got (answerCallbackQuery's text), by its query id.
function answerTo(bot, queryId) {
  const call = bot.calls.find((c) => c.method === "answerCallbackQuery" && c.params.callback_query_id === queryId);
  return call?.params.text;
}

function buttonTexts(message) {
  return (message.reply_markup?.inline_keyboard ?? []).flat().map((b) => b.text);
}

// The message as the chat shows it now (after edits).
function shown(bot, chat, message) {
  return bot.transcript(chat).find((e) => e.byBot && e.message.message_id === message.message_id).message;
}

// Sets a reminder with /remind and delivers it: returns its row and the
// delivered message.
async function remindAndDeliver(bot, text, { chat = PRIVATE_CHAT, from = USER, asChat } = {}) {
  const { replies } = await bot.send(`/remind 1m ${text}`, { chat, from, asChat });
  const id = Number(replies[0].match(REMIND_ANSWER)[1]);
  const [row] = await bot.rows("id = ?", id);
  const run = await bot.fire(row.due_at + 1000);
  const [sent] = bot.delivered(run).filter((c) => c.params.text === `⏰ ${text}`);
  assert.ok(sent, `"${text}" was delivered`);
  return { id, row, run, message: sent.answer.result };
}

describe("remind: buttons on delivered reminders", () => {
  let bot;
  before(async () => {
    bot = await startRemindBot();
  });
  after(async () => {
    await bot?.dispose();
  });

  test("a delivered reminder carries ⏰ Snooze 10 min and ✅ Done, and its message id is recorded", async () => {
    const { id, message } = await remindAndDeliver(bot, "buttons");
    assert.deepEqual(buttonTexts(message), ["⏰ Snooze 10 min", "✅ Done"]);
    const [row] = await bot.rows("id = ?", id);
    assert.equal(row.state, "delivered");
    assert.equal(row.delivered_message_id, message.message_id);
  });

  test("snooze reschedules 10 minutes from the press, removes the buttons, and the reminder comes again then", async () => {
    const { id, message } = await remindAndDeliver(bot, "snooze me");
    const before = Date.now();
    const pressed = await bot.press("Snooze", { message });
    const after = Date.now();
    const [row] = await bot.rows("id = ?", id);
    assert.equal(row.state, "pending");
    assert.equal(row.attempts, 0);
    assert.equal(row.due_at, row.next_at);
    assert.ok(row.next_at >= before + 10 * MINUTE && row.next_at <= after + 10 * MINUTE + 1000, "10 minutes from the press");
    assert.equal(answerTo(bot, pressed.queryId), `Snoozed until ${new Date(row.next_at).toISOString().slice(11, 16)} UTC`);
    assert.deepEqual(buttonTexts(shown(bot, PRIVATE_CHAT, message)), [], "the buttons are gone");
    assert.equal(shown(bot, PRIVATE_CHAT, message).text, "⏰ snooze me", "the text stays");

    assert.deepEqual(bot.delivered(await bot.fire(row.next_at - MINUTE)), [], "not before the 10 minutes");
    const again = await bot.fire(row.next_at + 1000);
    const sent = bot.delivered(again).filter((c) => c.params.text === "⏰ snooze me");
    assert.equal(sent.length, 1, "delivered again, once");
    const [redelivered] = await bot.rows("id = ?", id);
    assert.equal(redelivered.state, "delivered");
    assert.equal(redelivered.delivered_message_id, sent[0].answer.result.message_id);
    assert.deepEqual(buttonTexts(sent[0].answer.result), ["⏰ Snooze 10 min", "✅ Done"]);
  });

  test("a double tap of snooze reschedules once; the second press is answered and changes nothing", async () => {
    const { id, message } = await remindAndDeliver(bot, "double tap");
    const number = bot.transcript(PRIVATE_CHAT).find((e) => e.message.message_id === message.message_id).number;
    // Two callback queries from the same button before either is handled.
    const first = bot.world.press({ number, button: "Snooze", from: USER });
    const second = bot.world.press({ number, button: "Snooze", from: USER });
    await Promise.all([bot.deliver(first.update), bot.deliver(second.update)]);
    const answers = [answerTo(bot, first.queryId), answerTo(bot, second.queryId)].sort();
    assert.equal(answers.filter((a) => /^Snoozed until \d\d:\d\d UTC$/.test(a)).length, 1, answers.join(" | "));
    assert.ok(answers.includes("Already snoozed"), answers.join(" | "));
    const [row] = await bot.rows("id = ?", id);
    assert.equal(row.state, "pending");
    const edits = bot.calls.filter((c) => c.method === "editMessageReplyMarkup" && c.params.message_id === message.message_id);
    assert.equal(edits.length, 1, "one edit");
    // And once it is due, it is delivered once.
    const again = await bot.fire(row.next_at + 1000);
    assert.equal(bot.delivered(again).filter((c) => c.params.text === "⏰ double tap").length, 1);
  });

  test("snooze pressed on an earlier delivery's message after a re-delivery does nothing", async () => {
    const { id, message } = await remindAndDeliver(bot, "stale");
    const number = bot.transcript(PRIVATE_CHAT).find((e) => e.message.message_id === message.message_id).number;
    const early = bot.world.press({ number, button: "Snooze", from: USER });
    const late = bot.world.press({ number, button: "Snooze", from: USER }); // handled after the re-delivery
    await bot.deliver(early.update);
    const [snoozed] = await bot.rows("id = ?", id);
    const again = await bot.fire(snoozed.next_at + 1000);
    const newer = bot.delivered(again).find((c) => c.params.text === "⏰ stale").answer.result;
    const [redelivered] = await bot.rows("id = ?", id);
    assert.equal(redelivered.state, "delivered");
    assert.equal(redelivered.delivered_message_id, newer.message_id);
    await bot.deliver(late.update);
    assert.equal(answerTo(bot, late.queryId), "This is an earlier delivery of that reminder; nothing changed.");
    assert.deepEqual(await bot.rows("id = ?", id), [redelivered], "not rescheduled");
    assert.deepEqual(buttonTexts(shown(bot, PRIVATE_CHAT, newer)), ["⏰ Snooze 10 min", "✅ Done"], "the newer delivery keeps its buttons");
  });

  test("done removes the buttons and answers Done; the reminder stays delivered", async () => {
    const { id, message } = await remindAndDeliver(bot, "done with it");
    const pressed = await bot.press("Done", { message });
    assert.equal(answerTo(bot, pressed.queryId), "Done");
    assert.deepEqual(buttonTexts(shown(bot, PRIVATE_CHAT, message)), []);
    const [row] = await bot.rows("id = ?", id);
    assert.equal(row.state, "delivered");
  });

  test("a press by someone else is refused and changes nothing", async () => {
    const { id, message } = await remindAndDeliver(bot, "mine only", { chat: GROUP_CHAT });
    const [before] = await bot.rows("id = ?", id);
    const snooze = await bot.press("Snooze", { message, chat: GROUP_CHAT, from: OTHER_USER });
    assert.equal(answerTo(bot, snooze.queryId), "Only the person who set this reminder can snooze it.");
    const done = await bot.press("Done", { message, chat: GROUP_CHAT, from: OTHER_USER });
    assert.equal(answerTo(bot, done.queryId), "Only the person who set this reminder can mark it done.");
    assert.deepEqual(await bot.rows("id = ?", id), [before]);
    assert.deepEqual(buttonTexts(shown(bot, GROUP_CHAT, message)), ["⏰ Snooze 10 min", "✅ Done"], "the buttons stay");
    assert.ok(![...snooze.calls, ...done.calls].some((c) => c.method.startsWith("edit")), "no edit");
    // The owner still can.
    const mine = await bot.press("Snooze", { message, chat: GROUP_CHAT, from: USER });
    assert.match(answerTo(bot, mine.queryId), /^Snoozed until/);
  });
});

describe("remind: owners", () => {
  let bot;
  before(async () => {
    bot = await startRemindBot();
  });
  after(async () => {
    await bot?.dispose();
  });

  test("an anonymous admin's reminders belong to the group, apart from the admin's own", async () => {
    const asGroup = { chat: GROUP_CHAT, asChat: GROUP_CHAT };
    const groupReply = await bot.send("/remind 1h for the group", asGroup);
    const groupId = Number(groupReply.replies[0].match(REMIND_ANSWER)[1]);
    const mineReply = await bot.send("/remind 1h for me", { chat: GROUP_CHAT });
    const mineId = Number(mineReply.replies[0].match(REMIND_ANSWER)[1]);
    assert.equal((await bot.rows("id = ?", groupId))[0].user_id, GROUP_CHAT.id);
    assert.equal((await bot.rows("id = ?", mineId))[0].user_id, USER.id);

    const groupList = (await bot.send("/reminders", asGroup)).replies[0];
    assert.match(groupList, /for the group/);
    assert.doesNotMatch(groupList, /for me/);
    const myList = (await bot.send("/reminders", { chat: GROUP_CHAT })).replies[0];
    assert.match(myList, /for me/);
    assert.doesNotMatch(myList, /for the group/);

    assert.equal((await bot.send(`/unremind ${groupId}`, { chat: GROUP_CHAT })).replies[0], `You have no pending reminder #${groupId}.`);
    assert.equal((await bot.send(`/unremind ${mineId}`, asGroup)).replies[0], `You have no pending reminder #${mineId}.`);
    assert.equal((await bot.send(`/unremind ${groupId}`, asGroup)).replies[0], `Reminder #${groupId} deleted.`);
    assert.equal((await bot.rows("id IN (?, ?)", groupId, mineId)).length, 1);
  });

  test("anyone in the group may press the buttons of the group's reminder", async () => {
    const { id, message } = await remindAndDeliver(bot, "group tea", { chat: GROUP_CHAT, asChat: GROUP_CHAT });
    assert.equal((await bot.rows("id = ?", id))[0].user_id, GROUP_CHAT.id);
    const pressed = await bot.press("Snooze", { message, chat: GROUP_CHAT, from: OTHER_USER });
    assert.match(answerTo(bot, pressed.queryId), /^Snoozed until/);
    assert.equal((await bot.rows("id = ?", id))[0].state, "pending");
  });

  test("a message with no sender gets a clear answer and saves nothing", async () => {
    const before = (await bot.rows()).length;
    // Telegram's service account, no sender_chat: nobody to own the reminder.
    const update = {
      update_id: 990001,
      message: {
        message_id: 77,
        date: 1_700_000_000,
        chat: GROUP_CHAT,
        from: { id: 777000, is_bot: false, first_name: "Telegram" },
        text: "/remind 10m orphan",
        entities: [{ type: "bot_command", offset: 0, length: 7 }],
      },
    };
    const { replies } = await bot.deliver(update);
    assert.deepEqual(replies, ["Reminders need a sender to belong to; this message has none."]);
    assert.equal((await bot.rows()).length, before);
  });
});

describe("remind: Telegram's rate limits and migrations", () => {
  test("429 for one chat: the other chats are delivered in the same run; the busy chat's come after retry_after, each once", async () => {
    let busy = true;
    const BUSY = -1009001;
    const bot = await startRemindBot({
      telegram: ({ method, params }) =>
        busy && method === "sendMessage" && Number(params.chat_id) === BUSY
          ? { ok: false, error_code: 429, description: "Too Many Requests: retry after 90", parameters: { retry_after: 90 } }
          : undefined,
    });
    try {
      const base = Date.now() + 30 * DAY;
      // The busy chat's three come first in due order, then two quiet chats.
      await insertReminders(bot.db, { count: 3, dueMs: base, prefix: "busy", chatId: BUSY });
      await insertReminders(bot.db, { count: 2, dueMs: base + 10, prefix: "quiet a", chatId: -1009002 });
      await insertReminders(bot.db, { count: 2, dueMs: base + 20, prefix: "quiet b", chatId: 9003 });

      const first = await bot.fire(base + MINUTE);
      assert.equal(bot.refused(first).length, 1, "one try for the busy chat");
      assert.deepEqual(bot.delivered(first).map((c) => c.params.text), ["⏰ quiet a 0", "⏰ quiet a 1", "⏰ quiet b 0", "⏰ quiet b 1"]);
      const held = await bot.rows("chat_id = ?", BUSY);
      assert.deepEqual(held.map((r) => [r.state, r.attempts, r.claim, r.next_at]), [
        ["pending", 0, null, base + MINUTE + 90_000],
        ["pending", 0, null, base + MINUTE + 90_000],
        ["pending", 0, null, base + MINUTE + 90_000],
      ]);
      assert.match(held[0].last_error, /429/);
      assert.ok(first.d1 <= 1 + 5, `claim + one write per send: ${first.d1}`);

      busy = false;
      const early = await bot.fire(base + 2 * MINUTE);
      assert.deepEqual(early.calls, [], "not before retry_after");
      const later = await bot.fire(base + 3 * MINUTE);
      assert.deepEqual(bot.delivered(later).map((c) => c.params.text), ["⏰ busy 0", "⏰ busy 1", "⏰ busy 2"]);
      assert.deepEqual((await bot.fire(base + 4 * MINUTE)).calls, []);
      assert.ok((await bot.rows("chat_id = ?", BUSY)).every((r) => r.state === "delivered" && r.attempts === 1));
    } finally {
      await bot.dispose();
    }
  });

  test("a group that became a supergroup: its reminders follow it to the new id", async () => {
    const OLD = Object.freeze({ id: -4001, type: "group", title: "old group" });
    const NEW_ID = -1004001;
    const bot = await startRemindBot({
      telegram: ({ method, params }) =>
        method === "sendMessage" && Number(params.chat_id) === OLD.id
          ? { ok: false, error_code: 400, description: "Bad Request: group chat was upgraded to a supergroup chat", parameters: { migrate_to_chat_id: NEW_ID } }
          : undefined,
    });
    try {
      for (const text of ["/remind 1m first", "/remind 1m second", "/remind 2h later"]) await bot.send(text, { chat: OLD });
      const rows = await bot.rows();
      const run = await bot.fire(Math.max(rows[0].due_at, rows[1].due_at) + 1000);
      assert.deepEqual(run.calls.filter((c) => c.method === "sendMessage").map((c) => [c.params.chat_id, c.params.text, c.answer.ok]), [
        [OLD.id, "⏰ first", false],
        [NEW_ID, "⏰ first", true],
        [NEW_ID, "⏰ second", true],
      ]);
      const after = await bot.rows();
      assert.deepEqual(after.map((r) => [r.text, r.chat_id, r.state]), [
        ["first", NEW_ID, "delivered"],
        ["second", NEW_ID, "delivered"],
        ["later", NEW_ID, "pending"],
      ]);
      assert.ok(run.sql.filter((q) => q.includes("SET chat_id")).length === 1, "one move statement");
      assert.equal(after[0].attempts, 1, "the move is not a failed attempt");
      const later = await bot.fire(after[2].due_at + 1000);
      assert.deepEqual(bot.delivered(later).map((c) => [c.params.chat_id, c.params.text]), [[NEW_ID, "⏰ later"]]);
    } finally {
      await bot.dispose();
    }
  });
});

describe("remind: 1,000 reminders due at once across 200 chats", () => {
  test("one busy chat answering 429 for a while: each delivered exactly once, none later than twice the expected runs", async () => {
    const SENDS = 50;
    const TOTAL = 1000;
    const expectedRuns = Math.ceil(TOTAL / SENDS);
    const BUSY_RUNS = 25; // the busy chat answers 429 during the first 25 runs
    const BUSY = -1007000;
    let run = 0;
    const bot = await startRemindBot({
      vars: { WORKERS_PLAN: "paid", REMIND_SENDS_PER_RUN: String(SENDS) },
      telegram: ({ method, params }) =>
        run <= BUSY_RUNS && method === "sendMessage" && Number(params.chat_id) === BUSY
          ? { ok: false, error_code: 429, description: "Too Many Requests: retry after 30", parameters: { retry_after: 30 } }
          : undefined,
    });
    try {
      const base = Date.now() + 40 * DAY;
      // Every tenth reminder is the busy group's (100 of them); the other 900
      // are spread over 199 more chats. All are due at once.
      const chatOf = (i) => (i % 10 === 0 ? BUSY : BUSY - 1 - (i % 199));
      await bot.sql(
        `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ?1 - 1)
         INSERT INTO remind_reminders (chat_id, user_id, text, created_at, due_at, next_at)
         SELECT CASE WHEN i % 10 = 0 THEN ?2 ELSE ?2 - 1 - (i % 199) END, 5000 + i, 'load ' || i, ?3 - 60000, ?3, ?3 FROM n`,
        TOTAL, BUSY, base,
      );
      const [{ chats }] = await bot.sql("SELECT count(DISTINCT chat_id) AS chats FROM remind_reminders");
      assert.equal(chats, 200);

      const deliveredIn = new Map(); // text -> the runs that delivered it
      let refused = 0;
      for (run = 1; deliveredIn.size < TOTAL && run <= 3 * expectedRuns; run++) {
        const result = await bot.fire(base + run * MINUTE);
        const sends = result.calls.filter((c) => c.method === "sendMessage");
        assert.ok(sends.length <= SENDS, `run ${run}: ${sends.length} sends`);
        assert.ok(result.d1 <= 1000, `run ${run}: ${result.d1} D1 queries`);
        refused += bot.refused(result).length;
        for (const call of bot.delivered(result)) {
          assert.equal(Number(call.params.chat_id), chatOf(Number(call.params.text.slice("⏰ load ".length))));
          deliveredIn.set(call.params.text, [...(deliveredIn.get(call.params.text) ?? []), run]);
        }
      }
      const twice = [...deliveredIn].filter(([, runs]) => runs.length > 1);
      assert.deepEqual(twice, [], "none delivered twice");
      assert.equal(deliveredIn.size, TOTAL, "all delivered");
      const latest = Math.max(...[...deliveredIn.values()].map((runs) => runs[0]));
      assert.ok(latest <= 2 * expectedRuns, `the last one came in run ${latest}; expected ${expectedRuns} runs`);
      // The other chats did not wait for the busy one.
      const quiet = [...deliveredIn].filter(([text]) => Number(text.slice("⏰ load ".length)) % 10 !== 0).map(([, runs]) => runs[0]);
      assert.ok(Math.max(...quiet) <= expectedRuns + 2, `the quiet chats were done by run ${Math.max(...quiet)}`);
      const busy = [...deliveredIn].filter(([text]) => Number(text.slice("⏰ load ".length)) % 10 === 0).map(([, runs]) => runs[0]);
      assert.equal(busy.length, 100);
      assert.ok(Math.min(...busy) > BUSY_RUNS, "the busy chat waited");
      assert.ok(refused >= BUSY_RUNS - 5, `the busy chat answered 429 ${refused} times`);
      const [{ n }] = await bot.sql("SELECT count(*) AS n FROM remind_reminders WHERE state = 'delivered' AND attempts = 1");
      assert.equal(n, TOTAL, "every 429 went uncounted");
      console.log(`# load: ${TOTAL} reminders over 200 chats in ${latest} runs of ${SENDS} (expected ${expectedRuns}); the quiet chats by run ${Math.max(...quiet)}; ${refused} answers 429`);
    } finally {
      await bot.dispose();
    }
  });
});

describe("remind: the test kit", () => {
  // testkit/index.mjs's cron() fetches /cdn-cgi/handler/scheduled, which
  // Miniflare routes to a Worker's scheduled handler only with the option
  // unsafeTriggerHandlers: true; startWorker does not set it, so the request
  // reaches the Worker's fetch handler (404) and no cron runs. A framework
  // fix; this test passes once it lands.
  test("the kit's cron() runs the deliver cron", async () => {
    const bot = await startBot({ modules: "util,remind" });
    try {
      const { replies } = await bot.send("/remind 1m through the kit");
      const id = Number(replies[0].match(REMIND_ANSWER)[1]);
      const [row] = await bot.sql("SELECT due_at FROM remind_reminders WHERE id = ?", id);
      const ran = await bot.cron(DELIVER, { time: row.due_at + 1000 });
      assert.equal(ran.status, 200);
      assert.ok(await waitFor(async () => (await bot.sql("SELECT state FROM remind_reminders WHERE id = ?", id))[0].state === "delivered"));
    } finally {
      await bot.dispose();
    }
  });
});

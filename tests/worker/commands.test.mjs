// Issue 3: every command of util and misc through the real Worker, the
// dispatcher's rules (group @bot suffixes, ignored updates, case-sensitive
// names, arguments), the error policy, Bot API ordering and the webhook-body
// reply switch, the token never logged, and MODULES errors.
import { test, before, after, describe } from "node:test";
import assert from "node:assert/strict";
import {
  TOKEN,
  BOT_USERNAME,
  startWorker,
  textUpdate,
  webhookReply,
  withLogs,
  waitFor,
  isRequestLine,
} from "./harness.mjs";

const EXPECTED_HELP =
  "<b>util</b>\n" +
  "/help \u2014 List the commands\n" +
  "/info \u2014 Show this chat's id, thread id and your id\n" +
  "\n" +
  "<b>misc</b>\n" +
  "/ping \u2014 Check that the bot is alive\n" +
  "/mstats \u2014 When the bot was last pinged (protected)";

let nextId = 50_000;

function entityLength(text) {
  return [...text].reduce((n, ch) => n + (ch.codePointAt(0) > 0xffff ? 2 : 1), 0);
}

// Every log line, raw, for the token scan at the end.
const allLogs = [];

describe("commands (MODULES=util,misc,selftest)", () => {
  let w;
  before(async () => {
    w = await startWorker();
  });
  after(async () => {
    allLogs.push(...w.logs);
    await w?.dispose();
  });

  // Sends one update and returns {status, body, calls: the Bot API calls it made}.
  async function send(update) {
    const before = w.calls.length;
    const response = await w.webhook(update);
    const status = response.status;
    const body = await webhookReply(response);
    return { status, body, calls: w.calls.slice(before) };
  }

  test("/mstats before any ping says never; after /ping it shows the recorded time", async () => {
    await (await w.mf.getKVNamespace("KV")).delete("misc:last_ping");  // whatever ran before
    const first = await send(textUpdate("/mstats"));
    assert.equal(first.status, 200);
    assert.deepEqual(first.body, { method: "sendMessage", chat_id: 42, text: "last ping: never" });

    const ping = await send(textUpdate("/ping"));
    assert.deepEqual(ping.body, { method: "sendMessage", chat_id: 42, text: "pong" });
    const kv = await w.mf.getKVNamespace("KV");
    const { at } = await kv.get("misc:last_ping", "json");

    const second = await send(textUpdate("/mstats"));
    assert.deepEqual(second.body, { method: "sendMessage", chat_id: 42, text: `last ping: ${at}` });
    assert.match(at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z$/);
    assert.deepEqual([...first.calls, ...ping.calls, ...second.calls], []);
  });

  test("/help: HTML, util then misc, protected marked, private commands and selftest absent", async () => {
    const { status, body, calls } = await send(textUpdate("/help"));
    assert.equal(status, 200);
    assert.deepEqual(calls, []);
    assert.equal(body.method, "sendMessage");
    assert.equal(body.chat_id, 42);
    assert.equal(body.parse_mode, "HTML");
    assert.equal(body.text, EXPECTED_HELP);
    assert.ok(body.text.indexOf("<b>util</b>") < body.text.indexOf("<b>misc</b>"));
    assert.ok(!body.text.includes("fortytwo"));
    assert.ok(!body.text.includes("selftest"));
    for (const name of ["trap", "fail", "interleave", "d1echo", "many", "kvfill"]) {
      assert.ok(!body.text.includes(`/${name}`), `private /${name} is not listed`);
    }
  });

  test("/info in a private chat: chat id, thread n/a, sender id", async () => {
    const { body } = await send(textUpdate("/info", { chatId: 1234, fromId: 5678 }));
    assert.deepEqual(body, {
      method: "sendMessage",
      chat_id: 1234,
      text: "chat id: 1234\nthread id: n/a\nsender id: 5678",
    });
  });

  test("/info in a forum topic: the thread id, and the reply goes to that topic", async () => {
    const { body } = await send(textUpdate("/info", { chatId: -100777, fromId: 99, chatType: "supergroup", threadId: 12 }));
    assert.equal(body.chat_id, -100777);
    assert.equal(body.text, "chat id: -100777\nthread id: 12\nsender id: 99");
    assert.equal(body.message_thread_id, 12);
  });

  test("/info in a channel post without a sender: sender n/a", async () => {
    const update = {
      update_id: nextId++,
      channel_post: {
        message_id: 3,
        date: 1_700_000_000,
        chat: { id: -100555, type: "channel", title: "news" },
        text: "/info",
        entities: [{ type: "bot_command", offset: 0, length: 5 }],
      },
    };
    const { status, body } = await send(update);
    assert.equal(status, 200);
    assert.deepEqual(body, { method: "sendMessage", chat_id: -100555, text: "chat id: -100555\nthread id: n/a\nsender id: n/a" });
  });

  test("/fortytwo (private) still answers", async () => {
    const { body } = await send(textUpdate("/fortytwo"));
    assert.deepEqual(body, { method: "sendMessage", chat_id: 42, text: "The answer." });
  });

  test("group chat: /ping@<this bot> answers, any case; /ping@other_bot is ignored", async () => {
    for (const suffix of [BOT_USERNAME, "MITI_Test_Bot", BOT_USERNAME.toUpperCase()]) {
      const { status, body } = await send(textUpdate(`/ping@${suffix}`, { chatId: -4001, chatType: "group" }));
      assert.equal(status, 200);
      assert.deepEqual(body, { method: "sendMessage", chat_id: -4001, text: "pong" }, `/ping@${suffix}`);
    }
    for (const suffix of ["other_bot", `${BOT_USERNAME}x`, "miti_test", ""]) {
      const { status, body, calls } = await send(textUpdate(`/ping@${suffix}`, { chatId: -4001, chatType: "group" }));
      assert.equal(status, 200);
      assert.equal(body, null, `/ping@${suffix} is ignored`);
      assert.deepEqual(calls, []);
    }
    const args = await send(textUpdate(`/d1echo@${BOT_USERNAME} in group`, { chatId: -4001, chatType: "supergroup" }));
    assert.equal(args.body.text, "in group 42");
  });

  test("ignored updates: 200, empty body, no Bot API call, no handler run", async () => {
    // The instance exists (its creation is logged once), and no ping is recorded.
    assert.equal((await send(textUpdate("/help"))).status, 200);
    const kv = await w.mf.getKVNamespace("KV");
    await kv.delete("misc:last_ping");
    const base = { message_id: 9, date: 1_700_000_000, chat: { id: 42, type: "private" }, from: { id: 7, is_bot: false, first_name: "T" } };
    const ignored = {
      // In a group util's unknown-command fallback stays quiet (the command may
      // belong to another bot); private chats: see the next test.
      "an unknown command in a group": textUpdate("/nope", { chatId: -4002, chatType: "group" }),
      "plain text": textUpdate("hello there"),
      "text starting with a slash but no entity": { update_id: nextId++, message: { ...base, text: "/ping" } },
      "an edited message with /ping": {
        update_id: nextId++,
        edited_message: { ...base, edit_date: 1_700_000_100, text: "/ping", entities: [{ type: "bot_command", offset: 0, length: 5 }] },
      },
      "an edited channel post with /ping": {
        update_id: nextId++,
        edited_channel_post: { ...base, from: undefined, chat: { id: -1001, type: "channel" }, text: "/ping", entities: [{ type: "bot_command", offset: 0, length: 5 }] },
      },
      "a command entity not at offset 0": {
        update_id: nextId++,
        message: { ...base, text: "hi /ping", entities: [{ type: "bot_command", offset: 3, length: 5 }] },
      },
      "an upper-case command name (/PING) in a group": textUpdate("/PING", { chatId: -4002, chatType: "group" }),
      "a mixed-case command name (/Ping) in a group": textUpdate("/Ping", { chatId: -4002, chatType: "supergroup" }),
      "a message without text (photo)": { update_id: nextId++, message: { ...base, photo: [{ file_id: "f", width: 1, height: 1 }], caption: "/ping" } },
      "a bare slash": textUpdate("/"),
      "an update of an unknown kind": { update_id: nextId++, poll: { id: "p", question: "?", options: [] } },
      "a membership change nobody handles": {
        update_id: nextId++,
        my_chat_member: { chat: base.chat, from: base.from, date: 1_700_000_000, old_chat_member: { status: "member", user: base.from }, new_chat_member: { status: "kicked", user: base.from } },
      },
    };
    for (const [name, update] of Object.entries(ignored)) {
      const { result, lines } = await withLogs(w, () => send(update));
      assert.equal(result.status, 200, name);
      assert.equal(result.body, null, `${name}: empty body`);
      assert.deepEqual(result.calls, [], `${name}: no Bot API call`);
      assert.deepEqual(
        lines.filter((l) => !isRequestLine(l)),
        [],
        `${name}: quietly ignored (no log line beyond the request line)`,
      );
    }
    assert.equal(await kv.get("misc:last_ping"), null, "no /ping handler ran");
  });

  test("unknown commands in a private chat: util's fallback names them and points to /help; no handler runs", async () => {
    const kv = await w.mf.getKVNamespace("KV");
    await kv.delete("misc:last_ping");
    for (const name of ["nope", "PING", "Ping", "ping_"]) {
      const { status, body, calls } = await send(textUpdate(`/${name} x`, { chatId: 4003 }));
      assert.equal(status, 200);
      assert.deepEqual(body, { method: "sendMessage", chat_id: 4003, text: `I don't know /${name}. Send /help to see what I can do.` }, `/${name}`);
      assert.deepEqual(calls, []);
    }
    assert.equal(await kv.get("misc:last_ping"), null, "command names are case-sensitive: /PING is not /ping");
  });

  test("arguments reach the handler, leading whitespace removed", async () => {
    const cases = [
      ["/d1echo hello", "hello 42"],
      ["/d1echo    spaced   out  ", "spaced   out   42"],
      ["/d1echo\nnext line", "next line 42"],
      ["/d1echo héllo wörld ✓", "héllo wörld ✓ 42"],
    ];
    for (const [text, expected] of cases) {
      const { body } = await send(textUpdate(text));
      assert.equal(body?.text, expected, JSON.stringify(text));
    }
    // An astral character in the arguments (the entity length counts UTF-16 units).
    const emoji = await send(textUpdate("/d1echo 🚀 go"));
    assert.equal(emoji.body.text, "🚀 go 42");
    // A command whose entity is given explicitly, with an emoji before it in the args.
    const explicit = {
      update_id: nextId++,
      message: {
        message_id: 1,
        date: 0,
        chat: { id: 42, type: "private" },
        from: { id: 7, is_bot: false, first_name: "T" },
        text: "/d1echo 😀",
        entities: [{ type: "bot_command", offset: 0, length: entityLength("/d1echo") }],
      },
    };
    assert.equal((await send(explicit)).body.text, "😀 42");
  });

  test("a failing handler: 200, one log line {module, command, update_id, error}, next update fine", async () => {
    const update = textUpdate("/fail", { updateId: 777_001 });
    const { result, lines } = await withLogs(w, () => send(update));
    assert.equal(result.status, 200);
    assert.equal(result.body, null);
    assert.deepEqual(result.calls, []);
    const failures = lines.filter((l) => l.msg === "handler failed");
    assert.equal(failures.length, 1, JSON.stringify(lines));
    assert.equal(failures[0].level, "error");
    assert.equal(failures[0].module, "selftest");
    assert.equal(failures[0].command, "fail");
    assert.equal(failures[0].update_id, 777_001);
    assert.match(failures[0].error, /deliberate failure/);

    const next = await send(textUpdate("/ping"));
    assert.deepEqual(next.body, { method: "sendMessage", chat_id: 42, text: "pong" });
  });

  test("/many 3: three messages in order, the held first one flushed through fetch before the others", async () => {
    const { status, body, calls } = await send(textUpdate("/many 3", { chatId: 31 }));
    assert.equal(status, 200);
    assert.equal(body, null, "nothing left for the webhook body once a second call was made");
    assert.deepEqual(
      calls.map((c) => [c.method, c.params.chat_id, c.params.text]),
      [
        ["sendMessage", 31, "message 1"],
        ["sendMessage", 31, "message 2"],
        ["sendMessage", 31, "message 3"],
      ],
    );
    for (const call of calls) assert.equal(call.token, TOKEN, "calls carry the token in the URL");

    const one = await send(textUpdate("/many 1", { chatId: 31 }));
    assert.deepEqual(one.body, { method: "sendMessage", chat_id: 31, text: "message 1" });
    assert.deepEqual(one.calls, []);
  });

  test("the request line {method, path, status, ms} is logged once per request", async () => {
    const { lines } = await withLogs(w, () => send(textUpdate("/ping")));
    const requestLines = lines.filter(isRequestLine);
    assert.equal(requestLines.length, 1);
    assert.equal(requestLines[0].method, "POST");
    assert.equal(requestLines[0].path, "/webhook");
    assert.equal(requestLines[0].status, 200);
    assert.equal(typeof requestLines[0].ms, "number");
  });
});

describe("commands with other settings", () => {
  test("TELEGRAM_WEBHOOK_REPLY=false: replies go through fetch", async () => {
    const w = await startWorker({ bindings: { TELEGRAM_WEBHOOK_REPLY: "false" } });
    try {
      const response = await w.webhook(textUpdate("/ping", { chatId: 88 }));
      assert.equal(response.status, 200);
      assert.equal(await response.text(), "");
      assert.deepEqual(
        w.calls.map((c) => [c.token, c.method, c.params]),
        [[TOKEN, "sendMessage", { chat_id: 88, text: "pong" }]],
      );
      const help = await w.webhook(textUpdate("/help", { chatId: 88 }));
      assert.equal(await help.text(), "");
      assert.equal(w.calls[1].params.parse_mode, "HTML");
      assert.equal(w.calls[1].params.text, EXPECTED_HELP);
    } finally {
      allLogs.push(...w.logs);
      await w.dispose();
    }
  });

  test("MODULES order, trimming and duplicates: ' misc , util,misc ' lists misc then util once", async () => {
    const w = await startWorker({ bindings: { MODULES: " misc , util,misc " } });
    try {
      const { text } = await webhookReply(await w.webhook(textUpdate("/help")));
      assert.equal(
        text,
        "<b>misc</b>\n/ping \u2014 Check that the bot is alive\n/mstats \u2014 When the bot was last pinged (protected)\n\n" +
          "<b>util</b>\n/help \u2014 List the commands\n/info \u2014 Show this chat's id, thread id and your id",
      );
      // selftest is not running: its commands are unknown here (util's
      // fallback says so in a private chat).
      const fail = await w.webhook(textUpdate("/fail"));
      assert.equal(fail.status, 200);
      assert.deepEqual(await webhookReply(fail), { method: "sendMessage", chat_id: 42, text: "I don't know /fail. Send /help to see what I can do." });
    } finally {
      allLogs.push(...w.logs);
      await w.dispose();
    }
  });

  test("MODULES=util,nope: the update is answered 200 and a log line names the unknown module", async () => {
    const w = await startWorker({ bindings: { MODULES: "util,nope" } });
    try {
      for (let attempt = 0; attempt < 2; attempt++) {
        const { result: response, lines } = await withLogs(w, () => w.webhook(textUpdate("/help")));
        assert.equal(response.status, 200);
        assert.equal(await response.text(), "");
        const error = lines.find((l) => l.level === "error");
        assert.ok(error, `an error line in ${JSON.stringify(lines)}`);
        assert.match(JSON.stringify(error), /nope/);
        assert.match(JSON.stringify(error), /unknown module/i);
      }
      assert.equal(w.calls.length, 0);
    } finally {
      allLogs.push(...w.logs);
      await w.dispose();
    }
  });

  test("MODULES empty: 200 and a clear log line", async () => {
    const w = await startWorker({ bindings: { MODULES: "" } });
    try {
      const { result: response, lines } = await withLogs(w, () => w.webhook(textUpdate("/ping")));
      assert.equal(response.status, 200);
      assert.equal(await response.text(), "");
      const error = lines.find((l) => l.level === "error");
      assert.ok(error, `an error line in ${JSON.stringify(lines)}`);
      assert.match(JSON.stringify(error), /MODULES/);
      assert.match(JSON.stringify(error), /empty/i);
      assert.equal(w.calls.length, 0);
    } finally {
      allLogs.push(...w.logs);
      await w.dispose();
    }
  });

  test("failing Bot API calls are logged without the token", async () => {
    // The fake Bot API refuses every call, echoing the URL path it got (which
    // holds the token) the way a proxy's error page might.
    const w = await startWorker({
      bindings: { TELEGRAM_WEBHOOK_REPLY: "false" },
      telegram: async ({ token, method }) => ({ ok: false, error_code: 401, description: `Unauthorized: /bot${token}/${method}` }),
    });
    try {
      const { result: response, lines } = await withLogs(w, () => w.webhook(textUpdate("/ping")));
      assert.equal(response.status, 200);
      const failed = lines.find((l) => l.msg === "handler failed");
      assert.ok(failed, JSON.stringify(lines));
      assert.match(failed.error, /sendMessage/);
      assert.ok(!JSON.stringify(lines).includes(TOKEN), "the token is not in the log line");
    } finally {
      allLogs.push(...w.logs);
      await w.dispose();
    }
  });

  test(
    "an error page echoing the URL percent-encoded (':' as %3A) is logged without the token's secret part",
    async () => {
      const w = await startWorker({
        bindings: { TELEGRAM_WEBHOOK_REPLY: "false" },
        telegram: async ({ token, method }) => ({ ok: false, error_code: 404, description: `Not Found: /bot${encodeURIComponent(token)}/${method}` }),
      });
      try {
        const { result: response, lines } = await withLogs(w, () => w.webhook(textUpdate("/ping")));
        assert.equal(response.status, 200);
        const failed = lines.find((l) => l.msg === "handler failed");
        assert.ok(failed, JSON.stringify(lines));
        assert.ok(!JSON.stringify(lines).includes(TOKEN.split(":")[1]), JSON.stringify(failed));
      } finally {
        await w.dispose();
      }
    },
  );

  test("an unreachable Bot API: the error (which holds the URL) is logged without the token", async () => {
    const w = await startWorker({ bindings: { TELEGRAM_WEBHOOK_REPLY: "false", TELEGRAM_API_BASE: "not a url" } });
    try {
      const { result: response, lines } = await withLogs(w, () => w.webhook(textUpdate("/ping")));
      assert.equal(response.status, 200);
      const failed = lines.find((l) => l.msg === "handler failed");
      assert.ok(failed, JSON.stringify(lines));
      assert.match(failed.error, /redacted/, "the URL in the error had the token taken out");
      assert.ok(!JSON.stringify(lines).includes(TOKEN));
    } finally {
      allLogs.push(...w.logs);
      await w.dispose();
    }
  });
});

describe("the token", () => {
  const secretPart = TOKEN.split(":")[1];
  const leaksIn = (lines) => lines.filter((l) => l.includes(TOKEN) || l.includes(secretPart));

  // Checked after every test of this file ran: no log line of any of its
  // Workers holds the token. (A hook, not a test: it looks at what the tests
  // left behind by design.)
  after(() => {
    assert.deepEqual(leaksIn(allLogs), [], "the token in a log line of this file's workers");
  });

  test("never appears in a log line, whatever fails", async () => {
    // The fake Bot API fails in turn: ok:false echoing the URL (token
    // included), a non-JSON error page echoing it, then a thrown error.
    let mode = 0;
    const w = await startWorker({
      bindings: { TELEGRAM_WEBHOOK_REPLY: "false" },
      telegram: async ({ token, method }) => {
        const kind = mode++ % 3;
        if (kind === 0) return { ok: false, error_code: 400, description: `Bad Request: /bot${token}/${method}` };
        if (kind === 1) return `<html>502 Bad Gateway for /bot${token}/${method}</html>`;
        throw new Error(`connection refused for /bot${token}/${method}`);
      },
    });
    try {
      for (const text of ["/ping", "/help", "/info", "/mstats", "/fail", "/many 3", "/d1echo x", "/sqlerror", "/nope"]) {
        const response = await w.webhook(textUpdate(text));
        assert.equal(response.status, 200, text);
        await response.arrayBuffer();
      }
      // selftest's tick sends through the Bot API.
      await (await w.mf.getWorker()).scheduled({ cron: "*/5 * * * *", scheduledTime: new Date() });
      assert.ok(await waitFor(() => w.logs.some((l) => l.includes('"event":"scheduled"'))), "the cron ran");
      assert.ok(w.calls.length >= 3, `the Bot API was called (${w.calls.length})`);
      assert.ok(w.calls.every((c) => c.token === TOKEN), "with the token");
      assert.ok(w.logs.some((l) => l.includes("handler failed")), "failures were logged");
      assert.deepEqual(leaksIn(w.logs), []);
    } finally {
      allLogs.push(...w.logs);
      await w.dispose();
    }
  });
});

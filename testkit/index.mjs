// miti's test kit: runs the real Worker (js-shim + wasm core) in workerd
// through Miniflare, with Miniflare's own KV and D1, and plays Telegram's side
// (the Bot API is the only thing faked: it is the true edge). Module authors
// and the project's own tests use it the same way; see docs/testing-a-module.md.
//
//   import { startBot } from "../../../testkit/index.mjs";
//   const bot = await startBot({ modules: "util,notes" });
//   const { replies } = await bot.send("/note milk");
//   await bot.press("🗑");                        // a button of the newest keyboard
//   await bot.cron("* * * * *", { time: Date.parse("2026-05-01T10:00:00Z") });
//   const rows = await bot.sql("SELECT * FROM notes_notes");
//   await bot.dispose();
//
// Two levels: startBot (a chat with the bot: messages, buttons, edits, crons,
// with Telegram's side simulated by the chat world of
// scripts/lib/bot-api-standin.mjs) and startWorker (raw updates in, raw Bot
// API calls out, for tests of the platform itself).
import { Miniflare } from "miniflare";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createChatWorld } from "../scripts/lib/bot-api-standin.mjs";
import { applyD1Migrations, applyTestModuleMigrations } from "./d1_migrations.mjs";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
// The Worker wrangler deploys (production modules only) and the one tests run
// by default (production + test-only modules).
export const PRODUCTION_WORKER = path.join(ROOT, "js-shim/worker.mjs");
export const TEST_WORKER = path.join(ROOT, "testkit/worker.mjs");
export const SECRET = "test-secret-0123456789";
export const TOKEN = "123456:TEST-TOKEN-never-logged";
export const BOT_USERNAME = "miti_test_bot";
export const API_BASE = "http://telegram.test";

// ------------------------------------------------------------------ startWorker

// bindings: Worker variables (MODULES, ...) over the defaults below.
// d1 / kv: give the Worker its DB / KV binding (default both).
// telegram: async ({method, params, token}) => the Bot API's JSON answer
//   (default: ok with a made-up message).
// scriptPath: the Worker (default TEST_WORKER).
// migrations: true applies migrations/ and the test modules' migrations to
//   DB before the first request, as `wrangler d1 migrations apply` would (or
//   a folder path: that folder only).
// extraD1: more D1 binding names (e.g. ["KV"] with kv: false, to give the
//   Worker a KV binding whose every call fails at the host).
export async function startWorker({ bindings = {}, d1 = true, kv = true, telegram, scriptPath, persist, extraD1 = [], migrations = false } = {}) {
  const calls = [];
  const logs = [];
  let nextMessageId = 1000;
  const fakeTelegram =
    telegram ??
    (async ({ method, params }) => ({ ok: true, result: { message_id: nextMessageId++, method, params } }));
  const mf = new Miniflare({
    modules: true,
    scriptPath: scriptPath ?? TEST_WORKER,
    modulesRoot: ROOT,
    modulesRules: [
      { type: "ESModule", include: ["**/*.mjs", "**/*.js"] },
      { type: "CompiledWasm", include: ["**/*.wasm"] },
    ],
    compatibilityDate: "2026-04-01",
    // /cdn-cgi/handler/scheduled?cron=...&time=... fires the cron handler.
    unsafeTriggerHandlers: true,
    kvNamespaces: kv ? ["KV"] : [],
    d1Databases: [...(d1 ? ["DB"] : []), ...extraD1],
    ...(persist ? { kvPersist: persist, d1Persist: persist } : {}),
    bindings: {
      MODULES: "util,misc,selftest",
      TELEGRAM_WEBHOOK_SECRET: SECRET,
      TELEGRAM_BOT_TOKEN: TOKEN,
      TELEGRAM_API_BASE: API_BASE,
      TELEGRAM_BOT_USERNAME: BOT_USERNAME,
      ...bindings,
    },
    handleRuntimeStdio(stdout, stderr) {
      for (const stream of [stdout, stderr]) {
        let buffered = "";
        stream.on("data", (chunk) => {
          buffered += chunk.toString();
          let newline;
          while ((newline = buffered.indexOf("\n")) >= 0) {
            logs.push(buffered.slice(0, newline));
            buffered = buffered.slice(newline + 1);
          }
        });
      }
    },
    outboundService: async (request) => {
      const url = new URL(request.url);
      const match = url.pathname.match(/^\/bot([^/]+)\/(\w+)$/);
      if (url.origin !== API_BASE || !match) return new Response("unexpected outbound fetch", { status: 599 });
      const params = JSON.parse(await request.text());
      const call = { token: match[1], method: match[2], params };
      calls.push(call);
      const answer = await fakeTelegram(call);
      return new Response(JSON.stringify(answer), { headers: { "content-type": "application/json" } });
    },
  });
  await mf.ready;
  if (migrations && d1) {
    const db = await mf.getD1Database("DB");
    if (migrations === true) {
      await applyD1Migrations(db);
      await applyTestModuleMigrations(db);
    } else {
      await applyD1Migrations(db, migrations);
    }
  }
  return {
    mf,
    calls,
    logs,
    // JSON log lines written by the Worker, parsed.
    jsonLogs: () => parseJsonLines(logs),
    fetch: (url, init) => mf.dispatchFetch(new URL(url, "http://localhost").href, init),
    webhook: (update, { secret = SECRET, raw } = {}) =>
      mf.dispatchFetch("http://localhost/webhook", {
        method: "POST",
        headers: { "content-type": "application/json", ...(secret === null ? {} : { "x-telegram-bot-api-secret-token": secret }) },
        body: raw ?? JSON.stringify(update),
      }),
    // Fires a cron trigger; `time` (epoch ms) is the event's scheduledTime.
    scheduled: (cron, { time } = {}) =>
      mf.dispatchFetch(`http://localhost/cdn-cgi/handler/scheduled?cron=${encodeURIComponent(cron)}${time === undefined ? "" : `&time=${time}`}`),
    dispose: () => mf.dispose(),
  };
}

// ------------------------------------------------------------------ startBot

// A person and two chats to talk in, unless a test makes its own.
export const USER = Object.freeze({ id: 7, is_bot: false, first_name: "Tess", username: "tess" });
export const PRIVATE_CHAT = Object.freeze({ id: USER.id, type: "private", first_name: "Tess" });
export const GROUP_CHAT = Object.freeze({ id: -1001000000042, type: "supergroup", title: "test group" });

// modules: MODULES for this bot (e.g. "util,notes").
// vars: more Worker variables. migrations: default true (when db).
// telegram: an optional hook ({method, params}) => answer | undefined, asked
//   before the simulated Telegram (to inject errors: 429, 403, ...).
// Other options as for startWorker.
export async function startBot({ modules, vars = {}, migrations, db = true, kv = true, telegram, scriptPath, persist } = {}) {
  const world = createChatWorld({
    bot: { id: 7000000001, is_bot: true, first_name: "miti test", username: BOT_USERNAME, can_join_groups: true, can_read_all_group_messages: false },
    owner: USER,
  });
  world.privacy = false;  // the bot sees every group message unless a test says otherwise
  const calls = [];  // every Bot API call, webhook replies included: {method, params, via, answer}
  const record = (method, params, via, answer) => {
    const call = { method, params, via, answer };
    calls.push(call);
    return call;
  };
  const worker = await startWorker({
    bindings: { ...(modules ? { MODULES: modules } : {}), ...vars },
    d1: db,
    kv,
    scriptPath,
    persist,
    migrations: migrations ?? db,
    telegram: async ({ method, params }) => {
      const injected = telegram ? await telegram({ method, params }) : undefined;
      if (injected !== undefined) {
        record(method, params, "fetch", injected);
        return injected;
      }
      const answer = world.apply({ method, params }).answer;
      record(method, params, "fetch", answer);
      return answer;
    },
  });

  // Delivers one update; the call in the webhook answer (if any) is applied
  // to the chat world like any other.
  async function deliver(update) {
    const before = calls.length;
    const response = await worker.webhook(update);
    const text = await response.text();
    let reply = null;
    if (text) {
      reply = JSON.parse(text);
      const { method, ...params } = reply;
      record(method, params, "webhook", world.apply({ method, params }).answer);
    }
    return { status: response.status, update, reply, calls: calls.slice(before), ...summarise(calls.slice(before)) };
  }

  function summarise(made) {
    const sent = made.filter((c) => c.answer?.ok && c.answer.result && typeof c.answer.result === "object" && "message_id" in c.answer.result);
    return {
      // The texts the bot sent (sendMessage, and captions), in order.
      replies: sent.filter((c) => c.method.startsWith("send")).map((c) => c.answer.result.text ?? c.answer.result.caption ?? ""),
      // The messages it sent or edited, as Telegram answered them.
      messages: sent.map((c) => c.answer.result),
    };
  }

  function chatOf(chat) {
    return chat ? world.registerChat(chat) : world.registerChat(PRIVATE_CHAT);
  }

  function entryNumber(message, chat) {
    if (typeof message === "number") return message;
    if (message && typeof message === "object") {
      const found = world.transcript(message.chat?.id ?? chat.id).find((e) => e.message.message_id === message.message_id);
      if (found) return found.number;
    }
    return world.latestWithKeyboard(chat.id);
  }

  return {
    mf: worker.mf,
    world,
    calls,
    logs: worker.logs,
    jsonLogs: worker.jsonLogs,
    worker,

    // A text message (a /command gets its entity). Options: chat, from,
    // replyTo (a message the bot sent, or its number in the transcript),
    // asChat (send on behalf of a chat: an anonymous admin or a channel).
    async send(text, { chat, from = USER, replyTo, asChat } = {}) {
      const target = chatOf(chat);
      const number = replyTo === undefined ? undefined : entryNumber(replyTo, target);
      const made = world.userMessage({ chat: target, from, text, replyTo: number, senderChat: asChat });
      if (made.refused) throw new Error(`send: ${made.refused}`);
      // A group with privacy mode on (world.privacy = true) keeps some
      // messages from the bot, as Telegram does.
      if (made.delivered === false) return { delivered: false, reason: made.reason, calls: [], replies: [], messages: [] };
      return deliver(made.update);
    },
    // Edits one of the user's own earlier messages (its number, or the
    // message object) into `text`.
    async edit(message, text, { chat, from = USER } = {}) {
      const target = chatOf(chat);
      const made = world.editUserMessage({ number: entryNumber(message, target), text, from });
      if (made.refused) throw new Error(`edit: ${made.refused}`);
      return deliver(made.update);
    },
    // Presses a button (its text, part of its text, or its 1-based number) of
    // a message (default: the newest with buttons in the chat).
    async press(button, { message, chat, from = USER } = {}) {
      const target = chatOf(chat);
      const number = entryNumber(message, target);
      if (number === undefined) throw new Error("press: no message with buttons in this chat");
      const made = world.press({ number, button, from });
      if (made.refused) throw new Error(`press: ${made.refused}`);
      if (!made.update) throw new Error("press: that button sends no callback query");
      return { ...(await deliver(made.update)), queryId: made.queryId, answered: () => world.queryAnswered(made.queryId) };
    },
    // The bot's membership changes: "member" (added, or unblocked), "left"
    // (removed from a group), "kicked" (blocked in a private chat).
    async member(status, { chat, from = USER } = {}) {
      const made = world.memberChange({ chat: chatOf(chat), from, status });
      if (made.refused) throw new Error(`member: ${made.refused}`);
      return deliver(made.update);
    },
    // Any update, as JSON (for what the helpers above do not cover).
    deliver,
    // Fires a cron trigger at `time` (epoch ms; default now).
    async cron(schedule, { time } = {}) {
      const before = calls.length;
      const response = await worker.scheduled(schedule, { time });
      await response.text();
      return { status: response.status, calls: calls.slice(before), ...summarise(calls.slice(before)) };
    },
    // Rows of a query on the bot's D1.
    async sql(query, ...binds) {
      const database = await worker.mf.getD1Database("DB");
      return (await database.prepare(query).bind(...binds).all()).results;
    },
    // The bot's KV namespace, and all its keys.
    kv: () => worker.mf.getKVNamespace("KV"),
    kvKeys: () => allKvKeys(worker.mf),
    // The chat's messages, oldest first: {number, byBot, message}.
    transcript: (chat) => world.transcript(chatOf(chat).id).map((e) => ({ number: e.number, byBot: e.byBot, deleted: e.deleted, message: e.message })),
    dispose: () => worker.dispose(),
  };
}

// ------------------------------------------------------------------ helpers

// The JSON objects among log lines (a line may carry a prefix before "{").
export function parseJsonLines(lines) {
  return lines.flatMap((line) => {
    const start = line.indexOf("{");
    if (start < 0) return [];
    try {
      return [JSON.parse(line.slice(start))];
    } catch {
      return [];
    }
  });
}

let nextUpdateId = 1;
// A text message update; a leading /command gets its bot_command entity.
export function textUpdate(text, { chatId = 42, fromId = 7, chatType = "private", threadId, updateId } = {}) {
  const entities = [];
  const command = text.match(/^\/[^\s]+/);
  if (command) entities.push({ type: "bot_command", offset: 0, length: [...command[0]].reduce((n, ch) => n + (ch.codePointAt(0) > 0xffff ? 2 : 1), 0) });
  const message = {
    message_id: nextUpdateId + 500,
    date: 1_700_000_000,
    chat: { id: chatId, type: chatType },
    from: { id: fromId, is_bot: false, first_name: "Tess" },
    text,
    ...(entities.length ? { entities } : {}),
    ...(threadId ? { message_thread_id: threadId, is_topic_message: true } : {}),
  };
  return { update_id: updateId ?? nextUpdateId++, message };
}

// The bot's answer in the webhook response body, or null.
export async function webhookReply(response) {
  const text = await response.text();
  return text ? JSON.parse(text) : null;
}

export async function waitFor(predicate, { timeoutMs = 5000, stepMs = 20 } = {}) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await predicate()) return true;
    await new Promise((r) => setTimeout(r, stepMs));
  }
  return false;
}

// True for the one line the Worker logs per request ({method, path, status, ms}).
export function isRequestLine(line) {
  return line && typeof line.method === "string" && typeof line.path === "string" && typeof line.status === "number";
}

// Runs fn (which makes `requests` HTTP requests to the worker, one at a time or
// together) and returns {result, lines}: the JSON log lines written from the
// start of fn until the last of those requests logged its request line.
// Only meaningful while nothing else talks to the same worker.
export async function withLogs(worker, fn, { requests = 1, timeoutMs = 5000 } = {}) {
  const mark = worker.logs.length;
  const result = await fn();
  const since = () => {
    const lines = [];
    for (const raw of worker.logs.slice(mark)) {
      const start = raw.indexOf("{");
      if (start < 0) continue;
      try {
        lines.push(JSON.parse(raw.slice(start)));
      } catch {}
    }
    return lines;
  };
  const ok = await waitFor(() => since().filter(isRequestLine).length >= requests, { timeoutMs });
  if (!ok) throw new Error(`withLogs: expected ${requests} request log line(s), got ${since().filter(isRequestLine).length}`);
  return { result, lines: since() };
}

// Every key in a Miniflare KV namespace (all pages), sorted.
export async function allKvKeys(mf, binding = "KV") {
  const kv = await mf.getKVNamespace(binding);
  const names = [];
  let cursor;
  for (;;) {
    const page = await kv.list(cursor ? { cursor } : {});
    names.push(...page.keys.map((k) => k.name));
    if (page.list_complete) break;
    cursor = page.cursor;
  }
  return names.sort();
}

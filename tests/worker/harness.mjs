// Starts the real Worker (js-shim + wasm core) in workerd through Miniflare,
// with Miniflare's own KV and D1, and a fake Telegram Bot API that records
// every call. The Bot API is the only thing faked: it is the true edge.
import { Miniflare } from "miniflare";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { applyD1Migrations } from "./d1_migrations.mjs";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const SECRET = "test-secret-0123456789";
export const TOKEN = "123456:TEST-TOKEN-never-logged";
export const BOT_USERNAME = "miti_test_bot";
export const API_BASE = "http://telegram.test";

// extraD1: more D1 database binding names (e.g. ["KV"] with kv: false, to
// give the Worker a KV binding whose every call fails at the host).
// migrations: true applies migrations/*.sql (or a folder given as a path) to
// the DB binding before the first request, as `wrangler d1 migrations apply` would.
export async function startWorker({ bindings = {}, d1 = true, kv = true, telegram, scriptPath, persist, extraD1 = [], migrations = false } = {}) {
  const calls = [];
  const logs = [];
  let nextMessageId = 1000;
  const fakeTelegram =
    telegram ??
    (async ({ method, params }) => ({ ok: true, result: { message_id: nextMessageId++, method, params } }));
  const mf = new Miniflare({
    modules: true,
    scriptPath: scriptPath ?? path.join(ROOT, "js-shim/worker.mjs"),
    modulesRoot: ROOT,
    modulesRules: [
      { type: "ESModule", include: ["**/*.mjs", "**/*.js"] },
      { type: "CompiledWasm", include: ["**/*.wasm"] },
    ],
    compatibilityDate: "2026-04-01",
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
    await applyD1Migrations(await mf.getD1Database("DB"), migrations === true ? undefined : migrations);
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
    dispose: () => mf.dispose(),
  };
}

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

#!/usr/bin/env node
// npm run soak: the failure model, proven under load with faults.
//
//   node scripts/soak.mjs [--minutes N] [--updates N] [--concurrency N] [--seed N] [--json]
//
// Drives ONE long-lived Worker in Miniflare (the production shim around the
// test build of the core, MODULES=util,misc,notes,remind, real D1 and KV;
// testkit/soak_entry.mjs wraps DB and KV so that a fraction of their calls
// fail) with updates from many users in private chats and groups: /note,
// /note then the text, /cancel, /notes and 🗑 presses, /remind with short
// durations, /ping, plain messages, re-delivered updates (the same update_id
// again, sometimes concurrently), requests with a wrong secret and malformed
// bodies; the reminder cron fires at advancing scheduled times. The fake Bot
// API answers some calls 429 (retry_after), 400 migrate_to_chat_id, 403, 5xx,
// slowly, or not before the Worker gives up. Then faults are turned off, the
// cron drains the reminders, one update traps the wasm instance, and the
// invariants are checked (see `check` below). Exits 1 when one fails.
//
// It stops after --updates (default 10,000) or --minutes (default 15),
// whichever comes first.
// runSoak() is what tests/worker/soak.test.mjs calls with a small budget.
import path from "node:path";
import { parseArgs } from "node:util";
import { pathToFileURL } from "node:url";
import { ROOT, SECRET, parseJsonLines, startWorker } from "../testkit/index.mjs";

export const SOAK_WORKER = path.join(ROOT, "testkit/soak_entry.mjs");
const MODULES = "util,misc,notes,remind,selftest"; // selftest: only its private /trap, at the end
const FETCH_TIMEOUT_MS = 1500;
const MINUTE = 60_000;

// Fault rates: Bot API calls by kind (of every call that goes through fetch),
// and D1 / KV calls (testkit/soak_entry.mjs).
export const DEFAULT_FAULTS = Object.freeze({
  tooMany: 0.04, migrate: 0.02, forbidden: 0.01, serverError: 0.04, slow: 0.04, timeout: 0.01, d1: 0.05, kv: 0.05,
});

// A small deterministic PRNG (mulberry32), so that a seed replays a run's choices.
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function runSoak({
  minutes = 5, updates = Infinity, concurrency = 8, users = 120, groups = 8, seed = 1, faults = DEFAULT_FAULTS, log = () => {},
} = {}) {
  const random = prng(seed);
  const pick = (items) => items[Math.floor(random() * items.length)];
  const chance = (p) => random() < p;

  // ------------------------------------------------------------ the fake Bot API
  const tally = { sent: 0, statuses: {}, kinds: {}, botFaults: {}, unauthorized: 0, malformed: 0, redelivered: 0, crons: 0, trapped: 0 };
  const count = (table, key, n = 1) => (table[key] = (table[key] ?? 0) + n);
  const migrated = new Map(); // old chat id → new chat id
  const reminderSends = new Map(); // reminder text → [{chat_id, ok, fault}]
  const savedByReply = new Set(); // note ids a "saved note #id" reply announced (delivered)
  let botFaultsOn = true;
  let nextMessageId = 5000;
  let nextChatId = -1009000000000;
  const message = (params) => ({
    message_id: nextMessageId++, date: Math.floor(Date.now() / 1000),
    chat: { id: Number(params.chat_id), type: Number(params.chat_id) < 0 ? "supergroup" : "private" },
    from: { id: 7000000001, is_bot: true, first_name: "soak" },
    text: params.text,
  });
  const answerFault = (kind, params) => {
    count(tally.botFaults, kind);
    if (kind === "tooMany") return { ok: false, error_code: 429, description: "Too Many Requests: retry after 1", parameters: { retry_after: 1 } };
    if (kind === "forbidden") return { ok: false, error_code: 403, description: "Forbidden: bot was blocked by the user" };
    if (kind === "migrate") {
      const to = nextChatId--;
      migrated.set(Number(params.chat_id), to);
      return { ok: false, error_code: 400, description: "Bad Request: group chat was upgraded to a supergroup chat", parameters: { migrate_to_chat_id: to } };
    }
    return { ok: false, error_code: 502, description: "Bad Gateway" };
  };
  async function telegram({ method, params }) {
    const began = Date.now();
    const chatId = Number(params.chat_id);
    let fault = null;
    if (migrated.has(chatId) && method === "sendMessage") {
      // Telegram keeps refusing the old id of a migrated group.
      fault = "migrate-again";
    } else if (botFaultsOn) {
      const r = random();
      let edge = 0;
      for (const kind of ["tooMany", "migrate", "forbidden", "serverError", "slow", "timeout"]) {
        edge += faults[kind] ?? 0;
        if (r < edge) {
          fault = kind;
          break;
        }
      }
      if (fault === "migrate" && !(method === "sendMessage" && chatId < 0)) fault = "serverError";
    }
    let answer;
    if (fault === "slow") {
      count(tally.botFaults, "slow");
      await sleep(200 + random() * 600);
      fault = null;
    }
    if (fault === "timeout") {
      // No answer before the Worker gives up; Telegram did nothing.
      count(tally.botFaults, "timeout");
      await sleep(FETCH_TIMEOUT_MS + 500);
      answer = { ok: false, error_code: 504, description: "Gateway Timeout" };
    } else if (fault === "migrate-again") {
      answer = { ok: false, error_code: 400, description: "Bad Request: group chat was upgraded to a supergroup chat", parameters: { migrate_to_chat_id: migrated.get(chatId) } };
    } else if (fault) {
      answer = answerFault(fault, params);
    } else if (method.startsWith("send")) {
      answer = { ok: true, result: message(params) };
    } else if (method === "editMessageText") {
      answer = { ok: true, result: { ...message(params), message_id: Number(params.message_id) } };
    } else {
      answer = { ok: true, result: true };
    }
    if (method === "sendMessage" && typeof params.text === "string") {
      const reminder = params.text.match(/^⏰ (r\d+)/);
      if (reminder) {
        if (!reminderSends.has(reminder[1])) reminderSends.set(reminder[1], []);
        reminderSends.get(reminder[1]).push({ chat_id: chatId, ok: answer.ok, fault, code: answer.error_code, ms: Date.now() - began });
      }
      const saved = params.text.match(/^saved note #(\d+)/);
      if (saved && answer.ok) savedByReply.add(Number(saved[1]));
    }
    return answer;
  }

  const worker = await startWorker({
    scriptPath: SOAK_WORKER,
    migrations: true,
    telegram,
    bindings: { MODULES, TELEGRAM_WEBHOOK_REPLY: "true", MITI_FETCH_TIMEOUT_MS: String(FETCH_TIMEOUT_MS) },
  });
  const stats = async () => (await worker.fetch("/__soak/stats")).json();
  const setStoreFaults = async (on) =>
    (await worker.fetch("/__soak/faults", { method: "POST", body: JSON.stringify(on ? { d1: faults.d1, kv: faults.kv } : {}) })).json();

  try {
    // ------------------------------------------------------------ the people
    const people = Array.from({ length: users }, (_, i) => ({ id: 100 + i, is_bot: false, first_name: `U${i}` }));
    const groupChats = Array.from({ length: groups }, (_, i) => ({ id: -1001000000000 - i, type: "supergroup", title: `g${i}` }));
    const chatFor = (user) => {
      if (chance(0.3)) {
        const group = pick(groupChats);
        return { ...group, id: migrated.get(group.id) ?? group.id };
      }
      return { id: user.id, type: "private", first_name: user.first_name };
    };

    let nextUpdateId = 1;
    let nextUserMessage = 1;
    const history = []; // updates sent, for re-delivery
    const noteUpdates = new Map(); // note text → update_ids that carried it
    const reminderIds = new Map(); // reminder text → id announced
    const reminderUpdates = new Map(); // reminder text → the update_id that set it
    const deleteTargets = new Set(); // note ids a press or /forget aimed at
    const violations = [];
    const problem = (what) => {
      violations.push(what);
      log(`VIOLATION: ${what}`);
    };

    const textUpdate = (user, chat, text) => {
      const entities = text.startsWith("/") ? [{ type: "bot_command", offset: 0, length: text.split(/\s/)[0].length }] : undefined;
      return {
        update_id: nextUpdateId++,
        message: { message_id: nextUserMessage++, date: Math.floor(Date.now() / 1000), chat, from: user, text, ...(entities ? { entities } : {}) },
      };
    };

    // Posts one update; every authenticated answer must be 200.
    async function post(update, { raw } = {}) {
      tally.sent++;
      history.push(update);
      if (history.length > 400) history.shift();
      const response = await worker.webhook(update, raw === undefined ? {} : { raw });
      const text = await response.text();
      count(tally.statuses, response.status);
      if (response.status !== 200) problem(`update ${update?.update_id ?? "(raw)"} answered ${response.status}`);
      let reply = null;
      try {
        reply = text ? JSON.parse(text) : null;
      } catch {
        problem(`update ${update?.update_id} answered a body that is not JSON`);
      }
      if (reply?.method === "sendMessage" && typeof reply.text === "string") {
        const saved = reply.text.match(/^saved note #(\d+)/);
        if (saved) savedByReply.add(Number(saved[1]));
      }
      return reply;
    }
    const replyText = (reply) => (reply && typeof reply.text === "string" ? reply.text : "");
    const markupOf = (reply) => (typeof reply?.reply_markup === "string" ? JSON.parse(reply.reply_markup) : reply?.reply_markup);

    const actions = [
      [30, async (user) => {
        const chat = chatFor(user);
        const text = `n${nextUpdateId}`;
        const update = textUpdate(user, chat, `/note ${text}`);
        noteUpdates.set(text, [update.update_id]);
        if (chance(0.1)) {
          // Telegram re-sending while the first delivery still runs.
          tally.redelivered++;
          await Promise.all([post(update), post(update)]);
        } else {
          await post(update);
        }
      }],
      [10, async (user) => {
        const chat = chatFor(user);
        const asked = replyText(await post(textUpdate(user, chat, "/note")));
        const text = `c${nextUpdateId}`;
        const answer = textUpdate(user, chat, text);
        noteUpdates.set(text, [answer.update_id]);
        if (asked.startsWith("What should I note")) await post(answer);
      }],
      [4, async (user) => {
        const chat = chatFor(user);
        await post(textUpdate(user, chat, "/note"));
        await post(textUpdate(user, chat, "/cancel"));
      }],
      [12, async (user) => {
        const chat = chatFor(user);
        const reply = await post(textUpdate(user, chat, "/notes"));
        const buttons = markupOf(reply)?.inline_keyboard?.flat() ?? [];
        if (buttons.length === 0) return;
        const button = pick(buttons);
        const id = Number(button.text.match(/#(\d+)/)?.[1]);
        if (id) deleteTargets.add(id);
        const press = {
          update_id: nextUpdateId++,
          callback_query: {
            id: `q${nextUpdateId}`, from: user, chat_instance: `ci${chat.id}`, data: button.callback_data,
            message: { message_id: nextMessageId++, date: Math.floor(Date.now() / 1000), chat, from: { id: 7000000001, is_bot: true, first_name: "soak" }, text: reply.text },
          },
        };
        if (chance(0.2)) {
          tally.redelivered++;
          await Promise.all([post(press), post(press)]);
        } else {
          await post(press);
        }
      }],
      [14, async (user) => {
        const chat = chatFor(user);
        const text = `r${nextUpdateId}`;
        const update = textUpdate(user, chat, `/remind ${pick(["1m", "2m"])} ${text}`);
        reminderUpdates.set(text, update.update_id);
        const reply = replyText(await post(update));
        const id = reply.match(/Reminder #(\d+) set/);
        if (id) reminderIds.set(text, Number(id[1]));
      }],
      [8, async (user) => {
        await post(textUpdate(user, chatFor(user), pick(["hello", "what's up", "🙂", "ok"])));
      }],
      [6, async (user) => {
        await post(textUpdate(user, chatFor(user), "/ping")); // KV: misc keeps the last ping
      }],
      [3, async (user) => {
        await post(textUpdate(user, chatFor(user), pick(["/help", "/info", "/reminders"])));
      }],
      [8, async () => {
        // An update Telegram sends again (its answer was lost).
        if (history.length === 0) return;
        tally.redelivered++;
        await post(pick(history));
      }],
      [3, async (user) => {
        tally.unauthorized++;
        const response = await worker.webhook(textUpdate(user, chatFor(user), "/note forged"), { secret: pick([null, "wrong-secret-0123456789"]) });
        await response.text();
        if (response.status !== 401) problem(`a request with a wrong secret answered ${response.status}`);
      }],
      [3, async () => {
        tally.malformed++;
        await post(null, { raw: pick(["{", "null", "[]", '{"update_id":"x"}', "\u0000\u00ff", '{"update_id":1e400,"message":{}}', "x".repeat(2000)]) });
      }],
    ];
    const totalWeight = actions.reduce((n, [w]) => n + w, 0);
    const chooseAction = () => {
      let r = random() * totalWeight;
      for (const [w, action] of actions) if ((r -= w) < 0) return action;
      return actions[0][1];
    };

    // ------------------------------------------------------------ the run
    await setStoreFaults(true);
    const started = Date.now();
    const deadline = started + minutes * MINUTE;
    const idle = [...people];
    let warm = null; // stats after warm-up
    let actionsDone = 0;
    const done = () => Date.now() >= deadline || tally.sent >= updates;

    async function loop() {
      while (!done()) {
        const user = idle.splice(Math.floor(random() * idle.length), 1)[0];
        if (!user) {
          await sleep(5);
          continue;
        }
        try {
          await chooseAction()(user);
        } catch (error) {
          problem(`the driver failed: ${error.stack ?? error}`);
        } finally {
          idle.push(user);
        }
        actionsDone++;
      }
    }
    // The reminder cron, every couple of seconds, for a time ahead of now by
    // more than the longest /remind: whatever was set is due.
    async function cronLoop() {
      while (!done()) {
        await sleep(2000);
        const response = await worker.scheduled("* * * * *", { time: Date.now() + 3 * MINUTE });
        await response.text();
        tally.crons++;
      }
    }
    async function watch() {
      while (!done()) {
        await sleep(1000);
        const elapsed = Date.now() - started;
        if (!warm && (elapsed > Math.min(15_000, minutes * MINUTE * 0.2) || tally.sent > Math.min(updates * 0.2, 400))) {
          warm = { ...(await stats()), sent: tally.sent };
          log(`warm: heap ${warm.heap_bytes} bytes after ${warm.sent} updates`);
        }
        if (elapsed % 15_000 < 1000) log(`${Math.round(elapsed / 1000)} s: ${tally.sent} updates, ${violations.length} violation(s)`);
      }
    }
    await Promise.all([...Array.from({ length: concurrency }, loop), cronLoop(), watch()]);
    const mainMs = Date.now() - started;

    // ------------------------------------------------------------ quiet down
    await setStoreFaults(false);
    botFaultsOn = false;
    const settled = async () => {
      for (let i = 0; i < 200; i++) {
        const s = await stats();
        if (s.requests_in_flight === 0) return s;
        await sleep(250);
      }
      return stats();
    };
    const end = await settled();
    warm ??= end;
    if (end.requests_in_flight !== 0) problem(`${end.requests_in_flight} request(s) still in flight after the run`);
    const heapGrowth = end.heap_bytes - warm.heap_bytes;
    const HEAP_SLACK = 2 * 1024 * 1024;
    if (end.instances !== 1) problem(`the wasm instance was replaced ${end.instances - 1} time(s) during the run (a trap)`);
    else if (heapGrowth > HEAP_SLACK) problem(`the heap grew by ${heapGrowth} bytes after warm-up`);
    else if (end.memory_bytes > warm.memory_bytes * 1.1) problem(`wasm memory grew from ${warm.memory_bytes} to ${end.memory_bytes} bytes after warm-up (more than 10 %)`);

    // Drain the reminders: faults off, the clock an hour further each run.
    const pendingQuery = "SELECT count(*) AS n FROM remind_reminders WHERE state IN ('pending', 'sending')";
    const db = await worker.mf.getD1Database("DB");
    let clock = Date.now() + 3 * MINUTE;
    for (let run = 0; run < 40; run++) {
      const pending = (await db.prepare(pendingQuery).first()).n;
      if (pending === 0) break;
      clock += 61 * MINUTE;
      await (await worker.scheduled("* * * * *", { time: clock })).text();
      tally.crons++;
    }

    // ------------------------------------------------------------ a trap, then serving on
    const trapUser = people[0];
    const trapChat = { id: trapUser.id, type: "private", first_name: trapUser.first_name };
    await post(textUpdate(trapUser, trapChat, "/trap"));
    tally.trapped++;
    const after = replyText(await post(textUpdate(trapUser, trapChat, "/note after-trap")));
    if (!after.startsWith("saved note #")) problem(`after a trap, /note answered ${JSON.stringify(after)}`);
    const afterTrap = await stats();
    if (afterTrap.instances < 2) problem("/trap did not replace the wasm instance");

    // ------------------------------------------------------------ invariants
    const logs = parseJsonLines(worker.logs);
    const unrecordedUpdates = new Set(logs.filter((l) => l.msg === "could not record the delivery; running without it").map((l) => l.update_id));
    const notes = await db.prepare("SELECT id, text FROM notes_notes").all();
    const rowsByText = new Map();
    for (const row of notes.results) {
      if (!rowsByText.has(row.text)) rowsByText.set(row.text, []);
      rowsByText.get(row.text).push(row.id);
    }
    const result = { notesDoubled: 0, notesDoubledExplained: 0, notesLost: 0, remindersDue: 0, remindersDelivered: 0, remindersFailed: 0, remindersDoubled: 0, remindersDoubledExplained: 0, remindersCreatedTwice: 0, remindersCreatedTwiceExplained: 0 };
    for (const [text, ids] of rowsByText) {
      if (ids.length <= 1) continue;
      const updateIds = noteUpdates.get(text) ?? [];
      if (updateIds.some((id) => unrecordedUpdates.has(id))) {
        result.notesDoubledExplained++; // admission could not write its record: documented
      } else {
        result.notesDoubled++;
        problem(`note "${text}" saved ${ids.length} times (ids ${ids.join(", ")})`);
      }
    }
    const existing = new Set(notes.results.map((r) => r.id));
    for (const id of savedByReply) {
      if (!existing.has(id) && !deleteTargets.has(id)) {
        result.notesLost++;
        problem(`note #${id} was announced saved but is not in D1`);
      }
    }

    const leftToExpire = new Set(logs.filter((l) => l.msg === "remind: claims left to expire").flatMap((l) => l.unrecorded ?? []));
    const recordLost = new Set(logs.filter((l) => l.msg === "remind: could not record an outcome" || l.msg === "remind: claim lost before its outcome was recorded").map((l) => l.id));
    const reminders = (await db.prepare("SELECT id, text, state, attempts, last_error, chat_id FROM remind_reminders").all()).results;
    // Sends are told apart by the reminder's text: a /remind update that ran
    // twice (its delivery record could not be written, the documented case)
    // made two reminders with one text, each to be delivered once.
    const remindersByText = new Map();
    for (const row of reminders) {
      const key = row.text.split(" ")[0];
      if (!remindersByText.has(key)) remindersByText.set(key, []);
      remindersByText.get(key).push(row);
    }
    for (const [key, rows] of remindersByText) {
      if (rows.length <= 1) continue;
      if (unrecordedUpdates.has(reminderUpdates.get(key))) {
        result.remindersCreatedTwiceExplained++;
      } else {
        result.remindersCreatedTwice++;
        problem(`reminder "${key}" set ${rows.length} times (ids ${rows.map((r) => r.id).join(", ")})`);
      }
    }
    for (const row of reminders) {
      const key = row.text.split(" ")[0];
      const sends = reminderSends.get(key) ?? [];
      const twins = remindersByText.get(key).filter((r) => r.state === "delivered").length;
      const delivered = sends.filter((s) => s.ok).length - Math.max(0, twins - 1);
      result.remindersDue++;
      if (row.state === "pending" || row.state === "sending") {
        problem(`reminder #${row.id} still ${row.state} after the drain`);
      } else if (row.state === "failed") {
        result.remindersFailed++;
        const fatal = sends.some((s) => s.code === 403 || (s.code === 400 && s.fault !== "migrate" && s.fault !== "migrate-again"));
        if (!fatal && row.attempts < 10) problem(`reminder #${row.id} failed after ${row.attempts} attempt(s) without a 403/400: ${row.last_error}`);
        if (delivered > 0) problem(`reminder #${row.id} is failed but was delivered ${delivered} time(s)`);
      } else {
        result.remindersDelivered++;
        if (delivered === 0) problem(`reminder #${row.id} is ${row.state} but was never delivered`);
        if (delivered > 1) {
          // An ok answer that came after the Worker's fetch timeout: Telegram
          // delivered, the Worker saw a timeout and retried (documented too).
          const late = sends.slice(0, -1).some((x) => x.ok && x.ms >= FETCH_TIMEOUT_MS - 100);
          if (leftToExpire.has(row.id) || recordLost.has(row.id) || late) {
            result.remindersDoubledExplained++; // D1 lost the record after the send, or a late answer: documented
          } else {
            result.remindersDoubled++;
            problem(`reminder #${row.id} delivered ${delivered} times: ${JSON.stringify(sends)}`);
          }
        }
      }
    }
    for (const [text, id] of reminderIds) {
      if (!reminders.some((r) => r.id === id)) problem(`reminder #${id} (${text}) was announced but is not in D1`);
    }

    const summary = {
      seconds: Math.round(mainMs / 100) / 10,
      updates: tally.sent,
      actions: actionsDone,
      throughput_per_s: Math.round((tally.sent / mainMs) * 10000) / 10,
      statuses: tally.statuses,
      redelivered: tally.redelivered,
      unauthorized: tally.unauthorized,
      malformed: tally.malformed,
      crons: tally.crons,
      bot_api_faults: tally.botFaults,
      store_faults: end.injected,
      notes: notes.results.length,
      notes_announced: savedByReply.size,
      reminders: reminders.length,
      ...result,
      heap_after_warmup: warm.heap_bytes,
      heap_end: end.heap_bytes,
      heap_growth: heapGrowth,
      wasm_memory_bytes: end.memory_bytes,
      requests_in_flight_end: end.requests_in_flight,
      serves_after_trap: after.startsWith("saved note #"),
      violations,
    };
    return summary;
  } finally {
    await worker.dispose();
  }
}

export function printSummary(s) {
  const rows = [
    ["duration (s)", s.seconds], ["updates sent", s.updates], ["throughput (updates/s)", s.throughput_per_s],
    ["statuses", JSON.stringify(s.statuses)], ["re-delivered", s.redelivered], ["wrong secret (401)", s.unauthorized],
    ["malformed bodies", s.malformed], ["cron runs", s.crons],
    ["Bot API faults", JSON.stringify(s.bot_api_faults)], ["D1/KV faults", JSON.stringify(s.store_faults)],
    ["notes in D1 / announced saved", `${s.notes} / ${s.notes_announced}`],
    ["notes doubled (unexplained / after an unrecorded admission)", `${s.notesDoubled} / ${s.notesDoubledExplained}`],
    ["notes lost", s.notesLost],
    ["reminders: all / delivered / failed", `${s.remindersDue} / ${s.remindersDelivered} / ${s.remindersFailed}`],
    ["reminders doubled (unexplained / lost record or late answer)", `${s.remindersDoubled} / ${s.remindersDoubledExplained}`],
    ["reminders set twice by one update (unexplained / record not written)", `${s.remindersCreatedTwice} / ${s.remindersCreatedTwiceExplained}`],
    ["heap after warm-up → end (bytes)", `${s.heap_after_warmup} → ${s.heap_end} (${s.heap_growth >= 0 ? "+" : ""}${s.heap_growth})`],
    ["wasm memory (bytes)", s.wasm_memory_bytes], ["requests in flight at the end", s.requests_in_flight_end],
    ["serves after a trap", s.serves_after_trap], ["invariants", s.violations.length === 0 ? "all held" : `${s.violations.length} VIOLATED`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`);
  for (const v of s.violations) console.log(`  - ${v}`);
}

async function main() {
  const { values } = parseArgs({
    options: {
      minutes: { type: "string", default: "15" },
      updates: { type: "string" },
      concurrency: { type: "string", default: "8" },
      seed: { type: "string", default: String(Date.now() % 100000) },
      json: { type: "boolean", default: false },
    },
  });
  const options = {
    minutes: Number(values.minutes),
    updates: values.updates === undefined ? 10_000 : Number(values.updates),
    concurrency: Number(values.concurrency),
    seed: Number(values.seed),
    log: (line) => console.error(`soak: ${line}`),
  };
  console.error(`soak: ${options.minutes} min, ${options.updates} updates, concurrency ${options.concurrency}, seed ${options.seed}`);
  const summary = await runSoak(options);
  if (values.json) console.log(JSON.stringify(summary, null, 2));
  else printSummary(summary);
  process.exit(summary.violations.length === 0 ? 0 : 1);
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main().catch((error) => {
    console.error(`soak: ${error.stack ?? error}`);
    process.exit(1);
  });
}

#!/usr/bin/env node
// The chat console behind `npm start`: serves the Worker with wrangler dev and
// lets you talk to the bot as a Telegram user would.
//
//   node scripts/chat-console.mjs [--port 8787] [--persist-to DIR] [--verbose]
//   node scripts/chat-console.mjs --webhook URL [--secret S] [--token T] [--api-port N]
//
// Each typed line becomes a Telegram update POSTed to /webhook with the right
// secret: a plain message, or a /command. Console commands (:help) press the
// bot's buttons, reply to and edit messages, switch chat and user, and add or
// remove the bot. The bot's replies are printed whichever way they travel: in
// the webhook response body, or as Bot API calls, which reach a local stand-in
// (TELEGRAM_API_BASE points at it) so nothing leaves the machine. Both ways go
// through one chat world (scripts/lib/bot-api-standin.mjs) that numbers every
// message and answers as Telegram would. Works with piped stdin too; end of
// input stops wrangler.
//
// --webhook talks to a bot that is already running (no wrangler): updates go
// to URL with the --secret header (none if not given), and the stand-in
// accepts the --token given (any token if not given); the banner prints the
// stand-in's address, where that bot's Bot API base must point.
//
// Environment: MITI_DEV_PORT, MITI_PERSIST_TO, MITI_CONSOLE_WEBHOOK,
// MITI_CONSOLE_SECRET, MITI_CONSOLE_TOKEN, MITI_CONSOLE_API_PORT (same as the
// flags) and MODULES (overrides the Worker's MODULES for this run).
import { spawn } from "node:child_process";
import { randomBytes, randomInt } from "node:crypto";
import { existsSync } from "node:fs";
import path from "node:path";
import readline from "node:readline";
import { parseArgs } from "node:util";
import { createChatWorld, startBotApiStandIn, STANDIN_BOT } from "./lib/bot-api-standin.mjs";
import { formatEvent, formatTranscriptEntry, formatUserMessage, keyboardButtons, makeStyle } from "./lib/console-format.mjs";
import { ROOT, WRANGLER_TELEMETRY_OFF, freePort, isPortFree, readDotEnv, readManifest, readTomlVars } from "./lib/project.mjs";

const USAGE = [
  "usage: node scripts/chat-console.mjs [--port 8787] [--persist-to DIR] [--verbose]",
  "       node scripts/chat-console.mjs --webhook URL [--secret S] [--token T] [--api-port N] [--verbose]",
].join("\n");
let options;
try {
  ({ values: options } = parseArgs({
    options: {
      port: { type: "string", default: process.env.MITI_DEV_PORT || "8787" },
      "persist-to": { type: "string", default: process.env.MITI_PERSIST_TO || undefined },
      verbose: { type: "boolean", short: "v", default: false },
      webhook: { type: "string", default: process.env.MITI_CONSOLE_WEBHOOK || undefined },
      secret: { type: "string", default: process.env.MITI_CONSOLE_SECRET || undefined },
      token: { type: "string", default: process.env.MITI_CONSOLE_TOKEN || undefined },
      "api-port": { type: "string", default: process.env.MITI_CONSOLE_API_PORT || "0" },
    },
  }));
} catch (error) {
  console.error(`chat console: ${error.message}\n${USAGE}`);
  process.exit(2);
}
const portOption = (name, value, min) => {
  const port = Number(value);
  if (!Number.isInteger(port) || port < min || port > 65535) {
    console.error(`chat console: --${name} is not a port: ${value}\n${USAGE}`);
    process.exit(2);
  }
  return port;
};
const PORT = portOption("port", options.port, 1);
const API_PORT = portOption("api-port", options["api-port"], 0);
// An external bot (--webhook) or the Worker under wrangler dev.
const EXTERNAL = options.webhook !== undefined;
let WEBHOOK_URL;
try {
  WEBHOOK_URL = new URL(EXTERNAL ? options.webhook : `http://127.0.0.1:${PORT}/webhook`);
} catch {
  console.error(`chat console: --webhook is not a URL: ${options.webhook}\n${USAGE}`);
  process.exit(2);
}
const WORKER = WEBHOOK_URL.origin;
const style = makeStyle(process.stdout.isTTY && !process.env.NO_COLOR);
const interactive = Boolean(process.stdin.isTTY);

// Local-only credentials, fresh each run: they guard nothing real. An external
// bot brings its own (or none).
const SECRET = options.secret ?? (EXTERNAL ? undefined : randomBytes(16).toString("hex"));
const TOKEN = options.token ?? (EXTERNAL ? undefined : `${randomInt(100_000_000, 1_000_000_000)}:local-${randomBytes(12).toString("hex")}`);

// What the Worker will see, for the banner and the bot's username: the same
// precedence wrangler applies (our --var, then .dev.vars, then wrangler.toml).
const devVars = EXTERNAL ? {} : (readDotEnv(path.join(ROOT, ".dev.vars")) ?? {});
const tomlVars = EXTERNAL ? {} : readTomlVars();
const MODULES = process.env.MODULES || devVars.MODULES || tomlVars.MODULES || "";
const BOT = { ...STANDIN_BOT, username: devVars.TELEGRAM_BOT_USERNAME || tomlVars.TELEGRAM_BOT_USERNAME || STANDIN_BOT.username };

// --- output -----------------------------------------------------------------

let rl = null;
let closed = false; // end of input, :quit or Ctrl-C: no more prompts
let promptShown = false;
let promptWidth = 0; // of the prompt the current line was typed after
let botCallsThisTurn = 0; // Bot API calls since the current line was entered
let shownThisTurn = 0; // of which the console printed something

// Prints above the prompt without mangling what is being typed.
function say(text) {
  if (rl && interactive && promptShown) {
    readline.clearLine(process.stdout, 0);
    readline.cursorTo(process.stdout, 0);
    process.stdout.write(`${text}\n`);
    rl.prompt(true);
  } else {
    process.stdout.write(`${text}\n`);
  }
}

const note = (text) => say(style.dim(`(${text})`));
const complain = (text) => say(style.red(`(${text})`));

// "you › ", or "you ↩ #4 › " while the bot waits for a reply to #4.
function promptText() {
  const asked = world.pendingReply(state.chat.id);
  return asked === undefined ? "you › " : `you ↩ #${asked} › `;
}

function showPrompt() {
  if (!rl || !interactive || closed) return;
  promptShown = true;
  promptWidth = [...promptText()].length;
  rl.setPrompt(style.cyan(promptText()));
  rl.prompt();
}

// --- the chat the console plays ------------------------------------------------

// The Telegram side: transcript, message ids, updates, Bot API answers.
const ADA = { id: 1001, is_bot: false, first_name: "Ada", last_name: "Local", username: "ada_local", language_code: "en" };
const world = createChatWorld({ bot: BOT, owner: ADA }); // Ada owns the group
const state = {
  user: ADA,
  chat: null,
  anonymous: false, // posting as the group's anonymous administrator
  keyboardHintShown: false,
};
const GROUP_CHAT = world.registerChat({ id: -1001000000001, type: "supergroup", title: "miti local group" });
const privateChat = () => world.registerChat({ id: state.user.id, type: "private", first_name: state.user.first_name, username: state.user.username });
state.chat = privateChat();

// Shows what a bot call did to the chat, and counts it for "(no reply)".
function showEvent(event, via) {
  const text = formatEvent(event, { via, consoleChatId: state.chat.id, style, verbose: options.verbose });
  if (!text) return;
  shownThisTurn++;
  say(text);
  const hasButtons = event.kind === "message" && keyboardButtons(event.markup).some((b) => b.pressable);
  if (hasButtons && !state.keyboardHintShown) {
    state.keyboardHintShown = true;
    note(":press N presses button N of the newest message with buttons; :press #M N one of message #M");
  }
}

// --- wrangler dev ----------------------------------------------------------------

function jsonLog(line) {
  const start = line.indexOf("{");
  if (start < 0) return null;
  try {
    return JSON.parse(line.slice(start));
  } catch {
    return null;
  }
}

// The Worker writes one access line per request after everything else it
// logged for it; waiting for that line keeps a handler's error log next to
// the message that caused it instead of after the next one.
// A cron run likewise ends with one {"event": "scheduled"} line.
// An external bot writes no log the console can see: nothing to wait for.
const logWaiters = [];
function nextLog(predicate, timeoutMs = 1500) {
  if (EXTERNAL) return Promise.resolve(false);
  return new Promise((resolve) => {
    const waiter = { predicate, resolve };
    logWaiters.push(waiter);
    setTimeout(() => {
      const i = logWaiters.indexOf(waiter);
      if (i >= 0) logWaiters.splice(i, 1);
      resolve(false);
    }, timeoutMs).unref();
  });
}

// Request logs and the health polls would drown the conversation.
function noise(line) {
  if (/^\[wrangler:info\] (GET|POST|PUT|DELETE|HEAD) /.test(line)) return true;
  const json = jsonLog(line);
  if (!json) return false;
  const i = logWaiters.findIndex((w) => w.predicate(json));
  if (i >= 0) logWaiters.splice(i, 1)[0].resolve(true);
  return "method" in json && "path" in json && "status" in json;
}

function startWrangler(apiBase, inspectorPort) {
  const bin = path.join(ROOT, "node_modules/.bin/wrangler");
  if (!existsSync(bin)) throw new Error("wrangler is not installed: run `bash scripts/setup.sh` (or `npm ci`)");
  const vars = {
    TELEGRAM_WEBHOOK_SECRET: SECRET,
    TELEGRAM_BOT_TOKEN: TOKEN,
    TELEGRAM_API_BASE: apiBase,
    TELEGRAM_BOT_USERNAME: BOT.username,
    ...(process.env.MODULES ? { MODULES: process.env.MODULES } : {}),
  };
  // --var beats .dev.vars and wrangler.toml, so a real token in .dev.vars is
  // never used here and the user's files stay untouched.
  const args = [
    "dev", "--local", "--ip", "127.0.0.1", "--port", String(PORT), "--test-scheduled",
    "--inspector-port", String(inspectorPort), "--show-interactive-dev-session=false",
    ...Object.entries(vars).flatMap(([key, value]) => ["--var", `${key}:${value}`]),
    ...(options["persist-to"] ? ["--persist-to", options["persist-to"]] : []),
  ];
  const child = spawn(bin, args, {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...WRANGLER_TELEMETRY_OFF, FORCE_COLOR: "0" },
  });
  const early = []; // shown only if wrangler fails to come up
  let ready = false;
  for (const stream of [child.stdout, child.stderr]) {
    readline.createInterface({ input: stream }).on("line", (line) => {
      if (!ready) {
        early.push(line);
        if (options.verbose) say(style.dim(`wrangler │ ${line}`));
        return;
      }
      if (!line.trim()) return;
      const quiet = noise(line); // called even when verbose: it also spots access lines
      if (options.verbose || !quiet) say(style.dim(`worker │ ${line}`));
    });
  }
  const exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  return { child, exited, early, markReady: () => (ready = true) };
}

async function waitUntilServing(wrangler, timeoutMs = 90_000) {
  const deadline = Date.now() + timeoutMs;
  let gone = false;
  wrangler.exited.then(() => (gone = true));
  while (Date.now() < deadline && !gone) {
    try {
      const response = await fetch(`${WORKER}/`, { signal: AbortSignal.timeout(2000) });
      if (response.ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(gone ? "wrangler dev exited before serving" : `wrangler dev did not answer on ${WORKER} within ${timeoutMs / 1000} s`);
}

// --- talking to the Worker ------------------------------------------------------

// POSTs one update to the webhook and shows the reply that rides in the
// response body (a Bot API method call, which Telegram performs without
// telling the bot the result). Returns false if the webhook failed.
async function postUpdate(update) {
  const logged = nextLog((json) => json.path === "/webhook" && "status" in json);
  let response;
  try {
    response = await fetch(WEBHOOK_URL, {
      method: "POST",
      headers: { "content-type": "application/json", ...(SECRET ? { "x-telegram-bot-api-secret-token": SECRET } : {}) },
      body: JSON.stringify(update),
    });
  } catch (error) {
    complain(`could not reach the ${EXTERNAL ? "bot" : "Worker"}: ${error.message}`);
    return false;
  }
  const body = await response.text();
  await logged;
  if (response.status !== 200) {
    complain(`webhook answered HTTP ${response.status}${body ? `: ${body.trim()}` : ""}`);
    return false;
  }
  if (!body.trim()) {
    if (shownThisTurn === 0) note("no reply");
    return true;
  }
  let call;
  try {
    call = JSON.parse(body);
  } catch {
    complain(`webhook answered with a body that is not JSON: ${body.slice(0, 200)}`);
    return true;
  }
  if (!call || typeof call !== "object" || typeof call.method !== "string") {
    note(`webhook answered JSON without a "method": Telegram ignores it`);
    return true;
  }
  const { method, ...params } = call;
  const { event } = world.apply({ method, params });
  showEvent(event);
  if (event.kind === "error") note("Telegram drops errors of a call made in the webhook response: the bot never learns of this one");
  return true;
}

// The sender of what the user types here: themself, or the group's anonymous
// administrator (the group itself in sender_chat).
function sender() {
  const anonymous = state.anonymous && state.chat.type !== "private";
  return { from: state.user, senderChat: anonymous ? state.chat : undefined };
}

// Sends a text message (a reply to message #replyTo when given, or to the
// message the bot asked a reply for). `typed` marks a line the user typed
// interactively: the terminal already shows it, so it is rewritten in place.
async function sendText(text, { replyTo, typed = false } = {}) {
  const asked = replyTo === undefined ? world.pendingReply(state.chat.id) : undefined;
  const sent = world.userMessage({ chat: state.chat, ...sender(), text, replyTo: replyTo ?? asked });
  if (sent.refused) return complain(sent.refused);
  const why = sent.delivered ? undefined : `not delivered: ${sent.reason}`;
  echoUserMessage(formatUserMessage({ number: sent.number, message: sent.message, replyTo: sent.replyTo, style, note: why }), typed ? text : undefined);
  if (!sent.delivered) {
    if (sent.reason.startsWith("privacy")) note("reply to one of its messages (:reply N text), or turn privacy mode off with :privacy off");
    return;
  }
  await postUpdate(sent.update);
}

// A line typed at the prompt is still on screen as "you › text": replace it
// by the numbered form when it fits on one terminal row.
function echoUserMessage(rendered, typedText) {
  if (typedText !== undefined && interactive) {
    const columns = process.stdout.columns || 80;
    if (promptWidth + [...typedText].length * 2 < columns) {
      readline.moveCursor(process.stdout, 0, -1);
      readline.clearLine(process.stdout, 0);
      readline.cursorTo(process.stdout, 0);
    }
  }
  say(rendered);
}

// "#3" or "3" → 3.
function messageNumber(token) {
  const match = String(token ?? "").match(/^#?(\d+)$/);
  return match ? Number(match[1]) : undefined;
}

async function press(argument) {
  const tokens = argument.split(/\s+/).filter(Boolean);
  if (!tokens.length) return complain("usage: :press N | :press #M N | :press <button text>");
  let number;
  let button;
  if (tokens.length >= 2 && messageNumber(tokens[0]) !== undefined) {
    number = messageNumber(tokens[0]);
    button = tokens.slice(1).join(" ");
  } else {
    number = world.latestWithKeyboard(state.chat.id);
    if (number === undefined) return complain("no message in this chat has buttons");
    button = tokens.join(" ");
  }
  if (/^\d+$/.test(button)) button = Number(button);
  const pressed = world.press({ number, button, from: state.user });
  if (pressed.refused) return complain(pressed.refused);
  if (pressed.sendText !== undefined) {
    if (String(pressed.chatId) !== String(state.chat.id)) return complain(`#${number} is in another chat`);
    return sendText(pressed.sendText);
  }
  say(style.cyan(`you pressed [${pressed.button.number} ${pressed.button.text}] on #${number}`) + style.dim(`  (callback_data ${JSON.stringify(pressed.button.button.callback_data)})`));
  const ok = await postUpdate(pressed.update);
  if (ok && !world.queryAnswered(pressed.queryId)) note("the bot has not answered the callback query: Telegram shows a spinner on the button until answerCallbackQuery or a timeout");
}

async function editOwn(argument) {
  const match = argument.match(/^(#?\d+)\s+([\s\S]+)$/);
  if (!match) return complain("usage: :edit <message-number> <new text>");
  const edited = world.editUserMessage({ number: messageNumber(match[1]), text: match[2], from: state.user });
  if (edited.refused) return complain(edited.refused);
  say(`${style.cyan(`you ✎ edited #${edited.number}:`)} ${match[2]}${edited.delivered ? "" : `  ${style.dim(`(not delivered: ${edited.reason})`)}`}`);
  if (edited.delivered) await postUpdate(edited.update);
}

async function replyTo(argument) {
  const match = argument.match(/^(#?\d+)\s+([\s\S]+)$/);
  if (!match) return complain("usage: :reply <message-number> <text>");
  return sendText(match[2], { replyTo: messageNumber(match[1]) });
}

// The bot removed from / added to the current group, or blocked / unblocked
// by the user in the private chat: a my_chat_member update.
async function membership(command) {
  const group = state.chat.type !== "private";
  const wanted = { left: "left", join: "member", block: "kicked", unblock: "member" }[command];
  if (group && (command === "block" || command === "unblock")) return complain(`:${command} is for private chats; in a group use :left / :join`);
  if (!group && (command === "left" || command === "join")) return complain(`:${command} is for groups; in a private chat use :block / :unblock`);
  const changed = world.memberChange({ chat: state.chat, from: state.user, status: wanted });
  if (changed.refused) return complain(changed.refused);
  const what = {
    left: `you removed @${BOT.username} from "${state.chat.title}"`,
    join: `you added @${BOT.username} to "${state.chat.title}"`,
    block: `you blocked @${BOT.username}`,
    unblock: `you unblocked @${BOT.username}`,
  }[command];
  say(style.cyan(what) + style.dim(`  (my_chat_member: ${changed.old} → ${changed.status})`));
  await postUpdate(changed.update);
}

function switchChat(kind) {
  if (kind === "group") {
    state.chat = GROUP_CHAT;
    say(style.dim(`(now in "${GROUP_CHAT.title}", chat ${GROUP_CHAT.id}; /cmd and /cmd@${BOT.username} reach the bot${world.privacy ? ", other messages only when they reply to it" : ""})`));
  } else if (kind === "private") {
    state.chat = privateChat();
    say(style.dim(`(now in a private chat with @${BOT.username})`));
  } else {
    return complain("usage: :chat private|group");
  }
  const asked = world.pendingReply(state.chat.id);
  if (asked !== undefined) note(`the bot asked for a reply to #${asked} here: your next line answers it (:noreply to not)`);
}

function history(argument) {
  const count = argument ? Number(argument) : 10;
  if (!Number.isInteger(count) || count <= 0) return complain("usage: :history [count]");
  const entries = world.transcript(state.chat.id).slice(-count);
  if (!entries.length) return note("nothing was said in this chat yet");
  for (const entry of entries) say(formatTranscriptEntry(entry, { botId: BOT.id, keyboard: world.keyboardOf(entry.number), style }));
}

// "+90s", "+10m", "+2h", "+1d", "+1h30m": an offset for the cron's scheduledTime.
function parseOffset(token) {
  const match = token.match(/^\+((?:\d+[smhd])+)$/);
  if (!match) return null;
  const unit = { s: 1e3, m: 6e4, h: 36e5, d: 864e5 };
  return [...match[1].matchAll(/(\d+)([smhd])/g)].reduce((ms, [, n, u]) => ms + Number(n) * unit[u], 0);
}

let manifestCache;
async function declaredCrons() {
  if (EXTERNAL) return { error: "the console is talking to an external bot (--webhook)", crons: [] };
  manifestCache ??= readManifest(MODULES).catch((error) => ({ error }));
  const manifest = await manifestCache;
  if (manifest.error) return { error: manifest.error.message, crons: [] };
  return { crons: manifest.modules.flatMap((m) => m.crons.map((c) => ({ module: m.name, ...c }))) };
}

async function fireCron(argument) {
  const tokens = argument.trim().split(/\s+/).filter(Boolean);
  const offset = tokens.length > 1 ? parseOffset(tokens.at(-1)) : null;
  if (offset !== null) tokens.pop();
  let schedule = tokens.join(" ");
  if (!schedule) return listCrons();
  // A cron's name (or module/name) stands for its schedule.
  const { crons } = await declaredCrons();
  const named = crons.find((c) => c.name === schedule || `${c.module}/${c.name}` === schedule);
  if (named) schedule = named.schedule;
  const query = new URLSearchParams({ cron: schedule });
  const at = offset !== null ? Date.now() + offset : null;
  if (at !== null) query.set("time", String(at));
  say(style.dim(`(firing cron "${schedule}"${at !== null ? ` as if at ${new Date(at).toISOString()}` : ""})`));
  // The handlers run under waitUntil and may finish after the answer.
  const finished = nextLog((json) => json.event === "scheduled", 5000);
  try {
    // Miniflare's trigger endpoint honours `time` (the event's scheduledTime);
    // wrangler's /__scheduled (--test-scheduled) always uses "now".
    let response = await fetch(`${WORKER}/cdn-cgi/handler/scheduled?${query}`);
    if (response.status === 404) {
      await response.body?.cancel();
      if (offset !== null) say(style.yellow("(this wrangler ignores +offset: firing at the current time)"));
      response = await fetch(`${WORKER}/__scheduled?${query}`);
    }
    const text = (await response.text()).trim();
    await finished;
    say(style.dim(`(cron run: ${response.ok ? "ok" : `HTTP ${response.status}`}${text && text !== "ok" && text !== "Ran scheduled event" ? ` — ${text}` : ""}; ${botCallsThisTurn} Bot API call(s))`));
  } catch (error) {
    complain(`could not reach the Worker: ${error.message}`);
  }
}

async function listCrons() {
  const { crons, error } = await declaredCrons();
  if (error) return complain(`cannot read the registry: ${error}`);
  if (crons.length === 0) return say(style.dim(`(no module in MODULES=${MODULES} declares a cron)`));
  for (const c of crons) say(`  ${c.module}/${c.name}  "${c.schedule}"   → :cron ${c.name}`);
}

const HELP = [
  "Type a message as a Telegram user: /help, /ping, any text. #N numbers the chat's messages. Console commands:",
  "  :press N | :press #M N | :press <text>  press button N of the newest message with buttons (or of message #M)",
  "  :reply #M <text>                  send <text> as a reply to message #M",
  "  :noreply                          send the next line plainly, not as the reply the bot asked for",
  "  :edit #M <new text>               edit your own message #M (the bot gets an edited_message)",
  "  :history [count]                  list this chat's recent messages with their numbers",
  "  :chat private|group               talk privately or in a group (:private, :group; try /cmd@BOT there)",
  "  :user <id>                        become another user (private chat id follows)",
  "  :anon                             in groups, post as the anonymous group admin (toggle)",
  "  :left / :join                     remove the bot from the group / add it back",
  "  :block / :unblock                 block / unblock the bot in the private chat",
  "  :privacy on|off                   group privacy mode: the bot sees only /commands and replies to it (on)",
  "  :say <text>                       send <text> as it is, even when it starts with ':'",
  "  :cron <schedule|name> [+offset]  fire a cron trigger (e.g. :cron * * * * *, :cron deliver +2h)",
  "  :crons                            list the crons of the active modules",
  "  :quit                             stop (Ctrl-D or Ctrl-C work too)",
];

async function consoleCommand(line) {
  const [command, ...rest] = line.slice(1).split(/\s+/);
  const argument = line.slice(1 + command.length).trim();
  switch (command) {
    case "help":
    case "h":
      return HELP.forEach((l) => say(l.replace("BOT", BOT.username)));
    case "cron":
      return fireCron(argument);
    case "crons":
      return listCrons();
    case "chat":
      return switchChat(rest[0]);
    case "group":
    case "private":
      return switchChat(command);
    case "user": {
      const id = Number(argument);
      if (!Number.isSafeInteger(id) || id <= 0) return complain("usage: :user <positive id>");
      state.user = id === ADA.id ? ADA : { ...ADA, id, first_name: `User${id}`, last_name: undefined, username: `user${id}` };
      if (state.chat.type === "private") state.chat = privateChat();
      return note(`you are now user ${id}`);
    }
    case "anon":
      state.anonymous = !state.anonymous;
      if (!state.anonymous) return note("you post as yourself again");
      return note(`you post as the anonymous admin of the group (from @GroupAnonymousBot, sender_chat = the group)${state.chat.type === "private" ? "; this takes effect in groups (:chat group)" : ""}`);
    case "press":
      return press(argument);
    case "reply":
      return replyTo(argument);
    case "noreply":
      if (world.pendingReply(state.chat.id) === undefined) return note("the bot is not waiting for a reply here");
      world.clearPendingReply(state.chat.id);
      return note("your next line is a plain message");
    case "edit":
      return editOwn(argument);
    case "history":
    case "log":
      return history(argument);
    case "left":
    case "join":
    case "block":
    case "unblock":
      return membership(command);
    case "privacy":
      if (argument !== "on" && argument !== "off") return complain(`usage: :privacy on|off (it is ${world.privacy ? "on" : "off"})`);
      world.privacy = argument === "on";
      return note(`group privacy mode ${argument}: ${world.privacy ? "the bot sees /commands and replies to its messages" : "the bot sees every group message"}`);
    case "say":
      if (!argument) return complain("usage: :say <text>");
      return sendText(argument);
    case "quit":
    case "q":
    case "exit":
      return rl.close();
    default:
      return complain(`unknown console command :${command}; try :help (to send it as a message: :say ${line})`);
  }
}

async function handleLine(raw) {
  const line = raw.trim();
  promptShown = false;
  if (line) {
    botCallsThisTurn = 0;
    shownThisTurn = 0;
    if (line.startsWith(":")) {
      if (!interactive) say(`${style.cyan("you ›")} ${line}`);
      await consoleCommand(line);
    } else {
      await sendText(line, { typed: true });
    }
  }
  showPrompt();
}

// --- main --------------------------------------------------------------------------

async function main() {
  if (!EXTERNAL && !(await isPortFree(PORT))) {
    throw new Error(`port ${PORT} on 127.0.0.1 is in use (another npm start or npm run dev?). Stop it, or set MITI_DEV_PORT.`);
  }
  const standIn = await startBotApiStandIn({
    token: TOKEN,
    port: API_PORT,
    answer: (call) => {
      botCallsThisTurn++;
      const { answer, event } = world.apply(call);
      showEvent(event, "Bot API");
      return answer;
    },
  });
  const wrangler = EXTERNAL ? null : startWrangler(standIn.url, (await isPortFree(9229)) ? 9229 : await freePort());

  let stopping = false;
  const stop = async (code) => {
    if (stopping) return;
    stopping = true;
    if (interactive && promptShown) process.stdout.write("\n"); // leave the prompt's line
    promptShown = false;
    rl?.close();
    if (wrangler && wrangler.child.exitCode === null && wrangler.child.signalCode === null) {
      wrangler.child.kill("SIGTERM");
      const timer = setTimeout(() => wrangler.child.kill("SIGKILL"), 10_000);
      await wrangler.exited;
      clearTimeout(timer);
    }
    await standIn.close();
    if (wrangler) say(style.dim(`(wrangler dev, pid ${wrangler.child.pid}, stopped)`));
    process.exit(code);
  };
  process.on("SIGINT", () => stop(130));
  process.on("SIGTERM", () => stop(143));
  if (wrangler) process.on("exit", () => wrangler.child.exitCode === null && wrangler.child.kill("SIGTERM"));

  if (wrangler) {
    try {
      await waitUntilServing(wrangler);
    } catch (error) {
      process.stderr.write(`${wrangler.early.join("\n")}\n`);
      say(style.red(`chat console: ${error.message}`));
      await stop(1);
    }
    wrangler.markReady();
    wrangler.exited.then(({ code, signal }) => {
      if (stopping) return;
      say(style.red(`chat console: wrangler dev stopped unexpectedly (${signal ?? `exit ${code}`})`));
      stop(1);
    });
  }

  const lines = [style.bold("miti chat console")];
  if (wrangler) {
    const stateDir = options["persist-to"] ?? ".wrangler/state";
    const { crons } = await declaredCrons();
    lines.push(
      `  Worker    ${WORKER}  (wrangler dev pid ${wrangler.child.pid}; local D1 and KV in ${stateDir})`,
      `  Bot API   ${standIn.url}  (local stand-in: nothing leaves this machine)`,
      `  MODULES   ${MODULES}${process.env.MODULES ? "  (from the MODULES environment variable)" : ""}`,
      ...(crons.length ? [`  Crons     ${crons.map((c) => `${c.name} "${c.schedule}"`).join(", ")}  → :cron <name>`] : []),
    );
  } else {
    lines.push(
      `  Webhook   ${WEBHOOK_URL.href}  (a bot already running: no wrangler started${SECRET ? "" : "; no secret header sent"})`,
      `  Bot API   ${standIn.url}  (local stand-in: point the bot's Bot API base here${TOKEN ? "" : "; any token is accepted"})`,
    );
  }
  lines.push(
    `  You are ${state.user.first_name} (user ${state.user.id}) in a private chat with @${BOT.username}.`,
    "",
    ...HELP.map((l) => l.replace("BOT", BOT.username)),
    "",
  );
  lines.forEach((l) => say(l));

  rl = readline.createInterface({ input: process.stdin, output: interactive ? process.stdout : undefined, terminal: interactive, prompt: style.cyan("you › ") });
  // Lines are handled one at a time, in order, even when pasted or piped.
  let queue = Promise.resolve();
  rl.on("line", (line) => {
    queue = queue.then(() => handleLine(line)).catch((error) => complain(`console error: ${error.message}`));
  });
  rl.on("SIGINT", () => rl.close());
  rl.on("close", () => {
    closed = true;
    queue.then(() => stop(0));
  });
  showPrompt();
}

main().catch((error) => {
  console.error(`chat console: ${error.message}`);
  process.exit(1);
});

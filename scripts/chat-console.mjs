#!/usr/bin/env node
// The chat console behind `npm start`: serves the Worker with wrangler dev and
// lets you talk to the bot as a Telegram user would.
//
//   node scripts/chat-console.mjs [--port 8787] [--persist-to DIR] [--verbose]
//
// Each typed line becomes a Telegram update POSTed to /webhook with the right
// secret. The bot's replies are printed whichever way they travel: in the
// webhook response body, or as Bot API calls, which reach a local stand-in
// (TELEGRAM_API_BASE points at it) so nothing leaves the machine. Works with
// piped stdin too; end of input stops wrangler.
//
// Environment: MITI_DEV_PORT, MITI_PERSIST_TO (same as the flags) and MODULES
// (overrides the Worker's MODULES for this run).
import { spawn } from "node:child_process";
import { randomBytes, randomInt } from "node:crypto";
import { existsSync } from "node:fs";
import path from "node:path";
import readline from "node:readline";
import { parseArgs } from "node:util";
import { createAnswerer, startBotApiStandIn, STANDIN_BOT } from "./lib/bot-api-standin.mjs";
import { formatBotCall, makeStyle } from "./lib/console-format.mjs";
import { ROOT, WRANGLER_TELEMETRY_OFF, freePort, isPortFree, readDotEnv, readManifest, readTomlVars } from "./lib/project.mjs";

const USAGE = "usage: node scripts/chat-console.mjs [--port 8787] [--persist-to DIR] [--verbose]";
let options;
try {
  ({ values: options } = parseArgs({
    options: {
      port: { type: "string", default: process.env.MITI_DEV_PORT || "8787" },
      "persist-to": { type: "string", default: process.env.MITI_PERSIST_TO || undefined },
      verbose: { type: "boolean", short: "v", default: false },
    },
  }));
} catch (error) {
  console.error(`chat console: ${error.message}\n${USAGE}`);
  process.exit(2);
}
const PORT = Number(options.port);
if (!Number.isInteger(PORT) || PORT < 1 || PORT > 65535) {
  console.error(`chat console: not a port: ${options.port}\n${USAGE}`);
  process.exit(2);
}
const WORKER = `http://127.0.0.1:${PORT}`;
const style = makeStyle(process.stdout.isTTY && !process.env.NO_COLOR);
const interactive = Boolean(process.stdin.isTTY);

// Local-only credentials, fresh each run: they guard nothing real.
const SECRET = randomBytes(16).toString("hex");
const TOKEN = `${randomInt(100_000_000, 1_000_000_000)}:local-${randomBytes(12).toString("hex")}`;

// What the Worker will see, for the banner and the bot's username: the same
// precedence wrangler applies (our --var, then .dev.vars, then wrangler.toml).
const devVars = readDotEnv(path.join(ROOT, ".dev.vars")) ?? {};
const tomlVars = readTomlVars();
const MODULES = process.env.MODULES || devVars.MODULES || tomlVars.MODULES || "";
const BOT = { ...STANDIN_BOT, username: devVars.TELEGRAM_BOT_USERNAME || tomlVars.TELEGRAM_BOT_USERNAME || STANDIN_BOT.username };

// --- output -----------------------------------------------------------------

let rl = null;
let promptShown = false;
let botCallsThisTurn = 0; // Bot API calls since the current line was entered

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

function showPrompt() {
  if (!rl || !interactive) return;
  promptShown = true;
  rl.prompt();
}

// --- the chat the console plays ------------------------------------------------

const state = {
  // Start ids from the clock so they keep growing across runs (local KV and
  // D1 persist, and a module may remember ids it has seen).
  nextUpdateId: Math.floor(Date.now() / 1000),
  nextMessageId: Math.floor(Date.now() / 1000),
  user: { id: 1001, is_bot: false, first_name: "Ada", last_name: "Local", username: "ada_local", language_code: "en" },
  chat: null,
};
const GROUP_CHAT = { id: -1001000000001, type: "supergroup", title: "miti local group" };
const privateChat = () => ({ id: state.user.id, type: "private", first_name: state.user.first_name, username: state.user.username });
state.chat = privateChat();

// Telegram marks a leading /command (optionally @bot) with a bot_command
// entity; lengths count UTF-16 units, and a command is ASCII anyway.
function makeUpdate(text) {
  const command = text.match(/^\/[A-Za-z0-9_]+(?:@[A-Za-z0-9_]+)?(?=\s|$)/);
  const message = {
    message_id: state.nextMessageId++,
    from: state.user,
    chat: state.chat,
    date: Math.floor(Date.now() / 1000),
    text,
    ...(command ? { entities: [{ type: "bot_command", offset: 0, length: command[0].length }] } : {}),
  };
  return { update_id: state.nextUpdateId++, message };
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
const logWaiters = [];
function nextLog(predicate, timeoutMs = 1500) {
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

async function sendText(text) {
  const update = makeUpdate(text);
  const logged = nextLog((json) => json.path === "/webhook" && "status" in json);
  let response;
  try {
    response = await fetch(`${WORKER}/webhook`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": SECRET },
      body: JSON.stringify(update),
    });
  } catch (error) {
    say(style.red(`(could not reach the Worker: ${error.message})`));
    return;
  }
  const body = await response.text();
  await logged;
  if (response.status !== 200) {
    say(style.red(`(webhook answered HTTP ${response.status}${body ? `: ${body.trim()}` : ""})`));
    return;
  }
  if (!body) {
    if (botCallsThisTurn === 0) say(style.dim("(no reply)"));
    return;
  }
  try {
    const { method, ...params } = JSON.parse(body);
    say(formatBotCall({ method, params }, { consoleChatId: state.chat.id, style }));
  } catch {
    say(style.red(`(webhook answered with a body that is not JSON: ${body.slice(0, 200)})`));
  }
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
    say(style.red(`(could not reach the Worker: ${error.message})`));
  }
}

async function listCrons() {
  const { crons, error } = await declaredCrons();
  if (error) return say(style.red(`(cannot read the registry: ${error})`));
  if (crons.length === 0) return say(style.dim(`(no module in MODULES=${MODULES} declares a cron)`));
  for (const c of crons) say(`  ${c.module}/${c.name}  "${c.schedule}"   → :cron ${c.name}`);
}

const HELP = [
  "Type a message as a Telegram user: /help, /ping, any text. Console commands:",
  "  :cron <schedule|name> [+offset]  fire a cron trigger (e.g. :cron * * * * *, :cron deliver +2h)",
  "  :crons                            list the crons of the active modules",
  "  :group / :private                 talk in a group chat (try /cmd@BOT) or privately",
  "  :user <id>                        become another user (private chat id follows)",
  "  :quit                             stop (Ctrl-D or Ctrl-C work too)",
];

async function consoleCommand(line) {
  const [command, ...rest] = line.slice(1).split(/\s+/);
  const argument = rest.join(" ");
  switch (command) {
    case "help":
    case "h":
      return HELP.forEach((l) => say(l.replace("BOT", BOT.username)));
    case "cron":
      return fireCron(argument);
    case "crons":
      return listCrons();
    case "group":
      state.chat = GROUP_CHAT;
      return say(style.dim(`(now in "${GROUP_CHAT.title}", chat ${GROUP_CHAT.id}; /cmd and /cmd@${BOT.username} reach the bot)`));
    case "private":
      state.chat = privateChat();
      return say(style.dim(`(now in a private chat with @${BOT.username})`));
    case "user": {
      const id = Number(argument);
      if (!Number.isSafeInteger(id) || id <= 0) return say(style.red("(usage: :user <positive id>)"));
      state.user = { ...state.user, id, first_name: `User${id}`, last_name: undefined, username: `user${id}` };
      if (state.chat.type === "private") state.chat = privateChat();
      return say(style.dim(`(you are now user ${id})`));
    }
    case "quit":
    case "q":
    case "exit":
      return rl.close();
    default:
      return say(style.red(`(unknown console command :${command}; try :help)`));
  }
}

async function handleLine(raw) {
  const line = raw.trim();
  promptShown = false;
  if (line) {
    if (!interactive) say(`${style.cyan("you ›")} ${line}`);
    botCallsThisTurn = 0;
    if (line.startsWith(":")) await consoleCommand(line);
    else await sendText(line);
  }
  showPrompt();
}

// --- main --------------------------------------------------------------------------

async function main() {
  if (!(await isPortFree(PORT))) {
    throw new Error(`port ${PORT} on 127.0.0.1 is in use (another npm start or npm run dev?). Stop it, or set MITI_DEV_PORT.`);
  }
  const standIn = await startBotApiStandIn({
    token: TOKEN,
    answer: createAnswerer({ bot: BOT }),
    onCall: (call) => {
      botCallsThisTurn++;
      say(formatBotCall(call, { via: "Bot API", consoleChatId: state.chat.id, style }));
    },
  });
  const inspectorPort = (await isPortFree(9229)) ? 9229 : await freePort();
  const wrangler = startWrangler(standIn.url, inspectorPort);

  let stopping = false;
  const stop = async (code) => {
    if (stopping) return;
    stopping = true;
    if (interactive && promptShown) process.stdout.write("\n"); // leave the prompt's line
    promptShown = false;
    rl?.close();
    if (wrangler.child.exitCode === null && wrangler.child.signalCode === null) {
      wrangler.child.kill("SIGTERM");
      const timer = setTimeout(() => wrangler.child.kill("SIGKILL"), 10_000);
      await wrangler.exited;
      clearTimeout(timer);
    }
    await standIn.close();
    say(style.dim(`(wrangler dev, pid ${wrangler.child.pid}, stopped)`));
    process.exit(code);
  };
  process.on("SIGINT", () => stop(130));
  process.on("SIGTERM", () => stop(143));
  process.on("exit", () => wrangler.child.exitCode === null && wrangler.child.kill("SIGTERM"));

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

  const stateDir = options["persist-to"] ?? ".wrangler/state";
  const { crons } = await declaredCrons();
  const lines = [
    style.bold("miti chat console"),
    `  Worker    ${WORKER}  (wrangler dev pid ${wrangler.child.pid}; local D1 and KV in ${stateDir})`,
    `  Bot API   ${standIn.url}  (local stand-in: nothing leaves this machine)`,
    `  MODULES   ${MODULES}${process.env.MODULES ? "  (from the MODULES environment variable)" : ""}`,
    `  You are ${state.user.first_name} (user ${state.user.id}) in a private chat with @${BOT.username}.`,
    ...(crons.length ? [`  Crons     ${crons.map((c) => `${c.name} "${c.schedule}"`).join(", ")}  → :cron <name>`] : []),
    "",
    ...HELP.map((l) => l.replace("BOT", BOT.username)),
    "",
  ];
  lines.forEach((l) => say(l));

  rl = readline.createInterface({ input: process.stdin, output: interactive ? process.stdout : undefined, terminal: interactive, prompt: style.cyan("you › ") });
  // Lines are handled one at a time, in order, even when pasted or piped.
  let queue = Promise.resolve();
  rl.on("line", (line) => {
    queue = queue.then(() => handleLine(line)).catch((error) => say(style.red(`(console error: ${error.message})`)));
  });
  rl.on("SIGINT", () => rl.close());
  rl.on("close", () => queue.then(() => stop(0)));
  showPrompt();
}

main().catch((error) => {
  console.error(`chat console: ${error.message}`);
  process.exit(1);
});

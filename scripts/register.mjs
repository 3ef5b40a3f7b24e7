#!/usr/bin/env node
// npm run register: points Telegram at the deployed Worker and publishes the
// command menu.
//
//   node scripts/register.mjs [--dry-run [--allow-missing]] [--env-file PATH] [--modules LIST] [--drop-pending-updates]
//
// Settings come from .env.deploy (KEY=VALUE lines); environment variables of
// the same name win. TELEGRAM_BOT_TOKEN, TELEGRAM_WEBHOOK_SECRET and WORKER_URL
// are required; MODULES defaults to wrangler.toml's [vars] MODULES and
// TELEGRAM_API_BASE to https://api.telegram.org; --modules wins over both. The webhook secret must be
// what Telegram accepts (1-256 characters of A-Z a-z 0-9 _ -) and at least 16
// characters long; anything else is refused before any call.
//
// --allow-missing (dry run only; `npm run deploy -- --dry-run` uses it): a
// missing setting is a warning, and the payloads show a placeholder such as
// <WORKER_URL> in its place. Settings that are present are still checked.
//
// The command menu and setWebhook's allowed_updates come from miti-manifest,
// i.e. from the same C++ module definitions the Worker runs: there is no
// second list to keep in step. Asking Telegram for fewer update kinds than the
// modules handle would silently drop them (button presses, membership
// changes); asking for more would deliver updates the Worker ignores.
import path from "node:path";
import { parseArgs } from "node:util";
import { ROOT, publicCommands, readDotEnv, readManifest, readTomlVars } from "./lib/project.mjs";

const DEFAULT_API_BASE = "https://api.telegram.org";
const REQUIRED = ["TELEGRAM_BOT_TOKEN", "TELEGRAM_WEBHOOK_SECRET", "WORKER_URL"];
const SETTINGS = [...REQUIRED, "MODULES", "TELEGRAM_API_BASE"];
const REDACTED = "<redacted>";
// Telegram's rule for setWebhook's secret_token, and our own floor on top.
const SECRET_PATTERN = /^[A-Za-z0-9_-]{1,256}$/;
const MIN_SECRET_LENGTH = 16;
const placeholder = (name) => `<${name}>`;

class ConfigError extends Error {}

// Every secret read so far: no message this script prints may contain one.
// Payloads are redacted field by field; this catches the rest (error texts).
// Very short values are skipped: searching for them would mangle every line.
const secrets = new Set();
const MIN_SEARCHED_SECRET = 6;

function usage() {
  return "usage: node scripts/register.mjs [--dry-run [--allow-missing]] [--env-file PATH] [--modules LIST] [--drop-pending-updates]";
}

// Returns the settings; with `allowMissing`, a missing required setting gets a
// placeholder and is listed in `settings.missing` instead of stopping here.
function loadSettings(envFile, explicitFile, { allowMissing = false, modules } = {}) {
  const fromFile = readDotEnv(envFile);
  if (fromFile === null && explicitFile) throw new ConfigError(`cannot read ${envFile}`);
  const settings = {};
  for (const name of SETTINGS) {
    const value = process.env[name] ?? fromFile?.[name];
    if (value !== undefined && value.trim() !== "") settings[name] = value.trim();
  }
  for (const name of ["TELEGRAM_BOT_TOKEN", "TELEGRAM_WEBHOOK_SECRET"]) {
    if (settings[name]?.length >= MIN_SEARCHED_SECRET) secrets.add(settings[name]);
  }
  const missing = REQUIRED.filter((name) => !settings[name]);
  if (missing.length > 0) {
    const relative = path.relative(process.cwd(), envFile);
    const where = relative && !relative.startsWith("..") ? relative : envFile;
    const example = explicitFile ? "" : " (copy .env.deploy.example)";
    const absent = fromFile === null ? ` (${where} does not exist)` : "";
    if (!allowMissing) {
      throw new ConfigError(
        `missing settings: ${missing.join(", ")}${absent}\n` +
          `Set them in ${where}${example} or as environment variables.`,
      );
    }
    for (const name of missing) {
      console.error(`register: warning: ${name} is not set${absent}; the payloads show ${placeholder(name)}`);
      settings[name] = placeholder(name);
    }
    console.error(`register: warning: set ${missing.join(", ")} in ${where}${example} or as environment variables before a real run`);
  }
  settings.missing = missing;
  if (modules !== undefined) {
    if (modules.trim() === "") throw new ConfigError("--modules is empty");
    settings.MODULES = modules.trim();
  }
  if (!settings.MODULES) {
    settings.MODULES = readTomlVars().MODULES;
    if (!settings.MODULES) throw new ConfigError("MODULES is set neither in the settings nor in wrangler.toml [vars]");
  }
  settings.TELEGRAM_API_BASE = (settings.TELEGRAM_API_BASE ?? DEFAULT_API_BASE).replace(/\/+$/, "");
  return settings;
}

// Catch what Telegram would reject with a vaguer message, before calling it.
// A placeholder (--allow-missing) stands for a value not known yet: not checked.
function validate(settings) {
  const known = (name) => !settings.missing.includes(name);
  if (known("TELEGRAM_BOT_TOKEN") && !/^\d+:[A-Za-z0-9_-]+$/.test(settings.TELEGRAM_BOT_TOKEN)) {
    throw new ConfigError("TELEGRAM_BOT_TOKEN does not look like a bot token (<digits>:<letters>, as @BotFather gives it)");
  }
  if (known("TELEGRAM_WEBHOOK_SECRET")) {
    const secret = settings.TELEGRAM_WEBHOOK_SECRET;
    if (!SECRET_PATTERN.test(secret)) {
      throw new ConfigError(
        `TELEGRAM_WEBHOOK_SECRET must be 1-256 characters of A-Z, a-z, 0-9, _ and - (Telegram's rule for secret_token; ` +
          `this one has ${secret.length} characters). \`openssl rand -hex 32\` makes a good one`,
      );
    }
    if (secret.length < MIN_SECRET_LENGTH) {
      throw new ConfigError(
        `TELEGRAM_WEBHOOK_SECRET is ${secret.length} characters long; use at least ${MIN_SECRET_LENGTH} ` +
          "(anyone who guesses it can send the bot forged updates). `openssl rand -hex 32` makes a good one",
      );
    }
  }
  if (!known("WORKER_URL")) return `${settings.WORKER_URL}/webhook`;
  let url;
  try {
    url = new URL(settings.WORKER_URL);
  } catch {
    throw new ConfigError(`WORKER_URL is not a valid URL: ${settings.WORKER_URL}`);
  }
  if (url.protocol !== "https:") throw new ConfigError("WORKER_URL must start with https:// (Telegram only calls HTTPS webhooks)");
  // Accept the base URL with or without a trailing /webhook.
  const base = url.href.replace(/\/+$/, "").replace(/\/webhook$/, "");
  return `${base}/webhook`;
}

// setWebhook's allowed_updates as the manifest computes it from MODULES.
function allowedUpdates(manifest) {
  const kinds = manifest.allowed_updates;
  if (!Array.isArray(kinds) || kinds.some((k) => typeof k !== "string")) {
    throw new ConfigError("miti-manifest printed no allowed_updates list (rebuild the tools: bash scripts/build.sh tools)");
  }
  if (kinds.length === 0) {
    // Telegram reads an empty list as "the default kinds", not "none"; the
    // smallest subscription it accepts is one kind.
    console.error("register: warning: no module in MODULES handles updates; subscribing to message only");
    return ["message"];
  }
  return kinds;
}

function plan(settings, webhookUrl, commands, allowed, { dropPending }) {
  const calls = [
    { method: "getMe", params: {} },
    {
      method: "setWebhook",
      params: {
        url: webhookUrl,
        secret_token: settings.TELEGRAM_WEBHOOK_SECRET,
        allowed_updates: allowed,
        ...(dropPending ? { drop_pending_updates: true } : {}),
      },
    },
  ];
  // setMyCommands with an empty list is refused; deleting is how Telegram
  // clears the menu.
  calls.push(commands.length > 0 ? { method: "setMyCommands", params: { commands } } : { method: "deleteMyCommands", params: {} });
  return calls;
}

function redact(text) {
  let out = String(text);
  for (const secret of secrets) out = out.split(secret).join(REDACTED);
  return out;
}

async function callBotApi(settings, { method, params }) {
  const url = `${settings.TELEGRAM_API_BASE}/bot${settings.TELEGRAM_BOT_TOKEN}/${method}`;
  let response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(params),
      signal: AbortSignal.timeout(20_000),
    });
  } catch (error) {
    const cause = error.cause?.message ?? error.cause?.code;
    throw new Error(`${method}: could not reach ${settings.TELEGRAM_API_BASE}: ${error.message}${cause ? ` (${cause})` : ""}`);
  }
  const text = await response.text();
  let answer;
  try {
    answer = JSON.parse(text);
  } catch {
    throw new Error(`${method}: the Bot API answered HTTP ${response.status} with a body that is not JSON`);
  }
  if (!answer.ok) {
    const hint = answer.error_code === 401 || answer.error_code === 404 ? " (is TELEGRAM_BOT_TOKEN right?)" : "";
    throw new Error(`${method} failed: ${answer.error_code ?? response.status} ${answer.description ?? "no description"}${hint}`);
  }
  return answer.result;
}

async function main() {
  let options;
  try {
    ({ values: options } = parseArgs({
      options: {
        "dry-run": { type: "boolean", default: false },
        "env-file": { type: "string" },
        "drop-pending-updates": { type: "boolean", default: false },
        "allow-missing": { type: "boolean", default: false },
        modules: { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
    }));
  } catch (error) {
    throw new ConfigError(`${error.message}\n${usage()}`);
  }
  if (options.help) {
    console.log(usage());
    return;
  }
  if (options["allow-missing"] && !options["dry-run"]) {
    throw new ConfigError(`--allow-missing only goes with --dry-run: a real run needs every setting\n${usage()}`);
  }
  const envFile = path.resolve(options["env-file"] ?? path.join(ROOT, ".env.deploy"));
  const settings = loadSettings(envFile, options["env-file"] !== undefined, {
    allowMissing: options["allow-missing"],
    modules: options.modules,
  });
  const webhookUrl = validate(settings);

  let manifest;
  try {
    manifest = await readManifest(settings.MODULES);
  } catch (error) {
    throw new ConfigError(`cannot read the module registry for MODULES="${settings.MODULES}": ${error.message}`);
  }
  const commands = publicCommands(manifest);
  const allowed = allowedUpdates(manifest);
  const calls = plan(settings, webhookUrl, commands, allowed, { dropPending: options["drop-pending-updates"] });

  if (options["dry-run"]) {
    console.log(`register (dry run): MODULES=${settings.MODULES}, ${commands.length} public command(s)`);
    console.log(`allowed_updates: ${allowed.join(", ") || "(none)"}`);
    // A placeholder is shown as such; a real token or secret never is.
    const shownToken = settings.missing.includes("TELEGRAM_BOT_TOKEN") ? settings.TELEGRAM_BOT_TOKEN : REDACTED;
    const shownSecret = settings.missing.includes("TELEGRAM_WEBHOOK_SECRET") ? settings.TELEGRAM_WEBHOOK_SECRET : REDACTED;
    for (const call of calls) {
      console.log(`\nPOST ${settings.TELEGRAM_API_BASE}/bot${shownToken}/${call.method}`);
      const shown = call.params.secret_token ? { ...call.params, secret_token: shownSecret } : call.params;
      console.log(redact(JSON.stringify(shown, null, 2)));
    }
    if (settings.missing.length > 0) console.log(`\n(placeholders for settings not set: ${settings.missing.join(", ")})`);
    console.log("\ndry run: nothing was sent.");
    return;
  }

  const me = await callBotApi(settings, calls[0]);
  console.log(`bot: @${me.username} (id ${me.id})`);
  for (const call of calls.slice(1)) {
    await callBotApi(settings, call);
    if (call.method === "setWebhook") console.log(`setWebhook: ${webhookUrl} (updates: ${allowed.join(", ")})`);
    else if (call.method === "setMyCommands") console.log(`setMyCommands: ${commands.map((c) => `/${c.command}`).join(" ")}`);
    else console.log("deleteMyCommands: no public commands, menu cleared");
  }

  const configured = readTomlVars().TELEGRAM_BOT_USERNAME;
  if (configured?.toLowerCase() === me.username?.toLowerCase()) {
    console.log(`TELEGRAM_BOT_USERNAME is already "${configured}" in wrangler.toml.`);
  } else {
    // The dispatcher needs it to accept /cmd@<bot> in groups.
    console.log(`\nPut this in wrangler.toml [vars], then deploy again:\n  TELEGRAM_BOT_USERNAME = "${me.username}"`);
  }
}

main().catch((error) => {
  console.error(`register: ${redact(error.message)}`);
  process.exit(1);
});

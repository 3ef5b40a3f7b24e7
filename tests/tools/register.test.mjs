// scripts/register.mjs: the command menu comes from the registry (via
// miti-manifest), secrets never reach the output, missing settings are named,
// and a real run makes the right Bot API calls (against a local stand-in).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { startBotApiStandIn } from "../../scripts/lib/bot-api-standin.mjs";
import { ROOT, publicCommands, readManifest, readTomlVars } from "../../scripts/lib/project.mjs";

const TOKEN = "123456789:AAtest-token_never-printed";
const SECRET = "webhook-secret_never-printed";
const WORKER_URL = "https://miti-bot.example.workers.dev";
const SETTINGS = ["TELEGRAM_BOT_TOKEN", "TELEGRAM_WEBHOOK_SECRET", "WORKER_URL", "MODULES", "TELEGRAM_API_BASE"];

let dir;
before(() => {
  dir = mkdtempSync(path.join(tmpdir(), "miti-register-"));
});
after(() => rmSync(dir, { recursive: true, force: true }));

// Runs register with exactly `settings` (in an env file of its own, so the
// developer's .env.deploy and environment never leak in).
function register(args, settings = {}, { viaEnv = false } = {}) {
  const envFile = path.join(dir, `env-${Math.random().toString(36).slice(2)}`);
  writeFileSync(envFile, viaEnv ? "" : Object.entries(settings).map(([k, v]) => `${k}=${v}`).join("\n"));
  const env = { ...process.env };
  for (const name of SETTINGS) delete env[name];
  if (viaEnv) Object.assign(env, settings);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(ROOT, "scripts/register.mjs"), "--env-file", envFile, ...args], { env });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (code) => resolve({ code, stdout, stderr, output: stdout + stderr }));
  });
}

// The JSON printed under "POST .../<method>" in a dry run.
function dryRunPayload(stdout, method) {
  const start = stdout.indexOf(`/${method}\n`);
  assert.ok(start >= 0, `dry run shows ${method}:\n${stdout}`);
  const rest = stdout.slice(start + method.length + 2);
  return JSON.parse(rest.slice(0, rest.indexOf("\n\n")));
}

const complete = { TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_WEBHOOK_SECRET: SECRET, WORKER_URL };

describe("register --dry-run", () => {
  test("lists exactly the public commands of MODULES, in order", async () => {
    const manifest = await readManifest("util,misc");
    const expected = publicCommands(manifest);
    // The known built-ins, so a manifest bug cannot hide a register bug.
    assert.deepEqual(expected.map((c) => c.command), ["help", "info", "ping"]);

    const { code, stdout, stderr } = await register(["--dry-run"], { ...complete, MODULES: "util,misc" });
    assert.equal(code, 0, stderr);
    const { commands } = dryRunPayload(stdout, "setMyCommands");
    assert.deepEqual(commands, expected);
    const names = commands.map((c) => c.command);
    assert.ok(!names.includes("mstats"), "protected commands stay out of the menu");
    assert.ok(!names.includes("fortytwo"), "private commands stay out of the menu");
  });

  test("follows MODULES: only misc gives only /ping", async () => {
    const { code, stdout } = await register(["--dry-run"], { ...complete, MODULES: "misc" });
    assert.equal(code, 0);
    assert.deepEqual(dryRunPayload(stdout, "setMyCommands").commands.map((c) => c.command), ["ping"]);
  });

  test("defaults MODULES to wrangler.toml [vars]", async () => {
    const modules = readTomlVars().MODULES;
    const expected = publicCommands(await readManifest(modules));
    const { code, stdout } = await register(["--dry-run"], complete);
    assert.equal(code, 0);
    assert.match(stdout, new RegExp(`MODULES=${modules}`));
    assert.deepEqual(dryRunPayload(stdout, "setMyCommands").commands, expected);
  });

  test("shows setWebhook with the webhook URL and redacts the token and the secret", async () => {
    const { code, stdout, output } = await register(["--dry-run"], { ...complete, WORKER_URL: `${WORKER_URL}/` });
    assert.equal(code, 0);
    const webhook = dryRunPayload(stdout, "setWebhook");
    assert.equal(webhook.url, `${WORKER_URL}/webhook`);
    assert.equal(webhook.secret_token, "<redacted>");
    assert.deepEqual(webhook.allowed_updates, (await readManifest(readTomlVars().MODULES)).allowed_updates);
    assert.ok(!output.includes(TOKEN), "token printed");
    assert.ok(!output.includes(SECRET), "secret printed");
    assert.ok(!output.includes(TOKEN.split(":")[1]), "token tail printed");
    assert.match(stdout, /bot<redacted>\/setWebhook/);
  });

  test("allowed_updates follows MODULES: the manifest's list, printed and sent as is", async () => {
    // util and misc declare no callbacks: no callback_query; notes has 🗑 buttons.
    for (const [modules, expected] of [
      ["util,misc", ["message", "channel_post"]],
      ["notes", ["message", "channel_post", "callback_query"]],
      ["util,misc,notes,remind", ["message", "channel_post", "callback_query"]],
    ]) {
      assert.deepEqual((await readManifest(modules)).allowed_updates, expected, `the manifest for ${modules}`);
      const { code, stdout, stderr } = await register(["--dry-run"], { ...complete, MODULES: modules });
      assert.equal(code, 0, stderr);
      assert.deepEqual(dryRunPayload(stdout, "setWebhook").allowed_updates, expected, modules);
      assert.match(stdout, new RegExp(`^allowed_updates: ${expected.join(", ")}$`, "m"));
    }
  });

  test("--modules wins over the settings and wrangler.toml", async () => {
    const { code, stdout, stderr } = await register(["--dry-run", "--modules", "notes"], { ...complete, MODULES: "util,misc" });
    assert.equal(code, 0, stderr);
    assert.match(stdout, /MODULES=notes,/);
    assert.deepEqual(dryRunPayload(stdout, "setWebhook").allowed_updates, ["message", "channel_post", "callback_query"]);
    assert.deepEqual(dryRunPayload(stdout, "setMyCommands").commands, publicCommands(await readManifest("notes")));
  });

  test("calls nothing", async () => {
    const standIn = await startBotApiStandIn();
    try {
      const { code } = await register(["--dry-run"], { ...complete, TELEGRAM_API_BASE: standIn.url });
      assert.equal(code, 0);
      assert.equal(standIn.calls.length, 0);
    } finally {
      await standIn.close();
    }
  });

  test("reads settings from the environment too", async () => {
    const { code, stdout } = await register(["--dry-run"], { ...complete, MODULES: "util" }, { viaEnv: true });
    assert.equal(code, 0);
    assert.deepEqual(dryRunPayload(stdout, "setMyCommands").commands.map((c) => c.command), ["help", "info"]);
  });
});

describe("register: bad settings exit 1 with a clear message", () => {
  test("names every missing setting", async () => {
    const { code, stderr, stdout } = await register(["--dry-run"], {});
    assert.equal(code, 1);
    assert.equal(stdout, "");
    for (const name of ["TELEGRAM_BOT_TOKEN", "TELEGRAM_WEBHOOK_SECRET", "WORKER_URL"]) assert.match(stderr, new RegExp(name));
  });

  test("names only what is missing", async () => {
    const { code, stderr } = await register([], { TELEGRAM_BOT_TOKEN: TOKEN, WORKER_URL });
    assert.equal(code, 1);
    assert.match(stderr, /missing settings: TELEGRAM_WEBHOOK_SECRET\n/);
    assert.ok(!stderr.includes(TOKEN));
  });

  test("an unknown module is refused with the registry's message", async () => {
    const { code, stderr } = await register(["--dry-run"], { ...complete, MODULES: "util,nosuchmodule" });
    assert.equal(code, 1);
    assert.match(stderr, /nosuchmodule/);
  });

  test("a webhook secret Telegram would refuse", async () => {
    const { code, stderr } = await register(["--dry-run"], { ...complete, TELEGRAM_WEBHOOK_SECRET: "has spaces!" });
    assert.equal(code, 1);
    assert.match(stderr, /TELEGRAM_WEBHOOK_SECRET/);
    assert.ok(!stderr.includes("has spaces!"));
  });

  test("a plain-http WORKER_URL", async () => {
    const { code, stderr } = await register(["--dry-run"], { ...complete, WORKER_URL: "http://miti.example" });
    assert.equal(code, 1);
    assert.match(stderr, /WORKER_URL must start with https:\/\//);
  });
});

describe("register against a stand-in Bot API", () => {
  test("getMe, setWebhook with url and secret_token, setMyCommands with the public commands", async () => {
    const standIn = await startBotApiStandIn({ token: TOKEN });
    try {
      const { code, stdout, stderr, output } = await register([], { ...complete, MODULES: "util,misc", TELEGRAM_API_BASE: standIn.url });
      assert.equal(code, 0, stderr);
      const byMethod = Object.fromEntries(standIn.calls.map((c) => [c.method, c.params]));
      assert.deepEqual(standIn.calls.map((c) => c.method).sort(), ["getMe", "setMyCommands", "setWebhook"]);
      assert.deepEqual(byMethod.setWebhook, {
        url: `${WORKER_URL}/webhook`,
        secret_token: SECRET,
        allowed_updates: ["message", "channel_post"],
      });
      assert.deepEqual(byMethod.setMyCommands.commands, publicCommands(await readManifest("util,misc")));
      assert.match(stdout, /setWebhook: .* \(updates: message, channel_post\)/);
      assert.match(stdout, /TELEGRAM_BOT_USERNAME = "miti_local_bot"/);
      assert.ok(!output.includes(TOKEN) && !output.includes(SECRET));
    } finally {
      await standIn.close();
    }
  });

  test("with notes, setWebhook asks for callback_query too", async () => {
    const standIn = await startBotApiStandIn({ token: TOKEN });
    try {
      const { code, stderr } = await register([], { ...complete, MODULES: "util,notes", TELEGRAM_API_BASE: standIn.url });
      assert.equal(code, 0, stderr);
      const webhook = standIn.calls.find((c) => c.method === "setWebhook");
      assert.deepEqual(webhook.params.allowed_updates, ["message", "channel_post", "callback_query"]);
    } finally {
      await standIn.close();
    }
  });

  test("a Bot API error exits 1 naming the method, with the token redacted", async () => {
    // The stand-in expects another token, so it answers 401 Unauthorized.
    const standIn = await startBotApiStandIn({ token: "1:other" });
    try {
      const { code, stderr, output } = await register([], { ...complete, TELEGRAM_API_BASE: standIn.url });
      assert.equal(code, 1);
      assert.match(stderr, /getMe failed: 401 Unauthorized/);
      assert.ok(!output.includes(TOKEN));
      // getMe goes first, so a wrong token changes nothing at Telegram.
      assert.deepEqual(standIn.calls.map((c) => c.method), ["getMe"]);
    } finally {
      await standIn.close();
    }
  });

  test("an unreachable Bot API exits 1 without the token", async () => {
    const standIn = await startBotApiStandIn();
    const url = standIn.url;
    await standIn.close(); // nothing listens there any more
    const { code, stderr } = await register([], { ...complete, TELEGRAM_API_BASE: url });
    assert.equal(code, 1);
    assert.match(stderr, /could not reach/);
    assert.ok(!stderr.includes(TOKEN));
  });
});

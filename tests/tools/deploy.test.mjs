// scripts/deploy.sh and the secret rules of scripts/register.mjs, offline:
//  - `deploy --dry-run` works without any settings: missing settings and
//    placeholder ids are warnings, the cron triggers and the register payloads
//    (with placeholders) are shown, and it exits 0;
//  - a real deploy stops before migrating, deploying or registering when the
//    Worker lacks a secret (`wrangler secret list`), when the webhook secret
//    is one Telegram would refuse or too short, or when wrangler cannot list
//    the secrets;
//  - register refuses a weak or invalid webhook secret before any Bot API call.
// wrangler is replaced by a stand-in script (MITI_WRANGLER) that records its
// arguments; the Bot API by the local stand-in. Each test has its own files.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, test } from "node:test";
import { startBotApiStandIn } from "../../scripts/lib/bot-api-standin.mjs";
import { ROOT } from "../../scripts/lib/project.mjs";

const TOKEN = "123456789:AAtest-token_never-printed";
const SECRET = "a-good-webhook-secret_0123456789";
const WORKER_URL = "https://miti-bot.example.workers.dev";
const SETTINGS = ["TELEGRAM_BOT_TOKEN", "TELEGRAM_WEBHOOK_SECRET", "WORKER_URL", "MODULES", "TELEGRAM_API_BASE"];
const BOTH_SECRETS = [
  { name: "TELEGRAM_BOT_TOKEN", type: "secret_text" },
  { name: "TELEGRAM_WEBHOOK_SECRET", type: "secret_text" },
];

// wrangler.toml as the test finds it: whether its ids are still the
// template's placeholders, and its [triggers] crons.
const TOML = readFileSync(path.join(ROOT, "wrangler.toml"), "utf8");
const PLACEHOLDER_IDS = /^\s*(id|database_id)\s*=\s*"[0-]+"/m.test(TOML);
const CRONS = (() => {
  const triggers = TOML.split(/^\s*\[\s*triggers\s*\]/m)[1]?.split(/^\s*\[/m)[0] ?? "";
  const list = triggers.match(/crons\s*=\s*\[([^\]]*)\]/)?.[1] ?? "";
  return list.split("\n").map((line) => line.replace(/#.*$/, "")).join("\n").match(/"[^"]*"/g)?.map((s) => s.slice(1, -1)) ?? [];
})();

function scratch(t) {
  const dir = mkdtempSync(path.join(tmpdir(), "miti-deploy-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function writeEnvFile(dir, settings) {
  const file = path.join(dir, "env.deploy");
  writeFileSync(file, Object.entries(settings).map(([k, v]) => `${k}=${v}`).join("\n"));
  return file;
}

// A wrangler that records each call (one line of arguments) and answers
// `secret list` with `secrets` (or fails when `secrets` is null).
function fakeWrangler(dir, secrets) {
  const bin = path.join(dir, "wrangler");
  const log = path.join(dir, "wrangler.log");
  writeFileSync(path.join(dir, "secrets.json"), JSON.stringify(secrets ?? [], null, "  "));
  writeFileSync(
    bin,
    `#!/usr/bin/env bash
echo "$*" >> ${JSON.stringify(log)}
case "$1 $2" in
  "secret list")
    ${secrets === null ? 'echo "✘ [ERROR] You are not authenticated. Please run \\`wrangler login\\`." >&2; exit 1' : `cat ${JSON.stringify(path.join(dir, "secrets.json"))}`} ;;
  "deploy --dry-run") echo "--dry-run: exiting now." ;;
  *) echo "fake wrangler: unexpected call: $*" >&2; exit 3 ;;
esac
`,
  );
  chmodSync(bin, 0o755);
  return { bin, calls: () => (existsSync(log) ? readFileSync(log, "utf8").trim().split("\n").filter(Boolean) : []) };
}

function run(command, args, { wrangler, env: extra = {} } = {}) {
  const env = { ...process.env, NO_COLOR: "1", ...extra };
  for (const name of SETTINGS) delete env[name];
  delete env.MITI_WRANGLER;
  if (wrangler) env.MITI_WRANGLER = wrangler.bin;
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (code) => resolve({ code, stdout, stderr, output: stdout + stderr }));
  });
}

const deploy = (args, options) => run("bash", ["scripts/deploy.sh", ...args], options);
const register = (args) => run(process.execPath, [path.join(ROOT, "scripts/register.mjs"), ...args]);

describe("deploy --dry-run", () => {
  test("without settings: warns, lists crons and placeholders, bundles, exits 0", { timeout: 300_000 }, async (t) => {
    const dir = scratch(t);
    const wrangler = fakeWrangler(dir, BOTH_SECRETS);
    const { code, stdout, stderr } = await deploy(["--dry-run", "--env-file", writeEnvFile(dir, {})], { wrangler });
    assert.equal(code, 0, stderr);
    for (const name of ["TELEGRAM_BOT_TOKEN", "TELEGRAM_WEBHOOK_SECRET", "WORKER_URL"]) {
      assert.match(stderr, new RegExp(`warning: ${name} is not set`), stderr);
    }
    if (PLACEHOLDER_IDS) {
      assert.match(stderr, /warning: wrangler\.toml \[\[kv_namespaces\]\] KV: id is still the placeholder/);
      assert.match(stderr, /warning: wrangler\.toml \[\[d1_databases\]\] DB: database_id is still the placeholder/);
    }
    assert.match(stderr, /not checked in a dry run: the Worker's secrets/);
    assert.ok(CRONS.length > 0, "wrangler.toml declares crons");
    for (const cron of CRONS) assert.ok(stderr.includes(`    ${cron}`), `cron "${cron}" listed:\n${stderr}`);
    // The register payloads, with placeholders for what is missing.
    assert.match(stdout, /"url": "<WORKER_URL>\/webhook"/);
    assert.match(stdout, /"secret_token": "<TELEGRAM_WEBHOOK_SECRET>"/);
    assert.match(stdout, /\/bot<TELEGRAM_BOT_TOKEN>\/setMyCommands/);
    assert.match(stderr, /dry run complete with \d+ warning\(s\)/);
    // wrangler only bundled; nothing asked Cloudflare anything.
    assert.deepEqual(wrangler.calls(), ["deploy --dry-run --outdir dist"]);
  });

  test("a webhook secret that is too short fails the dry run, after showing the rest", { timeout: 300_000 }, async (t) => {
    const dir = scratch(t);
    const wrangler = fakeWrangler(dir, BOTH_SECRETS);
    const envFile = writeEnvFile(dir, { TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_WEBHOOK_SECRET: "short_secret", WORKER_URL });
    const { code, output } = await deploy(["--dry-run", "--env-file", envFile], { wrangler });
    assert.equal(code, 1, output);
    assert.match(output, /TELEGRAM_WEBHOOK_SECRET is 12 characters long; use at least 16/);
    assert.match(output, /dry run FAILED/);
    assert.deepEqual(wrangler.calls(), ["deploy --dry-run --outdir dist"]);
    assert.ok(!output.includes(TOKEN) && !output.includes("short_secret"), "no secret printed");
  });
});

describe("deploy: the preflight stops a real deploy before anything changes", () => {
  async function realDeploy(t, { secrets, settings = {} }) {
    const dir = scratch(t);
    const standIn = await startBotApiStandIn({ token: TOKEN });
    t.after(() => standIn.close());
    const wrangler = fakeWrangler(dir, secrets);
    const envFile = writeEnvFile(dir, {
      TELEGRAM_BOT_TOKEN: TOKEN,
      TELEGRAM_WEBHOOK_SECRET: SECRET,
      WORKER_URL,
      TELEGRAM_API_BASE: standIn.url,
      ...settings,
    });
    const result = await deploy(["--env-file", envFile], { wrangler });
    // Never past the preflight: no migrations, no `wrangler deploy`, no register.
    assert.equal(result.code, 1, result.output);
    assert.match(result.stderr, /stopped before changing anything/);
    assert.ok(!wrangler.calls().some((call) => call.startsWith("deploy") || call.startsWith("d1")), wrangler.calls().join("\n"));
    assert.doesNotMatch(result.stderr, /applying pending D1 migrations|deploying the Worker|registering the webhook/);
    assert.equal(standIn.calls.length, 0, "no Bot API call");
    assert.ok(!result.output.includes(TOKEN) && !result.output.includes(SECRET), "no secret printed");
    return { ...result, calls: wrangler.calls() };
  }

  test("the Worker has no TELEGRAM_WEBHOOK_SECRET", { timeout: 300_000 }, async (t) => {
    const { stderr, calls } = await realDeploy(t, { secrets: [BOTH_SECRETS[0]] });
    assert.deepEqual(calls, ["secret list --format json"]);
    assert.match(stderr, /the Worker has no secret TELEGRAM_WEBHOOK_SECRET: set it with `npx wrangler secret put TELEGRAM_WEBHOOK_SECRET`/);
    assert.doesNotMatch(stderr, /has no secret TELEGRAM_BOT_TOKEN/);
  });

  test("the Worker has neither secret", { timeout: 300_000 }, async (t) => {
    const { stderr } = await realDeploy(t, { secrets: [] });
    assert.match(stderr, /wrangler secret put TELEGRAM_BOT_TOKEN/);
    assert.match(stderr, /wrangler secret put TELEGRAM_WEBHOOK_SECRET/);
  });

  test("wrangler cannot list the secrets (not logged in)", { timeout: 300_000 }, async (t) => {
    const { stderr } = await realDeploy(t, { secrets: null });
    assert.match(stderr, /wrangler secret list` failed/);
    assert.match(stderr, /wrangler login/);
  });

  test("a webhook secret Telegram would refuse", { timeout: 300_000 }, async (t) => {
    const { stderr } = await realDeploy(t, { secrets: BOTH_SECRETS, settings: { TELEGRAM_WEBHOOK_SECRET: "has spaces and punctuation!" } });
    assert.match(stderr, /TELEGRAM_WEBHOOK_SECRET must be 1-256 characters of A-Z, a-z, 0-9, _ and -/);
    assert.doesNotMatch(stderr, /has no secret/);
  });

  test("a webhook secret shorter than 16 characters", { timeout: 300_000 }, async (t) => {
    const { stderr } = await realDeploy(t, { secrets: BOTH_SECRETS, settings: { TELEGRAM_WEBHOOK_SECRET: "abc123" } });
    assert.match(stderr, /TELEGRAM_WEBHOOK_SECRET is 6 characters long; use at least 16/);
  });

  test("placeholder KV/D1 ids in wrangler.toml", { skip: !PLACEHOLDER_IDS && "wrangler.toml has real ids" }, async (t) => {
    const { stderr } = await realDeploy(t, { secrets: BOTH_SECRETS });
    assert.match(stderr, /error: wrangler\.toml \[\[kv_namespaces\]\] KV: id is still the placeholder/);
    assert.doesNotMatch(stderr, /has no secret/);
    assert.match(stderr, /the Worker has both secrets/);
  });
});

describe("register: the webhook secret is checked before any Bot API call", () => {
  async function withStandIn(t, settings, args = []) {
    const dir = scratch(t);
    const standIn = await startBotApiStandIn({ token: TOKEN });
    t.after(() => standIn.close());
    const envFile = writeEnvFile(dir, { TELEGRAM_BOT_TOKEN: TOKEN, WORKER_URL, MODULES: "misc", TELEGRAM_API_BASE: standIn.url, ...settings });
    const result = await register(["--env-file", envFile, ...args]);
    return { ...result, standIn };
  }

  for (const [what, secret, message] of [
    ["shorter than 16 characters", "fifteen_chars15", /TELEGRAM_WEBHOOK_SECRET is 15 characters long; use at least 16/],
    ["with characters Telegram refuses", "a secret with spaces", /must be 1-256 characters of A-Z, a-z, 0-9, _ and -/],
    ["longer than 256 characters", "x".repeat(257), /must be 1-256 characters .*this one has 257 characters/],
  ]) {
    test(`refuses a secret ${what}`, async (t) => {
      const { code, stdout, stderr, standIn } = await withStandIn(t, { TELEGRAM_WEBHOOK_SECRET: secret });
      assert.equal(code, 1, stderr);
      assert.match(stderr, message);
      assert.match(stderr, /openssl rand -hex 32/);
      assert.equal(stdout, "");
      assert.equal(standIn.calls.length, 0, "refused before any call");
      assert.ok(!stderr.includes(secret), "the secret is not printed");
    });
  }

  test("accepts a 16-character secret and registers", async (t) => {
    const { code, stderr, standIn } = await withStandIn(t, { TELEGRAM_WEBHOOK_SECRET: "sixteen_chars_16" });
    assert.equal(code, 0, stderr);
    assert.equal(standIn.calls.find((c) => c.method === "setWebhook")?.params.secret_token, "sixteen_chars_16");
  });

  test("--allow-missing: only with --dry-run", async (t) => {
    const { code, stderr, standIn } = await withStandIn(t, { TELEGRAM_WEBHOOK_SECRET: SECRET }, ["--allow-missing"]);
    assert.equal(code, 1);
    assert.match(stderr, /--allow-missing only goes with --dry-run/);
    assert.equal(standIn.calls.length, 0);
  });

  test("--dry-run --allow-missing: placeholders for the missing settings only, the rest checked", async (t) => {
    const dir = scratch(t);
    const ok = await register(["--dry-run", "--allow-missing", "--env-file", writeEnvFile(dir, { TELEGRAM_BOT_TOKEN: TOKEN, MODULES: "misc" })]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stderr, /warning: TELEGRAM_WEBHOOK_SECRET is not set/);
    assert.match(ok.stderr, /warning: WORKER_URL is not set/);
    assert.doesNotMatch(ok.stderr, /TELEGRAM_BOT_TOKEN is not set/);
    assert.match(ok.stdout, /\/bot<redacted>\/setWebhook/);
    assert.match(ok.stdout, /"url": "<WORKER_URL>\/webhook"/);
    assert.ok(!ok.stdout.includes(TOKEN));

    const bad = await register(["--dry-run", "--allow-missing", "--env-file", writeEnvFile(dir, { WORKER_URL: "http://plain.example" })]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /WORKER_URL must start with https:\/\//);
  });
});

// npm start end to end: scripts/start.sh builds, serves the real Worker with
// wrangler dev and runs the chat console on piped stdin. The replies must show
// up (webhook-body and Bot API alike), and end of input must stop wrangler.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { ROOT, freePort, isPortFree, readManifest } from "../../scripts/lib/project.mjs";

// The production Worker's modules (npm start serves js-shim/worker.mjs: no test-only module).
const MODULES = "util,misc,notes,remind";

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

// Resolves once `predicate(stdout)` holds; rejects if the process ends first.
function waitForOutput(run, predicate, timeoutMs) {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (predicate(run.stdout)) {
        clearInterval(timer);
        resolve();
      } else if (run.exit !== undefined || Date.now() > deadline) {
        clearInterval(timer);
        reject(new Error(`${run.exit !== undefined ? `exited (${run.exit})` : "timed out"} before the expected output.\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`));
      }
    };
    const deadline = Date.now() + timeoutMs;
    const timer = setInterval(check, 50);
  });
}

test("npm start: piped /ping, /help and due reminders are answered, end of input stops wrangler", { timeout: 600_000 }, async () => {
  const manifest = await readManifest(MODULES);
  const port = await freePort();
  const state = mkdtempSync(path.join(tmpdir(), "miti-start-"));
  const child = spawn("bash", ["scripts/start.sh"], {
    cwd: ROOT,
    env: { ...process.env, MITI_DEV_PORT: String(port), MITI_PERSIST_TO: state, MODULES, NO_COLOR: "1" },
    stdio: ["pipe", "pipe", "pipe"],
  });
  const run = { stdout: "", stderr: "", exit: undefined };
  child.stdout.on("data", (d) => (run.stdout += d));
  child.stderr.on("data", (d) => (run.stderr += d));
  const exited = new Promise((resolve) => child.on("exit", (code, signal) => resolve((run.exit = signal ?? code))));

  try {
    // Written before the Worker is up: the console must hold them until it is.
    child.stdin.write("/ping\n/help\n/remind 1m stretch\n/remind 2m drink water\nhello there\n:cron deliver +10m\n");

    await waitForOutput(run, (out) => out.includes("(cron run:"), 480_000);
    const out = run.stdout;
    const wranglerPid = Number(out.match(/wrangler dev pid (\d+)/)?.[1]);
    assert.ok(wranglerPid > 0, `banner names wrangler's pid:\n${out}`);
    assert.ok(alive(wranglerPid), "wrangler keeps running while input is open");

    // /ping: the webhook-body reply.
    // (The Worker's own log lines, "worker │ ...", may come in between.)
    assert.match(out, /you #\d+ › \/ping\n(worker │ .*\n)*bot #\d+ › pong\n/);
    // /help: every public and protected command of MODULES, private ones never.
    for (const module of manifest.modules) {
      for (const command of module.commands) {
        const line = `/${command.name} — ${command.description}`;
        if (command.visibility === "private") assert.ok(!out.includes(line), `private /${command.name} listed`);
        else assert.ok(out.includes(line), `/help shows "${line}"\n${out}`);
      }
    }
    assert.match(out, /\/mstats — When the bot was last pinged \(protected\)/);
    // /remind: set in the webhook-body reply ...
    assert.match(out, /you #\d+ › \/remind 1m stretch\n(worker │ .*\n)*bot #\d+ › ⏰ Reminder #\d+ set for .* \(in 1m\)\.\n/);
    // ... and the deliver cron, fired 10 minutes ahead, sends both through the
    // Bot API (captured by the stand-in), in order, each replying to its /remind.
    const stretch = out.search(/bot #\d+ › ↩ #\d+ ⏰ stretch {2}\[Bot API\]\n/);
    const drink = out.search(/bot #\d+ › ↩ #\d+ ⏰ drink water {2}\[Bot API\]\n/);
    assert.ok(stretch >= 0 && drink > stretch, `both reminders delivered, in due order\n${out}`);
    // Their buttons are shown under them.
    assert.match(out.slice(stretch), /^.*\n {10}\[1 ⏰ Snooze 10 min\] \[2 ✅ Done\]\n/);
    assert.match(out, /\(cron run: ok; 2 Bot API call\(s\)\)/);
    for (const text of ["stretch", "drink water"]) {
      const asked = out.match(new RegExp(`you #(\\d+) › /remind \\dm ${text}\\n`))?.[1];
      assert.ok(asked && out.includes(`↩ #${asked} ⏰ ${text}  [Bot API]`), `the "${text}" reminder replies to its /remind (#${asked})`);
    }
    // A plain message (no bot_command entity) reaches the Worker without an error.
    assert.match(out, /you #\d+ › hello there\n/);
    assert.ok(!/\((webhook answered HTTP|could not reach)/.test(out), `the Worker answered every update\n${out}`);
    assert.ok(!/\b(\d{5,}):local-[0-9a-f]{24}\b/.test(out + run.stderr), "the local token is never printed");

    child.stdin.end();
    let timer;
    const code = await Promise.race([exited, new Promise((r) => (timer = setTimeout(() => r("still running"), 30_000)))]);
    clearTimeout(timer);
    assert.equal(code, 0, `start.sh exit after end of input\n${run.stderr}`);
    assert.match(run.stdout, /\(wrangler dev, pid \d+, stopped\)/);
    assert.ok(!alive(wranglerPid), `wrangler (pid ${wranglerPid}) stopped`);
    // The port is free again: workerd went with wrangler.
    assert.ok(await isPortFree(port), `port ${port} still in use after wrangler stopped`);
  } finally {
    if (run.exit === undefined) child.kill("SIGTERM");
    rmSync(state, { recursive: true, force: true });
  }
});

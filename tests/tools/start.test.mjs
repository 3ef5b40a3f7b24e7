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

const MODULES = "util,misc,selftest";

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

test("npm start: piped /ping and /help are answered, end of input stops wrangler", { timeout: 600_000 }, async () => {
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
    child.stdin.write("/ping\n/help\n/many 2\nhello there\n:cron * * * * *\n");

    await waitForOutput(run, (out) => out.includes("(cron run:"), 480_000);
    const out = run.stdout;
    const wranglerPid = Number(out.match(/wrangler dev pid (\d+)/)?.[1]);
    assert.ok(wranglerPid > 0, `banner names wrangler's pid:\n${out}`);
    assert.ok(alive(wranglerPid), "wrangler keeps running while input is open");

    // /ping: the webhook-body reply.
    assert.match(out, /you #\d+ › \/ping\nbot #\d+ › pong\n/);
    // /help: every public and protected command of MODULES, private ones never.
    for (const module of manifest.modules) {
      for (const command of module.commands) {
        const line = `/${command.name} — ${command.description}`;
        if (command.visibility === "private") assert.ok(!out.includes(line), `private /${command.name} listed`);
        else assert.ok(out.includes(line), `/help shows "${line}"\n${out}`);
      }
    }
    assert.match(out, /\/mstats — When the bot was last pinged \(protected\)/);
    // /many 2: Bot API calls captured by the stand-in, in order.
    assert.match(out, /bot #\d+ › message 1 {2}\[Bot API\]\nbot #\d+ › message 2 {2}\[Bot API\]\n/);
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

// The Worker's logic around the core: routes HTTP, checks the webhook secret
// before any wasm work, and hands authenticated updates and cron triggers to
// the C++ core. createWorker() is given the built core's WebAssembly.Module
// (the production Worker's, or the test Worker's with its extra modules).
import { CoreInstance } from "./instance.mjs";
import { describeError } from "./host_ops.mjs";

const MAX_BODY_BYTES = 4 * 1024 * 1024;  // of UTF-8; far above any real update
// Telegram accepts a secret_token of 1-256 characters A-Z, a-z, 0-9, _ and -;
// miti asks for at least 16 so that it cannot be guessed.
const SECRET_PATTERN = /^[A-Za-z0-9_-]{16,256}$/;
// Defaults of the bounds (documented in docs/architecture.md).
const DEFAULT_ANSWER_AFTER_MS = 10_000;  // MITI_BACKGROUND_AFTER_MS
const DEFAULT_FETCH_TIMEOUT_MS = 10_000;  // MITI_FETCH_TIMEOUT_MS
const DEFAULT_OP_TIMEOUT_MS = 30_000;  // MITI_OP_TIMEOUT_MS
const AFTER_ANSWER_MS = 30_000;  // what waitUntil allows after the answer
const CRON_MAX_MS = 15 * 60_000;  // a cron invocation's wall-time limit

const encoder = new TextEncoder();

// Constant time in the length of the expected secret.
export function secretMatches(given, expected) {
  if (!expected || given === null || given === undefined) return false;
  const a = encoder.encode(given);
  const b = encoder.encode(expected);
  let diff = a.length ^ b.length;
  for (let i = 0; i < b.length; i++) diff |= (a.length ? a[i % a.length] : 0) ^ b[i];
  return diff === 0;
}

// Why a configured secret cannot be used, or null when it can.
export function secretProblem(secret) {
  if (!secret) return "TELEGRAM_WEBHOOK_SECRET is not set";
  if (!SECRET_PATTERN.test(secret)) {
    return "TELEGRAM_WEBHOOK_SECRET must be 16 to 256 characters of A-Z, a-z, 0-9, _ and - (Telegram's secret_token alphabet)";
  }
  return null;
}

function logLine(fields) {
  console.log(JSON.stringify(fields));
}

function millis(value, fallback) {
  const number = Number(value);
  return value !== undefined && value !== "" && Number.isFinite(number) && number >= 0 ? number : fallback;
}

function bounds(env, kind) {
  const fetchTimeoutMs = millis(env.MITI_FETCH_TIMEOUT_MS, DEFAULT_FETCH_TIMEOUT_MS);
  const opTimeoutMs = millis(env.MITI_OP_TIMEOUT_MS, DEFAULT_OP_TIMEOUT_MS);
  if (kind === "cron") return { maxMs: CRON_MAX_MS, fetchTimeoutMs, opTimeoutMs };
  const answerAfterMs = millis(env.MITI_BACKGROUND_AFTER_MS, DEFAULT_ANSWER_AFTER_MS);
  return { answerAfterMs, maxMs: answerAfterMs + AFTER_ANSWER_MS, fetchTimeoutMs, opTimeoutMs };
}

// What the webhook path derives from `env`, worked out once per env object
// (workerd hands every request of an isolate the same one): reading env
// variables and checking the secret's shape on every update costs more than
// the comparison itself.
const webhookSettings = new WeakMap();
function settingsOf(env) {
  let settings = webhookSettings.get(env);
  if (!settings) {
    const secret = env.TELEGRAM_WEBHOOK_SECRET;
    settings = { secret, problem: secretProblem(secret), bounds: bounds(env, "webhook") };
    webhookSettings.set(env, settings);
  }
  return settings;
}

export function createWorker({ wasmModule }) {
  let current = null;   // the live instance
  let creating = null;  // its creation, shared by concurrent first requests

  async function core() {
    if (current && !current.dead) return current;
    if (!creating) {
      creating = CoreInstance.create({ wasmModule }).then(
        (instance) => {
          current = instance;
          creating = null;
          logLine({ level: "info", msg: "wasm instance created" });
          return instance;
        },
        (error) => {
          creating = null;
          throw error;
        },
      );
    }
    return creating;
  }

  async function webhook(request, env, ctx) {
    const settings = settingsOf(env);
    const { problem } = settings;
    if (problem) {
      // A misconfiguration, not the caller's fault: 500, so Telegram keeps
      // the update and retries until the operator sets a proper secret.
      logLine({ level: "error", msg: `refusing webhook calls: ${problem}` });
      return new Response("webhook secret misconfigured", { status: 500 });
    }
    if (!secretMatches(request.headers.get("x-telegram-bot-api-secret-token"), settings.secret)) {
      return new Response("unauthorized", { status: 401 });
    }
    // Text, not bytes: workerd hands a string over for less than an
    // ArrayBuffer (~3 µs per update, docs/benchmarks.md), and the core still
    // sees valid UTF-8 only (invalid bytes arrive as U+FFFD, as in any Worker
    // that reads request.text()). A UTF-16 unit is 1 to 3 bytes of UTF-8, so
    // only a body of over a third of the limit in units needs counting.
    const body = await request.text();
    const bytes = body.length * 3 > MAX_BODY_BYTES ? encoder.encode(body).length : 0;
    if (bytes > MAX_BODY_BYTES) {
      logLine({ level: "warn", msg: "update ignored", reason: "body too large", bytes });
      return new Response(null, { status: 200 });
    }
    // The live instance without an await (a microtask turn on every update); core() when
    // there is none yet, or it trapped.
    const instance = current && !current.dead ? current : await core();
    const { status, body: reply, done } = await instance.webhook(env, body, settings.bounds);
    if (done) ctx?.waitUntil?.(done);
    if (!reply) return new Response(null, { status });
    return new Response(reply, { status, headers: { "content-type": "application/json" } });
  }

  async function route(request, path, env, ctx) {
    if (path === "/" && request.method === "GET") {
      return new Response("miti: ok\n", { headers: { "content-type": "text/plain" } });
    }
    if (path === "/webhook" && request.method === "POST") return webhook(request, env, ctx);
    return new Response("not found", { status: 404 });
  }

  async function scheduled(event, env) {
    const started = Date.now();
    const instance = await core();
    const { status, body, failed, done } = await instance.scheduled(env, event.cron, event.scheduledTime ?? Date.now(), bounds(env, "cron"));
    await done;
    const summary = body ? JSON.parse(body) : {};  // the core's {cron, ran, failed}
    logLine({ event: "scheduled", cron: event.cron, status, ...summary, ...(failed ? { error: failed } : {}), ms: Date.now() - started });
  }

  return {
    // Cron triggers: every module cron due, kept alive with waitUntil so the
    // runtime does not cut them short.
    scheduled(event, env, ctx) {
      ctx.waitUntil(
        scheduled(event, env).catch((error) => {
          logLine({ level: "error", msg: "scheduled run failed", cron: event.cron, error: describeError(error, env) });
        }),
      );
    },

    async fetch(request, env, ctx) {
      const started = Date.now();
      const path = new URL(request.url).pathname;
      let response;
      try {
        response = await route(request, path, env, ctx);
      } catch (error) {
        logLine({ level: "error", msg: "request failed", error: describeError(error, env) });
        response = new Response("internal error", { status: 500 });
      }
      logLine({ method: request.method, path, status: response.status, ms: Date.now() - started });
      return response;
    },
  };
}

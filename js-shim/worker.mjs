// The Worker entry. Routes HTTP, checks the webhook secret before any wasm
// work, and hands authenticated updates to the C++ core.
import { CoreInstance } from "./instance.mjs";
import { describeError } from "./host_ops.mjs";

const MAX_BODY_BYTES = 4 * 1024 * 1024;  // far above any real update
const encoder = new TextEncoder();

let current = null;   // the live instance
let creating = null;  // its creation, shared by concurrent first requests

async function core() {
  if (current && !current.dead) return current;
  if (!creating) {
    creating = CoreInstance.create().then(
      (instance) => {
        current = instance;
        creating = null;
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

// Constant time in the length of the expected secret.
export function secretMatches(given, expected) {
  if (!expected || given === null || given === undefined) return false;
  const a = encoder.encode(given);
  const b = encoder.encode(expected);
  let diff = a.length ^ b.length;
  for (let i = 0; i < b.length; i++) diff |= (a.length ? a[i % a.length] : 0) ^ b[i];
  return diff === 0;
}

function logLine(fields) {
  console.log(JSON.stringify(fields));
}

async function webhook(request, env) {
  if (!env.TELEGRAM_WEBHOOK_SECRET) {
    logLine({ level: "error", msg: "TELEGRAM_WEBHOOK_SECRET is not set; refusing webhook calls" });
  }
  if (!secretMatches(request.headers.get("x-telegram-bot-api-secret-token"), env.TELEGRAM_WEBHOOK_SECRET)) {
    return new Response("unauthorized", { status: 401 });
  }
  const body = new Uint8Array(await request.arrayBuffer());
  if (body.length > MAX_BODY_BYTES) {
    logLine({ level: "warn", msg: "update ignored", reason: "body too large", bytes: body.length });
    return new Response(null, { status: 200 });
  }
  const { status, body: reply } = await (await core()).webhook(env, body);
  if (!reply) return new Response(null, { status });
  return new Response(reply, { status, headers: { "content-type": "application/json" } });
}

async function route(request, env) {
  const url = new URL(request.url);
  if (url.pathname === "/" && request.method === "GET") {
    return new Response("miti: ok\n", { headers: { "content-type": "text/plain" } });
  }
  if (url.pathname === "/webhook" && request.method === "POST") return webhook(request, env);
  return new Response("not found", { status: 404 });
}

async function scheduled(event, env) {
  const started = Date.now();
  const { status, body, failed } = await (await core()).scheduled(env, event.cron, event.scheduledTime ?? Date.now());
  const summary = body ? JSON.parse(body) : {};  // the core's {cron, ran, failed}
  logLine({ event: "scheduled", cron: event.cron, status, ...summary, ...(failed ? { error: failed } : {}), ms: Date.now() - started });
}

export default {
  // Cron triggers: every module cron whose schedule matches event.cron, kept
  // alive with waitUntil so the runtime does not cut them short.
  scheduled(event, env, ctx) {
    ctx.waitUntil(
      scheduled(event, env).catch((error) => {
        logLine({ level: "error", msg: "scheduled run failed", cron: event.cron, error: describeError(error, env) });
      }),
    );
  },

  async fetch(request, env) {
    const started = Date.now();
    let response;
    try {
      response = await route(request, env);
    } catch (error) {
      logLine({ level: "error", msg: "request failed", error: describeError(error, env) });
      response = new Response("internal error", { status: 500 });
    }
    const path = new URL(request.url).pathname;
    logLine({ method: request.method, path, status: response.status, ms: Date.now() - started });
    return response;
  },
};

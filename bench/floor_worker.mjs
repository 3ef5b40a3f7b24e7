// The floor for `npm run bench`: a hand-written plain-JS Worker doing the same
// observable work as the miti bot (util /info, misc /ping) and the grammY bot
// (bench/grammy_worker.mjs), with no framework at all.
//
// Same routes, checks and output as js-shim/worker.mjs + the C++ core for the
// paths the benchmark drives:
//   GET /            -> "miti: ok"
//   POST /webhook    -> secret check (constant time), body size cap, JSON
//                       parse, update shape check, leading bot_command entity
//                       (with @username targeting), then
//                       /ping: KV put "misc:last_ping" = {"at": ISO time},
//                              answer "pong";
//                       /info: answer "chat id: <id>\nthread id: <n/a|id>\nsender id: <n/a|id>";
//                       the answer is {"method":"sendMessage","chat_id",...,"text"}
//                       (+ message_thread_id in a forum topic) in the webhook
//                       response body. Anything else (other commands, plain
//                       text, other update kinds): 200, empty body, nothing written.
//   anything else    -> 404
//   one JSON access-log line per request, like the shim writes.
// It deliberately has no module registry, no middleware, no coroutine bridge
// and no marshalling: whatever a framework costs above this is its overhead.

const MAX_BODY_BYTES = 4 * 1024 * 1024;
const encoder = new TextEncoder();

function secretMatches(given, expected) {
  if (!expected || given === null || given === undefined) return false;
  const a = encoder.encode(given);
  const b = encoder.encode(expected);
  let diff = a.length ^ b.length;
  for (let i = 0; i < b.length; i++) diff |= (a.length ? a[i % a.length] : 0) ^ b[i];
  return diff === 0;
}

// UTF-16 units are what Telegram's entity offsets count, as JS strings do.
function parseCommand(message, botUsername) {
  if (typeof message?.text !== "string" || !Array.isArray(message.entities)) return null;
  const entity = message.entities.find((e) => e?.type === "bot_command" && e.offset === 0);
  if (!entity || !(entity.length >= 2)) return null;
  const token = message.text.slice(0, entity.length);
  if (!token.startsWith("/")) return null;
  let name = token.slice(1);
  const at = name.indexOf("@");
  if (at >= 0) {
    const target = name.slice(at + 1);
    name = name.slice(0, at);
    const me = (botUsername ?? "").replace(/^@/, "");
    if (!me || target.toLowerCase() !== me.toLowerCase()) return null;
  }
  if (!name) return null;
  return { name, args: message.text.slice(entity.length).trimStart() };
}

function reply(message, text) {
  const answer = { method: "sendMessage", chat_id: message.chat.id, text };
  if (message.is_topic_message && message.message_thread_id) answer.message_thread_id = message.message_thread_id;
  return answer;
}

const COMMANDS = {
  async ping(message, env) {
    try {
      await env.KV.put("misc:last_ping", JSON.stringify({ at: new Date().toISOString() }));
    } catch (error) {
      console.log(JSON.stringify({ level: "warn", msg: "could not record the ping", error: String(error) }));
    }
    return reply(message, "pong");
  },
  async info(message) {
    const thread = typeof message.message_thread_id === "number" ? String(message.message_thread_id) : "n/a";
    const sender = typeof message.from?.id === "number" ? String(message.from.id) : "n/a";
    return reply(message, `chat id: ${message.chat.id}\nthread id: ${thread}\nsender id: ${sender}`);
  },
};

// The update handling proper, from body text to {status, body}: what the C++
// core does for the shim (the benchmark also times it on its own).
export async function handleUpdate(text, env) {
  const ignored = { status: 200, body: "" };
  if (text.length > MAX_BODY_BYTES) return ignored;
  let update;
  try {
    update = JSON.parse(text);
  } catch {
    return ignored;
  }
  if (typeof update !== "object" || update === null || typeof update.update_id !== "number") return ignored;
  const message = update.message ?? update.channel_post;
  if (typeof message !== "object" || message === null || typeof message.chat?.id !== "number") return ignored;
  const command = parseCommand(message, env.TELEGRAM_BOT_USERNAME);
  const handler = command && Object.hasOwn(COMMANDS, command.name) ? COMMANDS[command.name] : null;
  if (!handler) return ignored;
  return { status: 200, body: JSON.stringify(await handler(message, env)) };
}

async function webhook(request, env) {
  if (!secretMatches(request.headers.get("x-telegram-bot-api-secret-token"), env.TELEGRAM_WEBHOOK_SECRET)) {
    return new Response("unauthorized", { status: 401 });
  }
  const { status, body } = await handleUpdate(await request.text(), env);
  if (!body) return new Response(null, { status });
  return new Response(body, { status, headers: { "content-type": "application/json" } });
}

async function route(request, env) {
  const url = new URL(request.url);
  if (url.pathname === "/" && request.method === "GET") {
    return new Response("miti: ok\n", { headers: { "content-type": "text/plain" } });
  }
  if (url.pathname === "/webhook" && request.method === "POST") return webhook(request, env);
  return new Response("not found", { status: 404 });
}

export default {
  async fetch(request, env) {
    const started = Date.now();
    let response;
    try {
      response = await route(request, env);
    } catch (error) {
      console.log(JSON.stringify({ level: "error", msg: "request failed", error: String(error) }));
      response = new Response("internal error", { status: 500 });
    }
    console.log(JSON.stringify({ method: request.method, path: new URL(request.url).pathname, status: response.status, ms: Date.now() - started }));
    return response;
  },
};

// A local stand-in for the Telegram Bot API: an HTTP server on 127.0.0.1 that
// answers /bot<token>/<method> like Telegram does (ok:true with a plausible
// result), records every call and hands it to `onCall`. The chat console points
// the Worker at it through TELEGRAM_API_BASE, and the register tests point
// register.mjs at it, so nothing ever leaves the machine.
import { createServer } from "node:http";

export const STANDIN_BOT = Object.freeze({
  id: 7000000001,
  is_bot: true,
  first_name: "miti (local)",
  username: "miti_local_bot",
  can_join_groups: true,
  can_read_all_group_messages: false,
  supports_inline_queries: false,
});

// Methods whose result is a sent Message; everything else not listed in
// `answerFor` answers `true`, as Telegram's setters and actions do.
const MESSAGE_METHODS = new Set([
  "sendMessage", "forwardMessage", "sendPhoto", "sendAudio", "sendDocument", "sendVideo",
  "sendAnimation", "sendVoice", "sendVideoNote", "sendLocation", "sendVenue", "sendContact",
  "sendPoll", "sendDice", "sendSticker", "editMessageText", "editMessageCaption",
  "editMessageReplyMarkup",
]);

async function readParams(request, url) {
  const params = Object.fromEntries(url.searchParams);
  const chunks = [];
  for await (const chunk of request) chunks.push(chunk);
  const body = Buffer.concat(chunks).toString("utf8");
  if (!body) return params;
  const type = request.headers["content-type"] ?? "";
  if (type.includes("application/x-www-form-urlencoded")) {
    // Telegram accepts JSON-encoded values in form fields (reply_markup, ...).
    for (const [key, value] of new URLSearchParams(body)) {
      try {
        params[key] = JSON.parse(value);
      } catch {
        params[key] = value;
      }
    }
    return params;
  }
  return { ...params, ...JSON.parse(body) };
}

// Fills in what Telegram would send back, so callers that read the result
// (message_id for a later edit, getMe's username) keep working.
export function createAnswerer({ bot = STANDIN_BOT } = {}) {
  let nextMessageId = 1;
  return ({ method, params }) => {
    if (method === "getMe") return { ok: true, result: bot };
    if (method === "getWebhookInfo") return { ok: true, result: { url: "", has_custom_certificate: false, pending_update_count: 0 } };
    if (method === "getMyCommands") return { ok: true, result: [] };
    if (!MESSAGE_METHODS.has(method)) return { ok: true, result: true };
    const chatId = Number(params.chat_id);
    const message = {
      message_id: params.message_id ?? nextMessageId++,
      date: Math.floor(Date.now() / 1000),
      chat: chatId < 0 ? { id: chatId, type: "supergroup", title: "local group" } : { id: chatId, type: "private" },
      from: { id: bot.id, is_bot: true, first_name: bot.first_name, username: bot.username },
    };
    if (typeof params.text === "string") message.text = params.text;
    if (typeof params.caption === "string") message.caption = params.caption;
    if (params.message_thread_id !== undefined) message.message_thread_id = params.message_thread_id;
    return { ok: true, result: message };
  };
}

// Starts the server on a free port of 127.0.0.1.
//   token:   when set, other tokens get Telegram's 401 Unauthorized
//   onCall:  ({method, params, token}) for every authorized call
// `calls` records every call, each marked `authorized`.
//   answer:  ({method, params, token}) => Bot API answer; defaults to createAnswerer()
export async function startBotApiStandIn({ token, onCall, answer } = {}) {
  const answerer = answer ?? createAnswerer();
  const calls = [];
  const server = createServer(async (request, response) => {
    const reply = (status, payload) => {
      response.writeHead(status, { "content-type": "application/json" });
      response.end(JSON.stringify(payload));
    };
    const url = new URL(request.url, "http://127.0.0.1");
    const match = url.pathname.match(/^\/bot([^/]+)\/([A-Za-z]+)$/);
    if (!match) return reply(404, { ok: false, error_code: 404, description: "Not Found" });
    const call = { token: decodeURIComponent(match[1]), method: match[2], params: {} };
    call.authorized = token === undefined || call.token === token;
    try {
      call.params = await readParams(request, url);
    } catch {
      return reply(400, { ok: false, error_code: 400, description: "Bad Request: can't parse JSON" });
    }
    calls.push(call);
    if (!call.authorized) return reply(401, { ok: false, error_code: 401, description: "Unauthorized" });
    try {
      onCall?.(call);
    } catch {
      // A broken observer must not turn into a Bot API failure for the Worker.
    }
    const result = await answerer(call);
    reply(result.ok === false ? (result.error_code ?? 400) : 200, result);
  });
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    calls,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

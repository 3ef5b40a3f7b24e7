// The grammY bot for `npm run bench`: the same bot as miti's util /info and
// misc /ping, written the way grammY's Cloudflare Workers guide writes one
// (webhookCallback(bot, "cloudflare-mod"), botInfo passed in so no getMe call),
// with the answer in the webhook response body (canUseWebhookReply), so it does
// the same I/O as miti and the floor (bench/floor_worker.mjs):
//   GET /            -> "miti: ok" (the same health answer as the others)
//   POST /webhook    -> grammY's secret token check, then
//                       /ping: KV put "misc:last_ping" = {"at": ISO time}, reply "pong";
//                       /info: reply "chat id: <id>\nthread id: <n/a|id>\nsender id: <n/a|id>";
//                       anything else: 200, empty body
//   anything else    -> 404
//   one JSON access-log line per request, like the shim writes.
//
// grammY's guide builds the Bot inside fetch, on every request. Here it is
// built once per env (workerd hands every request the same env object) and
// kept, as miti keeps its wasm instance: the cheaper of the two ways, so the
// comparison does not charge grammY for a construction it can avoid.
//
// Bundled by wrangler (bench/grammy_wrangler.toml) from bench/node_modules:
// `npm ci --prefix bench`.
import { Bot, webhookCallback } from "grammy";

const LAST_PING_KEY = "misc:last_ping";

function createBot(env) {
  const token = env.TELEGRAM_BOT_TOKEN ?? "";
  const bot = new Bot(token, {
    // What getMe would answer; the bot id is the token's first part.
    botInfo: {
      id: Number(token.split(":")[0]) || 1,
      is_bot: true,
      first_name: "miti bench",
      username: (env.TELEGRAM_BOT_USERNAME ?? "bench_bot").replace(/^@/, ""),
      can_join_groups: true,
      can_read_all_group_messages: false,
      supports_inline_queries: false,
      can_connect_to_business: false,
      has_main_web_app: false,
    },
    // The first sendMessage of an update rides in the webhook response body.
    client: { canUseWebhookReply: (method) => method === "sendMessage" },
  });

  bot.command("ping", async (ctx) => {
    // Best-effort, as miti's misc /ping: the answer matters more than the bookkeeping.
    try {
      await env.KV.put(LAST_PING_KEY, JSON.stringify({ at: new Date().toISOString() }));
    } catch (error) {
      console.log(JSON.stringify({ level: "warn", msg: "could not record the ping", error: String(error) }));
    }
    await ctx.reply("pong");
  });

  bot.command("info", async (ctx) => {
    const thread = ctx.msg.message_thread_id ?? "n/a";
    const sender = ctx.from?.id ?? "n/a";
    await ctx.reply(`chat id: ${ctx.chat.id}\nthread id: ${thread}\nsender id: ${sender}`);
  });

  const callback = webhookCallback(bot, "cloudflare-mod", {
    // An unset secret must refuse every call (as miti does), not accept them all.
    secretToken: env.TELEGRAM_WEBHOOK_SECRET || "",
  });
  return { bot, callback };
}

const bots = new WeakMap();
function botFor(env) {
  let entry = bots.get(env);
  if (!entry) {
    entry = createBot(env);
    bots.set(env, entry);
  }
  return entry;
}

// The update handling alone, from body text to {status, body}, without the
// Request/Response adapter: what webhookCallback does after the secret check
// (the benchmark's "core only" rows time it).
export async function handleUpdate(text, env) {
  const { bot } = botFor(env);
  if (!bot.isInited()) await bot.init();
  let body = "";
  await bot.handleUpdate(JSON.parse(text), {
    async send(json) {
      body = json;
    },
  });
  return { status: 200, body };
}

async function route(request, env) {
  const url = new URL(request.url);
  if (url.pathname === "/" && request.method === "GET") {
    return new Response("miti: ok\n", { headers: { "content-type": "text/plain" } });
  }
  if (url.pathname === "/webhook" && request.method === "POST") return botFor(env).callback(request);
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

// Drives scripts/chat-console.mjs against a fake bot: a small HTTP server in
// the test process that plays the Worker. It receives the console's updates at
// /webhook (checking the secret header), hands each to the test's `handle`,
// and answers with what `handle` returns (a Bot API call in the webhook body)
// or nothing; `handle` may also call the console's Bot API stand-in through
// `bot.call(method, params)`, as the Worker does through TELEGRAM_API_BASE.
import { spawn } from "node:child_process";
import { createServer } from "node:http";
import path from "node:path";
import { ROOT } from "../../scripts/lib/project.mjs";

export const SECRET = "fake-secret";
export const TOKEN = "123456:fake-token";

// Starts the fake bot on a free port of 127.0.0.1.
//   handle(update, bot) → webhook response body (an object) or undefined
// `updates` records every update received, `results` every Bot API answer.
async function startFakeBot(handle) {
  let setApiBase;
  const apiBase = new Promise((resolve) => (setApiBase = resolve));
  const updates = [];
  const results = [];
  const bot = {
    updates,
    results,
    async call(method, params) {
      const response = await fetch(`${await apiBase}/bot${TOKEN}/${method}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(params),
      });
      const answer = await response.json();
      results.push({ method, params, answer });
      return answer;
    },
  };
  const server = createServer(async (request, response) => {
    const chunks = [];
    for await (const chunk of request) chunks.push(chunk);
    if (request.url !== "/webhook" || request.headers["x-telegram-bot-api-secret-token"] !== SECRET) {
      response.writeHead(401).end();
      return;
    }
    const update = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    updates.push(update);
    await apiBase; // the console prints the stand-in's address before it sends anything
    let body;
    try {
      body = await handle(update, bot);
    } catch (error) {
      response.writeHead(500).end(String(error.stack));
      return;
    }
    if (body === undefined) response.writeHead(200).end();
    else response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { bot, url: `http://127.0.0.1:${server.address().port}/webhook`, setApiBase, close: () => new Promise((r) => server.close(r)) };
}

// Runs the console on piped `lines` against a fake bot with `handle`, until
// end of input. Resolves {stdout, stderr, code, updates, results, conversation}
// where `conversation` is stdout after the banner.
export async function runConsole(lines, handle = () => undefined, { args = [], timeoutMs = 20_000 } = {}) {
  const fake = await startFakeBot(handle);
  const child = spawn(process.execPath, [path.join(ROOT, "scripts/chat-console.mjs"), "--webhook", fake.url, "--secret", SECRET, "--token", TOKEN, ...args], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: "1" },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (data) => {
    stdout += data;
    const base = stdout.match(/Bot API {3}(http:\/\/127\.0\.0\.1:\d+)/)?.[1];
    if (base) fake.setApiBase(base);
  });
  child.stderr.on("data", (data) => (stderr += data));
  child.stdin.end(lines.map((line) => `${line}\n`).join(""));
  let timer;
  const code = await Promise.race([
    new Promise((resolve) => child.on("exit", (c, signal) => resolve(signal ?? c))),
    new Promise((resolve) => (timer = setTimeout(() => resolve("timeout"), timeoutMs))),
  ]);
  clearTimeout(timer);
  if (code === "timeout") child.kill("SIGKILL");
  await fake.close();
  const start = stdout.indexOf(":quit ");
  const helpEnd = stdout.indexOf("\n\n", start);
  return { stdout, stderr, code, updates: fake.bot.updates, results: fake.bot.results, conversation: stdout.slice(helpEnd + 2) };
}

// The `text` of a sendMessage answer in the webhook body.
export const reply = (update, text, extra = {}) => ({
  method: "sendMessage",
  chat_id: (update.message ?? update.edited_message ?? update.callback_query?.message)?.chat.id,
  text,
  ...extra,
});

// Issue 2, bad input: an authenticated body that is not a usable update is
// answered 200 (so Telegram does not re-send it), logged as exactly one JSON
// line saying why, writes nothing, and the isolate keeps serving.
import { test, before, after, describe } from "node:test";
import assert from "node:assert/strict";
import { startWorker, textUpdate, webhookReply, withLogs, allKvKeys, isRequestLine, parseJsonLines } from "./harness.mjs";

const MiB = 1024 * 1024;

// A JSON object that is not an update, `bytes` long.
function paddedObject(bytes) {
  const head = '{"padding":"';
  const tail = '"}';
  return head + "x".repeat(bytes - head.length - tail.length) + tail;
}

const cases = [
  { name: "invalid JSON", body: '{"update_id": 1, "message": ', reason: /not JSON/i },
  { name: "a JSON array", body: "[]", reason: /not a Telegram update/i },
  { name: "an object without update_id", body: '{"foo":1}', reason: /not a Telegram update/i },
  { name: "update_id that is not an integer", body: '{"update_id":"x"}', reason: /not a Telegram update/i },
  { name: "update_id that is fractional", body: '{"update_id":1.5}', reason: /not a Telegram update/i },
  { name: "JSON null", body: "null", reason: /not a Telegram update/i },
  { name: "a JSON number", body: "42", reason: /not a Telegram update/i },
  { name: "a JSON string", body: '"update"', reason: /not a Telegram update/i },
  { name: "a message that is not an object", body: '{"update_id":5,"message":"hi"}', reason: /not a Telegram update/i },
  {
    name: "a message without a chat",
    body: JSON.stringify({ update_id: 6, message: { message_id: 1, date: 0, text: "/ping", entities: [{ type: "bot_command", offset: 0, length: 5 }] } }),
    reason: /not a Telegram update/i,
  },
  { name: "an empty body", body: "", reason: /not JSON/i },
  { name: "whitespace only", body: " \n\t ", reason: /not JSON/i },
  // Read as request.text() reads it: the invalid bytes become U+FFFD, and
  // {"\uFFFD\uFFFD":1} is JSON but no update.
  { name: "invalid UTF-8 inside JSON", body: new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]), reason: /not a Telegram update/i },
  { name: "a 1 MiB body of invalid JSON", body: "{" + "x".repeat(MiB - 1), reason: /not JSON/i },
  { name: "a 1 MiB JSON object that is not an update", body: paddedObject(MiB), reason: /not a Telegram update/i },
  { name: "a 5 MiB body", body: "x".repeat(5 * MiB), reason: /too large/i },
  // Under the limit in UTF-16 units, over it in UTF-8 bytes.
  { name: "a 5 MiB body of two-byte characters", body: "é".repeat(2.5 * MiB), reason: /too large/i },
];

// Every KV key with its value and metadata, to catch overwrites too.
async function kvSnapshot(mf) {
  const kv = await mf.getKVNamespace("KV");
  const snapshot = {};
  for (const name of await allKvKeys(mf)) snapshot[name] = await kv.get(name);
  return snapshot;
}

describe("bad input on /webhook", () => {
  let w;
  before(async () => {
    w = await startWorker();
    // Warm up: the instance exists and KV holds something to compare against.
    const ping = await w.webhook(textUpdate("/ping"));
    assert.equal((await webhookReply(ping)).text, "pong");
  });
  after(async () => {
    await w?.dispose();
  });

  for (const { name, body, reason } of cases) {
    test(`${name}: 200, one JSON log line, nothing written, still serving`, async () => {
      const kvBefore = await kvSnapshot(w.mf);
      const callsBefore = w.calls.length;
      const { result: response, lines } = await withLogs(w, () => w.webhook(null, { raw: body }), { timeoutMs: 15_000 });
      assert.equal(response.status, 200);
      assert.equal(await response.text(), "", "no reply in the body");

      const explained = lines.filter((l) => !isRequestLine(l));
      assert.equal(explained.length, 1, `exactly one log line besides the request line: ${JSON.stringify(explained).slice(0, 500)}`);
      const [line] = explained;
      assert.equal(line.level, "warn");
      assert.match(line.msg, /ignored/i);
      assert.match(line.reason, reason);
      assert.equal(typeof line.bytes, "number");
      // The body's size in UTF-8, as the Worker decoded it.
      assert.equal(line.bytes, Buffer.byteLength(typeof body === "string" ? body : new TextDecoder().decode(body)));
      assert.ok(JSON.stringify(line).length < 1000, "the log line does not echo the body");
      const requestLine = lines.find(isRequestLine);
      assert.deepEqual({ method: requestLine.method, path: requestLine.path, status: requestLine.status }, { method: "POST", path: "/webhook", status: 200 });

      assert.deepEqual(await kvSnapshot(w.mf), kvBefore, "nothing written to KV");
      assert.equal(w.calls.length, callsBefore, "no Bot API call");

      const ping = await w.webhook(textUpdate("/ping", { chatId: 77 }));
      assert.deepEqual(await webhookReply(ping), { method: "sendMessage", chat_id: 77, text: "pong" });
    });
  }

  test("bad input never costs the instance: every case on one Worker, one wasm instance, no trap", async (t) => {
    const own = await startWorker();
    t.after(() => own.dispose());
    for (const { name, body } of cases) {
      const response = await own.webhook(null, { raw: body });
      assert.equal(response.status, 200, name);
      await response.arrayBuffer();
    }
    const ping = await own.webhook(textUpdate("/ping", { chatId: 78 }));
    assert.deepEqual(await webhookReply(ping), { method: "sendMessage", chat_id: 78, text: "pong" });
    const created = parseJsonLines(own.logs).filter((l) => l.msg === "wasm instance created");
    assert.equal(created.length, 1, "the instance the first body created served them all");
    assert.ok(!own.logs.some((l) => /trap/i.test(l)), own.logs.filter((l) => /trap/i.test(l)).join("\n"));
  });

  test("invalid UTF-8 inside a message's text arrives as U+FFFD, like request.text() in any Worker", async () => {
    const json = JSON.stringify(textUpdate("/d1echo caf#", { chatId: 79 }));
    const at = Buffer.from(json).indexOf("#");
    const bytes = Buffer.from(json);
    bytes[at] = 0xff;  // a byte no UTF-8 text may hold
    const response = await w.webhook(null, { raw: bytes });
    assert.equal(response.status, 200);
    assert.deepEqual(await webhookReply(response), { method: "sendMessage", chat_id: 79, text: "caf\uFFFD 42" });
  });

  test("bad input without the secret is 401 before the body is looked at", async () => {
    const { result: response, lines } = await withLogs(w, () => w.webhook(null, { raw: "[]", secret: "nope" }));
    assert.equal(response.status, 401);
    await response.arrayBuffer();
    assert.deepEqual(lines.filter((l) => !isRequestLine(l)), [], "no 'ignored' line for an unauthenticated body");
  });
});

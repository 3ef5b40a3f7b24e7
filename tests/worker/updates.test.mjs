// Updates beyond commands, end to end in workerd through the test kit: button
// presses (answered always, forged or stale data ignored), plain messages,
// conversations, edits, membership changes, the Bot API client's 429 retry
// and timeout, and answering the webhook before a slow handler ends. The
// module under test is tests/modules/kinds.
import { test, before, after, describe } from "node:test";
import assert from "node:assert/strict";
import { GROUP_CHAT, PRIVATE_CHAT, USER, startBot, waitFor } from "./harness.mjs";

const BOB = Object.freeze({ id: 8, is_bot: false, first_name: "Bob" });
const methods = (calls) => calls.map((c) => c.method);

describe("updates beyond commands", () => {
  let bot;
  const slow = { ms: 0 };
  before(async () => {
    bot = await startBot({
      modules: "util,kinds",
      vars: { MITI_FETCH_TIMEOUT_MS: "400", MITI_BACKGROUND_AFTER_MS: "400" },
      telegram: async ({ method }) => {
        if (method === "kindsHang") return new Promise(() => {});  // never answers
        if (method === "kindsSlow") {
          await new Promise((resolve) => setTimeout(resolve, slow.ms));
          return { ok: true, result: true };
        }
        return undefined;  // the simulated Telegram answers
      },
    });
  });
  after(async () => {
    await bot?.dispose();
  });

  test("a button press reaches its handler, which answers and edits the message", async () => {
    const menu = await bot.send("/menu");
    const shown = menu.messages.at(-1);
    assert.deepEqual(shown.reply_markup.inline_keyboard.flat().map((b) => b.callback_data ?? b.url), ["kinds:tap:a", "kinds:tap:b", "kinds:silent:x", "kinds:boom:", "https://example.org/docs"]);
    const press = await bot.press("B");
    assert.deepEqual(methods(press.calls), ["answerCallbackQuery", "editMessageText"]);
    assert.equal(press.calls[0].params.text, "tapped b");
    assert.equal(press.calls[1].params.message_id, shown.message_id);
    assert.equal(press.calls[1].params.text, "you tapped b");
    assert.ok(press.answered());
  });

  test("a press whose handler does not answer is answered by the framework", async () => {
    await bot.send("/menu");
    const press = await bot.press("silent");
    assert.deepEqual(methods(press.calls), ["answerCallbackQuery"]);
    assert.equal(press.calls[0].via, "webhook");  // no subrequest needed
    assert.equal(press.calls[0].params.text, undefined);
    assert.ok(press.answered());
  });

  test("a press whose handler throws is still answered, and the failure logged", async () => {
    await bot.send("/menu");
    const mark = bot.logs.length;
    const press = await bot.press("boom");
    assert.equal(press.status, 200);
    assert.ok(press.answered());
    await waitFor(() => bot.jsonLogs().slice(0).some((l) => l.msg === "handler failed" && l.module === "kinds" && l.handler === "boom"));
    assert.ok(bot.logs.length > mark);
  });

  test("forged or stale callback_data is answered and nothing else happens", async () => {
    const menu = await bot.send("/menu");
    const message = menu.messages.at(-1);
    for (const data of ["kinds:nope:1", "notes:delete:1:10", "garbage", "", "kinds:tap"]) {
      const result = await bot.deliver({ update_id: 700_000 + data.length, callback_query: { id: `forged-${data}`, from: USER, chat_instance: "1", message, data } });
      assert.equal(result.status, 200, data);
      assert.deepEqual(methods(result.calls), ["answerCallbackQuery"], data);
      assert.equal(result.calls[0].params.callback_query_id, `forged-${data}`);
    }
  });

  test("callback_data never exceeds 64 bytes: a longer payload is refused when the button is built", async () => {
    assert.equal((await bot.send("/long 54")).replies[0], "built");
    const refused = (await bot.send("/long 55")).replies[0];
    assert.match(refused, /^refused: callback_data '.*' is 65 bytes; Telegram allows 64/);
  });

  test("plain messages reach the first matching handler; commands never do", async () => {
    assert.deepEqual((await bot.send("hello there")).replies, ["echo: hello there"]);
    assert.deepEqual((await bot.send("/menu")).replies, ["menu"]);
    assert.deepEqual((await bot.send("/nosuch")).replies, ["I don't know /nosuch. Send /help to see what I can do."]);
    // In a group the handler wants replies to the bot only.
    assert.deepEqual((await bot.send("just talking", { chat: GROUP_CHAT })).replies, []);
    const question = await bot.send("/menu", { chat: GROUP_CHAT });
    const reply = await bot.send("about your menu", { chat: GROUP_CHAT, replyTo: question.messages.at(-1) });
    assert.deepEqual(reply.replies, ["heard: about your menu"]);
  });

  test("a conversation: the next plain message goes to the step, with its state, once", async () => {
    assert.deepEqual((await bot.send("/ask")).replies, ["What is your name?"]);
    assert.deepEqual((await bot.send("Ada")).replies, ["hello Ada (n=1)"]);
    assert.deepEqual((await bot.send("Ada again")).replies, ["echo: Ada again"]);
  });

  test("a conversation times out, and /cancel or another command ends it", async () => {
    await bot.send("/ask");
    await bot.sql("UPDATE miti_conversations SET expires_at = 1");
    assert.deepEqual((await bot.send("late answer")).replies, ["echo: late answer"]);

    await bot.send("/ask");
    assert.deepEqual((await bot.send("/cancel")).replies, ["Cancelled."]);
    assert.deepEqual((await bot.send("after cancel")).replies, ["echo: after cancel"]);

    await bot.send("/ask");
    await bot.send("/menu");
    assert.deepEqual((await bot.send("after a command")).replies, ["echo: after a command"]);
  });

  test("a plain answer takes no delivery record, and its re-delivery never answers the follow-up question", async () => {
    // In the group no plain-message handler matches: the answer can only
    // continue the conversation, and taking the question is what keeps it once.
    assert.deepEqual((await bot.send("/twice", { chat: GROUP_CHAT })).replies, ["first?"]);
    const answer = await bot.send("A", { chat: GROUP_CHAT });
    assert.deepEqual(answer.replies, ["got A; second?"]);
    assert.deepEqual(await bot.sql("SELECT update_id FROM miti_updates WHERE update_id = ?", answer.update.update_id), []);
    // Telegram delivers the same update again: the second question stays for the next message.
    assert.deepEqual((await bot.deliver(answer.update)).replies, []);
    assert.deepEqual((await bot.send("B", { chat: GROUP_CHAT })).replies, ["second: B"]);
    assert.deepEqual((await bot.send("C", { chat: GROUP_CHAT })).replies, []);
  });

  test("two users conversing in one group do not hear each other's answers", async () => {
    await bot.send("/ask", { chat: GROUP_CHAT, from: USER });
    await bot.send("/ask", { chat: GROUP_CHAT, from: BOB });
    const [tess, bob] = [await bot.send("Bobby", { chat: GROUP_CHAT, from: BOB }), await bot.send("Tess", { chat: GROUP_CHAT, from: USER })];
    assert.deepEqual(tess.replies, ["hello Bobby (n=1)"]);
    assert.deepEqual(bob.replies, ["hello Tess (n=1)"]);
    assert.equal(tess.calls.at(-1).params.chat_id, GROUP_CHAT.id);
  });

  test("edits: only handlers that opted in see them; commands do not re-run by default", async () => {
    const plain = await bot.send("first draft");
    const edited = await bot.edit(plain.update.message, "second draft");
    assert.deepEqual(edited.replies, ["edited: second draft"]);
    const menu = await bot.send("/menu x");
    assert.deepEqual((await bot.edit(menu.update.message, "/menu y")).replies, []);
    const opted = await bot.send("/edits_cmd one");
    assert.deepEqual(opted.replies, ["command: one"]);
    assert.deepEqual((await bot.edit(opted.update.message, "/edits_cmd two")).replies, ["edited command: two"]);
  });

  test("membership changes reach modules that asked", async () => {
    const kv = await bot.kv();
    await bot.member("left", { chat: GROUP_CHAT });
    assert.equal(await kv.get(`kinds:member:${GROUP_CHAT.id}`), "left (left)");
    await bot.member("member", { chat: GROUP_CHAT });
    assert.equal(await kv.get(`kinds:member:${GROUP_CHAT.id}`), "member (joined)");
    await bot.member("kicked", { chat: PRIVATE_CHAT });
    assert.equal(await kv.get(`kinds:member:${PRIVATE_CHAT.id}`), "kicked (left)");
    await bot.member("member", { chat: PRIVATE_CHAT });
  });
});

describe("the Bot API client under pressure", () => {
  let bot;
  let floods = 0;
  const slow = { ms: 0 };
  before(async () => {
    bot = await startBot({
      modules: "kinds",
      // The background answer comes after 400 ms; a slow call (below) takes
      // longer than that but less than the 2.5 s fetch timeout.
      vars: { MITI_FETCH_TIMEOUT_MS: "2500", MITI_BACKGROUND_AFTER_MS: "400" },
      telegram: async ({ method, params }) => {
        if (method === "sendMessage" && params.text === "after the flood" && floods++ === 0) {
          return { ok: false, error_code: 429, description: "Too Many Requests: retry after 1", parameters: { retry_after: 1 } };
        }
        if (method === "kindsHang") return new Promise(() => {});
        if (method === "kindsSlow") {
          await new Promise((resolve) => setTimeout(resolve, slow.ms));
          return { ok: true, result: true };
        }
        return undefined;
      },
    });
  });
  after(async () => {
    await bot?.dispose();
  });

  test("a 429 is retried after retry_after within the same request", async () => {
    const started = Date.now();
    const before = bot.calls.length;
    const result = await bot.send("/flood");
    assert.equal(result.status, 200);
    // (The webhook may be answered early meanwhile: the retry goes on in the background.)
    const sends = () => bot.calls.slice(before).filter((c) => c.method === "sendMessage");
    assert.ok(await waitFor(() => sends().length === 2, { timeoutMs: 5000 }));
    assert.equal(sends()[0].answer.error_code, 429);
    assert.equal(sends()[1].answer.ok, true);
    assert.ok(Date.now() - started >= 900, "waited for retry_after");
  });

  test("an outbound call that never answers times out; the request still ends", async () => {
    const result = await bot.send("/hang");
    assert.equal(result.status, 200);
    assert.ok(await waitFor(() => bot.calls.some((c) => c.params?.text === "gave up waiting"), { timeoutMs: 5000 }));
    assert.ok(bot.jsonLogs().some((l) => l.msg === "kinds: timed out"));
  });

  test("a slow handler gets its webhook answered after MITI_BACKGROUND_AFTER_MS and finishes in the background, once", async () => {
    slow.ms = 1500;
    const started = Date.now();
    const result = await bot.send("/late");
    const answeredAfter = Date.now() - started;
    assert.equal(result.status, 200);
    assert.ok(answeredAfter < 1400, `answered after ${answeredAfter} ms`);
    assert.ok(!bot.calls.some((c) => c.params?.text === "finished"), "answered before the handler ended");
    assert.ok(await waitFor(() => bot.calls.some((c) => c.params?.text === "finished"), { timeoutMs: 5000 }));
    // Telegram, impatient, delivers the same update again: no second effect.
    const again = await bot.deliver(result.update);
    assert.equal(again.status, 200);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(bot.calls.filter((c) => c.params?.text === "finished").length, 1);
    assert.equal(bot.calls.filter((c) => c.params?.text === "first").length, 1);
  });

  test("a handler can answer the webhook itself and go on", async () => {
    slow.ms = 800;
    const started = Date.now();
    const result = await bot.send("/early");
    assert.ok(Date.now() - started < 700);
    assert.equal(result.reply?.text, "answered early");
    assert.ok(await waitFor(() => bot.calls.some((c) => c.params?.text === "background done"), { timeoutMs: 5000 }));
  });

  test("working on it…, then an edit with the result", async () => {
    slow.ms = 100;
    const result = await bot.send("/slow");
    const [working] = result.messages;
    assert.equal(working.text, "working on it…");
    const edit = result.calls.find((c) => c.method === "editMessageText");
    assert.equal(edit.params.message_id, working.message_id);
    assert.equal(edit.params.text, "done");
  });
});

describe("the example module of docs/handling-updates.md", () => {
  let bot;
  before(async () => {
    bot = await startBot({ modules: "poll" });
  });
  after(async () => {
    await bot?.dispose();
  });

  test("/poll asks, the answer becomes the poll, presses count and edit it", async () => {
    assert.deepEqual((await bot.send("/poll")).replies, ["What should I ask?"]);
    const shown = await bot.send("Pizza tonight?");
    assert.deepEqual(shown.replies, ["Pizza tonight?"]);
    const press = await bot.press("👍");
    assert.equal(press.calls.find((c) => c.method === "answerCallbackQuery").params.text, "Thanks!");
    const edit = press.calls.find((c) => c.method === "editMessageText");
    assert.equal(edit.params.text, "Pizza tonight?");
    assert.deepEqual(edit.params.reply_markup.inline_keyboard[0].map((b) => b.text), ["👍 1", "👎 0"]);
  });
});

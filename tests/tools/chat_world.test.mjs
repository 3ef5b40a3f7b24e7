// The chat world behind the console's Bot API stand-in
// (scripts/lib/bot-api-standin.mjs): Telegram's side of a conversation, from
// the bot's method calls and from what the console user does.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ANONYMOUS_ADMIN, STANDIN_BOT, createAnswerer, createChatWorld, startBotApiStandIn, userTextEntities } from "../../scripts/lib/bot-api-standin.mjs";

const NOW = 1_700_000_000_000;
const USER = { id: 1001, is_bot: false, first_name: "Ada" };
const PRIVATE = { id: 1001, type: "private", first_name: "Ada" };
const GROUP = { id: -1001000000001, type: "supergroup", title: "miti local group" };
const BOT_FROM = { id: STANDIN_BOT.id, is_bot: true, first_name: STANDIN_BOT.first_name, username: STANDIN_BOT.username };

function world() {
  const w = createChatWorld({ clock: () => NOW, firstId: 500 });
  w.registerChat(PRIVATE);
  w.registerChat(GROUP);
  return w;
}

const keyboard = { inline_keyboard: [[{ text: "🗑 #12", callback_data: "del:12" }], [{ text: "docs", url: "https://example.com" }]] };

describe("the bot's calls", () => {
  test("sendMessage answers a Message: fresh increasing id per chat, chat, date, text + entities, inline keyboard echoed", () => {
    const w = world();
    const first = w.apply({ method: "sendMessage", params: { chat_id: 1001, text: "<b>hi</b>", parse_mode: "HTML", reply_markup: keyboard } });
    assert.deepEqual(first.answer, {
      ok: true,
      result: { message_id: 500, from: BOT_FROM, chat: PRIVATE, date: NOW / 1000, text: "hi", entities: [{ type: "bold", offset: 0, length: 2 }], reply_markup: keyboard },
    });
    assert.deepEqual([first.event.kind, first.event.number], ["message", 1]);
    // reply_markup may come JSON-serialized, as Telegram accepts it.
    const serialized = w.apply({ method: "sendMessage", params: { chat_id: 1001, text: "s", reply_markup: JSON.stringify(keyboard) } });
    assert.deepEqual(serialized.answer.result.reply_markup, keyboard);
    const second = w.apply({ method: "sendMessage", params: { chat_id: "1001", text: "again" } });
    assert.equal(second.answer.result.message_id, 502);
    assert.equal(second.answer.result.reply_markup, undefined);
    // Another chat counts its own ids; console numbers count across chats.
    const group = w.apply({ method: "sendMessage", params: { chat_id: GROUP.id, text: "hello group" } });
    assert.equal(group.answer.result.message_id, 500);
    assert.deepEqual(group.answer.result.chat, GROUP);
    assert.equal(group.event.number, 4);
  });

  test("force_reply and reply keyboards are shown but not echoed in the Message; replies carry reply_to_message", () => {
    const w = world();
    const asked = w.apply({ method: "sendMessage", params: { chat_id: 1001, text: "Title?", reply_markup: { force_reply: true } } });
    assert.equal(asked.answer.result.reply_markup, undefined);
    assert.deepEqual(asked.event.markup, { force_reply: true });
    assert.equal(w.pendingReply(1001), asked.event.number);
    const answered = w.apply({ method: "sendMessage", params: { chat_id: 1001, text: "ok", reply_parameters: { message_id: asked.answer.result.message_id } } });
    assert.deepEqual(answered.answer.result.reply_to_message, asked.answer.result);
    assert.equal(answered.event.replyTo, asked.event.number);
    // A reply to a reply: the nested message has no reply_to_message of its own.
    const nested = w.apply({ method: "sendMessage", params: { chat_id: 1001, text: "and?", reply_parameters: { message_id: answered.answer.result.message_id } } });
    assert.equal(nested.answer.result.reply_to_message.text, "ok");
    assert.equal(nested.answer.result.reply_to_message.reply_to_message, undefined);
    const missing = w.apply({ method: "sendMessage", params: { chat_id: 1001, text: "x", reply_to_message_id: 999 } });
    assert.deepEqual(missing.answer, { ok: false, error_code: 400, description: "Bad Request: message to be replied not found" });
  });

  test("sendPhoto and sendDocument answer Messages with the file and caption", () => {
    const w = world();
    const photo = w.apply({ method: "sendPhoto", params: { chat_id: 1001, photo: "https://example.com/cat.jpg", caption: "a <i>cat</i>", parse_mode: "HTML" } }).answer.result;
    assert.equal(photo.photo.length, 2);
    assert.ok(photo.photo.every((size) => size.file_id && size.file_unique_id && size.width && size.height));
    assert.equal(photo.caption, "a cat");
    assert.deepEqual(photo.caption_entities, [{ type: "italic", offset: 2, length: 3 }]);
    const document = w.apply({ method: "sendDocument", params: { chat_id: 1001, document: { filename: "report.pdf", size: 10 } } }).answer.result;
    assert.equal(document.document.file_name, "report.pdf");
    assert.equal(document.document.file_size, 10);
    assert.deepEqual(w.apply({ method: "sendPhoto", params: { chat_id: 1001 } }).answer, { ok: false, error_code: 400, description: "Bad Request: there is no photo in the request" });
  });

  test("Telegram's errors: bad HTML, empty or too long text, unknown chat", () => {
    const w = world();
    const fails = (params) => w.apply({ method: "sendMessage", params }).answer;
    assert.match(fails({ chat_id: 1001, text: "a < b", parse_mode: "HTML" }).description, /can't parse entities/);
    assert.equal(fails({ chat_id: 1001, text: "  " }).description, "Bad Request: message text is empty");
    assert.equal(fails({ chat_id: 1001, text: "x".repeat(4097) }).description, "Bad Request: message is too long");
    assert.equal(fails({ chat_id: 1001, text: "x".repeat(4096) }).ok, true);
    assert.equal(fails({ chat_id: "@nobody", text: "x" }).description, "Bad Request: chat not found");
    assert.equal(fails({ text: "x" }).description, "Bad Request: chat_id is empty");
  });

  test("editMessageText answers the edited Message; without reply_markup the keyboard goes, as in Telegram", () => {
    const w = world();
    const sent = w.apply({ method: "sendMessage", params: { chat_id: 1001, text: "v1", reply_markup: keyboard } }).answer.result;
    const kept = w.apply({ method: "editMessageText", params: { chat_id: 1001, message_id: sent.message_id, text: "v2", reply_markup: keyboard } });
    assert.equal(kept.answer.result.text, "v2");
    assert.deepEqual(kept.answer.result.reply_markup, keyboard);
    assert.equal(kept.answer.result.edit_date, NOW / 1000);
    assert.deepEqual([kept.event.kind, kept.event.what, kept.event.number], ["edit", "text", 1]);
    const dropped = w.apply({ method: "editMessageText", params: { chat_id: 1001, message_id: sent.message_id, text: "v3" } });
    assert.equal(dropped.answer.result.reply_markup, undefined);
    assert.equal(w.entry(1).message.text, "v3");
  });

  test("edit errors: not modified, not found, someone else's message, no text to edit; inline messages answer true", () => {
    const w = world();
    const sent = w.apply({ method: "sendMessage", params: { chat_id: 1001, text: "same" } }).answer.result;
    const edit = (method, params) => w.apply({ method, params: { chat_id: 1001, ...params } }).answer;
    assert.match(edit("editMessageText", { message_id: sent.message_id, text: "same" }).description, /^Bad Request: message is not modified/);
    assert.equal(edit("editMessageText", { message_id: 4242, text: "x" }).description, "Bad Request: message to edit not found");
    const mine = w.userMessage({ chat: PRIVATE, from: USER, text: "mine" });
    assert.equal(edit("editMessageText", { message_id: mine.message.message_id, text: "x" }).description, "Bad Request: message can't be edited");
    assert.equal(edit("editMessageCaption", { message_id: sent.message_id, caption: "c" }).description, "Bad Request: there is no caption in the message to edit");
    const photo = w.apply({ method: "sendPhoto", params: { chat_id: 1001, photo: "id1" } }).answer.result;
    assert.equal(edit("editMessageText", { message_id: photo.message_id, text: "t" }).description, "Bad Request: there is no text in the message to edit");
    assert.equal(edit("editMessageCaption", { message_id: photo.message_id, caption: "now with a caption" }).result.caption, "now with a caption");
    assert.deepEqual(w.apply({ method: "editMessageText", params: { inline_message_id: "abc", text: "x" } }).answer, { ok: true, result: true });
  });

  test("editMessageReplyMarkup replaces or removes the buttons", () => {
    const w = world();
    const sent = w.apply({ method: "sendMessage", params: { chat_id: 1001, text: "t", reply_markup: keyboard } }).answer.result;
    const other = { inline_keyboard: [[{ text: "undo", callback_data: "undo" }]] };
    const replaced = w.apply({ method: "editMessageReplyMarkup", params: { chat_id: 1001, message_id: sent.message_id, reply_markup: other } });
    assert.deepEqual(replaced.answer.result.reply_markup, other);
    const removed = w.apply({ method: "editMessageReplyMarkup", params: { chat_id: 1001, message_id: sent.message_id } });
    assert.equal(removed.answer.result.reply_markup, undefined);
    assert.equal(removed.event.what, "reply_markup");
    assert.equal(w.latestWithKeyboard(1001), undefined);
  });

  test("deleteMessage answers true once, then Telegram's not-found error", () => {
    const w = world();
    const sent = w.apply({ method: "sendMessage", params: { chat_id: 1001, text: "bye" } }).answer.result;
    const first = w.apply({ method: "deleteMessage", params: { chat_id: 1001, message_id: sent.message_id } });
    assert.deepEqual(first.answer, { ok: true, result: true });
    assert.deepEqual(first.event.targets, ["#1"]);
    assert.equal(w.apply({ method: "deleteMessage", params: { chat_id: 1001, message_id: sent.message_id } }).answer.description, "Bad Request: message to delete not found");
    assert.equal(w.entry(1).deleted, true);
  });

  test("answerCallbackQuery answers true for a pressed button's query, once", () => {
    const w = world();
    w.apply({ method: "sendMessage", params: { chat_id: 1001, text: "t", reply_markup: keyboard } });
    const { queryId } = w.press({ number: 1, button: 1, from: USER });
    const answered = w.apply({ method: "answerCallbackQuery", params: { callback_query_id: queryId, text: "Deleted", show_alert: true } });
    assert.deepEqual(answered.answer, { ok: true, result: true });
    assert.deepEqual([answered.event.kind, answered.event.text, answered.event.showAlert], ["toast", "Deleted", true]);
    assert.equal(w.queryAnswered(queryId), true);
    assert.match(w.apply({ method: "answerCallbackQuery", params: { callback_query_id: queryId } }).answer.description, /query is too old/);
  });

  test("sendChatAction, unknown methods, getMe, setMyCommands/getMyCommands", () => {
    const w = world();
    assert.deepEqual(w.apply({ method: "sendChatAction", params: { chat_id: 1001, action: "typing" } }), { answer: { ok: true, result: true }, event: { kind: "action", action: "typing", chatId: 1001 } });
    const unknown = w.apply({ method: "pinChatMessage", params: { chat_id: 1001, message_id: 1 } });
    assert.deepEqual(unknown.answer, { ok: true, result: true });
    assert.equal(unknown.event.kind, "other");
    assert.equal(w.apply({ method: "getMe" }).answer.result.username, STANDIN_BOT.username);
    const commands = [{ command: "ping", description: "Ping" }];
    w.apply({ method: "setMyCommands", params: { commands } });
    assert.deepEqual(w.apply({ method: "getMyCommands", params: {} }).answer.result, commands);
  });

  test("getChatMember and getChatAdministrators: the owner created the group, the bot's status is its own", () => {
    const w = createChatWorld({ clock: () => NOW, firstId: 500, owner: USER });
    w.registerChat(GROUP);
    const member = (user_id) => w.apply({ method: "getChatMember", params: { chat_id: GROUP.id, user_id } }).answer.result;
    assert.deepEqual(member(1001), { status: "creator", user: USER, is_anonymous: false });
    assert.equal(member(2002).status, "member");
    assert.deepEqual(member(STANDIN_BOT.id), { status: "member", user: BOT_FROM });
    assert.deepEqual(w.apply({ method: "getChatAdministrators", params: { chat_id: GROUP.id } }).answer.result, [{ status: "creator", user: USER, is_anonymous: false }]);
    w.memberChange({ chat: GROUP, from: USER, status: "left" });
    assert.equal(member(STANDIN_BOT.id).status, "left");
  });

  test("a blocked bot or one not in the group gets Telegram's 403", () => {
    const w = world();
    w.memberChange({ chat: PRIVATE, from: USER, status: "kicked" });
    assert.deepEqual(w.apply({ method: "sendMessage", params: { chat_id: 1001, text: "x" } }).answer, { ok: false, error_code: 403, description: "Forbidden: bot was blocked by the user" });
    w.memberChange({ chat: GROUP, from: USER, status: "left" });
    assert.equal(w.apply({ method: "sendMessage", params: { chat_id: GROUP.id, text: "x" } }).answer.description, "Forbidden: bot is not a member of the supergroup chat");
  });

  test("createAnswerer keeps answering like Telegram for register.mjs", () => {
    const answer = createAnswerer();
    assert.equal(answer({ method: "getMe", params: {} }).result.username, STANDIN_BOT.username);
    assert.deepEqual(answer({ method: "setWebhook", params: { url: "https://x" } }), { ok: true, result: true });
  });
});

describe("what the console user does", () => {
  test("a typed line: a plain message has no entities, a leading /command has a bot_command entity", () => {
    const w = world();
    const plain = w.userMessage({ chat: PRIVATE, from: USER, text: "hello there" });
    assert.deepEqual(plain.update, { update_id: 500, message: { message_id: 500, from: USER, chat: PRIVATE, date: NOW / 1000, text: "hello there" } });
    assert.ok(plain.delivered);
    const command = w.userMessage({ chat: PRIVATE, from: USER, text: "/notes@miti_local_bot x" });
    assert.deepEqual(command.message.entities, [{ type: "bot_command", offset: 0, length: 21 }]);
    assert.equal(command.update.update_id, 501);
    assert.deepEqual(userTextEntities("see /help"), []);
  });

  test("group privacy mode: commands and replies to the bot reach it, other messages do not", () => {
    const w = world();
    assert.equal(w.userMessage({ chat: GROUP, from: USER, text: "/ping" }).delivered, true);
    assert.equal(w.userMessage({ chat: GROUP, from: USER, text: "/ping@other_bot" }).delivered, false);
    const plain = w.userMessage({ chat: GROUP, from: USER, text: "hi all" });
    assert.equal(plain.delivered, false);
    assert.match(plain.reason, /privacy mode/);
    const botSaid = w.apply({ method: "sendMessage", params: { chat_id: GROUP.id, text: "?" } }).event.number;
    const reply = w.userMessage({ chat: GROUP, from: USER, text: "answer", replyTo: botSaid });
    assert.equal(reply.delivered, true);
    assert.equal(reply.message.reply_to_message.text, "?");
    w.privacy = false;
    assert.equal(w.userMessage({ chat: GROUP, from: USER, text: "hi all" }).delivered, true);
    assert.equal(w.apply({ method: "getMe" }).answer.result.can_read_all_group_messages, true);
  });

  test("anonymous group admin: from GroupAnonymousBot, sender_chat the group", () => {
    const w = world();
    const { message } = w.userMessage({ chat: GROUP, from: USER, senderChat: GROUP, text: "/ping" });
    assert.deepEqual(message.from, ANONYMOUS_ADMIN);
    assert.deepEqual(message.sender_chat, GROUP);
  });

  test("pressing a callback button gives a callback_query with the message and its data", () => {
    const w = world();
    w.apply({ method: "sendMessage", params: { chat_id: 1001, text: "Notes", reply_markup: keyboard } });
    assert.equal(w.latestWithKeyboard(1001), 1);
    const pressed = w.press({ number: 1, button: 1, from: USER });
    const query = pressed.update.callback_query;
    assert.equal(typeof query.id, "string");
    assert.deepEqual(query.from, USER);
    assert.equal(query.data, "del:12");
    assert.match(query.chat_instance, /^-?\d+$/);
    assert.deepEqual(query.message, w.entry(1).message);
    assert.deepEqual(Object.keys(query.message).sort(), ["chat", "date", "from", "message_id", "reply_markup", "text"]);
    assert.notEqual(w.press({ number: 1, button: "🗑", from: USER }).update.callback_query.id, query.id);
    // A URL button opens a browser; the bot is not told.
    assert.match(w.press({ number: 1, button: 2, from: USER }).refused, /opens https:\/\/example\.com/);
    assert.match(w.press({ number: 1, button: 3, from: USER }).refused, /no button 3/);
    assert.match(w.press({ number: 9, button: 1, from: USER }).refused, /no message #9/);
  });

  test("a reply-keyboard button sends its text; remove_keyboard hides it", () => {
    const w = world();
    w.apply({ method: "sendMessage", params: { chat_id: 1001, text: "Sure?", reply_markup: { keyboard: [[{ text: "Yes" }, { text: "No" }]] } } });
    assert.deepEqual(w.press({ number: 1, button: 2, from: USER }), { sendText: "No", chatId: 1001 });
    w.apply({ method: "sendMessage", params: { chat_id: 1001, text: "ok", reply_markup: { remove_keyboard: true } } });
    assert.equal(w.latestWithKeyboard(1001), undefined);
  });

  test("editing one's own message gives an edited_message update", () => {
    const w = world();
    const sent = w.userMessage({ chat: PRIVATE, from: USER, text: "helo" });
    const edited = w.editUserMessage({ number: sent.number, text: "/hello", from: USER });
    assert.equal(edited.update.edited_message.message_id, sent.message.message_id);
    assert.equal(edited.update.edited_message.text, "/hello");
    assert.equal(edited.update.edited_message.edit_date, NOW / 1000);
    assert.deepEqual(edited.update.edited_message.entities, [{ type: "bot_command", offset: 0, length: 6 }]);
    assert.match(w.editUserMessage({ number: sent.number, text: "x", from: { ...USER, id: 7 } }).refused, /sent by user 1001/);
    w.apply({ method: "sendMessage", params: { chat_id: 1001, text: "bot" } });
    assert.match(w.editUserMessage({ number: 2, text: "x", from: USER }).refused, /the bot's message/);
  });

  test("the bot removed from and added to a group, blocked and unblocked: my_chat_member", () => {
    const w = world();
    const left = w.memberChange({ chat: GROUP, from: USER, status: "left" }).update.my_chat_member;
    assert.deepEqual(left.chat, GROUP);
    assert.deepEqual(left.from, USER);
    assert.deepEqual(left.old_chat_member, { status: "member", user: BOT_FROM });
    assert.deepEqual(left.new_chat_member, { status: "left", user: BOT_FROM });
    assert.equal(w.userMessage({ chat: GROUP, from: USER, text: "/ping" }).delivered, false);
    assert.equal(w.memberChange({ chat: GROUP, from: USER, status: "member" }).update.my_chat_member.new_chat_member.status, "member");
    const blocked = w.memberChange({ chat: PRIVATE, from: USER, status: "kicked" }).update.my_chat_member;
    assert.deepEqual(blocked.new_chat_member, { status: "kicked", user: BOT_FROM, until_date: 0 });
    assert.match(w.userMessage({ chat: PRIVATE, from: USER, text: "hi" }).refused, /blocked/);
    assert.match(w.memberChange({ chat: PRIVATE, from: USER, status: "kicked" }).refused, /already/);
  });
});

describe("the stand-in's HTTP server", () => {
  test("reads JSON, form and multipart calls, and answers from the world", async () => {
    const w = createChatWorld({ firstId: 10 });
    const standIn = await startBotApiStandIn({ token: "1:t", answer: w.answer });
    try {
      const post = (method, body, headers = {}) => fetch(`${standIn.url}/bot1:t/${method}`, { method: "POST", body, headers }).then((r) => r.json());
      const json = await post("sendMessage", JSON.stringify({ chat_id: 1001, text: "json" }), { "content-type": "application/json" });
      assert.equal(json.result.message_id, 10);
      const form = await post("sendMessage", new URLSearchParams({ chat_id: "1001", text: "123", reply_markup: JSON.stringify(keyboard) }));
      assert.equal(form.result.text, "123"); // a number-looking text stays a text
      assert.deepEqual(form.result.reply_markup, keyboard);
      const data = new FormData();
      data.set("chat_id", "1001");
      data.set("caption", "the file");
      data.set("document", new Blob(["hello"], { type: "text/plain" }), "hello.txt");
      const multipart = await post("sendDocument", data);
      assert.deepEqual([multipart.result.document.file_name, multipart.result.document.file_size, multipart.result.caption], ["hello.txt", 5, "the file"]);
      const wrong = await fetch(`${standIn.url}/bot2:x/getMe`, { method: "POST" });
      assert.equal(wrong.status, 401);
      const bad = await fetch(`${standIn.url}/bot1:t/deleteMessage`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ chat_id: 1001, message_id: 99 }) });
      assert.equal(bad.status, 400);
      assert.equal((await bad.json()).description, "Bad Request: message to delete not found");
    } finally {
      await standIn.close();
    }
  });
});

// The chat console (scripts/chat-console.mjs) against a fake bot: piped lines
// in, stdout and the updates the bot received checked. The fake bot answers in
// the webhook body or through the console's Bot API stand-in (see
// console_harness.mjs); each test runs its own console and bot.
import assert from "node:assert/strict";
import { test } from "node:test";
import { reply, runConsole } from "./console_harness.mjs";

const NOTES = {
  inline_keyboard: [
    [{ text: "🗑 #12", callback_data: "del:12" }, { text: "🗑 #13", callback_data: "del:13" }],
    [{ text: "docs", url: "https://example.com/docs" }],
  ],
};

function ok(run) {
  assert.equal(run.code, 0, `console exit\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`);
  assert.equal(run.stderr, "");
}

test("a plain line is a message without entities, a /command has a bot_command entity; replies are numbered", async () => {
  const run = await runConsole(["hello there", "/start now"], (update) => reply(update, `got: ${update.message.text}`));
  ok(run);
  const [plain, command] = run.updates.map((u) => u.message);
  assert.equal(plain.text, "hello there");
  assert.equal(plain.entities, undefined);
  assert.deepEqual(plain.chat, { id: 1001, type: "private", first_name: "Ada", username: "ada_local" });
  assert.equal(plain.from.id, 1001);
  assert.deepEqual(command.entities, [{ type: "bot_command", offset: 0, length: 6 }]);
  assert.ok(command.message_id > plain.message_id);
  assert.ok(run.updates[1].update_id > run.updates[0].update_id);
  assert.equal(run.conversation, "you #1 › hello there\nbot #2 › got: hello there\nyou #3 › /start now\nbot #4 › got: /start now\n");
});

test("inline keyboards: numbered buttons; :press sends a callback_query with the message and its data; toast and edit shown", async () => {
  const run = await runConsole(["/notes", ":press 2", ":press 3"], async (update, bot) => {
    if (update.message) return reply(update, "<b>Notes</b>", { parse_mode: "HTML", reply_markup: NOTES });
    const query = update.callback_query;
    await bot.call("answerCallbackQuery", { callback_query_id: query.id, text: "Deleted" });
    await bot.call("editMessageText", { chat_id: query.message.chat.id, message_id: query.message.message_id, text: "Notes: #12 only", reply_markup: { inline_keyboard: [NOTES.inline_keyboard[0].slice(0, 1)] } });
  });
  ok(run);
  assert.match(run.conversation, /^you #1 › \/notes\nbot #2 › Notes\n {9}\[1 🗑 #12\] \[2 🗑 #13\]\n {9}\[3 docs ↗ https:\/\/example\.com\/docs\]\n/);
  assert.match(run.conversation, /you pressed \[2 🗑 #13\] on #2 {2}\(callback_data "del:13"\)\nbot › \(toast\) Deleted {2}\[Bot API\]\nbot › ✎ edited message #2: {2}\[Bot API\]\n {6}Notes: #12 only\n {6}\[1 🗑 #12\]\n/);
  // Button 3 of the edited message no longer exists.
  assert.match(run.conversation, /\(message #2 has no button 3 \(it has 1\)\)/);

  assert.equal(run.updates.length, 2);
  const { callback_query: query } = run.updates[1];
  assert.equal(typeof query.id, "string");
  assert.ok(query.id.length > 0);
  assert.equal(query.data, "del:13");
  assert.equal(query.from.id, 1001);
  assert.equal(typeof query.chat_instance, "string");
  // The message the keyboard is on, as Telegram stored it: the bot sent it in
  // the webhook body and never saw its id, yet it has one and edits work.
  const message = query.message;
  assert.equal(typeof message.message_id, "number");
  assert.ok(message.message_id > run.updates[0].message.message_id);
  assert.deepEqual(message.chat, run.updates[0].message.chat);
  assert.equal(message.text, "Notes");
  assert.deepEqual(message.entities, [{ type: "bold", offset: 0, length: 5 }]);
  assert.deepEqual(message.reply_markup, NOTES);
  assert.equal(typeof message.date, "number");
  assert.deepEqual(run.results.map((r) => [r.method, r.answer.ok]), [["answerCallbackQuery", true], ["editMessageText", true]]);
  assert.equal(run.results[1].answer.result.message_id, message.message_id);
  assert.equal(run.results[1].answer.result.text, "Notes: #12 only");
});

test("URL buttons are not pressable; :press by message number and by button text; an unanswered query is noted", async () => {
  const run = await runConsole(["/a", "/b", ":press 3", ":press #2 2", ":press 🗑 #12"], (update) => {
    if (update.message) return reply(update, update.message.text, { reply_markup: NOTES });
    return undefined; // never answers the callback query
  });
  ok(run);
  assert.match(run.conversation, /\(button 3 "docs" opens https:\/\/example\.com\/docs in the browser; the bot is not told\)/);
  assert.match(run.conversation, /you pressed \[2 🗑 #13\] on #2/);
  assert.match(run.conversation, /you pressed \[1 🗑 #12\] on #4/); // the newest message with buttons
  assert.match(run.conversation, /\(the bot has not answered the callback query: /);
  const queries = run.updates.filter((u) => u.callback_query).map((u) => u.callback_query);
  assert.deepEqual(queries.map((q) => [q.message.text, q.data]), [["/a", "del:13"], ["/b", "del:12"]]);
  assert.notEqual(queries[0].id, queries[1].id);
});

test("answerCallbackQuery with show_alert is an alert; edits of the buttons and deletions are shown", async () => {
  let presses = 0;
  const run = await runConsole(["/menu", ":press 1", ":press 1", "/temp"], async (update, bot) => {
    const chat_id = 1001;
    if (update.message?.text === "/menu") return reply(update, "Menu", { reply_markup: { inline_keyboard: [[{ text: "Go", callback_data: "go" }]] } });
    if (update.message?.text === "/temp") {
      const sent = await bot.call("sendMessage", { chat_id, text: "short-lived" });
      await bot.call("deleteMessage", { chat_id, message_id: sent.result.message_id });
      return;
    }
    const { id, message } = update.callback_query;
    const first = presses++ === 0;
    await bot.call("answerCallbackQuery", { callback_query_id: id, text: first ? "Are you sure?" : "Done", show_alert: first });
    if (first) await bot.call("editMessageReplyMarkup", { chat_id, message_id: message.message_id, reply_markup: { inline_keyboard: [[{ text: "Yes, go", callback_data: "sure" }]] } });
    else await bot.call("editMessageReplyMarkup", { chat_id, message_id: message.message_id });
  });
  ok(run);
  assert.match(run.conversation, /bot › \(alert\) Are you sure\? {2}\[Bot API\]\nbot › ✎ new buttons on message #2: {2}\[Bot API\]\n {6}\[1 Yes, go\]\n/);
  assert.match(run.conversation, /you pressed \[1 Yes, go\] on #2.*\nbot › \(toast\) Done {2}\[Bot API\]\nbot › ✎ buttons removed from message #2 {2}\[Bot API\]\n/);
  assert.match(run.conversation, /you #3 › \/temp\nbot #4 › short-lived {2}\[Bot API\]\nbot › ✗ deleted message #4 {2}\[Bot API\]\n/);
  assert.deepEqual(run.results.at(-1).answer, { ok: true, result: true });
});

test("force_reply: the console says so and the next line is a reply to the bot's message", async () => {
  const run = await runConsole(["/rename", "My title", "and then"], async (update, bot) => {
    const m = update.message;
    if (m.text === "/rename") {
      await bot.call("sendMessage", { chat_id: m.chat.id, text: "Send me the new title", reply_markup: { force_reply: true, input_field_placeholder: "title" } });
      return;
    }
    return reply(update, m.reply_to_message ? `renamed to ${m.text}` : `plain: ${m.text}`);
  });
  ok(run);
  assert.match(run.conversation, /bot #2 › Send me the new title {2}\[Bot API\]\n {9}\(the bot asks for a reply: "title" — your next line answers this message\)\n/);
  assert.match(run.conversation, /you #3 › ↩ #2 My title\nbot #4 › renamed to My title\nyou #5 › and then\nbot #6 › plain: and then\n/);
  const asked = run.results[0].answer.result;
  const [, answer, after] = run.updates.map((u) => u.message);
  assert.deepEqual(answer.reply_to_message, asked);
  assert.equal(answer.entities, undefined);
  assert.equal(after.reply_to_message, undefined);
});

test(":reply N answers a given message; :noreply drops the asked reply", async () => {
  const run = await runConsole(["/ask", ":noreply", "not an answer", ":reply #2 the answer", ":reply #99 x"], async (update, bot) => {
    const m = update.message;
    if (m.text === "/ask") return reply(update, "Which one?", { reply_markup: { force_reply: true } });
    return undefined;
  });
  ok(run);
  const [, plain, answer] = run.updates.map((u) => u.message);
  assert.equal(plain.reply_to_message, undefined);
  assert.equal(answer.text, "the answer");
  assert.equal(answer.reply_to_message.text, "Which one?");
  assert.equal(typeof answer.reply_to_message.message_id, "number");
  assert.match(run.conversation, /you #4 › ↩ #2 the answer\n\(no reply\)\n/);
  assert.match(run.conversation, /\(there is no message #99 to reply to\)/);
});

test(":edit sends an edited_message for one of the user's own messages", async () => {
  const run = await runConsole(["helo", ":edit #1 hello", ":edit #2 x", ":edit 1"], (update) => {
    if (update.message) return reply(update, "noted");
    return reply(update, `you edited to: ${update.edited_message.text}`);
  });
  ok(run);
  assert.equal(run.updates.length, 2);
  const [{ message }, { edited_message: edited }] = run.updates;
  assert.equal(edited.message_id, message.message_id);
  assert.equal(edited.text, "hello");
  assert.equal(typeof edited.edit_date, "number");
  assert.deepEqual(edited.chat, message.chat);
  assert.match(run.conversation, /you ✎ edited #1: hello\nbot #3 › you edited to: hello\n/);
  assert.match(run.conversation, /\(#2 is the bot's message; you can edit only your own\)/);
  assert.match(run.conversation, /\(usage: :edit <message-number> <new text>\)/);
});

test(":chat group and :anon: supergroup chat, anonymous admin sender; privacy mode holds plain messages back", async () => {
  const run = await runConsole([":chat group", "/ping", "hello group", ":privacy off", "hello again", ":anon", "/ping@miti_local_bot", ":anon", ":chat private", "/ping"], (update) => reply(update, "pong"));
  ok(run);
  const messages = run.updates.map((u) => u.message);
  assert.deepEqual(messages.map((m) => m.text), ["/ping", "hello again", "/ping@miti_local_bot", "/ping"]);
  const group = messages[0].chat;
  assert.ok(group.id < 0);
  assert.equal(group.type, "supergroup");
  assert.equal(typeof group.title, "string");
  assert.deepEqual(messages[2].from, { id: 1087968824, is_bot: true, first_name: "Group", username: "GroupAnonymousBot" });
  assert.deepEqual(messages[2].sender_chat, group);
  assert.equal(messages[1].from.id, 1001);
  assert.equal(messages[1].sender_chat, undefined);
  assert.deepEqual(messages[3].chat.type, "private");
  assert.match(run.conversation, /you #3 › hello group {2}\(not delivered: privacy mode: in groups the bot only sees \/commands and replies to its messages\)\n/);
  assert.match(run.conversation, /you \(anonymous admin\) #\d+ › \/ping@miti_local_bot\n/);
});

test(":left / :join and :block / :unblock send my_chat_member updates; the bot's messages then fail as in Telegram", async () => {
  const run = await runConsole([":chat group", ":left", "/ping", ":join", ":chat private", ":block", "hi", ":unblock", ":left"], async (update, bot) => {
    const change = update.my_chat_member;
    if (change) await bot.call("sendMessage", { chat_id: change.chat.id, text: `now ${change.new_chat_member.status}` });
    else return reply(update, "pong");
  });
  ok(run);
  const changes = run.updates.filter((u) => u.my_chat_member).map((u) => u.my_chat_member);
  assert.deepEqual(changes.map((c) => [c.chat.type, c.old_chat_member.status, c.new_chat_member.status]), [
    ["supergroup", "member", "left"], ["supergroup", "left", "member"], ["private", "member", "kicked"], ["private", "kicked", "member"],
  ]);
  for (const change of changes) {
    assert.equal(change.from.id, 1001);
    assert.equal(change.new_chat_member.user.is_bot, true);
    assert.equal(typeof change.date, "number");
  }
  assert.equal(run.updates.filter((u) => u.message).length, 0, "nothing reaches a bot that left or was blocked");
  assert.match(run.conversation, /you removed @miti_local_bot from "miti local group" {2}\(my_chat_member: member → left\)\nbot › \(sendMessage failed: 403 Forbidden: bot is not a member of the supergroup chat\)/);
  assert.match(run.conversation, /you #\d+ › \/ping {2}\(not delivered: the bot is not in this group\)/);
  assert.match(run.conversation, /you added @miti_local_bot to "miti local group" {2}\(my_chat_member: left → member\)\nbot #2 › now member {2}\[Bot API\]\n/);
  assert.match(run.conversation, /you unblocked @miti_local_bot {2}\(my_chat_member: kicked → member\)\nbot #3 › now member {2}\[Bot API\]\n/);
  assert.match(run.conversation, /bot › \(sendMessage failed: 403 Forbidden: bot was blocked by the user\)/);
  assert.match(run.conversation, /\(you blocked the bot: :unblock first\)/);
  assert.match(run.conversation, /\(:left is for groups; in a private chat use :block \/ :unblock\)/);
});

test("photos, documents, chat actions and Telegram's errors; unknown methods with parameters only in --verbose", async () => {
  const handle = async (update, bot) => {
    const chat_id = update.message.chat.id;
    await bot.call("sendChatAction", { chat_id, action: "upload_photo" });
    await bot.call("sendPhoto", { chat_id, photo: "https://example.com/cat.jpg", caption: "a <i>cat</i>", parse_mode: "HTML" });
    await bot.call("sendDocument", { chat_id, document: "BQACAgIAAxk", caption: "the report" });
    const sent = await bot.call("sendMessage", { chat_id, text: "same" });
    await bot.call("editMessageText", { chat_id, message_id: sent.result.message_id, text: "same" });
    await bot.call("pinChatMessage", { chat_id, message_id: sent.result.message_id });
    return reply(update, "1 < 2", { parse_mode: "HTML" });
  };
  const quiet = await runConsole(["/go"], handle);
  ok(quiet);
  const results = Object.fromEntries(quiet.results.map((r) => [r.method, r.answer]));
  assert.deepEqual(results.sendChatAction, { ok: true, result: true });
  assert.equal(results.sendPhoto.result.caption, "a cat");
  assert.ok(Array.isArray(results.sendPhoto.result.photo));
  assert.equal(results.sendDocument.result.document.file_id, "BQACAgIAAxk");
  assert.match(results.editMessageText.description, /message is not modified/);
  assert.deepEqual(results.pinChatMessage, { ok: true, result: true });
  assert.equal(quiet.conversation, [
    "you #1 › /go",
    "bot › (upload_photo…)  [Bot API]",
    "bot #2 › [photo] a cat  [Bot API]",
    "bot #3 › [document] the report  [Bot API]",
    "bot #4 › same  [Bot API]",
    "bot › (editMessageText failed: 400 Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message)  [Bot API]",
    "bot › (pinChatMessage)  [Bot API]",
    "bot › (sendMessage failed: 400 Bad Request: can't parse entities: Unsupported start tag \"\" at byte offset 2)",
    "      (an unescaped <, > or & in the text? escape user content for HTML)",
    "(Telegram drops errors of a call made in the webhook response: the bot never learns of this one)",
    "",
  ].join("\n"));
  const verbose = await runConsole(["/go"], handle, { args: ["--verbose"] });
  ok(verbose);
  assert.match(verbose.conversation, /bot › \(pinChatMessage\) \{"chat_id":1001,"message_id":\d+\} {2}\[Bot API\]\n/);
});

test(":history lists the chat's messages; :user switches the sender and the private chat; unknown commands are refused", async () => {
  const run = await runConsole(["one", "two", ":history 3", ":user 2002", "three", ":nope", ":say :nope"], (update) => reply(update, `ok ${update.message.text}`));
  ok(run);
  assert.match(run.conversation, /you › :history 3\n#2 bot › ok one\n#3 Ada › two\n#4 bot › ok two\n/);
  const third = run.updates[2].message;
  assert.equal(third.from.id, 2002);
  assert.equal(third.chat.id, 2002);
  assert.match(run.conversation, /\(unknown console command :nope; try :help \(to send it as a message: :say :nope\)\)/);
  assert.equal(run.updates.at(-1).message.text, ":nope");
});

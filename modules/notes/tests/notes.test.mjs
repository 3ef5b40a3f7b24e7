// notes end to end in workerd (Miniflare's real D1, migrations applied as
// wrangler would), driven through the test kit as a user would: commands, the
// 🗑 buttons, the /note conversation, chats and owners.
import { test, before, after, beforeEach, describe } from "node:test";
import assert from "node:assert/strict";
import { BOT_USERNAME, GROUP_CHAT, PRIVATE_CHAT, USER, startBot } from "../../../testkit/index.mjs";

const ALICE = USER;
const BOB = Object.freeze({ id: 8, is_bot: false, first_name: "Bob" });
const BOB_CHAT = Object.freeze({ id: BOB.id, type: "private", first_name: "Bob" });

const ids = (text) => [...text.matchAll(/<code>#(\d+)<\/code>/g)].map((m) => Number(m[1]));

describe("notes", () => {
  let bot;
  before(async () => {
    bot = await startBot({ modules: "util,notes" });
  });
  after(async () => {
    await bot?.dispose();
  });
  beforeEach(async () => {
    await bot.sql("DELETE FROM notes_notes");
    await bot.sql("DELETE FROM miti_conversations");
  });

  async function say(text, options) {
    const result = await bot.send(text, options);
    assert.equal(result.status, 200);
    return result.replies.at(-1);
  }
  const rows = () => bot.sql("SELECT id, user_id, chat_id, text FROM notes_notes ORDER BY id");

  // Notes straight into D1: newest last; returns their ids newest first.
  async function seed(owner, chat, count, text = (i) => `note ${i}`) {
    for (let i = 1; i <= count; i++) {
      await bot.sql("INSERT INTO notes_notes (user_id, chat_id, text, created_at) VALUES (?, ?, ?, ?)", owner, chat, text(i), 1_700_000_000_000 + i);
    }
    return (await bot.sql("SELECT id FROM notes_notes WHERE user_id = ? ORDER BY id DESC", owner)).map((r) => r.id);
  }

  test("/note saves a note for its owner in this chat and answers with its id", async () => {
    const reply = await say("/note buy milk");
    const [row] = await rows();
    assert.equal(reply, `saved note #${row.id}`);
    assert.deepEqual({ user_id: row.user_id, chat_id: row.chat_id, text: row.text }, { user_id: ALICE.id, chat_id: PRIVATE_CHAT.id, text: "buy milk" });
  });

  test("/note keeps the text as written, lines and markup included", async () => {
    await say("/note line one\nline <two> & \"three\"");
    assert.equal((await rows())[0].text, 'line one\nline <two> & "three"');
  });

  test("/note alone asks for the text, and the next message is saved", async () => {
    const asked = await bot.send("/note");
    assert.equal(asked.replies[0], "What should I note? (/cancel to stop)");
    assert.deepEqual(await rows(), []);
    const reply = await say("call the plumber");
    const [row] = await rows();
    assert.equal(reply, `saved note #${row.id}`);
    assert.equal(row.text, "call the plumber");
    // The conversation is over: the next plain message is not a note.
    await bot.send("just chatting");
    assert.equal((await rows()).length, 1);
  });

  test("/cancel, or any other command, ends the question; nothing is saved", async () => {
    await bot.send("/note");
    assert.equal(await say("/cancel"), "Cancelled.");
    await bot.send("not a note");
    assert.deepEqual(await rows(), []);
    assert.equal(await say("/cancel"), "Nothing to cancel.");

    await bot.send("/note");
    await say("/help");  // another command
    await bot.send("not a note either");
    assert.deepEqual(await rows(), []);
  });

  test("the question times out", async () => {
    await bot.send("/note");
    await bot.sql("UPDATE miti_conversations SET expires_at = 1");  // as if 5 minutes had passed
    await bot.send("too late");
    assert.deepEqual(await rows(), []);
  });

  test("two people asked in one group answer without cross-talk", async () => {
    await bot.send("/note", { chat: GROUP_CHAT, from: ALICE });
    const asked = await bot.send("/note", { chat: GROUP_CHAT, from: BOB });
    // In groups the question asks for a reply (privacy mode), to the asker.
    const question = asked.calls.at(-1).params;
    assert.equal(question.reply_markup.force_reply, true);
    assert.equal(question.reply_markup.selective, true);
    await bot.send("bob's line", { chat: GROUP_CHAT, from: BOB });
    await bot.send("alice's line", { chat: GROUP_CHAT, from: ALICE });
    const saved = await rows();
    assert.deepEqual(saved.map((r) => [r.user_id, r.text]), [[BOB.id, "bob's line"], [ALICE.id, "alice's line"]]);
  });

  test("/note refuses a note over 1,000 characters", async () => {
    assert.equal(await say(`/note ${"x".repeat(1001)}`), "That note is too long: at most 1000 characters.");
    assert.match(await say(`/note ${"é".repeat(1000)}`), /^saved note #\d+$/);
    assert.equal((await rows()).length, 1);
  });

  test("/note refuses the 201st note of an owner", async () => {
    await bot.sql("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200) INSERT INTO notes_notes (user_id, chat_id, text, created_at) SELECT ?, ?, 'x', i FROM n", ALICE.id, PRIVATE_CHAT.id);
    assert.match(await say("/note one too many"), /^You have 200 notes, the most allowed\./);
    assert.equal((await rows()).length, 200);
    // Someone else is not limited by Alice's notes.
    assert.match(await say("/note mine", { chat: BOB_CHAT, from: BOB }), /^saved note #\d+$/);
  });

  test("/notes lists the owner's notes in this chat, newest first, with a 🗑 button each", async () => {
    const alice = await seed(ALICE.id, PRIVATE_CHAT.id, 12);
    await seed(BOB.id, BOB_CHAT.id, 3, (i) => `bob ${i}`);
    const result = await bot.send("/notes");
    const sent = result.calls.at(-1).params;
    assert.equal(sent.parse_mode, "HTML");
    assert.deepEqual(ids(sent.text), alice.slice(0, 10));
    assert.match(sent.text, new RegExp(`^<b>your notes here</b> \\(newest first\\)\n<code>#${alice[0]}</code> note 12\n`));
    assert.doesNotMatch(sent.text, /bob/);
    const buttons = sent.reply_markup.inline_keyboard.flat();
    assert.deepEqual(buttons.map((b) => b.text), alice.slice(0, 10).map((id) => `🗑 #${id}`));
    for (const button of buttons) assert.ok(Buffer.byteLength(button.callback_data) <= 64);
  });

  test("/notes n lists n, clamped to 1..50", async () => {
    const [newest] = await seed(ALICE.id, PRIVATE_CHAT.id, 55);
    const listed = async (line) => ids((await bot.send(line)).calls.at(-1).params.text);
    assert.equal((await listed("/notes 3")).length, 3);
    assert.deepEqual(await listed("/notes 1"), [newest]);
    assert.deepEqual(await listed("/notes 0"), [newest]);
    assert.deepEqual(await listed("/notes -4"), [newest]);
    assert.equal((await listed("/notes 50")).length, 50);
    assert.equal((await listed("/notes 99999999999999999999")).length, 50);
  });

  test("/notes with a bad count answers a usage line", async () => {
    for (const line of ["/notes abc", "/notes 2 3", "/notes 1.5", "/notes 3x"]) {
      assert.match(await say(line), /^Usage: \/notes \[n\]/, line);
    }
  });

  test("/notes with no notes here says so", async () => {
    await seed(BOB.id, BOB_CHAT.id, 2);
    assert.equal(await say("/notes"), "no notes here yet; save one with /note <text>");
  });

  test("/notes escapes HTML in notes", async () => {
    await say('/note <script>alert("x")</script> & <b>bold</b>');
    const sent = (await bot.send("/notes")).calls.at(-1).params;
    assert.match(sent.text, /&lt;script&gt;alert\(&quot;x&quot;\)&lt;\/script&gt; &amp; &lt;b&gt;bold&lt;\/b&gt;$/);
  });

  test("long lists are split between notes, each message's HTML balanced, and carry no buttons", async () => {
    const alice = await seed(ALICE.id, PRIVATE_CHAT.id, 50, (i) => `${i}: ` + "<&>".repeat(300));
    const result = await bot.send("/notes 50");
    const messages = result.calls.filter((c) => c.method === "sendMessage").map((c) => c.params);
    assert.ok(messages.length > 1, "50 long notes fit in one message?");
    for (const message of messages) {
      assert.equal((message.text.match(/<code>/g) ?? []).length, (message.text.match(/<\/code>/g) ?? []).length);
      assert.doesNotMatch(message.text, /&(?!amp;|lt;|gt;|quot;)/, "a cut through an entity");
      assert.equal(message.reply_markup, undefined);
    }
    assert.match(messages[0].text, new RegExp(`#${alice[0]}</code> 50: (&lt;|&amp;|&gt;){196}\u2026(\n|$)`));
    assert.deepEqual(messages.flatMap((m) => ids(m.text)), alice);
    assert.match(messages.at(-1).text, /Delete one with \/forget <id>\.$/);
  });

  test("pressing 🗑 deletes that note and edits the list in place", async () => {
    const [newest, middle, oldest] = await seed(ALICE.id, PRIVATE_CHAT.id, 3);
    const list = await bot.send("/notes");
    const listMessage = list.messages.at(-1);
    const press = await bot.press(`🗑 #${middle}`);
    assert.equal(press.status, 200);
    assert.deepEqual((await rows()).map((r) => r.id).sort(), [oldest, newest].sort());
    const answer = press.calls.find((c) => c.method === "answerCallbackQuery");
    assert.equal(answer.params.text, `Deleted note #${middle}`);
    const edit = press.calls.find((c) => c.method === "editMessageText");
    assert.equal(edit.params.message_id, listMessage.message_id);
    assert.deepEqual(ids(edit.params.text), [newest, oldest]);
    assert.deepEqual(edit.params.reply_markup.inline_keyboard.flat().map((b) => b.text), [`🗑 #${newest}`, `🗑 #${oldest}`]);
    assert.ok(press.answered(), "the spinner stops");

    // Deleting the rest leaves a list that says so, without buttons.
    await bot.press(`🗑 #${newest}`);
    const last = await bot.press(`🗑 #${oldest}`);
    const emptied = last.calls.find((c) => c.method === "editMessageText");
    assert.equal(emptied.params.text, "no notes here any more; save one with /note <text>");
    assert.equal(emptied.params.reply_markup, undefined);
    assert.deepEqual(await rows(), []);
  });

  test("only the owner's press deletes; others get an answer saying so", async () => {
    const [mine] = await seed(ALICE.id, GROUP_CHAT.id, 1);
    await bot.send("/notes", { chat: GROUP_CHAT, from: ALICE });
    const press = await bot.press(`🗑 #${mine}`, { chat: GROUP_CHAT, from: BOB });
    const answer = press.calls.find((c) => c.method === "answerCallbackQuery");
    assert.equal(answer.params.text, "Only the note's owner can delete it.");
    assert.equal(press.calls.filter((c) => c.method === "editMessageText").length, 0);
    assert.deepEqual((await rows()).map((r) => r.id), [mine]);
  });

  test("a double tap deletes once; the second press is answered", async () => {
    const [id] = await seed(ALICE.id, PRIVATE_CHAT.id, 2);
    const list = await bot.send("/notes");
    const message = list.messages.at(-1);
    await bot.press(`🗑 #${id}`, { message });
    // The keyboard of the old message object still shows the button.
    const again = await bot.deliver({
      update_id: 987_654_321,
      callback_query: { id: "second-tap", from: ALICE, chat_instance: "1", message, data: message.reply_markup.inline_keyboard[0][0].callback_data },
    });
    assert.equal(again.calls.find((c) => c.method === "answerCallbackQuery").params.text, "That note is already gone.");
    assert.equal((await rows()).length, 1);
  });

  test("notes stay in the chat they were saved in: a private note never shows in a group", async () => {
    await say("/note private thought");
    await say(`/note@${BOT_USERNAME} for the group`, { chat: GROUP_CHAT });
    const group = (await bot.send("/notes", { chat: GROUP_CHAT })).calls.at(-1).params.text;
    assert.match(group, /for the group/);
    assert.doesNotMatch(group, /private thought/);
    const mine = (await bot.send("/notes")).calls.at(-1).params.text;
    assert.match(mine, /private thought/);
    assert.doesNotMatch(mine, /for the group/);
    // /forget works only where the note lives.
    const [privateNote] = await rows();
    assert.match(await say(`/forget ${privateNote.id}`, { chat: GROUP_CHAT }), /nothing deleted/);
  });

  test("notes saved before chats existed (chat_id NULL) are private: only in the owner's private chat", async () => {
    await bot.sql("INSERT INTO notes_notes (user_id, chat_id, text, created_at) VALUES (?, NULL, 'old note', 1)", ALICE.id);
    assert.match((await bot.send("/notes")).calls.at(-1).params.text, /old note/);
    assert.equal(await say("/notes", { chat: GROUP_CHAT }), "no notes here yet; save one with /note <text>");
  });

  test("an anonymous admin's notes belong to the group, not to the admin or other members", async () => {
    await say("/note from the anonymous admin", { chat: GROUP_CHAT, asChat: GROUP_CHAT });
    const [row] = await rows();
    assert.equal(row.user_id, GROUP_CHAT.id);
    assert.equal(await say("/notes", { chat: GROUP_CHAT }), "no notes here yet; save one with /note <text>");
    assert.match((await bot.send("/notes", { chat: GROUP_CHAT, asChat: GROUP_CHAT })).calls.at(-1).params.text, /from the anonymous admin/);
  });

  test("/forget deletes one of the owner's notes here; refuses others' and unknown ids", async () => {
    await say("/note keep");
    await say("/note drop");
    const [keep, drop] = await rows();
    assert.equal(await say(`/forget ${drop.id}`), `forgot note #${drop.id}`);
    assert.equal(await say(`/forget #${keep.id}`, { chat: BOB_CHAT, from: BOB }), `you have no note #${keep.id} here; nothing deleted`);
    assert.equal(await say("/forget 999999"), "you have no note #999999 here; nothing deleted");
    assert.deepEqual((await rows()).map((r) => r.id), [keep.id]);
  });

  test("/forget without a valid id answers a usage line", async () => {
    for (const line of ["/forget", "/forget abc", "/forget 0", "/forget -1", "/forget 1 2", "/forget 99999999999999999999"]) {
      assert.match(await say(line), /^Usage: \/forget <id>/, line);
    }
  });

  test("a re-delivered /note saves once", async () => {
    const update = { update_id: 123_456, message: { message_id: 9, date: 1_700_000_000, chat: PRIVATE_CHAT, from: ALICE, text: "/note once", entities: [{ type: "bot_command", offset: 0, length: 5 }] } };
    await bot.deliver(update);
    const again = await bot.deliver(update);
    assert.equal(again.status, 200);
    assert.equal(again.replies.length, 0);
    assert.equal((await rows()).length, 1);
  });

  test("/help lists the notes commands and /cancel", async () => {
    const help = await say("/help");
    for (const command of ["/note", "/notes", "/forget", "/cancel"]) assert.ok(help.includes(command), command);
  });
});

// Issue 4: the notes module end to end through /webhook, on Miniflare's real D1
// with migrations/ applied as wrangler would (startWorker({migrations: true})).
import { test, before, after, beforeEach, describe } from "node:test";
import assert from "node:assert/strict";
import { BOT_USERNAME, startWorker, textUpdate, webhookReply } from "./harness.mjs";

const ALICE = 7;
const BOB = 8;

describe("notes", () => {
  let w;
  let db;
  before(async () => {
    w = await startWorker({ bindings: { MODULES: "util,notes" }, migrations: true });
    db = await w.mf.getD1Database("DB");
  });
  after(async () => {
    await w?.dispose();
  });
  beforeEach(async () => {
    await db.prepare("DELETE FROM notes_notes").run();
    w.calls.length = 0;
  });

  // Sends a line as a user; returns the first reply (webhook body).
  async function say(text, { from = ALICE, chatId = 42, chatType = "private" } = {}) {
    const response = await w.webhook(textUpdate(text, { fromId: from, chatId, chatType }));
    assert.equal(response.status, 200);
    return webhookReply(response);
  }

  async function rows() {
    const { results } = await db.prepare("SELECT id, user_id, text FROM notes_notes ORDER BY id").all();
    return results;
  }

  async function seed(userId, count, text = (i) => `note ${i}`) {
    const statements = [];
    for (let i = 1; i <= count; i++) {
      statements.push(
        db.prepare("INSERT INTO notes_notes (user_id, text, created_at) VALUES (?, ?, ?)").bind(userId, text(i), 1_700_000_000_000 + i),
      );
    }
    await db.batch(statements);
    // AUTOINCREMENT ids keep counting across tests: hand back the real ones, newest first.
    const { results } = await db.prepare("SELECT id FROM notes_notes WHERE user_id = ? ORDER BY id DESC").bind(userId).all();
    return results.map((r) => r.id);
  }

  const ids = (reply) => [...reply.text.matchAll(/<code>#(\d+)<\/code>/g)].map((m) => Number(m[1]));

  test("/note saves a note for the sender and answers with its id", async () => {
    const reply = await say("/note buy milk");
    assert.equal(reply.method, "sendMessage");
    assert.equal(reply.chat_id, 42);
    assert.match(reply.text, /^saved note #\d+$/);
    const [row] = await rows();
    assert.equal(reply.text, `saved note #${row.id}`);
    assert.deepEqual({ user_id: row.user_id, text: row.text }, { user_id: ALICE, text: "buy milk" });
  });

  test("/note keeps the text as written, lines and markup included", async () => {
    await say("/note line one\nline <two> & \"three\"");
    assert.equal((await rows())[0].text, 'line one\nline <two> & "three"');
  });

  test("/note without text answers a usage line and saves nothing", async () => {
    assert.equal((await say("/note")).text, "usage: /note <text>");
    assert.equal((await say("/note    ")).text, "usage: /note <text>");
    assert.deepEqual(await rows(), []);
  });

  test("/notes lists the sender's notes newest first, default 10", async () => {
    const alice = await seed(ALICE, 12);
    await seed(BOB, 3, (i) => `bob ${i}`);
    const reply = await say("/notes");
    assert.equal(reply.parse_mode, "HTML");
    assert.deepEqual(ids(reply), alice.slice(0, 10));
    assert.match(reply.text, new RegExp(`^<b>your notes</b> \\(newest first\\)\n<code>#${alice[0]}</code> note 12\n`));
    assert.doesNotMatch(reply.text, /bob/);
  });

  test("/notes n lists n, clamped to 1..50", async () => {
    const [newest] = await seed(ALICE, 55);
    assert.equal(ids(await say("/notes 3")).length, 3);
    assert.deepEqual(ids(await say("/notes 1")), [newest]);
    assert.deepEqual(ids(await say("/notes 0")), [newest]);
    assert.deepEqual(ids(await say("/notes -4")), [newest]);
    assert.equal(ids(await say("/notes 50")).length, 50);
    assert.equal(ids(await say("/notes 51")).length, 50);
    assert.equal(ids(await say("/notes 99999999999999999999")).length, 50);
  });

  test("/notes with a bad count answers a usage line", async () => {
    for (const line of ["/notes abc", "/notes 2 3", "/notes 1.5", "/notes 3x"]) {
      assert.match((await say(line)).text, /^usage: \/notes \[n\]/, line);
    }
  });

  test("/notes with no notes says so", async () => {
    await seed(BOB, 2);
    assert.equal((await say("/notes")).text, "no notes yet; save one with /note <text>");
  });

  test("/notes escapes HTML in notes", async () => {
    await say('/note <script>alert("x")</script> & <b>bold</b>');
    const reply = await say("/notes");
    assert.equal(reply.parse_mode, "HTML");
    assert.match(reply.text, /&lt;script&gt;alert\(&quot;x&quot;\)&lt;\/script&gt; &amp; &lt;b&gt;bold&lt;\/b&gt;$/);
    assert.doesNotMatch(reply.text, /<script>/);
  });

  test("long lists are split between notes, so every message's HTML stays balanced", async () => {
    const alice = await seed(ALICE, 50, (i) => `${i}: ` + "<&>".repeat(300));
    const first = await say("/notes 50");
    // The first piece may ride in the webhook body; the rest are Bot API calls.
    const messages = [first, ...w.calls.filter((c) => c.method === "sendMessage").map((c) => c.params)].filter(Boolean);
    assert.ok(messages.length > 1, "50 long notes fit in one message?");
    for (const message of messages) {
      assert.equal(message.parse_mode, "HTML");
      assert.equal((message.text.match(/<code>/g) ?? []).length, (message.text.match(/<\/code>/g) ?? []).length);
      assert.doesNotMatch(message.text, /&(?!amp;|lt;|gt;|quot;)/, "a cut through an entity");
    }
    // A listed note shows 200 characters at most, marked when cut.
    assert.match(messages[0].text, new RegExp(`#${alice[0]}</code> 50: (&lt;|&amp;|&gt;){196}\u2026(\n|$)`));
    const listed = messages.flatMap((m) => [...m.text.matchAll(/<code>#(\d+)<\/code>/g)].map((x) => Number(x[1])));
    assert.deepEqual(listed, alice);
  });

  test("/forget deletes one of the sender's own notes", async () => {
    await say("/note keep");
    await say("/note drop");
    const [keep, drop] = await rows();
    assert.equal((await say(`/forget ${drop.id}`)).text, `forgot note #${drop.id}`);
    assert.deepEqual((await rows()).map((r) => r.id), [keep.id]);
    // "#12" is how /notes shows ids, so it is accepted too.
    assert.equal((await say(`/forget #${keep.id}`)).text, `forgot note #${keep.id}`);
    assert.deepEqual(await rows(), []);
  });

  test("/forget refuses someone else's note and deletes nothing", async () => {
    await say("/note bob's secret", { from: BOB });
    const [bobs] = await rows();
    const reply = await say(`/forget ${bobs.id}`, { from: ALICE });
    assert.equal(reply.text, `you have no note #${bobs.id}; nothing deleted`);
    assert.deepEqual(await rows(), [bobs]);
    // Bob still sees it; Alice never did.
    assert.deepEqual(ids(await say("/notes", { from: BOB })), [bobs.id]);
    assert.equal((await say("/notes", { from: ALICE })).text, "no notes yet; save one with /note <text>");
  });

  test("/forget of an id that does not exist is refused", async () => {
    assert.equal((await say("/forget 999")).text, "you have no note #999; nothing deleted");
  });

  test("/forget without a valid id answers a usage line", async () => {
    await say("/note x");
    for (const line of ["/forget", "/forget abc", "/forget 0", "/forget -1", "/forget 1 2", "/forget 99999999999999999999"]) {
      assert.match((await say(line)).text, /^usage: \/forget <id>/, line);
    }
    assert.equal((await rows()).length, 1);
  });

  test("notes belong to the sender across chats, and work in groups with @bot", async () => {
    await say(`/note@${BOT_USERNAME} from the group`, { chatId: -100123, chatType: "supergroup" });
    await say("/note from private");
    const reply = await say("/notes", { chatId: -100123, chatType: "supergroup" });
    assert.equal(reply.chat_id, -100123);
    assert.match(reply.text, /from private\n.*from the group$/);
  });

  test("a channel post (no sender) gets the usage line and saves nothing", async () => {
    const update = {
      update_id: 900001,
      channel_post: {
        message_id: 5,
        date: 1_700_000_000,
        chat: { id: -100999, type: "channel" },
        text: "/note channel",
        entities: [{ type: "bot_command", offset: 0, length: 5 }],
      },
    };
    const reply = await webhookReply(await w.webhook(update));
    assert.equal(reply.text, "usage: /note <text>");
    assert.deepEqual(await rows(), []);
  });

  test("/help lists the notes commands", async () => {
    const help = (await say("/help")).text;
    for (const command of ["/note", "/notes", "/forget"]) assert.ok(help.includes(command), command);
  });
});

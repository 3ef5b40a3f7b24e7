// The chat console's pure formatting helpers (scripts/lib/console-format.mjs).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  formatEvent, formatKeyboard, formatTranscriptEntry, formatUserMessage, keyboardButtons, makeStyle,
  messageBody, parseFormatted, parseHtml, renderEntities,
} from "../../scripts/lib/console-format.mjs";

const plain = makeStyle(false);
const color = makeStyle(true);

describe("parseHtml: Telegram's HTML parse mode as text + entities", () => {
  test("tags become entities with UTF-16 offsets, character references are decoded", () => {
    assert.deepEqual(parseHtml("<b>bold</b> &lt;x&gt; <i>it</i>"), {
      text: "bold <x> it",
      entities: [{ type: "bold", offset: 0, length: 4 }, { type: "italic", offset: 9, length: 2 }],
    });
    // Only &lt; &gt; &amp; &quot; are named; numeric references all work.
    assert.equal(parseHtml("&amp;&quot;&#65;&#x42;&nbsp;").text, '&"AB&nbsp;');
    // 😀 is two UTF-16 units: the entity after it starts at 3.
    assert.deepEqual(parseHtml("😀 <u>u</u>"), { text: "😀 u", entities: [{ type: "underline", offset: 3, length: 1 }] });
  });

  test("links, nesting, spoilers, pre with a language, empty entities dropped", () => {
    const { text, entities } = parseHtml('<a href="https://a.b/?x=1&amp;y=2">link</a> <b>a <i>b</i></b> <tg-spoiler>s</tg-spoiler> <pre><code class="language-cpp">int x;</code></pre><b></b>');
    assert.equal(text, "link a b s int x;");
    assert.deepEqual(entities, [
      { type: "text_link", offset: 0, length: 4, url: "https://a.b/?x=1&y=2" },
      { type: "bold", offset: 5, length: 3 },
      { type: "italic", offset: 7, length: 1 },
      { type: "spoiler", offset: 9, length: 1 },
      { type: "pre", offset: 11, length: 6, language: "cpp" },
    ]);
  });

  test("markup Telegram rejects gives its can't-parse-entities error", () => {
    assert.match(parseHtml("1 < 2").error, /^Bad Request: can't parse entities: Unsupported start tag "" at byte offset 2$/);
    assert.match(parseHtml("<foo>x</foo>").error, /Unsupported start tag "foo" at byte offset 0/);
    assert.match(parseHtml("é</b>").error, /Unexpected end tag at byte offset 2/); // bytes, not characters
    assert.match(parseHtml("<b>x</i>").error, /Unmatched end tag at byte offset 4, expected "<\/b>", found "<\/i>"/);
    assert.match(parseHtml("<b>x").error, /Can't find end tag corresponding to start tag "b"/);
    assert.match(parseHtml('<span class="x">x</span>').error, /span/);
  });

  test("parseFormatted: MarkdownV2 is unescaped, plain text keeps explicit entities", () => {
    assert.deepEqual(parseFormatted("a\\.b\\!", "MarkdownV2"), { text: "a.b!", entities: [] });
    const entities = [{ type: "bold", offset: 0, length: 1 }];
    assert.deepEqual(parseFormatted("ab", undefined, entities), { text: "ab", entities });
    assert.deepEqual(parseFormatted(undefined, "HTML"), { text: "", entities: [] });
  });
});

describe("renderEntities", () => {
  test("without colour: plain text, links show their target unless the text is the target", () => {
    const { text, entities } = parseHtml('<b>hi</b> <a href="https://x.y">there</a> <a href="https://x.y">https://x.y</a>');
    assert.equal(renderEntities(text, entities, plain), "hi there <https://x.y> https://x.y");
  });

  test("with colour: ANSI styles around each entity; block quotes get a margin", () => {
    const { text, entities } = parseHtml("<b>a</b>b");
    assert.equal(renderEntities(text, entities, color), "\x1b[1ma\x1b[22mb");
    const quote = parseHtml("x\n<blockquote>one\ntwo</blockquote>");
    assert.equal(renderEntities(quote.text, quote.entities, plain), "x\n│ one\n│ two");
  });
});

describe("keyboards", () => {
  const markup = {
    inline_keyboard: [
      [{ text: "🗑 #12", callback_data: "del:12" }, { text: "🗑 #13", callback_data: "del:13" }],
      [{ text: "docs", url: "https://example.com/docs" }, { text: "copy", copy_text: { text: "abc" } }],
    ],
  };

  test("buttons are numbered in reading order; only callback buttons reach the bot", () => {
    const buttons = keyboardButtons(markup);
    assert.deepEqual(buttons.map((b) => [b.number, b.text, b.kind, b.pressable]), [
      [1, "🗑 #12", "callback", true], [2, "🗑 #13", "callback", true], [3, "docs", "url", false], [4, "copy", "copy", false],
    ]);
    assert.deepEqual(keyboardButtons(undefined), []);
    assert.deepEqual(keyboardButtons({ force_reply: true }), []);
  });

  test("one line per row, URL buttons show their URL", () => {
    assert.deepEqual(formatKeyboard(markup, plain), ["[1 🗑 #12] [2 🗑 #13]", '[3 docs ↗ https://example.com/docs] [4 copy ⧉ copies "abc"]']);
  });

  test("reply keyboards, their removal and force_reply", () => {
    assert.deepEqual(formatKeyboard({ keyboard: [[{ text: "Yes" }, "No"], [{ text: "Later" }]] }, plain), ["⌨ [1 Yes] [2 No]", "  [3 Later]"]);
    assert.deepEqual(formatKeyboard({ remove_keyboard: true }, plain), ["(reply keyboard removed)"]);
    assert.match(formatKeyboard({ force_reply: true, input_field_placeholder: "title" }, plain)[0], /^\(the bot asks for a reply: "title"/);
    assert.deepEqual(formatKeyboard(undefined, plain), []);
  });
});

describe("messages and events", () => {
  const chatId = 1001;
  const message = (extra) => ({ message_id: 5, chat: { id: chatId, type: "private" }, date: 1, ...extra });

  test("messageBody: text with entities, media with caption", () => {
    assert.equal(messageBody(message({ text: "hi" }), plain), "hi");
    assert.equal(messageBody(message({ photo: [{}], caption: "a cat" }), plain), "[photo] a cat");
    assert.equal(messageBody(message({ document: { file_name: "r.pdf" } }), plain), "[document r.pdf]");
  });

  test("a sent message: number, body, keyboard aligned under the text, [via] tag, other chats named", () => {
    const event = { kind: "message", number: 2, chatId, message: message({ text: "Notes\nmilk", reply_markup: { inline_keyboard: [[{ text: "x", callback_data: "x" }]] } }) };
    assert.equal(formatEvent(event, { consoleChatId: chatId, style: plain }), "bot #2 › Notes\n         milk\n         [1 x]");
    assert.equal(formatEvent({ ...event, replyTo: 1 }, { via: "Bot API", consoleChatId: chatId, style: plain }).split("\n")[0], "bot #2 › ↩ #1 Notes  [Bot API]");
    assert.equal(formatEvent({ ...event, chatId: 77 }, { consoleChatId: chatId, style: plain }).split("\n")[0], "bot #2 → chat 77 › Notes");
    // force_reply travels in `markup` (a Message's reply_markup holds inline keyboards only).
    const asked = formatEvent({ ...event, message: message({ text: "Title?" }), markup: { force_reply: true } }, { consoleChatId: chatId, style: plain });
    assert.match(asked, /^bot #2 › Title\?\n {9}\(the bot asks for a reply/);
  });

  test("edits, removed buttons and deletions", () => {
    const edited = { kind: "edit", what: "text", number: 3, target: "#3", chatId, message: message({ text: "new", reply_markup: { inline_keyboard: [[{ text: "ok", callback_data: "ok" }]] } }) };
    assert.equal(formatEvent(edited, { consoleChatId: chatId, style: plain }), "bot › ✎ edited message #3:\n      new\n      [1 ok]");
    const markupOnly = { ...edited, what: "reply_markup" };
    assert.equal(formatEvent(markupOnly, { consoleChatId: chatId, style: plain }), "bot › ✎ new buttons on message #3:\n      [1 ok]");
    const removed = { ...edited, what: "reply_markup", message: message({ text: "new" }) };
    assert.equal(formatEvent(removed, { consoleChatId: chatId, style: plain }), "bot › ✎ buttons removed from message #3");
    const caption = { ...edited, what: "caption", message: message({ photo: [{}], caption: "c" }) };
    assert.equal(formatEvent(caption, { consoleChatId: chatId, style: plain }), "bot › ✎ edited the caption of message #3:\n      [photo] c");
    assert.equal(formatEvent({ kind: "delete", targets: ["#3", "#4"], chatId }, { consoleChatId: chatId, style: plain }), "bot › ✗ deleted message #3, message #4");
  });

  test("toasts, alerts, actions, errors; unknown methods with their parameters only when verbose", () => {
    const opts = { consoleChatId: chatId, style: plain };
    assert.equal(formatEvent({ kind: "toast", text: "Deleted" }, opts), "bot › (toast) Deleted");
    assert.equal(formatEvent({ kind: "toast", text: "Sure?", showAlert: true }, opts), "bot › (alert) Sure?");
    assert.equal(formatEvent({ kind: "toast", text: "" }, opts), "");
    assert.equal(formatEvent({ kind: "action", action: "typing", chatId }, opts), "bot › (typing…)");
    assert.equal(formatEvent({ kind: "error", method: "sendMessage", error_code: 400, description: "Bad Request: x", hint: "(h)" }, opts), "bot › (sendMessage failed: 400 Bad Request: x)\n      (h)");
    assert.equal(formatEvent({ kind: "other", method: "pinChatMessage", params: { message_id: 1 } }, opts), "bot › (pinChatMessage)");
    assert.equal(formatEvent({ kind: "other", method: "pinChatMessage", params: { message_id: 1 } }, { ...opts, verbose: true }), 'bot › (pinChatMessage) {"message_id":1}');
    assert.equal(formatEvent({ kind: "quiet", method: "getMe", params: {} }, opts), "");
    assert.equal(formatEvent({ kind: "quiet", method: "getMe", params: {} }, { ...opts, verbose: true }), "bot › (getMe) {}");
  });

  test("the user's own messages and the :history lines", () => {
    assert.equal(formatUserMessage({ number: 4, message: message({ text: "hi" }), replyTo: 3, style: plain }), "you #4 › ↩ #3 hi");
    assert.equal(formatUserMessage({ number: 4, message: message({ text: "hi", sender_chat: { id: -1 } }), style: plain, note: "not delivered" }), "you (anonymous admin) #4 › hi  (not delivered)");
    const entry = { number: 2, byBot: true, replyTo: 1, deleted: false, message: message({ text: "a\nb", edit_date: 2 }) };
    assert.equal(formatTranscriptEntry(entry, { keyboard: { inline_keyboard: [[{ text: "x", callback_data: "x" }]] }, style: plain }), "#2 bot › ↩ #1 a  (+1 line, edited, 1 button)");
    assert.equal(formatTranscriptEntry({ ...entry, deleted: true }, { style: plain }), "#2 bot › (deleted)");
    assert.equal(formatTranscriptEntry({ ...entry, byBot: false, replyTo: undefined, message: message({ text: "yo", from: { first_name: "Ada" } }) }, { style: plain }), "#2 Ada › yo");
  });
});

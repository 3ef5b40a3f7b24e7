// Pure text helpers for the chat console: Telegram's HTML parse mode turned
// into text + entities (as Telegram stores a message), entities rendered for a
// terminal (bold/italic/code as ANSI styles when it has colour, links showing
// their target), keyboards with numbered buttons, and the lines the console
// prints for each thing that happens in the chat. No I/O here.

export function makeStyle(color) {
  const wrap = (open, close) => (text) => (color ? `\x1b[${open}m${text}\x1b[${close}m` : text);
  return {
    color,
    bold: wrap(1, 22),
    italic: wrap(3, 23),
    underline: wrap(4, 24),
    strike: wrap(9, 29),
    dim: wrap(2, 22),
    code: wrap(36, 39),
    green: wrap(32, 39),
    cyan: wrap(36, 39),
    yellow: wrap(33, 39),
    red: wrap(31, 39),
  };
}

// --- parse modes ---------------------------------------------------------------

// The only named character references Telegram's HTML supports; others stay
// as they are (numeric ones are all supported).
const NAMED_ENTITIES = { lt: "<", gt: ">", amp: "&", quot: '"' };

function decodeEntities(text) {
  return text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (whole, name) => {
    if (name[0] === "#") {
      const code = name[1] === "x" || name[1] === "X" ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      return Number.isFinite(code) && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return NAMED_ENTITIES[name.toLowerCase()] ?? whole;
  });
}

const HTML_TAGS = {
  b: "bold", strong: "bold", i: "italic", em: "italic", u: "underline", ins: "underline",
  s: "strikethrough", strike: "strikethrough", del: "strikethrough", "tg-spoiler": "spoiler",
  span: "spoiler", a: "text_link", code: "code", pre: "pre", blockquote: "blockquote", "tg-emoji": "custom_emoji",
};

function parseAttributes(source) {
  const attributes = {};
  for (const [, name, dq, sq, bare] of source.matchAll(/([a-zA-Z_:-]+)\s*(?:=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?/g)) {
    attributes[name.toLowerCase()] = decodeEntities(dq ?? sq ?? bare ?? "");
  }
  return attributes;
}

const byteOffset = (html, index) => Buffer.byteLength(html.slice(0, index), "utf8");

// What Telegram makes of `text` with parse_mode HTML: the plain text and its
// entities (offsets and lengths in UTF-16 code units), or Telegram's own
// "can't parse entities" error for markup it rejects (an unescaped `<` in user
// content is the classic one).
export function parseHtml(html) {
  let text = "";
  const entities = [];
  const open = []; // {tag, entity}
  const fail = (what, index) => ({ error: `Bad Request: can't parse entities: ${what}${index === undefined ? "" : ` at byte offset ${byteOffset(html, index)}`}` });
  let i = 0;
  while (i < html.length) {
    const lt = html.indexOf("<", i);
    const chunk = html.slice(i, lt < 0 ? html.length : lt);
    text += decodeEntities(chunk);
    if (lt < 0) break;
    const gt = html.indexOf(">", lt);
    const closing = html[lt + 1] === "/";
    const nameMatch = html.slice(lt + (closing ? 2 : 1)).match(/^[a-zA-Z][a-zA-Z0-9-]*/);
    if (!closing && (!nameMatch || gt < 0)) return fail(`Unsupported start tag "${nameMatch?.[0] ?? ""}"`, lt);
    if (closing && gt < 0) return fail("Unexpected end tag", lt);
    const name = (nameMatch?.[0] ?? "").toLowerCase();
    if (closing) {
      const top = open.pop();
      if (!top) return fail("Unexpected end tag", lt);
      if (name && top.tag !== name) return fail(`Unmatched end tag at byte offset ${byteOffset(html, lt)}, expected "</${top.tag}>", found "</${name}>"`);
      if (top.entity) {
        top.entity.length = text.length - top.entity.offset;
        if (top.entity.length > 0) entities.push(top.entity);
      }
      i = gt + 1;
      continue;
    }
    const type = HTML_TAGS[name];
    if (!type) return fail(`Unsupported start tag "${name}"`, lt);
    const attributes = parseAttributes(html.slice(lt + 1 + name.length, gt));
    let entity = { type, offset: text.length, length: 0 };
    if (name === "span" && attributes.class !== "tg-spoiler") return fail('Tag "span" must have class "tg-spoiler"', lt);
    if (name === "a") {
      if (!attributes.href) entity = null; // Telegram keeps the text, drops the link
      else entity.url = attributes.href;
    }
    if (name === "blockquote" && "expandable" in attributes) entity.type = "expandable_blockquote";
    if (name === "tg-emoji") entity.custom_emoji_id = attributes["emoji-id"] ?? "";
    const parent = open.at(-1);
    if (name === "code" && parent?.tag === "pre" && parent.entity.offset === text.length && attributes.class?.startsWith("language-")) {
      parent.entity.language = attributes.class.slice("language-".length);
      entity = null; // <pre><code class="language-x"> is one pre entity
    }
    open.push({ tag: name, entity });
    i = gt + 1;
  }
  if (open.length) return fail(`Can't find end tag corresponding to start tag "${open.at(-1).tag}"`);
  entities.sort((a, b) => a.offset - b.offset || b.length - a.length);
  return { text, entities };
}

// Text and entities for a text or caption sent with `parseMode`. MarkdownV2
// is only unescaped (no entities); other modes keep the text as it is.
export function parseFormatted(text, parseMode, explicitEntities) {
  if (typeof text !== "string") return { text: "", entities: [] };
  if (parseMode === "HTML") return parseHtml(text);
  if (parseMode === "MarkdownV2") return { text: text.replace(/\\([_*[\]()~`>#+\-=|{}.!\\])/g, "$1"), entities: [] };
  return { text, entities: Array.isArray(explicitEntities) ? explicitEntities : [] };
}

// --- rendering for the terminal ------------------------------------------------

// Styles a text by its entities. Links show their target after the text
// (unless the text is the target), block quotes get a "│ " margin.
export function renderEntities(text, entities = [], style) {
  if (!text) return "";
  const styles = {
    bold: style.bold, italic: style.italic, underline: style.underline, strikethrough: style.strike,
    spoiler: style.dim, code: style.code, pre: style.code,
  };
  const bounds = new Set([0, text.length]);
  for (const e of entities) {
    bounds.add(Math.max(0, Math.min(text.length, e.offset)));
    bounds.add(Math.max(0, Math.min(text.length, e.offset + e.length)));
  }
  const points = [...bounds].sort((a, b) => a - b);
  let out = "";
  for (let k = 0; k + 1 < points.length; k++) {
    const [from, to] = [points[k], points[k + 1]];
    const active = entities.filter((e) => e.offset <= from && e.offset + e.length >= to);
    let segment = text.slice(from, to);
    const quote = active.some((e) => e.type === "blockquote" || e.type === "expandable_blockquote");
    if (quote) segment = segment.replace(/\n(?!$)/g, "\n│ ");
    for (const e of active) if (styles[e.type]) segment = styles[e.type](segment);
    if (quote && entities.some((e) => (e.type === "blockquote" || e.type === "expandable_blockquote") && e.offset === from)) segment = `│ ${segment}`;
    out += segment;
    for (const e of entities) {
      if (e.type === "text_link" && e.offset + e.length === to && text.slice(e.offset, to) !== e.url) out += ` ${style.dim(`<${e.url}>`)}`;
    }
  }
  return out;
}

// The buttons of a reply_markup, numbered 1.. in reading order, as the
// console lets you press them. `pressable`: whether pressing reaches the bot.
export function keyboardButtons(markup) {
  const rows = markup?.inline_keyboard ?? markup?.keyboard;
  if (!Array.isArray(rows)) return [];
  const inline = Array.isArray(markup.inline_keyboard);
  const buttons = [];
  rows.forEach((row, rowIndex) => {
    for (const raw of Array.isArray(row) ? row : []) {
      const button = typeof raw === "string" ? { text: raw } : (raw ?? {});
      let kind;
      if (!inline) kind = button.request_contact || button.request_location || button.request_poll || button.request_users || button.request_chat || button.web_app ? "special" : "text";
      else if (typeof button.callback_data === "string") kind = "callback";
      else if (button.url) kind = "url";
      else if (button.login_url) kind = "login";
      else if (button.web_app) kind = "web_app";
      else if ("switch_inline_query" in button || "switch_inline_query_current_chat" in button || button.switch_inline_query_chosen_chat) kind = "inline_query";
      else if (button.copy_text) kind = "copy";
      else if (button.callback_game) kind = "game";
      else if (button.pay) kind = "pay";
      else kind = "unknown";
      buttons.push({ number: buttons.length + 1, row: rowIndex, text: String(button.text ?? ""), kind, button, inline, pressable: kind === "callback" || kind === "text" });
    }
  });
  return buttons;
}

function buttonLabel({ number, text, kind, button }, style) {
  const target = {
    url: () => ` ↗ ${button.url}`,
    login: () => ` ↗ ${button.login_url.url}`,
    web_app: () => ` ↗ web app ${button.web_app.url ?? ""}`.trimEnd(),
    inline_query: () => ` ⇢ inline query "${button.switch_inline_query ?? button.switch_inline_query_current_chat ?? button.switch_inline_query_chosen_chat?.query ?? ""}"`,
    copy: () => ` ⧉ copies "${button.copy_text.text}"`,
    game: () => " (game)",
    pay: () => " (pay)",
    special: () => " (special)",
    unknown: () => " (?)",
  }[kind];
  return `[${number} ${text}${target ? style.dim(target()) : ""}]`;
}

// Lines shown under a message for its reply_markup (none for no markup).
export function formatKeyboard(markup, style) {
  if (!markup || typeof markup !== "object") return [];
  if (markup.remove_keyboard) return [style.dim("(reply keyboard removed)")];
  if (markup.force_reply) {
    const placeholder = markup.input_field_placeholder ? `: "${markup.input_field_placeholder}"` : "";
    return [style.yellow(`(the bot asks for a reply${placeholder} — your next line answers this message)`)];
  }
  const buttons = keyboardButtons(markup);
  if (!buttons.length) return [];
  const lines = [];
  for (const button of buttons) {
    const label = buttonLabel(button, style);
    if (lines.length && buttons[button.number - 2]?.row === button.row) lines[lines.length - 1] += ` ${label}`;
    else lines.push(label);
  }
  return markup.keyboard ? lines.map((line, i) => `${i === 0 ? "⌨ " : "  "}${line}`) : lines;
}

// --- messages and events ---------------------------------------------------------

const MEDIA = ["photo", "audio", "document", "video", "animation", "voice", "video_note", "sticker", "location", "venue", "contact", "poll", "dice"];

// The visible body of a Message object: its text, or "[photo] caption".
export function messageBody(message, style) {
  if (typeof message.text === "string") return renderEntities(message.text, message.entities, style);
  const kind = MEDIA.find((k) => k in message);
  const caption = typeof message.caption === "string" ? renderEntities(message.caption, message.caption_entities, style) : "";
  if (!kind) return caption;
  let tag = kind.replace("_", " ");
  if (kind === "document" && message.document.file_name) tag += ` ${message.document.file_name}`;
  if (kind === "dice") tag += ` ${message.dice.emoji} ${message.dice.value}`;
  if (kind === "poll") tag += ` "${message.poll.question}"`;
  return `${style.dim(`[${tag}]`)}${caption ? ` ${caption}` : ""}`;
}

// "label" + body, continuation lines aligned under the body.
function block(label, bodyLines, tag = "") {
  const indent = " ".repeat([...label.replace(/\x1b\[[0-9;]*m/g, "")].length);
  const [first = "", ...rest] = bodyLines;
  return [`${label}${first}${tag}`, ...rest.map((line) => (line ? indent + line : ""))].join("\n");
}

function splitLines(...parts) {
  return parts.flatMap((part) => (Array.isArray(part) ? part : part.split("\n")));
}

// What the console user sees of a message the user sent: "you #4 › text".
export function formatUserMessage({ number, message, replyTo, style, note }) {
  const reply = replyTo ? `${style.dim(`↩ #${replyTo}`)} ` : "";
  const who = message.sender_chat ? "you (anonymous admin)" : "you";
  return block(style.cyan(`${who} #${number} › `), splitLines(`${reply}${messageBody(message, style)}`), note ? `  ${style.dim(`(${note})`)}` : "");
}

// One line (or block) for an event of the chat world (see bot-api-standin.mjs)
// caused by a bot call. `via` tags calls that went through the Bot API rather
// than the webhook response; a call for a chat other than the console's
// current chat names that chat. Returns "" for events the console keeps quiet.
export function formatEvent(event, { via, consoleChatId, style, verbose = false }) {
  const elsewhere = event.chatId !== undefined && String(event.chatId) !== String(consoleChatId);
  const to = elsewhere ? ` → chat ${event.chatId}` : "";
  const tag = via ? `  ${style.dim(`[${via}]`)}` : "";
  const label = (number) => style.green(`bot${number ? ` #${number}` : ""}${to} › `);
  switch (event.kind) {
    case "message": {
      const reply = event.replyTo ? `${style.dim(`↩ #${event.replyTo}`)} ` : "";
      const body = messageBody(event.message, style) || style.dim("(empty)");
      const keyboard = formatKeyboard(event.markup ?? event.message.reply_markup, style);
      return block(label(event.number), splitLines(`${reply}${body}`, keyboard), tag);
    }
    case "edit": {
      const target = event.target.startsWith("#") ? `message ${event.target}` : event.target;
      const markup = event.message ? event.message.reply_markup : event.markup;
      const keyboard = formatKeyboard(markup, style);
      if (event.what === "reply_markup") {
        if (!keyboard.length) return block(label(), [`✎ buttons removed from ${target}`], tag);
        return block(label(), splitLines(`✎ new buttons on ${target}:`, keyboard), tag);
      }
      const what = event.what === "caption" ? `edited the caption of ${target}` : `edited ${target}`;
      const body = event.message ? messageBody(event.message, style) : renderEntities(event.text ?? "", event.entities, style);
      return block(label(), splitLines(`✎ ${what}:`, body, keyboard), tag);
    }
    case "delete":
      return block(label(), [`✗ deleted ${event.targets.map((t) => (t.startsWith("#") ? `message ${t}` : t)).join(", ")}`], tag);
    case "toast": {
      if (!event.text) return verbose ? block(label(), [style.dim("(callback query answered)")], tag) : "";
      const kind = event.showAlert ? "(alert)" : "(toast)";
      return block(label(), splitLines(`${style.yellow(kind)} ${event.text}`), tag);
    }
    case "action":
      return block(label(), [style.dim(`(${event.action}…)`)], tag);
    case "error":
      return block(label(), splitLines(style.red(`(${event.method} failed: ${event.error_code} ${event.description})`), event.hint ? style.dim(event.hint) : []), tag);
    case "other":
      return block(label(), [`${style.dim(`(${event.method})`)}${verbose ? ` ${style.dim(JSON.stringify(event.params))}` : ""}`], tag);
    case "quiet":
      return verbose ? block(label(), [style.dim(`(${event.method}) ${JSON.stringify(event.params)}`)], tag) : "";
    default:
      return "";
  }
}

// One line of :history: "#3 bot › first line of the text  (edited, 2 buttons)".
export function formatTranscriptEntry(entry, { keyboard, style }) {
  const { message } = entry;
  const who = entry.byBot ? "bot" : message.sender_chat ? "anonymous admin" : (message.from?.first_name ?? "user");
  const label = `#${entry.number} ${who} › `;
  if (entry.deleted) return `${style.dim(label)}${style.dim("(deleted)")}`;
  const reply = entry.replyTo ? `${style.dim(`↩ #${entry.replyTo}`)} ` : "";
  const [first = "", ...more] = messageBody(message, style).split("\n");
  const shown = [...first].length > 60 ? `${[...first].slice(0, 59).join("")}…` : first;
  const notes = [];
  if (more.length) notes.push(`+${more.length} line${more.length > 1 ? "s" : ""}`);
  if (message.edit_date) notes.push("edited");
  const buttons = keyboardButtons(keyboard);
  if (buttons.length) notes.push(`${buttons.length} button${buttons.length > 1 ? "s" : ""}`);
  return `${entry.byBot ? style.green(label) : style.cyan(label)}${reply}${shown}${notes.length ? `  ${style.dim(`(${notes.join(", ")})`)}` : ""}`;
}

// Turns the bot's Bot API calls into lines a person can read in a terminal:
// HTML parse_mode becomes plain text (bold/italic/code as ANSI styles when the
// terminal has colour), entities are decoded, links show their target.

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

const NAMED_ENTITIES = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'", nbsp: "\u00a0" };

function decodeEntities(text) {
  return text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (whole, name) => {
    if (name[0] === "#") {
      const code = name[1] === "x" || name[1] === "X" ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      return Number.isFinite(code) ? String.fromCodePoint(code) : whole;
    }
    return NAMED_ENTITIES[name.toLowerCase()] ?? whole;
  });
}

// Telegram's HTML subset: b/strong, i/em, u/ins, s/strike/del, code, pre,
// a href, tg-spoiler, blockquote. Unknown tags are dropped, text kept.
function renderHtml(html, style) {
  const styles = {
    b: style.bold, strong: style.bold, i: style.italic, em: style.italic,
    u: style.underline, ins: style.underline, s: style.strike, strike: style.strike, del: style.strike,
    code: style.code, pre: style.code, "tg-spoiler": style.dim, blockquote: (t) => t.replace(/^/gm, "│ "),
  };
  // Innermost-first: repeat until no known element is left.
  let text = html;
  for (let pass = 0; pass < 20; pass++) {
    const before = text;
    text = text.replace(/<a\s+href\s*=\s*"([^"]*)"\s*>([^<]*)<\/a>/gi, (_, href, inner) => {
      const url = decodeEntities(href);
      return inner === href || decodeEntities(inner) === url ? inner : `${inner} <${url}>`;
    });
    text = text.replace(/<(b|strong|i|em|u|ins|s|strike|del|code|pre|tg-spoiler|blockquote)(\s[^>]*)?>([^<]*)<\/\1>/gi, (_, tag, _attrs, inner) =>
      styles[tag.toLowerCase()](inner),
    );
    if (text === before) break;
  }
  return decodeEntities(text.replace(/<\/?[a-z][a-z0-9-]*(\s[^>]*)?>/gi, ""));
}

function renderText(text, parseMode, style) {
  if (typeof text !== "string") return "";
  if (parseMode === "HTML") return renderHtml(text, style);
  // MarkdownV2 escapes punctuation with a backslash; show the text unescaped.
  if (parseMode === "MarkdownV2") return text.replace(/\\([_*[\]()~`>#+\-=|{}.!\\])/g, "$1");
  return text;
}

const MEDIA = {
  sendPhoto: "photo", sendAudio: "audio", sendDocument: "document", sendVideo: "video",
  sendAnimation: "animation", sendVoice: "voice", sendVideoNote: "video note", sendSticker: "sticker",
};

// The body of one call: what the user would see in Telegram.
function describeCall({ method, params = {} }, style) {
  const text = () => renderText(params.text, params.parse_mode, style);
  switch (method) {
    case "sendMessage":
      return text();
    case "editMessageText":
      return `${style.dim(`(edits message ${params.message_id ?? params.inline_message_id})`)} ${text()}`;
    case "deleteMessage":
      return style.dim(`(deletes message ${params.message_id})`);
    case "sendChatAction":
      return style.dim(`(${params.action ?? "typing"}…)`);
    default:
      if (MEDIA[method]) {
        const caption = renderText(params.caption, params.parse_mode, style);
        return `${style.dim(`[${MEDIA[method]}]`)}${caption ? ` ${caption}` : ""}`;
      }
      return `${style.yellow(method)} ${style.dim(JSON.stringify(params))}`;
  }
}

// "bot › text", continuation lines aligned under the text. `via` tags calls
// that went through the Bot API rather than the webhook response; a message
// to a chat other than the console's names that chat.
export function formatBotCall(call, { via, consoleChatId, style }) {
  const chatId = call.params?.chat_id;
  const elsewhere = chatId !== undefined && String(chatId) !== String(consoleChatId);
  const label = elsewhere ? `bot → chat ${chatId} › ` : "bot › ";
  const body = describeCall(call, style) || style.dim("(empty)");
  const indent = " ".repeat([...label].length);
  const lines = body.split("\n");
  const tag = via ? `  ${style.dim(`[${via}]`)}` : "";
  return [`${style.green(label)}${lines[0]}${tag}`, ...lines.slice(1).map((line) => (line ? indent + line : ""))].join("\n");
}

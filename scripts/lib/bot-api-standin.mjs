// A local stand-in for Telegram: an HTTP server on 127.0.0.1 that answers
// /bot<token>/<method> like the Bot API does, and the chat world behind it.
//
// The chat world (createChatWorld) plays Telegram's side of a conversation:
// it keeps a transcript per chat with Telegram-like message ids, turns what the
// console user does into updates (messages, replies, edits, button presses,
// the bot added to or removed from a chat) and applies the bot's method calls
// to the transcript, answering them as Telegram would (a Message with a fresh
// message_id, the edited Message, `true`, or Telegram's error for an invalid
// call). Calls that travel in the webhook response body go through the same
// world, so their messages get ids too. Everything here uses only the public
// Bot API formats (https://core.telegram.org/bots/api).
//
// The chat console points the Worker at the server through TELEGRAM_API_BASE,
// and the register tests point register.mjs at it, so nothing ever leaves the
// machine.
import { createServer } from "node:http";
import { keyboardButtons, parseFormatted } from "./console-format.mjs";

export const STANDIN_BOT = Object.freeze({
  id: 7000000001,
  is_bot: true,
  first_name: "miti (local)",
  username: "miti_local_bot",
  can_join_groups: true,
  can_read_all_group_messages: false,
  supports_inline_queries: false,
});

// Who a message from an anonymous group administrator comes from.
export const ANONYMOUS_ADMIN = Object.freeze({ id: 1087968824, is_bot: true, first_name: "Group", username: "GroupAnonymousBot" });

// Methods whose result is a sent Message.
const SEND_METHODS = {
  sendMessage: "text", sendPhoto: "photo", sendAudio: "audio", sendDocument: "document", sendVideo: "video",
  sendAnimation: "animation", sendVoice: "voice", sendVideoNote: "video_note", sendSticker: "sticker",
  sendLocation: "location", sendVenue: "venue", sendContact: "contact", sendPoll: "poll", sendDice: "dice",
  forwardMessage: "forward", copyMessage: "copy",
};
const EDIT_METHODS = { editMessageText: "text", editMessageCaption: "caption", editMessageReplyMarkup: "reply_markup" };
const CAPTION_KINDS = new Set(["photo", "audio", "document", "video", "animation", "voice"]);

// Calls the console keeps quiet about unless --verbose: reads and setup.
const QUIET_METHODS = new Set([
  "getMe", "getWebhookInfo", "getMyCommands", "getChat", "getChatMember", "getChatAdministrators",
  "getChatMemberCount", "getFile", "getMyName", "getMyDescription", "getMyShortDescription", "getUserProfilePhotos",
]);

const TEXT_LIMIT = 4096;
const CAPTION_LIMIT = 1024;

const NOT_MODIFIED = "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message";

// Entities Telegram's clients give a typed text: a leading /command (optionally
// @bot). Lengths count UTF-16 units; a command is ASCII anyway.
export function userTextEntities(text) {
  const command = text.match(/^\/[A-Za-z0-9_]+(?:@[A-Za-z0-9_]+)?(?=\s|$)/);
  return command ? [{ type: "bot_command", offset: 0, length: command[0].length }] : [];
}

const asText = (value) => (typeof value === "string" ? value : value === undefined || value === null ? undefined : String(value));
const deepEqual = (a, b) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
const inlineOnly = (markup) => (markup && Array.isArray(markup.inline_keyboard) ? markup : undefined);
// A replied-to message as Telegram nests it: without its own reply_to_message.
const quoted = ({ reply_to_message: _nested, ...message }) => message;
const botUser = (bot) => ({ id: bot.id, is_bot: true, first_name: bot.first_name, username: bot.username });

function chatMember(status, user) {
  if (status === "kicked") return { status, user, until_date: 0 };
  return { status, user };
}

// The Telegram side of the conversation. `clock` gives milliseconds; update
// ids and each chat's message ids start from its seconds (so they keep
// growing across runs, as the Worker's KV and D1 persist); `firstId` fixes
// that start for tests. Console numbers (#1, #2, ...) count every message of
// the session across chats and are what the console shows and accepts.
// `owner` (a User) created the groups: getChatMember and
// getChatAdministrators say so, which is what lets them post anonymously.
export function createChatWorld({ bot = STANDIN_BOT, clock = () => Date.now(), firstId, owner } = {}) {
  const base = firstId ?? Math.floor(clock() / 1000);
  const now = () => Math.floor(clock() / 1000);
  const me = botUser(bot);
  const chats = new Map(); // String(chat id) → {chat, nextMessageId, botStatus, replyKeyboard}
  const entries = []; // console number - 1 → {number, chatId, message, markup, byBot, author, deleted}
  const byId = new Map(); // `${chatId}:${message_id}` → entry
  const queries = new Map(); // callback_query id → {number, answered}
  const pendingReplies = new Map(); // String(chat id) → console number of a force_reply message
  const commands = new Map(); // scope+language → BotCommand[]
  let nextUpdateId = base;
  let nextQuery = 1;
  let nextFile = 1;
  let privacy = !bot.can_read_all_group_messages;

  const ok = (result, event) => ({ answer: { ok: true, result }, event });
  const fail = (method, error_code, description, hint) => ({
    answer: { ok: false, error_code, description },
    event: { kind: "error", method, error_code, description, hint },
  });

  function chatRecord(chatOrId) {
    const id = typeof chatOrId === "object" ? Number(chatOrId.id) : Number(chatOrId);
    const key = String(id);
    if (!chats.has(key)) {
      const chat = typeof chatOrId === "object" ? { ...chatOrId }
        : id > 0 ? { id, type: "private", first_name: `User${id}` }
        : { id, type: "supergroup", title: `local group ${id}` };
      chats.set(key, { chat, nextMessageId: base, botStatus: "member", replyKeyboard: null });
    }
    return chats.get(key);
  }

  function store(chatId, message, { byBot, markup, author, replyTo }) {
    const entry = { number: entries.length + 1, chatId: String(chatId), message, markup, byBot, author, replyTo, deleted: false };
    entries.push(entry);
    byId.set(`${chatId}:${message.message_id}`, entry);
    return entry;
  }

  const find = (chatId, messageId) => byId.get(`${Number(chatId)}:${Number(messageId)}`);
  const entry = (number) => entries[number - 1];

  // The keyboard a message shows now: its inline keyboard, or the reply
  // keyboard it brought if that is still the chat's current one.
  function keyboardOf(e) {
    if (!e || e.deleted) return null;
    if (e.message.reply_markup?.inline_keyboard) return e.message.reply_markup;
    if (e.markup?.keyboard && chats.get(e.chatId)?.replyKeyboard === e.number) return e.markup;
    return null;
  }

  // Why a chat cannot receive the bot's messages, as Telegram says it.
  function blocked(record) {
    if (record.botStatus === "member") return null;
    const group = record.chat.type === "private" ? null : record.chat.type === "supergroup" ? "supergroup chat" : `${record.chat.type} chat`;
    if (!group) return "Forbidden: bot was blocked by the user";
    return record.botStatus === "kicked" ? `Forbidden: bot was kicked from the ${group}` : `Forbidden: bot is not a member of the ${group}`;
  }

  function resolveChat(method, params) {
    const raw = params.chat_id;
    if (raw === undefined || raw === null || raw === "") return { error: fail(method, 400, "Bad Request: chat_id is empty") };
    if (!/^-?\d+$/.test(String(raw))) return { error: fail(method, 400, "Bad Request: chat not found") };
    return { record: chatRecord(Number(raw)) };
  }

  function fileObject(kind, value, params) {
    let upload = value;
    if (typeof value === "string" && value.startsWith("attach://")) upload = params[value.slice("attach://".length)];
    const name = typeof upload === "object" && upload?.filename ? upload.filename : typeof upload === "string" && /^https?:\/\//.test(upload) ? upload.split("/").pop().split("?")[0] : undefined;
    const size = typeof upload === "object" && upload?.size ? upload.size : 1024;
    const id = typeof upload === "string" && !/^https?:\/\//.test(upload) ? upload : `local-${kind}-${nextFile}`;
    const file = { file_id: id, file_unique_id: `u${nextFile++}`, file_size: size };
    if (kind === "photo") return [{ ...file, width: 90, height: 90 }, { ...file, width: 800, height: 800 }];
    if (kind === "document" || kind === "audio" || kind === "video" || kind === "animation") return { ...file, ...(name ? { file_name: name } : {}) };
    if (kind === "sticker") return { ...file, type: "regular", width: 512, height: 512, is_animated: false, is_video: false };
    return file;
  }

  // The content fields of a message sent with `method`, or an error.
  function content(method, kind, params) {
    if (kind === "text") {
      const parsed = parseFormatted(asText(params.text), params.parse_mode, params.entities);
      if (parsed.error) return { error: fail(method, 400, parsed.error, "(an unescaped <, > or & in the text? escape user content for HTML)") };
      if (!parsed.text.trim()) return { error: fail(method, 400, "Bad Request: message text is empty") };
      if (parsed.text.length > TEXT_LIMIT) return { error: fail(method, 400, "Bad Request: message is too long", `(${parsed.text.length} UTF-16 units; the limit is ${TEXT_LIMIT})`) };
      return { fields: { text: parsed.text, ...(parsed.entities.length ? { entities: parsed.entities } : {}) } };
    }
    const fields = {};
    if (kind === "forward" || kind === "copy") {
      const source = find(params.from_chat_id, params.message_id);
      if (!source || source.deleted) return { error: fail(method, 400, `Bad Request: message to ${kind} not found`) };
      const { message_id: _id, from: _from, chat: _chat, date: _date, reply_to_message: _reply, edit_date: _edit, reply_markup: _markup, ...rest } = source.message;
      Object.assign(fields, rest);
      if (kind === "forward") fields.forward_origin = { type: "user", sender_user: source.message.from, date: source.message.date };
      return { fields };
    }
    if (kind === "location") Object.assign(fields, { location: { latitude: Number(params.latitude), longitude: Number(params.longitude) } });
    else if (kind === "venue") Object.assign(fields, { venue: { location: { latitude: Number(params.latitude), longitude: Number(params.longitude) }, title: asText(params.title), address: asText(params.address) } });
    else if (kind === "contact") Object.assign(fields, { contact: { phone_number: asText(params.phone_number), first_name: asText(params.first_name) } });
    else if (kind === "poll") {
      const options = (Array.isArray(params.options) ? params.options : []).map((o) => ({ text: typeof o === "string" ? o : asText(o?.text) ?? "", voter_count: 0 }));
      Object.assign(fields, { poll: { id: String(nextFile++), question: asText(params.question), options, total_voter_count: 0, is_closed: false, is_anonymous: params.is_anonymous !== false, type: params.type ?? "regular", allows_multiple_answers: Boolean(params.allows_multiple_answers) } });
    } else if (kind === "dice") {
      const emoji = asText(params.emoji) ?? "🎲";
      Object.assign(fields, { dice: { emoji, value: 1 + Math.floor(Math.random() * (emoji === "🎰" ? 64 : emoji === "🏀" || emoji === "⚽" ? 5 : 6)) } });
    } else {
      const value = params[kind];
      if (value === undefined || value === null || value === "") return { error: fail(method, 400, `Bad Request: there is no ${kind.replace("_", " ")} in the request`) };
      fields[kind] = fileObject(kind, value, params);
    }
    if (CAPTION_KINDS.has(kind) && params.caption !== undefined) {
      const parsed = parseFormatted(asText(params.caption), params.parse_mode, params.caption_entities);
      if (parsed.error) return { error: fail(method, 400, parsed.error) };
      if (parsed.text.length > CAPTION_LIMIT) return { error: fail(method, 400, "Bad Request: message caption is too long") };
      if (parsed.text) fields.caption = parsed.text;
      if (parsed.entities.length) fields.caption_entities = parsed.entities;
    }
    return { fields };
  }

  function send(method, kind, params) {
    const { record, error } = resolveChat(method, params);
    if (error) return error;
    const why = blocked(record);
    if (why) return fail(method, 403, why);
    const built = content(method, kind, params);
    if (built.error) return built.error;
    const chatId = record.chat.id;
    const replyId = params.reply_parameters?.message_id ?? params.reply_to_message_id;
    let repliedTo;
    if (replyId !== undefined) {
      const replyChat = params.reply_parameters?.chat_id ?? chatId;
      repliedTo = find(replyChat, replyId);
      if ((!repliedTo || repliedTo.deleted) && !(params.reply_parameters?.allow_sending_without_reply || params.allow_sending_without_reply)) {
        return fail(method, 400, "Bad Request: message to be replied not found");
      }
      if (repliedTo?.deleted) repliedTo = undefined;
    }
    const markup = params.reply_markup && typeof params.reply_markup === "object" ? params.reply_markup : undefined;
    const message = {
      message_id: record.nextMessageId++,
      from: me,
      chat: record.chat,
      date: now(),
      ...(params.message_thread_id !== undefined ? { message_thread_id: Number(params.message_thread_id) } : {}),
      ...(repliedTo ? { reply_to_message: quoted(repliedTo.message) } : {}),
      ...built.fields,
      ...(inlineOnly(markup) ? { reply_markup: inlineOnly(markup) } : {}),
    };
    const e = store(chatId, message, { byBot: true, markup, author: me.id, replyTo: repliedTo?.number });
    if (markup?.force_reply) pendingReplies.set(String(chatId), e.number);
    if (markup?.keyboard) record.replyKeyboard = e.number;
    if (markup?.remove_keyboard) record.replyKeyboard = null;
    const event = { kind: "message", number: e.number, chatId, message, markup, replyTo: repliedTo?.number };
    return ok(kind === "copy" ? { message_id: message.message_id } : message, event);
  }

  function edit(method, what, params) {
    if (params.inline_message_id !== undefined) {
      const parsed = what === "reply_markup" ? { text: "", entities: [] } : parseFormatted(asText(what === "text" ? params.text : params.caption), params.parse_mode, params.entities ?? params.caption_entities);
      if (parsed.error) return fail(method, 400, parsed.error);
      return ok(true, { kind: "edit", what, target: `inline message ${params.inline_message_id}`, text: parsed.text, entities: parsed.entities, markup: inlineOnly(params.reply_markup) });
    }
    const e = find(params.chat_id, params.message_id);
    const label = e ? `#${e.number}` : `message ${params.message_id}`;
    if (!e || e.deleted) {
      const hint = Number(params.message_id) < base && !e ? "(a message from before this console session: its content is unknown here)" : undefined;
      return fail(method, 400, "Bad Request: message to edit not found", hint);
    }
    if (!e.byBot) return fail(method, 400, "Bad Request: message can't be edited", `(${label} was sent by a user)`);
    const old = e.message;
    const next = { ...old };
    if (what === "text") {
      if (typeof old.text !== "string") return fail(method, 400, "Bad Request: there is no text in the message to edit");
      const built = content(method, "text", params);
      if (built.error) return built.error;
      delete next.entities;
      Object.assign(next, built.fields);
    } else if (what === "caption") {
      const kind = Object.keys(old).find((k) => CAPTION_KINDS.has(k));
      if (!kind) return fail(method, 400, "Bad Request: there is no caption in the message to edit");
      const parsed = parseFormatted(asText(params.caption) ?? "", params.parse_mode, params.caption_entities);
      if (parsed.error) return fail(method, 400, parsed.error);
      if (parsed.text.length > CAPTION_LIMIT) return fail(method, 400, "Bad Request: message caption is too long");
      delete next.caption;
      delete next.caption_entities;
      if (parsed.text) next.caption = parsed.text;
      if (parsed.entities.length) next.caption_entities = parsed.entities;
    }
    // Like Telegram, an edit without reply_markup removes the inline keyboard.
    delete next.reply_markup;
    const markup = inlineOnly(params.reply_markup);
    if (markup && markup.inline_keyboard.length) next.reply_markup = markup;
    const same = ["text", "entities", "caption", "caption_entities", "reply_markup"].every((k) => deepEqual(old[k], next[k]));
    if (same) return fail(method, 400, NOT_MODIFIED);
    next.edit_date = now();
    e.message = next;
    return ok(next, { kind: "edit", what, number: e.number, target: label, chatId: e.message.chat.id, message: next });
  }

  function remove(method, params) {
    const ids = method === "deleteMessages" ? (Array.isArray(params.message_ids) ? params.message_ids : []) : [params.message_id];
    const gone = [];
    for (const id of ids) {
      const e = find(params.chat_id, id);
      if (!e || e.deleted) continue;
      e.deleted = true;
      gone.push(e.number);
      const key = e.chatId;
      if (pendingReplies.get(key) === e.number) pendingReplies.delete(key);
      if (chats.get(key)?.replyKeyboard === e.number) chats.get(key).replyKeyboard = null;
    }
    if (method === "deleteMessage" && !gone.length) return fail(method, 400, "Bad Request: message to delete not found");
    if (!gone.length) return ok(true, { kind: "quiet", method, params });
    return ok(true, { kind: "delete", numbers: gone, targets: gone.map((n) => `#${n}`), chatId: Number(params.chat_id) });
  }

  function answerQuery(method, params) {
    const query = queries.get(asText(params.callback_query_id));
    if (!query || query.answered) return fail(method, 400, "Bad Request: query is too old and response timeout expired or query ID is invalid");
    query.answered = true;
    return ok(true, { kind: "toast", text: asText(params.text) ?? "", showAlert: Boolean(params.show_alert), url: asText(params.url), number: query.number, chatId: query.chatId });
  }

  const creator = () => ({ status: "creator", user: owner, is_anonymous: false });
  const scopeKey = (params) => JSON.stringify([params.scope ?? { type: "default" }, params.language_code ?? ""]);

  // One Bot API call → {answer: the JSON Telegram would answer, event: what
  // the console shows}. Never throws on odd parameters.
  function apply({ method, params: raw = {} }) {
    const params = jsonFields(raw);
    if (SEND_METHODS[method]) return send(method, SEND_METHODS[method], params);
    if (EDIT_METHODS[method]) return edit(method, EDIT_METHODS[method], params);
    switch (method) {
      case "deleteMessage":
      case "deleteMessages":
        return remove(method, params);
      case "answerCallbackQuery":
        return answerQuery(method, params);
      case "sendChatAction": {
        const { record, error } = resolveChat(method, params);
        if (error) return error;
        const why = blocked(record);
        if (why) return fail(method, 403, why);
        return ok(true, { kind: "action", action: asText(params.action) ?? "typing", chatId: record.chat.id });
      }
      case "getMe":
        return ok({ ...bot, can_read_all_group_messages: !privacy }, { kind: "quiet", method, params });
      case "getWebhookInfo":
        return ok({ url: "", has_custom_certificate: false, pending_update_count: 0 }, { kind: "quiet", method, params });
      case "getUpdates":
        return fail(method, 409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first");
      case "setMyCommands":
        commands.set(scopeKey(params), Array.isArray(params.commands) ? params.commands : []);
        return ok(true, { kind: "other", method, params });
      case "deleteMyCommands":
        commands.delete(scopeKey(params));
        return ok(true, { kind: "other", method, params });
      case "getMyCommands":
        return ok(commands.get(scopeKey(params)) ?? [], { kind: "quiet", method, params });
      case "getChat": {
        const { record, error } = resolveChat(method, params);
        if (error) return error;
        return ok({ ...record.chat, accent_color_id: 0, max_reaction_count: 11 }, { kind: "quiet", method, params });
      }
      case "getChatMember": {
        const { record, error } = resolveChat(method, params);
        if (error) return error;
        const userId = Number(params.user_id);
        if (userId === bot.id) return ok(chatMember(record.botStatus, me), { kind: "quiet", method, params });
        if (record.chat.type !== "private" && owner?.id === userId) return ok(creator(), { kind: "quiet", method, params });
        const user = record.chat.type === "private" && record.chat.id === userId ? { id: userId, is_bot: false, first_name: record.chat.first_name } : { id: userId, is_bot: false, first_name: `User${userId}` };
        return ok(chatMember("member", user), { kind: "quiet", method, params });
      }
      case "getChatAdministrators": {
        const { record, error } = resolveChat(method, params);
        if (error) return error;
        if (record.chat.type === "private") return fail(method, 400, "Bad Request: there are no administrators in the private chat");
        return ok(owner ? [creator()] : [], { kind: "quiet", method, params });
      }
      case "getChatMemberCount": {
        const { record, error } = resolveChat(method, params);
        if (error) return error;
        return ok(record.chat.type === "private" ? 2 : 3, { kind: "quiet", method, params });
      }
      case "getFile":
        return ok({ file_id: asText(params.file_id), file_unique_id: `u${nextFile++}`, file_size: 1024, file_path: `documents/${asText(params.file_id)}` }, { kind: "quiet", method, params });
      default:
        return ok(true, { kind: QUIET_METHODS.has(method) ? "quiet" : "other", method, params });
    }
  }

  // --- what the console user does ----------------------------------------------

  // Whether the bot gets a message in this chat: in groups a bot in privacy
  // mode only sees commands (for it), replies to its messages and service
  // messages (https://core.telegram.org/bots/features#privacy-mode).
  function delivery(record, message) {
    if (record.botStatus !== "member") return { delivered: false, reason: record.chat.type === "private" ? "you blocked the bot" : "the bot is not in this group" };
    if (record.chat.type === "private" || !privacy) return { delivered: true };
    const command = message.entities?.find((e) => e.type === "bot_command" && e.offset === 0);
    if (command) {
      const at = message.text.slice(0, command.length).split("@")[1];
      if (!at || at.toLowerCase() === String(bot.username).toLowerCase()) return { delivered: true };
      return { delivered: false, reason: `a command for @${at}` };
    }
    if (message.reply_to_message?.from?.id === bot.id) return { delivered: true };
    return { delivered: false, reason: "privacy mode: in groups the bot only sees /commands and replies to its messages" };
  }

  function userMessage({ chat, from, senderChat, text, replyTo }) {
    const record = chatRecord(chat);
    if (record.chat.type === "private" && record.botStatus === "kicked") return { refused: "you blocked the bot: :unblock first" };
    let repliedTo;
    if (replyTo !== undefined) {
      repliedTo = entry(replyTo);
      if (!repliedTo || repliedTo.deleted) return { refused: `there is no message #${replyTo} to reply to` };
      if (repliedTo.chatId !== String(record.chat.id)) return { refused: `#${replyTo} is in another chat` };
    }
    const entities = userTextEntities(text);
    const message = {
      message_id: record.nextMessageId++,
      from: senderChat ? ANONYMOUS_ADMIN : from,
      ...(senderChat ? { sender_chat: senderChat } : {}),
      chat: record.chat,
      date: now(),
      ...(repliedTo ? { reply_to_message: quoted(repliedTo.message) } : {}),
      text,
      ...(entities.length ? { entities } : {}),
    };
    const e = store(record.chat.id, message, { byBot: false, author: from.id, replyTo: repliedTo?.number });
    if (pendingReplies.get(String(record.chat.id)) !== undefined) pendingReplies.delete(String(record.chat.id));
    return { number: e.number, message, replyTo: repliedTo?.number, ...delivery(record, message), update: { update_id: nextUpdateId++, message } };
  }

  function editUserMessage({ number, text, from }) {
    const e = entry(number);
    if (!e || e.deleted) return { refused: `there is no message #${number}` };
    if (e.byBot) return { refused: `#${number} is the bot's message; you can edit only your own` };
    if (e.author !== from.id) return { refused: `#${number} was sent by user ${e.author}; switch with :user ${e.author}` };
    if (e.message.text === text) return { refused: "that is the same text" };
    const entities = userTextEntities(text);
    const { entities: _old, ...rest } = e.message;
    e.message = { ...rest, text, ...(entities.length ? { entities } : {}), edit_date: now() };
    return { number, message: e.message, ...delivery(chatRecord(e.chatId), e.message), update: { update_id: nextUpdateId++, edited_message: e.message } };
  }

  // The newest message of a chat that shows buttons now.
  function latestWithKeyboard(chatId) {
    for (let i = entries.length - 1; i >= 0; i--) {
      if (entries[i].chatId === String(chatId) && keyboardOf(entries[i])) return entries[i].number;
    }
    return undefined;
  }

  // Presses a button (by number, or by its text) of message #number. Gives
  // the callback_query update, the text a reply-keyboard button sends, or
  // why nothing reaches the bot.
  function press({ number, button, from }) {
    const e = entry(number);
    if (!e || e.deleted) return { refused: `there is no message #${number}` };
    const markup = keyboardOf(e);
    if (!markup) return { refused: `message #${number} has no buttons` };
    const buttons = keyboardButtons(markup);
    const chosen = typeof button === "number" ? buttons[button - 1] : buttons.find((b) => b.text === button) ?? buttons.find((b) => b.text.toLowerCase().includes(String(button).toLowerCase()));
    if (!chosen) return { refused: `message #${number} has no button ${typeof button === "number" ? button : `"${button}"`} (it has ${buttons.length})` };
    if (chosen.kind === "text") {
      const record = chats.get(e.chatId);
      if (markup.one_time_keyboard) record.replyKeyboard = null;
      return { sendText: chosen.text, chatId: Number(e.chatId) };
    }
    if (chosen.kind !== "callback") {
      const what = {
        url: `opens ${chosen.button.url} in the browser`,
        login: `logs in at ${chosen.button.login_url?.url}`,
        web_app: `opens the Web App ${chosen.button.web_app?.url ?? ""}`,
        inline_query: "starts an inline query (inline mode is not simulated)",
        copy: `copies "${chosen.button.copy_text?.text}" to the clipboard`,
        game: "starts a game (not simulated)",
        pay: "opens a payment form (not simulated)",
        special: "asks for contact, location or a chat (not simulated)",
      }[chosen.kind] ?? "does nothing here";
      return { refused: `button ${chosen.number} "${chosen.text}" ${what}; the bot is not told` };
    }
    const id = `${base}${String(nextQuery++).padStart(6, "0")}`;
    const record = chats.get(e.chatId);
    queries.set(id, { number: e.number, chatId: record.chat.id, answered: false });
    const callback_query = {
      id,
      from,
      message: e.message,
      chat_instance: chatInstance(record.chat.id),
      data: chosen.button.callback_data,
    };
    return { number: e.number, button: chosen, queryId: id, update: { update_id: nextUpdateId++, callback_query } };
  }

  // The bot added to / removed from a group, or blocked / unblocked in private.
  function memberChange({ chat, from, status }) {
    const record = chatRecord(chat);
    const old = record.botStatus;
    if (old === status) return { refused: `the bot's status here is already "${status}"` };
    record.botStatus = status;
    const my_chat_member = { chat: record.chat, from, date: now(), old_chat_member: chatMember(old, me), new_chat_member: chatMember(status, me) };
    return { old, status, update: { update_id: nextUpdateId++, my_chat_member } };
  }

  return {
    bot,
    apply,
    answer: (call) => apply(call).answer,
    registerChat: (chat) => chatRecord(chat).chat,
    userMessage,
    editUserMessage,
    press,
    memberChange,
    latestWithKeyboard,
    keyboardOf: (number) => keyboardOf(entry(number)),
    entry,
    transcript: (chatId) => entries.filter((e) => e.chatId === String(chatId)),
    pendingReply: (chatId) => pendingReplies.get(String(chatId)),
    clearPendingReply: (chatId) => pendingReplies.delete(String(chatId)),
    queryAnswered: (id) => queries.get(id)?.answered ?? false,
    botStatus: (chatId) => chatRecord(chatId).botStatus,
    get privacy() {
      return privacy;
    },
    set privacy(on) {
      privacy = Boolean(on);
    },
  };
}

// Telegram takes object parameters JSON-serialized too (reply_markup as a
// string is common, in JSON bodies as well as forms): decode those.
const JSON_FIELDS = ["reply_markup", "reply_parameters", "entities", "caption_entities", "link_preview_options", "message_ids", "commands", "scope", "options", "reaction"];
function jsonFields(params) {
  const out = { ...params };
  for (const key of JSON_FIELDS) {
    if (typeof out[key] !== "string") continue;
    try {
      out[key] = JSON.parse(out[key]);
    } catch {
      // left as it is: Telegram would reject it
    }
  }
  return out;
}

// A stable chat_instance per chat, shaped like Telegram's (a signed 64-bit number).
function chatInstance(chatId) {
  let h = 1469598103934665603n;
  for (const ch of `miti:${chatId}`) h = BigInt.asIntN(64, (h ^ BigInt(ch.codePointAt(0))) * 1099511628211n);
  return String(h);
}

// Answers calls as Telegram would, from a chat world of its own (see
// createChatWorld): register.mjs and other callers that only need answers.
export function createAnswerer({ bot = STANDIN_BOT } = {}) {
  return createChatWorld({ bot }).answer;
}

// multipart/form-data: fields as text (JSON values decoded, as Telegram
// accepts), files as {filename, content_type, size}.
function parseMultipart(body, boundary) {
  const params = {};
  const delimiter = Buffer.from(`--${boundary}`);
  let start = body.indexOf(delimiter);
  while (start >= 0) {
    const next = body.indexOf(delimiter, start + delimiter.length);
    if (next < 0) break;
    const part = body.subarray(start + delimiter.length + 2, next - 2); // skip CRLF after the boundary and before the next
    const split = part.indexOf("\r\n\r\n");
    if (split >= 0) {
      const headers = part.subarray(0, split).toString("utf8");
      const content = part.subarray(split + 4);
      const name = headers.match(/name="([^"]*)"/i)?.[1];
      const filename = headers.match(/filename="([^"]*)"/i)?.[1];
      if (name !== undefined) {
        if (filename !== undefined) {
          params[name] = { filename, content_type: headers.match(/content-type:\s*([^\r\n]+)/i)?.[1], size: content.length };
        } else {
          params[name] = decodeValue(content.toString("utf8"));
        }
      }
    }
    start = next;
  }
  return params;
}

// Telegram accepts JSON-encoded values in form fields (reply_markup, ...).
// Numbers stay strings (the world reads ids with Number(), and a text "123"
// must stay a text); booleans are decoded so that show_alert=false is false.
function decodeValue(value) {
  if (value === "true" || value === "false") return value === "true";
  if (!/^[[{]/.test(value.trim())) return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

async function readParams(request, url) {
  const params = {};
  for (const [key, value] of url.searchParams) params[key] = decodeValue(value);
  const chunks = [];
  for await (const chunk of request) chunks.push(chunk);
  const body = Buffer.concat(chunks);
  if (!body.length) return params;
  const type = request.headers["content-type"] ?? "";
  if (type.includes("application/x-www-form-urlencoded")) {
    for (const [key, value] of new URLSearchParams(body.toString("utf8"))) params[key] = decodeValue(value);
    return params;
  }
  const boundary = type.match(/multipart\/form-data;.*boundary="?([^";]+)"?/i)?.[1];
  if (boundary) return { ...params, ...parseMultipart(body, boundary) };
  return { ...params, ...JSON.parse(body.toString("utf8")) };
}

// Starts the server on 127.0.0.1 (`port` 0: any free port).
//   token:   when set, other tokens get Telegram's 401 Unauthorized
//   onCall:  ({method, params, token}) for every authorized call
//   answer:  ({method, params, token}) => Bot API answer; defaults to createAnswerer()
// `calls` records every call, each marked `authorized`.
export async function startBotApiStandIn({ token, onCall, answer, port: wantedPort = 0 } = {}) {
  const answerer = answer ?? createAnswerer();
  const calls = [];
  const server = createServer(async (request, response) => {
    const reply = (status, payload) => {
      response.writeHead(status, { "content-type": "application/json" });
      response.end(JSON.stringify(payload));
    };
    const url = new URL(request.url, "http://127.0.0.1");
    const match = url.pathname.match(/^\/bot([^/]+)\/([A-Za-z]+)$/);
    if (!match) return reply(404, { ok: false, error_code: 404, description: "Not Found" });
    const call = { token: decodeURIComponent(match[1]), method: match[2], params: {} };
    call.authorized = token === undefined || call.token === token;
    try {
      call.params = await readParams(request, url);
    } catch {
      return reply(400, { ok: false, error_code: 400, description: "Bad Request: can't parse JSON" });
    }
    calls.push(call);
    if (!call.authorized) return reply(401, { ok: false, error_code: 401, description: "Unauthorized" });
    try {
      onCall?.(call);
    } catch {
      // A broken observer must not turn into a Bot API failure for the Worker.
    }
    let result;
    try {
      result = await answerer(call);
    } catch (error) {
      result = { ok: false, error_code: 500, description: `Internal Server Error: ${error.message}` };
    }
    reply(result.ok === false ? (result.error_code ?? 400) : 200, result);
  });
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(wantedPort, "127.0.0.1", resolve);
  });
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    calls,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

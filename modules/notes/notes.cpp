// notes: a notebook in D1, per owner and per chat; the whole SQL path, a
// conversation (/note alone asks for the text) and buttons (🗑 under /notes)
// in one small module. See README.md for the rules.
#include <miti/miti.hpp>

#include "notes/note_text.hpp"

namespace {

using miti::Context;
using miti::Task;
using namespace notes_module;

struct Note {
  std::int64_t id = 0;
  std::string text;
};
MITI_FIELDS(Note, id, text)

struct Saved {
  std::int64_t id = 0;
};
MITI_FIELDS(Saved, id)

struct Owner {
  std::int64_t user_id = 0;
};
MITI_FIELDS(Owner, user_id)

// The rule that keeps a private chat's notes out of groups: a note is listed
// and deleted only in the chat it was saved in. Notes saved before notes had
// chats (chat_id NULL) count as private: only in the owner's private chat,
// whose id is the owner's.
constexpr const char* kInThisChat = "(chat_id = ?2 OR (chat_id IS NULL AND ?2 = ?1))";

Task<std::vector<Note>> list_notes(Context& ctx, std::int64_t owner, int count) {
  co_return co_await ctx.sql().all<Note>(
      std::string("SELECT id, text FROM notes_notes WHERE user_id = ?1 AND ") + kInThisChat +
          " ORDER BY id DESC LIMIT ?3",
      owner, ctx.chat().id, count);
}

struct Rendered {
  std::string text;
  miti::InlineKeyboard keyboard;  // empty when the list does not fit one message
  miti::Json markup() const { return keyboard.empty() ? miti::Json() : miti::Json(keyboard); }
};

Rendered render_list(Context& ctx, const std::vector<Note>& notes, int count) {
  Rendered out;
  out.text = "<b>your notes here</b> (newest first)";
  for (const Note& note : notes) out.text += "\n" + list_line(note.id, note.text);
  if (miti::utf16_length(out.text) > miti::BotApi::kMaxMessageLength) {
    // Split over several messages: buttons could edit only the last one.
    out.text += "\nDelete one with /forget <id>.";
    return out;
  }
  for (std::size_t i = 0; i < notes.size(); ++i) {
    if (i > 0 && i % 5 == 0) out.keyboard.row();
    out.keyboard.button("🗑 #" + std::to_string(notes[i].id),
                        ctx.callback_data("delete", delete_payload(notes[i].id, count)));
  }
  return out;
}

// Saves text for the sender in this chat, within the per-owner limits.
Task<void> save(Context& ctx, std::string_view text) {
  if (std::optional<std::string> problem = note_problem(text)) {
    co_await ctx.reply(std::move(*problem));
    co_return;
  }
  // The limit is part of the INSERT: two notes at once cannot both squeeze past it.
  std::optional<Saved> saved = co_await ctx.sql().first<Saved>(
      "INSERT INTO notes_notes (user_id, chat_id, text, created_at)"
      " SELECT ?1, ?2, ?3, ?4 WHERE (SELECT count(*) FROM notes_notes WHERE user_id = ?1) < ?5"
      " RETURNING id",
      ctx.sender().id, ctx.chat().id, text, ctx.now_ms(), kMaxNotesPerOwner);
  if (!saved) {
    co_await ctx.reply("You have " + std::to_string(kMaxNotesPerOwner) +
                       " notes, the most allowed. Delete some first (the 🗑 buttons in /notes, "
                       "or /forget <id>).");
    co_return;
  }
  co_await ctx.reply("saved note #" + std::to_string(saved->id));
}

Task<void> note(Context& ctx) {
  if (!ctx.sender()) {
    co_await ctx.reply(kNoteUsage);
    co_return;
  }
  std::string_view text = miti::trim(ctx.args());
  if (text.empty()) {
    co_await ctx.ask("text", "What should I note? (/cancel to stop)",
                     {.timeout_ms = kAskTimeoutMs});
    co_return;
  }
  co_await save(ctx, text);
}

// The answer to "What should I note?".
Task<void> note_text(Context& ctx) {
  std::string_view text = miti::trim(ctx.text());
  if (text.empty()) {
    co_await ctx.reply(kNoteUsage);
    co_return;
  }
  co_await save(ctx, text);
}

Task<void> notes(Context& ctx) {
  std::optional<int> count = parse_count(ctx.args());
  if (!ctx.sender() || !count) {
    co_await ctx.reply(kNotesUsage);
    co_return;
  }
  std::vector<Note> found = co_await list_notes(ctx, ctx.sender().id, *count);
  if (found.empty()) {
    co_await ctx.reply("no notes here yet; save one with /note <text>");
    co_return;
  }
  Rendered list = render_list(ctx, found, *count);
  co_await ctx.reply(std::move(list.text), {.parse_mode = "HTML", .reply_markup = list.markup()});
}

Task<void> forget(Context& ctx) {
  std::optional<std::int64_t> id = miti::parse_id(ctx.args());
  if (!ctx.sender() || !id) {
    co_await ctx.reply(kForgetUsage);
    co_return;
  }
  // The owner and chat checks are part of the DELETE: someone else's note is
  // never touched, and there is no window between checking and deleting.
  miti::SqlRunResult deleted = co_await ctx.sql().run(
      std::string("DELETE FROM notes_notes WHERE id = ?3 AND user_id = ?1 AND ") + kInThisChat,
      ctx.sender().id, ctx.chat().id, *id);
  co_await ctx.reply(deleted.changes > 0
                         ? "forgot note #" + std::to_string(*id)
                         : "you have no note #" + std::to_string(*id) + " here; nothing deleted");
}

// 🗑 under a /notes list: deletes the note (only its owner may) and redraws
// the list in place.
Task<void> delete_pressed(Context& ctx) {
  std::optional<DeletePayload> pressed = parse_delete_payload(ctx.payload());
  if (!pressed) {
    co_await ctx.answer("That button is broken.");
    co_return;
  }
  const std::int64_t presser = ctx.sender().id;
  miti::SqlRunResult deleted = co_await ctx.sql().run(
      std::string("DELETE FROM notes_notes WHERE id = ?3 AND user_id = ?1 AND ") + kInThisChat,
      presser, ctx.chat().id, pressed->id);
  if (deleted.changes == 0) {
    std::optional<Owner> owner = co_await ctx.sql().first<Owner>(
        "SELECT user_id FROM notes_notes WHERE id = ?", pressed->id);
    co_await ctx.answer(owner ? "Only the note's owner can delete it."
                              : "That note is already gone.");
    co_return;
  }
  co_await ctx.answer("Deleted note #" + std::to_string(pressed->id));
  std::vector<Note> left = co_await list_notes(ctx, presser, pressed->count);
  if (left.empty()) {
    co_await ctx.edit_text("no notes here any more; save one with /note <text>");
    co_return;
  }
  Rendered list = render_list(ctx, left, pressed->count);
  co_await ctx.edit_text(std::move(list.text),
                         {.parse_mode = "HTML", .reply_markup = list.markup()});
}

}  // namespace

MITI_MODULE(notes) {
  using miti::Visibility;
  return {
      .commands =
          {
              {.name = "note", .description = "Save a note: /note <text>", .handler = note},
              {.name = "notes",
               .description = "List your newest notes here: /notes [n]",
               .handler = notes,
               .read_only = true},
              {.name = "forget",
               .description = "Delete one of your notes: /forget <id>",
               .handler = forget},
          },
      .callbacks = {{"delete", delete_pressed}},
      .steps = {{"text", note_text}},
  };
}

// notes: a per-sender notebook in D1, the whole SQL path in one small module.
// Its table notes_notes comes from migrations/0001_create_notes.sql.
#include <miti/miti.hpp>

#include "notes/note_text.hpp"

namespace {

using miti::CommandContext;
using miti::Task;
using namespace notes_module;

constexpr const char* kNoteUsage = "usage: /note <text>";
constexpr const char* kNotesUsage =
    "usage: /notes [n] (how many of your newest notes, 1..50, default 10)";
constexpr const char* kForgetUsage =
    "usage: /forget <id> (the number /notes shows, e.g. /forget 12)";

// Channel posts have no sender, and notes belong to a sender.
std::optional<std::int64_t> sender(const CommandContext& ctx) {
  if (const miti::telegram::User* from = ctx.from()) return from->id;
  return std::nullopt;
}

Task<void> note(CommandContext& ctx) {
  std::optional<std::int64_t> user = sender(ctx);
  std::string_view text = miti::trim(ctx.args());
  if (!user || text.empty()) {
    co_await ctx.reply(kNoteUsage);
    co_return;
  }
  // RETURNING hands back the new id in the same round trip.
  std::optional<miti::SqlRow> saved = co_await ctx.sql().first(
      "INSERT INTO notes_notes (user_id, text, created_at) VALUES (?, ?, ?) RETURNING id", *user,
      text, ctx.now_ms());
  if (!saved) throw miti::Error("notes: the INSERT returned no id");
  co_await ctx.reply("saved note #" + std::to_string(saved->integer("id")));
}

Task<void> notes(CommandContext& ctx) {
  std::optional<std::int64_t> user = sender(ctx);
  std::optional<int> count = parse_count(ctx.args());
  if (!user || !count) {
    co_await ctx.reply(kNotesUsage);
    co_return;
  }
  std::vector<miti::SqlRow> rows = co_await ctx.sql().all(
      "SELECT id, text FROM notes_notes WHERE user_id = ? ORDER BY id DESC LIMIT ?", *user, *count);
  if (rows.empty()) {
    co_await ctx.reply("no notes yet; save one with /note <text>");
    co_return;
  }
  std::string text = "<b>your notes</b> (newest first)";
  for (const miti::SqlRow& row : rows) {
    text += "\n" + list_line(row.integer("id"), row.text("text"));
  }
  co_await ctx.reply(std::move(text), {.parse_mode = "HTML"});
}

Task<void> forget(CommandContext& ctx) {
  std::optional<std::int64_t> user = sender(ctx);
  std::optional<std::int64_t> id = miti::parse_id(ctx.args());
  if (!user || !id) {
    co_await ctx.reply(kForgetUsage);
    co_return;
  }
  // The owner check is part of the DELETE: someone else's note is never touched.
  miti::SqlRunResult deleted =
      co_await ctx.sql().run("DELETE FROM notes_notes WHERE id = ? AND user_id = ?", *id, *user);
  co_await ctx.reply(deleted.changes > 0
                         ? "forgot note #" + std::to_string(*id)
                         : "you have no note #" + std::to_string(*id) + "; nothing deleted");
}

}  // namespace

MITI_MODULE(notes) {
  using miti::Visibility;
  return {
      .commands =
          {
              {"note", Visibility::kPublic, "Save a note: /note <text>", note},
              {"notes", Visibility::kPublic, "List your newest notes: /notes [n]", notes},
              {"forget", Visibility::kPublic, "Delete one of your notes: /forget <id>", forget},
          },
  };
}

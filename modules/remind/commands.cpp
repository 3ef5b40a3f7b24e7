#include "remind/commands.hpp"

#include <miti/miti.hpp>
#include <miti/text.hpp>
#include <optional>
#include <string>
#include <vector>

#include "remind/config.hpp"
#include "remind/duration.hpp"
#include "remind/queries.hpp"
#include "remind/text.hpp"

namespace remind {

namespace {

using miti::CommandContext;
using miti::Task;

constexpr const char* kRemindUsage =
    "Usage: /remind <when> <text>, e.g. /remind 1h30m stretch\n"
    "<when> is 1m to 365d, made of w, d, h and m parts: 10m, 2h, 1d, 1h30m";
constexpr const char* kUnremindUsage = "Usage: /unremind <id> (the ids are in /reminders)";
constexpr std::size_t kPreviewCodePoints = 80;

// Reminders belong to the message's sender (miti::Sender: the user, or the
// chat an anonymous admin or a channel post speaks for). A message with no
// sender and a bot without a DB get a clear answer instead of a failure in
// the log.
std::optional<std::string> unavailable(CommandContext& ctx) {
  if (!ctx.has_sql()) return "Reminders are unavailable: this bot has no database (DB binding).";
  if (!ctx.sender()) return "Reminders need a sender to belong to; this message has none.";
  return std::nullopt;
}

}  // namespace

Task<void> remind_command(CommandContext& ctx) {
  if (std::optional<std::string> why = unavailable(ctx)) {
    co_await ctx.reply(std::move(*why));
    co_return;
  }
  std::string_view args = miti::trim(ctx.args());
  std::size_t space = args.find_first_of(" \t\r\n");
  std::string_view when = args.substr(0, space);
  std::string_view text = space == std::string_view::npos ? "" : miti::trim(args.substr(space));
  std::optional<std::int64_t> delay = parse_duration(when);
  if (!delay || *delay < kMinDelayMs || *delay > kMaxDelayMs || text.empty()) {
    co_await ctx.reply(kRemindUsage);
    co_return;
  }
  if (miti::utf16_length(text) > kMaxTextUnits) {
    std::string answer =
        "That reminder is too long: at most " + std::to_string(kMaxTextUnits) + " characters.";
    co_await ctx.reply(std::move(answer));
    co_return;
  }

  const std::int64_t now = ctx.now_ms();
  // Whole seconds, so the time shown is exactly the time stored.
  const std::int64_t due = (now + *delay + 999) / 1000 * 1000;
  const miti::telegram::Message& message = ctx.message();
  queries::NewReminder reminder{
      .chat_id = ctx.chat().id,
      .thread_id = message.is_topic_message ? message.message_thread_id : std::nullopt,
      .message_id = message.message_id,
      .owner = ctx.sender().id,
      .text = std::string(text),
      .created_at = now,
      .due_at = due,
  };
  std::optional<queries::NewId> inserted = co_await ctx.sql().first<queries::NewId>(
      queries::insert_if_below_limit(reminder, kMaxOpenPerOwner));
  if (!inserted) {
    std::string answer = "You already have " + std::to_string(kMaxOpenPerOwner) +
                         " pending reminders, the most allowed. Delete one with /unremind <id> "
                         "(see /reminders) or wait for one to fire.";
    co_await ctx.reply(std::move(answer));
    co_return;
  }
  const std::int64_t id = inserted->id;
  std::string answer = "⏰ Reminder #" + std::to_string(id) + " set for " + utc_seconds(due) +
                       " (in " + format_duration(*delay) + ").";
  co_await ctx.reply(std::move(answer));
}

Task<void> reminders_command(CommandContext& ctx) {
  if (std::optional<std::string> why = unavailable(ctx)) {
    co_await ctx.reply(std::move(*why));
    co_return;
  }
  std::vector<queries::OpenReminder> rows = co_await ctx.sql().all<queries::OpenReminder>(
      queries::list_open(ctx.sender().id, ctx.chat().id, kMaxOpenPerOwner));
  if (rows.empty()) {
    co_await ctx.reply("You have no pending reminders in this chat. Set one with /remind 10m tea.");
    co_return;
  }
  // One reminder per line, each line complete HTML: long lists are split at
  // line breaks, which therefore never fall inside a tag.
  std::string text = "<b>Your pending reminders here (" + std::to_string(rows.size()) + ")</b>";
  for (const queries::OpenReminder& row : rows) {
    text += "\n#" + std::to_string(row.id) + " · " + utc_seconds(row.due_at) + " · " +
            miti::escape_html(miti::preview(row.text, kPreviewCodePoints));
  }
  co_await ctx.reply(std::move(text), {.parse_mode = "HTML"});
}

Task<void> unremind_command(CommandContext& ctx) {
  if (std::optional<std::string> why = unavailable(ctx)) {
    co_await ctx.reply(std::move(*why));
    co_return;
  }
  std::optional<std::int64_t> id = miti::parse_id(ctx.args());
  if (!id) {
    co_await ctx.reply(kUnremindUsage);
    co_return;
  }
  miti::SqlRunResult deleted =
      co_await ctx.sql().run(queries::delete_pending(*id, ctx.sender().id));
  // The same answer whether the id is someone else's, delivered or unknown:
  // it must not reveal other users' reminders.
  std::string answer = deleted.changes > 0
                           ? "Reminder #" + std::to_string(*id) + " deleted."
                           : "You have no pending reminder #" + std::to_string(*id) + ".";
  co_await ctx.reply(std::move(answer));
}

}  // namespace remind

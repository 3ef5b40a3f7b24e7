// One run: claim a bounded batch of due reminders in one statement, send them
// one by one, and record each outcome right after its send, so that a run
// dying half-way leaves at most the one reminder in flight without a record.
#include "remind/deliver.hpp"

#include <algorithm>
#include <miti/miti.hpp>
#include <optional>
#include <string>
#include <vector>

#include "remind/buttons.hpp"
#include "remind/config.hpp"
#include "remind/queries.hpp"
#include "remind/retry_policy.hpp"
#include "remind/text.hpp"

namespace remind {

namespace {

using miti::Json;
using miti::SqlStatement;
using miti::Task;

constexpr std::size_t kErrorCodePoints = 200;

struct Claimed {
  std::int64_t id = 0;
  std::int64_t chat_id = 0;
  std::optional<std::int64_t> thread_id;
  std::optional<std::int64_t> message_id;
  std::string text;
  std::int64_t due_at = 0;
  bool given_up = false;  // the claim itself marked it failed
  std::string claim;
  int attempts = 0;
};

std::optional<std::int64_t> optional_integer(const miti::SqlRow& row, std::string_view column) {
  if (row.is_null(column)) return std::nullopt;
  return row.integer(column);
}

std::vector<Claimed> read_claimed(const std::vector<miti::SqlRow>& rows) {
  std::vector<Claimed> claimed;
  claimed.reserve(rows.size());
  for (const miti::SqlRow& row : rows) {
    Claimed c{
        .id = row.integer("id"),
        .chat_id = row.integer("chat_id"),
        .thread_id = optional_integer(row, "thread_id"),
        .message_id = optional_integer(row, "message_id"),
        .text = row.text("text"),
        .due_at = row.integer("due_at"),
        .given_up = row.text("state") == "failed",
        .claim = row.is_null("claim") ? std::string() : row.text("claim"),
        .attempts = static_cast<int>(row.integer("attempts")),
    };
    claimed.push_back(std::move(c));
  }
  // RETURNING has no defined order: send the oldest first.
  std::sort(claimed.begin(), claimed.end(), [](const Claimed& a, const Claimed& b) {
    return a.due_at != b.due_at ? a.due_at < b.due_at : a.id < b.id;
  });
  return claimed;
}

// The text, in its topic, as a reply to the /remind message, with the Snooze
// and Done buttons.
Json send_params(const miti::ModuleContext& ctx, const Claimed& c) {
  Json params = {{"chat_id", c.chat_id}, {"text", "⏰ " + c.text}};
  if (c.thread_id) params["message_thread_id"] = *c.thread_id;
  // Answers the /remind message, or stands alone if that message is gone.
  if (c.message_id) {
    params["reply_parameters"] = {{"message_id", *c.message_id},
                                  {"allow_sending_without_reply", true}};
  }
  params["reply_markup"] = delivered_keyboard(ctx, c.id);
  return params;
}

struct Tally {
  int claimed = 0;
  int sent = 0;
  int retried = 0;
  int failed = 0;
  int released = 0;
  int unrecorded = 0;
};

}  // namespace

Task<void> deliver(const miti::CronEvent& event, miti::ModuleContext& ctx) {
  if (!ctx.has_sql()) {
    ctx.log().warn("remind: deliver skipped: no DB binding");
    co_return;
  }
  std::string problem;
  const int limit = sends_per_run(ctx.env(), &problem);
  if (!problem.empty()) ctx.log().warn("remind: " + problem, {{"limit", limit}});

  // Due-ness follows the time the cron fired for; the lease also covers a run
  // that starts late.
  const std::int64_t now = event.scheduled_time_ms;
  const std::int64_t wall_start = ctx.now_ms();
  const std::int64_t lease_until = std::max(now, wall_start) + kLeaseMs;

  std::vector<miti::SqlRow> rows =
      co_await ctx.sql().all(queries::claim_due(now, lease_until, limit, kMaxAttempts));
  if (rows.empty()) co_return;
  std::vector<Claimed> claimed = read_claimed(rows);

  Tally tally{.claimed = static_cast<int>(claimed.size())};
  std::vector<std::string> unsent;           // claimed, never tried: handed back
  std::vector<SqlStatement> unrecorded;      // an outcome whose own write failed
  std::vector<std::int64_t> unrecorded_ids;  // for the log
  bool stop = false;

  for (const Claimed& c : claimed) {
    if (c.given_up) {
      ++tally.failed;
      ctx.log().warn("remind: gave up on a reminder", {{"id", c.id}, {"attempts", c.attempts}});
      continue;
    }
    if (stop || ctx.now_ms() - wall_start > kSendWindowMs) {
      unsent.push_back(c.claim);
      continue;
    }

    std::optional<int> error_code;  // 0: no answer at all
    std::string error_text;
    std::optional<std::int64_t> delivered_message_id;
    try {
      // Flood control is handled per reminder (retry next run), not by
      // waiting here: the other chats must not wait for this one.
      Json result = co_await ctx.api().call("sendMessage", send_params(ctx, c),
                                            {.retry_too_many_requests = false});
      if (std::optional<miti::telegram::Message> message = miti::telegram::parse_message(result)) {
        delivered_message_id = message->message_id;
      }
    } catch (const miti::BotApiError& error) {
      error_code = error.code();
      error_text = error.what();
    } catch (const std::exception& error) {
      error_code = 0;
      error_text = error.what();
    }

    SqlStatement outcome;
    if (!error_code) {
      outcome = queries::mark_delivered(c.id, c.claim, now, delivered_message_id);
      ++tally.sent;
    } else {
      FailureDecision decision = decide_failure(*error_code, c.attempts);
      std::string why = miti::preview(error_text, kErrorCodePoints);
      if (decision.give_up) {
        outcome = queries::mark_failed(c.id, c.claim, now, why);
        ++tally.failed;
        ctx.log().warn("remind: gave up on a reminder",
                       {{"id", c.id}, {"attempts", c.attempts}, {"error", why}});
      } else {
        outcome = queries::mark_retry(c.id, c.claim, now + decision.retry_delay_ms, why,
                                      decision.count_attempt);
        ++tally.retried;
      }
      if (decision.stop_run) {
        stop = true;
        ctx.log().warn("remind: deliver stopped early", {{"error", why}});
      }
    }

    // Recorded before the next send: this is what keeps the crash window to
    // the one reminder in flight.
    try {
      miti::SqlRunResult changed = co_await ctx.sql().run(outcome);
      if (changed.changes == 0) {
        ctx.log().warn("remind: claim lost before its outcome was recorded", {{"id", c.id}});
      }
    } catch (const std::exception& error) {
      // D1 is failing: send nothing more (every further send would widen the
      // window) and try this write once more with the releases below.
      ctx.log().error("remind: could not record an outcome",
                      {{"id", c.id}, {"error", error.what()}});
      unrecorded.push_back(std::move(outcome));
      unrecorded_ids.push_back(c.id);
      stop = true;
    }
  }

  tally.released = static_cast<int>(unsent.size());
  // Atomic: the retried outcome and the releases apply together or not at all.
  std::vector<SqlStatement> finish = std::move(unrecorded);
  for (SqlStatement& release : queries::release_claims(unsent, now)) {
    finish.push_back(std::move(release));
  }
  if (!finish.empty()) {
    bool finished = false;
    std::string finish_error;
    try {
      co_await ctx.sql().batch(std::move(finish));
      finished = true;
    } catch (const std::exception& error) {
      finish_error = error.what();
    }
    if (!finished) {
      // These rows stay claimed until their lease expires, then are sent again.
      tally.unrecorded = static_cast<int>(unrecorded_ids.size());
      ctx.log().error("remind: claims left to expire",
                      {{"unrecorded", unrecorded_ids}, {"released", 0}, {"error", finish_error}});
      tally.released = 0;
    }
  }

  ctx.log().info("remind: deliver", {{"claimed", tally.claimed},
                                     {"sent", tally.sent},
                                     {"retried", tally.retried},
                                     {"failed", tally.failed},
                                     {"released", tally.released},
                                     {"unrecorded", tally.unrecorded}});
}

}  // namespace remind

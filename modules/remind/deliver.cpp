// One run: claim a bounded batch of due reminders in one statement, send them
// one by one, and record each outcome right after its send, so that a run
// dying half-way leaves at most the one reminder in flight without a record.
// A chat that answers 429 is handed back as a whole and the run goes on with
// the other chats; a migrated group's reminders follow it to its new id.
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

namespace remind {

namespace {

using miti::Json;
using miti::ModuleContext;
using miti::SqlStatement;
using miti::Task;
using queries::Claimed;

constexpr std::size_t kErrorCodePoints = 200;

// A claimed reminder, as the run handles it.
struct Job {
  Claimed row;
  bool done = false;   // sent, handed back or given up: nothing left to do in this run
  bool moved = false;  // sent again to its migrated chat's new id in this run
};

struct Tally {
  int claimed = 0;
  int sent = 0;
  int retried = 0;
  int failed = 0;
  int deferred = 0;  // handed back because their chat answered 429
  int moved = 0;     // chats that migrated
  int released = 0;
  int unrecorded = 0;
};

struct Run {
  ModuleContext& ctx;
  const int max_sends;
  const std::int64_t scheduled_ms;  // due-ness follows the time the cron fired for
  const std::int64_t started_ms;    // wall clock
  std::vector<Job> jobs;
  int sends = 0;
  bool stopped = false;
  std::vector<SqlStatement> unrecorded;      // writes that failed, tried again at the end
  std::vector<std::int64_t> unrecorded_ids;  // for the log
  Tally tally;

  // Now, for times written back: never before the time the cron fired for,
  // so a run that starts late does not schedule into the past.
  std::int64_t now() const { return std::max(scheduled_ms, ctx.now_ms()); }
  bool may_send() const {
    return !stopped && sends < max_sends && ctx.now_ms() - started_ms <= kSendWindowMs;
  }
};

// ------------------------------------------------------------------ claim

Task<std::vector<Job>> claim(Run& run) {
  const std::int64_t lease_until = std::max(run.scheduled_ms, run.started_ms) + kLeaseMs;
  std::vector<Claimed> rows = co_await run.ctx.sql().all<Claimed>(
      queries::claim_due(run.scheduled_ms, lease_until, run.max_sends, kMaxAttempts));
  // RETURNING has no defined order: send the oldest first. (Indexes are
  // sorted, not the rows: one small sort instead of one that moves rows.)
  std::vector<std::uint32_t> order(rows.size());
  for (std::uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&rows](std::uint32_t a, std::uint32_t b) {
    return rows[a].due_at != rows[b].due_at ? rows[a].due_at < rows[b].due_at
                                            : rows[a].id < rows[b].id;
  });
  std::vector<Job> jobs;
  jobs.reserve(rows.size());
  for (std::uint32_t i : order) jobs.push_back(Job{.row = std::move(rows[i])});
  co_return jobs;
}

// ------------------------------------------------------------------ send

struct Sent {
  std::optional<std::int64_t> message_id;  // the delivered message (when Telegram said)
  std::optional<SendFailure> failure;
};

// One sendMessage: the text, in its topic, as a reply to the /remind message
// (or on its own if that is gone), with the Snooze and Done buttons. A 429 is
// not waited for here: the other chats must not wait for this one.
Task<Sent> send_reminder(ModuleContext& ctx, const Claimed& row) {
  Json params = {{"chat_id", row.chat_id}, {"text", "⏰ " + row.text}};
  miti::apply_send_options(params, {.reply_to_message_id = row.message_id,
                                    .message_thread_id = row.thread_id,
                                    .reply_markup = delivered_keyboard(ctx, row.id)});
  Sent sent;
  try {
    Json result = co_await ctx.api().call("sendMessage", std::move(params),
                                          {.retry_too_many_requests = false});
    if (std::optional<miti::telegram::Message> message = miti::telegram::parse_message(result)) {
      sent.message_id = message->message_id;
    }
  } catch (...) {
    sent.failure = classify_send_failure(std::current_exception());
  }
  co_return sent;
}

// ------------------------------------------------------------------ record

// Writes what a send led to, before the next send: this is what keeps the
// crash window to the one reminder in flight. False when D1 failed: then
// nothing more is sent (every further send would widen the window) and the
// write is tried once more at the end.
Task<bool> record(Run& run, const Job& job, std::vector<SqlStatement> statements) {
  std::string error;
  try {
    if (statements.size() == 1) {
      miti::SqlRunResult changed = co_await run.ctx.sql().run(statements.front());
      if (changed.changes == 0) {
        run.ctx.log().warn("remind: claim lost before its outcome was recorded",
                           {{"id", job.row.id}});
      }
    } else {
      co_await run.ctx.sql().batch(statements);
    }
    co_return true;
  } catch (const std::exception& e) {
    error = e.what();
  }
  run.ctx.log().error("remind: could not record an outcome",
                      {{"id", job.row.id}, {"error", error}});
  for (SqlStatement& statement : statements) run.unrecorded.push_back(std::move(statement));
  run.unrecorded_ids.push_back(job.row.id);
  run.stopped = true;
  co_return false;
}

Task<bool> record(Run& run, const Job& job, SqlStatement statement) {
  std::vector<SqlStatement> statements;
  statements.push_back(std::move(statement));
  co_return co_await record(run, job, std::move(statements));
}

// ------------------------------------------------------------------ failures

// The chat's other claims of this run not yet handled; they are handled now.
std::vector<std::string> take_unsent_of_chat(Run& run, const Job& refused) {
  std::vector<std::string> claims;
  for (Job& job : run.jobs) {
    if (&job == &refused || job.done || !job.row.claim) continue;
    if (job.row.chat_id != refused.row.chat_id) continue;
    claims.push_back(*job.row.claim);
    job.done = true;
  }
  return claims;
}

// 429: this chat waits retry_after, with every reminder of it this run holds.
Task<void> defer_chat(Run& run, Job& job, const FailureDecision& decision, const std::string& why) {
  std::vector<std::string> others = take_unsent_of_chat(run, job);
  run.tally.deferred += 1 + static_cast<int>(others.size());
  run.ctx.log().warn("remind: chat is rate limited",
                     {{"chat_id", job.row.chat_id},
                      {"retry_after_ms", decision.retry_delay_ms},
                      {"handed_back", static_cast<std::int64_t>(1 + others.size())}});
  co_await record(
      run, job,
      queries::defer_chat(*job.row.claim, why, run.now() + decision.retry_delay_ms, others));
}

// Migrated: the chat's unfinished reminders (in D1 and in this run) follow
// it. False when the move could not be recorded.
Task<bool> move_chat(Run& run, const Job& job, std::int64_t new_chat_id) {
  const std::int64_t old_chat_id = job.row.chat_id;
  if (!co_await record(run, job, queries::move_chat(old_chat_id, new_chat_id))) co_return false;
  for (Job& other : run.jobs) {
    if (other.row.chat_id == old_chat_id) other.row.chat_id = new_chat_id;
  }
  ++run.tally.moved;
  run.ctx.log().info("remind: chat migrated", {{"from", old_chat_id}, {"to", new_chat_id}});
  co_return true;
}

// A failed send's outcome; true when the job should be sent again now.
Task<bool> handle_failure(Run& run, Job& job, const SendFailure& failure) {
  const FailureDecision decision = decide_failure(failure, job.row.attempts, job.moved);
  const std::string why = miti::preview(failure.description, kErrorCodePoints);
  const std::string& claim = *job.row.claim;
  switch (decision.action) {
    case Action::kGiveUp:
      ++run.tally.failed;
      run.ctx.log().warn("remind: gave up on a reminder",
                         {{"id", job.row.id}, {"attempts", job.row.attempts}, {"error", why}});
      co_await record(run, job, queries::mark_failed(job.row.id, claim, run.now(), why));
      co_return false;
    case Action::kRetry:
      ++run.tally.retried;
      if (decision.stop_run) {
        run.stopped = true;
        run.ctx.log().warn("remind: deliver stopped early", {{"error", why}});
      }
      co_await record(run, job,
                      queries::mark_retry(job.row.id, claim, run.now() + decision.retry_delay_ms,
                                          why, decision.count_attempt));
      co_return false;
    case Action::kDeferChat:
      co_await defer_chat(run, job, decision, why);
      co_return false;
    case Action::kMoveChat:
      if (!co_await move_chat(run, job, failure.new_chat_id)) {
        job.done = false;  // handed back at the end
        co_return false;
      }
      job.moved = true;
      co_return true;
  }
  co_return false;
}

// ------------------------------------------------------------------ the run

// Sends one claimed reminder (twice when its chat migrated) and records the
// outcome. Left undone when the run may not send any more.
Task<void> deliver_one(Run& run, Job& job) {
  for (;;) {
    if (!run.may_send()) {
      job.done = false;  // handed back at the end
      co_return;
    }
    ++run.sends;
    job.done = true;
    Sent sent = co_await send_reminder(run.ctx, job.row);
    if (!sent.failure) {
      ++run.tally.sent;
      co_await record(
          run, job,
          queries::mark_delivered(job.row.id, *job.row.claim, run.now(), sent.message_id));
      co_return;
    }
    if (!co_await handle_failure(run, job, *sent.failure)) co_return;
  }
}

// Hands back whatever was claimed and not sent, together with a write that
// failed, in one atomic batch.
Task<void> finish(Run& run) {
  std::vector<std::string> unsent;
  for (const Job& job : run.jobs) {
    if (!job.done && job.row.claim) unsent.push_back(*job.row.claim);
  }
  std::vector<SqlStatement> batch = std::move(run.unrecorded);
  for (SqlStatement& release : queries::release_claims(unsent, run.now())) {
    batch.push_back(std::move(release));
  }
  run.tally.released = static_cast<int>(unsent.size());
  if (batch.empty()) co_return;
  std::string error;
  try {
    co_await run.ctx.sql().batch(batch);
    co_return;
  } catch (const std::exception& e) {
    error = e.what();
  }
  // These rows stay claimed until their lease expires, then are sent again.
  run.tally.unrecorded = static_cast<int>(run.unrecorded_ids.size());
  run.tally.released = 0;
  run.ctx.log().error(
      "remind: claims left to expire",
      {{"unrecorded", miti::Json(run.unrecorded_ids)}, {"released", 0}, {"error", error}});
}

void log_summary(const Run& run) {
  const Tally& t = run.tally;
  run.ctx.log().info("remind: deliver", {{"claimed", t.claimed},
                                         {"sent", t.sent},
                                         {"retried", t.retried},
                                         {"failed", t.failed},
                                         {"deferred", t.deferred},
                                         {"moved", t.moved},
                                         {"released", t.released},
                                         {"unrecorded", t.unrecorded}});
}

}  // namespace

Task<void> deliver(const miti::CronEvent& event, ModuleContext& ctx) {
  if (!ctx.has_sql()) {
    ctx.log().warn("remind: deliver skipped: no DB binding");
    co_return;
  }
  std::string problem;
  const SendBudget budget = send_budget(ctx.env(), &problem);
  if (!problem.empty()) ctx.log().warn("remind: " + problem, {{"sends", budget.sends}});

  Run run{.ctx = ctx,
          .max_sends = budget.sends,
          .scheduled_ms = event.scheduled_time_ms,
          .started_ms = ctx.now_ms()};
  run.jobs = co_await claim(run);
  if (run.jobs.empty()) co_return;
  run.tally.claimed = static_cast<int>(run.jobs.size());

  for (Job& job : run.jobs) {
    if (job.done) continue;  // handed back with its chat
    if (job.row.state == "failed") {
      // The claim itself gave up on it (every earlier claim died with its run).
      job.done = true;
      ++run.tally.failed;
      ctx.log().warn("remind: gave up on a reminder",
                     {{"id", job.row.id}, {"attempts", job.row.attempts}});
      continue;
    }
    co_await deliver_one(run, job);
  }
  co_await finish(run);
  log_summary(run);
}

}  // namespace remind

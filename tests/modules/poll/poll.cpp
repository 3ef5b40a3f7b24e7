// poll: the example module of docs/handling-updates.md, compiled and tested
// (tests/worker/updates.test.mjs) so the example stays true. Test-only.
// /poll asks a question, buttons count the votes.
#include <miti/miti.hpp>

namespace {

using miti::Context;
using miti::Task;

struct Votes {
  std::int64_t yes = 0;
  std::int64_t no = 0;
};
MITI_FIELDS(Votes, yes, no)

miti::InlineKeyboard buttons(Context& ctx, const Votes& votes) {
  miti::InlineKeyboard keyboard;
  keyboard.button("👍 " + std::to_string(votes.yes), ctx.callback_data("vote", "yes"))
      .button("👎 " + std::to_string(votes.no), ctx.callback_data("vote", "no"));
  return keyboard;
}

// /poll alone asks for the question; /poll <question> starts at once.
Task<void> poll(Context& ctx) {
  if (ctx.args().empty()) {
    co_await ctx.ask("question", "What should I ask?");
    co_return;
  }
  co_await ctx.reply(std::string(ctx.args()), {.reply_markup = buttons(ctx, {})});
}

Task<void> question(Context& ctx) {  // the step: the user's next message
  co_await ctx.reply(std::string(ctx.text()), {.reply_markup = buttons(ctx, {})});
}

Task<void> vote(Context& ctx) {  // a press: ctx.payload() is "yes" or "no"
  std::string key = "votes:" + std::to_string(ctx.message().message_id);
  Votes votes = (co_await ctx.db().get_json<Votes>(key)).value_or(Votes{});
  (ctx.payload() == "yes" ? votes.yes : votes.no) += 1;
  co_await ctx.db().put_json(key, votes);
  co_await ctx.answer("Thanks!");                  // the toast; stops the spinner
  co_await ctx.edit_text(std::string(ctx.text()),  // same text, new counts
                         {.reply_markup = buttons(ctx, votes)});
}

}  // namespace

MITI_MODULE(poll) {
  return {
      .commands = {{"poll", miti::Visibility::kPublic, "Ask a yes/no question", poll}},
      .callbacks = {{"vote", vote}},
      .steps = {{"question", question}},
  };
}

// kinds: one handler of every kind a module can declare, for the workerd
// tests of the dispatcher (tests/worker/updates.test.mjs). Test-only.
#include <miti/miti.hpp>

namespace {

using miti::Context;
using miti::Task;

Task<void> menu(Context& ctx) {
  miti::InlineKeyboard keyboard;
  keyboard.button("A", ctx.callback_data("tap", "a"))
      .button("B", ctx.callback_data("tap", "b"))
      .row()
      .button("silent", ctx.callback_data("silent", "x"))
      .button("boom", ctx.callback_data("boom"))
      .row()
      .url("docs", "https://example.org/docs");
  co_await ctx.reply("menu", {.reply_markup = keyboard});
}

// "/long <n>": a button whose payload is n bytes (to see the 64-byte check).
Task<void> long_button(Context& ctx) {
  std::string payload(static_cast<std::size_t>(std::stoi(std::string(ctx.args()))), 'x');
  miti::InlineKeyboard keyboard;
  std::string refused;
  try {
    keyboard.button("long", ctx.callback_data("tap", payload));
  } catch (const miti::UsageError& error) {
    refused = error.what();
  }
  if (!refused.empty()) {
    co_await ctx.reply("refused: " + refused);
    co_return;
  }
  co_await ctx.reply("built", {.reply_markup = keyboard});
}

Task<void> ask(Context& ctx) {
  co_await ctx.ask("answer", "What is your name?", {.state = {{"n", 1}}, .timeout_ms = 60'000});
}

Task<void> answer(Context& ctx) {
  co_await ctx.reply("hello " + std::string(ctx.text()) +
                     " (n=" + std::to_string(ctx.state()["n"].as_integer()) + ")");
}

// "/twice": two questions in a row; the first answer asks the second.
Task<void> twice(Context& ctx) {
  co_await ctx.ask("first", "first?");
}

Task<void> first(Context& ctx) {
  co_await ctx.ask("second", "got " + std::string(ctx.text()) + "; second?");
}

Task<void> second(Context& ctx) {
  co_await ctx.reply("second: " + std::string(ctx.text()));
}

Task<void> edits_command(Context& ctx) {
  co_await ctx.reply(std::string(ctx.kind() == miti::UpdateKind::kEditedCommand ? "edited " : "") +
                     "command: " + std::string(ctx.args()));
}

// "/flood": a Bot API call the test's Telegram answers 429 first.
Task<void> flood(Context& ctx) {
  co_await ctx.api().call("sendMessage", {{"chat_id", ctx.chat().id}, {"text", "after the flood"}});
}

// "/hang": a Bot API call the test's Telegram never answers.
Task<void> hang(Context& ctx) {
  try {
    co_await ctx.api().call("kindsHang", {{"chat_id", ctx.chat().id}});
  } catch (const miti::TimeoutError&) {
    ctx.log().info("kinds: timed out");
  }
  co_await ctx.api().call("sendMessage", {{"chat_id", ctx.chat().id}, {"text", "gave up waiting"}});
}

// "/slow": says it is working, answers the webhook, then finishes (a Bot API
// call the test's Telegram answers late) and edits the message.
Task<void> slow(Context& ctx) {
  std::optional<miti::telegram::Message> working =
      co_await ctx.reply("working on it…", {.no_webhook_reply = true});
  co_await ctx.api().call("kindsSlow", {{"chat_id", ctx.chat().id}});
  co_await ctx.api().edit_message_text(ctx.chat().id, working->message_id, "done");
}

// "/late": like /slow but without answering first: the framework answers by
// itself after MITI_BACKGROUND_AFTER_MS.
Task<void> late(Context& ctx) {
  co_await ctx.reply("first");
  co_await ctx.api().call("kindsSlow", {{"chat_id", ctx.chat().id}});
  co_await ctx.api().call("sendMessage", {{"chat_id", ctx.chat().id}, {"text", "finished"}});
}

// "/early": answers the webhook itself, then goes on.
Task<void> early(Context& ctx) {
  co_await ctx.reply("answered early");
  ctx.respond_now();
  co_await ctx.api().call("kindsSlow", {{"chat_id", ctx.chat().id}});
  co_await ctx.api().call("sendMessage", {{"chat_id", ctx.chat().id}, {"text", "background done"}});
}

Task<void> tap(Context& ctx) {
  co_await ctx.answer("tapped " + std::string(ctx.payload()));
  co_await ctx.edit_text("you tapped " + std::string(ctx.payload()));
}

Task<void> silent(Context&) {
  co_return;  // the framework answers the press
}

Task<void> boom(Context&) {
  throw std::runtime_error("kinds: the button exploded");
  co_return;
}

Task<void> echo(Context& ctx) {
  co_await ctx.reply(
      std::string(ctx.kind() == miti::UpdateKind::kEditedMessage ? "edited: " : "echo: ") +
      std::string(ctx.text()));
}

Task<void> heard(Context& ctx) {
  co_await ctx.reply("heard: " + std::string(ctx.text()));
}

Task<void> membership(Context& ctx) {
  const miti::telegram::ChatMemberUpdated* change = ctx.membership();
  co_await ctx.db().put("member:" + std::to_string(ctx.chat().id),
                        change->new_chat_member.status + (change->left() ? " (left)" : "") +
                            (change->joined() ? " (joined)" : ""));
}

}  // namespace

MITI_MODULE(kinds) {
  using miti::Visibility;
  auto command = [](std::string_view name, miti::Handler handler) {
    return miti::Command{.name = name,
                         .visibility = Visibility::kPrivate,
                         .description = "kinds test command",
                         .handler = handler};
  };
  miti::Command edits = command("edits_cmd", edits_command);
  edits.edits = true;
  return {
      .commands = {command("menu", menu), command("long", long_button), command("ask", ask), edits,
                   command("flood", flood), command("hang", hang), command("slow", slow),
                   command("late", late), command("early", early), command("twice", twice)},
      .callbacks = {{"tap", tap}, {"silent", silent}, {"boom", boom}},
      .messages =
          {{.name = "echo", .chats = miti::kPrivateChats, .edits = true, .handler = echo},
           {.name = "heard", .chats = miti::kGroupChats, .replies_only = true, .handler = heard}},
      .steps = {{"answer", answer}, {"first", first}, {"second", second}},
      .on_membership = membership,
  };
}

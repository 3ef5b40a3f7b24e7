// util: /help, /info, and what to say about a command nobody knows.
#include <miti/miti.hpp>

#include "util/help_text.hpp"

namespace {

using miti::Context;
using miti::Task;

Task<void> help(Context& ctx) {
  // Long help is split by the Bot API layer at line breaks, which never fall
  // inside a tag here.
  co_await ctx.reply(util_module::render_help(ctx.active_modules()), {.parse_mode = "HTML"});
}

std::string or_na(const std::optional<std::int64_t>& value) {
  return value ? std::to_string(*value) : "n/a";
}

Task<void> info(Context& ctx) {
  const miti::telegram::Message& message = ctx.message();
  std::optional<std::int64_t> sender;
  if (const auto* from = ctx.from()) sender = from->id;
  std::string text = "chat id: " + std::to_string(ctx.chat().id) +
                     "\nthread id: " + or_na(message.message_thread_id) +
                     "\nsender id: " + or_na(sender);
  co_await ctx.reply(std::move(text));
}

// A command no module declares: in a private chat the user is talking to this
// bot alone, so say what to do; in groups stay quiet (the command may belong
// to another bot, or to nobody).
Task<void> unknown_command(Context& ctx) {
  if (ctx.chat().type != "private") co_return;
  co_await ctx.reply("I don't know /" + std::string(ctx.command()) +
                     ". Send /help to see what I can do.");
}

}  // namespace

MITI_MODULE(util) {
  return {
      .commands =
          {
              {.name = "help",
               .description = "List the commands",
               .handler = help,
               .read_only = true},
              {.name = "info",
               .description = "Show this chat's id, thread id and your id",
               .handler = info,
               .read_only = true},
          },
      .on_unknown_command = unknown_command,
  };
}

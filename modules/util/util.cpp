// util: /help and /info.
#include <miti/miti.hpp>

#include "util/help_text.hpp"

namespace {

using miti::CommandContext;
using miti::Task;

Task<void> help(CommandContext& ctx) {
  // Long help is split by the Bot API layer at line breaks, which never fall
  // inside a tag here.
  co_await ctx.reply(util_module::render_help(ctx.active_modules()), {.parse_mode = "HTML"});
}

std::string or_na(const std::optional<std::int64_t>& value) {
  return value ? std::to_string(*value) : "n/a";
}

Task<void> info(CommandContext& ctx) {
  const miti::telegram::Message& message = ctx.message();
  std::optional<std::int64_t> sender;
  if (const auto* from = ctx.from()) sender = from->id;
  std::string text = "chat id: " + std::to_string(ctx.chat().id) +
                     "\nthread id: " + or_na(message.message_thread_id) +
                     "\nsender id: " + or_na(sender);
  co_await ctx.reply(std::move(text));
}

}  // namespace

MITI_MODULE(util) {
  using miti::Visibility;
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
  };
}

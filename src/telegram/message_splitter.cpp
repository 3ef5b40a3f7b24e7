#include "telegram/message_splitter.hpp"

#include "telegram/command_parser.hpp"

namespace miti::telegram {

std::vector<std::string> split_message(std::string_view text, std::size_t max_units) {
  std::vector<std::string> pieces;
  while (utf16_length(text) > max_units) {
    std::size_t limit = utf8_prefix_bytes(text, static_cast<std::int64_t>(max_units));
    // A limit below the first character (0, or 1 before an astral one): cut after it.
    if (limit == 0) limit = utf8_prefix_bytes(text, 1);
    if (limit == 0) limit = utf8_prefix_bytes(text, 2);
    std::string_view window = text.substr(0, limit);
    std::size_t cut = window.rfind('\n');
    if (cut == std::string_view::npos || cut == 0) cut = window.rfind(' ');
    if (cut == std::string_view::npos || cut == 0) cut = limit;
    pieces.emplace_back(text.substr(0, cut));
    text.remove_prefix(cut);
    // The separator we cut at starts the next piece; drop it.
    if (!text.empty() && (text.front() == '\n' || text.front() == ' ')) text.remove_prefix(1);
  }
  // A separator dropped at the last cut may have been all that was left.
  if (!text.empty() || pieces.empty()) pieces.emplace_back(text);
  return pieces;
}

}  // namespace miti::telegram

// Text helpers for Telegram messages.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace miti {

// For parse_mode "HTML": & < > " become entities; everything else is kept.
std::string escape_html(std::string_view text);

// Length in UTF-16 code units: the unit of Telegram's limits (4,096 per
// message) and of its entity offsets.
std::size_t utf16_length(std::string_view utf8);

// Length in code points (what a person counts as characters).
std::size_t code_point_length(std::string_view utf8);

// Bytes of the well-formed UTF-8 sequence at the start of `text` (1-4), or 0
// when it starts with a malformed one (or is empty).
std::size_t utf8_sequence_length(std::string_view text) noexcept;

// A one-line preview for lists: line breaks and tabs become spaces, and text
// longer than max_code_points is cut at a code point boundary and ends with "…".
std::string preview(std::string_view text, std::size_t max_code_points);

// Leading and trailing spaces, tabs and line breaks removed.
std::string_view trim(std::string_view text);

// A row id typed by a user ("12" or "#12", surrounding whitespace allowed):
// a positive integer of at most 2^53 - 1 (what D1 stores exactly), else nothing.
std::optional<std::int64_t> parse_id(std::string_view text);

// Command arguments split on spaces, tabs and line breaks; empty words dropped.
std::vector<std::string> split_words(std::string_view text);

}  // namespace miti

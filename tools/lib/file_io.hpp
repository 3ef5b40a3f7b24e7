// Whole-file reads and crash-safe writes for the native tools.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace miti::tools {

// The bytes of `path`. Throws std::runtime_error "cannot read <path>".
std::string read_file(const std::filesystem::path& path);

// Writes `content` to a dotfile beside `path` and renames it over `path`, so an interrupted
// write never leaves half a file. Throws std::runtime_error "cannot write <temporary>".
void write_file_atomic(const std::filesystem::path& path, std::string_view content);

}  // namespace miti::tools

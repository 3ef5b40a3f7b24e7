// Functions the JS shim provides to the wasm module (js-shim/miti_imports.js).
#pragma once

#include <cstddef>
#include <cstdint>

extern "C" {
void miti_js_submit(std::uint32_t request, std::uint32_t operation, const char* json,
                    std::size_t length);
void miti_js_respond(std::uint32_t request, int status, const char* body, std::size_t length);
void miti_js_finish(std::uint32_t request);
void miti_js_log(const char* line, std::size_t length);
double miti_js_now();
// Writes String(value) into out (at most capacity bytes); returns its length.
std::size_t miti_js_format_double(double value, char* out, std::size_t capacity);
// Number(text) for a JSON number's text.
double miti_js_parse_double(const char* text, std::size_t length);
}

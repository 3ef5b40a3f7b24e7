// Why a module's declaration is refused: a command or cron name, a cron
// expression, a handler set. Those are fixed when the module is written, and
// the native build (unit tests, tools: what `npm test` runs) builds every
// compiled-in module's registry and reports them in full. The production
// Worker is compiled with MITI_TERSE_DECLARATION_ERRORS: it still refuses
// the declaration and names the module and the item, but leaves the
// explanation, and the code that words it, to the native build. That is
// about 1 KiB of the Worker's gzip upload (docs/benchmarks.md).
//
// Errors that depend on the deployment (MODULES, bindings, conflicts between
// the modules listed) keep their full text everywhere.
#pragma once

#include <string_view>

namespace miti::detail {
inline constexpr std::string_view kTerseWhy = ": refused (`npm test` says why)";
}  // namespace miti::detail

// MITI_WHY(pieces...) stands for the explanation's pieces in a message
// joined from std::string_view pieces (e.g. registry.cpp's cat({...})); in
// the terse build, for one fixed piece, and the pieces are never evaluated.
#if defined(MITI_TERSE_DECLARATION_ERRORS)
#define MITI_WHY(...) ::miti::detail::kTerseWhy
#else
#define MITI_WHY(...) __VA_ARGS__
#endif

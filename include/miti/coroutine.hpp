// One name for the coroutine library on both builds: the native build (clang
// with libstdc++) has <coroutine>, while Emscripten 3.1.6's libc++ only has
// the experimental one. Both use the same clang 14 front end.
#pragma once

#if __has_include(<coroutine>)
#include <coroutine>
namespace miti::coro {
using std::coroutine_handle;
using std::noop_coroutine;
using std::suspend_always;
using std::suspend_never;
}  // namespace miti::coro
#else
#include <experimental/coroutine>
namespace miti::coro {
using std::experimental::coroutine_handle;
using std::experimental::noop_coroutine;
using std::experimental::suspend_always;
using std::experimental::suspend_never;
}  // namespace miti::coro
#endif

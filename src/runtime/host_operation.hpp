// The awaitable behind every KV, D1 and fetch call lives in the public
// miti/host_task.hpp (store calls return HostTask<T>, which holds one).
#pragma once

#include "miti/host_task.hpp"
#include "runtime/host.hpp"

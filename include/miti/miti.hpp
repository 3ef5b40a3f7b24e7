// Everything a module author needs.
#pragma once

#include "miti/bot_api.hpp"
#include "miti/context.hpp"
#include "miti/env.hpp"
#include "miti/error.hpp"
#include "miti/json.hpp"
#include "miti/kv_store.hpp"
#include "miti/log.hpp"
#include "miti/module.hpp"
#include "miti/sql_store.hpp"
#include "miti/task.hpp"
#include "miti/telegram.hpp"
#include "miti/text.hpp"
#include "miti/time.hpp"

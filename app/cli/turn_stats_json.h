// One turn's statistics as a single-line JSON object (elastic-cli chat --stats, /stats).
#pragma once

#include "engine/session.h"

#include <string>

namespace ec::cli {

std::string turnStatsJson(int turn, const std::string &policy, const engine::TurnResult &result);

} // namespace ec::cli

#pragma once

// A journey's status: the one vocabulary the interpreter, the orchestrator's rows and its
// stores share. Small on purpose, so row types can hold it without the interpreter's header.

#include <string_view>

namespace blend::journey {

enum class JourneyStatus { kNotStarted, kRunning, kSucceeded, kFailed, kCancelled, kTimedOut };

// "RUNNING", "SUCCEEDED", ... (history entries, reasons, metric labels).
std::string_view JourneyStatusName(JourneyStatus s);

}  // namespace blend::journey

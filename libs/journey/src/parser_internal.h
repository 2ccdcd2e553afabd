#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "blend/journey/problem.h"

namespace blend::journey::internal {

struct Definition;

// Parses an ASL document; every problem is appended with a pointer below `base`. Returns a
// definition even when problems were found (callers must check `problems`).
std::unique_ptr<Definition> ParseDefinition(const nlohmann::json& doc, const std::string& base,
                                            const std::map<std::string, std::string>& aliases,
                                            std::vector<ValidationProblem>& problems);

}  // namespace blend::journey::internal

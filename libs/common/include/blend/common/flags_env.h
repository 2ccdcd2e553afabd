#pragma once

// Command-line flags for services, on CLI11: every flag --some-name has the environment
// fallback BLEND_SOME_NAME, and --help lists the flags, their defaults and their variables.
// The command line wins over the environment. Used only from main(): libraries never read
// the environment.

#include <string>

#include <CLI/CLI.hpp>

#include "absl/time/time.h"
#include "blend/common/secret.h"

namespace blend {

// "pg-url" -> "BLEND_PG_URL".
std::string EnvNameForFlag(const std::string& flag_name);

// --<name> with its environment fallback and its default shown in --help.
template <typename T>
CLI::Option* AddFlag(CLI::App& app, const std::string& name, T& value, const std::string& help) {
  return app.add_option("--" + name, value, help)
      ->envname(EnvNameForFlag(name))
      ->capture_default_str();
}

// A duration flag written the Abseil way: "250ms", "30s", "24h", "1h30m".
CLI::Option* AddDurationFlag(CLI::App& app, const std::string& name, absl::Duration& value,
                             const std::string& help);

// A secret flag: the default is never shown, and the value never printed.
CLI::Option* AddSecretFlag(CLI::App& app, const std::string& name, Secret& value,
                           const std::string& help);

// A boolean switch --<name> (BLEND_<NAME>=true/false).
CLI::Option* AddSwitch(CLI::App& app, const std::string& name, bool& value,
                       const std::string& help);

}  // namespace blend

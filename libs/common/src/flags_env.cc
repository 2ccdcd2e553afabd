#include "blend/common/flags_env.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"

namespace blend {

std::string EnvNameForFlag(const std::string& flag_name) {
  return absl::StrCat("BLEND_",
                      absl::AsciiStrToUpper(absl::StrReplaceAll(flag_name, {{"-", "_"}})));
}

CLI::Option* AddDurationFlag(CLI::App& app, const std::string& name, absl::Duration& value,
                             const std::string& help) {
  CLI::Option* opt = app.add_option_function<std::string>(
      "--" + name,
      [&value, name](const std::string& text) {
        if (!absl::ParseDuration(text, &value)) {
          throw CLI::ValidationError("--" + name,
                                     "'" + text + "' is not a duration (e.g. 250ms, 30s, 24h)");
        }
      },
      help);
  opt->envname(EnvNameForFlag(name))->default_str(absl::FormatDuration(value));
  opt->type_name("DURATION");
  return opt;
}

CLI::Option* AddSecretFlag(CLI::App& app, const std::string& name, Secret& value,
                           const std::string& help) {
  CLI::Option* opt = app.add_option_function<std::string>(
      "--" + name, [&value](const std::string& text) { value = Secret(text); }, help);
  opt->envname(EnvNameForFlag(name))->type_name("SECRET");
  return opt;
}

CLI::Option* AddSwitch(CLI::App& app, const std::string& name, bool& value,
                       const std::string& help) {
  return app.add_flag("--" + name, value, help)
      ->envname(EnvNameForFlag(name))
      ->capture_default_str();
}

}  // namespace blend

#include "blend/http/exposure.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "blend/common/transport_security.h"
#include "blend/http/address.h"

namespace blend::http {

absl::Status CheckSecretForAddress(std::string_view address, const Secret& secret,
                                   std::string_view demo_value, std::string_view flag) {
  if (IsLoopbackHostPort(address)) return absl::OkStatus();
  if (!secret.empty() && secret.Reveal() != demo_value) return absl::OkStatus();
  const std::string name(flag);
  const std::string env = "BLEND_" + absl::AsciiStrToUpper(absl::StrReplaceAll(name, {{"-", "_"}}));
  return absl::FailedPreconditionError(absl::StrCat(
      "refusing to listen on ", std::string(address), " with ",
      secret.empty() ? "an empty" : "the public demo", " --", name, ": set --", name, " (or ", env,
      ") to a secret of your own, or listen on a loopback address such as 127.0.0.1"));
}

}  // namespace blend::http

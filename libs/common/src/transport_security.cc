#include "blend/common/transport_security.h"

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace blend {

bool IsLoopbackHostPort(std::string_view host_port_std) {
  absl::string_view host(host_port_std.data(), host_port_std.size());
  if (absl::StartsWith(host, "unix:") || absl::StartsWith(host, "unix-abstract:")) return true;
  for (absl::string_view scheme : {"dns:///", "dns:", "ipv4:", "ipv6:"}) {
    if (absl::ConsumePrefix(&host, scheme)) break;
  }
  if (absl::StartsWith(host, "[")) {
    size_t end = host.find(']');
    if (end == absl::string_view::npos) return false;
    host = host.substr(1, end - 1);
  } else if (size_t colon = host.rfind(':');
             colon != absl::string_view::npos && host.find(':') == colon) {
    host = host.substr(0, colon);  // host:port (a single colon; a bare IPv6 address has several)
  }
  if (host == "localhost" || host == "::1") return true;
  std::vector<absl::string_view> octets = absl::StrSplit(host, '.');
  if (octets.size() != 4 || octets[0] != "127") return false;
  for (absl::string_view o : octets) {
    int value = 0;
    if (o.empty() || o.size() > 3 || !absl::SimpleAtoi(o, &value) || value > 255) return false;
    for (char c : o) {
      if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
    }
  }
  return true;
}

absl::Status CheckTokensTravelOverTls(std::string_view address, bool tls, bool tokens,
                                      std::string_view tokens_flag, std::string_view tls_flags) {
  if (!tokens || tls || IsLoopbackHostPort(address)) return absl::OkStatus();
  return absl::FailedPreconditionError(
      absl::StrCat("refusing to start: bearer tokens (",
                   absl::string_view(tokens_flag.data(), tokens_flag.size()), ") would cross ",
                   absl::string_view(address.data(), address.size()), " in plaintext; set ",
                   absl::string_view(tls_flags.data(), tls_flags.size()),
                   " (TLS) or use a loopback address such as 127.0.0.1"));
}

}  // namespace blend

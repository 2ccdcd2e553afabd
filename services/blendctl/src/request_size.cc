#include "blend/blendctl/request_size.h"

#include "absl/strings/str_cat.h"

namespace blend::blendctl {

absl::Status CheckRequestSize(const google::protobuf::MessageLite& request, int64_t max_bytes) {
  const auto size = static_cast<int64_t>(request.ByteSizeLong());
  if (size <= max_bytes) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat("row too large to send: ", size,
                                                 "-byte request over the ", max_bytes,
                                                 "-byte gRPC message limit (--max-message-bytes)"));
}

}  // namespace blend::blendctl

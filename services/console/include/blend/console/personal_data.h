#pragma once

// Phone numbers and email addresses are shown to operators without the pii scope masked the
// way the logs mask them ("+1******0199", "c***@d***.example.com"): every string of a response,
// Struct values (journey input and data) and text holding JSON included.

#include <google/protobuf/message.h>

namespace blend::console {

void MaskPersonalData(google::protobuf::Message& message);

}  // namespace blend::console

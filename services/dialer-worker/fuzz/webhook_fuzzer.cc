// Fuzz target for the dialer's webhook body parsers (ParsePostContact, ParseInboundSms) and
// the signature header check: bodies come from the network. Built two ways (blend_fuzzer in
// cmake/BlendHelpers.cmake): a standalone runner over fuzz/corpus (CTest, label unit), or with
// clang and -DBLEND_LIBFUZZER=ON a libFuzzer binary. Invariants beyond "does not crash": what
// the parsers accept carries the fields the handler relies on.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "blend/dialer_worker/webhook_event.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace blend::dialer_worker;
  std::string_view body(reinterpret_cast<const char*>(data), size);

  absl::StatusOr<PostContactEvent> call = ParsePostContact(body, "touchId");
  if (call.ok() && call->event_id.empty()) __builtin_trap();  // the dedupe key is required
  if (call.ok() && !call->is_post_contact &&
      !(call->contact_id.empty() && call->touch_id.empty() && call->wrapup_code.empty())) {
    __builtin_trap();  // another topic's fields are never read
  }
  // The column name is configuration, but any string must be safe to look up.
  (void)ParsePostContact(body, body.substr(0, size % 16));

  absl::StatusOr<InboundSmsEvent> sms = ParseInboundSms(body);
  if (sms.ok() && (sms->message_id.empty() || sms->from.empty())) __builtin_trap();

  if (SignatureHeaderWellFormed(body) && body.size() != 71) __builtin_trap();
  return 0;
}

// Fuzz target for the bus envelope decoder (blend/bus/envelope.h): the bytes of every Kafka
// record a Blend consumer reads. Built two ways, like libs/journey/fuzz/asl_fuzzer.cc:
//  - normal build: with libs/journey/fuzz/standalone_main.cc, runs the files named on the
//    command line (CTest `envelope_fuzzer_corpus` runs it over fuzz/corpus);
//  - clang with -DBLEND_BUS_LIBFUZZER=ON: a real libFuzzer binary (README.md).
//
// Checked on every input: decoding ends without crashing; an accepted envelope has a payload
// and a schema this build reads, and re-encoding it decodes to the same envelope, unknown
// fields included (what a consumer dead-letters or forwards is what it decoded). Compared as
// deterministic encodings: map entries (Disposition.provider_ids) otherwise serialise in no
// fixed order, and a NaN in a Struct value never compares equal to itself.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "blend/bus/envelope.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/stubs/logging.h"

namespace {

void Check(bool ok) {
  if (!ok) __builtin_trap();
}

std::string Deterministic(const blend::v1::Envelope& envelope) {
  std::string out;
  {
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    Check(envelope.SerializeToCodedStream(&coded));
  }  // the coded stream flushes into `out` when destroyed
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Invalid UTF-8 in a string field is expected here; protobuf's log line for it is noise.
  static const bool quiet = [] {
    google::protobuf::SetLogHandler(
        [](google::protobuf::LogLevel, const char*, int, const std::string&) {});
    return true;
  }();
  (void)quiet;
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<blend::v1::Envelope> envelope = blend::bus::DecodeEnvelope(bytes);
  if (!envelope.ok()) {
    Check(envelope.status().code() == absl::StatusCode::kInvalidArgument);
    Check(!envelope.status().message().empty());
    return 0;
  }
  Check(envelope->payload_case() != blend::v1::Envelope::PAYLOAD_NOT_SET);
  Check(envelope->schema_version() <= blend::bus::kEnvelopeSchemaVersion);
  const std::string once = Deterministic(*envelope);
  absl::StatusOr<blend::v1::Envelope> again = blend::bus::DecodeEnvelope(once);
  Check(again.ok());
  Check(Deterministic(*again) == once);
  return 0;
}

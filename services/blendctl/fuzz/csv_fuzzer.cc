// Fuzz target for blendctl's CSV reader (csv_reader.h), the decoder of every CSV file an
// operator hands blendctl. Built two ways, like libs/journey/fuzz/asl_fuzzer.cc:
//  - normal build: with libs/journey/fuzz/standalone_main.cc, runs the files named on the
//    command line (CTest `csv_fuzzer_corpus` runs it over fuzz/corpus and tests/data);
//  - clang with -DBLEND_BLENDCTL_LIBFUZZER=ON: a real libFuzzer binary (README.md).
//
// The first three bytes pick small limits and an expected field count, so the fuzzer reaches
// the limit and resynchronisation paths with short inputs. Checked on every input: the reader
// ends, record lines strictly increase, no field passes its limit, the bytes held stay within
// the record limit, every byte is counted once, and a well-formed record written back with
// CsvLine reads back the same.

#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>
#include <string_view>

#include "blend/blendctl/csv_reader.h"

namespace {

using blend::blendctl::CsvLimits;
using blend::blendctl::CsvReader;
using blend::blendctl::CsvRecord;

void Check(bool ok) {
  if (!ok) __builtin_trap();
}

// A well-formed record survives CsvLine and a fresh reader (behind a header line, so a
// leading byte order mark in its first field stays data).
void CheckRoundTrip(const CsvRecord& record) {
  if (record.fields.size() == 1 && record.fields[0].empty()) return;  // an empty line: no record
  std::istringstream in("h\n" + blend::blendctl::CsvLine(record.fields) + "\n");
  CsvReader again(in, CsvLimits{1 << 20, 1 << 22});
  Check(again.Next().has_value());
  auto back = again.Next();
  Check(back.has_value() && back->error.empty() && back->fields == record.fields);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 3) return 0;
  CsvLimits limits;
  limits.max_field_bytes = 1 + data[0] % 64;
  limits.max_record_bytes = 1 + data[1] % 128;
  const size_t expected = data[2] % 5;
  const std::string text(reinterpret_cast<const char*>(data) + 3, size - 3);
  std::istringstream in(text);
  CsvReader reader(in, limits);
  int64_t last_line = 0;
  for (int n = 0;; ++n) {
    Check(n <= static_cast<int>(text.size()) + 1);  // at most one record per byte
    std::optional<CsvRecord> record = reader.Next();
    if (!record) break;
    if (n == 0) reader.ExpectFieldCount(expected);
    Check(record->line > last_line);
    last_line = record->line;
    for (const std::string& f : record->fields) {
      Check(static_cast<int64_t>(f.size()) <= limits.max_field_bytes);
    }
    if (record->error.empty()) CheckRoundTrip(*record);
  }
  // The held bytes: the record read so far plus what waits to be read again, bounded by the
  // record limit and the two bytes (an escaped quote, a CRLF) read before the next check.
  Check(reader.peak_buffered_bytes() <= limits.max_record_bytes + 2);
  Check(reader.bytes_read() == static_cast<int64_t>(text.size()));
  return 0;
}

#pragma once

// A streaming RFC 4180 CSV reader: comma-separated fields, records ended by CRLF or LF,
// double-quoted fields that may hold commas, line breaks and doubled quotes (""). A UTF-8 BOM
// before the first record is skipped, and so are empty lines. Hand-written because Debian 12
// packages no C++ CSV library (README.md).
//
// Malformed input never throws and never stops the reader: the record comes back with
// `error` set and reading resumes at the line after the one where the record started, so one
// bad row costs one reject and the stream goes on. Errors: text after a closing quote, a
// quote inside an unquoted field, an unterminated quote at the end of the input, a field or
// a record over its limit (CsvLimits), and (after ExpectFieldCount) a record spanning several
// lines with the wrong number of fields. A stray opening quote therefore swallows nothing: its
// quoted field runs at most to the record limit or to the next quote, and the lines it took
// are read again as records of their own.
//
// Memory is bounded by the limits whatever the input: the reader keeps at most one record's
// raw bytes (to read them again after an error) and discards the rest of an oversized line
// without storing it. Not thread-safe; one reader per stream.

#include <cstdint>
#include <istream>
#include <optional>
#include <string>
#include <vector>

namespace blend::blendctl {

struct CsvRecord {
  std::vector<std::string> fields;
  int64_t line = 0;   // 1-based physical line where the record starts
  std::string error;  // empty when the record is well formed
};

// Per-record caps. The defaults fit any sensible customer row and stay well under gRPC's
// default 4 MiB message limit.
struct CsvLimits {
  int64_t max_field_bytes = 64 * 1024;     // one field, after unquoting
  int64_t max_record_bytes = 1024 * 1024;  // one record as written, quotes and line breaks in
};

class CsvReader {
 public:
  explicit CsvReader(std::istream& in, CsvLimits limits = {}) : in_(in), limits_(limits) {}

  // The next record, or nullopt at the end of the input.
  std::optional<CsvRecord> Next();

  // From now on a record that spans several physical lines must have `count` fields, else it
  // is an error and the reader resumes at its second line (a misplaced quote joined lines).
  // Call it after reading the header; 0 turns the check off. A one-line record with another
  // count comes back as it is (the caller's reject names the counts).
  void ExpectFieldCount(size_t count) { expected_fields_ = count; }

  // Bytes consumed so far (for progress against the file size); bytes read again after an
  // error count once.
  int64_t bytes_read() const { return bytes_read_; }

  const CsvLimits& limits() const { return limits_; }

  // The most input bytes held at once (the current record and the bytes to read again):
  // never more than limits().max_record_bytes + 2 (the limit is checked after each character,
  // and a CRLF or an escaped "" is two bytes). For tests and diagnostics.
  int64_t peak_buffered_bytes() const { return peak_buffered_; }

 private:
  int Get();  // next byte or EOF; counts lines and bytes, keeps the record's raw bytes
  int Peek();
  void SkipRestOfLine();
  bool ReadQuoted(std::string& field, CsvRecord& record);
  bool OverLimit(const std::string& field, CsvRecord& record);
  void Resync(const CsvRecord& record);

  std::istream& in_;
  CsvLimits limits_;
  size_t expected_fields_ = 0;
  std::string replay_;  // bytes to read again (after an error) before the stream's
  size_t replay_pos_ = 0;
  std::string raw_;        // the current record's raw bytes so far
  bool keep_raw_ = false;  // Get appends to raw_ (inside a record)
  int64_t line_ = 1;
  int64_t bytes_read_ = 0;
  int64_t record_start_bytes_ = 0;
  int64_t peak_buffered_ = 0;
  bool started_ = false;
};

}  // namespace blend::blendctl

namespace blend::blendctl {

// One RFC 4180 record (no line ending): fields holding a comma, quote or line break are
// quoted, with quotes doubled.
std::string CsvLine(const std::vector<std::string>& fields);

}  // namespace blend::blendctl

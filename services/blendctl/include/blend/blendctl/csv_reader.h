#pragma once

// A streaming RFC 4180 CSV reader: comma-separated fields, records ended by CRLF or LF,
// double-quoted fields that may hold commas, line breaks and doubled quotes (""). A UTF-8 BOM
// before the first record is skipped, and so are empty lines. Hand-written because Debian 12
// packages no C++ CSV library (README.md).
//
// Malformed input never throws and never stops the reader: the record comes back with
// `error` set (text after a closing quote, a quote inside an unquoted field, an unterminated
// quote at the end of the input), and reading resumes at the next line. Not thread-safe; one
// reader per stream.

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

class CsvReader {
 public:
  explicit CsvReader(std::istream& in) : in_(in) {}

  // The next record, or nullopt at the end of the input.
  std::optional<CsvRecord> Next();

  // Bytes consumed so far (for progress against the file size).
  int64_t bytes_read() const { return bytes_read_; }

 private:
  int Get();  // next byte or EOF; counts lines and bytes
  int Peek();
  void SkipRestOfLine();
  bool ReadQuoted(std::string& field, CsvRecord& record);

  std::istream& in_;
  std::string pending_;  // the first bytes, read ahead to look for a BOM
  size_t pending_pos_ = 0;
  int64_t line_ = 1;
  int64_t bytes_read_ = 0;
  bool started_ = false;
};

}  // namespace blend::blendctl

namespace blend::blendctl {

// One RFC 4180 record (no line ending): fields holding a comma, quote or line break are
// quoted, with quotes doubled.
std::string CsvLine(const std::vector<std::string>& fields);

}  // namespace blend::blendctl

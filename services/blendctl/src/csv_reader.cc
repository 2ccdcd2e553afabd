#include "blend/blendctl/csv_reader.h"

#include <algorithm>

namespace blend::blendctl {
namespace {
constexpr int kEof = std::char_traits<char>::eof();
}  // namespace

int CsvReader::Get() {
  int c;
  if (replay_pos_ < replay_.size()) {
    c = static_cast<unsigned char>(replay_[replay_pos_++]);
    if (replay_pos_ == replay_.size()) {
      replay_.clear();
      replay_pos_ = 0;
    }
  } else {
    c = in_.rdbuf()->sbumpc();
  }
  if (c == kEof) return kEof;
  ++bytes_read_;
  if (c == '\n') ++line_;
  if (keep_raw_) {
    raw_.push_back(static_cast<char>(c));
    const auto held = static_cast<int64_t>(raw_.size() + replay_.size() - replay_pos_);
    peak_buffered_ = std::max(peak_buffered_, held);
  }
  return c;
}

int CsvReader::Peek() {
  if (replay_pos_ < replay_.size()) return static_cast<unsigned char>(replay_[replay_pos_]);
  return in_.rdbuf()->sgetc();
}

void CsvReader::SkipRestOfLine() {
  for (int c = Get(); c != kEof && c != '\n'; c = Get()) {
  }
}

// True (with record.error set) when the field or the record has grown past its limit. The
// record is measured as written (raw_), so quotes and quoted line breaks count too.
bool CsvReader::OverLimit(const std::string& field, CsvRecord& record) {
  if (static_cast<int64_t>(raw_.size()) > limits_.max_record_bytes) {
    record.error =
        "record longer than the " + std::to_string(limits_.max_record_bytes) + "-byte limit";
  } else if (static_cast<int64_t>(field.size()) > limits_.max_field_bytes) {
    record.error =
        "field longer than the " + std::to_string(limits_.max_field_bytes) + "-byte limit";
  }
  return !record.error.empty();
}

// After an error, continue at the physical line after the record's first one. When the
// record ran over line breaks (a stray quote joins lines), the lines after its first are
// still in raw_ and are read again; otherwise the rest of the first line is skipped unstored,
// which keeps an oversized line from costing memory.
void CsvReader::Resync(const CsvRecord& record) {
  keep_raw_ = false;
  const size_t nl = raw_.find('\n');
  if (nl == std::string::npos) {
    raw_.clear();
    SkipRestOfLine();
    return;
  }
  std::string again = raw_.substr(nl + 1);
  again.append(replay_, replay_pos_, std::string::npos);
  replay_ = std::move(again);
  replay_pos_ = 0;
  raw_.clear();
  line_ = record.line + 1;
  bytes_read_ = record_start_bytes_ + static_cast<int64_t>(nl) + 1;
}

// Reads a quoted field after its opening quote, up to and including the closing quote.
// False (with record.error set) when the input ends inside the quotes or a limit is passed.
bool CsvReader::ReadQuoted(std::string& field, CsvRecord& record) {
  for (;;) {
    // Checked before each read too: the opening quote and an escaped "" each add a byte the
    // previous check did not see (csv_fuzzer found a record three bytes past its limit).
    if (OverLimit(field, record)) return false;
    int c = Get();
    if (c == kEof) {
      record.error = "unterminated quoted field";
      return false;
    }
    if (c != '"') {
      field.push_back(static_cast<char>(c));
    } else if (Peek() == '"') {
      Get();
      field.push_back('"');
    } else {
      return true;
    }
  }
}

std::optional<CsvRecord> CsvReader::Next() {
  if (!started_) {
    started_ = true;
    // A UTF-8 byte order mark (spreadsheet exports) is not part of the first header name.
    for (int i = 0; i < 3 && in_.rdbuf()->sgetc() != kEof; ++i) {
      replay_.push_back(static_cast<char>(in_.rdbuf()->sbumpc()));
    }
    if (replay_ == "\xEF\xBB\xBF") {
      replay_.clear();
      bytes_read_ = 3;
    }
  }
  // Empty lines carry no record.
  while (Peek() == '\n' || Peek() == '\r') Get();
  if (Peek() == kEof) return std::nullopt;

  CsvRecord record;
  record.line = line_;
  record_start_bytes_ = bytes_read_;
  raw_.clear();
  keep_raw_ = true;
  std::string field;
  bool quoted = false;  // the current field was quoted (only a separator or EOL may follow)
  for (;;) {
    int c = Get();
    if (c == kEof || c == '\n' || (c == '\r' && (Peek() == '\n' || Peek() == kEof))) {
      if (c == '\r') Get();
      record.fields.push_back(std::move(field));
      if (expected_fields_ != 0 && record.fields.size() != expected_fields_ &&
          line_ - (c == kEof ? 0 : 1) > record.line) {
        record.error = "expected " + std::to_string(expected_fields_) + " fields, found " +
                       std::to_string(record.fields.size()) + " (a misplaced quote?)";
        Resync(record);
        return record;
      }
      keep_raw_ = false;
      raw_.clear();
      return record;
    }
    if (c == ',') {
      record.fields.push_back(std::move(field));
      field.clear();
      quoted = false;
    } else if (quoted) {
      record.error = "unexpected text after a closing quote";
    } else if (c == '"' && field.empty()) {
      quoted = true;
      if (!ReadQuoted(field, record)) {
        Resync(record);
        return record;
      }
    } else if (c == '"') {
      record.error = "quote inside an unquoted field";
    } else {
      field.push_back(static_cast<char>(c));
    }
    if (!record.error.empty() || OverLimit(field, record)) {
      Resync(record);
      return record;
    }
  }
}

}  // namespace blend::blendctl

namespace blend::blendctl {

std::string CsvLine(const std::vector<std::string>& fields) {
  std::string out;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out += ',';
    const std::string& f = fields[i];
    if (f.find_first_of(",\"\r\n") == std::string::npos) {
      out += f;
      continue;
    }
    out += '"';
    for (char c : f) {
      if (c == '"') out += '"';
      out += c;
    }
    out += '"';
  }
  return out;
}

}  // namespace blend::blendctl

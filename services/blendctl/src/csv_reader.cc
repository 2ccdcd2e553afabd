#include "blend/blendctl/csv_reader.h"

namespace blend::blendctl {
namespace {
constexpr int kEof = std::char_traits<char>::eof();
}  // namespace

int CsvReader::Get() {
  int c;
  if (pending_pos_ < pending_.size()) {
    c = static_cast<unsigned char>(pending_[pending_pos_++]);
  } else {
    c = in_.rdbuf()->sbumpc();
  }
  if (c == kEof) return kEof;
  ++bytes_read_;
  if (c == '\n') ++line_;
  return c;
}

int CsvReader::Peek() {
  if (pending_pos_ < pending_.size()) return static_cast<unsigned char>(pending_[pending_pos_]);
  return in_.rdbuf()->sgetc();
}

void CsvReader::SkipRestOfLine() {
  for (int c = Get(); c != kEof && c != '\n'; c = Get()) {
  }
}

// Reads a quoted field after its opening quote, up to and including the closing quote.
// False (with record.error set) when the input ends inside the quotes.
bool CsvReader::ReadQuoted(std::string& field, CsvRecord& record) {
  for (;;) {
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
      pending_.push_back(static_cast<char>(in_.rdbuf()->sbumpc()));
    }
    if (pending_ == "\xEF\xBB\xBF") {
      pending_.clear();
      bytes_read_ = 3;
    }
  }
  // Empty lines carry no record.
  while (Peek() == '\n' || Peek() == '\r') Get();
  if (Peek() == kEof) return std::nullopt;

  CsvRecord record;
  record.line = line_;
  std::string field;
  bool quoted = false;  // the current field was quoted (only a separator or EOL may follow)
  for (;;) {
    int c = Get();
    if (c == kEof || c == '\n' || (c == '\r' && (Peek() == '\n' || Peek() == kEof))) {
      if (c == '\r') Get();
      record.fields.push_back(std::move(field));
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
      if (!ReadQuoted(field, record)) return record;
    } else if (c == '"') {
      record.error = "quote inside an unquoted field";
    } else {
      field.push_back(static_cast<char>(c));
    }
    if (!record.error.empty()) {
      SkipRestOfLine();
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

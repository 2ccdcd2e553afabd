#include "blend/blendctl/table_printer.h"

#include <algorithm>

namespace blend::blendctl {
namespace {

bool IsContinuationByte(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

size_t DisplayWidth(const std::string& s) {
  return static_cast<size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return !IsContinuationByte(c); }));
}

std::string OneLine(std::string s) {
  for (char& c : s) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  return s;
}

void AppendPadded(std::string& out, const std::string& cell, size_t width) {
  out += cell;
  out.append(width - DisplayWidth(cell), ' ');
}

void TrimTrailingSpaces(std::string& line) { line.erase(line.find_last_not_of(' ') + 1); }

}  // namespace

void Table::AddRow(std::vector<std::string> cells) {
  cells.resize(headers_.size());
  for (auto& c : cells) c = OneLine(std::move(c));
  rows_.push_back(std::move(cells));
}

std::string Table::Render() const {
  std::vector<size_t> widths(headers_.size());
  for (size_t i = 0; i < headers_.size(); ++i) widths[i] = DisplayWidth(headers_[i]);
  for (const auto& row : rows_) {
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], DisplayWidth(row[i]));
  }
  std::string out;
  auto render_line = [&](const std::vector<std::string>& cells) {
    std::string line;
    for (size_t i = 0; i < cells.size(); ++i) {
      if (i > 0) line += "  ";
      AppendPadded(line, cells[i], widths[i]);
    }
    TrimTrailingSpaces(line);
    out += line;
    out += '\n';
  };
  render_line(headers_);
  for (const auto& row : rows_) render_line(row);
  return out;
}

std::string RenderKeyValues(const std::vector<std::pair<std::string, std::string>>& pairs) {
  size_t width = 0;
  for (const auto& [key, value] : pairs) width = std::max(width, DisplayWidth(key) + 1);
  std::string out;
  for (const auto& [key, value] : pairs) {
    std::string line;
    AppendPadded(line, key + ":", width);
    line += "  ";
    line += OneLine(value);
    TrimTrailingSpaces(line);
    out += line;
    out += '\n';
  }
  return out;
}

std::string Truncate(const std::string& text, size_t max_chars) {
  if (DisplayWidth(text) <= max_chars) return text;
  size_t keep = max_chars < 3 ? 0 : max_chars - 3;
  size_t pos = 0;
  for (size_t seen = 0; pos < text.size(); ++pos) {
    if (IsContinuationByte(text[pos])) continue;
    if (seen++ == keep) break;
  }
  return text.substr(0, pos) + "...";
}

}  // namespace blend::blendctl

#pragma once

// Plain-text tables for people (the --json output is for scripts). Columns are padded to
// their widest cell, counted in UTF-8 code points; a cell's line breaks and tabs become
// spaces so one row stays one line. Pure; not thread-safe.

#include <string>
#include <utility>
#include <vector>

namespace blend::blendctl {

class Table {
 public:
  explicit Table(std::vector<std::string> headers) : headers_(std::move(headers)) {}

  // Missing cells print empty; extra cells are dropped.
  void AddRow(std::vector<std::string> cells);
  size_t row_count() const { return rows_.size(); }

  // Header line, then one line per row; columns separated by two spaces, no trailing blanks.
  std::string Render() const;

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
};

// "key:   value" lines with the values aligned, for one object (journey get, campaign get).
std::string RenderKeyValues(const std::vector<std::pair<std::string, std::string>>& pairs);

// Cuts `text` to at most `max_chars` code points, ending with "..." when cut.
std::string Truncate(const std::string& text, size_t max_chars);

}  // namespace blend::blendctl

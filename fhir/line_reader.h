#pragma once
// Internal to the intake: reads NDJSON lines with a bound on each line, so
// memory stays proportional to the longest accepted line however large the
// input (std::getline would buffer a 2 GB line whole).

#include <cstddef>
#include <istream>
#include <string>
#include <vector>

namespace fhir::detail {

class LineReader {
 public:
  LineReader(std::istream& in, std::size_t max_line_bytes);

  enum class Result { line, too_long, end, read_error };

  // The next line without its "\n" or "\r\n". A line over the limit is
  // skipped to its end and reported as too_long.
  Result next(std::string& line);
  std::size_t line_number() const { return line_number_; }  // 1-based, of the last line returned

 private:
  bool refill();

  std::istream& in_;
  std::size_t max_line_bytes_;
  std::vector<char> buffer_;
  std::size_t position_ = 0;
  std::size_t filled_ = 0;
  std::size_t line_number_ = 0;
  bool failed_ = false;
};

}  // namespace fhir::detail

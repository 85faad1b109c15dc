#include "fhir/line_reader.h"

#include <algorithm>

namespace fhir::detail {

LineReader::LineReader(std::istream& in, std::size_t max_line_bytes)
    : in_(in), max_line_bytes_(max_line_bytes), buffer_(64 * 1024) {}

bool LineReader::refill() {
  position_ = 0;
  filled_ = 0;
  if (failed_ || !in_.good()) return false;
  in_.read(buffer_.data(), static_cast<std::streamsize>(buffer_.size()));
  filled_ = static_cast<std::size_t>(in_.gcount());
  if (in_.bad()) failed_ = true;
  return filled_ > 0;
}

LineReader::Result LineReader::next(std::string& line) {
  line.clear();
  bool seen_any = false;
  bool too_long = false;
  for (;;) {
    if (position_ == filled_ && !refill()) {
      if (failed_) return Result::read_error;
      if (!seen_any) return Result::end;
      break;  // last line without a final newline
    }
    seen_any = true;
    const char* begin = buffer_.data() + position_;
    const char* end = buffer_.data() + filled_;
    const char* newline = std::find(begin, end, '\n');
    if (!too_long) {
      const auto length = static_cast<std::size_t>(newline - begin);
      if (line.size() + length > max_line_bytes_ + 1) {  // + 1: a final "\r" is not content
        too_long = true;
        line.clear();
      } else {
        line.append(begin, length);
      }
    }
    position_ = static_cast<std::size_t>(newline - buffer_.data());
    if (newline != end) {
      ++position_;
      break;
    }
  }
  ++line_number_;
  if (!too_long && !line.empty() && line.back() == '\r') line.pop_back();
  if (too_long || line.size() > max_line_bytes_) {
    line.clear();
    return Result::too_long;
  }
  return Result::line;
}

}  // namespace fhir::detail

#include "cards/utf8.h"

#include <cstdint>
#include <cstring>

namespace icans {

std::optional<std::size_t> utf8_length(std::string_view text) {
  std::size_t count = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    // Card text is mostly ASCII, one code point per byte: 32 bytes at a
    // time, then eight.
    if (i + 32 <= text.size()) {
      std::uint64_t words[4];
      std::memcpy(words, text.data() + i, sizeof words);
      if (((words[0] | words[1] | words[2] | words[3]) & 0x8080808080808080u) == 0) {
        i += 32;
        count += 32;
        continue;
      }
    }
    if (i + 8 <= text.size()) {
      std::uint64_t eight;
      std::memcpy(&eight, text.data() + i, sizeof eight);
      if ((eight & 0x8080808080808080u) == 0) {
        i += 8;
        count += 8;
        continue;
      }
    }
    const auto lead = static_cast<unsigned char>(text[i]);
    std::size_t extra = 0;
    std::uint32_t code_point = 0;
    if (lead < 0x80) {
      code_point = lead;
    } else if ((lead & 0xe0) == 0xc0) {
      extra = 1;
      code_point = lead & 0x1f;
    } else if ((lead & 0xf0) == 0xe0) {
      extra = 2;
      code_point = lead & 0x0f;
    } else if ((lead & 0xf8) == 0xf0) {
      extra = 3;
      code_point = lead & 0x07;
    } else {
      return std::nullopt;
    }
    if (extra > text.size() - i - 1) return std::nullopt;  // truncated sequence
    for (std::size_t k = 1; k <= extra; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xc0) != 0x80) return std::nullopt;
      code_point = (code_point << 6) | (next & 0x3f);
    }
    static constexpr std::uint32_t kSmallestOfLength[] = {0, 0x80, 0x800, 0x10000};
    if (code_point < kSmallestOfLength[extra] || code_point > 0x10ffff ||
        (code_point >= 0xd800 && code_point <= 0xdfff)) {
      return std::nullopt;
    }
    i += 1 + extra;
    ++count;
  }
  return count;
}

}  // namespace icans

#include "fhir/json.h"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <unordered_set>
#include <vector>

#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>
#include <rapidjson/stream.h>

namespace fhir {
namespace {

struct TextPosition {
  std::size_t line = 1;
  std::size_t column = 1;  // in bytes, as editors showing UTF-8 without decoding do
};

TextPosition position_of(std::string_view text, std::size_t offset) {
  TextPosition position;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++position.line;
      position.column = 1;
    } else {
      ++position.column;
    }
  }
  return position;
}

std::string located(std::string_view text, std::size_t offset, const std::string& reason) {
  const TextPosition position = position_of(text, offset);
  return "line " + std::to_string(position.line) + ", column " + std::to_string(position.column) +
         ": " + reason;
}

// The code unit of the backslash-u escape whose 'u' is at `u`, or -1.
long escaped_code_unit(std::string_view text, std::size_t u) {
  if (u + 4 >= text.size()) return -1;
  long value = 0;
  for (std::size_t k = u + 1; k <= u + 4; ++k) {
    const char c = text[k];
    const int digit = c >= '0' && c <= '9'   ? c - '0'
                      : c >= 'a' && c <= 'f' ? c - 'a' + 10
                      : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                             : -1;
    if (digit < 0) return -1;  // the parser reports the bad escape
    value = value * 16 + digit;
  }
  return value;
}

// The first quote, backslash or NUL byte at or after `i`, or the end: the
// only bytes that matter inside a string. Most of a document is string
// content, so it is looked at eight bytes at a time.
std::size_t next_in_string(std::string_view text, std::size_t i) {
  constexpr std::uint64_t kOnes = 0x0101010101010101u;
  constexpr std::uint64_t kHighs = 0x8080808080808080u;
  // The high bit of each zero byte, and possibly of bytes after the first
  // zero byte (a borrow), never before it: the lowest bit set is exact.
  const auto zero_bytes = [](std::uint64_t x) { return (x - kOnes) & ~x & kHighs; };
  for (; i + 8 <= text.size(); i += 8) {
    std::uint64_t eight;
    std::memcpy(&eight, text.data() + i, sizeof eight);
    const std::uint64_t found = zero_bytes(eight) | zero_bytes(eight ^ (kOnes * '"')) |
                                zero_bytes(eight ^ (kOnes * '\\'));
    if (found == 0) continue;
    if constexpr (std::endian::native == std::endian::little) {
      return i + static_cast<std::size_t>(std::countr_zero(found)) / 8;
    }
    break;
  }
  while (i < text.size() && text[i] != '"' && text[i] != '\\' && text[i] != '\0') ++i;
  return i;
}

// Even RapidJSON's iterative parser builds a DOM as deep as the text, and the
// code reading the DOM may recurse; refusing deep nesting before parsing keeps
// every later step bounded. Also refuses NUL bytes, which RapidJSON's memory
// stream would take for the end of the text (hiding anything after them), and
// an escaped low surrogate without its high half (backslash-u DC00 to DFFF):
// RapidJSON 1.1 decodes it into bytes that are not UTF-8, past the encoding check.
std::string prescan(std::string_view text, std::size_t max_depth) {
  std::size_t depth = 0;
  bool in_string = false;
  bool escaped = false;
  std::size_t escape_start = 0;
  std::size_t high_surrogate_end = std::string_view::npos;  // just after a high surrogate escape
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (in_string && !escaped) {
      i = next_in_string(text, i);
      if (i == text.size()) break;
    }
    const char c = text[i];
    if (c == '\0') return located(text, i, "NUL byte is not allowed in JSON text");
    if (in_string) {
      if (escaped) {
        escaped = false;
        if (c != 'u') continue;
        const long unit = escaped_code_unit(text, i);
        if (unit >= 0xD800 && unit <= 0xDBFF) {
          high_surrogate_end = i + 5;
        } else if (unit >= 0xDC00 && unit <= 0xDFFF && high_surrogate_end != escape_start) {
          return located(text, escape_start, "lone low surrogate escape (not a Unicode character)");
        }
      } else if (c == '\\') {
        escaped = true;
        escape_start = i;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) {
        return located(text, i,
                       "nesting deeper than " + std::to_string(max_depth) + " levels");
      }
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;  // unbalanced brackets are the parser's to report
    }
  }
  return {};
}

// Passes the reader's events on to the document, stopping at a member name
// that appears twice in one object. RFC 8259 leaves such an object's meaning
// to the receiver: RapidJSON's lookups would take the first copy while a
// sender, proxy or validator may have meant the last, so neither is guessed.
template <typename Handler>
struct UniqueMembers {
  Handler* target = nullptr;
  std::vector<std::unordered_set<std::string>> open_objects;  // member names so far, innermost last
  std::size_t depth = 0;  // objects open; open_objects keeps closed levels' sets for reuse
  std::string duplicate;  // why parsing stopped, when a name repeated

  bool Null() { return target->Null(); }
  bool Bool(bool b) { return target->Bool(b); }
  bool Int(int i) { return target->Int(i); }
  bool Uint(unsigned u) { return target->Uint(u); }
  bool Int64(std::int64_t i) { return target->Int64(i); }
  bool Uint64(std::uint64_t u) { return target->Uint64(u); }
  bool Double(double d) { return target->Double(d); }
  bool RawNumber(const char* s, rapidjson::SizeType n, bool copy) { return target->RawNumber(s, n, copy); }
  bool String(const char* s, rapidjson::SizeType n, bool copy) { return target->String(s, n, copy); }
  bool StartArray() { return target->StartArray(); }
  bool EndArray(rapidjson::SizeType n) { return target->EndArray(n); }
  bool StartObject() {
    if (open_objects.size() == depth) open_objects.emplace_back();
    open_objects[depth++].clear();
    return target->StartObject();
  }
  bool EndObject(rapidjson::SizeType n) {
    --depth;
    return target->EndObject(n);
  }
  bool Key(const char* s, rapidjson::SizeType n, bool copy) {
    if (!open_objects[depth - 1].emplace(s, n).second) {
      const std::string_view name(s, n);
      // Quoted only when short and plain: a name is input, not ours to echo at length.
      const bool quotable = n <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
                              return c >= 0x20 && c < 0x7f && c != '\'' && c != '\\';
                            });
      duplicate = (quotable ? "member '" + std::string(name) + "'" : std::string("a member name")) +
                  " appears twice in one object";
      return false;
    }
    return target->Key(s, n, copy);
  }
};

// The first eight bytes of a name (zeros after a shorter one), loaded as two
// overlapping words rather than byte by byte; never reads past the name.
std::uint64_t name_head(const char* s, std::size_t n) {
  std::uint64_t head = 0;
  if (n >= 8) {
    std::memcpy(&head, s, sizeof head);
  } else if (n >= 4) {
    std::uint32_t low, high;
    std::memcpy(&low, s, sizeof low);
    std::memcpy(&high, s + n - 4, sizeof high);
    head = low | (std::uint64_t{high} << (8 * (n - 4)));
  } else if (n > 0) {
    head = static_cast<unsigned char>(s[0]) | (std::uint64_t{static_cast<unsigned char>(s[n / 2])} << (8 * (n / 2))) |
           (std::uint64_t{static_cast<unsigned char>(s[n - 1])} << (8 * (n - 1)));
  }
  return head;
}

// Whether the `n` bytes at `s` are well-formed UTF-8 (Unicode, table 3-7).
bool is_utf8(const char* s, std::size_t n) {
  constexpr std::uint64_t kHighs = 0x8080808080808080u;
  const auto* p = reinterpret_cast<const unsigned char*>(s);
  std::size_t i = 0;
  while (i < n) {
    // ASCII, most of any FHIR document, sixteen bytes at a time.
    for (; n - i >= 16; i += 16) {
      std::uint64_t first, second;
      std::memcpy(&first, p + i, sizeof first);
      std::memcpy(&second, p + i + 8, sizeof second);
      if (((first | second) & kHighs) != 0) break;
    }
    if (i == n) break;
    const unsigned char lead = p[i];
    if (lead < 0x80) {
      ++i;
      continue;
    }
    std::size_t length = 0;
    unsigned char second_low = 0x80;
    unsigned char second_high = 0xBF;
    if (lead >= 0xC2 && lead <= 0xDF) {
      length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      length = 3;
      if (lead == 0xE0) second_low = 0xA0;   // overlong
      if (lead == 0xED) second_high = 0x9F;  // surrogates
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      length = 4;
      if (lead == 0xF0) second_low = 0x90;   // overlong
      if (lead == 0xF4) second_high = 0x8F;  // beyond U+10FFFF
    } else {
      return false;
    }
    if (n - i < length || p[i + 1] < second_low || p[i + 1] > second_high) return false;
    for (std::size_t k = 2; k < length; ++k) {
      if (p[i + k] < 0x80 || p[i + k] > 0xBF) return false;
    }
    i += length;
  }
  return true;
}

// UniqueMembers for the usual document, without a hash set per object: the
// open objects' member names are kept on one stack and searched one by one,
// by length and first eight bytes, the rest (names past eight bytes are
// few) compared only when those agree. Stops at a repeated name or at an
// object with more members than a linear search suits; parse_json then runs
// UniqueMembers.
//
// It also stops at nesting deeper than `max_depth`, before the parser
// recurses further: the usual text is not prescanned.
//
// `kInSitu`: the reader parses a copy of the text in place, so a name stays
// where the reader left it until the parse ends and is not copied here.
template <typename Handler, bool kInSitu>
struct FewUniqueMembers : UniqueMembers<Handler> {
  static constexpr std::size_t kMaxMembers = 64;
  struct SeenName {
    std::uint64_t head;  // name_head
    std::size_t size;
    const char* name;     // in situ
    std::size_t tail_at;  // otherwise: in `tails`, the bytes after the first eight
  };
  std::size_t max_depth = 0;
  std::size_t nesting = 0;  // arrays and objects open
  std::string tails;
  std::vector<SeenName> seen;
  std::vector<std::size_t> object_first;  // for each open object, its first entry in `seen`

  // When the text has escapes, the strings as decoded are checked: RapidJSON
  // 1.1 decodes an escaped lone low surrogate (backslash-u DC00 to DFFF) into
  // the bytes of a surrogate, which are not UTF-8 (and are refused), while
  // every other escape decodes into whole characters.
  bool check_strings = false;

  bool String(const char* s, rapidjson::SizeType n, bool copy) {
    return (!check_strings || is_utf8(s, n)) && this->target->String(s, n, copy);
  }
  bool StartArray() {
    if (++nesting > max_depth) return false;
    return this->target->StartArray();
  }
  bool EndArray(rapidjson::SizeType n) {
    --nesting;
    return this->target->EndArray(n);
  }
  bool StartObject() {
    if (++nesting > max_depth) return false;
    object_first.push_back(seen.size());
    return this->target->StartObject();
  }
  bool EndObject(rapidjson::SizeType n) {
    --nesting;
    const std::size_t first = object_first.back();
    object_first.pop_back();
    if (first < seen.size()) {
      if constexpr (!kInSitu) tails.resize(seen[first].tail_at);
      seen.resize(first);
    }
    return this->target->EndObject(n);
  }
  bool Key(const char* s, rapidjson::SizeType n, bool copy) {
    const std::size_t first = object_first.back();
    if (seen.size() - first >= kMaxMembers || (check_strings && !is_utf8(s, n))) return false;
    const std::uint64_t head = name_head(s, n);
    for (std::size_t i = first; i < seen.size(); ++i) {
      const SeenName& other = seen[i];
      if (other.size == n && other.head == head) {
        const char* other_tail = kInSitu ? other.name + 8 : tails.data() + other.tail_at;
        if (n <= 8 || std::memcmp(other_tail, s + 8, n - 8) == 0) return false;
      }
    }
    if constexpr (kInSitu) {
      seen.push_back({head, n, s, 0});
    } else {
      seen.push_back({head, n, nullptr, tails.size()});
      if (n > 8) tails.append(s + 8, n - 8);
    }
    return this->target->Key(s, n, copy);
  }
};

// RapidJSON's recursive parser is the faster; it recurses once or twice per
// level of nesting, which FewUniqueMembers bounds as it parses (refusing the
// level past the limit before the parser descends into it). Limits above
// this take the iterative parser, after the prescan.
constexpr std::size_t kRecursiveParseMaxDepth = 256;

// The parse of `text` (read by `stream`) when it is the usual text, with
// checks that cost less on it: UTF-8 checked on the whole text at once
// beforehand (is_utf8) instead of character by character by RapidJSON, nesting bounded as it is
// parsed instead of an iterative parser, few members per object instead of a
// hash set. False when the text is not one it accepts; `doc` is then as it
// was.
template <unsigned kFlags, typename Stream>
bool parse_usual(Stream& stream, std::string_view text, rapidjson::Document& doc, std::size_t max_depth) {
  rapidjson::Reader reader;
  FewUniqueMembers<rapidjson::Document, (kFlags & rapidjson::kParseInsituFlag) != 0> handler;
  handler.max_depth = max_depth;
  handler.check_strings = text.find('\\') != std::string_view::npos;
  bool parsed = false;
  auto generator = [&](rapidjson::Document& target) {
    handler.target = &target;
    // Both streams read a NUL byte as the end of the text: a parse that
    // stops before the end found one after the document.
    parsed = !reader.Parse<kFlags>(stream, handler).IsError() && stream.Tell() == text.size();
    return parsed;
  };
  doc.Populate(generator);
  return parsed;
}

std::string parse(std::string_view text, rapidjson::Document& doc, JsonLimits limits, bool in_situ) {
  // RFC 8259 lets parsers ignore a UTF-8 byte order mark, which Windows tools
  // write; editors do not show it, so positions are counted after it.
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  // The usual text first, with parse_usual. A text it does not accept is
  // checked and parsed again below, the way that finds and names its first
  // problem.
  if (limits.max_depth <= kRecursiveParseMaxDepth && is_utf8(text.data(), text.size())) {
    if (!in_situ) {
      rapidjson::MemoryStream stream(text.data(), text.size());
      if (parse_usual<rapidjson::kParseNoFlags>(stream, text, doc, limits.max_depth)) return {};
    } else if (auto* copy = static_cast<char*>(doc.GetAllocator().Malloc(text.size() + 1))) {
      // Freed with the document, like the strings that point into it.
      std::memcpy(copy, text.data(), text.size());
      copy[text.size()] = '\0';
      rapidjson::InsituStringStream stream(copy);
      if (parse_usual<rapidjson::kParseInsituFlag>(stream, text, doc, limits.max_depth)) return {};
    }
  }
  if (auto error = prescan(text, limits.max_depth); !error.empty()) return error;
  // Trailing garbage must fail, so kParseStopWhenDoneFlag stays off; invalid
  // UTF-8 fails too rather than travelling on into warnings and cards.
  constexpr unsigned kFlags = rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag;
  // A plain MemoryStream: RapidJSON's EncodedInputStream would skip a second
  // byte order mark, which is not JSON.
  rapidjson::MemoryStream stream(text.data(), text.size());
  rapidjson::Reader reader;
  UniqueMembers<rapidjson::Document> handler;
  rapidjson::ParseResult result;
  auto generator = [&](rapidjson::Document& target) {
    handler.target = &target;
    result = reader.Parse<kFlags>(stream, handler);
    return !result.IsError();
  };
  doc.Populate(generator);
  if (!result.IsError()) return {};
  if (result.Code() == rapidjson::kParseErrorTermination && !handler.duplicate.empty()) {
    return located(text, result.Offset(), handler.duplicate);
  }
  return located(text, result.Offset(), rapidjson::GetParseError_En(result.Code()));
}

}  // namespace

std::string parse_json(std::string_view text, rapidjson::Document& doc, JsonLimits limits) {
  return parse(text, doc, limits, false);
}

std::string parse_json_in_situ(std::string_view text, rapidjson::Document& doc, JsonLimits limits) {
  return parse(text, doc, limits, true);
}

const char* json_type_name(const rapidjson::Value& value) {
  switch (value.GetType()) {
    case rapidjson::kNullType:
      return "null";
    case rapidjson::kFalseType:
    case rapidjson::kTrueType:
      return "boolean";
    case rapidjson::kObjectType:
      return "object";
    case rapidjson::kArrayType:
      return "array";
    case rapidjson::kStringType:
      return "string";
    case rapidjson::kNumberType:
      return "number";
  }
  return "unknown";
}

}  // namespace fhir

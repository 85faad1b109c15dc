#include "cds/hooks/canonical_json.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include <openssl/evp.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace icans {
namespace {

using Member = rapidjson::Value::Member;
using RapidJsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

// Writer<StringBuffer> writes NaN and infinity only with this flag; without
// it, it writes nothing for them, and so does CanonicalJsonWriter.
static_assert((rapidjson::kWriteDefaultFlags & rapidjson::kWriteNanAndInfFlag) == 0);

// RapidJSON's Writer's escapes: the letter after the backslash, 'u' for
// \u00XX, 0 for a byte copied as it is ('/', DEL and bytes >= 0x80 too).
constexpr char kEscape[256] = {
    'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'b', 't', 'n', 'u', 'f', 'r', 'u', 'u',  // 00
    'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u',  // 10
    0,   0,   '"', 0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,    // 20
    0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,    // 30
    0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,    // 40
    0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   0,   '\\', 0,  0,   0,    // 50
};
constexpr char kHexDigits[] = "0123456789ABCDEF";  // in escapes, like RapidJSON
constexpr char kLowerHexDigits[] = "0123456789abcdef";  // in digests

constexpr std::uint64_t kOnes = 0x0101010101010101u;
constexpr std::uint64_t kHighs = 0x8080808080808080u;
constexpr bool kLittleEndian = std::endian::native == std::endian::little;

inline std::uint64_t load_eight(const char* p) {
  std::uint64_t eight;
  std::memcpy(&eight, p, sizeof eight);
  return eight;
}

// The `n` (< 8) bytes at `p` as the low bytes of a little-endian word, zeros
// above, read as two overlapping loads rather than byte by byte; never reads
// past p + n.
inline std::uint64_t load_short(const char* p, std::size_t n) {
  if (n >= 4) {
    std::uint32_t low, high;
    std::memcpy(&low, p, sizeof low);
    std::memcpy(&high, p + n - 4, sizeof high);
    return low | (std::uint64_t{high} << (8 * (n - 4)));
  }
  if (n >= 2) {
    std::uint16_t low, high;
    std::memcpy(&low, p, sizeof low);
    std::memcpy(&high, p + n - 2, sizeof high);
    return low | (std::uint64_t{high} << (8 * (n - 2)));
  }
  return n == 1 ? static_cast<unsigned char>(*p) : 0;
}

// The low `n` (0 to 7) bytes' bits.
std::uint64_t low_bytes(std::size_t n) { return (std::uint64_t{1} << (8 * n)) - 1; }

// The high bit of each of the eight bytes that needs an escape (a quote, a
// backslash or a control character), and possibly of bytes after the first
// such byte (a borrow), never before it: the lowest bit set is exact.
// (x - n * kOnes) & ~x & kHighs marks the bytes of x below n (n <= 0x80);
// the quote and the backslash are the bytes below 1 of x ^ them, whose high
// bits are those of x, so one "& ~x & kHighs" serves all three.
inline std::uint64_t escapes_in(std::uint64_t x) {
  return ((x - kOnes * 0x20) | ((x ^ (kOnes * '"')) - kOnes) | ((x ^ (kOnes * '\\')) - kOnes)) & ~x & kHighs;
}

char* write_escape(unsigned char c, char* out) {
  out[0] = '\\';
  out[1] = kEscape[c];
  if (kEscape[c] != 'u') return out + 2;
  out[2] = '0';
  out[3] = '0';
  out[4] = kHexDigits[c >> 4];
  out[5] = kHexDigits[c & 15];
  return out + 6;
}

// Bytes a string may need past what it keeps in the buffer: the scan stores
// eight bytes at a time and keeps only those before an escape.
constexpr std::size_t kOverrun = 8;

// Writes [p, end) escaped at `out`, which has room for 6 bytes per input
// byte plus kOverrun, and returns the end of what it wrote; `begin` <= `p`
// is where the string starts. For strings with escapes: runs between them are
// still scanned and copied eight bytes at a time (narratives quote their
// XHTML attributes), the last one to seven bytes read as the string's last
// eight, shifted.
char* write_escaped_from(const char* const begin, const char* p, const char* const end, char* out) {
  if constexpr (kLittleEndian) {
    while (end - p >= 8) {
      const std::uint64_t eight = load_eight(p);
      std::memcpy(out, &eight, sizeof eight);
      const std::uint64_t found = escapes_in(eight);
      if (found == 0) {
        p += 8;
        out += 8;
        continue;
      }
      const int clean = std::countr_zero(found) / 8;
      p += clean;
      out = write_escape(static_cast<unsigned char>(*p++), out + clean);
    }
    while (p != end && end - begin >= 8) {
      const auto left = static_cast<std::size_t>(end - p);  // 1 to 7
      const std::uint64_t eight = load_eight(end - 8) >> (8 * (8 - left));
      std::memcpy(out, &eight, sizeof eight);
      const std::uint64_t found = escapes_in(eight) & low_bytes(left);
      if (found == 0) return out + left;
      const int clean = std::countr_zero(found) / 8;
      p += clean;
      out = write_escape(static_cast<unsigned char>(*p++), out + clean);
    }
  }
  for (; p != end; ++p) {
    const auto c = static_cast<unsigned char>(*p);
    if (kEscape[c] == 0) {
      *out++ = static_cast<char>(c);
    } else {
      out = write_escape(c, out);
    }
  }
  return out;
}

// write_escaped_from(begin, begin, end, out) for the usual string, which has
// no escape: a short one (most names and codes) is one word, a longer one
// eight bytes at a time and its last one to eight bytes as its last eight,
// shifted. At the first escape the general loop takes over.
inline char* write_escaped(const char* const begin, const char* const end, char* out) {
  if constexpr (!kLittleEndian) return write_escaped_from(begin, begin, end, out);
  const auto size = static_cast<std::size_t>(end - begin);
  if (size < 8) {
    const std::uint64_t eight = load_short(begin, size);
    std::memcpy(out, &eight, sizeof eight);
    if ((escapes_in(eight) & low_bytes(size)) == 0) return out + size;
    return write_escaped_from(begin, begin, end, out);
  }
  const char* p = begin;
  for (; end - p > 8; p += 8, out += 8) {
    const std::uint64_t eight = load_eight(p);
    std::memcpy(out, &eight, sizeof eight);
    if (escapes_in(eight) != 0) return write_escaped_from(begin, p, end, out);
  }
  const auto left = static_cast<std::size_t>(end - p);  // 1 to 8
  const std::uint64_t eight = load_eight(end - 8) >> (8 * (8 - left));
  std::memcpy(out, &eight, sizeof eight);
  if ((escapes_in(eight) & (~std::uint64_t{0} >> (8 * (8 - left)))) == 0) return out + left;
  return write_escaped_from(begin, p, end, out);
}

std::string_view name_of(const Member& member) {
  return {member.name.GetString(), member.name.GetStringLength()};
}

// The first eight bytes of `name` (zeros after a shorter one) as a
// big-endian number: where two prefixes differ, they order the names as the
// bytes do; where they are equal, the names must be compared.
std::uint64_t name_prefix(std::string_view name) {
  if constexpr (kLittleEndian) {
    return __builtin_bswap64(name.size() >= 8 ? load_eight(name.data())
                                              : load_short(name.data(), name.size()));
  }
  std::uint64_t prefix = 0;
  for (std::size_t i = 0; i < 8 && i < name.size(); ++i) {
    prefix |= std::uint64_t{static_cast<unsigned char>(name[i])} << (56 - 8 * i);
  }
  return prefix;
}

}  // namespace

std::string canonical_json(const rapidjson::Value& value) {
  std::string text;
  CanonicalJsonWriter writer([&text](std::string_view bytes) { text.append(bytes); });
  writer.value(value);
  writer.flush();
  return text;
}

std::string sha256_hex(std::string_view bytes) {
  Sha256 hash;
  hash.update(bytes);
  return hash.hex_digest();
}

void Sha256::FreeContext::operator()(evp_md_ctx_st* context) const { EVP_MD_CTX_free(context); }

Sha256::Sha256() : context_(EVP_MD_CTX_new()) {
  failed_ = !context_ || EVP_DigestInit_ex(context_.get(), EVP_sha256(), nullptr) != 1;
}

void Sha256::update(std::string_view bytes) {
  if (!failed_ && EVP_DigestUpdate(context_.get(), bytes.data(), bytes.size()) != 1) failed_ = true;
}

std::string Sha256::hex_digest() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  const bool ok = !failed_ && EVP_DigestFinal_ex(context_.get(), digest, &length) == 1;
  failed_ = true;  // a finished context takes no more input
  if (!ok) return {};
  std::string hex;
  hex.reserve(length * 2);
  for (unsigned int i = 0; i < length; ++i) {
    hex += kLowerHexDigits[digest[i] >> 4];
    hex += kLowerHexDigits[digest[i] & 15];
  }
  return hex;
}

CanonicalJsonWriter::CanonicalJsonWriter(Sink sink)
    : sink_(std::move(sink)),
      buffer_(new char[kBufferSize]),
      next_(buffer_.get()),
      end_(buffer_.get() + kBufferSize) {}

void CanonicalJsonWriter::flush() {
  if (next_ == buffer_.get()) return;
  sink_(std::string_view(buffer_.get(), static_cast<std::size_t>(next_ - buffer_.get())));
  next_ = buffer_.get();
}

char* CanonicalJsonWriter::room(std::size_t count) {
  if (static_cast<std::size_t>(end_ - next_) < count) flush();
  return next_;
}

void CanonicalJsonWriter::put(char c) {
  *room(1) = c;
  ++next_;
}

void CanonicalJsonWriter::put(const char* bytes, std::size_t count) {
  for (;;) {
    const std::size_t part = std::min(count, static_cast<std::size_t>(end_ - next_));
    std::memcpy(next_, bytes, part);
    next_ += part;
    if (part == count) return;
    flush();
    bytes += part;
    count -= part;
  }
}

void CanonicalJsonWriter::raw(std::string_view json) { put(json.data(), json.size()); }

void CanonicalJsonWriter::string(std::string_view text) { quoted('\0', text, '\0'); }

// A piece of this many bytes fits in an empty buffer escaped, with the
// punctuation around it and the scan's overrun.
constexpr std::size_t kPiece = (CanonicalJsonWriter::kBufferSize - 4 - kOverrun) / 6;

inline void CanonicalJsonWriter::quoted(char before, std::string_view text, char after) {
  // Also true for every string longer than kPiece.
  if (static_cast<std::size_t>(end_ - next_) < 6 * text.size() + kOverrun + 4) {
    quoted_in_pieces(before, text, after);
    return;
  }
  char* out = next_;
  if (before != '\0') *out++ = before;
  *out++ = '"';
  out = write_escaped(text.data(), text.data() + text.size(), out);
  *out++ = '"';
  if (after != '\0') *out++ = after;
  next_ = out;
}

// For a string that might not fit in what is left of the buffer: flushes
// first, and writes a string longer than kPiece in pieces (no escape spans
// two bytes, so any cut will do).
void CanonicalJsonWriter::quoted_in_pieces(char before, std::string_view text, char after) {
  const char* p = text.data();
  const char* const end = p + text.size();
  std::size_t piece = std::min(text.size(), kPiece);
  char* out = room(6 * piece + kOverrun + 4);
  if (before != '\0') *out++ = before;
  *out++ = '"';
  for (;;) {
    out = write_escaped(p, p + piece, out);
    p += piece;
    if (p == end) break;
    next_ = out;
    piece = std::min(static_cast<std::size_t>(end - p), kPiece);
    out = room(6 * piece + kOverrun + 2);
  }
  *out++ = '"';
  if (after != '\0') *out++ = after;
  next_ = out;
}

// The same conversions, chosen in the same order, as GenericValue::Accept
// and Writer<StringBuffer> make.
void CanonicalJsonWriter::number(const rapidjson::Value& number) {
  namespace internal = rapidjson::internal;
  if (number.IsDouble()) {
    const double d = number.GetDouble();
    if (!std::isfinite(d)) return;
    next_ = internal::dtoa(d, room(25), RapidJsonWriter::kDefaultMaxDecimalPlaces);
  } else if (number.IsInt()) {
    next_ = internal::i32toa(number.GetInt(), room(11));
  } else if (number.IsUint()) {
    next_ = internal::u32toa(number.GetUint(), room(10));
  } else if (number.IsInt64()) {
    next_ = internal::i64toa(number.GetInt64(), room(21));
  } else {
    next_ = internal::u64toa(number.GetUint64(), room(20));
  }
}

// Depth is bounded by parse_json's nesting limit on every input we hash;
// each level takes a few hundred bytes of stack.
void CanonicalJsonWriter::object(const rapidjson::Value& object) {
  const std::size_t count = object.MemberCount();
  if (count == 0) {
    raw("{}");
    return;
  }
  // The order must be std::sort's even for repeated names, which parse_json
  // refuses but a hand-built value may have: the hashes were first made with
  // it. For up to 16 elements libstdc++'s std::sort is this insertion sort
  // (each element goes after every one not greater than it), here done as
  // the members are read and on the stack; beyond, std::sort itself.
  constexpr std::size_t kInsertionSortMax = 16;
  Named few[kInsertionSortMax];
  std::vector<Named> many;
  if (count > kInsertionSortMax) many.resize(count);
  Named* const named = count > kInsertionSortMax ? many.data() : few;
  const auto before = [](const Named& a, const Named& b) {
    if (a.prefix != b.prefix) return a.prefix < b.prefix;
    return name_of(*a.member) < name_of(*b.member);
  };
  std::size_t read = 0;
  for (const auto& member : object.GetObject()) {
    const Named item{name_prefix(name_of(member)), &member};
    std::size_t place = read++;
    if (count <= kInsertionSortMax) {
      for (; place > 0 && before(item, named[place - 1]); --place) named[place] = named[place - 1];
    }
    named[place] = item;
  }
  if (count > kInsertionSortMax) std::sort(named, named + count, before);
  for (std::size_t i = 0; i < count; ++i) {
    quoted(i == 0 ? '{' : ',', name_of(*named[i].member), ':');
    value(named[i].member->value);
  }
  put('}');
}

void CanonicalJsonWriter::value(const rapidjson::Value& value) {
  switch (value.GetType()) {
    case rapidjson::kNullType:
      raw("null");
      return;
    case rapidjson::kFalseType:
      raw("false");
      return;
    case rapidjson::kTrueType:
      raw("true");
      return;
    case rapidjson::kStringType:
      string({value.GetString(), value.GetStringLength()});
      return;
    case rapidjson::kNumberType:
      number(value);
      return;
    case rapidjson::kArrayType: {
      if (value.Empty()) {
        raw("[]");
        return;
      }
      char separator = '[';
      for (const auto& element : value.GetArray()) {
        put(separator);
        separator = ',';
        this->value(element);
      }
      put(']');
      return;
    }
    case rapidjson::kObjectType:
      object(value);
      return;
  }
}

}  // namespace icans

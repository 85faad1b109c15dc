#pragma once
// A fingerprint of the clinical inputs a response was computed from, for the
// audit trail: the same inputs give the same SHA-256 whatever the order of
// members the EHR sent, so a card can later be matched to the exact data.
//
// The canonical text is, byte for byte, what RapidJSON's
// Writer<StringBuffer> writes for the value with every object's members
// sorted by name: the hashes in existing audit trails were computed that way
// and must stay comparable. It is written by our own writer because
// RapidJSON's copies one byte at a time and grows one string; this one copies
// the runs that need no escape in bulk and hashes the text as it goes.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <rapidjson/document.h>

struct evp_md_ctx_st;  // OpenSSL's EVP_MD_CTX

namespace icans {

// `value` written without whitespace, object members sorted by name
// (byte-wise), arrays in their order.
std::string canonical_json(const rapidjson::Value& value);

// Lowercase hex SHA-256 (OpenSSL EVP) of `bytes`.
std::string sha256_hex(std::string_view bytes);

// SHA-256 of bytes given in pieces, so that a long text need not be held
// whole to be hashed.
class Sha256 {
 public:
  Sha256();
  void update(std::string_view bytes);
  // Lowercase hex of everything given, once; "" if OpenSSL failed at any
  // step (callers treat an empty hash as a failure to audit).
  std::string hex_digest();

 private:
  struct FreeContext {
    void operator()(evp_md_ctx_st* context) const;
  };
  std::unique_ptr<evp_md_ctx_st, FreeContext> context_;
  bool failed_ = false;
};

// Canonical JSON text written through a fixed buffer that is handed to
// `sink` whenever it fills and at flush(). The caller lays out the
// surrounding document with raw() and string() and must put its own
// separators, in the same canonical form (members in byte order).
class CanonicalJsonWriter {
 public:
  using Sink = std::function<void(std::string_view)>;
  static constexpr std::size_t kBufferSize = 16 * 1024;  // bytes per sink call, at most

  explicit CanonicalJsonWriter(Sink sink);
  CanonicalJsonWriter(const CanonicalJsonWriter&) = delete;
  CanonicalJsonWriter& operator=(const CanonicalJsonWriter&) = delete;

  // JSON text already in canonical form, copied as it is.
  void raw(std::string_view json);
  // `text` quoted and escaped as RapidJSON's Writer does (UTF-8 bytes are
  // copied, not validated).
  void string(std::string_view text);
  // `value` in canonical form. A NaN or infinite number writes nothing, as
  // RapidJSON's Writer does without kWriteNanAndInfFlag; parse_json never
  // produces one.
  void value(const rapidjson::Value& value);
  // Hands the buffered text to the sink; call it once the text is complete.
  void flush();

 private:
  // A member and the first eight bytes of its name as a big-endian number,
  // which orders most names without looking further.
  struct Named {
    std::uint64_t prefix;
    const rapidjson::Value::Member* member;
  };

  void put(char c);
  void put(const char* bytes, std::size_t count);
  // The place to write `count` (<= kBufferSize) bytes at, flushing first if
  // they would not fit.
  char* room(std::size_t count);
  // `text` as a JSON string, after `before` and followed by `after` when
  // they are not '\0'.
  void quoted(char before, std::string_view text, char after);
  void quoted_in_pieces(char before, std::string_view text, char after);
  void number(const rapidjson::Value& number);
  void object(const rapidjson::Value& object);

  Sink sink_;
  std::unique_ptr<char[]> buffer_;
  char* next_;       // where the next byte goes
  char* const end_;  // of buffer_
};

}  // namespace icans

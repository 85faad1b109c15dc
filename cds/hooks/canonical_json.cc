#include "cds/hooks/canonical_json.h"

#include <algorithm>
#include <memory>
#include <vector>

#include <openssl/evp.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace icans {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;
using Member = rapidjson::Value::Member;

// Depth is bounded by parse_json's nesting limit on every input we hash.
// `sorting` holds the members of the objects being written, outermost
// first: one vector for the whole value rather than one per object.
void write(const rapidjson::Value& value, Writer& writer, std::vector<const Member*>& sorting) {
  switch (value.GetType()) {
    case rapidjson::kObjectType: {
      const std::size_t first = sorting.size();
      for (const auto& m : value.GetObject()) sorting.push_back(&m);
      std::sort(sorting.begin() + static_cast<std::ptrdiff_t>(first), sorting.end(),
                [](const Member* a, const Member* b) {
                  const std::string_view x(a->name.GetString(), a->name.GetStringLength());
                  const std::string_view y(b->name.GetString(), b->name.GetStringLength());
                  return x < y;
                });
      const std::size_t end = sorting.size();
      writer.StartObject();
      // By index: writing a member value may grow `sorting`.
      for (std::size_t i = first; i < end; ++i) {
        const Member& m = *sorting[i];
        writer.Key(m.name.GetString(), m.name.GetStringLength());
        write(m.value, writer, sorting);
      }
      writer.EndObject();
      sorting.resize(first);
      return;
    }
    case rapidjson::kArrayType:
      writer.StartArray();
      for (const auto& element : value.GetArray()) write(element, writer, sorting);
      writer.EndArray();
      return;
    default:
      value.Accept(writer);
      return;
  }
}

}  // namespace

std::string canonical_json(const rapidjson::Value& value) {
  rapidjson::StringBuffer buffer;
  Writer writer(buffer);
  write_canonical_json(value, writer);
  return {buffer.GetString(), buffer.GetSize()};
}

void write_canonical_json(const rapidjson::Value& value, Writer& writer) {
  std::vector<const Member*> sorting;
  write(value, writer, sorting);
}

std::string sha256_hex(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!context || EVP_DigestInit_ex(context.get(), EVP_sha256(), nullptr) != 1 ||
      EVP_DigestUpdate(context.get(), bytes.data(), bytes.size()) != 1 ||
      EVP_DigestFinal_ex(context.get(), digest, &length) != 1) {
    return {};  // callers treat an empty hash as a failure to audit
  }
  static const char* kHex = "0123456789abcdef";
  std::string hex;
  hex.reserve(length * 2);
  for (unsigned int i = 0; i < length; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 15];
  }
  return hex;
}

}  // namespace icans

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

// Depth is bounded by parse_json's nesting limit on every input we hash.
void write(const rapidjson::Value& value, Writer& writer) {
  switch (value.GetType()) {
    case rapidjson::kObjectType: {
      std::vector<const rapidjson::Value::Member*> members;
      members.reserve(value.MemberCount());
      for (const auto& m : value.GetObject()) members.push_back(&m);
      std::sort(members.begin(), members.end(), [](const auto* a, const auto* b) {
        const std::string_view x(a->name.GetString(), a->name.GetStringLength());
        const std::string_view y(b->name.GetString(), b->name.GetStringLength());
        return x < y;
      });
      writer.StartObject();
      for (const auto* m : members) {
        writer.Key(m->name.GetString(), m->name.GetStringLength());
        write(m->value, writer);
      }
      writer.EndObject();
      return;
    }
    case rapidjson::kArrayType:
      writer.StartArray();
      for (const auto& element : value.GetArray()) write(element, writer);
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
  write(value, writer);
  return {buffer.GetString(), buffer.GetSize()};
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

#pragma once
// A fingerprint of the clinical inputs a response was computed from, for the
// audit trail: the same inputs give the same SHA-256 whatever the order of
// members the EHR sent, so a card can later be matched to the exact data.

#include <string>
#include <string_view>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace icans {

// `value` written without whitespace, object members sorted by name
// (byte-wise), arrays in their order.
std::string canonical_json(const rapidjson::Value& value);

// The same text written into `writer` at its current place (the writer puts
// the separators), for a document that quotes values canonically without a
// string per value.
void write_canonical_json(const rapidjson::Value& value,
                          rapidjson::Writer<rapidjson::StringBuffer>& writer);

// Lowercase hex SHA-256 (OpenSSL EVP) of `bytes`.
std::string sha256_hex(std::string_view bytes);

}  // namespace icans

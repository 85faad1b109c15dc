#pragma once
// A FHIR resource's JSON text with its DOM as fhir::parse_json reads that
// text: what a card's create or update action carries (cards/card.h), so
// that checking and writing the card, several times on its way to the EHR,
// never parses the resource again.

#include <cstddef>
#include <memory>
#include <string>

#include <rapidjson/document.h>

namespace icans {

struct ParsedResource {
  explicit ParsedResource(std::size_t chunk_bytes) : allocator(chunk_bytes), document(&allocator) {}
  ParsedResource(const ParsedResource&) = delete;
  ParsedResource& operator=(const ParsedResource&) = delete;

  std::string text;
  rapidjson::MemoryPoolAllocator<> allocator;  // sized for one resource, not a 64 KiB chunk
  rapidjson::Document document;
  // Whether `text` is what RapidJSON's Writer writes of `document` (a built
  // resource, written from it), so that writing a card may copy the text.
  bool text_written_from_document = false;
};

// `text` as fhir::parse_json reads it; null when it does not parse.
std::shared_ptr<const ParsedResource> parse_resource(std::string text);

}  // namespace icans

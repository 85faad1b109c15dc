#include "fhir/json.h"

#include <rapidjson/error/en.h>

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

// Even RapidJSON's iterative parser builds a DOM as deep as the text, and the
// code reading the DOM may recurse; refusing deep nesting before parsing keeps
// every later step bounded. Also refuses NUL bytes, which RapidJSON's memory
// stream would take for the end of the text (hiding anything after them).
std::string prescan(std::string_view text, std::size_t max_depth) {
  std::size_t depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\0') return located(text, i, "NUL byte is not allowed in JSON text");
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
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

}  // namespace

std::string parse_json(std::string_view text, rapidjson::Document& doc, JsonLimits limits) {
  // RFC 8259 lets parsers ignore a UTF-8 byte order mark, which Windows tools
  // write; editors do not show it, so positions are counted after it.
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  if (auto error = prescan(text, limits.max_depth); !error.empty()) return error;
  // Trailing garbage must fail, so kParseStopWhenDoneFlag stays off; invalid
  // UTF-8 fails too rather than travelling on into warnings and cards.
  constexpr unsigned kFlags = rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag;
  doc.Parse<kFlags>(text.data(), text.size());
  if (!doc.HasParseError()) return {};
  return located(text, doc.GetErrorOffset(), rapidjson::GetParseError_En(doc.GetParseError()));
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

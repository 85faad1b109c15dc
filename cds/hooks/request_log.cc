#include "cds/hooks/request_log.h"

#include <cmath>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace icans {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void optional_string(Writer& writer, const char* name, const std::string& value) {
  if (value.empty()) return;
  writer.Key(name);
  writer.String(value);
}

}  // namespace

std::string request_log_line(const RequestLogEntry& entry) {
  rapidjson::StringBuffer buffer;
  Writer writer(buffer);
  writer.StartObject();
  writer.Key("time");
  writer.String(fhir::format_instant(entry.time));
  writer.Key("method");
  writer.String(entry.method);
  writer.Key("path");
  writer.String(entry.path);
  optional_string(writer, "service", entry.service);
  writer.Key("status");
  writer.Int(entry.status);
  writer.Key("latency_ms");
  writer.Double(std::round(entry.latency_ms * 10) / 10);
  writer.Key("cards");
  writer.Uint64(entry.cards);
  optional_string(writer, "hookInstance", entry.hook_instance);
  optional_string(writer, "patientId", entry.patient_id);
  optional_string(writer, "iss", entry.client_issuer);
  optional_string(writer, "tenant", entry.client_tenant);
  if (entry.fhir_fetches > 0) {
    writer.Key("fhir_fetches");
    writer.Uint64(entry.fhir_fetches);
  }
  if (entry.shadow) {
    writer.Key("shadow");
    writer.Bool(true);
  }
  optional_string(writer, "error", entry.error);
  optional_string(writer, "note", entry.note);
  writer.EndObject();
  return {buffer.GetString(), buffer.GetSize()};
}

std::string event_log_line(fhir::Instant time, std::string_view event,
                           std::initializer_list<LogField> fields) {
  rapidjson::StringBuffer buffer;
  Writer writer(buffer);
  writer.StartObject();
  writer.Key("time");
  writer.String(fhir::format_instant(time));
  writer.Key("event");
  writer.String(event.data(), static_cast<rapidjson::SizeType>(event.size()));
  for (const auto& field : fields) {
    writer.Key(field.name.c_str(), static_cast<rapidjson::SizeType>(field.name.size()));
    if (field.is_number) {
      writer.RawValue(field.value.c_str(), field.value.size(), rapidjson::kNumberType);
    } else {
      writer.String(field.value);
    }
  }
  writer.EndObject();
  return {buffer.GetString(), buffer.GetSize()};
}

}  // namespace icans

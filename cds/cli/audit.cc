// icans-cds audit: what the service's database knows about one card: the
// audit record(s) written when it was issued and the feedback received.
// It reads the evidence and never writes it: the database is opened
// read-only, an older schema read as it is, never migrated.
#include <filesystem>
#include <iostream>
#include <string>

#include <boost/program_options.hpp>
#include <rapidjson/document.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include "cds/cli/commands.h"
#include "cds/hooks/store.h"
#include "fhir/json.h"

namespace icans::cli {
namespace {

namespace po = boost::program_options;
using rapidjson::Value;
using Allocator = rapidjson::Document::AllocatorType;

Value string_value(const std::string& text, Allocator& allocator) {
  return Value(text.c_str(), static_cast<rapidjson::SizeType>(text.size()), allocator);
}

Value optional_string(const std::string& text, Allocator& allocator) {
  return text.empty() ? Value(rapidjson::kNullType) : string_value(text, allocator);
}

Value optional_int(const std::optional<int>& value) {
  return value ? Value(*value) : Value(rapidjson::kNullType);
}

Value to_json(const AuditRecord& record, Allocator& allocator) {
  Value out(rapidjson::kObjectType);
  out.AddMember("card", string_value(record.card_uuid, allocator), allocator);
  out.AddMember("service", string_value(record.service_id, allocator), allocator);
  out.AddMember("hookInstance", string_value(record.hook_instance, allocator), allocator);
  out.AddMember("issued_at", string_value(record.issued_at, allocator), allocator);
  out.AddMember("patient", string_value(record.patient_id, allocator), allocator);
  out.AddMember("icans_grade", optional_int(record.icans_grade), allocator);
  out.AddMember("crs_grade", optional_int(record.crs_grade), allocator);
  out.AddMember("kind", string_value(record.kind, allocator), allocator);
  Value rules(rapidjson::kArrayType);
  for (const auto& rule : record.rule_ids) rules.PushBack(string_value(rule, allocator), allocator);
  out.AddMember("rule_ids", rules, allocator);
  out.AddMember("protocol_version", string_value(record.protocol_version, allocator), allocator);
  out.AddMember("engine_version", string_value(record.engine_version, allocator), allocator);
  out.AddMember("inputs_sha256", string_value(record.inputs_sha256, allocator), allocator);
  out.AddMember("shadow", record.shadow, allocator);
  // null, not "": the call was not authenticated, or the database's schema
  // (version 1) did not record who called.
  out.AddMember("issuer", optional_string(record.issuer, allocator), allocator);
  out.AddMember("tenant", optional_string(record.tenant, allocator), allocator);
  // The card as sent, as JSON rather than a string inside JSON.
  rapidjson::Document card;
  if (fhir::parse_json(record.card_json, card).empty()) {
    out.AddMember("card_json", Value(card, allocator), allocator);
  } else {
    out.AddMember("card_json", string_value(record.card_json, allocator), allocator);
  }
  return out;
}

Value to_json(const FeedbackRecord& record, Allocator& allocator) {
  Value out(rapidjson::kObjectType);
  out.AddMember("card", string_value(record.card_uuid, allocator), allocator);
  out.AddMember("service", string_value(record.service_id, allocator), allocator);
  out.AddMember("outcome", string_value(record.outcome, allocator), allocator);
  Value accepted(rapidjson::kArrayType);
  for (const auto& id : record.accepted_suggestions) accepted.PushBack(string_value(id, allocator), allocator);
  out.AddMember("acceptedSuggestions", accepted, allocator);
  if (!record.override_reason_code.empty() || !record.user_comment.empty()) {
    Value reason(rapidjson::kObjectType);
    if (!record.override_reason_code.empty()) {
      Value coding(rapidjson::kObjectType);
      coding.AddMember("system", string_value(record.override_reason_system, allocator), allocator);
      coding.AddMember("code", string_value(record.override_reason_code, allocator), allocator);
      if (!record.override_reason_display.empty()) {
        coding.AddMember("display", string_value(record.override_reason_display, allocator), allocator);
      }
      reason.AddMember("reason", coding, allocator);
    }
    if (!record.user_comment.empty()) {
      reason.AddMember("userComment", string_value(record.user_comment, allocator), allocator);
    }
    out.AddMember("overrideReason", reason, allocator);
  }
  out.AddMember("outcomeTimestamp", string_value(record.outcome_timestamp, allocator), allocator);
  out.AddMember("received_at", string_value(record.received_at, allocator), allocator);
  return out;
}

}  // namespace

int run_audit(int argc, char** argv) {
  po::options_description options(
      "icans-cds audit --db FILE --card UUID\n\n"
      "Prints, as JSON, the audit record of a card the service issued and the feedback\n"
      "received about it. Exit status 1 when the database knows nothing about the card.\n"
      "It never writes: the database is opened read-only, and one of an older schema is\n"
      "read as it is, not migrated (\"schema_version\" says which; issuer and tenant are\n"
      "null in a version 1 database, which did not record them)");
  std::string database;
  std::string card;
  // clang-format off
  options.add_options()
    ("help,h", "show this help")
    ("db", po::value(&database), "the service's SQLite database (icans-cds serve --db), or a SQLite URI")
    ("card", po::value(&card), "card uuid, as sent to the EHR and quoted in feedback");
  // clang-format on
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(options).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "audit: " << e.what() << "\n";
    return 2;
  }
  if (vm.count("help")) {
    std::cout << options << "\n";
    return 0;
  }
  if (database.empty() || card.empty()) {
    std::cerr << "audit: --db and --card are required\n" << options << "\n";
    return 2;
  }
  // SQLite's "unable to open database file" does not say why; a URI
  // ("file:...?immutable=1") is SQLite's to judge.
  std::error_code exists_error;
  if (database.rfind("file:", 0) != 0 && !std::filesystem::exists(database, exists_error)) {
    std::cerr << "audit: --db " << database << ": no such file\n";
    return 2;
  }
  std::string error;
  const auto store = Store::open_read_only(database, error);
  if (!store) {
    std::cerr << "audit: --db " << database << ": " << error << "\n";
    return 2;
  }
  const auto audit = store->audit_for_card(card, error);
  if (!error.empty()) {
    std::cerr << "audit: " << error << "\n";
    return 2;
  }
  const auto feedback = store->feedback_for_card(card, error);
  if (!error.empty()) {
    std::cerr << "audit: " << error << "\n";
    return 2;
  }
  rapidjson::Document document(rapidjson::kObjectType);
  auto& allocator = document.GetAllocator();
  document.AddMember("card", string_value(card, allocator), allocator);
  document.AddMember("schema_version", store->schema_version(), allocator);
  Value audit_json(rapidjson::kArrayType);
  for (const auto& record : audit) audit_json.PushBack(to_json(record, allocator), allocator);
  document.AddMember("audit", audit_json, allocator);
  Value feedback_json(rapidjson::kArrayType);
  for (const auto& record : feedback) feedback_json.PushBack(to_json(record, allocator), allocator);
  document.AddMember("feedback", feedback_json, allocator);
  rapidjson::StringBuffer buffer;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> writer(buffer);
  writer.SetIndent(' ', 2);
  document.Accept(writer);
  std::cout << buffer.GetString() << "\n";
  if (audit.empty() && feedback.empty()) {
    std::cerr << "audit: nothing recorded about card " << card << "\n";
    return 1;
  }
  return 0;
}

}  // namespace icans::cli

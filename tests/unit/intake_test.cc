// Intake of whole inputs: Bundle types, single resources, NDJSON, patients
// kept apart by reference, versions, and hostile input.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include <unistd.h>

#include "intake_helpers.h"

using namespace intake_test;
using fhir::IntakeLimits;

namespace {

// A temperature observation of `subject` (a reference text) with id `id`, on
// one line so that it also serves as an NDJSON line.
std::string temperature(const std::string& id, const std::string& subject,
                        const std::string& time = "2026-03-01T08:00:00Z",
                        const std::string& extra = "") {
  std::string text = R"({"resourceType": "Observation", "id": ")" + id + R"(", "status": "final",)" + extra +
         R"( "code": {"coding": [{"system": "http://loinc.org", "code": "8310-5"}]},
            "subject": {"reference": ")" + subject + R"("},
            "effectiveDateTime": ")" + time + R"(",
            "valueQuantity": {"value": 38.5, "system": "http://unitsofmeasure.org", "code": "Cel"}})";
  std::replace(text.begin(), text.end(), '\n', ' ');
  return text;
}

std::filesystem::path temp_file(const std::string& name, const std::string& content) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("icans_intake_test_" + std::to_string(::getpid()) + "_" + name);
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

}  // namespace

// ---- Inputs -----------------------------------------------------------------

TEST_CASE("every Bundle type is read through entry[].resource") {
  for (const char* type : {"collection", "searchset", "transaction", "batch",
                           "transaction-response", "batch-response", "history", "document",
                           "message"}) {
    INFO(type);
    const auto result = read_json(bundle({temperature("t1", "Patient/p1")}, type));
    CHECK(patient(result, "p1").observations.size() == 1);
  }
}

TEST_CASE("a single resource is an input of its own") {
  const auto result = read_json(temperature("t1", "Patient/p1"));
  const auto& record = patient(result, "p1");
  REQUIRE(record.observations.size() == 1);
  CHECK(record.observations[0].origin.input == "test.json");
  CHECK(record.observations[0].origin.entry == 0);
  CHECK(record.observations[0].id == "t1");
  CHECK(record.observations[0].subject == "p1");
}

TEST_CASE("bundle entries are numbered from 1 in origins and warnings") {
  const auto result = read_json(bundle({temperature("t1", "Patient/p1"), temperature("t2", "Patient/p1")}));
  const auto& record = patient(result, "p1");
  REQUIRE(record.observations.size() == 2);
  CHECK(record.observations[0].origin.entry == 1);
  CHECK(record.observations[1].origin.entry == 2);
}

TEST_CASE("NDJSON: one resource per line, blank lines ignored, line numbers kept") {
  const auto result = read_ndjson(temperature("t1", "Patient/p1", "2026-03-01T08:00:00Z") +
                                  "\n\n   \r\n" +
                                  R"({"resourceType": "Patient", "id": "p1", "gender": "female"})" +
                                  "\r\n" + temperature("t2", "Patient/p1", "2026-03-01T09:00:00Z"));
  CHECK(result.warnings.empty());
  const auto& record = patient(result, "p1");
  REQUIRE(record.observations.size() == 2);
  CHECK(record.observations[0].origin.entry == 1);
  CHECK(record.observations[1].origin.entry == 5);
  REQUIRE(record.patient);
  CHECK(record.patient->gender == "female");
  CHECK(record.patient->origin.entry == 4);
}

TEST_CASE("add_file reads .ndjson and .jsonl as NDJSON and anything else as JSON") {
  const auto lines = temp_file("a.ndjson", temperature("t1", "Patient/p1") + "\n" +
                                               temperature("t2", "Patient/p1", "2026-03-02T08:00:00Z") + "\n");
  const auto jsonl = temp_file("b.jsonl", temperature("t3", "Patient/p2") + "\n");
  const auto json = temp_file("c.json", bundle({temperature("t4", "Patient/p3")}));
  fhir::Intake intake(terminology());
  CHECK(intake.add_file(lines.string()) == "");
  CHECK(intake.add_file(jsonl.string()) == "");
  CHECK(intake.add_file(json.string()) == "");
  const auto result = intake.finish();
  CHECK(patient(result, "p1").observations.size() == 2);
  CHECK(patient(result, "p2").observations.size() == 1);
  CHECK(patient(result, "p3").observations.size() == 1);
  CHECK(patient(result, "p3").observations[0].origin.input == json.string());
  for (const auto& path : {lines, jsonl, json}) std::filesystem::remove(path);
}

TEST_CASE("add_file: a missing file or a directory is an error naming the path") {
  fhir::Intake intake(terminology());
  CHECK(intake.add_file("/nonexistent/x.json") == "/nonexistent/x.json: no such file");
  const auto directory = std::filesystem::temp_directory_path().string();
  CHECK(intake.add_file(directory) == directory + ": is a directory, not a FHIR file");
}

// ---- Patients and subjects ------------------------------------------------------

TEST_CASE("patients are kept apart by subject reference") {
  const auto result = read_json(bundle({
      temperature("a", "Patient/p1"),
      temperature("b", "Patient/p2"),
      temperature("c", "Patient/p1", "2026-03-01T09:00:00Z"),
  }));
  REQUIRE(result.patients.size() == 2);
  CHECK(patient(result, "p1").observations.size() == 2);
  CHECK(patient(result, "p2").observations.size() == 1);
  CHECK(patient(result, "p2").observations[0].subject == "p2");
}

TEST_CASE("subject references: relative, absolute, versioned, urn:uuid fullUrl, and patient") {
  const std::string text = R"({"resourceType": "Bundle", "type": "transaction", "entry": [
    {"fullUrl": "urn:uuid:61ebe359-bfdc-4613-8bf2-c5e300945f0a",
     "resource": {"resourceType": "Patient", "id": "p9"}},
    {"resource": )" + temperature("a", "https://ehr.example/fhir/Patient/p1") + R"(},
    {"resource": )" + temperature("b", "https://ehr.example/fhir/Patient/p1/_history/2") + R"(},
    {"resource": )" + temperature("c", "urn:uuid:61ebe359-bfdc-4613-8bf2-c5e300945f0a") + R"(},
    {"resource": {"resourceType": "Observation", "id": "d", "status": "final",
                  "code": {"text": "unread"}, "patient": {"reference": "Patient/p2"},
                  "effectiveDateTime": "2026-03-01T08:00:00Z"}}
  ]})";
  const auto result = read_json(text);
  INFO(describe(result.warnings));
  CHECK(result.warnings.empty());
  CHECK(patient(result, "p1").observations.size() == 2);
  CHECK(patient(result, "p9").observations.size() == 1);
  CHECK(patient(result, "p9").patient.has_value());
  CHECK(patient(result, "p2").observations.size() == 1);
}

TEST_CASE("with a server base, absolute references elsewhere are not followed") {
  const std::string medication = R"({"resourceType": "Medication", "id": "toci",
      "code": {"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "612865"}]}})";
  const auto administration = [](const std::string& id, const std::string& drug) {
    return R"({"resourceType": "MedicationAdministration", "id": ")" + id +
           R"(", "status": "completed", "subject": {"reference": "Patient/p1"},
               "effectiveDateTime": "2026-03-01T08:00:00Z", "medicationReference": {"reference": ")" + drug + R"("}})";
  };
  const std::string text = bundle({
      temperature("same", "https://ehr.example/fhir/Patient/p1"),
      temperature("versioned", "https://ehr.example/fhir/Patient/p1/_history/4"),
      temperature("host-case", "HTTPS://EHR.Example/fhir/Patient/p1"),
      temperature("relative", "Patient/p1"),
      temperature("other-host", "https://other.example/fhir/Patient/p1"),
      temperature("other-path", "https://ehr.example/fhir2/Patient/p1"),
      temperature("deeper", "https://ehr.example/fhir/tenant/Patient/p1"),
      temperature("path-case", "https://ehr.example/FHIR/Patient/p1"),
      administration("here", "https://ehr.example/fhir/Medication/toci"),
      administration("there", "https://other.example/fhir/Medication/toci"),
      medication,
  });
  fhir::Intake intake(terminology());
  intake.set_server_base("https://ehr.example/fhir");
  REQUIRE(intake.add_json(text, "test.json").empty());
  const auto result = intake.finish();
  const auto& record = patient(result, "p1");
  std::vector<std::string> kept;
  for (const auto& observation : record.observations) kept.push_back(observation.id);
  std::sort(kept.begin(), kept.end());
  CHECK(kept == std::vector<std::string>{"host-case", "relative", "same", "versioned"});
  for (const char* other : {"https://other.example/fhir/Patient/p1", "https://ehr.example/fhir2/Patient/p1",
                            "https://ehr.example/fhir/tenant/Patient/p1", "https://ehr.example/FHIR/Patient/p1"}) {
    INFO(other << "\n" << describe(result.warnings));
    CHECK(has_warning(result.warnings, "subject",
                      "'" + std::string(other) +
                          "' is not on the FHIR server the data came from (https://ehr.example/fhir); "
                          "resource not kept"));
  }
  REQUIRE(record.administrations.size() == 2);
  const auto& here = record.administrations[0].id == "here" ? record.administrations[0] : record.administrations[1];
  const auto& there = record.administrations[0].id == "here" ? record.administrations[1] : record.administrations[0];
  CHECK(here.drug == fhir::Concept::tocilizumab);
  CHECK(there.drug == fhir::Concept::unknown);
  CHECK(has_warning(record.warnings, "medicationReference.reference",
                    "'https://other.example/fhir/Medication/toci' is not on the FHIR server the data came from "
                    "(https://ehr.example/fhir); drug unknown"));

  // Without a base (files, replay) they are matched by type and id alone.
  const auto unscoped = read_json(text);
  CHECK(patient(unscoped, "p1").observations.size() == 8);
}

TEST_CASE("a resource without a resolvable subject is warned about and not kept") {
  const std::string no_subject = R"({"resourceType": "Observation", "id": "n", "status": "final",
      "code": {"text": "x"}, "effectiveDateTime": "2026-03-01"})";
  const std::string identifier_only = R"({"resourceType": "Observation", "id": "i", "status": "final",
      "code": {"text": "x"}, "effectiveDateTime": "2026-03-01",
      "subject": {"identifier": {"system": "urn:mrn", "value": "123"}}})";
  const auto result = read_json(bundle({
      no_subject,
      identifier_only,
      temperature("g", "Group/g1"),
      temperature("u", "urn:uuid:0c3e9a3c-0000-4000-8000-000000000000"),
      temperature("q", "Patient?identifier=123"),
      R"({"resourceType": "Observation", "id": "w", "status": "final", "subject": {"reference": 5}})",
  }));
  INFO(describe(result.warnings));
  CHECK(result.patients.empty());
  CHECK(has_warning(result.warnings, "subject", "missing; resource not kept"));
  CHECK(has_warning(result.warnings, "subject.reference", "an identifier alone cannot be matched"));
  CHECK(has_warning(result.warnings, "subject", "'Group/g1' is a Group, not a Patient"));
  CHECK(has_warning(result.warnings, "subject", "matches no fullUrl"));
  CHECK(has_warning(result.warnings, "subject", "'Patient?identifier=123' is not a reference"));
  CHECK(has_warning(result.warnings, "subject.reference", "expected string, found number; resource not kept"));
  CHECK(result.warnings.size() == 6);
}

TEST_CASE("subjects: each resource is filed by its own reference, and each bad one is warned about") {
  // The intake resolves a subject once for a run of resources naming it; the
  // runs here change at every entry, and the bad reference comes twice.
  const auto result = read_json(bundle({
      temperature("a", "Patient/p1"),
      temperature("b", "Group/g1"),
      temperature("c", "Group/g1", "2026-03-01T09:00:00Z"),
      temperature("d", "Patient/p1", "2026-03-01T10:00:00Z"),
      temperature("e", "https://ehr.example/fhir/Patient/p2"),
      temperature("f", "Patient/p1", "2026-03-01T11:00:00Z"),
      temperature("g", "Patient/p2", "2026-03-01T12:00:00Z"),
  }));
  REQUIRE(result.patients.size() == 2);
  const auto& p1 = patient(result, "p1");
  REQUIRE(p1.observations.size() == 3);
  CHECK(p1.observations[0].id == "a");
  CHECK(p1.observations[1].id == "d");
  CHECK(p1.observations[2].id == "f");
  const auto& p2 = patient(result, "p2");
  REQUIRE(p2.observations.size() == 2);
  CHECK(p2.observations[0].subject == "p2");
  CHECK(p2.observations[1].subject == "p2");
  REQUIRE(result.warnings.size() == 2);
  CHECK(result.warnings[0].entry == 2);
  CHECK(result.warnings[1].entry == 3);
  CHECK(result.warnings[1].message == "'Group/g1' is a Group, not a Patient; resource not kept");
}

TEST_CASE("warnings go to the owning patient's record; input-level ones to the result") {
  const auto result = read_json(bundle({
      temperature("t1", "Patient/p1", "2026-02-30T08:00:00Z"),
      R"({"resourceType": "Encounter", "id": "e1"})",
  }));
  const auto& record = patient(result, "p1");
  CHECK(record.observations.empty());
  CHECK(has_warning(record.warnings, "effectiveDateTime", "invalid dateTime '2026-02-30T08:00:00Z'"));
  REQUIRE(record.warnings.size() == 2);  // the invalid date, then "not used"
  CHECK(record.warnings[0].entry == 1);
  CHECK(record.warnings[0].resource == "Observation/t1");
  CHECK(record.warnings[0].input == "test.json");
  REQUIRE(result.warnings.size() == 1);
  CHECK(result.warnings[0].message == "'Encounter' is not read; 1 resource skipped");
}

// ---- Versions -------------------------------------------------------------------

TEST_CASE("versions: the highest numeric versionId wins, compared as numbers") {
  const auto result = read_json(bundle({
      temperature("t1", "Patient/p1", "2026-03-01T10:00:00Z", R"( "meta": {"versionId": "10"},)"),
      temperature("t1", "Patient/p1", "2026-03-01T09:00:00Z", R"( "meta": {"versionId": "9"},)"),
  }));
  const auto& record = patient(result, "p1");
  INFO(describe(record.warnings));
  CHECK(record.warnings.empty());
  REQUIRE(record.observations.size() == 1);
  CHECK(record.observations[0].version.version_id == "10");
  CHECK(record.observations[0].origin.entry == 1);
}

TEST_CASE("versions: lastUpdated decides when versionIds are not both numeric") {
  const auto result = read_json(bundle({
      temperature("t1", "Patient/p1", "2026-03-01T10:00:00Z",
                  R"( "meta": {"versionId": "b", "lastUpdated": "2026-03-02T00:00:00Z"},)"),
      temperature("t1", "Patient/p1", "2026-03-01T09:00:00Z",
                  R"( "meta": {"versionId": "a", "lastUpdated": "2026-03-01T00:00:00Z"},)"),
  }));
  const auto& record = patient(result, "p1");
  CHECK(record.warnings.empty());
  REQUIRE(record.observations.size() == 1);
  CHECK(record.observations[0].version.version_id == "b");
}

TEST_CASE("versions: duplicates without version information keep the later entry, with a warning") {
  const auto result = read_json(bundle({
      temperature("t1", "Patient/p1", "2026-03-01T10:00:00Z"),
      temperature("t1", "Patient/p1", "2026-03-01T09:00:00Z"),
  }));
  const auto& record = patient(result, "p1");
  REQUIRE(record.observations.size() == 1);
  CHECK(record.observations[0].origin.entry == 2);
  REQUIRE(record.warnings.size() == 1);
  CHECK(record.warnings[0].message.starts_with("duplicate id Observation/t1 without version information"));
  CHECK(record.warnings[0].message.ends_with("kept the later entry"));
  CHECK(record.warnings[0].entry == 2);
}

TEST_CASE("versions: an identical copy (e.g. in two overlapping exports) is silently one resource") {
  fhir::Intake intake(terminology());
  REQUIRE(intake.add_json(temperature("t1", "Patient/p1"), "a.json") == "");
  REQUIRE(intake.add_json(temperature("t1", "Patient/p1"), "b.json") == "");
  const auto result = intake.finish();
  const auto& record = patient(result, "p1");
  CHECK(record.warnings.empty());
  CHECK(record.observations.size() == 1);
}

TEST_CASE("versions: the same version twice with different content is a warning") {
  const auto result = read_json(bundle({
      temperature("t1", "Patient/p1", "2026-03-01T10:00:00Z", R"( "meta": {"versionId": "3"},)"),
      temperature("t1", "Patient/p1", "2026-03-01T09:00:00Z", R"( "meta": {"versionId": "3"},)"),
  }));
  const auto& record = patient(result, "p1");
  REQUIRE(record.warnings.size() == 1);
  CHECK(record.warnings[0].message.find("the same version (3) appears twice with different content") !=
        std::string::npos);
  CHECK(record.observations.size() == 1);
}

// DOM values handed to add_json_value are fingerprinted only when a second
// copy turns up; a copy from parsed text is fingerprinted as it is read. The
// comparisons must come out as they do for text.
TEST_CASE("versions: copies handed over as DOM values are compared by content, meta and member order aside") {
  const auto parsed = [](const std::string& text) {
    auto document = std::make_unique<rapidjson::Document>();
    REQUIRE(fhir::parse_json(text, *document).empty());
    return document;
  };
  const auto a = parsed(temperature("t1", "Patient/p1", "2026-03-01T10:00:00Z",
                                    R"( "meta": {"versionId": "3", "lastUpdated": "2026-03-01T10:05:00Z"},)"));
  // The same content with meta changed: one resource, no warning.
  auto b = parsed(temperature("t1", "Patient/p1", "2026-03-01T10:00:00Z",
                              R"( "meta": {"versionId": "3", "lastUpdated": "2026-03-02T00:00:00Z"},)"));
  // The same version with a different time: a warning.
  auto c = parsed(temperature("t1", "Patient/p1", "2026-03-01T09:00:00Z", R"( "meta": {"versionId": "3"},)"));

  fhir::Intake same(terminology());
  REQUIRE(same.add_json_value(*a, "a") == "");
  REQUIRE(same.add_json_value(*b, "b") == "");
  const auto same_result = same.finish();
  CHECK(patient(same_result, "p1").warnings.empty());
  CHECK(patient(same_result, "p1").observations.size() == 1);

  const auto in_order = parsed(R"({"resourceType": "Patient", "id": "p9", "gender": "female",
      "birthDate": "1970-01-01"})");
  const auto reordered = parsed(R"({"birthDate": "1970-01-01", "gender": "female",
      "id": "p9", "resourceType": "Patient"})");
  const auto changed = parsed(R"({"resourceType": "Patient", "id": "p9", "gender": "male",
      "birthDate": "1970-01-01"})");
  fhir::Intake orders(terminology());
  REQUIRE(orders.add_json_value(*in_order, "in-order") == "");
  REQUIRE(orders.add_json_value(*reordered, "reordered") == "");
  CHECK(orders.finish().warnings.empty());
  fhir::Intake changes(terminology());
  REQUIRE(changes.add_json_value(*in_order, "in-order") == "");
  REQUIRE(changes.add_json_value(*changed, "changed") == "");
  const auto changed_result = changes.finish();
  std::size_t duplicate_warnings = 0;
  for (const auto& warning : changed_result.warnings) {
    duplicate_warnings += warning.message.starts_with("duplicate id Patient/p9") ? 1 : 0;
  }
  for (const auto& [id, record] : changed_result.patients) {
    for (const auto& warning : record.warnings) {
      duplicate_warnings += warning.message.starts_with("duplicate id Patient/p9") ? 1 : 0;
    }
  }
  CHECK(duplicate_warnings == 1);

  fhir::Intake different(terminology());
  REQUIRE(different.add_json_value(*a, "a") == "");
  REQUIRE(different.add_json(temperature("t1", "Patient/p1", "2026-03-01T09:00:00Z",
                                         R"( "meta": {"versionId": "3"},)"),
                             "text.json") == "");
  REQUIRE(different.add_json_value(*c, "c") == "");
  const auto different_result = different.finish();
  const auto& record = patient(different_result, "p1");
  // a differs from the text copy; the text copy and c are identical.
  REQUIRE(record.warnings.size() == 1);
  CHECK(record.warnings[0].message.find("the same version (3) appears twice with different content "
                                        "(other copy: a)") != std::string::npos);
  REQUIRE(record.observations.size() == 1);
  CHECK(record.observations[0].origin.input == "c");
}

TEST_CASE("versions: an entered-in-error version supersedes and removes the earlier one") {
  const std::string retracted = R"({"resourceType": "Observation", "id": "t1",
      "meta": {"versionId": "2"}, "status": "entered-in-error",
      "subject": {"reference": "Patient/p1"}})";
  const auto result = read_json(bundle({
      temperature("t1", "Patient/p1", "2026-03-01T10:00:00Z", R"( "meta": {"versionId": "1"},)"),
      retracted,
  }));
  const auto& record = patient(result, "p1");
  CHECK(record.observations.empty());
  CHECK(record.dropped == 1);
  CHECK(record.warnings.empty());
}

TEST_CASE("versions: copies are grouped by type and id, among many resources that come once") {
  // Observation/x and Procedure/x are two resources; the copies of y and z
  // are interleaved with resources that come once.
  std::vector<std::string> entries;
  for (int i = 0; i < 40; ++i) entries.push_back(temperature("once-" + std::to_string(i), "Patient/p1"));
  entries.insert(entries.begin() + 3, temperature("y", "Patient/p1", "2026-03-01T08:00:00Z",
                                                  R"( "meta": {"versionId": "2"},)"));
  entries.insert(entries.begin() + 10, temperature("z", "Patient/p1", "2026-03-02T08:00:00Z",
                                                   R"( "meta": {"versionId": "1"},)"));
  entries.insert(entries.begin() + 20, temperature("y", "Patient/p1", "2026-03-03T08:00:00Z",
                                                   R"( "meta": {"versionId": "1"},)"));
  entries.insert(entries.begin() + 30, temperature("z", "Patient/p1", "2026-03-04T08:00:00Z",
                                                   R"( "meta": {"versionId": "3"},)"));
  entries.push_back(temperature("x", "Patient/p1", "2026-03-05T08:00:00Z"));
  entries.push_back(R"({"resourceType": "Procedure", "id": "x", "status": "completed",
      "code": {"text": "lumbar puncture"}, "subject": {"reference": "Patient/p1"},
      "performedDateTime": "2026-03-05T09:00:00Z"})");
  const auto result = read_json(bundle(entries));
  INFO(describe(result.warnings));
  const auto& record = patient(result, "p1");
  CHECK(record.warnings.empty());
  CHECK(record.observations.size() == 43);
  CHECK(record.procedures.size() == 1);
  const auto find = [&record](const std::string& id) {
    return std::find_if(record.observations.begin(), record.observations.end(),
                        [&id](const fhir::Observation& o) { return o.id == id; });
  };
  REQUIRE(find("y") != record.observations.end());
  CHECK(find("y")->version.version_id == "2");
  CHECK(fhir::format_instant(find("y")->effective.earliest) == "2026-03-01T08:00:00Z");
  REQUIRE(find("z") != record.observations.end());
  CHECK(find("z")->version.version_id == "3");
  CHECK(find("x") != record.observations.end());
}

TEST_CASE("versions are resolved across inputs") {
  fhir::Intake intake(terminology());
  REQUIRE(intake.add_json(temperature("t1", "Patient/p1", "2026-03-01T10:00:00Z",
                                      R"( "meta": {"versionId": "2"},)"),
                          "later.json") == "");
  REQUIRE(intake.add_json(temperature("t1", "Patient/p1", "2026-03-01T09:00:00Z",
                                      R"( "meta": {"versionId": "1"},)"),
                          "earlier.json") == "");
  const auto result = intake.finish();
  const auto& record = patient(result, "p1");
  REQUIRE(record.observations.size() == 1);
  CHECK(record.observations[0].origin.input == "later.json");
}

// ---- Sorting --------------------------------------------------------------------

TEST_CASE("observations are sorted by effective time, then id") {
  const auto result = read_json(bundle({
      temperature("c", "Patient/p1", "2026-03-01T10:00:00Z"),
      temperature("b", "Patient/p1", "2026-03-01T08:00:00Z"),
      temperature("a", "Patient/p1", "2026-03-01T10:00:00Z"),
  }));
  const auto& observations = patient(result, "p1").observations;
  REQUIRE(observations.size() == 3);
  CHECK(observations[0].id == "b");
  CHECK(observations[1].id == "a");
  CHECK(observations[2].id == "c");
}

// ---- Bad input ------------------------------------------------------------------

TEST_CASE("bad input: malformed JSON is an error naming the input, line and column") {
  fhir::Intake intake(terminology());
  CHECK(intake.add_json("{\"resourceType\": \"Bundle\",\n \"entry\": [,]}", "bad.json") ==
        "bad.json: line 2, column 12: Invalid value.");
}

TEST_CASE("bad input: JSON nested thousands deep is an error, not a crash") {
  fhir::Intake intake(terminology());
  const std::string deep = "{\"resourceType\": \"Bundle\", \"entry\": " + std::string(100'000, '[') +
                           std::string(100'000, ']') + "}";
  CHECK(intake.add_json(deep, "deep.json") == "deep.json: line 1, column 100: nesting deeper than 64 levels");
}

TEST_CASE("bad input: a top-level array, number or non-resource object is an error") {
  fhir::Intake intake(terminology());
  CHECK(intake.add_json("[]", "a.json") ==
        "a.json: top-level JSON is array; expected a FHIR resource or Bundle (an object)");
  CHECK(intake.add_json("42", "n.json") ==
        "n.json: top-level JSON is number; expected a FHIR resource or Bundle (an object)");
  CHECK(intake.add_json(R"({"id": "x"})", "o.json") ==
        "o.json: top-level object has no resourceType string; not a FHIR resource");
}

TEST_CASE("bad input: empty input is an error for JSON and a warning for NDJSON") {
  fhir::Intake intake(terminology());
  CHECK(intake.add_json(" \n", "e.json") ==
        "e.json: empty input; expected a FHIR resource, a Bundle or NDJSON");
  std::istringstream empty("\n\n");
  CHECK(intake.add_ndjson(empty, "e.ndjson") == "");
  const auto result = intake.finish();
  REQUIRE(result.warnings.size() == 1);
  CHECK(result.warnings[0].message == "no resources (empty NDJSON input)");
}

TEST_CASE("bad input: wrong JSON types are warnings naming the entry and field") {
  const std::string status_number = R"({"resourceType": "Observation", "id": "s", "status": 5,
      "code": {"coding": [{"system": "http://loinc.org", "code": "8310-5"}]},
      "subject": {"reference": "Patient/p1"}, "effectiveDateTime": "2026-03-01T08:00:00Z",
      "valueQuantity": {"value": 38.2, "unit": "Cel", "system": "http://unitsofmeasure.org", "code": "Cel"}})";
  const std::string quantity_string = R"({"resourceType": "Observation", "id": "q", "status": "final",
      "code": {"coding": [{"system": "http://loinc.org", "code": "8310-5"}]},
      "subject": {"reference": "Patient/p1"}, "effectiveDateTime": "2026-03-01T09:00:00Z",
      "valueQuantity": "38"})";
  const auto result = read_json(bundle({status_number, quantity_string}));
  const auto& record = patient(result, "p1");
  INFO(describe(record.warnings));
  REQUIRE(record.observations.size() == 2);
  CHECK(record.observations[0].status == fhir::ObservationStatus::unknown);
  CHECK(record.observations[0].value.number == Approx(38.2));
  CHECK(record.observations[1].value.kind == fhir::Value::Kind::none);
  REQUIRE(record.warnings.size() == 2);
  CHECK(record.warnings[0].entry == 1);
  CHECK(record.warnings[0].field == "status");
  CHECK(record.warnings[0].message == "expected string, found number; not read");
  CHECK(record.warnings[1].entry == 2);
  CHECK(record.warnings[1].field == "valueQuantity");
  CHECK(record.warnings[1].message == "expected object, found string; not read");
}

TEST_CASE("bad input: entry that is not an array, or entries that are not objects") {
  const auto result = read_json(R"({"resourceType": "Bundle", "type": "collection", "entry": {}})");
  REQUIRE(result.warnings.size() == 1);
  CHECK(result.warnings[0].field == "entry");
  CHECK(result.warnings[0].message == "expected array, found object; not read");

  const auto second = read_json(R"({"resourceType": "Bundle", "type": "collection",
      "entry": ["x", {"resource": 7}, {"resource": {"resourceType": 3}}, {}]})");
  INFO(describe(second.warnings));
  REQUIRE(second.warnings.size() == 4);
  CHECK(second.warnings[0].entry == 1);
  CHECK(second.warnings[0].message == "expected object, found string; skipped");
  CHECK(second.warnings[1].entry == 2);
  CHECK(second.warnings[1].field == "resource");
  CHECK(second.warnings[2].entry == 3);
  CHECK(second.warnings[2].field == "resourceType");
  CHECK(second.warnings[3].entry == 4);
  CHECK(second.warnings[3].message == "missing; entry skipped");
}

TEST_CASE("bad input: unknown resource types are one warning per type per input") {
  const auto result = read_json(bundle({
      R"({"resourceType": "Encounter", "id": "e1"})",
      R"({"resourceType": "Condition", "id": "c1"})",
      R"({"resourceType": "Encounter", "id": "e2"})",
      R"({"resourceType": "Spaceship", "id": "s1"})",
  }));
  REQUIRE(result.warnings.size() == 3);
  CHECK(count_warnings(result.warnings, "resourceType", "'Encounter' is not read; 2 resources skipped") == 1);
  CHECK(count_warnings(result.warnings, "resourceType", "'Condition' is not read; 1 resource skipped") == 1);
  CHECK(count_warnings(result.warnings, "resourceType", "'Spaceship' is not read") == 1);
}

TEST_CASE("bad input: a resource without id is kept under a synthetic id, with a warning") {
  const std::string text = R"({"resourceType": "Observation", "status": "final",
      "code": {"coding": [{"system": "http://loinc.org", "code": "8310-5"}]},
      "subject": {"reference": "Patient/p1"}, "effectiveDateTime": "2026-03-01T08:00:00Z",
      "valueQuantity": {"value": 38.2, "system": "http://unitsofmeasure.org", "code": "Cel"}})";
  const auto result = read_json(bundle({text, text}));
  const auto& record = patient(result, "p1");
  REQUIRE(record.observations.size() == 2);  // never deduplicated with each other
  CHECK(record.observations[0].id == "test.json#1");
  CHECK(record.observations[1].id == "test.json#2");
  REQUIRE(record.warnings.size() == 2);
  CHECK(record.warnings[0].field == "id");
  CHECK(record.warnings[0].message.find("kept as test.json#1") != std::string::npos);
}

TEST_CASE("bad input: an over-size document is an error telling to use NDJSON") {
  IntakeLimits limits;
  limits.max_document_bytes = 100;
  fhir::Intake intake(terminology(), limits);
  const std::string text = bundle({temperature("t1", "Patient/p1")});
  const std::string error = intake.add_json(text, "big.json");
  CHECK(error.starts_with("big.json: " + std::to_string(text.size()) + " bytes is over the limit of 100 bytes"));
  CHECK(error.find("NDJSON") != std::string::npos);

  const auto path = temp_file("big.json", text);
  const std::string file_error = intake.add_file(path.string());
  CHECK(file_error.starts_with(path.string() + ": " + std::to_string(text.size()) + " bytes is over the limit"));
  CHECK(file_error.find("NDJSON") != std::string::npos);
  std::filesystem::remove(path);
}

TEST_CASE("bad input: an over-long NDJSON line is skipped with a warning and reading goes on") {
  IntakeLimits limits;
  limits.max_line_bytes = 600;
  const std::string long_line = temperature("big", "Patient/p1", "2026-03-01T08:00:00Z",
                                            R"( "note": [{"text": ")" + std::string(5000, 'x') + R"("}],)");
  const auto result = read_ndjson(long_line + "\n" + temperature("t1", "Patient/p1") + "\n", limits);
  REQUIRE(result.warnings.size() == 1);
  CHECK(result.warnings[0].entry == 1);
  CHECK(result.warnings[0].message == "line longer than 600 bytes; skipped");
  const auto& record = patient(result, "p1");
  REQUIRE(record.observations.size() == 1);
  CHECK(record.observations[0].id == "t1");
  CHECK(record.observations[0].origin.entry == 2);
}

TEST_CASE("bad input: an over-long last NDJSON line without newline is still reported") {
  IntakeLimits limits;
  limits.max_line_bytes = 10;
  fhir::Intake intake(terminology(), limits);
  std::istringstream in(std::string(200'000, ' ') + "x");
  CHECK(intake.add_ndjson(in, "tail.ndjson") == "");
  const auto result = intake.finish();
  REQUIRE(result.warnings.size() == 1);
  CHECK(result.warnings[0].message == "line longer than 10 bytes; skipped");
}

TEST_CASE("bad input: a malformed NDJSON line is a warning with its line number") {
  const auto result = read_ndjson(temperature("t1", "Patient/p1") + "\n{\"resourceType\": \n" +
                                  "[1]\n" + temperature("t2", "Patient/p1", "2026-03-02T08:00:00Z"));
  INFO(describe(result.warnings));
  REQUIRE(result.warnings.size() == 2);
  CHECK(result.warnings[0].entry == 2);
  CHECK(result.warnings[0].message.starts_with("malformed JSON (column "));
  CHECK(result.warnings[1].entry == 3);
  CHECK(result.warnings[1].message == "expected a FHIR resource (an object), found array; line skipped");
  CHECK(patient(result, "p1").observations.size() == 2);
}

TEST_CASE("bad input: more resources than max_resources is an error") {
  IntakeLimits limits;
  limits.max_resources = 2;
  fhir::Intake intake(terminology(), limits);
  const std::string error = intake.add_json(
      bundle({temperature("a", "Patient/p1"), temperature("b", "Patient/p1"),
              temperature("c", "Patient/p1")}),
      "many.json");
  CHECK(error == "many.json entry 3: more than 2 resources in the inputs; split them or raise the limit");
}

TEST_CASE("bad input: a nested Bundle and a DELETE entry are warned about") {
  const auto result = read_json(R"({"resourceType": "Bundle", "type": "transaction", "entry": [
      {"resource": {"resourceType": "Bundle", "type": "collection"}},
      {"request": {"method": "DELETE", "url": "Observation/t1"}},
      {"response": {"status": "201 Created"}}]})");
  REQUIRE(result.warnings.size() == 2);
  CHECK(result.warnings[0].message == "a Bundle inside a Bundle is not read");
  CHECK(result.warnings[1].message == "DELETE is not applied; earlier copies are still read");
}

TEST_CASE("finish() leaves the intake empty for the next batch") {
  fhir::Intake intake(terminology());
  REQUIRE(intake.add_json(temperature("t1", "Patient/p1"), "a.json") == "");
  CHECK(intake.finish().patients.size() == 1);
  CHECK(intake.finish().patients.empty());
}

TEST_CASE("warnings not filed under a patient are listed by input, then entry") {
  fhir::Intake intake(terminology());
  const std::string orphan = R"({"resourceType": "Observation", "id": "o", "status": "final", "code": {"text": "x"}, "effectiveDateTime": "2026-03-01"})";
  REQUIRE(intake.add_json(bundle({R"({"resourceType": "Encounter", "id": "e"})", orphan,
                                  R"({"resourceType": "Encounter", "id": "e2"})"}),
                          "first.json") == "");
  std::istringstream lines("[]\n");
  REQUIRE(intake.add_ndjson(lines, "second.ndjson") == "");
  const auto result = intake.finish();
  REQUIRE(result.warnings.size() == 3);
  CHECK(result.warnings[0].input == "first.json");
  CHECK(result.warnings[0].entry == 1);  // Encounter, first seen in entry 1
  CHECK(result.warnings[1].input == "first.json");
  CHECK(result.warnings[1].entry == 2);  // the observation without subject
  CHECK(result.warnings[2].input == "second.ndjson");
}

TEST_CASE("observations coded only in a local system are counted and said once per patient") {
  const auto local = [](const char* id, const char* code) {
    return std::string(R"({"resourceType": "Observation", "id": ")") + id +
           R"(", "status": "final", "subject": {"reference": "Patient/p1"},
               "code": {"coding": [{"system": "urn:oid:1.2.3.4", "code": ")" + code +
           R"("}]}, "effectiveDateTime": "2026-03-01T08:00:00Z", "valueInteger": 7})";
  };
  const auto unknown_loinc = R"({"resourceType": "Observation", "id": "hr", "status": "final",
      "subject": {"reference": "Patient/p1"},
      "code": {"coding": [{"system": "http://loinc.org", "code": "99999-9"}]},
      "effectiveDateTime": "2026-03-01T08:00:00Z", "valueInteger": 7})";
  const auto result = read_json(bundle({local("a", "ICE1"), local("b", "ICE2"), unknown_loinc}));
  const auto& warnings = patient(result, "p1").warnings;
  INFO(describe(warnings));
  CHECK(count_warnings(warnings, "code", "2 Observation(s) coded only in 'urn:oid:1.2.3.4'") == 1);
  CHECK(count_warnings(warnings, "code", "http://loinc.org") == 0);
}

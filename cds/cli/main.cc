// icans-cds: one program, one subcommand per job.
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "cds/cli/commands.h"

namespace {

struct Command {
  std::string_view name;
  std::string_view summary;
  int (*run)(int argc, char** argv);
};

const Command kCommands[] = {
    {"inspect", "print the parsed record of FHIR inputs: resources per patient, warnings",
     icans::cli::run_inspect},
    {"replay", "grade each patient in FHIR inputs: ICE/CAPD, ICANS and CRS with their evidence",
     icans::cli::run_replay},
    {"serve", "run the CDS Hooks 2.0 service (discovery, patient-view, order-select, order-sign)",
     icans::cli::run_serve},
    {"audit", "print the audit record and feedback the service stored for one card",
     icans::cli::run_audit},
};

void print_usage(std::ostream& out) {
  out << "usage: icans-cds <command> [options]\n\ncommands:\n";
  for (const auto& command : kCommands) {
    out << "  " << command.name << std::string(10 - command.name.size(), ' ') << command.summary
        << "\n";
  }
  out << "\n'icans-cds <command> --help' describes a command's options.\n";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    print_usage(std::cerr);
    return 2;
  }
  const std::string_view name = argv[1];
  if (name == "--help" || name == "-h" || name == "help") {
    print_usage(std::cout);
    return 0;
  }
  for (const auto& command : kCommands) {
    if (command.name == name) return command.run(argc - 1, argv + 1);
  }
  std::cerr << "icans-cds: unknown command '" << name << "'\n";
  print_usage(std::cerr);
  return 2;
}

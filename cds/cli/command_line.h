#pragma once
// The command line of a subcommand that reads FHIR files: its options plus
// any number of positional FILE arguments, parsed one way for all of them.

#include <optional>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

namespace icans::cli {

// Parses argv into `values` and `files`. Returns the exit code when the
// command must stop here (0 after printing --help, 2 after a bad option,
// with the reason on stderr naming `command`), nothing when it goes on.
std::optional<int> parse_command_line(int argc, char** argv,
                                      const boost::program_options::options_description& options,
                                      const char* command,
                                      boost::program_options::variables_map& values,
                                      std::vector<std::string>& files);

}  // namespace icans::cli

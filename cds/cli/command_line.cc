#include "cds/cli/command_line.h"

#include <iostream>

namespace icans::cli {

namespace po = boost::program_options;

std::optional<int> parse_command_line(int argc, char** argv, const po::options_description& options,
                                      const char* command, po::variables_map& values,
                                      std::vector<std::string>& files) {
  po::options_description hidden;
  hidden.add_options()("file", po::value(&files));
  po::positional_options_description positional;
  positional.add("file", -1);
  po::options_description all;
  all.add(options).add(hidden);
  try {
    po::store(po::command_line_parser(argc, argv).options(all).positional(positional).run(), values);
    po::notify(values);
  } catch (const po::error& e) {
    std::cerr << command << ": " << e.what() << "\n";
    return 2;
  }
  if (values.count("help")) {
    std::cout << options << "\n";
    return 0;
  }
  return std::nullopt;
}

}  // namespace icans::cli

#include "cds/cli/commands.h"

#include <iostream>

namespace icans::cli {

int run_inspect(int, char**) {
  std::cerr << "inspect: not built yet\n";
  return 2;
}

}  // namespace icans::cli

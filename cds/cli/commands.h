#pragma once
// Entry points of the subcommands; argv[0] is the subcommand's name.

namespace icans::cli {

int run_inspect(int argc, char** argv);
int run_replay(int argc, char** argv);
int run_serve(int argc, char** argv);
int run_audit(int argc, char** argv);

}  // namespace icans::cli

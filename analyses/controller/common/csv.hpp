// CSV output of the controller analyses: each file starts with '# command:', '# commit:' and
// '# blas:' lines (the seed is in the command), then a header and rows of numbers/words.
#pragma once

#include <fstream>
#include <string>

namespace controller {

// The command line as typed (argv joined by spaces), set once by main.
void set_command_line(int argc, char** argv);
const std::string& command_line();

// Opens `path` (creating its directory) and writes the provenance lines; throws on failure.
std::ofstream open_csv(const std::string& path);

// "command: ..." and "commit: ..." lines, which main prints first on stderr so that a run's
// progress log (analyses/controller/common.sh keeps it) names what made it.
std::string provenance_lines();

}  // namespace controller

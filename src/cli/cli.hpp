#pragma once
// The command-line front end: parses arguments, runs a command, and turns
// every error into a message on stderr and a documented exit code.

namespace migrate::cli {

// Runs `migrate` with the process arguments and returns the exit code.
int main(int argc, char **argv);

} // namespace migrate::cli

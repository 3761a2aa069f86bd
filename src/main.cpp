#include "cli/cli.hpp"

int main(int argc, char **argv) {
  return migrate::cli::main(argc, argv);
}

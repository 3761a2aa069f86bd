#pragma once
// The subcommands, each a plain function of its options. No CLI11 here.

#include "migrate/settings.hpp"

#include <optional>
#include <string>

namespace migrate::cli {

// Options of `up`, `down` and `redo`.
struct MigrateOptions {
  std::optional<std::string> to;
  std::optional<std::size_t> count;
  bool allow_out_of_order = false;
  bool single_transaction = false;
};

struct StatusOptions {
  bool json = false;
};

struct NewOptions {
  std::string name;
};

// Each returns the exit code on success and throws migrate::Error otherwise.
int run_up(const Settings &settings, const MigrateOptions &options);
int run_down(const Settings &settings, const MigrateOptions &options);
int run_redo(const Settings &settings, const MigrateOptions &options);
int run_status(const Settings &settings, const StatusOptions &options);
int run_new(const Settings &settings, const NewOptions &options);

} // namespace migrate::cli

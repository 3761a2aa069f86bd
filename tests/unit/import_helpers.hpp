#pragma once
// Helpers for the `migrate import` tests.

#include "migrate/import.hpp"

#include <string>
#include <vector>

namespace migrate_test {

// The `<version>_<name>` of every imported migration, in order.
inline std::vector<std::string> ids(const migrate::ImportResult &result) {
  std::vector<std::string> out;
  for (const auto &m : result.migrations) {
    out.push_back(m.id());
  }
  return out;
}

// True when a note (a warning when `warning`) contains `part`.
inline bool has_note(const migrate::ImportResult &result, const std::string &part, bool warning) {
  for (const auto &note : result.notes) {
    if (note.warning == warning && note.text.find(part) != std::string::npos) {
      return true;
    }
  }
  return false;
}

} // namespace migrate_test

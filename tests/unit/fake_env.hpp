#pragma once
// An EnvLookup over a fixed map, for tests of configuration and settings.

#include "migrate/config.hpp"

#include <map>
#include <optional>
#include <string>
#include <utility>

namespace migrate_test {

inline migrate::EnvLookup fake_env(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const std::string &name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) {
      return std::nullopt;
    }
    return it->second;
  };
}

} // namespace migrate_test

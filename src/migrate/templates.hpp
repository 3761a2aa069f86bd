#pragma once
// The files `migrate new` writes.

#include <filesystem>
#include <string>

namespace migrate {

struct Templates {
  std::string up;
  std::string down;
};

// The templates built into the binary (from the project's templates/).
Templates default_templates();

// Reads `dir/up.sql` and `dir/down.sql`. Throws UsageError naming the file
// when either cannot be read.
Templates load_templates(const std::filesystem::path &dir);

} // namespace migrate

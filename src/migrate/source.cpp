#include "migrate/source.hpp"

#include "migrate/error.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <unordered_set>

namespace fs = std::filesystem;

namespace migrate {

namespace {

// Names that may sit in the tree without being migrations.
bool is_ignored(const std::string &name) {
  return name.empty() || name[0] == '.' || name.rfind("README", 0) == 0;
}

void read_migration_dir(Migration &migration) {
  std::error_code ec;
  for (fs::directory_iterator it(migration.dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (is_ignored(name)) {
      continue;
    }
    const bool regular = it->is_regular_file(ec);
    if (name == "up.sql" && regular) {
      migration.has_up = true;
    } else if (name == "down.sql" && regular) {
      migration.has_down = true;
    } else {
      throw TreeError(it->path().string() +
                      ": unexpected entry in a migration directory (expected up.sql and down.sql)");
    }
  }
  if (ec) {
    throw TreeError(migration.dir.string() + ": cannot read directory: " + ec.message());
  }
  if (!migration.has_up) {
    throw TreeError(migration.up_path().string() + ": missing");
  }
}

void write_new_file(const fs::path &path, const std::string &content) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
  if (fd < 0) {
    throw Error(ExitCode::failure, path.string() + ": cannot create: " + std::strerror(errno));
  }
  std::size_t written = 0;
  while (written < content.size()) {
    const ssize_t n = ::write(fd, content.data() + written, content.size() - written);
    if (n < 0) {
      const int saved = errno;
      ::close(fd);
      throw Error(ExitCode::failure, path.string() + ": cannot write: " + std::strerror(saved));
    }
    written += static_cast<std::size_t>(n);
  }
  if (::close(fd) != 0) {
    throw Error(ExitCode::failure, path.string() + ": cannot write: " + std::strerror(errno));
  }
}

} // namespace

std::vector<Migration> read_tree(const fs::path &dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    throw TreeError(dir.string() + ": migrations directory does not exist");
  }
  std::vector<Migration> migrations;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (is_ignored(name)) {
      continue;
    }
    auto parsed = parse_dir_name(name);
    if (!parsed) {
      throw TreeError(it->path().string() +
                      ": not a migration directory name (expected <YYYYMMDDHHMMSS>_<name>, "
                      "name of [a-z0-9_-])");
    }
    if (!it->is_directory(ec)) {
      throw TreeError(it->path().string() + ": a migration must be a directory");
    }
    Migration migration;
    migration.version = parsed->version;
    migration.name = std::move(parsed->name);
    migration.dir = it->path();
    migrations.push_back(std::move(migration));
  }
  if (ec) {
    throw TreeError(dir.string() + ": cannot read directory: " + ec.message());
  }
  std::sort(migrations.begin(), migrations.end(),
            [](const Migration &a, const Migration &b) { return a.version < b.version; });
  for (std::size_t i = 1; i < migrations.size(); ++i) {
    if (migrations[i].version == migrations[i - 1].version) {
      throw TreeError(migrations[i].dir.string() + ": duplicate version " +
                      format_version(migrations[i].version) + " (also " +
                      migrations[i - 1].dir.string() + ")");
    }
  }
  for (auto &migration : migrations) {
    read_migration_dir(migration);
  }
  return migrations;
}

std::string read_sql_file(const fs::path &path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    throw TreeError(path.string() + ": cannot read: " + std::strerror(errno));
  }
  struct stat info {};
  std::string content;
  if (::fstat(fd, &info) == 0 && info.st_size > 0) {
    content.reserve(static_cast<std::size_t>(info.st_size));
  }
  char buffer[65536];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0) {
      const int saved = errno;
      ::close(fd);
      throw TreeError(path.string() + ": cannot read: " + std::strerror(saved));
    }
    if (n == 0) {
      break;
    }
    content.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return content;
}

fs::path create_migration(const fs::path &dir, const std::string &name, std::time_t now,
                          const Templates &templates) {
  const std::string slug = slugify(name);
  if (slug.empty()) {
    throw UsageError("migration name '" + name + "' has no letters or digits to use");
  }
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    throw Error(ExitCode::failure, dir.string() + ": cannot create directory: " + ec.message());
  }
  std::unordered_set<Version> taken;
  for (const auto &migration : read_tree(dir)) {
    taken.insert(migration.version);
  }
  Version version = version_from_time(now);
  for (;;) {
    while (taken.count(version) != 0) {
      version = next_second(version);
    }
    const fs::path target = dir / (format_version(version) + "_" + slug);
    if (::mkdir(target.c_str(), 0777) == 0) {
      write_new_file(target / "up.sql", templates.up);
      write_new_file(target / "down.sql", templates.down);
      return target;
    }
    if (errno != EEXIST) {
      throw Error(ExitCode::failure, target.string() + ": cannot create: " + std::strerror(errno));
    }
    taken.insert(version);
  }
}

Templates load_templates(const fs::path &dir) {
  Templates templates;
  try {
    templates.up = read_sql_file(dir / "up.sql");
    templates.down = read_sql_file(dir / "down.sql");
  } catch (const TreeError &e) {
    throw UsageError(std::string("templates: ") + e.what());
  }
  return templates;
}

} // namespace migrate

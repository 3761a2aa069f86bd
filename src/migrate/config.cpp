#include "migrate/config.hpp"

#include "migrate/conninfo.hpp"
#include "migrate/error.hpp"

#include <fstream>
#include <iterator>
#include <sstream>

#include <set>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

namespace fs = std::filesystem;

namespace migrate {

namespace {

std::string where(const fs::path &path, const YAML::Mark &mark) {
  if (mark.line < 0) {
    return path.string();
  }
  return path.string() + ":" + std::to_string(mark.line + 1) + ":" +
         std::to_string(mark.column + 1);
}

// Replaces ${NAME} with the variable's value; a `$` not followed by `{`
// stays as it is.
std::string interpolate(const std::string &value, const std::string &location,
                        const EnvLookup &lookup) {
  std::string out;
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (value[i] != '$' || i + 1 >= value.size() || value[i + 1] != '{') {
      out += value[i];
      continue;
    }
    const std::size_t close = value.find('}', i + 2);
    if (close == std::string::npos) {
      throw UsageError(location + ": unterminated ${ in value");
    }
    const std::string name = value.substr(i + 2, close - i - 2);
    if (name.empty()) {
      throw UsageError(location + ": empty ${} in value");
    }
    auto found = lookup(name);
    if (!found) {
      throw UsageError(location + ": environment variable " + name + " is not set");
    }
    out += *found;
    i = close;
  }
  return out;
}

// The value of `key` (whose name is `key_node`) with its ${VAR}s replaced.
std::string scalar(const YAML::Node &key_node, const YAML::Node &node, const fs::path &path,
                   const EnvLookup &lookup) {
  const std::string key = key_node.Scalar();
  if (node.IsNull()) {
    // `key:` with nothing after it: yaml-cpp marks the null where the next token starts.
    throw UsageError(where(path, key_node.Mark()) + ": " + key + " has no value");
  }
  if (!node.IsScalar()) {
    throw UsageError(where(path, node.Mark()) + ": " + key + " must be a single value");
  }
  return interpolate(node.Scalar(), where(path, node.Mark()), lookup);
}

} // namespace

std::chrono::milliseconds parse_duration(std::string_view text, const std::string &what) {
  std::size_t digits = 0;
  unsigned long long value = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9' && digits < 12) {
    value = value * 10 + static_cast<unsigned long long>(text[digits] - '0');
    ++digits;
  }
  const std::string_view unit = text.substr(digits);
  const auto bad = [&]() {
    return UsageError(what + ": '" + std::string(text) +
                      "' is not a duration (use e.g. 500ms, 60s, 5m, 1h or 0)");
  };
  if (digits == 0) {
    throw bad();
  }
  using std::chrono::milliseconds;
  const auto count = static_cast<milliseconds::rep>(value);
  milliseconds result{0};
  if (unit == "ms") {
    result = milliseconds(count);
  } else if (unit == "s") {
    result = milliseconds(count * 1000);
  } else if (unit == "m" || unit == "min") {
    result = milliseconds(count * 60 * 1000);
  } else if (unit == "h") {
    result = milliseconds(count * 3600 * 1000);
  } else if (!unit.empty() || value != 0) {
    throw bad();
  }
  // PostgreSQL's lock_timeout and statement_timeout take at most INT_MAX ms; the other
  // durations keep to the same bound.
  if (result.count() > 2147483647) {
    throw UsageError(what + ": '" + std::string(text) +
                     "' is too long (at most 2147483647ms, about 596h: PostgreSQL's limit)");
  }
  return result;
}

std::string format_duration(std::chrono::milliseconds value) {
  const auto ms = value.count();
  if (ms == 0) {
    return "0";
  }
  if (ms % 3600000 == 0) {
    return std::to_string(ms / 3600000) + "h";
  }
  if (ms % 60000 == 0) {
    return std::to_string(ms / 60000) + "m";
  }
  if (ms % 1000 == 0) {
    return std::to_string(ms / 1000) + "s";
  }
  return std::to_string(ms) + "ms";
}

unsigned parse_count(std::string_view text, const std::string &what) {
  if (text.empty() || text.size() > 4) {
    throw UsageError(what + ": '" + std::string(text) + "' is not a count (0 to 1000)");
  }
  unsigned value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') {
      throw UsageError(what + ": '" + std::string(text) + "' is not a count (0 to 1000)");
    }
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  if (value > 1000) {
    throw UsageError(what + ": '" + std::string(text) + "' is not a count (0 to 1000)");
  }
  return value;
}

namespace {

// Reads the whole file, refusing one over k_max_config_bytes.
std::string read_config_text(const fs::path &path) {
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  if (ec) {
    throw UsageError(path.string() + ": cannot read the configuration file (" + ec.message() + ")");
  }
  if (size > k_max_config_bytes) {
    throw UsageError(path.string() + ": the configuration file is " + std::to_string(size) +
                     " bytes; the limit is 1 MiB");
  }
  std::ifstream in(path, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in.good() && !in.eof()) {
    throw UsageError(path.string() + ": cannot read the configuration file");
  }
  return text;
}

// Walks the YAML events once to refuse what the node API hides: anchors,
// aliases (and so merge keys) and a second document.
class StructureCheck final : public YAML::EventHandler {
public:
  explicit StructureCheck(const fs::path &path) : m_path(path) {}
  void OnDocumentStart(const YAML::Mark &mark) override {
    if (++m_documents > 1) {
      throw UsageError(where(m_path, mark) +
                       ": more than one YAML document; the configuration is one map");
    }
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark &mark, YAML::anchor_t anchor) override { anchored(mark, anchor); }
  void OnAlias(const YAML::Mark &mark, YAML::anchor_t) override {
    throw UsageError(where(m_path, mark) +
                     ": YAML aliases (*name, <<: *name) are not allowed; write the values out");
  }
  void OnScalar(const YAML::Mark &mark, const std::string &, YAML::anchor_t anchor,
                const std::string &) override {
    anchored(mark, anchor);
  }
  void OnSequenceStart(const YAML::Mark &mark, const std::string &, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    anchored(mark, anchor);
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark &mark, const std::string &, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    anchored(mark, anchor);
  }
  void OnMapEnd() override {}
  void OnAnchor(const YAML::Mark &mark, const std::string &name) override {
    throw UsageError(where(m_path, mark) + ": YAML anchors (&" + name +
                     ") are not allowed; write the values out");
  }

private:
  void anchored(const YAML::Mark &mark, YAML::anchor_t anchor) const {
    if (anchor != YAML::NullAnchor) {
      throw UsageError(where(m_path, mark) +
                       ": YAML anchors (&name) are not allowed; write the values out");
    }
  }

  const fs::path &m_path;
  int m_documents = 0;
};

YAML::Node parse_yaml(const fs::path &path, const std::string &text) {
  try {
    std::istringstream events(text);
    YAML::Parser parser(events);
    StructureCheck check(path);
    while (parser.HandleNextDocument(check)) {
    }
    return YAML::Load(text);
  } catch (const YAML::Exception &e) {
    throw UsageError(where(path, e.mark) + ": " + e.msg);
  }
}

// Throws UsageError when a map repeats a key (yaml-cpp keeps both).
void refuse_duplicate_keys(const YAML::Node &map, const fs::path &path) {
  std::set<std::string> seen;
  for (const auto &entry : map) {
    if (!entry.first.IsScalar()) {
      throw UsageError(where(path, entry.first.Mark()) + ": keys must be plain names");
    }
    if (!seen.insert(entry.first.Scalar()).second) {
      throw UsageError(where(path, entry.first.Mark()) + ": duplicate key '" +
                       entry.first.Scalar() + "'");
    }
  }
}

// True when `raw` (a value as written) carries a password that is not a ${VAR}.
bool literal_password_in(const std::string &key, const std::string &raw) {
  if (key == "password") {
    return !raw.empty() && raw.find("${") == std::string::npos;
  }
  for (const std::string &secret : secrets_in(raw)) {
    if (secret.find("${") == std::string::npos) {
      return true;
    }
  }
  return false;
}

std::vector<std::string> find_literal_passwords(const YAML::Node &root, const fs::path &path) {
  std::vector<std::string> found;
  for (const auto &env : root) {
    if (!env.second.IsMap()) {
      continue;
    }
    for (const auto &entry : env.second) {
      const std::string key = entry.first.Scalar();
      if ((key == "password" || key == "url") && entry.second.IsScalar() &&
          literal_password_in(key, entry.second.Scalar())) {
        found.push_back(where(path, entry.second.Mark()));
      }
    }
  }
  return found;
}

bool boolean(const YAML::Node &key_node, const YAML::Node &node, const fs::path &path,
             const EnvLookup &lookup) {
  const std::string value = scalar(key_node, node, path, lookup);
  if (value == "true" || value == "false") {
    return value == "true";
  }
  throw UsageError(where(path, node.Mark()) + ": " + key_node.Scalar() +
                   " must be true or false, not '" + value + "'");
}

} // namespace

ConfigFile load_config_file(const fs::path &path, const std::string &env, const EnvLookup &lookup,
                            bool must_exist) {
  const YAML::Node root = parse_yaml(path, read_config_text(path));
  if (root.IsNull()) {
    throw UsageError(path.string() + ": the configuration file is empty; expected a map of "
                                     "environments (e.g. development:, production:)");
  }
  if (!root.IsMap()) {
    throw UsageError(where(path, root.Mark()) +
                     ": expected a map of environments (e.g. development:, production:)");
  }
  refuse_duplicate_keys(root, path);
  ConfigFile file;
  file.literal_passwords = find_literal_passwords(root, path);
  YAML::Node node;
  bool found = false;
  std::string known;
  for (const auto &entry : root) {
    const std::string name = entry.first.Scalar();
    known += (known.empty() ? "" : ", ") + name;
    if (name == env) {
      node = entry.second;
      found = true;
    }
  }
  if (!found && !must_exist) {
    return file;
  }
  if (!found) {
    throw UsageError(path.string() + ": no environment '" + env +
                     "' (it has: " + (known.empty() ? std::string("none") : known) + ")");
  }
  if (node.IsNull()) {
    return file;
  }
  if (!node.IsMap()) {
    throw UsageError(where(path, node.Mark()) + ": environment '" + env + "' must be a map");
  }
  refuse_duplicate_keys(node, path);
  static const std::set<std::string> k_params = {"host",     "port",    "dbname",     "user",
                                                 "password", "sslmode", "sslrootcert"};
  EnvironmentConfig &config = file.environment;
  const fs::path base = path.parent_path();
  for (const auto &entry : node) {
    const std::string key = entry.first.Scalar();
    const YAML::Node &value = entry.second;
    if (k_params.count(key) != 0) {
      config.params[key] = scalar(entry.first, value, path, lookup);
    } else if (key == "url") {
      config.url = scalar(entry.first, value, path, lookup);
    } else if (key == "dir") {
      config.dir = base / scalar(entry.first, value, path, lookup);
    } else if (key == "templates") {
      config.templates = base / scalar(entry.first, value, path, lookup);
    } else if (key == "history_table") {
      config.history_table = scalar(entry.first, value, path, lookup);
    } else if (key == "lock_timeout") {
      config.lock_timeout =
          parse_duration(scalar(entry.first, value, path, lookup), where(path, value.Mark()));
    } else if (key == "ddl_lock_timeout") {
      config.ddl_lock_timeout =
          parse_duration(scalar(entry.first, value, path, lookup), where(path, value.Mark()));
    } else if (key == "statement_timeout") {
      config.statement_timeout =
          parse_duration(scalar(entry.first, value, path, lookup), where(path, value.Mark()));
    } else if (key == "lock_retries") {
      config.lock_retries =
          parse_count(scalar(entry.first, value, path, lookup), where(path, value.Mark()));
    } else if (key == "protected") {
      config.protected_env = boolean(entry.first, value, path, lookup);
    } else {
      throw UsageError(where(path, entry.first.Mark()) + ": unknown key '" + key +
                       "' (known: url, host, port, dbname, user, password, sslmode, "
                       "sslrootcert, dir, templates, history_table, lock_timeout, "
                       "ddl_lock_timeout, statement_timeout, lock_retries, protected)");
    }
    config.locations[key] = where(path, value.Mark());
  }
  if (config.url && !config.params.empty()) {
    throw UsageError(where(path, node.Mark()) + ": environment '" + env +
                     "' has both url and connection keys; use one or the other");
  }
  return file;
}

EnvironmentConfig load_config(const fs::path &path, const std::string &env, const EnvLookup &lookup,
                              bool must_exist) {
  return load_config_file(path, env, lookup, must_exist).environment;
}

} // namespace migrate

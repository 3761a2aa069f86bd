#include "migrate/server_message.hpp"

namespace migrate {

std::string first_line(const std::string &text) {
  std::string line = text.substr(0, text.find('\n'));
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) {
    line.pop_back();
  }
  return line;
}

void parse_server_message(const std::string &text, StepFailure &failure) {
  std::string *current = &failure.message;
  bool skip_caret = false;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) {
      end = text.size();
    }
    std::string line = text.substr(start, end - start);
    start = end + 1;
    auto take = [&line](const char *prefix, std::string &field) {
      const std::string p(prefix);
      if (line.rfind(p, 0) != 0) {
        return false;
      }
      std::size_t at = p.size();
      while (at < line.size() && line[at] == ' ') {
        ++at;
      }
      field = line.substr(at);
      return true;
    };
    if (skip_caret) {
      skip_caret = false;
      continue;
    }
    if (line.rfind("LINE ", 0) == 0) {
      skip_caret = true;
      current = nullptr;
      continue;
    }
    std::string ignored;
    if (take("ERROR:", failure.message) || take("FATAL:", failure.message)) {
      current = &failure.message;
    } else if (take("DETAIL:", failure.detail)) {
      current = &failure.detail;
    } else if (take("HINT:", failure.hint)) {
      current = &failure.hint;
    } else if (take("CONTEXT:", ignored) || take("QUERY:", ignored)) {
      current = nullptr;
    } else if (current != nullptr && !line.empty()) {
      *current += (current->empty() ? "" : " ") + line;
    }
  }
}

} // namespace migrate

#include "migrate/json.hpp"

#include <cstdio>

namespace migrate {

std::string json_string(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  out += '"';
  for (char c : text) {
    switch (c) {
    case '"':
      out += "\\\"";
      break;
    case '\\':
      out += "\\\\";
      break;
    case '\n':
      out += "\\n";
      break;
    case '\r':
      out += "\\r";
      break;
    case '\t':
      out += "\\t";
      break;
    default:
      if (static_cast<unsigned char>(c) < 0x20) {
        char buffer[8];
        std::snprintf(buffer, sizeof buffer, "\\u%04x", static_cast<unsigned>(c));
        out += buffer;
      } else {
        out += c;
      }
    }
  }
  out += '"';
  return out;
}

std::string json_string_array(const std::vector<std::string> &texts) {
  std::string out = "[";
  for (const std::string &text : texts) {
    out += out.size() == 1 ? "" : ",";
    out += json_string(text);
  }
  return out + "]";
}

} // namespace migrate

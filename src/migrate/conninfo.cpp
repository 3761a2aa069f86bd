#include "migrate/conninfo.hpp"

#include "migrate/hex.hpp"

#include <algorithm>
#include <cctype>

namespace migrate {

namespace {

bool is_url(const std::string &conninfo) {
  return conninfo.rfind("postgresql://", 0) == 0 || conninfo.rfind("postgres://", 0) == 0;
}

std::string percent_decode(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      const int hi = hex_digit_value(text[i + 1]);
      const int lo = hex_digit_value(text[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += text[i];
  }
  return out;
}

struct UrlParts {
  std::string_view userinfo;
  std::string_view hosts;
  std::string_view dbname;
  std::map<std::string, std::string> params; // percent-decoded values
  std::map<std::string, std::string> raw_params;
};

// Where the query ('?') of a URL starts, or npos, found as libpq finds it: after the user
// info, which runs to the first '@' before any '/' (so a '?' in a password is part of it).
std::size_t query_start(std::string_view url) {
  const std::size_t begin = url.find("://") + 3;
  std::size_t at = begin;
  while (at < url.size() && url[at] != '@' && url[at] != '/') {
    ++at;
  }
  return url.find('?', at < url.size() && url[at] == '@' ? at + 1 : begin);
}

// The separator before one more query parameter of `url`.
char query_separator(std::string_view url) {
  return query_start(url) == std::string_view::npos ? '?' : '&';
}

UrlParts split_url(std::string_view url) {
  UrlParts parts;
  const std::size_t query = query_start(url);
  std::string_view query_text = query == std::string_view::npos ? "" : url.substr(query + 1);
  std::string_view rest = url.substr(0, query);
  rest = rest.substr(rest.find("://") + 3);
  std::size_t at = 0;
  while (at < rest.size() && rest[at] != '@' && rest[at] != '/') {
    ++at;
  }
  if (at < rest.size() && rest[at] == '@') {
    parts.userinfo = rest.substr(0, at);
    rest = rest.substr(at + 1);
  }
  const std::size_t slash = rest.find('/');
  parts.hosts = rest.substr(0, slash);
  if (slash != std::string_view::npos) {
    parts.dbname = rest.substr(slash + 1);
  }
  while (!query_text.empty()) {
    const std::size_t amp = query_text.find('&');
    std::string_view pair = query_text.substr(0, amp);
    const std::size_t eq = pair.find('=');
    if (eq != std::string_view::npos) {
      std::string key(pair.substr(0, eq));
      parts.raw_params[key] = std::string(pair.substr(eq + 1));
      parts.params[key] = percent_decode(pair.substr(eq + 1));
    }
    query_text = amp == std::string_view::npos ? "" : query_text.substr(amp + 1);
  }
  return parts;
}

// Parses `key = value` pairs of a libpq keyword/value string.
// The keywords of a keyword/value string with their values unquoted and
// unescaped; `raw`, when given, gets each value as written (inside its quotes).
std::map<std::string, std::string>
split_keywords(const std::string &conninfo, std::map<std::string, std::string> *raw = nullptr) {
  std::map<std::string, std::string> out;
  std::size_t i = 0;
  const std::size_t n = conninfo.size();
  while (i < n) {
    while (i < n && std::isspace(static_cast<unsigned char>(conninfo[i]))) {
      ++i;
    }
    std::string key;
    while (i < n && conninfo[i] != '=' && !std::isspace(static_cast<unsigned char>(conninfo[i]))) {
      key += conninfo[i++];
    }
    while (i < n && (conninfo[i] == '=' || std::isspace(static_cast<unsigned char>(conninfo[i])))) {
      ++i;
    }
    std::string value;
    const bool quoted = i < n && conninfo[i] == '\'';
    const std::size_t start = quoted ? i + 1 : i;
    if (quoted) {
      for (++i; i < n && conninfo[i] != '\''; ++i) {
        if (conninfo[i] == '\\' && i + 1 < n) {
          ++i;
        }
        value += conninfo[i];
      }
      ++i;
    } else {
      while (i < n && !std::isspace(static_cast<unsigned char>(conninfo[i]))) {
        if (conninfo[i] == '\\' && i + 1 < n) {
          ++i;
        }
        value += conninfo[i++];
      }
    }
    if (!key.empty()) {
      out[key] = value;
      if (raw != nullptr) {
        const std::size_t end = std::min(n, quoted ? i - 1 : i);
        (*raw)[key] = conninfo.substr(start, end > start ? end - start : 0);
      }
    }
  }
  return out;
}

std::string describe_parts(const std::string &host, const std::string &port,
                           const std::string &dbname) {
  if (host.empty() && port.empty() && dbname.empty()) {
    return "the server named by the PG* variables";
  }
  std::string out = host.empty() ? std::string("default host") : host;
  if (!port.empty()) {
    out += ":" + port;
  }
  if (!dbname.empty()) {
    out += "/" + dbname;
  }
  return out;
}

} // namespace

std::string build_conninfo(const std::map<std::string, std::string> &params) {
  std::string out;
  for (const auto &[key, value] : params) {
    if (!out.empty()) {
      out += ' ';
    }
    out += key + "='";
    for (char c : value) {
      if (c == '\'' || c == '\\') {
        out += '\\';
      }
      out += c;
    }
    out += '\'';
  }
  return out;
}

std::string with_setting(const std::string &conninfo, const std::string &key,
                         const std::string &value) {
  // libpq takes the last of a repeated keyword or URL parameter.
  if (is_url(conninfo)) {
    std::string encoded;
    for (char c : value) {
      if (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_') {
        encoded += c;
      } else {
        static constexpr char k_hex[] = "0123456789ABCDEF";
        encoded += '%';
        encoded += k_hex[(static_cast<unsigned char>(c) >> 4) & 0xF];
        encoded += k_hex[static_cast<unsigned char>(c) & 0xF];
      }
    }
    return conninfo + query_separator(conninfo) + key + "=" + encoded;
  }
  return (conninfo.empty() ? "" : conninfo + " ") + build_conninfo({{key, value}});
}

std::string with_fallback_application_name(const std::string &conninfo, const std::string &name) {
  // One of the user's own stands.
  if (is_url(conninfo) ? split_url(conninfo).params.count("fallback_application_name") != 0
                       : split_keywords(conninfo).count("fallback_application_name") != 0) {
    return conninfo;
  }
  return with_setting(conninfo, "fallback_application_name", name);
}

std::string with_defaults(const std::string &conninfo,
                          const std::map<std::string, std::string> &defaults) {
  std::map<std::string, std::string> missing;
  if (is_url(conninfo)) {
    const UrlParts parts = split_url(conninfo);
    for (const auto &[key, value] : defaults) {
      if (parts.params.count(key) == 0) {
        missing[key] = value;
      }
    }
    std::string out = conninfo;
    for (const auto &[key, value] : missing) {
      out = with_setting(out, key, value);
    }
    return out;
  }
  const auto keywords = split_keywords(conninfo);
  for (const auto &[key, value] : defaults) {
    if (keywords.count(key) == 0) {
      missing[key] = value;
    }
  }
  if (missing.empty()) {
    return conninfo;
  }
  const std::string added = build_conninfo(missing);
  return conninfo.empty() ? added : added + " " + conninfo;
}

std::vector<std::string> secrets_in(const std::string &conninfo) {
  std::vector<std::string> secrets;
  auto add = [&secrets](const std::string &secret) {
    if (!secret.empty() && std::find(secrets.begin(), secrets.end(), secret) == secrets.end()) {
      secrets.push_back(secret);
    }
  };
  // Both as written and as meant: `password='it\\'s'` holds the secret "it's".
  const char *const secret_keys[] = {"password", "sslpassword"};
  // Anything with "://" is read as a URL here, even a scheme libpq does not take
  // (postgresql+psycopg2://, jdbc:postgresql://): its password must not be shown either.
  const std::size_t scheme_end = conninfo.find("://");
  if (scheme_end == std::string::npos) {
    std::map<std::string, std::string> raw;
    auto keywords = split_keywords(conninfo, &raw);
    for (const char *key : secret_keys) {
      if (auto it = keywords.find(key); it != keywords.end()) {
        add(it->second);
        add(raw[key]);
      }
    }
    return secrets;
  }
  UrlParts parts = split_url(conninfo);
  const std::size_t colon = parts.userinfo.find(':');
  if (colon != std::string_view::npos) {
    std::string raw(parts.userinfo.substr(colon + 1));
    add(raw);
    add(percent_decode(raw));
  }
  // A password with an unencoded '/', '@' or '?' is not where libpq looks for it, but it is
  // still a password: everything from the first ':' after the scheme to the last '@'.
  const std::size_t last_at = conninfo.rfind('@');
  const std::size_t user_colon = conninfo.find(':', scheme_end + 3);
  if (last_at != std::string::npos && user_colon != std::string::npos && user_colon < last_at) {
    const std::string candidate = conninfo.substr(user_colon + 1, last_at - user_colon - 1);
    add(candidate);
    // libpq ends the user info at the first '@': the rest of the password becomes the host.
    for (std::size_t at = candidate.find('@'); at != std::string::npos;
         at = candidate.find('@', at + 1)) {
      add(candidate.substr(at + 1));
    }
  }
  for (const char *key : secret_keys) {
    if (auto it = parts.raw_params.find(key); it != parts.raw_params.end()) {
      add(it->second);
      add(parts.params[key]);
    }
  }
  return secrets;
}

std::string redact(std::string text, const std::vector<std::string> &secrets) {
  // Longest first, so a secret containing another is not left half-redacted.
  std::vector<std::string> ordered = secrets;
  std::stable_sort(ordered.begin(), ordered.end(),
                   [](const std::string &a, const std::string &b) { return a.size() > b.size(); });
  for (const auto &secret : ordered) {
    if (secret.empty()) {
      continue;
    }
    for (std::size_t at = text.find(secret); at != std::string::npos;
         at = text.find(secret, at + 3)) {
      text.replace(at, secret.size(), "***");
    }
  }
  return text;
}

namespace {

std::string describe_parts_of(const std::string &conninfo) {
  if (!is_url(conninfo)) {
    auto keywords = split_keywords(conninfo);
    std::string host = keywords.count("host") ? keywords["host"] : keywords["hostaddr"];
    return describe_parts(host, keywords["port"], keywords["dbname"]);
  }
  UrlParts parts = split_url(conninfo);
  std::string host = percent_decode(parts.hosts);
  if (parts.params.count("host")) {
    host = parts.params["host"];
  }
  std::string port = parts.params.count("port") ? parts.params["port"] : "";
  if (host.find(':') != std::string::npos && host.find(',') == std::string::npos &&
      host.front() != '[') {
    port = host.substr(host.find(':') + 1);
    host = host.substr(0, host.find(':'));
  }
  return describe_parts(host, port, percent_decode(parts.dbname));
}

} // namespace

std::string describe_conninfo(const std::string &conninfo) {
  // A password with an unencoded '/' or '@' ends up where libpq looks for the host.
  return redact(describe_parts_of(conninfo), secrets_in(conninfo));
}

std::string with_session_defaults(const std::string &conninfo, bool has_connect_timeout_env) {
  std::string result =
      with_fallback_application_name(conninfo, std::string("migrate/") + MIGRATE_VERSION);
  result = with_defaults(result, {{"client_encoding", "UTF8"},
                                  {"keepalives", "1"},
                                  {"keepalives_idle", "30"},
                                  {"keepalives_interval", "10"},
                                  {"keepalives_count", "3"}});
  if (!has_connect_timeout_env) {
    result = with_defaults(result, {{"connect_timeout", "10"}});
  }
  return result;
}

} // namespace migrate

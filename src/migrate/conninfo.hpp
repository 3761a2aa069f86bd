#pragma once
// Connection strings: building them, describing them without secrets, and
// keeping secrets out of messages. Pure string functions.

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace migrate {

// Builds a libpq keyword/value string from `params` (e.g. host, port, dbname,
// user, password, sslmode), quoting every value. Keys are emitted in order.
std::string build_conninfo(const std::map<std::string, std::string> &params);

// Adds `fallback_application_name=<name>` to a URL or keyword/value
// connection string, so the user's own application_name still wins.
std::string with_fallback_application_name(const std::string &conninfo, const std::string &name);

// Adds each of `defaults` (libpq keywords) that `conninfo` does not set
// itself, for URL and keyword/value strings alike.
std::string with_defaults(const std::string &conninfo,
                          const std::map<std::string, std::string> &defaults);

// `conninfo` with `key` set to `value`, whatever it held (appended: libpq takes the last).
std::string with_setting(const std::string &conninfo, const std::string &key,
                         const std::string &value);

// What migrate adds to every connection string it opens, unless the string
// sets it itself: fallback_application_name=migrate/<version> (visible in
// pg_stat_activity), client_encoding=UTF8 (migration files are UTF-8: a
// database in another encoding gets their text converted, not taken byte for
// byte, and the server's error positions count UTF-8 characters, as the
// mapping to file:line expects; PGCLIENTENCODING does not change that), TCP
// keepalives so a dead network cannot hang a run, and connect_timeout=10 when
// the environment has no PGCONNECT_TIMEOUT (`has_connect_timeout_env`).
std::string with_session_defaults(const std::string &conninfo, bool has_connect_timeout_env);

// The secrets a connection string carries: the password of a URL, and its
// `password` and `sslpassword` parameters or keywords, each as written
// (percent-encoded, quoted with backslash escapes) and as meant. Empty if none.
std::vector<std::string> secrets_in(const std::string &conninfo);

// Replaces every occurrence of every non-empty secret in `text` with "***".
std::string redact(std::string text, const std::vector<std::string> &secrets);

// A short target description for messages: "host:port/dbname" where known,
// taken from a URL or keyword/value string; never includes a password.
// Missing parts come from libpq's defaults and are omitted.
std::string describe_conninfo(const std::string &conninfo);

} // namespace migrate

#include "migrate/history_sql.hpp"
#include "migrate/version.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <cstdio>
#include <ctime>

#include <optional>
#include <string>
#include <utility>
#include <vector>

using namespace migrate;

TEST_CASE("parse_version accepts exactly 14 digits", "[version]") {
  CHECK(parse_version("20240101120000") == std::optional<Version>(20240101120000ULL));
  CHECK(parse_version("00000000000001") == std::optional<Version>(1));
  CHECK(parse_version("99999999999999") == std::optional<Version>(99999999999999ULL));

  const std::vector<std::string> bad = {
      "",
      "2024010112000",   // 13 digits
      "202401011200000", // 15 digits
      "2024010112000a",
      "a2024010112000",
      "2024-01-0112000",
      " 20240101120000",
      "20240101120000 ",
      "+2024010112000",
      "00000000000000", // version 0 is never a migration
      "0",
  };
  for (const auto &text : bad) {
    INFO("text: '" << text << "'");
    CHECK_FALSE(parse_version(text).has_value());
  }
}

TEST_CASE("parse_target accepts 14 digits or 0", "[version]") {
  CHECK(parse_target("0") == std::optional<Version>(0));
  CHECK(parse_target("20240101120000") == std::optional<Version>(20240101120000ULL));
  CHECK_FALSE(parse_target("").has_value());
  CHECK_FALSE(parse_target("00").has_value());
  CHECK_FALSE(parse_target("1").has_value());
  CHECK_FALSE(parse_target("2024010112000").has_value());
  CHECK_FALSE(parse_target("latest").has_value());
}

TEST_CASE("format_version zero-pads to 14 digits", "[version]") {
  CHECK(format_version(20240101120000ULL) == "20240101120000");
  CHECK(format_version(1) == "00000000000001");
  CHECK(format_version(0) == "00000000000000");
  CHECK(format_version(101000000ULL) == "00000101000000");
  for (Version v : {Version{1}, Version{19700101000000ULL}, Version{99991231235959ULL}}) {
    CHECK(format_version(v).size() == 14);
    CHECK(parse_version(format_version(v)) == std::optional<Version>(v));
  }
  // A version past 14 digits keeps all of them (the largest has 20).
  CHECK(format_version(18446744073709551615ULL) == "18446744073709551615");
}

TEST_CASE("format_version_to writes what format_version returns", "[version]") {
  for (Version v : {Version{0}, Version{1}, Version{20240101120000ULL}, Version{123456789012345ULL},
                    Version{18446744073709551615ULL}}) {
    char buffer[k_version_chars_max + 1] = {};
    char *end = format_version_to(buffer, v);
    CHECK(std::string(buffer, end) == format_version(v));
    CHECK(end[0] == '\0'); // nothing written past the end it returns
  }
}

TEST_CASE("version_from_time gives the UTC timestamp", "[version]") {
  const std::vector<std::pair<std::time_t, Version>> cases = {
      {0, 19700101000000ULL},          {1700000000, 20231114221320ULL},
      {951782399, 20000228235959ULL},  {951868799, 20000229235959ULL},
      {1709164799, 20240228235959ULL}, {1704067199, 20231231235959ULL},
      {1704067200, 20240101000000ULL},
  };
  for (const auto &[seconds, version] : cases) {
    INFO("seconds: " << seconds);
    CHECK(version_from_time(seconds) == version);
  }
}

TEST_CASE("next_second carries like a clock", "[version]") {
  const std::vector<std::pair<Version, Version>> cases = {
      {20240101120000ULL, 20240101120001ULL}, // plain second
      {20240101120058ULL, 20240101120059ULL},
      {20240101120059ULL, 20240101120100ULL}, // next minute
      {20240101125959ULL, 20240101130000ULL}, // next hour
      {20240101235959ULL, 20240102000000ULL}, // next day
      {20240131235959ULL, 20240201000000ULL}, // 31-day month
      {20240430235959ULL, 20240501000000ULL}, // 30-day month
      {20240228235959ULL, 20240229000000ULL}, // leap year: Feb 29 exists
      {20240229235959ULL, 20240301000000ULL},
      {20230228235959ULL, 20230301000000ULL}, // non-leap year
      {20000228235959ULL, 20000229000000ULL}, // divisible by 400: leap
      {21000228235959ULL, 21000301000000ULL}, // divisible by 100 only: not leap
      {20231231235959ULL, 20240101000000ULL}, // next year
  };
  for (const auto &[before, after] : cases) {
    INFO("before: " << before);
    CHECK(next_second(before) == after);
  }
}

TEST_CASE("next_second agrees with version_from_time", "[version]") {
  for (std::time_t t :
       {std::time_t{0}, std::time_t{951782399}, std::time_t{951868799}, std::time_t{1704067199},
        std::time_t{1709164799}, std::time_t{1700000000}}) {
    INFO("t: " << t);
    CHECK(next_second(version_from_time(t)) == version_from_time(t + 1));
  }
}

TEST_CASE("parse_dir_name splits <version>_<name>", "[version]") {
  SECTION("valid names") {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"20240101120000_create_users", "create_users"},
        {"20240101120000_a", "a"},
        {"20240101120000_add-index-2", "add-index-2"},
        {"20240101120000_-", "-"},
        {"20240101120000__x", "_x"},
    };
    for (const auto &[dir, name] : cases) {
      INFO("dir: " << dir);
      const auto parsed = parse_dir_name(dir);
      REQUIRE(parsed.has_value());
      CHECK(parsed->version == 20240101120000ULL);
      CHECK(parsed->name == name);
    }
  }
  SECTION("invalid names") {
    const std::vector<std::string> bad = {
        "",
        "20240101120000",         // no `_` and no name
        "20240101120000_",        // empty name
        "20240101120000-create",  // missing `_`
        "20240101120000create",   // missing `_`
        "2024010112000_create",   // 13 digits
        "202401011200000_create", // 15 digits
        "00000000000000_zero",    // version 0
        "20240101120000_Create",  // uppercase
        "20240101120000_cr eate", // space
        "20240101120000_a.sql",   // dot
        "20240101120000_a/b",     // slash
        "x20240101120000_create",
    };
    for (const auto &dir : bad) {
      INFO("dir: '" << dir << "'");
      CHECK_FALSE(parse_dir_name(dir).has_value());
    }
  }
}

TEST_CASE("slugify produces safe names", "[version]") {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"create users", "create_users"},
      {"Create Users Table", "create_users_table"},
      {"add, remove; and: more!", "add_remove_and_more"},
      {"a  -- b", "a_b"},
      {"already_slug", "already_slug"},
      {"kebab-case-name", "kebab_case_name"},
      {"../../etc/passwd", "etc_passwd"},
      {"/etc/passwd", "etc_passwd"},
      {"a/b", "a_b"},
      {"  leading and trailing  ", "leading_and_trailing"},
      {"__x__", "x"},
      {"café", "caf"},
      {"naïve test", "na_ve_test"},
      {"\xe2\x9c\x93 done \xe2\x9c\x93", "done"},
      {"v2 Fix 10", "v2_fix_10"},
      {"!!!", ""},
      {"", ""},
      {"\xc3\xa9\xc3\xa9", ""},
  };
  for (const auto &[text, slug] : cases) {
    INFO("text: '" << text << "'");
    CHECK(slugify(text) == slug);
  }
}

TEST_CASE("slugify caps the length at 100 characters", "[version]") {
  CHECK(slugify(std::string(150, 'a')) == std::string(100, 'a'));
  CHECK(slugify(std::string(100, 'b')) == std::string(100, 'b'));
  // Cutting right after a separator must not leave a trailing `_`.
  const std::string cut = slugify(std::string(99, 'a') + " bbbb");
  CHECK(cut == std::string(99, 'a'));
  const std::string long_words = slugify(std::string(60, 'x') + " " + std::string(60, 'y'));
  CHECK(long_words.size() == 100);
  CHECK(long_words == std::string(60, 'x') + "_" + std::string(39, 'y'));
  for (const auto &text : {std::string(300, 'Z'), std::string(200, '-') + "q"}) {
    const std::string slug = slugify(text);
    CHECK(slug.size() <= 100);
    CHECK(parse_dir_name("20240101120000_" + slug).has_value());
  }
}

TEST_CASE("parse_epoch_ms and format_utc_ms give date_part('epoch') text as to_char did",
          "[history]") {
  using migrate::parse_epoch_ms;
  const auto format = [](std::string_view seconds) {
    const auto ms = parse_epoch_ms(seconds);
    std::string out = "reused storage, longer than the result";
    if (ms) {
      migrate::format_utc_ms(*ms, out);
    }
    return ms ? out : std::string("none");
  };
  CHECK(parse_epoch_ms("1795455886.481792") == 1795455886481);
  CHECK(format("1795455886.481792") == "2026-11-23T17:44:46.481Z");
  CHECK(format("1795455886.48") == "2026-11-23T17:44:46.480Z");
  CHECK(format("1795455886.4819") == "2026-11-23T17:44:46.481Z"); // truncated
  CHECK(format("1795455886") == "2026-11-23T17:44:46.000Z");
  CHECK(format("0") == "1970-01-01T00:00:00.000Z");
  CHECK(format("-1.5") == "none");
  CHECK(format("1e+20") == "none");
  CHECK(format("Infinity") == "none");
  CHECK(format("") == "none");
}

TEST_CASE("format_utc_ms agrees with gmtime_r on every day from 1970 to 2400", "[history]") {
  const auto reference = [](std::int64_t ms) {
    const auto t = static_cast<std::time_t>(ms / 1000);
    std::tm parts{};
    if (gmtime_r(&t, &parts) == nullptr) {
      return std::string("gmtime_r failed");
    }
    char text[96];
    std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", parts.tm_year + 1900,
                  parts.tm_mon + 1, parts.tm_mday, parts.tm_hour, parts.tm_min, parts.tm_sec,
                  static_cast<int>(ms % 1000));
    return std::string(text);
  };
  std::string out;
  std::size_t mismatches = 0;
  const std::int64_t day = 86400000;
  for (std::int64_t d = 0; d < 157000; ++d) { // to 2399-11
    // A time of day that moves through every hour, minute, second and millisecond.
    const std::int64_t ms = d * day + (d * 7919 * 1013) % day;
    migrate::format_utc_ms(ms, out);
    if (out != reference(ms)) {
      ++mismatches;
      INFO(ms);
      CHECK(out == reference(ms));
    }
    // The first and the last millisecond of the day.
    for (const std::int64_t edge : {d * day, d * day + day - 1}) {
      migrate::format_utc_ms(edge, out);
      mismatches += out == reference(edge) ? 0 : 1;
    }
  }
  CHECK(mismatches == 0);
  migrate::format_utc_ms(253402300799999, out); // 9999-12-31T23:59:59.999Z
  CHECK(out == "9999-12-31T23:59:59.999Z");
  migrate::format_utc_ms(253402300800000, out); // year 10000
  CHECK(out == "253402300800000ms");
  migrate::format_utc_ms(-1, out);
  CHECK(out == "-1ms");
}

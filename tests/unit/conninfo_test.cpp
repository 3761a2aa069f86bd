#include "migrate/conninfo.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <string>
#include <utility>
#include <vector>

using namespace migrate;
using Catch::Contains;

namespace {

bool has(const std::vector<std::string> &secrets, const std::string &secret) {
  return std::find(secrets.begin(), secrets.end(), secret) != secrets.end();
}

} // namespace

TEST_CASE("build_conninfo quotes every value", "[conninfo]") {
  CHECK(build_conninfo({}).empty());
  CHECK(build_conninfo({{"host", "localhost"}}) == "host='localhost'");
  CHECK(build_conninfo({{"dbname", "app"}, {"host", "h"}, {"port", "5432"}}) ==
        "dbname='app' host='h' port='5432'");
  CHECK(build_conninfo({{"password", "it's"}}) == "password='it\\'s'");
  CHECK(build_conninfo({{"password", "back\\slash"}}) == "password='back\\\\slash'");
  CHECK(build_conninfo({{"password", "a b='c'"}}) == "password='a b=\\'c\\''");
  CHECK(build_conninfo({{"password", ""}}) == "password=''");
}

TEST_CASE("build_conninfo round-trips through secrets_in, and redact hides it as written",
          "[conninfo]") {
  for (const std::string password : {"plain", "a b", "it's", "back\\slash", "'\\'", "x=y z"}) {
    INFO("password: " << password);
    const std::string conninfo = build_conninfo({{"host", "h"}, {"password", password}});
    const auto secrets = secrets_in(conninfo);
    CHECK(has(secrets, password));
    CHECK(redact(conninfo, secrets) == "host='h' password='***'");
  }
}

TEST_CASE("with_fallback_application_name", "[conninfo]") {
  SECTION("URL without query") {
    CHECK(with_fallback_application_name("postgresql://h/db", "migrate") ==
          "postgresql://h/db?fallback_application_name=migrate");
    CHECK(with_fallback_application_name("postgres://h/db", "migrate") ==
          "postgres://h/db?fallback_application_name=migrate");
  }
  SECTION("URL with query") {
    CHECK(with_fallback_application_name("postgresql://h/db?sslmode=require", "migrate") ==
          "postgresql://h/db?sslmode=require&fallback_application_name=migrate");
  }
  SECTION("URL: the name is percent-encoded") {
    CHECK(with_fallback_application_name("postgresql://h/db", "my app&x") ==
          "postgresql://h/db?fallback_application_name=my%20app%26x");
  }
  SECTION("keyword string") {
    CHECK(with_fallback_application_name("host=h dbname=d", "migrate") ==
          "host=h dbname=d fallback_application_name='migrate'");
    CHECK(with_fallback_application_name("", "migrate") == "fallback_application_name='migrate'");
    CHECK(with_fallback_application_name("host=h", "it's") ==
          "host=h fallback_application_name='it\\'s'");
  }
}

TEST_CASE("secrets_in finds passwords", "[conninfo]") {
  SECTION("URL password, raw and percent-decoded") {
    const auto secrets = secrets_in("postgresql://user:p%40ss%2Fw@host:5432/db");
    CHECK(has(secrets, "p%40ss%2Fw"));
    CHECK(has(secrets, "p@ss/w"));
  }
  SECTION("plain URL password") {
    const auto secrets = secrets_in("postgres://user:hunter2@host/db");
    REQUIRE_FALSE(secrets.empty());
    CHECK(has(secrets, "hunter2"));
    for (const auto &secret : secrets) {
      CHECK(secret == "hunter2");
    }
  }
  SECTION("?password= parameter") {
    const auto secrets = secrets_in("postgresql://user@host/db?sslmode=require&password=a%20b");
    CHECK(has(secrets, "a%20b"));
    CHECK(has(secrets, "a b"));
  }
  SECTION("both userinfo and parameter") {
    const auto secrets = secrets_in("postgresql://u:first@h/db?password=second");
    CHECK(has(secrets, "first"));
    CHECK(has(secrets, "second"));
  }
  SECTION("keyword password, quoted") {
    CHECK(secrets_in("host=h password='a b' dbname=d") == std::vector<std::string>{"a b"});
  }
  SECTION("keyword password, unquoted and with spaces around =") {
    CHECK(secrets_in("host=h password = simple") == std::vector<std::string>{"simple"});
    CHECK(secrets_in("password=x") == std::vector<std::string>{"x"});
  }
  SECTION("keyword password with escapes: as meant and as written") {
    CHECK(secrets_in("password='it\\'s'") == std::vector<std::string>{"it's", "it\\'s"});
    CHECK(redact("host=h password='a\\\\b' dbname=x",
                 secrets_in("host=h password='a\\\\b' dbname=x")) ==
          "host=h password='***' dbname=x");
  }
  SECTION("sslpassword, as a keyword and as a URL parameter") {
    CHECK(secrets_in("host=h sslpassword=abc") == std::vector<std::string>{"abc"});
    CHECK(has(secrets_in("postgresql://h/db?sslpassword=k%20ey"), "k ey"));
    CHECK(has(secrets_in("postgresql://h/db?sslpassword=k%20ey"), "k%20ey"));
  }
  SECTION("none") {
    CHECK(secrets_in("").empty());
    CHECK(secrets_in("host=h dbname=d").empty());
    CHECK(secrets_in("postgresql://user@host/db").empty());
    CHECK(secrets_in("postgresql://host/db?sslmode=require").empty());
    CHECK(secrets_in("postgresql://user:@host/db").empty());
    CHECK(secrets_in("password=''").empty());
  }
}

TEST_CASE("a '?' in a URL's password is not its query, as for libpq", "[conninfo]") {
  CHECK(with_defaults("postgresql://u:pa?x@h/db", {{"keepalives", "1"}}) ==
        "postgresql://u:pa?x@h/db?keepalives=1");
  CHECK(with_defaults("postgresql://u:pa?x@h/db?sslmode=require", {{"keepalives", "1"}}) ==
        "postgresql://u:pa?x@h/db?sslmode=require&keepalives=1");
  CHECK(with_fallback_application_name("postgresql://u:pa?x@h/db", "m") ==
        "postgresql://u:pa?x@h/db?fallback_application_name=m");
  CHECK(describe_conninfo("postgresql://u:pa?x@h:5433/db") == "h:5433/db");
}

TEST_CASE("the user's own fallback_application_name stands", "[conninfo]") {
  CHECK(with_fallback_application_name("dbname=d fallback_application_name=mine", "migrate") ==
        "dbname=d fallback_application_name=mine");
  CHECK(with_fallback_application_name("postgresql://h/db?fallback_application_name=mine",
                                       "migrate") ==
        "postgresql://h/db?fallback_application_name=mine");
}

TEST_CASE("secrets_in finds passwords in URLs libpq would misread or refuse", "[conninfo]") {
  for (const std::string url :
       {"postgresql+psycopg2://app:SECRETxyz@h:5/t1", "POSTGRESQL://app:SECRETxyz@h:5/t1",
        "jdbc:postgresql://h/t1?password=SECRETxyz"}) {
    INFO(url);
    CHECK(redact(url, secrets_in(url)).find("SECRETxyz") == std::string::npos);
  }
  for (const std::string url :
       {"postgresql://app:pa/SECRETxyz@h:5/t1", "postgresql://app:pa@SECRETxyz@h:5/t1",
        "postgresql://app:pa?SECRETxyz@h:5/t1"}) {
    INFO(url);
    const auto secrets = secrets_in(url);
    CHECK(redact(url, secrets).find("SECRETxyz") == std::string::npos);
    CHECK(redact(describe_conninfo(url), secrets).find("SECRETxyz") == std::string::npos);
  }
  CHECK(secrets_in("postgresql://user@h:5432/db").empty());
}

TEST_CASE("redact replaces every secret", "[conninfo]") {
  CHECK(redact("password secret and secret again", {"secret"}) == "password *** and *** again");
  CHECK(redact("one two three", {"one", "three"}) == "*** two ***");
  CHECK(redact("nothing here", {"secret"}) == "nothing here");
  CHECK(redact("keep me", {""}) == "keep me");
  CHECK(redact("keep me", {}) == "keep me");
  CHECK(redact("xx", {"", "x"}) == "******");
  CHECK(redact("aaaa", {"aa"}) == "******");
  // A secret that looks like the replacement must not loop forever.
  CHECK(redact("a*b", {"*"}) == "a***b");
  CHECK(redact("", {"secret"}).empty());
}

TEST_CASE("redact leaves no part of a longer secret behind", "[conninfo]") {
  // One secret is a prefix of another (e.g. a URL password and PGPASSWORD):
  // whatever the order, no piece of either may survive.
  const std::string text = "failed: password hunter2xyz rejected";
  for (const auto &secrets : {std::vector<std::string>{"hunter2", "hunter2xyz"},
                              std::vector<std::string>{"hunter2xyz", "hunter2"},
                              std::vector<std::string>{"2xyz", "hunter2xyz"}}) {
    const std::string out = redact(text, secrets);
    INFO("out: " << out);
    CHECK_THAT(out, !Contains("hunter") && !Contains("xyz") && Contains("rejected"));
  }
}

TEST_CASE("describe_conninfo gives host:port/dbname without the password", "[conninfo]") {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"postgresql://user:s3cr3t@db.example:5433/app", "db.example:5433/app"},
      {"postgres://user:s3cr3t@db.example/app", "db.example/app"},
      {"postgresql://user@db.example:5432/app?sslmode=require", "db.example:5432/app"},
      {"postgresql://user:s3cr3t@db.example/app?password=s3cr3t", "db.example/app"},
      {"postgresql://user:s3cr3t@/app?host=/var/run/postgresql", "/var/run/postgresql/app"},
      {"postgresql://user:s3cr3t@h/app?port=6543", "h:6543/app"},
      {"postgresql://user:s%40cr3t@h:1/my%20db", "h:1/my db"},
      {"host=db port=5432 dbname=app user=me password=s3cr3t", "db:5432/app"},
      {"password='s3 cr3t' host=db dbname=app", "db/app"},
      {"host=db", "db"},
  };
  for (const auto &[conninfo, expected] : cases) {
    INFO("conninfo: " << conninfo);
    const std::string description = describe_conninfo(conninfo);
    CHECK(description == expected);
    CHECK_THAT(description, !Contains("s3cr3t") && !Contains("s3 cr3t") && !Contains("s@cr3t") &&
                                !Contains("s%40cr3t"));
  }
}

TEST_CASE("describe_conninfo never shows a password, even with little else", "[conninfo]") {
  for (const std::string conninfo :
       {"password=s3cr3t", "user=me password='s3cr3t'", "postgresql://me:s3cr3t@",
        "postgresql://me:s3cr3t@/", "postgresql:///app?password=s3cr3t", ""}) {
    INFO("conninfo: " << conninfo);
    const std::string description = describe_conninfo(conninfo);
    CHECK_FALSE(description.empty());
    CHECK_THAT(description, !Contains("s3cr3t"));
  }
}

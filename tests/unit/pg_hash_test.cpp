#include "migrate/pg_hash.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <string>

using migrate::pg_hash_bytes_extended;

namespace {

std::int64_t as_bigint(std::uint64_t hash) {
  return static_cast<std::int64_t>(hash);
}

} // namespace

// The expected values are what PostgreSQL 15 (x86-64) returned for
// hashtextextended(left('The quick brown fox jumps over the lazy dog', n), seed):
// every length from 0 to 43 covers each tail length (0 to 11 bytes) after
// zero to three 12-byte blocks.
TEST_CASE("pg_hash_bytes_extended is PostgreSQL's hashtextextended for every tail length",
          "[pg_hash]") {
  const std::string text = "The quick brown fox jumps over the lazy dog";
  struct Expected {
    std::int64_t unseeded, seeded_42;
  };
  const Expected expected[] = {
      {-6939563903564495251, 6158832220375811857},  {-1338225982912146468, -9025939059608736434},
      {5593687159563776749, 5100588869405015581},   {-7897229297791927534, 3038043180143178147},
      {1214481609633084541, -4083866455743216685},  {-985326184270896746, -5017294223739415004},
      {3470145380339167397, 2246789860985709914},   {-2752675330521770124, 4778540625600436775},
      {-1544529330263215465, 162873675338914461},   {-3165377590426475634, 7126868943089119804},
      {6613948839295992241, -2848011637011580363},  {2869438648668390509, -8903036199985890573},
      {-9210305663925663560, -5550228464067396110}, {-3863872140344080773, -7779903148924832315},
      {-2703303883130605159, -6201050169883609628}, {130785500723762325, -8601549039603741753},
      {-7818762430148052278, -774570013319063046},  {3451059601990827723, 7218776346960315562},
      {1859349653040336744, -3574645881406115751},  {6377859067987231983, 3731392997417403243},
      {1395817125874287870, -1868726298622581182},  {4382656982158088131, -4425845213604164205},
      {-8173415927686238050, -4381390897662035110}, {-6349138520123274615, -5823772410289274600},
      {8360766130984247540, -7045680038553790823},  {-6568008242738964476, -6181948468376704678},
      {-8510399028364357311, 5894429791820467026},  {-5983171337440081292, 7037532686952431464},
      {4650743464175597606, -7034062004586107796},  {4922972945882926808, -471123389737642922},
      {-2952746244513659538, 4916916011233329036},  {240566037469194709, 168372726536680504},
      {936837974110797635, -3336056875295685611},   {-3200491468863373810, 6501284550212229245},
      {-6696201807748526001, 4895202880495076286},  {-5603389817488540983, -4985114013987866365},
      {5172465187460571644, -2549683995865344234},  {-6341692122201812976, -7079616277688103043},
      {-1165991950917522782, -4233867290483907867}, {7590948603917656586, -2453023181833413642},
      {-4847668724781447815, 235957408920272642},   {-2948873403207115900, 1500396047064737672},
      {1452333603335041993, -4088771556209804249},  {2182139051089226439, 7150499504945507884},
  };
  REQUIRE(sizeof expected / sizeof expected[0] == text.size() + 1);
  for (std::size_t n = 0; n <= text.size(); ++n) {
    INFO("length " << n);
    CHECK(as_bigint(pg_hash_bytes_extended(std::string_view(text).substr(0, n), 0)) ==
          expected[n].unseeded);
    CHECK(as_bigint(pg_hash_bytes_extended(std::string_view(text).substr(0, n), 42)) ==
          expected[n].seeded_42);
  }
}

TEST_CASE("pg_hash_bytes_extended hashes bytes: UTF-8, a history line, seeds of 64 bits",
          "[pg_hash]") {
  // PostgreSQL 15: hashtextextended('é€😀', 0), hashtextextended('x', -1),
  // hashtextextended('x', 4294967296) and a line of the history's digest.
  CHECK(as_bigint(pg_hash_bytes_extended("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 0)) ==
        2183806408597293420);
  CHECK(as_bigint(pg_hash_bytes_extended("x", ~std::uint64_t{0})) == 6068125099253810556);
  CHECK(as_bigint(pg_hash_bytes_extended("x", std::uint64_t{1} << 32)) == 2356609598606795878);
  CHECK(as_bigint(pg_hash_bytes_extended("20240101000000 0123456789abcdef0123456789abcdef"
                                         "0123456789abcdef0123456789abcdef applied",
                                         0)) == -8109203102719140995);
}

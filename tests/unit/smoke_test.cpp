#include <catch2/catch.hpp>
TEST_CASE("the unit test binary runs") { REQUIRE(1 + 1 == 2); }

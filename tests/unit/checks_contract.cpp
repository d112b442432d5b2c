#include <catch2/catch.hpp>

#include "checks/contract.hpp"
#include "checks/element_check.hpp"

using namespace softcheck;

TEST_CASE("builtin contracts resolve per format and op, naive kernels expected to fail") {
  const ContractSet set = ContractSet::builtin();
  const Contract f32 = set.resolve("builtin/softmax/f32/online");
  CHECK_FALSE(f32.expect_fail);
  CHECK(f32.ulp_per_gap == 1.0);
  const Contract bf16 = set.resolve("builtin/softmax/bf16/online");
  CHECK(bf16.max_ulp == 1.0);
  CHECK(bf16.ulp_per_gap < 0.01);
  CHECK(set.resolve("builtin/softmax/f32/naive").expect_fail);
  CHECK(set.resolve("builtin/logsumexp/f32/online").abs_ulp_of_scale > 0.0);
}

TEST_CASE("later rules override earlier ones field by field") {
  ContractSet set = ContractSet::builtin();
  set.add_rules(R"({"rules": [{"kernel": "builtin/*/f32/*", "max_ulp": 0.5,
                               "flush_subnormals": true, "fully_masked": "zero"}]})", "test");
  const Contract c = set.resolve("builtin/softmax/f32/online");
  CHECK(c.max_ulp == 0.5);
  CHECK(c.flush_subnormals);
  CHECK(c.fully_masked == FullyMaskedOutcome::zero);
  CHECK(c.ulp_per_gap == 1.0);  // untouched
  CHECK(set.resolve("builtin/softmax/f64/online").max_ulp == 4.0);
}

TEST_CASE("malformed contracts are rejected with a message naming the problem") {
  ContractSet set;
  CHECK_THROWS_WITH(set.add_rules("{", "f.json"), Catch::Contains("not valid JSON"));
  CHECK_THROWS_WITH(set.add_rules(R"({"rules": [{"max_ulp": 1}]})", "f.json"),
                    Catch::Contains("kernel"));
  CHECK_THROWS_WITH(set.add_rules(R"({"rules": [{"kernel": "*", "max_ulp": -1}]})", "f.json"),
                    Catch::Contains("max_ulp"));
  CHECK_THROWS_WITH(set.add_rules(R"({"rules": [{"kernel": "*", "expect": "maybe"}]})", "f.json"),
                    Catch::Contains("expect"));
  CHECK_THROWS_WITH(set.add_file("/nonexistent/contract.json"), Catch::Contains("cannot read"));
}

TEST_CASE("element check: ulps of the exact result, growth terms, subnormals, specials") {
  Contract c;
  c.max_ulp = 2;
  c.ulp_per_gap = 1;
  ElementContext context{0.0, 1, 1.0, false};
  const reference::Exact one{1.0, 1.0, 0.0};
  CHECK(measure_element(1.0, one, Format::f32, c, context).pass);
  CHECK(measure_element(1.0 + 2 * 0x1p-23, one, Format::f32, c, context).pass);
  const auto three_off = measure_element(1.0 + 3 * 0x1p-23, one, Format::f32, c, context);
  CHECK_FALSE(three_off.pass);
  CHECK(three_off.error == Approx(3.0));
  context.gap = 5.0;  // a larger gap buys more ulps
  CHECK(measure_element(1.0 + 3 * 0x1p-23, one, Format::f32, c, context).pass);

  const reference::Exact tiny{0x1p-140, 0x1p-140, 0.0};  // subnormal in f32
  const auto flushed = measure_element(0.0, tiny, Format::f32, c, context);
  CHECK(flushed.check == Check::subnormal);
  CHECK_FALSE(flushed.pass);
  c.flush_subnormals = true;
  CHECK(measure_element(0.0, tiny, Format::f32, c, context).pass);

  const reference::Exact nan{NAN, NAN, 0.0};
  CHECK(measure_element(NAN, nan, Format::f32, c, context).pass);
  CHECK_FALSE(measure_element(0.0, nan, Format::f32, c, context).pass);
  context.fully_masked = true;
  c.fully_masked = FullyMaskedOutcome::nan_or_zero;
  CHECK(measure_element(0.0, nan, Format::f32, c, context).pass);
  const reference::Exact inf{HUGE_VAL, HUGE_VAL, 0.0};
  CHECK(measure_element(HUGE_VAL, inf, Format::f32, c, context).pass);
  CHECK_FALSE(measure_element(-HUGE_VAL, inf, Format::f32, c, context).pass);
  CHECK_FALSE(measure_element(HUGE_VAL, one, Format::f32, c, context).pass);
}

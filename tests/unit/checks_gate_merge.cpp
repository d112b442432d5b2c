// Joining partial gate results (checks/gate_merge.hpp): counts add, the worst error is the
// first largest or the last NaN, at most reproducers_per_check reproducers per check are kept
// in order, declared passes add, and the families' bias statistics follow in order. (That the
// gate's units joined give the one-pass result: unit/checks_gate.cpp, 1 against 3 threads.)
#include <catch2/catch.hpp>
#include <cmath>

#include "checks/gate_merge.hpp"

using namespace softcheck;

namespace {

Violation violation(Check check, std::size_t row) {
  Violation v{};
  v.check = check;
  v.row = row;
  return v;
}

}  // namespace

TEST_CASE("gate merge: counts add, reproducers are capped per check in order") {
  KernelResult total, part;
  total.checks[Check::accuracy] = {5, 2, 3.0, 1.0, 2};
  total.reproducers = {violation(Check::accuracy, 0), violation(Check::accuracy, 1)};
  total.declared[Check::accuracy] = 1;
  total.bias.push_back({"a", {}, {}, 0.0});
  part.checks[Check::accuracy] = {4, 3, 3.0, 2.0, 3};
  part.checks[Check::ranking] = {7, 1, 0.5, 1.0, 1};
  part.reproducers = {violation(Check::accuracy, 10), violation(Check::ranking, 11),
                      violation(Check::accuracy, 12), violation(Check::accuracy, 13)};
  part.declared[Check::accuracy] = 2;
  part.declared[Check::ranking] = 1;
  part.bias.push_back({"b", {}, {}, 0.0});
  merge_kernel_result(total, part, 3);
  const CheckStats& accuracy = total.checks[Check::accuracy];
  CHECK(accuracy.elements == 9);
  CHECK(accuracy.violations == 5);
  CHECK(accuracy.worst_error == 3.0);   // equal: the earlier one stays
  CHECK(accuracy.worst_allowed == 1.0);
  CHECK(accuracy.kept == 3);
  CHECK(total.checks[Check::ranking].kept == 1);
  REQUIRE(total.reproducers.size() == 4);
  CHECK(total.reproducers[2].row == 10);
  CHECK(total.reproducers[3].row == 11);
  CHECK(total.declared[Check::accuracy] == 3);
  CHECK(total.declared[Check::ranking] == 1);
  REQUIRE(total.bias.size() == 2);
  CHECK(total.bias[1].family == "b");
}

TEST_CASE("gate merge: a larger worst error or a NaN replaces the worst") {
  KernelResult total, larger, nan, after_nan;
  total.checks[Check::accuracy] = {1, 0, 0.5, 1.0, 0};
  larger.checks[Check::accuracy] = {1, 0, 0.75, 2.0, 0};
  merge_kernel_result(total, larger, 3);
  CHECK(total.checks[Check::accuracy].worst_error == 0.75);
  CHECK(total.checks[Check::accuracy].worst_allowed == 2.0);
  nan.checks[Check::accuracy] = {1, 1, NAN, 3.0, 0};
  merge_kernel_result(total, nan, 3);
  CHECK(std::isnan(total.checks[Check::accuracy].worst_error));
  after_nan.checks[Check::accuracy] = {1, 0, 9.0, 4.0, 0};
  merge_kernel_result(total, after_nan, 3);
  CHECK(std::isnan(total.checks[Check::accuracy].worst_error));  // nothing exceeds a NaN
  CHECK(total.checks[Check::accuracy].worst_allowed == 3.0);
}

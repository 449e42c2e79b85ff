// Random FQL expression trees for the JIT's differential tests: arithmetic,
// comparisons, If/And/Or/Not, arrays and Let over caller-chosen leaves (the
// loop element, a variable, a field read) and literals that provoke the
// edge cases (overflow, division by zero, mixed types).
#pragma once

#include <cstdint>
#include <cstdlib>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace fqldb::testing_support {

// FQL_JIT_SEED and FQL_JIT_RANDOM_CASES override the defaults, to replay or
// to run longer.
inline uint32_t RandomSeed() {
  const char* s = std::getenv("FQL_JIT_SEED");
  return s ? static_cast<uint32_t>(std::atoi(s)) : 20261124u;
}
inline int RandomCases(int fallback = 300) {
  const char* s = std::getenv("FQL_JIT_RANDOM_CASES");
  return s ? std::atoi(s) : fallback;
}

class RandomExpr {
 public:
  RandomExpr(uint32_t seed, std::vector<std::string> leaves)
      : rng_(seed), leaves_(std::move(leaves)) {}

  // Mostly numbers among the literals, expressions that are numbers, and
  // conditions (Cond) that are comparisons, And, Or and Not of them, so
  // that most trees evaluate to a value instead of stopping at their first
  // type error (the leaves and the edge-case literals still provoke some).
  void set_well_typed(bool on) { well_typed_ = on; }

  // A boolean expression when well typed (else any expression).
  std::string Cond(int depth) {
    if (!well_typed_) return Expr(depth);
    switch (depth <= 0 ? 0 : Pick(4)) {
      case 0:
      case 1:
        return Call(kCompare[Pick(5)], depth);
      case 2:
        return std::string(Pick(2) ? "And(" : "Or(") + Cond(depth - 1) + ", " + Cond(depth - 1) +
               ")";
      default:
        return "Not(" + Cond(depth - 1) + ")";
    }
  }

  std::string Expr(int depth) {
    int choice = Pick(depth <= 0 ? 3 : 12);
    // Well typed, an expression is a number: no booleans or arrays here.
    if (well_typed_ && (choice == 5 || choice == 6 || (choice >= 8 && choice <= 10))) choice = 3;
    switch (choice) {
      case 0:
      case 2:
        return leaves_[Pick(static_cast<int>(leaves_.size()))];
      case 1:
        return Literal();
      case 3:
      case 4:
        return Call(kArith[Pick(5)], depth);
      case 5:
      case 6:
        return Call(kCompare[Pick(5)], depth);
      case 7:
        return "If(" + Cond(depth - 1) + ", " + Expr(depth - 1) + ", " + Expr(depth - 1) + ")";
      case 8:
        return std::string(Pick(2) ? "And(" : "Or(") + Cond(depth - 1) + ", " + Cond(depth - 1) +
               ")";
      case 9:
        return "Not(" + Cond(depth - 1) + ")";
      case 10:
        return "[" + Expr(depth - 1) + ", " + Expr(depth - 1) + "]";
      default:
        return "Let({t: " + Expr(depth - 1) + "}, " + Call("Add", depth) + ")";
    }
  }

  std::string Literal() {
    if (well_typed_ && Pick(4) != 0) return std::to_string(Pick(41) - 20);
    switch (Pick(8)) {
      case 0:
        return std::to_string(static_cast<int64_t>(rng_()) % 7 - 3);
      case 1:
        return "9223372036854775807";
      case 2:
        return "-9223372036854775808";
      case 3:
        return std::to_string(Pick(5)) + ".5";
      case 4:
        return "0";
      case 5:
        return Pick(2) ? "true" : "false";
      case 6:
        return "null";
      default:
        return "'s'";
    }
  }

  int Pick(int n) { return static_cast<int>(rng_() % static_cast<uint32_t>(n)); }

 private:
  std::string Call(const char* fn, int depth) {
    return std::string(fn) + "(" + Expr(depth - 1) + ", " + Expr(depth - 1) + ")";
  }
  static constexpr const char* kArith[5] = {"Add", "Subtract", "Multiply", "Divide", "Modulo"};
  static constexpr const char* kCompare[5] = {"Equals", "LT", "LTE", "GT", "GTE"};
  std::mt19937 rng_;
  std::vector<std::string> leaves_;
  bool well_typed_ = false;
};

}  // namespace fqldb::testing_support

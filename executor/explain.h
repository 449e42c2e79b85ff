#pragma once

// --explain and the shell's :explain: what one query run did, call by call.
// The executor notes, against the call that did it, which sets it read and
// how (partitions, index ranges, filters), and whether its per-element work
// ran compiled (tier, compile time, cache) or interpreted, and why. The
// report renders the query's tree as an outline with those notes.
#include <chrono>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "compiler/frontend/bound_tree.h"

namespace fqldb::executor {

class ExplainLog {
 public:
  struct Note {
    std::string text;
    uint64_t runs = 0;      // how many times it was noted
    uint64_t elements = 0;  // the elements those runs handled, when known
  };

  // Notes `text` against `node`. The same text on the same node counts up
  // (a loop in a lambda runs once per outer element) instead of repeating.
  // `elements`: how many elements this run handled, if that is known.
  void Add(const frontend::BoundNode* node, std::string text, int64_t elements = -1);
  // Forgets everything (a transaction retried from scratch).
  void Clear();

  const std::vector<Note>* NotesFor(const frontend::BoundNode* node) const;
  size_t size() const { return notes_.size(); }

 private:
  std::unordered_map<const frontend::BoundNode*, std::vector<Note>> notes_;
  size_t distinct_ = 0;
};

// The report: the query's calls, lambdas and lets as an indented outline
// with their line:col, each followed by its notes; then `elapsed` and what
// the JIT did in the process while the query ran (`compiles`, `compile_ms`).
std::string RenderExplain(const frontend::BoundQuery& query, const ExplainLog& log,
                          std::chrono::nanoseconds elapsed, uint64_t compiles, double compile_ms);

}  // namespace fqldb::executor

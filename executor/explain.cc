#include "executor/explain.h"

#include <algorithm>
#include <cstdio>

namespace fqldb::executor {

namespace {

constexpr size_t kMaxDistinctNotes = 1000;  // a report stays readable and bounded
constexpr size_t kMaxLines = 400;
constexpr size_t kMaxInline = 72;  // a leaf call shown as FQL up to this long

using frontend::BoundKind;
using frontend::BoundNode;

bool IsLeaf(const BoundNode& n) {
  return n.kind == BoundKind::kConstant || n.kind == BoundKind::kVar;
}

std::string Joined(const std::vector<std::string>& names) {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) out += (i ? ", " : "") + names[i];
  return out;
}

class Renderer {
 public:
  explicit Renderer(const ExplainLog& log) : log_(log) {}

  void Walk(const BoundNode& n, int depth) {
    switch (n.kind) {
      case BoundKind::kConstant:
      case BoundKind::kVar:
        return;
      case BoundKind::kArray:
        for (const auto& e : n.Cast<frontend::BoundArray>().elems) Walk(*e, depth);
        return;
      case BoundKind::kObject:
        for (const auto& e : n.Cast<frontend::BoundObject>().values) Walk(*e, depth);
        return;
      case BoundKind::kLambda: {
        const auto& l = n.Cast<frontend::BoundLambda>();
        Line(n, depth, "Lambda(" + Joined(l.params) + ")");
        Walk(*l.body, depth + 1);
        return;
      }
      case BoundKind::kLet: {
        const auto& l = n.Cast<frontend::BoundLet>();
        Line(n, depth, "Let(" + Joined(l.names) + ")");
        for (const auto& v : l.values) Walk(*v, depth + 1);
        Walk(*l.body, depth + 1);
        return;
      }
      case BoundKind::kCall: {
        const auto& c = n.Cast<frontend::BoundCall>();
        bool leaf =
            std::all_of(c.args.begin(), c.args.end(), [](const auto& a) { return IsLeaf(*a); });
        std::string text = c.builtin->name;
        if (leaf) {
          std::string fql = frontend::BoundToFql(n);
          if (fql.size() <= kMaxInline) text = std::move(fql);
        }
        Line(n, depth, text);
        if (!leaf) {
          for (const auto& a : c.args) Walk(*a, depth + 1);
        }
        return;
      }
    }
  }

  std::string Take() {
    if (hidden_ > 0) out_ += "  ... " + std::to_string(hidden_) + " more lines not shown\n";
    return std::move(out_);
  }

 private:
  void Line(const BoundNode& n, int depth, const std::string& text) {
    std::vector<std::string> lines;
    char pos[32];
    std::snprintf(pos, sizeof pos, "%d:%d", n.pos.line, n.pos.column);
    std::string indent(2 * static_cast<size_t>(depth), ' ');
    std::string head = "  " + std::string(pos);
    head.resize(std::max<size_t>(head.size() + 1, 10), ' ');
    lines.push_back(head + indent + text);
    if (const auto* notes = log_.NotesFor(&n)) {
      std::string pad(head.size() + indent.size() + 2, ' ');
      for (const ExplainLog::Note& note : *notes) {
        std::string line = pad + "· " + note.text;
        if (note.runs > 1 || note.elements > 0) {
          line += " [";
          if (note.runs > 1) line += std::to_string(note.runs) + " runs";
          if (note.elements > 0) {
            line += (note.runs > 1 ? ", " : "") + std::to_string(note.elements) + " elements";
          }
          line += "]";
        }
        // A multi-line note (a set's inputs) keeps its indentation.
        for (size_t at = 0; (at = line.find('\n', at)) != std::string::npos; at += pad.size() + 3) {
          line.insert(at + 1, pad + "  ");
        }
        lines.push_back(std::move(line));
      }
    }
    for (std::string& l : lines) {
      if (shown_ >= kMaxLines) {
        ++hidden_;
        continue;
      }
      ++shown_;
      out_ += l + "\n";
    }
  }

  const ExplainLog& log_;
  std::string out_;
  size_t shown_ = 0;
  size_t hidden_ = 0;
};

}  // namespace

void ExplainLog::Add(const frontend::BoundNode* node, std::string text, int64_t elements) {
  std::vector<Note>& notes = notes_[node];
  for (Note& n : notes) {
    if (n.text == text) {
      ++n.runs;
      if (elements > 0) n.elements += static_cast<uint64_t>(elements);
      return;
    }
  }
  if (distinct_ >= kMaxDistinctNotes) return;
  ++distinct_;
  notes.push_back(Note{std::move(text), 1, elements > 0 ? static_cast<uint64_t>(elements) : 0});
}

void ExplainLog::Clear() {
  notes_.clear();
  distinct_ = 0;
}

const std::vector<ExplainLog::Note>* ExplainLog::NotesFor(const frontend::BoundNode* node) const {
  auto it = notes_.find(node);
  return it == notes_.end() ? nullptr : &it->second;
}

std::string RenderExplain(const frontend::BoundQuery& query, const ExplainLog& log,
                          std::chrono::nanoseconds elapsed, uint64_t compiles, double compile_ms) {
  Renderer r(log);
  r.Walk(*query.root, 0);
  std::string calls = r.Take();
  std::string out = "plan:\n" + (calls.empty() ? "  (no calls: a constant)\n" : calls);
  char tail[160];
  std::snprintf(tail, sizeof tail, "ran in %.3f ms; JIT compiles while it ran: %llu (%.2f ms)",
                std::chrono::duration<double, std::milli>(elapsed).count(),
                static_cast<unsigned long long>(compiles), compile_ms);
  out += tail;
  return out;
}

}  // namespace fqldb::executor

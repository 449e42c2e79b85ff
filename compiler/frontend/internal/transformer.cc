#include "compiler/frontend/internal/transformer.h"

#include <charconv>
#include <cmath>
#include <cstdlib>

#include "common/text.h"

namespace fqldb::frontend::internal {

using grammar::FQLParser;

SourcePos PosOf(antlr4::Token* tok) {
  return SourcePos{static_cast<int>(tok->getLine()),
                   static_cast<int>(tok->getCharPositionInLine()) + 1};
}

void Transformer::Error(antlr4::Token* tok, std::string message) {
  Status st(ErrorCode::kInvalidSyntax, std::move(message));
  st.AtSource(PosOf(tok));
  errors_.push_back(std::move(st));
}

std::unique_ptr<Script> Transformer::TransformScript(FQLParser::ScriptContext* ctx) {
  auto script = std::make_unique<Script>();
  for (FQLParser::ExprContext* e : ctx->expr()) script->queries.push_back(TransformExpr(e));
  return script;
}

AstPtr Transformer::TransformExpr(FQLParser::ExprContext* ctx) {
  if (auto* c = dynamic_cast<FQLParser::ArrowContext*>(ctx)) return TransformArrow(c);
  if (auto* c = dynamic_cast<FQLParser::CallContext*>(ctx)) return TransformCall(c);
  if (auto* c = dynamic_cast<FQLParser::ArrayLitContext*>(ctx)) return TransformArray(c);
  if (auto* c = dynamic_cast<FQLParser::ObjectLitContext*>(ctx)) return TransformObject(c);
  if (auto* c = dynamic_cast<FQLParser::IntLitContext*>(ctx)) return TransformInt(c);
  if (auto* c = dynamic_cast<FQLParser::FloatLitContext*>(ctx)) return TransformFloat(c);
  if (auto* c = dynamic_cast<FQLParser::StringLitContext*>(ctx)) return TransformString(c->STRING());
  SourcePos pos = PosOf(ctx->getStart());
  if (dynamic_cast<FQLParser::TrueLitContext*>(ctx)) return std::make_unique<AstLiteral>(pos, Value::Bool(true));
  if (dynamic_cast<FQLParser::FalseLitContext*>(ctx)) {
    return std::make_unique<AstLiteral>(pos, Value::Bool(false));
  }
  if (dynamic_cast<FQLParser::NullLitContext*>(ctx)) return std::make_unique<AstLiteral>(pos, Value::Null());
  if (auto* c = dynamic_cast<FQLParser::IdentContext*>(ctx)) {
    return std::make_unique<AstIdent>(pos, c->IDENT()->getText());
  }
  auto* paren = dynamic_cast<FQLParser::ParenContext*>(ctx);
  FQL_CHECK(paren != nullptr);
  return TransformExpr(paren->expr());
}

AstPtr Transformer::TransformArrow(FQLParser::ArrowContext* ctx) {
  auto node = std::make_unique<AstArrow>(PosOf(ctx->getStart()));
  if (auto* single = dynamic_cast<FQLParser::SingleParamContext*>(ctx->lambdaParams())) {
    node->params.push_back(single->IDENT()->getText());
    node->single = true;
  } else {
    auto* list = dynamic_cast<FQLParser::ParamListContext*>(ctx->lambdaParams());
    FQL_CHECK(list != nullptr);
    for (auto* id : list->IDENT()) node->params.push_back(id->getText());
    // `(x) => ...` binds x to the whole argument, as the JavaScript driver did.
    node->single = node->params.size() == 1;
  }
  node->body = TransformExpr(ctx->expr());
  return node;
}

AstPtr Transformer::TransformCall(FQLParser::CallContext* ctx) {
  auto ids = ctx->name()->IDENT();
  std::string name = ids.back()->getText();
  if (ids.size() == 2 && ids[0]->getText() != "q") {
    Error(ids[0]->getSymbol(), "unknown namespace '" + ids[0]->getText() +
                                   "': only the driver's 'q.' prefix is accepted");
  }
  auto node = std::make_unique<AstCall>(PosOf(ids.back()->getSymbol()), name);
  if (ctx->exprList()) {
    for (auto* e : ctx->exprList()->expr()) node->args.push_back(TransformExpr(e));
  }
  return node;
}

AstPtr Transformer::TransformArray(FQLParser::ArrayLitContext* ctx) {
  auto node = std::make_unique<AstArray>(PosOf(ctx->getStart()));
  if (ctx->exprList()) {
    for (auto* e : ctx->exprList()->expr()) node->elems.push_back(TransformExpr(e));
  }
  return node;
}

std::string Transformer::TransformKey(FQLParser::KeyContext* ctx) {
  if (ctx->STRING()) return Unquote(ctx->STRING()->getSymbol());
  return ctx->getText();
}

AstPtr Transformer::TransformObject(FQLParser::ObjectLitContext* ctx) {
  auto node = std::make_unique<AstObject>(PosOf(ctx->getStart()));
  for (auto* p : ctx->pair()) {
    std::string key = TransformKey(p->key());
    for (const auto& f : node->fields) {
      if (f.first == key) Error(p->key()->getStart(), "duplicate object key '" + key + "'");
    }
    node->fields.emplace_back(std::move(key), TransformExpr(p->expr()));
  }
  return node;
}

AstPtr Transformer::TransformInt(FQLParser::IntLitContext* ctx) {
  std::string text = (ctx->MINUS() ? "-" : "") + ctx->INTEGER()->getText();
  int64_t v = 0;
  auto res = std::from_chars(text.data(), text.data() + text.size(), v);
  if (res.ec != std::errc() || res.ptr != text.data() + text.size()) {
    Error(ctx->getStart(), "integer literal " + (text.size() > 40 ? text.substr(0, 40) + "..." : text) +
                               " is out of the 64-bit range; write it as a double (" +
                               (text.size() > 20 ? "with an exponent" : text + ".0") + ")");
  }
  return std::make_unique<AstLiteral>(PosOf(ctx->getStart()), Value::Long(v));
}

AstPtr Transformer::TransformFloat(FQLParser::FloatLitContext* ctx) {
  std::string text = (ctx->MINUS() ? "-" : "") + ctx->FLOAT()->getText();
  double v = std::strtod(text.c_str(), nullptr);
  if (!std::isfinite(v)) {
    Error(ctx->getStart(), "number literal " + (text.size() > 40 ? text.substr(0, 40) + "..." : text) +
                               " is out of the double range");
    v = 0;
  }
  return std::make_unique<AstLiteral>(PosOf(ctx->getStart()), Value::Double(v));
}

AstPtr Transformer::TransformString(antlr4::tree::TerminalNode* tok) {
  return std::make_unique<AstLiteral>(PosOf(tok->getSymbol()), Value::String(Unquote(tok->getSymbol())));
}

namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Reads `n` hex digits at s[*i]; returns -1 if they are not all hex.
long ReadHex(const std::string& s, size_t* i, size_t n) {
  long v = 0;
  for (size_t k = 0; k < n; ++k) {
    if (*i >= s.size() || HexValue(s[*i]) < 0) return -1;
    v = v * 16 + HexValue(s[(*i)++]);
  }
  return v;
}

}  // namespace

std::string Transformer::Unquote(antlr4::Token* tok) {
  const std::string raw = tok->getText();
  std::string out;
  out.reserve(raw.size());
  size_t i = 1, end = raw.size() - 1;
  while (i < end) {
    char c = raw[i++];
    if (c != '\\') {
      out.push_back(c);
      continue;
    }
    char e = raw[i++];
    switch (e) {
      case 'n': out.push_back('\n'); break;
      case 't': out.push_back('\t'); break;
      case 'r': out.push_back('\r'); break;
      case 'b': out.push_back('\b'); break;
      case 'f': out.push_back('\f'); break;
      case 'v': out.push_back('\v'); break;
      case '0': out.push_back('\0'); break;
      case '"': case '\'': case '\\': case '/': out.push_back(e); break;
      case 'x': {
        long v = ReadHex(raw, &i, 2);
        if (v < 0) {
          Error(tok, "invalid \\x escape in string literal: expected two hex digits");
          return "";
        }
        AppendUtf8(static_cast<char32_t>(v), &out);
        break;
      }
      case 'u': {
        long cp;
        if (i < end && raw[i] == '{') {
          ++i;
          cp = 0;
          size_t digits = 0;
          while (i < end && raw[i] != '}' && digits < 7) {
            int h = HexValue(raw[i++]);
            if (h < 0) break;
            cp = cp * 16 + h;
            ++digits;
          }
          if (i >= end || raw[i] != '}' || digits == 0 || cp > 0x10FFFF) {
            Error(tok, "invalid \\u{...} escape in string literal");
            return "";
          }
          ++i;
        } else {
          cp = ReadHex(raw, &i, 4);
          if (cp < 0) {
            Error(tok, "invalid \\u escape in string literal: expected four hex digits");
            return "";
          }
          if (cp >= 0xD800 && cp <= 0xDBFF && i + 1 < end && raw[i] == '\\' && raw[i + 1] == 'u') {
            size_t j = i + 2;
            long lo = ReadHex(raw, &j, 4);
            if (lo >= 0xDC00 && lo <= 0xDFFF) {
              cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
              i = j;
            }
          }
        }
        if (cp >= 0xD800 && cp <= 0xDFFF) {
          Error(tok, "unpaired surrogate \\u escape in string literal");
          return "";
        }
        AppendUtf8(static_cast<char32_t>(cp), &out);
        break;
      }
      default: {
        std::string shown(1, e);
        Error(tok, "invalid escape sequence '\\" + shown + "' in string literal");
        return "";
      }
    }
  }
  return out;
}

}  // namespace fqldb::frontend::internal

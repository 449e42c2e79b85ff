#include "executor/internal/call_context.h"

#include "executor/internal/interp.h"

namespace fqldb::executor::internal {

Status CallContext::ArgError(size_t i, ErrorCode code, std::string message) const {
  Status st(code, std::move(message));
  if (i < call_.args.size() && !args_from_array) return Locate(std::move(st), *call_.args[i]);
  if (args_from_array && !call_.args.empty()) return Locate(std::move(st), *call_.args[0]);
  return Locate(std::move(st), call_);
}

Status CallContext::ElementError(size_t i, size_t j, ErrorCode code, std::string message) const {
  if (!args_from_array && i < call_.args.size() && call_.args[i]->kind == frontend::BoundKind::kArray) {
    const auto& lit = call_.args[i]->Cast<frontend::BoundArray>();
    if (j < lit.elems.size()) return Locate(Status(code, std::move(message)), *lit.elems[j]);
  }
  return ArgError(i, code, std::move(message));
}

Status CallContext::ElementTypeError(size_t i, size_t j, const char* expected, const Value& elem) const {
  return ElementError(i, j, ErrorCode::kInvalidArgument,
                      std::string(expected) + " expected, " + TypeName(elem) + " provided.");
}

Status CallContext::CallError(ErrorCode code, std::string message) const {
  return Locate(Status(code, std::move(message)), call_);
}

Status CallContext::TypeError(size_t i, const char* expected) const {
  const char* got = i < args.size() ? TypeName(args[i]) : "Null";
  return ArgError(i, ErrorCode::kInvalidArgument,
                  std::string(expected) + " expected, " + got + " provided.");
}

Result<int64_t> CallContext::Long(size_t i) const {
  if (i >= args.size() || !args[i].is_long()) return TypeError(i, "Integer");
  return args[i].as_long();
}

Result<double> CallContext::Number(size_t i) const {
  if (i >= args.size() || !args[i].is_number()) return TypeError(i, "Number");
  return args[i].as_number();
}

Result<const std::string*> CallContext::String(size_t i) const {
  if (i >= args.size() || !args[i].is_string()) return TypeError(i, "String");
  return &args[i].str();
}

Result<bool> CallContext::Bool(size_t i) const {
  if (i >= args.size() || !args[i].is_bool()) return TypeError(i, "Boolean");
  return args[i].as_bool();
}

Result<const Array*> CallContext::ArrayArg(size_t i) const {
  if (i >= args.size() || !args[i].is_array()) return TypeError(i, "Array");
  return &args[i].array();
}

Result<Value> CallContext::Eval(size_t i) { return interp_.Eval(*call_.args[i], env_); }

Result<Value> CallContext::Apply(size_t i, std::span<const Value> fn_args) {
  const frontend::BoundNode& site =
      i < call_.args.size() ? *call_.args[i] : static_cast<const frontend::BoundNode&>(call_);
  return interp_.Apply(args[i], fn_args, site);
}

Result<Value> CallContext::ApplyFn(const Value& fn, std::span<const Value> fn_args) {
  return interp_.Apply(fn, fn_args, call_);
}

Timestamp CallContext::now() const { return interp_.now(); }

Result<StorageContext*> CallContext::Storage() const {
  if (StorageContext* s = interp_.storage()) return s;
  return CallError(ErrorCode::kUnsupported,
                   std::string(call_.builtin->name) +
                       " reads or writes stored data; run it against a database (--data DIR).");
}

Status CallContext::CheckDeadline() const { return interp_.CheckDeadline(call_); }

namespace {

const BuiltinTable& Table() {
  static const BuiltinTable kTable = [] {
    BuiltinTable t;
    RegisterControlBuiltins(t);
    RegisterMathBuiltins(t);
    RegisterStringBuiltins(t);
    RegisterRegexBuiltins(t);
    RegisterFormatBuiltins(t);
    RegisterCollectionBuiltins(t);
    RegisterObjectBuiltins(t);
    RegisterTypeBuiltins(t);
    RegisterTimeBuiltins(t);
    RegisterDocumentBuiltins(t);
    RegisterSchemaBuiltins(t);
    RegisterSetBuiltins(t);
    return t;
  }();
  return kTable;
}

}  // namespace

BuiltinFn FindImpl(frontend::BuiltinId id) { return Table().fns[static_cast<size_t>(id)]; }

Result<Value> MakeArrayChecked(const CallContext& ctx, Array elems) {
  if (elems.size() > kMaxArrayElems) {
    return ctx.CallError(ErrorCode::kInvalidArgument,
                         "Result would have " + std::to_string(elems.size()) +
                             " elements; the limit is " + std::to_string(kMaxArrayElems) + ".");
  }
  return Value::MakeArray(std::move(elems));
}

Result<Value> MakeStringChecked(const CallContext& ctx, std::string s) {
  if (s.size() > kMaxStringBytes) {
    return ctx.CallError(ErrorCode::kInvalidArgument,
                         "Result would be a string of " + std::to_string(s.size()) +
                             " bytes; the limit is " + std::to_string(kMaxStringBytes) + ".");
  }
  return Value::String(std::move(s));
}

Result<const Array*> CollectionArg(CallContext& ctx, size_t i) {
  if (i < ctx.size()) {
    if (ctx.arg(i).kind() == ValueKind::kSet) {
      // Read the whole set once; the argument becomes the array of its values.
      FQL_ASSIGN_OR_RETURN(Array values, ReadWholeSet(ctx, i));
      ctx.args[i] = Value::MakeArray(std::move(values));
    }
    const Value& v = ctx.arg(i);
    if (v.is_array() || v.is_page()) return &v.array();
  }
  return ctx.TypeError(i, "Array");
}

Value LikeCollection(const CallContext& ctx, size_t i, Array data) {
  const Value& v = ctx.arg(i);
  if (v.is_page()) {
    std::optional<Value> before, after;
    if (v.page_before()) before = *v.page_before();
    if (v.page_after()) after = *v.page_after();
    return Value::Page(std::move(data), std::move(before), std::move(after));
  }
  return Value::MakeArray(std::move(data));
}

}  // namespace fqldb::executor::internal

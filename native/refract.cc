// Refract's native core: a thin N-API binding of libtorch (cf. tch-rs's torch-sys).
//
// Design: tensors live in a slot table on this side and JS holds integer handles. Every ATen operator is
// reached through the dispatcher's boxed calling convention (the one TorchScript's interpreter uses), so the
// binding needs no per-op C++: the JS layer resolves "aten::name.overload" once to an op id, then calls it with
// arguments converted according to the operator's own schema. Autograd, type promotion and broadcasting are
// libtorch's own. Everything else here is what the dispatcher cannot do: moving bytes in and out, autograd
// entry points, grad mode, threads, RNG generators and TorchScript modules.
//
// Every libtorch failure (c10::Error, std::exception) is caught at this boundary and rethrown as the JS
// TorchError class registered by the TS layer, carrying the op name and libtorch's message.

#include <napi.h>
#include <torch/torch.h>
#include <torch/script.h>
#include <ATen/core/dispatch/Dispatcher.h>
#include <ATen/CPUGeneratorImpl.h>

#include <malloc.h>

#include "handles.h"

#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace {

// ---------- handle tables ----------

template <typename T>
struct SlotTable {
  std::vector<std::optional<T>> slots;
  std::vector<int32_t> free;
  size_t live = 0;
  int32_t put(T value) {
    live++;
    if (!free.empty()) {
      int32_t id = free.back();
      free.pop_back();
      slots[id].emplace(std::move(value));
      return id;
    }
    slots.emplace_back(std::move(value));
    return static_cast<int32_t>(slots.size() - 1);
  }
  T& get(int64_t id, const char* what) {
    if (id < 0 || static_cast<size_t>(id) >= slots.size() || !slots[id].has_value()) {
      throw std::runtime_error(std::string(what) + " handle " + std::to_string(id) +
                               " is not live (used after dispose?)");
    }
    return *slots[id];
  }
  bool release(int64_t id) {
    if (id < 0 || static_cast<size_t>(id) >= slots.size() || !slots[id].has_value()) return false;
    slots[id].reset();
    free.push_back(static_cast<int32_t>(id));
    live--;
    return true;
  }
};

SlotTable<at::Tensor> tensors;
std::vector<int64_t> tensorBytes;  // bytes each tensor slot keeps alive
int64_t liveBytes = 0;
// What V8 has been told (AdjustExternalMemory): the high-water mark of liveBytes, not liveBytes itself. Reporting
// every tensor made V8 see the external memory climb by a step's activations and fall at scope exit, and start a
// mark-compact about once per training step that could free nothing (scopes free tensors, not the GC; measured in
// issue #11 with --trace-gc). Only growth past every earlier peak — what leaked tensors cause — is GC pressure now,
// which is what the FinalizationRegistry backstop needs.
int64_t reportedBytes = 0;
SlotTable<at::Generator> generators;
SlotTable<torch::jit::Module> modules;

// Unboxed signatures of the hottest operator shapes (elementwise maths, dims, in-place optimizer updates). An op
// whose schema has one of these shapes is also resolved to a TypedOperatorHandle and called the way at::add or
// Python's bindings call it: no IValue stack, no boxing wrapper. Everything else stays boxed. (issue #11: the boxed
// path's stack building and (un)boxing were most of the per-op cost beside N-API.)
using T = at::Tensor;
using S = c10::Scalar;
using SigT = T(const T&);
using SigTT = T(const T&, const T&);
using SigTTS = T(const T&, const T&, const S&);
using SigTS = T(const T&, const S&);
using SigTSS = T(const T&, const S&, const S&);
using SigTI = T(const T&, int64_t);
using SigTII = T(const T&, int64_t, int64_t);
using SigTS_ = T&(T&, const S&);
using SigTTS_ = T&(T&, const T&, const S&);
using SigTTTS_ = T&(T&, const T&, const T&, const S&);
using Unboxed = std::variant<std::monostate, c10::TypedOperatorHandle<SigT>, c10::TypedOperatorHandle<SigTT>,
                             c10::TypedOperatorHandle<SigTTS>, c10::TypedOperatorHandle<SigTS>,
                             c10::TypedOperatorHandle<SigTSS>, c10::TypedOperatorHandle<SigTI>,
                             c10::TypedOperatorHandle<SigTII>, c10::TypedOperatorHandle<SigTS_>,
                             c10::TypedOperatorHandle<SigTTS_>, c10::TypedOperatorHandle<SigTTTS_>>;

struct OpEntry {
  c10::OperatorHandle handle;
  std::string name;
  std::vector<c10::Argument> args;
  Unboxed unboxed;
};
std::vector<OpEntry> ops;

Napi::FunctionReference errorClass;

// ---------- errors ----------

[[noreturn]] void throwTorch(const Napi::Env& env, const std::string& op, const std::string& message) {
  if (!errorClass.IsEmpty()) {
    Napi::Object err = errorClass.New({Napi::String::New(env, message), Napi::String::New(env, op)});
    throw Napi::Error(env, err);
  }
  throw Napi::Error::New(env, op + ": " + message);
}

using refract::guarded;  // native/handles.h

// ---------- tensors in and out ----------

// Bytes a handle keeps alive, as GC pressure: a view never counts more than its storage (an expand() of one
// element is 4 bytes, not numel × 4).
int64_t tensorNbytes(const at::Tensor& t) {
  if (!t.defined()) return 0;
  int64_t logical = static_cast<int64_t>(t.numel() * t.element_size());
  if (!t.has_storage()) return logical;
  return std::min<int64_t>(logical, static_cast<int64_t>(t.storage().nbytes()));
}

const char* jsTypeName(const Napi::Value& v) {
  switch (v.Type()) {
    case napi_undefined: return "undefined";
    case napi_null: return "null";
    case napi_boolean: return "a boolean";
    case napi_number: return "a number";
    case napi_string: return "a string";
    case napi_object: return v.IsArray() ? "an array" : "an object";
    default: return "a function or symbol";
  }
}

double numberArg(const Napi::Value& v) {
  if (!v.IsNumber()) throw std::runtime_error(std::string("expected a number, got ") + jsTypeName(v));
  return v.As<Napi::Number>().DoubleValue();
}

int64_t intArg(const Napi::Value& v) {
  double d = numberArg(v);
  if (!std::isfinite(d) || d != std::floor(d)) {
    throw std::runtime_error("expected an integer, got " + std::to_string(d));
  }
  return static_cast<int64_t>(d);
}

at::Tensor& tensorArg(const Napi::Value& v) {
  if (!v.IsNumber()) throw std::runtime_error(std::string("expected a tensor handle, got ") + jsTypeName(v));
  return tensors.get(v.As<Napi::Number>().Int64Value(), "tensor");
}

Napi::Value wrapTensor(Napi::Env env, at::Tensor t) {
  if (!t.defined()) return env.Null();
  int64_t bytes = tensorNbytes(t);
  int32_t id = tensors.put(std::move(t));
  if (tensorBytes.size() <= static_cast<size_t>(id)) tensorBytes.resize(id + 1, 0);
  tensorBytes[id] = bytes;
  liveBytes += bytes;
  // Tell V8 about native memory past its peak so forgotten tensors create GC pressure (FinalizationRegistry backstop).
  if (liveBytes > reportedBytes) {
    Napi::MemoryManagement::AdjustExternalMemory(env, liveBytes - reportedBytes);
    reportedBytes = liveBytes;
  }
  return Napi::Number::New(env, id);
}

std::vector<int64_t> intList(const Napi::Value& v, int32_t repeat = -1) {
  std::vector<int64_t> out;
  if (v.IsNumber()) {
    out.assign(repeat > 0 ? repeat : 1, intArg(v));
    return out;
  }
  if (!v.IsArray()) throw std::runtime_error(std::string("expected an integer or an array of integers, got ") + jsTypeName(v));
  auto arr = v.As<Napi::Array>();
  out.reserve(arr.Length());
  for (uint32_t i = 0; i < arr.Length(); i++) out.push_back(intArg(arr.Get(i)));
  return out;
}

// ---------- IValue conversion by schema type ----------

c10::IValue toIValue(const c10::TypePtr& type, const Napi::Value& v, c10::optional<int32_t> n);

c10::IValue listToIValue(const c10::TypePtr& elem, const Napi::Value& v, c10::optional<int32_t> n) {
  switch (elem->kind()) {
    case c10::TypeKind::IntType:
    case c10::TypeKind::SymIntType: {
      auto xs = intList(v, n.has_value() ? *n : -1);
      return c10::IValue(c10::List<int64_t>(xs));
    }
    case c10::TypeKind::FloatType: {
      c10::List<double> out;
      if (v.IsNumber()) {
        for (int32_t i = 0; i < (n.has_value() ? *n : 1); i++) out.push_back(numberArg(v));
      } else {
        if (!v.IsArray()) throw std::runtime_error(std::string("expected a number or an array of numbers, got ") + jsTypeName(v));
        auto arr = v.As<Napi::Array>();
        for (uint32_t i = 0; i < arr.Length(); i++) out.push_back(numberArg(arr.Get(i)));
      }
      return c10::IValue(out);
    }
    case c10::TypeKind::BoolType: {
      c10::List<bool> out;
      if (!v.IsArray()) throw std::runtime_error(std::string("expected an array of booleans, got ") + jsTypeName(v));
      auto arr = v.As<Napi::Array>();
      for (uint32_t i = 0; i < arr.Length(); i++) out.push_back(arr.Get(i).ToBoolean().Value());
      return c10::IValue(out);
    }
    case c10::TypeKind::TensorType: {
      if (!v.IsArray()) throw std::runtime_error("expected an array of tensors");
      c10::List<at::Tensor> out;
      auto arr = v.As<Napi::Array>();
      for (uint32_t i = 0; i < arr.Length(); i++) out.push_back(tensorArg(arr.Get(i)));
      return c10::IValue(out);
    }
    case c10::TypeKind::OptionalType: {
      if (!v.IsArray()) throw std::runtime_error("expected an array of tensors or nulls");
      c10::List<c10::optional<at::Tensor>> out;
      auto arr = v.As<Napi::Array>();
      for (uint32_t i = 0; i < arr.Length(); i++) {
        Napi::Value e = arr.Get(i);
        if (e.IsNull() || e.IsUndefined()) out.push_back(c10::nullopt);
        else out.push_back(tensorArg(e));
      }
      return c10::IValue(out);
    }
    default:
      throw std::runtime_error("unsupported list element type " + elem->str());
  }
}

c10::IValue toIValue(const c10::TypePtr& type, const Napi::Value& v, c10::optional<int32_t> n) {
  if (v.IsNull() || v.IsUndefined()) return c10::IValue();
  switch (type->kind()) {
    case c10::TypeKind::OptionalType:
      return toIValue(type->containedType(0), v, n);
    case c10::TypeKind::TensorType:
      return c10::IValue(tensorArg(v));
    case c10::TypeKind::IntType:
    case c10::TypeKind::SymIntType:
    case c10::TypeKind::ScalarTypeType:
    case c10::TypeKind::LayoutType:
    case c10::TypeKind::MemoryFormatType:
      if (v.IsBoolean()) return c10::IValue(static_cast<int64_t>(v.As<Napi::Boolean>().Value()));
      return c10::IValue(intArg(v));
    case c10::TypeKind::FloatType:
      return c10::IValue(numberArg(v));
    case c10::TypeKind::NumberType: {  // Scalar: an integral JS number is an int, as `2` is in Python.
      if (v.IsBoolean()) return c10::IValue(v.As<Napi::Boolean>().Value());
      double d = numberArg(v);
      if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.007199254740992e15) {
        return c10::IValue(static_cast<int64_t>(d));
      }
      return c10::IValue(d);
    }
    case c10::TypeKind::BoolType:
      return c10::IValue(v.ToBoolean().Value());
    case c10::TypeKind::StringType:
      if (!v.IsString()) throw std::runtime_error(std::string("expected a string, got ") + jsTypeName(v));
      return c10::IValue(v.As<Napi::String>().Utf8Value());
    case c10::TypeKind::DeviceObjType:
      return c10::IValue(c10::Device(v.ToString().Utf8Value()));
    case c10::TypeKind::GeneratorType:
      return c10::IValue(generators.get(intArg(v), "generator"));
    case c10::TypeKind::ListType:
      return listToIValue(type->containedType(0), v, n);
    default:
      throw std::runtime_error("unsupported argument type " + type->str());
  }
}

Napi::Value fromIValue(Napi::Env env, const c10::IValue& v) {
  if (v.isTensor()) return wrapTensor(env, v.toTensor());
  if (v.isNone()) return env.Null();
  if (v.isInt()) return Napi::Number::New(env, static_cast<double>(v.toInt()));
  if (v.isDouble()) return Napi::Number::New(env, v.toDouble());
  if (v.isBool()) return Napi::Boolean::New(env, v.toBool());
  if (v.isString()) return Napi::String::New(env, v.toStringRef());
  if (v.isTensorList()) {
    auto list = v.toTensorList();
    auto arr = Napi::Array::New(env, list.size());
    for (size_t i = 0; i < list.size(); i++) arr.Set(i, wrapTensor(env, list.get(i)));
    return arr;
  }
  if (v.isIntList()) {
    auto list = v.toIntList();
    auto arr = Napi::Array::New(env, list.size());
    for (size_t i = 0; i < list.size(); i++) arr.Set(i, Napi::Number::New(env, static_cast<double>(list.get(i))));
    return arr;
  }
  if (v.isDoubleList()) {
    auto list = v.toDoubleList();
    auto arr = Napi::Array::New(env, list.size());
    for (size_t i = 0; i < list.size(); i++) arr.Set(i, Napi::Number::New(env, list.get(i)));
    return arr;
  }
  if (v.isTuple() || v.isList()) {
    std::vector<c10::IValue> elems;
    if (v.isTuple()) {
      for (const auto& e : v.toTupleRef().elements()) elems.push_back(e);
    } else {
      for (const auto& e : v.toListRef()) elems.push_back(e);
    }
    auto arr = Napi::Array::New(env, elems.size());
    for (size_t i = 0; i < elems.size(); i++) arr.Set(i, fromIValue(env, elems[i]));
    return arr;
  }
  if (v.isGenericDict()) {
    auto obj = Napi::Object::New(env);
    for (const auto& kv : v.toGenericDict()) obj.Set(kv.key().toStringRef(), fromIValue(env, kv.value()));
    return obj;
  }
  throw std::runtime_error("unsupported return type " + v.tagKind());
}

// ---------- operators ----------

// The schema's shape as a string of argument kinds (T tensor, S scalar, I int), or "" when any argument is of
// another type or the op does not return exactly one tensor.
std::string schemaShape(const c10::FunctionSchema& schema) {
  if (schema.returns().size() != 1 || schema.returns()[0].type()->kind() != c10::TypeKind::TensorType) return "";
  std::string shape;
  for (const auto& a : schema.arguments()) {
    switch (a.type()->kind()) {
      case c10::TypeKind::TensorType: shape += 'T'; break;
      case c10::TypeKind::NumberType: shape += 'S'; break;
      case c10::TypeKind::IntType: shape += 'I'; break;
      default: return "";
    }
  }
  return shape;
}

// The typed handle for an op of one of the Unboxed shapes; monostate otherwise, or when libtorch's registered C++
// signature differs (typed() checks it and throws, e.g. for SymInt arguments) — those stay boxed.
Unboxed unboxedHandle(const c10::OperatorHandle& h) {
  const auto& schema = h.schema();
  const std::string shape = schemaShape(schema);
  const bool inplace = !schema.arguments().empty() && schema.arguments()[0].alias_info() != nullptr &&
                       schema.arguments()[0].alias_info()->isWrite();
  try {
    if (inplace) {
      if (shape == "TS") return h.typed<SigTS_>();
      if (shape == "TTS") return h.typed<SigTTS_>();
      if (shape == "TTTS") return h.typed<SigTTTS_>();
      return std::monostate();
    }
    if (shape == "T") return h.typed<SigT>();
    if (shape == "TT") return h.typed<SigTT>();
    if (shape == "TTS") return h.typed<SigTTS>();
    if (shape == "TS") return h.typed<SigTS>();
    if (shape == "TSS") return h.typed<SigTSS>();
    if (shape == "TI") return h.typed<SigTI>();
    if (shape == "TII") return h.typed<SigTII>();
  } catch (const c10::Error&) {
  }
  return std::monostate();
}

// opResolve(name, overload) -> op id. Throws if the operator does not exist.
Napi::Value OpResolve(const Napi::CallbackInfo& info) {
  std::string name = info[0].ToString().Utf8Value();
  std::string overload = info[1].ToString().Utf8Value();
  return guarded(info, name, [&]() -> Napi::Value {
    auto handle = c10::Dispatcher::singleton().findSchema({name, overload});
    if (!handle.has_value()) {
      throw std::runtime_error("no operator " + name + (overload.empty() ? "" : "." + overload) + " in libtorch");
    }
    ops.push_back({*handle, overload.empty() ? name : name + "." + overload, handle->schema().arguments(),
                   unboxedHandle(*handle)});
    return Napi::Number::New(info.Env(), static_cast<double>(ops.size() - 1));
  });
}

Napi::Value OpSchema(const Napi::CallbackInfo& info) {
  auto id = info[0].As<Napi::Number>().Int64Value();
  std::ostringstream s;
  s << ops.at(id).handle.schema();
  return Napi::String::New(info.Env(), s.str());
}

torch::jit::Stack buildStack(const OpEntry& op, const Napi::CallbackInfo& info) {
  const size_t given = info.Length() - 1;
  if (given > op.args.size()) {
    throw std::runtime_error("takes " + std::to_string(op.args.size()) + " arguments but got " +
                             std::to_string(given));
  }
  torch::jit::Stack stack;
  stack.reserve(op.args.size());
  for (size_t i = 0; i < op.args.size(); i++) {
    const auto& arg = op.args[i];
    Napi::Value v = i < given ? info[i + 1] : info.Env().Undefined();
    if (v.IsUndefined()) {
      if (!arg.default_value().has_value()) {
        throw std::runtime_error("argument '" + arg.name() + "' is required");
      }
      stack.push_back(*arg.default_value());
      continue;
    }
    try {
      stack.push_back(toIValue(arg.type(), v, arg.N()));
    } catch (const std::runtime_error& e) {
      throw std::runtime_error("argument '" + arg.name() + "' (" + arg.type()->str() + "): " + e.what());
    }
  }
  return stack;
}

// ---------- the unboxed fast path ----------
// Reads arguments with one N-API call each and gives up (returns false, nothing done) on anything unusual — a
// non-handle, a freed handle, a boolean scalar, too many arguments — so the boxed path handles it with its full
// checks and error messages.

at::Tensor* fastTensor(napi_env env, napi_value v) {
  int64_t id;
  if (napi_get_value_int64(env, v, &id) != napi_ok) return nullptr;
  if (id < 0 || static_cast<size_t>(id) >= tensors.slots.size() || !tensors.slots[id].has_value()) return nullptr;
  return &*tensors.slots[id];
}

// A Scalar as toIValue makes it (an integral number is an int, as `2` is in Python); undefined takes the default.
bool fastScalar(napi_env env, const Napi::CallbackInfo& info, const OpEntry& op, size_t i, c10::Scalar& out) {
  if (i + 1 >= info.Length() || info[i + 1].IsUndefined()) {
    const auto& d = op.args[i].default_value();
    if (!d.has_value() || !d->isScalar()) return false;
    out = d->toScalar();
    return true;
  }
  double x;
  if (napi_get_value_double(env, info[i + 1], &x) != napi_ok) return false;
  if (std::isfinite(x) && x == std::floor(x) && std::fabs(x) < 9.007199254740992e15) out = static_cast<int64_t>(x);
  else out = x;
  return true;
}

bool fastInt(napi_env env, const Napi::CallbackInfo& info, const OpEntry& op, size_t i, int64_t& out) {
  if (i + 1 >= info.Length() || info[i + 1].IsUndefined()) {
    const auto& d = op.args[i].default_value();
    if (!d.has_value() || !d->isInt()) return false;
    out = d->toInt();
    return true;
  }
  double x;
  if (napi_get_value_double(env, info[i + 1], &x) != napi_ok || !std::isfinite(x) || x != std::floor(x)) return false;
  out = static_cast<int64_t>(x);
  return true;
}

// Calls op unboxed when it has a typed handle and the arguments convert; `result` gets the op's tensor.
bool fastCall(const OpEntry& op, const Napi::CallbackInfo& info, at::Tensor& result) {
  if (std::holds_alternative<std::monostate>(op.unboxed) || info.Length() - 1 > op.args.size()) return false;
  napi_env env = info.Env();
  const size_t given = info.Length() - 1;
  auto tensor = [&](size_t i) -> at::Tensor* { return i < given ? fastTensor(env, info[i + 1]) : nullptr; };
  S s1, s2;
  int64_t i1, i2;
  if (auto* f = std::get_if<c10::TypedOperatorHandle<SigT>>(&op.unboxed)) {
    auto* a = tensor(0);
    if (!a) return false;
    result = f->call(*a);
  } else if (auto* f = std::get_if<c10::TypedOperatorHandle<SigTT>>(&op.unboxed)) {
    auto *a = tensor(0), *b = tensor(1);
    if (!a || !b) return false;
    result = f->call(*a, *b);
  } else if (auto* f = std::get_if<c10::TypedOperatorHandle<SigTTS>>(&op.unboxed)) {
    auto *a = tensor(0), *b = tensor(1);
    if (!a || !b || !fastScalar(env, info, op, 2, s1)) return false;
    result = f->call(*a, *b, s1);
  } else if (auto* f = std::get_if<c10::TypedOperatorHandle<SigTS>>(&op.unboxed)) {
    auto* a = tensor(0);
    if (!a || !fastScalar(env, info, op, 1, s1)) return false;
    result = f->call(*a, s1);
  } else if (auto* f = std::get_if<c10::TypedOperatorHandle<SigTSS>>(&op.unboxed)) {
    auto* a = tensor(0);
    if (!a || !fastScalar(env, info, op, 1, s1) || !fastScalar(env, info, op, 2, s2)) return false;
    result = f->call(*a, s1, s2);
  } else if (auto* f = std::get_if<c10::TypedOperatorHandle<SigTI>>(&op.unboxed)) {
    auto* a = tensor(0);
    if (!a || !fastInt(env, info, op, 1, i1)) return false;
    result = f->call(*a, i1);
  } else if (auto* f = std::get_if<c10::TypedOperatorHandle<SigTII>>(&op.unboxed)) {
    auto* a = tensor(0);
    if (!a || !fastInt(env, info, op, 1, i1) || !fastInt(env, info, op, 2, i2)) return false;
    result = f->call(*a, i1, i2);
  } else if (auto* f = std::get_if<c10::TypedOperatorHandle<SigTS_>>(&op.unboxed)) {
    auto* a = tensor(0);
    if (!a || !fastScalar(env, info, op, 1, s1)) return false;
    result = f->call(*a, s1);  // the alias of self, as the boxed path returns it
  } else if (auto* f = std::get_if<c10::TypedOperatorHandle<SigTTS_>>(&op.unboxed)) {
    auto *a = tensor(0), *b = tensor(1);
    if (!a || !b || !fastScalar(env, info, op, 2, s1)) return false;
    result = f->call(*a, *b, s1);
  } else if (auto* f = std::get_if<c10::TypedOperatorHandle<SigTTTS_>>(&op.unboxed)) {
    auto *a = tensor(0), *b = tensor(1), *c = tensor(2);
    if (!a || !b || !c || !fastScalar(env, info, op, 3, s1)) return false;
    result = f->call(*a, *b, *c, s1);
  } else {
    return false;
  }
  return true;
}

// opCall(id, ...args) -> result (tensor handle, array, number, null). Arguments left undefined take the
// schema's defaults.
Napi::Value OpCall(const Napi::CallbackInfo& info) {
  const auto id = info[0].As<Napi::Number>().Int64Value();
  const OpEntry& op = ops.at(id);
  try {
    at::Tensor result;
    if (fastCall(op, info, result)) return wrapTensor(info.Env(), std::move(result));
    torch::jit::Stack stack = buildStack(op, info);
    op.handle.callBoxed(stack);
    if (stack.size() == 1) return fromIValue(info.Env(), stack[0]);
    if (stack.empty()) return info.Env().Undefined();
    auto arr = Napi::Array::New(info.Env(), stack.size());
    for (size_t i = 0; i < stack.size(); i++) arr.Set(i, fromIValue(info.Env(), stack[i]));
    return arr;
  } catch (const Napi::Error&) {
    throw;
  } catch (const c10::Error& e) {
    throwTorch(info.Env(), op.name, e.what_without_backtrace());
  } catch (const std::exception& e) {
    throwTorch(info.Env(), op.name, e.what());
  }
}

// opCallInplace(id, ...args): for in-place ops (`add_`), whose result aliases `self`; returns nothing.
Napi::Value OpCallInplace(const Napi::CallbackInfo& info) {
  const auto id = info[0].As<Napi::Number>().Int64Value();
  const OpEntry& op = ops.at(id);
  try {
    at::Tensor unused;
    if (fastCall(op, info, unused)) return info.Env().Undefined();
    torch::jit::Stack stack = buildStack(op, info);
    op.handle.callBoxed(stack);
    return info.Env().Undefined();
  } catch (const c10::Error& e) {
    throwTorch(info.Env(), op.name, e.what_without_backtrace());
  } catch (const std::exception& e) {
    throwTorch(info.Env(), op.name, e.what());
  }
}

// ---------- tensor lifetime and metadata ----------

Napi::Value Free(const Napi::CallbackInfo& info) {
  auto id = info[0].As<Napi::Number>().Int64Value();
  if (id >= 0 && static_cast<size_t>(id) < tensorBytes.size() && tensors.release(id)) {
    int64_t bytes = tensorBytes[id];
    liveBytes -= bytes;
    tensorBytes[id] = 0;
    return Napi::Boolean::New(info.Env(), true);
  }
  return Napi::Boolean::New(info.Env(), false);
}

Napi::Value Stats(const Napi::CallbackInfo& info) {
  auto obj = Napi::Object::New(info.Env());
  obj.Set("liveTensors", static_cast<double>(tensors.live));
  obj.Set("liveBytes", static_cast<double>(liveBytes));
  obj.Set("liveGenerators", static_cast<double>(generators.live));
  obj.Set("liveModules", static_cast<double>(modules.live));
  obj.Set("ops", static_cast<double>(ops.size()));
  return obj;
}

Napi::Value Shape(const Napi::CallbackInfo& info) {
  return guarded(info, "shape", [&]() -> Napi::Value {
    auto& t = tensorArg(info[0]);
    auto sizes = t.sizes();
    auto arr = Napi::Array::New(info.Env(), sizes.size());
    for (size_t i = 0; i < sizes.size(); i++) arr.Set(i, Napi::Number::New(info.Env(), static_cast<double>(sizes[i])));
    return arr;
  });
}

Napi::Value Strides(const Napi::CallbackInfo& info) {
  return guarded(info, "stride", [&]() -> Napi::Value {
    auto& t = tensorArg(info[0]);
    auto st = t.strides();
    auto arr = Napi::Array::New(info.Env(), st.size());
    for (size_t i = 0; i < st.size(); i++) arr.Set(i, Napi::Number::New(info.Env(), static_cast<double>(st[i])));
    return arr;
  });
}

Napi::Value Dtype(const Napi::CallbackInfo& info) {
  return guarded(info, "dtype", [&]() -> Napi::Value {
    return Napi::Number::New(info.Env(), static_cast<int>(tensorArg(info[0]).scalar_type()));
  });
}

Napi::Value Item(const Napi::CallbackInfo& info) {
  return guarded(info, "item", [&]() -> Napi::Value {
    auto& t = tensorArg(info[0]);
    if (t.numel() != 1) {
      throw std::runtime_error("a tensor with " + std::to_string(t.numel()) +
                               " elements cannot be converted to a number; item() needs exactly one");
    }
    auto s = t.item();
    if (s.isBoolean()) return Napi::Boolean::New(info.Env(), s.toBool());
    return Napi::Number::New(info.Env(), s.toDouble());
  });
}

// fromBytes(view, shape, dtype): copies raw little-endian element bytes into a new tensor.
Napi::Value FromBytes(const Napi::CallbackInfo& info) {
  return guarded(info, "fromBytes", [&]() -> Napi::Value {
    auto view = info[0].As<Napi::TypedArray>();
    auto shape = intList(info[1]);
    auto dtype = static_cast<c10::ScalarType>(info[2].As<Napi::Number>().Int32Value());
    auto t = at::empty(shape, at::TensorOptions().dtype(dtype));
    size_t nbytes = t.numel() * t.element_size();
    if (view.ByteLength() != nbytes) {
      throw std::runtime_error("data has " + std::to_string(view.ByteLength()) + " bytes but shape " +
                               c10::str(t.sizes()) + " of " + c10::toString(dtype) + " needs " +
                               std::to_string(nbytes));
    }
    auto* src = static_cast<uint8_t*>(view.ArrayBuffer().Data()) + view.ByteOffset();
    if (nbytes > 0) std::memcpy(t.data_ptr(), src, nbytes);
    return wrapTensor(info.Env(), t);
  });
}

// toBytes(t) -> ArrayBuffer holding the contiguous element bytes.
Napi::Value ToBytes(const Napi::CallbackInfo& info) {
  return guarded(info, "toBytes", [&]() -> Napi::Value {
    auto t = tensorArg(info[0]).detach().contiguous();
    size_t nbytes = t.numel() * t.element_size();
    auto buf = Napi::ArrayBuffer::New(info.Env(), nbytes);
    if (nbytes > 0) std::memcpy(buf.Data(), t.data_ptr(), nbytes);
    return buf;
  });
}

// ---------- autograd ----------

Napi::Value RequiresGrad(const Napi::CallbackInfo& info) {
  return guarded(info, "requires_grad", [&]() -> Napi::Value {
    return Napi::Boolean::New(info.Env(), tensorArg(info[0]).requires_grad());
  });
}

Napi::Value SetRequiresGrad(const Napi::CallbackInfo& info) {
  return guarded(info, "requires_grad_", [&]() -> Napi::Value {
    tensorArg(info[0]).set_requires_grad(info[1].ToBoolean().Value());
    return info.Env().Undefined();
  });
}

Napi::Value IsLeaf(const Napi::CallbackInfo& info) {
  return guarded(info, "is_leaf", [&]() -> Napi::Value {
    return Napi::Boolean::New(info.Env(), tensorArg(info[0]).is_leaf());
  });
}

Napi::Value Grad(const Napi::CallbackInfo& info) {
  return guarded(info, "grad", [&]() -> Napi::Value { return wrapTensor(info.Env(), tensorArg(info[0]).grad()); });
}

// setGrad(t, g | null): null clears the gradient (zero_grad with set_to_none, as torch.optim does by default).
Napi::Value SetGrad(const Napi::CallbackInfo& info) {
  return guarded(info, "set_grad", [&]() -> Napi::Value {
    auto& t = tensorArg(info[0]);
    if (info[1].IsNull() || info[1].IsUndefined()) {
      t.mutable_grad().reset();
    } else {
      auto& g = tensorArg(info[1]);
      // PyTorch rejects a mismatched .grad at assignment; otherwise it surfaces later as a confusing backward error.
      if (!g.sizes().equals(t.sizes()) || g.scalar_type() != t.scalar_type()) {
        throw std::runtime_error("assigned grad must match the tensor: expected " + c10::str(t.sizes()) + " " +
                                 c10::toString(t.scalar_type()) + ", got " + c10::str(g.sizes()) + " " +
                                 c10::toString(g.scalar_type()));
      }
      t.mutable_grad() = g;
    }
    return info.Env().Undefined();
  });
}

std::vector<at::Tensor> tensorList(const Napi::Value& v) {
  std::vector<at::Tensor> out;
  auto arr = v.As<Napi::Array>();
  for (uint32_t i = 0; i < arr.Length(); i++) {
    Napi::Value e = arr.Get(i);
    out.push_back(e.IsNull() || e.IsUndefined() ? at::Tensor() : tensorArg(e));
  }
  return out;
}

// backward(tensors[], grads[] (null entries allowed), retainGraph, createGraph)
Napi::Value Backward(const Napi::CallbackInfo& info) {
  return guarded(info, "backward", [&]() -> Napi::Value {
    auto outputs = tensorList(info[0]);
    auto grads = tensorList(info[1]);
    c10::optional<bool> retain;
    if (info[2].IsBoolean()) retain = info[2].As<Napi::Boolean>().Value();
    bool create = info[3].ToBoolean().Value();
    torch::autograd::backward(outputs, grads, retain, create);
    return info.Env().Undefined();
  });
}

// autogradGrad(outputs[], inputs[], gradOutputs[], retainGraph, createGraph, allowUnused) -> (handle|null)[]
Napi::Value AutogradGrad(const Napi::CallbackInfo& info) {
  return guarded(info, "autograd.grad", [&]() -> Napi::Value {
    auto outputs = tensorList(info[0]);
    auto inputs = tensorList(info[1]);
    auto grads = tensorList(info[2]);
    c10::optional<bool> retain;
    if (info[3].IsBoolean()) retain = info[3].As<Napi::Boolean>().Value();
    auto res = torch::autograd::grad(outputs, inputs, grads, retain, info[4].ToBoolean().Value(),
                                     info[5].ToBoolean().Value());
    auto arr = Napi::Array::New(info.Env(), res.size());
    for (size_t i = 0; i < res.size(); i++) arr.Set(i, wrapTensor(info.Env(), res[i]));
    return arr;
  });
}

Napi::Value SetGradEnabled(const Napi::CallbackInfo& info) {
  bool prev = c10::GradMode::is_enabled();
  c10::GradMode::set_enabled(info[0].ToBoolean().Value());
  return Napi::Boolean::New(info.Env(), prev);
}

Napi::Value IsGradEnabled(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), c10::GradMode::is_enabled());
}

// ---------- threads, determinism, seeds, versions ----------

Napi::Value SetNumThreads(const Napi::CallbackInfo& info) {
  return guarded(info, "set_num_threads", [&]() -> Napi::Value {
    int n = info[0].As<Napi::Number>().Int32Value();
    if (n < 1) throw std::runtime_error("thread count must be >= 1, got " + std::to_string(n));
    at::set_num_threads(n);
    return info.Env().Undefined();
  });
}

Napi::Value GetNumThreads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), at::get_num_threads());
}

Napi::Value SetDeterministic(const Napi::CallbackInfo& info) {
  return guarded(info, "use_deterministic_algorithms", [&]() -> Napi::Value {
    at::globalContext().setDeterministicAlgorithms(info[0].ToBoolean().Value(), false);
    return info.Env().Undefined();
  });
}

Napi::Value GetDeterministic(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), at::globalContext().deterministicAlgorithms());
}

Napi::Value ManualSeed(const Napi::CallbackInfo& info) {
  return guarded(info, "manual_seed", [&]() -> Napi::Value {
    torch::manual_seed(static_cast<uint64_t>(info[0].As<Napi::Number>().Int64Value()));
    return info.Env().Undefined();
  });
}

Napi::Value Versions(const Napi::CallbackInfo& info) {
  auto obj = Napi::Object::New(info.Env());
  obj.Set("torch", TORCH_VERSION);
  obj.Set("parallel", at::get_parallel_info());
  return obj;
}

// ---------- generators ----------

Napi::Value GeneratorNew(const Napi::CallbackInfo& info) {
  return guarded(info, "Generator", [&]() -> Napi::Value {
    auto gen = at::make_generator<at::CPUGeneratorImpl>(static_cast<uint64_t>(info[0].As<Napi::Number>().Int64Value()));
    return Napi::Number::New(info.Env(), generators.put(gen));
  });
}

Napi::Value GeneratorDefault(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), generators.put(at::detail::getDefaultCPUGenerator()));
}

Napi::Value GeneratorSeed(const Napi::CallbackInfo& info) {
  return guarded(info, "Generator.manual_seed", [&]() -> Napi::Value {
    auto& g = generators.get(info[0].As<Napi::Number>().Int64Value(), "generator");
    std::lock_guard<std::mutex> lock(g.mutex());
    g.set_current_seed(static_cast<uint64_t>(info[1].As<Napi::Number>().Int64Value()));
    return info.Env().Undefined();
  });
}

Napi::Value GeneratorGetState(const Napi::CallbackInfo& info) {
  return guarded(info, "Generator.get_state", [&]() -> Napi::Value {
    auto& g = generators.get(info[0].As<Napi::Number>().Int64Value(), "generator");
    std::lock_guard<std::mutex> lock(g.mutex());
    return wrapTensor(info.Env(), at::Tensor(g.get_state()));
  });
}

Napi::Value GeneratorSetState(const Napi::CallbackInfo& info) {
  return guarded(info, "Generator.set_state", [&]() -> Napi::Value {
    auto& g = generators.get(info[0].As<Napi::Number>().Int64Value(), "generator");
    auto& state = tensorArg(info[1]);
    std::lock_guard<std::mutex> lock(g.mutex());
    g.set_state(state);
    return info.Env().Undefined();
  });
}

Napi::Value GeneratorFree(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), generators.release(info[0].As<Napi::Number>().Int64Value()));
}

// ---------- TorchScript ----------

Napi::Value JitLoad(const Napi::CallbackInfo& info) {
  return guarded(info, "jit.load", [&]() -> Napi::Value {
    auto m = torch::jit::load(info[0].ToString().Utf8Value());
    m.eval();
    return Napi::Number::New(info.Env(), modules.put(std::move(m)));
  });
}

// jitCall(module, method, tensors[]) -> result converted like an op's
Napi::Value JitCall(const Napi::CallbackInfo& info) {
  std::string method = info[1].ToString().Utf8Value();
  return guarded(info, "jit." + method, [&]() -> Napi::Value {
    auto& m = modules.get(info[0].As<Napi::Number>().Int64Value(), "module");
    std::vector<c10::IValue> inputs;
    for (auto& t : tensorList(info[2])) inputs.emplace_back(t);
    return fromIValue(info.Env(), m.get_method(method)(inputs));
  });
}

Napi::Value JitParameters(const Napi::CallbackInfo& info) {
  return guarded(info, "jit.named_parameters", [&]() -> Napi::Value {
    auto& m = modules.get(info[0].As<Napi::Number>().Int64Value(), "module");
    auto obj = Napi::Object::New(info.Env());
    for (const auto& p : m.named_parameters(true)) obj.Set(p.name, wrapTensor(info.Env(), p.value));
    return obj;
  });
}

// ---------- TorchScript modules as trainable generators (issue #15) ----------
// A module's parameters come back as handles sharing the module's TensorImpls (named_parameters above): setting
// requires_grad on them, reading .grad after backward, or an optimizer's in-place update all act on what the
// module computes with. The functions below add what training needs around that: modes, buffers, a deep copy (the
// frozen KL reference), a method's signature (checked at load) and saving back to a TorchScript archive.

torch::jit::Module& moduleArg(const Napi::Value& v) {
  return modules.get(v.As<Napi::Number>().Int64Value(), "module");
}

// jitTrain(module, mode): Module.train(mode) on the module and its submodules (dropout, batch norm read it).
Napi::Value JitTrain(const Napi::CallbackInfo& info) {
  return guarded(info, "jit.train", [&]() -> Napi::Value {
    moduleArg(info[0]).train(info[1].ToBoolean().Value());
    return info.Env().Undefined();
  });
}

Napi::Value JitIsTraining(const Napi::CallbackInfo& info) {
  return guarded(info, "jit.is_training", [&]() -> Napi::Value {
    return Napi::Boolean::New(info.Env(), moduleArg(info[0]).is_training());
  });
}

// jitBuffers(module) -> { name: handle } for every buffer, recursively (state_dict's non-parameter entries).
Napi::Value JitBuffers(const Napi::CallbackInfo& info) {
  return guarded(info, "jit.named_buffers", [&]() -> Napi::Value {
    auto obj = Napi::Object::New(info.Env());
    for (const auto& b : moduleArg(info[0]).named_buffers(true)) obj.Set(b.name, wrapTensor(info.Env(), b.value));
    return obj;
  });
}

// jitClone(module) -> a new module with copies of every tensor (copy.deepcopy): shares no storage.
Napi::Value JitClone(const Napi::CallbackInfo& info) {
  return guarded(info, "jit.deepcopy", [&]() -> Napi::Value {
    return Napi::Number::New(info.Env(), modules.put(moduleArg(info[0]).deepcopy()));
  });
}

// jitSave(module, path): torch.jit.save — code and current tensor values, loadable by torch.jit.load in Python.
Napi::Value JitSave(const Napi::CallbackInfo& info) {
  return guarded(info, "jit.save", [&]() -> Napi::Value {
    moduleArg(info[0]).save(info[1].ToString().Utf8Value());
    return info.Env().Undefined();
  });
}

// jitSchema(module, method) -> { arguments: [{ name, type }], returns: [type] }, `self` excluded; throws when the
// module has no such method.
Napi::Value JitSchema(const Napi::CallbackInfo& info) {
  std::string method = info[1].ToString().Utf8Value();
  return guarded(info, "jit.schema", [&]() -> Napi::Value {
    auto env = info.Env();
    auto& m = moduleArg(info[0]);
    auto found = m.find_method(method);
    if (!found) throw std::runtime_error("module has no method '" + method + "'");
    const auto& schema = found->function().getSchema();
    auto args = Napi::Array::New(env);
    uint32_t n = 0;
    for (const auto& a : schema.arguments()) {
      if (a.name() == "self") continue;
      auto o = Napi::Object::New(env);
      o.Set("name", a.name());
      o.Set("type", a.type()->str());
      args.Set(n++, o);
    }
    auto rets = Napi::Array::New(env);
    for (size_t i = 0; i < schema.returns().size(); i++) rets.Set(i, schema.returns()[i].type()->str());
    auto out = Napi::Object::New(env);
    out.Set("arguments", args);
    out.Set("returns", rets);
    return out;
  });
}

// jitSetOptimize(flag): the graph executor's optimisation passes (fusion, specialisation) on or off, process-wide.
// Off, a TorchScript method runs op by op as eager PyTorch would, so replaying a trajectory recomputes bit-identical
// log-probs (the profiling executor otherwise switches to an optimised graph after its first runs).
Napi::Value JitSetOptimize(const Napi::CallbackInfo& info) {
  return guarded(info, "jit.set_optimize", [&]() -> Napi::Value {
    bool previous = torch::jit::getGraphExecutorOptimize();
    torch::jit::setGraphExecutorOptimize(info[0].ToBoolean().Value());
    return Napi::Boolean::New(info.Env(), previous);
  });
}

Napi::Value JitFree(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), modules.release(info[0].As<Napi::Number>().Int64Value()));
}

Napi::Value SetErrorClass(const Napi::CallbackInfo& info) {
  errorClass = Napi::Persistent(info[0].As<Napi::Function>());
  return info.Env().Undefined();
}

// glibc malloc settings for a process whose heap is mostly libtorch's (issue #11, measured with perf on the op loop
// and the shapes-base training step). c10's CPU allocator asks posix_memalign for every tensor, which glibc 2.36
// serves without its tcache; freed small chunks then sit in fastbins, and the next aligned request runs
// malloc_consolidate over them: 8% of the op loop's CPU (Python, whose objects come from pymalloc, 0.8%). Without
// fastbins (M_MXFAST 0) the op loop took ~20% less CPU. A step's activations are freed at scope exit and
// allocated again next step; glibc trimmed the heap top and unmapped large blocks in between, so every step
// faulted fresh pages in (kernel time 14% of a step vs 7% in Python): keep up to 256 MB of free top and serve
// blocks below 32 MB from the heap. REFRACT_MALLOC=default leaves glibc's defaults.
void tuneMalloc() {
  const char* opt = std::getenv("REFRACT_MALLOC");
  if (opt != nullptr && std::string(opt) == "default") return;
  mallopt(M_MXFAST, 0);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  mallopt(M_TOP_PAD, 64 << 20);
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  tuneMalloc();
  // Debian's libtorch runs on one thread unless told; the TS layer sets the count explicitly at startup.
  auto fn = [&](const char* name, Napi::Value (*f)(const Napi::CallbackInfo&)) {
    exports.Set(name, Napi::Function::New(env, f, name));
  };
  fn("opResolve", OpResolve);
  fn("opSchema", OpSchema);
  fn("opCall", OpCall);
  fn("opCallInplace", OpCallInplace);
  fn("free", Free);
  fn("stats", Stats);
  fn("shape", Shape);
  fn("strides", Strides);
  fn("dtype", Dtype);
  fn("item", Item);
  fn("fromBytes", FromBytes);
  fn("toBytes", ToBytes);
  fn("requiresGrad", RequiresGrad);
  fn("setRequiresGrad", SetRequiresGrad);
  fn("isLeaf", IsLeaf);
  fn("grad", Grad);
  fn("setGrad", SetGrad);
  fn("backward", Backward);
  fn("autogradGrad", AutogradGrad);
  fn("setGradEnabled", SetGradEnabled);
  fn("isGradEnabled", IsGradEnabled);
  fn("setNumThreads", SetNumThreads);
  fn("getNumThreads", GetNumThreads);
  fn("setDeterministic", SetDeterministic);
  fn("getDeterministic", GetDeterministic);
  fn("manualSeed", ManualSeed);
  fn("versions", Versions);
  fn("generatorNew", GeneratorNew);
  fn("generatorDefault", GeneratorDefault);
  fn("generatorSeed", GeneratorSeed);
  fn("generatorGetState", GeneratorGetState);
  fn("generatorSetState", GeneratorSetState);
  fn("generatorFree", GeneratorFree);
  fn("jitLoad", JitLoad);
  fn("jitCall", JitCall);
  fn("jitParameters", JitParameters);
  fn("jitFree", JitFree);
  fn("jitTrain", JitTrain);
  fn("jitIsTraining", JitIsTraining);
  fn("jitBuffers", JitBuffers);
  fn("jitClone", JitClone);
  fn("jitSave", JitSave);
  fn("jitSchema", JitSchema);
  fn("jitSetOptimize", JitSetOptimize);
  fn("setErrorClass", SetErrorClass);
  RegisterDistributed(env, exports);
  return exports;
}

}  // namespace

// The doors native/handles.h declares for the other native files (native/distributed.cc).
at::Tensor& refract::tensorFromHandle(const Napi::Value& handle) { return tensorArg(handle); }
Napi::Value refract::wrapTensorHandle(Napi::Env env, at::Tensor tensor) { return wrapTensor(env, std::move(tensor)); }
void refract::throwTorchError(const Napi::Env& env, const std::string& op, const std::string& message) {
  throwTorch(env, op, message);
}

NODE_API_MODULE(refract, Init)

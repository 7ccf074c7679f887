// The few things native/refract.cc shares with the other native files: the tensor handle table and the JS error
// class. refract.cc keeps its tables private; these functions are its only doors into them.
#pragma once

#include <napi.h>
#include <torch/torch.h>

#include <string>

namespace refract {

/** The live tensor behind a JS handle (a number); throws std::runtime_error if it is not live. */
at::Tensor& tensorFromHandle(const Napi::Value& handle);

/** Adopts a tensor into the handle table and returns its JS handle (null for an undefined tensor). */
Napi::Value wrapTensorHandle(Napi::Env env, at::Tensor tensor);

/** Throws the TS layer's TorchError carrying `op` and `message`. */
[[noreturn]] void throwTorchError(const Napi::Env& env, const std::string& op, const std::string& message);

/** Runs `body`, turning libtorch's and C++'s exceptions into a TorchError named after `op` (N-API errors pass). */
template <typename F>
Napi::Value guarded(const Napi::CallbackInfo& info, const std::string& op, F&& body) {
  try {
    return body();
  } catch (const Napi::Error&) {
    throw;
  } catch (const c10::Error& e) {
    throwTorchError(info.Env(), op, e.what_without_backtrace());
  } catch (const std::exception& e) {
    throwTorchError(info.Env(), op, e.what());
  }
}

}  // namespace refract

/** Registers the c10d binding (native/distributed.cc) on the addon's exports. */
void RegisterDistributed(Napi::Env env, Napi::Object exports);

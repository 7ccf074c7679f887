// A thin binding of PyTorch's c10d (torch/csrc/distributed/c10d): the key-value stores ranks meet through
// (TCPStore, FileStore) and the process groups that run collectives (Gloo on CPU; NCCL when built against a CUDA
// libtorch with USE_C10D_NCCL). Names follow torch.distributed; src/torch/distributed/ gives them their TS face.
//
// Every collective is synchronous from JS's point of view but bounded: it is enqueued on the process group and
// then waited for with c10d's Work::wait(timeout), which throws when the peers do not answer in time, and Gloo
// itself fails fast ("Connection closed by peer") when a peer process dies. So a dead rank costs the survivors at
// most one timeout, never a hang. Errors reach JS as TorchError with the op name, like every other native call.
//
// Stores and groups live in tables that are deliberately never destroyed at process exit: ~ProcessGroupGloo
// joins its worker threads, which may still be inside a collective with a dead peer, and a static destructor
// must not turn an error exit into a hang.

#include "handles.h"

#include <torch/csrc/distributed/c10d/FileStore.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#include <torch/csrc/distributed/c10d/Types.hpp>  // the collectives' options and ReduceOp
#include <torch/csrc/distributed/c10d/Work.hpp>
// Every libtorch build Refract supports (Debian's 1.13, PyTorch's 2.x wheels) has Gloo compiled in, but its C++
// header needs Gloo's own headers (libgloo-dev on Debian). native/find-libtorch.cjs defines REFRACT_GLOO when they
// are there; without them the stores still build and initProcessGroup says what to install.
#ifdef REFRACT_GLOO
#ifndef USE_C10D_GLOO
#define USE_C10D_GLOO
#endif
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#endif
#ifdef USE_C10D_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include <chrono>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace {

using Millis = std::chrono::milliseconds;
using WorkPtr = c10::intrusive_ptr<c10d::Work>;

// A process group of either backend behind one interface. Gloo and NCCL derive from c10d::ProcessGroup in
// libtorch 1.13 and from c10d::Backend in 2.x; the template hides which.
struct Group {
  virtual ~Group() = default;
  virtual WorkPtr allreduce(std::vector<at::Tensor>& t, const c10d::AllreduceOptions& o) = 0;
  virtual WorkPtr allgather(std::vector<std::vector<at::Tensor>>& out, std::vector<at::Tensor>& in,
                            const c10d::AllgatherOptions& o) = 0;
  virtual WorkPtr broadcast(std::vector<at::Tensor>& t, const c10d::BroadcastOptions& o) = 0;
  virtual WorkPtr barrier(const c10d::BarrierOptions& o) = 0;
  int worldSize = 0;
};

template <class PG>
struct GroupOf final : Group {
  c10::intrusive_ptr<PG> pg;
  explicit GroupOf(c10::intrusive_ptr<PG> p, int size) : pg(std::move(p)) { worldSize = size; }
  WorkPtr allreduce(std::vector<at::Tensor>& t, const c10d::AllreduceOptions& o) override {
    return pg->allreduce(t, o);
  }
  WorkPtr allgather(std::vector<std::vector<at::Tensor>>& out, std::vector<at::Tensor>& in,
                    const c10d::AllgatherOptions& o) override {
    return pg->allgather(out, in, o);
  }
  WorkPtr broadcast(std::vector<at::Tensor>& t, const c10d::BroadcastOptions& o) override {
    return pg->broadcast(t, o);
  }
  WorkPtr barrier(const c10d::BarrierOptions& o) override { return pg->barrier(o); }
};

// Never destroyed (see the header comment).
auto& stores = *new std::map<int32_t, c10::intrusive_ptr<c10d::Store>>();
auto& groups = *new std::map<int32_t, std::unique_ptr<Group>>();
int32_t nextId = 1;

using refract::guarded;  // native/handles.h

int64_t intArg(const Napi::Value& v, const char* what) {
  if (!v.IsNumber()) throw std::runtime_error(std::string(what) + " must be a number");
  return v.As<Napi::Number>().Int64Value();
}

std::string stringArg(const Napi::Value& v, const char* what) {
  if (!v.IsString()) throw std::runtime_error(std::string(what) + " must be a string");
  return v.As<Napi::String>().Utf8Value();
}

Millis timeoutArg(const Napi::Value& v) {
  int64_t ms = intArg(v, "timeoutMs");
  if (ms <= 0) throw std::runtime_error("timeoutMs must be positive, got " + std::to_string(ms));
  return Millis(ms);
}

c10d::Store& storeAt(const Napi::Value& v) {
  auto it = stores.find(static_cast<int32_t>(intArg(v, "store")));
  if (it == stores.end()) throw std::runtime_error("store handle is not live (used after destroy?)");
  return *it->second;
}

Group& groupAt(const Napi::Value& v) {
  auto it = groups.find(static_cast<int32_t>(intArg(v, "group")));
  if (it == groups.end()) throw std::runtime_error("process group handle is not live (used after destroy?)");
  return *it->second;
}

std::vector<std::string> keyList(const Napi::Value& v) {
  if (!v.IsArray()) throw std::runtime_error("keys must be an array of strings");
  auto arr = v.As<Napi::Array>();
  std::vector<std::string> keys;
  for (uint32_t i = 0; i < arr.Length(); i++) keys.push_back(stringArg(arr.Get(i), "key"));
  return keys;
}

// A collective's tensor must be dense and contiguous: c10d reads and writes its storage directly.
at::Tensor& collectiveTensor(const Napi::Value& v) {
  at::Tensor& t = refract::tensorFromHandle(v);
  if (!t.is_contiguous()) throw std::runtime_error("the tensor must be contiguous (call .contiguous() first)");
  if (t.requires_grad() && t.is_leaf()) {
    throw std::runtime_error("the tensor must not be a leaf that requires grad (pass its .detach())");
  }
  return t;
}

// Waits for a collective with c10d's own bounded wait; a timeout throws, a failed peer rethrows its error.
void finish(const WorkPtr& work, Millis timeout) {
  if (!work->wait(timeout)) throw std::runtime_error("timed out after " + std::to_string(timeout.count()) + " ms");
}

// ---------- stores ----------

// tcpStore(host, port, isServer, worldSize, timeoutMs) → { id, port }. Port 0 on the server picks a free port.
Napi::Value TcpStore(const Napi::CallbackInfo& info) {
  return guarded(info, "TCPStore", [&]() -> Napi::Value {
    c10d::TCPStoreOptions opts;
    opts.port = static_cast<uint16_t>(intArg(info[1], "port"));
    opts.isServer = info[2].ToBoolean().Value();
    opts.numWorkers = static_cast<size_t>(intArg(info[3], "worldSize"));
    opts.waitWorkers = false;  // initProcessGroup's own rendezvous waits for everyone
    opts.timeout = timeoutArg(info[4]);
    auto store = c10::make_intrusive<c10d::TCPStore>(stringArg(info[0], "host"), opts);
    int32_t id = nextId++;
    int port = store->getPort();
    stores.emplace(id, std::move(store));
    Napi::Object out = Napi::Object::New(info.Env());
    out.Set("id", id);
    out.Set("port", port);
    return out;
  });
}

// fileStore(path, worldSize, timeoutMs) → id
Napi::Value FileStore(const Napi::CallbackInfo& info) {
  return guarded(info, "FileStore", [&]() -> Napi::Value {
    auto store = c10::make_intrusive<c10d::FileStore>(stringArg(info[0], "path"),
                                                      static_cast<int>(intArg(info[1], "worldSize")));
    store->setTimeout(timeoutArg(info[2]));
    int32_t id = nextId++;
    stores.emplace(id, std::move(store));
    return Napi::Number::New(info.Env(), id);
  });
}

Napi::Value StoreSet(const Napi::CallbackInfo& info) {
  return guarded(info, "Store.set", [&]() -> Napi::Value {
    std::string value = stringArg(info[2], "value");
    storeAt(info[0]).set(stringArg(info[1], "key"), std::vector<uint8_t>(value.begin(), value.end()));
    return info.Env().Undefined();
  });
}

Napi::Value StoreGet(const Napi::CallbackInfo& info) {
  return guarded(info, "Store.get", [&]() -> Napi::Value {
    auto bytes = storeAt(info[0]).get(stringArg(info[1], "key"));
    return Napi::String::New(info.Env(), std::string(bytes.begin(), bytes.end()));
  });
}

Napi::Value StoreAdd(const Napi::CallbackInfo& info) {
  return guarded(info, "Store.add", [&]() -> Napi::Value {
    int64_t v = storeAt(info[0]).add(stringArg(info[1], "key"), intArg(info[2], "amount"));
    return Napi::Number::New(info.Env(), static_cast<double>(v));
  });
}

Napi::Value StoreCheck(const Napi::CallbackInfo& info) {
  return guarded(info, "Store.check", [&]() -> Napi::Value {
    return Napi::Boolean::New(info.Env(), storeAt(info[0]).check(keyList(info[1])));
  });
}

Napi::Value StoreWait(const Napi::CallbackInfo& info) {
  return guarded(info, "Store.wait", [&]() -> Napi::Value {
    storeAt(info[0]).wait(keyList(info[1]), timeoutArg(info[2]));
    return info.Env().Undefined();
  });
}

Napi::Value StoreDelete(const Napi::CallbackInfo& info) {
  return guarded(info, "Store.deleteKey", [&]() -> Napi::Value {
    return Napi::Boolean::New(info.Env(), storeAt(info[0]).deleteKey(stringArg(info[1], "key")));
  });
}

Napi::Value StoreFree(const Napi::CallbackInfo& info) {
  return guarded(info, "Store.destroy", [&]() -> Napi::Value {
    return Napi::Boolean::New(info.Env(), stores.erase(static_cast<int32_t>(intArg(info[0], "store"))) > 0);
  });
}

// ---------- process groups ----------

#ifdef REFRACT_GLOO
std::unique_ptr<Group> newGloo(const c10::intrusive_ptr<c10d::Store>& store, int rank, int size, Millis timeout) {
  auto opts = c10d::ProcessGroupGloo::Options::create(timeout);
  // As torch.distributed does: GLOO_SOCKET_IFNAME picks the interface, else the hostname's address (or loopback).
  const char* ifname = std::getenv("GLOO_SOCKET_IFNAME");
  opts->devices.push_back(ifname != nullptr && *ifname != '\0'
                              ? c10d::ProcessGroupGloo::createDeviceForInterface(ifname)
                              : c10d::ProcessGroupGloo::createDefaultDevice());
  opts->threads = 2;
  auto pg = c10::make_intrusive<c10d::ProcessGroupGloo>(store, rank, size, opts);
  return std::make_unique<GroupOf<c10d::ProcessGroupGloo>>(std::move(pg), size);
}
#else
std::unique_ptr<Group> newGloo(const c10::intrusive_ptr<c10d::Store>&, int, int, Millis) {
  throw std::runtime_error("backend gloo needs Gloo's headers at build time: `apt-get install -y libgloo-dev`, "
                           "then `node scripts/install-addon.mjs --force`");
}
#endif

#ifdef USE_C10D_NCCL
std::unique_ptr<Group> newNccl(const c10::intrusive_ptr<c10d::Store>& store, int rank, int size, Millis timeout) {
  auto opts = c10d::ProcessGroupNCCL::Options::create();
  opts->timeout = timeout;
  auto pg = c10::make_intrusive<c10d::ProcessGroupNCCL>(store, rank, size, opts);
  return std::make_unique<GroupOf<c10d::ProcessGroupNCCL>>(std::move(pg), size);
}
#endif

// newGroup(backend, store, rank, worldSize, timeoutMs) → id. Gloo's constructor is the rendezvous: it returns
// once every rank has connected, or throws after timeoutMs.
Napi::Value NewGroup(const Napi::CallbackInfo& info) {
  return guarded(info, "initProcessGroup", [&]() -> Napi::Value {
    std::string backend = stringArg(info[0], "backend");
    auto it = stores.find(static_cast<int32_t>(intArg(info[1], "store")));
    if (it == stores.end()) throw std::runtime_error("store handle is not live");
    int rank = static_cast<int>(intArg(info[2], "rank"));
    int size = static_cast<int>(intArg(info[3], "worldSize"));
    Millis timeout = timeoutArg(info[4]);
    std::unique_ptr<Group> group;
    if (backend == "gloo") group = newGloo(it->second, rank, size, timeout);
#ifdef USE_C10D_NCCL
    else if (backend == "nccl") group = newNccl(it->second, rank, size, timeout);
#endif
    else throw std::runtime_error("backend " + backend + " is not available in this build (have: " +
#ifdef USE_C10D_NCCL
                                  "gloo, nccl)");
#else
                                  "gloo; nccl needs a CUDA libtorch)");
#endif
    int32_t id = nextId++;
    groups.emplace(id, std::move(group));
    return Napi::Number::New(info.Env(), id);
  });
}

Napi::Value Backends(const Napi::CallbackInfo& info) {
  Napi::Array out = Napi::Array::New(info.Env());
#ifdef REFRACT_GLOO
  out.Set(out.Length(), "gloo");
#endif
#ifdef USE_C10D_NCCL
  out.Set(out.Length(), "nccl");
#endif
  return out;
}

c10d::ReduceOp reduceOpArg(const Napi::Value& v) {
  std::string name = stringArg(v, "op");
  if (name == "sum") return c10d::ReduceOp(c10d::ReduceOp::SUM);
  if (name == "max") return c10d::ReduceOp(c10d::ReduceOp::MAX);
  if (name == "min") return c10d::ReduceOp(c10d::ReduceOp::MIN);
  if (name == "product") return c10d::ReduceOp(c10d::ReduceOp::PRODUCT);
  throw std::runtime_error("op must be sum, max, min or product, got " + name);
}

// allReduce(group, tensor, op, timeoutMs): in place, as torch.distributed.all_reduce.
Napi::Value AllReduce(const Napi::CallbackInfo& info) {
  return guarded(info, "allReduce", [&]() -> Napi::Value {
    Group& g = groupAt(info[0]);
    std::vector<at::Tensor> ts{collectiveTensor(info[1])};
    c10d::AllreduceOptions opts;
    opts.reduceOp = reduceOpArg(info[2]);
    opts.timeout = timeoutArg(info[3]);
    finish(g.allreduce(ts, opts), opts.timeout);
    return info.Env().Undefined();
  });
}

// allGather(group, tensor, timeoutMs) → one new tensor handle per rank, in rank order.
Napi::Value AllGather(const Napi::CallbackInfo& info) {
  return guarded(info, "allGather", [&]() -> Napi::Value {
    Group& g = groupAt(info[0]);
    std::vector<at::Tensor> in{collectiveTensor(info[1])};
    std::vector<std::vector<at::Tensor>> out(1);
    for (int r = 0; r < g.worldSize; r++) out[0].push_back(at::empty_like(in[0]));
    c10d::AllgatherOptions opts;
    opts.timeout = timeoutArg(info[2]);
    finish(g.allgather(out, in, opts), opts.timeout);
    Napi::Array handles = Napi::Array::New(info.Env(), out[0].size());
    for (size_t r = 0; r < out[0].size(); r++) {
      handles.Set(static_cast<uint32_t>(r), refract::wrapTensorHandle(info.Env(), out[0][r]));
    }
    return handles;
  });
}

// broadcast(group, tensor, root, timeoutMs): in place.
Napi::Value Broadcast(const Napi::CallbackInfo& info) {
  return guarded(info, "broadcast", [&]() -> Napi::Value {
    Group& g = groupAt(info[0]);
    std::vector<at::Tensor> ts{collectiveTensor(info[1])};
    c10d::BroadcastOptions opts;
    opts.rootRank = intArg(info[2], "root");
    opts.timeout = timeoutArg(info[3]);
    finish(g.broadcast(ts, opts), opts.timeout);
    return info.Env().Undefined();
  });
}

Napi::Value Barrier(const Napi::CallbackInfo& info) {
  return guarded(info, "barrier", [&]() -> Napi::Value {
    Group& g = groupAt(info[0]);
    c10d::BarrierOptions opts;
    opts.timeout = timeoutArg(info[1]);
    finish(g.barrier(opts), opts.timeout);
    return info.Env().Undefined();
  });
}

Napi::Value GroupFree(const Napi::CallbackInfo& info) {
  return guarded(info, "destroyProcessGroup", [&]() -> Napi::Value {
    return Napi::Boolean::New(info.Env(), groups.erase(static_cast<int32_t>(intArg(info[0], "group"))) > 0);
  });
}

}  // namespace

void RegisterDistributed(Napi::Env env, Napi::Object exports) {
  auto fn = [&](const char* name, Napi::Value (*f)(const Napi::CallbackInfo&)) {
    exports.Set(name, Napi::Function::New(env, f, name));
  };
  fn("distTcpStore", TcpStore);
  fn("distFileStore", FileStore);
  fn("distStoreSet", StoreSet);
  fn("distStoreGet", StoreGet);
  fn("distStoreAdd", StoreAdd);
  fn("distStoreCheck", StoreCheck);
  fn("distStoreWait", StoreWait);
  fn("distStoreDelete", StoreDelete);
  fn("distStoreFree", StoreFree);
  fn("distNewGroup", NewGroup);
  fn("distBackends", Backends);
  fn("distAllReduce", AllReduce);
  fn("distAllGather", AllGather);
  fn("distBroadcast", Broadcast);
  fn("distBarrier", Barrier);
  fn("distGroupFree", GroupFree);
}

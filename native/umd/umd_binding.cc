// umd_binding.cc - see umd_binding.h.
#include "umd_binding.h"
#include "../device.h"
#include "status.h"
#include <map>

namespace mh::umd {

namespace {

constexpr size_t kEventBatch = 256;   // events handed to JavaScript per turn
constexpr uint32_t kTeardownWaitMs = 10000;

struct JsSide;
void CallJs(Napi::Env env, Napi::Function, JsSide* side, void*);
using EventTsfn = Napi::TypedThreadSafeFunction<JsSide, void, CallJs>;

// Shared by the core's threads (producers) and the JavaScript side (consumer).
struct EventQueue {
  std::mutex mutex;
  std::deque<HostEvent> events;
  bool callPending = false;
  bool open = true;
  EventTsfn tsfn;
};

// JavaScript-thread state of one host; freed by the thread-safe function's finalizer.
struct JsSide {
  Napi::FunctionReference onEvent;
  std::map<uint32_t, Napi::Promise::Deferred> tasks;
  std::shared_ptr<EventQueue> queue;
  bool refed = false;
  bool teardown = false;   // a teardown the driver asked for is under way
  bool disposed = false;
};

Napi::Object ToObject(Napi::Env env, const HostEvent& event) {
  Napi::Object o = Napi::Object::New(env);
  for (const auto& [name, value] : event.numbers) o.Set(name, Napi::Number::New(env, value));
  for (const auto& [name, value] : event.strings) o.Set(name, Napi::String::New(env, value));
  return o;
}

void UpdateRef(Napi::Env env, JsSide* side) {
  bool want = (!side->tasks.empty() || side->teardown) && !side->disposed;
  if (want != side->refed) {
    side->refed = want;
    if (want) side->queue->tsfn.Ref(env); else side->queue->tsfn.Unref(env);
  }
}

void CallJs(Napi::Env env, Napi::Function, JsSide* side, void*) {
  if (env == nullptr || side == nullptr) return;
  std::deque<HostEvent> batch;
  bool more;
  {
    std::lock_guard<std::mutex> lock(side->queue->mutex);
    while (batch.size() < kEventBatch && !side->queue->events.empty()) {
      batch.push_back(std::move(side->queue->events.front()));
      side->queue->events.pop_front();
    }
    more = !side->queue->events.empty();
    if (!more) side->queue->callPending = false;
  }
  for (const HostEvent& event : batch) {
    Napi::HandleScope scope(env);
    if (event.kind == "done") {
      auto found = side->tasks.find(event.taskId);
      if (found != side->tasks.end()) {
        Napi::Promise::Deferred deferred = found->second;
        side->tasks.erase(found);
        deferred.Resolve(ToObject(env, event));
      }
    } else if (!side->disposed && !side->onEvent.IsEmpty()) {
      if (event.kind == "sessionStatus") {
        for (const auto& [name, value] : event.numbers) if (name == "teardown" && value != 0) side->teardown = true;
      } else if (event.kind == "teardown") {
        side->teardown = false;
      }
      try {
        side->onEvent.Call({Napi::String::New(env, event.kind), ToObject(env, event)});
      } catch (const Napi::Error& error) {
        // A listener that throws must not stop the host's events; surface it as Node would.
        napi_fatal_exception(env, error.Value());
      }
    }
  }
  UpdateRef(env, side);
  if (more) {
    std::lock_guard<std::mutex> lock(side->queue->mutex);
    if (side->queue->open) side->queue->tsfn.NonBlockingCall();
  }
}

void FinalizeSide(Napi::Env, void*, JsSide* side) { delete side; }

class UmdHostWrap : public Napi::ObjectWrap<UmdHostWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    Napi::Function cls = DefineClass(env, "UmdHost", {
        InstanceMethod<&UmdHostWrap::Run>("run"),
        InstanceMethod<&UmdHostWrap::Listen>("listen"),
        InstanceMethod<&UmdHostWrap::SetDataRate>("setDataRate"),
        InstanceMethod<&UmdHostWrap::InjectChunkResets>("injectChunkResets"),
        InstanceMethod<&UmdHostWrap::ReportHang>("reportHang"),
        InstanceMethod<&UmdHostWrap::Trace>("trace"),
        InstanceMethod<&UmdHostWrap::Findings>("findings"),
        InstanceMethod<&UmdHostWrap::Counters>("counters"),
        InstanceMethod<&UmdHostWrap::Dispose>("dispose"),
        InstanceAccessor<&UmdHostWrap::GetState>("state"),
        InstanceAccessor<&UmdHostWrap::GetWedged>("wedged"),
    });
    Napi::Array rules = Napi::Array::New(env);
    uint32_t index = 0;
#define MH_UMD_RULE_ENTRY(symbol, id) rules.Set(index++, Napi::String::New(env, id));
    MH_UMD_RULES(MH_UMD_RULE_ENTRY)
#undef MH_UMD_RULE_ENTRY
    cls.Set("ruleIds", rules);
    Napi::Object clock = Napi::Object::New(env);
    clock.Set("unit100ns", Napi::Number::New(env, ClockUnit100ns()));
    clock.Set("source", Napi::String::New(env, ClockSource()));
    cls.Set("clock", clock);
    cls.Set("now", Napi::Function::New(env, [](const Napi::CallbackInfo& info) {
      return Napi::Number::New(info.Env(), static_cast<double>(InterruptTime()));
    }));
    return cls;
  }

  explicit UmdHostWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<UmdHostWrap>(info) {
    Napi::Env env = info.Env();
    if (info.Length() < 3 || !info[0].IsObject() || !info[1].IsFunction() || !info[2].IsObject()) {
      throw Napi::TypeError::New(env, "UmdHost(device, onEvent, options)");
    }
    Napi::Object deviceObject = info[0].As<Napi::Object>();
    Device* device = Device::Unwrap(deviceObject);
    if (device == nullptr || device->NativeHandle() == INVALID_HANDLE_VALUE) {
      throw Napi::TypeError::New(env, "UmdHost: device must be an open Device");
    }
    Napi::Object options = info[2].As<Napi::Object>();
    HostOptions hostOptions;
    auto number = [&](const char* name, uint32_t& out) {
      Napi::Value value = options.Get(name);
      if (value.IsNumber()) out = value.As<Napi::Number>().Uint32Value();
    };
    number("poolThreads", hostOptions.poolThreads);
    number("dataRateIntervalMs", hostOptions.dataRateIntervalMs);
    number("destroyBudgetMs", hostOptions.destroyBudgetMs);
    number("threadGraceMs", hostOptions.threadGraceMs);

    side_ = new JsSide();
    side_->onEvent = Napi::Persistent(info[1].As<Napi::Function>());
    side_->queue = std::make_shared<EventQueue>();
    side_->queue->tsfn = EventTsfn::New(env, "miracast-hil umd host", 0, 1, side_, FinalizeSide, static_cast<void*>(nullptr));
    side_->queue->tsfn.Unref(env);
    std::shared_ptr<EventQueue> queue = side_->queue;
    auto emit = [queue](HostEvent&& event) {
      std::lock_guard<std::mutex> lock(queue->mutex);
      if (!queue->open) return;
      queue->events.push_back(std::move(event));
      if (!queue->callPending) {
        queue->callPending = true;
        queue->tsfn.NonBlockingCall();
      }
    };
    try {
      core_ = std::make_unique<HostCore>(device->NativeHandle(), hostOptions, emit);
    } catch (const std::exception& error) {
      CloseQueue();
      side_->queue->tsfn.Release();
      side_ = nullptr;
      throw Napi::Error::New(env, std::string("UmdHost: ") + error.what());
    }
    cleanupHook_ = env.AddCleanupHook(std::function<void()>([this]() {
      cleanupHookRan_ = true;
      Shutdown(nullptr);
    }));
  }

  ~UmdHostWrap() override {
    Shutdown(nullptr);
    if (!cleanupHookRan_ && !cleanupHook_.IsEmpty()) cleanupHook_.Remove(Env());
  }

 private:
  void CloseQueue() {
    std::lock_guard<std::mutex> lock(side_->queue->mutex);
    side_->queue->open = false;
  }

  // JavaScript thread. env: to reject pending tasks (not at env teardown, where none can settle).
  void Shutdown(const Napi::Env* env) {
    if (core_ == nullptr) return;
    core_->Shutdown(kTeardownWaitMs);
    if (core_->abandoned()) {
      // A thread is still inside the DLL and will come back into the core: it is left alive
      // (and the DLL loaded) rather than freed under that thread.
      (void)core_.release();
    } else {
      core_.reset();
    }
    CloseQueue();
    side_->disposed = true;
    if (env != nullptr) {
      for (auto& [id, deferred] : side_->tasks) {
        Napi::Error error = Napi::Error::New(*env, "the UMD host was disposed");
        error.Set("ntstatus", Napi::Number::New(*env, static_cast<uint32_t>(kStatusCancelled)));
        deferred.Reject(error.Value());
      }
      side_->tasks.clear();
      UpdateRef(*env, side_);
    }
    side_->queue->tsfn.Release();
    side_ = nullptr;   // freed by the function's finalizer
  }

  void RequireOpen(Napi::Env env) {
    if (core_ == nullptr) throw Napi::Error::New(env, "the UMD host is disposed");
  }

  static uint64_t U64(Napi::Env env, Napi::Value value, const char* name) {
    if (!value.IsNumber()) throw Napi::TypeError::New(env, std::string(name) + " must be a number");
    double number = value.As<Napi::Number>().DoubleValue();
    if (!(number >= 0) || number > 9007199254740991.0) throw Napi::RangeError::New(env, std::string(name) + " is out of range");
    return static_cast<uint64_t>(number);
  }

  Napi::Value Run(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    RequireOpen(env);
    if (info.Length() < 1 || !info[0].IsString()) throw Napi::TypeError::New(env, "run(task, ...args)");
    std::string task = info[0].As<Napi::String>().Utf8Value();
    std::vector<uint64_t> args;
    std::wstring path;
    if (task == "load") {
      if (info.Length() < 2 || !info[1].IsString()) throw Napi::TypeError::New(env, "run('load', path)");
      std::u16string text = info[1].As<Napi::String>().Utf16Value();
      path.assign(text.begin(), text.end());
    } else {
      for (size_t i = 1; i < info.Length(); i++) args.push_back(U64(env, info[i], "argument"));
    }
    uint32_t id = nextTask_++;
    Napi::Promise::Deferred deferred = Napi::Promise::Deferred::New(env);
    side_->tasks.emplace(id, deferred);
    UpdateRef(env, side_);
    core_->Post(id, task, std::move(args), std::move(path));
    return deferred.Promise();
  }

  Napi::Value Listen(const Napi::CallbackInfo& info) {
    RequireOpen(info.Env());
    return Napi::Number::New(info.Env(), core_->Listen());
  }

  Napi::Value SetDataRate(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    RequireOpen(env);
    if (info.Length() < 1 || info[0].IsNull() || info[0].IsUndefined()) {
      core_->SetDataRate(nullptr);
      return env.Undefined();
    }
    if (!info[0].IsObject()) throw Napi::TypeError::New(env, "setDataRate(stats | null)");
    Napi::Object o = info[0].As<Napi::Object>();
    MIRACAST_DATARATE_STATS stats{};
    stats.EncoderBitRate = U64(env, o.Get("encoderBitRate"), "encoderBitRate");
    stats.CurrentMaxTxDataRate = U64(env, o.Get("currentMaxTxDataRate"), "currentMaxTxDataRate");
    stats.TransmittedFrameCount = U64(env, o.Get("transmittedFrameCount"), "transmittedFrameCount");
    stats.FailedFrameCount = U64(env, o.Get("failedFrameCount"), "failedFrameCount");
    stats.RetriedFrameCount = U64(env, o.Get("retriedFrameCount"), "retriedFrameCount");
    stats.MultipleRetryFrameCount = U64(env, o.Get("multipleRetryFrameCount"), "multipleRetryFrameCount");
    core_->SetDataRate(&stats);
    return env.Undefined();
  }

  Napi::Value InjectChunkResets(const Napi::CallbackInfo& info) {
    RequireOpen(info.Env());
    core_->InjectChunkResets(static_cast<uint32_t>(U64(info.Env(), info[0], "count")));
    return info.Env().Undefined();
  }

  Napi::Value ReportHang(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    RequireOpen(env);
    if (info.Length() < 2 || !info[0].IsString()) throw Napi::TypeError::New(env, "reportHang(operation, ms)");
    core_->ReportHang(info[0].As<Napi::String>().Utf8Value(), static_cast<uint32_t>(U64(env, info[1], "ms")));
    return env.Undefined();
  }

  Napi::Value Trace(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    RequireOpen(env);
    uint64_t since = U64(env, info[0], "since");
    uint32_t max = static_cast<uint32_t>(U64(env, info[1], "max"));
    uint64_t next = 0, lost = 0;
    std::vector<TraceRecord> records = core_->ReadTrace(since, max, &next, &lost);
    Napi::Array events = Napi::Array::New(env, records.size());
    for (size_t i = 0; i < records.size(); i++) {
      const TraceRecord& r = records[i];
      Napi::Object o = Napi::Object::New(env);
      o.Set("sequence", Napi::Number::New(env, static_cast<double>(r.sequence)));
      o.Set("time", Napi::Number::New(env, static_cast<double>(r.time)));
      o.Set("id", Napi::Number::New(env, r.id));
      o.Set("phase", Napi::Number::New(env, r.phase));
      o.Set("threadId", Napi::Number::New(env, r.threadId));
      o.Set("status", Napi::Number::New(env, static_cast<uint32_t>(r.status)));
      o.Set("arg0", Napi::Number::New(env, static_cast<double>(r.arg0)));
      o.Set("arg1", Napi::Number::New(env, static_cast<double>(r.arg1)));
      events.Set(static_cast<uint32_t>(i), o);
    }
    Napi::Object out = Napi::Object::New(env);
    out.Set("events", events);
    out.Set("nextSequence", Napi::Number::New(env, static_cast<double>(next)));
    out.Set("lost", Napi::Number::New(env, static_cast<double>(lost)));
    return out;
  }

  Napi::Value Findings(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    RequireOpen(env);
    std::vector<Finding> list = core_->ReadFindings();
    Napi::Array out = Napi::Array::New(env, list.size());
    for (size_t i = 0; i < list.size(); i++) {
      Napi::Object o = Napi::Object::New(env);
      o.Set("rule", list[i].rule);
      o.Set("evidence", list[i].evidence);
      o.Set("time", Napi::Number::New(env, static_cast<double>(list[i].time)));
      o.Set("threadId", Napi::Number::New(env, list[i].threadId));
      out.Set(static_cast<uint32_t>(i), o);
    }
    return out;
  }

  Napi::Value Counters(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    RequireOpen(env);
    Napi::Object out = Napi::Object::New(env);
    for (const auto& [name, value] : core_->Counters()) out.Set(name, Napi::Number::New(env, value));
    return out;
  }

  Napi::Value Dispose(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Shutdown(&env);
    return env.Undefined();
  }

  Napi::Value GetState(const Napi::CallbackInfo& info) {
    return Napi::String::New(info.Env(), core_ ? StateName(core_->state()) : "disposed");
  }

  Napi::Value GetWedged(const Napi::CallbackInfo& info) {
    return Napi::Boolean::New(info.Env(), core_ != nullptr && core_->wedged());
  }

  std::unique_ptr<HostCore> core_;
  JsSide* side_ = nullptr;
  uint32_t nextTask_ = 1;
  Napi::Env::CleanupHook<std::function<void()>> cleanupHook_;
  bool cleanupHookRan_ = false;
};

}  // namespace

Napi::Function DefineUmdHost(Napi::Env env) { return UmdHostWrap::Define(env); }

}  // namespace mh::umd

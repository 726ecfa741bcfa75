// engine.cc - see engine.h for the threading and ownership rules.
#include "engine.h"
#include "device.h"

namespace mh {

namespace {
constexpr ULONG_PTR kQuitKey = 0x4D48515549545F31ull;  // "MHQUIT_1": the one packet with no OVERLAPPED
constexpr int kShutdownDrainMs = 5000;

Napi::Object MakeFailure(Napi::Env env, LONG status, Op op) {
  Napi::Object failure = Napi::Object::New(env);
  failure.Set("ntstatus", Napi::Number::New(env, static_cast<uint32_t>(status)));
  failure.Set("operation", Napi::String::New(env, GetOp(op).name));
  return failure;
}
}  // namespace

Engine* Engine::Create(Napi::Env env, Engine** owner) {
  std::unique_ptr<Engine> engine(new Engine(env));
  engine->port_ = CreateIoCompletionPort(INVALID_HANDLE_VALUE, nullptr, 0, 1);
  if (engine->port_ == nullptr) {
    throw Napi::Error::New(env, "CreateIoCompletionPort failed (" + std::to_string(GetLastError()) + ")");
  }
  engine->setImmediate_ = Napi::Persistent(env.Global().Get("setImmediate").As<Napi::Function>());
  engine->drain_ = Napi::Persistent(Napi::Function::New(env, DrainTrampoline, "miracastHilDrain", engine.get()));
  engine->tsfn_ = CompletionTsfn::New(env, "miracast-hil completions", 0, 1, engine.get(), TsfnFinalize,
                                      static_cast<void*>(nullptr));
  engine->tsfn_.Unref(env);  // referenced only while a `ref` request is in flight
  engine->tsfnLive_ = true;
  engine->thread_ = std::thread(&Engine::Run, engine.get());
  engine->batch_.reset(new BatchTransport(engine.get()));
  engine->owner_ = owner;
  Engine* raw = engine.release();
  // Worker exit, or the main environment's teardown: cancel, drain, join.
  raw->cleanupHook_ = env.AddCleanupHook(std::function<void()>([raw]() {
    raw->cleanupHookRan_ = true;
    raw->Shutdown();
  }));
  return raw;
}

Engine::~Engine() {
  Shutdown();
  if (!cleanupHookRan_ && !cleanupHook_.IsEmpty()) {
    cleanupHook_.Remove(Napi::Env(env_));
  }
  if (owner_ != nullptr) {
    *owner_ = nullptr;
  }
}

bool Engine::Associate(HANDLE handle) {
  return CreateIoCompletionPort(handle, port_, 0, 0) == port_;
}

void Engine::RefRequest(Napi::Env env, const Request* request) {
  if (request->ref && refs_++ == 0 && tsfnLive_) {
    tsfn_.Ref(env);
  }
}

void Engine::UnrefRequest(Napi::Env env, const Request* request) {
  if (request->ref && --refs_ == 0 && tsfnLive_) {
    tsfn_.Unref(env);
  }
}

void Engine::SetRef(Napi::Env env, Request* request, bool ref) {
  if (request->ref == ref) {
    return;
  }
  if (ref) {
    request->ref = true;
    RefRequest(env, request);
  } else {
    UnrefRequest(env, request);
    request->ref = false;
  }
}

Napi::Promise Engine::Submit(Napi::Env env, HANDLE handle, bool skipsPortOnSuccess, Request* request) {
  Napi::Promise promise = request->deferred.Promise();
  request->io.owner = request;
  request->io.overlapped.Internal = static_cast<ULONG_PTR>(kStatusPending);
  RefRequest(env, request);
  request->device->OnIssued(request);
  heldBytes_ += request->heldBytes;
  ++inFlight_;  // before the call: the completion may be dequeued before it returns
  uint8_t* buffer = request->buffer.get();
  NTSTATUS status = NtDeviceIoControlFile(handle, nullptr, nullptr, &request->io.overlapped,
                                          reinterpret_cast<PIO_STATUS_BLOCK>(&request->io.overlapped), request->code,
                                          request->inputSize ? buffer : nullptr, request->inputSize,
                                          request->outputSize ? buffer : nullptr, request->outputSize);
  if (IsNtError(status)) {
    // Failed at once: no IO_STATUS_BLOCK was written and no packet will be queued.
    --inFlight_;
    request->io.overlapped.Internal = static_cast<ULONG_PTR>(status);
    request->io.overlapped.InternalHigh = 0;
    Settle(env, request);
  } else if (skipsPortOnSuccess && status != kStatusPending && IsNtSuccess(status)) {
    // Completed at once, and the handle skips the port on success: the IO_STATUS_BLOCK is
    // written and no packet will be queued. (Warnings still go through the port.)
    --inFlight_;
    Settle(env, request);
  }
  return promise;
}

namespace {
// The engine whose JavaScript thread is inside SubmitBatched's append on this thread: a lone send
// submitted there may complete at once, and its result then settles inline, as a classic request
// that completes at once does (Submit), with no thread-safe function call and no wake-up.
thread_local Engine* tlsSettlingInline = nullptr;
}  // namespace

Napi::Promise Engine::SubmitBatched(Napi::Env env, const std::shared_ptr<BatchChannel>& channel, Request* request,
                                    const Encoded& encoded) {
  Napi::Promise promise = request->deferred.Promise();
  request->io.owner = request;
  request->io.overlapped.Internal = static_cast<ULONG_PTR>(kStatusPending);
  request->batched = true;
  RefRequest(env, request);
  request->device->OnIssued(request);
  heldBytes_ += request->heldBytes;   // before the append: from there on other threads may add
  ++inFlight_;  // before the append: the submitter may hand it back before Append returns
  tlsSettlingInline = this;
  if (request->op == Op::IoControl) {
    batch_->AppendIoControl(channel, request, encoded);
  } else {
    batch_->AppendSend(channel, request, encoded);
  }
  tlsSettlingInline = nullptr;
  return promise;
}

void Engine::Deliver(std::vector<Request*>& requests) {
  if (requests.empty()) {
    return;
  }
  if (tlsSettlingInline == this) {
    // The JavaScript thread, completed at once inside SubmitBatched: settled here.
    Napi::Env env(env_);
    for (Request* request : requests) {
      --inFlight_;
      Napi::HandleScope scope(env);
      Settle(env, request);
    }
    return;
  }
  bool call = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    completed_.insert(completed_.end(), requests.begin(), requests.end());
    inFlight_ -= requests.size();
    if (!callPending_) {
      callPending_ = true;
      call = true;
    }
  }
  if (call && tsfn_.NonBlockingCall() != napi_ok) {
    std::lock_guard<std::mutex> lock(mutex_);
    callPending_ = false;
  }
}

void Engine::Run() {
  OVERLAPPED_ENTRY entries[64];
  std::vector<Request*> direct;
  for (;;) {
    ULONG count = 0;
    if (!GetQueuedCompletionStatusEx(port_, entries, 64, &count, INFINITE, FALSE)) {
      if (GetLastError() == ERROR_ABANDONED_WAIT_0 || GetLastError() == ERROR_INVALID_HANDLE) {
        return;  // the port was closed under us: nothing more can arrive
      }
      continue;
    }
    // In the port's order: a device may have classic and batched requests in flight at once, and a
    // reap dequeued before a classic completion holds results the kernel completed first, so its
    // requests join the settle queue first.
    bool quit = false;
    direct.clear();
    for (ULONG i = 0; i < count; i++) {
      if (entries[i].lpOverlapped == nullptr) {
        quit = quit || entries[i].lpCompletionKey == kQuitKey;
        continue;
      }
      IoSlot* slot = reinterpret_cast<IoSlot*>(entries[i].lpOverlapped);
      if (slot->reap != nullptr) {
        Deliver(direct);
        direct.clear();
        batch_->OnReapCompleted(slot->reap);   // may re-arm the reap: off the JavaScript thread
        continue;
      }
      direct.push_back(Request::FromOverlapped(entries[i].lpOverlapped));
    }
    Deliver(direct);
    if (quit) {
      return;
    }
  }
}

void EngineCallJs(Napi::Env env, Napi::Function, Engine* engine, void*) {
  if (env != nullptr && engine != nullptr && !engine->shutDown_) {
    try {
      engine->ScheduleDrain();
    } catch (const Napi::Error&) {
      // The environment is exiting and runs no more JavaScript (the last completions can arrive
      // after the event loop ended): an exception must not escape into Node's callback, where it
      // ends the process. Shutdown, which runs next, discards what is still queued.
    }
  }
}

void Engine::ScheduleDrain() {
  setImmediate_.Call({drain_.Value()});
}

Napi::Value Engine::DrainTrampoline(const Napi::CallbackInfo& info) {
  static_cast<Engine*>(info.Data())->Drain(info.Env());
  return info.Env().Undefined();
}

void Engine::Drain(Napi::Env env) {
  if (shutDown_) {
    return;
  }
  Request* batch[kSettleBatch];
  size_t count = 0;
  bool more;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    while (count < kSettleBatch && !completed_.empty()) {
      batch[count++] = completed_.front();
      completed_.pop_front();
    }
    more = !completed_.empty();
    if (!more) {
      callPending_ = false;  // the completion thread calls again for the next packet
    }
  }
  for (size_t i = 0; i < count; i++) {
    Napi::HandleScope scope(env);
    Settle(env, batch[i]);
  }
  if (more) {
    // Yield to the event loop (timers, I/O) before the next batch.
    ScheduleDrain();
  }
}

void Engine::Settle(Napi::Env env, Request* request) {
  LONG status = request->Status();
  if (IsNtSuccess(status)) {
    try {
      request->deferred.Resolve(GetOp(request->op).decode(env, request->buffer.get(), request->Information()));
    } catch (const Napi::Error& error) {
      request->deferred.Reject(error.Value());
    }
  } else {
    request->deferred.Reject(MakeFailure(env, status, request->op));
  }
  UnrefRequest(env, request);
  request->device->OnSettled(env, request);
  Delete(request);
}

void Engine::Delete(Request* request) {
  heldBytes_ -= request->heldBytes;
  delete request;
}

void Engine::Discard(Request* request) {
  // Teardown: the promise can no longer be settled; the buffer is safe to free because the
  // completion was dequeued.
  if (refs_ > 0 && request->ref) {
    --refs_;
  }
  request->device->OnDiscarded(request);
  Delete(request);
}

void Engine::TsfnFinalize(Napi::Env, void*, Engine* engine) {
  // Node calls this once nothing can call the thread-safe function any more: after our
  // Release, or at environment teardown. The engine ends here.
  engine->tsfnLive_ = false;
  engine->Shutdown();
  delete engine;
}

void Engine::Shutdown() {
  if (shutDown_) {
    return;
  }
  shutDown_ = true;
  // The submitter first: nothing new reaches the kernel. Then no reap is re-armed, and the sends
  // the kernel has not answered are taken back (their records hold no memory of ours).
  std::vector<Request*> abandoned;
  if (batch_) {
    batch_->Stop();
    for (Device* device : devices_) {
      device->AbandonBatched(abandoned);
    }
    inFlight_ -= abandoned.size();
  }
  for (Device* device : devices_) {
    device->CancelAll();
  }
  // Every cancelled request still completes; wait until the thread has dequeued them all, and
  // until every armed reap (whose buffer the kernel may write) has completed.
  for (int waited = 0; (inFlight_.load() > 0 || (batch_ && batch_->ReapsArmed() > 0)) && waited < kShutdownDrainMs;
       waited++) {
    Sleep(1);
  }
  PostQueuedCompletionStatus(port_, 0, kQuitKey, nullptr);
  if (thread_.joinable()) {
    thread_.join();
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (Request* request : completed_) {
      Discard(request);
    }
    completed_.clear();
  }
  for (Request* request : abandoned) {
    Discard(request);
  }
  // Requests the kernel never completed (a hung driver) keep their memory: freeing it could let
  // the kernel write into freed memory later. Their count is in inFlight_.
  for (Device* device : devices_) {
    device->Detach();
  }
  devices_.clear();
  if (inFlight_.load() == 0 && (!batch_ || batch_->ReapsArmed() == 0)) {
    CloseHandle(port_);
  }
  port_ = nullptr;
  setImmediate_.Reset();
  drain_.Reset();
  if (tsfnLive_) {
    tsfnLive_ = false;
    tsfn_.Release();
  }
}

}  // namespace mh

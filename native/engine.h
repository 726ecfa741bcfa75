// engine.h - the per-environment I/O engine: one completion port, one completion thread, one
// thread-safe function back to the JavaScript thread.
//
// Threads and ownership:
//   - The JavaScript thread creates requests, issues them (NtDeviceIoControlFile, overlapped),
//     settles them and deletes them. Nothing else touches a request's promise or references.
//   - The completion thread only waits on the port (GetQueuedCompletionStatusEx, up to 64 at a
//     time), moves dequeued requests onto `completed_` under the mutex, and - if no call is already
//     on its way - makes one NonBlockingCall. It never touches JavaScript values or buffers.
//   - The JavaScript side settles at most kSettleBatch requests per event-loop turn, always from
//     a setImmediate callback (the thread-safe function only schedules it): settling a request
//     runs its continuations, which typically issue the next request (about 0.2 ms of JavaScript
//     time each under Wine), so the batch bounds how long timers can be kept waiting.
//   - A request that completes at once (the handle skips the port on success) is settled inline,
//     with no thread hop; errors that fail at once never reach the port either.
//   - The thread-safe function is referenced only while a `ref` request is in flight, so an
//     idle open device does not keep the process alive.
//   - Shutdown (environment cleanup hook, or the thread-safe function's finalizer, whichever
//     runs first; both on the JavaScript thread) cancels everything in flight, waits until every
//     completion has been dequeued, then stops and joins the thread. Only then is request memory
//     freed, so the kernel never writes into freed memory.
//   - The thread-safe function owns the engine: its finalizer, which Node runs only after the
//     last call into it, joins the thread (if Shutdown has not) and deletes the engine. So no
//     thread can call a finalized thread-safe function, and nothing outlives its owner.
//   - Pending I/O never occupies a libuv threadpool thread.
//   - Every send travels through the batched transport (batch.h, whose header has its own rules).
//     A send with company the JavaScript thread only appends; the engine's submitter thread
//     submits. A lone send the JavaScript thread submits itself as one BATCH_SUBMIT_REAP (one
//     IOCTL; a result that came at once settles inline, as a classic request's does, else it
//     comes through the port), so one message alone costs one IOCTL. The completion
//     thread also takes reap packets and hands their requests over through Deliver, so they settle
//     through the same queue, in the same batches, as every other request. A batched request counts
//     in InFlight until it is handed over.
//   - Memory: HeldBytes counts the native bytes held for requests in flight (each Request's
//     heldBytes: itself, its buffer, its container nodes) and for records queued in submission
//     segments. Any thread may add (Hold); a request's bytes leave the count when it is deleted.
//   - Shutdown also stops the submitter (joined before anything else), stops re-arming reaps and
//     abandons the sends the kernel has not answered (their records hold no user memory and go with
//     the handle); it waits for every armed reap's completion as for any request's.
#pragma once

#include "batch.h"
#include "request.h"
#include <napi.h>
#include <atomic>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <unordered_set>

namespace mh {

class Engine;
class Device;
void EngineCallJs(Napi::Env env, Napi::Function, Engine* engine, void*);
using CompletionTsfn = Napi::TypedThreadSafeFunction<Engine, void, EngineCallJs>;

class Engine {
 public:
  static constexpr size_t kSettleBatch = 32;

  // Creates the engine; *owner is cleared when the engine is deleted. Throws on failure.
  static Engine* Create(Napi::Env env, Engine** owner);
  ~Engine();
  // The owner (per-environment data) goes away first: forget it, and shut down.
  void Orphan() { owner_ = nullptr; Shutdown(); }

  // Associates a device handle with the completion port.
  bool Associate(HANDLE handle);
  // Issues a request on the JavaScript thread. Returns its promise; the request now belongs to
  // the engine, which settles and deletes it. skipsPortOnSuccess: the handle was set to
  // FILE_SKIP_COMPLETION_PORT_ON_SUCCESS, so a synchronous success queues no packet.
  Napi::Promise Submit(Napi::Env env, HANDLE handle, bool skipsPortOnSuccess, Request* request);
  // Issues a send or an ioControl through the batched transport (JavaScript thread): appended to
  // the channel's submission queue; settled like any request. `encoded` is its SEND_MESSAGE or
  // IO_CONTROL encoding.
  Napi::Promise SubmitBatched(Napi::Env env, const std::shared_ptr<BatchChannel>& channel, Request* request,
                              const Encoded& encoded);
  BatchTransport* Batch() { return batch_.get(); }
  // Any thread: requests whose results are written (io.overlapped) join the settle queue.
  void Deliver(std::vector<Request*>& requests);

  // Changes whether an in-flight request keeps the event loop alive.
  void SetRef(Napi::Env env, Request* request, bool ref);

  void AddDevice(Device* device) { devices_.insert(device); }
  void RemoveDevice(Device* device) { devices_.erase(device); }

  void Shutdown();                         // idempotent, JavaScript thread only

  uint64_t InFlight() const { return inFlight_.load(); }
  // Native bytes held for what is in flight (see the header comment); the idle value is 0.
  int64_t HeldBytes() const { return heldBytes_.load(); }
  // Any thread: `bytes` more are held for `request` (null: for queued records, not a request's).
  void Hold(Request* request, int64_t bytes) {
    if (request != nullptr) {
      request->heldBytes += static_cast<uint32_t>(bytes);
    }
    heldBytes_ += bytes;
  }
  uint32_t Refs() const { return refs_; }

 private:
  friend void EngineCallJs(Napi::Env env, Napi::Function, Engine* engine, void*);
  explicit Engine(Napi::Env env) : env_(env) {}
  static void TsfnFinalize(Napi::Env env, void*, Engine* engine);
  static Napi::Value DrainTrampoline(const Napi::CallbackInfo& info);

  void Run();                              // the completion thread
  void ScheduleDrain();                    // setImmediate(drain)
  void Drain(Napi::Env env);               // settles a batch; reschedules itself if more wait
  void Settle(Napi::Env env, Request* request);
  void Discard(Request* request);          // teardown: free without touching JavaScript
  void Delete(Request* request);           // its held bytes leave the count
  void RefRequest(Napi::Env env, const Request* request);
  void UnrefRequest(Napi::Env env, const Request* request);

  napi_env env_;
  HANDLE port_ = nullptr;
  std::thread thread_;
  std::unique_ptr<BatchTransport> batch_;
  CompletionTsfn tsfn_;
  bool tsfnLive_ = false;
  Napi::FunctionReference setImmediate_;
  Napi::FunctionReference drain_;

  std::mutex mutex_;
  std::deque<Request*> completed_;         // dequeued, not yet settled (guarded by mutex_)
  bool callPending_ = false;               // a TSFN call or a setImmediate drain is on its way
  std::atomic<uint64_t> inFlight_{0};      // issued and not yet dequeued from the port
  std::atomic<int64_t> heldBytes_{0};      // see HeldBytes

  uint32_t refs_ = 0;                      // JavaScript thread only
  bool shutDown_ = false;
  std::unordered_set<Device*> devices_;    // JavaScript thread only
  Engine** owner_ = nullptr;               // the per-environment slot that points at this engine
  Napi::Env::CleanupHook<std::function<void()>> cleanupHook_;
  bool cleanupHookRan_ = false;
};

}  // namespace mh

// device.h - a handle to the control device (\\.\MiracastHil), opened overlapped and associated
// with the environment's completion port.
//
// JavaScript: new Device(path); device.submit(op, id, ref, ...args) -> Promise;
// device.cancel(id) -> boolean; device.setRef(id, ref) -> boolean; device.close() -> Promise;
// device.inFlight.
// A request in flight pins its Device (the device holds one strong reference to itself while
// anything is in flight), so a device dropped by JavaScript with requests in flight is not
// collected until they have settled.
// close() cancels everything in flight (a batched cancel of every send of the handle, which the
// kernel acknowledges with a completion record per send; CancelIoEx of each classic request by its
// OVERLAPPED, never of the whole handle, whose reap may be completing on a host thread), waits for
// every completion to be dequeued and settled, then closes the handle.
// sendMessage always travels through the batched transport (batch.h), on the device's channel;
// an ioControl does when anything of the device is in flight; every other operation is one classic
// overlapped IOCTL. Both kinds may be in flight at once: cancel(id) and close() use each request's
// own kind of cancel. cancel(id) of a batched request appends a batched cancel (of a classic one,
// CancelIoEx): the promise settles once the kernel's completion record for it (its result, or
// STATUS_CANCELLED) has been reaped.
// The one exception: a process started with MIRACAST_HIL_CLASSIC_SENDS=1 sends every message as its
// own classic SEND_MESSAGE IOCTL, as every send went before the batched transport. It exists so the
// benchmark can measure that path beside the batched one in the same run; it is not a user option
// (under Wine, a CancelIoEx racing a send's completion on a host thread can fault winedevice).
#pragma once

#include "engine.h"
#include <napi.h>
#include <unordered_map>
#include <vector>

namespace mh {

class Device : public Napi::ObjectWrap<Device> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit Device(const Napi::CallbackInfo& info);
  ~Device() override;

  // Engine hooks (JavaScript thread).
  void OnIssued(Request* request);
  void OnSettled(Napi::Env env, Request* request);
  void OnDiscarded(Request* request);
  void CancelAll();
  // Environment teardown, after the submitter stopped: the sends the kernel has not answered.
  void AbandonBatched(std::vector<Request*>& out);
  void Detach();   // environment teardown: the engine is going away
  // The handle, for the UMD host, which duplicates it (same file object) for its own threads.
  HANDLE NativeHandle() const { return handle_; }

 private:
  Napi::Value Submit(const Napi::CallbackInfo& info);
  Napi::Value Cancel(const Napi::CallbackInfo& info);
  Napi::Value SetRef(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value GetInFlight(const Napi::CallbackInfo& info);
  Napi::Value GetClosed(const Napi::CallbackInfo& info);
  void FinishClose(Napi::Env env);
  void Forget(Request* request);           // settled or discarded: no longer in flight
  void CancelClassic();                    // CancelIoEx of each classic request in flight
  void CloseHandleNow();

  HANDLE handle_ = INVALID_HANDLE_VALUE;
  bool skipsPortOnSuccess_ = false;
  bool classicSends_ = false;             // MIRACAST_HIL_CLASSIC_SENDS=1 when the device was opened
  Engine* engine_ = nullptr;
  uint32_t inFlight_ = 0;
  uint32_t batchedInFlight_ = 0;          // of inFlight_, the requests on the batched channel
  std::shared_ptr<BatchChannel> batch_;   // the device's batched channel (shared with the engine's threads)
  bool closing_ = false;
  std::vector<Napi::Promise::Deferred> closeWaiters_;
  std::unordered_map<uint32_t, Request*> requests_;
};

}  // namespace mh

// device.cc - see device.h.
#include "device.h"
#include "addon_data.h"
#include <string>

namespace mh {

namespace {
// A node of requests_ (std::unordered_map with the MinGW/MSVC standard libraries: the value and
// at most two links); its bucket array is the map's, not the request's.
constexpr uint32_t kRequestsNodeBytes =
    static_cast<uint32_t>(sizeof(std::pair<const uint32_t, Request*>) + 2 * sizeof(void*));

// The benchmark's classic peer (device.h): every send its own SEND_MESSAGE IOCTL.
bool ClassicSendsRequested() {
  wchar_t value[4] = {};
  DWORD length = GetEnvironmentVariableW(L"MIRACAST_HIL_CLASSIC_SENDS", value, 4);
  return length == 1 && value[0] == L'1';
}
}  // namespace

Napi::Function Device::Define(Napi::Env env) {
  return DefineClass(env, "Device",
                     {
                         InstanceMethod<&Device::Submit>("submit"),
                         InstanceMethod<&Device::Cancel>("cancel"),
                         InstanceMethod<&Device::SetRef>("setRef"),
                         InstanceMethod<&Device::Close>("close"),
                         InstanceAccessor<&Device::GetInFlight>("inFlight"),
                         InstanceAccessor<&Device::GetClosed>("closed"),
                     });
}

Device::Device(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Device>(info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) {
    throw Napi::TypeError::New(env, "Device(path): path must be a string");
  }
  std::u16string path = info[0].As<Napi::String>().Utf16Value();
  HANDLE handle = CreateFileW(reinterpret_cast<const wchar_t*>(path.c_str()), GENERIC_READ | GENERIC_WRITE, 0,
                              nullptr, OPEN_EXISTING, FILE_FLAG_OVERLAPPED, nullptr);
  if (handle == INVALID_HANDLE_VALUE) {
    DWORD win32 = GetLastError();
    LONG ntstatus = RtlGetLastNtStatus();
    Napi::Error error = Napi::Error::New(env, "CreateFile failed (" + std::to_string(win32) + ")");
    error.Set("win32", Napi::Number::New(env, win32));
    error.Set("ntstatus", Napi::Number::New(env, static_cast<uint32_t>(ntstatus)));
    throw error;
  }
  Engine* engine = AddonData::Of(env)->GetEngine(env);
  if (!engine->Associate(handle)) {
    DWORD win32 = GetLastError();
    CloseHandle(handle);
    throw Napi::Error::New(env, "CreateIoCompletionPort (associate) failed (" + std::to_string(win32) + ")");
  }
  // No event to set on the file object, and no packet for a request that succeeds at once: the
  // engine settles those inline. If the mode cannot be set, every completion goes to the port.
  skipsPortOnSuccess_ = SetFileCompletionNotificationModes(
                            handle, FILE_SKIP_COMPLETION_PORT_ON_SUCCESS | FILE_SKIP_SET_EVENT_ON_HANDLE) != FALSE;
  if (!skipsPortOnSuccess_) {
    SetFileCompletionNotificationModes(handle, FILE_SKIP_SET_EVENT_ON_HANDLE);
  }
  handle_ = handle;
  classicSends_ = ClassicSendsRequested();
  engine_ = engine;
  batch_ = engine_->Batch()->Open(handle_, skipsPortOnSuccess_);
  engine_->AddDevice(this);
}

Device::~Device() {
  // Requests pin their device, so none is in flight here.
  CloseHandleNow();
  if (engine_ != nullptr) {
    engine_->RemoveDevice(this);
  }
}

Napi::Value Device::Submit(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3 || !info[0].IsNumber() || !info[1].IsNumber() || !info[2].IsBoolean()) {
    throw Napi::TypeError::New(env, "submit(op, id, ref, ...args)");
  }
  uint32_t op = info[0].As<Napi::Number>().Uint32Value();
  uint32_t id = info[1].As<Napi::Number>().Uint32Value();
  if (op >= static_cast<uint32_t>(Op::Count)) {
    throw Napi::RangeError::New(env, "unknown operation " + std::to_string(op));
  }
  if (handle_ == INVALID_HANDLE_VALUE || closing_ || engine_ == nullptr) {
    throw Napi::Error::New(env, "the device is closed");
  }
  if (requests_.count(id) != 0) {
    throw Napi::RangeError::New(env, "request id " + std::to_string(id) + " is already in flight");
  }
  Encoded encoded;
  GetOp(static_cast<Op>(op)).encode(info, 3, encoded);   // throws TypeError / RangeError

  auto request = std::make_unique<Request>(env);
  request->id = id;
  request->op = static_cast<Op>(op);
  request->code = encoded.code;
  request->ref = info[2].As<Napi::Boolean>().Value();
  request->device = this;
  if (request->op == Op::SendMessage && batch_ && !classicSends_) {
    // The input travels in the submission queue; the buffer is made when the result comes. A lone
    // send goes this way too: a classic SEND_MESSAGE IRP would have to be cancelled with CancelIoEx,
    // which under Wine races its completion on a host thread (the server's queued cancel then names
    // a freed IRP, and winedevice faults in IoCancelIrp), where a batched cancel is an IOCTL.
    return engine_->SubmitBatched(env, batch_, request.release(), encoded);
  }
  if (request->op == Op::IoControl && batch_ && inFlight_ != 0) {
    // A storm: it shares the BATCH_SUBMITs and reaps of what is in flight. A lone ioControl keeps
    // the classic IOCTL, one round trip with no submitter thread or reap between it and its result.
    return engine_->SubmitBatched(env, batch_, request.release(), encoded);
  }
  request->inputSize = static_cast<uint32_t>(encoded.input.size());
  request->outputSize = encoded.outputSize;
  size_t size = std::max<size_t>(std::max<size_t>(encoded.input.size(), encoded.outputSize), 1);
  request->buffer.reset(new uint8_t[size]());
  request->heldBytes += static_cast<uint32_t>(size);
  if (!encoded.input.empty()) {
    memcpy(request->buffer.get(), encoded.input.data(), encoded.input.size());
  }
  return engine_->Submit(env, handle_, skipsPortOnSuccess_, request.release());
}

Napi::Value Device::Cancel(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) {
    throw Napi::TypeError::New(env, "cancel(id)");
  }
  auto found = requests_.find(info[0].As<Napi::Number>().Uint32Value());
  if (found == requests_.end() || handle_ == INVALID_HANDLE_VALUE) {
    return Napi::Boolean::New(env, false);  // already completed: nothing to cancel
  }
  if (found->second->batched) {
    // The kernel answers with the send's completion record: STATUS_CANCELLED, or its result if it raced.
    engine_->Batch()->AppendCancel(batch_, found->second);
    return Napi::Boolean::New(env, true);
  }
  // The request completes (cancelled, or with its result if it raced) through the port as usual.
  BOOL cancelled = CancelIoEx(handle_, &found->second->io.overlapped);
  return Napi::Boolean::New(env, cancelled != FALSE);
}

// Whether an in-flight request keeps the event loop alive (an agent's receives, after unref()).
Napi::Value Device::SetRef(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsNumber() || !info[1].IsBoolean()) {
    throw Napi::TypeError::New(env, "setRef(id, ref)");
  }
  auto found = requests_.find(info[0].As<Napi::Number>().Uint32Value());
  if (found == requests_.end() || engine_ == nullptr) {
    return Napi::Boolean::New(env, false);
  }
  engine_->SetRef(env, found->second, info[1].As<Napi::Boolean>().Value());
  return Napi::Boolean::New(env, true);
}

Napi::Value Device::Close(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Promise::Deferred deferred = Napi::Promise::Deferred::New(env);
  if (handle_ == INVALID_HANDLE_VALUE) {
    deferred.Resolve(env.Undefined());
    return deferred.Promise();
  }
  closeWaiters_.push_back(deferred);
  if (!closing_) {
    closing_ = true;
    if (inFlight_ == 0) {
      FinishClose(env);
    } else {
      if (batchedInFlight_ != 0 && engine_ != nullptr) {
        engine_->Batch()->AppendCancel(batch_, nullptr);
      }
      if (inFlight_ != batchedInFlight_) {
        CancelClassic();
      }
    }
  }
  return deferred.Promise();
}

Napi::Value Device::GetInFlight(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), inFlight_);
}

Napi::Value Device::GetClosed(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), handle_ == INVALID_HANDLE_VALUE || closing_);
}

void Device::OnIssued(Request* request) {
  requests_[request->id] = request;
  request->heldBytes += kRequestsNodeBytes;
  if (inFlight_++ == 0) {
    Ref();   // one pin for everything in flight: no reference per request
  }
  batchedInFlight_ += request->batched ? 1 : 0;
}

void Device::Forget(Request* request) {
  requests_.erase(request->id);
  batchedInFlight_ -= request->batched ? 1 : 0;
  if (--inFlight_ == 0) {
    Unref();
  }
}

void Device::OnSettled(Napi::Env env, Request* request) {
  Forget(request);
  if (closing_ && inFlight_ == 0 && handle_ != INVALID_HANDLE_VALUE) {
    FinishClose(env);
  }
}

void Device::OnDiscarded(Request* request) {
  Forget(request);
}

// No thread of the engine issues on the handle once its channel is closed; then the handle goes.
// The kernel then frees whatever records of the handle remain.
void Device::CloseHandleNow() {
  if (handle_ == INVALID_HANDLE_VALUE) {
    return;
  }
  if (batch_) {
    BatchTransport::Close(*batch_);
  }
  CloseHandle(handle_);
  handle_ = INVALID_HANDLE_VALUE;
}

void Device::FinishClose(Napi::Env env) {
  CloseHandleNow();
  if (engine_ != nullptr) {
    engine_->RemoveDevice(this);
    engine_ = nullptr;
  }
  std::vector<Napi::Promise::Deferred> waiters;
  waiters.swap(closeWaiters_);
  for (auto& waiter : waiters) {
    waiter.Resolve(env.Undefined());
  }
}

// Each classic request by its own OVERLAPPED: CancelIoEx(handle, nullptr) would also cancel the
// channel's reap while the kernel may be completing it on a host thread (under Wine the server's
// cancel then names an IRP already freed). The reap ends with the handle, once every batched send
// has its record.
void Device::CancelClassic() {
  for (const auto& entry : requests_) {
    if (!entry.second->batched) {
      CancelIoEx(handle_, &entry.second->io.overlapped);
    }
  }
}

void Device::CancelAll() {
  if (handle_ != INVALID_HANDLE_VALUE) {
    CancelIoEx(handle_, nullptr);
  }
}

void Device::AbandonBatched(std::vector<Request*>& out) {
  if (batch_ && engine_ != nullptr) {
    engine_->Batch()->Abandon(*batch_, out);
  }
}

void Device::Detach() {
  if (inFlight_ == 0) {
    CloseHandleNow();
  }
  engine_ = nullptr;
}

}  // namespace mh

// kernel_bridge.cc - see kernel_bridge.h.
#include "kernel_bridge.h"
#include <stdexcept>
#include <string>

namespace mh::umd {

KernelBridge::KernelBridge(HANDLE device) {
  if (!DuplicateHandle(GetCurrentProcess(), device, GetCurrentProcess(), &handle_, 0, FALSE, DUPLICATE_SAME_ACCESS)) {
    handle_ = INVALID_HANDLE_VALUE;
    throw std::runtime_error("DuplicateHandle failed (" + std::to_string(GetLastError()) + ")");
  }
}

KernelBridge::~KernelBridge() {
  Close();
  for (HANDLE event : events_) CloseHandle(event);
}

void KernelBridge::Close() {
  if (handle_ != INVALID_HANDLE_VALUE) {
    CloseHandle(handle_);
    handle_ = INVALID_HANDLE_VALUE;
  }
}

HANDLE KernelBridge::TakeEvent() {
  {
    std::lock_guard<std::mutex> lock(eventsMutex_);
    if (!events_.empty()) {
      HANDLE event = events_.back();
      events_.pop_back();
      return event;
    }
  }
  // Manual reset: the caller may have waited on it already (WaitForMultipleObjects) before
  // Finish waits again. The I/O manager clears it when a request starts.
  return CreateEventW(nullptr, TRUE, FALSE, nullptr);
}

void KernelBridge::ReturnEvent(HANDLE event) {
  std::lock_guard<std::mutex> lock(eventsMutex_);
  events_.push_back(event);
}

bool KernelBridge::Begin(Pending& pending, uint32_t code, const void* in, uint32_t inSize, void* out, uint32_t outSize) {
  pending.event = TakeEvent();
  if (pending.event == nullptr) {
    pending.status = static_cast<LONG>(0xC000009A);  // STATUS_INSUFFICIENT_RESOURCES
    return false;
  }
  pending.iosb.Status = kStatusPending;
  pending.iosb.Information = 0;
  // No APC routine and no APC context: the I/O manager signals the event and queues nothing to
  // the completion port the JavaScript engine associated with this file object.
  pending.status = NtDeviceIoControlFile(handle_, pending.event, nullptr, nullptr, &pending.iosb, code,
                                         const_cast<void*>(in), inSize, out, outSize);
  if (IsNtError(pending.status)) {
    // Failed at once: no IO_STATUS_BLOCK was written and the event will not be signalled.
    ReturnEvent(pending.event);
    pending.event = nullptr;
    return false;
  }
  return true;
}

LONG KernelBridge::Finish(Pending& pending, uint32_t* information) {
  if (pending.event == nullptr) {
    if (information != nullptr) *information = 0;
    return pending.status;
  }
  WaitForSingleObject(pending.event, INFINITE);
  ReturnEvent(pending.event);
  pending.event = nullptr;
  if (information != nullptr) *information = static_cast<uint32_t>(pending.iosb.Information);
  return pending.iosb.Status;
}

void KernelBridge::Cancel(Pending& pending) {
  if (pending.event != nullptr) {
    CancelIoEx(handle_, reinterpret_cast<LPOVERLAPPED>(&pending.iosb));
  }
}

LONG KernelBridge::Call(uint32_t code, const void* in, uint32_t inSize, void* out, uint32_t outSize,
                        uint32_t* information) {
  Pending pending;
  Begin(pending, code, in, inSize, out, outSize);
  return Finish(pending, information);
}

}  // namespace mh::umd

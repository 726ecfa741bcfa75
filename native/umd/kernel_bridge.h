// kernel_bridge.h - the UMD host's requests to the control device, from native threads.
//
// Ownership: the bridge owns a duplicate of the JavaScript device's handle (the same file object:
// the same context owner and agent in the driver) and closes it when it is destroyed, after every
// request it issued has completed. Each request waits on its own event; no APC context is passed,
// so no completion packet is queued to the JavaScript engine's port and no libuv thread waits.
#pragma once

#include "../nt.h"
#include <cstdint>
#include <mutex>
#include <vector>

namespace mh::umd {

class KernelBridge {
 public:
  // A request the caller waits on together with other handles (GetNextChunkData's events).
  struct Pending {
    IO_STATUS_BLOCK iosb{};
    HANDLE event = nullptr;
    LONG status = 0;          // what NtDeviceIoControlFile returned
  };

  explicit KernelBridge(HANDLE device);   // throws std::runtime_error if the handle cannot be duplicated
  ~KernelBridge();
  KernelBridge(const KernelBridge&) = delete;
  KernelBridge& operator=(const KernelBridge&) = delete;

  // Issues an IOCTL and waits for it. Returns the NTSTATUS; *information: bytes returned.
  LONG Call(uint32_t code, const void* in, uint32_t inSize, void* out, uint32_t outSize,
            uint32_t* information = nullptr);
  // Issues an IOCTL without waiting. False when it failed at once (pending.status says why).
  bool Begin(Pending& pending, uint32_t code, const void* in, uint32_t inSize, void* out, uint32_t outSize);
  // After pending.event was signalled (or after Cancel): the final status and byte count.
  LONG Finish(Pending& pending, uint32_t* information);
  // Cancels one request in the kernel and waits until it has completed.
  void Cancel(Pending& pending);
  // Closes the handle: later requests fail with STATUS_INVALID_HANDLE. Requests in flight must
  // have completed.
  void Close();

 private:
  HANDLE TakeEvent();
  void ReturnEvent(HANDLE event);

  HANDLE handle_ = INVALID_HANDLE_VALUE;
  std::mutex eventsMutex_;
  std::vector<HANDLE> events_;   // manual-reset events, reused
};

}  // namespace mh::umd

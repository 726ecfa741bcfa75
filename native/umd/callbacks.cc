// callbacks.cc - MIRACAST_CALLBACKS: what the OS hands the UMD, with the documented rules
// (miracast-ddi.md 4.3, umd-host.md 2) enforced and every call traced. They run on the UMD's
// threads (or on the host's, when the UMD calls back from an entry point).
#include "host_core.h"
#include "status.h"
#include "miracast_hil_ioctl.h"
#include <algorithm>

namespace mh::umd {

namespace {

HostCore* Resolve(HANDLE handle, const char* name) {
  bool stale = false;
  HostCore* host = HostCore::FromHandle(handle, &stale);
  if (host != nullptr && stale) {
    host->StaleCallback(name);
    return nullptr;
  }
  return host;
}

VOID NTAPI ReportSessionStatus(HANDLE handle, MIRACAST_STATUS reason, NTSTATUS status) {
  if (HostCore* host = Resolve(handle, "ReportSessionStatus")) host->CbReportSessionStatus(reason, status);
}

NTSTATUS NTAPI MiracastIoControl(HANDLE handle, BOOL hardwareAccess, UINT inSize, VOID* in, UINT outSize, VOID* out,
                                 UINT* returned) {
  HostCore* host = Resolve(handle, "MiracastIoControl");
  return host ? host->CbIoControl(hardwareAccess, inSize, in, outSize, out, returned) : kStatusSessionGone;
}

VOID NTAPI ReportStatistic(HANDLE handle, MIRACAST_STATISTIC_DATA* data) {
  if (HostCore* host = Resolve(handle, "ReportStatistic")) host->CbReportStatistic(data);
}

NTSTATUS NTAPI GetNextChunkData(HANDLE handle, UINT timeoutMs, UINT eventCount, HANDLE* events, UINT* size,
                                MIRACAST_CHUNK_DATA* buffer, UINT* outstanding) {
  HostCore* host = Resolve(handle, "GetNextChunkData");
  return host ? host->CbGetNextChunkData(timeoutMs, eventCount, events, size, buffer, outstanding) : kStatusSessionGone;
}

NTSTATUS NTAPI RegisterForDataRateNotifications(HANDLE handle, PVOID context, PFN_DATARATE_NOTIFICATION notify) {
  HostCore* host = Resolve(handle, "RegisterForDataRateNotifications");
  return host ? host->CbRegisterDataRate(context, notify) : kStatusSessionGone;
}

const MIRACAST_CALLBACKS kCallbacks = {
    ReportSessionStatus, MiracastIoControl, ReportStatistic, GetNextChunkData, RegisterForDataRateNotifications,
};

}  // namespace

const MIRACAST_CALLBACKS& HostCallbacks() { return kCallbacks; }

void HostCore::StaleCallback(const char* name) {
  Finding(kRuleCallbackLifetime, std::string(name) + " was called after DestroyMiracastContext (the callbacks belong "
                                                     "to the context's lifetime)");
}

void HostCore::NoteCaller() {
  DWORD tid = GetCurrentThreadId();
  std::lock_guard<std::mutex> lock(mutex_);
  if (hostTids_.count(tid) == 0) callbackTids_.insert(tid);
}

// ------------------------------------------------------------------ ReportSessionStatus

void HostCore::CbReportSessionStatus(MIRACAST_STATUS reason, NTSTATUS status) {
  NoteCaller();
  trace_.Record(kTraceCbSessionStatus, kPhaseStart, status, reason);
  sessionStatusReports_++;
  // "The operating system always destroys the session when an error is reported": Stop, then
  // Destroy, on the control thread, after whatever it is doing.
  bool queued = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!teardownQueued_ && (state_ == SessionState::StartPending || state_ == SessionState::Started)) {
      teardownQueued_ = queued = true;
      tasks_.push_back(Task{0, "teardown", {}, {}});
    }
  }
  changed_.notify_all();
  HostEvent event{"sessionStatus"};
  event.numbers.push_back({"reason", static_cast<double>(static_cast<uint32_t>(reason))});
  event.numbers.push_back({"status", static_cast<double>(static_cast<uint32_t>(status))});
  event.numbers.push_back({"teardown", queued ? 1 : 0});   // JavaScript stays alive until it is done
  Event(std::move(event));
  trace_.Record(kTraceCbSessionStatus, kPhaseStop);
}

// ------------------------------------------------------------------ MiracastIoControl

NTSTATUS HostCore::CbIoControl(BOOL hardwareAccess, UINT inSize, VOID* in, UINT outSize, VOID* out, UINT* returned) {
  NoteCaller();
  ioControls_++;
  trace_.Record(kTraceCbIoControl, kPhaseStart, 0, inSize, hardwareAccess ? 1 : 0);
  auto finish = [&](LONG status, uint32_t bytes) {
    trace_.Record(kTraceCbIoControl, kPhaseStop, status, bytes);
    return status;
  };
  if (returned != nullptr) *returned = 0;
  if ((inSize != 0 && in == nullptr) || (outSize != 0 && out == nullptr)) return finish(kStatusInvalidParameter, 0);
  if (inSize > MH_MAX_IO_CONTROL_BYTES || outSize > MH_MAX_IO_CONTROL_BYTES) return finish(kStatusInvalidBufferSize, 0);
  DWORD tid = GetCurrentThreadId();
  {
    std::unique_lock<std::mutex> lock(mutex_);
    // During Create and Start, other threads wait until it has returned.
    changed_.wait(lock, [&] {
      return tid == controlTid_ || (state_ != SessionState::StartPending && state_ != SessionState::Creating);
    });
    switch (state_) {
      case SessionState::StopPending:
      case SessionState::Stopped:
      case SessionState::Destroying:
        // During Stop only the Stop (and Destroy) thread's calls are processed.
        if (tid != controlTid_) return finish(kStatusIoControlDuringStop, 0);
        break;
      case SessionState::Unloaded:
      case SessionState::Loaded:
        return finish(kStatusSessionGone, 0);
      default:
        break;
    }
  }
  resetOutstanding_ = false;   // the driver's own request after a reset (an I-frame, with the sample)
  std::vector<uint8_t> request(sizeof(MH_IO_CONTROL_IN) + inSize);
  MH_IO_CONTROL_IN header{};
  header.ContextId = kernelContext_;
  header.Flags = hardwareAccess ? MH_IO_CONTROL_HARDWARE_ACCESS : 0u;
  header.InputSize = inSize;
  header.OutputSize = outSize;
  memcpy(request.data(), &header, sizeof(header));
  if (inSize != 0) memcpy(request.data() + sizeof(header), in, inSize);
  std::vector<uint8_t> reply(sizeof(MH_IO_CONTROL_OUT) + outSize);
  uint32_t bytes = 0;
  LONG status = kernel_.Call(IOCTL_MH_IO_CONTROL, request.data(), static_cast<uint32_t>(request.size()), reply.data(),
                             static_cast<uint32_t>(reply.size()), &bytes);
  uint32_t bytesReturned = 0;
  if (status >= 0 && bytes >= sizeof(MH_IO_CONTROL_OUT)) {
    MH_IO_CONTROL_OUT result;
    memcpy(&result, reply.data(), sizeof(result));
    bytesReturned = std::min<uint32_t>(result.BytesReturned, outSize);
    if (bytesReturned != 0) memcpy(out, reply.data() + sizeof(result), bytesReturned);
  }
  if (returned != nullptr) *returned = bytesReturned;
  return finish(status, bytesReturned);
}

// ------------------------------------------------------------------ ReportStatistic

void HostCore::CbReportStatistic(const MIRACAST_STATISTIC_DATA* data) {
  NoteCaller();
  if (data == nullptr) {
    trace_.Record(kTraceCbStatistic, kPhaseStart, kStatusInvalidParameter);
    trace_.Record(kTraceCbStatistic, kPhaseStop);
    return;
  }
  uint64_t detail = data->StatisticType == MIRACAST_STATISTIC_TYPE_EVENT ? static_cast<uint64_t>(data->ProtocolEvent.Event)
                    : data->StatisticType == MIRACAST_STATISTIC_TYPE_CHUNK_SENT ? data->ChunkSent.ChunkId.Value
                                                                               : data->EncodeComplete.ChunkInfo.ChunkId.Value;
  trace_.Record(kTraceCbStatistic, kPhaseStart, 0, data->StatisticType, detail);
  statistics_++;
  HostEvent event{"statistic"};
  event.numbers.push_back({"type", static_cast<double>(static_cast<uint32_t>(data->StatisticType))});
  if (data->StatisticType == MIRACAST_STATISTIC_TYPE_CHUNK_SENT) {
    MIRACAST_CHUNK_ID id = data->ChunkSent.ChunkId;
    event.numbers.push_back({"frameNumber", static_cast<double>(id.FrameNumber)});
    event.numbers.push_back({"partNumber", static_cast<double>(id.PartNumber)});
    bool known;
    {
      std::lock_guard<std::mutex> lock(chunkMutex_);
      known = chunkIdsReturned_.count(id.Value) != 0;
    }
    if (!known) {
      Finding(kRuleChunkSentKnown, "CHUNK_SENT for frame " + std::to_string(static_cast<uint64_t>(id.FrameNumber)) + " part " +
                                       std::to_string(static_cast<uint64_t>(id.PartNumber)) +
                                       ", a chunk GetNextChunkData never returned");
    }
  } else if (data->StatisticType == MIRACAST_STATISTIC_TYPE_EVENT) {
    event.numbers.push_back({"event", static_cast<double>(static_cast<uint32_t>(data->ProtocolEvent.Event))});
  } else {
    const MIRACAST_CHUNK_INFO& info = data->EncodeComplete.ChunkInfo;
    event.numbers.push_back({"chunkType", static_cast<double>(static_cast<uint32_t>(info.ChunkType))});
    event.numbers.push_back({"frameNumber", static_cast<double>(info.ChunkId.FrameNumber)});
    event.numbers.push_back({"partNumber", static_cast<double>(info.ChunkId.PartNumber)});
    event.numbers.push_back({"processingTime", info.ProcessingTime});
    event.numbers.push_back({"encodeRate", info.EncodeRate});
  }
  Event(std::move(event));
  trace_.Record(kTraceCbStatistic, kPhaseStop);
}

// ------------------------------------------------------------------ GetNextChunkData

NTSTATUS HostCore::CbGetNextChunkData(UINT timeoutMs, UINT eventCount, HANDLE* events, UINT* size,
                                      MIRACAST_CHUNK_DATA* buffer, UINT* outstanding) {
  NoteCaller();
  chunkCalls_++;
  trace_.Record(kTraceCbChunks, kPhaseStart, 0, timeoutMs, eventCount);
  int inside = ++inChunkCalls_;
  auto finish = [&](LONG status, uint32_t bytes) {
    --inChunkCalls_;
    trace_.Record(kTraceCbChunks, kPhaseStop, status, bytes);
    return status;
  };
  if (inside > 1 && !chunkConcurrencyFlagged_.exchange(true)) {
    Finding(kRuleChunksOneThread, "thread " + std::to_string(GetCurrentThreadId()) +
                                      " called GetNextChunkData while another thread was inside it");
  }
  if (resetOutstanding_.exchange(false)) {
    Finding(kRuleChunksReset, "GetNextChunkData was called again after STATUS_CONNECTION_RESET without a "
                              "MiracastIoControl in between (no new I-frame requested)");
  }
  if (size == nullptr || outstanding == nullptr || eventCount > MAX_ADDITIONAL_EVENTS ||
      (eventCount != 0 && events == nullptr) || (*size != 0 && buffer == nullptr)) {
    return finish(kStatusInvalidParameter, 0);
  }
  *outstanding = 0;
  SessionState now = state();
  if (now != SessionState::StartPending && now != SessionState::Started && now != SessionState::StopPending) {
    *size = 0;
    return finish(kStatusInstanceNotAvailable, 0);
  }
  uint32_t injected = injectedResets_.load();
  while (injected > 0 && !injectedResets_.compare_exchange_weak(injected, injected - 1)) {
  }
  if (injected > 0) {
    // The host's fault: the OS's answer after a chunk-pool overflow.
    *size = 0;
    resetOutstanding_ = true;
    return finish(kStatusConnectionReset, 0);
  }
  UINT capacity = *size;
  MH_CHUNK_READ_IN in{kernelContext_, timeoutMs, capacity};
  std::vector<uint8_t> out(sizeof(MH_CHUNK_READ_OUT) + capacity);
  KernelBridge::Pending read;
  {
    std::lock_guard<std::mutex> lock(chunkMutex_);
    chunkReads_.insert(&read);
  }
  bool issued = kernel_.Begin(read, IOCTL_MH_READ_CHUNKS, &in, sizeof(in), out.data(), static_cast<uint32_t>(out.size()));
  LONG firedEvent = -1;
  bool badEvent = false;
  if (issued) {
    // The kernel waits for chunks and the timeout; the additional events are waited for here,
    // together with the request.
    HANDLE handles[1 + MAX_ADDITIONAL_EVENTS] = {read.event};
    for (UINT i = 0; i < eventCount; i++) handles[1 + i] = events[i];
    DWORD which = WaitForMultipleObjects(1 + eventCount, handles, FALSE, INFINITE);
    if (which > WAIT_OBJECT_0 && which < WAIT_OBJECT_0 + 1 + eventCount) {
      firedEvent = static_cast<LONG>(which - WAIT_OBJECT_0 - 1);
      kernel_.Cancel(read);
    } else if (which == WAIT_FAILED) {
      badEvent = true;   // an additional event that is not a waitable handle
      kernel_.Cancel(read);
    }
  }
  uint32_t bytes = 0;
  LONG status = kernel_.Finish(read, &bytes);
  {
    std::lock_guard<std::mutex> lock(chunkMutex_);
    chunkReads_.erase(&read);
  }
  MH_CHUNK_READ_OUT result{};
  bool answered = status >= 0 && bytes >= sizeof(result);
  if (answered) memcpy(&result, out.data(), sizeof(result));
  // Chunks that arrived as an event fired are returned, not lost.
  if (firedEvent >= 0 && !(answered && result.Status == 0 && result.BytesWritten != 0)) {
    *size = 0;
    return finish(kStatusWait0 + firedEvent, 0);
  }
  if (badEvent && !(answered && result.Status == 0 && result.BytesWritten != 0)) {
    *size = 0;
    return finish(kStatusInvalidHandle, 0);
  }
  if (!answered) {
    *size = 0;
    return finish(status < 0 ? status : kStatusInvalidDeviceState, 0);
  }
  if (result.Status == 0) {
    uint32_t written = std::min<uint32_t>(result.BytesWritten, static_cast<uint32_t>(bytes - sizeof(result)));
    written = std::min<uint32_t>(written, capacity);
    if (written != 0) memcpy(buffer, out.data() + sizeof(result), written);
    *size = written;
    *outstanding = result.Outstanding;
    // Remember what was handed out, for the CHUNK_SENT check.
    std::lock_guard<std::mutex> lock(chunkMutex_);
    for (uint32_t offset = 0; offset + MIRACAST_CHUNK_PACKET_SIZE(0) <= written;) {
      MIRACAST_CHUNK_INFO info;
      UINT privateSize;
      memcpy(&info, out.data() + sizeof(result) + offset, sizeof(info));
      memcpy(&privateSize, out.data() + sizeof(result) + offset + offsetof(MIRACAST_CHUNK_DATA, PrivateDriverDataSize),
             sizeof(privateSize));
      chunkIdsReturned_.insert(info.ChunkId.Value);
      chunksReturned_++;
      offset += MIRACAST_CHUNK_PACKET_SIZE(privateSize);
    }
  } else {
    *size = result.Status == static_cast<LONG>(0xC0000023) ? result.BytesWritten : 0;   // BUFFER_TOO_SMALL: needed
    if (result.Status == kStatusConnectionReset) resetOutstanding_ = true;
  }
  return finish(result.Status, *size);
}

// ------------------------------------------------------------------ RegisterForDataRateNotifications

NTSTATUS HostCore::CbRegisterDataRate(PVOID context, PFN_DATARATE_NOTIFICATION notify) {
  NoteCaller();
  trace_.Record(kTraceCbDataRate, kPhaseStart, 0, notify != nullptr ? 1 : 0);
  DWORD tid = GetCurrentThreadId();
  LONG status = 0;
  SessionState now;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    now = state_;
    bool startOrStopThread =
        tid == controlTid_ && (state_ == SessionState::StartPending || state_ == SessionState::StopPending);
    if (!startOrStopThread) {
      status = kStatusNotSupported;
    } else if (notify != nullptr) {
      if (dataRateNotify_ != nullptr) {
        status = kStatusDataRateTwice;
      } else {
        dataRateNotify_ = notify;
        dataRateContext_ = context;
        dataRateEnded_ = false;
      }
    } else if (dataRateNotify_ == nullptr) {
      status = kStatusDataRateTwice;
    } else {
      dataRateNotify_ = nullptr;
      dataRateContext_ = nullptr;
    }
  }
  if (status == kStatusNotSupported) {
    Finding(kRuleDataRateThread, "RegisterForDataRateNotifications from thread " + std::to_string(tid) + " while " +
                                     StateName(now) + ": only the thread running Start or Stop may register (it got "
                                     "STATUS_NOT_SUPPORTED)");
  } else if (status == 0) {
    HostEvent event{"dataRate"};
    event.strings.push_back({"what", notify != nullptr ? "registered" : "unregistered"});
    Event(std::move(event));
  }
  trace_.Record(kTraceCbDataRate, kPhaseStop, status);
  return status;
}

}  // namespace mh::umd

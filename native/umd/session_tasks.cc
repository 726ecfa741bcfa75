// session_tasks.cc - the control thread's tasks, in the OS's order (miracast-ddi.md 6.1,
// umd-host.md 1.2): load and query; kernel CreateContext, then the UMD's Create; Start (the
// kernel session starts when it returns); Stop (the kernel session stops first, so later
// messages are dropped); Destroy under its 3 s watchdog, kernel DestroyContext, the thread check
// and the unload. Every task runs on the control thread only.
#include "host_core.h"
#include "module_threads.h"
#include "status.h"
#include "miracast_hil_ioctl.h"
#include <chrono>

namespace mh::umd {

namespace {
std::string Hex(uint32_t value) {
  char text[16];
  snprintf(text, sizeof(text), "0x%08X", value);
  return text;
}

double Ms(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - since).count();
}
}  // namespace

const MIRACAST_CALLBACKS& HostCallbacks();

// ------------------------------------------------------------------ load

LONG HostCore::TaskLoad(const std::wstring& path, HostEvent& done) {
  if (state() != SessionState::Unloaded) return kStatusInvalidDeviceState;
  trace_.Record(kTraceHostLoad, kPhaseStart);
  HMODULE module = LoadLibraryExW(path.c_str(), nullptr, LOAD_WITH_ALTERED_SEARCH_PATH);
  if (module == nullptr) {
    DWORD win32 = GetLastError();
    trace_.Record(kTraceHostLoad, kPhaseStop, kStatusDllNotFound, win32);
    done.numbers.push_back({"win32", win32});
    return kStatusDllNotFound;
  }
  trace_.Record(kTraceHostLoad, kPhaseStop, 0, reinterpret_cast<uintptr_t>(module));
  auto query = reinterpret_cast<QUERY_MIRACAST_DRIVER_INTERFACE>(
      reinterpret_cast<void*>(GetProcAddress(module, MIRACAST_QUERY_INTERFACE_EXPORT)));
  if (query == nullptr) {
    // "the operating system fails the Miracast display device"
    Finding(kRuleLoadExport, "the DLL does not export QueryMiracastDriverInterface");
    FreeLibrary(module);
    return kStatusEntrypointNotFound;
  }
  MIRACAST_DRIVER_INTERFACE iface{};
  trace_.Record(kTraceHostQuery, kPhaseStart, 0, MIRACAST_DRIVER_INTERFACE_VERSION_1, sizeof(iface));
  LONG status = query(MIRACAST_DRIVER_INTERFACE_VERSION_1, sizeof(iface), &iface);
  trace_.Record(kTraceHostQuery, kPhaseStop, status, iface.Size);
  done.numbers.push_back({"interfaceSize", iface.Size});
  if (status < 0) {
    Finding(kRuleLoadInterface, "QueryMiracastDriverInterface(1, 48) failed with " + Hex(status));
    FreeLibrary(module);
    return status;
  }
  if (iface.Size < sizeof(iface) || iface.CreateMiracastContext == nullptr || iface.DestroyMiracastContext == nullptr ||
      iface.StartMiracastSession == nullptr || iface.StopMiracastSession == nullptr ||
      iface.HandleKernelModeMessage == nullptr) {
    Finding(kRuleLoadInterface, "MIRACAST_DRIVER_INTERFACE.Size is " + std::to_string(iface.Size) +
                                    " (at least 48) or an entry point is NULL");
    FreeLibrary(module);
    return kStatusInvalidParameter;
  }
  module_ = module;
  ModuleRange(module, &moduleBase_, &moduleEnd_);
  modulePath_ = path;
  interface_ = iface;
  SetState(SessionState::Loaded);
  return 0;
}

// ------------------------------------------------------------------ create

LONG HostCore::TaskCreate(HostEvent& done) {
  if (state() != SessionState::Loaded) return kStatusInvalidDeviceState;
  SetState(SessionState::Creating);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    teardownQueued_ = false;
    dataRateNotify_ = nullptr;
    dataRateEnded_ = false;
  }
  chunkConcurrencyFlagged_ = false;
  resetOutstanding_ = false;
  {
    std::lock_guard<std::mutex> lock(chunkMutex_);
    chunkIdsReturned_.clear();
  }
  // The host is the agent (the UMD host of the harness), with sessions it starts itself.
  MH_AGENT_ATTACH_IN attach{MH_AGENT_MANUAL_SESSIONS, 0};
  LONG status = kernel_.Call(IOCTL_MH_AGENT_ATTACH, &attach, sizeof(attach), nullptr, 0);
  if (status < 0) {
    done.strings.push_back({"step", "agentAttach"});
    SetState(SessionState::Loaded);
    return status;
  }
  agentAttached_ = true;
  // The kernel goes first: DxgkDdiMiracastCreateContext.
  MH_CONTEXT_INFO info{};
  trace_.Record(kTraceHostKernelCreate, kPhaseStart);
  status = kernel_.Call(IOCTL_MH_CREATE_CONTEXT, nullptr, 0, &info, sizeof(info));
  trace_.Record(kTraceHostKernelCreate, kPhaseStop, status, info.ContextId, info.TargetId);
  if (status < 0) {
    done.strings.push_back({"step", "kernelCreateContext"});
    kernel_.Call(IOCTL_MH_AGENT_DETACH, nullptr, 0, nullptr, 0);
    agentAttached_ = false;
    SetState(SessionState::Loaded);
    return status;
  }
  kernelContext_ = info.ContextId;
  done.numbers.push_back({"contextId", static_cast<double>(info.ContextId)});
  done.numbers.push_back({"targetId", info.TargetId});
  StartSessionThreads();

  cookie_->live = true;
  MIRACAST_CALLBACKS callbacks = HostCallbacks();
  PVOID context = nullptr;
  trace_.Record(kTraceCreate, kPhaseStart);
  status = interface_.CreateMiracastContext(CallbackHandle(), &callbacks, &context);
  trace_.Record(kTraceCreate, kPhaseStop, status);
  if (status < 0) {
    done.strings.push_back({"step", "CreateMiracastContext"});
    cookie_->live = false;
    StopSessionThreads();
    MH_CONTEXT_REF ref{kernelContext_};
    kernel_.Call(IOCTL_MH_DESTROY_CONTEXT, &ref, sizeof(ref), nullptr, 0);
    kernel_.Call(IOCTL_MH_AGENT_DETACH, nullptr, 0, nullptr, 0);
    agentAttached_ = false;
    kernelContext_ = 0;
    SetState(SessionState::Loaded);
    return status;
  }
  umdContext_ = context;
  SetState(SessionState::Created);
  return 0;
}

// ------------------------------------------------------------------ the sink's socket

uint16_t HostCore::Listen() {
  if (listener_ != INVALID_SOCKET) closesocket(listener_);
  listener_ = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
  if (listener_ == INVALID_SOCKET) return 0;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  int length = sizeof(address);
  if (bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 || listen(listener_, 1) != 0 ||
      getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    closesocket(listener_);
    listener_ = INVALID_SOCKET;
    return 0;
  }
  return ntohs(address.sin_port);
}

// The OS owns the RTSP socket: the UMD must not close it. A closed socket no longer answers
// getsockopt; one whose handle was reused has another local port.
void HostCore::CheckRtspSocket(const char* when) {
  if (rtsp_ == INVALID_SOCKET) return;
  sockaddr_in address{};
  int length = sizeof(address);
  bool gone = getsockname(rtsp_, reinterpret_cast<sockaddr*>(&address), &length) != 0 ||
              ntohs(address.sin_port) != rtspLocalPort_;
  if (gone) {
    Finding(kRuleRtspSocket, std::string("the RTSP socket was closed by the driver during ") + when);
    rtsp_ = INVALID_SOCKET;   // never close a handle that may now be someone else's
  }
}

void HostCore::CloseRtspSocket() {
  if (rtsp_ != INVALID_SOCKET) {
    closesocket(rtsp_);
    rtsp_ = INVALID_SOCKET;
  }
}

uint64_t HostCore::KernelTraceMark() {
  struct {
    MH_TRACE_READ_OUT header;
    MH_TRACE_EVENT event;
  } out{};
  MH_TRACE_READ_IN in{1ull << 53};
  return kernel_.Call(IOCTL_MH_READ_TRACE, &in, sizeof(in), &out, sizeof(out)) >= 0 ? out.header.NextSequence : 0;
}

// Whether the kernel trace shows this context's monitor arrival (DxgkCbIndicateChildStatus,
// Connected) after `mark`: read right after Start returned, before any other thread may call
// MiracastIoControl, so only the Start thread can have caused it.
bool HostCore::MonitorAnnouncedDuringStart(uint64_t mark) {
  if (mark == 0) return false;
  std::vector<uint8_t> out(sizeof(MH_TRACE_READ_OUT) + 256 * sizeof(MH_TRACE_EVENT));
  MH_TRACE_READ_IN in{mark};
  uint32_t bytes = 0;
  if (kernel_.Call(IOCTL_MH_READ_TRACE, &in, sizeof(in), out.data(), static_cast<uint32_t>(out.size()), &bytes) < 0 ||
      bytes < sizeof(MH_TRACE_READ_OUT)) {
    return false;
  }
  MH_TRACE_READ_OUT header;
  memcpy(&header, out.data(), sizeof(header));
  for (uint32_t i = 0; i < header.Count && sizeof(header) + (i + 1) * sizeof(MH_TRACE_EVENT) <= bytes; i++) {
    MH_TRACE_EVENT event;
    memcpy(&event, out.data() + sizeof(header) + i * sizeof(MH_TRACE_EVENT), sizeof(event));
    if (event.Kind == MH_TRACE_HPD && event.ContextId == kernelContext_ && event.Arg0 != 0) return true;
  }
  return false;
}

// ------------------------------------------------------------------ start

// args: CurrentBitRate, LocalMaxBitRate, RemoteMaxBitRate, accept timeout (ms)
LONG HostCore::TaskStart(const std::vector<uint64_t>& args, HostEvent& done) {
  if (state() != SessionState::Created) return kStatusInvalidDeviceState;
  if (listener_ == INVALID_SOCKET || args.size() < 4) return kStatusInvalidDeviceState;
  // The RTSP link is up before Start: the sink (JavaScript) connects to the loopback listener.
  fd_set set;
  FD_ZERO(&set);
  FD_SET(listener_, &set);
  timeval wait{static_cast<long>(args[3] / 1000), static_cast<long>((args[3] % 1000) * 1000)};
  if (select(0, &set, nullptr, nullptr, &wait) != 1) {
    done.strings.push_back({"step", "accept"});
    return kStatusIoTimeout;
  }
  sockaddr_in peer{}, local{};
  int length = sizeof(peer);
  rtsp_ = accept(listener_, reinterpret_cast<sockaddr*>(&peer), &length);
  closesocket(listener_);
  listener_ = INVALID_SOCKET;
  if (rtsp_ == INVALID_SOCKET) return kStatusIoTimeout;
  length = sizeof(local);
  getsockname(rtsp_, reinterpret_cast<sockaddr*>(&local), &length);
  rtspLocalPort_ = ntohs(local.sin_port);
  rtspPeerPort_ = ntohs(peer.sin_port);
  trace_.Record(kTraceHostAccept, kPhaseInfo, 0, rtspLocalPort_, rtspPeerPort_);

  MIRACAST_WFD_CONNECTION_STATS stats{args[0], args[1], args[2]};
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!haveDataRate_) {
      dataRate_ = MIRACAST_DATARATE_STATS{args[0], args[1], 0, 0, 0, 0};
      haveDataRate_ = true;
    }
  }
  // An out parameter is whatever memory the OS passes: Reserved bits set, flags clear, so a
  // driver that does not write it is seen.
  MIRACAST_SESSION_INFO info;
  info.Value = 0xFFFFFFFCu;
  uint64_t mark = KernelTraceMark();
  SetState(SessionState::StartPending);
  trace_.Record(kTraceStart, kPhaseStart, 0, stats.CurrentBitRate);
  LONG status = interface_.StartMiracastSession(umdContext_, rtsp_, &stats, &info);
  trace_.Record(kTraceStart, kPhaseStop, status, info.Value);
  CheckRtspSocket("StartMiracastSession");
  done.numbers.push_back({"sessionInfo", info.Value});
  if (status < 0) {
    // The session failed to start: the OS destroys the context.
    SetState(SessionState::Created);
    HostEvent ignored;
    TaskDestroy(ignored);
    done.strings.push_back({"step", "StartMiracastSession"});
    return status;
  }
  if (info.Reserved != 0) {
    Finding(kRuleSessionInfoReserved, "MIRACAST_SESSION_INFO.Reserved is " + Hex(info.Reserved) + " after Start");
  }
  if (MonitorAnnouncedDuringStart(mark)) {
    Finding(kRuleMonitorAfterStart, "the miniport indicated the monitor's arrival while StartMiracastSession ran "
                                    "(a MiracastIoControl from the Start thread)");
  }
  // Started: other threads' MiracastIoControl calls go on, and the pool may enter the UMD...
  {
    std::lock_guard<std::mutex> lock(mutex_);
    gateOpen_ = true;
  }
  SetState(SessionState::Started);
  // ...so the messages the kernel held while Start ran are delivered now.
  MH_SESSION_IN session{kernelContext_, MH_SESSION_START, 0};
  LONG started = kernel_.Call(IOCTL_MH_SESSION, &session, sizeof(session), nullptr, 0);
  trace_.Record(kTraceHostSession, kPhaseInfo, started, MH_SESSION_START);
  return started;
}

// ------------------------------------------------------------------ the miniport's encoder

// args: Frames, SlicesPerFrame, PrivateDataSize, Misreport (MH_CHUNK_REPORT_IN). The test
// miniport reports the chunks through DxgkCbNotifyInterrupt and DxgkCbNotifyDpc, as its ISR and
// DPC would; the UMD reads them with GetNextChunkData.
LONG HostCore::TaskReportChunks(const std::vector<uint64_t>& args, HostEvent& done) {
  if (kernelContext_ == 0 || args.size() < 4) return kStatusInvalidDeviceState;
  MH_CHUNK_REPORT_IN in{kernelContext_, static_cast<ULONG>(args[0]), static_cast<ULONG>(args[1]),
                        static_cast<ULONG>(args[2]), static_cast<ULONG>(args[3])};
  MH_CHUNK_REPORT_OUT out{};
  LONG status = kernel_.Call(IOCTL_MH_REPORT_CHUNKS, &in, sizeof(in), &out, sizeof(out));
  done.numbers.push_back({"reported", out.Reported});
  done.numbers.push_back({"queued", out.Queued});
  done.numbers.push_back({"firstError", static_cast<double>(static_cast<uint32_t>(out.FirstError))});
  return status;
}

// ------------------------------------------------------------------ stop

LONG HostCore::TaskStop(HostEvent& done) {
  SessionState now = state();
  if (now != SessionState::Started) return kStatusInvalidDeviceState;
  SetState(SessionState::StopPending);
  CloseGateAndDrain("StopMiracastSession");
  // From here messages are dropped: the kernel drops what it holds and what comes later.
  MH_SESSION_IN session{kernelContext_, MH_SESSION_STOP, 0};
  LONG status = kernel_.Call(IOCTL_MH_SESSION, &session, sizeof(session), nullptr, 0);
  trace_.Record(kTraceHostSession, kPhaseInfo, status, MH_SESSION_STOP);
  // The data-rate notifications end with the session: one NULL, then nothing.
  PFN_DATARATE_NOTIFICATION notify = nullptr;
  PVOID context = nullptr;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (dataRateNotify_ != nullptr && !dataRateEnded_) {
      notify = dataRateNotify_;
      context = dataRateContext_;
      dataRateEnded_ = true;
    }
  }
  if (notify != nullptr) {
    trace_.Record(kTraceHostDataRateNotify, kPhaseStart, 0, 0);
    notify(context, nullptr);
    trace_.Record(kTraceHostDataRateNotify, kPhaseStop);
    HostEvent event{"dataRate"};
    event.strings.push_back({"what", "ended"});
    Event(std::move(event));
  }
  auto started = std::chrono::steady_clock::now();
  trace_.Record(kTraceStop, kPhaseStart);
  interface_.StopMiracastSession(umdContext_);
  trace_.Record(kTraceStop, kPhaseStop);
  done.numbers.push_back({"stopMs", Ms(started)});
  CheckRtspSocket("StopMiracastSession");
  CloseRtspSocket();   // the OS closes it at Stop
  SetState(SessionState::Stopped);
  return status;
}

// ------------------------------------------------------------------ destroy and unload

LONG HostCore::TaskDestroy(HostEvent& done) {
  SessionState now = state();
  if (now != SessionState::Created && now != SessionState::Stopped) return kStatusInvalidDeviceState;
  CloseRtspSocket();
  SetState(SessionState::Destroying);
  CloseGateAndDrain("DestroyMiracastContext");
  auto started = std::chrono::steady_clock::now();
  trace_.Record(kTraceDestroy, kPhaseStart);
  interface_.DestroyMiracastContext(umdContext_);
  trace_.Record(kTraceDestroy, kPhaseStop);
  double ms = Ms(started);
  done.numbers.push_back({"destroyMs", ms});
  if (ms > options_.destroyBudgetMs) {
    Finding(kRuleDestroyBudget, "DestroyMiracastContext took " + std::to_string(static_cast<int>(ms)) + " ms (at most " +
                                    std::to_string(options_.destroyBudgetMs) + ")");
  }
  cookie_->live = false;
  umdContext_ = nullptr;
  {
    // A UMD thread still waiting for chunks gets its answer (cancelled) now.
    std::lock_guard<std::mutex> lock(chunkMutex_);
    for (KernelBridge::Pending* read : chunkReads_) kernel_.Cancel(*read);
  }
  StopSessionThreads();
  MH_CONTEXT_REF ref{kernelContext_};
  trace_.Record(kTraceHostKernelDestroy, kPhaseStart, 0, kernelContext_);
  LONG status = kernel_.Call(IOCTL_MH_DESTROY_CONTEXT, &ref, sizeof(ref), nullptr, 0);
  trace_.Record(kTraceHostKernelDestroy, kPhaseStop, status);
  kernelContext_ = 0;
  if (agentAttached_) {
    kernel_.Call(IOCTL_MH_AGENT_DETACH, nullptr, 0, nullptr, 0);
    agentAttached_ = false;
  }
  Unload(done);
  return status;
}

void HostCore::Unload(HostEvent& done) {
  if (module_ == nullptr) return;
  if (stuckInside_) {
    done.strings.push_back({"unload", "skipped: a host thread is still inside the driver"});
    return;
  }
  std::set<DWORD> callers, host;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    callers = callbackTids_;
    host = hostTids_;
    callbackTids_.clear();
  }
  std::vector<DWORD> left = UmdThreadsAlive(moduleBase_, moduleEnd_, callers, host);
  done.numbers.push_back({"threadsLeft", static_cast<double>(left.size())});
  if (!left.empty()) {
    std::string ids;
    for (DWORD tid : left) ids += (ids.empty() ? "" : ", ") + std::to_string(tid);
    // Unloading under a running thread would crash the process: wait for them, then end them.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(options_.threadGraceMs);
    size_t ended = 0;
    for (DWORD tid : left) {
      while (ThreadAlive(tid) && std::chrono::steady_clock::now() < deadline) Sleep(10);
      if (ThreadAlive(tid)) {
        HANDLE thread = OpenThread(THREAD_TERMINATE | SYNCHRONIZE, FALSE, tid);
        if (thread != nullptr) {
          TerminateThread(thread, 1);
          WaitForSingleObject(thread, 1000);
          CloseHandle(thread);
        }
        ended++;
      }
    }
    Finding(kRuleThreadsAfterDestroy, "thread(s) " + ids + " of the driver still ran after DestroyMiracastContext returned" +
                                          (ended ? "; " + std::to_string(ended) + " ended by the host" : "; they ended later"));
  }
  trace_.Record(kTraceHostUnload, kPhaseStart);
  FreeLibrary(module_);
  trace_.Record(kTraceHostUnload, kPhaseStop);
  if (!ImageGone(moduleBase_)) {
    Finding(kRuleUnloaded, "the DLL is still mapped after FreeLibrary: it holds a reference to itself");
  }
  module_ = nullptr;
  interface_ = MIRACAST_DRIVER_INTERFACE{};
  SetState(SessionState::Unloaded);
}

}  // namespace mh::umd

// host_core.h - the UMD host: a stand-in for the OS's Miracast host process. It loads a
// user-mode Miracast driver (a DLL exporting QueryMiracastDriverInterface), drives it in the
// OS's order, bridges its callbacks to the kernel harness over the control device, enforces the
// documented rules (findings, lib/umd/rules.ts) and records a trace with the OS's event ids.
//
// Threads and ownership:
//   - The JavaScript thread owns the HostCore (through the UmdHost wrapper, umd_binding.cc). It
//     only posts tasks, reads snapshots (trace, findings, counters) and sets scripted values. It
//     never calls into the DLL: loading (DllMain), every entry point and every callback run on the
//     threads below.
//   - The control thread (one per host, started with it, joined by Shutdown) runs the tasks in
//     order: load, create (agent attach, kernel CreateContext, UMD Create), start (accept the
//     sink, UMD Start, kernel session start), stop (kernel session stop, UMD Stop), destroy (UMD
//     Destroy under the 3 s watchdog, kernel DestroyContext, agent detach, thread check, unload)
//     and the teardown a ReportSessionStatus asks for; also the test miniport's chunk producer
//     (reportChunks), which needs the context's owner handle. So Create/Start/Stop/Destroy are mutually
//     exclusive and the "Start thread" and "Stop thread" of the documentation are this thread.
//   - The receiver thread (per session, started by create, joined by destroy) keeps two
//     AGENT_RECEIVE requests pending on the host's handle and hands each message to the pool.
//   - The pool threads (per session, `threads` of them) run HandleKernelModeMessage concurrently
//     and reply in batches (the thread that finds no flush in progress sends every reply ready).
//     They enter the UMD only through the session gate (EnterSessionCall), which Create, Start,
//     Stop and Destroy close and drain first.
//   - The data-rate thread (per session) calls the UMD's registered PFN_DATARATE_NOTIFICATION
//     about once per interval, also through the gate.
//   - The UMD's own threads call the callbacks (callbacks.cc); they block only in the kernel
//     bridge's requests or, during Start, until Start returns.
//   - Kernel I/O from native threads uses a duplicate of the JavaScript device's handle (the same
//     file object, so the same context owner and agent) with an event and no APC context: no
//     completion packet reaches the JavaScript engine's port, and no libuv thread is used.
//   - Events for JavaScript (task results, statistics, session status, data rate, findings) go
//     into a queue that the wrapper drains on the JavaScript thread through one thread-safe
//     function, a bounded batch per turn.
//   - Shutdown (JavaScript close, or the environment's cleanup hook at env teardown and worker
//     exit) destroys a live session on the control thread, waits for it (bounded), joins every
//     host thread and closes the handle. A UMD call past the watchdog is reported (a finding;
//     `wedged`). A host thread that never leaves the DLL abandons the host: its threads are
//     detached, the DLL stays loaded and the core, its handle included, is never freed (freeing or
//     unloading under a running thread would crash the process). A call that returns late
//     abandons nothing.
#pragma once

#include "miracast_umd_ddi.h"
#include "kernel_bridge.h"
#include "umd_trace.h"
#include "findings.h"
#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

namespace mh::umd {

// What the wrapper turns into a JavaScript object: a kind and named values.
struct HostEvent {
  HostEvent(std::string kindName = {}, uint32_t task = 0) : kind(std::move(kindName)), taskId(task) {}
  std::string kind;
  uint32_t taskId = 0;
  std::vector<std::pair<std::string, double>> numbers;
  std::vector<std::pair<std::string, std::string>> strings;
};

// D3DKMT_MIRACAST_DISPLAY_DEVICE_STATE's names, plus the host's own before and after.
enum class SessionState {
  Unloaded, Loaded, Creating, Created, StartPending, Started, StopPending, Stopped, Destroying,
};
const char* StateName(SessionState state);

struct HostOptions {
  uint32_t poolThreads = 4;
  uint32_t dataRateIntervalMs = 1000;
  uint32_t destroyBudgetMs = 3000;     // the documented limit
  uint32_t threadGraceMs = 5000;       // how long a thread left behind may take before it is ended
  uint32_t acceptTimeoutMs = 10000;
};

struct Message {
  uint64_t id;
  std::vector<uint8_t> input;
  uint32_t outputSize;
};

class HostCore {
 public:
  using Emit = std::function<void(HostEvent&&)>;
  HostCore(HANDLE device, const HostOptions& options, Emit emit);  // throws std::runtime_error
  ~HostCore();

  // JavaScript thread: tasks run on the control thread; their result is a "done" event.
  void Post(uint32_t taskId, const std::string& task, std::vector<uint64_t> args = {}, std::wstring path = {});
  uint16_t Listen();                                   // the sink's port on 127.0.0.1; 0 on failure
  void SetDataRate(const MIRACAST_DATARATE_STATS* stats);
  void InjectChunkResets(uint32_t count) { injectedResets_ += count; }
  void ReportHang(const std::string& operation, uint32_t ms);
  void Shutdown(uint32_t waitMs);
  // A call into the DLL did not return in time (reported; it may have returned since).
  bool wedged() const { return wedged_; }
  // Host threads were left running inside the DLL: the core must not be freed.
  bool abandoned() const { return abandoned_; }
  void StaleCallback(const char* name);
  SessionState state();
  std::vector<TraceRecord> ReadTrace(uint64_t since, uint32_t max, uint64_t* next, uint64_t* lost) {
    return trace_.Read(since, max, next, lost);
  }
  std::vector<Finding> ReadFindings() { return findings_.Snapshot(); }
  std::vector<std::pair<std::string, double>> Counters();

  // The callbacks (callbacks.cc) reach the host through these.
  static HostCore* FromHandle(HANDLE handle, bool* stale);
  HANDLE CallbackHandle() const { return reinterpret_cast<HANDLE>(cookie_.get()); }
  void CbReportSessionStatus(MIRACAST_STATUS reason, NTSTATUS status);
  NTSTATUS CbIoControl(BOOL hardwareAccess, UINT inSize, VOID* in, UINT outSize, VOID* out, UINT* returned);
  void CbReportStatistic(const MIRACAST_STATISTIC_DATA* data);
  NTSTATUS CbGetNextChunkData(UINT timeoutMs, UINT eventCount, HANDLE* events, UINT* size,
                              MIRACAST_CHUNK_DATA* buffer, UINT* outstanding);
  NTSTATUS CbRegisterDataRate(PVOID context, PFN_DATARATE_NOTIFICATION notify);
  UmdTrace& trace() { return trace_; }

 private:
  struct Task {
    uint32_t id;
    std::string name;
    std::vector<uint64_t> args;
    std::wstring path;
  };
  // The callback handle: stays registered (global set) while the host lives; `live` says
  // whether the current session may still use it.
  struct Cookie {
    HostCore* host;
    std::atomic<bool> live{false};
  };

  void ControlLoop();
  void RunTask(const Task& task, HostEvent& done);
  LONG TaskLoad(const std::wstring& path, HostEvent& done);
  LONG TaskCreate(HostEvent& done);
  LONG TaskStart(const std::vector<uint64_t>& args, HostEvent& done);
  LONG TaskStop(HostEvent& done);
  LONG TaskReportChunks(const std::vector<uint64_t>& args, HostEvent& done);
  LONG TaskDestroy(HostEvent& done);
  void Unload(HostEvent& done);
  void SetState(SessionState state);
  bool IsHostThread(DWORD tid);

  // The session gate: pool and data-rate threads enter the UMD only while it is open.
  bool EnterSessionCall();
  void LeaveSessionCall();
  bool CloseGateAndDrain(const char* forWhat);

  void ReceiverLoop();
  void PoolLoop();
  void DataRateLoop();
  void HandleMessage(Message& message);
  void QueueReply(uint64_t messageId, LONG status, const uint8_t* output, uint32_t size);
  void StartSessionThreads();
  void StopSessionThreads();
  bool MonitorAnnouncedDuringStart(uint64_t mark);
  void CheckRtspSocket(const char* when);
  void CloseRtspSocket();
  uint64_t KernelTraceMark();
  void NoteCaller();

  void Finding(const char* rule, const std::string& evidence);
  void Event(HostEvent&& event) { emit_(std::move(event)); }

  HostOptions options_;
  Emit emit_;
  KernelBridge kernel_;
  UmdTrace trace_;
  FindingList findings_;
  std::unique_ptr<Cookie> cookie_;

  // The DLL (control thread only, apart from the read-only copies the callbacks use).
  HMODULE module_ = nullptr;
  uintptr_t moduleBase_ = 0, moduleEnd_ = 0;
  std::wstring modulePath_;
  MIRACAST_DRIVER_INTERFACE interface_{};
  PVOID umdContext_ = nullptr;
  std::atomic<uint64_t> kernelContext_{0};   // read by the callbacks on the UMD's threads
  bool agentAttached_ = false;

  // State, the gate and the thread roles: guarded by mutex_.
  std::mutex mutex_;
  std::condition_variable changed_;
  SessionState state_ = SessionState::Unloaded;
  bool gateOpen_ = false;
  uint32_t inSessionCalls_ = 0;
  DWORD controlTid_ = 0;
  std::set<DWORD> hostTids_;
  std::set<DWORD> callbackTids_;       // threads (not the host's) that called a callback
  std::atomic<bool> wedged_{false};
  std::atomic<bool> stuckInside_{false};   // a pool or data-rate thread never left the DLL
  std::atomic<bool> abandoned_{false};
  bool teardownQueued_ = false;

  // The control thread's queue.
  std::deque<Task> tasks_;
  bool quit_ = false;
  bool controlDone_ = false;           // the control thread ran its last task and returns
  std::thread control_;

  // The session's threads.
  HANDLE receiverStop_ = nullptr;
  std::thread receiver_;
  std::vector<std::thread> pool_;
  std::deque<Message> messages_;       // guarded by mutex_
  bool poolQuit_ = false;
  std::thread dataRateThread_;
  bool dataRateQuit_ = false;

  // Replies waiting for a flush: guarded by replyMutex_.
  std::mutex replyMutex_;
  std::vector<std::vector<uint8_t>> replies_;   // MH_AGENT_REPLY records, padded
  bool flushing_ = false;

  // The sink: a loopback listener, the accepted RTSP socket and its ports.
  SOCKET listener_ = INVALID_SOCKET;
  SOCKET rtsp_ = INVALID_SOCKET;
  uint16_t rtspLocalPort_ = 0, rtspPeerPort_ = 0;
  bool wsaStarted_ = false;

  // GetNextChunkData.
  std::atomic<int> inChunkCalls_{0};
  std::atomic<uint32_t> injectedResets_{0};
  std::atomic<bool> resetOutstanding_{false};
  std::atomic<bool> chunkConcurrencyFlagged_{false};
  std::mutex chunkMutex_;
  std::unordered_set<uint64_t> chunkIdsReturned_;
  std::set<KernelBridge::Pending*> chunkReads_;

  // Data rate: guarded by mutex_.
  PFN_DATARATE_NOTIFICATION dataRateNotify_ = nullptr;
  PVOID dataRateContext_ = nullptr;
  bool dataRateEnded_ = false;
  bool haveDataRate_ = false;
  MIRACAST_DATARATE_STATS dataRate_{};

  // Counters for tests and reports.
  std::atomic<uint64_t> messagesHandled_{0}, messagesDropped_{0}, replyBatches_{0}, replyBatchMax_{0};
  std::atomic<uint64_t> concurrentMax_{0}, inHandlers_{0}, ioControls_{0}, chunkCalls_{0}, chunksReturned_{0};
  std::atomic<uint64_t> statistics_{0}, dataRateNotifications_{0}, sessionStatusReports_{0};
};

}  // namespace mh::umd

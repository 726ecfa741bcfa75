// host_core.cc - the host's life: the control thread and its task queue, the state and the
// session gate, findings, counters and shutdown. See host_core.h for threads and ownership.
#include "host_core.h"
#include <stdexcept>

namespace mh::umd {

namespace {
// Every live host's callback handle, so that a callback can tell a handle it was given from one
// that belongs to no host (or to a host already gone).
std::mutex g_cookiesMutex;
std::set<const void*> g_cookies;
}  // namespace

const char* StateName(SessionState state) {
  switch (state) {
    case SessionState::Unloaded: return "unloaded";
    case SessionState::Loaded: return "loaded";
    case SessionState::Creating: return "creating";
    case SessionState::Created: return "created";
    case SessionState::StartPending: return "startPending";
    case SessionState::Started: return "started";
    case SessionState::StopPending: return "stopPending";
    case SessionState::Stopped: return "stopped";
    case SessionState::Destroying: return "destroying";
  }
  return "unknown";
}

HostCore::HostCore(HANDLE device, const HostOptions& options, Emit emit)
    : options_(options), emit_(std::move(emit)), kernel_(device), cookie_(new Cookie{this}) {
  WSADATA wsa;
  if (WSAStartup(MAKEWORD(2, 2), &wsa) != 0) {
    throw std::runtime_error("WSAStartup failed");
  }
  wsaStarted_ = true;
  {
    std::lock_guard<std::mutex> lock(g_cookiesMutex);
    g_cookies.insert(cookie_.get());
  }
  control_ = std::thread(&HostCore::ControlLoop, this);
}

HostCore::~HostCore() {
  Shutdown(10000);
  std::lock_guard<std::mutex> lock(g_cookiesMutex);
  g_cookies.erase(cookie_.get());
}

HostCore* HostCore::FromHandle(HANDLE handle, bool* stale) {
  std::lock_guard<std::mutex> lock(g_cookiesMutex);
  if (g_cookies.count(handle) == 0) {
    return nullptr;
  }
  Cookie* cookie = reinterpret_cast<Cookie*>(handle);
  *stale = !cookie->live.load();
  return cookie->host;
}

SessionState HostCore::state() {
  std::lock_guard<std::mutex> lock(mutex_);
  return state_;
}

void HostCore::SetState(SessionState state) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    state_ = state;
  }
  changed_.notify_all();
  HostEvent event{"state"};
  event.strings.push_back({"state", StateName(state)});
  Event(std::move(event));
}

bool HostCore::IsHostThread(DWORD tid) {
  std::lock_guard<std::mutex> lock(mutex_);
  return hostTids_.count(tid) != 0;
}

void HostCore::Finding(const char* rule, const std::string& evidence) {
  findings_.Add({rule, evidence, InterruptTime(), GetCurrentThreadId()});
  trace_.Record(kTraceHostFinding, kPhaseInfo);
  HostEvent event{"finding"};
  event.strings.push_back({"rule", rule});
  event.strings.push_back({"evidence", evidence});
  Event(std::move(event));
}

void HostCore::ReportHang(const std::string& operation, uint32_t ms) {
  wedged_ = true;
  Finding(kRuleCallReturns, operation + " did not return within " + std::to_string(ms) +
                                " ms; nothing is unloaded while it is still inside the driver");
}

void HostCore::SetDataRate(const MIRACAST_DATARATE_STATS* stats) {
  std::lock_guard<std::mutex> lock(mutex_);
  haveDataRate_ = stats != nullptr;
  if (stats != nullptr) dataRate_ = *stats;
}

// ------------------------------------------------------------------ the control thread

void HostCore::Post(uint32_t taskId, const std::string& task, std::vector<uint64_t> args, std::wstring path) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    tasks_.push_back(Task{taskId, task, std::move(args), std::move(path)});
  }
  changed_.notify_all();
}

void HostCore::ControlLoop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    controlTid_ = GetCurrentThreadId();
    hostTids_.insert(controlTid_);
  }
  for (;;) {
    Task task;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      changed_.wait(lock, [this] { return quit_ || !tasks_.empty(); });
      if (tasks_.empty()) {        // quit, and nothing left to do
        controlDone_ = true;
        changed_.notify_all();
        return;
      }
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    HostEvent done{"done", task.id};
    RunTask(task, done);
    if (task.id != 0) Event(std::move(done));
  }
}

void HostCore::RunTask(const Task& task, HostEvent& done) {
  LONG status;
  SessionState now = state();
  if (task.name == "load") {
    status = TaskLoad(task.path, done);
  } else if (task.name == "create") {
    status = TaskCreate(done);
  } else if (task.name == "start") {
    status = TaskStart(task.args, done);
  } else if (task.name == "reportChunks") {
    status = TaskReportChunks(task.args, done);
  } else if (task.name == "stop") {
    status = TaskStop(done);
  } else if (task.name == "destroy" || task.name == "teardown" || task.name == "close") {
    // Whatever is live goes, in the OS's order: Stop, Destroy, kernel DestroyContext, unload.
    status = 0;
    if (now == SessionState::Started || now == SessionState::StartPending) status = TaskStop(done);
    now = state();
    if (now == SessionState::Created || now == SessionState::Stopped) {
      LONG destroyed = TaskDestroy(done);
      if (status >= 0) status = destroyed;
    } else if (now == SessionState::Loaded) {
      Unload(done);
    }
    if (task.name == "teardown") {
      HostEvent event{"teardown"};
      event.numbers.push_back({"status", static_cast<double>(static_cast<uint32_t>(status))});
      Event(std::move(event));
    }
  } else {
    status = static_cast<LONG>(0xC0000010);  // STATUS_INVALID_DEVICE_REQUEST
  }
  done.numbers.push_back({"status", static_cast<double>(static_cast<uint32_t>(status))});
  done.strings.push_back({"task", task.name});
  done.strings.push_back({"state", StateName(state())});
}

void HostCore::Shutdown(uint32_t waitMs) {
  if (!control_.joinable()) return;
  Post(0, "close");
  {
    std::unique_lock<std::mutex> lock(mutex_);
    quit_ = true;
    changed_.notify_all();
    // The close task runs the OS's teardown; a UMD call that never returns must not hang the
    // process: past waitMs the host gives up on its threads.
    bool finished = changed_.wait_for(lock, std::chrono::milliseconds(waitMs), [this] { return controlDone_; });
    if (!finished) {
      wedged_ = true;
      abandoned_ = true;
    }
  }
  if (abandoned_) {
    // A thread is inside the DLL for good: leave every host thread (and the handle they use).
    control_.detach();
    if (receiver_.joinable()) receiver_.detach();
    for (auto& thread : pool_) if (thread.joinable()) thread.detach();
    if (dataRateThread_.joinable()) dataRateThread_.detach();
  } else {
    control_.join();
  }
  if (listener_ != INVALID_SOCKET) {
    closesocket(listener_);
    listener_ = INVALID_SOCKET;
  }
  if (!abandoned_) {
    kernel_.Close();
    if (wsaStarted_) WSACleanup();
    wsaStarted_ = false;
  }
}

// ------------------------------------------------------------------ the session gate

bool HostCore::EnterSessionCall() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!gateOpen_) return false;
  inSessionCalls_++;
  return true;
}

void HostCore::LeaveSessionCall() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    inSessionCalls_--;
  }
  changed_.notify_all();
}

// Closes the gate and waits until no pool or data-rate thread is inside the UMD, so that
// Create/Start/Stop/Destroy never run beside HandleKernelModeMessage.
bool HostCore::CloseGateAndDrain(const char* forWhat) {
  std::unique_lock<std::mutex> lock(mutex_);
  gateOpen_ = false;
  if (changed_.wait_for(lock, std::chrono::milliseconds(options_.threadGraceMs), [this] { return inSessionCalls_ == 0; })) {
    return true;
  }
  lock.unlock();
  wedged_ = true;
  stuckInside_ = true;
  Finding(kRuleCallReturns, std::string("HandleKernelModeMessage or the data-rate callback was still running ") +
                                std::to_string(options_.threadGraceMs) + " ms after " + forWhat + " was due");
  return false;
}

std::vector<std::pair<std::string, double>> HostCore::Counters() {
  std::vector<std::pair<std::string, double>> c;
  auto add = [&](const char* name, uint64_t value) { c.push_back({name, static_cast<double>(value)}); };
  add("messagesHandled", messagesHandled_);
  add("messagesDropped", messagesDropped_);
  add("replyBatches", replyBatches_);
  add("replyBatchMax", replyBatchMax_);
  add("handlersConcurrentMax", concurrentMax_);
  add("ioControls", ioControls_);
  add("chunkCalls", chunkCalls_);
  add("chunksReturned", chunksReturned_);
  add("statistics", statistics_);
  add("dataRateNotifications", dataRateNotifications_);
  add("sessionStatusReports", sessionStatusReports_);
  std::lock_guard<std::mutex> lock(mutex_);
  add("poolThreads", pool_.size());
  add("sessionCallsInside", inSessionCalls_);
  return c;
}

}  // namespace mh::umd

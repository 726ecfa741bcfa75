// umd_trace.h - the UMD host's trace: every UMD entry point and every callback, bracketed as the
// OS's own ETW events are (start and stop, with the DxgKrnl event ids: MiracastUmdDriver*
// 13100-13104, MiracastUmdDriverCb* 13150-13154; lib/umd/trace.ts holds the names), plus the
// host's own milestones (ids below 13000, named there too).
//
// Time stamps use the kernel trace's clock so the two merge: the interrupt time in 100 ns units,
// which the driver stamps with KeQueryInterruptTime. Under Wine 8 both are the same monotonic
// clock too (test/umd-host.test.ts checks that the kernel's events fall inside the host's span).
//
// Thread safety: Record is called from any thread (one mutex); Read from the JavaScript thread.
#pragma once

#include <windows.h>
#include <cstdint>
#include <deque>
#include <mutex>
#include <vector>

namespace mh::umd {

enum TraceId : uint32_t {
  kTraceCreate = 13100, kTraceDestroy = 13101, kTraceStart = 13102, kTraceStop = 13103, kTraceMessage = 13104,
  kTraceCbSessionStatus = 13150, kTraceCbIoControl = 13151, kTraceCbStatistic = 13152, kTraceCbChunks = 13153,
  kTraceCbDataRate = 13154,
  // The host's own milestones (no OS event exists for them).
  kTraceHostLoad = 1, kTraceHostQuery = 2, kTraceHostUnload = 3, kTraceHostDataRateNotify = 4,
  kTraceHostKernelCreate = 5, kTraceHostKernelDestroy = 6, kTraceHostSession = 7, kTraceHostAccept = 8,
  kTraceHostFinding = 9,
};

enum TracePhase : uint32_t { kPhaseInfo = 0, kPhaseStart = 1, kPhaseStop = 2 };

struct TraceRecord {
  uint64_t sequence;
  uint64_t time;
  uint32_t id;
  uint32_t phase;
  uint32_t threadId;
  int32_t status;
  uint64_t arg0;
  uint64_t arg1;
};

uint64_t InterruptTime();
uint32_t ClockUnit100ns();          // the unit of both traces, in 100 ns (1)
const char* ClockSource();

class UmdTrace {
 public:
  static constexpr size_t kCapacity = 16384;
  void Record(uint32_t id, uint32_t phase, int32_t status = 0, uint64_t arg0 = 0, uint64_t arg1 = 0);
  std::vector<TraceRecord> Read(uint64_t since, uint32_t max, uint64_t* next, uint64_t* lost);

 private:
  std::mutex mutex_;
  std::deque<TraceRecord> ring_;
  uint64_t nextSequence_ = 1;
};

}  // namespace mh::umd

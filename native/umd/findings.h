// findings.h - what the UMD host found a driver doing against the rules. Each finding names a
// rule of lib/umd/rules.ts by its stable id (kRule* below; a test checks both lists agree) and
// says what was seen. Thread safety: Add from any thread; Snapshot from the JavaScript thread.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

namespace mh::umd {

#define MH_UMD_RULES(X) \
  X(kRuleLoadExport, "umd.load.export") \
  X(kRuleLoadInterface, "umd.load.interface") \
  X(kRuleDestroyBudget, "umd.destroy.within3s") \
  X(kRuleThreadsAfterDestroy, "umd.destroy.noThreadsLeft") \
  X(kRuleUnloaded, "umd.destroy.unloadable") \
  X(kRuleRtspSocket, "umd.rtsp.notClosedByDriver") \
  X(kRuleChunksOneThread, "umd.chunks.oneThreadAtATime") \
  X(kRuleChunksReset, "umd.chunks.iframeAfterReset") \
  X(kRuleChunkSentKnown, "umd.stats.chunkSentKnown") \
  X(kRuleDataRateThread, "umd.datarate.startOrStopThread") \
  X(kRuleMonitorAfterStart, "umd.monitor.afterStartReturns") \
  X(kRuleSessionInfoReserved, "umd.start.sessionInfoReserved") \
  X(kRuleMessageBytes, "umd.message.bytesReturned") \
  X(kRuleCallbackLifetime, "umd.callbacks.contextLifetime") \
  X(kRuleCallReturns, "umd.calls.return")

#define MH_UMD_RULE_DECLARE(symbol, id) inline constexpr const char* symbol = id;
MH_UMD_RULES(MH_UMD_RULE_DECLARE)
#undef MH_UMD_RULE_DECLARE

struct Finding {
  std::string rule;
  std::string evidence;
  uint64_t time;       // the trace's clock
  uint32_t threadId;
};

class FindingList {
 public:
  void Add(Finding finding) {
    std::lock_guard<std::mutex> lock(mutex_);
    list_.push_back(std::move(finding));
  }
  std::vector<Finding> Snapshot() {
    std::lock_guard<std::mutex> lock(mutex_);
    return list_;
  }
  bool Has(const char* rule) {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& f : list_) if (f.rule == rule) return true;
    return false;
  }

 private:
  std::mutex mutex_;
  std::vector<Finding> list_;
};

}  // namespace mh::umd

// umd_trace.cc - see umd_trace.h.
#include "umd_trace.h"

namespace mh::umd {

namespace {

using QueryInterruptTimeFn = void(WINAPI*)(PULONGLONG);
using GetTickCountFn = ULONG(WINAPI*)(void);

struct Clock {
  QueryInterruptTimeFn interruptTime = nullptr;
  GetTickCountFn tickCount = nullptr;
  bool wine = false;
  Clock() {
    HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
    wine = ntdll != nullptr && GetProcAddress(ntdll, "wine_get_version") != nullptr;
    if (wine) {
      tickCount = reinterpret_cast<GetTickCountFn>(reinterpret_cast<void*>(GetProcAddress(ntdll, "NtGetTickCount")));
    } else {
      HMODULE kernelbase = GetModuleHandleW(L"kernelbase.dll");
      if (kernelbase != nullptr) {
        interruptTime = reinterpret_cast<QueryInterruptTimeFn>(reinterpret_cast<void*>(GetProcAddress(kernelbase, "QueryInterruptTime")));
      }
    }
  }
};

const Clock& TheClock() {
  static const Clock clock;
  return clock;
}

}  // namespace

uint64_t InterruptTime() {
  const Clock& clock = TheClock();
  if (clock.wine) {
    // What Wine's KeQueryInterruptTime returns (KeQueryTickCount: NtGetTickCount).
    return clock.tickCount != nullptr ? clock.tickCount() : GetTickCount64();
  }
  ULONGLONG value = 0;
  if (clock.interruptTime != nullptr) {
    clock.interruptTime(&value);
  } else {
    QueryUnbiasedInterruptTime(&value);
  }
  return value;
}

uint32_t ClockUnit100ns() { return TheClock().wine ? 10000u : 1u; }

const char* ClockSource() { return TheClock().wine ? "NtGetTickCount (Wine's KeQueryInterruptTime)" : "QueryInterruptTime"; }

void UmdTrace::Record(uint32_t id, uint32_t phase, int32_t status, uint64_t arg0, uint64_t arg1) {
  TraceRecord record{0, InterruptTime(), id, phase, GetCurrentThreadId(), status, arg0, arg1};
  std::lock_guard<std::mutex> lock(mutex_);
  record.sequence = nextSequence_++;
  ring_.push_back(record);
  if (ring_.size() > kCapacity) ring_.pop_front();
}

std::vector<TraceRecord> UmdTrace::Read(uint64_t since, uint32_t max, uint64_t* next, uint64_t* lost) {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<TraceRecord> out;
  uint64_t oldest = ring_.empty() ? nextSequence_ : ring_.front().sequence;
  *lost = since != 0 && since < oldest ? oldest - since : 0;
  uint64_t start = since < oldest ? oldest : since;
  for (uint64_t s = start; s < nextSequence_ && out.size() < max; s++) {
    out.push_back(ring_[static_cast<size_t>(s - oldest)]);
  }
  *next = out.empty() ? (start > nextSequence_ ? nextSequence_ : start) : out.back().sequence + 1;
  return out;
}

}  // namespace mh::umd

// umd_trace.cc - see umd_trace.h.
#include "umd_trace.h"

namespace mh::umd {

namespace {

using QueryInterruptTimeFn = void(WINAPI*)(PULONGLONG);

// QueryInterruptTime (Windows 10) reads what KeQueryInterruptTime returns; where it is missing,
// QueryUnbiasedInterruptTime is the same clock less sleep time.
QueryInterruptTimeFn InterruptTimeSource() {
  static const QueryInterruptTimeFn source = [] {
    HMODULE kernelbase = GetModuleHandleW(L"kernelbase.dll");
    return kernelbase == nullptr ? nullptr
        : reinterpret_cast<QueryInterruptTimeFn>(reinterpret_cast<void*>(GetProcAddress(kernelbase, "QueryInterruptTime")));
  }();
  return source;
}

}  // namespace

uint64_t InterruptTime() {
  ULONGLONG value = 0;
  if (QueryInterruptTimeFn source = InterruptTimeSource()) {
    source(&value);
  } else {
    QueryUnbiasedInterruptTime(&value);
  }
  return value;
}

uint32_t ClockUnit100ns() { return 1; }

const char* ClockSource() { return InterruptTimeSource() ? "QueryInterruptTime" : "QueryUnbiasedInterruptTime"; }

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

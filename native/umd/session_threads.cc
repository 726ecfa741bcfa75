// session_threads.cc - the session's host threads: the receiver (agent receives from the
// kernel), the pool (HandleKernelModeMessage, concurrently, replies in batches) and the data-rate
// timer. Started by the create task, joined by the destroy task (see host_core.h).
#include "host_core.h"
#include "status.h"
#include "miracast_hil_ioctl.h"

namespace mh::umd {

namespace {
constexpr uint32_t kReceiveBuffer = 256u * 1024u;
constexpr int kReceiveSlots = 2;
}  // namespace

void HostCore::StartSessionThreads() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    poolQuit_ = false;
    dataRateQuit_ = false;
    messages_.clear();
  }
  receiverStop_ = CreateEventW(nullptr, TRUE, FALSE, nullptr);
  receiver_ = std::thread(&HostCore::ReceiverLoop, this);
  for (uint32_t i = 0; i < options_.poolThreads; i++) pool_.emplace_back(&HostCore::PoolLoop, this);
  dataRateThread_ = std::thread(&HostCore::DataRateLoop, this);
}

void HostCore::StopSessionThreads() {
  if (receiverStop_ != nullptr) SetEvent(receiverStop_);
  if (receiver_.joinable()) receiver_.join();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    poolQuit_ = true;
    dataRateQuit_ = true;
  }
  changed_.notify_all();
  // A thread that never left the DLL cannot be joined: it is left running, and so is the core.
  if (stuckInside_) abandoned_ = true;
  for (auto& thread : pool_) {
    if (stuckInside_) thread.detach(); else thread.join();
  }
  pool_.clear();
  if (dataRateThread_.joinable()) {
    if (stuckInside_) dataRateThread_.detach(); else dataRateThread_.join();
  }
  if (receiverStop_ != nullptr) CloseHandle(receiverStop_);
  receiverStop_ = nullptr;
}

// A host thread announces itself, so that the callbacks and the thread check know it.
#define MH_HOST_THREAD()                                   \
  do {                                                     \
    std::lock_guard<std::mutex> lock(mutex_);              \
    hostTids_.insert(GetCurrentThreadId());                \
  } while (0)
#define MH_HOST_THREAD_END()                               \
  do {                                                     \
    std::lock_guard<std::mutex> lock(mutex_);              \
    hostTids_.erase(GetCurrentThreadId());                 \
  } while (0)

// ------------------------------------------------------------------ receiver

void HostCore::ReceiverLoop() {
  MH_HOST_THREAD();
  struct Slot {
    KernelBridge::Pending pending;
    std::vector<uint8_t> buffer;
    bool active = false;
  } slots[kReceiveSlots];
  bool failed = false;
  auto issue = [&](Slot& slot) {
    slot.active = kernel_.Begin(slot.pending, IOCTL_MH_AGENT_RECEIVE, nullptr, 0, slot.buffer.data(), kReceiveBuffer);
    if (!slot.active) failed = true;
  };
  for (Slot& slot : slots) {
    slot.buffer.resize(kReceiveBuffer);
    issue(slot);
  }
  while (!failed) {
    HANDLE handles[1 + kReceiveSlots] = {receiverStop_};
    int map[1 + kReceiveSlots] = {-1};
    DWORD count = 1;
    for (int i = 0; i < kReceiveSlots; i++) {
      if (slots[i].active) {
        map[count] = i;
        handles[count++] = slots[i].pending.event;
      }
    }
    DWORD which = WaitForMultipleObjects(count, handles, FALSE, INFINITE);
    if (which == WAIT_OBJECT_0 || which >= WAIT_OBJECT_0 + count) break;
    Slot& slot = slots[map[which - WAIT_OBJECT_0]];
    uint32_t bytes = 0;
    slot.active = false;
    LONG status = kernel_.Finish(slot.pending, &bytes);
    if (status < 0) {
      failed = true;
      break;
    }
    // Records: MH_RECEIVE_HEADER, then MH_AGENT_MESSAGE + input, 8-byte aligned.
    MH_RECEIVE_HEADER header{};
    if (bytes >= sizeof(header)) memcpy(&header, slot.buffer.data(), sizeof(header));
    size_t offset = sizeof(header);
    std::vector<Message> received;
    for (uint32_t i = 0; i < header.Count && offset + sizeof(MH_AGENT_MESSAGE) <= bytes; i++) {
      MH_AGENT_MESSAGE record;
      memcpy(&record, slot.buffer.data() + offset, sizeof(record));
      if (record.RecordSize < sizeof(record) + record.InputSize || offset + record.RecordSize > bytes) break;
      const uint8_t* input = slot.buffer.data() + offset + sizeof(record);
      received.push_back(Message{record.MessageId, std::vector<uint8_t>(input, input + record.InputSize), record.OutputSize});
      offset += record.RecordSize;
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      for (auto& message : received) messages_.push_back(std::move(message));
    }
    changed_.notify_all();
    issue(slot);
  }
  // Stopping (or the agent is gone): the receives still pending are cancelled. Messages the
  // kernel put in them meanwhile are completed by the detach (STATUS_DEVICE_REMOVED).
  for (Slot& slot : slots) {
    if (slot.active) {
      kernel_.Cancel(slot.pending);
      kernel_.Finish(slot.pending, nullptr);
    }
  }
  if (failed && WaitForSingleObject(receiverStop_, 0) != WAIT_OBJECT_0) {
    HostEvent event{"error"};
    event.strings.push_back({"what", "the agent's receive failed: kernel messages are no longer delivered"});
    Event(std::move(event));
  }
  MH_HOST_THREAD_END();
}

// ------------------------------------------------------------------ pool

void HostCore::PoolLoop() {
  MH_HOST_THREAD();
  for (;;) {
    Message message;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      changed_.wait(lock, [this] { return poolQuit_ || !messages_.empty(); });
      if (messages_.empty()) break;
      message = std::move(messages_.front());
      messages_.pop_front();
    }
    HandleMessage(message);
  }
  MH_HOST_THREAD_END();
}

void HostCore::HandleMessage(Message& message) {
  if (!EnterSessionCall()) {
    // During or after Stop: dropped, and the miniport's callback gets an error status.
    messagesDropped_++;
    QueueReply(message.id, MH_STATUS_SESSION_DROPPED, nullptr, 0);
    return;
  }
  uint64_t inside = ++inHandlers_;
  for (uint64_t max = concurrentMax_.load(); inside > max && !concurrentMax_.compare_exchange_weak(max, inside);) {
  }
  std::vector<uint8_t> output(message.outputSize ? message.outputSize : 1);
  UINT returned = 0;
  trace_.Record(kTraceMessage, kPhaseStart, 0, message.id, message.input.size());
  LONG status = interface_.HandleKernelModeMessage(umdContext_, static_cast<UINT>(message.input.size()),
                                                   message.input.empty() ? nullptr : message.input.data(),
                                                   message.outputSize, output.data(), &returned);
  trace_.Record(kTraceMessage, kPhaseStop, status, message.id, returned);
  --inHandlers_;
  LeaveSessionCall();
  if (returned > message.outputSize) {
    Finding(kRuleMessageBytes, "HandleKernelModeMessage returned " + std::to_string(returned) + " bytes for an output of " +
                                   std::to_string(message.outputSize));
    returned = message.outputSize;
  }
  messagesHandled_++;
  QueueReply(message.id, status, output.data(), returned);
}

// Replies go back in batches: the thread that finds no flush in progress sends every reply
// ready, in as few AGENT_REPLY requests as the batch limit allows, until none is left.
void HostCore::QueueReply(uint64_t messageId, LONG status, const uint8_t* output, uint32_t size) {
  MH_AGENT_REPLY record{};
  record.MessageId = messageId;
  record.Status = status;
  record.OutputSize = size;
  record.RecordSize = MH_ALIGN8(static_cast<ULONG>(sizeof(record) + size));
  std::vector<uint8_t> bytes(record.RecordSize, 0);
  memcpy(bytes.data(), &record, sizeof(record));
  if (size != 0) memcpy(bytes.data() + sizeof(record), output, size);
  {
    std::lock_guard<std::mutex> lock(replyMutex_);
    replies_.push_back(std::move(bytes));
    if (flushing_) return;
    flushing_ = true;
  }
  for (;;) {
    std::vector<std::vector<uint8_t>> batch;
    {
      std::lock_guard<std::mutex> lock(replyMutex_);
      size_t total = sizeof(MH_REPLY_HEADER), count = 0;
      while (count < replies_.size() && (count == 0 || total + replies_[count].size() <= MH_MAX_REPLY_BATCH_BYTES)) {
        total += replies_[count++].size();
      }
      if (count == 0) {
        flushing_ = false;
        return;
      }
      batch.assign(std::make_move_iterator(replies_.begin()), std::make_move_iterator(replies_.begin() + count));
      replies_.erase(replies_.begin(), replies_.begin() + count);
    }
    std::vector<uint8_t> input(sizeof(MH_REPLY_HEADER));
    MH_REPLY_HEADER header{static_cast<ULONG>(batch.size()), 0};
    memcpy(input.data(), &header, sizeof(header));
    for (auto& one : batch) input.insert(input.end(), one.begin(), one.end());
    std::vector<LONG> results(batch.size());
    // A reply to a message the kernel already dropped comes back STATUS_NOT_FOUND: nothing lost.
    kernel_.Call(IOCTL_MH_AGENT_REPLY, input.data(), static_cast<uint32_t>(input.size()), results.data(),
                 static_cast<uint32_t>(results.size() * sizeof(LONG)));
    replyBatches_++;
    for (uint64_t max = replyBatchMax_.load(); batch.size() > max && !replyBatchMax_.compare_exchange_weak(max, batch.size());) {
    }
  }
}

// ------------------------------------------------------------------ data rate

void HostCore::DataRateLoop() {
  MH_HOST_THREAD();
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    if (changed_.wait_for(lock, std::chrono::milliseconds(options_.dataRateIntervalMs), [this] { return dataRateQuit_; })) {
      break;
    }
    if (dataRateNotify_ == nullptr || dataRateEnded_ || !gateOpen_ || state_ != SessionState::Started || !haveDataRate_) {
      continue;
    }
    PFN_DATARATE_NOTIFICATION notify = dataRateNotify_;
    PVOID context = dataRateContext_;
    MIRACAST_DATARATE_STATS stats = dataRate_;
    inSessionCalls_++;   // through the gate, as a message is
    lock.unlock();
    trace_.Record(kTraceHostDataRateNotify, kPhaseStart, 0, stats.EncoderBitRate);
    notify(context, &stats);
    trace_.Record(kTraceHostDataRateNotify, kPhaseStop);
    dataRateNotifications_++;
    HostEvent event{"dataRate"};
    event.strings.push_back({"what", "notified"});
    event.numbers.push_back({"encoderBitRate", static_cast<double>(stats.EncoderBitRate)});
    event.numbers.push_back({"currentMaxTxDataRate", static_cast<double>(stats.CurrentMaxTxDataRate)});
    event.numbers.push_back({"transmittedFrameCount", static_cast<double>(stats.TransmittedFrameCount)});
    event.numbers.push_back({"failedFrameCount", static_cast<double>(stats.FailedFrameCount)});
    event.numbers.push_back({"retriedFrameCount", static_cast<double>(stats.RetriedFrameCount)});
    event.numbers.push_back({"multipleRetryFrameCount", static_cast<double>(stats.MultipleRetryFrameCount)});
    Event(std::move(event));
    lock.lock();
    inSessionCalls_--;
    changed_.notify_all();
  }
  lock.unlock();
  MH_HOST_THREAD_END();
}

}  // namespace mh::umd

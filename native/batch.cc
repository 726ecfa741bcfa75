// batch.cc - see batch.h for the threads and ownership rules.
#include "batch.h"
#include "engine.h"
#include "miracast_hil_ioctl.h"
#include "ops.h"
#include <algorithm>
#include <cstring>

namespace mh {

namespace {

constexpr LONG kStatusFileClosed = static_cast<LONG>(0xC0000128);
constexpr LONG kStatusDeletePending = static_cast<LONG>(0xC0000056);
constexpr LONG kStatusInvalidDeviceRequest = static_cast<LONG>(0xC0000010);   // an IOCTL the driver does not know
// A node of a channel's `outstanding` set (the pointer and at most two links; the bucket array is
// the set's), held for a send from its append.
constexpr int64_t kOutstandingNodeBytes = static_cast<int64_t>(3 * sizeof(void*));
// A reap's output buffer is sized to the load (NextReapSize): the kernel holds a system buffer of
// that size per reap IRP (METHOD_BUFFERED), and under Wine an IOCTL costs more the larger its
// output (at one in flight, a 64 KiB reap made a message some 30 % slower than a 4 KiB one, a
// 128 KiB one twice as slow). It starts with room for a lone send's record and some 80 small
// ones, doubles while reaps come back three quarters full (to 64 KiB: over 1,300 small records),
// halves while they come back less than an eighth full, and grows at once to what a record that
// did not fit needs (the kernel's header-only answer), up to the largest record's size.
constexpr uint32_t kReapInitial = 4096u;
constexpr uint32_t kReapGrowLimit = 64u * 1024u;
constexpr uint32_t kReapMax = (static_cast<uint32_t>(MH_BATCH_REAP_BUFFER_ALL) + 4095u) & ~4095u;
static_assert(kReapInitial >= MH_BATCH_REAP_BUFFER_MIN, "a reap holds at least a header and a record");

uint32_t NextReapSize(uint32_t size, size_t used, uint32_t needed) {
  if (needed != 0) {
    return std::min(kReapMax, std::max((needed + 4095u) & ~4095u, size * 2));
  }
  if (used > size - size / 4 && size < kReapGrowLimit) {
    return size * 2;
  }
  if (used < size / 8 && size > kReapInitial) {
    return size / 2;
  }
  return size;
}

class Exclusive {
 public:
  explicit Exclusive(SRWLOCK& lock) : lock_(lock) { AcquireSRWLockExclusive(&lock_); }
  ~Exclusive() { ReleaseSRWLockExclusive(&lock_); }
  Exclusive(const Exclusive&) = delete;
  Exclusive& operator=(const Exclusive&) = delete;

 private:
  SRWLOCK& lock_;
};

class Shared {
 public:
  explicit Shared(SRWLOCK& lock) : lock_(lock) { AcquireSRWLockShared(&lock_); }
  ~Shared() { ReleaseSRWLockShared(&lock_); }
  Shared(const Shared&) = delete;
  Shared& operator=(const Shared&) = delete;

 private:
  SRWLOCK& lock_;
};

template <typename T>
void AppendBytes(std::vector<uint8_t>& out, const T& value) {
  const uint8_t* bytes = reinterpret_cast<const uint8_t*>(&value);
  out.insert(out.end(), bytes, bytes + sizeof(T));
}

// A completion record as parsed from a reap buffer, before its request is known to be ours.
struct Reaped {
  Request* request;
  MH_BATCH_COMPLETION record;
  const uint8_t* output;
};

// Reads a reap's output, trusting only the byte count the kernel reported; a record that does not
// fit ends the parse (its request stays outstanding, so nothing is settled from bad data). Returns
// the size the oldest record needs when the reap was too small for it (the kernel's header-only
// answer: Count 0, BytesUsed that size), else 0.
uint32_t ParseReap(const uint8_t* buffer, size_t length, std::vector<Reaped>& out) {
  MH_BATCH_HEADER header;
  if (length < sizeof(header)) {
    return 0;
  }
  memcpy(&header, buffer, sizeof(header));
  if (header.Count == 0) {
    return header.BytesUsed;
  }
  size_t end = header.BytesUsed < length ? header.BytesUsed : length;
  size_t offset = sizeof(header);
  for (uint32_t i = 0; i < header.Count; i++) {
    Reaped reaped{};
    if (end - offset < sizeof(MH_BATCH_COMPLETION)) {
      return 0;
    }
    memcpy(&reaped.record, buffer + offset, sizeof(reaped.record));
    uint32_t size = reaped.record.RecordSize;
    if (size < sizeof(MH_BATCH_COMPLETION) + static_cast<size_t>(reaped.record.OutputSize) || size > end - offset ||
        reaped.record.OutputSize > MH_MAX_MESSAGE_BYTES) {
      return 0;
    }
    reaped.request = reinterpret_cast<Request*>(static_cast<uintptr_t>(reaped.record.Id));
    reaped.output = buffer + offset + sizeof(MH_BATCH_COMPLETION);
    out.push_back(reaped);
    offset += size;
  }
  return 0;
}

// A batched request's result, written as its classic IOCTL would have left it: the request's
// status, and on success the IOCTL's fixed output header followed by the output bytes. Returns the
// bytes of the buffer it allocated for it.
template <typename Header>
size_t WriteClassicResult(Request* request, const MH_BATCH_COMPLETION& record, const Header& header,
                          const uint8_t* output) {
  request->io.overlapped.Internal = static_cast<ULONG_PTR>(static_cast<ULONG>(record.RequestStatus));
  request->io.overlapped.InternalHigh = 0;
  if (!IsNtSuccess(record.RequestStatus)) {
    return 0;
  }
  size_t length = sizeof(Header) + record.OutputSize;
  request->buffer.reset(new uint8_t[length]);
  memcpy(request->buffer.get(), &header, sizeof(header));
  if (record.OutputSize != 0) {
    memcpy(request->buffer.get() + sizeof(header), output, record.OutputSize);
  }
  request->io.overlapped.InternalHigh = length;
  return length;
}

// SEND_MESSAGE's output: the callback's IO_STATUS_BLOCK, then its bytes; IO_CONTROL's: the bytes
// the DDI returned, counted, then the bytes.
size_t WriteResult(Request* request, const MH_BATCH_COMPLETION& record, const uint8_t* output) {
  if (request->op == Op::IoControl) {
    MH_IO_CONTROL_OUT out{};
    out.BytesReturned = record.OutputSize;
    return WriteClassicResult(request, record, out, output);
  }
  MH_SEND_MESSAGE_OUT out{};
  out.Status = record.Status;
  out.Information = record.Information;
  return WriteClassicResult(request, record, out, output);
}

}  // namespace

BatchTransport::BatchTransport(Engine* engine) : engine_(engine) {
  thread_ = std::thread(&BatchTransport::Run, this);
}

BatchTransport::~BatchTransport() {
  Stop();
}

std::shared_ptr<BatchChannel> BatchTransport::Open(HANDLE handle, bool skipsPortOnSuccess) {
  auto channel = std::make_shared<BatchChannel>();
  channel->handle = handle;
  channel->skipsPortOnSuccess = skipsPortOnSuccess;
  channel->reapWant = kReapInitial;   // the buffer is made when the first reap is armed
  return channel;
}

BatchSegment& BatchTransport::Tail(BatchChannel& channel, uint32_t recordSize) {
  if (channel.queued.empty() || channel.queued.back().records >= MH_MAX_BATCH_ENTRIES ||
      channel.queued.back().bytes.size() + recordSize > MH_MAX_BATCH_BYTES) {
    channel.queued.emplace_back();
    channel.queued.back().bytes.resize(sizeof(MH_BATCH_HEADER));   // filled in at submit
  }
  return channel.queued.back();
}

void BatchTransport::MarkReady(const std::shared_ptr<BatchChannel>& channel, bool& wake) {
  if (!channel->ready) {
    channel->ready = true;
    ready_.push_back(channel);
  }
  if (idle_) {
    idle_ = false;   // one wake per sleep: appends while the submitter works cost no system call
    wake = true;
  }
}

// Appends one record (its entry, then its input, padded to RecordSize) to the channel's tail
// segment. segmentHeld: the bytes the caller counted in the engine's HeldBytes for the segment.
// A lone request (nothing of its channel queued, being submitted, in the kernel or being reaped)
// is submitted from this thread at once, as one BATCH_SUBMIT_REAP: no hop to the submitter, so one
// message alone costs one IOCTL and no thread wake-up, as the classic IOCTL did.
void BatchTransport::AppendRecord(const std::shared_ptr<BatchChannel>& channel, Request* request,
                                  const MH_BATCH_ENTRY& entry, const uint8_t* input, uint32_t segmentHeld) {
  bool wake = false;
  bool lone;
  BatchSegment alone;
  {
    Exclusive lock(lock_);
    lone = channel->submitReaps && !channel->reapArmed && !channel->ready && !channel->submitting &&
           channel->outstanding.empty() && !channel->stopping;
    if (lone) {
      alone.bytes.resize(sizeof(MH_BATCH_HEADER));   // filled in at submit
    }
    BatchSegment& segment = lone ? alone : Tail(*channel, entry.RecordSize);
    size_t start = segment.bytes.size();
    AppendBytes(segment.bytes, entry);
    segment.bytes.insert(segment.bytes.end(), input, input + entry.InputSize);
    segment.bytes.resize(start + entry.RecordSize, 0);
    segment.records++;
    segment.sends.push_back(request);
    segment.heldBytes += segmentHeld;
    if (!lone) {
      MarkReady(channel, wake);
    }
  }
  if (lone) {
    Submit(channel, alone);
    engine_->Hold(nullptr, -static_cast<int64_t>(alone.heldBytes));
  } else if (wake) {
    WakeConditionVariable(&wake_);
  }
}

void BatchTransport::AppendSend(const std::shared_ptr<BatchChannel>& channel, Request* request,
                                const Encoded& encoded) {
  MH_SEND_MESSAGE_IN in;
  memcpy(&in, encoded.input.data(), sizeof(in));   // the codec's SEND_MESSAGE encoding, checked there
  MH_BATCH_ENTRY entry{};
  entry.Id = static_cast<ULONG64>(reinterpret_cast<uintptr_t>(request));
  entry.ContextId = in.ContextId;
  entry.Kind = MH_BATCH_SEND_MESSAGE;
  entry.InputSize = in.InputSize;
  entry.OutputSize = in.OutputSize;
  entry.RecordSize = MH_ALIGN8(static_cast<ULONG>(sizeof(MH_BATCH_ENTRY)) + in.InputSize);
  uint32_t segmentHeld = entry.RecordSize + static_cast<uint32_t>(sizeof(Request*));
  engine_->Hold(request, kOutstandingNodeBytes);
  engine_->Hold(nullptr, segmentHeld);   // the segment's, released at submit
  AppendRecord(channel, request, entry, encoded.input.data() + sizeof(MH_SEND_MESSAGE_IN), segmentHeld);
}

void BatchTransport::AppendIoControl(const std::shared_ptr<BatchChannel>& channel, Request* request,
                                     const Encoded& encoded) {
  MH_IO_CONTROL_IN in;
  memcpy(&in, encoded.input.data(), sizeof(in));   // the codec's IO_CONTROL encoding, checked there
  MH_BATCH_ENTRY entry{};
  entry.Id = static_cast<ULONG64>(reinterpret_cast<uintptr_t>(request));
  entry.ContextId = in.ContextId;
  entry.Kind = MH_BATCH_IO_CONTROL;
  entry.Flags = in.Flags;
  entry.InputSize = in.InputSize;
  entry.OutputSize = in.OutputSize;
  entry.RecordSize = MH_ALIGN8(static_cast<ULONG>(sizeof(MH_BATCH_ENTRY)) + in.InputSize);
  AppendRecord(channel, request, entry, encoded.input.data() + sizeof(MH_IO_CONTROL_IN), 0);
}

void BatchTransport::AppendCancel(const std::shared_ptr<BatchChannel>& channel, const Request* request) {
  MH_BATCH_ENTRY entry{};
  entry.Id = static_cast<ULONG64>(reinterpret_cast<uintptr_t>(request));
  entry.Kind = MH_BATCH_CANCEL;
  entry.Flags = request == nullptr ? MH_BATCH_CANCEL_ALL : 0;
  entry.RecordSize = sizeof(MH_BATCH_ENTRY);
  engine_->Hold(nullptr, entry.RecordSize);   // the segment's, released at submit
  bool wake = false;
  {
    Exclusive lock(lock_);
    BatchSegment& segment = Tail(*channel, entry.RecordSize);
    AppendBytes(segment.bytes, entry);
    segment.records++;
    segment.heldBytes += entry.RecordSize;
    MarkReady(channel, wake);
  }
  if (wake) {
    WakeConditionVariable(&wake_);
  }
}

void BatchTransport::Close(BatchChannel& channel) {
  Exclusive issuing(channel.issueLock);
  channel.closed = true;
}

void BatchTransport::Stop() {
  {
    Exclusive lock(lock_);
    stop_ = true;
  }
  WakeAllConditionVariable(&wake_);
  if (thread_.joinable()) {
    thread_.join();
  }
}

void BatchTransport::Abandon(BatchChannel& channel, std::vector<Request*>& out) {
  Exclusive issuing(channel.issueLock);   // a reap being issued now is issued before the cancel that follows
  Exclusive lock(lock_);
  channel.stopping = true;
  for (BatchSegment& segment : channel.queued) {
    out.insert(out.end(), segment.sends.begin(), segment.sends.end());
    engine_->Hold(nullptr, -static_cast<int64_t>(segment.heldBytes));
  }
  channel.queued.clear();
  out.insert(out.end(), channel.outstanding.begin(), channel.outstanding.end());
  channel.outstanding.clear();
}

void BatchTransport::Run() {
  AcquireSRWLockExclusive(&lock_);
  for (;;) {
    while (ready_.empty() && !stop_) {
      idle_ = true;
      SleepConditionVariableSRW(&wake_, &lock_, INFINITE, 0);
    }
    idle_ = false;
    if (stop_) {
      break;
    }
    std::shared_ptr<BatchChannel> channel = std::move(ready_.front());
    ready_.pop_front();
    BatchSegment segment = std::move(channel->queued.front());
    channel->queued.pop_front();
    channel->submitting = true;
    if (channel->queued.empty()) {
      channel->ready = false;
    } else {
      ready_.push_back(channel);   // round robin between devices
    }
    ReleaseSRWLockExclusive(&lock_);
    Submit(channel, segment);
    engine_->Hold(nullptr, -static_cast<int64_t>(segment.heldBytes));   // the segment goes with this turn
    AcquireSRWLockExclusive(&lock_);
    channel->submitting = false;
  }
  ReleaseSRWLockExclusive(&lock_);
}

void BatchTransport::Submit(const std::shared_ptr<BatchChannel>& channel, BatchSegment& segment) {
  MH_BATCH_HEADER header;
  header.Count = segment.records;
  header.BytesUsed = static_cast<ULONG>(segment.bytes.size());
  memcpy(segment.bytes.data(), &header, sizeof(header));
  bool reaps;   // this submit arms the channel's reap: none is armed and the kernel will hold sends of it
  {
    // Before the IOCTL: a completion record may be reaped before it returns.
    Exclusive lock(lock_);
    channel->outstanding.insert(segment.sends.begin(), segment.sends.end());
    reaps = !channel->reapArmed && !channel->stopping && !channel->outstanding.empty();
    if (reaps) {
      Arm(*channel, channel);
    }
  }
  LONG status;
  bool reapIssued = false;   // it went as BATCH_SUBMIT_REAP: its completion is the reap's
  {
    Shared issuing(channel->issueLock);
    if (channel->closed || channel->stopping) {
      status = kStatusFileClosed;
    } else {
      if (reaps && channel->submitReaps) {
        // One IOCTL for the batch and its results (a lone send: one round trip, as the classic
        // SEND_MESSAGE), where a submit and then a reap cost two.
        PrepareReap(*channel);
        status = NtDeviceIoControlFile(channel->handle, nullptr, nullptr, &channel->reapIo.overlapped,
                                       reinterpret_cast<PIO_STATUS_BLOCK>(&channel->reapIo.overlapped),
                                       IOCTL_MH_BATCH_SUBMIT_REAP, segment.bytes.data(), header.BytesUsed,
                                       channel->reapBuffer.get(), channel->reapSize);
        reapIssued = status != kStatusInvalidDeviceRequest;
        channel->submitReaps = reapIssued;   // a driver before contract 1.5: a submit, then a reap
      }
      if (!reapIssued) {
        IO_STATUS_BLOCK iosb{};
        iosb.Status = kStatusPending;
        // No ApcContext: a packet queued for it (a handle that could not skip the port on success)
        // has no OVERLAPPED, and the completion thread ignores it. BATCH_SUBMIT never pends.
        status = NtDeviceIoControlFile(channel->handle, nullptr, nullptr, nullptr, &iosb, IOCTL_MH_BATCH_SUBMIT,
                                       segment.bytes.data(), header.BytesUsed, nullptr, 0);
        while (status == kStatusPending) {   // not this driver's; iosb must outlive the IRP
          Sleep(1);
          status = static_cast<volatile IO_STATUS_BLOCK&>(iosb).Status;
        }
      }
    }
  }
  if (reapIssued && status == kStatusCancelled) {
    // Applied, and its reap cancelled at once (or the handle went): a reap's completion, inline.
    channel->reapIo.overlapped.Internal = static_cast<ULONG_PTR>(static_cast<ULONG>(status));
    channel->reapIo.overlapped.InternalHigh = 0;
    ProcessReaps(channel.get());
    return;
  }
  if (reapIssued && !IsNtError(status)) {
    if (channel->skipsPortOnSuccess && status != kStatusPending) {
      ProcessReaps(channel.get());   // completed at once, and no packet will be queued
    }
    return;
  }
  if (IsNtError(status)) {
    // Refused whole: nothing of it reached the miniport. Its sends fail with the refusal; a reap
    // this submit was to arm is armed on its own if the kernel still holds sends of the channel.
    std::vector<Request*> refused;
    std::shared_ptr<BatchChannel> release;
    bool rearm = false;
    {
      Exclusive lock(lock_);
      for (Request* request : segment.sends) {
        if (channel->outstanding.erase(request) != 0) {
          refused.push_back(request);
        }
      }
      if (reaps) {
        rearm = !channel->stopping && !channel->outstanding.empty();
        if (!rearm) {
          Disarm(*channel, release);
        }
      }
    }
    Fail(refused, status);
    if (rearm && IssueReap(*channel) == Issued::Inline) {
      ProcessReaps(channel.get());
    }
    return;
  }
  if (reaps && IssueReap(*channel) == Issued::Inline) {
    ProcessReaps(channel.get());
  }
}

void BatchTransport::Arm(BatchChannel& channel, const std::shared_ptr<BatchChannel>& self) {
  channel.reapArmed = true;
  channel.reapHold = self;
  ++reapsArmed_;
}

void BatchTransport::Disarm(BatchChannel& channel, std::shared_ptr<BatchChannel>& release) {
  channel.reapArmed = false;
  release = std::move(channel.reapHold);
  --reapsArmed_;
}

void BatchTransport::PrepareReap(BatchChannel& channel) {
  if (!channel.reapBuffer || channel.reapSize != channel.reapWant) {
    channel.reapBuffer.reset(new uint8_t[channel.reapWant]);   // no reap is armed on it now
    channel.reapSize = channel.reapWant;
  }
  channel.reapIo.overlapped = OVERLAPPED{};
  channel.reapIo.overlapped.Internal = static_cast<ULONG_PTR>(kStatusPending);
  channel.reapIo.owner = nullptr;
  channel.reapIo.reap = &channel;
}

BatchTransport::Issued BatchTransport::IssueReap(BatchChannel& channel) {
  PrepareReap(channel);
  LONG status;
  {
    Shared issuing(channel.issueLock);
    if (channel.closed || channel.stopping) {
      status = kStatusFileClosed;
    } else {
      status = NtDeviceIoControlFile(channel.handle, nullptr, nullptr, &channel.reapIo.overlapped,
                                     reinterpret_cast<PIO_STATUS_BLOCK>(&channel.reapIo.overlapped),
                                     IOCTL_MH_BATCH_REAP, nullptr, 0, channel.reapBuffer.get(), channel.reapSize);
    }
  }
  if (IsNtError(status)) {
    // No reap can take this channel's results (the handle is closing, or the system refused the
    // IRP): its sends cannot be reaped, so they fail now rather than never. Their records go with
    // the handle. A handle the driver has let go of (closed, or the driver unloading: it cancels
    // every send of the handle) means they were cancelled, as their IRPs would have been.
    if (status == kStatusFileClosed || status == kStatusDeletePending) {
      status = kStatusCancelled;
    }
    std::vector<Request*> orphans;
    std::shared_ptr<BatchChannel> release;
    {
      Exclusive lock(lock_);
      orphans.assign(channel.outstanding.begin(), channel.outstanding.end());
      channel.outstanding.clear();
      Disarm(channel, release);
    }
    Fail(orphans, status);
    return Issued::Failed;
  }
  if (channel.skipsPortOnSuccess && status != kStatusPending && IsNtSuccess(status)) {
    return Issued::Inline;   // completed at once, and no packet will be queued
  }
  return Issued::Pending;
}

void BatchTransport::OnReapCompleted(BatchChannel* channel) {
  ProcessReaps(channel);
}

void BatchTransport::ProcessReaps(BatchChannel* channel) {
  std::vector<Reaped> reaped;
  std::vector<Request*> done;
  for (;;) {
    reaped.clear();
    done.clear();
    LONG status = static_cast<LONG>(channel->reapIo.overlapped.Internal);
    size_t used = 0;
    uint32_t needed = 0;
    if (IsNtSuccess(status)) {
      used = channel->reapIo.overlapped.InternalHigh;
      needed = ParseReap(channel->reapBuffer.get(), used, reaped);
    }
    channel->reapWant = NextReapSize(channel->reapSize, used, needed);   // for the next arm (PrepareReap)
    {
      Exclusive lock(lock_);
      size_t kept = 0;
      for (const Reaped& one : reaped) {
        if (channel->outstanding.erase(one.request) != 0) {   // ours, and not taken by anyone else
          reaped[kept++] = one;
        }
      }
      reaped.resize(kept);
    }
    for (const Reaped& one : reaped) {
      size_t buffer = WriteResult(one.request, one.record, one.output);   // reads the reap buffer
      engine_->Hold(one.request, static_cast<int64_t>(buffer));
      done.push_back(one.request);
    }
    engine_->Deliver(done);
    std::shared_ptr<BatchChannel> release;   // the last reference may go with this scope
    bool rearm;
    {
      // Re-armed only while the kernel holds sends of the channel and no queued segment will arm
      // it: a submit that finds no reap armed is its own (BATCH_SUBMIT_REAP), so a lone send
      // costs one IOCTL. Decided after the buffer was read: once disarmed, a submit may reuse it.
      Exclusive lock(lock_);
      rearm = !channel->stopping && !channel->outstanding.empty() && channel->queued.empty();
      if (!rearm) {
        Disarm(*channel, release);
      }
    }
    if (!rearm || IssueReap(*channel) != Issued::Inline) {
      return;
    }
  }
}

void BatchTransport::Fail(std::vector<Request*>& requests, LONG status) {
  for (Request* request : requests) {
    request->io.overlapped.Internal = static_cast<ULONG_PTR>(static_cast<ULONG>(status));
    request->io.overlapped.InternalHigh = 0;
  }
  engine_->Deliver(requests);
}

}  // namespace mh

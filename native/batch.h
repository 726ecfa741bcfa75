// batch.h - the batched transport's user-mode side (miracast_hil_ioctl.h, BATCH_SUBMIT and
// BATCH_REAP): the JavaScript thread only appends a send, an ioControl (or a cancel) to its
// device's submission queue; the engine's submitter thread submits what is queued in one IOCTL;
// the completion thread reaps many results with one pended IRP and hands them to the engine's
// settle queue.
//
// Threads and ownership:
//   - The JavaScript thread appends records (AppendSend, AppendCancel), opens and closes channels,
//     and at shutdown abandons what is left (Abandon). A Request still belongs to the engine, which
//     settles and deletes it on the JavaScript thread. One exception to "only appends": a lone
//     send or ioControl (nothing of its channel queued, being submitted, in the kernel or being
//     reaped) is submitted by the JavaScript thread itself, as one BATCH_SUBMIT_REAP (Submit, the
//     submitter's code): a hop to the submitter would cost a thread wake-up per message where one
//     message alone is the whole load. Its IOCTL only applies records and never waits in the driver.
//   - The submitter thread (one per engine) takes one queued segment at a time and owns it (its
//     bytes are the IOCTL's input buffer). When the kernel will hold sends of the channel and no
//     reap is armed, the segment arms it: it goes as BATCH_SUBMIT_REAP, whose completion is the
//     reap's (one IOCTL for a lone send and its result); otherwise as BATCH_SUBMIT, synchronously.
//     It never touches JavaScript.
//   - While a send is in the kernel its channel's `outstanding` set names it. Exactly one thread
//     erases it from the set (the one that reaped its completion record, the submitter when the
//     batch was refused, or Abandon at shutdown), and only that thread writes its result.
//   - A channel's reap (its slot and buffer) is armed by one thread at a time (`reapArmed`); while
//     armed, the kernel may write the buffer, and `reapHold` keeps the channel alive until the
//     reap's completion has been taken off the port (or it completed at once and was processed).
//     Whoever took its completion re-arms it (BATCH_REAP) while the kernel holds sends of the
//     channel and nothing is queued; otherwise it disarms it, and the next submit that has sends
//     for the kernel arms it again. The rule kept: sends outstanding means a reap armed, or a
//     queued segment whose submit will arm one. It keeps neither the event loop nor the Device
//     alive.
//   - Every IOCTL on a channel's handle is issued under `issueLock` (shared); Close takes it
//     exclusively and sets `closed` before the device closes the handle, so no thread issues on a
//     closed (or reused) handle value.
//   - BatchTransport::lock_ (an SRW lock, held only to append, swap and update sets) guards every
//     channel's queue, `outstanding`, reap state and `stopping`, and the submitter's ready list.
//     No IOCTL is issued while it is held.
//   - Batch sizes adapt to load: the submitter submits whatever is queued when it comes round, so a
//     send goes at once, and sends that arrive while an IOCTL is on its way share the next one. A
//     lone send comes here too (its cancel is then a record, never a CancelIoEx racing its
//     completion): with no reap armed it is one BATCH_SUBMIT_REAP, as cheap as a classic IOCTL.
//   - Memory: a segment counts what it holds (`heldBytes`) in the engine's HeldBytes while queued;
//     the submitter gives it back after the segment's turn (or Abandon does).
#pragma once

#include "request.h"
#include "miracast_hil_ioctl.h"   // after request.h, which brings windows.h
#include <atomic>
#include <deque>
#include <memory>
#include <thread>
#include <unordered_set>
#include <vector>

namespace mh {

class Engine;
struct Encoded;

// A run of records that one BATCH_SUBMIT carries (an MH_BATCH_HEADER, then the records).
struct BatchSegment {
  std::vector<uint8_t> bytes;
  uint32_t records = 0;
  std::vector<Request*> sends;    // the segment's sends and ioControls, in order
  uint32_t heldBytes = 0;         // counted in the engine's HeldBytes while queued: its records and `sends`
};

struct BatchChannel {
  HANDLE handle = INVALID_HANDLE_VALUE;
  bool skipsPortOnSuccess = false;
  std::atomic<bool> submitReaps{true};            // false once the driver refused BATCH_SUBMIT_REAP (before 1.5)

  SRWLOCK issueLock = SRWLOCK_INIT;
  bool closed = false;                            // under issueLock

  // Under BatchTransport::lock_.
  std::deque<BatchSegment> queued;                // appended, not yet submitted
  bool ready = false;                             // on the submitter's ready list
  bool submitting = false;                        // the submitter is submitting a segment of it
  std::unordered_set<Request*> outstanding;       // submitted, no completion record yet
  bool reapArmed = false;
  bool stopping = false;                          // shutdown: never re-armed
  std::shared_ptr<BatchChannel> reapHold;         // itself, while its reap is armed

  // The reap: written by the kernel while armed; read by the thread that took its completion,
  // which also sizes the next one (reapWant); resized by the thread that arms it (PrepareReap).
  IoSlot reapIo{};
  std::unique_ptr<uint8_t[]> reapBuffer;
  uint32_t reapSize = 0;
  uint32_t reapWant = 0;
};

class BatchTransport {
 public:
  explicit BatchTransport(Engine* engine);
  ~BatchTransport();                              // Stop() first

  // JavaScript thread.
  std::shared_ptr<BatchChannel> Open(HANDLE handle, bool skipsPortOnSuccess);
  // Appends a send (its SEND_MESSAGE encoding becomes a batch record whose Id names the request).
  void AppendSend(const std::shared_ptr<BatchChannel>& channel, Request* request, const Encoded& encoded);
  // Appends an ioControl (its IO_CONTROL encoding becomes a batch record whose Id names the
  // request); its completion record is written back in the IO_CONTROL IOCTL's output layout.
  void AppendIoControl(const std::shared_ptr<BatchChannel>& channel, Request* request, const Encoded& encoded);
  // Appends a cancel of one send, or of every send of the channel (request null).
  void AppendCancel(const std::shared_ptr<BatchChannel>& channel, const Request* request);
  // No IOCTL is issued on the channel after this returns; the caller may close the handle.
  static void Close(BatchChannel& channel);
  // Shutdown: stops and joins the submitter (sends it never submitted stay queued).
  void Stop();
  // Shutdown, after Stop: takes every send of the channel the kernel has not answered (queued or
  // outstanding) into `out`, and stops its reap from being re-armed. The kernel holds no memory of
  // theirs: their records go with the handle.
  void Abandon(BatchChannel& channel, std::vector<Request*>& out);
  // Reaps armed now (their buffers may still be written by the kernel).
  uint32_t ReapsArmed() const { return reapsArmed_.load(); }

  // The completion thread: a reap's packet was dequeued.
  void OnReapCompleted(BatchChannel* channel);

 private:
  enum class Issued { Pending, Inline, Failed };

  void Run();                                     // the submitter thread
  void Submit(const std::shared_ptr<BatchChannel>& channel, BatchSegment& segment);
  Issued IssueReap(BatchChannel& channel);
  void ProcessReaps(BatchChannel* channel);       // this thread owns the armed reap
  void Arm(BatchChannel& channel, const std::shared_ptr<BatchChannel>& self);  // under lock_
  void Disarm(BatchChannel& channel, std::shared_ptr<BatchChannel>& release);  // under lock_
  static void PrepareReap(BatchChannel& channel);   // the reap's slot, before its IOCTL
  void Fail(std::vector<Request*>& requests, LONG status);  // hands them to the engine, failed
  BatchSegment& Tail(BatchChannel& channel, uint32_t recordSize);  // under lock_
  void AppendRecord(const std::shared_ptr<BatchChannel>& channel, Request* request, const MH_BATCH_ENTRY& entry,
                    const uint8_t* input, uint32_t segmentHeld);
  void MarkReady(const std::shared_ptr<BatchChannel>& channel, bool& wake);    // under lock_

  Engine* engine_;
  SRWLOCK lock_ = SRWLOCK_INIT;
  CONDITION_VARIABLE wake_ = CONDITION_VARIABLE_INIT;
  std::deque<std::shared_ptr<BatchChannel>> ready_;   // channels with queued segments
  bool idle_ = false;                             // the submitter sleeps on wake_
  bool stop_ = false;
  std::atomic<uint32_t> reapsArmed_{0};
  std::thread thread_;
};

}  // namespace mh

// request.h - one overlapped IOCTL in flight.
//
// Ownership: a Request is created on the JavaScript thread, owns the only buffer the kernel reads
// and writes (input and output share it, as METHOD_BUFFERED does), and is deleted on the
// JavaScript thread only after its completion was dequeued from the completion port - cancelled
// requests included. JavaScript memory is copied in at submit and copied out at settle, so the
// kernel never sees, and the completion thread never touches, a JavaScript buffer.
//
// A batched request (batch.h) has no IOCTL of its own: its input travels in a BATCH_SUBMIT, and
// its buffer stays empty until the thread that takes its completion record off its channel's
// `outstanding` set writes the result there, in the classic IOCTL's layout, with io.overlapped's
// Internal and InternalHigh set as the port would have set them. Settling is then the same.
#pragma once

#include "nt.h"
#include "ops.h"
#include <napi.h>
#include <cstddef>
#include <memory>
#include <type_traits>

namespace mh {

class Device;
struct BatchChannel;

struct Request;

// Standard layout, OVERLAPPED first: the completion port hands back the OVERLAPPED's address,
// which is this slot's, which names its request - or, for a batch reap, its channel.
struct IoSlot {
  OVERLAPPED overlapped;
  Request* owner;
  BatchChannel* reap;             // set only in a channel's reap slot (owner is then null)
};

struct Request {
  IoSlot io{};
  uint32_t id = 0;                // chosen by JavaScript; used to cancel this one request
  Op op = Op::GetInfo;
  uint32_t code = 0;              // the IOCTL
  bool ref = true;                // keeps the event loop alive while in flight
  bool batched = false;           // travels through the batched transport (batch.h)
  std::unique_ptr<uint8_t[]> buffer;
  uint32_t inputSize = 0;
  uint32_t outputSize = 0;
  // Native bytes held for this request (itself, its buffer, its container nodes), counted in the
  // engine's HeldBytes until it is deleted. Written by the thread that owns the request.
  uint32_t heldBytes = sizeof(Request);
  Device* device = nullptr;       // pinned by the device itself while any request of its is in flight
  Napi::Promise::Deferred deferred;

  explicit Request(Napi::Env env) : deferred(Napi::Promise::Deferred::New(env)) {}

  static Request* FromOverlapped(OVERLAPPED* overlapped) {
    return reinterpret_cast<IoSlot*>(overlapped)->owner;
  }
  LONG Status() const { return static_cast<LONG>(io.overlapped.Internal); }
  size_t Information() const { return static_cast<size_t>(io.overlapped.InternalHigh); }
};

static_assert(std::is_standard_layout<IoSlot>::value && offsetof(IoSlot, overlapped) == 0,
              "the completion port's OVERLAPPED* must be the slot's address");

}  // namespace mh

// ops.h - the driver operations the addon can submit, one per IOCTL of miracast_hil_ioctl.h.
//
// JavaScript names an operation by number (exported as constants.ops) and passes its arguments
// positionally; the table in codec.cc turns them into the IOCTL's input buffer and its output
// into JavaScript values. All knowledge of the wire layout stays on this side of the binding,
// next to the header that defines it.
#pragma once

#include <napi.h>
#include <cstdint>
#include <vector>

namespace mh {

enum class Op : uint32_t {
  GetInfo = 0,
  Echo,
  QueryCaps,
  CreateContext,
  DestroyContext,
  IoControl,
  SendMessage,
  AgentAttach,
  AgentDetach,
  AgentReceive,
  AgentReply,
  Session,
  ConfigureResponder,
  GetStats,
  SetFault,
  ResetFaults,
  ReadTrace,
  ConfigureMiniport,
  ReadChunks,
  ReportChunks,
  GetAdapter,
  ReadPool,
  MiniportState,
  Count
};

// An encoded request: the IOCTL, its input bytes, and how much output to ask for.
struct Encoded {
  uint32_t code = 0;
  std::vector<uint8_t> input;
  uint32_t outputSize = 0;
};

struct OpInfo {
  const char* name;                                        // "sendMessage", for errors and constants
  void (*encode)(const Napi::CallbackInfo& args, size_t first, Encoded& out);  // throws TypeError/RangeError
  Napi::Value (*decode)(Napi::Env env, const uint8_t* output, size_t length);  // only on success
};

const OpInfo& GetOp(Op op);

}  // namespace mh

// codec.cc - each operation's wire format: arguments in, IOCTL input bytes out; IOCTL output
// bytes in, JavaScript values out. The layouts are miracast_hil_ioctl.h's structures themselves.
//
// Encoders validate every argument and throw TypeError (wrong type) or RangeError (out of
// range) before anything reaches the driver. Decoders trust only the byte count the driver
// reported and check every length against it.
#include "names.h"
#include "ops.h"
#include "nt.h"
#include "miracast_hil_ioctl.h"
#include <cmath>
#include <cstring>
#include <string>

namespace mh {

namespace {

constexpr double kMaxSafeInteger = 9007199254740991.0;

// ------------------------------------------------------------------ argument readers

Napi::Value Arg(const Napi::CallbackInfo& args, size_t index) {
  return index < args.Length() ? args[index] : args.Env().Undefined();
}

double ValueInteger(Napi::Env env, Napi::Value value, const char* name, double min, double max) {
  if (!value.IsNumber()) {
    throw Napi::TypeError::New(env, std::string(name) + " must be a number");
  }
  double number = value.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(number) || std::floor(number) != number) {
    throw Napi::TypeError::New(env, std::string(name) + " must be an integer");
  }
  if (number < min || number > max) {
    throw Napi::RangeError::New(env, std::string(name) + " is out of range");
  }
  return number;
}

double ArgInteger(const Napi::CallbackInfo& args, size_t index, const char* name, double min, double max) {
  return ValueInteger(args.Env(), Arg(args, index), name, min, max);
}

// An NTSTATUS as JavaScript writes it: 0..0xFFFFFFFF, or a negative int32.
LONG ValueStatus(Napi::Env env, Napi::Value value, const char* name) {
  double number = ValueInteger(env, value, name, -2147483648.0, 4294967295.0);
  return static_cast<LONG>(static_cast<uint32_t>(static_cast<int64_t>(number)));
}

uint32_t ArgU32(const Napi::CallbackInfo& args, size_t index, const char* name, uint32_t max = 0xFFFFFFFFu) {
  return static_cast<uint32_t>(ArgInteger(args, index, name, 0, max));
}

uint64_t ArgId(const Napi::CallbackInfo& args, size_t index, const char* name) {
  return static_cast<uint64_t>(ArgInteger(args, index, name, 0, kMaxSafeInteger));
}

LONG ArgStatus(const Napi::CallbackInfo& args, size_t index, const char* name) {
  return ValueStatus(args.Env(), Arg(args, index), name);
}

struct Bytes {
  const uint8_t* data = nullptr;
  size_t length = 0;
};

Bytes ArgBytes(const Napi::CallbackInfo& args, size_t index, const char* name, size_t max) {
  Napi::Value value = Arg(args, index);
  if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    throw Napi::TypeError::New(args.Env(), std::string(name) + " must be a Uint8Array or Buffer");
  }
  Napi::Uint8Array array = value.As<Napi::Uint8Array>();
  if (array.ByteLength() > max) {
    throw Napi::RangeError::New(args.Env(), std::string(name) + " is longer than " + std::to_string(max) + " bytes");
  }
  return Bytes{array.Data(), array.ByteLength()};
}

template <typename T>
void Append(std::vector<uint8_t>& out, const T& value) {
  const uint8_t* bytes = reinterpret_cast<const uint8_t*>(&value);
  out.insert(out.end(), bytes, bytes + sizeof(T));
}

void Append(std::vector<uint8_t>& out, const Bytes& bytes) {
  out.insert(out.end(), bytes.data, bytes.data + bytes.length);
}

// ------------------------------------------------------------------ output readers

template <typename T>
T Read(Napi::Env env, const uint8_t* output, size_t length, size_t offset = 0) {
  if (length < offset + sizeof(T)) {
    throw Napi::Error::New(env, "the driver returned " + std::to_string(length) + " bytes, too few for its reply");
  }
  T value;
  memcpy(&value, output + offset, sizeof(T));
  return value;
}

Napi::Number U32(Napi::Env env, uint32_t value) { return Napi::Number::New(env, value); }
Napi::Number U64(Napi::Env env, uint64_t value) { return Napi::Number::New(env, static_cast<double>(value)); }
Napi::Number Status(Napi::Env env, LONG value) { return Napi::Number::New(env, static_cast<uint32_t>(value)); }


Napi::Value DecodeNothing(Napi::Env env, const uint8_t*, size_t) { return env.Undefined(); }

Napi::Value DecodeBytes(Napi::Env env, const uint8_t* output, size_t length) {
  return Napi::Buffer<uint8_t>::Copy(env, output, length);
}

// ------------------------------------------------------------------ operations

void EncodeGetInfo(const Napi::CallbackInfo&, size_t, Encoded& e) {
  e.code = IOCTL_MH_GET_INFO;
  e.outputSize = sizeof(MH_INFO);
}

Napi::Value DecodeGetInfo(Napi::Env env, const uint8_t* output, size_t length) {
  MH_INFO info = Read<MH_INFO>(env, output, length);
  Napi::Object o = Napi::Object::New(env);
  o.Set("contractVersion", U32(env, info.ContractVersion));
  o.Set("maxMessageBytes", U32(env, info.MaxMessageBytes));
  o.Set("maxIoControlBytes", U32(env, info.MaxIoControlBytes));
  o.Set("receiveBufferMin", U32(env, info.ReceiveBufferMin));
  o.Set("traceCapacity", U32(env, info.TraceCapacity));
  o.Set("maxTargets", U32(env, info.MaxTargets));
  o.Set("statsSize", U32(env, info.StatsSize));
  return o;
}

void EncodeEcho(const Napi::CallbackInfo& args, size_t first, Encoded& e) {
  Bytes bytes = ArgBytes(args, first, "input", MH_MAX_ECHO_BYTES);
  e.code = IOCTL_MH_ECHO;
  Append(e.input, bytes);
  e.outputSize = static_cast<uint32_t>(bytes.length);
}

void EncodeQueryCaps(const Napi::CallbackInfo& args, size_t first, Encoded& e) {
  MH_QUERY_CAPS_IN in{};
  in.CapsSize = Arg(args, first).IsUndefined() ? 8u : ArgU32(args, first, "capsSize", 4096);
  e.code = IOCTL_MH_QUERY_CAPS;
  Append(e.input, in);
  e.outputSize = sizeof(MH_QUERY_CAPS_OUT);
}

Napi::Value DecodeQueryCaps(Napi::Env env, const uint8_t* output, size_t length) {
  MH_QUERY_CAPS_OUT caps = Read<MH_QUERY_CAPS_OUT>(env, output, length);
  Napi::Object o = Napi::Object::New(env);
  o.Set("maxChunkPrivateDriverDataSize", U32(env, caps.MaxChunkPrivateDriverDataSize));
  o.Set("flags", U32(env, caps.Flags));
  return o;
}

void EncodeCreateContext(const Napi::CallbackInfo&, size_t, Encoded& e) {
  e.code = IOCTL_MH_CREATE_CONTEXT;
  e.outputSize = sizeof(MH_CONTEXT_INFO);
}

Napi::Value DecodeCreateContext(Napi::Env env, const uint8_t* output, size_t length) {
  MH_CONTEXT_INFO info = Read<MH_CONTEXT_INFO>(env, output, length);
  Napi::Object o = Napi::Object::New(env);
  o.Set("contextId", U64(env, info.ContextId));
  o.Set("targetId", U32(env, info.TargetId));
  return o;
}

void EncodeDestroyContext(const Napi::CallbackInfo& args, size_t first, Encoded& e) {
  MH_CONTEXT_REF ref{ArgId(args, first, "contextId")};
  e.code = IOCTL_MH_DESTROY_CONTEXT;
  Append(e.input, ref);
}

// (contextId, input, outputSize, hardwareAccess)
void EncodeIoControl(const Napi::CallbackInfo& args, size_t first, Encoded& e) {
  MH_IO_CONTROL_IN in{};
  in.ContextId = ArgId(args, first, "contextId");
  Bytes input = ArgBytes(args, first + 1, "input", MH_MAX_IO_CONTROL_BYTES);
  in.OutputSize = ArgU32(args, first + 2, "outputSize", MH_MAX_IO_CONTROL_BYTES);
  in.Flags = Arg(args, first + 3).ToBoolean().Value() ? MH_IO_CONTROL_HARDWARE_ACCESS : 0u;
  in.InputSize = static_cast<ULONG>(input.length);
  e.code = IOCTL_MH_IO_CONTROL;
  Append(e.input, in);
  Append(e.input, input);
  e.outputSize = static_cast<uint32_t>(sizeof(MH_IO_CONTROL_OUT) + in.OutputSize);
}

Napi::Value DecodeIoControl(Napi::Env env, const uint8_t* output, size_t length) {
  MH_IO_CONTROL_OUT out = Read<MH_IO_CONTROL_OUT>(env, output, length);
  if (length < sizeof(out) + out.BytesReturned) {
    throw Napi::Error::New(env, "IoControl reply shorter than BytesReturned");
  }
  return Napi::Buffer<uint8_t>::Copy(env, output + sizeof(out), out.BytesReturned);
}

// (contextId, input, outputSize)
void EncodeSendMessage(const Napi::CallbackInfo& args, size_t first, Encoded& e) {
  MH_SEND_MESSAGE_IN in{};
  in.ContextId = ArgId(args, first, "contextId");
  Bytes input = ArgBytes(args, first + 1, "input", MH_MAX_MESSAGE_BYTES);
  in.OutputSize = ArgU32(args, first + 2, "outputSize", MH_MAX_MESSAGE_BYTES);
  in.InputSize = static_cast<ULONG>(input.length);
  e.code = IOCTL_MH_SEND_MESSAGE;
  Append(e.input, in);
  Append(e.input, input);
  e.outputSize = static_cast<uint32_t>(sizeof(MH_SEND_MESSAGE_OUT) + in.OutputSize);
}

Napi::Value DecodeSendMessage(Napi::Env env, const uint8_t* output, size_t length) {
  MH_SEND_MESSAGE_OUT out = Read<MH_SEND_MESSAGE_OUT>(env, output, length);
  Napi::Object o = Napi::Object::New(env);
  o.Set("status", Status(env, out.Status));
  o.Set("information", U64(env, out.Information));
  o.Set("output", Napi::Buffer<uint8_t>::Copy(env, output + sizeof(out), length - sizeof(out)));
  return o;
}

void EncodeAgentAttach(const Napi::CallbackInfo& args, size_t first, Encoded& e) {
  MH_AGENT_ATTACH_IN in{};
  in.Flags = Arg(args, first).ToBoolean().Value() ? MH_AGENT_MANUAL_SESSIONS : 0u;
  e.code = IOCTL_MH_AGENT_ATTACH;
  Append(e.input, in);
}

void EncodeAgentDetach(const Napi::CallbackInfo&, size_t, Encoded& e) { e.code = IOCTL_MH_AGENT_DETACH; }

// (bufferSize)
void EncodeAgentReceive(const Napi::CallbackInfo& args, size_t first, Encoded& e) {
  e.code = IOCTL_MH_AGENT_RECEIVE;
  e.outputSize = ArgU32(args, first, "bufferSize", 16u * 1024u * 1024u);
  if (e.outputSize < MH_RECEIVE_BUFFER_MIN) {
    throw Napi::RangeError::New(args.Env(), "bufferSize is below the driver's minimum");
  }
}

Napi::Value DecodeAgentReceive(Napi::Env env, const uint8_t* output, size_t length) {
  MH_RECEIVE_HEADER header = Read<MH_RECEIVE_HEADER>(env, output, length);
  Napi::Array messages = Napi::Array::New(env, header.Count);
  size_t offset = sizeof(header);
  for (uint32_t i = 0; i < header.Count; i++) {
    MH_AGENT_MESSAGE m = Read<MH_AGENT_MESSAGE>(env, output, length, offset);
    if (m.RecordSize < sizeof(m) + m.InputSize || offset + m.RecordSize > length) {
      throw Napi::Error::New(env, "malformed receive record");
    }
    Napi::Object o = Napi::Object::New(env);
    o.Set("messageId", U64(env, m.MessageId));
    o.Set("contextId", U64(env, m.ContextId));
    o.Set("outputSize", U32(env, m.OutputSize));
    o.Set("input", Napi::Buffer<uint8_t>::Copy(env, output + offset + sizeof(m), m.InputSize));
    messages.Set(i, o);
    offset += m.RecordSize;
  }
  return messages;
}

// ([{ messageId, status, output? }])
void EncodeAgentReply(const Napi::CallbackInfo& args, size_t first, Encoded& e) {
  Napi::Env env = args.Env();
  Napi::Value value = Arg(args, first);
  if (!value.IsArray()) {
    throw Napi::TypeError::New(env, "replies must be an array");
  }
  Napi::Array replies = value.As<Napi::Array>();
  if (replies.Length() == 0) {
    throw Napi::RangeError::New(env, "replies must not be empty");
  }
  MH_REPLY_HEADER header{replies.Length(), 0};
  Append(e.input, header);
  for (uint32_t i = 0; i < replies.Length(); i++) {
    Napi::Value item = replies.Get(i);
    if (!item.IsObject()) {
      throw Napi::TypeError::New(env, "each reply must be an object");
    }
    Napi::Object reply = item.As<Napi::Object>();
    Napi::Value output = reply.Get("output");
    Bytes bytes;
    if (!output.IsUndefined() && !output.IsNull()) {
      if (!output.IsTypedArray() || output.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
        throw Napi::TypeError::New(env, "reply.output must be a Uint8Array or Buffer");
      }
      Napi::Uint8Array array = output.As<Napi::Uint8Array>();
      bytes = Bytes{array.Data(), array.ByteLength()};
      if (bytes.length > MH_MAX_MESSAGE_BYTES) {
        throw Napi::RangeError::New(env, "reply.output is too long");
      }
    }
    MH_AGENT_REPLY record{};
    record.MessageId = static_cast<ULONG64>(ValueInteger(env, reply.Get("messageId"), "reply.messageId", 0, kMaxSafeInteger));
    record.Status = ValueStatus(env, reply.Get("status"), "reply.status");
    record.OutputSize = static_cast<ULONG>(bytes.length);
    record.RecordSize = MH_ALIGN8(static_cast<ULONG>(sizeof(record) + bytes.length));
    Append(e.input, record);
    Append(e.input, bytes);
    e.input.resize(e.input.size() + (record.RecordSize - sizeof(record) - bytes.length), 0);
    if (e.input.size() > MH_MAX_REPLY_BATCH_BYTES) {
      throw Napi::RangeError::New(env, "the replies are larger than one batch may be");
    }
  }
  e.code = IOCTL_MH_AGENT_REPLY;
  e.outputSize = replies.Length() * sizeof(LONG);
}

Napi::Value DecodeAgentReply(Napi::Env env, const uint8_t* output, size_t length) {
  Napi::Array results = Napi::Array::New(env, length / sizeof(LONG));
  for (size_t i = 0; i < length / sizeof(LONG); i++) {
    results.Set(static_cast<uint32_t>(i), Status(env, Read<LONG>(env, output, length, i * sizeof(LONG))));
  }
  return results;
}

// (contextId, action)
void EncodeSession(const Napi::CallbackInfo& args, size_t first, Encoded& e) {
  MH_SESSION_IN in{};
  in.ContextId = ArgId(args, first, "contextId");
  in.Action = ArgU32(args, first + 1, "action", MH_SESSION_STOP);
  if (in.Action != MH_SESSION_START && in.Action != MH_SESSION_STOP) {
    throw Napi::RangeError::New(args.Env(), "action must be start (1) or stop (2)");
  }
  e.code = IOCTL_MH_SESSION;
  Append(e.input, in);
}

// (enabled, status, delayMs)
void EncodeConfigureResponder(const Napi::CallbackInfo& args, size_t first, Encoded& e) {
  MH_RESPONDER_CONFIG config{};
  config.Enabled = Arg(args, first).ToBoolean().Value() ? 1u : 0u;
  config.Status = ArgStatus(args, first + 1, "status");
  config.DelayMs = ArgU32(args, first + 2, "delayMs", MH_MAX_RESPONDER_DELAY_MS);
  e.code = IOCTL_MH_CONFIGURE_RESPONDER;
  Append(e.input, config);
}

void EncodeGetStats(const Napi::CallbackInfo&, size_t, Encoded& e) {
  e.code = IOCTL_MH_GET_STATS;
  e.outputSize = sizeof(MH_STATS);
}

Napi::Value DecodeGetStats(Napi::Env env, const uint8_t* output, size_t length) {
  MH_STATS stats = Read<MH_STATS>(env, output, length);
  Napi::Object o = Napi::Object::New(env);
#define MH_SET_STAT(name, description) o.Set(CamelCase(#name), U64(env, stats.name));
  MH_STATS_FIELDS(MH_SET_STAT)
#undef MH_SET_STAT
  return o;
}

// (kind, count, durationMs, status, param)
void EncodeSetFault(const Napi::CallbackInfo& args, size_t first, Encoded& e) {
  MH_FAULT fault{};
  fault.Kind = ArgU32(args, first, "kind", MH_FAULT_KIND_LIMIT - 1);
  fault.Count = ArgU32(args, first + 1, "count");
  fault.DurationMs = ArgU32(args, first + 2, "durationMs", MH_MAX_FAULT_DURATION_MS);
  fault.Status = ArgStatus(args, first + 3, "status");
  fault.Param = ArgU32(args, first + 4, "param");
  if (fault.Kind == MH_FAULT_NONE) {
    throw Napi::RangeError::New(args.Env(), "kind is out of range");
  }
  e.code = IOCTL_MH_SET_FAULT;
  Append(e.input, fault);
}

void EncodeResetFaults(const Napi::CallbackInfo&, size_t, Encoded& e) { e.code = IOCTL_MH_RESET_FAULTS; }

// (startSequence, maxEvents)
void EncodeReadTrace(const Napi::CallbackInfo& args, size_t first, Encoded& e) {
  MH_TRACE_READ_IN in{ArgId(args, first, "startSequence")};
  uint32_t maxEvents = ArgU32(args, first + 1, "maxEvents", MH_TRACE_CAPACITY);
  e.code = IOCTL_MH_READ_TRACE;
  Append(e.input, in);
  e.outputSize = static_cast<uint32_t>(sizeof(MH_TRACE_READ_OUT) + maxEvents * sizeof(MH_TRACE_EVENT));
}

Napi::Value DecodeReadTrace(Napi::Env env, const uint8_t* output, size_t length) {
  MH_TRACE_READ_OUT header = Read<MH_TRACE_READ_OUT>(env, output, length);
  if (length < sizeof(header) + static_cast<size_t>(header.Count) * sizeof(MH_TRACE_EVENT)) {
    throw Napi::Error::New(env, "trace reply shorter than its count");
  }
  Napi::Array events = Napi::Array::New(env, header.Count);
  for (uint32_t i = 0; i < header.Count; i++) {
    MH_TRACE_EVENT ev = Read<MH_TRACE_EVENT>(env, output, length, sizeof(header) + i * sizeof(MH_TRACE_EVENT));
    Napi::Object o = Napi::Object::New(env);
    o.Set("sequence", U64(env, ev.Sequence));
    o.Set("time", U64(env, ev.Time));
    o.Set("kind", U32(env, ev.Kind));
    o.Set("detail", U32(env, ev.Detail));
    o.Set("status", Status(env, ev.Status));
    o.Set("threadId", U32(env, ev.ThreadId));
    o.Set("contextId", U64(env, ev.ContextId));
    o.Set("messageId", U64(env, ev.MessageId));
    o.Set("arg0", U64(env, ev.Arg0));
    o.Set("arg1", U64(env, ev.Arg1));
    events.Set(i, o);
  }
  Napi::Object o = Napi::Object::New(env);
  o.Set("nextSequence", U64(env, header.NextSequence));
  o.Set("lost", U64(env, header.Lost));
  o.Set("events", events);
  return o;
}

void EncodeConfigureMiniport(const Napi::CallbackInfo& args, size_t first, Encoded& e) {
  MH_MINIPORT_CONFIG config{};
  config.TargetCount = ArgU32(args, first, "targetCount", MH_MAX_TARGETS);
  if (config.TargetCount == 0) {
    throw Napi::RangeError::New(args.Env(), "targetCount must be at least 1");
  }
  e.code = IOCTL_MH_CONFIGURE_MINIPORT;
  Append(e.input, config);
}

// ------------------------------------------------------------------ the hosted miniport's seam

// (contextId, timeoutMs, bufferSize): GetNextChunkData.
void EncodeReadChunks(const Napi::CallbackInfo& args, size_t first, Encoded& e) {
  MH_CHUNK_READ_IN in{};
  in.ContextId = ArgId(args, first, "contextId");
  in.TimeoutMs = ArgU32(args, first + 1, "timeoutMs");
  in.BufferSize = ArgU32(args, first + 2, "bufferSize", MH_MAX_CHUNK_READ_BYTES);
  e.code = IOCTL_MH_READ_CHUNKS;
  Append(e.input, in);
  e.outputSize = static_cast<uint32_t>(sizeof(MH_CHUNK_READ_OUT) + in.BufferSize);
}

// The packets as GetNextChunkData lays them out: DXGK_MIRACAST_CHUNK_INFO (ChunkType at 0,
// ChunkId at 8, ProcessingTime at 16, EncodeRate at 20), UINT PrivateDriverDataSize, the data.
Napi::Value DecodeReadChunks(Napi::Env env, const uint8_t* output, size_t length) {
  MH_CHUNK_READ_OUT out = Read<MH_CHUNK_READ_OUT>(env, output, length);
  Napi::Object o = Napi::Object::New(env);
  o.Set("status", Status(env, out.Status));
  o.Set("bytesWritten", U32(env, out.BytesWritten));
  o.Set("outstanding", U32(env, out.Outstanding));
  Napi::Array chunks = Napi::Array::New(env, out.Count);
  size_t offset = sizeof(out);
  for (uint32_t i = 0; i < out.Count; i++) {
    uint32_t type = Read<uint32_t>(env, output, length, offset);
    uint64_t id = Read<uint64_t>(env, output, length, offset + 8);
    uint32_t size = Read<uint32_t>(env, output, length, offset + 24);
    if (length < offset + MH_CHUNK_PACKET_HEADER + size) {
      throw Napi::Error::New(env, "chunk packet past the end of the reply");
    }
    Napi::Object chunk = Napi::Object::New(env);
    chunk.Set("chunkType", U32(env, type));
    chunk.Set("frameNumber", U64(env, id & ((1ull << 40) - 1)));
    chunk.Set("partNumber", U32(env, static_cast<uint32_t>(id >> 40)));
    chunk.Set("processingTime", U32(env, Read<uint32_t>(env, output, length, offset + 16)));
    chunk.Set("encodeRate", U32(env, Read<uint32_t>(env, output, length, offset + 20)));
    chunk.Set("privateData", Napi::Buffer<uint8_t>::Copy(env, output + offset + MH_CHUNK_PACKET_HEADER, size));
    chunks.Set(i, chunk);
    offset += MH_CHUNK_PACKET_HEADER + size;
  }
  o.Set("chunks", chunks);
  return o;
}

// (contextId, frames, slicesPerFrame, privateDataSize, misreport)
void EncodeReportChunks(const Napi::CallbackInfo& args, size_t first, Encoded& e) {
  MH_CHUNK_REPORT_IN in{};
  in.ContextId = ArgId(args, first, "contextId");
  in.Frames = ArgU32(args, first + 1, "frames", MH_MAX_CHUNK_FRAMES);
  in.SlicesPerFrame = ArgU32(args, first + 2, "slicesPerFrame", MH_MAX_CHUNK_SLICES);
  in.PrivateDataSize = ArgU32(args, first + 3, "privateDataSize", MH_MAX_CHUNK_PRIVATE_BYTES);
  in.Misreport = ArgU32(args, first + 4, "misreport", MH_CHUNK_MISREPORT_NO_DPC);
  e.code = IOCTL_MH_REPORT_CHUNKS;
  Append(e.input, in);
  e.outputSize = sizeof(MH_CHUNK_REPORT_OUT);
}

Napi::Value DecodeReportChunks(Napi::Env env, const uint8_t* output, size_t length) {
  MH_CHUNK_REPORT_OUT out = Read<MH_CHUNK_REPORT_OUT>(env, output, length);
  Napi::Object o = Napi::Object::New(env);
  o.Set("reported", U32(env, out.Reported));
  o.Set("queued", U32(env, out.Queued));
  o.Set("firstError", Status(env, out.FirstError));
  return o;
}

void EncodeGetAdapter(const Napi::CallbackInfo&, size_t, Encoded& e) {
  e.code = IOCTL_MH_GET_ADAPTER;
  e.outputSize = sizeof(MH_ADAPTER_INFO);
}

Napi::Value DecodeGetAdapter(Napi::Env env, const uint8_t* output, size_t length) {
  MH_ADAPTER_INFO info = Read<MH_ADAPTER_INFO>(env, output, length);
  Napi::Object o = Napi::Object::New(env);
  o.Set("initVersion", U32(env, info.InitVersion));
  o.Set("interfaceVersion", U32(env, info.InterfaceVersion));
  o.Set("videoPresentSources", U32(env, info.VideoPresentSources));
  o.Set("children", U32(env, info.Children));
  o.Set("miracastChildUid", U32(env, info.MiracastChildUid));
  o.Set("miracastHpdAwareness", U32(env, info.MiracastHpdAwareness));
  o.Set("connected", Napi::Boolean::New(env, info.Connected != 0));
  o.Set("monitorType", Napi::Number::New(env, info.MonitorType));
  o.Set("miracastInterfaceSize", U32(env, info.MiracastInterfaceSize));
  o.Set("miracastInterfaceVersion", U32(env, info.MiracastInterfaceVersion));
  o.Set("testHooks", Napi::Boolean::New(env, info.TestHooks != 0));
  o.Set("dpcRoutine", Napi::Boolean::New(env, info.DpcRoutine != 0));
  o.Set("capsMaxChunkPrivateDriverDataSize", U32(env, info.CapsMaxChunkPrivateDriverDataSize));
  o.Set("capsFlags", U32(env, info.CapsFlags));
  Napi::Object calls = Napi::Object::New(env);
#define MH_SET_SERVICE(name) calls.Set(#name, U32(env, info.ServiceCalls[MH_DXGKCB_INDEX_##name]));
  MH_DXGKCB_SERVICES(MH_SET_SERVICE)
#undef MH_SET_SERVICE
  o.Set("serviceCalls", calls);
  return o;
}

// (startSequence, flush)
void EncodeReadPool(const Napi::CallbackInfo& args, size_t first, Encoded& e) {
  MH_POOL_READ_IN in{};
  in.StartSequence = ArgId(args, first, "startSequence");
  in.Flags = Arg(args, first + 1).ToBoolean().Value() ? MH_POOL_READ_FLUSH : 0u;
  e.code = IOCTL_MH_READ_POOL;
  Append(e.input, in);
  e.outputSize = static_cast<uint32_t>(sizeof(MH_POOL_READ_OUT) + MH_POOL_MAX_TAGS * sizeof(MH_POOL_TAG) +
                                       MH_POOL_FINDINGS_KEPT * sizeof(MH_POOL_FINDING));
}

// A pool tag as it reads in a pool dump: its four bytes in memory order.
Napi::String TagName(Napi::Env env, ULONG tag) {
  std::string name;
  for (int i = 0; i < 4; i++) {
    char c = static_cast<char>((tag >> (8 * i)) & 0xff);
    name.push_back(c >= 0x20 && c < 0x7f ? c : '?');
  }
  return Napi::String::New(env, name);
}

Napi::Value DecodeReadPool(Napi::Env env, const uint8_t* output, size_t length) {
  MH_POOL_READ_OUT header = Read<MH_POOL_READ_OUT>(env, output, length);
  size_t offset = sizeof(header);
  Napi::Array tags = Napi::Array::New(env, header.TagCount);
  for (uint32_t i = 0; i < header.TagCount; i++, offset += sizeof(MH_POOL_TAG)) {
    MH_POOL_TAG t = Read<MH_POOL_TAG>(env, output, length, offset);
    Napi::Object o = Napi::Object::New(env);
    o.Set("tag", TagName(env, t.Tag));
    o.Set("outstanding", U64(env, t.Outstanding));
    o.Set("total", U64(env, t.Total));
    o.Set("bytesOutstanding", U64(env, t.BytesOutstanding));
    tags.Set(i, o);
  }
  Napi::Array findings = Napi::Array::New(env, header.FindingCount);
  for (uint32_t i = 0; i < header.FindingCount; i++, offset += sizeof(MH_POOL_FINDING)) {
    MH_POOL_FINDING f = Read<MH_POOL_FINDING>(env, output, length, offset);
    Napi::Object o = Napi::Object::New(env);
    o.Set("sequence", U64(env, f.Sequence));
    o.Set("kind", U32(env, f.Kind));
    o.Set("tag", TagName(env, f.Tag));
    o.Set("size", U64(env, f.Size));
    o.Set("offset", U64(env, f.Offset));
    o.Set("allocation", U64(env, f.Allocation));
    findings.Set(i, o);
  }
  Napi::Object o = Napi::Object::New(env);
  o.Set("nextSequence", U64(env, header.NextSequence));
  o.Set("lost", U64(env, header.Lost));
  o.Set("tags", tags);
  o.Set("findings", findings);
  return o;
}

void EncodeMiniportState(const Napi::CallbackInfo&, size_t, Encoded& e) {
  e.code = IOCTL_MH_MINIPORT_STATE;
  e.outputSize = sizeof(MP_STATE);
}

const OpInfo kOps[] = {
    {"getInfo", EncodeGetInfo, DecodeGetInfo},
    {"echo", EncodeEcho, DecodeBytes},
    {"queryCaps", EncodeQueryCaps, DecodeQueryCaps},
    {"createContext", EncodeCreateContext, DecodeCreateContext},
    {"destroyContext", EncodeDestroyContext, DecodeNothing},
    {"ioControl", EncodeIoControl, DecodeIoControl},
    {"sendMessage", EncodeSendMessage, DecodeSendMessage},
    {"attachAgent", EncodeAgentAttach, DecodeNothing},
    {"detachAgent", EncodeAgentDetach, DecodeNothing},
    {"receive", EncodeAgentReceive, DecodeAgentReceive},
    {"reply", EncodeAgentReply, DecodeAgentReply},
    {"session", EncodeSession, DecodeNothing},
    {"configureResponder", EncodeConfigureResponder, DecodeNothing},
    {"stats", EncodeGetStats, DecodeGetStats},
    {"setFault", EncodeSetFault, DecodeNothing},
    {"resetFaults", EncodeResetFaults, DecodeNothing},
    {"trace", EncodeReadTrace, DecodeReadTrace},
    {"configureMiniport", EncodeConfigureMiniport, DecodeNothing},
    {"readChunks", EncodeReadChunks, DecodeReadChunks},
    {"reportChunks", EncodeReportChunks, DecodeReportChunks},
    {"adapter", EncodeGetAdapter, DecodeGetAdapter},
    {"readPool", EncodeReadPool, DecodeReadPool},
    {"miniportState", EncodeMiniportState, DecodeBytes},
};
static_assert(sizeof(kOps) / sizeof(kOps[0]) == static_cast<size_t>(Op::Count), "one entry per operation");

}  // namespace

const OpInfo& GetOp(Op op) { return kOps[static_cast<size_t>(op)]; }

}  // namespace mh

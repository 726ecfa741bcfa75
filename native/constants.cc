// constants.cc - the contract's numbers, exported from miracast_hil_ioctl.h itself so that the
// TypeScript layer never keeps a second copy that could drift.
#include "constants.h"
#include "names.h"
#include "ops.h"
#include "miracast_hil_ioctl.h"
#include <cctype>
#include <string>

namespace mh {

Napi::Object MakeConstants(Napi::Env env) {
  Napi::Object c = Napi::Object::New(env);
  c.Set("contractVersion", MH_CONTRACT_VERSION);
  c.Set("devicePath", MH_USER_PATH_A);
  c.Set("serviceName", MH_SERVICE_NAME_A);

  Napi::Object limits = Napi::Object::New(env);
  limits.Set("maxEchoBytes", MH_MAX_ECHO_BYTES);
  limits.Set("maxMessageBytes", MH_MAX_MESSAGE_BYTES);
  limits.Set("maxIoControlBytes", MH_MAX_IO_CONTROL_BYTES);
  limits.Set("maxReplyBatchBytes", MH_MAX_REPLY_BATCH_BYTES);
  limits.Set("maxTargets", MH_MAX_TARGETS);
  limits.Set("maxResponderDelayMs", MH_MAX_RESPONDER_DELAY_MS);
  limits.Set("maxFaultDurationMs", MH_MAX_FAULT_DURATION_MS);
  limits.Set("traceCapacity", MH_TRACE_CAPACITY);
  limits.Set("maxHoldMs", MH_MAX_HOLD_MS);
  limits.Set("receiveBufferMin", static_cast<uint32_t>(MH_RECEIVE_BUFFER_MIN));
  limits.Set("maxChunkFrames", MH_MAX_CHUNK_FRAMES);
  limits.Set("maxChunkSlices", MH_MAX_CHUNK_SLICES);
  limits.Set("maxChunkReadBytes", MH_MAX_CHUNK_READ_BYTES);
  limits.Set("maxChunkPrivateBytes", MH_MAX_CHUNK_PRIVATE_BYTES);
  limits.Set("chunkPacketHeader", MH_CHUNK_PACKET_HEADER);
  limits.Set("chunkWaitInfinite", MH_CHUNK_WAIT_INFINITE);
  limits.Set("chunkListInitial", MH_CHUNK_LIST_INITIAL);
  limits.Set("chunkListGrowth", MH_CHUNK_LIST_GROWTH);
  limits.Set("chunkListMax", MH_CHUNK_LIST_MAX);
  limits.Set("poolQuarantine", MH_POOL_QUARANTINE);
  limits.Set("poolFindingsKept", MH_POOL_FINDINGS_KEPT);
  c.Set("limits", limits);

  Napi::Object ioctls = Napi::Object::New(env);
#define MH_IOCTL_ENTRY(name) ioctls.Set(#name, static_cast<double>(static_cast<uint32_t>(IOCTL_MH_##name)));
  MH_IOCTL_LIST(MH_IOCTL_ENTRY)
#undef MH_IOCTL_ENTRY
  c.Set("ioctls", ioctls);   // for peers that call DeviceIoControl themselves (koffi, C)

  Napi::Object ops = Napi::Object::New(env);
  for (uint32_t i = 0; i < static_cast<uint32_t>(Op::Count); i++) {
    ops.Set(GetOp(static_cast<Op>(i)).name, i);
  }
  c.Set("ops", ops);

  Napi::Object statuses = Napi::Object::New(env);
#define MH_STATUS_ENTRY(name) statuses.Set(#name, static_cast<uint32_t>(MH_STATUS_##name));
  MH_STATUS_ENTRY(SESSION_DROPPED) MH_STATUS_ENTRY(CONTEXT_DESTROYED) MH_STATUS_ENTRY(AGENT_GONE)
  MH_STATUS_ENTRY(NO_HOST) MH_STATUS_ENTRY(STALE_HANDLE) MH_STATUS_ENTRY(UNKNOWN_CONTEXT)
  MH_STATUS_ENTRY(NOT_OWNER) MH_STATUS_ENTRY(IRP_CANCELLED) MH_STATUS_ENTRY(AGENT_TAKEN)
  MH_STATUS_ENTRY(NOT_AGENT) MH_STATUS_ENTRY(SESSION_ACTIVE) MH_STATUS_ENTRY(SESSION_STATE)
  MH_STATUS_ENTRY(REPLY_UNKNOWN) MH_STATUS_ENTRY(REPLY_TOO_BIG) MH_STATUS_ENTRY(HANDLER_FAILED)
  MH_STATUS_ENTRY(BAD_BYTES_RETURNED) MH_STATUS_ENTRY(NO_TEST_HOOKS) MH_STATUS_ENTRY(NOT_PROVIDED)
  MH_STATUS_ENTRY(BAD_TARGET) MH_STATUS_ENTRY(BAD_CHILDREN) MH_STATUS_ENTRY(BAD_CHILD_STATUS)
  MH_STATUS_ENTRY(BAD_CHUNK) MH_STATUS_ENTRY(CHUNK_OVERFLOW) MH_STATUS_ENTRY(CHUNKS_LOST)
  MH_STATUS_ENTRY(SESSION_GONE) MH_STATUS_ENTRY(READER_BUSY) MH_STATUS_ENTRY(READ_TIMEOUT)
#undef MH_STATUS_ENTRY
  c.Set("statuses", statuses);

  Napi::Object faults = Napi::Object::New(env);
  Napi::Object faultDescriptions = Napi::Object::New(env);
#define MH_FAULT_ENTRY(name, value, description) faults.Set(#name, value); faultDescriptions.Set(#name, description);
  MH_FAULT_KINDS(MH_FAULT_ENTRY)
#undef MH_FAULT_ENTRY
  c.Set("faultKinds", faults);
  c.Set("faultDescriptions", faultDescriptions);

  Napi::Object traceKinds = Napi::Object::New(env);
#define MH_TRACE_ENTRY(name, value) traceKinds.Set(#name, value);
  MH_TRACE_KINDS(MH_TRACE_ENTRY)
#undef MH_TRACE_ENTRY
  c.Set("traceKinds", traceKinds);

  uint32_t index = 0;
  Napi::Object adapterSteps = Napi::Object::New(env);
#define MH_STEP_ENTRY(name, value) adapterSteps.Set(#name, value);
  MH_ADAPTER_STEPS(MH_STEP_ENTRY)
#undef MH_STEP_ENTRY
  c.Set("adapterSteps", adapterSteps);

  Napi::Array services = Napi::Array::New(env);
  index = 0;
#define MH_SERVICE_NAME(name) services.Set(index++, #name);
  MH_DXGKCB_SERVICES(MH_SERVICE_NAME)
#undef MH_SERVICE_NAME
  c.Set("dxgkrnlServices", services);

  Napi::Object poolFindings = Napi::Object::New(env);
  Napi::Object poolFindingDescriptions = Napi::Object::New(env);
#define MH_FINDING_ENTRY(name, value, description) poolFindings.Set(#name, value); poolFindingDescriptions.Set(#name, description);
  MH_POOL_FINDING_KINDS(MH_FINDING_ENTRY)
#undef MH_FINDING_ENTRY
  c.Set("poolFindingKinds", poolFindings);
  c.Set("poolFindingDescriptions", poolFindingDescriptions);

  Napi::Object violationKinds = Napi::Object::New(env);
  Napi::Object violationDescriptions = Napi::Object::New(env);
#define MH_VIOLATION_ENTRY(name, value, description) violationKinds.Set(#name, value); violationDescriptions.Set(#name, description);
  MH_VIOLATION_KINDS(MH_VIOLATION_ENTRY)
#undef MH_VIOLATION_ENTRY
  c.Set("violationKinds", violationKinds);
  c.Set("violationDescriptions", violationDescriptions);
  c.Set("ddiBoundMs", MH_DDI_BOUND_MS);

  Napi::Object dpcFlags = Napi::Object::New(env);
  dpcFlags.Set("RESET", MH_DPC_RESET);
  dpcFlags.Set("STOPPED", MH_DPC_STOPPED);
  dpcFlags.Set("GREW", MH_DPC_GREW);
  c.Set("dpcFlags", dpcFlags);

  Napi::Object misreports = Napi::Object::New(env);
  misreports.Set("NONE", MH_CHUNK_MISREPORT_NONE);
  misreports.Set("WRONG_TARGET", MH_CHUNK_MISREPORT_WRONG_TARGET);
  misreports.Set("OVERSIZE", MH_CHUNK_MISREPORT_OVERSIZE);
  misreports.Set("NO_DPC", MH_CHUNK_MISREPORT_NO_DPC);
  c.Set("chunkMisreports", misreports);

  Napi::Object ddi = Napi::Object::New(env);
  ddi.Set("QUERY_CAPS", MH_DDI_QUERY_CAPS);
  ddi.Set("CREATE_CONTEXT", MH_DDI_CREATE_CONTEXT);
  ddi.Set("DESTROY_CONTEXT", MH_DDI_DESTROY_CONTEXT);
  ddi.Set("IO_CONTROL", MH_DDI_IO_CONTROL);
  c.Set("ddi", ddi);

  Napi::Object answers = Napi::Object::New(env);
  answers.Set("AGENT", MH_ANSWER_AGENT);
  answers.Set("RESPONDER", MH_ANSWER_RESPONDER);
  answers.Set("INLINE", MH_ANSWER_INLINE);
  answers.Set("DROPPED", MH_ANSWER_DROPPED);
  c.Set("answers", answers);

  Napi::Object session = Napi::Object::New(env);
  session.Set("START", MH_SESSION_START);
  session.Set("STOP", MH_SESSION_STOP);
  c.Set("sessionActions", session);

  Napi::Array statsFields = Napi::Array::New(env);
  index = 0;
#define MH_STATS_NAME(name, description) statsFields.Set(index++, CamelCase(#name));
  MH_STATS_FIELDS(MH_STATS_NAME)
#undef MH_STATS_NAME
  c.Set("statsFields", statsFields);

  Napi::Object miniport = Napi::Object::New(env);
  Napi::Object commands = Napi::Object::New(env);
  commands.Set("ECHO", MP_CMD_ECHO);
  commands.Set("SEND_MESSAGES", MP_CMD_SEND_MESSAGES);
  commands.Set("READ_STATE", MP_CMD_READ_STATE);
  commands.Set("MONITOR_ARRIVE", MP_CMD_MONITOR_ARRIVE);
  commands.Set("MONITOR_DEPART", MP_CMD_MONITOR_DEPART);
  commands.Set("REPORT_CHUNK", MP_CMD_REPORT_CHUNK);
  commands.Set("HOLD", MP_CMD_HOLD);
  commands.Set("INDICATE", MP_CMD_INDICATE);
  miniport.Set("commands", commands);
  miniport.Set("headerSize", static_cast<uint32_t>(sizeof(MP_IOCTL_HEADER)));
  miniport.Set("sendResultSize", static_cast<uint32_t>(sizeof(MP_SEND_RESULT)));
  miniport.Set("stateSize", static_cast<uint32_t>(sizeof(MP_STATE)));
  miniport.Set("capsMaxChunkPrivateData", MP_CAPS_MAX_CHUNK_PRIVATE_DATA);
  miniport.Set("capsFlags", MP_CAPS_FLAGS);
  miniport.Set("firstTargetId", MP_FIRST_TARGET_ID);
  miniport.Set("localTargetId", MP_LOCAL_TARGET_ID);
  Napi::Array stateFields = Napi::Array::New(env);
  index = 0;
#define MP_STATE_NAME(name, description) stateFields.Set(index++, CamelCase(#name));
  MP_STATE_FIELDS(MP_STATE_NAME)
#undef MP_STATE_NAME
  miniport.Set("stateFields", stateFields);
  c.Set("miniport", miniport);
  return c;
}

}  // namespace mh

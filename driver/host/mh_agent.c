/*++

Module Name:

    mh_agent.c

Abstract:

    The agent: a user-mode process that plays the Miracast user-mode driver. It attaches over the
    control device, receives messages (control pends its receive requests and fills them through
    MhHostAgentFill, as many messages per request as are queued and fit: the inverted call),
    answers them in batches (HandleKernelModeMessage's status and bytes), and starts and stops
    sessions (StartMiracastSession / StopMiracastSession).

    Session rules (miracast-ddi.md 3.1, 4.2):
      - a message sent before its session starts is held, and delivered when it starts;
      - a message sent during or after stop is dropped: its callback gets MH_STATUS_SESSION_DROPPED;
      - in automatic mode (the default) every context's session is started while the agent is attached.
    When the agent detaches or its handle goes away, every message it held, had queued or had
    received without answering completes with MH_STATUS_AGENT_GONE; later sends fail at once. The
    next agent is a new UMD host: every session starts afresh.

    Nothing here blocks: these run on the dispatch path (a single thread under Wine).

Environment:

    Kernel mode, IRQL <= DISPATCH_LEVEL.

--*/

#include "mh_host_state.h"

_Use_decl_annotations_
BOOLEAN MhAgentIsLocked(PMH_HOST Host, MH_OWNER Owner)
{
    return Owner != NULL && Host->Agent == Owner;
}

BOOLEAN MhHostIsAgent(PMH_HOST Host, MH_OWNER Owner)
{
    BOOLEAN agent;
    KIRQL irql;

    KeAcquireSpinLock(&Host->Lock, &irql);
    agent = MhAgentIsLocked(Host, Owner);
    KeReleaseSpinLock(&Host->Lock, irql);
    return agent;
}

BOOLEAN MhHostAgentPending(PMH_HOST Host)
{
    BOOLEAN pending;
    KIRQL irql;

    KeAcquireSpinLock(&Host->Lock, &irql);
    pending = !IsListEmpty(&Host->AgentQueue);
    KeReleaseSpinLock(&Host->Lock, irql);
    return pending;
}

/* Copies as many queued messages as fit into a receive buffer. */
_Requires_lock_held_(Host->Lock)
static ULONG MhAgentFillLocked(PMH_HOST Host, PUCHAR Buffer, ULONG Length)
{
    MH_RECEIVE_HEADER *header = (MH_RECEIVE_HEADER *)Buffer;
    ULONG offset = sizeof(MH_RECEIVE_HEADER);
    ULONG count = 0;

    while (!IsListEmpty(&Host->AgentQueue)) {
        PMH_HOST_MESSAGE msg = CONTAINING_RECORD(Host->AgentQueue.Flink, MH_HOST_MESSAGE, QueueLink);
        ULONG record = MH_ALIGN8((ULONG)sizeof(MH_AGENT_MESSAGE) + msg->InputSize);
        MH_AGENT_MESSAGE *out;

        if (offset + record > Length) {
            break;
        }
        out = (MH_AGENT_MESSAGE *)(Buffer + offset);
        out->MessageId = msg->Id;
        out->ContextId = msg->ContextId;
        out->InputSize = msg->InputSize;
        out->OutputSize = msg->OutputSize;
        out->RecordSize = record;
        out->Reserved = 0;
        RtlCopyMemory(out + 1, msg->Data, msg->InputSize);
        RtlZeroMemory((PUCHAR)(out + 1) + msg->InputSize, record - sizeof(MH_AGENT_MESSAGE) - msg->InputSize);

        RemoveEntryList(&msg->QueueLink);
        MhMessageSetStateLocked(Host, msg, MhMsgDelivered);
        InsertTailList(&Host->Delivered, &msg->QueueLink);
        offset += record;
        count++;
        MhTrace(Host, MH_TRACE_DELIVER, 0, STATUS_SUCCESS, msg->ContextId, msg->Id, count, 0);
    }
    header->Count = count;
    header->BytesUsed = offset;
    MH_STAT_INC(&Host->Stats, ReceiveCompletions);
    MhStatMax(MH_STAT_PTR(&Host->Stats, ReceiveBatchMax), count);
    return offset;
}

/*++
Routine Description:
    Hands queued messages to one of the agent's receive requests.
Return Value:
    STATUS_SUCCESS (*Written: the bytes used); STATUS_NO_MORE_ENTRIES when nothing is queued (the
    request keeps waiting); MH_STATUS_NOT_AGENT; STATUS_BUFFER_TOO_SMALL when Length cannot hold
    the largest message.
--*/
NTSTATUS MhHostAgentFill(PMH_HOST Host, MH_OWNER Owner, PVOID Buffer, ULONG Length, PULONG Written)
{
    NTSTATUS status;
    KIRQL irql;

    *Written = 0;
    if (Length < MH_RECEIVE_BUFFER_MIN) {
        return STATUS_BUFFER_TOO_SMALL;
    }
    KeAcquireSpinLock(&Host->Lock, &irql);
    if (!MhAgentIsLocked(Host, Owner)) {
        status = MH_STATUS_NOT_AGENT;
    } else if (IsListEmpty(&Host->AgentQueue)) {
        status = STATUS_NO_MORE_ENTRIES;
    } else {
        *Written = MhAgentFillLocked(Host, (PUCHAR)Buffer, Length);
        status = STATUS_SUCCESS;
    }
    KeReleaseSpinLock(&Host->Lock, irql);
    return status;
}

_Use_decl_annotations_
ULONG MhAgentRouteLocked(PMH_HOST Host, PMH_HOST_MESSAGE Msg, PBOOLEAN Queued)
{
    PMH_HOST_CONTEXT ctx = Msg->Context;

    switch (ctx->Session) {
    case MhSessionStarted:
        MhMessageSetStateLocked(Host, Msg, MhMsgQueued);
        InsertTailList(&Host->AgentQueue, &Msg->QueueLink);
        *Queued = TRUE;
        return 0;
    case MhSessionNotStarted:
        MhMessageSetStateLocked(Host, Msg, MhMsgHeld);
        InsertTailList(&ctx->Held, &Msg->QueueLink);
        return 0;
    default:
        MH_STAT_INC(&Host->Stats, MessagesDropped);
        return MhMessageAnsweredLocked(Host, Msg, MH_STATUS_SESSION_DROPPED, 0, MH_ANSWER_DROPPED);
    }
}

NTSTATUS MhHostAgentAttach(PMH_HOST Host, MH_OWNER Owner, ULONG Flags, ULONG_PTR ProcessId)
{
    NTSTATUS status = STATUS_SUCCESS;
    PLIST_ENTRY entry;
    KIRQL irql;

    if ((Flags & ~MH_AGENT_MANUAL_SESSIONS) != 0) {
        return STATUS_INVALID_PARAMETER;
    }
    KeAcquireSpinLock(&Host->Lock, &irql);
    if (Host->Agent != NULL) {
        status = MH_STATUS_AGENT_TAKEN;
    } else {
        Host->Agent = Owner;
        Host->AgentFlags = Flags;
        Host->AgentProcessId = ProcessId;
        if (!(Flags & MH_AGENT_MANUAL_SESSIONS)) {
            for (entry = Host->Contexts.Flink; entry != &Host->Contexts; entry = entry->Flink) {
                PMH_HOST_CONTEXT ctx = CONTAINING_RECORD(entry, MH_HOST_CONTEXT, Link);
                if (!ctx->Creating && !ctx->Closing && ctx->Session == MhSessionNotStarted) {
                    ctx->Session = MhSessionStarted;
                }
            }
        }
        InterlockedExchange64(MH_STAT_PTR(&Host->Stats, AgentAttached), 1);
    }
    KeReleaseSpinLock(&Host->Lock, irql);
    MhTrace(Host, MH_TRACE_AGENT, 1, status, 0, 0, Flags, ProcessId);
    return status;
}

/*++
Routine Description:
    Detaches the agent if Owner is the agent: drops every message it held, had queued or had in
    hand with MH_STATUS_AGENT_GONE, and ends every session (their chunk readers are due). Control
    completes the agent's pending receives itself.
Return Value:
    STATUS_SUCCESS, or MH_STATUS_NOT_AGENT when Owner is not the agent.
--*/
NTSTATUS MhHostAgentDetach(PMH_HOST Host, MH_OWNER Owner)
{
    PLIST_ENTRY entry, next, ctxEntry;
    ULONG_PTR processId;
    ULONG signal = 0;
    KIRQL irql;

    KeAcquireSpinLock(&Host->Lock, &irql);
    if (!MhAgentIsLocked(Host, Owner)) {
        KeReleaseSpinLock(&Host->Lock, irql);
        return MH_STATUS_NOT_AGENT;
    }
    processId = Host->AgentProcessId;
    Host->Agent = NULL;
    Host->AgentFlags = 0;
    Host->AgentProcessId = 0;
    for (ctxEntry = Host->Contexts.Flink; ctxEntry != &Host->Contexts; ctxEntry = ctxEntry->Flink) {
        PMH_HOST_CONTEXT ctx = CONTAINING_RECORD(ctxEntry, MH_HOST_CONTEXT, Link);
        for (entry = ctx->Held.Flink; entry != &ctx->Held; entry = next) {
            next = entry->Flink;
            signal += MhMessageDropLocked(Host, CONTAINING_RECORD(entry, MH_HOST_MESSAGE, QueueLink),
                                          MH_STATUS_AGENT_GONE);
        }
        /* The next agent is a new UMD host: every session starts afresh, including one the
           departing agent stopped (it would otherwise drop that context's messages forever). */
        ctx->Session = MhSessionNotStarted;
    }
    for (entry = Host->AgentQueue.Flink; entry != &Host->AgentQueue; entry = next) {
        next = entry->Flink;
        signal += MhMessageDropLocked(Host, CONTAINING_RECORD(entry, MH_HOST_MESSAGE, QueueLink),
                                      MH_STATUS_AGENT_GONE);
    }
    for (entry = Host->Delivered.Flink; entry != &Host->Delivered; entry = next) {
        next = entry->Flink;
        signal += MhMessageDropLocked(Host, CONTAINING_RECORD(entry, MH_HOST_MESSAGE, QueueLink),
                                      MH_STATUS_AGENT_GONE);
    }
    InterlockedExchange64(MH_STAT_PTR(&Host->Stats, AgentAttached), 0);
    KeReleaseSpinLock(&Host->Lock, irql);

    MhSignalCallbacks(Host, signal);
    MhTrace(Host, MH_TRACE_AGENT, 0, STATUS_SUCCESS, 0, 0, 0, processId);
    return STATUS_SUCCESS;
}

/*++
Routine Description:
    A batch of agent replies. The whole buffer is validated before any reply is applied; then each
    reply is applied on its own and its result written to the output (one LONG per reply) if the
    caller gave room for them.
Return Value:
    STATUS_SUCCESS when the batch was well formed (per-reply results in the output);
    STATUS_INVALID_BUFFER_SIZE when the batch is over MH_MAX_REPLY_BATCH_BYTES or a record's
    output over MH_MAX_MESSAGE_BYTES, as for every limit of the contract (nothing applied);
    STATUS_INVALID_PARAMETER for a malformed batch (nothing applied); MH_STATUS_NOT_AGENT;
    STATUS_BUFFER_TOO_SMALL when an output buffer is given but cannot hold every result.
--*/
NTSTATUS MhHostAgentReply(PMH_HOST Host, MH_OWNER Owner, PVOID Buffer, ULONG InputLength,
                          ULONG OutputLength, PULONG_PTR Information)
{
    const MH_REPLY_HEADER *header = (const MH_REPLY_HEADER *)Buffer;
    PUCHAR base = (PUCHAR)Buffer;
    /* METHOD_BUFFERED: results overwrite the input in place. Result i (bytes 4i..4i+3) always lies
       before record i (which starts at byte 8 + 24i or later), so no unread input is overwritten. */
    LONG *resultOut = (LONG *)Buffer;
    ULONG offset, i, count;
    ULONG signal = 0;
    MH_FAULT_SLOT fault;
    KIRQL irql;

    if (InputLength > MH_MAX_REPLY_BATCH_BYTES) {
        return STATUS_INVALID_BUFFER_SIZE;
    }
    if (InputLength < sizeof(MH_REPLY_HEADER)) {
        return STATUS_INVALID_PARAMETER;
    }
    count = header->Count;
    if (count == 0 || header->Reserved != 0) {
        return STATUS_INVALID_PARAMETER;
    }
    if (OutputLength != 0 && OutputLength / sizeof(LONG) < count) {
        return STATUS_BUFFER_TOO_SMALL;
    }
    /* Validate every record first. */
    for (i = 0, offset = sizeof(MH_REPLY_HEADER); i < count; i++) {
        const MH_AGENT_REPLY *reply;
        if (InputLength - offset < sizeof(MH_AGENT_REPLY)) {
            return STATUS_INVALID_PARAMETER;
        }
        reply = (const MH_AGENT_REPLY *)(base + offset);
        if (reply->OutputSize > MH_MAX_MESSAGE_BYTES) {
            return STATUS_INVALID_BUFFER_SIZE;
        }
        if (reply->Reserved != 0 ||
            reply->RecordSize != MH_ALIGN8((ULONG)sizeof(MH_AGENT_REPLY) + reply->OutputSize) ||
            reply->RecordSize > InputLength - offset) {
            return STATUS_INVALID_PARAMETER;
        }
        offset += reply->RecordSize;
    }

    KeAcquireSpinLock(&Host->Lock, &irql);
    if (!MhAgentIsLocked(Host, Owner)) {
        KeReleaseSpinLock(&Host->Lock, irql);
        return MH_STATUS_NOT_AGENT;
    }
    for (i = 0, offset = sizeof(MH_REPLY_HEADER); i < count; i++) {
        const MH_AGENT_REPLY *reply = (const MH_AGENT_REPLY *)(base + offset);
        PMH_HOST_MESSAGE msg = NULL;
        PLIST_ENTRY entry;
        LONG result;

        for (entry = Host->Delivered.Flink; entry != &Host->Delivered; entry = entry->Flink) {
            PMH_HOST_MESSAGE candidate = CONTAINING_RECORD(entry, MH_HOST_MESSAGE, QueueLink);
            if (candidate->Id == reply->MessageId) {
                msg = candidate;
                break;
            }
        }
        if (msg == NULL) {
            result = MH_STATUS_REPLY_UNKNOWN;
        } else if (MhFaultTake(Host, MH_FAULT_REPLY_REFUSE, &fault)) {
            result = fault.Status;              /* the message stays outstanding */
            MhTrace(Host, MH_TRACE_FAULT, MH_FAULT_REPLY_REFUSE, fault.Status, msg->ContextId, msg->Id, 0, 0);
        } else if (reply->OutputSize > msg->OutputSize) {
            result = MH_STATUS_REPLY_TOO_BIG;   /* the message stays outstanding */
        } else {
            RemoveEntryList(&msg->QueueLink);
            InitializeListHead(&msg->QueueLink);
            RtlCopyMemory(msg->Data, reply + 1, reply->OutputSize);
            MH_STAT_INC(&Host->Stats, AgentAnswers);
            signal += MhMessageAnsweredLocked(Host, msg, reply->Status, reply->OutputSize, MH_ANSWER_AGENT);
            result = STATUS_SUCCESS;
        }
        offset += reply->RecordSize;
        if (OutputLength != 0) {
            resultOut[i] = result;
        }
    }
    MhStatMax(MH_STAT_PTR(&Host->Stats, ReplyBatchMax), count);
    KeReleaseSpinLock(&Host->Lock, irql);
    MhSignalCallbacks(Host, signal);

    if (OutputLength != 0) {
        *Information = (ULONG_PTR)count * sizeof(LONG);
    }
    return STATUS_SUCCESS;
}

_Use_decl_annotations_
ULONG MhAgentStopSessionLocked(PMH_HOST Host, PMH_HOST_CONTEXT Ctx)
{
    PLIST_ENTRY entry, next;
    ULONG signal = 0;

    Ctx->Session = MhSessionStopped;
    while (!IsListEmpty(&Ctx->Held)) {
        signal += MhMessageDropLocked(Host, CONTAINING_RECORD(Ctx->Held.Flink, MH_HOST_MESSAGE, QueueLink),
                                      MH_STATUS_SESSION_DROPPED);
    }
    for (entry = Host->AgentQueue.Flink; entry != &Host->AgentQueue; entry = next) {
        PMH_HOST_MESSAGE msg = CONTAINING_RECORD(entry, MH_HOST_MESSAGE, QueueLink);
        next = entry->Flink;
        if (msg->Context == Ctx) {
            signal += MhMessageDropLocked(Host, msg, MH_STATUS_SESSION_DROPPED);
        }
    }
    return signal;
}

/*++
Routine Description:
    StartMiracastSession / StopMiracastSession for a context, from the agent. Start delivers the
    messages held for it; stop drops the ones not yet delivered (the agent may still answer the
    ones it already has) and ends the session's chunk reader.
--*/
NTSTATUS MhHostAgentSession(PMH_HOST Host, MH_OWNER Owner, ULONG64 ContextId, ULONG Action)
{
    PMH_HOST_CONTEXT ctx;
    NTSTATUS status = STATUS_SUCCESS;
    BOOLEAN queued = FALSE;
    ULONG signal = 0;
    KIRQL irql;

    if (Action != MH_SESSION_START && Action != MH_SESSION_STOP) {
        return STATUS_INVALID_PARAMETER;
    }
    KeAcquireSpinLock(&Host->Lock, &irql);
    ctx = MhContextFindLocked(Host, ContextId);
    if (!MhAgentIsLocked(Host, Owner)) {
        status = MH_STATUS_NOT_AGENT;
    } else if (ctx == NULL || ctx->Creating || ctx->Closing) {
        status = MH_STATUS_UNKNOWN_CONTEXT;
    } else if (Action == MH_SESSION_START) {
        if (ctx->Session == MhSessionStarted) {
            status = MH_STATUS_SESSION_ACTIVE;
        } else if (ctx->Session == MhSessionStopped) {
            status = MH_STATUS_SESSION_STATE;
        } else {
            ctx->Session = MhSessionStarted;
            while (!IsListEmpty(&ctx->Held)) {
                PMH_HOST_MESSAGE msg = CONTAINING_RECORD(RemoveHeadList(&ctx->Held), MH_HOST_MESSAGE, QueueLink);
                MhMessageSetStateLocked(Host, msg, MhMsgQueued);
                InsertTailList(&Host->AgentQueue, &msg->QueueLink);
                queued = TRUE;
            }
        }
    } else if (ctx->Session != MhSessionStarted) {
        status = MH_STATUS_SESSION_STATE;
    } else {
        /* A read already waiting goes on waiting [OBS]: GetNextChunkData checks the session's
           state on entry, and the UMD ends a wait at Stop with its own additional event
           (STATUS_WAIT_n); DestroyContext ends it in any case. */
        signal = MhAgentStopSessionLocked(Host, ctx);
    }
    KeReleaseSpinLock(&Host->Lock, irql);
    if (queued) {
        Host->Events.AgentMessagesQueued(Host->Events.Context);
    }
    MhSignalCallbacks(Host, signal);
    MhTrace(Host, MH_TRACE_SESSION, Action, status, ContextId, 0, 0, 0);
    return status;
}

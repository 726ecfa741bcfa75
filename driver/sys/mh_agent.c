/*++

Module Name:

    mh_agent.c

Abstract:

    The agent: a user-mode process that plays the Miracast user-mode driver. It attaches over the
    control device, receives messages through pended receive IRPs (as many per IRP as are queued
    and fit: the inverted call), answers them in batches (HandleKernelModeMessage's status and
    bytes), and starts and stops sessions (StartMiracastSession / StopMiracastSession).

    Session rules (miracast-ddi.md 3.1, 4.2):
      - a message sent before its session starts is held, and delivered when it starts;
      - a message sent during or after stop is dropped: its callback gets MH_STATUS_SESSION_DROPPED;
      - in automatic mode (the default) every context's session is started while the agent is attached.
    When the agent detaches or its handle goes away, every message it held, had queued or had
    received without answering completes with MH_STATUS_AGENT_GONE; later sends fail at once.

    Nothing here blocks: these run on the dispatch path (a single thread under Wine).

Environment:

    Kernel mode, IRQL <= DISPATCH_LEVEL.

--*/

#include "mh_host.h"

/* Copies as many queued messages as fit into a receive buffer; Dev->Lock held. */
static ULONG MhAgentFillLocked(PMH_DEVICE Dev, PUCHAR Buffer, ULONG Length)
{
    MH_RECEIVE_HEADER *header = (MH_RECEIVE_HEADER *)Buffer;
    ULONG offset = sizeof(MH_RECEIVE_HEADER);
    ULONG count = 0;

    while (!IsListEmpty(&Dev->AgentQueue)) {
        PMH_HOST_MESSAGE msg = CONTAINING_RECORD(Dev->AgentQueue.Flink, MH_HOST_MESSAGE, QueueLink);
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
        MhMessageSetStateLocked(Dev, msg, MhMsgDelivered);
        InsertTailList(&Dev->Delivered, &msg->QueueLink);
        offset += record;
        count++;
        MhTrace(Dev, MH_TRACE_DELIVER, 0, STATUS_SUCCESS, msg->ContextId, msg->Id, count, 0);
    }
    header->Count = count;
    header->BytesUsed = offset;
    MH_STAT_INC(Dev, ReceiveCompletions);
    MhStatMax(MH_STAT_PTR(Dev, ReceiveBatchMax), count);
    return offset;
}

VOID MhAgentServiceReceivesLocked(PMH_DEVICE Dev, PLIST_ENTRY Completions)
{
    while (!IsListEmpty(&Dev->AgentQueue)) {
        PIRP irp = MhIrpQueueRemoveHead(&Dev->ReceiveQueue);
        PIO_STACK_LOCATION sp;

        if (irp == NULL) {
            break;
        }
        sp = IoGetCurrentIrpStackLocation(irp);
        irp->IoStatus.Information = MhAgentFillLocked(Dev, (PUCHAR)irp->AssociatedIrp.SystemBuffer,
                                                      sp->Parameters.DeviceIoControl.OutputBufferLength);
        irp->IoStatus.Status = STATUS_SUCCESS;
        InsertTailList(Completions, &irp->Tail.Overlay.ListEntry);
    }
}

VOID MhAgentCompleteReceives(PMH_DEVICE Dev, PLIST_ENTRY Completions)
{
    UNREFERENCED_PARAMETER(Dev);
    while (!IsListEmpty(Completions)) {
        PIRP irp = CONTAINING_RECORD(RemoveHeadList(Completions), IRP, Tail.Overlay.ListEntry);
        IoCompleteRequest(irp, IO_NO_INCREMENT);
    }
}

ULONG MhAgentRouteLocked(PMH_DEVICE Dev, PMH_HOST_MESSAGE Msg, PLIST_ENTRY Completions)
{
    PMH_HOST_CONTEXT ctx = Msg->Context;

    switch (ctx->Session) {
    case MhSessionStarted:
        MhMessageSetStateLocked(Dev, Msg, MhMsgQueued);
        InsertTailList(&Dev->AgentQueue, &Msg->QueueLink);
        MhAgentServiceReceivesLocked(Dev, Completions);
        return 0;
    case MhSessionNotStarted:
        MhMessageSetStateLocked(Dev, Msg, MhMsgHeld);
        InsertTailList(&ctx->Held, &Msg->QueueLink);
        return 0;
    default:
        MH_STAT_INC(Dev, MessagesDropped);
        return MhMessageAnsweredLocked(Dev, Msg, MH_STATUS_SESSION_DROPPED, 0, MH_ANSWER_DROPPED);
    }
}

NTSTATUS MhAgentAttach(PMH_DEVICE Dev, PMH_FILE File, ULONG Flags)
{
    NTSTATUS status = STATUS_SUCCESS;
    PLIST_ENTRY entry;
    KIRQL irql;

    if ((Flags & ~MH_AGENT_MANUAL_SESSIONS) != 0) {
        return STATUS_INVALID_PARAMETER;
    }
    KeAcquireSpinLock(&Dev->Lock, &irql);
    if (Dev->Agent != NULL) {
        status = MH_STATUS_AGENT_TAKEN;
    } else {
        Dev->Agent = File;
        Dev->AgentFlags = Flags;
        if (!(Flags & MH_AGENT_MANUAL_SESSIONS)) {
            for (entry = Dev->Contexts.Flink; entry != &Dev->Contexts; entry = entry->Flink) {
                PMH_HOST_CONTEXT ctx = CONTAINING_RECORD(entry, MH_HOST_CONTEXT, Link);
                if (!ctx->Creating && !ctx->Closing && ctx->Session == MhSessionNotStarted) {
                    ctx->Session = MhSessionStarted;
                }
            }
        }
        InterlockedExchange64(MH_STAT_PTR(Dev, AgentAttached), 1);
    }
    KeReleaseSpinLock(&Dev->Lock, irql);
    MhTrace(Dev, MH_TRACE_AGENT, 1, status, 0, 0, Flags, File->ProcessId);
    return status;
}

/*++
Routine Description:
    Detaches the agent if File is the agent: drops every message it held, had queued or had in
    hand with MH_STATUS_AGENT_GONE, and completes its pending receive IRPs as cancelled.
Return Value:
    STATUS_SUCCESS, or MH_STATUS_NOT_AGENT when File is not the agent.
--*/
NTSTATUS MhAgentDetach(PMH_DEVICE Dev, PMH_FILE File)
{
    LIST_ENTRY receives;
    PLIST_ENTRY entry, next, ctxEntry;
    ULONG signal = 0;
    KIRQL irql;

    InitializeListHead(&receives);
    KeAcquireSpinLock(&Dev->Lock, &irql);
    if (Dev->Agent != File || File == NULL) {
        KeReleaseSpinLock(&Dev->Lock, irql);
        return MH_STATUS_NOT_AGENT;
    }
    Dev->Agent = NULL;
    Dev->AgentFlags = 0;
    for (ctxEntry = Dev->Contexts.Flink; ctxEntry != &Dev->Contexts; ctxEntry = ctxEntry->Flink) {
        PMH_HOST_CONTEXT ctx = CONTAINING_RECORD(ctxEntry, MH_HOST_CONTEXT, Link);
        for (entry = ctx->Held.Flink; entry != &ctx->Held; entry = next) {
            next = entry->Flink;
            signal += MhMessageDropLocked(Dev, CONTAINING_RECORD(entry, MH_HOST_MESSAGE, QueueLink),
                                          MH_STATUS_AGENT_GONE);
        }
        /* The next agent is a new UMD host: every session starts afresh, including one the
           departing agent stopped (it would otherwise drop that context's messages forever). */
        ctx->Session = MhSessionNotStarted;
    }
    for (entry = Dev->AgentQueue.Flink; entry != &Dev->AgentQueue; entry = next) {
        next = entry->Flink;
        signal += MhMessageDropLocked(Dev, CONTAINING_RECORD(entry, MH_HOST_MESSAGE, QueueLink),
                                      MH_STATUS_AGENT_GONE);
    }
    for (entry = Dev->Delivered.Flink; entry != &Dev->Delivered; entry = next) {
        next = entry->Flink;
        signal += MhMessageDropLocked(Dev, CONTAINING_RECORD(entry, MH_HOST_MESSAGE, QueueLink),
                                      MH_STATUS_AGENT_GONE);
    }
    MhIrpQueueRemoveForFile(&Dev->ReceiveQueue, File->FileObject, &receives);
    InterlockedExchange64(MH_STAT_PTR(Dev, AgentAttached), 0);
    KeReleaseSpinLock(&Dev->Lock, irql);

    MhIrpCompleteList(Dev, &receives, STATUS_CANCELLED);
    MhSignalCallbacks(Dev, signal);
    MhTrace(Dev, MH_TRACE_AGENT, 0, STATUS_SUCCESS, 0, 0, 0, File->ProcessId);
    return STATUS_SUCCESS;
}

/*++
Routine Description:
    An agent receive: completes at once with every queued message that fits, or pends until one
    arrives. The output buffer must hold the largest message (MH_RECEIVE_BUFFER_MIN).
Return Value:
    STATUS_SUCCESS with *Information set; STATUS_PENDING (queued); STATUS_CANCELLED (cancelled
    before it could be queued); MH_STATUS_NOT_AGENT; STATUS_BUFFER_TOO_SMALL.
--*/
NTSTATUS MhAgentReceive(PMH_DEVICE Dev, PMH_FILE File, PIRP Irp, PULONG_PTR Information)
{
    PIO_STACK_LOCATION sp = IoGetCurrentIrpStackLocation(Irp);
    ULONG length = sp->Parameters.DeviceIoControl.OutputBufferLength;
    NTSTATUS status;
    KIRQL irql;

    if (length < MH_RECEIVE_BUFFER_MIN) {
        return STATUS_BUFFER_TOO_SMALL;
    }
    KeAcquireSpinLock(&Dev->Lock, &irql);
    if (Dev->Agent != File) {
        status = MH_STATUS_NOT_AGENT;
    } else if (!IsListEmpty(&Dev->AgentQueue)) {
        *Information = MhAgentFillLocked(Dev, (PUCHAR)Irp->AssociatedIrp.SystemBuffer, length);
        status = STATUS_SUCCESS;
    } else {
        /* Queued under Dev->Lock so that a detach cannot slip between the check and the queue. */
        status = MhIrpQueueInsert(&Dev->ReceiveQueue, Irp, 0);
    }
    KeReleaseSpinLock(&Dev->Lock, irql);
    return status;
}

/*++
Routine Description:
    A batch of agent replies. The whole buffer is validated before any reply is applied; then each
    reply is applied on its own and its result written to the output (one LONG per reply) if the
    caller gave room for them.
Return Value:
    STATUS_SUCCESS when the batch was well formed (per-reply results in the output);
    STATUS_INVALID_PARAMETER for a malformed batch (nothing applied); MH_STATUS_NOT_AGENT;
    STATUS_BUFFER_TOO_SMALL when an output buffer is given but cannot hold every result.
--*/
NTSTATUS MhAgentReply(PMH_DEVICE Dev, PMH_FILE File, PVOID Buffer, ULONG InputLength,
                      ULONG OutputLength, PULONG_PTR Information)
{
    const MH_REPLY_HEADER *header = (const MH_REPLY_HEADER *)Buffer;
    PUCHAR base = (PUCHAR)Buffer;
    /* METHOD_BUFFERED: results overwrite the input in place. Result i (bytes 4i..4i+3) always lies
       before record i (which starts at byte 8 + 24i or later), so no unread input is overwritten. */
    LONG *resultOut = (LONG *)Buffer;
    ULONG offset, i, count;
    ULONG signal = 0;
    NTSTATUS status = STATUS_SUCCESS;
    MH_FAULT_SLOT fault;
    KIRQL irql;

    if (InputLength < sizeof(MH_REPLY_HEADER) || InputLength > MH_MAX_REPLY_BATCH_BYTES) {
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
        if (reply->OutputSize > MH_MAX_MESSAGE_BYTES || reply->Reserved != 0 ||
            reply->RecordSize != MH_ALIGN8((ULONG)sizeof(MH_AGENT_REPLY) + reply->OutputSize) ||
            reply->RecordSize > InputLength - offset) {
            return STATUS_INVALID_PARAMETER;
        }
        offset += reply->RecordSize;
    }

    KeAcquireSpinLock(&Dev->Lock, &irql);
    if (Dev->Agent != File) {
        KeReleaseSpinLock(&Dev->Lock, irql);
        return MH_STATUS_NOT_AGENT;
    }
    for (i = 0, offset = sizeof(MH_REPLY_HEADER); i < count; i++) {
        const MH_AGENT_REPLY *reply = (const MH_AGENT_REPLY *)(base + offset);
        PMH_HOST_MESSAGE msg = NULL;
        PLIST_ENTRY entry;
        LONG result;

        for (entry = Dev->Delivered.Flink; entry != &Dev->Delivered; entry = entry->Flink) {
            PMH_HOST_MESSAGE candidate = CONTAINING_RECORD(entry, MH_HOST_MESSAGE, QueueLink);
            if (candidate->Id == reply->MessageId) {
                msg = candidate;
                break;
            }
        }
        if (msg == NULL) {
            result = MH_STATUS_REPLY_UNKNOWN;
        } else if (MhFaultTake(Dev, MH_FAULT_REPLY_REFUSE, &fault)) {
            result = fault.Status;              /* the message stays outstanding */
            MhTrace(Dev, MH_TRACE_FAULT, MH_FAULT_REPLY_REFUSE, fault.Status, msg->ContextId, msg->Id, 0, 0);
        } else if (reply->OutputSize > msg->OutputSize) {
            result = MH_STATUS_REPLY_TOO_BIG;   /* the message stays outstanding */
        } else {
            RemoveEntryList(&msg->QueueLink);
            InitializeListHead(&msg->QueueLink);
            RtlCopyMemory(msg->Data, reply + 1, reply->OutputSize);
            MH_STAT_INC(Dev, AgentAnswers);
            signal += MhMessageAnsweredLocked(Dev, msg, reply->Status, reply->OutputSize, MH_ANSWER_AGENT);
            result = STATUS_SUCCESS;
        }
        offset += reply->RecordSize;
        if (OutputLength != 0) {
            resultOut[i] = result;
        }
    }
    MhStatMax(MH_STAT_PTR(Dev, ReplyBatchMax), count);
    KeReleaseSpinLock(&Dev->Lock, irql);
    MhSignalCallbacks(Dev, signal);

    if (OutputLength != 0) {
        *Information = (ULONG_PTR)count * sizeof(LONG);
    }
    return status;
}

/*++
Routine Description:
    StartMiracastSession / StopMiracastSession for a context, from the agent. Start delivers the
    messages held for it; stop drops the ones not yet delivered (the agent may still answer the
    ones it already has).
--*/
NTSTATUS MhAgentSession(PMH_DEVICE Dev, PMH_FILE File, ULONG64 ContextId, ULONG Action)
{
    PMH_HOST_CONTEXT ctx;
    LIST_ENTRY completions;
    PLIST_ENTRY entry, next;
    NTSTATUS status = STATUS_SUCCESS;
    ULONG signal = 0;
    KIRQL irql;

    if (Action != MH_SESSION_START && Action != MH_SESSION_STOP) {
        return STATUS_INVALID_PARAMETER;
    }
    InitializeListHead(&completions);
    KeAcquireSpinLock(&Dev->Lock, &irql);
    ctx = MhHostFindContextLocked(Dev, ContextId);
    if (Dev->Agent != File) {
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
                MhMessageSetStateLocked(Dev, msg, MhMsgQueued);
                InsertTailList(&Dev->AgentQueue, &msg->QueueLink);
            }
            MhAgentServiceReceivesLocked(Dev, &completions);
        }
    } else {
        if (ctx->Session != MhSessionStarted) {
            status = MH_STATUS_SESSION_STATE;
        } else {
            ctx->Session = MhSessionStopped;
            for (entry = Dev->AgentQueue.Flink; entry != &Dev->AgentQueue; entry = next) {
                PMH_HOST_MESSAGE msg = CONTAINING_RECORD(entry, MH_HOST_MESSAGE, QueueLink);
                next = entry->Flink;
                if (msg->Context == ctx) {
                    signal += MhMessageDropLocked(Dev, msg, MH_STATUS_SESSION_DROPPED);
                }
            }
        }
    }
    KeReleaseSpinLock(&Dev->Lock, irql);
    MhAgentCompleteReceives(Dev, &completions);
    MhSignalCallbacks(Dev, signal);
    MhTrace(Dev, MH_TRACE_SESSION, Action, status, ContextId, 0, 0, 0);
    return status;
}

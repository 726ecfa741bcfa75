/*++

Module Name:

    mh_messages.c

Abstract:

    Messages from the miniport to the user-mode driver: DxgkCbMiracastSendMessage as the host
    implements it, the pipeline a message goes through (held, queued for the agent, delivered,
    answered by the agent or the kernel responder, bent by the callback faults) and the one run of
    its DxgkCbMiracastSendMessageCallback; also DxgkCbReportChunkInfo, which only logs.
    The states and the locking are described in mh_host_state.h.

Environment:

    Kernel mode, IRQL <= DISPATCH_LEVEL; callbacks run at PASSIVE_LEVEL on host threads.

--*/

#include "mh_host_state.h"

/* ------------------------------------------------------------------ message pipeline */

static volatile LONG64 *MhGaugeFor(PMH_HOST Host, MH_MESSAGE_STATE State)
{
    switch (State) {
    case MhMsgHeld:           return MH_STAT_PTR(&Host->Stats, MessagesHeld);
    case MhMsgQueued:         return MH_STAT_PTR(&Host->Stats, MessagesQueued);
    case MhMsgDelivered:
    case MhMsgResponderTimer: return MH_STAT_PTR(&Host->Stats, MessagesDelivered);
    case MhMsgCallbackTimer:
    case MhMsgBatch:
    case MhMsgCallback:
    case MhMsgRunning:        return MH_STAT_PTR(&Host->Stats, MessagesAwaitingCallback);
    default:                  return NULL;
    }
}

VOID MhMessageSetStateLocked(PMH_HOST Host, PMH_HOST_MESSAGE Msg, MH_MESSAGE_STATE State)
{
    volatile LONG64 *from = MhGaugeFor(Host, Msg->State);
    volatile LONG64 *to = MhGaugeFor(Host, State);

    if (from != NULL) {
        InterlockedDecrement64(from);
    }
    if (to != NULL) {
        InterlockedIncrement64(to);
    }
    Msg->State = State;
}

ULONG MhMessageQueueCallbackLocked(PMH_HOST Host, PMH_HOST_MESSAGE Msg)
{
    MhMessageSetStateLocked(Host, Msg, MhMsgCallback);
    InsertTailList(&Host->CallbackQueue, &Msg->QueueLink);
    return 1;
}

ULONG MhReleaseBatchLocked(PMH_HOST Host)
{
    ULONG count = Host->BatchHeld;
    ULONG signal = 0;

    if (count == 0) {
        return 0;
    }
    if (Host->BatchKind == MH_FAULT_CALLBACK_REVERSE) {
        /* Newest first, one after the other: the timer thread runs the ordered queue in order. */
        while (!IsListEmpty(&Host->BatchHold)) {
            PMH_HOST_MESSAGE msg = CONTAINING_RECORD(RemoveTailList(&Host->BatchHold), MH_HOST_MESSAGE, QueueLink);
            MhMessageSetStateLocked(Host, msg, MhMsgCallback);
            InsertTailList(&Host->OrderedQueue, &msg->QueueLink);
        }
        KeReleaseSemaphore(&Host->TimerWake, IO_NO_INCREMENT, 1, FALSE);
    } else {
        /* At once, on several threads: the first workers meet at a barrier before calling back. */
        LONG target = (LONG)min(count, (ULONG)MH_CALLBACK_WORKERS);
        BOOLEAN rendezvous = (Host->Barrier.Arrived >= Host->Barrier.Target);
        LONG marked = 0;

        if (rendezvous) {
            Host->Barrier.Target = target;
            Host->Barrier.Arrived = 0;
            KeClearEvent(&Host->Barrier.Go);
        }
        while (!IsListEmpty(&Host->BatchHold)) {
            PMH_HOST_MESSAGE msg = CONTAINING_RECORD(RemoveHeadList(&Host->BatchHold), MH_HOST_MESSAGE, QueueLink);
            msg->Rendezvous = (rendezvous && marked < target);
            if (msg->Rendezvous) {
                marked++;
            }
            signal += MhMessageQueueCallbackLocked(Host, msg);
        }
    }
    Host->BatchHeld = 0;
    Host->BatchKind = MH_FAULT_NONE;
    return signal;
}

/* Holds an answered message for a batch fault; releases the batch once it is full. */
static ULONG MhBatchAddLocked(PMH_HOST Host, PMH_HOST_MESSAGE Msg, ULONG Kind, ULONG Target)
{
    if (Host->BatchHeld == 0) {
        Host->BatchKind = Kind;
        Host->BatchTarget = Target;
        /* The timer thread watches a held batch: if its fault expires before it fills, it goes out. */
        KeReleaseSemaphore(&Host->TimerWake, IO_NO_INCREMENT, 1, FALSE);
    }
    MhMessageSetStateLocked(Host, Msg, MhMsgBatch);
    InsertTailList(&Host->BatchHold, &Msg->QueueLink);
    Host->BatchHeld++;
    return (Host->BatchHeld >= Host->BatchTarget) ? MhReleaseBatchLocked(Host) : 0;
}

ULONG MhMessageAnsweredLocked(PMH_HOST Host, PMH_HOST_MESSAGE Msg, NTSTATUS Status,
                              ULONG_PTR Information, ULONG AnswerKind)
{
    MH_FAULT_SLOT fault;

    Msg->IoStatus.Status = Status;
    Msg->IoStatus.Information = Information;
    Msg->AnswerKind = AnswerKind;

    if (AnswerKind == MH_ANSWER_DROPPED) {
        /* The host's own error completions are not subject to callback faults. */
        return MhMessageQueueCallbackLocked(Host, Msg);
    }
    if (MhFaultTake(Host, MH_FAULT_CALLBACK_STATUS, &fault)) {
        Msg->IoStatus.Status = fault.Status;
        MhTrace(Host, MH_TRACE_FAULT, MH_FAULT_CALLBACK_STATUS, fault.Status, Msg->ContextId, Msg->Id, 0, 0);
    }
    if (MhFaultTake(Host, MH_FAULT_CALLBACK_DELAY, &fault)) {
        MhTrace(Host, MH_TRACE_FAULT, MH_FAULT_CALLBACK_DELAY, STATUS_SUCCESS, Msg->ContextId, Msg->Id, fault.Param, 0);
        MhTimerInsertLocked(Host, Msg, fault.Param, MhMsgCallbackTimer);
        return 0;
    }
    if (MhFaultTake(Host, MH_FAULT_CALLBACK_CONCURRENT, &fault)) {
        MhTrace(Host, MH_TRACE_FAULT, MH_FAULT_CALLBACK_CONCURRENT, STATUS_SUCCESS, Msg->ContextId, Msg->Id, fault.Param, 0);
        return MhBatchAddLocked(Host, Msg, MH_FAULT_CALLBACK_CONCURRENT, fault.Param);
    }
    if (MhFaultTake(Host, MH_FAULT_CALLBACK_REVERSE, &fault)) {
        MhTrace(Host, MH_TRACE_FAULT, MH_FAULT_CALLBACK_REVERSE, STATUS_SUCCESS, Msg->ContextId, Msg->Id, fault.Param, 0);
        return MhBatchAddLocked(Host, Msg, MH_FAULT_CALLBACK_REVERSE, fault.Param);
    }
    /* A batch whose fault ran out before it filled goes out with this message. */
    return MhMessageQueueCallbackLocked(Host, Msg) + MhReleaseBatchLocked(Host);
}

ULONG MhMessageDropLocked(PMH_HOST Host, PMH_HOST_MESSAGE Msg, NTSTATUS Status)
{
    RemoveEntryList(&Msg->QueueLink);
    InitializeListHead(&Msg->QueueLink);
    MH_STAT_INC(&Host->Stats, MessagesDropped);
    return MhMessageAnsweredLocked(Host, Msg, Status, 0, MH_ANSWER_DROPPED);
}

/*++
Routine Description:
    Count messages were queued on CallbackQueue: wakes as many idle callback workers, at most. A
    worker runs callbacks until the queue is empty before it waits (MhCallbackWorker), so a busy
    worker needs no wake-up: under a storm the callbacks of many messages cost one wake-up, not one
    each (under Wine each KeReleaseSemaphore and each wait is a wineserver round trip). A worker
    counts itself idle under Lock in the same section that found the queue empty, and the messages
    were queued before this runs, so each message either meets a running worker or wakes one.
--*/
VOID MhSignalCallbacks(PMH_HOST Host, ULONG Count)
{
    ULONG wake;
    KIRQL irql;

    if (Count == 0) {
        return;
    }
    KeAcquireSpinLock(&Host->Lock, &irql);
    if (Host->CallbackHolds != 0) {
        Host->CallbackHeldWakes += Count;   /* a batch is being applied: woken at its end (MhHostReleaseCallbackWakes) */
        KeReleaseSpinLock(&Host->Lock, irql);
        return;
    }
    wake = min(Count, Host->CallbackIdle);
    Host->CallbackIdle -= wake;
    KeReleaseSpinLock(&Host->Lock, irql);
    if (wake != 0) {
        MH_STAT_ADD(&Host->Stats, CallbackWakes, wake);
        KeReleaseSemaphore(&Host->CallbackSemaphore, IO_NO_INCREMENT, (LONG)wake, FALSE);
    }
}

_Use_decl_annotations_
VOID MhHostHoldCallbackWakes(PMH_HOST Host)
{
    KIRQL irql;

    KeAcquireSpinLock(&Host->Lock, &irql);
    Host->CallbackHolds++;
    KeReleaseSpinLock(&Host->Lock, irql);
}

_Use_decl_annotations_
VOID MhHostReleaseCallbackWakes(PMH_HOST Host)
{
    ULONG held = 0;
    KIRQL irql;

    KeAcquireSpinLock(&Host->Lock, &irql);
    if (--Host->CallbackHolds == 0) {
        held = Host->CallbackHeldWakes;
        Host->CallbackHeldWakes = 0;
    }
    KeReleaseSpinLock(&Host->Lock, irql);
    MhSignalCallbacks(Host, held);
}

/*++
Routine Description:
    Runs a message's DxgkCbMiracastSendMessageCallback, exactly once, at PASSIVE_LEVEL, then frees
    the message. As dxgkrnl does: the answer bytes are copied into the miniport's output buffer
    first, and the IO_STATUS_BLOCK handed over lives on this stack, valid only during the call.
--*/
VOID MhRunCallback(PMH_HOST Host, PMH_HOST_MESSAGE Msg)
{
    IO_STATUS_BLOCK iosb;
    ULONG produced;
    KIRQL irql;

    if (Msg->Rendezvous) {
        LARGE_INTEGER timeout;
        timeout.QuadPart = MH_RELATIVE_MS(2000);
        if (InterlockedIncrement(&Host->Barrier.Arrived) >= Host->Barrier.Target) {
            KeSetEvent(&Host->Barrier.Go, IO_NO_INCREMENT, FALSE);
        } else {
            KeWaitForSingleObject(&Host->Barrier.Go, Executive, KernelMode, FALSE, &timeout);
        }
    }

    produced = (Msg->IoStatus.Information < Msg->OutputSize) ? (ULONG)Msg->IoStatus.Information : Msg->OutputSize;
    if (Msg->OutputSize != 0 && Msg->MiniportOutput != NULL && MhTrackerIsFreed(Msg->MiniportOutput)) {
        /* The miniport freed its buffer before its callback: copying the answer would write into
           freed pool. Driver Verifier's special pool would stop the system here; the host says so. */
        MhViolation(Host, MH_VIOLATION_FREED_BEFORE_CALLBACK, Msg->ContextId, Msg->OutputSize, 0);
    } else if (produced != 0 && Msg->MiniportOutput != NULL) {
        RtlCopyMemory(Msg->MiniportOutput, Msg->Data, produced);
    }
    iosb = Msg->IoStatus;
    MhTrace(Host, MH_TRACE_CALLBACK, Msg->AnswerKind, iosb.Status, Msg->ContextId, Msg->Id, iosb.Information, 0);
    if (Msg->Callback != NULL) {
        Msg->Callback(Msg->CallbackContext, &iosb);
        MH_STAT_INC(&Host->Stats, CallbacksRun);
    }
    MH_STAT_DEC(&Host->Stats, MiniportBlocks);

    KeAcquireSpinLock(&Host->Lock, &irql);
    MhMessageSetStateLocked(Host, Msg, (MH_MESSAGE_STATE)0);
    RemoveEntryList(&Msg->ContextLink);
    Msg->Context->MessageCount--;
    MhContextCheckDrainedLocked(Msg->Context);
    KeReleaseSpinLock(&Host->Lock, irql);

    MhFree(Host, MhPoolHostMessage, Msg);
}

/* ------------------------------------------------------------------ the callbacks table */

/*++
Routine Description:
    DxgkCbMiracastSendMessage, as the host implements it. Validates the handle, copies the input
    (dxgkrnl copies it at send time), and routes the message: the kernel responder when it is
    enabled, otherwise the agent; with neither it fails at once with STATUS_DEVICE_REMOVED and no
    callback. Any failure here means no callback will ever come for this message.
Return Value:
    STATUS_PENDING when the message was taken; the callback then runs exactly once, possibly
    before this routine returns.
--*/
NTSTATUS MhCbMiracastSendMessage(HANDLE MiracastHandle, ULONG InputBufferSize, VOID *pInputBuffer,
                                 ULONG OutputBufferSize, VOID *pOutputBuffer,
                                 DXGKCB_MIRACAST_SEND_MESSAGE_CALLBACK pCallback, PVOID pCallbackContext)
{
    PMH_HOST host = g_MhHost;
    PMH_HOST_MESSAGE msg = NULL;
    PMH_HOST_CONTEXT ctx;
    MH_FAULT_SLOT fault;
    BOOLEAN inlineAnswer = FALSE;
    NTSTATUS inlineStatus = STATUS_SUCCESS;
    NTSTATUS status = STATUS_PENDING;
    BOOLEAN queued = FALSE;
    ULONG signal = 0;
    ULONG64 contextId = 0;
    SIZE_T bytes;
    KIRQL irql;

    if (InputBufferSize > MH_MAX_MESSAGE_BYTES || OutputBufferSize > MH_MAX_MESSAGE_BYTES) {
        status = STATUS_INVALID_BUFFER_SIZE;
        goto Fail;
    }
    if ((InputBufferSize != 0 && pInputBuffer == NULL) || (OutputBufferSize != 0 && pOutputBuffer == NULL)) {
        status = STATUS_INVALID_PARAMETER;
        goto Fail;
    }
    if (MhFaultTake(host, MH_FAULT_SEND_FAIL, &fault)) {
        status = fault.Status;
        MhTrace(host, MH_TRACE_FAULT, MH_FAULT_SEND_FAIL, status, 0, 0, 0, 0);
        goto Fail;
    }
    bytes = FIELD_OFFSET(MH_HOST_MESSAGE, Data) + max(max(InputBufferSize, OutputBufferSize), 1);
    msg = (PMH_HOST_MESSAGE)MhAlloc(host, MhPoolHostMessage, bytes);
    if (msg == NULL) {
        status = STATUS_NO_MEMORY;
        goto Fail;
    }
    InitializeListHead(&msg->QueueLink);
    msg->InputSize = InputBufferSize;
    msg->OutputSize = OutputBufferSize;
    msg->MiniportOutput = pOutputBuffer;
    msg->Callback = pCallback;
    msg->CallbackContext = pCallbackContext;
    if (InputBufferSize != 0) {
        RtlCopyMemory(msg->Data, pInputBuffer, InputBufferSize);
    }
    inlineAnswer = MhFaultTake(host, MH_FAULT_CALLBACK_INLINE, &fault);
    inlineStatus = fault.Status;

    KeAcquireSpinLock(&host->Lock, &irql);
    ctx = MhContextFromHandleLocked(host, MiracastHandle);
    if (ctx == NULL || ctx->Creating || ctx->Closing) {
        status = MH_STATUS_STALE_HANDLE;
    } else if (!host->Responder.Enabled && host->Agent == NULL && !inlineAnswer) {
        status = MH_STATUS_NO_HOST;
        contextId = ctx->Id;
    }
    if (status != STATUS_PENDING) {
        KeReleaseSpinLock(&host->Lock, irql);
        goto Fail;
    }
    contextId = ctx->Id;
    msg->Id = ++host->NextMessageId;
    msg->Context = ctx;
    msg->ContextId = ctx->Id;
    InsertTailList(&ctx->Messages, &msg->ContextLink);
    ctx->MessageCount++;
    MH_STAT_INC(&host->Stats, MessagesTotal);
    MH_STAT_INC(&host->Stats, MiniportBlocks);
    MhTrace(host, MH_TRACE_SEND, 0, STATUS_PENDING, contextId, msg->Id, InputBufferSize, OutputBufferSize);

    if (inlineAnswer) {
        MhTrace(host, MH_TRACE_FAULT, MH_FAULT_CALLBACK_INLINE, inlineStatus, contextId, msg->Id, 0, 0);
        msg->IoStatus.Status = inlineStatus;
        msg->IoStatus.Information = min(InputBufferSize, OutputBufferSize);
        msg->AnswerKind = MH_ANSWER_INLINE;
        MhMessageSetStateLocked(host, msg, MhMsgRunning);
    } else if (host->Responder.Enabled) {
        /* The responder echoes: the input already sits at the start of Data. */
        msg->IoStatus.Status = host->Responder.Status;
        msg->IoStatus.Information = min(InputBufferSize, OutputBufferSize);
        MH_STAT_INC(&host->Stats, ResponderAnswers);
        if (host->Responder.DelayMs == 0) {
            signal = MhMessageAnsweredLocked(host, msg, msg->IoStatus.Status, msg->IoStatus.Information,
                                             MH_ANSWER_RESPONDER);
        } else {
            MhTimerInsertLocked(host, msg, host->Responder.DelayMs, MhMsgResponderTimer);
        }
    } else {
        signal = MhAgentRouteLocked(host, msg, &queued);
    }
    KeReleaseSpinLock(&host->Lock, irql);

    if (queued) {
        host->Events.AgentMessagesQueued(host->Events.Context);
    }
    MhSignalCallbacks(host, signal);
    if (inlineAnswer) {
        /* "DxgkCbMiracastSendMessageCallback may return before DxgkCbMiracastSendMessage returns." */
        MhRunCallback(host, msg);
    }
    return STATUS_PENDING;

Fail:
    MhFree(host, MhPoolHostMessage, msg);
    MH_STAT_INC(&host->Stats, SendFailures);
    MhTrace(host, MH_TRACE_SEND, 0, status, contextId, 0, InputBufferSize, OutputBufferSize);
    return status;
}

/*++
Routine Description:
    DxgkCbReportChunkInfo: only logs (the documentation says it takes no other action).
    pPrivateDriverData must be NULL and PrivateDataDriverSize 0.
--*/
NTSTATUS MhCbReportChunkInfo(HANDLE MiracastHandle, DXGK_MIRACAST_CHUNK_INFO *pChunkInfo,
                             PVOID pPrivateDriverData, UINT PrivateDataDriverSize)
{
    PMH_HOST host = g_MhHost;
    PMH_HOST_CONTEXT ctx;
    ULONG64 contextId = 0;
    NTSTATUS status = STATUS_SUCCESS;
    KIRQL irql;

    KeAcquireSpinLock(&host->Lock, &irql);
    ctx = MhContextFromHandleLocked(host, MiracastHandle);
    if (ctx == NULL || ctx->Creating || ctx->Closing) {
        status = MH_STATUS_STALE_HANDLE;
    } else {
        contextId = ctx->Id;
    }
    KeReleaseSpinLock(&host->Lock, irql);

    if (NT_SUCCESS(status) && (pChunkInfo == NULL || pPrivateDriverData != NULL || PrivateDataDriverSize != 0)) {
        status = STATUS_INVALID_PARAMETER;
    }
    MhTrace(host, MH_TRACE_CHUNK, 0, status, contextId, 0,
            pChunkInfo ? (ULONG64)(ULONG)pChunkInfo->ChunkType : 0, PrivateDataDriverSize);
    return status;
}

/* Completes every message of a closing context that has no answer yet with
   MH_STATUS_CONTEXT_DESTROYED, and sends answered ones on to their callbacks now. */
ULONG MhMessagesDrainContextLocked(PMH_HOST Host, PMH_HOST_CONTEXT Ctx)
{
    PLIST_ENTRY entry, next;
    ULONG signal = 0;

    for (entry = Ctx->Messages.Flink; entry != &Ctx->Messages; entry = next) {
        PMH_HOST_MESSAGE msg = CONTAINING_RECORD(entry, MH_HOST_MESSAGE, ContextLink);
        next = entry->Flink;
        switch (msg->State) {
        case MhMsgHeld:
        case MhMsgQueued:
        case MhMsgDelivered:
        case MhMsgResponderTimer:
            signal += MhMessageDropLocked(Host, msg, MH_STATUS_CONTEXT_DESTROYED);
            break;
        case MhMsgCallbackTimer:
            RemoveEntryList(&msg->QueueLink);
            signal += MhMessageQueueCallbackLocked(Host, msg);
            break;
        case MhMsgBatch:
            RemoveEntryList(&msg->QueueLink);
            Host->BatchHeld--;
            signal += MhMessageQueueCallbackLocked(Host, msg);
            break;
        default:
            break;  /* its callback is queued or running */
        }
    }
    MhContextCheckDrainedLocked(Ctx);
    return signal;
}

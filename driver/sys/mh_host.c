/*++

Module Name:

    mh_host.c

Abstract:

    The host's DDI paths, its callbacks table and the message pipeline (see mh_host.h).

Environment:

    Kernel mode.

--*/

#include "mh_host.h"
#include "mh_pool.h"

/* ------------------------------------------------------------------ synchronization */

typedef struct _MH_DDI_LOCK {
    BOOLEAN Bypass;
    BOOLEAN Level3;
} MH_DDI_LOCK;

/*++
Routine Description:
    Takes dxgkrnl's synchronization for a DDI call: second level for the Miracast class (one of
    CreateContext/DestroyContext/IoControl at a time) or third level (QueryCaps, HardwareAccess
    IoControl: nothing else inside). Both are the DDI lock here (see MH_DEVICE.DdiLock); the level
    is recorded for the trace and the miniport's checks. The LOCK_BYPASS fault skips it on purpose.
--*/
static VOID MhDdiLock(PMH_DEVICE Dev, BOOLEAN Level3, MH_DDI_LOCK *Lock)
{
    MH_FAULT_SLOT fault;

    Lock->Level3 = Level3;
    Lock->Bypass = MhFaultTake(Dev, MH_FAULT_LOCK_BYPASS, &fault);
    if (Lock->Bypass) {
        MhTrace(Dev, MH_TRACE_FAULT, MH_FAULT_LOCK_BYPASS, STATUS_SUCCESS, 0, 0, Level3, 0);
        return;
    }
    KeWaitForSingleObject(&Dev->DdiLock, Executive, KernelMode, FALSE, NULL);
}

static VOID MhDdiUnlock(PMH_DEVICE Dev, const MH_DDI_LOCK *Lock)
{
    if (!Lock->Bypass) {
        KeReleaseSemaphore(&Dev->DdiLock, IO_NO_INCREMENT, 1, FALSE);
    }
}

static VOID MhDdiBegin(PMH_DEVICE Dev, ULONG Ddi, ULONG64 ContextId, ULONG64 Arg0, ULONG64 Arg1)
{
    MH_STAT_INC(Dev, DdiCalls);
    MH_STAT_INC(Dev, DdiInside);
    MhTrace(Dev, MH_TRACE_DDI_ENTER, Ddi, STATUS_SUCCESS, ContextId, 0, Arg0, Arg1);
}

static VOID MhDdiEnd(PMH_DEVICE Dev, ULONG Ddi, ULONG64 ContextId, NTSTATUS Status, ULONG64 Arg0)
{
    MhTrace(Dev, MH_TRACE_DDI_EXIT, Ddi, Status, ContextId, 0, Arg0, 0);
    MH_STAT_DEC(Dev, DdiInside);
}

/* ------------------------------------------------------------------ contexts */

PMH_HOST_CONTEXT MhHostFindContextLocked(PMH_DEVICE Dev, ULONG64 ContextId)
{
    PLIST_ENTRY entry;

    for (entry = Dev->Contexts.Flink; entry != &Dev->Contexts; entry = entry->Flink) {
        PMH_HOST_CONTEXT ctx = CONTAINING_RECORD(entry, MH_HOST_CONTEXT, Link);
        if (ctx->Id == ContextId) {
            return ctx;
        }
    }
    return NULL;
}

/* A MiracastHandle is the host context's address; it is trusted only once found in the list. */
static PMH_HOST_CONTEXT MhHostContextFromHandleLocked(PMH_DEVICE Dev, HANDLE MiracastHandle)
{
    PLIST_ENTRY entry;

    for (entry = Dev->Contexts.Flink; entry != &Dev->Contexts; entry = entry->Flink) {
        PMH_HOST_CONTEXT ctx = CONTAINING_RECORD(entry, MH_HOST_CONTEXT, Link);
        if ((HANDLE)ctx == MiracastHandle) {
            return (ctx->Signature == MH_CONTEXT_SIGNATURE) ? ctx : NULL;
        }
    }
    return NULL;
}

static VOID MhContextCheckDrainedLocked(PMH_HOST_CONTEXT Ctx)
{
    if (Ctx->Closing && Ctx->References == 0 && Ctx->MessageCount == 0) {
        KeSetEvent(&Ctx->Drained, IO_NO_INCREMENT, FALSE);
    }
}

/* A context the caller may use: known, live, and the caller's (Caller NULL: the host itself).
   Dev->Lock held. */
static NTSTATUS MhHostUsableContextLocked(PMH_DEVICE Dev, PMH_FILE Caller, ULONG64 ContextId,
                                          PMH_HOST_CONTEXT *Out)
{
    PMH_HOST_CONTEXT ctx = MhHostFindContextLocked(Dev, ContextId);

    if (ctx == NULL || ctx->Creating || ctx->Closing) {
        return MH_STATUS_UNKNOWN_CONTEXT;
    }
    if (Caller != NULL && ctx->Owner != Caller) {
        return MH_STATUS_NOT_OWNER;
    }
    *Out = ctx;
    return STATUS_SUCCESS;
}

/* Looks up a context the caller may use and takes a reference on it. */
static NTSTATUS MhHostReferenceContext(PMH_DEVICE Dev, PMH_FILE Caller, ULONG64 ContextId,
                                       PMH_HOST_CONTEXT *Out)
{
    NTSTATUS status;
    KIRQL irql;

    KeAcquireSpinLock(&Dev->Lock, &irql);
    status = MhHostUsableContextLocked(Dev, Caller, ContextId, Out);
    if (NT_SUCCESS(status)) {
        (*Out)->References++;
    }
    KeReleaseSpinLock(&Dev->Lock, irql);
    return status;
}

static VOID MhHostReleaseContext(PMH_DEVICE Dev, PMH_HOST_CONTEXT Ctx)
{
    KIRQL irql;

    KeAcquireSpinLock(&Dev->Lock, &irql);
    Ctx->References--;
    MhContextCheckDrainedLocked(Ctx);
    KeReleaseSpinLock(&Dev->Lock, irql);
}

/* ------------------------------------------------------------------ message pipeline */

static volatile LONG64 *MhGaugeFor(PMH_DEVICE Dev, MH_MESSAGE_STATE State)
{
    switch (State) {
    case MhMsgHeld:           return MH_STAT_PTR(Dev, MessagesHeld);
    case MhMsgQueued:         return MH_STAT_PTR(Dev, MessagesQueued);
    case MhMsgDelivered:
    case MhMsgResponderTimer: return MH_STAT_PTR(Dev, MessagesDelivered);
    case MhMsgCallbackTimer:
    case MhMsgBatch:
    case MhMsgCallback:
    case MhMsgRunning:        return MH_STAT_PTR(Dev, MessagesAwaitingCallback);
    default:                  return NULL;
    }
}

VOID MhMessageSetStateLocked(PMH_DEVICE Dev, PMH_HOST_MESSAGE Msg, MH_MESSAGE_STATE State)
{
    volatile LONG64 *from = MhGaugeFor(Dev, Msg->State);
    volatile LONG64 *to = MhGaugeFor(Dev, State);

    if (from != NULL) {
        InterlockedDecrement64(from);
    }
    if (to != NULL) {
        InterlockedIncrement64(to);
    }
    Msg->State = State;
}

static ULONG MhQueueCallbackLocked(PMH_DEVICE Dev, PMH_HOST_MESSAGE Msg)
{
    MhMessageSetStateLocked(Dev, Msg, MhMsgCallback);
    InsertTailList(&Dev->CallbackQueue, &Msg->QueueLink);
    return 1;
}

ULONG MhReleaseBatchLocked(PMH_DEVICE Dev)
{
    ULONG count = Dev->BatchHeld;
    ULONG signal = 0;

    if (count == 0) {
        return 0;
    }
    if (Dev->BatchKind == MH_FAULT_CALLBACK_REVERSE) {
        /* Newest first, one after the other: the timer thread runs the ordered queue in order. */
        while (!IsListEmpty(&Dev->BatchHold)) {
            PMH_HOST_MESSAGE msg = CONTAINING_RECORD(RemoveTailList(&Dev->BatchHold), MH_HOST_MESSAGE, QueueLink);
            MhMessageSetStateLocked(Dev, msg, MhMsgCallback);
            InsertTailList(&Dev->OrderedQueue, &msg->QueueLink);
        }
        KeReleaseSemaphore(&Dev->TimerWake, IO_NO_INCREMENT, 1, FALSE);
    } else {
        /* At once, on several threads: the first workers meet at a barrier before calling back. */
        LONG target = (LONG)min(count, (ULONG)MH_CALLBACK_WORKERS);
        BOOLEAN rendezvous = (Dev->Barrier.Arrived >= Dev->Barrier.Target);
        LONG marked = 0;

        if (rendezvous) {
            Dev->Barrier.Target = target;
            Dev->Barrier.Arrived = 0;
            KeClearEvent(&Dev->Barrier.Go);
        }
        while (!IsListEmpty(&Dev->BatchHold)) {
            PMH_HOST_MESSAGE msg = CONTAINING_RECORD(RemoveHeadList(&Dev->BatchHold), MH_HOST_MESSAGE, QueueLink);
            msg->Rendezvous = (rendezvous && marked < target);
            if (msg->Rendezvous) {
                marked++;
            }
            signal += MhQueueCallbackLocked(Dev, msg);
        }
    }
    Dev->BatchHeld = 0;
    Dev->BatchKind = MH_FAULT_NONE;
    return signal;
}

/* Holds an answered message for a batch fault; releases the batch once it is full. */
static ULONG MhBatchAddLocked(PMH_DEVICE Dev, PMH_HOST_MESSAGE Msg, ULONG Kind, ULONG Target)
{
    if (Dev->BatchHeld == 0) {
        Dev->BatchKind = Kind;
        Dev->BatchTarget = Target;
        /* The timer thread watches a held batch: if its fault expires before it fills, it goes out. */
        KeReleaseSemaphore(&Dev->TimerWake, IO_NO_INCREMENT, 1, FALSE);
    }
    MhMessageSetStateLocked(Dev, Msg, MhMsgBatch);
    InsertTailList(&Dev->BatchHold, &Msg->QueueLink);
    Dev->BatchHeld++;
    return (Dev->BatchHeld >= Dev->BatchTarget) ? MhReleaseBatchLocked(Dev) : 0;
}

ULONG MhMessageAnsweredLocked(PMH_DEVICE Dev, PMH_HOST_MESSAGE Msg, NTSTATUS Status,
                              ULONG_PTR Information, ULONG AnswerKind)
{
    MH_FAULT_SLOT fault;

    Msg->IoStatus.Status = Status;
    Msg->IoStatus.Information = Information;
    Msg->AnswerKind = AnswerKind;

    if (AnswerKind == MH_ANSWER_DROPPED) {
        /* The host's own error completions are not subject to callback faults. */
        return MhQueueCallbackLocked(Dev, Msg);
    }
    if (MhFaultTake(Dev, MH_FAULT_CALLBACK_STATUS, &fault)) {
        Msg->IoStatus.Status = fault.Status;
        MhTrace(Dev, MH_TRACE_FAULT, MH_FAULT_CALLBACK_STATUS, fault.Status, Msg->ContextId, Msg->Id, 0, 0);
    }
    if (MhFaultTake(Dev, MH_FAULT_CALLBACK_DELAY, &fault)) {
        MhTrace(Dev, MH_TRACE_FAULT, MH_FAULT_CALLBACK_DELAY, STATUS_SUCCESS, Msg->ContextId, Msg->Id, fault.Param, 0);
        MhTimerInsertLocked(Dev, Msg, fault.Param, MhMsgCallbackTimer);
        return 0;
    }
    if (MhFaultTake(Dev, MH_FAULT_CALLBACK_CONCURRENT, &fault)) {
        MhTrace(Dev, MH_TRACE_FAULT, MH_FAULT_CALLBACK_CONCURRENT, STATUS_SUCCESS, Msg->ContextId, Msg->Id, fault.Param, 0);
        return MhBatchAddLocked(Dev, Msg, MH_FAULT_CALLBACK_CONCURRENT, fault.Param);
    }
    if (MhFaultTake(Dev, MH_FAULT_CALLBACK_REVERSE, &fault)) {
        MhTrace(Dev, MH_TRACE_FAULT, MH_FAULT_CALLBACK_REVERSE, STATUS_SUCCESS, Msg->ContextId, Msg->Id, fault.Param, 0);
        return MhBatchAddLocked(Dev, Msg, MH_FAULT_CALLBACK_REVERSE, fault.Param);
    }
    /* A batch whose fault ran out before it filled goes out with this message. */
    return MhQueueCallbackLocked(Dev, Msg) + MhReleaseBatchLocked(Dev);
}

ULONG MhMessageDropLocked(PMH_DEVICE Dev, PMH_HOST_MESSAGE Msg, NTSTATUS Status)
{
    RemoveEntryList(&Msg->QueueLink);
    InitializeListHead(&Msg->QueueLink);
    MH_STAT_INC(Dev, MessagesDropped);
    return MhMessageAnsweredLocked(Dev, Msg, Status, 0, MH_ANSWER_DROPPED);
}

VOID MhSignalCallbacks(PMH_DEVICE Dev, ULONG Count)
{
    if (Count != 0) {
        KeReleaseSemaphore(&Dev->CallbackSemaphore, IO_NO_INCREMENT, (LONG)Count, FALSE);
    }
}

/*++
Routine Description:
    Runs a message's DxgkCbMiracastSendMessageCallback, exactly once, at PASSIVE_LEVEL, then frees
    the message. As dxgkrnl does: the answer bytes are copied into the miniport's output buffer
    first, and the IO_STATUS_BLOCK handed over lives on this stack, valid only during the call.
--*/
VOID MhRunCallback(PMH_DEVICE Dev, PMH_HOST_MESSAGE Msg)
{
    IO_STATUS_BLOCK iosb;
    ULONG produced;
    KIRQL irql;

    if (Msg->Rendezvous) {
        LARGE_INTEGER timeout;
        timeout.QuadPart = MH_RELATIVE_MS(2000);
        if (InterlockedIncrement(&Dev->Barrier.Arrived) >= Dev->Barrier.Target) {
            KeSetEvent(&Dev->Barrier.Go, IO_NO_INCREMENT, FALSE);
        } else {
            KeWaitForSingleObject(&Dev->Barrier.Go, Executive, KernelMode, FALSE, &timeout);
        }
    }

    produced = (Msg->IoStatus.Information < Msg->OutputSize) ? (ULONG)Msg->IoStatus.Information : Msg->OutputSize;
    if (produced != 0 && Msg->MiniportOutput != NULL) {
        RtlCopyMemory(Msg->MiniportOutput, Msg->Data, produced);
    }
    iosb = Msg->IoStatus;
    MhTrace(Dev, MH_TRACE_CALLBACK, Msg->AnswerKind, iosb.Status, Msg->ContextId, Msg->Id, iosb.Information, 0);
    if (Msg->Callback != NULL) {
        Msg->Callback(Msg->CallbackContext, &iosb);
        MH_STAT_INC(Dev, CallbacksRun);
    }

    KeAcquireSpinLock(&Dev->Lock, &irql);
    MhMessageSetStateLocked(Dev, Msg, (MH_MESSAGE_STATE)0);
    RemoveEntryList(&Msg->ContextLink);
    Msg->Context->MessageCount--;
    MhContextCheckDrainedLocked(Msg->Context);
    KeReleaseSpinLock(&Dev->Lock, irql);

    MhFree(Dev, MhPoolHostMessage, Msg);
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
static NTSTATUS MhCbMiracastSendMessage(HANDLE MiracastHandle, ULONG InputBufferSize, VOID *pInputBuffer,
                                        ULONG OutputBufferSize, VOID *pOutputBuffer,
                                        DXGKCB_MIRACAST_SEND_MESSAGE_CALLBACK pCallback, PVOID pCallbackContext)
{
    PMH_DEVICE dev = g_MhDevice;
    PMH_HOST_MESSAGE msg = NULL;
    PMH_HOST_CONTEXT ctx;
    MH_FAULT_SLOT fault;
    BOOLEAN inlineAnswer = FALSE;
    NTSTATUS inlineStatus = STATUS_SUCCESS;
    NTSTATUS status = STATUS_PENDING;
    LIST_ENTRY completions;
    ULONG signal = 0;
    ULONG64 contextId = 0;
    SIZE_T bytes;
    KIRQL irql;

    InitializeListHead(&completions);

    if (InputBufferSize > MH_MAX_MESSAGE_BYTES || OutputBufferSize > MH_MAX_MESSAGE_BYTES) {
        status = STATUS_INVALID_BUFFER_SIZE;
        goto Fail;
    }
    if ((InputBufferSize != 0 && pInputBuffer == NULL) || (OutputBufferSize != 0 && pOutputBuffer == NULL)) {
        status = STATUS_INVALID_PARAMETER;
        goto Fail;
    }
    if (MhFaultTake(dev, MH_FAULT_SEND_FAIL, &fault)) {
        status = fault.Status;
        MhTrace(dev, MH_TRACE_FAULT, MH_FAULT_SEND_FAIL, status, 0, 0, 0, 0);
        goto Fail;
    }
    bytes = FIELD_OFFSET(MH_HOST_MESSAGE, Data) + max(max(InputBufferSize, OutputBufferSize), 1);
    msg = (PMH_HOST_MESSAGE)MhAlloc(dev, MhPoolHostMessage, bytes);
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
    inlineAnswer = MhFaultTake(dev, MH_FAULT_CALLBACK_INLINE, &fault);
    inlineStatus = fault.Status;

    KeAcquireSpinLock(&dev->Lock, &irql);
    ctx = MhHostContextFromHandleLocked(dev, MiracastHandle);
    if (ctx == NULL || ctx->Creating || ctx->Closing) {
        status = MH_STATUS_STALE_HANDLE;
    } else if (!dev->Responder.Enabled && dev->Agent == NULL && !inlineAnswer) {
        status = MH_STATUS_NO_HOST;
        contextId = ctx->Id;
    }
    if (status != STATUS_PENDING) {
        KeReleaseSpinLock(&dev->Lock, irql);
        goto Fail;
    }
    contextId = ctx->Id;
    msg->Id = ++dev->NextMessageId;
    msg->Context = ctx;
    msg->ContextId = ctx->Id;
    InsertTailList(&ctx->Messages, &msg->ContextLink);
    ctx->MessageCount++;
    MH_STAT_INC(dev, MessagesTotal);
    MhTrace(dev, MH_TRACE_SEND, 0, STATUS_PENDING, contextId, msg->Id, InputBufferSize, OutputBufferSize);

    if (inlineAnswer) {
        MhTrace(dev, MH_TRACE_FAULT, MH_FAULT_CALLBACK_INLINE, inlineStatus, contextId, msg->Id, 0, 0);
        msg->IoStatus.Status = inlineStatus;
        msg->IoStatus.Information = min(InputBufferSize, OutputBufferSize);
        msg->AnswerKind = MH_ANSWER_INLINE;
        MhMessageSetStateLocked(dev, msg, MhMsgRunning);
    } else if (dev->Responder.Enabled) {
        /* The responder echoes: the input already sits at the start of Data. */
        msg->IoStatus.Status = dev->Responder.Status;
        msg->IoStatus.Information = min(InputBufferSize, OutputBufferSize);
        MH_STAT_INC(dev, ResponderAnswers);
        if (dev->Responder.DelayMs == 0) {
            signal = MhMessageAnsweredLocked(dev, msg, msg->IoStatus.Status, msg->IoStatus.Information,
                                             MH_ANSWER_RESPONDER);
        } else {
            MhTimerInsertLocked(dev, msg, dev->Responder.DelayMs, MhMsgResponderTimer);
        }
    } else {
        signal = MhAgentRouteLocked(dev, msg, &completions);
    }
    KeReleaseSpinLock(&dev->Lock, irql);

    MhAgentCompleteReceives(dev, &completions);
    MhSignalCallbacks(dev, signal);
    if (inlineAnswer) {
        /* "DxgkCbMiracastSendMessageCallback may return before DxgkCbMiracastSendMessage returns." */
        MhRunCallback(dev, msg);
    }
    return STATUS_PENDING;

Fail:
    MhFree(dev, MhPoolHostMessage, msg);
    MH_STAT_INC(dev, SendFailures);
    MhTrace(dev, MH_TRACE_SEND, 0, status, contextId, 0, InputBufferSize, OutputBufferSize);
    return status;
}

/*++
Routine Description:
    DxgkCbReportChunkInfo: only logs (the documentation says it takes no other action).
    pPrivateDriverData must be NULL and PrivateDataDriverSize 0.
--*/
static NTSTATUS MhCbReportChunkInfo(HANDLE MiracastHandle, DXGK_MIRACAST_CHUNK_INFO *pChunkInfo,
                                    PVOID pPrivateDriverData, UINT PrivateDataDriverSize)
{
    PMH_DEVICE dev = g_MhDevice;
    PMH_HOST_CONTEXT ctx;
    ULONG64 contextId = 0;
    NTSTATUS status = STATUS_SUCCESS;
    KIRQL irql;

    KeAcquireSpinLock(&dev->Lock, &irql);
    ctx = MhHostContextFromHandleLocked(dev, MiracastHandle);
    if (ctx == NULL || ctx->Creating || ctx->Closing) {
        status = MH_STATUS_STALE_HANDLE;
    } else {
        contextId = ctx->Id;
    }
    KeReleaseSpinLock(&dev->Lock, irql);

    if (NT_SUCCESS(status) && (pChunkInfo == NULL || pPrivateDriverData != NULL || PrivateDataDriverSize != 0)) {
        status = STATUS_INVALID_PARAMETER;
    }
    MhTrace(dev, MH_TRACE_CHUNK, 0, status, contextId, 0,
            pChunkInfo ? (ULONG64)(ULONG)pChunkInfo->ChunkType : 0, PrivateDataDriverSize);
    return status;
}

/*++
Routine Description:
    The host's DxgkCbIndicateChildStatus stand-in: records the miniport's hot-plug indications.
--*/
static NTSTATUS MhCbIndicateChildStatus(HANDLE DeviceHandle, PDXGK_CHILD_STATUS ChildStatus)
{
    PMH_DEVICE dev = (PMH_DEVICE)DeviceHandle;
    ULONG64 contextId = 0;
    PLIST_ENTRY entry;
    KIRQL irql;

    if (dev != g_MhDevice || ChildStatus == NULL || ChildStatus->Type != StatusMiracastConnection) {
        return STATUS_INVALID_PARAMETER;
    }
    KeAcquireSpinLock(&dev->Lock, &irql);
    for (entry = dev->Contexts.Flink; entry != &dev->Contexts; entry = entry->Flink) {
        PMH_HOST_CONTEXT ctx = CONTAINING_RECORD(entry, MH_HOST_CONTEXT, Link);
        if (!ctx->Creating && ctx->TargetId == ChildStatus->ChildUid) {
            contextId = ctx->Id;
            break;
        }
    }
    KeReleaseSpinLock(&dev->Lock, irql);
    MhTrace(dev, MH_TRACE_HPD, 0, STATUS_SUCCESS, contextId, 0,
            ChildStatus->Miracast.Connected ? 1 : 0, ChildStatus->ChildUid);
    return STATUS_SUCCESS;
}

/* ------------------------------------------------------------------ the DDI paths */

NTSTATUS MhHostQueryCaps(PMH_DEVICE Dev, ULONG CapsSize, DXGK_MIRACAST_CAPS *Caps)
{
    MH_DDI_LOCK lock;
    NTSTATUS status;

    RtlZeroMemory(Caps, sizeof(*Caps));
    MhDdiLock(Dev, TRUE, &lock);   /* QueryCaps is third level */
    MhDdiBegin(Dev, MH_DDI_QUERY_CAPS, 0, CapsSize, 0);
    status = Dev->Miracast.DxgkDdiMiracastQueryCaps(Dev->MiniportDeviceContext, CapsSize, Caps);
    MhDdiEnd(Dev, MH_DDI_QUERY_CAPS, 0, status, Caps->MaxChunkPrivateDriverDataSize);
    MhDdiUnlock(Dev, &lock);
    if (NT_SUCCESS(status) && (Caps->Flags.Reserved != 0 || !Caps->Flags.HdcpSupport)) {
        /* Reserved must be 0, and a Miracast driver must support HDCP. */
        MH_STAT_INC(Dev, ContractViolations);
    }
    return status;
}

static VOID MhCallDestroyDdi(PMH_DEVICE Dev, PMH_HOST_CONTEXT Ctx, PVOID MiniportContext)
{
    MhDdiBegin(Dev, MH_DDI_DESTROY_CONTEXT, Ctx->Id, 0, 0);
    Dev->Miracast.DxgkDdiMiracastDestroyContext(Dev->MiniportDeviceContext, MiniportContext);
    MhDdiEnd(Dev, MH_DDI_DESTROY_CONTEXT, Ctx->Id, STATUS_SUCCESS, 0);
}

/*++
Routine Description:
    Creates a Miracast context: builds the callbacks table on this stack, calls
    DxgkDdiMiracastCreateContext under the Miracast-class lock, scribbles the table afterwards (a
    miniport that kept the pointer instead of copying it then fails loudly), and records the
    context as Owner's. The CREATE_CONTEXT_FAIL fault fails it before the miniport is called, or
    after it succeeded, in which case DestroyContext follows at once, as dxgkrnl does.
--*/
NTSTATUS MhHostCreateContext(PMH_DEVICE Dev, PMH_FILE Owner, MH_CONTEXT_INFO *Info)
{
    DXGK_MIRACAST_DISPLAY_CALLBACKS callbacks;
    PMH_HOST_CONTEXT ctx;
    PVOID miniportContext = NULL;
    ULONG targetId = 0;
    MH_FAULT_SLOT fault;
    BOOLEAN failAfter = FALSE;
    BOOLEAN ownerGone = FALSE;
    MH_DDI_LOCK lock;
    NTSTATUS status;
    KIRQL irql;

    if (MhFaultTake(Dev, MH_FAULT_CREATE_CONTEXT_FAIL, &fault)) {
        MhTrace(Dev, MH_TRACE_FAULT, MH_FAULT_CREATE_CONTEXT_FAIL, fault.Status, 0, 0, fault.Param, 0);
        if (fault.Param == 0) {
            return fault.Status;
        }
        failAfter = TRUE;
    }

    ctx = (PMH_HOST_CONTEXT)MhAlloc(Dev, MhPoolHostContext, sizeof(*ctx));
    if (ctx == NULL) {
        return STATUS_NO_MEMORY;
    }
    ctx->Signature = MH_CONTEXT_SIGNATURE;
    ctx->Owner = Owner;
    ctx->Creating = TRUE;
    InitializeListHead(&ctx->Messages);
    InitializeListHead(&ctx->Held);
    KeInitializeEvent(&ctx->Drained, NotificationEvent, FALSE);

    KeAcquireSpinLock(&Dev->Lock, &irql);
    ctx->Id = ++Dev->NextContextId;
    InsertTailList(&Dev->Contexts, &ctx->Link);
    KeReleaseSpinLock(&Dev->Lock, irql);

    MhDdiLock(Dev, FALSE, &lock);
    callbacks.MiracastHandle = (HANDLE)ctx;
    callbacks.DxgkCbMiracastSendMessage = MhCbMiracastSendMessage;
    callbacks.DxgkCbReportChunkInfo = MhCbReportChunkInfo;
    MhDdiBegin(Dev, MH_DDI_CREATE_CONTEXT, ctx->Id, 0, 0);
    status = Dev->Miracast.DxgkDdiMiracastCreateContext(Dev->MiniportDeviceContext, &callbacks,
                                                        &miniportContext, &targetId);
    MhDdiEnd(Dev, MH_DDI_CREATE_CONTEXT, ctx->Id, status, targetId);
    RtlFillMemory(&callbacks, sizeof(callbacks), 0xA5);

    if (NT_SUCCESS(status) && miniportContext == NULL) {
        MH_STAT_INC(Dev, ContractViolations);
        status = STATUS_INVALID_PARAMETER;
    } else if (NT_SUCCESS(status) && failAfter) {
        MhCallDestroyDdi(Dev, ctx, miniportContext);
        status = fault.Status;
    } else if (NT_SUCCESS(status)) {
        KeAcquireSpinLock(&Dev->Lock, &irql);
        ownerGone = Owner->Closed;
        if (!ownerGone) {
            ctx->MiniportContext = miniportContext;
            ctx->TargetId = targetId;
            ctx->Session = (Dev->Agent != NULL && !(Dev->AgentFlags & MH_AGENT_MANUAL_SESSIONS))
                               ? MhSessionStarted : MhSessionNotStarted;
            ctx->Creating = FALSE;
        }
        KeReleaseSpinLock(&Dev->Lock, irql);
        if (ownerGone) {
            /* The handle closed while the DDI ran: nobody can use or destroy this context. */
            MhCallDestroyDdi(Dev, ctx, miniportContext);
            status = STATUS_CANCELLED;
        }
    }
    MhDdiUnlock(Dev, &lock);

    if (!NT_SUCCESS(status)) {
        KeAcquireSpinLock(&Dev->Lock, &irql);
        RemoveEntryList(&ctx->Link);
        KeReleaseSpinLock(&Dev->Lock, irql);
        MhFree(Dev, MhPoolHostContext, ctx);
        return status;
    }
    Info->ContextId = ctx->Id;
    Info->TargetId = targetId;
    Info->Reserved = 0;
    return STATUS_SUCCESS;
}

/* Completes every message of a closing context that has no answer yet with
   MH_STATUS_CONTEXT_DESTROYED, and sends answered ones on to their callbacks now. */
static ULONG MhHostDrainContextLocked(PMH_DEVICE Dev, PMH_HOST_CONTEXT Ctx)
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
            signal += MhMessageDropLocked(Dev, msg, MH_STATUS_CONTEXT_DESTROYED);
            break;
        case MhMsgCallbackTimer:
            RemoveEntryList(&msg->QueueLink);
            signal += MhQueueCallbackLocked(Dev, msg);
            break;
        case MhMsgBatch:
            RemoveEntryList(&msg->QueueLink);
            Dev->BatchHeld--;
            signal += MhQueueCallbackLocked(Dev, msg);
            break;
        default:
            break;  /* its callback is queued or running */
        }
    }
    MhContextCheckDrainedLocked(Ctx);
    return signal;
}

/*++
Routine Description:
    Destroys a context: under the Miracast-class lock, marks it closing (new sends and IoControls
    are refused), completes its outstanding messages through their callbacks, waits until the last
    callback and the last send or IoControl on it are done, then calls DxgkDdiMiracastDestroyContext.
    After this no IoControl reaches the miniport for it.
Arguments:
    Caller - the handle asking; NULL when the host itself destroys (handle close, unload).
--*/
static NTSTATUS MhHostDestroyContextCore(PMH_DEVICE Dev, PMH_FILE Caller, ULONG64 ContextId)
{
    PMH_HOST_CONTEXT ctx = NULL;
    MH_DDI_LOCK lock;
    NTSTATUS status;
    ULONG signal = 0;
    KIRQL irql;

    MhDdiLock(Dev, FALSE, &lock);
    KeAcquireSpinLock(&Dev->Lock, &irql);
    status = MhHostUsableContextLocked(Dev, Caller, ContextId, &ctx);
    if (NT_SUCCESS(status)) {
        ctx->Closing = TRUE;
        signal = MhHostDrainContextLocked(Dev, ctx);
    }
    KeReleaseSpinLock(&Dev->Lock, irql);
    if (!NT_SUCCESS(status)) {
        MhDdiUnlock(Dev, &lock);
        return status;
    }
    MhSignalCallbacks(Dev, signal);
    KeWaitForSingleObject(&ctx->Drained, Executive, KernelMode, FALSE, NULL);

    MhCallDestroyDdi(Dev, ctx, ctx->MiniportContext);
    MhDdiUnlock(Dev, &lock);

    KeAcquireSpinLock(&Dev->Lock, &irql);
    RemoveEntryList(&ctx->Link);
    KeReleaseSpinLock(&Dev->Lock, irql);
    ctx->Signature = 0;
    MhFree(Dev, MhPoolHostContext, ctx);
    return STATUS_SUCCESS;
}

NTSTATUS MhHostDestroyContext(PMH_DEVICE Dev, PMH_FILE Caller, ULONG64 ContextId)
{
    return MhHostDestroyContextCore(Dev, Caller, ContextId);
}

VOID MhHostDestroyContextsOf(PMH_DEVICE Dev, PMH_FILE Owner)
{
    for (;;) {
        PLIST_ENTRY entry;
        ULONG64 id = 0;
        KIRQL irql;

        KeAcquireSpinLock(&Dev->Lock, &irql);
        for (entry = Dev->Contexts.Flink; entry != &Dev->Contexts; entry = entry->Flink) {
            PMH_HOST_CONTEXT ctx = CONTAINING_RECORD(entry, MH_HOST_CONTEXT, Link);
            if (!ctx->Creating && !ctx->Closing && (Owner == NULL || ctx->Owner == Owner)) {
                id = ctx->Id;
                break;
            }
        }
        KeReleaseSpinLock(&Dev->Lock, irql);
        if (id == 0) {
            return;
        }
        (VOID)MhHostDestroyContextCore(Dev, NULL, id);
    }
}

/*++
Routine Description:
    DxgkDdiMiracastIoControl on Caller's context, with dxgkrnl's handling: kernel copies of both
    buffers, level 2 or (HardwareAccess) level 3 synchronization, and BytesReturned checked against
    the output size before anything is copied back.
--*/
NTSTATUS MhHostIoControl(PMH_DEVICE Dev, PMH_FILE Caller, ULONG64 ContextId, ULONG Flags,
                         const VOID *Input, ULONG InputSize, PVOID Output, ULONG OutputSize,
                         PULONG BytesReturned)
{
    BOOLEAN level3 = (Flags & MH_IO_CONTROL_HARDWARE_ACCESS) != 0;
    PVOID kernelIn = NULL, kernelOut = NULL;
    PMH_HOST_CONTEXT ctx = NULL;
    ULONG bytes = 0;
    MH_DDI_LOCK lock;
    NTSTATUS status;

    *BytesReturned = 0;
    if (InputSize != 0) {
        kernelIn = MhAlloc(Dev, MhPoolDdiBuffer, InputSize);
        if (kernelIn == NULL) {
            return STATUS_NO_MEMORY;
        }
        RtlCopyMemory(kernelIn, Input, InputSize);
    }
    if (OutputSize != 0) {
        kernelOut = MhAlloc(Dev, MhPoolDdiBuffer, OutputSize);
        if (kernelOut == NULL) {
            MhFree(Dev, MhPoolDdiBuffer, kernelIn);
            return STATUS_NO_MEMORY;
        }
    }

    MhDdiLock(Dev, level3, &lock);
    status = MhHostReferenceContext(Dev, Caller, ContextId, &ctx);
    if (NT_SUCCESS(status)) {
        MhDdiBegin(Dev, MH_DDI_IO_CONTROL, ContextId, InputSize, Flags);
        status = Dev->Miracast.DxgkDdiMiracastIoControl(Dev->MiniportDeviceContext, ctx->MiniportContext,
                                                        InputSize, kernelIn, OutputSize, kernelOut, &bytes);
        MhDdiEnd(Dev, MH_DDI_IO_CONTROL, ContextId, status, bytes);
        MhHostReleaseContext(Dev, ctx);
    }
    MhDdiUnlock(Dev, &lock);

    if (NT_SUCCESS(status)) {
        if (bytes > OutputSize) {
            MH_STAT_INC(Dev, ContractViolations);
            status = MH_STATUS_BAD_BYTES_RETURNED;
        } else {
            if (bytes != 0) {
                RtlCopyMemory(Output, kernelOut, bytes);
            }
            *BytesReturned = bytes;
        }
    }
    MhFree(Dev, MhPoolDdiBuffer, kernelIn);
    MhFree(Dev, MhPoolDdiBuffer, kernelOut);
    return status;
}

NTSTATUS MhHostSendMessage(PMH_DEVICE Dev, PMH_FILE Caller, ULONG64 ContextId,
                           const VOID *Input, ULONG InputSize, ULONG OutputSize,
                           MP_SEND_COMPLETION *Completion, PVOID CompletionContext)
{
    PMH_HOST_CONTEXT ctx = NULL;
    NTSTATUS status;

    status = MhHostReferenceContext(Dev, Caller, ContextId, &ctx);
    if (!NT_SUCCESS(status)) {
        return status;
    }
    status = MpTestSendMessage(Dev->MiniportDeviceContext, ctx->MiniportContext, Input, InputSize,
                               OutputSize, Completion, CompletionContext);
    MhHostReleaseContext(Dev, ctx);
    return status;
}

/* ------------------------------------------------------------------ configuration */

NTSTATUS MhHostConfigureResponder(PMH_DEVICE Dev, const MH_RESPONDER_CONFIG *Config)
{
    KIRQL irql;

    if (Config->DelayMs > MH_MAX_RESPONDER_DELAY_MS || Config->Reserved != 0) {
        return STATUS_INVALID_PARAMETER;
    }
    KeAcquireSpinLock(&Dev->Lock, &irql);
    Dev->Responder.Enabled = Config->Enabled ? TRUE : FALSE;
    Dev->Responder.Status = Config->Status;
    Dev->Responder.DelayMs = Config->DelayMs;
    KeReleaseSpinLock(&Dev->Lock, irql);
    return STATUS_SUCCESS;
}

NTSTATUS MhHostConfigureMiniport(PMH_DEVICE Dev, const MH_MINIPORT_CONFIG *Config)
{
    if (Config->Reserved != 0) {
        return STATUS_INVALID_PARAMETER;
    }
    return MpTestConfigure(Dev->MiniportDeviceContext, Config->TargetCount);
}

VOID MhHostResetFaults(PMH_DEVICE Dev)
{
    ULONG signal;
    KIRQL irql;

    MhFaultsReset(&Dev->Faults);
    KeAcquireSpinLock(&Dev->Lock, &irql);
    signal = MhReleaseBatchLocked(Dev);
    KeReleaseSpinLock(&Dev->Lock, irql);
    MhSignalCallbacks(Dev, signal);
}

/* ------------------------------------------------------------------ start and stop */

/*++
Routine Description:
    Brings the miniport up the way dxgkrnl would: AddDevice, StartDevice (with the services the
    miniport uses), DxgkDdiQueryInterface for the Miracast interface (checked as dxgkrnl checks it:
    Size >= 64, Version 1, all four DDIs present), then QueryCaps once, at start.
--*/
NTSTATUS MhHostInitialize(PMH_DEVICE Dev)
{
    MH_DXGKRNL_SERVICES services;
    QUERY_INTERFACE query;
    NTSTATUS status;

    status = MpAddDevice(&Dev->MiniportDeviceContext);
    if (!NT_SUCCESS(status)) {
        return status;
    }
    services.DeviceHandle = (HANDLE)Dev;
    services.DxgkCbIndicateChildStatus = MhCbIndicateChildStatus;
    status = MpStartDevice(Dev->MiniportDeviceContext, &services);
    if (!NT_SUCCESS(status)) {
        return status;
    }
    RtlZeroMemory(&query, sizeof(query));
    query.InterfaceType = &GUID_DEVINTERFACE_MIRACAST_DISPLAY;
    query.Size = sizeof(DXGK_MIRACAST_DISPLAY_INTERFACE);
    query.Version = DXGK_MIRACAST_DISPLAY_INTERFACE_VERSION_1;
    query.Interface = (PINTERFACE)&Dev->Miracast;
    status = MpQueryInterface(Dev->MiniportDeviceContext, &query);
    if (!NT_SUCCESS(status)) {
        return status;
    }
    if (Dev->Miracast.Size < 0x40 || Dev->Miracast.Version != DXGK_MIRACAST_DISPLAY_INTERFACE_VERSION_1 ||
        Dev->Miracast.DxgkDdiMiracastQueryCaps == NULL || Dev->Miracast.DxgkDdiMiracastCreateContext == NULL ||
        Dev->Miracast.DxgkDdiMiracastIoControl == NULL || Dev->Miracast.DxgkDdiMiracastDestroyContext == NULL) {
        return STATUS_INVALID_PARAMETER;
    }
    return MhHostQueryCaps(Dev, sizeof(DXGK_MIRACAST_CAPS), &Dev->CapsAtStart);
}

VOID MhHostShutdown(PMH_DEVICE Dev)
{
    if (Dev->MiniportDeviceContext != NULL) {
        MpRemoveDevice(Dev->MiniportDeviceContext);
        Dev->MiniportDeviceContext = NULL;
    }
}

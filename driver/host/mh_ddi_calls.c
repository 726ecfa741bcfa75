/*++

Module Name:

    mh_ddi_calls.c

Abstract:

    The host's calls into the miniport's Miracast DDIs, with dxgkrnl's synchronization and checks:
      - QueryCaps (third level), once at adapter start and on request;
      - CreateContext (Miracast class): the callbacks table on this stack, scribbled after the
        call; the TargetId checked against the Miracast child [OBS]; the chunk list prepared;
      - DestroyContext (Miracast class): outstanding messages completed through their callbacks
        first, then the DDI; after it, no IoControl reaches the miniport for the context;
      - IoControl (Miracast class, or third level with HardwareAccess): kernel copies of both
        buffers, BytesReturned checked before anything is copied back [OBS].
    Every routine here runs at PASSIVE_LEVEL on a host thread and may wait for the DDI lock.

Environment:

    Kernel mode, PASSIVE_LEVEL.

--*/

#include "mh_host_state.h"

/* ------------------------------------------------------------------ synchronization */

typedef struct _MH_DDI_LOCK {
    BOOLEAN Bypass;
    BOOLEAN Level3;
} MH_DDI_LOCK;

/*++
Routine Description:
    Takes dxgkrnl's synchronization for a DDI call: second level for the Miracast class (one of
    CreateContext/DestroyContext/IoControl at a time) or third level (QueryCaps, HardwareAccess
    IoControl: nothing else inside). Both are the DDI lock here (see MH_HOST.DdiLock); the level
    is recorded for the trace and the miniport's checks. The LOCK_BYPASS fault skips it on purpose.
--*/
_IRQL_requires_(PASSIVE_LEVEL)
static VOID MhDdiLock(PMH_HOST Host, BOOLEAN Level3, MH_DDI_LOCK *Lock)
{
    MH_FAULT_SLOT fault;

    Lock->Level3 = Level3;
    Lock->Bypass = MhFaultTake(Host, MH_FAULT_LOCK_BYPASS, &fault);
    if (Lock->Bypass) {
        MhTrace(Host, MH_TRACE_FAULT, MH_FAULT_LOCK_BYPASS, STATUS_SUCCESS, 0, 0, Level3, 0);
        return;
    }
    KeWaitForSingleObject(&Host->DdiLock, Executive, KernelMode, FALSE, NULL);
}

static VOID MhDdiUnlock(PMH_HOST Host, const MH_DDI_LOCK *Lock)
{
    if (!Lock->Bypass) {
        KeReleaseSemaphore(&Host->DdiLock, IO_NO_INCREMENT, 1, FALSE);
    }
}

/* Entering a DDI: counted and traced; returns the entry time for the watchdog (MhDdiEnd). */
static ULONG64 MhDdiBegin(PMH_HOST Host, ULONG Ddi, ULONG64 ContextId, ULONG64 Arg0, ULONG64 Arg1)
{
    MH_STAT_INC(&Host->Stats, DdiCalls);
    MH_STAT_INC(&Host->Stats, DdiInside);
    MhTrace(Host, MH_TRACE_DDI_ENTER, Ddi, STATUS_SUCCESS, ContextId, 0, Arg0, Arg1);
    return MhInterruptTime();
}

/*++
Routine Description:
    Leaving a DDI: traced, and timed against MH_DDI_BOUND_MS, the host's watchdog. A DDI that ran
    longer is a DDI_OVERRUN, measured on return (one that never returns is a host that stopped
    answering, which every caller's timeout reports).
--*/
static VOID MhDdiEnd(PMH_HOST Host, ULONG Ddi, ULONG64 ContextId, NTSTATUS Status, ULONG64 Arg0, ULONG64 Entered)
{
    ULONG64 elapsedMs = (MhInterruptTime() - Entered) / 10000ULL;

    MhTrace(Host, MH_TRACE_DDI_EXIT, Ddi, Status, ContextId, 0, Arg0, 0);
    MH_STAT_DEC(&Host->Stats, DdiInside);
    if (elapsedMs > MH_DDI_BOUND_MS) {
        MhViolation(Host, MH_VIOLATION_DDI_OVERRUN, ContextId, elapsedMs, Ddi);
    }
}

/* The first byte of a guard region that is no longer MH_GUARD_PATTERN, or Length when none. */
static ULONG MhGuardChanged(const UCHAR *Guard, ULONG Length)
{
    ULONG i;

    for (i = 0; i < Length && Guard[i] == MH_GUARD_PATTERN; i++) {
    }
    return i;
}

/* ------------------------------------------------------------------ QueryCaps */

/*++
Routine Description:
    DxgkDdiMiracastQueryCaps under the third level. The caps buffer is MiracastCapsSize bytes (at
    least the struct's) followed by MH_GUARD_BYTES of guard, so a miniport that writes past the
    size it was given is found (CAPS_OVERRUN) instead of corrupting the host; Flags.Reserved set
    and no HDCP support are violations too.
--*/
_IRQL_requires_(PASSIVE_LEVEL)
static NTSTATUS MhDdiQueryCaps(PMH_HOST Host, ULONG CapsSize, DXGK_MIRACAST_CAPS *Caps)
{
    ULONG room = (CapsSize > sizeof(*Caps)) ? CapsSize : (ULONG)sizeof(*Caps);
    PUCHAR buffer;
    ULONG changed;
    ULONG64 entered;
    MH_DDI_LOCK lock;
    NTSTATUS status;

    RtlZeroMemory(Caps, sizeof(*Caps));
    buffer = (PUCHAR)MhAlloc(Host, MhPoolDdiBuffer, (SIZE_T)CapsSize + sizeof(*Caps) + MH_GUARD_BYTES);
    if (buffer == NULL) {
        return STATUS_NO_MEMORY;
    }
    RtlFillMemory(buffer + CapsSize, room - CapsSize + MH_GUARD_BYTES, MH_GUARD_PATTERN);
    MhDdiLock(Host, TRUE, &lock);
    entered = MhDdiBegin(Host, MH_DDI_QUERY_CAPS, 0, CapsSize, 0);
    status = Host->Adapter.Miracast.DxgkDdiMiracastQueryCaps(Host->Adapter.Miracast.Context, CapsSize,
                                                              (DXGK_MIRACAST_CAPS *)buffer);
    MhDdiEnd(Host, MH_DDI_QUERY_CAPS, 0, status, ((DXGK_MIRACAST_CAPS *)buffer)->MaxChunkPrivateDriverDataSize, entered);
    MhDdiUnlock(Host, &lock);

    changed = MhGuardChanged(buffer + CapsSize, MH_GUARD_BYTES);
    if (changed < MH_GUARD_BYTES) {
        MhViolation(Host, MH_VIOLATION_CAPS_OVERRUN, 0, CapsSize, changed);
    }
    if (NT_SUCCESS(status)) {
        RtlCopyMemory(Caps, buffer, sizeof(*Caps));
        if (Caps->Flags.Reserved != 0) {
            MhViolation(Host, MH_VIOLATION_CAPS_RESERVED, 0, Caps->Flags.Value, 0);
        }
        if (!Caps->Flags.HdcpSupport) {
            MhViolation(Host, MH_VIOLATION_CAPS_NO_HDCP, 0, Caps->Flags.Value, 0);   /* a Miracast driver must support HDCP */
        }
    }
    MhFree(Host, MhPoolDdiBuffer, buffer);
    return status;
}

NTSTATUS MhDdiQueryCapsAtStart(PMH_HOST Host, DXGK_MIRACAST_CAPS *Caps)
{
    return MhDdiQueryCaps(Host, sizeof(DXGK_MIRACAST_CAPS), Caps);
}

_Use_decl_annotations_
NTSTATUS MhHostQueryCaps(PMH_HOST Host, ULONG CapsSize, MH_QUERY_CAPS_OUT *Out)
{
    DXGK_MIRACAST_CAPS caps;
    NTSTATUS status = MhDdiQueryCaps(Host, CapsSize, &caps);

    if (NT_SUCCESS(status)) {
        Out->MaxChunkPrivateDriverDataSize = caps.MaxChunkPrivateDriverDataSize;
        Out->Flags = caps.Flags.Value;
    }
    return status;
}

/* ------------------------------------------------------------------ CreateContext */

/* Live contexts other than Except: created, not closing. */
_Requires_lock_held_(Host->Lock)
static ULONG MhLiveContextsLocked(PMH_HOST Host, PMH_HOST_CONTEXT Except)
{
    PLIST_ENTRY entry;
    ULONG live = 0;

    for (entry = Host->Contexts.Flink; entry != &Host->Contexts; entry = entry->Flink) {
        PMH_HOST_CONTEXT other = CONTAINING_RECORD(entry, MH_HOST_CONTEXT, Link);
        if (other != Except && !other->Creating && !other->Closing) {
            live++;
        }
    }
    return live;
}

/*++
Routine Description:
    DxgkDdiMiracastDestroyContext. The miniport indicates the monitor's departure inside it [DOC]:
    when it returns with the Miracast child still connected and no other session on the target,
    that is a NO_DEPARTURE, and the host marks the child disconnected itself (as the OS would
    once the session is gone), so the next session starts clean.
--*/
_Requires_lock_held_(Host->DdiLock)
static VOID MhCallDestroyDdi(PMH_HOST Host, PMH_HOST_CONTEXT Ctx, PVOID MiniportContext)
{
    ULONG64 entered;
    BOOLEAN stillConnected;
    KIRQL irql;

    entered = MhDdiBegin(Host, MH_DDI_DESTROY_CONTEXT, Ctx->Id, 0, 0);
    Host->Adapter.Miracast.DxgkDdiMiracastDestroyContext(Host->Adapter.Miracast.Context, MiniportContext);
    MhDdiEnd(Host, MH_DDI_DESTROY_CONTEXT, Ctx->Id, STATUS_SUCCESS, 0, entered);
    MH_STAT_DEC(&Host->Stats, MiniportContexts);

    KeAcquireSpinLock(&Host->Lock, &irql);
    stillConnected = Host->Adapter.Connected && MhLiveContextsLocked(Host, Ctx) == 0;
    if (stillConnected) {
        Host->Adapter.Connected = FALSE;
    }
    KeReleaseSpinLock(&Host->Lock, irql);
    if (stillConnected) {
        MhViolation(Host, MH_VIOLATION_NO_DEPARTURE, Ctx->Id, Host->Adapter.MiracastChildUid, 0);
    }
}

/*++
Routine Description:
    Once the last context is destroyed the miniport should hold no more pool than when its adapter
    had started: more is a LEAK_AT_DESTROY (blocks the tracker would otherwise only report at
    unload). Each block over is reported once.
--*/
_Requires_lock_held_(Host->DdiLock)
static VOID MhCheckPoolAtLastDestroy(PMH_HOST Host, PMH_HOST_CONTEXT Ctx)
{
    LONG64 outstanding, atStart, over;
    ULONG live;
    KIRQL irql;

    KeAcquireSpinLock(&Host->Lock, &irql);
    live = MhLiveContextsLocked(Host, Ctx);
    KeReleaseSpinLock(&Host->Lock, irql);
    if (live != 0 || Ctx->Creating) {
        return;
    }
    outstanding = InterlockedCompareExchange64(MH_STAT_PTR(&Host->Stats, MiniportPoolOutstanding), 0, 0);
    atStart = InterlockedCompareExchange64(MH_STAT_PTR(&Host->Stats, MiniportPoolAtStart), 0, 0);
    over = outstanding - atStart - InterlockedCompareExchange64(&Host->Adapter.PoolLeakReported, 0, 0);
    if (over > 0) {
        InterlockedAdd64(&Host->Adapter.PoolLeakReported, over);
        MhViolation(Host, MH_VIOLATION_LEAK_AT_DESTROY, Ctx->Id, (ULONG64)over, (ULONG64)outstanding);
    }
}

/* ------------------------------------------------------------------ the callbacks table, after CreateContext */

/* What a miniport that kept the callbacks table's pointer calls once CreateContext has returned:
   the table the host scribbled (STALE_CALLBACKS; the call fails as a stale handle would). */
static NTSTATUS MhCbStaleSendMessage(HANDLE MiracastHandle, ULONG InputBufferSize, VOID *pInputBuffer,
                                     ULONG OutputBufferSize, VOID *pOutputBuffer,
                                     DXGKCB_MIRACAST_SEND_MESSAGE_CALLBACK pCallback, PVOID pCallbackContext)
{
    PMH_HOST host = g_MhHost;
    PMH_HOST_CONTEXT ctx;
    ULONG64 contextId = 0;
    KIRQL irql;

    UNREFERENCED_PARAMETER(InputBufferSize);
    UNREFERENCED_PARAMETER(pInputBuffer);
    UNREFERENCED_PARAMETER(OutputBufferSize);
    UNREFERENCED_PARAMETER(pOutputBuffer);
    UNREFERENCED_PARAMETER(pCallback);
    UNREFERENCED_PARAMETER(pCallbackContext);
    KeAcquireSpinLock(&host->Lock, &irql);
    ctx = MhContextFromHandleLocked(host, MiracastHandle);
    contextId = (ctx != NULL) ? ctx->Id : 0;
    KeReleaseSpinLock(&host->Lock, irql);
    MhViolation(host, MH_VIOLATION_STALE_CALLBACKS, contextId, 1, 0);
    MH_STAT_INC(&host->Stats, SendFailures);
    return MH_STATUS_STALE_HANDLE;
}

static NTSTATUS MhCbStaleReportChunkInfo(HANDLE MiracastHandle, DXGK_MIRACAST_CHUNK_INFO *pChunkInfo,
                                         PVOID pPrivateDriverData, UINT PrivateDataDriverSize)
{
    PMH_HOST host = g_MhHost;

    UNREFERENCED_PARAMETER(MiracastHandle);
    UNREFERENCED_PARAMETER(pChunkInfo);
    UNREFERENCED_PARAMETER(pPrivateDriverData);
    UNREFERENCED_PARAMETER(PrivateDataDriverSize);
    MhViolation(host, MH_VIOLATION_STALE_CALLBACKS, 0, 2, 0);
    return MH_STATUS_STALE_HANDLE;
}

/*++
Routine Description:
    Creates a Miracast context: builds the callbacks table, calls DxgkDdiMiracastCreateContext
    under the Miracast-class lock, scribbles the table afterwards (dxgkrnl's lives on its stack):
    a miniport that kept the pointer instead of copying it then reaches the host's stale traps, a
    STALE_CALLBACKS finding rather than a crash (the table is kept in the host context for that).
    Checks the TargetId against the Miracast child as dxgkrnl does [OBS] (TARGET_NOT_CHILD), counts
    a second live context on the one Miracast target (SECOND_CONTEXT: more only when the harness
    configured the test miniport with more sessions), prepares the chunk list, and records the
    context as Owner's. Whenever a step after the DDI's success fails, DestroyContext follows at
    once, as dxgkrnl does. The CREATE_CONTEXT_FAIL fault fails it before the miniport is called,
    or after it succeeded.
--*/
_Use_decl_annotations_
NTSTATUS MhHostCreateContext(PMH_HOST Host, MH_OWNER Owner, MH_CONTEXT_INFO *Info)
{
    DXGK_MIRACAST_DISPLAY_CALLBACKS *callbacks;
    PMH_HOST_CONTEXT ctx;
    ULONG64 entered;
    ULONG liveBefore = 0;
    PVOID miniportContext = NULL;
    ULONG targetId = 0;
    MH_FAULT_SLOT fault;
    BOOLEAN failAfter = FALSE;
    BOOLEAN ownerGone = FALSE;
    MH_DDI_LOCK lock;
    NTSTATUS status;
    KIRQL irql;

    if (MhFaultTake(Host, MH_FAULT_CREATE_CONTEXT_FAIL, &fault)) {
        MhTrace(Host, MH_TRACE_FAULT, MH_FAULT_CREATE_CONTEXT_FAIL, fault.Status, 0, 0, fault.Param, 0);
        if (fault.Param == 0) {
            return fault.Status;
        }
        failAfter = TRUE;
    }

    ctx = (PMH_HOST_CONTEXT)MhAlloc(Host, MhPoolHostContext, sizeof(*ctx));
    if (ctx == NULL) {
        return STATUS_NO_MEMORY;
    }
    ctx->Signature = MH_CONTEXT_SIGNATURE;
    ctx->Owner = Owner;
    ctx->Creating = TRUE;
    InitializeListHead(&ctx->Messages);
    InitializeListHead(&ctx->Held);
    KeInitializeEvent(&ctx->Drained, NotificationEvent, FALSE);
    status = MhChunkListInitialize(Host, ctx);
    if (!NT_SUCCESS(status)) {
        MhChunkListFree(Host, ctx);
        MhFree(Host, MhPoolHostContext, ctx);
        return status;
    }

    KeAcquireSpinLock(&Host->Lock, &irql);
    ctx->Id = ++Host->NextContextId;
    InsertTailList(&Host->Contexts, &ctx->Link);
    KeReleaseSpinLock(&Host->Lock, irql);

    MhDdiLock(Host, FALSE, &lock);
    callbacks = &ctx->CallbacksGiven;
    callbacks->MiracastHandle = (HANDLE)ctx;
    callbacks->DxgkCbMiracastSendMessage = MhCbMiracastSendMessage;
    callbacks->DxgkCbReportChunkInfo = MhCbReportChunkInfo;
    KeAcquireSpinLock(&Host->Lock, &irql);
    liveBefore = MhLiveContextsLocked(Host, ctx);
    KeReleaseSpinLock(&Host->Lock, irql);
    entered = MhDdiBegin(Host, MH_DDI_CREATE_CONTEXT, ctx->Id, 0, 0);
    status = Host->Adapter.Miracast.DxgkDdiMiracastCreateContext(Host->Adapter.Miracast.Context, callbacks,
                                                                  &miniportContext, &targetId);
    MhDdiEnd(Host, MH_DDI_CREATE_CONTEXT, ctx->Id, status, targetId, entered);
    /* The call is over: the table "on the stack" is gone. What is left answers as stale. */
    callbacks->DxgkCbMiracastSendMessage = MhCbStaleSendMessage;
    callbacks->DxgkCbReportChunkInfo = MhCbStaleReportChunkInfo;
    if (NT_SUCCESS(status)) {
        MH_STAT_INC(&Host->Stats, MiniportContexts);
    }

    if (NT_SUCCESS(status) && miniportContext == NULL) {
        MhViolation(Host, MH_VIOLATION_NULL_CONTEXT, ctx->Id, 0, 0);
        MH_STAT_DEC(&Host->Stats, MiniportContexts);   /* nothing to destroy */
        status = STATUS_INVALID_PARAMETER;
    } else if (NT_SUCCESS(status) && targetId != Host->Adapter.MiracastChildUid) {
        /* [OBS] dxgkrnl compares the TargetId with the Miracast target it recorded. */
        MhViolation(Host, MH_VIOLATION_TARGET_NOT_CHILD, ctx->Id, targetId, Host->Adapter.MiracastChildUid);
        MhCallDestroyDdi(Host, ctx, miniportContext);
        status = MH_STATUS_BAD_TARGET;
    } else if (NT_SUCCESS(status) && failAfter) {
        MhCallDestroyDdi(Host, ctx, miniportContext);
        status = fault.Status;
    } else if (NT_SUCCESS(status)) {
        if (liveBefore >= (Host->Adapter.TargetsAllowed > 1 ? Host->Adapter.TargetsAllowed : 1)) {
            /* One Miracast target, one session: the miniport should have said STATUS_RESOURCE_IN_USE. */
            MhViolation(Host, MH_VIOLATION_SECOND_CONTEXT, ctx->Id, liveBefore, 0);
        }
        KeAcquireSpinLock(&Host->Lock, &irql);
        ownerGone = Host->Events.OwnerClosed(Host->Events.Context, Owner);
        if (!ownerGone) {
            ctx->MiniportContext = miniportContext;
            ctx->TargetId = targetId;
            ctx->Session = (Host->Agent != NULL && !(Host->AgentFlags & MH_AGENT_MANUAL_SESSIONS))
                               ? MhSessionStarted : MhSessionNotStarted;
            ctx->Creating = FALSE;
        }
        KeReleaseSpinLock(&Host->Lock, irql);
        if (ownerGone) {
            /* The handle closed while the DDI ran: nobody can use or destroy this context. */
            MhCallDestroyDdi(Host, ctx, miniportContext);
            status = STATUS_CANCELLED;
        }
    }
    MhDdiUnlock(Host, &lock);

    if (!NT_SUCCESS(status)) {
        KeAcquireSpinLock(&Host->Lock, &irql);
        RemoveEntryList(&ctx->Link);
        KeReleaseSpinLock(&Host->Lock, irql);
        MhChunkListFree(Host, ctx);
        MhFree(Host, MhPoolHostContext, ctx);
        return status;
    }
    Info->ContextId = ctx->Id;
    Info->TargetId = targetId;
    Info->Reserved = 0;
    return STATUS_SUCCESS;
}

/* ------------------------------------------------------------------ DestroyContext */

/*++
Routine Description:
    Destroys a context: under the Miracast-class lock, marks it closing (new sends, IoControls and
    chunk reads are refused), completes its outstanding messages through their callbacks, ends its
    chunk reader, waits until the last callback and the last send or IoControl on it are done,
    then calls DxgkDdiMiracastDestroyContext. After this no IoControl reaches the miniport for it.
Arguments:
    Caller - the handle asking; NULL when the host itself destroys (handle close, unload).
--*/
_IRQL_requires_(PASSIVE_LEVEL)
NTSTATUS MhDdiDestroyContextCore(PMH_HOST Host, MH_OWNER Caller, ULONG64 ContextId)
{
    PMH_HOST_CONTEXT ctx = NULL;
    MH_DDI_LOCK lock;
    NTSTATUS status;
    BOOLEAN readerDue = FALSE;
    ULONG64 readKey = 0;
    ULONG signal = 0;
    KIRQL irql;

    MhDdiLock(Host, FALSE, &lock);
    KeAcquireSpinLock(&Host->Lock, &irql);
    status = MhContextUsableLocked(Host, Caller, ContextId, &ctx);
    if (NT_SUCCESS(status)) {
        ctx->Closing = TRUE;
        signal = MhMessagesDrainContextLocked(Host, ctx);
        readerDue = MhChunkSessionEndedLocked(ctx, &readKey);
    }
    KeReleaseSpinLock(&Host->Lock, irql);
    if (!NT_SUCCESS(status)) {
        MhDdiUnlock(Host, &lock);
        return status;
    }
    MhSignalCallbacks(Host, signal);
    if (readerDue) {
        MhChunkDueReaders(Host, &readKey, 1);
    }
    KeWaitForSingleObject(&ctx->Drained, Executive, KernelMode, FALSE, NULL);

    MhCallDestroyDdi(Host, ctx, ctx->MiniportContext);
    MhCheckPoolAtLastDestroy(Host, ctx);
    MhDdiUnlock(Host, &lock);

    KeAcquireSpinLock(&Host->Lock, &irql);
    RemoveEntryList(&ctx->Link);
    KeReleaseSpinLock(&Host->Lock, irql);
    ctx->Signature = 0;
    MhChunkListFree(Host, ctx);
    MhFree(Host, MhPoolHostContext, ctx);
    return STATUS_SUCCESS;
}

_Use_decl_annotations_
NTSTATUS MhHostDestroyContext(PMH_HOST Host, MH_OWNER Caller, ULONG64 ContextId)
{
    return MhDdiDestroyContextCore(Host, Caller, ContextId);
}

/* ------------------------------------------------------------------ IoControl */

/*++
Routine Description:
    DxgkDdiMiracastIoControl on Caller's context, with dxgkrnl's handling: kernel copies of both
    buffers, level 2 or (HardwareAccess) level 3 synchronization, and BytesReturned checked against
    the output size before anything is copied back (BYTES_RETURNED). The output copy is followed by
    a guard as long as the input plus MH_GUARD_BYTES, so that a miniport that sizes what it writes
    by its input is found (IOCONTROL_OVERRUN) without corrupting the pool.
--*/
_Use_decl_annotations_
NTSTATUS MhHostIoControl(PMH_HOST Host, MH_OWNER Caller, ULONG64 ContextId, ULONG Flags,
                         const VOID *Input, ULONG InputSize, PVOID Output, ULONG OutputSize,
                         PULONG BytesReturned)
{
    BOOLEAN level3 = (Flags & MH_IO_CONTROL_HARDWARE_ACCESS) != 0;
    PVOID kernelIn = NULL;
    PUCHAR kernelOut = NULL;
    ULONG guardSize = InputSize + MH_GUARD_BYTES;
    PMH_HOST_CONTEXT ctx = NULL;
    ULONG64 entered;
    ULONG changed = 0;
    ULONG bytes = 0;
    MH_DDI_LOCK lock;
    NTSTATUS status;

    *BytesReturned = 0;
    if (InputSize != 0) {
        kernelIn = MhAlloc(Host, MhPoolDdiBuffer, InputSize);
        if (kernelIn == NULL) {
            return STATUS_NO_MEMORY;
        }
        RtlCopyMemory(kernelIn, Input, InputSize);
    }
    if (OutputSize != 0) {
        kernelOut = (PUCHAR)MhAlloc(Host, MhPoolDdiBuffer, (SIZE_T)OutputSize + guardSize);
        if (kernelOut == NULL) {
            MhFree(Host, MhPoolDdiBuffer, kernelIn);
            return STATUS_NO_MEMORY;
        }
        RtlFillMemory(kernelOut + OutputSize, guardSize, MH_GUARD_PATTERN);
    }

    MhDdiLock(Host, level3, &lock);
    status = MhContextReference(Host, Caller, ContextId, &ctx);
    if (NT_SUCCESS(status)) {
        entered = MhDdiBegin(Host, MH_DDI_IO_CONTROL, ContextId, InputSize, Flags);
        status = Host->Adapter.Miracast.DxgkDdiMiracastIoControl(Host->Adapter.Miracast.Context,
                                                                  ctx->MiniportContext, InputSize, kernelIn,
                                                                  OutputSize, kernelOut, &bytes);
        MhDdiEnd(Host, MH_DDI_IO_CONTROL, ContextId, status, bytes, entered);
        MhContextRelease(Host, ctx);
    }
    MhDdiUnlock(Host, &lock);

    if (kernelOut != NULL) {
        changed = MhGuardChanged(kernelOut + OutputSize, guardSize);
        if (changed < guardSize) {
            MhViolation(Host, MH_VIOLATION_IOCONTROL_OVERRUN, ContextId, OutputSize, changed);
        }
    }
    if (NT_SUCCESS(status)) {
        if (bytes > OutputSize) {
            MhViolation(Host, MH_VIOLATION_BYTES_RETURNED, ContextId, bytes, OutputSize);
            status = MH_STATUS_BAD_BYTES_RETURNED;
        } else {
            if (bytes != 0) {
                RtlCopyMemory(Output, kernelOut, bytes);
            }
            *BytesReturned = bytes;
        }
    }
    MhFree(Host, MhPoolDdiBuffer, kernelIn);
    MhFree(Host, MhPoolDdiBuffer, kernelOut);
    return status;
}

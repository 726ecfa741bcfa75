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

static VOID MhDdiBegin(PMH_HOST Host, ULONG Ddi, ULONG64 ContextId, ULONG64 Arg0, ULONG64 Arg1)
{
    MH_STAT_INC(&Host->Stats, DdiCalls);
    MH_STAT_INC(&Host->Stats, DdiInside);
    MhTrace(Host, MH_TRACE_DDI_ENTER, Ddi, STATUS_SUCCESS, ContextId, 0, Arg0, Arg1);
}

static VOID MhDdiEnd(PMH_HOST Host, ULONG Ddi, ULONG64 ContextId, NTSTATUS Status, ULONG64 Arg0)
{
    MhTrace(Host, MH_TRACE_DDI_EXIT, Ddi, Status, ContextId, 0, Arg0, 0);
    MH_STAT_DEC(&Host->Stats, DdiInside);
}

/* ------------------------------------------------------------------ QueryCaps */

/* DxgkDdiMiracastQueryCaps under the third level; a breach of Reserved or HdcpSupport is counted. */
_IRQL_requires_(PASSIVE_LEVEL)
static NTSTATUS MhDdiQueryCaps(PMH_HOST Host, ULONG CapsSize, DXGK_MIRACAST_CAPS *Caps)
{
    MH_DDI_LOCK lock;
    NTSTATUS status;

    RtlZeroMemory(Caps, sizeof(*Caps));
    MhDdiLock(Host, TRUE, &lock);
    MhDdiBegin(Host, MH_DDI_QUERY_CAPS, 0, CapsSize, 0);
    status = Host->Adapter.Miracast.DxgkDdiMiracastQueryCaps(Host->Adapter.Miracast.Context, CapsSize, Caps);
    MhDdiEnd(Host, MH_DDI_QUERY_CAPS, 0, status, Caps->MaxChunkPrivateDriverDataSize);
    MhDdiUnlock(Host, &lock);
    if (NT_SUCCESS(status) && (Caps->Flags.Reserved != 0 || !Caps->Flags.HdcpSupport)) {
        /* Reserved must be 0, and a Miracast driver must support HDCP. */
        MH_STAT_INC(&Host->Stats, ContractViolations);
    }
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

static VOID MhCallDestroyDdi(PMH_HOST Host, ULONG64 ContextId, PVOID MiniportContext)
{
    MhDdiBegin(Host, MH_DDI_DESTROY_CONTEXT, ContextId, 0, 0);
    Host->Adapter.Miracast.DxgkDdiMiracastDestroyContext(Host->Adapter.Miracast.Context, MiniportContext);
    MhDdiEnd(Host, MH_DDI_DESTROY_CONTEXT, ContextId, STATUS_SUCCESS, 0);
    MH_STAT_DEC(&Host->Stats, MiniportContexts);
}

/*++
Routine Description:
    Creates a Miracast context: builds the callbacks table on this stack, calls
    DxgkDdiMiracastCreateContext under the Miracast-class lock, scribbles the table afterwards (a
    miniport that kept the pointer instead of copying it then fails loudly), checks the TargetId
    against the Miracast child as dxgkrnl does [OBS], prepares the chunk list, and records the
    context as Owner's. Whenever a step after the DDI's success fails, DestroyContext follows at
    once, as dxgkrnl does. The CREATE_CONTEXT_FAIL fault fails it before the miniport is called,
    or after it succeeded.
--*/
_Use_decl_annotations_
NTSTATUS MhHostCreateContext(PMH_HOST Host, MH_OWNER Owner, MH_CONTEXT_INFO *Info)
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
    callbacks.MiracastHandle = (HANDLE)ctx;
    callbacks.DxgkCbMiracastSendMessage = MhCbMiracastSendMessage;
    callbacks.DxgkCbReportChunkInfo = MhCbReportChunkInfo;
    MhDdiBegin(Host, MH_DDI_CREATE_CONTEXT, ctx->Id, 0, 0);
    status = Host->Adapter.Miracast.DxgkDdiMiracastCreateContext(Host->Adapter.Miracast.Context, &callbacks,
                                                                  &miniportContext, &targetId);
    MhDdiEnd(Host, MH_DDI_CREATE_CONTEXT, ctx->Id, status, targetId);
    RtlFillMemory(&callbacks, sizeof(callbacks), 0xA5);
    if (NT_SUCCESS(status)) {
        MH_STAT_INC(&Host->Stats, MiniportContexts);
    }

    if (NT_SUCCESS(status) && miniportContext == NULL) {
        MH_STAT_INC(&Host->Stats, ContractViolations);
        MH_STAT_DEC(&Host->Stats, MiniportContexts);   /* nothing to destroy */
        status = STATUS_INVALID_PARAMETER;
    } else if (NT_SUCCESS(status) && targetId != Host->Adapter.MiracastChildUid) {
        /* [OBS] dxgkrnl compares the TargetId with the Miracast target it recorded. */
        MH_STAT_INC(&Host->Stats, ContractViolations);
        MhCallDestroyDdi(Host, ctx->Id, miniportContext);
        status = MH_STATUS_BAD_TARGET;
    } else if (NT_SUCCESS(status) && failAfter) {
        MhCallDestroyDdi(Host, ctx->Id, miniportContext);
        status = fault.Status;
    } else if (NT_SUCCESS(status)) {
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
            MhCallDestroyDdi(Host, ctx->Id, miniportContext);
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

    MhCallDestroyDdi(Host, ctx->Id, ctx->MiniportContext);
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
    the output size before anything is copied back.
--*/
_Use_decl_annotations_
NTSTATUS MhHostIoControl(PMH_HOST Host, MH_OWNER Caller, ULONG64 ContextId, ULONG Flags,
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
        kernelIn = MhAlloc(Host, MhPoolDdiBuffer, InputSize);
        if (kernelIn == NULL) {
            return STATUS_NO_MEMORY;
        }
        RtlCopyMemory(kernelIn, Input, InputSize);
    }
    if (OutputSize != 0) {
        kernelOut = MhAlloc(Host, MhPoolDdiBuffer, OutputSize);
        if (kernelOut == NULL) {
            MhFree(Host, MhPoolDdiBuffer, kernelIn);
            return STATUS_NO_MEMORY;
        }
    }

    MhDdiLock(Host, level3, &lock);
    status = MhContextReference(Host, Caller, ContextId, &ctx);
    if (NT_SUCCESS(status)) {
        MhDdiBegin(Host, MH_DDI_IO_CONTROL, ContextId, InputSize, Flags);
        status = Host->Adapter.Miracast.DxgkDdiMiracastIoControl(Host->Adapter.Miracast.Context,
                                                                  ctx->MiniportContext, InputSize, kernelIn,
                                                                  OutputSize, kernelOut, &bytes);
        MhDdiEnd(Host, MH_DDI_IO_CONTROL, ContextId, status, bytes);
        MhContextRelease(Host, ctx);
    }
    MhDdiUnlock(Host, &lock);

    if (NT_SUCCESS(status)) {
        if (bytes > OutputSize) {
            MH_STAT_INC(&Host->Stats, ContractViolations);
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

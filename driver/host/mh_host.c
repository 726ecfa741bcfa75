/*++

Module Name:

    mh_host.c

Abstract:

    The host's life (creation, stop, destruction), the test-hooks requests (a message sent with
    the miniport's own buffers, its session count, its state), configuration (the kernel responder,
    faults) and the readings control hands to user mode (stats, trace, adapter, pool).

Environment:

    Kernel mode.

--*/

#include "mh_host_state.h"

PMH_HOST g_MhHost;

/* ------------------------------------------------------------------ life */

/*++
Routine Description:
    Creates the host: its state, pool, tracker, trace, faults and threads. The adapter starts later
    (MhHostStartAdapter), once the miniport's DriverEntry has registered through DxgkInitialize.
Arguments:
    PhysicalDevice - what DxgkDdiAddDevice receives as the physical device object.
    RegistryPath - the service key.
    Events - control's event routines (copied).
    Host - receives the host.
--*/
_Use_decl_annotations_
NTSTATUS MhHostCreate(PDEVICE_OBJECT PhysicalDevice, PCUNICODE_STRING RegistryPath,
                      const MH_HOST_EVENTS *Events, PMH_HOST *Host)
{
    PMH_HOST host;
    NTSTATUS status;

    *Host = NULL;
    status = MhOsPoolInitialize();
    if (!NT_SUCCESS(status)) {
        return status;
    }
    host = (PMH_HOST)MhAlloc(NULL, MhPoolHost, sizeof(MH_HOST));
    if (host == NULL) {
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    host->PhysicalDevice = PhysicalDevice;
    host->Events = *Events;
    if (RegistryPath != NULL && RegistryPath->Length < sizeof(host->RegistryPathBuffer)) {
        RtlCopyMemory(host->RegistryPathBuffer, RegistryPath->Buffer, RegistryPath->Length);
        host->RegistryPathBuffer[RegistryPath->Length / sizeof(WCHAR)] = L'\0';
        RtlInitUnicodeString(&host->RegistryPath, host->RegistryPathBuffer);
    }
    KeInitializeSpinLock(&host->Lock);
    InitializeListHead(&host->Contexts);
    InitializeListHead(&host->AgentQueue);
    InitializeListHead(&host->Delivered);
    InitializeListHead(&host->OwnWork);
    InitializeListHead(&host->CallbackQueue);
    InitializeListHead(&host->TimerList);
    InitializeListHead(&host->BatchHold);
    InitializeListHead(&host->OrderedQueue);
    KeInitializeEvent(&host->StopEvent, NotificationEvent, FALSE);
    KeInitializeSemaphore(&host->TimerWake, 0, MAXLONG);
    KeInitializeEvent(&host->Barrier.Go, NotificationEvent, FALSE);
    KeInitializeSemaphore(&host->DdiSemaphore, 0, MAXLONG);
    KeInitializeSemaphore(&host->CallbackSemaphore, 0, MAXLONG);
    KeInitializeSemaphore(&host->DdiLock, 1, 1);   /* free */
    MhFaultsInitialize(&host->Faults);
    MhTraceInitialize(&host->Trace);
    MhTrackerInitialize(host);
    g_MhHost = host;

    status = MhWorkersStart(host);
    if (!NT_SUCCESS(status)) {
        g_MhHost = NULL;
        MhFree(NULL, MhPoolHost, host);
        return status;
    }
    *Host = host;
    return STATUS_SUCCESS;
}

/* Waits until Value reaches zero, polling: only unload waits here. */
static VOID MhWaitForZero(volatile LONG64 *Value, ULONG TimeoutMs)
{
    LARGE_INTEGER delay;
    ULONG waited;

    delay.QuadPart = MH_RELATIVE_MS(5);
    for (waited = 0; InterlockedCompareExchange64(Value, 0, 0) != 0 && waited < TimeoutMs; waited += 5) {
        KeDelayExecutionThread(KernelMode, FALSE, &delay);
    }
}

/*++
Routine Description:
    Unload, host side: the owner releases still queued run to their end, every context is destroyed
    (every message gets its callback), the adapter stops in dxgkrnl's order, the miniport's pool is
    checked for leaks, the threads end. Control then frees its per-handle state and calls
    MhHostDestroy.
--*/
_Use_decl_annotations_
VOID MhHostStop(PMH_HOST Host)
{
    LARGE_INTEGER delay;

    MhWaitForZero(MH_STAT_PTR(&Host->Stats, OwnerReleasesPending), 30000);
    delay.QuadPart = MH_RELATIVE_MS(1);
    while (InterlockedCompareExchange(&Host->DdiBusy, 0, 0) != 0) {
        KeDelayExecutionThread(KernelMode, FALSE, &delay);     /* a DDI request still running */
    }
    MhContextDestroyAll(Host, NULL);
    MhHostResetFaults(Host);
    MhWaitForZero(MH_STAT_PTR(&Host->Stats, HostMessages), 10000);
    MhAdapterStop(Host);
    MhTrackerFlush(Host, TRUE);
    MhWorkersStop(Host);
}

/*++
Routine Description:
    Records the unload figures under the service key, where they outlive the image (tests read
    them after `sc stop`): the host's allocations still outstanding besides the host itself (0 when
    nothing leaked), IRPs still pending, the miniport's leaked blocks and pool findings. Frees the host.
--*/
_Use_decl_annotations_
VOID MhHostDestroy(PMH_HOST Host)
{
    MhRecordServiceValue(Host, L"UnloadAllocationsOutstanding", (ULONG)Host->Stats.AllocationsOutstanding);
    MhRecordServiceValue(Host, L"UnloadIrpsPending", (ULONG)Host->Stats.IrpsPending);
    MhRecordServiceValue(Host, L"UnloadPoolFindings", (ULONG)Host->Stats.PoolFindings);
    g_MhHost = NULL;
    MhFree(NULL, MhPoolHost, Host);
}

/* ------------------------------------------------------------------ the test hooks */

/* The miniport's completion for a message sent through the test hooks: on to control. */
static VOID MhHostSendCompletion(PVOID CompletionContext, const IO_STATUS_BLOCK *IoStatus,
                                 const VOID *Output, ULONG OutputSize)
{
    PMH_HOST host = g_MhHost;

    host->Events.SendCompleted(host->Events.Context, (ULONG64)(ULONG_PTR)CompletionContext, IoStatus,
                               Output, OutputSize);
}

/*++
Routine Description:
    Asks the miniport to send a message with its own buffers on Caller's context (test hooks).
Return Value:
    STATUS_PENDING: Events->SendCompleted(RequestKey) follows once. Otherwise it does not:
    MH_STATUS_NO_TEST_HOOKS, an unusable context, or DxgkCbMiracastSendMessage's own failure.
--*/
_Use_decl_annotations_
NTSTATUS MhHostSendMessage(PMH_HOST Host, MH_OWNER Caller, ULONG64 ContextId, const VOID *Input,
                           ULONG InputSize, ULONG OutputSize, ULONG64 RequestKey)
{
    PMH_HOST_CONTEXT ctx = NULL;
    NTSTATUS status;

    if (!Host->Adapter.HasTestHooks) {
        return MH_STATUS_NO_TEST_HOOKS;
    }
    status = MhContextReference(Host, Caller, ContextId, &ctx);
    if (!NT_SUCCESS(status)) {
        return status;
    }
    status = Host->Adapter.Hooks.SendMessage(Host->Adapter.Hooks.Context, ctx->MiniportContext, Input, InputSize,
                                             OutputSize, MhHostSendCompletion, (PVOID)(ULONG_PTR)RequestKey);
    MhContextRelease(Host, ctx);
    return status;
}

_Use_decl_annotations_
NTSTATUS MhHostCheckContext(PMH_HOST Host, MH_OWNER Caller, ULONG64 ContextId)
{
    PMH_HOST_CONTEXT ctx = NULL;
    NTSTATUS status;
    KIRQL irql;

    KeAcquireSpinLock(&Host->Lock, &irql);
    status = MhContextUsableLocked(Host, Caller, ContextId, &ctx);
    KeReleaseSpinLock(&Host->Lock, irql);
    return status;
}

NTSTATUS MhHostConfigureMiniport(PMH_HOST Host, const MH_MINIPORT_CONFIG *Config)
{
    NTSTATUS status;
    KIRQL irql;

    if (Config->Reserved != 0 || Config->TargetCount == 0 || Config->TargetCount > MH_MAX_TARGETS) {
        return STATUS_INVALID_PARAMETER;
    }
    if (!Host->Adapter.HasTestHooks) {
        return MH_STATUS_NO_TEST_HOOKS;
    }
    status = Host->Adapter.Hooks.ConfigureTargets(Host->Adapter.Hooks.Context, Config->TargetCount);
    if (NT_SUCCESS(status)) {
        /* The harness asked for more sessions at once: they are not a SECOND_CONTEXT. */
        KeAcquireSpinLock(&Host->Lock, &irql);
        Host->Adapter.TargetsAllowed = Config->TargetCount;
        KeReleaseSpinLock(&Host->Lock, irql);
    }
    return status;
}

NTSTATUS MhHostReadMiniportState(PMH_HOST Host, PVOID Buffer, ULONG Length, PULONG Written)
{
    *Written = 0;
    if (!Host->Adapter.HasTestHooks) {
        return MH_STATUS_NO_TEST_HOOKS;
    }
    return Host->Adapter.Hooks.ReadState(Host->Adapter.Hooks.Context, Buffer, Length, Written);
}

/* ------------------------------------------------------------------ configuration */

NTSTATUS MhHostConfigureResponder(PMH_HOST Host, const MH_RESPONDER_CONFIG *Config)
{
    KIRQL irql;

    if (Config->DelayMs > MH_MAX_RESPONDER_DELAY_MS || Config->Reserved != 0) {
        return STATUS_INVALID_PARAMETER;
    }
    KeAcquireSpinLock(&Host->Lock, &irql);
    Host->Responder.Enabled = Config->Enabled ? TRUE : FALSE;
    Host->Responder.Status = Config->Status;
    Host->Responder.DelayMs = Config->DelayMs;
    KeReleaseSpinLock(&Host->Lock, irql);
    return STATUS_SUCCESS;
}

NTSTATUS MhHostSetFault(PMH_HOST Host, const MH_FAULT *Fault)
{
    return MhFaultArm(&Host->Faults, Fault);
}

VOID MhHostResetFaults(PMH_HOST Host)
{
    ULONG signal;
    KIRQL irql;

    MhFaultsReset(&Host->Faults);
    KeAcquireSpinLock(&Host->Lock, &irql);
    signal = MhReleaseBatchLocked(Host);
    KeReleaseSpinLock(&Host->Lock, irql);
    MhSignalCallbacks(Host, signal);
}

/* ------------------------------------------------------------------ readings */

MH_STATS *MhHostStats(PMH_HOST Host)
{
    return &Host->Stats;
}

VOID MhHostReadTrace(PMH_HOST Host, ULONG64 StartSequence, MH_TRACE_READ_OUT *Header,
                     MH_TRACE_EVENT *Events, ULONG Capacity)
{
    MhTraceRead(&Host->Trace, StartSequence, Header, Events, Capacity);
}

VOID MhHostReadAdapter(PMH_HOST Host, MH_ADAPTER_INFO *Info)
{
    const MH_ADAPTER *a = &Host->Adapter;
    ULONG i;
    KIRQL irql;

    RtlZeroMemory(Info, sizeof(*Info));
    Info->InitVersion = a->Init.Version;
    Info->InterfaceVersion = a->Dxgkrnl.Interface.Version;
    Info->VideoPresentSources = a->VideoPresentSources;
    Info->Children = a->Children;
    Info->MiracastChildUid = a->MiracastChildUid;
    Info->MiracastHpdAwareness = (ULONG)a->MiracastHpdAwareness;
    Info->MiracastInterfaceSize = a->Miracast.Size;
    Info->MiracastInterfaceVersion = a->Miracast.Version;
    Info->TestHooks = a->HasTestHooks ? 1 : 0;
    Info->DpcRoutine = (a->Init.DxgkDdiDpcRoutine != NULL) ? 1 : 0;
    Info->CapsMaxChunkPrivateDriverDataSize = a->CapsAtStart.MaxChunkPrivateDriverDataSize;
    Info->CapsFlags = a->CapsAtStart.Flags.Value;
    Info->ServiceCount = MH_DXGKCB_SERVICE_COUNT;
    for (i = 0; i < MH_DXGKCB_SERVICE_COUNT; i++) {
        Info->ServiceCalls[i] = (ULONG)InterlockedCompareExchange((volatile LONG *)&a->ServiceCalls[i], 0, 0);
    }
    KeAcquireSpinLock(&Host->Lock, &irql);
    Info->Connected = a->Connected ? 1 : 0;
    Info->MonitorType = a->MonitorType;
    KeReleaseSpinLock(&Host->Lock, irql);
}

_Use_decl_annotations_
ULONG MhHostReadPool(PMH_HOST Host, const MH_POOL_READ_IN *Request, MH_POOL_READ_OUT *Header,
                     PUCHAR Buffer, ULONG Length)
{
    if (Request->Flags & MH_POOL_READ_FLUSH) {
        MhTrackerFlush(Host, FALSE);
    }
    return MhTrackerRead(Host, Request->StartSequence, Header, Buffer, Length);
}

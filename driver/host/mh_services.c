/*++

Module Name:

    mh_services.c

Abstract:

    The DXGKRNL_INTERFACE the host hands to DxgkDdiStartDevice. The services a Miracast miniport
    needs are real:
      - DxgkCbIndicateChildStatus: StatusMiracastConnection for the Miracast child, checked as the
        OS checks it (the child's uid, connect only while a session exists), and the connection
        state tracked;
      - DxgkCbQueueDpc: the host runs the miniport's DxgkDdiDpcRoutine on its timer thread;
      - DxgkCbNotifyInterrupt and DxgkCbNotifyDpc: the chunk pipeline (mh_chunks.c).
    Every other service, through WDDM 1.3 and in the slots newer WDKs added after it (a miniport
    built with a newer WDK may read them), answers STATUS_NOT_SUPPORTED - or NULL / 0 where it
    returns a pointer or a handle - and is counted by name (MH_DXGKCB_SERVICES), so a miniport that
    needs more is told what.

Environment:

    Kernel mode, IRQL <= DISPATCH_LEVEL.

--*/

#include "mh_host_state.h"

/* Every service slot has this shape here; the x64 calling convention lets a slot declared with
   any parameters reach it (the caller cleans up, and the stub reads none of them). */
typedef ULONG_PTR (APIENTRY *MH_SERVICE_STUB)(VOID);

C_ASSERT(sizeof(DXGKRNL_INTERFACE) ==
         FIELD_OFFSET(DXGKRNL_INTERFACE, DxgkCbEvalAcpiMethod) + MH_DXGKCB_WDDM1_3_COUNT * sizeof(PVOID));
C_ASSERT(FIELD_OFFSET(MH_DXGKRNL_STORAGE, Newer) == sizeof(DXGKRNL_INTERFACE));

/*++
Routine Description:
    A service the host does not provide was called: counted by name, traced, refused.
Return Value:
    0 for the services that return a pointer or a handle, STATUS_NOT_SUPPORTED for the others.
--*/
static ULONG_PTR MhServiceNotProvided(ULONG Index)
{
    PMH_HOST host = g_MhHost;

    InterlockedIncrement(&host->Adapter.ServiceCalls[Index]);
    MH_STAT_INC(&host->Stats, UnsupportedServiceCalls);
    MhTrace(host, MH_TRACE_SERVICE, Index, MH_STATUS_NOT_PROVIDED, 0, 0, 0, 0);
    switch (Index) {
    case MH_DXGKCB_INDEX_DxgkCbGetHandleData:
    case MH_DXGKCB_INDEX_DxgkCbGetHandleParent:
    case MH_DXGKCB_INDEX_DxgkCbEnumHandleChildren:
    case MH_DXGKCB_INDEX_DxgkCbAcquireHandleData:
        return 0;
    default:
        return (ULONG_PTR)(ULONG)MH_STATUS_NOT_PROVIDED;
    }
}

#define MH_SERVICE_STUB_DEFINE(name) \
    static ULONG_PTR APIENTRY MhStub##name(VOID) { return MhServiceNotProvided(MH_DXGKCB_INDEX_##name); }
MH_DXGKCB_SERVICES(MH_SERVICE_STUB_DEFINE)
#undef MH_SERVICE_STUB_DEFINE

#define MH_SERVICE_STUB_ENTRY(name) MhStub##name,
static const MH_SERVICE_STUB MhServiceStubs[MH_DXGKCB_SERVICE_COUNT] = {
    MH_DXGKCB_SERVICES(MH_SERVICE_STUB_ENTRY)
};
#undef MH_SERVICE_STUB_ENTRY

/* ------------------------------------------------------------------ DxgkCbIndicateChildStatus */

/*++
Routine Description:
    DxgkCbIndicateChildStatus. The Miracast child's connection is indicated with
    StatusMiracastConnection, its ChildUid, Connected, and (on arrival) MiracastMonitorType; the
    target stays disconnected until a session exists [DOC]. The host tracks the state.
Return Value:
    STATUS_SUCCESS; MH_STATUS_BAD_CHILD_STATUS (a contract violation, counted) for another child,
    another status type for the Miracast child, or a connect with no session.
--*/
static NTSTATUS APIENTRY MhCbIndicateChildStatus(HANDLE DeviceHandle, PDXGK_CHILD_STATUS ChildStatus)
{
    PMH_HOST host = g_MhHost;
    NTSTATUS status = STATUS_SUCCESS;
    ULONG64 contextId = 0;
    BOOLEAN connected = FALSE;
    ULONG childUid = 0;
    PLIST_ENTRY entry;
    KIRQL irql;

    InterlockedIncrement(&host->Adapter.ServiceCalls[MH_DXGKCB_INDEX_DxgkCbIndicateChildStatus]);
    MH_STAT_INC(&host->Stats, ChildStatusIndications);
    if ((PMH_HOST)DeviceHandle != host || ChildStatus == NULL) {
        MhViolation(host, MH_VIOLATION_SERVICE_HANDLE, 0, MH_DXGKCB_INDEX_DxgkCbIndicateChildStatus, 0);
        return MH_STATUS_BAD_CHILD_STATUS;
    }
    childUid = ChildStatus->ChildUid;
    connected = ChildStatus->Miracast.Connected ? TRUE : FALSE;

    KeAcquireSpinLock(&host->Lock, &irql);
    for (entry = host->Contexts.Flink; entry != &host->Contexts; entry = entry->Flink) {
        PMH_HOST_CONTEXT ctx = CONTAINING_RECORD(entry, MH_HOST_CONTEXT, Link);
        if (ctx->TargetId == childUid && ctx->MiniportContext != NULL) {
            contextId = ctx->Id;
            break;
        }
    }
    if (ChildStatus->Type != StatusMiracastConnection || childUid != host->Adapter.MiracastChildUid) {
        status = MH_STATUS_BAD_CHILD_STATUS;
    } else if (connected && contextId == 0) {
        status = MH_STATUS_BAD_CHILD_STATUS;    /* "kept disconnected until a session starts" */
    } else {
        host->Adapter.Connected = connected;
        if (connected) {
            host->Adapter.MonitorType = (LONG)ChildStatus->Miracast.MiracastMonitorType;
        }
    }
    KeReleaseSpinLock(&host->Lock, irql);

    if (!NT_SUCCESS(status)) {
        MhViolation(host, MH_VIOLATION_CHILD_STATUS, contextId, childUid, 0);
    }
    MhTrace(host, MH_TRACE_HPD, 0, status, contextId, 0, connected ? 1 : 0, childUid);
    return status;
}

/* ------------------------------------------------------------------ DxgkCbQueueDpc */

/* DxgkCbQueueDpc: the miniport's DxgkDdiDpcRoutine runs soon on the host's timer thread. FALSE
   when one is already queued (as KeInsertQueueDpc answers) or the miniport has no DPC routine. */
static BOOLEAN APIENTRY MhCbQueueDpc(HANDLE DeviceHandle)
{
    PMH_HOST host = g_MhHost;

    InterlockedIncrement(&host->Adapter.ServiceCalls[MH_DXGKCB_INDEX_DxgkCbQueueDpc]);
    if ((PMH_HOST)DeviceHandle != host) {
        MhViolation(host, MH_VIOLATION_SERVICE_HANDLE, 0, MH_DXGKCB_INDEX_DxgkCbQueueDpc, 0);
        return FALSE;
    }
    if (host->Adapter.Init.DxgkDdiDpcRoutine == NULL || InterlockedExchange(&host->Adapter.DpcQueued, 1) != 0) {
        return FALSE;
    }
    MhTimerWake(host);
    return TRUE;
}

VOID MhServicesRunQueuedDpc(PMH_HOST Host)
{
    if (InterlockedExchange(&Host->Adapter.DpcQueued, 0) != 0) {
        Host->Adapter.Init.DxgkDdiDpcRoutine(Host->Adapter.MiniportDeviceContext);
    }
}

/* ------------------------------------------------------------------ the interface */

/*++
Routine Description:
    Fills the DXGKRNL_INTERFACE (and the newer slots after it) that DxgkDdiStartDevice receives.
--*/
VOID MhServicesFill(PMH_HOST Host, MH_DXGKRNL_STORAGE *Storage)
{
    DXGKRNL_INTERFACE *iface = &Storage->Interface;

    RtlZeroMemory(Storage, sizeof(*Storage));
    iface->Size = sizeof(DXGKRNL_INTERFACE);
    iface->Version = DXGKDDI_INTERFACE_VERSION_WDDM1_3;
    iface->DeviceHandle = (HANDLE)Host;
    /* Every slot, from the first service on, starts as its own stub. */
    RtlCopyMemory(&iface->DxgkCbEvalAcpiMethod, MhServiceStubs, sizeof(MhServiceStubs));
    iface->DxgkCbIndicateChildStatus = MhCbIndicateChildStatus;
    iface->DxgkCbQueueDpc = MhCbQueueDpc;
    iface->DxgkCbNotifyInterrupt = MhCbNotifyInterrupt;
    iface->DxgkCbNotifyDpc = MhCbNotifyDpc;
}

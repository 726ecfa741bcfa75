/*++

Module Name:

    minimal_miniport.c

Abstract:

    The smallest correct Miracast part of a WDDM display miniport: a starting point a vendor copies,
    and the proof that the harness hosts a miniport that knows nothing of it. It includes only the
    system's headers (in the Wine lane the harness supplies a dispmprt.h), registers through
    DxgkInitialize, and offers no test hooks, so the harness can drive its DDIs but cannot make it
    send messages or report chunks.

    What it does, and why (miracast-ddi.md section 2):
      - one child, the Miracast target: D3DKMDT_VOT_MIRACAST, HpdAwarenessInterruptible, reported
        disconnected until a session's monitor arrives (it never claims one here);
      - DxgkDdiQueryInterface returns DXGK_MIRACAST_DISPLAY_INTERFACE (Size 64, Version 1, four DDIs);
      - QueryCaps checks MiracastCapsSize first and claims HDCP, which every Miracast driver must;
      - CreateContext copies the callbacks table (it lives on the caller's stack), holds one session
        at a time (STATUS_RESOURCE_IN_USE otherwise) and returns the Miracast target as TargetId;
      - IoControl checks its buffer sizes and echoes its input: a real driver's private payload
        format (monitor arrival, sink details) goes here;
      - DestroyContext indicates monitor departure right away and frees the context.

Environment:

    Kernel mode, PASSIVE_LEVEL.

--*/

#include <ntddk.h>
#include <dispmprt.h>

#define MINIMAL_TAG        'xCnM'       /* "MnCx" in a pool dump */
#define MINIMAL_TARGET_ID  0x10u

typedef struct _MINIMAL_ADAPTER {
    DXGKRNL_INTERFACE Dxgkrnl;
    KSPIN_LOCK Lock;
    BOOLEAN SessionLive;
} MINIMAL_ADAPTER, *PMINIMAL_ADAPTER;

typedef struct _MINIMAL_CONTEXT {
    PMINIMAL_ADAPTER Adapter;
    DXGK_MIRACAST_DISPLAY_CALLBACKS Callbacks;
} MINIMAL_CONTEXT, *PMINIMAL_CONTEXT;

DRIVER_INITIALIZE DriverEntry;

/* ------------------------------------------------------------------ Miracast DDIs */

static NTSTATUS MinimalQueryCaps(PVOID DriverContext, ULONG MiracastCapsSize, DXGK_MIRACAST_CAPS *MiracastCaps)
{
    UNREFERENCED_PARAMETER(DriverContext);
    if (MiracastCaps == NULL || MiracastCapsSize < sizeof(DXGK_MIRACAST_CAPS)) {
        return STATUS_INVALID_PARAMETER;
    }
    RtlZeroMemory(MiracastCaps, sizeof(*MiracastCaps));
    MiracastCaps->MaxChunkPrivateDriverDataSize = 0;    /* it reports no chunks */
    MiracastCaps->Flags.HdcpSupport = 1;
    return STATUS_SUCCESS;
}

static NTSTATUS MinimalCreateContext(PVOID DriverContext, DXGK_MIRACAST_DISPLAY_CALLBACKS *MiracastCallbacks,
                                     PVOID *MiracastContext, ULONG *TargetId)
{
    PMINIMAL_ADAPTER adapter = (PMINIMAL_ADAPTER)DriverContext;
    PMINIMAL_CONTEXT context;
    KIRQL irql;

    if (adapter == NULL || MiracastCallbacks == NULL || MiracastContext == NULL || TargetId == NULL) {
        return STATUS_INVALID_PARAMETER;
    }
    context = (PMINIMAL_CONTEXT)ExAllocatePool2(POOL_FLAG_NON_PAGED, sizeof(*context), MINIMAL_TAG);
    if (context == NULL) {
        return STATUS_NO_MEMORY;
    }
    KeAcquireSpinLock(&adapter->Lock, &irql);
    if (adapter->SessionLive) {
        KeReleaseSpinLock(&adapter->Lock, irql);
        ExFreePoolWithTag(context, MINIMAL_TAG);
        return STATUS_RESOURCE_IN_USE;
    }
    adapter->SessionLive = TRUE;
    KeReleaseSpinLock(&adapter->Lock, irql);

    context->Adapter = adapter;
    context->Callbacks = *MiracastCallbacks;
    *MiracastContext = context;
    *TargetId = MINIMAL_TARGET_ID;
    return STATUS_SUCCESS;
}

static VOID MinimalDestroyContext(PVOID DriverContext, PVOID MiracastContext)
{
    PMINIMAL_ADAPTER adapter = (PMINIMAL_ADAPTER)DriverContext;
    PMINIMAL_CONTEXT context = (PMINIMAL_CONTEXT)MiracastContext;
    DXGK_CHILD_STATUS child;
    KIRQL irql;

    if (adapter == NULL || context == NULL) {
        return;
    }
    RtlZeroMemory(&child, sizeof(child));
    child.Type = StatusMiracastConnection;
    child.ChildUid = MINIMAL_TARGET_ID;
    child.Miracast.Connected = FALSE;
    (VOID)adapter->Dxgkrnl.DxgkCbIndicateChildStatus(adapter->Dxgkrnl.DeviceHandle, &child);

    KeAcquireSpinLock(&adapter->Lock, &irql);
    adapter->SessionLive = FALSE;
    KeReleaseSpinLock(&adapter->Lock, irql);
    ExFreePoolWithTag(context, MINIMAL_TAG);
}

static NTSTATUS MinimalIoControl(PVOID DriverContext, PVOID MiracastContext, ULONG InputBufferSize,
                                 VOID *pInputBuffer, ULONG OutputBufferSize, VOID *pOutputBuffer,
                                 ULONG *BytesReturned)
{
    UNREFERENCED_PARAMETER(DriverContext);
    if (MiracastContext == NULL || BytesReturned == NULL || (InputBufferSize != 0 && pInputBuffer == NULL)) {
        return STATUS_INVALID_PARAMETER;
    }
    *BytesReturned = 0;
    if (OutputBufferSize < InputBufferSize || (InputBufferSize != 0 && pOutputBuffer == NULL)) {
        return STATUS_BUFFER_TOO_SMALL;
    }
    if (InputBufferSize != 0) {
        RtlCopyMemory(pOutputBuffer, pInputBuffer, InputBufferSize);
    }
    *BytesReturned = InputBufferSize;
    return STATUS_SUCCESS;
}

/* ------------------------------------------------------------------ device DDIs */

static NTSTATUS APIENTRY MinimalAddDevice(CONST PDEVICE_OBJECT PhysicalDeviceObject, PVOID *MiniportDeviceContext)
{
    PMINIMAL_ADAPTER adapter;

    if (PhysicalDeviceObject == NULL || MiniportDeviceContext == NULL) {
        return STATUS_INVALID_PARAMETER;
    }
    adapter = (PMINIMAL_ADAPTER)ExAllocatePool2(POOL_FLAG_NON_PAGED, sizeof(*adapter), MINIMAL_TAG);
    if (adapter == NULL) {
        return STATUS_NO_MEMORY;
    }
    KeInitializeSpinLock(&adapter->Lock);
    *MiniportDeviceContext = adapter;
    return STATUS_SUCCESS;
}

static NTSTATUS APIENTRY MinimalStartDevice(CONST PVOID MiniportDeviceContext, PDXGK_START_INFO DxgkStartInfo,
                                            PDXGKRNL_INTERFACE DxgkInterface, PULONG NumberOfVideoPresentSources,
                                            PULONG NumberOfChildren)
{
    PMINIMAL_ADAPTER adapter = (PMINIMAL_ADAPTER)MiniportDeviceContext;

    if (DxgkStartInfo == NULL || DxgkInterface == NULL || DxgkInterface->Size < sizeof(DXGKRNL_INTERFACE)) {
        return STATUS_INVALID_PARAMETER;
    }
    adapter->Dxgkrnl = *DxgkInterface;
    *NumberOfVideoPresentSources = 1;
    *NumberOfChildren = 1;
    return STATUS_SUCCESS;
}

static NTSTATUS APIENTRY MinimalStopDevice(CONST PVOID MiniportDeviceContext)
{
    (VOID)MiniportDeviceContext;     /* a CONST parameter: UNREFERENCED_PARAMETER would assign it */
    return STATUS_SUCCESS;
}

static NTSTATUS APIENTRY MinimalRemoveDevice(CONST PVOID MiniportDeviceContext)
{
    ExFreePoolWithTag(MiniportDeviceContext, MINIMAL_TAG);
    return STATUS_SUCCESS;
}

static NTSTATUS APIENTRY MinimalQueryChildRelations(CONST PVOID MiniportDeviceContext,
                                                    PDXGK_CHILD_DESCRIPTOR ChildRelations, ULONG ChildRelationsSize)
{
    (VOID)MiniportDeviceContext;     /* a CONST parameter: UNREFERENCED_PARAMETER would assign it */
    if (ChildRelations == NULL || ChildRelationsSize < 2 * sizeof(DXGK_CHILD_DESCRIPTOR)) {
        return STATUS_BUFFER_TOO_SMALL;
    }
    RtlZeroMemory(ChildRelations, ChildRelationsSize);
    ChildRelations[0].ChildDeviceType = TypeVideoOutput;
    ChildRelations[0].ChildCapabilities.Type.VideoOutput.InterfaceTechnology = D3DKMDT_VOT_MIRACAST;
    ChildRelations[0].ChildCapabilities.Type.VideoOutput.MonitorOrientationAwareness = D3DKMDT_MOA_NONE;
    ChildRelations[0].ChildCapabilities.HpdAwareness = HpdAwarenessInterruptible;
    ChildRelations[0].ChildUid = MINIMAL_TARGET_ID;
    return STATUS_SUCCESS;
}

static NTSTATUS APIENTRY MinimalQueryChildStatus(CONST PVOID MiniportDeviceContext, PDXGK_CHILD_STATUS ChildStatus,
                                                 BOOLEAN NonDestructiveOnly)
{
    (VOID)MiniportDeviceContext;     /* a CONST parameter: UNREFERENCED_PARAMETER would assign it */
    UNREFERENCED_PARAMETER(NonDestructiveOnly);
    if (ChildStatus == NULL || ChildStatus->ChildUid != MINIMAL_TARGET_ID) {
        return STATUS_INVALID_PARAMETER;
    }
    if (ChildStatus->Type == StatusConnection) {
        ChildStatus->HotPlug.Connected = FALSE;     /* no monitor before a session */
        return STATUS_SUCCESS;
    }
    if (ChildStatus->Type == StatusMiracastConnection) {
        ChildStatus->Miracast.Connected = FALSE;
        return STATUS_SUCCESS;
    }
    return STATUS_NOT_SUPPORTED;
}

static NTSTATUS APIENTRY MinimalQueryInterface(CONST PVOID MiniportDeviceContext, PQUERY_INTERFACE QueryInterface)
{
    PDXGK_MIRACAST_DISPLAY_INTERFACE iface;

    if (QueryInterface == NULL || QueryInterface->InterfaceType == NULL ||
        !IsEqualGUID(QueryInterface->InterfaceType, &GUID_DEVINTERFACE_MIRACAST_DISPLAY) ||
        QueryInterface->Size < sizeof(DXGK_MIRACAST_DISPLAY_INTERFACE) ||
        QueryInterface->Version != DXGK_MIRACAST_DISPLAY_INTERFACE_VERSION_1 || QueryInterface->Interface == NULL) {
        return STATUS_NOT_SUPPORTED;
    }
    iface = (PDXGK_MIRACAST_DISPLAY_INTERFACE)QueryInterface->Interface;
    RtlZeroMemory(iface, sizeof(*iface));
    iface->Size = sizeof(DXGK_MIRACAST_DISPLAY_INTERFACE);
    iface->Version = DXGK_MIRACAST_DISPLAY_INTERFACE_VERSION_1;
    iface->Context = MiniportDeviceContext;
    iface->DxgkDdiMiracastQueryCaps = MinimalQueryCaps;
    iface->DxgkDdiMiracastCreateContext = MinimalCreateContext;
    iface->DxgkDdiMiracastIoControl = MinimalIoControl;
    iface->DxgkDdiMiracastDestroyContext = MinimalDestroyContext;
    return STATUS_SUCCESS;
}

static VOID APIENTRY MinimalUnload(VOID)
{
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    DRIVER_INITIALIZATION_DATA init;

    RtlZeroMemory(&init, sizeof(init));
    init.Version = DXGKDDI_INTERFACE_VERSION_WDDM1_3;
    init.DxgkDdiAddDevice = MinimalAddDevice;
    init.DxgkDdiStartDevice = MinimalStartDevice;
    init.DxgkDdiStopDevice = MinimalStopDevice;
    init.DxgkDdiRemoveDevice = MinimalRemoveDevice;
    init.DxgkDdiQueryChildRelations = MinimalQueryChildRelations;
    init.DxgkDdiQueryChildStatus = MinimalQueryChildStatus;
    init.DxgkDdiQueryInterface = MinimalQueryInterface;
    init.DxgkDdiUnload = MinimalUnload;
    return DxgkInitialize(DriverObject, RegistryPath, &init);
}

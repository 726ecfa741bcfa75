/*++

Module Name:

    mp_driver.c

Abstract:

    The test miniport's registration and device DDIs, as a WDDM miniport writes them:
      - DriverEntry fills DRIVER_INITIALIZATION_DATA and calls DxgkInitialize;
      - AddDevice allocates the adapter, StartDevice copies the DXGKRNL_INTERFACE and reports one
        video present source and two children: a local HDMI output and the Miracast target
        (D3DKMDT_VOT_MIRACAST, HpdAwarenessInterruptible), which stays disconnected until a
        session's monitor arrives;
      - QueryInterface returns the Miracast interface and the harness's test hooks;
      - the DPC routine calls DxgkCbNotifyDpc for the chunks its "ISR" reported;
      - StopDevice, RemoveDevice and Unload undo it all.

Environment:

    Kernel mode, PASSIVE_LEVEL (the DPC routine: DISPATCH_LEVEL on Windows).

--*/

#include "mh_kernel.h"
#include <initguid.h>       /* this unit holds the storage of the GUIDs it compares */
#include "mp_test.h"

PMP_ADAPTER g_MpAdapter;

DRIVER_INITIALIZE DriverEntry;
static DXGKDDI_ADD_DEVICE MpDdiAddDevice;
static DXGKDDI_START_DEVICE MpDdiStartDevice;
static DXGKDDI_STOP_DEVICE MpDdiStopDevice;
static DXGKDDI_REMOVE_DEVICE MpDdiRemoveDevice;
static DXGKDDI_QUERY_CHILD_RELATIONS MpDdiQueryChildRelations;
static DXGKDDI_QUERY_CHILD_STATUS MpDdiQueryChildStatus;
static DXGKDDI_QUERY_INTERFACE MpDdiQueryInterface;
static DXGKDDI_DPC_ROUTINE MpDdiDpcRoutine;
static DXGKDDI_UNLOAD MpDdiUnload;

_Use_decl_annotations_
static NTSTATUS APIENTRY MpDdiAddDevice(CONST PDEVICE_OBJECT PhysicalDeviceObject, PVOID *MiniportDeviceContext)
{
    PMP_ADAPTER a;

    if (PhysicalDeviceObject == NULL || MiniportDeviceContext == NULL) {
        return STATUS_INVALID_PARAMETER;
    }
    a = (PMP_ADAPTER)MpAllocate(sizeof(*a), MP_TAG_ADAPTER);
    if (a == NULL) {
        return STATUS_NO_MEMORY;
    }
    KeInitializeSpinLock(&a->Lock);
    a->PhysicalDeviceObject = PhysicalDeviceObject;
    a->TargetCount = 1;         /* one Miracast session per adapter, as on hardware */
    a->Caps.MaxChunkPrivateDriverDataSize = MP_CAPS_MAX_CHUNK_PRIVATE_DATA;
    a->Caps.Flags.Value = MP_CAPS_FLAGS;
#if defined(MP_BREAK_NO_HDCP)
    a->Caps.Flags.HdcpSupport = 0;
#endif
    g_MpAdapter = a;
    *MiniportDeviceContext = a;
    return STATUS_SUCCESS;
}

_Use_decl_annotations_
static NTSTATUS APIENTRY MpDdiStartDevice(CONST PVOID MiniportDeviceContext, PDXGK_START_INFO DxgkStartInfo,
                                          PDXGKRNL_INTERFACE DxgkInterface, PULONG NumberOfVideoPresentSources,
                                          PULONG NumberOfChildren)
{
    PMP_ADAPTER a = (PMP_ADAPTER)MiniportDeviceContext;

    if (a == NULL || DxgkStartInfo == NULL || DxgkInterface == NULL || NumberOfVideoPresentSources == NULL ||
        NumberOfChildren == NULL || DxgkInterface->Size < sizeof(DXGKRNL_INTERFACE)) {
        return STATUS_INVALID_PARAMETER;
    }
    a->Dxgkrnl = *DxgkInterface;
#if defined(MP_BREAK_ASKS_SERVICES)
    {
        /* A miniport that wants more of the OS than a Miracast harness provides: told, it carries on. */
        DXGK_DEVICE_INFO info;
        INTERFACE iface;
        RtlZeroMemory(&iface, sizeof(iface));
        (VOID)a->Dxgkrnl.DxgkCbGetDeviceInformation(a->Dxgkrnl.DeviceHandle, &info);
        (VOID)a->Dxgkrnl.DxgkCbQueryServices(a->Dxgkrnl.DeviceHandle, DxgkServicesDebugReport, &iface);
    }
#endif
    a->Started = TRUE;
    *NumberOfVideoPresentSources = 1;
#if defined(MP_BREAK_TWO_MIRACAST)
    *NumberOfChildren = MP_CHILD_COUNT + 1;
#else
    *NumberOfChildren = MP_CHILD_COUNT;
#endif
    return STATUS_SUCCESS;
}

_Use_decl_annotations_
static NTSTATUS APIENTRY MpDdiStopDevice(CONST PVOID MiniportDeviceContext)
{
    PMP_ADAPTER a = (PMP_ADAPTER)MiniportDeviceContext;

    a->Started = FALSE;
    return STATUS_SUCCESS;
}

_Use_decl_annotations_
static NTSTATUS APIENTRY MpDdiRemoveDevice(CONST PVOID MiniportDeviceContext)
{
    PMP_ADAPTER a = (PMP_ADAPTER)MiniportDeviceContext;

    g_MpAdapter = NULL;
    MpFree(a, MP_TAG_ADAPTER);
    return STATUS_SUCCESS;
}

static VOID MpDescribeOutput(PDXGK_CHILD_DESCRIPTOR Child, ULONG Uid, D3DKMDT_VIDEO_OUTPUT_TECHNOLOGY Technology,
                             DXGK_CHILD_DEVICE_HPD_AWARENESS Hpd)
{
    Child->ChildDeviceType = TypeVideoOutput;
    Child->ChildCapabilities.Type.VideoOutput.InterfaceTechnology = Technology;
    Child->ChildCapabilities.Type.VideoOutput.MonitorOrientationAwareness = D3DKMDT_MOA_NONE;
    Child->ChildCapabilities.Type.VideoOutput.SupportsSdtvModes = FALSE;
    Child->ChildCapabilities.HpdAwareness = Hpd;
    Child->AcpiUid = 0;
    Child->ChildUid = Uid;
}

/*++
Routine Description:
    DxgkDdiQueryChildRelations: a local HDMI output, and the one Miracast target
    (D3DKMDT_VOT_MIRACAST, HpdAwarenessInterruptible [DOC]).
--*/
_Use_decl_annotations_
static NTSTATUS APIENTRY MpDdiQueryChildRelations(CONST PVOID MiniportDeviceContext, PDXGK_CHILD_DESCRIPTOR ChildRelations,
                                                  ULONG ChildRelationsSize)
{
    ULONG children = 0;
    D3DKMDT_VIDEO_OUTPUT_TECHNOLOGY miracast = D3DKMDT_VOT_MIRACAST;
    DXGK_CHILD_DEVICE_HPD_AWARENESS hpd = HpdAwarenessInterruptible;

    (VOID)MiniportDeviceContext;     /* a CONST parameter: UNREFERENCED_PARAMETER would assign it */
#if defined(MP_BREAK_NO_MIRACAST)
    miracast = D3DKMDT_VOT_HD15;
#endif
#if defined(MP_BREAK_HPD_POLLED)
    hpd = HpdAwarenessPolled;
#endif
    if (ChildRelations == NULL || ChildRelationsSize < (MP_CHILD_COUNT + 1) * sizeof(DXGK_CHILD_DESCRIPTOR)) {
        return STATUS_BUFFER_TOO_SMALL;
    }
    RtlZeroMemory(ChildRelations, ChildRelationsSize);
    MpDescribeOutput(&ChildRelations[children++], MP_LOCAL_TARGET_ID, D3DKMDT_VOT_HDMI, HpdAwarenessInterruptible);
    MpDescribeOutput(&ChildRelations[children++], MP_FIRST_TARGET_ID, miracast, hpd);
#if defined(MP_BREAK_TWO_MIRACAST)
    if (ChildRelationsSize >= (MP_CHILD_COUNT + 2) * sizeof(DXGK_CHILD_DESCRIPTOR)) {
        MpDescribeOutput(&ChildRelations[children++], MP_FIRST_TARGET_ID + 1, D3DKMDT_VOT_MIRACAST,
                         HpdAwarenessInterruptible);
    }
#endif
    return STATUS_SUCCESS;
}

/* DxgkDdiQueryChildStatus: connection of a child; the Miracast target only while a monitor is there. */
_Use_decl_annotations_
static NTSTATUS APIENTRY MpDdiQueryChildStatus(CONST PVOID MiniportDeviceContext, PDXGK_CHILD_STATUS ChildStatus,
                                               BOOLEAN NonDestructiveOnly)
{
    PMP_ADAPTER a = (PMP_ADAPTER)MiniportDeviceContext;

    UNREFERENCED_PARAMETER(NonDestructiveOnly);
    if (ChildStatus == NULL) {
        return STATUS_INVALID_PARAMETER;
    }
    if (ChildStatus->ChildUid != MP_FIRST_TARGET_ID && ChildStatus->ChildUid != MP_LOCAL_TARGET_ID) {
        return STATUS_INVALID_PARAMETER;
    }
    switch (ChildStatus->Type) {
    case StatusConnection:
        ChildStatus->HotPlug.Connected = (ChildStatus->ChildUid == MP_FIRST_TARGET_ID) &&
                                         InterlockedCompareExchange64(MP_STATE_PTR(a, MonitorConnected), 0, 0) != 0;
#if defined(MP_BREAK_CONNECTED_AT_START)
        ChildStatus->HotPlug.Connected = TRUE;
#endif
        return STATUS_SUCCESS;
    case StatusMiracastConnection:
        ChildStatus->Miracast.Connected = (ChildStatus->ChildUid == MP_FIRST_TARGET_ID) &&
                                          InterlockedCompareExchange64(MP_STATE_PTR(a, MonitorConnected), 0, 0) != 0;
        ChildStatus->Miracast.MiracastMonitorType = D3DKMDT_VOT_MIRACAST;
        return STATUS_SUCCESS;
    default:
        return STATUS_NOT_SUPPORTED;
    }
}

/*++
Routine Description:
    DxgkDdiQueryInterface: the Miracast interface (GUID_DEVINTERFACE_MIRACAST_DISPLAY) when the
    size and version are ones this driver speaks, and the harness's test hooks (GUID_MH_TEST_HOOKS).
    Both live as long as the adapter: no reference routines.
--*/
_Use_decl_annotations_
static NTSTATUS APIENTRY MpDdiQueryInterface(CONST PVOID MiniportDeviceContext, PQUERY_INTERFACE QueryInterface)
{
    PMP_ADAPTER a = (PMP_ADAPTER)MiniportDeviceContext;

    if (QueryInterface == NULL || QueryInterface->InterfaceType == NULL || QueryInterface->Interface == NULL) {
        return STATUS_NOT_SUPPORTED;
    }
    if (IsEqualGUID(QueryInterface->InterfaceType, &GUID_DEVINTERFACE_MIRACAST_DISPLAY)) {
        PDXGK_MIRACAST_DISPLAY_INTERFACE iface = (PDXGK_MIRACAST_DISPLAY_INTERFACE)QueryInterface->Interface;

        if (QueryInterface->Size < sizeof(DXGK_MIRACAST_DISPLAY_INTERFACE) ||
            QueryInterface->Version != DXGK_MIRACAST_DISPLAY_INTERFACE_VERSION_1) {
            return STATUS_NOT_SUPPORTED;
        }
        RtlZeroMemory(iface, sizeof(*iface));
        iface->Size = sizeof(DXGK_MIRACAST_DISPLAY_INTERFACE);
        iface->Version = DXGK_MIRACAST_DISPLAY_INTERFACE_VERSION_1;
        iface->Context = a;
        iface->DxgkDdiMiracastQueryCaps = MpDdiMiracastQueryCaps;
        iface->DxgkDdiMiracastCreateContext = MpDdiMiracastCreateContext;
        iface->DxgkDdiMiracastIoControl = MpDdiMiracastIoControl;
        iface->DxgkDdiMiracastDestroyContext = MpDdiMiracastDestroyContext;
        return STATUS_SUCCESS;
    }
    if (IsEqualGUID(QueryInterface->InterfaceType, &GUID_MH_TEST_HOOKS)) {
        if (QueryInterface->Size < sizeof(MH_TEST_HOOKS_INTERFACE) || QueryInterface->Version != MH_TEST_HOOKS_VERSION_1) {
            return STATUS_NOT_SUPPORTED;
        }
        MpFillTestHooks(a, (MH_TEST_HOOKS_INTERFACE *)QueryInterface->Interface);
        return STATUS_SUCCESS;
    }
    return STATUS_NOT_SUPPORTED;
}

/* DxgkDdiDpcRoutine, queued by the encoder's "ISR": the chunks it reported become readable. */
_Use_decl_annotations_
static VOID APIENTRY MpDdiDpcRoutine(CONST PVOID MiniportDeviceContext)
{
    PMP_ADAPTER a = (PMP_ADAPTER)MiniportDeviceContext;

    MP_INC(a, DpcCalls);
    a->Dxgkrnl.DxgkCbNotifyDpc(a->Dxgkrnl.DeviceHandle);
}

static VOID APIENTRY MpDdiUnload(VOID)
{
    g_MpAdapter = NULL;
}

/*++
Routine Description:
    The miniport's entry point, as in every WDDM miniport: it registers its DDIs with dxgkrnl (in
    the harness, with the host) through DxgkInitialize.
--*/
_Use_decl_annotations_
NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    DRIVER_INITIALIZATION_DATA init;

    RtlZeroMemory(&init, sizeof(init));
    init.Version = DXGKDDI_INTERFACE_VERSION_WDDM1_3;
    init.DxgkDdiAddDevice = MpDdiAddDevice;
    init.DxgkDdiStartDevice = MpDdiStartDevice;
    init.DxgkDdiStopDevice = MpDdiStopDevice;
    init.DxgkDdiRemoveDevice = MpDdiRemoveDevice;
    init.DxgkDdiQueryChildRelations = MpDdiQueryChildRelations;
    init.DxgkDdiQueryChildStatus = MpDdiQueryChildStatus;
    init.DxgkDdiQueryInterface = MpDdiQueryInterface;
    init.DxgkDdiDpcRoutine = MpDdiDpcRoutine;
    init.DxgkDdiUnload = MpDdiUnload;
    return DxgkInitialize(DriverObject, RegistryPath, &init);
}

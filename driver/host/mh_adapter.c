/*++

Module Name:

    mh_adapter.c

Abstract:

    Registration and the adapter, as dxgkrnl does them for a WDDM miniport:
      - DxgkInitialize (in place of displib's): the miniport's DriverEntry registers its
        DRIVER_INITIALIZATION_DATA, which the host checks and records;
      - start, in dxgkrnl's order: DxgkDdiAddDevice, DxgkDdiStartDevice (with the host's
        DXGKRNL_INTERFACE), DxgkDdiQueryChildRelations (exactly one child of type
        D3DKMDT_VOT_MIRACAST, HpdAwarenessInterruptible), DxgkDdiQueryChildStatus (that child
        disconnected until a session starts), DxgkDdiQueryInterface for
        GUID_DEVINTERFACE_MIRACAST_DISPLAY (Size 64, Version 1, four DDIs [OBS]), the optional
        test-hooks interface, and DxgkDdiMiracastQueryCaps once;
      - stop: the interfaces dereferenced, DxgkDdiStopDevice, DxgkDdiRemoveDevice, DxgkDdiUnload.
    Every step is traced (MH_TRACE_ADAPTER); a failed start records its step and status under the
    service key (AdapterStartStep, AdapterStartStatus), and stop records the order it ran in
    (AdapterStopOrder), where they outlive the driver image; children that break the Miracast rules
    are a contract violation whose kind is recorded there too (AdapterStartViolation).

Environment:

    Kernel mode, PASSIVE_LEVEL.

--*/

#include "mh_kernel.h"
#include <initguid.h>       /* from here on DEFINE_GUID gives storage: the interface GUIDs the host queries */
#include "mh_host_state.h"

/* The adapter identity StartDevice hands over (a harness has no PnP-assigned one). */
/* {5D3A7F6C-4D48-4841-524E-455353000001} */
static const GUID MhAdapterGuid = { 0x5d3a7f6c, 0x4d48, 0x4841, { 0x52, 0x4e, 0x45, 0x53, 0x53, 0x00, 0x00, 0x01 } };

VOID MhRecordServiceValue(PMH_HOST Host, PCWSTR Name, ULONG Value)
{
    if (Host->RegistryPath.Length != 0) {
        (VOID)RtlWriteRegistryValue(RTL_REGISTRY_ABSOLUTE, Host->RegistryPath.Buffer, Name, REG_DWORD,
                                    &Value, sizeof(Value));
    }
}

static VOID MhRecordServiceString(PMH_HOST Host, PCWSTR Name, PCWSTR Value)
{
    SIZE_T length = 0;

    while (Value[length] != L'\0') {
        length++;
    }
    if (Host->RegistryPath.Length != 0) {
        (VOID)RtlWriteRegistryValue(RTL_REGISTRY_ABSOLUTE, Host->RegistryPath.Buffer, Name, REG_SZ,
                                    (PVOID)Value, (ULONG)((length + 1) * sizeof(WCHAR)));
    }
}

static VOID MhAdapterTrace(PMH_HOST Host, ULONG Step, NTSTATUS Status, ULONG64 Arg0, ULONG64 Arg1)
{
    MhTrace(Host, MH_TRACE_ADAPTER, Step, Status, 0, 0, Arg0, Arg1);
}

/* ------------------------------------------------------------------ registration */

/*++
Routine Description:
    DxgkInitialize, as a WDDM miniport's DriverEntry calls it. The host implements it in place of
    displib's: it checks the initialization data and records it. Miracast needs WDDM 1.3, and a
    miniport that registers without the device DDIs dxgkrnl calls cannot be hosted.
Arguments:
    DriverObject - the harness's driver object (the miniport must not take its dispatch table).
    RegistryPath - the service key.
    DriverInitializationData - the miniport's DDIs and DDI version.
Return Value:
    STATUS_SUCCESS; STATUS_INVALID_PARAMETER for missing data or DDIs; STATUS_NOT_SUPPORTED for a
    version older than WDDM 1.3; STATUS_INVALID_DEVICE_STATE outside the harness's entry or twice.
--*/
_Use_decl_annotations_
NTSTATUS DxgkInitialize(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath,
                        PDRIVER_INITIALIZATION_DATA DriverInitializationData)
{
    PMH_HOST host = g_MhHost;
    const DRIVER_INITIALIZATION_DATA *data = DriverInitializationData;
    NTSTATUS status = STATUS_SUCCESS;

    UNREFERENCED_PARAMETER(RegistryPath);
    if (host == NULL || host->Adapter.Registered) {
        return STATUS_INVALID_DEVICE_STATE;
    }
    if (DriverObject == NULL || data == NULL) {
        status = STATUS_INVALID_PARAMETER;
    } else if (data->Version < DXGKDDI_INTERFACE_VERSION_WDDM1_3) {
        status = STATUS_NOT_SUPPORTED;      /* [OBS] the Miracast interface is queried only from WDDM 1.3 */
    } else if (data->DxgkDdiAddDevice == NULL || data->DxgkDdiStartDevice == NULL ||
               data->DxgkDdiStopDevice == NULL || data->DxgkDdiRemoveDevice == NULL ||
               data->DxgkDdiQueryChildRelations == NULL || data->DxgkDdiQueryChildStatus == NULL ||
               data->DxgkDdiQueryInterface == NULL || data->DxgkDdiUnload == NULL) {
        status = STATUS_INVALID_PARAMETER;
    } else {
        host->Adapter.Init = *data;
        host->Adapter.Registered = TRUE;
    }
    MhAdapterTrace(host, MH_ADAPTER_STEP_INITIALIZE, status, data != NULL ? data->Version : 0, 0);
    return status;
}

/* ------------------------------------------------------------------ start */

/*++
Routine Description:
    The children, checked as the OS checks them: exactly one Miracast target, reporting HPD
    awareness HpdAwarenessInterruptible [DOC]; more than one fails the adapter start.
--*/
static NTSTATUS MhAdapterQueryChildren(PMH_HOST Host)
{
    MH_ADAPTER *a = &Host->Adapter;
    PDXGK_CHILD_DESCRIPTOR children;
    ULONG size = (a->Children + 1) * (ULONG)sizeof(DXGK_CHILD_DESCRIPTOR);
    ULONG miracast = 0, i;
    NTSTATUS status;

    children = (PDXGK_CHILD_DESCRIPTOR)MhAlloc(Host, MhPoolDdiBuffer, size);
    if (children == NULL) {
        return STATUS_NO_MEMORY;
    }
    status = a->Init.DxgkDdiQueryChildRelations(a->MiniportDeviceContext, children, size);
    if (NT_SUCCESS(status)) {
        for (i = 0; i < a->Children; i++) {
            if (children[i].ChildDeviceType == TypeVideoOutput &&
                children[i].ChildCapabilities.Type.VideoOutput.InterfaceTechnology == D3DKMDT_VOT_MIRACAST) {
                if (miracast++ == 0) {
                    a->MiracastChildUid = children[i].ChildUid;
                    a->MiracastHpdAwareness = children[i].ChildCapabilities.HpdAwareness;
                }
            }
        }
        if (miracast != 1 || a->MiracastHpdAwareness != HpdAwarenessInterruptible) {
            a->StartViolation = miracast == 0 ? MH_VIOLATION_NO_MIRACAST
                              : miracast > 1  ? MH_VIOLATION_TWO_MIRACAST
                                              : MH_VIOLATION_HPD_NOT_INTERRUPTIBLE;
            MhViolation(Host, a->StartViolation, 0, miracast > 1 ? miracast : (ULONG)a->MiracastHpdAwareness, 0);
            status = MH_STATUS_BAD_CHILDREN;
        }
    }
    MhFree(Host, MhPoolDdiBuffer, children);
    MhAdapterTrace(Host, MH_ADAPTER_STEP_QUERY_CHILD_RELATIONS, status, miracast, a->MiracastChildUid);
    return status;
}

/* The Miracast child starts disconnected: nothing is connected before a session [DOC]. */
static NTSTATUS MhAdapterQueryChildStatus(PMH_HOST Host)
{
    MH_ADAPTER *a = &Host->Adapter;
    DXGK_CHILD_STATUS child;
    NTSTATUS status;

    RtlZeroMemory(&child, sizeof(child));
    child.Type = StatusConnection;
    child.ChildUid = a->MiracastChildUid;
    status = a->Init.DxgkDdiQueryChildStatus(a->MiniportDeviceContext, &child, TRUE);
    if (NT_SUCCESS(status) && child.HotPlug.Connected) {
        a->StartViolation = MH_VIOLATION_CONNECTED_AT_START;
        MhViolation(Host, a->StartViolation, 0, a->MiracastChildUid, 0);
        status = MH_STATUS_BAD_CHILDREN;
    }
    MhAdapterTrace(Host, MH_ADAPTER_STEP_QUERY_CHILD_STATUS, status, child.HotPlug.Connected, a->MiracastChildUid);
    return status;
}

/* DxgkDdiQueryInterface for the Miracast interface, checked as dxgkrnl checks it [OBS]. */
static NTSTATUS MhAdapterQueryMiracast(PMH_HOST Host)
{
    MH_ADAPTER *a = &Host->Adapter;
    DXGK_MIRACAST_DISPLAY_INTERFACE *m = &a->Miracast;
    QUERY_INTERFACE query;
    NTSTATUS status;

    RtlZeroMemory(&query, sizeof(query));
    query.InterfaceType = &GUID_DEVINTERFACE_MIRACAST_DISPLAY;
    query.Size = sizeof(DXGK_MIRACAST_DISPLAY_INTERFACE);
    query.Version = DXGK_MIRACAST_DISPLAY_INTERFACE_VERSION_1;
    query.Interface = (PINTERFACE)m;
    status = a->Init.DxgkDdiQueryInterface(a->MiniportDeviceContext, &query);
    if (NT_SUCCESS(status) &&
        (m->Size < 0x40 || m->Version != DXGK_MIRACAST_DISPLAY_INTERFACE_VERSION_1 ||
         m->DxgkDdiMiracastQueryCaps == NULL || m->DxgkDdiMiracastCreateContext == NULL ||
         m->DxgkDdiMiracastIoControl == NULL || m->DxgkDdiMiracastDestroyContext == NULL)) {
        status = STATUS_INVALID_PARAMETER;
    }
    MhAdapterTrace(Host, MH_ADAPTER_STEP_QUERY_MIRACAST_INTERFACE, status, m->Size, m->Version);
    return status;
}

/* The optional test hooks: a miniport without them is hosted all the same. */
static VOID MhAdapterQueryTestHooks(PMH_HOST Host)
{
    MH_ADAPTER *a = &Host->Adapter;
    MH_TEST_HOOKS_INTERFACE *h = &a->Hooks;
    QUERY_INTERFACE query;
    NTSTATUS status;

    RtlZeroMemory(&query, sizeof(query));
    query.InterfaceType = &GUID_MH_TEST_HOOKS;
    query.Size = sizeof(MH_TEST_HOOKS_INTERFACE);
    query.Version = MH_TEST_HOOKS_VERSION_1;
    query.Interface = (PINTERFACE)h;
    status = a->Init.DxgkDdiQueryInterface(a->MiniportDeviceContext, &query);
    if (NT_SUCCESS(status)) {
        a->HasTestHooks = h->Size >= sizeof(MH_TEST_HOOKS_INTERFACE) && h->Version == MH_TEST_HOOKS_VERSION_1 &&
                          h->SendMessage != NULL && h->ReportChunks != NULL && h->ConfigureTargets != NULL &&
                          h->ReadState != NULL;
        if (!a->HasTestHooks) {
            MhViolation(Host, MH_VIOLATION_TEST_HOOKS, 0, h->Size, h->Version);
            status = STATUS_INVALID_PARAMETER;
        }
    }
    MhAdapterTrace(Host, MH_ADAPTER_STEP_QUERY_TEST_HOOKS, status, h->Size, h->Version);
}

/*++
Routine Description:
    Brings the adapter up in dxgkrnl's order (see the file header). On failure everything started
    is undone and the step and status are recorded under the service key.
--*/
_Use_decl_annotations_
NTSTATUS MhHostStartAdapter(PMH_HOST Host)
{
    MH_ADAPTER *a = &Host->Adapter;
    DXGK_START_INFO startInfo;
    ULONG step = MH_ADAPTER_STEP_INITIALIZE;
    NTSTATUS status = STATUS_INVALID_DEVICE_STATE;   /* DriverEntry never called DxgkInitialize */

    if (!a->Registered) {
        goto Fail;
    }
    step = MH_ADAPTER_STEP_ADD_DEVICE;
    status = a->Init.DxgkDdiAddDevice(Host->PhysicalDevice, &a->MiniportDeviceContext);
    MhAdapterTrace(Host, step, status, 0, 0);
    if (!NT_SUCCESS(status)) {
        goto Fail;
    }
    a->Added = TRUE;

    step = MH_ADAPTER_STEP_START_DEVICE;
    MhServicesFill(Host, &a->Dxgkrnl);
    RtlZeroMemory(&startInfo, sizeof(startInfo));
    startInfo.AdapterGuid = MhAdapterGuid;
    startInfo.AdapterLuid.LowPart = MH_TAG('M','H','a','d');
    status = a->Init.DxgkDdiStartDevice(a->MiniportDeviceContext, &startInfo, &a->Dxgkrnl.Interface,
                                        &a->VideoPresentSources, &a->Children);
    MhAdapterTrace(Host, step, status, a->VideoPresentSources, a->Children);
    if (!NT_SUCCESS(status)) {
        goto Fail;
    }
    a->Started = TRUE;
    if (a->Children == 0 || a->Children > MH_MAX_CHILDREN) {
        status = MH_STATUS_BAD_CHILDREN;
        goto Fail;
    }

    step = MH_ADAPTER_STEP_QUERY_CHILD_RELATIONS;
    status = MhAdapterQueryChildren(Host);
    if (!NT_SUCCESS(status)) {
        goto Fail;
    }
    step = MH_ADAPTER_STEP_QUERY_CHILD_STATUS;
    status = MhAdapterQueryChildStatus(Host);
    if (!NT_SUCCESS(status)) {
        goto Fail;
    }
    step = MH_ADAPTER_STEP_QUERY_MIRACAST_INTERFACE;
    status = MhAdapterQueryMiracast(Host);
    if (!NT_SUCCESS(status)) {
        goto Fail;
    }
    MhAdapterQueryTestHooks(Host);

    step = MH_ADAPTER_STEP_QUERY_CAPS;
    status = MhDdiQueryCapsAtStart(Host, &a->CapsAtStart);
    if (NT_SUCCESS(status) && a->CapsAtStart.MaxChunkPrivateDriverDataSize > MH_MAX_CHUNK_PRIVATE_BYTES) {
        status = STATUS_NOT_SUPPORTED;      /* more private data per chunk than the harness carries */
    }
    MhAdapterTrace(Host, step, status, a->CapsAtStart.MaxChunkPrivateDriverDataSize, a->CapsAtStart.Flags.Value);
    if (!NT_SUCCESS(status)) {
        goto Fail;
    }
    Host->ChunkPrivateMax = a->CapsAtStart.MaxChunkPrivateDriverDataSize;

    MhTrackerMarkStart(Host);
    MhRecordServiceValue(Host, L"AdapterStartStep", 0);
    MhRecordServiceValue(Host, L"AdapterStartStatus", 0);
    MhRecordServiceValue(Host, L"AdapterStartViolation", MH_VIOLATION_NONE);
    return STATUS_SUCCESS;

Fail:
    MhRecordServiceValue(Host, L"AdapterStartStep", step);
    MhRecordServiceValue(Host, L"AdapterStartStatus", (ULONG)status);
    MhRecordServiceValue(Host, L"AdapterStartViolation", a->StartViolation);
    MhAdapterStop(Host);
    return status;
}

/* ------------------------------------------------------------------ stop */

/*++
Routine Description:
    Takes the adapter down in dxgkrnl's order, as far as it came up: the interfaces dereferenced,
    DxgkDdiStopDevice, DxgkDdiRemoveDevice, DxgkDdiUnload. Records the order under the service key
    (AdapterStopOrder), since the trace goes with the image.
--*/
VOID MhAdapterStop(PMH_HOST Host)
{
    MH_ADAPTER *a = &Host->Adapter;
    WCHAR order[64];
    ULONG used = 0;

    order[0] = L'\0';
#define MH_APPEND_STEP(Name)                                                      \
    do {                                                                          \
        static const WCHAR name_[] = Name;                                        \
        if (used != 0) order[used++] = L',';                                      \
        RtlCopyMemory(order + used, name_, sizeof(name_));                        \
        used += (ULONG)(RTL_NUMBER_OF(name_) - 1);                                \
    } while (0)

    if (a->HasTestHooks && a->Hooks.InterfaceDereference != NULL) {
        a->Hooks.InterfaceDereference(a->Hooks.Context);
    }
    a->HasTestHooks = FALSE;
    if (a->Miracast.InterfaceDereference != NULL) {
        a->Miracast.InterfaceDereference(a->Miracast.Context);
        a->Miracast.InterfaceDereference = NULL;
    }
    if (a->Started) {
        NTSTATUS status = a->Init.DxgkDdiStopDevice(a->MiniportDeviceContext);
        MhAdapterTrace(Host, MH_ADAPTER_STEP_STOP_DEVICE, status, 0, 0);
        MH_APPEND_STEP(L"StopDevice");
        a->Started = FALSE;
    }
    if (a->Added) {
        NTSTATUS status = a->Init.DxgkDdiRemoveDevice(a->MiniportDeviceContext);
        MhAdapterTrace(Host, MH_ADAPTER_STEP_REMOVE_DEVICE, status, 0, 0);
        MH_APPEND_STEP(L"RemoveDevice");
        a->Added = FALSE;
    }
    if (a->Registered) {
        a->Init.DxgkDdiUnload();
        MhAdapterTrace(Host, MH_ADAPTER_STEP_UNLOAD, STATUS_SUCCESS, 0, 0);
        MH_APPEND_STEP(L"Unload");
        a->Registered = FALSE;
    }
#undef MH_APPEND_STEP
    if (used != 0) {
        MhRecordServiceString(Host, L"AdapterStopOrder", order);   /* a second call has nothing to add */
    }
}

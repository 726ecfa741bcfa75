/*++

Module Name:

    mh_entry.c

Abstract:

    The harness image: its real entry point (MhHarnessEntry, given to the linker as the entry),
    its unload routine, and the one IRP completion helper.

    MhHarnessEntry does what the system and dxgkrnl would do around a WDDM miniport:
      1. creates the control device \Device\MiracastHil (for SYSTEM and Administrators only) and
         the host;
      2. calls the miniport's own DriverEntry, which registers through DxgkInitialize as it would
         with displib;
      3. has the host start the adapter (AddDevice, StartDevice, children, interfaces, caps);
      4. takes the dispatch table and unload routine for itself (the miniport never sees an IRP).

Environment:

    Kernel mode, PASSIVE_LEVEL.

--*/

#include "mh_control.h"

DRIVER_INITIALIZE DriverEntry;          /* the hosted miniport's, as a WDDM miniport defines it */
DRIVER_INITIALIZE MhHarnessEntry;
static DRIVER_UNLOAD MhUnload;

VOID MhCompleteIrp(PMH_DEVICE Dev, PIRP Irp, NTSTATUS Status, ULONG_PTR Information)
{
    if (IoSetCancelRoutine(Irp, NULL) != NULL) {
        MH_STAT_INC(Dev->Stats, IrpsCompletedWithCancelRoutine);
    }
    Irp->IoStatus.Status = Status;
    Irp->IoStatus.Information = Information;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
}

ULONG64 MhNextRequestId(PMH_DEVICE Dev)
{
    ULONG64 id;
    KIRQL irql;

    KeAcquireSpinLock(&Dev->Lock, &irql);
    id = ++Dev->NextRequestId;
    KeReleaseSpinLock(&Dev->Lock, irql);
    return id;
}

/* ------------------------------------------------------------------ unload */

static VOID MhSleepMs(ULONG Ms)
{
    LARGE_INTEGER delay;
    delay.QuadPart = MH_RELATIVE_MS(Ms);
    KeDelayExecutionThread(KernelMode, FALSE, &delay);
}

/*++
Routine Description:
    Unloads the driver (`sc stop`). With handles still open (possible under Wine, whose unload
    does not wait for them), their IRPs complete as cancelled, their agent detaches and their
    contexts are destroyed; every message gets its callback; the adapter stops in dxgkrnl's order;
    the host's threads end; every allocation is freed. The host records the figures under the
    service key (UnloadAllocationsOutstanding: 0 when nothing leaked).
--*/
_Use_decl_annotations_
static VOID MhUnload(PDRIVER_OBJECT DriverObject)
{
    PMH_DEVICE dev = (PMH_DEVICE)DriverObject->DeviceObject->DeviceExtension;
    UNICODE_STRING link;
    LIST_ENTRY irps;
    KIRQL irql;

    RtlInitUnicodeString(&link, MH_SYMLINK_NAME_W);
    IoDeleteSymbolicLink(&link);
    InterlockedExchange(&dev->Unloading, 1);
    while (InterlockedCompareExchange(&dev->ActiveDispatches, 0, 0) != 0) {
        MhSleepMs(1);
    }

    /* Every handle still open goes away as if it had been closed. */
    for (;;) {
        PMH_FILE file = NULL;
        PLIST_ENTRY entry;

        KeAcquireSpinLock(&dev->Lock, &irql);
        for (entry = dev->Files.Flink; entry != &dev->Files; entry = entry->Flink) {
            PMH_FILE candidate = CONTAINING_RECORD(entry, MH_FILE, Link);
            if (!candidate->Closed) {
                file = candidate;
                break;
            }
        }
        KeReleaseSpinLock(&dev->Lock, irql);
        if (file == NULL) {
            break;
        }
        MhHandleGone(dev, file);
    }
    InitializeListHead(&irps);
    MhIrpQueueRemoveForFile(&dev->SendQueue, NULL, &irps);
    MhIrpQueueRemoveForFile(&dev->ReceiveQueue, NULL, &irps);
    MhIrpQueueRemoveForFile(&dev->DdiQueue, NULL, &irps);
    MhIrpQueueRemoveForFile(&dev->ChunkQueue, NULL, &irps);
    MhIrpQueueRemoveForFile(&dev->ReapQueue, NULL, &irps);
    MhIrpCompleteList(dev, &irps, STATUS_CANCELLED);

    MhHostStop(dev->Host);

    /* The file objects of handles still open will never see CLOSE from this image. */
    KeAcquireSpinLock(&dev->Lock, &irql);
    while (!IsListEmpty(&dev->Files)) {
        PMH_FILE file = CONTAINING_RECORD(RemoveHeadList(&dev->Files), MH_FILE, Link);
        KeReleaseSpinLock(&dev->Lock, irql);
        file->FileObject->FsContext = NULL;
        MH_STAT_DEC(dev->Stats, HandlesOpen);
        MhFileDereference(dev, file);
        KeAcquireSpinLock(&dev->Lock, &irql);
    }
    KeReleaseSpinLock(&dev->Lock, irql);

    MhHostDestroy(dev->Host);
    dev->Host = NULL;
    IoDeleteDevice(DriverObject->DeviceObject);
}

/* ------------------------------------------------------------------ load */

/*++
Routine Description:
    The image's entry point (see the file header).
Arguments:
    DriverObject - this driver.
    RegistryPath - the service key; the host records its figures there.
Return Value:
    STATUS_SUCCESS, or the first failure (everything made so far is undone; a failed adapter start
    leaves its step and status under the service key).
--*/
_Use_decl_annotations_
NTSTATUS MhHarnessEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNICODE_STRING name, link;
    PDEVICE_OBJECT device = NULL;
    MH_HOST_EVENTS events;
    PMH_DEVICE dev;
    NTSTATUS status;

    RtlInitUnicodeString(&name, MH_DEVICE_NAME_W);
    status = IoCreateDevice(DriverObject, sizeof(MH_DEVICE), &name, MH_DEVICE_TYPE,
                            FILE_DEVICE_SECURE_OPEN, FALSE, &device);
    if (!NT_SUCCESS(status)) {
        return status;
    }
    dev = (PMH_DEVICE)device->DeviceExtension;
    RtlZeroMemory(dev, sizeof(*dev));
    dev->DeviceObject = device;
    KeInitializeSpinLock(&dev->Lock);
    InitializeListHead(&dev->Files);
    MhIrpQueueInitialize(&dev->SendQueue, dev, FALSE, NULL);
    MhIrpQueueInitialize(&dev->ReceiveQueue, dev, FALSE, NULL);
    MhIrpQueueInitialize(&dev->DdiQueue, dev, TRUE, NULL);
    MhIrpQueueInitialize(&dev->ChunkQueue, dev, FALSE, MhControlChunkReadCancelled);
    MhBatchInitializeDevice(dev);

    status = MhSecureDevice(device);
    if (!NT_SUCCESS(status)) {
        goto Fail;
    }

    RtlZeroMemory(&events, sizeof(events));
    events.Context = dev;
    events.AgentMessagesQueued = MhControlServiceReceives;
    events.RunDdiWork = MhControlRunDdiWork;
    events.SendCompleted = MhControlSendCompleted;
    events.ChunkReadDue = MhControlChunkReadDue;
    events.OwnerClosed = MhControlOwnerClosed;
    status = MhHostCreate(device, RegistryPath, &events, &dev->Host);
    if (!NT_SUCCESS(status)) {
        goto Fail;
    }
    dev->Stats = MhHostStats(dev->Host);

    /* The miniport registers as a WDDM miniport does: DriverEntry -> DxgkInitialize. */
    status = DriverEntry(DriverObject, RegistryPath);
    if (NT_SUCCESS(status)) {
        status = MhHostStartAdapter(dev->Host);
    }
    if (!NT_SUCCESS(status)) {
        goto Fail;
    }

    RtlInitUnicodeString(&link, MH_SYMLINK_NAME_W);
    status = IoCreateSymbolicLink(&link, &name);
    if (!NT_SUCCESS(status)) {
        goto Fail;
    }

    /* The harness owns the dispatch routines it serves, whatever the miniport's DriverEntry did. */
    DriverObject->MajorFunction[IRP_MJ_CREATE] = MhDispatchCreate;
    DriverObject->MajorFunction[IRP_MJ_CLEANUP] = MhDispatchCleanup;
    DriverObject->MajorFunction[IRP_MJ_CLOSE] = MhDispatchClose;
    DriverObject->MajorFunction[IRP_MJ_DEVICE_CONTROL] = MhDispatchDeviceControl;
    DriverObject->DriverUnload = MhUnload;
    device->Flags &= ~(ULONG)DO_DEVICE_INITIALIZING;   /* an int constant: no implicit sign change */
    return STATUS_SUCCESS;

Fail:
    if (dev->Host != NULL) {
        MhHostStop(dev->Host);
        MhHostDestroy(dev->Host);
    }
    IoDeleteDevice(device);
    return status;
}

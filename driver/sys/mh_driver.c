/*++

Module Name:

    mh_driver.c

Abstract:

    The miracast-hil companion test driver: a legacy (non-PnP) WDM control device,
    \Device\MiracastHil, that hosts a test Miracast miniport and exposes it to user mode through
    the IOCTLs of miracast_hil_ioctl.h.

    This file: DriverEntry, DriverUnload, and the per-handle lifecycle (CREATE, CLEANUP, CLOSE).
    A handle that goes away takes its IRPs, its contexts and its agent with it:
      - on Windows, IRP_MJ_CLEANUP does it (the handle's IRPs may still be queued; CLOSE comes
        only after every IRP of the handle completed);
      - under Wine, CLEANUP is never sent and IRP_MJ_CLOSE arrives while the handle's IRPs may
        still be pending, so CLOSE does the same work (it is idempotent) and then frees the state.

Environment:

    Kernel mode.

--*/

#include "mh_host.h"
#include "mh_pool.h"

PMH_DEVICE g_MhDevice;

DRIVER_INITIALIZE DriverEntry;
static DRIVER_UNLOAD MhUnload;
_Dispatch_type_(IRP_MJ_CREATE) static DRIVER_DISPATCH MhDispatchCreate;
_Dispatch_type_(IRP_MJ_CLEANUP) static DRIVER_DISPATCH MhDispatchCleanup;
_Dispatch_type_(IRP_MJ_CLOSE) static DRIVER_DISPATCH MhDispatchClose;
_Dispatch_type_(IRP_MJ_DEVICE_CONTROL) DRIVER_DISPATCH MhDispatchDeviceControl;

/* ------------------------------------------------------------------ per-handle state */

VOID MhFileReference(PMH_FILE File)
{
    InterlockedIncrement(&File->RefCount);
}

VOID MhFileDereference(PMH_DEVICE Dev, PMH_FILE File)
{
    if (File != NULL && InterlockedDecrement(&File->RefCount) == 0) {
        File->Signature = 0;
        MhFree(Dev, MhPoolFile, File);
    }
}

/*++
Routine Description:
    Everything a handle leaves behind, undone: it stops being the agent (its messages complete
    with MH_STATUS_AGENT_GONE), its queued IRPs complete as cancelled, and its contexts are
    destroyed (their messages complete through their callbacks). Runs once per handle; CLEANUP,
    CLOSE and unload may all ask.
--*/
static VOID MhHandleGone(PMH_DEVICE Dev, PMH_FILE File)
{
    LIST_ENTRY irps;
    BOOLEAN first;
    KIRQL irql;

    KeAcquireSpinLock(&Dev->Lock, &irql);
    first = !File->Closed;
    File->Closed = TRUE;
    KeReleaseSpinLock(&Dev->Lock, irql);
    if (!first) {
        return;
    }

    (VOID)MhAgentDetach(Dev, File);    /* MH_STATUS_NOT_AGENT when it was not the agent */

    InitializeListHead(&irps);
    MhIrpQueueRemoveForFile(&Dev->SendQueue, File->FileObject, &irps);
    MhIrpQueueRemoveForFile(&Dev->ReceiveQueue, File->FileObject, &irps);
    MhIrpQueueRemoveForFile(&Dev->DdiQueue, File->FileObject, &irps);
    MhIrpCompleteList(Dev, &irps, STATUS_CANCELLED);

    MhHostDestroyContextsOf(Dev, File);
}

/*++
Routine Description:
    IRP_MJ_CREATE: a new handle gets its state (FileObject->FsContext).
--*/
_Use_decl_annotations_
static NTSTATUS MhDispatchCreate(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PMH_DEVICE dev = (PMH_DEVICE)DeviceObject->DeviceExtension;
    PIO_STACK_LOCATION sp = IoGetCurrentIrpStackLocation(Irp);
    PMH_FILE file;
    NTSTATUS status = STATUS_SUCCESS;
    KIRQL irql;

    InterlockedIncrement(&dev->ActiveDispatches);
    if (dev->Unloading) {
        status = STATUS_DELETE_PENDING;
        goto End;
    }
    if (sp->FileObject == NULL) {
        status = STATUS_INVALID_PARAMETER;
        goto End;
    }
    if (sp->FileObject->FileName.Length != 0) {
        status = STATUS_OBJECT_NAME_NOT_FOUND;     /* no sub-opens such as \\.\MiracastHil\junk */
        goto End;
    }
    file = (PMH_FILE)MhAlloc(dev, MhPoolFile, sizeof(*file));
    if (file == NULL) {
        status = STATUS_INSUFFICIENT_RESOURCES;
        goto End;
    }
    file->Signature = MH_FILE_SIGNATURE;
    file->FileObject = sp->FileObject;
    file->RefCount = 1;
    file->ProcessId = (ULONG_PTR)PsGetCurrentProcessId();
    sp->FileObject->FsContext = file;

    KeAcquireSpinLock(&dev->Lock, &irql);
    InsertTailList(&dev->Files, &file->Link);
    KeReleaseSpinLock(&dev->Lock, irql);
    MH_STAT_INC(dev, HandlesOpen);

End:
    Irp->IoStatus.Status = status;
    Irp->IoStatus.Information = 0;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    InterlockedDecrement(&dev->ActiveDispatches);
    return status;
}

/*++
Routine Description:
    IRP_MJ_CLEANUP (Windows only: Wine never sends it): the last handle to the file object closed.
--*/
_Use_decl_annotations_
static NTSTATUS MhDispatchCleanup(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PMH_DEVICE dev = (PMH_DEVICE)DeviceObject->DeviceExtension;
    PMH_FILE file = MhFileFromIrp(Irp);

    InterlockedIncrement(&dev->ActiveDispatches);
    if (file != NULL) {
        MhHandleGone(dev, file);
    }
    Irp->IoStatus.Status = STATUS_SUCCESS;
    Irp->IoStatus.Information = 0;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    InterlockedDecrement(&dev->ActiveDispatches);
    return STATUS_SUCCESS;
}

/*++
Routine Description:
    IRP_MJ_CLOSE: the file object goes away. Under Wine this may arrive with the handle's IRPs
    still pending, so it first does CLEANUP's work.
--*/
_Use_decl_annotations_
static NTSTATUS MhDispatchClose(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PMH_DEVICE dev = (PMH_DEVICE)DeviceObject->DeviceExtension;
    PMH_FILE file = MhFileFromIrp(Irp);
    KIRQL irql;

    InterlockedIncrement(&dev->ActiveDispatches);
    if (file != NULL) {
        MhHandleGone(dev, file);
        KeAcquireSpinLock(&dev->Lock, &irql);
        RemoveEntryList(&file->Link);
        InitializeListHead(&file->Link);
        KeReleaseSpinLock(&dev->Lock, irql);
        IoGetCurrentIrpStackLocation(Irp)->FileObject->FsContext = NULL;
        MH_STAT_DEC(dev, HandlesOpen);
        MhFileDereference(dev, file);
    }
    Irp->IoStatus.Status = STATUS_SUCCESS;
    Irp->IoStatus.Information = 0;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    InterlockedDecrement(&dev->ActiveDispatches);
    return STATUS_SUCCESS;
}

/* ------------------------------------------------------------------ load and unload */

static VOID MhSleepMs(ULONG Ms)
{
    LARGE_INTEGER delay;
    delay.QuadPart = MH_RELATIVE_MS(Ms);
    KeDelayExecutionThread(KernelMode, FALSE, &delay);
}

/* Waits until *Value reaches zero, or TimeoutMs passes. */
static BOOLEAN MhWaitForZero(volatile LONG64 *Value, ULONG TimeoutMs)
{
    ULONG waited = 0;

    while (InterlockedCompareExchange64(Value, 0, 0) != 0) {
        if (waited >= TimeoutMs) {
            return FALSE;
        }
        MhSleepMs(5);
        waited += 5;
    }
    return TRUE;
}

/* Records a figure under the service key, where it outlives the driver image (tests read it
   after `sc stop`). */
static VOID MhRecordUnloadValue(PMH_DEVICE Dev, PCWSTR Name, ULONG Value)
{
    if (Dev->RegistryPath.Length != 0) {
        (VOID)RtlWriteRegistryValue(RTL_REGISTRY_ABSOLUTE, Dev->RegistryPath.Buffer, Name, REG_DWORD,
                                    &Value, sizeof(Value));
    }
}

static VOID MhTeardown(PMH_DEVICE Dev)
{
    if (Dev->ThreadCount != 0) {
        MhWorkersStop(Dev);
    }
    MhHostShutdown(Dev);
}

/*++
Routine Description:
    Unloads the driver (`sc stop`). With handles still open (possible under Wine, whose unload
    does not wait for them), their IRPs complete as cancelled, their agent detaches and their
    contexts are destroyed; every message gets its callback; the host threads end; every
    allocation is freed. The count of allocations still outstanding (0 when nothing leaked) is
    written to the service key as UnloadAllocationsOutstanding.
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
    MhIrpCompleteList(dev, &irps, STATUS_CANCELLED);
    while (InterlockedCompareExchange(&dev->DdiBusy, 0, 0) != 0) {
        MhSleepMs(1);
    }
    MhHostDestroyContextsOf(dev, NULL);
    MhHostResetFaults(dev);
    (VOID)MhWaitForZero(MH_STAT_PTR(dev, HostMessages), 10000);

    MhTeardown(dev);

    /* The file objects of handles still open will never see CLOSE from this image. */
    KeAcquireSpinLock(&dev->Lock, &irql);
    while (!IsListEmpty(&dev->Files)) {
        PMH_FILE file = CONTAINING_RECORD(RemoveHeadList(&dev->Files), MH_FILE, Link);
        KeReleaseSpinLock(&dev->Lock, irql);
        file->FileObject->FsContext = NULL;
        MH_STAT_DEC(dev, HandlesOpen);
        MhFileDereference(dev, file);
        KeAcquireSpinLock(&dev->Lock, &irql);
    }
    KeReleaseSpinLock(&dev->Lock, irql);

    MhRecordUnloadValue(dev, L"UnloadAllocationsOutstanding", (ULONG)dev->Stats.AllocationsOutstanding);
    MhRecordUnloadValue(dev, L"UnloadIrpsPending", (ULONG)dev->Stats.IrpsPending);
    g_MhDevice = NULL;
    IoDeleteDevice(DriverObject->DeviceObject);
}

/*++
Routine Description:
    Creates the control device and its symbolic link, starts the host (which brings the miniport
    up and queries its Miracast interface) and the host's threads.
Arguments:
    DriverObject - this driver.
    RegistryPath - the service key; unload records its leak count there.
Return Value:
    STATUS_SUCCESS, or the first failure (everything made so far is undone).
--*/
_Use_decl_annotations_
NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNICODE_STRING name, link;
    PDEVICE_OBJECT device = NULL;
    PMH_DEVICE dev;
    NTSTATUS status;

    RtlInitUnicodeString(&name, MH_DEVICE_NAME_W);
    /* Under the WDK, IoCreateDeviceSecure (wdmsec.lib) would restrict the device to SYSTEM and
       Administrators; MinGW cannot link it and Wine ignores device ACLs, so both lanes use the
       default security of a named device object here. */
    status = IoCreateDevice(DriverObject, sizeof(MH_DEVICE), &name, MH_DEVICE_TYPE,
                            FILE_DEVICE_SECURE_OPEN, FALSE, &device);
    if (!NT_SUCCESS(status)) {
        return status;
    }
    dev = (PMH_DEVICE)device->DeviceExtension;
    RtlZeroMemory(dev, sizeof(*dev));
    dev->DeviceObject = device;
    g_MhDevice = dev;

    KeInitializeSpinLock(&dev->Lock);
    InitializeListHead(&dev->Files);
    InitializeListHead(&dev->Contexts);
    InitializeListHead(&dev->AgentQueue);
    InitializeListHead(&dev->Delivered);
    InitializeListHead(&dev->CallbackQueue);
    InitializeListHead(&dev->TimerList);
    InitializeListHead(&dev->BatchHold);
    InitializeListHead(&dev->OrderedQueue);
    MhIrpQueueInitialize(&dev->SendQueue, dev, FALSE);
    MhIrpQueueInitialize(&dev->ReceiveQueue, dev, FALSE);
    MhIrpQueueInitialize(&dev->DdiQueue, dev, TRUE);
    KeInitializeEvent(&dev->StopEvent, NotificationEvent, FALSE);
    KeInitializeSemaphore(&dev->TimerWake, 0, MAXLONG);
    KeInitializeEvent(&dev->Barrier.Go, NotificationEvent, FALSE);
    KeInitializeSemaphore(&dev->DdiSemaphore, 0, MAXLONG);
    KeInitializeSemaphore(&dev->CallbackSemaphore, 0, MAXLONG);
    KeInitializeSemaphore(&dev->DdiLock, 1, 1);   /* free */
    MhFaultsInitialize(&dev->Faults);
    MhTraceInitialize(&dev->Trace);

    if (RegistryPath != NULL && RegistryPath->Length < sizeof(dev->RegistryPathBuffer)) {
        RtlCopyMemory(dev->RegistryPathBuffer, RegistryPath->Buffer, RegistryPath->Length);
        dev->RegistryPathBuffer[RegistryPath->Length / sizeof(WCHAR)] = L'\0';
        RtlInitUnicodeString(&dev->RegistryPath, dev->RegistryPathBuffer);
    }

    status = MhHostInitialize(dev);
    if (!NT_SUCCESS(status)) {
        goto Fail;
    }
    status = MhWorkersStart(dev);
    if (!NT_SUCCESS(status)) {
        goto Fail;
    }

    RtlInitUnicodeString(&link, MH_SYMLINK_NAME_W);
    status = IoCreateSymbolicLink(&link, &name);
    if (!NT_SUCCESS(status)) {
        goto Fail;
    }

    DriverObject->MajorFunction[IRP_MJ_CREATE] = MhDispatchCreate;
    DriverObject->MajorFunction[IRP_MJ_CLEANUP] = MhDispatchCleanup;
    DriverObject->MajorFunction[IRP_MJ_CLOSE] = MhDispatchClose;
    DriverObject->MajorFunction[IRP_MJ_DEVICE_CONTROL] = MhDispatchDeviceControl;
    DriverObject->DriverUnload = MhUnload;
    device->Flags &= ~DO_DEVICE_INITIALIZING;
    return STATUS_SUCCESS;

Fail:
    MhTeardown(dev);
    g_MhDevice = NULL;
    IoDeleteDevice(device);
    return status;
}

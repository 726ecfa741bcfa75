/*++

Module Name:

    mh_files.c

Abstract:

    The per-handle lifecycle (CREATE, CLEANUP, CLOSE). A handle that goes away takes its IRPs, its
    contexts and its agent with it:
      - on Windows, IRP_MJ_CLEANUP does it (the handle's IRPs may still be queued; CLOSE comes
        only after every IRP of the handle completed);
      - its batched sends complete as cancelled, into a reap still pending if there is one, and
        their records go (MhBatchHandleGone); its other reaps complete as cancelled;
      - under Wine, CLEANUP is never sent and IRP_MJ_CLOSE arrives while the handle's IRPs may
        still be pending, so CLOSE does the same work (it is idempotent) and then drops the state.
    Destroying the handle's contexts waits for the Miracast-class lock, so it never runs here: the
    host does it on a DDI worker (MhHostReleaseOwner), and the handle's state lives until then.

Environment:

    Kernel mode, PASSIVE_LEVEL (dispatch).

--*/

#include "mh_control.h"

VOID MhFileReference(PMH_FILE File)
{
    InterlockedIncrement(&File->RefCount);
}

VOID MhFileDereference(PMH_DEVICE Dev, PMH_FILE File)
{
    if (File != NULL && InterlockedDecrement(&File->RefCount) == 0) {
        File->Signature = 0;
        MhFree(Dev->Host, MhPoolFile, File);
    }
}

/* The host asks, under its lock, whether a handle has closed (it then keeps nothing new for it). */
BOOLEAN MhControlOwnerClosed(PVOID Context, MH_OWNER Owner)
{
    PMH_DEVICE dev = (PMH_DEVICE)Context;
    BOOLEAN closed;
    KIRQL irql;

    KeAcquireSpinLock(&dev->Lock, &irql);
    closed = ((PMH_FILE)Owner)->Closed;
    KeReleaseSpinLock(&dev->Lock, irql);
    return closed;
}

/* The host finished releasing a handle's contexts (on a DDI worker): its state may go. */
static VOID MhFileReleased(PVOID DoneContext)
{
    PMH_FILE file = (PMH_FILE)DoneContext;

    MhFileDereference(file->Device, file);
}

/*++
Routine Description:
    Everything a handle leaves behind, undone, without waiting: it stops being the agent (its
    messages complete with MH_STATUS_AGENT_GONE), its queued IRPs complete as cancelled, and the
    host destroys its contexts on a worker (their messages complete through their callbacks),
    holding a reference on the handle's state until it is done. Runs once per handle; CLEANUP,
    CLOSE and unload may all ask.
--*/
VOID MhHandleGone(PMH_DEVICE Dev, PMH_FILE File)
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

    MhFileReference(File);      /* for the host's release; MhFileReleased drops it */
    File->Release.Done = MhFileReleased;
    File->Release.DoneContext = File;
    MhHostReleaseOwner(Dev->Host, File, &File->Release);

    MhBatchHandleGone(Dev, File);   /* first: a pending reap takes its cancelled sends */
    InitializeListHead(&irps);
    MhIrpQueueRemoveForFile(&Dev->SendQueue, File->FileObject, &irps);
    MhIrpQueueRemoveForFile(&Dev->ReceiveQueue, File->FileObject, &irps);
    MhIrpQueueRemoveForFile(&Dev->DdiQueue, File->FileObject, &irps);
    MhIrpQueueRemoveForFile(&Dev->ChunkQueue, File->FileObject, &irps);
    MhIrpQueueRemoveForFile(&Dev->ReapQueue, File->FileObject, &irps);
    MhIrpCompleteList(Dev, &irps, STATUS_CANCELLED);
}

/*++
Routine Description:
    IRP_MJ_CREATE: a new handle gets its state (FileObject->FsContext).
--*/
_Use_decl_annotations_
NTSTATUS MhDispatchCreate(PDEVICE_OBJECT DeviceObject, PIRP Irp)
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
    file = (PMH_FILE)MhAlloc(dev->Host, MhPoolFile, sizeof(*file));
    if (file == NULL) {
        status = STATUS_INSUFFICIENT_RESOURCES;
        goto End;
    }
    file->Signature = MH_FILE_SIGNATURE;
    file->Device = dev;
    file->FileObject = sp->FileObject;
    file->RefCount = 1;
    file->ProcessId = (ULONG_PTR)PsGetCurrentProcessId();
    MhBatchInitializeFile(file);
    sp->FileObject->FsContext = file;

    KeAcquireSpinLock(&dev->Lock, &irql);
    InsertTailList(&dev->Files, &file->Link);
    KeReleaseSpinLock(&dev->Lock, irql);
    MH_STAT_INC(dev->Stats, HandlesOpen);

End:
    MhCompleteIrp(dev, Irp, status, 0);
    InterlockedDecrement(&dev->ActiveDispatches);
    return status;
}

/*++
Routine Description:
    IRP_MJ_CLEANUP (Windows only: Wine never sends it): the last handle to the file object closed.
--*/
_Use_decl_annotations_
NTSTATUS MhDispatchCleanup(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PMH_DEVICE dev = (PMH_DEVICE)DeviceObject->DeviceExtension;
    PMH_FILE file = MhFileFromIrp(Irp);

    InterlockedIncrement(&dev->ActiveDispatches);
    if (file != NULL) {
        MhHandleGone(dev, file);
    }
    MhCompleteIrp(dev, Irp, STATUS_SUCCESS, 0);
    InterlockedDecrement(&dev->ActiveDispatches);
    return STATUS_SUCCESS;
}

/*++
Routine Description:
    IRP_MJ_CLOSE: the file object goes away. Under Wine this may arrive with the handle's IRPs
    still pending, so it first does CLEANUP's work. The state itself goes with its last reference.
--*/
_Use_decl_annotations_
NTSTATUS MhDispatchClose(PDEVICE_OBJECT DeviceObject, PIRP Irp)
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
        MH_STAT_DEC(dev->Stats, HandlesOpen);
        MhFileDereference(dev, file);
    }
    MhCompleteIrp(dev, Irp, STATUS_SUCCESS, 0);
    InterlockedDecrement(&dev->ActiveDispatches);
    return STATUS_SUCCESS;
}

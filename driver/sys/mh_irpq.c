/*++

Module Name:

    mh_irpq.c

Abstract:

    The cancel-safe IRP queue (see mh_irpq.h for the ownership rule).

Environment:

    Kernel mode, IRQL <= DISPATCH_LEVEL.

--*/

#include "mh_device.h"

static DRIVER_CANCEL MhIrpQueueCancel;

VOID MhIrpQueueInitialize(PMH_IRP_QUEUE Queue, PMH_DEVICE Dev, BOOLEAN FileReferences)
{
    KeInitializeSpinLock(&Queue->Lock);
    InitializeListHead(&Queue->Irps);
    Queue->Count = 0;
    Queue->FileReferences = FileReferences;
    Queue->Device = Dev;
}

/* Completes an IRP taken off a queue (it still points at that queue) as cancelled. */
static VOID MhIrpCompleteCancelled(PIRP Irp, NTSTATUS Status)
{
    PMH_IRP_QUEUE queue = (PMH_IRP_QUEUE)Irp->Tail.Overlay.DriverContext[0];

    Irp->IoStatus.Status = Status;
    Irp->IoStatus.Information = 0;
    MH_STAT_INC(queue->Device, IrpsCancelledTotal);
    if (queue->FileReferences) {
        MhFileDereference(queue->Device, MhFileFromIrp(Irp));
    }
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
}

/* Unlinks an IRP the caller owns; Queue->Lock is held. */
static VOID MhIrpQueueUnlink(PMH_IRP_QUEUE Queue, PIRP Irp)
{
    RemoveEntryList(&Irp->Tail.Overlay.ListEntry);
    InitializeListHead(&Irp->Tail.Overlay.ListEntry);
    Queue->Count--;
    MH_STAT_DEC(Queue->Device, IrpsPending);
}

/*++
Routine Description:
    Queues an IRP so that it can be cancelled at any moment.
Arguments:
    Queue - the queue.
    Irp - an IRP this caller owns.
    Key - stored with the IRP for MhIrpQueueRemoveByKey.
Return Value:
    STATUS_PENDING: queued and marked pending; the caller returns STATUS_PENDING.
    STATUS_CANCELLED: the IRP was cancelled before it could be queued; the caller completes it.
--*/
NTSTATUS MhIrpQueueInsert(PMH_IRP_QUEUE Queue, PIRP Irp, ULONG64 Key)
{
    KIRQL irql;

    Irp->Tail.Overlay.DriverContext[0] = Queue;
    Irp->Tail.Overlay.DriverContext[1] = (PVOID)(ULONG_PTR)Key;

    KeAcquireSpinLock(&Queue->Lock, &irql);
    IoSetCancelRoutine(Irp, MhIrpQueueCancel);
    if (Irp->Cancel && IoSetCancelRoutine(Irp, NULL) != NULL) {
        /* Cancelled before it was queued, and the cancel routine will not run: ours to complete. */
        KeReleaseSpinLock(&Queue->Lock, irql);
        return STATUS_CANCELLED;
    }
    /* If Cancel is set but the routine was already taken, the cancel routine is on its way and
       will unlink the IRP under Queue->Lock: queue it so that it finds it. */
    IoMarkIrpPending(Irp);
    InsertTailList(&Queue->Irps, &Irp->Tail.Overlay.ListEntry);
    Queue->Count++;
    MH_STAT_INC(Queue->Device, IrpsPending);
    MH_STAT_INC(Queue->Device, IrpsPendedTotal);
    KeReleaseSpinLock(&Queue->Lock, irql);
    return STATUS_PENDING;
}

PIRP MhIrpQueueRemoveHead(PMH_IRP_QUEUE Queue)
{
    KIRQL irql;
    PLIST_ENTRY entry;
    PIRP found = NULL;

    KeAcquireSpinLock(&Queue->Lock, &irql);
    for (entry = Queue->Irps.Flink; entry != &Queue->Irps; entry = entry->Flink) {
        PIRP irp = CONTAINING_RECORD(entry, IRP, Tail.Overlay.ListEntry);
        if (IoSetCancelRoutine(irp, NULL) != NULL) {
            MhIrpQueueUnlink(Queue, irp);
            found = irp;
            break;
        }
        /* Being cancelled: its cancel routine unlinks it. */
    }
    KeReleaseSpinLock(&Queue->Lock, irql);
    return found;
}

PIRP MhIrpQueueRemoveByKey(PMH_IRP_QUEUE Queue, ULONG64 Key)
{
    KIRQL irql;
    PLIST_ENTRY entry;
    PIRP found = NULL;

    KeAcquireSpinLock(&Queue->Lock, &irql);
    for (entry = Queue->Irps.Flink; entry != &Queue->Irps; entry = entry->Flink) {
        PIRP irp = CONTAINING_RECORD(entry, IRP, Tail.Overlay.ListEntry);
        if (MhIrpKey(irp) != Key) {
            continue;
        }
        if (IoSetCancelRoutine(irp, NULL) != NULL) {
            MhIrpQueueUnlink(Queue, irp);
            found = irp;
        }
        break;
    }
    KeReleaseSpinLock(&Queue->Lock, irql);
    return found;
}

ULONG MhIrpQueueRemoveForFile(PMH_IRP_QUEUE Queue, PFILE_OBJECT FileObject, PLIST_ENTRY Out)
{
    KIRQL irql;
    PLIST_ENTRY entry, next;
    ULONG moved = 0;

    KeAcquireSpinLock(&Queue->Lock, &irql);
    for (entry = Queue->Irps.Flink; entry != &Queue->Irps; entry = next) {
        PIRP irp = CONTAINING_RECORD(entry, IRP, Tail.Overlay.ListEntry);
        next = entry->Flink;
        if (FileObject != NULL && IoGetCurrentIrpStackLocation(irp)->FileObject != FileObject) {
            continue;
        }
        if (IoSetCancelRoutine(irp, NULL) != NULL) {
            MhIrpQueueUnlink(Queue, irp);
            InsertTailList(Out, &irp->Tail.Overlay.ListEntry);
            moved++;
        }
    }
    KeReleaseSpinLock(&Queue->Lock, irql);
    return moved;
}

VOID MhIrpCompleteList(PMH_DEVICE Dev, PLIST_ENTRY List, NTSTATUS Status)
{
    UNREFERENCED_PARAMETER(Dev);
    while (!IsListEmpty(List)) {
        PIRP irp = CONTAINING_RECORD(RemoveHeadList(List), IRP, Tail.Overlay.ListEntry);
        MhIrpCompleteCancelled(irp, Status);
    }
}

/*++
Routine Description:
    Cancel routine of every queued IRP: unlinks it and completes it with STATUS_CANCELLED.
    Whatever the IRP was waiting for carries on without it (a SEND_MESSAGE's message still gets
    its callback exactly once; see mh_control.c).
Arguments:
    DeviceObject - the control device.
    Irp - the IRP being cancelled; the cancel spin lock is held on entry.
--*/
_Use_decl_annotations_
static VOID MhIrpQueueCancel(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PMH_IRP_QUEUE queue = (PMH_IRP_QUEUE)Irp->Tail.Overlay.DriverContext[0];
    KIRQL irql;

    UNREFERENCED_PARAMETER(DeviceObject);
    IoReleaseCancelSpinLock(Irp->CancelIrql);

    KeAcquireSpinLock(&queue->Lock, &irql);
    MhIrpQueueUnlink(queue, Irp);
    KeReleaseSpinLock(&queue->Lock, irql);

    MhIrpCompleteCancelled(Irp, STATUS_CANCELLED);
}

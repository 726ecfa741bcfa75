/*++

Module Name:

    mh_irpq.c

Abstract:

    The cancel-safe IRP queue (see mh_irpq.h for the ownership rule).

Environment:

    Kernel mode, IRQL <= DISPATCH_LEVEL.

--*/

#include "mh_control.h"

static DRIVER_CANCEL MhIrpQueueCancel;

VOID MhIrpQueueInitialize(PMH_IRP_QUEUE Queue, PMH_DEVICE Dev, BOOLEAN FileReferences,
                          MH_IRP_QUEUE_CANCELLED *OnCancelled)
{
    KeInitializeSpinLock(&Queue->Lock);
    InitializeListHead(&Queue->Irps);
    Queue->Count = 0;
    Queue->FileReferences = FileReferences;
    Queue->CountsAsReaps = FALSE;
    Queue->OnCancelled = OnCancelled;
    Queue->Device = Dev;
}

/* Completes an IRP taken off a queue (it still points at that queue) as cancelled. */
static VOID MhIrpCompleteCancelled(PIRP Irp, NTSTATUS Status)
{
    PMH_IRP_QUEUE queue = (PMH_IRP_QUEUE)Irp->Tail.Overlay.DriverContext[0];
    PMH_DEVICE dev = queue->Device;

    MH_STAT_INC(dev->Stats, IrpsCancelledTotal);
    if (queue->OnCancelled != NULL) {
        queue->OnCancelled(dev, MhIrpKey(Irp));
    }
    if (queue->FileReferences) {
        MhFileDereference(dev, MhIrpFile(Irp));
    }
    MhCompleteIrp(dev, Irp, Status, 0);
}

/* Unlinks an IRP the caller owns; Queue->Lock is held. */
_Requires_lock_held_(Queue->Lock)
static VOID MhIrpQueueUnlinkLocked(PMH_IRP_QUEUE Queue, PIRP Irp)
{
    RemoveEntryList(&Irp->Tail.Overlay.ListEntry);
    InitializeListHead(&Irp->Tail.Overlay.ListEntry);
    Queue->Count--;
    if (Queue->CountsAsReaps) {
        MH_STAT_DEC(Queue->Device->Stats, BatchReapsPending);
    } else {
        MH_STAT_DEC(Queue->Device->Stats, IrpsPending);
    }
}

/* Links an IRP with its cancel routine set, unless it was cancelled first. Queue->Lock is held. */
_Requires_lock_held_(Queue->Lock)
static NTSTATUS MhIrpQueueLinkLocked(PMH_IRP_QUEUE Queue, PIRP Irp, BOOLEAN AtHead)
{
    IoSetCancelRoutine(Irp, MhIrpQueueCancel);
    if (Irp->Cancel && IoSetCancelRoutine(Irp, NULL) != NULL) {
        /* Cancelled before it was queued, and the cancel routine will not run: the caller's. */
        return STATUS_CANCELLED;
    }
    /* If Cancel is set but the routine was already taken, the cancel routine is on its way and
       will unlink the IRP under Queue->Lock: queue it so that it finds it. */
    if (AtHead) {
        InsertHeadList(&Queue->Irps, &Irp->Tail.Overlay.ListEntry);
    } else {
        InsertTailList(&Queue->Irps, &Irp->Tail.Overlay.ListEntry);
    }
    Queue->Count++;
    if (Queue->CountsAsReaps) {
        MH_STAT_INC(Queue->Device->Stats, BatchReapsPending);
    } else {
        MH_STAT_INC(Queue->Device->Stats, IrpsPending);
    }
    return STATUS_PENDING;
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
    NTSTATUS status;
    KIRQL irql;

    Irp->Tail.Overlay.DriverContext[0] = Queue;
    Irp->Tail.Overlay.DriverContext[1] = (PVOID)(ULONG_PTR)Key;
    /* The handle whose reference the queue holds: FsContext is cleared at CLOSE, this is not. */
    Irp->Tail.Overlay.DriverContext[2] = Queue->FileReferences ? MhFileFromIrp(Irp) : NULL;

    KeAcquireSpinLock(&Queue->Lock, &irql);
    status = MhIrpQueueLinkLocked(Queue, Irp, FALSE);
    if (status == STATUS_PENDING) {
        IoMarkIrpPending(Irp);
        MH_STAT_INC(Queue->Device->Stats, IrpsPendedTotal);
    }
    KeReleaseSpinLock(&Queue->Lock, irql);
    return status;
}

NTSTATUS MhIrpQueueRequeue(PMH_IRP_QUEUE Queue, PIRP Irp)
{
    NTSTATUS status;
    KIRQL irql;

    KeAcquireSpinLock(&Queue->Lock, &irql);
    status = MhIrpQueueLinkLocked(Queue, Irp, TRUE);     /* it was the oldest: it stays first */
    KeReleaseSpinLock(&Queue->Lock, irql);
    return status;
}

BOOLEAN MhIrpQueueContains(PMH_IRP_QUEUE Queue, ULONG64 Key)
{
    PLIST_ENTRY entry;
    BOOLEAN found = FALSE;
    KIRQL irql;

    KeAcquireSpinLock(&Queue->Lock, &irql);
    for (entry = Queue->Irps.Flink; entry != &Queue->Irps; entry = entry->Flink) {
        if (MhIrpKey(CONTAINING_RECORD(entry, IRP, Tail.Overlay.ListEntry)) == Key) {
            found = TRUE;
            break;
        }
    }
    KeReleaseSpinLock(&Queue->Lock, irql);
    return found;
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
            MhIrpQueueUnlinkLocked(Queue, irp);
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
            MhIrpQueueUnlinkLocked(Queue, irp);
            found = irp;
            break;
        }
        /* Being cancelled: its cancel routine unlinks it; a later IRP with the same key may do. */
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
            MhIrpQueueUnlinkLocked(Queue, irp);
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
    its callback exactly once; a chunk read's reader is forgotten through OnCancelled).
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
    MhIrpQueueUnlinkLocked(queue, Irp);
    KeReleaseSpinLock(&queue->Lock, irql);

    MhIrpCompleteCancelled(Irp, STATUS_CANCELLED);
}

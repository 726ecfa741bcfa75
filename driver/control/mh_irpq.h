/*++

Module Name:

    mh_irpq.h

Abstract:

    A cancel-safe IRP queue written on IoSetCancelRoutine. The system's IoCsq routines would do, but
    Wine exports them as stubs (a call ends winedevice.exe), and one queue must serve both lanes.

    Ownership rule: whoever clears the cancel routine (IoSetCancelRoutine(Irp, NULL) returns non-NULL)
    owns the IRP and completes it. If it returns NULL, the cancel routine is running or about to run;
    the IRP stays on the list for the cancel routine to unlink.

    Each queued IRP carries a 64-bit key (a request id, or 0) in Tail.Overlay.DriverContext[1];
    DriverContext[0] points back at its queue; in a queue with FileReferences, DriverContext[2] is
    the MH_FILE whose reference the IRP holds (MhIrpFile).

Environment:

    Kernel mode, IRQL <= DISPATCH_LEVEL.

--*/

#ifndef MH_IRPQ_H
#define MH_IRPQ_H

#include "mh_kernel.h"

struct _MH_DEVICE;
struct _MH_FILE;

/* Called for every IRP of the queue completed as cancelled (its cancel routine, a handle's close,
   unload), with its key: whatever the IRP was waiting for is told it is gone. */
typedef VOID MH_IRP_QUEUE_CANCELLED(struct _MH_DEVICE *Dev, ULONG64 Key);

typedef struct _MH_IRP_QUEUE {
    KSPIN_LOCK Lock;
    LIST_ENTRY Irps;
    ULONG Count;
    BOOLEAN FileReferences;     /* each IRP holds a reference on its MH_FILE while queued */
    BOOLEAN CountsAsReaps;      /* its IRPs count in MH_STATS.BatchReapsPending, not IrpsPending */
    MH_IRP_QUEUE_CANCELLED *OnCancelled;   /* optional */
    struct _MH_DEVICE *Device;
} MH_IRP_QUEUE, *PMH_IRP_QUEUE;

VOID MhIrpQueueInitialize(PMH_IRP_QUEUE Queue, struct _MH_DEVICE *Dev, BOOLEAN FileReferences,
                          MH_IRP_QUEUE_CANCELLED *OnCancelled);

/* Marks the IRP pending and queues it: STATUS_PENDING. If it was already cancelled the IRP is not
   queued and STATUS_CANCELLED comes back: the caller completes it. */
NTSTATUS MhIrpQueueInsert(PMH_IRP_QUEUE Queue, PIRP Irp, ULONG64 Key);

/* Puts back, first in line, an IRP taken off the queue's head that must keep waiting (it stays
   marked pending; not counted as pended again). STATUS_CANCELLED: it was cancelled meanwhile; the
   caller completes it. */
NTSTATUS MhIrpQueueRequeue(PMH_IRP_QUEUE Queue, PIRP Irp);

/* TRUE while the IRP queued with Key is still on the queue. */
BOOLEAN MhIrpQueueContains(PMH_IRP_QUEUE Queue, ULONG64 Key);

/* The oldest IRP the caller can own, or NULL. */
PIRP MhIrpQueueRemoveHead(PMH_IRP_QUEUE Queue);

/* The oldest IRP queued with Key that the caller can own, or NULL (none queued, or each one being
   cancelled). */
PIRP MhIrpQueueRemoveByKey(PMH_IRP_QUEUE Queue, ULONG64 Key);

/* Moves every ownable IRP of FileObject (all of them when FileObject is NULL) onto Out, linked
   through Tail.Overlay.ListEntry. Returns how many. */
ULONG MhIrpQueueRemoveForFile(PMH_IRP_QUEUE Queue, PFILE_OBJECT FileObject, PLIST_ENTRY Out);

/* Completes every IRP on a list built by MhIrpQueueRemoveForFile with Status; counts them as
   cancelled and drops the file references their queue held. */
VOID MhIrpCompleteList(struct _MH_DEVICE *Dev, PLIST_ENTRY List, NTSTATUS Status);

FORCEINLINE ULONG64 MhIrpKey(PIRP Irp)
{
    return (ULONG64)(ULONG_PTR)Irp->Tail.Overlay.DriverContext[1];
}

/* The MH_FILE an IRP of a FileReferences queue holds a reference on (valid after CLOSE too). */
FORCEINLINE struct _MH_FILE *MhIrpFile(PIRP Irp)
{
    return (struct _MH_FILE *)Irp->Tail.Overlay.DriverContext[2];
}

#endif /* MH_IRPQ_H */

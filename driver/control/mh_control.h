/*++

Module Name:

    mh_control.h

Abstract:

    The control layer: the harness image's entry point, the control device \Device\MiracastHil
    and its IRPs. It is the only layer that sees a PIRP or a file object; it drives the host
    (driver/host/mh_host.h) and the host answers through the MH_HOST_EVENTS it registers here.

    Ownership:
      - MH_DEVICE is the device extension: created with the device in MhHarnessEntry, gone with it
        in MhUnload. It owns the IRP queues; the host is its (MhHostCreate .. MhHostDestroy).
      - MH_FILE is a handle's state (FileObject->FsContext), allocated at IRP_MJ_CREATE from the
        host's pool. It is reference counted: 1 for the open handle, 1 per DDI IRP queued or
        running, 1 while the host releases the handle's contexts (MH_FILE.Release, the host's
        work item); the last reference frees it, so it lives until that release is done.
      - Every IRP is owned by exactly one place at a time: the dispatch routine until it completes
        it or queues it; a queue (mh_irpq.h) until it is removed; then whoever removed it.

      - A batched send (mh_batch.c) is an MH_BATCH_RECORD: created by BATCH_SUBMIT, reachable by its
        host request key (MH_DEVICE.BatchKeys) and by its Id (MH_FILE.Batch.Ids) while in flight,
        then on its handle's Done list until a BATCH_REAP copies it out and frees it. Whoever
        unlinks it under BatchLock owns it. Records hold no reference on their handle: the handle's
        going (MhBatchHandleGone) frees every record it still has. A batched IoControl's record
        also waits on MH_DEVICE.BatchWork until a host DDI worker takes it (MhBatchRunIoControl);
        the worker holds a reference on its handle while the miniport runs it, and then owns it.

    Locking, outermost first (never call the host or complete an IRP holding any):
      MH_DEVICE.Lock             the files list, handle state, request ids
      MH_DEVICE.BatchLock        every batch record, each handle's Ids, Done and counts
      MH_IRP_QUEUE.Lock          each IRP queue (ReapQueue's is taken under BatchLock)

Environment:

    Kernel mode.

--*/

#ifndef MH_CONTROL_H
#define MH_CONTROL_H

#include "mh_host.h"
#include "mh_irpq.h"

/* A handle's batched sends (mh_batch.c); guarded by MH_DEVICE.BatchLock. */
#define MH_BATCH_ID_BUCKETS 64u     /* a power of two */
typedef struct _MH_BATCH_FILE {
    LIST_ENTRY Ids[MH_BATCH_ID_BUCKETS]; /* sends in flight, hashed by Id (MH_BATCH_RECORD.IdLink) */
    LIST_ENTRY Done;            /* completion records ready to reap, oldest first (IdLink) */
    ULONG InFlight;             /* records in Ids */
    BOOLEAN Gone;               /* the handle went away: no new submission is accepted */
} MH_BATCH_FILE;

typedef struct _MH_FILE {
    ULONG Signature;            /* MH_FILE_SIGNATURE */
    LIST_ENTRY Link;            /* MH_DEVICE.Files */
    struct _MH_DEVICE *Device;
    PFILE_OBJECT FileObject;
    volatile LONG RefCount;
    BOOLEAN Closed;             /* CLEANUP or CLOSE ran: no new work is accepted */
    ULONG_PTR ProcessId;
    MH_HOST_WORK Release;       /* the host's work item for this handle's release */
    MH_BATCH_FILE Batch;        /* its batched sends */
} MH_FILE, *PMH_FILE;

#define MH_FILE_SIGNATURE MH_TAG('M','H','f','i')

typedef struct _MH_DEVICE {
    PDEVICE_OBJECT DeviceObject;
    PMH_HOST Host;
    MH_STATS *Stats;            /* the host's counters; control counts its IRPs and handles there */

    /* Dispatch rundown: unload waits until no dispatch routine is running. */
    volatile LONG ActiveDispatches;
    volatile LONG Unloading;

    KSPIN_LOCK Lock;
    LIST_ENTRY Files;
    ULONG64 NextRequestId;

    MH_IRP_QUEUE SendQueue;     /* SEND_MESSAGE IRPs waiting for the miniport's callback, keyed by request id */
    MH_IRP_QUEUE ReceiveQueue;  /* agent receive IRPs */
    MH_IRP_QUEUE DdiQueue;      /* IRPs waiting for a host DDI worker */
    MH_IRP_QUEUE ChunkQueue;    /* READ_CHUNKS IRPs waiting for a chunk, keyed by request id */
    MH_IRP_QUEUE ReapQueue;     /* BATCH_REAP IRPs waiting for a completion record, keyed by their MH_FILE */

    /* The batched transport (mh_batch.c). */
#define MH_BATCH_KEY_BUCKETS 1024u  /* a power of two */
    KSPIN_LOCK BatchLock;
    LIST_ENTRY BatchKeys[MH_BATCH_KEY_BUCKETS]; /* records in flight, hashed by host request key */
    LIST_ENTRY BatchWork;       /* batched IoControls waiting for a host DDI worker, oldest first */
} MH_DEVICE, *PMH_DEVICE;

#define MH_IN_LENGTH(Irp)  (IoGetCurrentIrpStackLocation(Irp)->Parameters.DeviceIoControl.InputBufferLength)
#define MH_OUT_LENGTH(Irp) (IoGetCurrentIrpStackLocation(Irp)->Parameters.DeviceIoControl.OutputBufferLength)
#define MH_BUFFER(Irp)     ((PUCHAR)(Irp)->AssociatedIrp.SystemBuffer)

FORCEINLINE PMH_FILE MhFileFromIrp(PIRP Irp)
{
    PIO_STACK_LOCATION sp = IoGetCurrentIrpStackLocation(Irp);
    PMH_FILE file = (sp->FileObject != NULL) ? (PMH_FILE)sp->FileObject->FsContext : NULL;
    return (file != NULL && file->Signature == MH_FILE_SIGNATURE) ? file : NULL;
}

/* The one way control completes an IRP. An IRP completed while its cancel routine is still set
   is a bug (Driver Verifier stops the system for it): the routine is cleared, and the IRP counted
   in MH_STATS.IrpsCompletedWithCancelRoutine, which every idle check requires to stay 0. */
VOID MhCompleteIrp(PMH_DEVICE Dev, PIRP Irp, NTSTATUS Status, ULONG_PTR Information);

/* mh_files.c: handles. */
VOID MhFileReference(PMH_FILE File);
VOID MhFileDereference(PMH_DEVICE Dev, PMH_FILE File);
VOID MhHandleGone(PMH_DEVICE Dev, PMH_FILE File);
BOOLEAN MhControlOwnerClosed(PVOID Context, MH_OWNER Owner);
_Dispatch_type_(IRP_MJ_CREATE) DRIVER_DISPATCH MhDispatchCreate;
_Dispatch_type_(IRP_MJ_CLEANUP) DRIVER_DISPATCH MhDispatchCleanup;
_Dispatch_type_(IRP_MJ_CLOSE) DRIVER_DISPATCH MhDispatchClose;

/* mh_dispatch.c: IRP_MJ_DEVICE_CONTROL. */
_Dispatch_type_(IRP_MJ_DEVICE_CONTROL) DRIVER_DISPATCH MhDispatchDeviceControl;

/* The handlers, one per IOCTL (mh_ioctl_*.c). Each checks every length before it touches a
   buffer and returns the IRP's status: anything but STATUS_PENDING is completed by the dispatch
   routine with *Information; STATUS_PENDING means the handler handed the IRP on. */
typedef NTSTATUS MH_IOCTL_HANDLER(PMH_DEVICE Dev, PMH_FILE File, PIRP Irp, PULONG_PTR Information);
MH_IOCTL_HANDLER MhIoctlQueryCaps, MhIoctlCreateContext, MhIoctlDestroyContext, MhIoctlIoControl;
MH_IOCTL_HANDLER MhIoctlSendMessage, MhIoctlAgentAttach, MhIoctlAgentDetach, MhIoctlAgentReceive;
MH_IOCTL_HANDLER MhIoctlAgentReply, MhIoctlSession, MhIoctlReadChunks, MhIoctlReportChunks;

/* mh_ioctl_ddi.c: on a host DDI worker, one queued DDI IRP (MH_HOST_EVENTS.RunDdiWork). */
VOID MhControlRunDdiWork(PVOID Context);
/* mh_ioctl_agent.c: the host's events about messages. */
VOID MhControlServiceReceives(PVOID Context);
VOID MhControlSendCompleted(PVOID Context, ULONG64 RequestKey, const IO_STATUS_BLOCK *IoStatus,
                            const VOID *Output, ULONG OutputSize);
/* mh_ioctl_chunks.c: the host's event about a chunk read, and the chunk queue's cancel hook. */
VOID MhControlChunkReadDue(PVOID Context, ULONG64 ReadKey);
MH_IRP_QUEUE_CANCELLED MhControlChunkReadCancelled;

/* mh_batch.c: the batched transport (BATCH_SUBMIT, BATCH_REAP). Host request keys of batched
   sends have MH_BATCH_KEY_BIT set; MhNextRequestId never reaches it. */
#define MH_BATCH_KEY_BIT 0x8000000000000000ull
MH_IOCTL_HANDLER MhIoctlBatchSubmit, MhIoctlBatchReap, MhIoctlBatchSubmitReap;
VOID MhBatchInitializeDevice(PMH_DEVICE Dev);
VOID MhBatchInitializeFile(PMH_FILE File);
VOID MhBatchSendCompleted(PMH_DEVICE Dev, ULONG64 RequestKey, const IO_STATUS_BLOCK *IoStatus,
                          const VOID *Output, ULONG OutputSize);
VOID MhBatchHandleGone(PMH_DEVICE Dev, PMH_FILE File);
/* On a host DDI worker: runs one batched IoControl waiting, if any (TRUE when one ran). */
_IRQL_requires_(PASSIVE_LEVEL)
BOOLEAN MhBatchRunIoControl(PMH_DEVICE Dev);

/* mh_security.c: the control device only for SYSTEM and Administrators. */
NTSTATUS MhSecureDevice(PDEVICE_OBJECT DeviceObject);

/* A new request id (SEND_MESSAGE, READ_CHUNKS keys). */
ULONG64 MhNextRequestId(PMH_DEVICE Dev);

#endif /* MH_CONTROL_H */

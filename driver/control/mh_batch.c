/*++

Module Name:

    mh_batch.c

Abstract:

    The batched transport (miracast_hil_ioctl.h, BATCH_SUBMIT, BATCH_REAP and BATCH_SUBMIT_REAP):
    one IOCTL carries many sends, IoControls and cancels, one pended reap IRP returns many
    completion records; a BATCH_SUBMIT_REAP is both, for a caller with no reap pending.

      - BATCH_SUBMIT is checked whole before anything is applied (a malformed batch is refused with
        nothing half-done), then its records are applied in order: a send becomes an
        MH_BATCH_RECORD and goes to the host with a request key of its own (MH_BATCH_KEY_BIT set);
        a cancel finds its send by Id in the handle's hash, never by scanning.
      - The host's SendCompleted for such a key (any host thread) finds the record by key, fills its
        completion record (the callback's IO_STATUS_BLOCK and output) and moves it to its handle's
        Done list; a reap IRP of that handle, if one waits, takes every record that fits.
      - A cancelled send completes with STATUS_CANCELLED at once and is forgotten: its message keeps
        its one callback, which then finds no record, as a cancelled SEND_MESSAGE IRP's finds no IRP.
      - An IoControl becomes a record too (it carries a copy of its input), and waits on the
        device's BatchWork list for a host DDI worker (MhBatchRunIoControl), as an IO_CONTROL IRP
        waits on DdiQueue: the DDI takes the Miracast-class lock, which the dispatch path must not
        wait for. The worker calls the same MhHostIoControl (same checks, status mapping, trace
        events and lock rules) and writes the record's completion. A cancel reaches it only while
        it waits (Running: inside the miniport it runs to its end, as a running IO_CONTROL IRP does).
      - A handle that goes away (CLEANUP on Windows, CLOSE under Wine, unload) frees every record it
        has; its reap IRPs complete as cancelled with its other queued IRPs (mh_files.c).
    Nothing here waits on the dispatch path: records are applied and reaped under BatchLock, a
    spin lock; only MhBatchRunIoControl, on a host DDI worker, waits (for the DDI lock).

Environment:

    Kernel mode, IRQL <= DISPATCH_LEVEL (dispatch at PASSIVE; completions from host threads).

--*/

#include "mh_control.h"

typedef struct _MH_BATCH_RECORD {
    LIST_ENTRY KeyLink;         /* MH_DEVICE.BatchKeys while in flight (an IoControl: until it runs) */
    LIST_ENTRY IdLink;          /* MH_FILE.Batch.Ids while in flight, then MH_FILE.Batch.Done */
    LIST_ENTRY WorkLink;        /* an IoControl's: MH_DEVICE.BatchWork while it waits for a DDI worker */
    PMH_FILE File;
    ULONG64 Key;                /* the host's request key (an IoControl's only finds it in the batch) */
    ULONG Kind;                 /* MH_BATCH_SEND_MESSAGE or MH_BATCH_IO_CONTROL */
    ULONG OutputRoom;           /* the OutputSize asked for: room after Completion */
    ULONG64 ContextId;          /* an IoControl's context, flags and input size */
    ULONG Flags;
    ULONG InputSize;
    BOOLEAN Applied;            /* its turn in its batch came: a cancel may reach it */
    BOOLEAN Running;            /* an IoControl a DDI worker took: no cancel reaches it any more */
    MH_BATCH_COMPLETION Completion; /* Id set at submit; the rest at completion */
    /* UCHAR Output[OutputRoom]; an IoControl's UCHAR Input[InputSize] after it */
} MH_BATCH_RECORD, *PMH_BATCH_RECORD;

/* A send or IoControl of the batch being applied: its record until it is linked, and its key after. */
typedef struct _MH_BATCH_ITEM {
    PMH_BATCH_RECORD Record;
    ULONG64 Key;
} MH_BATCH_ITEM;

VOID MhBatchInitializeDevice(PMH_DEVICE Dev)
{
    ULONG i;

    KeInitializeSpinLock(&Dev->BatchLock);
    for (i = 0; i < MH_BATCH_KEY_BUCKETS; i++) {
        InitializeListHead(&Dev->BatchKeys[i]);
    }
    InitializeListHead(&Dev->BatchWork);
    MhIrpQueueInitialize(&Dev->ReapQueue, Dev, TRUE, NULL);
    Dev->ReapQueue.CountsAsReaps = TRUE;
}

VOID MhBatchInitializeFile(PMH_FILE File)
{
    ULONG i;

    for (i = 0; i < MH_BATCH_ID_BUCKETS; i++) {
        InitializeListHead(&File->Batch.Ids[i]);
    }
    InitializeListHead(&File->Batch.Done);
    File->Batch.InFlight = 0;
    File->Batch.Gone = FALSE;
}

static PLIST_ENTRY MhBatchIdBucket(PMH_FILE File, ULONG64 Id)
{
    return &File->Batch.Ids[(ULONG)(Id ^ (Id >> 32)) & (MH_BATCH_ID_BUCKETS - 1)];
}

static PLIST_ENTRY MhBatchKeyBucket(PMH_DEVICE Dev, ULONG64 Key)
{
    return &Dev->BatchKeys[(ULONG)Key & (MH_BATCH_KEY_BUCKETS - 1)];
}

_Requires_lock_held_(Dev->BatchLock)
static PMH_BATCH_RECORD MhBatchFindIdLocked(PMH_DEVICE Dev, PMH_FILE File, ULONG64 Id)
{
    PLIST_ENTRY bucket = MhBatchIdBucket(File, Id);
    PLIST_ENTRY entry;

    UNREFERENCED_PARAMETER(Dev);
    for (entry = bucket->Flink; entry != bucket; entry = entry->Flink) {
        PMH_BATCH_RECORD record = CONTAINING_RECORD(entry, MH_BATCH_RECORD, IdLink);
        if (record->Completion.Id == Id) {
            return record;
        }
    }
    return NULL;
}

_Requires_lock_held_(Dev->BatchLock)
static PMH_BATCH_RECORD MhBatchFindKeyLocked(PMH_DEVICE Dev, ULONG64 Key)
{
    PLIST_ENTRY bucket = MhBatchKeyBucket(Dev, Key);
    PLIST_ENTRY entry;

    for (entry = bucket->Flink; entry != bucket; entry = entry->Flink) {
        PMH_BATCH_RECORD record = CONTAINING_RECORD(entry, MH_BATCH_RECORD, KeyLink);
        if (record->Key == Key) {
            return record;
        }
    }
    return NULL;
}

/* A request in flight leaves both hashes (and an IoControl the work list): whoever unlinked it
   owns it. Links it is not on point at themselves, so removing them again changes nothing. */
_Requires_lock_held_(Dev->BatchLock)
static VOID MhBatchUnlinkLocked(PMH_DEVICE Dev, PMH_BATCH_RECORD Record)
{
    RemoveEntryList(&Record->KeyLink);
    InitializeListHead(&Record->KeyLink);
    RemoveEntryList(&Record->WorkLink);
    InitializeListHead(&Record->WorkLink);
    RemoveEntryList(&Record->IdLink);
    Record->File->Batch.InFlight--;
    MH_STAT_DEC(Dev->Stats, IrpsPending);
}

/* Writes an unlinked record's completion: RequestStatus, the callback's IO_STATUS_BLOCK and as much
   output as the send asked room for. Output may be the miniport's pageable memory: no lock held. */
static VOID MhBatchWriteCompletion(PMH_BATCH_RECORD Record, NTSTATUS RequestStatus, const IO_STATUS_BLOCK *IoStatus,
                                   const VOID *Output, ULONG OutputSize)
{
    ULONG copy = (IoStatus != NULL && Output != NULL) ? min(OutputSize, Record->OutputRoom) : 0;

    Record->Completion.RequestStatus = RequestStatus;
    Record->Completion.Status = (IoStatus != NULL) ? IoStatus->Status : 0;
    Record->Completion.Information = (IoStatus != NULL) ? (ULONG64)IoStatus->Information : 0;
    Record->Completion.OutputSize = copy;
    Record->Completion.RecordSize = MH_ALIGN8((ULONG)sizeof(MH_BATCH_COMPLETION) + copy);
    if (copy != 0) {
        RtlCopyMemory(Record + 1, Output, copy);
    }
}

/* A send with no output to copy (cancelled, or refused by the host) is done: its record waits on
   its handle's Done list for a reap. */
_Requires_lock_held_(Dev->BatchLock)
static VOID MhBatchFinishLocked(PMH_DEVICE Dev, PMH_BATCH_RECORD Record, NTSTATUS RequestStatus)
{
    MhBatchUnlinkLocked(Dev, Record);
    MhBatchWriteCompletion(Record, RequestStatus, NULL, NULL, 0);
    InsertTailList(&Record->File->Batch.Done, &Record->IdLink);
}

/*++
Routine Description:
    Copies the oldest completion records of a handle that fit into a reap buffer (of at least
    MH_BATCH_REAP_BUFFER_MIN bytes) and moves them onto Reaped (the caller frees them once the
    lock is dropped). When the oldest does not fit, writes only a header: Count 0, and BytesUsed
    the output length that record needs; the record stays for a reap that large.
Return Value:
    The bytes written (header and records, or the header alone), or 0 when no record was ready.
--*/
_Requires_lock_held_(Dev->BatchLock)
static ULONG MhBatchFillLocked(PMH_DEVICE Dev, PMH_FILE File, PUCHAR Buffer, ULONG Length, PLIST_ENTRY Reaped)
{
    MH_BATCH_HEADER header;
    ULONG offset = sizeof(MH_BATCH_HEADER);
    ULONG count = 0;

    while (!IsListEmpty(&File->Batch.Done)) {
        PMH_BATCH_RECORD record = CONTAINING_RECORD(File->Batch.Done.Flink, MH_BATCH_RECORD, IdLink);
        ULONG size = record->Completion.RecordSize;
        ULONG used = (ULONG)sizeof(MH_BATCH_COMPLETION) + record->Completion.OutputSize;

        if (size > Length - offset) {
            if (count == 0) {
                header.Count = 0;
                header.BytesUsed = (ULONG)sizeof(MH_BATCH_HEADER) + size;   /* at most 64 KiB and change */
                RtlCopyMemory(Buffer, &header, sizeof(header));
                MH_STAT_INC(Dev->Stats, BatchReapsTooSmall);
                return sizeof(header);
            }
            break;
        }
        RtlCopyMemory(Buffer + offset, &record->Completion, used);
        RtlZeroMemory(Buffer + offset + used, size - used);
        offset += size;
        count++;
        RemoveEntryList(&record->IdLink);
        InsertTailList(Reaped, &record->IdLink);
    }
    if (count == 0) {
        return 0;
    }
    header.Count = count;
    header.BytesUsed = offset;
    RtlCopyMemory(Buffer, &header, sizeof(header));
    MhStatMax(MH_STAT_PTR(Dev->Stats, BatchReapMax), count);
    return offset;
}

static VOID MhBatchFreeList(PMH_DEVICE Dev, PLIST_ENTRY List)
{
    while (!IsListEmpty(List)) {
        PMH_BATCH_RECORD record = CONTAINING_RECORD(RemoveHeadList(List), MH_BATCH_RECORD, IdLink);
        MhFree(Dev->Host, MhPoolDdiBuffer, record);
    }
}

/*++
Routine Description:
    Hands a handle's completion records to its waiting reap IRPs. File is only a key here (the
    handle may be gone); the IRP found holds a reference on its MH_FILE. A reap that finds nothing
    (another reap took the records) goes back to the queue under BatchLock, so a record that
    arrives meanwhile finds it there.
--*/
static VOID MhBatchServiceReaps(PMH_DEVICE Dev, PVOID FileKey)
{
    for (;;) {
        PIRP irp = MhIrpQueueRemoveByKey(&Dev->ReapQueue, (ULONG64)(ULONG_PTR)FileKey);
        PMH_FILE file;
        LIST_ENTRY reaped;
        ULONG written;
        NTSTATUS status = STATUS_SUCCESS;
        KIRQL irql;

        if (irp == NULL) {
            return;
        }
        file = MhIrpFile(irp);
        InitializeListHead(&reaped);
        KeAcquireSpinLock(&Dev->BatchLock, &irql);
        written = MhBatchFillLocked(Dev, file, MH_BUFFER(irp), MH_OUT_LENGTH(irp), &reaped);
        if (written == 0 && MhIrpQueueRequeue(&Dev->ReapQueue, irp) == STATUS_PENDING) {
            irp = NULL;                 /* back on the queue, with its file reference */
        } else if (written == 0) {
            status = STATUS_CANCELLED;  /* cancelled while off the queue: ours to complete */
        }
        KeReleaseSpinLock(&Dev->BatchLock, irql);

        MhBatchFreeList(Dev, &reaped);
        if (irp == NULL) {
            return;
        }
        if (status == STATUS_CANCELLED) {
            MH_STAT_INC(Dev->Stats, IrpsCancelledTotal);
        }
        MhCompleteIrp(Dev, irp, status, written);
        MhFileDereference(Dev, file);
    }
}

/*++
Routine Description:
    The host's SendCompleted for a batched send (MH_BATCH_KEY_BIT): its record gets its result and
    waits for a reap. A key no record has any more was cancelled, or its handle went: the miniport
    has had its callback, and there is nothing else to do. The output is copied with no lock held
    (it is the miniport's buffer, which may be pageable); a reference keeps the handle's state while
    the record is in no list, and a handle that went meanwhile gets no record.
--*/
VOID MhBatchSendCompleted(PMH_DEVICE Dev, ULONG64 RequestKey, const IO_STATUS_BLOCK *IoStatus,
                          const VOID *Output, ULONG OutputSize)
{
    PMH_BATCH_RECORD record;
    PMH_FILE file;
    BOOLEAN gone;
    KIRQL irql;

    KeAcquireSpinLock(&Dev->BatchLock, &irql);
    record = MhBatchFindKeyLocked(Dev, RequestKey);
    if (record != NULL) {
        MhBatchUnlinkLocked(Dev, record);
        MhFileReference(record->File);   /* linked until now, so its handle had not gone */
    }
    KeReleaseSpinLock(&Dev->BatchLock, irql);
    if (record == NULL) {
        return;
    }
    file = record->File;
    MhBatchWriteCompletion(record, STATUS_SUCCESS, IoStatus, Output, OutputSize);

    KeAcquireSpinLock(&Dev->BatchLock, &irql);
    gone = file->Batch.Gone;
    if (!gone) {
        InsertTailList(&file->Batch.Done, &record->IdLink);
    }
    KeReleaseSpinLock(&Dev->BatchLock, irql);
    if (gone) {
        MhFree(Dev->Host, MhPoolDdiBuffer, record);
    } else {
        MhBatchServiceReaps(Dev, file);
    }
    MhFileDereference(Dev, file);
}

/* A send the host refused at once (no callback will come): its failure is its completion record. */
static VOID MhBatchSendFailed(PMH_DEVICE Dev, ULONG64 Key, NTSTATUS Status)
{
    PMH_BATCH_RECORD record;
    KIRQL irql;

    KeAcquireSpinLock(&Dev->BatchLock, &irql);
    record = MhBatchFindKeyLocked(Dev, Key);
    if (record != NULL) {      /* NULL: cancelled meanwhile, which already made its record */
        MhBatchFinishLocked(Dev, record, Status);
    }
    KeReleaseSpinLock(&Dev->BatchLock, irql);
}

/*++
Routine Description:
    A request's turn in its batch came: from now on a cancel reaches it. An IoControl also joins
    the work list of the host's DDI workers.
Return Value:
    TRUE when an IoControl was queued for a worker (the caller submits a DDI work call for the
    batch's IoControls); FALSE for a send, or a request already cancelled (its handle went).
--*/
static BOOLEAN MhBatchApplied(PMH_DEVICE Dev, ULONG64 Key)
{
    PMH_BATCH_RECORD record;
    BOOLEAN queued = FALSE;
    KIRQL irql;

    KeAcquireSpinLock(&Dev->BatchLock, &irql);
    record = MhBatchFindKeyLocked(Dev, Key);
    if (record != NULL) {
        record->Applied = TRUE;
        if (record->Kind == MH_BATCH_IO_CONTROL) {
            InsertTailList(&Dev->BatchWork, &record->WorkLink);
            queued = TRUE;
        }
    }
    KeReleaseSpinLock(&Dev->BatchLock, irql);
    return queued;
}

/* One run of batched IoControls (MhBatchRunIoControl): at most this many, for at most this long.
   Its records reach the handle's reap together (one reap IRP per run, not one per IoControl);
   the time bound keeps a slow IoControl's company from holding its record back for long. */
#define MH_BATCH_IO_CONTROL_RUN        256u
#define MH_BATCH_IO_CONTROL_RUN_100NS  (10ull * 10000ull)  /* 10 ms: tens of reap round trips under Wine */

/* Takes the oldest batched IoControl waiting, if it is File's (any handle's when File is NULL):
   it leaves the work list and the key hash (no cancel reaches it) but keeps its Id in flight. */
static PMH_BATCH_RECORD MhBatchTakeIoControl(PMH_DEVICE Dev, PMH_FILE File)
{
    PMH_BATCH_RECORD record = NULL;
    KIRQL irql;

    KeAcquireSpinLock(&Dev->BatchLock, &irql);
    if (!IsListEmpty(&Dev->BatchWork)) {
        record = CONTAINING_RECORD(Dev->BatchWork.Flink, MH_BATCH_RECORD, WorkLink);
        if (File != NULL && record->File != File) {
            record = NULL;
        } else {
            RemoveEntryList(&record->WorkLink);
            InitializeListHead(&record->WorkLink);
            RemoveEntryList(&record->KeyLink);
            InitializeListHead(&record->KeyLink);
            record->Running = TRUE;
            if (File == NULL) {
                MhFileReference(record->File);  /* linked until now, so its handle had not gone */
            }
        }
    }
    KeReleaseSpinLock(&Dev->BatchLock, irql);
    return record;
}

/*++
Routine Description:
    On a host DDI worker (MhControlRunDdiWork, when DdiQueue gave it no IRP): runs the oldest
    batched IoControl waiting, then those of the same handle that follow it (a run: at most
    MH_BATCH_IO_CONTROL_RUN, for at most MH_BATCH_IO_CONTROL_RUN_100NS), each through
    MhHostIoControl as the IO_CONTROL IOCTL runs it, and hands the run's completion records to the
    handle's reap together. A BATCH_SUBMIT with IoControls submits one work call, and
    a run that leaves IoControls waiting (any handle's) submits the next: the work list is never
    left without a call to come, and a storm costs no worker wake-up per IoControl. The DDIs are
    serialized by the Miracast-class lock anyway, so one run at a time loses nothing. A
    reference keeps the handle's state while the miniport runs them; a handle that went meanwhile
    gets no records. A work call that finds nothing (the IoControls were cancelled, or
    taken by a run meanwhile) returns at once.
Return Value:
    TRUE when at least one ran.
--*/
_IRQL_requires_(PASSIVE_LEVEL)
BOOLEAN MhBatchRunIoControl(PMH_DEVICE Dev)
{
    PMH_BATCH_RECORD record = MhBatchTakeIoControl(Dev, NULL);
    LIST_ENTRY ran, dropped;
    PMH_FILE file;
    ULONG64 first;
    ULONG count = 0;
    BOOLEAN gone, more;
    KIRQL irql;

    if (record == NULL) {
        return FALSE;
    }
    file = record->File;
    first = MhInterruptTime();
    InitializeListHead(&ran);
    while (record != NULL) {
        PUCHAR output = (PUCHAR)(record + 1);
        ULONG bytes = 0;
        NTSTATUS status = MhHostIoControl(Dev->Host, file, record->ContextId, record->Flags,
                                          output + record->OutputRoom, record->InputSize, output,
                                          record->OutputRoom, &bytes);
        if (!NT_SUCCESS(status)) {
            bytes = 0;
        }
        record->Completion.RequestStatus = status;
        record->Completion.Status = status;
        record->Completion.Information = bytes;
        record->Completion.OutputSize = bytes;
        record->Completion.RecordSize = MH_ALIGN8((ULONG)sizeof(MH_BATCH_COMPLETION) + bytes);
        InsertTailList(&ran, &record->WorkLink);
        count++;
        record = (count < MH_BATCH_IO_CONTROL_RUN && MhInterruptTime() - first < MH_BATCH_IO_CONTROL_RUN_100NS)
                     ? MhBatchTakeIoControl(Dev, file) : NULL;
    }

    InitializeListHead(&dropped);
    KeAcquireSpinLock(&Dev->BatchLock, &irql);
    gone = file->Batch.Gone;
    while (!IsListEmpty(&ran)) {
        record = CONTAINING_RECORD(RemoveHeadList(&ran), MH_BATCH_RECORD, WorkLink);
        InitializeListHead(&record->WorkLink);
        MhBatchUnlinkLocked(Dev, record);
        InsertTailList(gone ? &dropped : &file->Batch.Done, &record->IdLink);
    }
    more = !IsListEmpty(&Dev->BatchWork);
    KeReleaseSpinLock(&Dev->BatchLock, irql);
    if (more) {
        MhHostSubmitDdiWork(Dev->Host);
    }
    MhBatchFreeList(Dev, &dropped);     /* a handle that went gets no records */
    if (!gone) {
        MhBatchServiceReaps(Dev, file);
    }
    MhFileDereference(Dev, file);
    return TRUE;
}

/*++
Routine Description:
    CANCEL: the handle's send or IoControl with Id (or every one, MH_BATCH_CANCEL_ALL) completes as
    cancelled; an IoControl a worker is running is left to finish. Records apply in order: a request
    later in the same batch is not there yet for a cancel before it (it may carry the Id of one that
    completed meanwhile), unless Everything (the handle goes).
--*/
static VOID MhBatchCancel(PMH_DEVICE Dev, PMH_FILE File, const MH_BATCH_ENTRY *Entry, BOOLEAN Everything)
{
    ULONG cancelled = 0;
    KIRQL irql;
    ULONG i;

    KeAcquireSpinLock(&Dev->BatchLock, &irql);
    if ((Entry->Flags & MH_BATCH_CANCEL_ALL) == 0) {
        PMH_BATCH_RECORD record = MhBatchFindIdLocked(Dev, File, Entry->Id);
        if (record != NULL && !record->Running && (record->Applied || Everything)) {
            MhBatchFinishLocked(Dev, record, STATUS_CANCELLED);
            cancelled++;
        }
    } else {
        for (i = 0; i < MH_BATCH_ID_BUCKETS; i++) {
            PLIST_ENTRY entry = File->Batch.Ids[i].Flink;
            while (entry != &File->Batch.Ids[i]) {
                PMH_BATCH_RECORD record = CONTAINING_RECORD(entry, MH_BATCH_RECORD, IdLink);
                entry = entry->Flink;
                if (!record->Running && (record->Applied || Everything)) {
                    MhBatchFinishLocked(Dev, record, STATUS_CANCELLED);
                    cancelled++;
                }
            }
        }
    }
    KeReleaseSpinLock(&Dev->BatchLock, irql);
    MH_STAT_ADD(Dev->Stats, IrpsCancelledTotal, cancelled);
}

/*++
Routine Description:
    Checks a whole BATCH_SUBMIT input before anything is applied: the header, every record's kind,
    fields, sizes and record size, and that the records exactly fill the input.
Arguments:
    Tracked - receives the number of SEND_MESSAGE and IO_CONTROL records (each gets a record).
Return Value:
    STATUS_SUCCESS, STATUS_INVALID_PARAMETER (layout) or STATUS_INVALID_BUFFER_SIZE (a size over
    its limit).
--*/
static NTSTATUS MhBatchCheck(const UCHAR *Buffer, ULONG Length, PULONG Tracked)
{
    MH_BATCH_HEADER header;
    ULONG offset = sizeof(MH_BATCH_HEADER);
    ULONG tracked = 0;
    ULONG i;

    if (Length < sizeof(MH_BATCH_HEADER)) {
        return STATUS_INVALID_PARAMETER;
    }
    if (Length > MH_MAX_BATCH_BYTES) {
        return STATUS_INVALID_BUFFER_SIZE;
    }
    RtlCopyMemory(&header, Buffer, sizeof(header));
    if (header.BytesUsed != Length || header.Count == 0 || header.Count > MH_MAX_BATCH_ENTRIES) {
        return STATUS_INVALID_PARAMETER;
    }
    for (i = 0; i < header.Count; i++) {
        const MH_BATCH_ENTRY *entry;

        if (Length - offset < sizeof(MH_BATCH_ENTRY)) {
            return STATUS_INVALID_PARAMETER;
        }
        entry = (const MH_BATCH_ENTRY *)(Buffer + offset);
        if (entry->Reserved != 0) {
            return STATUS_INVALID_PARAMETER;
        }
        switch (entry->Kind) {
        case MH_BATCH_SEND_MESSAGE:
            if (entry->Flags != 0) {
                return STATUS_INVALID_PARAMETER;
            }
            if (entry->InputSize > MH_MAX_MESSAGE_BYTES || entry->OutputSize > MH_MAX_MESSAGE_BYTES) {
                return STATUS_INVALID_BUFFER_SIZE;
            }
            tracked++;
            break;
        case MH_BATCH_IO_CONTROL:
            if ((entry->Flags & ~MH_IO_CONTROL_HARDWARE_ACCESS) != 0) {
                return STATUS_INVALID_PARAMETER;
            }
            if (entry->InputSize > MH_MAX_IO_CONTROL_BYTES || entry->OutputSize > MH_MAX_IO_CONTROL_BYTES) {
                return STATUS_INVALID_BUFFER_SIZE;
            }
            tracked++;
            break;
        case MH_BATCH_CANCEL:
            if ((entry->Flags & ~MH_BATCH_CANCEL_ALL) != 0 || entry->ContextId != 0 ||
                entry->InputSize != 0 || entry->OutputSize != 0) {
                return STATUS_INVALID_PARAMETER;
            }
            break;
        default:
            return STATUS_INVALID_PARAMETER;
        }
        /* InputSize is at most 64 KiB here: no overflow. */
        if (entry->RecordSize != MH_ALIGN8((ULONG)sizeof(MH_BATCH_ENTRY) + entry->InputSize) ||
            entry->RecordSize > Length - offset) {
            return STATUS_INVALID_PARAMETER;
        }
        offset += entry->RecordSize;
    }
    if (offset != Length) {
        return STATUS_INVALID_PARAMETER;
    }
    *Tracked = tracked;
    return STATUS_SUCCESS;
}

/*++
Routine Description:
    Links a checked batch's records into the handle's Ids and the device's keys, all or none: an Id
    already in flight on the handle, or twice in the batch, refuses the whole batch.
Return Value:
    STATUS_SUCCESS; MH_STATUS_BATCH_DUPLICATE_ID, MH_STATUS_BATCH_FULL, STATUS_FILE_CLOSED (nothing
    linked: the caller frees the records).
--*/
static NTSTATUS MhBatchLink(PMH_DEVICE Dev, PMH_FILE File, MH_BATCH_ITEM *Items, ULONG Count)
{
    NTSTATUS status = STATUS_SUCCESS;
    KIRQL irql;
    ULONG i, linked = 0;

    KeAcquireSpinLock(&Dev->BatchLock, &irql);
    if (File->Batch.Gone) {
        status = STATUS_FILE_CLOSED;
    } else if (File->Batch.InFlight + Count > MH_MAX_BATCH_IN_FLIGHT) {
        status = MH_STATUS_BATCH_FULL;
    }
    for (; NT_SUCCESS(status) && linked < Count; linked++) {
        PMH_BATCH_RECORD record = Items[linked].Record;
        if (MhBatchFindIdLocked(Dev, File, record->Completion.Id) != NULL) {
            status = MH_STATUS_BATCH_DUPLICATE_ID;
            break;
        }
        InsertTailList(MhBatchIdBucket(File, record->Completion.Id), &record->IdLink);
    }
    if (!NT_SUCCESS(status)) {
        for (i = 0; i < linked; i++) {
            RemoveEntryList(&Items[i].Record->IdLink);
        }
    } else {
        for (i = 0; i < Count; i++) {
            InsertTailList(MhBatchKeyBucket(Dev, Items[i].Key), &Items[i].Record->KeyLink);
        }
        File->Batch.InFlight += Count;
        MH_STAT_ADD(Dev->Stats, IrpsPending, Count);
        MH_STAT_ADD(Dev->Stats, IrpsPendedTotal, Count);
    }
    KeReleaseSpinLock(&Dev->BatchLock, irql);
    return status;
}

/*++
Routine Description:
    The IO_CONTROL records of a checked batch name contexts of this handle: one of another handle
    refuses the whole batch (MH_STATUS_NOT_OWNER), as the IOCTL would refuse itself. An unknown or
    destroyed context is the record's own result when it runs (the context may go meanwhile anyway).
--*/
static NTSTATUS MhBatchCheckOwners(PMH_DEVICE Dev, PMH_FILE File, const UCHAR *Buffer, ULONG Count)
{
    ULONG i, offset = sizeof(MH_BATCH_HEADER);

    for (i = 0; i < Count; i++) {
        const MH_BATCH_ENTRY *entry = (const MH_BATCH_ENTRY *)(Buffer + offset);
        offset += entry->RecordSize;
        if (entry->Kind == MH_BATCH_IO_CONTROL &&
            MhHostCheckContext(Dev->Host, File, entry->ContextId) == MH_STATUS_NOT_OWNER) {
            return MH_STATUS_NOT_OWNER;
        }
    }
    return STATUS_SUCCESS;
}

/* A send's or IoControl's record, before it is linked: its Id, and an IoControl's own copy of its
   input (the system buffer goes when BATCH_SUBMIT completes; the IoControl runs later). */
static PMH_BATCH_RECORD MhBatchMakeRecord(PMH_DEVICE Dev, PMH_FILE File, const MH_BATCH_ENTRY *Entry)
{
    ULONG inputRoom = (Entry->Kind == MH_BATCH_IO_CONTROL) ? Entry->InputSize : 0;
    PMH_BATCH_RECORD record = (PMH_BATCH_RECORD)MhAlloc(
        Dev->Host, MhPoolDdiBuffer, sizeof(MH_BATCH_RECORD) + (SIZE_T)Entry->OutputSize + inputRoom);

    if (record == NULL) {
        return NULL;
    }
    RtlZeroMemory(record, sizeof(MH_BATCH_RECORD));
    InitializeListHead(&record->KeyLink);
    InitializeListHead(&record->WorkLink);
    record->File = File;
    record->Kind = Entry->Kind;
    record->OutputRoom = Entry->OutputSize;
    record->ContextId = Entry->ContextId;
    record->Flags = Entry->Flags;
    record->InputSize = inputRoom;
    record->Completion.Id = Entry->Id;
    if (inputRoom != 0) {
        RtlCopyMemory((PUCHAR)(record + 1) + Entry->OutputSize, Entry + 1, inputRoom);
    }
    return record;
}

/*++
Routine Description:
    Applies a BATCH_SUBMIT's (or BATCH_SUBMIT_REAP's) input: checks the whole batch, makes a record
    per send and IoControl, links them all (or refuses the batch with nothing applied), then applies
    the records in order: sends go to the host, IoControls to the host's DDI workers, cancels
    complete their requests. Nothing waits; results come through a reap.
Return Value:
    STATUS_SUCCESS, or the batch's refusal (see MhBatchCheck, MhBatchCheckOwners, MhBatchLink;
    STATUS_INSUFFICIENT_RESOURCES).
--*/
static NTSTATUS MhBatchApply(PMH_DEVICE Dev, PMH_FILE File, const UCHAR *buffer, ULONG length)
{
    MH_BATCH_ITEM *items = NULL;
    ULONG itemCount = 0, made = 0, next = 0, ioControlsQueued = 0;
    ULONG kinds[MH_BATCH_IO_CONTROL + 1] = { 0 };
    ULONG offset, i, count;
    NTSTATUS status;

    status = MhBatchCheck(buffer, length, &itemCount);
    if (!NT_SUCCESS(status)) {
        return status;
    }
    count = ((const MH_BATCH_HEADER *)buffer)->Count;
    status = MhBatchCheckOwners(Dev, File, buffer, count);
    if (!NT_SUCCESS(status)) {
        return status;
    }

    /* Every allocation before anything is applied. */
    if (itemCount != 0) {
        items = (MH_BATCH_ITEM *)MhAlloc(Dev->Host, MhPoolDdiBuffer, itemCount * sizeof(MH_BATCH_ITEM));
        if (items == NULL) {
            return STATUS_INSUFFICIENT_RESOURCES;
        }
    }
    for (i = 0, offset = sizeof(MH_BATCH_HEADER); i < count; i++) {
        const MH_BATCH_ENTRY *entry = (const MH_BATCH_ENTRY *)(buffer + offset);
        offset += entry->RecordSize;
        if (entry->Kind == MH_BATCH_CANCEL) {
            continue;
        }
        items[made].Record = MhBatchMakeRecord(Dev, File, entry);
        if (items[made].Record == NULL) {
            status = STATUS_INSUFFICIENT_RESOURCES;
            break;
        }
        items[made].Key = MhNextRequestId(Dev) | MH_BATCH_KEY_BIT;
        items[made].Record->Key = items[made].Key;
        made++;
    }
    if (NT_SUCCESS(status)) {
        status = MhBatchLink(Dev, File, items, itemCount);
    }
    if (!NT_SUCCESS(status)) {
        for (i = 0; i < made; i++) {
            MhFree(Dev->Host, MhPoolDdiBuffer, items[i].Record);
        }
        MhFree(Dev->Host, MhPoolDdiBuffer, items);
        return status;
    }

    /* Applied in order. A linked record may complete (and be reaped) at any moment from here on:
       only its key is used. The inputs stay in the system buffer until this IRP completes. The
       answers' callback wake-ups are given together once the batch is applied. */
    MhHostHoldCallbackWakes(Dev->Host);
    for (i = 0, offset = sizeof(MH_BATCH_HEADER); i < count; i++) {
        const MH_BATCH_ENTRY *entry = (const MH_BATCH_ENTRY *)(buffer + offset);
        offset += entry->RecordSize;
        kinds[entry->Kind]++;
        if (entry->Kind == MH_BATCH_CANCEL) {
            MhBatchCancel(Dev, File, entry, FALSE);
            continue;
        }
        if (entry->Kind == MH_BATCH_IO_CONTROL) {
            ioControlsQueued += MhBatchApplied(Dev, items[next].Key) ? 1 : 0;
            next++;
            continue;
        }
        MhBatchApplied(Dev, items[next].Key);
        status = MhHostSendMessage(Dev->Host, File, entry->ContextId, entry + 1, entry->InputSize,
                                   entry->OutputSize, items[next].Key);
        if (status != STATUS_PENDING) {
            MhBatchSendFailed(Dev, items[next].Key, status);
        }
        next++;
    }
    MhHostReleaseCallbackWakes(Dev->Host);
    MhFree(Dev->Host, MhPoolDdiBuffer, items);
    if (ioControlsQueued != 0) {
        MhHostSubmitDdiWork(Dev->Host);     /* one run takes them all, a hold at a time (MhBatchRunIoControl) */
    }
    MH_STAT_INC(Dev->Stats, BatchSubmits);
    MH_STAT_ADD(Dev->Stats, BatchSendRecords, kinds[MH_BATCH_SEND_MESSAGE]);
    MH_STAT_ADD(Dev->Stats, BatchIoControlRecords, kinds[MH_BATCH_IO_CONTROL]);
    MH_STAT_ADD(Dev->Stats, BatchCancelRecords, kinds[MH_BATCH_CANCEL]);
    MhStatMax(MH_STAT_PTR(Dev->Stats, BatchSubmitMax), count);
    return STATUS_SUCCESS;
}

/*++
Routine Description:
    BATCH_SUBMIT: applies the batch (MhBatchApply) and completes at once; results come through
    BATCH_REAP (or a BATCH_SUBMIT_REAP's output).
Return Value:
    STATUS_SUCCESS, or the batch's refusal; STATUS_INVALID_PARAMETER when an output buffer is given.
--*/
_Use_decl_annotations_
NTSTATUS MhIoctlBatchSubmit(PMH_DEVICE Dev, PMH_FILE File, PIRP Irp, PULONG_PTR Information)
{
    NTSTATUS status;

    UNREFERENCED_PARAMETER(Information);
    if (MH_OUT_LENGTH(Irp) != 0) {
        return STATUS_INVALID_PARAMETER;
    }
    status = MhBatchApply(Dev, File, MH_BUFFER(Irp), MH_IN_LENGTH(Irp));
    if (NT_SUCCESS(status)) {
        MhBatchServiceReaps(Dev, File);
    }
    return status;
}

/*++
Routine Description:
    A reap IRP (BATCH_REAP, or BATCH_SUBMIT_REAP once its batch is applied): takes the handle's
    completion records at once when any is ready, or pends on ReapQueue until one is. Fill or queue
    happens under BatchLock, so no record can slip between them.
Arguments:
    GoneStatus - what the IRP completes with when the handle went and no record is left.
Return Value:
    STATUS_SUCCESS with *Information set; STATUS_PENDING; STATUS_CANCELLED (cancelled before it could
    be queued); GoneStatus.
--*/
static NTSTATUS MhBatchReapOrPend(PMH_DEVICE Dev, PMH_FILE File, PIRP Irp, NTSTATUS GoneStatus, PULONG_PTR Information)
{
    LIST_ENTRY reaped;
    ULONG written;
    NTSTATUS status = STATUS_SUCCESS;
    KIRQL irql;

    InitializeListHead(&reaped);
    MhFileReference(File);      /* the queue's, if it pends */
    KeAcquireSpinLock(&Dev->BatchLock, &irql);
    written = MhBatchFillLocked(Dev, File, MH_BUFFER(Irp), MH_OUT_LENGTH(Irp), &reaped);
    if (written == 0 && File->Batch.Gone) {
        status = GoneStatus;    /* its queued IRPs were already cancelled */
    } else if (written == 0) {
        status = MhIrpQueueInsert(&Dev->ReapQueue, Irp, (ULONG64)(ULONG_PTR)File);
    }
    KeReleaseSpinLock(&Dev->BatchLock, irql);
    MhBatchFreeList(Dev, &reaped);
    if (status != STATUS_PENDING) {
        MhFileDereference(Dev, File);
    }
    *Information = written;
    return status;
}

/*++
Routine Description:
    BATCH_SUBMIT_REAP: a BATCH_SUBMIT whose IRP then serves as a BATCH_REAP of the same handle, so
    a caller with no reap pending pays one IOCTL per batch, not a submit and a reap (a lone send's
    result comes back in its own submit's output). Both buffers are checked before anything is
    applied; the input is dead once applied, so the system buffer then takes the records.
Return Value:
    The batch's refusal (nothing applied; never STATUS_CANCELLED); or, applied: STATUS_SUCCESS with
    records, STATUS_PENDING, STATUS_CANCELLED (the reap was cancelled, or the handle went: its
    requests then were cancelled too).
--*/
_Use_decl_annotations_
NTSTATUS MhIoctlBatchSubmitReap(PMH_DEVICE Dev, PMH_FILE File, PIRP Irp, PULONG_PTR Information)
{
    NTSTATUS status;

    if (MH_OUT_LENGTH(Irp) < MH_BATCH_REAP_BUFFER_MIN) {
        return STATUS_BUFFER_TOO_SMALL;
    }
    status = MhBatchApply(Dev, File, MH_BUFFER(Irp), MH_IN_LENGTH(Irp));
    if (!NT_SUCCESS(status)) {
        return status;
    }
    MH_STAT_INC(Dev->Stats, BatchSubmitReaps);
    return MhBatchReapOrPend(Dev, File, Irp, STATUS_CANCELLED, Information);
}

/*++
Routine Description:
    BATCH_REAP: returns the handle's completion records at once when any is ready, or pends until
    one is (MhBatchReapOrPend).
Return Value:
    STATUS_SUCCESS with *Information set; STATUS_PENDING; STATUS_CANCELLED (cancelled before it could
    be queued); STATUS_FILE_CLOSED; STATUS_INVALID_PARAMETER; STATUS_BUFFER_TOO_SMALL.
--*/
_Use_decl_annotations_
NTSTATUS MhIoctlBatchReap(PMH_DEVICE Dev, PMH_FILE File, PIRP Irp, PULONG_PTR Information)
{
    if (MH_IN_LENGTH(Irp) != 0) {
        return STATUS_INVALID_PARAMETER;
    }
    if (MH_OUT_LENGTH(Irp) < MH_BATCH_REAP_BUFFER_MIN) {
        return STATUS_BUFFER_TOO_SMALL;
    }
    return MhBatchReapOrPend(Dev, File, Irp, STATUS_FILE_CLOSED, Information);
}

/*++
Routine Description:
    The handle went away (mh_files.c, once, before its queued IRPs are cancelled): no submission is
    accepted any more; its sends in flight complete as cancelled (their messages keep their
    callbacks, which find no record), and a reap still pending takes as many of those records as
    fit, so a caller that is still there learns each send was cancelled. What no reap took is freed.
--*/
VOID MhBatchHandleGone(PMH_DEVICE Dev, PMH_FILE File)
{
    MH_BATCH_ENTRY all;
    LIST_ENTRY gone;
    KIRQL irql;

    RtlZeroMemory(&all, sizeof(all));
    all.Kind = MH_BATCH_CANCEL;
    all.Flags = MH_BATCH_CANCEL_ALL;
    KeAcquireSpinLock(&Dev->BatchLock, &irql);
    File->Batch.Gone = TRUE;
    KeReleaseSpinLock(&Dev->BatchLock, irql);
    MhBatchCancel(Dev, File, &all, TRUE);
    MhBatchServiceReaps(Dev, File);

    InitializeListHead(&gone);
    KeAcquireSpinLock(&Dev->BatchLock, &irql);
    while (!IsListEmpty(&File->Batch.Done)) {
        InsertTailList(&gone, RemoveHeadList(&File->Batch.Done));
    }
    KeReleaseSpinLock(&Dev->BatchLock, irql);
    MhBatchFreeList(Dev, &gone);
}

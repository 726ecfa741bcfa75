/*++

Module Name:

    mh_ioctl_chunks.c

Abstract:

    The chunk IOCTLs. READ_CHUNKS reads a session's encode chunks as the UMD's GetNextChunkData
    does: it completes at once when the host has an answer, otherwise it pends on ChunkQueue until
    the host says the read is due (a chunk, the reset, the session's end, the timeout). The IRP
    completes with STATUS_SUCCESS whenever the read was made; GetNextChunkData's own status travels
    in MH_CHUNK_READ_OUT. REPORT_CHUNKS asks the miniport (test hooks) to encode and report.

Environment:

    Kernel mode, IRQL <= DISPATCH_LEVEL.

--*/

#include "mh_control.h"

/* The bytes of a finished read the IRP returns: the header, and packets only when there are any. */
static ULONG_PTR MhChunkReadInformation(const MH_CHUNK_READ_OUT *Out)
{
    return sizeof(MH_CHUNK_READ_OUT) + ((Out->Status == STATUS_SUCCESS) ? Out->BytesWritten : 0);
}

/*++
Routine Description:
    A chunk read is due (MH_HOST_EVENTS.ChunkReadDue): the host produces its result into the IRP,
    which completes here. A read whose IRP was cancelled meanwhile was forgotten by
    MhControlChunkReadCancelled; the host is told again in case the cancel came first.
--*/
VOID MhControlChunkReadDue(PVOID Context, ULONG64 ReadKey)
{
    PMH_DEVICE dev = (PMH_DEVICE)Context;
    MH_CHUNK_READ_OUT out;
    ULONG bufferSize;
    PIRP irp;

    irp = MhIrpQueueRemoveByKey(&dev->ChunkQueue, ReadKey);
    if (irp == NULL) {
        MhHostChunkReadCancel(dev->Host, ReadKey);
        return;
    }
    /* The request is still at the start of the system buffer: nothing was written while it waited. */
    bufferSize = ((const MH_CHUNK_READ_IN *)MH_BUFFER(irp))->BufferSize;
    MhHostChunkReadFinish(dev->Host, ReadKey, bufferSize, MH_BUFFER(irp) + sizeof(MH_CHUNK_READ_OUT), &out);
    RtlCopyMemory(MH_BUFFER(irp), &out, sizeof(out));
    MhCompleteIrp(dev, irp, STATUS_SUCCESS, MhChunkReadInformation(&out));
}

/* ChunkQueue's cancel hook: a read whose IRP went away leaves no reader behind (one at a time). */
VOID MhControlChunkReadCancelled(PMH_DEVICE Dev, ULONG64 Key)
{
    MhHostChunkReadCancel(Dev->Host, Key);
}

/*++
Routine Description:
    READ_CHUNKS. The IRP is queued before the host is asked, because the read may become due on
    another thread at once.
Return Value:
    STATUS_PENDING (the IRP is queued or already completed), or an IRP-level failure: bad lengths,
    an unknown context, another handle's context, a second reader.
--*/
_Use_decl_annotations_
NTSTATUS MhIoctlReadChunks(PMH_DEVICE Dev, PMH_FILE File, PIRP Irp, PULONG_PTR Information)
{
    MH_CHUNK_READ_IN request;
    MH_CHUNK_READ_OUT out;
    ULONG64 key;
    NTSTATUS status;
    PIRP irp;

    UNREFERENCED_PARAMETER(Information);
    if (MH_IN_LENGTH(Irp) != sizeof(MH_CHUNK_READ_IN)) {
        return STATUS_INVALID_PARAMETER;
    }
    request = *(const MH_CHUNK_READ_IN *)MH_BUFFER(Irp);
    if (request.BufferSize > MH_MAX_CHUNK_READ_BYTES) {
        return STATUS_INVALID_BUFFER_SIZE;
    }
    if (MH_OUT_LENGTH(Irp) < sizeof(MH_CHUNK_READ_OUT) + request.BufferSize) {
        return STATUS_BUFFER_TOO_SMALL;
    }
    key = MhNextRequestId(Dev);
    status = MhIrpQueueInsert(&Dev->ChunkQueue, Irp, key);
    if (status != STATUS_PENDING) {
        return status;
    }
    status = MhHostChunkReadStart(Dev->Host, File, &request, key, MH_BUFFER(Irp) + sizeof(MH_CHUNK_READ_OUT), &out);
    if (status == STATUS_PENDING) {
        /* A cancel that came before the reader was registered found none to forget. */
        if (!MhIrpQueueContains(&Dev->ChunkQueue, key)) {
            MhHostChunkReadCancel(Dev->Host, key);
        }
        return STATUS_PENDING;
    }
    irp = MhIrpQueueRemoveByKey(&Dev->ChunkQueue, key);
    if (irp != NULL) {
        if (NT_SUCCESS(status)) {
            RtlCopyMemory(MH_BUFFER(irp), &out, sizeof(out));
        }
        MhCompleteIrp(Dev, irp, status, NT_SUCCESS(status) ? MhChunkReadInformation(&out) : 0);
    }
    return STATUS_PENDING;      /* the IRP was marked pending: it is no longer ours */
}

/*++
Routine Description:
    REPORT_CHUNKS: the miniport encodes Frames frames on Caller's context and reports their chunks
    through its ISR and DPC (test hooks), misreporting the first on request.
--*/
_Use_decl_annotations_
NTSTATUS MhIoctlReportChunks(PMH_DEVICE Dev, PMH_FILE File, PIRP Irp, PULONG_PTR Information)
{
    MH_CHUNK_REPORT_IN request;
    MH_CHUNK_REPORT_OUT result;
    NTSTATUS status;

    if (MH_IN_LENGTH(Irp) != sizeof(MH_CHUNK_REPORT_IN)) {
        return STATUS_INVALID_PARAMETER;
    }
    request = *(const MH_CHUNK_REPORT_IN *)MH_BUFFER(Irp);
    if (request.Frames == 0 || request.SlicesPerFrame == 0 || request.Misreport > MH_CHUNK_MISREPORT_NO_DPC) {
        return STATUS_INVALID_PARAMETER;
    }
    if (request.Frames > MH_MAX_CHUNK_FRAMES || request.SlicesPerFrame > MH_MAX_CHUNK_SLICES ||
        request.PrivateDataSize > MH_MAX_CHUNK_PRIVATE_BYTES) {
        return STATUS_INVALID_BUFFER_SIZE;
    }
    if (MH_OUT_LENGTH(Irp) < sizeof(MH_CHUNK_REPORT_OUT)) {
        return STATUS_BUFFER_TOO_SMALL;
    }
    status = MhHostReportChunks(Dev->Host, File, &request, &result);
    if (NT_SUCCESS(status)) {
        RtlCopyMemory(MH_BUFFER(Irp), &result, sizeof(result));
        *Information = sizeof(result);
    }
    return status;
}

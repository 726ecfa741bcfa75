/*++

Module Name:

    mp_hooks.c

Abstract:

    The test miniport's side of the harness's test hooks (mh_test_hooks.h), returned from
    DxgkDdiQueryInterface for GUID_MH_TEST_HOOKS:
      - SendMessage: a message with its own buffers, as on DxgkDdiCommitVidPn powering the
        Miracast monitor off;
      - ReportChunks: its encoder. For each frame it reports, as its ISR would with
        DxgkCbNotifyInterrupt (MiracastEncodeChunkCompleted), a FRAME_START, a
        COLOR_CONVERT_COMPLETE and SlicesPerFrame ENCODE_COMPLETE chunks with private data; all
        chunks of a frame share its FrameNumber, each step has its own PartNumber, and the last
        slice is part 0 [DOC]. After each frame it queues its DPC (DxgkCbQueueDpc), whose routine
        calls DxgkCbNotifyDpc. On request it misreports the first chunk (another target, too much
        private data) or never queues the DPC;
      - ConfigureTargets: how many sessions it holds at once;
      - ReadState: its MP_STATE.

Environment:

    Kernel mode, PASSIVE_LEVEL (the "ISR" runs there too in the harness).

--*/

#include "mp_test.h"

static NTSTATUS MpHookSendMessage(PVOID Context, PVOID MiracastContext, const VOID *Input, ULONG InputSize,
                                  ULONG OutputSize, MH_TEST_SEND_COMPLETION *Completion, PVOID CompletionContext)
{
    PMP_CONTEXT c = (PMP_CONTEXT)MiracastContext;

    if (Context != g_MpAdapter || c == NULL || c->Signature != MP_CONTEXT_SIGNATURE) {
        return STATUS_INVALID_PARAMETER;
    }
    return MpSendMessage(c, Input, InputSize, OutputSize, Completion, CompletionContext);
}

/* Fills a slice's private data with bytes a reader can check: frame, part, position. */
static VOID MpFillChunkData(PUCHAR Data, ULONG Size, ULONG64 Frame, ULONG Part)
{
    ULONG i;
    for (i = 0; i < Size; i++) {
        Data[i] = (UCHAR)(Frame * 7 + Part * 13 + i);
    }
}

/*++
Routine Description:
    Raises one chunk interrupt, as the ISR would, and records what the OS wrote into its Status.
--*/
static VOID MpRaiseChunk(PMP_ADAPTER A, PMP_CONTEXT C, DXGK_MIRACAST_CHUNK_TYPE Type, ULONG64 Frame, ULONG Part,
                         PUCHAR Data, ULONG DataSize, BOOLEAN Misreport, ULONG How, MH_CHUNK_REPORT_OUT *Result)
{
    DXGKARGCB_NOTIFY_INTERRUPT_DATA interrupt;

    RtlZeroMemory(&interrupt, sizeof(interrupt));
    interrupt.InterruptType = DXGK_INTERRUPT_MICACAST_CHUNK_PROCESSING_COMPLETE;
    interrupt.MiracastEncodeChunkCompleted.VidPnTargetId = C->TargetId;
    interrupt.MiracastEncodeChunkCompleted.ChunkInfo.ChunkType = Type;
    interrupt.MiracastEncodeChunkCompleted.ChunkInfo.ChunkId.FrameNumber = Frame;
    interrupt.MiracastEncodeChunkCompleted.ChunkInfo.ChunkId.PartNumber = Part;
    interrupt.MiracastEncodeChunkCompleted.ChunkInfo.ProcessingTime = 1000 + Part;   /* microseconds */
    interrupt.MiracastEncodeChunkCompleted.ChunkInfo.EncodeRate = 20000;             /* kbit/s */
    interrupt.MiracastEncodeChunkCompleted.pPrivateDriverData = DataSize ? Data : NULL;
    interrupt.MiracastEncodeChunkCompleted.PrivateDataDriverSize = DataSize;
    interrupt.MiracastEncodeChunkCompleted.Status = STATUS_PENDING;     /* the OS overwrites it */
    if (Misreport && How == MH_CHUNK_MISREPORT_WRONG_TARGET) {
        interrupt.MiracastEncodeChunkCompleted.VidPnTargetId = MP_LOCAL_TARGET_ID;
    } else if (Misreport && How == MH_CHUNK_MISREPORT_OVERSIZE) {
        interrupt.MiracastEncodeChunkCompleted.pPrivateDriverData = Data;
        interrupt.MiracastEncodeChunkCompleted.PrivateDataDriverSize = A->Caps.MaxChunkPrivateDriverDataSize + 1;
    }
    A->Dxgkrnl.DxgkCbNotifyInterrupt(A->Dxgkrnl.DeviceHandle, &interrupt);
    MP_INC(A, ChunkInterrupts);
    Result->Reported++;
    if (interrupt.MiracastEncodeChunkCompleted.Status == STATUS_SUCCESS) {
        Result->Queued++;
    } else {
        MP_INC(A, ChunkErrors);
        if (Result->FirstError == 0) {
            Result->FirstError = interrupt.MiracastEncodeChunkCompleted.Status;
        }
    }
}

/*++
Routine Description:
    The encoder (see the file header).
Return Value:
    STATUS_SUCCESS with Result filled; STATUS_INVALID_PARAMETER for a request the encoder cannot
    make (more private data than its caps allow, unless that is the misreport asked for).
--*/
static NTSTATUS MpHookReportChunks(PVOID Context, PVOID MiracastContext, const MH_CHUNK_REPORT_IN *Request,
                                   MH_CHUNK_REPORT_OUT *Result)
{
    PMP_ADAPTER a = (PMP_ADAPTER)Context;
    PMP_CONTEXT c = (PMP_CONTEXT)MiracastContext;
    UCHAR data[MP_CAPS_MAX_CHUNK_PRIVATE_DATA + 1];
    BOOLEAN first = TRUE;
    ULONG frame, slice;

    RtlZeroMemory(Result, sizeof(*Result));
    if (a != g_MpAdapter || c == NULL || c->Signature != MP_CONTEXT_SIGNATURE ||
        Request->PrivateDataSize > a->Caps.MaxChunkPrivateDriverDataSize) {
        return STATUS_INVALID_PARAMETER;
    }
    for (frame = 0; frame < Request->Frames; frame++) {
        ULONG64 number = c->NextFrame++;
        ULONG slices = Request->SlicesPerFrame;

        /* Parts: FRAME_START slices+1, COLOR_CONVERT_COMPLETE slices, slices-1 .. 0 (the last slice). */
        MpRaiseChunk(a, c, DXGK_MIRACAST_CHUNK_TYPE_FRAME_START, number, slices + 1, data, 0, first,
                     Request->Misreport, Result);
        first = FALSE;
        MpRaiseChunk(a, c, DXGK_MIRACAST_CHUNK_TYPE_COLOR_CONVERT_COMPLETE, number, slices, data, 0, FALSE,
                     Request->Misreport, Result);
        for (slice = 0; slice < slices; slice++) {
            ULONG part = slices - 1 - slice;
            MpFillChunkData(data, Request->PrivateDataSize, number, part);
            MpRaiseChunk(a, c, DXGK_MIRACAST_CHUNK_TYPE_ENCODE_COMPLETE, number, part, data,
                         Request->PrivateDataSize, FALSE, Request->Misreport, Result);
        }
        if (Request->Misreport != MH_CHUNK_MISREPORT_NO_DPC) {
            (VOID)a->Dxgkrnl.DxgkCbQueueDpc(a->Dxgkrnl.DeviceHandle);
        }
    }
    return STATUS_SUCCESS;
}

/* How many sessions it holds at once; only while none is live. */
static NTSTATUS MpHookConfigureTargets(PVOID Context, ULONG TargetCount)
{
    PMP_ADAPTER a = (PMP_ADAPTER)Context;
    NTSTATUS status = STATUS_SUCCESS;
    KIRQL irql;

    if (a == NULL || TargetCount == 0 || TargetCount > MH_MAX_TARGETS) {
        return STATUS_INVALID_PARAMETER;
    }
    KeAcquireSpinLock(&a->Lock, &irql);
    if (a->SessionsLive != 0) {
        status = STATUS_INVALID_DEVICE_STATE;
    } else {
        a->TargetCount = TargetCount;
    }
    KeReleaseSpinLock(&a->Lock, irql);
    return status;
}

NTSTATUS MpHookReadState(PVOID Context, PVOID Buffer, ULONG BufferSize, PULONG BytesWritten)
{
    PMP_ADAPTER a = (PMP_ADAPTER)Context;
    ULONG64 *dst = (ULONG64 *)Buffer;
    volatile LONG64 *src = (volatile LONG64 *)&a->State;
    ULONG i;

    if (BufferSize < sizeof(MP_STATE) || Buffer == NULL) {
        *BytesWritten = sizeof(MP_STATE);
        return STATUS_BUFFER_TOO_SMALL;
    }
    for (i = 0; i < MP_STATE_FIELD_COUNT; i++) {
        dst[i] = (ULONG64)InterlockedCompareExchange64(&src[i], 0, 0);
    }
    *BytesWritten = sizeof(MP_STATE);
    return STATUS_SUCCESS;
}

VOID MpFillTestHooks(PMP_ADAPTER A, MH_TEST_HOOKS_INTERFACE *Hooks)
{
    RtlZeroMemory(Hooks, sizeof(*Hooks));
    Hooks->Size = sizeof(MH_TEST_HOOKS_INTERFACE);
    Hooks->Version = MH_TEST_HOOKS_VERSION_1;
    Hooks->Context = A;
    Hooks->SendMessage = MpHookSendMessage;
    Hooks->ReportChunks = MpHookReportChunks;
    Hooks->ConfigureTargets = MpHookConfigureTargets;
    Hooks->ReadState = MpHookReadState;
}

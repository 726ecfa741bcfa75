/*++

Module Name:

    mp_miracast.c

Abstract:

    The test miniport's Miracast DDIs. What it does, as the contract asks:
      - QueryCaps checks MiracastCapsSize before it writes, and reports HDCP support.
      - CreateContext copies the callbacks table (the pointer it is given is the caller's stack)
        and returns its Miracast target as TargetId; past its session count it answers
        STATUS_RESOURCE_IN_USE.
      - DestroyContext frees the context and indicates monitor departure.
      - IoControl checks sizes and runs a small command set of its own (MP_CMD_*).
      - Sending a message: one block holds the input and output buffers; it lives until the
        callback ran. The callback may run before DxgkCbMiracastSendMessage returns, and callbacks
        may run concurrently, so the block is reference counted (sender + callback) and freed by
        whichever of the two lets go last - exactly once.
      - It watches its own synchronization: entering a Miracast-class DDI while another one is
        inside counts as an overlap (MP_STATE.ClassOverlaps), which tests read back.

Environment:

    Kernel mode, PASSIVE_LEVEL.

--*/

#include "mp_test.h"

typedef struct _MP_SEND_BLOCK {
    ULONG Magic;                    /* MP_BLOCK_LIVE until freed */
    volatile LONG References;       /* 2: the sender and the callback */
    volatile LONG SendReturned;     /* set once DxgkCbMiracastSendMessage returned */
    volatile LONG CallbackRan;
    PMP_ADAPTER Adapter;            /* not the context: a block never needs its context after the send */
    MH_TEST_SEND_COMPLETION *Completion;
    PVOID CompletionContext;
    ULONG InputSize;
    ULONG OutputSize;
    UCHAR Buffers[1];               /* input, then output */
} MP_SEND_BLOCK, *PMP_SEND_BLOCK;

/* ------------------------------------------------------------------ synchronization watch */

/* Entering a DDI: detect what the OS promised would not happen. */
static VOID MpEnter(PMP_ADAPTER A, BOOLEAN MiracastClass, BOOLEAN Level3)
{
    LONG any = InterlockedIncrement(&A->AnyInside);

    if (Level3) {
        InterlockedIncrement(&A->Level3Inside);
        if (any > 1) {
            MP_INC(A, Level3Overlaps);
        }
    } else if (A->Level3Inside > 0) {
        MP_INC(A, Level3Overlaps);
    }
    if (MiracastClass && InterlockedIncrement(&A->ClassInside) > 1) {
        MP_INC(A, ClassOverlaps);
    }
}

static VOID MpLeave(PMP_ADAPTER A, BOOLEAN MiracastClass, BOOLEAN Level3)
{
    if (MiracastClass) {
        InterlockedDecrement(&A->ClassInside);
    }
    if (Level3) {
        InterlockedDecrement(&A->Level3Inside);
    }
    InterlockedDecrement(&A->AnyInside);
}

/* ------------------------------------------------------------------ QueryCaps */

/*++
Routine Description:
    DxgkDdiMiracastQueryCaps. Third-level synchronization.
--*/
NTSTATUS MpDdiMiracastQueryCaps(PVOID DriverContext, ULONG MiracastCapsSize, DXGK_MIRACAST_CAPS *MiracastCaps)
{
    PMP_ADAPTER a = (PMP_ADAPTER)DriverContext;
    NTSTATUS status = STATUS_SUCCESS;

    if (a == NULL || MiracastCaps == NULL) {
        return STATUS_INVALID_PARAMETER;
    }
    MpEnter(a, FALSE, TRUE);
    if (MiracastCapsSize < sizeof(DXGK_MIRACAST_CAPS)) {
        status = STATUS_INVALID_PARAMETER;  /* the doc: check the size before filling */
        goto End;
    }
#if defined(MP_BREAK_CAPS_OVERRUN)
    {
        /* A newer caps layout with a vendor field, written whole: 4 bytes past MiracastCapsSize. */
        struct { DXGK_MIRACAST_CAPS Caps; ULONG VendorFlags; } extended;
        extended.Caps = a->Caps;
        extended.VendorFlags = 0x1;
        RtlCopyMemory(MiracastCaps, &extended, sizeof(extended));
    }
#else
    *MiracastCaps = a->Caps;                /* HdcpSupport = 1, Reserved = 0 */
#endif
End:
    MpLeave(a, FALSE, TRUE);
    return status;
}

/* ------------------------------------------------------------------ monitor indications */

/* DxgkCbIndicateChildStatus as asked (MP_CMD_INDICATE makes it misreport on purpose). */
static NTSTATUS MpIndicate(PMP_ADAPTER A, DXGK_CHILD_STATUS_TYPE Type, ULONG ChildUid, BOOLEAN Connected)
{
    DXGK_CHILD_STATUS child;
    NTSTATUS status;

    RtlZeroMemory(&child, sizeof(child));
    child.Type = Type;
    child.ChildUid = ChildUid;
    child.Miracast.Connected = Connected;
    child.Miracast.MiracastMonitorType = D3DKMDT_VOT_MIRACAST;
    status = A->Dxgkrnl.DxgkCbIndicateChildStatus(A->Dxgkrnl.DeviceHandle, &child);
    if (!NT_SUCCESS(status)) {
        MP_INC(A, IndicationFailures);
    }
    return status;
}

/* The monitor of a session arrives or departs: StatusMiracastConnection on the Miracast target. */
static VOID MpIndicateMonitor(PMP_ADAPTER A, PMP_CONTEXT C, BOOLEAN Connected)
{
    if (!NT_SUCCESS(MpIndicate(A, StatusMiracastConnection, C->TargetId, Connected))) {
        return;
    }
    C->MonitorConnected = Connected;
    if (Connected) {
        MP_INC(A, HpdArrivals);
        InterlockedExchange64(MP_STATE_PTR(A, MonitorConnected), 1);
    } else {
        MP_INC(A, HpdDepartures);
        InterlockedExchange64(MP_STATE_PTR(A, MonitorConnected), 0);
    }
}

/* ------------------------------------------------------------------ CreateContext, DestroyContext */

/*++
Routine Description:
    DxgkDdiMiracastCreateContext. Miracast class: one of Create/Destroy/IoControl at a time.
Arguments:
    DriverContext - the adapter.
    MiracastCallbacks - the OS's table, on the caller's stack: copied, never kept.
    MiracastContext - receives our per-session context.
    TargetId - receives the Miracast target's id.
Return Value:
    STATUS_SUCCESS; STATUS_RESOURCE_IN_USE when every session it can hold is live;
    STATUS_INVALID_PARAMETER for a NULL argument; STATUS_NO_MEMORY.
--*/
NTSTATUS MpDdiMiracastCreateContext(PVOID DriverContext, DXGK_MIRACAST_DISPLAY_CALLBACKS *MiracastCallbacks,
                                    PVOID *MiracastContext, ULONG *TargetId)
{
    PMP_ADAPTER a = (PMP_ADAPTER)DriverContext;
    PMP_CONTEXT c = NULL;
    NTSTATUS status = STATUS_SUCCESS;
    BOOLEAN taken = FALSE;
    KIRQL irql;

    if (a == NULL || MiracastCallbacks == NULL || MiracastContext == NULL || TargetId == NULL ||
        MiracastCallbacks->DxgkCbMiracastSendMessage == NULL) {
        return STATUS_INVALID_PARAMETER;
    }
    MpEnter(a, TRUE, FALSE);

    KeAcquireSpinLock(&a->Lock, &irql);
#if defined(MP_BREAK_SECOND_CONTEXT)
    if (TRUE) {                             /* forgets that its one target may be taken */
#else
    if (a->SessionsLive < a->TargetCount) {
#endif
        a->SessionsLive++;
        taken = TRUE;
    }
    KeReleaseSpinLock(&a->Lock, irql);
    if (!taken) {
        status = STATUS_RESOURCE_IN_USE;
        goto End;
    }

#if defined(MP_BREAK_POOL_MISUSE)
    (VOID)ExAllocatePool2(0, sizeof(*c), MP_TAG_CONTEXT);          /* no pool named: a bad request */
#endif
    c = (PMP_CONTEXT)MpAllocate(sizeof(*c), MP_TAG_CONTEXT);
    if (c == NULL) {
        KeAcquireSpinLock(&a->Lock, &irql);
        a->SessionsLive--;
        KeReleaseSpinLock(&a->Lock, irql);
        status = STATUS_NO_MEMORY;
        goto End;
    }
    c->Signature = MP_CONTEXT_SIGNATURE;
    c->Adapter = a;
    c->Callbacks = *MiracastCallbacks;
#if defined(MP_BREAK_KEEPS_CALLBACKS)
    c->KeptCallbacks = MiracastCallbacks;   /* the caller's table, used after the call returned */
#endif
    c->TargetId = MP_FIRST_TARGET_ID;
#if defined(MP_BREAK_WRONG_TARGET)
    c->TargetId = MP_FIRST_TARGET_ID + 1;
#endif

    *MiracastContext = c;
    *TargetId = c->TargetId;
    MP_INC(a, ContextsCreated);
    MP_INC(a, ContextsLive);
    InterlockedExchange64(MP_STATE_PTR(a, LastContextTargetId), c->TargetId);
End:
    MpLeave(a, TRUE, FALSE);
    return status;
}

/*++
Routine Description:
    DxgkDdiMiracastDestroyContext. Indicates monitor departure ("immediately", [DOC]) and frees
    what CreateContext made. Send blocks do not point at their context, so a callback that came
    after this call would still find everything it touches alive.
--*/
VOID MpDdiMiracastDestroyContext(PVOID DriverContext, PVOID MiracastContext)
{
    PMP_ADAPTER a = (PMP_ADAPTER)DriverContext;
    PMP_CONTEXT c = (PMP_CONTEXT)MiracastContext;
    KIRQL irql;

    if (a == NULL || c == NULL || c->Signature != MP_CONTEXT_SIGNATURE) {
        return;
    }
    MpEnter(a, TRUE, FALSE);
#if !defined(MP_BREAK_NO_DEPARTURE)
    MpIndicateMonitor(a, c, FALSE);
#endif
    KeAcquireSpinLock(&a->Lock, &irql);
    a->SessionsLive--;
    KeReleaseSpinLock(&a->Lock, irql);
    c->Signature = 0;
#if defined(MP_BREAK_POOL_MISUSE)
    ExFreePool((PUCHAR)c + sizeof(ULONG));                      /* not a block's start: an unknown pointer */
    MpFree(c, MP_TAG_BLOCK);                                    /* the wrong tag */
#elif !defined(MP_BREAK_LEAK_CONTEXT)
    MpFree(c, MP_TAG_CONTEXT);
#endif
#if defined(MP_BREAK_DOUBLE_FREE)
    MpFree(c, MP_TAG_CONTEXT);
#endif
#if defined(MP_BREAK_WRITE_AFTER_FREE)
    c->MonitorConnected = TRUE;     /* the context was freed just above */
#endif
    MP_INC(a, ContextsDestroyed);
    MP_DEC(a, ContextsLive);
    MpLeave(a, TRUE, FALSE);
}

/* ------------------------------------------------------------------ sending */

/* The last reference frees the block. */
static VOID MpReleaseBlock(PMP_SEND_BLOCK Block)
{
    if (InterlockedDecrement(&Block->References) == 0) {
        PMP_ADAPTER a = Block->Adapter;
        MP_DEC(a, BlocksOutstanding);
        Block->Magic = MP_BLOCK_DEAD;
#if !defined(MP_BREAK_LEAK_PER_MESSAGE)
        MpFree(Block, MP_TAG_BLOCK);
#endif
    }
}

/*++
Routine Description:
    Our DxgkCbMiracastSendMessageCallback. Runs at PASSIVE_LEVEL on an OS thread, possibly before
    DxgkCbMiracastSendMessage returned and possibly concurrently with other callbacks.
    pIoStatusBlock is valid only during the call: it is copied first.
--*/
static VOID MpSendMessageCallback(PVOID CallbackContext, PIO_STATUS_BLOCK pIoStatusBlock)
{
    PMP_SEND_BLOCK block = (PMP_SEND_BLOCK)CallbackContext;
    PMP_ADAPTER a = g_MpAdapter;
    IO_STATUS_BLOCK iosb;
    LONG inside;

    if (block == NULL || pIoStatusBlock == NULL || block->Magic != MP_BLOCK_LIVE ||
        InterlockedExchange(&block->CallbackRan, 1) != 0) {
        if (a != NULL) {
            MP_INC(a, BadCallbacks);    /* a second completion of the same block: never touch it */
        }
        return;
    }
    a = block->Adapter;
    iosb = *pIoStatusBlock;
    inside = InterlockedIncrement(&a->CallbacksInside);
    MpStateRaise(MP_STATE_PTR(a, CallbacksConcurrentMax), inside);
    if (InterlockedCompareExchange(&block->SendReturned, 0, 0) == 0) {
        MP_INC(a, CallbacksBeforeReturn);
    }
    if (block->Completion != NULL) {
        ULONG produced = (iosb.Information < block->OutputSize) ? (ULONG)iosb.Information : block->OutputSize;
        block->Completion(block->CompletionContext, &iosb, block->Buffers + block->InputSize, produced);
    }
    MP_INC(a, CallbacksRun);
    InterlockedDecrement(&a->CallbacksInside);
    MpReleaseBlock(block);
}

/*++
Routine Description:
    Sends one message owned by a new block (the input copied into it, room for the output).
Return Value:
    STATUS_PENDING: the callback (and Completion, if given) will run exactly once. Any other
    status: DxgkCbMiracastSendMessage's failure; no callback will come, the block is freed here.
--*/
NTSTATUS MpSendMessage(PMP_CONTEXT C, const VOID *Input, ULONG InputSize, ULONG OutputSize,
                       MH_TEST_SEND_COMPLETION *Completion, PVOID CompletionContext)
{
    PMP_ADAPTER a = C->Adapter;
    PMP_SEND_BLOCK block;
    SIZE_T bytes = FIELD_OFFSET(MP_SEND_BLOCK, Buffers) + (SIZE_T)InputSize + (SIZE_T)OutputSize;
    NTSTATUS status;

    block = (PMP_SEND_BLOCK)MpAllocate(bytes, MP_TAG_BLOCK);
    if (block == NULL) {
        MP_INC(a, SendFailures);
        return STATUS_NO_MEMORY;
    }
    block->Magic = MP_BLOCK_LIVE;
    block->References = 2;
    block->Adapter = a;
    block->Completion = Completion;
    block->CompletionContext = CompletionContext;
    block->InputSize = InputSize;
    block->OutputSize = OutputSize;
    if (InputSize != 0) {
        RtlCopyMemory(block->Buffers, Input, InputSize);
    }
    MP_INC(a, BlocksOutstanding);

    status = MP_CALLBACKS(C).DxgkCbMiracastSendMessage(MP_CALLBACKS(C).MiracastHandle,
                                                    InputSize, InputSize ? block->Buffers : NULL,
                                                    OutputSize, OutputSize ? block->Buffers + InputSize : NULL,
                                                    MpSendMessageCallback, block);
    /* From here the callback may already have run: only our own reference keeps the block. */
#if defined(MP_BREAK_DOUBLE_FREE_RACE)
    {
        /* "The callback came first, so it left the block to us": it did not, it dropped its own
           reference, and the block is freed twice when the callback runs before this returns. */
        LONG callbackFirst = InterlockedCompareExchange(&block->CallbackRan, 0, 0);
        if (NT_SUCCESS(status) && callbackFirst) {
            MpReleaseBlock(block);
            MpFree(block, MP_TAG_BLOCK);
            MP_INC(a, MessagesSent);
            return STATUS_PENDING;
        }
    }
#endif
    InterlockedExchange(&block->SendReturned, 1);
    if (!NT_SUCCESS(status)) {
        /* Not delivered: the OS makes no callback, so both references are ours to drop. */
        MP_INC(a, SendFailures);
        MpReleaseBlock(block);
        MpReleaseBlock(block);
        return status;
    }
    MP_INC(a, MessagesSent);
    MpReleaseBlock(block);
#if defined(MP_BREAK_FREES_BEFORE_CALLBACK)
    if (Completion == NULL) {
        MpReleaseBlock(block);              /* fire and forget: the callback's reference, dropped early */
    }
#endif
    return STATUS_PENDING;
}

static VOID MpFillPattern(PUCHAR Buffer, ULONG Size, ULONG Seed)
{
    ULONG i;
    for (i = 0; i < Size; i++) {
        Buffer[i] = (UCHAR)(Seed + i);
    }
}

/* ------------------------------------------------------------------ IoControl */

/*++
Routine Description:
    DxgkDdiMiracastIoControl. Miracast class (HardwareAccess FALSE) or third level (TRUE); the
    OS decides which. The buffers are kernel copies the OS made; the first MP_IOCTL_HEADER bytes
    select a command.
Return Value:
    STATUS_SUCCESS with *BytesReturned set; STATUS_INVALID_PARAMETER for a malformed request;
    STATUS_BUFFER_TOO_SMALL when the output cannot hold the result; STATUS_INVALID_DEVICE_REQUEST
    for an unknown command.
--*/
NTSTATUS MpDdiMiracastIoControl(PVOID DriverContext, PVOID MiracastContext, ULONG InputBufferSize,
                                VOID *pInputBuffer, ULONG OutputBufferSize, VOID *pOutputBuffer,
                                ULONG *BytesReturned)
{
    PMP_ADAPTER a = (PMP_ADAPTER)DriverContext;
    PMP_CONTEXT c = (PMP_CONTEXT)MiracastContext;
    const MP_IOCTL_HEADER *cmd = (const MP_IOCTL_HEADER *)pInputBuffer;
    PUCHAR out = (PUCHAR)pOutputBuffer;
    ULONG dataSize;
    NTSTATUS status = STATUS_SUCCESS;

    if (a == NULL || c == NULL || c->Signature != MP_CONTEXT_SIGNATURE || BytesReturned == NULL) {
        return STATUS_INVALID_PARAMETER;
    }
    *BytesReturned = 0;
    MpEnter(a, TRUE, FALSE);
    MP_INC(a, IoControls);

    if (InputBufferSize < sizeof(MP_IOCTL_HEADER) || pInputBuffer == NULL ||
        (OutputBufferSize != 0 && pOutputBuffer == NULL)) {
        status = STATUS_INVALID_PARAMETER;
        goto End;
    }
    dataSize = InputBufferSize - sizeof(MP_IOCTL_HEADER);

    switch (cmd->Command) {
    case MP_CMD_ECHO:
#if defined(MP_BREAK_TRUSTS_INPUT_SIZE)
        /* Checks there is an output buffer, then writes as much as the input holds. */
        if (OutputBufferSize == 0) {
            status = STATUS_BUFFER_TOO_SMALL;
            break;
        }
        RtlCopyMemory(out, cmd + 1, dataSize);
        *BytesReturned = (dataSize < OutputBufferSize) ? dataSize : OutputBufferSize;
        break;
#elif defined(MP_BREAK_BYTES_RETURNED)
        /* Truncates the echo to the output, but reports the whole input's size. */
        RtlCopyMemory(out, cmd + 1, (dataSize < OutputBufferSize) ? dataSize : OutputBufferSize);
        *BytesReturned = dataSize;
        break;
#else
        if (OutputBufferSize < dataSize) {
            status = STATUS_BUFFER_TOO_SMALL;
            break;
        }
        RtlCopyMemory(out, cmd + 1, dataSize);
        *BytesReturned = dataSize;
        break;
#endif

    case MP_CMD_SEND_MESSAGES: {
        MP_SEND_RESULT result;
        UCHAR pattern[256];
        ULONG i;

        if (OutputBufferSize < sizeof(result)) {
            status = STATUS_BUFFER_TOO_SMALL;
            break;
        }
        if (cmd->Arg0 > 4096 || cmd->Arg1 > sizeof(pattern) || cmd->Arg2 > MH_MAX_MESSAGE_BYTES) {
            status = STATUS_INVALID_PARAMETER;
            break;
        }
        RtlZeroMemory(&result, sizeof(result));
        for (i = 0; i < cmd->Arg0; i++) {
            NTSTATUS sent;
            MpFillPattern(pattern, cmd->Arg1, i);
            sent = MpSendMessage(c, pattern, cmd->Arg1, cmd->Arg2, NULL, NULL);
            if (sent == STATUS_PENDING) {
                result.Sent++;
            } else if (result.Failed++ == 0) {
                result.FirstError = sent;
            }
        }
        RtlCopyMemory(out, &result, sizeof(result));
        *BytesReturned = sizeof(result);
        break;
    }

    case MP_CMD_READ_STATE:
        status = MpHookReadState(a, out, OutputBufferSize, BytesReturned);
        break;

    case MP_CMD_MONITOR_ARRIVE:
        MpIndicateMonitor(a, c, TRUE);
        break;

    case MP_CMD_MONITOR_DEPART:
        MpIndicateMonitor(a, c, FALSE);
        break;

    case MP_CMD_INDICATE: {
        LONG indicated;
        if (OutputBufferSize < sizeof(LONG)) {
            status = STATUS_BUFFER_TOO_SMALL;
            break;
        }
        indicated = MpIndicate(a, (DXGK_CHILD_STATUS_TYPE)cmd->Arg0, cmd->Arg1, cmd->Arg2 ? TRUE : FALSE);
        RtlCopyMemory(out, &indicated, sizeof(indicated));
        *BytesReturned = sizeof(indicated);
        break;
    }

    case MP_CMD_REPORT_CHUNK: {
        DXGK_MIRACAST_CHUNK_INFO info;
        UCHAR privateData[MP_CAPS_MAX_CHUNK_PRIVATE_DATA];
        LONG chunkStatus;

        if (OutputBufferSize < sizeof(LONG)) {
            status = STATUS_BUFFER_TOO_SMALL;
            break;
        }
        if (cmd->Arg1 > sizeof(privateData)) {
            status = STATUS_INVALID_PARAMETER;
            break;
        }
        RtlZeroMemory(&info, sizeof(info));
        RtlZeroMemory(privateData, sizeof(privateData));
        info.ChunkType = (DXGK_MIRACAST_CHUNK_TYPE)cmd->Arg0;
        info.ChunkId.FrameNumber = cmd->Arg2;
        info.ChunkId.PartNumber = 0;
        /* The DDI says private data must be NULL and size 0; a nonzero Arg1 breaks that on purpose. */
        chunkStatus = MP_CALLBACKS(c).DxgkCbReportChunkInfo(MP_CALLBACKS(c).MiracastHandle, &info,
                                                         cmd->Arg1 ? privateData : NULL, cmd->Arg1);
        MP_INC(a, ChunkReports);
        RtlCopyMemory(out, &chunkStatus, sizeof(chunkStatus));
        *BytesReturned = sizeof(chunkStatus);
        break;
    }

    case MP_CMD_HOLD: {
        LARGE_INTEGER delay;
        if (cmd->Arg0 > MH_MAX_HOLD_MS) {
            status = STATUS_INVALID_PARAMETER;
            break;
        }
        delay.QuadPart = MH_RELATIVE_MS(cmd->Arg0);
        KeDelayExecutionThread(KernelMode, FALSE, &delay);
        break;
    }

    default:
        status = STATUS_INVALID_DEVICE_REQUEST;
        break;
    }
End:
    MpLeave(a, TRUE, FALSE);
    return status;
}

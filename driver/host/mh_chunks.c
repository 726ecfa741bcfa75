/*++

Module Name:

    mh_chunks.c

Abstract:

    The encoder's side of a session, as dxgkrnl handles it [DOC][OBS]:
      - the miniport's ISR reports each encoded chunk with DxgkCbNotifyInterrupt
        (DXGK_INTERRUPT_MICACAST_CHUNK_PROCESSING_COMPLETE, MiracastEncodeChunkCompleted) and the
        host writes the outcome back into its Status: STATUS_SUCCESS (queued), STATUS_NO_MEMORY
        (no free entry), STATUS_INVALID_PARAMETER (another target, or more private data than
        MaxChunkPrivateDriverDataSize);
      - its DPC calls DxgkCbNotifyDpc, which makes the queued chunks readable; after an overflow it
        drops every pending chunk and the next read returns STATUS_CONNECTION_RESET once; after a
        malformed report it stops the session; a list low on free entries grows by
        MH_CHUNK_LIST_GROWTH, from MH_CHUNK_LIST_INITIAL up to MH_CHUNK_LIST_MAX;
      - the user-mode driver reads them as GetNextChunkData does: packets of
        MH_CHUNK_PACKET_HEADER + private bytes back to back, STATUS_BUFFER_TOO_SMALL when the next
        one does not fit, a timeout, STATUS_INSTANCE_NOT_AVAILABLE once the session is gone
        (stopped or destroyed; a session not started yet is read, since the UMD's chunk thread
        starts inside StartMiracastSession), one reader at a time.

    A chunk belongs to the session on the Miracast target (the one live context whose TargetId is
    the Miracast child; with the test knob of several sessions, the oldest). In this harness the
    miniport's "ISR" runs when its test hooks raise interrupts, at PASSIVE_LEVEL, so the interrupt
    path may take Host->Lock (a spin lock); it never runs at DIRQL.

Environment:

    Kernel mode, IRQL <= DISPATCH_LEVEL.

--*/

#include "mh_host_state.h"

#define MH_CHUNK_KEYS MH_MAX_TARGETS    /* live sessions at most */

static SIZE_T MhChunkEntryBytes(PMH_HOST Host)
{
    return FIELD_OFFSET(MH_CHUNK_ENTRY, Private) + max(Host->ChunkPrivateMax, 1u);
}

/* Adds Count free entries to a list (not linked anywhere yet: no lock needed for a new context). */
static ULONG MhChunkAllocateEntries(PMH_HOST Host, PLIST_ENTRY Out, ULONG Count)
{
    ULONG made;

    for (made = 0; made < Count; made++) {
        PMH_CHUNK_ENTRY entry = (PMH_CHUNK_ENTRY)MhAlloc(Host, MhPoolChunkEntry, MhChunkEntryBytes(Host));
        if (entry == NULL) {
            break;
        }
        InsertTailList(Out, &entry->Link);
    }
    return made;
}

static VOID MhChunkFreeEntries(PMH_HOST Host, PLIST_ENTRY List)
{
    if (List->Flink == NULL) {
        return;     /* never initialized */
    }
    while (!IsListEmpty(List)) {
        MhFree(Host, MhPoolChunkEntry, CONTAINING_RECORD(RemoveHeadList(List), MH_CHUNK_ENTRY, Link));
    }
}

/* Prepares a new context's chunk list: MH_CHUNK_LIST_INITIAL entries, as dxgkrnl preallocates [OBS]. */
NTSTATUS MhChunkListInitialize(PMH_HOST Host, PMH_HOST_CONTEXT Ctx)
{
    MH_CHUNK_LIST *list = &Ctx->Chunks;

    InitializeListHead(&list->Free);
    InitializeListHead(&list->Staged);
    InitializeListHead(&list->Ready);
    list->FreeCount = MhChunkAllocateEntries(Host, &list->Free, MH_CHUNK_LIST_INITIAL);
    list->Capacity = list->FreeCount;
    return (list->Capacity == MH_CHUNK_LIST_INITIAL) ? STATUS_SUCCESS : STATUS_NO_MEMORY;
}

/* Frees a context's entries; a reader still registered is forgotten (its read was ended). */
VOID MhChunkListFree(PMH_HOST Host, PMH_HOST_CONTEXT Ctx)
{
    MH_CHUNK_LIST *list = &Ctx->Chunks;

    if (list->ReaderWaiting) {
        list->ReaderWaiting = FALSE;
        MH_STAT_DEC(&Host->Stats, ChunkReadsPending);
    }
    MhChunkFreeEntries(Host, &list->Free);
    MhChunkFreeEntries(Host, &list->Staged);
    MhChunkFreeEntries(Host, &list->Ready);
}

/* Moves every entry of From back to the free list. Returns how many. */
_Requires_lock_held_(Host->Lock)
static ULONG MhChunkRecycleLocked(MH_CHUNK_LIST *List, PLIST_ENTRY From)
{
    ULONG moved = 0;

    while (!IsListEmpty(From)) {
        InsertTailList(&List->Free, RemoveHeadList(From));
        moved++;
    }
    List->FreeCount += moved;
    return moved;
}

_Use_decl_annotations_
BOOLEAN MhChunkSessionEndedLocked(PMH_HOST_CONTEXT Ctx, PULONG64 ReadKey)
{
    MH_CHUNK_LIST *list = &Ctx->Chunks;

    if (list->ReaderWaiting && !list->ReaderDue) {
        list->ReaderDue = TRUE;
        *ReadKey = list->ReaderKey;
        return TRUE;
    }
    return FALSE;
}

VOID MhChunkDueReaders(PMH_HOST Host, const ULONG64 *Keys, ULONG Count)
{
    ULONG i;

    for (i = 0; i < Count; i++) {
        Host->Events.ChunkReadDue(Host->Events.Context, Keys[i]);
    }
}

/* The session chunks belong to: the oldest live context on the Miracast target. */
_Requires_lock_held_(Host->Lock)
static PMH_HOST_CONTEXT MhChunkSessionLocked(PMH_HOST Host)
{
    PLIST_ENTRY entry;

    for (entry = Host->Contexts.Flink; entry != &Host->Contexts; entry = entry->Flink) {
        PMH_HOST_CONTEXT ctx = CONTAINING_RECORD(entry, MH_HOST_CONTEXT, Link);
        if (!ctx->Creating && !ctx->Closing && ctx->TargetId == Host->Adapter.MiracastChildUid) {
            return ctx;
        }
    }
    return NULL;
}

/* ------------------------------------------------------------------ the interrupt and the DPC */

/*++
Routine Description:
    DxgkCbNotifyInterrupt. For MiracastEncodeChunkCompleted, queues the chunk on its session's list
    (readable after the DPC) and writes the outcome into the interrupt data's Status. Other
    interrupt types have no meaning in this harness and are ignored (and counted by name).
--*/
VOID APIENTRY MhCbNotifyInterrupt(HANDLE hAdapter, DXGKARGCB_NOTIFY_INTERRUPT_DATA *pNotifyInterrupt)
{
    PMH_HOST host = g_MhHost;
    PMH_HOST_CONTEXT ctx;
    MH_CHUNK_LIST *list;
    NTSTATUS status;
    ULONG64 contextId = 0;
    ULONG privateSize;
    KIRQL irql;

    InterlockedIncrement(&host->Adapter.ServiceCalls[MH_DXGKCB_INDEX_DxgkCbNotifyInterrupt]);
    if ((PMH_HOST)hAdapter != host || pNotifyInterrupt == NULL) {
        MhViolation(host, MH_VIOLATION_SERVICE_HANDLE, 0, MH_DXGKCB_INDEX_DxgkCbNotifyInterrupt, 0);
        return;
    }
    if (pNotifyInterrupt->InterruptType != DXGK_INTERRUPT_MICACAST_CHUNK_PROCESSING_COMPLETE) {
        return;
    }
    MH_STAT_INC(&host->Stats, ChunkInterrupts);
    privateSize = pNotifyInterrupt->MiracastEncodeChunkCompleted.PrivateDataDriverSize;

    KeAcquireSpinLock(&host->Lock, &irql);
    ctx = MhChunkSessionLocked(host);
    list = (ctx != NULL) ? &ctx->Chunks : NULL;
    if (ctx != NULL) {
        contextId = ctx->Id;
    }
    if (pNotifyInterrupt->MiracastEncodeChunkCompleted.VidPnTargetId != host->Adapter.MiracastChildUid ||
        privateSize > host->ChunkPrivateMax ||
        (privateSize != 0 && pNotifyInterrupt->MiracastEncodeChunkCompleted.pPrivateDriverData == NULL) ||
        list == NULL) {
        /* [DOC] bad parameters; the DPC stops the session. */
        status = MH_STATUS_BAD_CHUNK;
        MH_STAT_INC(&host->Stats, ChunkBadReports);
        if (list != NULL) {
            list->BadReport = TRUE;
        }
    } else if (ctx->Session == MhSessionStopped) {
        status = STATUS_SUCCESS;    /* after stop the data has nowhere to go: dropped, as the UMD would */
    } else if (IsListEmpty(&list->Free)) {
        status = MH_STATUS_CHUNK_OVERFLOW;
        list->Overflowed = TRUE;
        MH_STAT_INC(&host->Stats, ChunkOverflows);
    } else {
        PMH_CHUNK_ENTRY entry = CONTAINING_RECORD(RemoveHeadList(&list->Free), MH_CHUNK_ENTRY, Link);
        list->FreeCount--;
        entry->Info = pNotifyInterrupt->MiracastEncodeChunkCompleted.ChunkInfo;
        entry->PrivateSize = privateSize;
        if (privateSize != 0) {
            RtlCopyMemory(entry->Private, pNotifyInterrupt->MiracastEncodeChunkCompleted.pPrivateDriverData,
                          privateSize);
        }
        InsertTailList(&list->Staged, &entry->Link);
        status = STATUS_SUCCESS;
        MH_STAT_INC(&host->Stats, ChunksQueued);
    }
    pNotifyInterrupt->MiracastEncodeChunkCompleted.Status = status;
    /* Traced before the lock goes (the ring's lock is a leaf): a DPC that publishes this chunk
       takes the lock after this, and traces after that, so the trace's order is the order the
       DPC saw. Traced after the release, a DPC on the timer thread could publish the chunk and
       trace itself first, and the interrupt would read as one no DPC followed. */
    MhTrace(host, MH_TRACE_INTERRUPT, privateSize, status, contextId, 0,
            (ULONG64)(ULONG)pNotifyInterrupt->MiracastEncodeChunkCompleted.ChunkInfo.ChunkType,
            pNotifyInterrupt->MiracastEncodeChunkCompleted.ChunkInfo.ChunkId.Value);
    KeReleaseSpinLock(&host->Lock, irql);
}

/* What one DPC did to one session's list. */
typedef struct _MH_DPC_RESULT {
    ULONG64 ContextId;
    ULONG Published;
    ULONG Flags;            /* MH_DPC_* */
    BOOLEAN Grow;
} MH_DPC_RESULT;

/* The DPC's work on one list. Returns callback slots to signal; a reader made due goes to Keys. */
_Requires_lock_held_(Host->Lock)
static ULONG MhChunkDpcLocked(PMH_HOST Host, PMH_HOST_CONTEXT Ctx, MH_DPC_RESULT *Result,
                              PULONG64 Keys, PULONG KeyCount)
{
    MH_CHUNK_LIST *list = &Ctx->Chunks;
    BOOLEAN wake = FALSE;
    ULONG signal = 0;

    RtlZeroMemory(Result, sizeof(*Result));
    Result->ContextId = Ctx->Id;
    if (list->BadReport) {
        /* [DOC] a malformed report: the session stops, its chunks go. */
        list->BadReport = FALSE;
        list->Overflowed = FALSE;
        list->ResetDue = FALSE;
        MhChunkRecycleLocked(list, &list->Staged);
        MhChunkRecycleLocked(list, &list->Ready);
        list->ReadyCount = 0;
        if (Ctx->Session != MhSessionStopped) {
            signal = MhAgentStopSessionLocked(Host, Ctx);
        }
        Result->Flags |= MH_DPC_STOPPED;
        wake = TRUE;
    } else if (list->Overflowed) {
        /* [DOC] out of entries: every pending chunk is dropped; the next read reports the loss. */
        list->Overflowed = FALSE;
        MhChunkRecycleLocked(list, &list->Staged);
        MhChunkRecycleLocked(list, &list->Ready);
        list->ReadyCount = 0;
        list->ResetDue = TRUE;
        Result->Flags |= MH_DPC_RESET;
        Result->Grow = TRUE;
        wake = TRUE;
    } else {
        while (!IsListEmpty(&list->Staged)) {
            InsertTailList(&list->Ready, RemoveHeadList(&list->Staged));
            list->ReadyCount++;
            Result->Published++;
        }
        wake = (Result->Published != 0);
    }
    if (list->FreeCount < MH_CHUNK_LIST_GROWTH) {
        Result->Grow = TRUE;
    }
    Result->Grow = Result->Grow && list->Capacity < MH_CHUNK_LIST_MAX;
    if (wake && *KeyCount < MH_CHUNK_KEYS && MhChunkSessionEndedLocked(Ctx, &Keys[*KeyCount])) {
        (*KeyCount)++;
    }
    return signal;
}

/* Grows a session's list by MH_CHUNK_LIST_GROWTH entries (allocated outside the lock). */
static BOOLEAN MhChunkGrow(PMH_HOST Host, ULONG64 ContextId)
{
    LIST_ENTRY fresh;
    PMH_HOST_CONTEXT ctx;
    ULONG made;
    KIRQL irql;

    InitializeListHead(&fresh);
    made = MhChunkAllocateEntries(Host, &fresh, MH_CHUNK_LIST_GROWTH);
    KeAcquireSpinLock(&Host->Lock, &irql);
    ctx = MhContextFindLocked(Host, ContextId);
    if (ctx != NULL && !ctx->Closing && ctx->Chunks.Capacity + made <= MH_CHUNK_LIST_MAX) {
        ctx->Chunks.Capacity += MhChunkRecycleLocked(&ctx->Chunks, &fresh);
    }
    KeReleaseSpinLock(&Host->Lock, irql);
    MhChunkFreeEntries(Host, &fresh);      /* nothing left unless the session went away */
    return made != 0;
}

/*++
Routine Description:
    DxgkCbNotifyDpc: what the miniport's DPC calls after its ISR reported chunks. Publishes, drops
    (after an overflow) or stops (after a malformed report), grows lists running low, and wakes
    the sessions' readers.
--*/
VOID APIENTRY MhCbNotifyDpc(HANDLE hAdapter)
{
    PMH_HOST host = g_MhHost;
    MH_DPC_RESULT results[MH_CHUNK_KEYS];
    ULONG64 keys[MH_CHUNK_KEYS];
    ULONG count = 0, keyCount = 0, signal = 0, i;
    PLIST_ENTRY entry;
    KIRQL irql;

    InterlockedIncrement(&host->Adapter.ServiceCalls[MH_DXGKCB_INDEX_DxgkCbNotifyDpc]);
    if ((PMH_HOST)hAdapter != host) {
        MhViolation(host, MH_VIOLATION_SERVICE_HANDLE, 0, MH_DXGKCB_INDEX_DxgkCbNotifyDpc, 0);
        return;
    }
    MH_STAT_INC(&host->Stats, DpcsRun);
    KeAcquireSpinLock(&host->Lock, &irql);
    for (entry = host->Contexts.Flink; entry != &host->Contexts && count < MH_CHUNK_KEYS; entry = entry->Flink) {
        PMH_HOST_CONTEXT ctx = CONTAINING_RECORD(entry, MH_HOST_CONTEXT, Link);
        if (!ctx->Creating && !ctx->Closing) {
            signal += MhChunkDpcLocked(host, ctx, &results[count], keys, &keyCount);
            count++;
        }
    }
    KeReleaseSpinLock(&host->Lock, irql);

    MhSignalCallbacks(host, signal);
    for (i = 0; i < count; i++) {
        ULONG flags = results[i].Flags;
        if (results[i].Grow && MhChunkGrow(host, results[i].ContextId)) {
            flags |= MH_DPC_GREW;
        }
        if (flags != 0 || results[i].Published != 0) {
            MhTrace(host, MH_TRACE_DPC, flags, STATUS_SUCCESS, results[i].ContextId, 0, results[i].Published, 0);
        }
        if (flags & MH_DPC_STOPPED) {
            MhTrace(host, MH_TRACE_SESSION, MH_SESSION_STOP, MH_STATUS_BAD_CHUNK, results[i].ContextId, 0, 0, 0);
        }
    }
    MhChunkDueReaders(host, keys, keyCount);
}

/* ------------------------------------------------------------------ reading (GetNextChunkData) */

/* Whether a read on this session has an answer now (data, a reset, or the session gone). */
_Requires_lock_held_(Host->Lock)
static BOOLEAN MhChunkAnswerReadyLocked(PMH_HOST_CONTEXT Ctx)
{
    return Ctx->Closing || Ctx->Session == MhSessionStopped || Ctx->Chunks.ResetDue || Ctx->Chunks.ReadyCount != 0;
}

/*++
Routine Description:
    Produces a read's result now, as GetNextChunkData returns it: the loss after an overflow
    (once), the session gone, the packets that fit (BUFFER_TOO_SMALL with the first packet's size
    when none does), or the timeout.
--*/
_Requires_lock_held_(Host->Lock)
static VOID MhChunkFillLocked(PMH_HOST Host, PMH_HOST_CONTEXT Ctx, ULONG BufferSize, PUCHAR Buffer,
                              MH_CHUNK_READ_OUT *Out)
{
    MH_CHUNK_LIST *list;

    RtlZeroMemory(Out, sizeof(*Out));
    if (Ctx == NULL || Ctx->Closing) {
        Out->Status = MH_STATUS_SESSION_GONE;
        return;
    }
    list = &Ctx->Chunks;
    if (list->ResetDue) {
        list->ResetDue = FALSE;
        Out->Status = MH_STATUS_CHUNKS_LOST;
        MH_STAT_INC(&Host->Stats, ChunkResets);
    } else if (Ctx->Session == MhSessionStopped) {
        /* Not started yet is not gone: the UMD starts its chunk thread inside
           StartMiracastSession, before the OS lets messages through (the session's start). */
        Out->Status = MH_STATUS_SESSION_GONE;
    } else if (IsListEmpty(&list->Ready)) {
        Out->Status = MH_STATUS_READ_TIMEOUT;
    } else {
        Out->Status = STATUS_SUCCESS;
        while (!IsListEmpty(&list->Ready)) {
            PMH_CHUNK_ENTRY entry = CONTAINING_RECORD(list->Ready.Flink, MH_CHUNK_ENTRY, Link);
            ULONG size = MH_CHUNK_PACKET_HEADER + entry->PrivateSize;
            UINT privateSize = entry->PrivateSize;

            if (size > BufferSize - Out->BytesWritten) {
                if (Out->Count == 0) {
                    Out->Status = STATUS_BUFFER_TOO_SMALL;
                    Out->BytesWritten = size;
                }
                break;
            }
            /* DXGK_MIRACAST_CHUNK_INFO, UINT PrivateDriverDataSize, the private bytes: unaligned. */
            RtlCopyMemory(Buffer + Out->BytesWritten, &entry->Info, sizeof(entry->Info));
            RtlCopyMemory(Buffer + Out->BytesWritten + sizeof(entry->Info), &privateSize, sizeof(privateSize));
            RtlCopyMemory(Buffer + Out->BytesWritten + MH_CHUNK_PACKET_HEADER, entry->Private, privateSize);
            Out->BytesWritten += size;
            Out->Count++;
            RemoveEntryList(&entry->Link);
            InsertTailList(&list->Free, &entry->Link);
            list->FreeCount++;
            list->ReadyCount--;
        }
        MH_STAT_ADD(&Host->Stats, ChunksDelivered, Out->Count);
    }
    Out->Outstanding = list->ReadyCount;
}

static VOID MhChunkTraceRead(PMH_HOST Host, ULONG64 ContextId, const MH_CHUNK_READ_OUT *Out)
{
    MhTrace(Host, MH_TRACE_CHUNK_READ, 0, Out->Status, ContextId, 0, Out->Count, Out->BytesWritten);
}

_Use_decl_annotations_
NTSTATUS MhHostChunkReadStart(PMH_HOST Host, MH_OWNER Caller, const MH_CHUNK_READ_IN *Request,
                              ULONG64 ReadKey, PUCHAR Buffer, MH_CHUNK_READ_OUT *Out)
{
    PMH_HOST_CONTEXT ctx;
    NTSTATUS status = STATUS_SUCCESS;
    BOOLEAN wake = FALSE;
    KIRQL irql;

    RtlZeroMemory(Out, sizeof(*Out));
    KeAcquireSpinLock(&Host->Lock, &irql);
    ctx = MhContextFindLocked(Host, Request->ContextId);
    if (ctx == NULL) {
        /* Ids are never reused: one the host handed out and no longer holds was destroyed. */
        if (Request->ContextId != 0 && Request->ContextId <= Host->NextContextId) {
            Out->Status = MH_STATUS_SESSION_GONE;
        } else {
            status = MH_STATUS_UNKNOWN_CONTEXT;
        }
    } else if (ctx->Creating) {
        status = MH_STATUS_UNKNOWN_CONTEXT;
    } else if (ctx->Owner != Caller && !MhAgentIsLocked(Host, Caller)) {
        status = MH_STATUS_NOT_OWNER;
    } else if (ctx->Chunks.ReaderWaiting) {
        status = MH_STATUS_READER_BUSY;
    } else if (MhChunkAnswerReadyLocked(ctx) || Request->TimeoutMs == 0) {
        MhChunkFillLocked(Host, ctx, Request->BufferSize, Buffer, Out);
    } else {
        ctx->Chunks.ReaderWaiting = TRUE;
        ctx->Chunks.ReaderDue = FALSE;
        ctx->Chunks.ReaderKey = ReadKey;
        ctx->Chunks.ReaderDeadline = (Request->TimeoutMs == MH_CHUNK_WAIT_INFINITE)
                                         ? 0 : MhInterruptTime() + (ULONG64)Request->TimeoutMs * 10000ULL;
        wake = (ctx->Chunks.ReaderDeadline != 0);
        MH_STAT_INC(&Host->Stats, ChunkReadsPending);
        status = STATUS_PENDING;
    }
    KeReleaseSpinLock(&Host->Lock, irql);
    if (wake) {
        MhTimerWake(Host);     /* the timer thread watches the deadline */
    }
    if (status == STATUS_SUCCESS) {
        MhChunkTraceRead(Host, Request->ContextId, Out);
    }
    return status;
}

/* The reader registered under ReadKey, or NULL. */
_Requires_lock_held_(Host->Lock)
static PMH_HOST_CONTEXT MhChunkReaderLocked(PMH_HOST Host, ULONG64 ReadKey)
{
    PLIST_ENTRY entry;

    for (entry = Host->Contexts.Flink; entry != &Host->Contexts; entry = entry->Flink) {
        PMH_HOST_CONTEXT ctx = CONTAINING_RECORD(entry, MH_HOST_CONTEXT, Link);
        if (ctx->Chunks.ReaderWaiting && ctx->Chunks.ReaderKey == ReadKey) {
            return ctx;
        }
    }
    return NULL;
}

_Use_decl_annotations_
VOID MhHostChunkReadFinish(PMH_HOST Host, ULONG64 ReadKey, ULONG BufferSize, PUCHAR Buffer, MH_CHUNK_READ_OUT *Out)
{
    PMH_HOST_CONTEXT ctx;
    ULONG64 contextId = 0;
    KIRQL irql;

    KeAcquireSpinLock(&Host->Lock, &irql);
    ctx = MhChunkReaderLocked(Host, ReadKey);
    if (ctx != NULL) {
        ctx->Chunks.ReaderWaiting = FALSE;
        MH_STAT_DEC(&Host->Stats, ChunkReadsPending);
        contextId = ctx->Id;
    }
    /* No reader any more: its session was destroyed (and the reader forgotten with it). */
    MhChunkFillLocked(Host, ctx, BufferSize, Buffer, Out);
    KeReleaseSpinLock(&Host->Lock, irql);
    MhChunkTraceRead(Host, contextId, Out);
}

_Use_decl_annotations_
VOID MhHostChunkReadCancel(PMH_HOST Host, ULONG64 ReadKey)
{
    PMH_HOST_CONTEXT ctx;
    KIRQL irql;

    KeAcquireSpinLock(&Host->Lock, &irql);
    ctx = MhChunkReaderLocked(Host, ReadKey);
    if (ctx != NULL) {
        ctx->Chunks.ReaderWaiting = FALSE;
        MH_STAT_DEC(&Host->Stats, ChunkReadsPending);
    }
    KeReleaseSpinLock(&Host->Lock, irql);
}

_Use_decl_annotations_
ULONG64 MhChunkExpireReadersLocked(PMH_HOST Host, ULONG64 Now, PULONG64 Keys, ULONG Capacity, PULONG Count)
{
    ULONG64 soonest = 0;
    PLIST_ENTRY entry;

    *Count = 0;
    for (entry = Host->Contexts.Flink; entry != &Host->Contexts; entry = entry->Flink) {
        MH_CHUNK_LIST *list = &CONTAINING_RECORD(entry, MH_HOST_CONTEXT, Link)->Chunks;
        if (!list->ReaderWaiting || list->ReaderDue || list->ReaderDeadline == 0) {
            continue;
        }
        if (list->ReaderDeadline <= Now) {
            if (*Count < Capacity) {
                list->ReaderDue = TRUE;
                Keys[(*Count)++] = list->ReaderKey;
            } else {
                soonest = Now;      /* the rest on the next turn */
            }
        } else if (soonest == 0 || list->ReaderDeadline < soonest) {
            soonest = list->ReaderDeadline;
        }
    }
    return soonest;
}

/* ------------------------------------------------------------------ the test hooks' encoder */

/*++
Routine Description:
    Asks the miniport (test hooks) to encode frames on Caller's context and report their chunks,
    as its ISR and DPC would.
Return Value:
    The hook's status; MH_STATUS_NO_TEST_HOOKS when the miniport offers none.
--*/
_Use_decl_annotations_
NTSTATUS MhHostReportChunks(PMH_HOST Host, MH_OWNER Caller, const MH_CHUNK_REPORT_IN *Request,
                            MH_CHUNK_REPORT_OUT *Result)
{
    PMH_HOST_CONTEXT ctx = NULL;
    NTSTATUS status;

    RtlZeroMemory(Result, sizeof(*Result));
    if (!Host->Adapter.HasTestHooks) {
        return MH_STATUS_NO_TEST_HOOKS;
    }
    status = MhContextReference(Host, Caller, Request->ContextId, &ctx);
    if (!NT_SUCCESS(status)) {
        return status;
    }
    status = Host->Adapter.Hooks.ReportChunks(Host->Adapter.Hooks.Context, ctx->MiniportContext, Request, Result);
    MhContextRelease(Host, ctx);
    return status;
}

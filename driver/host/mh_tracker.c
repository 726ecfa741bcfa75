/*++

Module Name:

    mh_tracker.c

Abstract:

    The pool tracker: every pool routine a hosted miniport calls lands here (the build
    force-includes ddi/mh_pool_redirect.h into its sources), so any vendor's code is accounted for
    as Driver Verifier's pool tracking and special pool would account for it on Windows:
      - per-tag counts of blocks and bytes held and ever allocated;
      - a free of a block already freed (still in quarantine) is a DOUBLE_FREE, a free of a pointer
        never handed out an UNKNOWN_POINTER; neither is passed on to the system, so neither can
        corrupt the pool;
      - ExFreePoolWithTag with another tag than the allocation's is a TAG_MISMATCH;
      - a freed block is filled with MH_POOL_FREED_PATTERN and held in a quarantine of
        MH_POOL_QUARANTINE blocks; when it leaves (pushed out by newer frees, a READ_POOL flush, or
        the adapter's removal) a changed byte is a WRITE_AFTER_FREE, with the offset of the first;
      - at the adapter's removal every block still held is a LEAK, and is freed.
    Findings are kept (the last MH_POOL_FINDINGS_KEPT), counted in MH_STATS.PoolFindings and traced.

    Ownership: the tracker's state is this file's (one per image); tracked blocks belong to the
    miniport until it frees them, then to the quarantine. A header before each block links it.

Environment:

    Kernel mode, IRQL <= DISPATCH_LEVEL.

--*/

#include "mh_host_state.h"
#include "mh_pool_redirect.h"

#define MH_TRACK_LIVE     MH_TAG('M','H','t','l')
#define MH_TRACK_FREED    MH_TAG('M','H','t','f')
#define MH_TRACK_BUCKETS  64u
#define MH_TAG_NONE       MH_TAG('N','o','n','e')    /* what ExAllocatePool (no tag) is charged to */

/* Before every tracked block; 16 bytes of alignment are kept for the miniport's block. */
typedef struct _MH_TRACK_HEADER {
    LIST_ENTRY Link;            /* a live bucket, or the quarantine */
    ULONG Magic;                /* MH_TRACK_LIVE or MH_TRACK_FREED */
    ULONG Tag;
    SIZE_T Size;
    ULONG64 Allocation;         /* 1 for the miniport's first block */
    ULONG TagSlot;
    ULONG Reserved;
} MH_TRACK_HEADER, *PMH_TRACK_HEADER;
C_ASSERT(sizeof(MH_TRACK_HEADER) % 16 == 0);

typedef struct _MH_TRACKER {
    KSPIN_LOCK Lock;
    LIST_ENTRY Live[MH_TRACK_BUCKETS];
    LIST_ENTRY Quarantine;      /* oldest first */
    ULONG QuarantineCount;
    MH_POOL_TAG Tags[MH_POOL_MAX_TAGS];
    ULONG TagCount;
    MH_POOL_FINDING Findings[MH_POOL_FINDINGS_KEPT];
    ULONG64 NextFinding;        /* sequence of the next finding; starts at 1 */
    ULONG64 NextAllocation;
} MH_TRACKER;

static MH_TRACKER MhTracker;

/* A finding recorded under the lock, traced after it. */
typedef struct _MH_TRACK_NOTE {
    ULONG Kind;
    ULONG Tag;
    ULONG64 Offset;
} MH_TRACK_NOTE;

VOID MhTrackerInitialize(PMH_HOST Host)
{
    ULONG i;

    UNREFERENCED_PARAMETER(Host);
    RtlZeroMemory(&MhTracker, sizeof(MhTracker));
    KeInitializeSpinLock(&MhTracker.Lock);
    for (i = 0; i < MH_TRACK_BUCKETS; i++) {
        InitializeListHead(&MhTracker.Live[i]);
    }
    InitializeListHead(&MhTracker.Quarantine);
    MhTracker.NextFinding = 1;
}

VOID MhTrackerMarkStart(PMH_HOST Host)
{
    InterlockedExchange64(MH_STAT_PTR(&Host->Stats, MiniportPoolAtStart),
                          InterlockedCompareExchange64(MH_STAT_PTR(&Host->Stats, MiniportPoolOutstanding), 0, 0));
}

static ULONG MhTrackBucket(const VOID *Block)
{
    return (ULONG)(((ULONG_PTR)Block >> 4) % MH_TRACK_BUCKETS);
}

static PVOID MhTrackBlock(PMH_TRACK_HEADER Header)
{
    return Header + 1;
}

_Requires_lock_held_(MhTracker.Lock)
static VOID MhTrackFindingLocked(ULONG Kind, ULONG Tag, ULONG64 Size, ULONG64 Offset, ULONG64 Allocation,
                                 MH_TRACK_NOTE *Note)
{
    MH_POOL_FINDING *f = &MhTracker.Findings[MhTracker.NextFinding % MH_POOL_FINDINGS_KEPT];

    f->Sequence = MhTracker.NextFinding++;
    f->Kind = Kind;
    f->Tag = Tag;
    f->Size = Size;
    f->Offset = Offset;
    f->Allocation = Allocation;
    Note->Kind = Kind;
    Note->Tag = Tag;
    Note->Offset = Offset;
}

static VOID MhTrackReport(PMH_HOST Host, const MH_TRACK_NOTE *Note)
{
    if (Note->Kind != MH_POOL_FINDING_NONE) {
        MH_STAT_INC(&Host->Stats, PoolFindings);
        MhTrace(Host, MH_TRACE_POOL, Note->Kind, STATUS_SUCCESS, 0, 0, Note->Tag, Note->Offset);
    }
}

/* The counting slot of a tag: its own while there is room, else the last one (Tag 0, "others"). */
_Requires_lock_held_(MhTracker.Lock)
static ULONG MhTrackTagSlotLocked(ULONG Tag)
{
    ULONG i;

    for (i = 0; i < MhTracker.TagCount; i++) {
        if (MhTracker.Tags[i].Tag == Tag) {
            return i;
        }
    }
    if (MhTracker.TagCount < MH_POOL_MAX_TAGS - 1) {
        MhTracker.Tags[MhTracker.TagCount].Tag = Tag;
        return MhTracker.TagCount++;
    }
    MhTracker.TagCount = MH_POOL_MAX_TAGS;
    return MH_POOL_MAX_TAGS - 1;
}

/*++
Routine Description:
    A tracked allocation: zeroed, non-paged (whatever the pool type asked; the harness has no
    paging), counted under its tag.
--*/
static PVOID MhTrackAllocate(SIZE_T Bytes, ULONG Tag)
{
    PMH_HOST host = g_MhHost;
    PMH_TRACK_HEADER header;
    MH_TRACK_NOTE note = { 0 };
    KIRQL irql;

    if (Bytes == 0 || Bytes > MAXULONG_PTR - sizeof(MH_TRACK_HEADER)) {
        KeAcquireSpinLock(&MhTracker.Lock, &irql);
        MhTrackFindingLocked(MH_POOL_FINDING_BAD_REQUEST, Tag, Bytes, 0, 0, &note);
        KeReleaseSpinLock(&MhTracker.Lock, irql);
        MhTrackReport(host, &note);
        return NULL;
    }
    header = (PMH_TRACK_HEADER)MhOsAllocate(sizeof(MH_TRACK_HEADER) + Bytes, Tag);
    if (header == NULL) {
        return NULL;
    }
    header->Magic = MH_TRACK_LIVE;
    header->Tag = Tag;
    header->Size = Bytes;

    KeAcquireSpinLock(&MhTracker.Lock, &irql);
    header->Allocation = ++MhTracker.NextAllocation;
    header->TagSlot = MhTrackTagSlotLocked(Tag);
    MhTracker.Tags[header->TagSlot].Outstanding++;
    MhTracker.Tags[header->TagSlot].Total++;
    MhTracker.Tags[header->TagSlot].BytesOutstanding += Bytes;
    InsertTailList(&MhTracker.Live[MhTrackBucket(MhTrackBlock(header))], &header->Link);
    KeReleaseSpinLock(&MhTracker.Lock, irql);

    MH_STAT_INC(&host->Stats, MiniportPoolOutstanding);
    MH_STAT_INC(&host->Stats, MiniportPoolTotal);
    MH_STAT_ADD(&host->Stats, MiniportPoolBytes, Bytes);
    return MhTrackBlock(header);
}

/* Checks a block leaving the quarantine for writes after its free, then gives it back. */
static VOID MhTrackRelease(PMH_HOST Host, PMH_TRACK_HEADER Header)
{
    const UCHAR *bytes = (const UCHAR *)MhTrackBlock(Header);
    MH_TRACK_NOTE note = { 0 };
    SIZE_T i;
    KIRQL irql;

    for (i = 0; i < Header->Size; i++) {
        if (bytes[i] != MH_POOL_FREED_PATTERN) {
            KeAcquireSpinLock(&MhTracker.Lock, &irql);
            MhTrackFindingLocked(MH_POOL_FINDING_WRITE_AFTER_FREE, Header->Tag, Header->Size, i,
                                 Header->Allocation, &note);
            KeReleaseSpinLock(&MhTracker.Lock, irql);
            MhTrackReport(Host, &note);
            break;
        }
    }
    Header->Magic = 0;
    MhOsFree(Header, Header->Tag);
}

/*++
Routine Description:
    Whether Address lies inside a block the miniport freed that is still in quarantine: the host
    asks before it writes into a buffer the miniport gave it (a message's output at its callback).
    A block that already left the quarantine is not seen (the quarantine holds MH_POOL_QUARANTINE).
--*/
BOOLEAN MhTrackerIsFreed(const VOID *Address)
{
    const UCHAR *at = (const UCHAR *)Address;
    BOOLEAN freed = FALSE;
    PLIST_ENTRY entry;
    KIRQL irql;

    KeAcquireSpinLock(&MhTracker.Lock, &irql);
    for (entry = MhTracker.Quarantine.Flink; entry != &MhTracker.Quarantine; entry = entry->Flink) {
        PMH_TRACK_HEADER candidate = CONTAINING_RECORD(entry, MH_TRACK_HEADER, Link);
        const UCHAR *start = (const UCHAR *)MhTrackBlock(candidate);
        if (at >= start && at < start + candidate->Size) {
            freed = TRUE;
            break;
        }
    }
    KeReleaseSpinLock(&MhTracker.Lock, irql);
    return freed;
}

/*++
Routine Description:
    A tracked free. A known block is uncounted, filled with the pattern and quarantined (the
    oldest quarantined block then leaves and is checked). Anything else is a finding and is not
    passed on to the system.
Arguments:
    Block - what the miniport frees.
    Tag - the tag it passed (ExFreePoolWithTag), or 0 with CheckTag FALSE (ExFreePool).
--*/
static VOID MhTrackFree(PVOID Block, ULONG Tag, BOOLEAN CheckTag)
{
    PMH_HOST host = g_MhHost;
    PMH_TRACK_HEADER header = NULL, leaving = NULL;
    MH_TRACK_NOTE notes[2] = { { 0 }, { 0 } };
    PLIST_ENTRY bucket, entry;
    KIRQL irql;

    KeAcquireSpinLock(&MhTracker.Lock, &irql);
    if (Block != NULL) {
        bucket = &MhTracker.Live[MhTrackBucket(Block)];
        for (entry = bucket->Flink; entry != bucket; entry = entry->Flink) {
            PMH_TRACK_HEADER candidate = CONTAINING_RECORD(entry, MH_TRACK_HEADER, Link);
            if (MhTrackBlock(candidate) == Block) {
                header = candidate;
                break;
            }
        }
    }
    if (header != NULL) {
        MH_POOL_TAG *counts = &MhTracker.Tags[header->TagSlot];

        RemoveEntryList(&header->Link);
        if (CheckTag && Tag != header->Tag) {
            MhTrackFindingLocked(MH_POOL_FINDING_TAG_MISMATCH, header->Tag, header->Size, Tag,
                                 header->Allocation, &notes[0]);
        }
        counts->Outstanding--;
        counts->BytesOutstanding -= header->Size;
        header->Magic = MH_TRACK_FREED;
        RtlFillMemory(MhTrackBlock(header), header->Size, MH_POOL_FREED_PATTERN);
        InsertTailList(&MhTracker.Quarantine, &header->Link);
        if (++MhTracker.QuarantineCount > MH_POOL_QUARANTINE) {
            leaving = CONTAINING_RECORD(RemoveHeadList(&MhTracker.Quarantine), MH_TRACK_HEADER, Link);
            MhTracker.QuarantineCount--;
        }
    } else {
        PMH_TRACK_HEADER freed = NULL;
        for (entry = MhTracker.Quarantine.Flink; entry != &MhTracker.Quarantine; entry = entry->Flink) {
            PMH_TRACK_HEADER candidate = CONTAINING_RECORD(entry, MH_TRACK_HEADER, Link);
            if (MhTrackBlock(candidate) == Block) {
                freed = candidate;
                break;
            }
        }
        if (freed != NULL) {
            MhTrackFindingLocked(MH_POOL_FINDING_DOUBLE_FREE, freed->Tag, freed->Size, 0, freed->Allocation, &notes[0]);
        } else {
            MhTrackFindingLocked(MH_POOL_FINDING_UNKNOWN_POINTER, Tag, 0, 0, 0, &notes[0]);
        }
    }
    KeReleaseSpinLock(&MhTracker.Lock, irql);

    if (header != NULL) {
        MH_STAT_DEC(&host->Stats, MiniportPoolOutstanding);
        MH_STAT_ADD(&host->Stats, MiniportPoolBytes, -(LONG64)header->Size);
    }
    MhTrackReport(host, &notes[0]);
    if (leaving != NULL) {
        MhTrackRelease(host, leaving);
    }
}

/*++
Routine Description:
    Checks and releases every quarantined block; at the adapter's removal also reports every block
    the miniport still holds as a LEAK and frees it, so that the image leaves nothing behind.
--*/
VOID MhTrackerFlush(PMH_HOST Host, BOOLEAN AtRemoval)
{
    LIST_ENTRY leaving, leaked;
    ULONG i;
    KIRQL irql;

    InitializeListHead(&leaving);
    InitializeListHead(&leaked);
    KeAcquireSpinLock(&MhTracker.Lock, &irql);
    while (!IsListEmpty(&MhTracker.Quarantine)) {
        InsertTailList(&leaving, RemoveHeadList(&MhTracker.Quarantine));
    }
    MhTracker.QuarantineCount = 0;
    if (AtRemoval) {
        for (i = 0; i < MH_TRACK_BUCKETS; i++) {
            while (!IsListEmpty(&MhTracker.Live[i])) {
                InsertTailList(&leaked, RemoveHeadList(&MhTracker.Live[i]));
            }
        }
    }
    KeReleaseSpinLock(&MhTracker.Lock, irql);

    while (!IsListEmpty(&leaving)) {
        MhTrackRelease(Host, CONTAINING_RECORD(RemoveHeadList(&leaving), MH_TRACK_HEADER, Link));
    }
    while (!IsListEmpty(&leaked)) {
        PMH_TRACK_HEADER header = CONTAINING_RECORD(RemoveHeadList(&leaked), MH_TRACK_HEADER, Link);
        MH_TRACK_NOTE note;

        KeAcquireSpinLock(&MhTracker.Lock, &irql);
        MhTrackFindingLocked(MH_POOL_FINDING_LEAK, header->Tag, header->Size, 0, header->Allocation, &note);
        MhTracker.Tags[header->TagSlot].Outstanding--;
        MhTracker.Tags[header->TagSlot].BytesOutstanding -= header->Size;
        KeReleaseSpinLock(&MhTracker.Lock, irql);
        MhTrackReport(Host, &note);
        MH_STAT_DEC(&Host->Stats, MiniportPoolOutstanding);
        MH_STAT_ADD(&Host->Stats, MiniportPoolBytes, -(LONG64)header->Size);
        header->Magic = 0;
        MhOsFree(header, header->Tag);
    }
}

/*++
Routine Description:
    READ_POOL: the per-tag counts, then the findings from StartSequence on, as many as fit.
Return Value:
    The bytes written to Buffer (after the header).
--*/
ULONG MhTrackerRead(PMH_HOST Host, ULONG64 StartSequence, MH_POOL_READ_OUT *Header, PUCHAR Buffer, ULONG Length)
{
    ULONG used = 0, i;
    ULONG64 oldest, seq;
    KIRQL irql;

    UNREFERENCED_PARAMETER(Host);
    RtlZeroMemory(Header, sizeof(*Header));
    KeAcquireSpinLock(&MhTracker.Lock, &irql);
    for (i = 0; i < MhTracker.TagCount && used + sizeof(MH_POOL_TAG) <= Length; i++) {
        RtlCopyMemory(Buffer + used, &MhTracker.Tags[i], sizeof(MH_POOL_TAG));
        used += sizeof(MH_POOL_TAG);
        Header->TagCount++;
    }
    oldest = (MhTracker.NextFinding > MH_POOL_FINDINGS_KEPT) ? MhTracker.NextFinding - MH_POOL_FINDINGS_KEPT : 1;
    if (StartSequence < 1) {
        StartSequence = 1;
    }
    Header->Lost = (StartSequence < oldest) ? oldest - StartSequence : 0;
    seq = (StartSequence < oldest) ? oldest : min(StartSequence, MhTracker.NextFinding);
    for (; seq < MhTracker.NextFinding && used + sizeof(MH_POOL_FINDING) <= Length; seq++) {
        RtlCopyMemory(Buffer + used, &MhTracker.Findings[seq % MH_POOL_FINDINGS_KEPT], sizeof(MH_POOL_FINDING));
        used += sizeof(MH_POOL_FINDING);
        Header->FindingCount++;
    }
    Header->NextSequence = seq;
    KeReleaseSpinLock(&MhTracker.Lock, irql);
    return used;
}

/* ------------------------------------------------------------------ what the miniport calls */

/* ExAllocatePool2's flags: exactly one pool, and no required bit this system does not know. */
static BOOLEAN MhTrackPool2FlagsValid(POOL_FLAGS Flags)
{
    const POOL_FLAGS pools = POOL_FLAG_NON_PAGED | POOL_FLAG_NON_PAGED_EXECUTE | POOL_FLAG_PAGED;
    const POOL_FLAGS known = pools | POOL_FLAG_USE_QUOTA | POOL_FLAG_UNINITIALIZED | POOL_FLAG_SESSION |
                             POOL_FLAG_CACHE_ALIGNED | POOL_FLAG_RAISE_ON_FAILURE;
    POOL_FLAGS pool = Flags & pools;

    return pool != 0 && (pool & (pool - 1)) == 0 && ((Flags & 0xFFFFFFFFULL) & ~known) == 0;
}

PVOID NTAPI MhTrackedAllocatePool2(POOL_FLAGS Flags, SIZE_T NumberOfBytes, ULONG Tag)
{
    if (!MhTrackPool2FlagsValid(Flags)) {
        MH_TRACK_NOTE note;
        KIRQL irql;

        KeAcquireSpinLock(&MhTracker.Lock, &irql);
        MhTrackFindingLocked(MH_POOL_FINDING_BAD_REQUEST, Tag, NumberOfBytes, (ULONG64)Flags, 0, &note);
        KeReleaseSpinLock(&MhTracker.Lock, irql);
        MhTrackReport(g_MhHost, &note);
        return NULL;
    }
    return MhTrackAllocate(NumberOfBytes, Tag);
}

PVOID NTAPI MhTrackedAllocatePoolWithTag(POOL_TYPE PoolType, SIZE_T NumberOfBytes, ULONG Tag)
{
    UNREFERENCED_PARAMETER(PoolType);
    return MhTrackAllocate(NumberOfBytes, Tag);
}

PVOID NTAPI MhTrackedAllocatePoolZero(POOL_TYPE PoolType, SIZE_T NumberOfBytes, ULONG Tag)
{
    UNREFERENCED_PARAMETER(PoolType);
    return MhTrackAllocate(NumberOfBytes, Tag);
}

PVOID NTAPI MhTrackedAllocatePool(POOL_TYPE PoolType, SIZE_T NumberOfBytes)
{
    UNREFERENCED_PARAMETER(PoolType);
    return MhTrackAllocate(NumberOfBytes, MH_TAG_NONE);
}

VOID NTAPI MhTrackedFreePool(PVOID P)
{
    MhTrackFree(P, 0, FALSE);
}

VOID NTAPI MhTrackedFreePoolWithTag(PVOID P, ULONG Tag)
{
    MhTrackFree(P, Tag, TRUE);
}

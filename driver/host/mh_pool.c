/*++

Module Name:

    mh_pool.c

Abstract:

    The host's own pool: every block the harness itself allocates (per-handle state, contexts,
    messages, request copies, chunk entries) goes through MhAlloc/MhFree, tagged per class, zeroed
    and counted, so IOCTL_MH_GET_STATS can prove that nothing leaked and unload can record it.
    (The hosted miniport's pool is the tracker's: mh_tracker.c.)

    Underneath both: the system's pool through MhOsAllocate. ExAllocatePool2 exists only from
    Windows 10 2004, and ExAllocatePoolWithTag is deprecated from WDK 22621 on (C4996, an error
    under /WX), so neither is named at compile time: both are resolved with
    MmGetSystemRoutineAddress when the host starts, ExAllocatePool2 preferred. That also keeps the
    image's imports to what Wine 8 exports (it has no ExAllocatePool2).

Environment:

    Kernel mode, IRQL <= DISPATCH_LEVEL (MhOsPoolInitialize: PASSIVE_LEVEL).

--*/

#include "mh_host_state.h"

typedef PVOID (NTAPI *MH_ALLOCATE_POOL2)(POOL_FLAGS Flags, SIZE_T NumberOfBytes, ULONG Tag);
typedef PVOID (NTAPI *MH_ALLOCATE_POOL_WITH_TAG)(POOL_TYPE PoolType, SIZE_T NumberOfBytes, ULONG Tag);

/* Resolved once at start, read-only after. */
static MH_ALLOCATE_POOL2 MhExAllocatePool2;
static MH_ALLOCATE_POOL_WITH_TAG MhExAllocatePoolWithTag;

static const ULONG MhPoolTags[MhPoolClassCount] = {
    MH_TAG('M','H','f','i'),
    MH_TAG('M','H','c','x'),
    MH_TAG('M','H','m','s'),
    MH_TAG('M','H','i','o'),
    MH_TAG('M','H','c','k'),
    MH_TAG('M','H','h','o'),
};

/*++
Routine Description:
    Resolves the system's allocation routines: ExAllocatePool2 where the system has it, otherwise
    ExAllocatePoolWithTag (whose blocks MhOsAllocate zeroes itself).
Return Value:
    STATUS_SUCCESS, or STATUS_PROCEDURE_NOT_FOUND when the system has neither.
--*/
_IRQL_requires_(PASSIVE_LEVEL)
NTSTATUS MhOsPoolInitialize(VOID)
{
    UNICODE_STRING name;

    RtlInitUnicodeString(&name, L"ExAllocatePool2");
    MhExAllocatePool2 = (MH_ALLOCATE_POOL2)MmGetSystemRoutineAddress(&name);
    RtlInitUnicodeString(&name, L"ExAllocatePoolWithTag");
    MhExAllocatePoolWithTag = (MH_ALLOCATE_POOL_WITH_TAG)MmGetSystemRoutineAddress(&name);
    return (MhExAllocatePool2 != NULL || MhExAllocatePoolWithTag != NULL) ? STATUS_SUCCESS
                                                                          : STATUS_PROCEDURE_NOT_FOUND;
}

/*++
Routine Description:
    Zeroed, non-executable, non-paged pool from the system.
--*/
_IRQL_requires_max_(DISPATCH_LEVEL)
PVOID MhOsAllocate(SIZE_T Bytes, ULONG Tag)
{
    PVOID block;

    if (MhExAllocatePool2 != NULL) {
        return MhExAllocatePool2(POOL_FLAG_NON_PAGED, Bytes, Tag);     /* zeroed by the system */
    }
    block = MhExAllocatePoolWithTag(MH_POOL_TYPE, Bytes, Tag);
    if (block != NULL) {
        RtlZeroMemory(block, Bytes);
    }
    return block;
}

_IRQL_requires_max_(DISPATCH_LEVEL)
VOID MhOsFree(PVOID Block, ULONG Tag)
{
    ExFreePoolWithTag(Block, Tag);
}

/* The MH_STATS slot that counts each class, so the stats name what is outstanding. */
static volatile LONG64 *MhPoolClassSlot(PMH_HOST Host, MH_POOL_CLASS Class)
{
    switch (Class) {
    case MhPoolFile:        return MH_STAT_PTR(&Host->Stats, FileContexts);
    case MhPoolHostContext: return MH_STAT_PTR(&Host->Stats, HostContexts);
    case MhPoolHostMessage: return MH_STAT_PTR(&Host->Stats, HostMessages);
    default:                return NULL;
    }
}

/*++
Routine Description:
    Allocates zeroed non-paged, non-executable pool with the class's tag and counts it.
Arguments:
    Host - the host (its stats are updated; for MhPoolHost, the block becomes the host).
    Class - what the block is for; selects the tag and the counter.
    Bytes - size; 0 is refused.
Return Value:
    The block, or NULL when out of memory.
--*/
_Use_decl_annotations_
PVOID MhAlloc(PMH_HOST Host, MH_POOL_CLASS Class, SIZE_T Bytes)
{
    PVOID block;
    volatile LONG64 *slot;

    if (Bytes == 0 || Class >= MhPoolClassCount) {
        return NULL;
    }
    block = MhOsAllocate(Bytes, MhPoolTags[Class]);
    if (block == NULL || Class == MhPoolHost) {
        return block;       /* the host's own block holds the stats: it is not counted in them */
    }
    MH_STAT_INC(&Host->Stats, AllocationsOutstanding);
    MH_STAT_INC(&Host->Stats, AllocationsTotal);
    slot = MhPoolClassSlot(Host, Class);
    if (slot != NULL) {
        InterlockedIncrement64(slot);
    }
    return block;
}

/*++
Routine Description:
    Frees a block from MhAlloc and uncounts it. NULL is ignored.
--*/
_Use_decl_annotations_
VOID MhFree(PMH_HOST Host, MH_POOL_CLASS Class, PVOID Block)
{
    volatile LONG64 *slot;

    if (Block == NULL || Class >= MhPoolClassCount) {
        return;
    }
    if (Class != MhPoolHost) {
        MH_STAT_DEC(&Host->Stats, AllocationsOutstanding);
        slot = MhPoolClassSlot(Host, Class);
        if (slot != NULL) {
            InterlockedDecrement64(slot);
        }
    }
    MhOsFree(Block, MhPoolTags[Class]);
}

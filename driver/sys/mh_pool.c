/*++

Module Name:

    mh_pool.c

Abstract:

    Tagged, counted pool allocations (see mh_pool.h).

Environment:

    Kernel mode.

--*/

#include "mh_device.h"
#include "mh_pool.h"

static const ULONG MhPoolTags[MhPoolClassCount] = {
    MH_TAG('M','H','f','i'),
    MH_TAG('M','H','c','x'),
    MH_TAG('M','H','m','s'),
    MH_TAG('M','H','i','o'),
    MH_TAG('M','P','b','k'),
    MH_TAG('M','P','c','x'),
};

/* The MH_STATS slot that counts each class, so the stats name what is outstanding. */
static volatile LONG64 *MhPoolClassSlot(PMH_DEVICE Dev, MH_POOL_CLASS Class)
{
    switch (Class) {
    case MhPoolFile:            return MH_STAT_PTR(Dev, FileContexts);
    case MhPoolHostContext:     return MH_STAT_PTR(Dev, HostContexts);
    case MhPoolHostMessage:     return MH_STAT_PTR(Dev, HostMessages);
    case MhPoolMiniportBlock:   return MH_STAT_PTR(Dev, MiniportBlocks);
    case MhPoolMiniportContext: return MH_STAT_PTR(Dev, MiniportContexts);
    default:                    return NULL;
    }
}

/*++
Routine Description:
    Allocates zeroed non-paged, non-executable pool with the class's tag and counts it.
Arguments:
    Dev - the control device (its stats are updated).
    Class - what the block is for; selects the tag and the counter.
    Bytes - size; 0 is refused.
Return Value:
    The block, or NULL when out of memory.
--*/
_Use_decl_annotations_
PVOID MhAlloc(PMH_DEVICE Dev, MH_POOL_CLASS Class, SIZE_T Bytes)
{
    PVOID block;
    volatile LONG64 *slot;

    if (Bytes == 0 || Class >= MhPoolClassCount) {
        return NULL;
    }
    /* ExAllocatePool2 would zero for us, but it exists only from Windows 10 2004 and not in MinGW. */
    block = ExAllocatePoolWithTag(MH_POOL_TYPE, Bytes, MhPoolTags[Class]);
    if (block == NULL) {
        return NULL;
    }
    RtlZeroMemory(block, Bytes);
    MH_STAT_INC(Dev, AllocationsOutstanding);
    MH_STAT_INC(Dev, AllocationsTotal);
    slot = MhPoolClassSlot(Dev, Class);
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
VOID MhFree(PMH_DEVICE Dev, MH_POOL_CLASS Class, PVOID Block)
{
    volatile LONG64 *slot;

    if (Block == NULL || Class >= MhPoolClassCount) {
        return;
    }
    ExFreePoolWithTag(Block, MhPoolTags[Class]);
    MH_STAT_DEC(Dev, AllocationsOutstanding);
    slot = MhPoolClassSlot(Dev, Class);
    if (slot != NULL) {
        InterlockedDecrement64(slot);
    }
}

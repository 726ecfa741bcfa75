/*++

Module Name:

    mp_memory.c

Abstract:

    The test miniport's allocator, as a vendor's (KMDOD's memory.cxx) is: non-paged, zeroed,
    tagged per kind of block. It calls the executive's routines by their names; in the harness the
    build force-includes mh_pool_redirect.h, so these calls reach the host's pool tracker.

Environment:

    Kernel mode, IRQL <= DISPATCH_LEVEL.

--*/

#include "mp_test.h"

PVOID MpAllocate(SIZE_T Bytes, ULONG Tag)
{
    return ExAllocatePool2(POOL_FLAG_NON_PAGED, Bytes, Tag);
}

VOID MpFree(PVOID Block, ULONG Tag)
{
    if (Block != NULL) {
        ExFreePoolWithTag(Block, Tag);
    }
}

/*++

Module Name:

    mh_pool_redirect.h

Abstract:

    Force-included into every hosted miniport's sources (GCC -include, MSVC /FI; mh_add_harness
    does it): the executive's pool routines become the host's pool tracker, so that any vendor's
    code, which calls ExAllocatePool2 / ExAllocatePoolWithTag / ExFreePool* directly, is accounted
    for without a change. The tracker (driver/host/mh_tracker.c) keeps per-tag counts, detects
    double frees and frees of pointers it never handed out, fills freed blocks with a pattern and
    holds them in a short quarantine, so that a write after free is found when a block leaves it
    (what Driver Verifier's special pool does on Windows).

    The kernel headers are included first, so that their own declarations of these routines are
    seen before the names are redirected.

Environment:

    Kernel mode.

--*/

#ifndef MH_POOL_REDIRECT_H
#define MH_POOL_REDIRECT_H

#include "mh_ddi.h"

#ifdef __cplusplus
extern "C" {
#endif

PVOID NTAPI MhTrackedAllocatePool2(POOL_FLAGS Flags, SIZE_T NumberOfBytes, ULONG Tag);
PVOID NTAPI MhTrackedAllocatePoolWithTag(POOL_TYPE PoolType, SIZE_T NumberOfBytes, ULONG Tag);
PVOID NTAPI MhTrackedAllocatePoolZero(POOL_TYPE PoolType, SIZE_T NumberOfBytes, ULONG Tag);
PVOID NTAPI MhTrackedAllocatePool(POOL_TYPE PoolType, SIZE_T NumberOfBytes);
VOID NTAPI MhTrackedFreePool(PVOID P);
VOID NTAPI MhTrackedFreePoolWithTag(PVOID P, ULONG Tag);

#ifdef __cplusplus
}
#endif

#undef ExAllocatePool2
#undef ExAllocatePoolWithTag
#undef ExAllocatePoolZero
#undef ExAllocatePool
#undef ExFreePool
#undef ExFreePoolWithTag
#define ExAllocatePool2(Flags, NumberOfBytes, Tag)           MhTrackedAllocatePool2((Flags), (NumberOfBytes), (Tag))
#define ExAllocatePoolWithTag(PoolType, NumberOfBytes, Tag)  MhTrackedAllocatePoolWithTag((PoolType), (NumberOfBytes), (Tag))
#define ExAllocatePoolZero(PoolType, NumberOfBytes, Tag)     MhTrackedAllocatePoolZero((PoolType), (NumberOfBytes), (Tag))
#define ExAllocatePool(PoolType, NumberOfBytes)              MhTrackedAllocatePool((PoolType), (NumberOfBytes))
#define ExFreePool(P)                                        MhTrackedFreePool((P))
#define ExFreePoolWithTag(P, Tag)                            MhTrackedFreePoolWithTag((P), (Tag))

#endif /* MH_POOL_REDIRECT_H */

/*
 * wdm.h for scripts/check-msvc.sh: MinGW-w64's wdm.h (which ntddk.h and ntifs.h include), then
 * what the WDK's wdm.h adds that MinGW's lacks and that an MSVC build reports: the pool routines
 * the WDK marks deprecated from Windows 10 2004 on (replaced by ExAllocatePool2 and
 * ExAllocatePool3), so that calling one fails the check as C4996 fails a /W4 /WX build.
 * Redeclarations with the same prototypes as MinGW's, marked deprecated; nothing else changes.
 */
#ifndef MHC_WDM_H
#define MHC_WDM_H
#include_next <wdm.h>

#define MHC_DEPRECATED_POOL(replacement) \
    __declspec(deprecated("deprecated from Windows 10 2004 (WDK 10.0.19041) on: use " replacement))

MHC_DEPRECATED_POOL("ExAllocatePool2")
NTKERNELAPI PVOID NTAPI ExAllocatePool(POOL_TYPE PoolType, SIZE_T NumberOfBytes);
MHC_DEPRECATED_POOL("ExAllocatePool2")
NTKERNELAPI PVOID NTAPI ExAllocatePoolWithQuota(POOL_TYPE PoolType, SIZE_T NumberOfBytes);
MHC_DEPRECATED_POOL("ExAllocatePool2")
NTKERNELAPI PVOID NTAPI ExAllocatePoolWithQuotaTag(POOL_TYPE PoolType, SIZE_T NumberOfBytes, ULONG Tag);
MHC_DEPRECATED_POOL("ExAllocatePool2")
NTKERNELAPI PVOID NTAPI ExAllocatePoolWithTag(POOL_TYPE PoolType, SIZE_T NumberOfBytes, ULONG Tag);
MHC_DEPRECATED_POOL("ExAllocatePool3")
NTKERNELAPI PVOID NTAPI ExAllocatePoolWithTagPriority(POOL_TYPE PoolType, SIZE_T NumberOfBytes, ULONG Tag,
                                                      EX_POOL_PRIORITY Priority);

#undef MHC_DEPRECATED_POOL
#endif /* MHC_WDM_H */

/*++

Module Name:

    mh_pool.h

Abstract:

    Every pool allocation the driver makes goes through MhAlloc/MhFree: tagged per class, zeroed,
    and counted, so IOCTL_MH_GET_STATS can prove that nothing leaked (and unload can record it).

Environment:

    Kernel mode, IRQL <= DISPATCH_LEVEL.

--*/

#ifndef MH_POOL_H
#define MH_POOL_H

#include "mh_compat.h"

typedef enum _MH_POOL_CLASS {
    MhPoolFile = 0,         /* MH_FILE, one per open handle */
    MhPoolHostContext,      /* MH_HOST_CONTEXT */
    MhPoolHostMessage,      /* MH_HOST_MESSAGE (holds the message bytes) */
    MhPoolDdiBuffer,        /* kernel copies of request buffers (IoControl, as dxgkrnl makes them; send input) */
    MhPoolMiniportBlock,    /* the miniport's send blocks */
    MhPoolMiniportContext,  /* the miniport's per-session contexts */
    MhPoolClassCount
} MH_POOL_CLASS;

struct _MH_DEVICE;

_IRQL_requires_max_(DISPATCH_LEVEL)
PVOID MhAlloc(struct _MH_DEVICE *Dev, MH_POOL_CLASS Class, SIZE_T Bytes);

_IRQL_requires_max_(DISPATCH_LEVEL)
VOID MhFree(struct _MH_DEVICE *Dev, MH_POOL_CLASS Class, PVOID Block);

#endif /* MH_POOL_H */

/*++

Module Name:

    mp_test.h

Abstract:

    The project's test miniport: a WDDM display miniport's Miracast part, written as a vendor
    would write it, hosted like any other miniport. It sees only the DDI (mh_ddi.h), its own
    headers, the project's test-hooks interface (an optional interface it returns from
    DxgkDdiQueryInterface) and the payload formats it shares with user mode (MP_* in the contract
    header). It registers through DxgkInitialize from its DriverEntry, allocates through its own
    allocator and pool tags (mp_memory.c, as KMDOD's memory.cxx does), and counts what it needs in
    its own state (MP_STATE).

      mp_driver.c    DriverEntry and the device DDIs (AddDevice ... Unload, children, interfaces, DPC)
      mp_miracast.c  the four Miracast DDIs, monitor indications, the send path
      mp_hooks.c     the test hooks: send, the chunk encoder, sessions, state
      mp_memory.c    its allocator
      mp_variants.h  the compile-time switches that build broken variants of it

    Ownership:
      - MP_ADAPTER: one per adapter, allocated in DxgkDdiAddDevice, freed in DxgkDdiRemoveDevice
        (g_MpAdapter finds it from callbacks whose context cannot be trusted).
      - MP_CONTEXT: allocated in DxgkDdiMiracastCreateContext, freed in DestroyContext.
      - MP_SEND_BLOCK: holds a message's buffers from the send until its callback; reference
        counted (sender + callback), freed by whichever lets go last.

Environment:

    Kernel mode, PASSIVE_LEVEL unless a routine says otherwise.

--*/

#ifndef MP_TEST_H
#define MP_TEST_H

#include "mh_ddi.h"
#include "mh_test_hooks.h"
#include "miracast_hil_ioctl.h"
#include "mp_variants.h"

#define MP_TAG_ADAPTER  MH_TAG('M','P','a','d')
#define MP_TAG_CONTEXT  MH_TAG('M','P','c','x')
#define MP_TAG_BLOCK    MH_TAG('M','P','b','k')

#define MP_CONTEXT_SIGNATURE MH_TAG('M','P','c','x')
#define MP_BLOCK_LIVE        MH_TAG('M','P','b','k')
#define MP_BLOCK_DEAD        MH_TAG('d','e','a','d')

#define MP_CHILD_COUNT 2        /* a local HDMI output and the Miracast target */

typedef struct _MP_ADAPTER {
    KSPIN_LOCK Lock;
    PDEVICE_OBJECT PhysicalDeviceObject;
    BOOLEAN Started;
    DXGKRNL_INTERFACE Dxgkrnl;      /* our copy of what StartDevice received */
    DXGK_MIRACAST_CAPS Caps;
    ULONG TargetCount;              /* sessions it holds at once (test knob; 1 is real) */
    ULONG SessionsLive;
    volatile LONG ClassInside;      /* Miracast-class DDIs inside now */
    volatile LONG AnyInside;        /* any Miracast DDI inside now */
    volatile LONG Level3Inside;     /* third-level calls inside now */
    volatile LONG CallbacksInside;
    MP_STATE State;                 /* interlocked updates only */
} MP_ADAPTER, *PMP_ADAPTER;

typedef struct _MP_CONTEXT {
    ULONG Signature;
    PMP_ADAPTER Adapter;
    DXGK_MIRACAST_DISPLAY_CALLBACKS Callbacks;  /* our copy: the caller's table lives on its stack */
#if defined(MP_BREAK_KEEPS_CALLBACKS)
    DXGK_MIRACAST_DISPLAY_CALLBACKS *KeptCallbacks;   /* the caller's table itself */
#endif
    ULONG TargetId;
    BOOLEAN MonitorConnected;
    ULONG64 NextFrame;              /* the encoder's next frame number */
} MP_CONTEXT, *PMP_CONTEXT;

extern PMP_ADAPTER g_MpAdapter;

/* The callbacks table a context sends through: its copy (MP_BREAK_KEEPS_CALLBACKS: the caller's). */
#if defined(MP_BREAK_KEEPS_CALLBACKS)
#define MP_CALLBACKS(C) (*(C)->KeptCallbacks)
#else
#define MP_CALLBACKS(C) ((C)->Callbacks)
#endif

#define MP_STATE_PTR(A, Field) ((volatile LONG64 *)&(A)->State.Field)
#define MP_INC(A, Field) InterlockedIncrement64(MP_STATE_PTR(A, Field))
#define MP_DEC(A, Field) InterlockedDecrement64(MP_STATE_PTR(A, Field))

/* Raises a high-water mark in MP_STATE. */
FORCEINLINE VOID MpStateRaise(volatile LONG64 *Slot, LONG64 Value)
{
    LONG64 seen = *Slot;
    while (Value > seen) {
        LONG64 prior = InterlockedCompareExchange64(Slot, Value, seen);
        if (prior == seen) {
            break;
        }
        seen = prior;
    }
}

/* mp_memory.c */
PVOID MpAllocate(SIZE_T Bytes, ULONG Tag);
VOID MpFree(PVOID Block, ULONG Tag);

/* mp_miracast.c */
NTSTATUS MpDdiMiracastQueryCaps(PVOID DriverContext, ULONG MiracastCapsSize, DXGK_MIRACAST_CAPS *MiracastCaps);
NTSTATUS MpDdiMiracastCreateContext(PVOID DriverContext, DXGK_MIRACAST_DISPLAY_CALLBACKS *MiracastCallbacks,
                                    PVOID *MiracastContext, ULONG *TargetId);
VOID MpDdiMiracastDestroyContext(PVOID DriverContext, PVOID MiracastContext);
NTSTATUS MpDdiMiracastIoControl(PVOID DriverContext, PVOID MiracastContext, ULONG InputBufferSize,
                                VOID *pInputBuffer, ULONG OutputBufferSize, VOID *pOutputBuffer,
                                ULONG *BytesReturned);
/* Sends one message owned by a new block; Completion (optional) is called from its callback. */
NTSTATUS MpSendMessage(PMP_CONTEXT C, const VOID *Input, ULONG InputSize, ULONG OutputSize,
                       MH_TEST_SEND_COMPLETION *Completion, PVOID CompletionContext);

/* mp_hooks.c */
VOID MpFillTestHooks(PMP_ADAPTER A, MH_TEST_HOOKS_INTERFACE *Hooks);
NTSTATUS MpHookReadState(PVOID Context, PVOID Buffer, ULONG BufferSize, PULONG BytesWritten);

#endif /* MP_TEST_H */

/*++

Module Name:

    mh_device.h

Abstract:

    The control device's state (MH_DEVICE, the device extension) and the per-handle state (MH_FILE,
    FileObject->FsContext). Every layer of the driver reaches its state through these two.

    Layers (architecture.md):
      control  (mh_driver.c, mh_control.c)  IRPs, validation, per-handle state, IRP queues
      host     (mh_host.c, mh_agent.c, mh_workers.c)  what dxgkrnl does for the miniport
      miniport (mh_miniport.c)  the DDIs under test, written as a vendor would

    Locking, outermost first (never call out of the driver or complete an IRP holding any of them):
      DdiLock                    the DDI serialization (binary semaphore, PASSIVE_LEVEL)
      Lock                       host routing state: contexts, messages, agent, files
      MH_IRP_QUEUE.Lock          each IRP queue
      Trace.Lock, FaultLock      leaves

Environment:

    Kernel mode.

--*/

#ifndef MH_DEVICE_H
#define MH_DEVICE_H

#include "mh_compat.h"
#include "miracast_ddi.h"
#include "../include/miracast_hil_ioctl.h"
#include "mh_irpq.h"
#include "mh_trace.h"
#include "mh_faults.h"

#define MH_DDI_WORKERS      4   /* threads that make Miracast-class DDI calls (they contend for the lock) */
#define MH_CALLBACK_WORKERS 4   /* threads that run DxgkCbMiracastSendMessageCallback */
#define MH_THREAD_COUNT     (MH_DDI_WORKERS + MH_CALLBACK_WORKERS + 1) /* + the timer thread */

typedef struct _MH_FILE {
    ULONG Signature;            /* MH_FILE_SIGNATURE */
    LIST_ENTRY Link;            /* MH_DEVICE.Files */
    PFILE_OBJECT FileObject;
    volatile LONG RefCount;     /* 1 for the open handle + 1 per DDI IRP queued or running */
    BOOLEAN Closed;             /* CLEANUP or CLOSE ran: no new work is accepted */
    ULONG_PTR ProcessId;
} MH_FILE, *PMH_FILE;

#define MH_FILE_SIGNATURE MH_TAG('M','H','f','i')

typedef struct _MH_RESPONDER {
    BOOLEAN Enabled;
    NTSTATUS Status;
    ULONG DelayMs;
} MH_RESPONDER;

/* One rendezvous for CALLBACK_CONCURRENT: the first Target workers wait for each other. */
typedef struct _MH_BARRIER {
    volatile LONG Target;
    volatile LONG Arrived;
    KEVENT Go;                  /* notification event */
} MH_BARRIER;

typedef struct _MH_DEVICE {
    PDEVICE_OBJECT DeviceObject;

    /* Dispatch rundown: unload waits until no dispatch routine is running. */
    volatile LONG ActiveDispatches;
    volatile LONG Unloading;

    KSPIN_LOCK Lock;
    LIST_ENTRY Files;
    LIST_ENTRY Contexts;        /* MH_HOST_CONTEXT.Link */
    ULONG64 NextContextId;
    ULONG64 NextMessageId;
    ULONG64 NextRequestId;

    /* The agent: the user-mode Miracast driver's stand-in. */
    PMH_FILE Agent;
    ULONG AgentFlags;
    LIST_ENTRY AgentQueue;      /* messages waiting for a receive IRP */
    LIST_ENTRY Delivered;       /* messages in the agent's hands */

    MH_IRP_QUEUE SendQueue;     /* SEND_MESSAGE IRPs waiting for the miniport's callback, keyed by request id */
    MH_IRP_QUEUE ReceiveQueue;  /* agent receive IRPs */
    MH_IRP_QUEUE DdiQueue;      /* IRPs waiting for a DDI worker */

    /* Host worker threads. */
    KEVENT StopEvent;           /* notification: the threads end */
    KSEMAPHORE DdiSemaphore;    /* one count per IRP queued on DdiQueue */
    KSEMAPHORE CallbackSemaphore; /* one count per message queued on CallbackQueue */
    KSEMAPHORE TimerWake;       /* one count per change of TimerList, BatchHold or OrderedQueue */
    LIST_ENTRY CallbackQueue;   /* messages whose callback is due (under Lock) */
    LIST_ENTRY TimerList;       /* messages due later, sorted by DueTime (under Lock) */
    LIST_ENTRY BatchHold;       /* messages held by CALLBACK_CONCURRENT / CALLBACK_REVERSE (under Lock) */
    LIST_ENTRY OrderedQueue;    /* released CALLBACK_REVERSE batches: the timer thread runs them in order */
    ULONG BatchHeld;
    ULONG BatchKind;            /* the fault kind that holds BatchHold */
    ULONG BatchTarget;
    MH_BARRIER Barrier;
    volatile LONG DdiBusy;      /* DDI workers inside a request */
    HANDLE Threads[MH_THREAD_COUNT];
    ULONG ThreadCount;

    /* The DDI lock: a binary semaphore (count 1 = free). Every DDI the host makes is either
       Miracast class (CreateContext, DestroyContext, IoControl: one at a time) or third level
       (QueryCaps, HardwareAccess IoControl: exclusive of every DDI), and the host makes no
       level-0/1 DDI calls, so one lock gives both guarantees exactly.
       Not a KMUTEX or an ERESOURCE: under Wine, KeReleaseMutex never wakes a waiter, and an
       ERESOURCE can leave its spin lock held when a new thread first uses it while another waits
       (both hang the device). Wine's semaphores are sound; so is this lock on Windows. */
    KSEMAPHORE DdiLock;

    MH_RESPONDER Responder;     /* under Lock */

    /* The miniport, as the host sees it. */
    PVOID MiniportDeviceContext;
    DXGK_MIRACAST_DISPLAY_INTERFACE Miracast;
    DXGK_MIRACAST_CAPS CapsAtStart;

    MH_FAULTS Faults;
    MH_TRACE_RING Trace;
    MH_STATS Stats;             /* updated with interlocked operations only */

    WCHAR RegistryPathBuffer[256];
    UNICODE_STRING RegistryPath;
} MH_DEVICE, *PMH_DEVICE;

/* The one control device. The host's callbacks (DxgkCbMiracastSendMessage and friends) carry only
   a MiracastHandle, so they find the device through this pointer. */
extern PMH_DEVICE g_MhDevice;

#define MH_STAT_PTR(Dev, Field) ((volatile LONG64 *)&(Dev)->Stats.Field)
#define MH_STAT_INC(Dev, Field) InterlockedIncrement64(MH_STAT_PTR(Dev, Field))
#define MH_STAT_DEC(Dev, Field) InterlockedDecrement64(MH_STAT_PTR(Dev, Field))
#define MH_STAT_ADD(Dev, Field, N) InterlockedExchangeAdd64(MH_STAT_PTR(Dev, Field), (LONG64)(N))

/* Raise a high-water mark. */
FORCEINLINE VOID MhStatMax(volatile LONG64 *Slot, LONG64 Value)
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

FORCEINLINE PMH_FILE MhFileFromIrp(PIRP Irp)
{
    PIO_STACK_LOCATION sp = IoGetCurrentIrpStackLocation(Irp);
    PMH_FILE file = (sp->FileObject != NULL) ? (PMH_FILE)sp->FileObject->FsContext : NULL;
    return (file != NULL && file->Signature == MH_FILE_SIGNATURE) ? file : NULL;
}

VOID MhFileReference(PMH_FILE File);
VOID MhFileDereference(PMH_DEVICE Dev, PMH_FILE File);

#endif /* MH_DEVICE_H */

/*++

Module Name:

    mh_host_state.h

Abstract:

    The host's own state, shared by its files and seen by nothing outside driver/host.

    Ownership:
      - MH_HOST: one per image (g_MhHost), created by MhHostCreate, freed by MhHostDestroy. The
        miniport's callbacks carry only a MiracastHandle or a DeviceHandle, so they find it
        through g_MhHost.
      - MH_HOST_CONTEXT: created by MhHostCreateContext, on Host->Contexts until destroyed; freed
        by the destroy path once its messages' callbacks have run and no send or IoControl is
        inside the miniport on it. A MiracastHandle is its address, trusted only once found on
        Host->Contexts.
      - MH_HOST_MESSAGE: created by DxgkCbMiracastSendMessage, freed right after its callback ran.
        It sits on at most one queue (QueueLink) and always on its context's list (ContextLink).
      - Chunk entries: the context's; its chunk list owns them (MH_CHUNK_LIST).

    A message's life (MH_HOST_MESSAGE.State, all transitions under Host->Lock):
      Held -> Queued -> Delivered -> (answer) -> [CallbackTimer | Batch] -> Callback -> Running -> freed
      ResponderTimer -> (answer) -> ...
      any state before the answer -> (drop: stop, destroy, agent gone) -> Callback

    Locking, outermost first (never call out of the host - the miniport, control's events - or
    wait holding any of them):
      DdiLock                   the DDI serialization (binary semaphore, PASSIVE_LEVEL)
      Lock                      routing state: contexts, messages, chunks, agent, work, adapter state
      Trace.Lock, Faults.Lock, the tracker's lock   leaves

Environment:

    Kernel mode.

--*/

#ifndef MH_HOST_STATE_H
#define MH_HOST_STATE_H

#include "mh_host.h"
#include "mh_test_hooks.h"
#include "mh_trace.h"
#include "mh_faults.h"

#define MH_DDI_WORKERS      4   /* threads that make Miracast-class DDI calls (they contend for the lock) */
#define MH_CALLBACK_WORKERS 4   /* threads that run DxgkCbMiracastSendMessageCallback */
#define MH_THREAD_COUNT     (MH_DDI_WORKERS + MH_CALLBACK_WORKERS + 1) /* + the timer thread */

/* Non-executable non-paged pool: Windows 8 and later, which every Miracast system is. */
#define MH_POOL_TYPE NonPagedPoolNx

typedef enum _MH_SESSION_STATE {
    MhSessionNotStarted = 0,
    MhSessionStarted,
    MhSessionStopped
} MH_SESSION_STATE;

typedef struct _MH_RESPONDER {
    BOOLEAN Enabled;
    NTSTATUS Status;
    ULONG DelayMs;
} MH_RESPONDER;

/* One rendezvous for CALLBACK_CONCURRENT: the first Target workers wait for each other. */
typedef struct _MH_BARRIER {
    volatile LONG Target;
    volatile LONG Arrived;
    KEVENT Go;                      /* notification event */
} MH_BARRIER;

/* One reported chunk, as GetNextChunkData hands it out. */
typedef struct _MH_CHUNK_ENTRY {
    LIST_ENTRY Link;                /* on the list's Free, Staged or Ready list */
    DXGK_MIRACAST_CHUNK_INFO Info;
    ULONG PrivateSize;
    UCHAR Private[1];               /* MH_HOST.ChunkPrivateMax bytes */
} MH_CHUNK_ENTRY, *PMH_CHUNK_ENTRY;

/* dxgkrnl's per-session chunk list (mh_chunks.c). Under Host->Lock. */
typedef struct _MH_CHUNK_LIST {
    ULONG Capacity;                 /* entries allocated: MH_CHUNK_LIST_INITIAL, growing to MH_CHUNK_LIST_MAX */
    ULONG FreeCount;
    ULONG ReadyCount;
    LIST_ENTRY Free;
    LIST_ENTRY Staged;              /* reported at the interrupt, readable after the DPC */
    LIST_ENTRY Ready;
    BOOLEAN Overflowed;             /* an interrupt found no free entry since the last DPC */
    BOOLEAN BadReport;              /* a malformed interrupt since the last DPC: the DPC stops the session */
    BOOLEAN ResetDue;               /* the next read returns STATUS_CONNECTION_RESET */
    BOOLEAN ReaderWaiting;          /* one reader at a time */
    BOOLEAN ReaderDue;              /* Events->ChunkReadDue was (or is about to be) called for it */
    ULONG64 ReaderKey;
    ULONG64 ReaderDeadline;         /* interrupt time; 0: no limit */
} MH_CHUNK_LIST;

#define MH_CONTEXT_SIGNATURE MH_TAG('M','H','c','x')

typedef struct _MH_HOST_CONTEXT {
    ULONG Signature;
    LIST_ENTRY Link;                /* MH_HOST.Contexts */
    ULONG64 Id;
    MH_OWNER Owner;
    PVOID MiniportContext;          /* what DxgkDdiMiracastCreateContext returned */
    ULONG TargetId;
    BOOLEAN Creating;               /* the DDI has not returned yet */
    BOOLEAN Closing;                /* destroy started: sends, IoControls and chunk reads are refused */
    MH_SESSION_STATE Session;
    LONG References;                /* sends and IoControls inside the miniport on this context */
    LIST_ENTRY Messages;            /* MH_HOST_MESSAGE.ContextLink */
    ULONG MessageCount;
    LIST_ENTRY Held;                /* messages waiting for the session to start */
    KEVENT Drained;                 /* notification: Closing, no references, no messages */
    DXGK_MIRACAST_DISPLAY_CALLBACKS CallbacksGiven; /* the table CreateContext was given; stale traps after it */
    MH_CHUNK_LIST Chunks;
} MH_HOST_CONTEXT, *PMH_HOST_CONTEXT;

typedef enum _MH_MESSAGE_STATE {
    MhMsgHeld = 1,
    MhMsgQueued,
    MhMsgDelivered,
    MhMsgResponderTimer,            /* the responder answers when DueTime comes */
    MhMsgCallbackTimer,             /* answered; the callback runs when DueTime comes */
    MhMsgBatch,                     /* answered; held by a batch fault */
    MhMsgCallback,                  /* answered; on CallbackQueue */
    MhMsgRunning                    /* its callback is running */
} MH_MESSAGE_STATE;

typedef struct _MH_HOST_MESSAGE {
    LIST_ENTRY QueueLink;
    LIST_ENTRY ContextLink;
    ULONG64 Id;
    PMH_HOST_CONTEXT Context;
    ULONG64 ContextId;
    MH_MESSAGE_STATE State;
    ULONG InputSize;
    ULONG OutputSize;
    PVOID MiniportOutput;           /* pOutputBuffer: the answer is copied there before the callback */
    DXGKCB_MIRACAST_SEND_MESSAGE_CALLBACK Callback;
    PVOID CallbackContext;
    IO_STATUS_BLOCK IoStatus;       /* the answer */
    ULONG AnswerKind;               /* MH_ANSWER_* */
    BOOLEAN Rendezvous;             /* CALLBACK_CONCURRENT: wait at the barrier before the callback */
    ULONG64 DueTime;
    UCHAR Data[1];                  /* max(InputSize, OutputSize): the input, later the answer */
} MH_HOST_MESSAGE, *PMH_HOST_MESSAGE;

/* The DXGKRNL_INTERFACE the miniport receives at StartDevice, followed by the service slots WDKs
   newer than WDDM 1.3 added, so that a miniport built against one reads stubs, not garbage. */
typedef struct _MH_DXGKRNL_STORAGE {
    DXGKRNL_INTERFACE Interface;
    PVOID Newer[MH_DXGKCB_SERVICE_COUNT - MH_DXGKCB_WDDM1_3_COUNT];
} MH_DXGKRNL_STORAGE;

/* The adapter as dxgkrnl knows it (mh_adapter.c). Written at start, read-only after it, except the
   connection state (under Lock). */
typedef struct _MH_ADAPTER {
    BOOLEAN Registered;             /* DxgkInitialize accepted the init data */
    BOOLEAN Added;                  /* DxgkDdiAddDevice succeeded: RemoveDevice is due */
    BOOLEAN Started;                /* DxgkDdiStartDevice succeeded: StopDevice is due */
    DRIVER_INITIALIZATION_DATA Init;
    PVOID MiniportDeviceContext;
    MH_DXGKRNL_STORAGE Dxgkrnl;     /* valid for the adapter's life: a miniport may keep the pointer */
    ULONG VideoPresentSources;
    ULONG Children;
    ULONG MiracastChildUid;
    DXGK_CHILD_DEVICE_HPD_AWARENESS MiracastHpdAwareness;
    DXGK_MIRACAST_DISPLAY_INTERFACE Miracast;
    BOOLEAN HasTestHooks;
    MH_TEST_HOOKS_INTERFACE Hooks;
    DXGK_MIRACAST_CAPS CapsAtStart;
    ULONG StartViolation;           /* MH_VIOLATION_* that failed the start (0: none) */
    ULONG TargetsAllowed;           /* live contexts the one Miracast target may have: 1, or what the
                                       harness configured through the test hooks (under Lock) */
    LONG64 PoolLeakReported;        /* miniport blocks over its start level already reported (LEAK_AT_DESTROY) */
    /* Connection state from DxgkCbIndicateChildStatus (under Lock). */
    BOOLEAN Connected;
    LONG MonitorType;
    volatile LONG DpcQueued;        /* DxgkCbQueueDpc: the timer thread runs DxgkDdiDpcRoutine */
    volatile LONG ServiceCalls[MH_DXGKCB_SERVICE_COUNT];
} MH_ADAPTER;

typedef struct _MH_HOST {
    PDEVICE_OBJECT PhysicalDevice;
    MH_HOST_EVENTS Events;
    WCHAR RegistryPathBuffer[256];
    UNICODE_STRING RegistryPath;

    KSPIN_LOCK Lock;
    LIST_ENTRY Contexts;            /* MH_HOST_CONTEXT.Link */
    ULONG64 NextContextId;
    ULONG64 NextMessageId;

    /* The agent: the user-mode Miracast driver's stand-in. */
    MH_OWNER Agent;
    ULONG AgentFlags;
    ULONG_PTR AgentProcessId;       /* for the trace */
    LIST_ENTRY AgentQueue;          /* messages waiting for a receive */
    LIST_ENTRY Delivered;           /* messages in the agent's hands */

    /* Worker threads. */
    KEVENT StopEvent;               /* notification: the threads end */
    KSEMAPHORE DdiSemaphore;        /* one count per DDI work unit (control's or the host's own) */
    KSEMAPHORE CallbackSemaphore;   /* one count per idle callback worker woken (MhSignalCallbacks) */
    ULONG CallbackIdle;             /* callback workers about to wait, no wake on its way (under Lock) */
    ULONG CallbackHolds;            /* MhHostHoldCallbackWakes without its release yet (under Lock) */
    ULONG CallbackHeldWakes;        /* the wake-ups asked for meanwhile, given at the last release (under Lock) */
    KSEMAPHORE TimerWake;           /* one count per change the timer thread must look at */
    LIST_ENTRY OwnWork;             /* MH_HOST_WORK items: owner releases (under Lock) */
    volatile LONG DdiBusy;          /* DDI workers inside a work unit */
    LIST_ENTRY CallbackQueue;       /* messages whose callback is due (under Lock) */
    LIST_ENTRY TimerList;           /* messages due later, sorted by DueTime (under Lock) */
    LIST_ENTRY BatchHold;           /* messages held by CALLBACK_CONCURRENT / CALLBACK_REVERSE (under Lock) */
    LIST_ENTRY OrderedQueue;        /* released CALLBACK_REVERSE batches: the timer thread runs them in order */
    ULONG BatchHeld;
    ULONG BatchKind;                /* the fault kind that holds BatchHold */
    ULONG BatchTarget;
    MH_BARRIER Barrier;
    HANDLE Threads[MH_THREAD_COUNT];
    ULONG ThreadCount;

    /* The DDI lock: a binary semaphore (count 1 = free). Every DDI the host makes is either
       Miracast class (CreateContext, DestroyContext, IoControl: one at a time) or third level
       (QueryCaps, HardwareAccess IoControl: exclusive of every DDI), and the host makes no
       level-0/1 Miracast calls, so one lock gives both guarantees exactly.
       Not a KMUTEX or an ERESOURCE: under Wine, KeReleaseMutex never wakes a waiter, and an
       ERESOURCE can leave its spin lock held when a new thread first uses it while another waits
       (both hang the device). Wine's semaphores are sound; so is this lock on Windows. */
    KSEMAPHORE DdiLock;

    MH_RESPONDER Responder;         /* under Lock */
    MH_ADAPTER Adapter;
    ULONG ChunkPrivateMax;          /* CapsAtStart.MaxChunkPrivateDriverDataSize */

    MH_FAULTS Faults;
    MH_TRACE_RING Trace;
    MH_STATS Stats;                 /* interlocked operations only */
} MH_HOST;

extern PMH_HOST g_MhHost;

/* ------------------------------------------------------------------ shared between host files */

/* mh_contexts.c: the registry. */
_Requires_lock_held_(Host->Lock)
PMH_HOST_CONTEXT MhContextFindLocked(PMH_HOST Host, ULONG64 ContextId);
_Requires_lock_held_(Host->Lock)
PMH_HOST_CONTEXT MhContextFromHandleLocked(PMH_HOST Host, HANDLE MiracastHandle);
_Requires_lock_held_(Host->Lock)
NTSTATUS MhContextUsableLocked(PMH_HOST Host, MH_OWNER Caller, ULONG64 ContextId, PMH_HOST_CONTEXT *Out);
NTSTATUS MhContextReference(PMH_HOST Host, MH_OWNER Caller, ULONG64 ContextId, PMH_HOST_CONTEXT *Out);
VOID MhContextRelease(PMH_HOST Host, PMH_HOST_CONTEXT Ctx);
_Requires_lock_held_(Host->Lock)
VOID MhContextCheckDrainedLocked(PMH_HOST_CONTEXT Ctx);
/* Destroys every context of Owner (NULL: every context), one after the other. PASSIVE; waits. */
VOID MhContextDestroyAll(PMH_HOST Host, MH_OWNER Owner);
/* Queues an owner release on the DDI workers (mh_workers.c). */
VOID MhWorkQueueOwnerRelease(PMH_HOST Host, PMH_HOST_WORK Work);

/* mh_ddi_calls.c */
NTSTATUS MhDdiQueryCapsAtStart(PMH_HOST Host, DXGK_MIRACAST_CAPS *Caps);
NTSTATUS MhDdiDestroyContextCore(PMH_HOST Host, MH_OWNER Caller, ULONG64 ContextId);

/* mh_messages.c: the message pipeline. */
NTSTATUS MhCbMiracastSendMessage(HANDLE MiracastHandle, ULONG InputBufferSize, VOID *pInputBuffer,
                                 ULONG OutputBufferSize, VOID *pOutputBuffer,
                                 DXGKCB_MIRACAST_SEND_MESSAGE_CALLBACK pCallback, PVOID pCallbackContext);
NTSTATUS MhCbReportChunkInfo(HANDLE MiracastHandle, DXGK_MIRACAST_CHUNK_INFO *pChunkInfo,
                             PVOID pPrivateDriverData, UINT PrivateDataDriverSize);
_Requires_lock_held_(Host->Lock)
VOID MhMessageSetStateLocked(PMH_HOST Host, PMH_HOST_MESSAGE Msg, MH_MESSAGE_STATE State);
/* The message has an answer (or is dropped): on to its callback, through any armed fault.
   Returns how many callback-queue slots to signal after the lock is released. */
_Requires_lock_held_(Host->Lock)
ULONG MhMessageAnsweredLocked(PMH_HOST Host, PMH_HOST_MESSAGE Msg, NTSTATUS Status,
                              ULONG_PTR Information, ULONG AnswerKind);
/* Drops a message that has no answer yet (unlinks it from its queue first). */
_Requires_lock_held_(Host->Lock)
ULONG MhMessageDropLocked(PMH_HOST Host, PMH_HOST_MESSAGE Msg, NTSTATUS Status);
_Requires_lock_held_(Host->Lock)
ULONG MhMessageQueueCallbackLocked(PMH_HOST Host, PMH_HOST_MESSAGE Msg);
/* Releases every batch-held message to the callback queue. */
_Requires_lock_held_(Host->Lock)
ULONG MhReleaseBatchLocked(PMH_HOST Host);
/* Completes every unanswered message of a closing context with MH_STATUS_CONTEXT_DESTROYED and
   sends answered ones on to their callbacks now. */
_Requires_lock_held_(Host->Lock)
ULONG MhMessagesDrainContextLocked(PMH_HOST Host, PMH_HOST_CONTEXT Ctx);
/* Runs a message's callback and frees it (callback workers, the timer thread, CALLBACK_INLINE). */
VOID MhRunCallback(PMH_HOST Host, PMH_HOST_MESSAGE Msg);
/* Signals the callback workers for Count queued messages; Host->Lock not held. */
VOID MhSignalCallbacks(PMH_HOST Host, ULONG Count);

/* mh_agent.c */
/* A message bound for the agent: route it by its context's session state. Returns callback slots
   to signal; *Queued is set when a message went onto the agent queue. */
_Requires_lock_held_(Host->Lock)
ULONG MhAgentRouteLocked(PMH_HOST Host, PMH_HOST_MESSAGE Msg, PBOOLEAN Queued);
/* Stops a session (agent stop, or a malformed chunk report at the DPC): drops the messages queued
   for it. Returns callback slots to signal. */
_Requires_lock_held_(Host->Lock)
ULONG MhAgentStopSessionLocked(PMH_HOST Host, PMH_HOST_CONTEXT Ctx);
/* Whether Caller may act on Ctx as its owner or as the agent. */
_Requires_lock_held_(Host->Lock)
BOOLEAN MhAgentIsLocked(PMH_HOST Host, MH_OWNER Owner);

/* mh_chunks.c */
NTSTATUS MhChunkListInitialize(PMH_HOST Host, PMH_HOST_CONTEXT Ctx);
VOID MhChunkListFree(PMH_HOST Host, PMH_HOST_CONTEXT Ctx);
/* A session ends (DestroyContext) or its chunks were published: its reader is due. Returns TRUE when ChunkReadDue must be
   called for *ReadKey after the lock is released. */
_Requires_lock_held_(Host->Lock)
BOOLEAN MhChunkSessionEndedLocked(PMH_HOST_CONTEXT Ctx, PULONG64 ReadKey);
/* Readers whose deadline passed become due; returns the soonest remaining deadline (0: none).
   Due keys are collected into Keys (up to Capacity); *Count says how many. */
_Requires_lock_held_(Host->Lock)
ULONG64 MhChunkExpireReadersLocked(PMH_HOST Host, ULONG64 Now, PULONG64 Keys, ULONG Capacity, PULONG Count);
VOID APIENTRY MhCbNotifyInterrupt(HANDLE hAdapter, DXGKARGCB_NOTIFY_INTERRUPT_DATA *pNotifyInterrupt);
VOID APIENTRY MhCbNotifyDpc(HANDLE hAdapter);
VOID MhChunkDueReaders(PMH_HOST Host, const ULONG64 *Keys, ULONG Count);

/* mh_services.c: DXGKRNL_INTERFACE. */
VOID MhServicesFill(PMH_HOST Host, MH_DXGKRNL_STORAGE *Storage);
/* The timer thread runs the miniport's DxgkDdiDpcRoutine when DxgkCbQueueDpc asked for it. */
VOID MhServicesRunQueuedDpc(PMH_HOST Host);

/* mh_adapter.c */
VOID MhAdapterStop(PMH_HOST Host);
VOID MhRecordServiceValue(PMH_HOST Host, PCWSTR Name, ULONG Value);

/* mh_workers.c */
NTSTATUS MhWorkersStart(PMH_HOST Host);
VOID MhWorkersStop(PMH_HOST Host);
_Requires_lock_held_(Host->Lock)
VOID MhTimerInsertLocked(PMH_HOST Host, PMH_HOST_MESSAGE Msg, ULONG DelayMs, MH_MESSAGE_STATE State);
VOID MhTimerWake(PMH_HOST Host);

/* mh_tracker.c: the miniport's pool. */
VOID MhTrackerInitialize(PMH_HOST Host);
/* Checks and releases the quarantine; at removal, reports and frees the blocks still held. */
VOID MhTrackerFlush(PMH_HOST Host, BOOLEAN AtRemoval);
ULONG MhTrackerRead(PMH_HOST Host, ULONG64 StartSequence, MH_POOL_READ_OUT *Header, PUCHAR Buffer, ULONG Length);
VOID MhTrackerMarkStart(PMH_HOST Host);
/* Whether Address lies in a block the miniport freed that is still in quarantine. */
BOOLEAN MhTrackerIsFreed(const VOID *Address);

/* mh_pool.c: the system's pool, resolved at run time (ExAllocatePool2, or ExAllocatePoolWithTag
   before Windows 10 2004 and under Wine). Zeroed. */
PVOID MhOsAllocate(SIZE_T Bytes, ULONG Tag);
VOID MhOsFree(PVOID Block, ULONG Tag);
NTSTATUS MhOsPoolInitialize(VOID);

#endif /* MH_HOST_STATE_H */

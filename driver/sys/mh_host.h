/*++

Module Name:

    mh_host.h

Abstract:

    The host: what dxgkrnl does for the miniport, so that the miniport can be tested.
      - calls the DDIs with dxgkrnl's synchronization (Miracast class: one of CreateContext,
        DestroyContext, IoControl at a time; third level for QueryCaps and HardwareAccess IoControl);
      - gives the miniport its callbacks table (DxgkCbMiracastSendMessage, DxgkCbReportChunkInfo) on
        the stack, as dxgkrnl does, and scribbles it after the call;
      - routes each message to the kernel responder or the agent, holds it until its session starts,
        drops it during or after stop, and runs the miniport's callback exactly once, at
        PASSIVE_LEVEL on a worker thread;
      - records the DDI trace and applies the injected faults.

    A message's life (MH_HOST_MESSAGE.State, all transitions under MH_DEVICE.Lock):
      Held -> Queued -> Delivered -> (answer) -> [CallbackTimer | Batch] -> Callback -> Running -> freed
      ResponderTimer -> (answer) -> ...
      any state before the answer -> (drop: stop, destroy, agent gone) -> Callback
    A message sits on at most one queue (QueueLink) and always on its context's list (ContextLink)
    until its callback has run; DestroyContext waits for that list to empty.

Environment:

    Kernel mode.

--*/

#ifndef MH_HOST_H
#define MH_HOST_H

#include "mh_device.h"
#include "mh_miniport.h"

typedef enum _MH_SESSION_STATE {
    MhSessionNotStarted = 0,
    MhSessionStarted,
    MhSessionStopped
} MH_SESSION_STATE;

#define MH_CONTEXT_SIGNATURE MH_TAG('M','H','c','x')

typedef struct _MH_HOST_CONTEXT {
    ULONG Signature;
    LIST_ENTRY Link;                /* MH_DEVICE.Contexts */
    ULONG64 Id;
    PMH_FILE Owner;
    PVOID MiniportContext;          /* what DxgkDdiMiracastCreateContext returned */
    ULONG TargetId;
    BOOLEAN Creating;               /* the DDI has not returned yet */
    BOOLEAN Closing;                /* destroy started: sends and IoControls are refused */
    MH_SESSION_STATE Session;
    LONG References;                /* sends and IoControls inside the miniport on this context */
    LIST_ENTRY Messages;            /* MH_HOST_MESSAGE.ContextLink */
    ULONG MessageCount;
    LIST_ENTRY Held;                /* messages waiting for the session to start */
    KEVENT Drained;                 /* notification: Closing, no references, no messages */
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

/* Start and stop (DriverEntry, DriverUnload). */
NTSTATUS MhHostInitialize(PMH_DEVICE Dev);
VOID MhHostShutdown(PMH_DEVICE Dev);

/* The DDI paths. PASSIVE_LEVEL; they may wait for the Miracast-class lock. */
NTSTATUS MhHostQueryCaps(PMH_DEVICE Dev, ULONG CapsSize, DXGK_MIRACAST_CAPS *Caps);
NTSTATUS MhHostCreateContext(PMH_DEVICE Dev, PMH_FILE Owner, MH_CONTEXT_INFO *Info);
NTSTATUS MhHostDestroyContext(PMH_DEVICE Dev, PMH_FILE Caller, ULONG64 ContextId);
VOID MhHostDestroyContextsOf(PMH_DEVICE Dev, PMH_FILE Owner);  /* Owner NULL: every context */
NTSTATUS MhHostIoControl(PMH_DEVICE Dev, PMH_FILE Caller, ULONG64 ContextId, ULONG Flags,
                         const VOID *Input, ULONG InputSize, PVOID Output, ULONG OutputSize,
                         PULONG BytesReturned);

/* Asks the miniport to send a message on a context of Caller's (never blocks). */
NTSTATUS MhHostSendMessage(PMH_DEVICE Dev, PMH_FILE Caller, ULONG64 ContextId,
                           const VOID *Input, ULONG InputSize, ULONG OutputSize,
                           MP_SEND_COMPLETION *Completion, PVOID CompletionContext);

NTSTATUS MhHostConfigureResponder(PMH_DEVICE Dev, const MH_RESPONDER_CONFIG *Config);
NTSTATUS MhHostConfigureMiniport(PMH_DEVICE Dev, const MH_MINIPORT_CONFIG *Config);
VOID MhHostResetFaults(PMH_DEVICE Dev);

/* Context lookup; Dev->Lock held. NULL when unknown. */
PMH_HOST_CONTEXT MhHostFindContextLocked(PMH_DEVICE Dev, ULONG64 ContextId);

/* Message plumbing shared by the host, the agent and the workers; Dev->Lock held. */
VOID MhMessageSetStateLocked(PMH_DEVICE Dev, PMH_HOST_MESSAGE Msg, MH_MESSAGE_STATE State);
/* The message has an answer (or is dropped): on to its callback, through any armed fault.
   Returns how many callback-queue slots to signal after the lock is released. */
ULONG MhMessageAnsweredLocked(PMH_DEVICE Dev, PMH_HOST_MESSAGE Msg, NTSTATUS Status,
                              ULONG_PTR Information, ULONG AnswerKind);
/* Drops a message that has no answer yet (unlinks it from its queue first). */
ULONG MhMessageDropLocked(PMH_DEVICE Dev, PMH_HOST_MESSAGE Msg, NTSTATUS Status);
/* Releases every batch-held message to the callback queue. */
ULONG MhReleaseBatchLocked(PMH_DEVICE Dev);

/* Runs a message's callback and frees it (callback workers, CALLBACK_INLINE). */
VOID MhRunCallback(PMH_DEVICE Dev, PMH_HOST_MESSAGE Msg);

/* Signals the callback workers for Count queued messages; Dev->Lock not held. */
VOID MhSignalCallbacks(PMH_DEVICE Dev, ULONG Count);

/* The agent side (mh_agent.c). Dispatch-level work only: none of these blocks. */
NTSTATUS MhAgentAttach(PMH_DEVICE Dev, PMH_FILE File, ULONG Flags);
NTSTATUS MhAgentDetach(PMH_DEVICE Dev, PMH_FILE File);
NTSTATUS MhAgentReceive(PMH_DEVICE Dev, PMH_FILE File, PIRP Irp, PULONG_PTR Information);
NTSTATUS MhAgentReply(PMH_DEVICE Dev, PMH_FILE File, PVOID Buffer, ULONG InputLength,
                      ULONG OutputLength, PULONG_PTR Information);
NTSTATUS MhAgentSession(PMH_DEVICE Dev, PMH_FILE File, ULONG64 ContextId, ULONG Action);
/* A message bound for the agent: route it by its context's session state; Dev->Lock held.
   Receive IRPs that can now complete are moved onto Completions. Returns callback slots to signal. */
ULONG MhAgentRouteLocked(PMH_DEVICE Dev, PMH_HOST_MESSAGE Msg, PLIST_ENTRY Completions);
/* Moves queued messages into waiting receive IRPs; Dev->Lock held. */
VOID MhAgentServiceReceivesLocked(PMH_DEVICE Dev, PLIST_ENTRY Completions);
/* Completes receive IRPs collected on Completions; Dev->Lock not held. */
VOID MhAgentCompleteReceives(PMH_DEVICE Dev, PLIST_ENTRY Completions);

/* Workers (mh_workers.c). */
NTSTATUS MhWorkersStart(PMH_DEVICE Dev);
VOID MhWorkersStop(PMH_DEVICE Dev);
VOID MhTimerInsertLocked(PMH_DEVICE Dev, PMH_HOST_MESSAGE Msg, ULONG DelayMs, MH_MESSAGE_STATE State);

/* Runs one DDI IRP taken from DdiQueue (mh_control.c). */
VOID MhControlRunDdiIrp(PMH_DEVICE Dev, PIRP Irp);

#endif /* MH_HOST_H */

/*++

Module Name:

    mh_host.h

Abstract:

    The host: a stand-in for dxgkrnl around one hosted miniport. This header is all the control
    layer sees of it (control -> host -> DDI types; the host never sees an IRP or a file object).

    What the host does:
      - registration and the adapter: it implements DxgkInitialize, records the miniport's
        DRIVER_INITIALIZATION_DATA, and brings the adapter up and down in dxgkrnl's order
        (mh_adapter.c), with a DXGKRNL_INTERFACE whose Miracast-relevant services are real and
        whose every other service answers STATUS_NOT_SUPPORTED and is counted (mh_services.c);
      - the Miracast DDIs with dxgkrnl's synchronization (mh_ddi_calls.c), the context registry
        (mh_contexts.c), messages and their callbacks (mh_messages.c), the agent that plays the
        user-mode driver (mh_agent.c), the encode-chunk pipeline (mh_chunks.c);
      - its own threads (mh_workers.c), faults, the trace, pool accounting for itself (mh_pool.c)
        and for the miniport (mh_tracker.c).

    Ownership:
      - The host knows a handle only as an MH_OWNER token that control chooses; control keeps the
        token valid until the host has called MH_HOST_WORK.Done for the owner's release.
      - The host owns its state (MH_HOST), its contexts and messages; control owns every IRP.
      - Control tells the host what to do through these routines; the host tells control what
        happened through the MH_HOST_EVENTS control registers at creation. The host calls them
        with none of its locks held (OwnerClosed excepted: it is asked under Host->Lock, so it may
        only read); none may block.

Environment:

    Kernel mode.

--*/

#ifndef MH_HOST_H
#define MH_HOST_H

#include "mh_ddi.h"
#include "miracast_hil_ioctl.h"

typedef struct _MH_HOST MH_HOST, *PMH_HOST;

/* A handle, as the host knows it. */
typedef PVOID MH_OWNER;

/* Storage the caller provides for a piece of asynchronous host work (one per owner release). */
typedef struct _MH_HOST_WORK {
    LIST_ENTRY Link;
    MH_OWNER Owner;
    VOID (*Done)(PVOID DoneContext);    /* called once, on a host thread, when the work is done */
    PVOID DoneContext;
} MH_HOST_WORK, *PMH_HOST_WORK;

/* What the host tells control. Context is control's. */
typedef struct _MH_HOST_EVENTS {
    PVOID Context;
    /* Messages wait for an agent receive: control hands its pended receives to MhHostAgentFill. */
    VOID (*AgentMessagesQueued)(PVOID Context);
    /* On a host DDI worker: run one DDI request that control submitted with MhHostSubmitDdiWork. */
    VOID (*RunDdiWork)(PVOID Context);
    /* A message sent with MhHostSendMessage had its callback: its IO_STATUS_BLOCK and output. */
    VOID (*SendCompleted)(PVOID Context, ULONG64 RequestKey, const IO_STATUS_BLOCK *IoStatus,
                          const VOID *Output, ULONG OutputSize);
    /* A chunk read that pended (MhHostChunkReadStart) is due: control calls MhHostChunkReadFinish. */
    VOID (*ChunkReadDue)(PVOID Context, ULONG64 ReadKey);
    /* TRUE once the owner's handle has closed (the host then keeps nothing new for it). */
    BOOLEAN (*OwnerClosed)(PVOID Context, MH_OWNER Owner);
} MH_HOST_EVENTS;

/* ------------------------------------------------------------------ life */

/* Creates the host (state, tracker, trace, faults, threads). PhysicalDevice is what
   DxgkDdiAddDevice receives; RegistryPath the service key, where unload records its figures. */
_IRQL_requires_(PASSIVE_LEVEL)
NTSTATUS MhHostCreate(PDEVICE_OBJECT PhysicalDevice, PCUNICODE_STRING RegistryPath,
                      const MH_HOST_EVENTS *Events, PMH_HOST *Host);

/* After the miniport's DriverEntry has called DxgkInitialize: AddDevice, StartDevice, the child
   and interface checks, QueryCaps. On failure the step and status are recorded under the service
   key (AdapterStartStep, AdapterStartStatus) and everything started is undone. */
_IRQL_requires_(PASSIVE_LEVEL)
NTSTATUS MhHostStartAdapter(PMH_HOST Host);

/* Unload, first half: waits for owner releases and running DDI work, destroys every context,
   stops the adapter (StopDevice, RemoveDevice, Unload), reports the miniport's leaks, stops the
   threads. Control's IRPs must all be completed first; its per-handle state may be freed after. */
_IRQL_requires_(PASSIVE_LEVEL)
VOID MhHostStop(PMH_HOST Host);

/* Unload, second half: records the leak figures under the service key and frees the host. */
_IRQL_requires_(PASSIVE_LEVEL)
VOID MhHostDestroy(PMH_HOST Host);

/* ------------------------------------------------------------------ owners */

/* A handle went away: it stops being the agent now; its contexts are destroyed on a host worker
   (DestroyContext waits for the Miracast-class lock, which the dispatch path must not), and
   Work->Done runs when that is finished. Never blocks. */
VOID MhHostReleaseOwner(PMH_HOST Host, MH_OWNER Owner, PMH_HOST_WORK Work);

/* ------------------------------------------------------------------ the DDIs (PASSIVE, may wait) */

/* Control's DDI requests run on host workers: each call makes the host call Events->RunDdiWork
   once, on a DDI worker. */
VOID MhHostSubmitDdiWork(PMH_HOST Host);

_IRQL_requires_(PASSIVE_LEVEL)
NTSTATUS MhHostQueryCaps(PMH_HOST Host, ULONG CapsSize, MH_QUERY_CAPS_OUT *Caps);
_IRQL_requires_(PASSIVE_LEVEL)
NTSTATUS MhHostCreateContext(PMH_HOST Host, MH_OWNER Owner, MH_CONTEXT_INFO *Info);
_IRQL_requires_(PASSIVE_LEVEL)
NTSTATUS MhHostDestroyContext(PMH_HOST Host, MH_OWNER Caller, ULONG64 ContextId);
_IRQL_requires_(PASSIVE_LEVEL)
NTSTATUS MhHostIoControl(PMH_HOST Host, MH_OWNER Caller, ULONG64 ContextId, ULONG Flags,
                         const VOID *Input, ULONG InputSize, PVOID Output, ULONG OutputSize,
                         PULONG BytesReturned);

/* Whether Caller may name ContextId now, without waiting (a batch is checked on the dispatch path):
   STATUS_SUCCESS, MH_STATUS_UNKNOWN_CONTEXT or MH_STATUS_NOT_OWNER. */
_IRQL_requires_max_(DISPATCH_LEVEL)
NTSTATUS MhHostCheckContext(PMH_HOST Host, MH_OWNER Caller, ULONG64 ContextId);

/* ------------------------------------------------------------------ messages and the agent (never block) */

/* While a batch of sends is applied, the callback workers' wake-ups are held and given at once when
   it ends: its answers are queued together, so a worker woken for the first does not finish, go
   idle and need another wake-up for the next (under Wine each is wineserver round trips). As many
   wake-ups are given as were asked for (a fault's rendezvous needs them all). Nests; never blocks. */
_IRQL_requires_max_(DISPATCH_LEVEL)
VOID MhHostHoldCallbackWakes(PMH_HOST Host);
_IRQL_requires_max_(DISPATCH_LEVEL)
VOID MhHostReleaseCallbackWakes(PMH_HOST Host);

/* Asks the miniport (test hooks) to send a message on Caller's context. STATUS_PENDING:
   Events->SendCompleted(RequestKey) follows exactly once. */
NTSTATUS MhHostSendMessage(PMH_HOST Host, MH_OWNER Caller, ULONG64 ContextId, const VOID *Input,
                           ULONG InputSize, ULONG OutputSize, ULONG64 RequestKey);

NTSTATUS MhHostAgentAttach(PMH_HOST Host, MH_OWNER Owner, ULONG Flags, ULONG_PTR ProcessId);
NTSTATUS MhHostAgentDetach(PMH_HOST Host, MH_OWNER Owner);
BOOLEAN MhHostIsAgent(PMH_HOST Host, MH_OWNER Owner);
/* TRUE while messages wait for an agent receive. */
BOOLEAN MhHostAgentPending(PMH_HOST Host);
/* Fills a receive buffer with queued messages: STATUS_SUCCESS (*Written set), STATUS_NO_MORE_ENTRIES
   (none queued), MH_STATUS_NOT_AGENT. Buffer must hold MH_RECEIVE_BUFFER_MIN bytes. */
NTSTATUS MhHostAgentFill(PMH_HOST Host, MH_OWNER Owner, PVOID Buffer, ULONG Length, PULONG Written);
NTSTATUS MhHostAgentReply(PMH_HOST Host, MH_OWNER Owner, PVOID Buffer, ULONG InputLength,
                          ULONG OutputLength, PULONG_PTR Information);
NTSTATUS MhHostAgentSession(PMH_HOST Host, MH_OWNER Owner, ULONG64 ContextId, ULONG Action);

/* ------------------------------------------------------------------ chunks (never block) */

/* The miniport encodes and reports chunks (test hooks). */
NTSTATUS MhHostReportChunks(PMH_HOST Host, MH_OWNER Caller, const MH_CHUNK_REPORT_IN *Request,
                            MH_CHUNK_REPORT_OUT *Result);
/* GetNextChunkData on a context. Returns an IRP-level failure, STATUS_SUCCESS with the read's
   result in Out and Buffer (BufferSize bytes of room), or STATUS_PENDING: then
   Events->ChunkReadDue(ReadKey) follows exactly once unless MhHostChunkReadCancel comes first. */
NTSTATUS MhHostChunkReadStart(PMH_HOST Host, MH_OWNER Caller, const MH_CHUNK_READ_IN *Request,
                              ULONG64 ReadKey, PUCHAR Buffer, MH_CHUNK_READ_OUT *Out);
VOID MhHostChunkReadFinish(PMH_HOST Host, ULONG64 ReadKey, ULONG BufferSize, PUCHAR Buffer,
                           MH_CHUNK_READ_OUT *Out);
VOID MhHostChunkReadCancel(PMH_HOST Host, ULONG64 ReadKey);

/* ------------------------------------------------------------------ configuration and readings */

NTSTATUS MhHostConfigureResponder(PMH_HOST Host, const MH_RESPONDER_CONFIG *Config);
NTSTATUS MhHostConfigureMiniport(PMH_HOST Host, const MH_MINIPORT_CONFIG *Config);
NTSTATUS MhHostReadMiniportState(PMH_HOST Host, PVOID Buffer, ULONG Length, PULONG Written);
NTSTATUS MhHostSetFault(PMH_HOST Host, const MH_FAULT *Fault);
VOID MhHostResetFaults(PMH_HOST Host);
VOID MhHostReadTrace(PMH_HOST Host, ULONG64 StartSequence, MH_TRACE_READ_OUT *Header,
                     MH_TRACE_EVENT *Events, ULONG Capacity);
VOID MhHostReadAdapter(PMH_HOST Host, MH_ADAPTER_INFO *Info);
/* Per-tag counts and findings since StartSequence; Buffer gets MH_POOL_TAG records then
   MH_POOL_FINDING records. Returns the bytes written after the header. */
ULONG MhHostReadPool(PMH_HOST Host, const MH_POOL_READ_IN *Request, MH_POOL_READ_OUT *Header,
                     PUCHAR Buffer, ULONG Length);

/* The counters (IOCTL_MH_GET_STATS). Control counts its IRPs and handles in the same block,
   with interlocked operations only. */
MH_STATS *MhHostStats(PMH_HOST Host);

/* The host's own tagged, counted pool (control allocates its per-handle state here too). */
typedef enum _MH_POOL_CLASS {
    MhPoolFile = 0,         /* control's per-handle state, one per open handle */
    MhPoolHostContext,      /* MH_HOST_CONTEXT */
    MhPoolHostMessage,      /* MH_HOST_MESSAGE (holds the message bytes) */
    MhPoolDdiBuffer,        /* kernel copies of request buffers (IoControl, as dxgkrnl makes them; send input) */
    MhPoolChunkEntry,       /* a context's chunk list entries */
    MhPoolHost,             /* MH_HOST itself */
    MhPoolClassCount
} MH_POOL_CLASS;

_IRQL_requires_max_(DISPATCH_LEVEL)
PVOID MhAlloc(PMH_HOST Host, MH_POOL_CLASS Class, SIZE_T Bytes);
_IRQL_requires_max_(DISPATCH_LEVEL)
VOID MhFree(PMH_HOST Host, MH_POOL_CLASS Class, PVOID Block);

/* Counter helpers over an MH_STATS block. */
#define MH_STAT_PTR(Stats, Field) ((volatile LONG64 *)&(Stats)->Field)
#define MH_STAT_INC(Stats, Field) InterlockedIncrement64(MH_STAT_PTR(Stats, Field))
#define MH_STAT_DEC(Stats, Field) InterlockedDecrement64(MH_STAT_PTR(Stats, Field))
#define MH_STAT_ADD(Stats, Field, N) InterlockedExchangeAdd64(MH_STAT_PTR(Stats, Field), (LONG64)(N))

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

#endif /* MH_HOST_H */

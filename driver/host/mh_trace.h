/*++

Module Name:

    mh_trace.h

Abstract:

    The DDI trace: a bounded ring of MH_TRACE_EVENT records (the part the HLK's ETW log plays).
    Writers never block and never fail; when the ring is full the oldest events are overwritten and
    counted, and a reader learns how many it missed.

Environment:

    Kernel mode, IRQL <= DISPATCH_LEVEL.

--*/

#ifndef MH_TRACE_H
#define MH_TRACE_H

#include "mh_kernel.h"
#include "miracast_hil_ioctl.h"

typedef struct _MH_TRACE_RING {
    KSPIN_LOCK Lock;
    ULONG64 NextSequence;       /* sequence of the next event; starts at 1 */
    MH_TRACE_EVENT Events[MH_TRACE_CAPACITY];
} MH_TRACE_RING, *PMH_TRACE_RING;

struct _MH_HOST;

VOID MhTraceInitialize(PMH_TRACE_RING Ring);

VOID MhTrace(struct _MH_HOST *Host, ULONG Kind, ULONG Detail, NTSTATUS Status,
             ULONG64 ContextId, ULONG64 MessageId, ULONG64 Arg0, ULONG64 Arg1);

/* A contract violation of the miniport (MH_VIOLATION_*): counted in ContractViolations and traced,
   so that a conformance check can tell which rule it broke. IRQL <= DISPATCH_LEVEL. */
VOID MhViolation(struct _MH_HOST *Host, ULONG Kind, ULONG64 ContextId, ULONG64 Arg0, ULONG64 Arg1);

/* Copies events with Sequence >= StartSequence into Out (room for Capacity events). */
VOID MhTraceRead(PMH_TRACE_RING Ring, ULONG64 StartSequence, MH_TRACE_READ_OUT *Header,
                 MH_TRACE_EVENT *Out, ULONG Capacity);

#endif /* MH_TRACE_H */

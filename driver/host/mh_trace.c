/*++

Module Name:

    mh_trace.c

Abstract:

    The DDI trace ring (see mh_trace.h).

Environment:

    Kernel mode, IRQL <= DISPATCH_LEVEL.

--*/

#include "mh_host_state.h"

VOID MhTraceInitialize(PMH_TRACE_RING Ring)
{
    KeInitializeSpinLock(&Ring->Lock);
    Ring->NextSequence = 1;
    RtlZeroMemory(Ring->Events, sizeof(Ring->Events));
}

static ULONG64 MhTraceOldest(PMH_TRACE_RING Ring)
{
    return (Ring->NextSequence > MH_TRACE_CAPACITY) ? Ring->NextSequence - MH_TRACE_CAPACITY : 1;
}

/*++
Routine Description:
    Records one event. Never blocks on anything but the ring's spin lock.
--*/
VOID MhTrace(PMH_HOST Host, ULONG Kind, ULONG Detail, NTSTATUS Status,
             ULONG64 ContextId, ULONG64 MessageId, ULONG64 Arg0, ULONG64 Arg1)
{
    PMH_TRACE_RING ring = &Host->Trace;
    MH_TRACE_EVENT event;
    KIRQL irql;

    event.Time = MhInterruptTime();
    event.Kind = Kind;
    event.Detail = Detail;
    event.Status = Status;
    event.ThreadId = (ULONG)(ULONG_PTR)PsGetCurrentThreadId();
    event.ContextId = ContextId;
    event.MessageId = MessageId;
    event.Arg0 = Arg0;
    event.Arg1 = Arg1;

    KeAcquireSpinLock(&ring->Lock, &irql);
    event.Sequence = ring->NextSequence++;
    if (event.Sequence > MH_TRACE_CAPACITY) {
        MH_STAT_INC(&Host->Stats, TraceEventsLost);
    }
    ring->Events[event.Sequence % MH_TRACE_CAPACITY] = event;
    KeReleaseSpinLock(&ring->Lock, irql);
}

/*++
Routine Description:
    Records a contract violation the host saw: the count every idle check reads, and a trace event
    naming its kind, so that each is the finding of its own rule.
--*/
VOID MhViolation(PMH_HOST Host, ULONG Kind, ULONG64 ContextId, ULONG64 Arg0, ULONG64 Arg1)
{
    MH_STAT_INC(&Host->Stats, ContractViolations);
    MhTrace(Host, MH_TRACE_VIOLATION, Kind, STATUS_SUCCESS, ContextId, 0, Arg0, Arg1);
}

VOID MhTraceRead(PMH_TRACE_RING Ring, ULONG64 StartSequence, MH_TRACE_READ_OUT *Header,
                 MH_TRACE_EVENT *Out, ULONG Capacity)
{
    KIRQL irql;
    ULONG64 oldest, seq;
    ULONG count = 0;

    KeAcquireSpinLock(&Ring->Lock, &irql);
    oldest = MhTraceOldest(Ring);
    if (StartSequence < 1) {
        StartSequence = 1;
    }
    Header->Lost = (StartSequence < oldest) ? oldest - StartSequence : 0;
    seq = (StartSequence < oldest) ? oldest : StartSequence;
    if (seq > Ring->NextSequence) {
        seq = Ring->NextSequence;   /* asking past the end: the next event to come */
    }
    for (; seq < Ring->NextSequence && count < Capacity; seq++, count++) {
        Out[count] = Ring->Events[seq % MH_TRACE_CAPACITY];
    }
    Header->NextSequence = seq;
    Header->Count = count;
    Header->Reserved = 0;
    KeReleaseSpinLock(&Ring->Lock, irql);
}

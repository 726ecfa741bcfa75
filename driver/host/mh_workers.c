/*++

Module Name:

    mh_workers.c

Abstract:

    The host's own system threads. They exist so that nothing on the dispatch path ever waits
    (under Wine every IRP is dispatched by one thread, so a dispatch routine that waited for
    another IRP would hang the device), and so that DDI calls really come from several threads:
      - DDI workers (MH_DDI_WORKERS) run one unit of DDI work at a time: a request control
        submitted (Events->RunDdiWork), or an owner release (a closed handle's contexts destroyed);
        they contend for the Miracast-class lock as dxgkrnl's callers would.
      - Callback workers (MH_CALLBACK_WORKERS) run DxgkCbMiracastSendMessageCallback at
        PASSIVE_LEVEL, like dxgkrnl's system work items; several may run at once. Each runs
        callbacks until the queue is empty before it waits, and only idle ones are woken.
      - The timer thread answers for the delayed responder, releases delayed callbacks, runs the
        ordered (newest-first) batches one after the other, releases batches whose fault expired,
        runs the miniport's DPC routine when DxgkCbQueueDpc asked for it, and times out chunk reads.
    MhWorkersStop sets StopEvent and waits on every thread handle before the image goes away.

Environment:

    Kernel mode, PASSIVE_LEVEL.

--*/

#include "mh_host_state.h"

#define MH_TIMER_KEYS MH_MAX_TARGETS    /* chunk readers made due per timer turn */

static KSTART_ROUTINE MhDdiWorker;
static KSTART_ROUTINE MhCallbackWorker;
static KSTART_ROUTINE MhTimerThread;

VOID MhTimerWake(PMH_HOST Host)
{
    KeReleaseSemaphore(&Host->TimerWake, IO_NO_INCREMENT, 1, FALSE);
}

_Use_decl_annotations_
VOID MhTimerInsertLocked(PMH_HOST Host, PMH_HOST_MESSAGE Msg, ULONG DelayMs, MH_MESSAGE_STATE State)
{
    PLIST_ENTRY entry;

    Msg->DueTime = MhInterruptTime() + (ULONG64)DelayMs * 10000ULL;
    MhMessageSetStateLocked(Host, Msg, State);
    /* Sorted by due time; equal times keep their arrival order. */
    for (entry = Host->TimerList.Blink; entry != &Host->TimerList; entry = entry->Blink) {
        PMH_HOST_MESSAGE other = CONTAINING_RECORD(entry, MH_HOST_MESSAGE, QueueLink);
        if (other->DueTime <= Msg->DueTime) {
            break;
        }
    }
    /* Insert after entry. */
    Msg->QueueLink.Flink = entry->Flink;
    Msg->QueueLink.Blink = entry;
    entry->Flink->Blink = &Msg->QueueLink;
    entry->Flink = &Msg->QueueLink;
    MhTimerWake(Host);
}

/* ------------------------------------------------------------------ DDI work */

VOID MhHostSubmitDdiWork(PMH_HOST Host)
{
    KeReleaseSemaphore(&Host->DdiSemaphore, IO_NO_INCREMENT, 1, FALSE);
}

VOID MhWorkQueueOwnerRelease(PMH_HOST Host, PMH_HOST_WORK Work)
{
    KIRQL irql;

    KeAcquireSpinLock(&Host->Lock, &irql);
    InsertTailList(&Host->OwnWork, &Work->Link);
    MH_STAT_INC(&Host->Stats, OwnerReleasesPending);
    KeReleaseSpinLock(&Host->Lock, irql);
    KeReleaseSemaphore(&Host->DdiSemaphore, IO_NO_INCREMENT, 1, FALSE);
}

/*++
Routine Description:
    DDI worker: one unit of DDI work per semaphore count. The host's own work (owner releases)
    goes first; otherwise control runs one of its queued requests.
--*/
static VOID MhDdiWorker(PVOID Context)
{
    PMH_HOST host = (PMH_HOST)Context;
    PVOID objects[2];

    objects[0] = &host->StopEvent;
    objects[1] = &host->DdiSemaphore;
    for (;;) {
        NTSTATUS wait = KeWaitForMultipleObjects(2, objects, WaitAny, Executive, KernelMode, FALSE, NULL, NULL);
        PMH_HOST_WORK work = NULL;
        KIRQL irql;

        if (wait == STATUS_WAIT_0) {
            break;
        }
        InterlockedIncrement(&host->DdiBusy);
        KeAcquireSpinLock(&host->Lock, &irql);
        if (!IsListEmpty(&host->OwnWork)) {
            work = CONTAINING_RECORD(RemoveHeadList(&host->OwnWork), MH_HOST_WORK, Link);
        }
        KeReleaseSpinLock(&host->Lock, irql);
        if (work != NULL) {
            MhContextDestroyAll(host, work->Owner);
            MH_STAT_DEC(&host->Stats, OwnerReleasesPending);
            work->Done(work->DoneContext);      /* the owner's state may go away now */
        } else {
            host->Events.RunDdiWork(host->Events.Context);
        }
        InterlockedDecrement(&host->DdiBusy);
    }
    PsTerminateSystemThread(STATUS_SUCCESS);
}

/* ------------------------------------------------------------------ callbacks */

/*++
Routine Description:
    Callback worker: runs the callbacks of messages on CallbackQueue, one after the other until the
    queue is empty; then it counts itself idle (under Lock, in the section that found the queue
    empty) and waits for MhSignalCallbacks to wake it.
--*/
static VOID MhCallbackWorker(PVOID Context)
{
    PMH_HOST host = (PMH_HOST)Context;
    PVOID objects[2];

    objects[0] = &host->StopEvent;
    objects[1] = &host->CallbackSemaphore;
    for (;;) {
        PMH_HOST_MESSAGE msg = NULL;
        KIRQL irql;

        KeAcquireSpinLock(&host->Lock, &irql);
        if (!IsListEmpty(&host->CallbackQueue)) {
            msg = CONTAINING_RECORD(RemoveHeadList(&host->CallbackQueue), MH_HOST_MESSAGE, QueueLink);
            InitializeListHead(&msg->QueueLink);
            MhMessageSetStateLocked(host, msg, MhMsgRunning);
        } else {
            host->CallbackIdle++;
        }
        KeReleaseSpinLock(&host->Lock, irql);
        if (msg != NULL) {
            MhRunCallback(host, msg);
            continue;
        }
        if (KeWaitForMultipleObjects(2, objects, WaitAny, Executive, KernelMode, FALSE, NULL, NULL) == STATUS_WAIT_0) {
            break;
        }
    }
    PsTerminateSystemThread(STATUS_SUCCESS);
}

/* ------------------------------------------------------------------ the timer thread */

/* The earlier of two interrupt-time deadlines (0: none). */
static ULONG64 MhSooner(ULONG64 A, ULONG64 B)
{
    return (A == 0) ? B : (B == 0 || A < B) ? A : B;
}

/*++
Routine Description:
    Timer thread: due messages, ordered batches, expired batch faults, the miniport's queued DPC,
    chunk reads whose timeout passed.
--*/
static VOID MhTimerThread(PVOID Context)
{
    PMH_HOST host = (PMH_HOST)Context;
    PVOID objects[2];

    objects[0] = &host->StopEvent;
    objects[1] = &host->TimerWake;
    for (;;) {
        ULONG64 readKeys[MH_TIMER_KEYS];
        ULONG readCount = 0;
        LIST_ENTRY ordered;
        LARGE_INTEGER timeout;
        PLARGE_INTEGER wait = NULL;
        ULONG64 deadline = 0;
        ULONG signal = 0;
        ULONG64 now;
        NTSTATUS status;
        KIRQL irql;

        /* The miniport's DPC first: it makes chunks readable, which the reads below then see. */
        MhServicesRunQueuedDpc(host);

        InitializeListHead(&ordered);
        KeAcquireSpinLock(&host->Lock, &irql);
        now = MhInterruptTime();
        while (!IsListEmpty(&host->TimerList)) {
            PMH_HOST_MESSAGE msg = CONTAINING_RECORD(host->TimerList.Flink, MH_HOST_MESSAGE, QueueLink);
            if (msg->DueTime > now) {
                deadline = msg->DueTime;
                break;
            }
            RemoveEntryList(&msg->QueueLink);
            InitializeListHead(&msg->QueueLink);
            if (msg->State == MhMsgResponderTimer) {
                signal += MhMessageAnsweredLocked(host, msg, msg->IoStatus.Status, msg->IoStatus.Information,
                                                  MH_ANSWER_RESPONDER);
            } else {
                signal += MhMessageQueueCallbackLocked(host, msg);
            }
        }
        if (host->BatchHeld != 0 && !MhFaultArmed(&host->Faults, host->BatchKind)) {
            signal += MhReleaseBatchLocked(host);
        }
        if (host->BatchHeld != 0) {
            /* Poll for the batch fault's expiry. */
            deadline = MhSooner(deadline, now + 50ULL * 10000ULL);
        }
        deadline = MhSooner(deadline, MhChunkExpireReadersLocked(host, now, readKeys, MH_TIMER_KEYS, &readCount));
        while (!IsListEmpty(&host->OrderedQueue)) {
            PLIST_ENTRY entry = RemoveHeadList(&host->OrderedQueue);
            PMH_HOST_MESSAGE msg = CONTAINING_RECORD(entry, MH_HOST_MESSAGE, QueueLink);
            MhMessageSetStateLocked(host, msg, MhMsgRunning);
            InsertTailList(&ordered, entry);
        }
        KeReleaseSpinLock(&host->Lock, irql);

        MhSignalCallbacks(host, signal);
        MhChunkDueReaders(host, readKeys, readCount);
        while (!IsListEmpty(&ordered)) {
            PMH_HOST_MESSAGE msg = CONTAINING_RECORD(RemoveHeadList(&ordered), MH_HOST_MESSAGE, QueueLink);
            InitializeListHead(&msg->QueueLink);
            MhRunCallback(host, msg);
        }

        if (deadline != 0) {
            timeout.QuadPart = (deadline > now) ? -(LONGLONG)(deadline - now) : -1;
            wait = &timeout;
        }
        status = KeWaitForMultipleObjects(2, objects, WaitAny, Executive, KernelMode, FALSE, wait, NULL);
        if (status == STATUS_WAIT_0) {
            break;
        }
    }
    PsTerminateSystemThread(STATUS_SUCCESS);
}

/* ------------------------------------------------------------------ start and stop */

static NTSTATUS MhStartThread(PMH_HOST Host, PKSTART_ROUTINE Routine)
{
    OBJECT_ATTRIBUTES attributes;
    HANDLE handle;
    NTSTATUS status;

    InitializeObjectAttributes(&attributes, NULL, OBJ_KERNEL_HANDLE, NULL, NULL);
    status = PsCreateSystemThread(&handle, THREAD_ALL_ACCESS, &attributes, NULL, NULL, Routine, Host);
    if (NT_SUCCESS(status)) {
        Host->Threads[Host->ThreadCount++] = handle;
    }
    return status;
}

NTSTATUS MhWorkersStart(PMH_HOST Host)
{
    NTSTATUS status = STATUS_SUCCESS;
    ULONG i;

    for (i = 0; i < MH_DDI_WORKERS && NT_SUCCESS(status); i++) {
        status = MhStartThread(Host, MhDdiWorker);
    }
    for (i = 0; i < MH_CALLBACK_WORKERS && NT_SUCCESS(status); i++) {
        status = MhStartThread(Host, MhCallbackWorker);
    }
    if (NT_SUCCESS(status)) {
        status = MhStartThread(Host, MhTimerThread);
    }
    if (!NT_SUCCESS(status)) {
        MhWorkersStop(Host);
    }
    return status;
}

/*++
Routine Description:
    Stops every host thread and waits until each has ended: after this no code of the driver runs
    on them, so the image may be unloaded.
--*/
VOID MhWorkersStop(PMH_HOST Host)
{
    ULONG i;

    KeSetEvent(&Host->StopEvent, IO_NO_INCREMENT, FALSE);
    for (i = 0; i < Host->ThreadCount; i++) {
        ZwWaitForSingleObject(Host->Threads[i], FALSE, NULL);
        ZwClose(Host->Threads[i]);
        Host->Threads[i] = NULL;
    }
    Host->ThreadCount = 0;
}

/*++

Module Name:

    mh_workers.c

Abstract:

    The host's own system threads. They exist so that nothing on the dispatch path ever waits
    (under Wine every IRP is dispatched by one thread, so a dispatch routine that waited for
    another IRP would hang the device), and so that DDI calls really come from several threads:
      - DDI workers (MH_DDI_WORKERS) take IRPs off DdiQueue and make the Miracast-class DDI calls;
        they contend for the Miracast-class lock as dxgkrnl's callers would.
      - Callback workers (MH_CALLBACK_WORKERS) run DxgkCbMiracastSendMessageCallback at
        PASSIVE_LEVEL, like dxgkrnl's system work items; several may run at once.
      - The timer thread answers for the delayed responder, releases delayed callbacks, runs the
        ordered (newest-first) batches one after the other, and releases batches whose fault expired.
    Unload sets StopEvent and waits on every thread handle before the image goes away.

Environment:

    Kernel mode, PASSIVE_LEVEL.

--*/

#include "mh_host.h"

static KSTART_ROUTINE MhDdiWorker;
static KSTART_ROUTINE MhCallbackWorker;
static KSTART_ROUTINE MhTimerThread;

VOID MhTimerInsertLocked(PMH_DEVICE Dev, PMH_HOST_MESSAGE Msg, ULONG DelayMs, MH_MESSAGE_STATE State)
{
    PLIST_ENTRY entry;

    Msg->DueTime = KeQueryInterruptTime() + (ULONG64)DelayMs * 10000ULL;
    MhMessageSetStateLocked(Dev, Msg, State);
    /* Sorted by due time; equal times keep their arrival order. */
    for (entry = Dev->TimerList.Blink; entry != &Dev->TimerList; entry = entry->Blink) {
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
    KeReleaseSemaphore(&Dev->TimerWake, IO_NO_INCREMENT, 1, FALSE);
}

/*++
Routine Description:
    DDI worker: one DDI IRP at a time from DdiQueue.
--*/
static VOID MhDdiWorker(PVOID Context)
{
    PMH_DEVICE dev = (PMH_DEVICE)Context;
    PVOID objects[2] = { &dev->StopEvent, &dev->DdiSemaphore };

    for (;;) {
        NTSTATUS wait = KeWaitForMultipleObjects(2, objects, WaitAny, Executive, KernelMode, FALSE, NULL, NULL);
        PIRP irp;

        if (wait == STATUS_WAIT_0) {
            break;
        }
        InterlockedIncrement(&dev->DdiBusy);
        irp = MhIrpQueueRemoveHead(&dev->DdiQueue);
        if (irp != NULL) {
            MhControlRunDdiIrp(dev, irp);
        }
        InterlockedDecrement(&dev->DdiBusy);
    }
    PsTerminateSystemThread(STATUS_SUCCESS);
}

/*++
Routine Description:
    Callback worker: runs the callbacks of messages on CallbackQueue.
--*/
static VOID MhCallbackWorker(PVOID Context)
{
    PMH_DEVICE dev = (PMH_DEVICE)Context;
    PVOID objects[2] = { &dev->StopEvent, &dev->CallbackSemaphore };

    for (;;) {
        NTSTATUS wait = KeWaitForMultipleObjects(2, objects, WaitAny, Executive, KernelMode, FALSE, NULL, NULL);
        PMH_HOST_MESSAGE msg = NULL;
        KIRQL irql;

        if (wait == STATUS_WAIT_0) {
            break;
        }
        KeAcquireSpinLock(&dev->Lock, &irql);
        if (!IsListEmpty(&dev->CallbackQueue)) {
            msg = CONTAINING_RECORD(RemoveHeadList(&dev->CallbackQueue), MH_HOST_MESSAGE, QueueLink);
            InitializeListHead(&msg->QueueLink);
            MhMessageSetStateLocked(dev, msg, MhMsgRunning);
        }
        KeReleaseSpinLock(&dev->Lock, irql);
        if (msg != NULL) {
            MhRunCallback(dev, msg);
        }
    }
    PsTerminateSystemThread(STATUS_SUCCESS);
}

/*++
Routine Description:
    Timer thread: due messages, ordered batches, expired batch faults.
--*/
static VOID MhTimerThread(PVOID Context)
{
    PMH_DEVICE dev = (PMH_DEVICE)Context;
    PVOID objects[2] = { &dev->StopEvent, &dev->TimerWake };

    for (;;) {
        LIST_ENTRY ordered;
        LARGE_INTEGER timeout;
        PLARGE_INTEGER wait = NULL;
        ULONG signal = 0;
        ULONG64 now;
        NTSTATUS status;
        KIRQL irql;

        InitializeListHead(&ordered);
        KeAcquireSpinLock(&dev->Lock, &irql);
        now = KeQueryInterruptTime();
        while (!IsListEmpty(&dev->TimerList)) {
            PMH_HOST_MESSAGE msg = CONTAINING_RECORD(dev->TimerList.Flink, MH_HOST_MESSAGE, QueueLink);
            if (msg->DueTime > now) {
                timeout.QuadPart = -(LONGLONG)(msg->DueTime - now);
                wait = &timeout;
                break;
            }
            RemoveEntryList(&msg->QueueLink);
            InitializeListHead(&msg->QueueLink);
            if (msg->State == MhMsgResponderTimer) {
                signal += MhMessageAnsweredLocked(dev, msg, msg->IoStatus.Status, msg->IoStatus.Information,
                                                  MH_ANSWER_RESPONDER);
            } else {
                MhMessageSetStateLocked(dev, msg, MhMsgCallback);
                InsertTailList(&dev->CallbackQueue, &msg->QueueLink);
                signal++;
            }
        }
        if (dev->BatchHeld != 0 && !MhFaultArmed(&dev->Faults, dev->BatchKind)) {
            signal += MhReleaseBatchLocked(dev);
        }
        if (dev->BatchHeld != 0 && wait == NULL) {
            /* Poll for the batch fault's expiry. */
            timeout.QuadPart = MH_RELATIVE_MS(50);
            wait = &timeout;
        }
        while (!IsListEmpty(&dev->OrderedQueue)) {
            PLIST_ENTRY entry = RemoveHeadList(&dev->OrderedQueue);
            PMH_HOST_MESSAGE msg = CONTAINING_RECORD(entry, MH_HOST_MESSAGE, QueueLink);
            MhMessageSetStateLocked(dev, msg, MhMsgRunning);
            InsertTailList(&ordered, entry);
        }
        KeReleaseSpinLock(&dev->Lock, irql);

        MhSignalCallbacks(dev, signal);
        while (!IsListEmpty(&ordered)) {
            PMH_HOST_MESSAGE msg = CONTAINING_RECORD(RemoveHeadList(&ordered), MH_HOST_MESSAGE, QueueLink);
            InitializeListHead(&msg->QueueLink);
            MhRunCallback(dev, msg);
        }

        status = KeWaitForMultipleObjects(2, objects, WaitAny, Executive, KernelMode, FALSE, wait, NULL);
        if (status == STATUS_WAIT_0) {
            break;
        }
    }
    PsTerminateSystemThread(STATUS_SUCCESS);
}

static NTSTATUS MhStartThread(PMH_DEVICE Dev, PKSTART_ROUTINE Routine)
{
    OBJECT_ATTRIBUTES attributes;
    HANDLE handle;
    NTSTATUS status;

    InitializeObjectAttributes(&attributes, NULL, OBJ_KERNEL_HANDLE, NULL, NULL);
    status = PsCreateSystemThread(&handle, THREAD_ALL_ACCESS, &attributes, NULL, NULL, Routine, Dev);
    if (NT_SUCCESS(status)) {
        Dev->Threads[Dev->ThreadCount++] = handle;
    }
    return status;
}

NTSTATUS MhWorkersStart(PMH_DEVICE Dev)
{
    NTSTATUS status = STATUS_SUCCESS;
    ULONG i;

    for (i = 0; i < MH_DDI_WORKERS && NT_SUCCESS(status); i++) {
        status = MhStartThread(Dev, MhDdiWorker);
    }
    for (i = 0; i < MH_CALLBACK_WORKERS && NT_SUCCESS(status); i++) {
        status = MhStartThread(Dev, MhCallbackWorker);
    }
    if (NT_SUCCESS(status)) {
        status = MhStartThread(Dev, MhTimerThread);
    }
    if (!NT_SUCCESS(status)) {
        MhWorkersStop(Dev);
    }
    return status;
}

/*++
Routine Description:
    Stops every host thread and waits until each has ended: after this no code of the driver runs
    on them, so the image may be unloaded.
--*/
VOID MhWorkersStop(PMH_DEVICE Dev)
{
    ULONG i;

    KeSetEvent(&Dev->StopEvent, IO_NO_INCREMENT, FALSE);
    for (i = 0; i < Dev->ThreadCount; i++) {
        ZwWaitForSingleObject(Dev->Threads[i], FALSE, NULL);
        ZwClose(Dev->Threads[i]);
        Dev->Threads[i] = NULL;
    }
    Dev->ThreadCount = 0;
}

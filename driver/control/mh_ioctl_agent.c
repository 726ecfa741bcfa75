/*++

Module Name:

    mh_ioctl_agent.c

Abstract:

    The message IOCTLs: SEND_MESSAGE (the miniport sends with its own buffers; the IRP pends until
    its callback), and the agent's ATTACH, DETACH, RECEIVE (pends until a message is queued: the
    inverted call), REPLY and SESSION. The host keeps the messages; control keeps the IRPs and
    fills pended receives when the host says messages are queued.

Environment:

    Kernel mode, IRQL <= DISPATCH_LEVEL.

--*/

#include "mh_control.h"

/* ------------------------------------------------------------------ SEND_MESSAGE */

/*++
Routine Description:
    The miniport's callback ran for a message sent for a SEND_MESSAGE IRP (MH_HOST_EVENTS
    .SendCompleted; a batched send's key goes to mh_batch.c): completes that IRP with the callback's IO_STATUS_BLOCK and output as data.
    If the IRP was cancelled or its handle closed meanwhile, there is nothing to complete: the
    miniport has already had its callback.
--*/
VOID MhControlSendCompleted(PVOID Context, ULONG64 RequestKey, const IO_STATUS_BLOCK *IoStatus,
                            const VOID *Output, ULONG OutputSize)
{
    PMH_DEVICE dev = (PMH_DEVICE)Context;
    MH_SEND_MESSAGE_OUT *out;
    ULONG room, copy;
    PIRP irp;

    if ((RequestKey & MH_BATCH_KEY_BIT) != 0) {
        MhBatchSendCompleted(dev, RequestKey, IoStatus, Output, OutputSize);
        return;
    }
    irp = MhIrpQueueRemoveByKey(&dev->SendQueue, RequestKey);
    if (irp == NULL) {
        return;
    }
    out = (MH_SEND_MESSAGE_OUT *)MH_BUFFER(irp);
    room = MH_OUT_LENGTH(irp) - (ULONG)sizeof(MH_SEND_MESSAGE_OUT);
    copy = min(OutputSize, room);
    out->Status = IoStatus->Status;
    out->Reserved = 0;
    out->Information = IoStatus->Information;
    if (copy != 0) {
        RtlCopyMemory(out + 1, Output, copy);
    }
    MhCompleteIrp(dev, irp, STATUS_SUCCESS, sizeof(MH_SEND_MESSAGE_OUT) + copy);
}

/*++
Routine Description:
    Asks the miniport to send a message; the IRP pends until the miniport's callback. The IRP is
    queued before the miniport is called, because the callback may run before the send returns.
Return Value:
    STATUS_PENDING (the IRP is queued or already completed), or an error completed by the caller:
    bad lengths, unknown context, no test hooks, or DxgkCbMiracastSendMessage's own failure (no
    callback came).
--*/
_Use_decl_annotations_
NTSTATUS MhIoctlSendMessage(PMH_DEVICE Dev, PMH_FILE File, PIRP Irp, PULONG_PTR Information)
{
    const MH_SEND_MESSAGE_IN *in = (const MH_SEND_MESSAGE_IN *)MH_BUFFER(Irp);
    ULONG inLength = MH_IN_LENGTH(Irp);
    MH_SEND_MESSAGE_IN request;
    PVOID input = NULL;
    ULONG64 requestId;
    NTSTATUS status;

    UNREFERENCED_PARAMETER(Information);
    if (inLength < sizeof(MH_SEND_MESSAGE_IN)) {
        return STATUS_INVALID_PARAMETER;
    }
    request = *in;
    if (request.InputSize > MH_MAX_MESSAGE_BYTES || request.OutputSize > MH_MAX_MESSAGE_BYTES) {
        return STATUS_INVALID_BUFFER_SIZE;
    }
    if (inLength != sizeof(MH_SEND_MESSAGE_IN) + request.InputSize) {
        return STATUS_INVALID_PARAMETER;
    }
    if (MH_OUT_LENGTH(Irp) < sizeof(MH_SEND_MESSAGE_OUT) + request.OutputSize) {
        return STATUS_BUFFER_TOO_SMALL;
    }
    /* Once queued, the IRP (and its system buffer) may be cancelled and freed at any moment:
       keep what the send needs in our own copy. */
    if (request.InputSize != 0) {
        input = MhAlloc(Dev->Host, MhPoolDdiBuffer, request.InputSize);
        if (input == NULL) {
            return STATUS_INSUFFICIENT_RESOURCES;
        }
        RtlCopyMemory(input, in + 1, request.InputSize);
    }

    requestId = MhNextRequestId(Dev);
    status = MhIrpQueueInsert(&Dev->SendQueue, Irp, requestId);
    if (status == STATUS_PENDING) {
        status = MhHostSendMessage(Dev->Host, File, request.ContextId, input, request.InputSize,
                                   request.OutputSize, requestId);
        if (status != STATUS_PENDING) {
            /* Not sent: no callback will come. Complete it here unless a cancel got there first. */
            PIRP irp = MhIrpQueueRemoveByKey(&Dev->SendQueue, requestId);
            if (irp != NULL) {
                MhCompleteIrp(Dev, irp, status, 0);
            }
            status = STATUS_PENDING;    /* the IRP was marked pending: it is no longer ours */
        }
    }
    MhFree(Dev->Host, MhPoolDdiBuffer, input);
    return status;
}

/* ------------------------------------------------------------------ the agent */

/* Completes the agent receives a handle still has pended (it detached, or it is no longer the agent). */
static VOID MhCancelReceivesOf(PMH_DEVICE Dev, PMH_FILE File)
{
    LIST_ENTRY receives;

    InitializeListHead(&receives);
    MhIrpQueueRemoveForFile(&Dev->ReceiveQueue, File->FileObject, &receives);
    MhIrpCompleteList(Dev, &receives, STATUS_CANCELLED);
}

/*++
Routine Description:
    Fills pended receives with the messages the host has queued (MH_HOST_EVENTS
    .AgentMessagesQueued, and after a receive pends). A receive that finds nothing goes back to the
    queue; if a message arrived while it was off the queue, the loop takes it again, so no message
    waits while a receive does.
--*/
VOID MhControlServiceReceives(PVOID Context)
{
    PMH_DEVICE dev = (PMH_DEVICE)Context;

    for (;;) {
        PIRP irp = MhIrpQueueRemoveHead(&dev->ReceiveQueue);
        ULONG written = 0;
        NTSTATUS status;

        if (irp == NULL) {
            return;
        }
        status = MhHostAgentFill(dev->Host, MhFileFromIrp(irp), MH_BUFFER(irp), MH_OUT_LENGTH(irp), &written);
        if (status != STATUS_NO_MORE_ENTRIES) {
            MhCompleteIrp(dev, irp, status, NT_SUCCESS(status) ? written : 0);
            continue;
        }
        if (MhIrpQueueRequeue(&dev->ReceiveQueue, irp) != STATUS_PENDING) {
            /* Cancelled while off the queue: its cancel routine was cleared, so it is ours. */
            MH_STAT_INC(dev->Stats, IrpsCancelledTotal);
            MhCompleteIrp(dev, irp, STATUS_CANCELLED, 0);
        }
        /* A message queued while the receive was off the queue found no receive: look again. */
        if (!MhHostAgentPending(dev->Host)) {
            return;
        }
    }
}

_Use_decl_annotations_
NTSTATUS MhIoctlAgentAttach(PMH_DEVICE Dev, PMH_FILE File, PIRP Irp, PULONG_PTR Information)
{
    ULONG flags = 0;

    UNREFERENCED_PARAMETER(Information);
    if (MH_IN_LENGTH(Irp) != 0 && MH_IN_LENGTH(Irp) != sizeof(MH_AGENT_ATTACH_IN)) {
        return STATUS_INVALID_PARAMETER;
    }
    if (MH_IN_LENGTH(Irp) != 0) {
        const MH_AGENT_ATTACH_IN *in = (const MH_AGENT_ATTACH_IN *)MH_BUFFER(Irp);
        if (in->Reserved != 0) {
            return STATUS_INVALID_PARAMETER;
        }
        flags = in->Flags;
    }
    return MhHostAgentAttach(Dev->Host, File, flags, File->ProcessId);
}

_Use_decl_annotations_
NTSTATUS MhIoctlAgentDetach(PMH_DEVICE Dev, PMH_FILE File, PIRP Irp, PULONG_PTR Information)
{
    NTSTATUS status;

    UNREFERENCED_PARAMETER(Irp);
    UNREFERENCED_PARAMETER(Information);
    status = MhHostAgentDetach(Dev->Host, File);
    if (NT_SUCCESS(status)) {
        MhCancelReceivesOf(Dev, File);
    }
    return status;
}

/*++
Routine Description:
    An agent receive: completes at once with every queued message that fits, or pends until one
    arrives. The output buffer must hold the largest message (MH_RECEIVE_BUFFER_MIN).
Return Value:
    STATUS_SUCCESS with *Information set; STATUS_PENDING (queued); STATUS_CANCELLED (cancelled
    before it could be queued); MH_STATUS_NOT_AGENT; STATUS_BUFFER_TOO_SMALL.
--*/
_Use_decl_annotations_
NTSTATUS MhIoctlAgentReceive(PMH_DEVICE Dev, PMH_FILE File, PIRP Irp, PULONG_PTR Information)
{
    ULONG written = 0;
    NTSTATUS status;

    status = MhHostAgentFill(Dev->Host, File, MH_BUFFER(Irp), MH_OUT_LENGTH(Irp), &written);
    if (status != STATUS_NO_MORE_ENTRIES) {
        *Information = written;
        return status;
    }
    status = MhIrpQueueInsert(&Dev->ReceiveQueue, Irp, 0);
    if (status != STATUS_PENDING) {
        return status;
    }
    /* Between the fill and the queueing a message may have come (it found no receive), or the
       agent may have detached (its receives were already cancelled): settle both now. */
    if (!MhHostIsAgent(Dev->Host, File)) {
        MhCancelReceivesOf(Dev, File);
    } else if (MhHostAgentPending(Dev->Host)) {
        MhControlServiceReceives(Dev);
    }
    return STATUS_PENDING;
}

_Use_decl_annotations_
NTSTATUS MhIoctlAgentReply(PMH_DEVICE Dev, PMH_FILE File, PIRP Irp, PULONG_PTR Information)
{
    return MhHostAgentReply(Dev->Host, File, MH_BUFFER(Irp), MH_IN_LENGTH(Irp), MH_OUT_LENGTH(Irp), Information);
}

_Use_decl_annotations_
NTSTATUS MhIoctlSession(PMH_DEVICE Dev, PMH_FILE File, PIRP Irp, PULONG_PTR Information)
{
    const MH_SESSION_IN *in = (const MH_SESSION_IN *)MH_BUFFER(Irp);

    UNREFERENCED_PARAMETER(Information);
    if (MH_IN_LENGTH(Irp) != sizeof(MH_SESSION_IN) || in->Reserved != 0) {
        return STATUS_INVALID_PARAMETER;
    }
    return MhHostAgentSession(Dev->Host, File, in->ContextId, in->Action);
}

/*++

Module Name:

    mh_control.c

Abstract:

    IRP_MJ_DEVICE_CONTROL: one handler per IOCTL of miracast_hil_ioctl.h. Every handler checks
    every length before it touches a buffer, writes only the bytes it reports in Information, and
    either completes the IRP at the one completion point of MhDispatchDeviceControl or hands it on
    (STATUS_PENDING) to exactly one owner:
      - DdiQueue: QUERY_CAPS, CREATE_CONTEXT, DESTROY_CONTEXT, IO_CONTROL run on DDI workers,
        because they take the Miracast-class lock and may wait;
      - SendQueue: SEND_MESSAGE waits for the miniport's callback;
      - ReceiveQueue: AGENT_RECEIVE waits for a message.

Environment:

    Kernel mode, PASSIVE_LEVEL (dispatch) and DDI worker threads.

--*/

#include "mh_host.h"
#include "mh_pool.h"

typedef NTSTATUS MH_IOCTL_HANDLER(PMH_DEVICE Dev, PMH_FILE File, PIRP Irp, PULONG_PTR Information);

#define MH_IN_LENGTH(Irp)  (IoGetCurrentIrpStackLocation(Irp)->Parameters.DeviceIoControl.InputBufferLength)
#define MH_OUT_LENGTH(Irp) (IoGetCurrentIrpStackLocation(Irp)->Parameters.DeviceIoControl.OutputBufferLength)
#define MH_BUFFER(Irp)     ((PUCHAR)(Irp)->AssociatedIrp.SystemBuffer)

/* ------------------------------------------------------------------ handlers completed at once */

static NTSTATUS MhIoctlGetInfo(PMH_DEVICE Dev, PMH_FILE File, PIRP Irp, PULONG_PTR Information)
{
    MH_INFO *info = (MH_INFO *)MH_BUFFER(Irp);

    UNREFERENCED_PARAMETER(Dev);
    UNREFERENCED_PARAMETER(File);
    if (MH_OUT_LENGTH(Irp) < sizeof(MH_INFO)) {
        return STATUS_BUFFER_TOO_SMALL;
    }
    RtlZeroMemory(info, sizeof(*info));
    info->ContractVersion = MH_CONTRACT_VERSION;
    info->InfoSize = sizeof(MH_INFO);
    info->MaxMessageBytes = MH_MAX_MESSAGE_BYTES;
    info->MaxIoControlBytes = MH_MAX_IO_CONTROL_BYTES;
    info->ReceiveBufferMin = (ULONG)MH_RECEIVE_BUFFER_MIN;
    info->TraceCapacity = MH_TRACE_CAPACITY;
    info->MaxTargets = MH_MAX_TARGETS;
    info->StatsSize = sizeof(MH_STATS);
    *Information = sizeof(MH_INFO);
    return STATUS_SUCCESS;
}

/* The control layer's own round trip: no DDI, no lock. The bytes are already in place
   (METHOD_BUFFERED shares one system buffer for input and output). */
static NTSTATUS MhIoctlEcho(PMH_DEVICE Dev, PMH_FILE File, PIRP Irp, PULONG_PTR Information)
{
    ULONG in = MH_IN_LENGTH(Irp);

    UNREFERENCED_PARAMETER(Dev);
    UNREFERENCED_PARAMETER(File);
    if (in > MH_MAX_ECHO_BYTES) {
        return STATUS_INVALID_BUFFER_SIZE;
    }
    if (MH_OUT_LENGTH(Irp) < in) {
        return STATUS_BUFFER_TOO_SMALL;
    }
    *Information = in;
    return STATUS_SUCCESS;
}

static NTSTATUS MhIoctlConfigureResponder(PMH_DEVICE Dev, PMH_FILE File, PIRP Irp, PULONG_PTR Information)
{
    UNREFERENCED_PARAMETER(File);
    UNREFERENCED_PARAMETER(Information);
    if (MH_IN_LENGTH(Irp) != sizeof(MH_RESPONDER_CONFIG)) {
        return STATUS_INVALID_PARAMETER;
    }
    return MhHostConfigureResponder(Dev, (const MH_RESPONDER_CONFIG *)MH_BUFFER(Irp));
}

static NTSTATUS MhIoctlConfigureMiniport(PMH_DEVICE Dev, PMH_FILE File, PIRP Irp, PULONG_PTR Information)
{
    UNREFERENCED_PARAMETER(File);
    UNREFERENCED_PARAMETER(Information);
    if (MH_IN_LENGTH(Irp) != sizeof(MH_MINIPORT_CONFIG)) {
        return STATUS_INVALID_PARAMETER;
    }
    return MhHostConfigureMiniport(Dev, (const MH_MINIPORT_CONFIG *)MH_BUFFER(Irp));
}

static NTSTATUS MhIoctlGetStats(PMH_DEVICE Dev, PMH_FILE File, PIRP Irp, PULONG_PTR Information)
{
    ULONG64 *out = (ULONG64 *)MH_BUFFER(Irp);
    volatile LONG64 *src = (volatile LONG64 *)&Dev->Stats;
    ULONG i;

    UNREFERENCED_PARAMETER(File);
    if (MH_OUT_LENGTH(Irp) < sizeof(MH_STATS)) {
        return STATUS_BUFFER_TOO_SMALL;
    }
    for (i = 0; i < MH_STATS_FIELD_COUNT; i++) {
        out[i] = (ULONG64)InterlockedCompareExchange64(&src[i], 0, 0);
    }
    *Information = sizeof(MH_STATS);
    return STATUS_SUCCESS;
}

static NTSTATUS MhIoctlSetFault(PMH_DEVICE Dev, PMH_FILE File, PIRP Irp, PULONG_PTR Information)
{
    UNREFERENCED_PARAMETER(File);
    UNREFERENCED_PARAMETER(Information);
    if (MH_IN_LENGTH(Irp) != sizeof(MH_FAULT)) {
        return STATUS_INVALID_PARAMETER;
    }
    return MhFaultArm(&Dev->Faults, (const MH_FAULT *)MH_BUFFER(Irp));
}

static NTSTATUS MhIoctlResetFaults(PMH_DEVICE Dev, PMH_FILE File, PIRP Irp, PULONG_PTR Information)
{
    UNREFERENCED_PARAMETER(File);
    UNREFERENCED_PARAMETER(Irp);
    UNREFERENCED_PARAMETER(Information);
    MhHostResetFaults(Dev);
    return STATUS_SUCCESS;
}

static NTSTATUS MhIoctlReadTrace(PMH_DEVICE Dev, PMH_FILE File, PIRP Irp, PULONG_PTR Information)
{
    ULONG out = MH_OUT_LENGTH(Irp);
    MH_TRACE_READ_OUT header;
    ULONG64 start;

    UNREFERENCED_PARAMETER(File);
    if (MH_IN_LENGTH(Irp) != sizeof(MH_TRACE_READ_IN)) {
        return STATUS_INVALID_PARAMETER;
    }
    if (out < sizeof(MH_TRACE_READ_OUT)) {
        return STATUS_BUFFER_TOO_SMALL;
    }
    start = ((const MH_TRACE_READ_IN *)MH_BUFFER(Irp))->StartSequence;
    MhTraceRead(&Dev->Trace, start, &header, (MH_TRACE_EVENT *)(MH_BUFFER(Irp) + sizeof(header)),
                (out - (ULONG)sizeof(header)) / (ULONG)sizeof(MH_TRACE_EVENT));
    RtlCopyMemory(MH_BUFFER(Irp), &header, sizeof(header));
    *Information = sizeof(header) + (ULONG_PTR)header.Count * sizeof(MH_TRACE_EVENT);
    return STATUS_SUCCESS;
}

/* ------------------------------------------------------------------ the agent */

static NTSTATUS MhIoctlAgentAttach(PMH_DEVICE Dev, PMH_FILE File, PIRP Irp, PULONG_PTR Information)
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
    return MhAgentAttach(Dev, File, flags);
}

static NTSTATUS MhIoctlAgentDetach(PMH_DEVICE Dev, PMH_FILE File, PIRP Irp, PULONG_PTR Information)
{
    UNREFERENCED_PARAMETER(Irp);
    UNREFERENCED_PARAMETER(Information);
    return MhAgentDetach(Dev, File);
}

static NTSTATUS MhIoctlAgentReceive(PMH_DEVICE Dev, PMH_FILE File, PIRP Irp, PULONG_PTR Information)
{
    return MhAgentReceive(Dev, File, Irp, Information);
}

static NTSTATUS MhIoctlAgentReply(PMH_DEVICE Dev, PMH_FILE File, PIRP Irp, PULONG_PTR Information)
{
    return MhAgentReply(Dev, File, MH_BUFFER(Irp), MH_IN_LENGTH(Irp), MH_OUT_LENGTH(Irp), Information);
}

static NTSTATUS MhIoctlSession(PMH_DEVICE Dev, PMH_FILE File, PIRP Irp, PULONG_PTR Information)
{
    const MH_SESSION_IN *in = (const MH_SESSION_IN *)MH_BUFFER(Irp);

    UNREFERENCED_PARAMETER(Information);
    if (MH_IN_LENGTH(Irp) != sizeof(MH_SESSION_IN) || in->Reserved != 0) {
        return STATUS_INVALID_PARAMETER;
    }
    return MhAgentSession(Dev, File, in->ContextId, in->Action);
}

/* ------------------------------------------------------------------ SEND_MESSAGE */

/*++
Routine Description:
    The miniport's callback ran for a message sent for a SEND_MESSAGE IRP: completes that IRP with
    the callback's IO_STATUS_BLOCK and output as data. If the IRP was cancelled or its handle closed
    meanwhile, there is nothing to complete: the miniport has already had its callback.
--*/
static VOID MhControlSendCompleted(PVOID CompletionContext, const IO_STATUS_BLOCK *IoStatus,
                                   const VOID *Output, ULONG OutputSize)
{
    PMH_DEVICE dev = g_MhDevice;
    ULONG64 requestId = (ULONG64)(ULONG_PTR)CompletionContext;
    MH_SEND_MESSAGE_OUT *out;
    ULONG room, copy;
    PIRP irp;

    irp = MhIrpQueueRemoveByKey(&dev->SendQueue, requestId);
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
    irp->IoStatus.Status = STATUS_SUCCESS;
    irp->IoStatus.Information = sizeof(MH_SEND_MESSAGE_OUT) + copy;
    IoCompleteRequest(irp, IO_NO_INCREMENT);
}

/*++
Routine Description:
    Asks the miniport to send a message; the IRP pends until the miniport's callback. The IRP is
    queued before the miniport is called, because the callback may run before the send returns.
Return Value:
    STATUS_PENDING (the IRP is queued or already completed), or an error completed here: bad
    lengths, unknown context, or DxgkCbMiracastSendMessage's own failure (no callback came).
--*/
static NTSTATUS MhIoctlSendMessage(PMH_DEVICE Dev, PMH_FILE File, PIRP Irp, PULONG_PTR Information)
{
    const MH_SEND_MESSAGE_IN *in = (const MH_SEND_MESSAGE_IN *)MH_BUFFER(Irp);
    ULONG inLength = MH_IN_LENGTH(Irp);
    MH_SEND_MESSAGE_IN request;
    PVOID input = NULL;
    ULONG64 requestId;
    NTSTATUS status;
    KIRQL irql;

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
        input = MhAlloc(Dev, MhPoolDdiBuffer, request.InputSize);
        if (input == NULL) {
            return STATUS_INSUFFICIENT_RESOURCES;
        }
        RtlCopyMemory(input, in + 1, request.InputSize);
    }

    KeAcquireSpinLock(&Dev->Lock, &irql);
    requestId = ++Dev->NextRequestId;
    KeReleaseSpinLock(&Dev->Lock, irql);

    status = MhIrpQueueInsert(&Dev->SendQueue, Irp, requestId);
    if (status == STATUS_PENDING) {
        status = MhHostSendMessage(Dev, File, request.ContextId, input, request.InputSize, request.OutputSize,
                                   MhControlSendCompleted, (PVOID)(ULONG_PTR)requestId);
        if (status != STATUS_PENDING) {
            /* Not sent: no callback will come. Complete it here unless a cancel got there first. */
            PIRP irp = MhIrpQueueRemoveByKey(&Dev->SendQueue, requestId);
            if (irp != NULL) {
                irp->IoStatus.Status = status;
                irp->IoStatus.Information = 0;
                IoCompleteRequest(irp, IO_NO_INCREMENT);
            }
            status = STATUS_PENDING;    /* the IRP was marked pending: it is no longer ours */
        }
    }
    MhFree(Dev, MhPoolDdiBuffer, input);
    return status;
}

/* ------------------------------------------------------------------ DDI requests */

/* Validates a DDI request at dispatch time and hands it to a DDI worker. */
static NTSTATUS MhQueueDdi(PMH_DEVICE Dev, PMH_FILE File, PIRP Irp)
{
    NTSTATUS status;

    MhFileReference(File);
    status = MhIrpQueueInsert(&Dev->DdiQueue, Irp, 0);
    if (status != STATUS_PENDING) {
        MhFileDereference(Dev, File);
        return status;
    }
    KeReleaseSemaphore(&Dev->DdiSemaphore, IO_NO_INCREMENT, 1, FALSE);
    return STATUS_PENDING;
}

static NTSTATUS MhIoctlQueryCaps(PMH_DEVICE Dev, PMH_FILE File, PIRP Irp, PULONG_PTR Information)
{
    UNREFERENCED_PARAMETER(Information);
    if (MH_IN_LENGTH(Irp) != 0 && MH_IN_LENGTH(Irp) != sizeof(MH_QUERY_CAPS_IN)) {
        return STATUS_INVALID_PARAMETER;
    }
    if (MH_IN_LENGTH(Irp) != 0 && ((const MH_QUERY_CAPS_IN *)MH_BUFFER(Irp))->CapsSize > 4096) {
        return STATUS_INVALID_BUFFER_SIZE;
    }
    if (MH_OUT_LENGTH(Irp) < sizeof(MH_QUERY_CAPS_OUT)) {
        return STATUS_BUFFER_TOO_SMALL;
    }
    return MhQueueDdi(Dev, File, Irp);
}

static NTSTATUS MhIoctlCreateContext(PMH_DEVICE Dev, PMH_FILE File, PIRP Irp, PULONG_PTR Information)
{
    UNREFERENCED_PARAMETER(Information);
    if (MH_IN_LENGTH(Irp) != 0) {
        return STATUS_INVALID_PARAMETER;
    }
    if (MH_OUT_LENGTH(Irp) < sizeof(MH_CONTEXT_INFO)) {
        return STATUS_BUFFER_TOO_SMALL;
    }
    return MhQueueDdi(Dev, File, Irp);
}

static NTSTATUS MhIoctlDestroyContext(PMH_DEVICE Dev, PMH_FILE File, PIRP Irp, PULONG_PTR Information)
{
    UNREFERENCED_PARAMETER(Information);
    if (MH_IN_LENGTH(Irp) != sizeof(MH_CONTEXT_REF)) {
        return STATUS_INVALID_PARAMETER;
    }
    return MhQueueDdi(Dev, File, Irp);
}

static NTSTATUS MhIoctlIoControl(PMH_DEVICE Dev, PMH_FILE File, PIRP Irp, PULONG_PTR Information)
{
    const MH_IO_CONTROL_IN *in = (const MH_IO_CONTROL_IN *)MH_BUFFER(Irp);
    ULONG inLength = MH_IN_LENGTH(Irp);

    UNREFERENCED_PARAMETER(Information);
    if (inLength < sizeof(MH_IO_CONTROL_IN)) {
        return STATUS_INVALID_PARAMETER;
    }
    if ((in->Flags & ~MH_IO_CONTROL_HARDWARE_ACCESS) != 0 || in->Reserved != 0) {
        return STATUS_INVALID_PARAMETER;
    }
    if (in->InputSize > MH_MAX_IO_CONTROL_BYTES || in->OutputSize > MH_MAX_IO_CONTROL_BYTES) {
        return STATUS_INVALID_BUFFER_SIZE;
    }
    if (inLength != sizeof(MH_IO_CONTROL_IN) + in->InputSize) {
        return STATUS_INVALID_PARAMETER;
    }
    if (MH_OUT_LENGTH(Irp) < sizeof(MH_IO_CONTROL_OUT) + in->OutputSize) {
        return STATUS_BUFFER_TOO_SMALL;
    }
    return MhQueueDdi(Dev, File, Irp);
}

/*++
Routine Description:
    Runs one DDI IRP on a DDI worker thread (its parameters were validated at dispatch) and
    completes it. The IRP held a reference on its handle's state, released here.
--*/
VOID MhControlRunDdiIrp(PMH_DEVICE Dev, PIRP Irp)
{
    PIO_STACK_LOCATION sp = IoGetCurrentIrpStackLocation(Irp);
    PMH_FILE file = MhFileFromIrp(Irp);
    PUCHAR buffer = MH_BUFFER(Irp);
    ULONG_PTR information = 0;
    NTSTATUS status;

    switch (sp->Parameters.DeviceIoControl.IoControlCode) {
    case IOCTL_MH_QUERY_CAPS: {
        DXGK_MIRACAST_CAPS caps;
        ULONG capsSize = (MH_IN_LENGTH(Irp) != 0) ? ((const MH_QUERY_CAPS_IN *)buffer)->CapsSize
                                                   : (ULONG)sizeof(DXGK_MIRACAST_CAPS);
        status = MhHostQueryCaps(Dev, capsSize, &caps);
        if (NT_SUCCESS(status)) {
            MH_QUERY_CAPS_OUT *out = (MH_QUERY_CAPS_OUT *)buffer;
            out->MaxChunkPrivateDriverDataSize = caps.MaxChunkPrivateDriverDataSize;
            out->Flags = caps.Flags.Value;
            information = sizeof(*out);
        }
        break;
    }
    case IOCTL_MH_CREATE_CONTEXT: {
        MH_CONTEXT_INFO info;
        status = MhHostCreateContext(Dev, file, &info);
        if (NT_SUCCESS(status)) {
            RtlCopyMemory(buffer, &info, sizeof(info));
            information = sizeof(info);
        }
        break;
    }
    case IOCTL_MH_DESTROY_CONTEXT:
        status = MhHostDestroyContext(Dev, file, ((const MH_CONTEXT_REF *)buffer)->ContextId);
        break;
    case IOCTL_MH_IO_CONTROL: {
        MH_IO_CONTROL_IN in = *(const MH_IO_CONTROL_IN *)buffer;
        ULONG bytes = 0;
        status = MhHostIoControl(Dev, file, in.ContextId, in.Flags, buffer + sizeof(MH_IO_CONTROL_IN),
                                 in.InputSize, buffer + sizeof(MH_IO_CONTROL_OUT), in.OutputSize, &bytes);
        if (NT_SUCCESS(status)) {
            MH_IO_CONTROL_OUT *out = (MH_IO_CONTROL_OUT *)buffer;
            out->BytesReturned = bytes;
            out->Reserved = 0;
            information = sizeof(MH_IO_CONTROL_OUT) + bytes;
        }
        break;
    }
    default:
        status = STATUS_INVALID_DEVICE_REQUEST;
        break;
    }

    MhFileDereference(Dev, file);
    Irp->IoStatus.Status = status;
    Irp->IoStatus.Information = NT_SUCCESS(status) ? information : 0;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
}

/* ------------------------------------------------------------------ dispatch */

typedef struct _MH_IOCTL_ENTRY {
    ULONG Code;
    MH_IOCTL_HANDLER *Handler;
} MH_IOCTL_ENTRY;

static const MH_IOCTL_ENTRY MhIoctls[] = {
    { IOCTL_MH_GET_INFO,            MhIoctlGetInfo },
    { IOCTL_MH_ECHO,                MhIoctlEcho },
    { IOCTL_MH_QUERY_CAPS,          MhIoctlQueryCaps },
    { IOCTL_MH_CREATE_CONTEXT,      MhIoctlCreateContext },
    { IOCTL_MH_DESTROY_CONTEXT,     MhIoctlDestroyContext },
    { IOCTL_MH_IO_CONTROL,          MhIoctlIoControl },
    { IOCTL_MH_SEND_MESSAGE,        MhIoctlSendMessage },
    { IOCTL_MH_AGENT_ATTACH,        MhIoctlAgentAttach },
    { IOCTL_MH_AGENT_DETACH,        MhIoctlAgentDetach },
    { IOCTL_MH_AGENT_RECEIVE,       MhIoctlAgentReceive },
    { IOCTL_MH_AGENT_REPLY,         MhIoctlAgentReply },
    { IOCTL_MH_SESSION,             MhIoctlSession },
    { IOCTL_MH_CONFIGURE_RESPONDER, MhIoctlConfigureResponder },
    { IOCTL_MH_GET_STATS,           MhIoctlGetStats },
    { IOCTL_MH_SET_FAULT,           MhIoctlSetFault },
    { IOCTL_MH_RESET_FAULTS,        MhIoctlResetFaults },
    { IOCTL_MH_READ_TRACE,          MhIoctlReadTrace },
    { IOCTL_MH_CONFIGURE_MINIPORT,  MhIoctlConfigureMiniport },
};

/*++
Routine Description:
    IRP_MJ_DEVICE_CONTROL dispatch routine. Looks the IOCTL up, checks the caller's handle, runs
    the handler and completes the IRP here unless the handler handed it on (STATUS_PENDING).
Arguments:
    DeviceObject - the control device.
    Irp - the request.
Return Value:
    The status the IRP was completed with, or STATUS_PENDING.
--*/
_Use_decl_annotations_
NTSTATUS MhDispatchDeviceControl(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PMH_DEVICE dev = (PMH_DEVICE)DeviceObject->DeviceExtension;
    ULONG code = IoGetCurrentIrpStackLocation(Irp)->Parameters.DeviceIoControl.IoControlCode;
    MH_IOCTL_HANDLER *handler = NULL;
    ULONG_PTR information = 0;
    PMH_FILE file;
    NTSTATUS status;
    ULONG i;

    InterlockedIncrement(&dev->ActiveDispatches);
    if (dev->Unloading) {
        status = STATUS_DELETE_PENDING;
        goto End;
    }
    file = MhFileFromIrp(Irp);
    if (file == NULL) {
        status = STATUS_INVALID_DEVICE_STATE;
        goto End;
    }
    if (file->Closed) {
        status = STATUS_FILE_CLOSED;
        goto End;
    }
    for (i = 0; i < RTL_NUMBER_OF(MhIoctls); i++) {
        if (MhIoctls[i].Code == code) {
            handler = MhIoctls[i].Handler;
            break;
        }
    }
    if (handler == NULL) {
        status = STATUS_INVALID_DEVICE_REQUEST;
        goto End;
    }
    /* Every IOCTL but ECHO with no data carries data; METHOD_BUFFERED gives NULL only for empty buffers. */
    if (Irp->AssociatedIrp.SystemBuffer == NULL &&
        (IoGetCurrentIrpStackLocation(Irp)->Parameters.DeviceIoControl.InputBufferLength != 0 ||
         IoGetCurrentIrpStackLocation(Irp)->Parameters.DeviceIoControl.OutputBufferLength != 0)) {
        status = STATUS_INVALID_PARAMETER;
        goto End;
    }
    status = handler(dev, file, Irp, &information);

End:
    if (status != STATUS_PENDING) {
        Irp->IoStatus.Status = status;
        Irp->IoStatus.Information = NT_SUCCESS(status) ? information : 0;
        IoCompleteRequest(Irp, IO_NO_INCREMENT);
    }
    InterlockedDecrement(&dev->ActiveDispatches);
    return status;
}

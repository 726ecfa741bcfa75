/*++

Module Name:

    mh_dispatch.c

Abstract:

    IRP_MJ_DEVICE_CONTROL: one handler per IOCTL of miracast_hil_ioctl.h, found in a table, and the
    handlers that complete at once with the device's own data (info, echo, stats, faults, trace,
    configuration, adapter, pool, the miniport's state). Every handler checks every length before
    it touches a buffer, writes only the bytes it reports in Information, and either returns the
    IRP's status to the one completion point of MhDispatchDeviceControl or hands the IRP on
    (STATUS_PENDING) to exactly one owner:
      - DdiQueue: QUERY_CAPS, CREATE_CONTEXT, DESTROY_CONTEXT, IO_CONTROL run on host DDI workers,
        because they take the Miracast-class lock and may wait (mh_ioctl_ddi.c);
      - SendQueue: SEND_MESSAGE waits for the miniport's callback (mh_ioctl_agent.c);
      - ReceiveQueue: AGENT_RECEIVE waits for a message (mh_ioctl_agent.c);
      - ChunkQueue: READ_CHUNKS waits for a chunk (mh_ioctl_chunks.c);
      - ReapQueue: BATCH_REAP and BATCH_SUBMIT_REAP wait for a completion record (mh_batch.c;
        BATCH_SUBMIT never pends: its IoControls wait on the device's BatchWork list for the
        same host DDI workers).
    Nothing here waits: under Wine every IRP of the device is dispatched on one thread.

Environment:

    Kernel mode, PASSIVE_LEVEL (dispatch).

--*/

#include "mh_control.h"

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
    return MhHostConfigureResponder(Dev->Host, (const MH_RESPONDER_CONFIG *)MH_BUFFER(Irp));
}

static NTSTATUS MhIoctlConfigureMiniport(PMH_DEVICE Dev, PMH_FILE File, PIRP Irp, PULONG_PTR Information)
{
    UNREFERENCED_PARAMETER(File);
    UNREFERENCED_PARAMETER(Information);
    if (MH_IN_LENGTH(Irp) != sizeof(MH_MINIPORT_CONFIG)) {
        return STATUS_INVALID_PARAMETER;
    }
    return MhHostConfigureMiniport(Dev->Host, (const MH_MINIPORT_CONFIG *)MH_BUFFER(Irp));
}

static NTSTATUS MhIoctlGetStats(PMH_DEVICE Dev, PMH_FILE File, PIRP Irp, PULONG_PTR Information)
{
    ULONG64 *out = (ULONG64 *)MH_BUFFER(Irp);
    volatile LONG64 *src = (volatile LONG64 *)Dev->Stats;
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
    return MhHostSetFault(Dev->Host, (const MH_FAULT *)MH_BUFFER(Irp));
}

static NTSTATUS MhIoctlResetFaults(PMH_DEVICE Dev, PMH_FILE File, PIRP Irp, PULONG_PTR Information)
{
    UNREFERENCED_PARAMETER(File);
    UNREFERENCED_PARAMETER(Irp);
    UNREFERENCED_PARAMETER(Information);
    MhHostResetFaults(Dev->Host);
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
    MhHostReadTrace(Dev->Host, start, &header, (MH_TRACE_EVENT *)(MH_BUFFER(Irp) + sizeof(header)),
                    (out - (ULONG)sizeof(header)) / (ULONG)sizeof(MH_TRACE_EVENT));
    RtlCopyMemory(MH_BUFFER(Irp), &header, sizeof(header));
    *Information = sizeof(header) + (ULONG_PTR)header.Count * sizeof(MH_TRACE_EVENT);
    return STATUS_SUCCESS;
}

static NTSTATUS MhIoctlGetAdapter(PMH_DEVICE Dev, PMH_FILE File, PIRP Irp, PULONG_PTR Information)
{
    UNREFERENCED_PARAMETER(File);
    if (MH_IN_LENGTH(Irp) != 0) {
        return STATUS_INVALID_PARAMETER;
    }
    if (MH_OUT_LENGTH(Irp) < sizeof(MH_ADAPTER_INFO)) {
        return STATUS_BUFFER_TOO_SMALL;
    }
    MhHostReadAdapter(Dev->Host, (MH_ADAPTER_INFO *)MH_BUFFER(Irp));
    *Information = sizeof(MH_ADAPTER_INFO);
    return STATUS_SUCCESS;
}

static NTSTATUS MhIoctlReadPool(PMH_DEVICE Dev, PMH_FILE File, PIRP Irp, PULONG_PTR Information)
{
    MH_POOL_READ_IN request;
    MH_POOL_READ_OUT header;
    ULONG used;

    UNREFERENCED_PARAMETER(File);
    if (MH_IN_LENGTH(Irp) != sizeof(MH_POOL_READ_IN)) {
        return STATUS_INVALID_PARAMETER;
    }
    request = *(const MH_POOL_READ_IN *)MH_BUFFER(Irp);
    if ((request.Flags & ~MH_POOL_READ_FLUSH) != 0 || request.Reserved != 0) {
        return STATUS_INVALID_PARAMETER;
    }
    if (MH_OUT_LENGTH(Irp) < sizeof(MH_POOL_READ_OUT)) {
        return STATUS_BUFFER_TOO_SMALL;
    }
    used = MhHostReadPool(Dev->Host, &request, &header, MH_BUFFER(Irp) + sizeof(header),
                          MH_OUT_LENGTH(Irp) - (ULONG)sizeof(header));
    RtlCopyMemory(MH_BUFFER(Irp), &header, sizeof(header));
    *Information = sizeof(header) + used;
    return STATUS_SUCCESS;
}

static NTSTATUS MhIoctlMiniportState(PMH_DEVICE Dev, PMH_FILE File, PIRP Irp, PULONG_PTR Information)
{
    ULONG written = 0;
    NTSTATUS status;

    UNREFERENCED_PARAMETER(File);
    if (MH_IN_LENGTH(Irp) != 0) {
        return STATUS_INVALID_PARAMETER;
    }
    status = MhHostReadMiniportState(Dev->Host, MH_BUFFER(Irp), MH_OUT_LENGTH(Irp), &written);
    if (NT_SUCCESS(status)) {
        *Information = min(written, MH_OUT_LENGTH(Irp));
    }
    return status;
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
    { IOCTL_MH_READ_CHUNKS,         MhIoctlReadChunks },
    { IOCTL_MH_REPORT_CHUNKS,       MhIoctlReportChunks },
    { IOCTL_MH_GET_ADAPTER,         MhIoctlGetAdapter },
    { IOCTL_MH_READ_POOL,           MhIoctlReadPool },
    { IOCTL_MH_MINIPORT_STATE,      MhIoctlMiniportState },
    { IOCTL_MH_BATCH_SUBMIT,        MhIoctlBatchSubmit },
    { IOCTL_MH_BATCH_REAP,          MhIoctlBatchReap },
    { IOCTL_MH_BATCH_SUBMIT_REAP,   MhIoctlBatchSubmitReap },
};

/* Every IOCTL of the contract has its handler: a new one in MH_IOCTL_LIST must be added above. */
#define MH_IOCTL_COUNT_ONE(name) +1
C_ASSERT(RTL_NUMBER_OF(MhIoctls) == (0 MH_IOCTL_LIST(MH_IOCTL_COUNT_ONE)));

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
    MH_STAT_INC(dev->Stats, IoctlsDispatched);
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
    if (Irp->AssociatedIrp.SystemBuffer == NULL && (MH_IN_LENGTH(Irp) != 0 || MH_OUT_LENGTH(Irp) != 0)) {
        status = STATUS_INVALID_PARAMETER;
        goto End;
    }
    status = handler(dev, file, Irp, &information);

End:
    if (status != STATUS_PENDING) {
        MhCompleteIrp(dev, Irp, status, NT_SUCCESS(status) ? information : 0);
    }
    InterlockedDecrement(&dev->ActiveDispatches);
    return status;
}

/*++

Module Name:

    mh_ioctl_ddi.c

Abstract:

    The IOCTLs that call a Miracast DDI (QUERY_CAPS, CREATE_CONTEXT, DESTROY_CONTEXT, IO_CONTROL).
    Their parameters are validated on the dispatch path; the IRP is then queued on DdiQueue and
    run on a host DDI worker (MhControlRunDdiWork), because the DDI waits for the Miracast-class
    lock and nothing on the dispatch path may wait. A queued DDI IRP holds a reference on its
    handle's state.

Environment:

    Kernel mode: PASSIVE_LEVEL (dispatch, and host DDI workers).

--*/

#include "mh_control.h"

/* Hands a validated DDI request to a host DDI worker. */
static NTSTATUS MhQueueDdi(PMH_DEVICE Dev, PMH_FILE File, PIRP Irp)
{
    NTSTATUS status;

    MhFileReference(File);
    status = MhIrpQueueInsert(&Dev->DdiQueue, Irp, 0);
    if (status != STATUS_PENDING) {
        MhFileDereference(Dev, File);
        return status;
    }
    MhHostSubmitDdiWork(Dev->Host);
    return STATUS_PENDING;
}

_Use_decl_annotations_
NTSTATUS MhIoctlQueryCaps(PMH_DEVICE Dev, PMH_FILE File, PIRP Irp, PULONG_PTR Information)
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

_Use_decl_annotations_
NTSTATUS MhIoctlCreateContext(PMH_DEVICE Dev, PMH_FILE File, PIRP Irp, PULONG_PTR Information)
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

_Use_decl_annotations_
NTSTATUS MhIoctlDestroyContext(PMH_DEVICE Dev, PMH_FILE File, PIRP Irp, PULONG_PTR Information)
{
    UNREFERENCED_PARAMETER(Information);
    if (MH_IN_LENGTH(Irp) != sizeof(MH_CONTEXT_REF)) {
        return STATUS_INVALID_PARAMETER;
    }
    return MhQueueDdi(Dev, File, Irp);
}

_Use_decl_annotations_
NTSTATUS MhIoctlIoControl(PMH_DEVICE Dev, PMH_FILE File, PIRP Irp, PULONG_PTR Information)
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
    On a host DDI worker: takes one DDI IRP off DdiQueue (none when it was cancelled meanwhile),
    runs it (its parameters were validated at dispatch) and completes it at this routine's one
    completion point. The IRP held a reference on its handle's state, released here. With no IRP
    queued, the call runs batched IoControls instead (mh_batch.c): each queued IRP made one work
    call, and the batched IoControls always have one to come, so whichever a call takes, every
    item gets one.
--*/
VOID MhControlRunDdiWork(PVOID Context)
{
    PMH_DEVICE dev = (PMH_DEVICE)Context;
    PIRP irp = MhIrpQueueRemoveHead(&dev->DdiQueue);
    PMH_FILE file;
    PUCHAR buffer;
    ULONG_PTR information = 0;
    NTSTATUS status;

    if (irp == NULL) {
        (VOID)MhBatchRunIoControl(dev);
        return;
    }
    file = MhFileFromIrp(irp);
    buffer = MH_BUFFER(irp);
    switch (IoGetCurrentIrpStackLocation(irp)->Parameters.DeviceIoControl.IoControlCode) {
    case IOCTL_MH_QUERY_CAPS: {
        MH_QUERY_CAPS_OUT caps;
        ULONG capsSize = (MH_IN_LENGTH(irp) != 0) ? ((const MH_QUERY_CAPS_IN *)buffer)->CapsSize
                                                   : (ULONG)sizeof(MH_QUERY_CAPS_OUT);
        status = MhHostQueryCaps(dev->Host, capsSize, &caps);
        if (NT_SUCCESS(status)) {
            RtlCopyMemory(buffer, &caps, sizeof(caps));
            information = sizeof(caps);
        }
        break;
    }
    case IOCTL_MH_CREATE_CONTEXT: {
        MH_CONTEXT_INFO info;
        status = MhHostCreateContext(dev->Host, file, &info);
        if (NT_SUCCESS(status)) {
            RtlCopyMemory(buffer, &info, sizeof(info));
            information = sizeof(info);
        }
        break;
    }
    case IOCTL_MH_DESTROY_CONTEXT:
        status = MhHostDestroyContext(dev->Host, file, ((const MH_CONTEXT_REF *)buffer)->ContextId);
        break;
    case IOCTL_MH_IO_CONTROL: {
        MH_IO_CONTROL_IN in = *(const MH_IO_CONTROL_IN *)buffer;
        ULONG bytes = 0;
        status = MhHostIoControl(dev->Host, file, in.ContextId, in.Flags, buffer + sizeof(MH_IO_CONTROL_IN),
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

    MhFileDereference(dev, file);
    MhCompleteIrp(dev, irp, status, NT_SUCCESS(status) ? information : 0);
}

/*++

Module Name:

    mh_security.c

Abstract:

    The control device is for SYSTEM and Administrators only: any handle can reconfigure the device
    for everyone (responder, faults, the miniport's sessions) and read every handle's trace.

    IoCreateDeviceSecure would apply the SDDL SDDL_DEVOBJ_SYS_ALL_ADM_ALL,
    "D:P(A;;GA;;;SY)(A;;GA;;;BA)", but it lives in wdmsec.lib, which MinGW cannot link. So both
    lanes build that descriptor themselves - a protected DACL granting FILE_ALL_ACCESS to
    LocalSystem (S-1-5-18) and to BUILTIN\Administrators (S-1-5-32-544), nobody else - and apply it
    to the device object with ObOpenObjectByPointer + ZwSetSecurityObject, routines Wine exports.

    Lanes: on Windows the I/O manager then refuses an open by anyone else (STATUS_ACCESS_DENIED).
    Wine accepts the call and enforces no device ACL; it does enforce the per-IOCTL access bits
    (FILE_READ_ACCESS / FILE_WRITE_ACCESS in each code), which hold in both lanes.

Environment:

    Kernel mode, PASSIVE_LEVEL.

--*/

#if !defined(_MSC_VER)
#include <ntifs.h>      /* MinGW: the security routines and types live there (mh_kernel.h takes ntddk.h) */
#endif
#include "mh_control.h"

/* A SID with up to two sub-authorities, laid out as the system's SID. */
typedef struct _MH_SID2 {
    UCHAR Revision;
    UCHAR SubAuthorityCount;
    SID_IDENTIFIER_AUTHORITY IdentifierAuthority;
    ULONG SubAuthority[2];
} MH_SID2;

static const MH_SID2 MhLocalSystemSid = { SID_REVISION, 1, { { 0, 0, 0, 0, 0, 5 } }, { 18, 0 } };
static const MH_SID2 MhAdministratorsSid = { SID_REVISION, 2, { { 0, 0, 0, 0, 0, 5 } }, { 32, 544 } };

/*++
Routine Description:
    Applies the protected DACL described above to the control device.
Return Value:
    STATUS_SUCCESS, or the failure of the step that failed (the driver then does not load: a
    device open to everyone must not come up by accident).
--*/
_Use_decl_annotations_
NTSTATUS MhSecureDevice(PDEVICE_OBJECT DeviceObject)
{
    /* ACL header + two ACCESS_ALLOWED_ACEs whose SidStart holds a SID of up to two sub-authorities. */
    ULONG aclBuffer[(sizeof(ACL) + 2 * (sizeof(ACCESS_ALLOWED_ACE) + sizeof(MH_SID2))) / sizeof(ULONG) + 1];
    PACL acl = (PACL)aclBuffer;
    SECURITY_DESCRIPTOR descriptor;
    HANDLE handle = NULL;
    NTSTATUS status;

    status = RtlCreateSecurityDescriptor(&descriptor, SECURITY_DESCRIPTOR_REVISION);
    if (NT_SUCCESS(status)) {
        status = RtlCreateAcl(acl, sizeof(aclBuffer), ACL_REVISION);
    }
    if (NT_SUCCESS(status)) {
        status = RtlAddAccessAllowedAce(acl, ACL_REVISION, FILE_ALL_ACCESS, (PSID)&MhLocalSystemSid);
    }
    if (NT_SUCCESS(status)) {
        status = RtlAddAccessAllowedAce(acl, ACL_REVISION, FILE_ALL_ACCESS, (PSID)&MhAdministratorsSid);
    }
    if (NT_SUCCESS(status)) {
        status = RtlSetDaclSecurityDescriptor(&descriptor, TRUE, acl, FALSE);
    }
    if (NT_SUCCESS(status)) {
        descriptor.Control |= SE_DACL_PROTECTED;    /* "D:P": nothing inherited from \Device */
        status = ObOpenObjectByPointer(DeviceObject, OBJ_KERNEL_HANDLE, NULL, WRITE_DAC, NULL, KernelMode, &handle);
    }
    if (NT_SUCCESS(status)) {
        status = ZwSetSecurityObject(handle, DACL_SECURITY_INFORMATION, &descriptor);
        ZwClose(handle);
    }
    return status;
}

/*++

Module Name:

    mh_faults.h

Abstract:

    Fault slots: one per MH_FAULT_KIND, armed by IOCTL_MH_SET_FAULT, scoped by a count of
    operations and/or a lifetime, disarmed by expiry or IOCTL_MH_RESET_FAULTS.

Environment:

    Kernel mode, IRQL <= DISPATCH_LEVEL.

--*/

#ifndef MH_FAULTS_H
#define MH_FAULTS_H

#include "mh_kernel.h"
#include "miracast_hil_ioctl.h"

typedef struct _MH_FAULT_SLOT {
    BOOLEAN Armed;
    ULONG Remaining;            /* operations left; 0: no count limit */
    ULONG64 Deadline;           /* interrupt time when it expires; 0: none */
    NTSTATUS Status;
    ULONG Param;
} MH_FAULT_SLOT;

typedef struct _MH_FAULTS {
    KSPIN_LOCK Lock;
    MH_FAULT_SLOT Slots[MH_FAULT_KIND_LIMIT];
} MH_FAULTS;

struct _MH_HOST;

VOID MhFaultsInitialize(MH_FAULTS *Faults);
NTSTATUS MhFaultArm(MH_FAULTS *Faults, const MH_FAULT *Request);
VOID MhFaultsReset(MH_FAULTS *Faults);

/* If the fault is armed: uses one operation of it, copies the slot to Out, returns TRUE. */
BOOLEAN MhFaultTake(struct _MH_HOST *Host, ULONG Kind, MH_FAULT_SLOT *Out);

/* TRUE while the fault is armed, without using it up. */
BOOLEAN MhFaultArmed(MH_FAULTS *Faults, ULONG Kind);

#endif /* MH_FAULTS_H */

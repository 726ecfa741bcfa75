/*++

Module Name:

    mh_faults.c

Abstract:

    Fault slots (see mh_faults.h).

Environment:

    Kernel mode, IRQL <= DISPATCH_LEVEL.

--*/

#include "mh_host_state.h"

VOID MhFaultsInitialize(MH_FAULTS *Faults)
{
    KeInitializeSpinLock(&Faults->Lock);
    RtlZeroMemory(Faults->Slots, sizeof(Faults->Slots));
}

NTSTATUS MhFaultArm(MH_FAULTS *Faults, const MH_FAULT *Request)
{
    MH_FAULT_SLOT slot;
    KIRQL irql;

    if (Request->Kind == MH_FAULT_NONE || Request->Kind >= MH_FAULT_KIND_LIMIT ||
        Request->DurationMs > MH_MAX_FAULT_DURATION_MS || Request->Reserved != 0) {
        return STATUS_INVALID_PARAMETER;
    }
    if ((Request->Kind == MH_FAULT_CALLBACK_CONCURRENT || Request->Kind == MH_FAULT_CALLBACK_REVERSE) &&
        (Request->Param < 2 || Request->Param > 1024)) {
        return STATUS_INVALID_PARAMETER;
    }
    if (Request->Kind == MH_FAULT_CALLBACK_DELAY && Request->Param > MH_MAX_RESPONDER_DELAY_MS) {
        return STATUS_INVALID_PARAMETER;
    }
    if (Request->Kind == MH_FAULT_CREATE_CONTEXT_FAIL && (Request->Param > 1 || NT_SUCCESS(Request->Status))) {
        return STATUS_INVALID_PARAMETER;
    }
    if ((Request->Kind == MH_FAULT_SEND_FAIL || Request->Kind == MH_FAULT_REPLY_REFUSE) && NT_SUCCESS(Request->Status)) {
        return STATUS_INVALID_PARAMETER;
    }

    slot.Armed = TRUE;
    slot.Remaining = Request->Count;
    slot.Deadline = Request->DurationMs ? MhInterruptTime() + (ULONG64)Request->DurationMs * 10000ULL : 0;
    slot.Status = Request->Status;
    slot.Param = Request->Param;

    KeAcquireSpinLock(&Faults->Lock, &irql);
    Faults->Slots[Request->Kind] = slot;
    KeReleaseSpinLock(&Faults->Lock, irql);
    return STATUS_SUCCESS;
}

VOID MhFaultsReset(MH_FAULTS *Faults)
{
    KIRQL irql;

    KeAcquireSpinLock(&Faults->Lock, &irql);
    RtlZeroMemory(Faults->Slots, sizeof(Faults->Slots));
    KeReleaseSpinLock(&Faults->Lock, irql);
}

/* Disarms an expired slot; Faults->Lock is held. */
static BOOLEAN MhFaultLive(MH_FAULT_SLOT *Slot)
{
    if (!Slot->Armed) {
        return FALSE;
    }
    if (Slot->Deadline != 0 && MhInterruptTime() >= Slot->Deadline) {
        RtlZeroMemory(Slot, sizeof(*Slot));
        return FALSE;
    }
    return TRUE;
}

BOOLEAN MhFaultTake(PMH_HOST Host, ULONG Kind, MH_FAULT_SLOT *Out)
{
    MH_FAULTS *faults = &Host->Faults;
    MH_FAULT_SLOT *slot;
    BOOLEAN taken = FALSE;
    KIRQL irql;

    if (Kind == MH_FAULT_NONE || Kind >= MH_FAULT_KIND_LIMIT) {
        return FALSE;
    }
    KeAcquireSpinLock(&faults->Lock, &irql);
    slot = &faults->Slots[Kind];
    if (MhFaultLive(slot)) {
        *Out = *slot;
        taken = TRUE;
        if (slot->Remaining != 0 && --slot->Remaining == 0) {
            RtlZeroMemory(slot, sizeof(*slot));
        }
    }
    KeReleaseSpinLock(&faults->Lock, irql);
    if (taken) {
        MH_STAT_INC(&Host->Stats, FaultsApplied);
    }
    return taken;
}

BOOLEAN MhFaultArmed(MH_FAULTS *Faults, ULONG Kind)
{
    BOOLEAN armed;
    KIRQL irql;

    if (Kind == MH_FAULT_NONE || Kind >= MH_FAULT_KIND_LIMIT) {
        return FALSE;
    }
    KeAcquireSpinLock(&Faults->Lock, &irql);
    armed = MhFaultLive(&Faults->Slots[Kind]);
    KeReleaseSpinLock(&Faults->Lock, irql);
    return armed;
}

/*++

Module Name:

    mh_contexts.c

Abstract:

    The context registry: finding a context by id or by MiracastHandle, the references sends and
    IoControls hold while they are inside the miniport, and the release of everything an owner
    (a handle) held. Contexts are created and destroyed by the DDI paths (mh_ddi_calls.c).

Environment:

    Kernel mode, IRQL <= DISPATCH_LEVEL unless a routine says otherwise.

--*/

#include "mh_host_state.h"

_Use_decl_annotations_
PMH_HOST_CONTEXT MhContextFindLocked(PMH_HOST Host, ULONG64 ContextId)
{
    PLIST_ENTRY entry;

    for (entry = Host->Contexts.Flink; entry != &Host->Contexts; entry = entry->Flink) {
        PMH_HOST_CONTEXT ctx = CONTAINING_RECORD(entry, MH_HOST_CONTEXT, Link);
        if (ctx->Id == ContextId) {
            return ctx;
        }
    }
    return NULL;
}

/* A MiracastHandle is the host context's address; it is trusted only once found in the list. */
_Use_decl_annotations_
PMH_HOST_CONTEXT MhContextFromHandleLocked(PMH_HOST Host, HANDLE MiracastHandle)
{
    PLIST_ENTRY entry;

    for (entry = Host->Contexts.Flink; entry != &Host->Contexts; entry = entry->Flink) {
        PMH_HOST_CONTEXT ctx = CONTAINING_RECORD(entry, MH_HOST_CONTEXT, Link);
        if ((HANDLE)ctx == MiracastHandle) {
            return (ctx->Signature == MH_CONTEXT_SIGNATURE) ? ctx : NULL;
        }
    }
    return NULL;
}

_Use_decl_annotations_
VOID MhContextCheckDrainedLocked(PMH_HOST_CONTEXT Ctx)
{
    if (Ctx->Closing && Ctx->References == 0 && Ctx->MessageCount == 0) {
        KeSetEvent(&Ctx->Drained, IO_NO_INCREMENT, FALSE);
    }
}

/* A context the caller may use: known, live, and the caller's (Caller NULL: the host itself). */
_Use_decl_annotations_
NTSTATUS MhContextUsableLocked(PMH_HOST Host, MH_OWNER Caller, ULONG64 ContextId, PMH_HOST_CONTEXT *Out)
{
    PMH_HOST_CONTEXT ctx = MhContextFindLocked(Host, ContextId);

    if (ctx == NULL || ctx->Creating || ctx->Closing) {
        return MH_STATUS_UNKNOWN_CONTEXT;
    }
    if (Caller != NULL && ctx->Owner != Caller) {
        return MH_STATUS_NOT_OWNER;
    }
    *Out = ctx;
    return STATUS_SUCCESS;
}

/* Looks up a context the caller may use and takes a reference on it. */
NTSTATUS MhContextReference(PMH_HOST Host, MH_OWNER Caller, ULONG64 ContextId, PMH_HOST_CONTEXT *Out)
{
    NTSTATUS status;
    KIRQL irql;

    KeAcquireSpinLock(&Host->Lock, &irql);
    status = MhContextUsableLocked(Host, Caller, ContextId, Out);
    if (NT_SUCCESS(status)) {
        (*Out)->References++;
    }
    KeReleaseSpinLock(&Host->Lock, irql);
    return status;
}

VOID MhContextRelease(PMH_HOST Host, PMH_HOST_CONTEXT Ctx)
{
    KIRQL irql;

    KeAcquireSpinLock(&Host->Lock, &irql);
    Ctx->References--;
    MhContextCheckDrainedLocked(Ctx);
    KeReleaseSpinLock(&Host->Lock, irql);
}

/*++
Routine Description:
    Destroys every context of Owner (NULL: every context), one after the other, each through the
    full DestroyContext path (outstanding messages completed, then the DDI under the lock).
    PASSIVE_LEVEL; waits for the Miracast-class lock, so never on the dispatch path.
--*/
_IRQL_requires_(PASSIVE_LEVEL)
VOID MhContextDestroyAll(PMH_HOST Host, MH_OWNER Owner)
{
    for (;;) {
        PLIST_ENTRY entry;
        ULONG64 id = 0;
        KIRQL irql;

        KeAcquireSpinLock(&Host->Lock, &irql);
        for (entry = Host->Contexts.Flink; entry != &Host->Contexts; entry = entry->Flink) {
            PMH_HOST_CONTEXT ctx = CONTAINING_RECORD(entry, MH_HOST_CONTEXT, Link);
            if (!ctx->Creating && !ctx->Closing && (Owner == NULL || ctx->Owner == Owner)) {
                id = ctx->Id;
                break;
            }
        }
        KeReleaseSpinLock(&Host->Lock, irql);
        if (id == 0) {
            return;
        }
        (VOID)MhDdiDestroyContextCore(Host, NULL, id);
    }
}

/*++
Routine Description:
    A handle went away. Detaching its agent is immediate (nothing in it waits); destroying its
    contexts waits for the Miracast-class lock, so it is queued to a DDI worker and Work->Done
    runs there when it is finished. Runs on the dispatch path: never blocks.
--*/
VOID MhHostReleaseOwner(PMH_HOST Host, MH_OWNER Owner, PMH_HOST_WORK Work)
{
    (VOID)MhHostAgentDetach(Host, Owner);     /* MH_STATUS_NOT_AGENT when it was not the agent */
    Work->Owner = Owner;
    MhWorkQueueOwnerRelease(Host, Work);
}

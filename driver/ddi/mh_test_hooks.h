/*++

Module Name:

    mh_test_hooks.h

Abstract:

    The test-hooks interface: an optional interface a hosted miniport returns from
    DxgkDdiQueryInterface for GUID_MH_TEST_HOOKS, shaped like every DXGK interface (Size, Version,
    Context, InterfaceReference, InterfaceDereference, then the routines). Through it the harness
    asks the miniport to do what, on hardware, the display stack and the GPU would make it do:
      - SendMessage       send a message to the user-mode driver with the miniport's own buffers
                          (as on DxgkDdiCommitVidPn powering the Miracast monitor off);
      - ReportChunks      encode frames and report their chunks through DxgkCbNotifyInterrupt and
                          DxgkCbQueueDpc, as its ISR would (optionally misreporting on purpose);
      - ConfigureTargets  how many Miracast sessions it may hold at once (1, as on hardware);
      - ReadState         copy out the miniport's own view of what happened to it.

    A miniport without the interface is still hosted: what needs the hooks answers
    STATUS_NOT_SUPPORTED (the library says "the hosted miniport offers no test hooks").

    Every routine runs at PASSIVE_LEVEL on a host thread and must not wait on anything the host
    holds. The project's test miniport implements the interface (driver/miniport/test/mp_hooks.c);
    the minimal example does not.

Environment:

    Kernel mode.

--*/

#ifndef MH_TEST_HOOKS_H
#define MH_TEST_HOOKS_H

#include "mh_ddi.h"
#include "miracast_hil_ioctl.h"

/* {E307EEBC-5B88-42AD-8941-5EDAC4C49FD4} */
DEFINE_GUID(GUID_MH_TEST_HOOKS,
    0xe307eebc, 0x5b88, 0x42ad, 0x89, 0x41, 0x5e, 0xda, 0xc4, 0xc4, 0x9f, 0xd4);

#define MH_TEST_HOOKS_VERSION_1 1

/* Called once from the miniport's DxgkCbMiracastSendMessageCallback for a message sent through
   SendMessage: the IO_STATUS_BLOCK it received and the bytes its output buffer holds. */
typedef VOID MH_TEST_SEND_COMPLETION(PVOID CompletionContext, const IO_STATUS_BLOCK *IoStatus,
                                     const VOID *Output, ULONG OutputSize);

/* STATUS_PENDING: Completion will be called exactly once. Any other status: it will not be. */
typedef NTSTATUS (*MH_HOOK_SEND_MESSAGE)(PVOID Context, PVOID MiracastContext, const VOID *Input,
                                         ULONG InputSize, ULONG OutputSize,
                                         MH_TEST_SEND_COMPLETION *Completion, PVOID CompletionContext);

/* Frames, slices, private data size and the misreport to make are MH_CHUNK_REPORT_IN's; Result
   gets what the host wrote back into each interrupt's Status. */
typedef NTSTATUS (*MH_HOOK_REPORT_CHUNKS)(PVOID Context, PVOID MiracastContext,
                                          const MH_CHUNK_REPORT_IN *Request, MH_CHUNK_REPORT_OUT *Result);

/* Only while no session is live: STATUS_INVALID_DEVICE_STATE otherwise. */
typedef NTSTATUS (*MH_HOOK_CONFIGURE_TARGETS)(PVOID Context, ULONG TargetCount);

/* STATUS_BUFFER_TOO_SMALL (and *BytesWritten = the size needed) when Buffer cannot hold it. */
typedef NTSTATUS (*MH_HOOK_READ_STATE)(PVOID Context, PVOID Buffer, ULONG BufferSize, PULONG BytesWritten);

typedef struct _MH_TEST_HOOKS_INTERFACE {
    USHORT Size;
    USHORT Version;
    PVOID Context;
    PINTERFACE_REFERENCE InterfaceReference;
    PINTERFACE_DEREFERENCE InterfaceDereference;

    MH_HOOK_SEND_MESSAGE SendMessage;
    MH_HOOK_REPORT_CHUNKS ReportChunks;
    MH_HOOK_CONFIGURE_TARGETS ConfigureTargets;
    MH_HOOK_READ_STATE ReadState;
} MH_TEST_HOOKS_INTERFACE, *PMH_TEST_HOOKS_INTERFACE;

#endif /* MH_TEST_HOOKS_H */

/*++

Module Name:

    mh_miniport.h

Abstract:

    The test miniport: the Miracast DDIs under test, written the way a display-miniport vendor
    would write them. It talks to the host only through the WDDM types of miracast_ddi.h:
      - the four DXGK_MIRACAST_DISPLAY_INTERFACE DDIs (returned by MpQueryInterface),
      - the DXGK_MIRACAST_DISPLAY_CALLBACKS it copies in DxgkDdiMiracastCreateContext,
      - DxgkCbIndicateChildStatus for its hot-plug indications.

    The entry points below stand in for what a full WDDM miniport registers through
    DRIVER_INITIALIZATION_DATA (AddDevice, StartDevice, QueryInterface, RemoveDevice), plus test
    hooks that let the harness ask it to send a message and read what it saw. None of them is a
    Miracast DDI.

Environment:

    Kernel mode, PASSIVE_LEVEL.

--*/

#ifndef MH_MINIPORT_H
#define MH_MINIPORT_H

#include "mh_compat.h"
#include "miracast_ddi.h"
#include "../include/miracast_hil_ioctl.h"

/* Called from the miniport's DxgkCbMiracastSendMessageCallback for a message sent through
   MpTestSendMessage: the IO_STATUS_BLOCK it received and its output buffer. */
typedef VOID MP_SEND_COMPLETION(PVOID CompletionContext, const IO_STATUS_BLOCK *IoStatus,
                                const VOID *Output, ULONG OutputSize);

NTSTATUS MpAddDevice(PVOID *MiniportDeviceContext);
NTSTATUS MpStartDevice(PVOID MiniportDeviceContext, const MH_DXGKRNL_SERVICES *Services);
NTSTATUS MpQueryInterface(PVOID MiniportDeviceContext, PQUERY_INTERFACE QueryInterface);
VOID MpRemoveDevice(PVOID MiniportDeviceContext);

/* Test hook: the miniport sends one message with its own buffers, as it would on
   DxgkDdiCommitVidPn powering the Miracast monitor off. STATUS_PENDING: Completion will be called
   exactly once from the miniport's callback. Any other status: it will not be called. */
NTSTATUS MpTestSendMessage(PVOID MiniportDeviceContext, PVOID MiracastContext,
                           const VOID *Input, ULONG InputSize, ULONG OutputSize,
                           MP_SEND_COMPLETION *Completion, PVOID CompletionContext);

/* Test hooks: the number of Miracast targets (only while no context is live), and its counters. */
NTSTATUS MpTestConfigure(PVOID MiniportDeviceContext, ULONG TargetCount);
VOID MpTestReadState(PVOID MiniportDeviceContext, MP_STATE *State);

#endif /* MH_MINIPORT_H */

/*++

Module Name:

    umd_session.c

Abstract:

    The sample UMD's session: StartMiracastSession, StopMiracastSession, the worker that
    announces the monitor and watches the sink, and the data-rate callback.

--*/

#include "umd_internal.h"
#include <winioctl.h>
#include "miracast_hil_ioctl.h"

static void NTAPI UmdOnDataRate(PVOID Context, MIRACAST_DATARATE_STATS *Stats)
{
    UMD_CONTEXT *ctx = (UMD_CONTEXT *)Context;

    /* NULL: the OS has no more QoS data for this session; nothing else will come. A real driver
       would steer its encoder by Stats->EncoderBitRate. */
    if (Stats != NULL) {
        InterlockedIncrement(&ctx->DataRateNotifications);
    }
}

static NTSTATUS UmdRegisterDataRate(UMD_CONTEXT *ctx)
{
    return ctx->Cb.RegisterForDataRateNotifications(ctx->Device, ctx, UmdOnDataRate);
}

/*++
Routine Description:
    The session's worker. It announces the monitor first: the OS blocks MiracastIoControl from
    threads other than the Start thread until Start has returned, which is the order the
    documentation asks for. Then it watches the RTSP socket until Stop or the sink's departure.
--*/
static DWORD WINAPI UmdWorker(LPVOID Parameter)
{
    UMD_CONTEXT *ctx = (UMD_CONTEXT *)Parameter;

#if MH_UMD_IS(DATARATE_WRONG_THREAD)
    /* Broken: only the Start and Stop threads may register; the failure is ignored. */
    (void)UmdRegisterDataRate(ctx);
#endif
#if !MH_UMD_IS(MONITOR_IN_START)
    if (ctx->MonitorConnected) {
        SetEvent(ctx->Announcing);
        (void)UmdIoControl(ctx, MP_CMD_MONITOR_ARRIVE, NULL, 0);
    }
#endif
    while (WaitForSingleObject(ctx->StopEvent, 0) == WAIT_TIMEOUT) {
        if (UmdRtspSinkGone(ctx->Rtsp, 50)) {
            ctx->Cb.ReportSessionStatus(ctx->Device, MIRACAST_STATUS_SINK_DISOCNNECT_REQUEST,
                                        UMD_STATUS_CONNECTION_DISCONNECTED);
            break;
        }
    }
    return 0;
}

NTSTATUS NTAPI UmdStartMiracastSession(PVOID Context, SOCKET Rtsp, MIRACAST_WFD_CONNECTION_STATS *Stats,
                                       MIRACAST_SESSION_INFO *Info)
{
    UMD_CONTEXT *ctx = (UMD_CONTEXT *)Context;
    NTSTATUS status;
    int readers = MH_UMD_IS(CONCURRENT_CHUNKS) ? 2 : 1;
    int i;

#if MH_UMD_IS(SESSION_INFO_GARBAGE)
    Info->MonitorConnected = 0;          /* broken: Reserved keeps whatever the OS passed */
    Info->ReducedModeListDueToBandwidth = 0;
#else
    Info->Value = 0;
#endif
    if (Stats->CurrentBitRate < UMD_MIN_BITRATE) {
        return UMD_STATUS_DEVICE_INSUFFICIENT_RESOURCES;
    }
    ctx->Rtsp = Rtsp;
    status = UmdRtspNegotiate(Rtsp, &ctx->MonitorConnected);
    if (status < 0) {
        return status;
    }
    Info->MonitorConnected = ctx->MonitorConnected ? 1 : 0;
    Info->ReducedModeListDueToBandwidth = Stats->CurrentBitRate < UMD_FULL_BITRATE ? 1 : 0;

#if !MH_UMD_IS(DATARATE_WRONG_THREAD)
    ctx->DataRateRegistered = UmdRegisterDataRate(ctx) >= 0;
#endif
#if MH_UMD_IS(MONITOR_IN_START)
    /* Broken: the HPD must wait until Start has returned. */
    if (ctx->MonitorConnected) {
        (void)UmdIoControl(ctx, MP_CMD_MONITOR_ARRIVE, NULL, 0);
    }
#endif
    ResetEvent(ctx->StopEvent);
    ctx->Worker = CreateThread(NULL, 0, UmdWorker, ctx, 0, NULL);
    for (i = 0; i < readers; i++) {
        ctx->Readers[i] = CreateThread(NULL, 0, UmdChunkReader, ctx, 0, NULL);
    }
    if (ctx->Worker == NULL || ctx->Readers[0] == NULL || ctx->Readers[readers - 1] == NULL) {
        UmdStopMiracastSession(ctx);
        return UMD_STATUS_NO_MEMORY;
    }
#if !MH_UMD_IS(MONITOR_IN_START)
    /* Let the worker reach the OS with its announcement before Start returns: the OS holds a
       MiracastIoControl from any other thread until Start has returned, so the arrival still
       follows Start, and every run exercises that hold. */
    if (ctx->MonitorConnected && WaitForSingleObject(ctx->Announcing, 1000) == WAIT_OBJECT_0) {
        WaitForSingleObject(ctx->StopEvent, 20);
    }
#endif
    return STATUS_SUCCESS;
}

/*++
Routine Description:
    StopMiracastSession: returns quickly; ends the session's threads, unregisters the data-rate
    callback (allowed on the Stop thread), and leaves the OS's RTSP socket alone.
--*/
VOID NTAPI UmdStopMiracastSession(PVOID Context)
{
    UMD_CONTEXT *ctx = (UMD_CONTEXT *)Context;
    HANDLE threads[3];
    DWORD count = 0;
    int i;

    SetEvent(ctx->StopEvent);
    if (ctx->Worker != NULL) {
        threads[count++] = ctx->Worker;
    }
    for (i = 0; i < 2; i++) {
        if (ctx->Readers[i] != NULL) {
            threads[count++] = ctx->Readers[i];
        }
    }
    if (count != 0) {
        WaitForMultipleObjects(count, threads, TRUE, INFINITE);
    }
    for (i = 0; i < (int)count; i++) {
        CloseHandle(threads[i]);
    }
    ctx->Worker = NULL;
    ctx->Readers[0] = ctx->Readers[1] = NULL;
    if (ctx->DataRateRegistered) {
        (void)ctx->Cb.RegisterForDataRateNotifications(ctx->Device, NULL, NULL);
        ctx->DataRateRegistered = FALSE;
    }
#if MH_UMD_IS(CLOSES_RTSP)
    closesocket(ctx->Rtsp);   /* broken: the OS owns this socket and closes it itself */
#endif
    ctx->Rtsp = INVALID_SOCKET;
}

/*++

Module Name:

    umd_entry.c

Abstract:

    The sample UMD's one export (QueryMiracastDriverInterface) and its context: Create,
    Destroy, HandleKernelModeMessage, and the private IoControl requests it sends its miniport.

--*/

#include "umd_internal.h"
#include <winioctl.h>
#include <string.h>
#include "miracast_hil_ioctl.h"

#if MH_UMD_IS(THREAD_LEFT)
/* The broken variant's housekeeping thread: Destroy forgets to stop it, so it runs on for a while
   after Destroy has returned. It touches only these globals, never the freed context. */
static volatile LONG64 g_LingerUntilTick;

static DWORD WINAPI UmdLingeringThread(LPVOID Parameter)
{
    (void)Parameter;
    for (;;) {
        LONG64 until = g_LingerUntilTick;
        if (until != 0 && (LONG64)GetTickCount64() >= until) {
            return 0;
        }
        Sleep(20);
    }
}
#endif

#if MH_UMD_IS(CALLBACK_AFTER_DESTROY)
/* The broken variant keeps the OS's handle and a callback beyond the context's life and uses
   them while it is unloaded (DLL_PROCESS_DETACH), after DestroyMiracastContext. */
static HANDLE g_Device;
static PFN_REPORT_STATISTIC g_ReportStatistic;

BOOL WINAPI DllMain(HINSTANCE Instance, DWORD Reason, LPVOID Reserved)
{
    (void)Instance;
    if (Reason == DLL_PROCESS_DETACH && Reserved == NULL && g_ReportStatistic != NULL) {
        MIRACAST_STATISTIC_DATA stat;
        memset(&stat, 0, sizeof(stat));
        stat.StatisticType = MIRACAST_STATISTIC_TYPE_EVENT;
        stat.ProtocolEvent.Event = MIRACAST_PROTOCOL_EVENT_MONITOR_DEPART;
        g_ReportStatistic(g_Device, &stat);
    }
    return TRUE;
}
#endif

/*++
Routine Description:
    Sends one of the test miniport's private requests (an MP_IOCTL_HEADER and data) through the
    OS's MiracastIoControl. The reply is read and dropped.
--*/
NTSTATUS UmdIoControl(UMD_CONTEXT *Ctx, ULONG Command, const void *Data, UINT DataSize)
{
    UCHAR request[sizeof(MP_IOCTL_HEADER) + 64];
    UCHAR reply[64];
    MP_IOCTL_HEADER header;
    UINT returned = 0;

    if (DataSize > sizeof(request) - sizeof(header)) {
        return UMD_STATUS_UNSUCCESSFUL;
    }
    memset(&header, 0, sizeof(header));
    header.Command = Command;
    memcpy(request, &header, sizeof(header));
    if (DataSize != 0) {
        memcpy(request + sizeof(header), Data, DataSize);
    }
    return Ctx->Cb.MiracastIoControl(Ctx->Device, FALSE, (UINT)sizeof(header) + DataSize, request,
                                     sizeof(reply), reply, &returned);
}

/*++
Routine Description:
    CreateMiracastContext: everything the session needs, and a first word with the miniport
    (MiracastIoControl is allowed on the Create thread).
--*/
static NTSTATUS NTAPI UmdCreateMiracastContext(HANDLE Device, MIRACAST_CALLBACKS *Callbacks, PVOID *Context)
{
    UMD_CONTEXT *ctx;
    NTSTATUS status;

    if (Callbacks == NULL || Context == NULL) {
        return UMD_STATUS_UNSUCCESSFUL;
    }
    ctx = (UMD_CONTEXT *)HeapAlloc(GetProcessHeap(), HEAP_ZERO_MEMORY, sizeof(*ctx));
    if (ctx == NULL) {
        return UMD_STATUS_NO_MEMORY;
    }
    ctx->Device = Device;
    ctx->Cb = *Callbacks;
    ctx->Rtsp = INVALID_SOCKET;
    ctx->StopEvent = CreateEventW(NULL, TRUE, FALSE, NULL);
    ctx->Announcing = CreateEventW(NULL, FALSE, FALSE, NULL);
    if (ctx->StopEvent == NULL || ctx->Announcing == NULL) {
        if (ctx->StopEvent != NULL) {
            CloseHandle(ctx->StopEvent);
        }
        if (ctx->Announcing != NULL) {
            CloseHandle(ctx->Announcing);
        }
        HeapFree(GetProcessHeap(), 0, ctx);
        return UMD_STATUS_NO_MEMORY;
    }
    status = UmdIoControl(ctx, MP_CMD_ECHO, "hello", 5);
    if (status < 0) {
        CloseHandle(ctx->StopEvent);
        CloseHandle(ctx->Announcing);
        HeapFree(GetProcessHeap(), 0, ctx);
        return status;
    }
#if MH_UMD_IS(THREAD_LEFT)
    g_LingerUntilTick = 0;
    {
        HANDLE thread = CreateThread(NULL, 0, UmdLingeringThread, NULL, 0, NULL);
        if (thread != NULL) {
            CloseHandle(thread);
        }
    }
#endif
#if MH_UMD_IS(CALLBACK_AFTER_DESTROY)
    g_Device = Device;
    g_ReportStatistic = Callbacks->ReportStatistic;
#endif
#if MH_UMD_IS(PINS_ITSELF)
    {
        HMODULE self;   /* broken: a reference nobody releases keeps the DLL mapped after FreeLibrary */
        GetModuleHandleExW(GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS, (LPCWSTR)(void *)UmdIoControl, &self);
    }
#endif
    *Context = ctx;
    return STATUS_SUCCESS;
}

/*++
Routine Description:
    DestroyMiracastContext: frees the context. The OS unloads the DLL after this returns, so no
    thread of this DLL may still run (the session's threads ended in Stop).
--*/
static VOID NTAPI UmdDestroyMiracastContext(PVOID Context)
{
    UMD_CONTEXT *ctx = (UMD_CONTEXT *)Context;

#if MH_UMD_IS(SLOW_DESTROY)
    Sleep(3300);   /* the rule is 3 s */
#endif
#if MH_UMD_IS(THREAD_LEFT)
    g_LingerUntilTick = (LONG64)GetTickCount64() + 1500;
#endif
    if (ctx == NULL) {
        return;
    }
    CloseHandle(ctx->StopEvent);
    CloseHandle(ctx->Announcing);
    HeapFree(GetProcessHeap(), 0, ctx);
}

/*++
Routine Description:
    HandleKernelModeMessage: the miniport's DxgkCbMiracastSendMessage. Runs on several OS threads
    at once; it only reads its input and writes its own output, so it needs no lock.
--*/
static NTSTATUS NTAPI UmdHandleKernelModeMessage(PVOID Context, UINT InSize, VOID *In, UINT OutSize, VOID *Out,
                                                 UINT *BytesReturned)
{
    static const char prefix[] = "umd:";
    UMD_CONTEXT *ctx = (UMD_CONTEXT *)Context;
    UINT written = 0;
    UINT copy;

    InterlockedIncrement(&ctx->Messages);
    copy = OutSize < sizeof(prefix) - 1 ? OutSize : (UINT)(sizeof(prefix) - 1);
    if (copy != 0) {
        memcpy(Out, prefix, copy);
        written = copy;
    }
    copy = OutSize - written < InSize ? OutSize - written : InSize;
    if (copy != 0) {
        memcpy((UCHAR *)Out + written, In, copy);
        written += copy;
    }
    if (BytesReturned != NULL) {
        *BytesReturned = MH_UMD_IS(OVERLONG_REPLY) ? OutSize + 8 : written;   /* broken: more than the buffer */
    }
    return STATUS_SUCCESS;
}

/*++
Routine Description:
    The DLL's only export. Version 1 is the Windows 8.1 interface; the caller's buffer must hold
    the whole MIRACAST_DRIVER_INTERFACE.
--*/
__declspec(dllexport) NTSTATUS NTAPI QueryMiracastDriverInterface(UINT Version, UINT Size, VOID *Interface)
{
    MIRACAST_DRIVER_INTERFACE *out = (MIRACAST_DRIVER_INTERFACE *)Interface;

    if (Version != MIRACAST_DRIVER_INTERFACE_VERSION_1 || Size < sizeof(*out) || out == NULL) {
        return UMD_STATUS_UNSUCCESSFUL;
    }
    memset(out, 0, Size);
    out->Size = MH_UMD_IS(SHORT_INTERFACE) ? 40 : sizeof(*out);   /* broken: short of the five entry points */
    out->CreateMiracastContext = UmdCreateMiracastContext;
    out->DestroyMiracastContext = UmdDestroyMiracastContext;
    out->StartMiracastSession = UmdStartMiracastSession;
    out->StopMiracastSession = UmdStopMiracastSession;
    out->HandleKernelModeMessage = UmdHandleKernelModeMessage;
    return STATUS_SUCCESS;
}

/*++

Module Name:

    umd_internal.h

Abstract:

    The sample user-mode Miracast driver (a vendor's starting point, paired with the project's
    test miniport) and its broken variants. One source tree; MH_UMD_VARIANT picks, at compile
    time, the one rule a variant breaks (driver/umd/CMakeLists.txt builds each as its own DLL).

    What the sample does:
      - Create: keeps the OS's handle and a copy of the callbacks; asks its miniport for an echo
        through MiracastIoControl (allowed on the Create thread).
      - Start: refuses a bit rate below 1024x768's need (STATUS_DEVICE_INSUFFICIENT_RESOURCES);
        speaks a minimal Wi-Fi Display RTSP exchange (M1 OPTIONS, M3 GET_PARAMETER) with the sink on
        the OS's socket; registers for data-rate notifications from the Start thread; starts a
        worker and a chunk reader, and returns. The worker announces the monitor through
        MiracastIoControl (the OS holds that call until Start has returned) and watches the RTSP
        socket: a sink that disconnects or sends TEARDOWN is reported with ReportSessionStatus.
      - Chunks: one thread calls GetNextChunkData (with the stop event as an additional wait
        event) and reports CHUNK_SENT for each encode chunk; after STATUS_CONNECTION_RESET it asks
        its miniport for a new I-frame (its private request, here MP_CMD_ECHO "request-idr").
      - HandleKernelModeMessage: answers "umd:" + the input, on any number of threads at once.
      - Stop: ends its threads, unregisters the data-rate callback, leaves the RTSP socket open.
      - Destroy: frees everything; no thread left.

Environment:

    User mode DLL (MinGW-w64 here, MSVC on Windows).

--*/

#ifndef MH_UMD_INTERNAL_H
#define MH_UMD_INTERNAL_H

#include "miracast_umd_ddi.h"

/* The variants. Each breaks one rule the UMD host checks (lib/umd/rules.ts names them). */
#define MH_UMD_VARIANT_SAMPLE                0  /* passes clean */
#define MH_UMD_VARIANT_SLOW_DESTROY          1  /* DestroyMiracastContext takes over 3 s */
#define MH_UMD_VARIANT_THREAD_LEFT           2  /* a thread still runs after Destroy */
#define MH_UMD_VARIANT_CLOSES_RTSP           3  /* StopMiracastSession closes the OS's RTSP socket */
#define MH_UMD_VARIANT_CONCURRENT_CHUNKS     4  /* two threads in GetNextChunkData at once */
#define MH_UMD_VARIANT_DATARATE_WRONG_THREAD 5  /* registers for data-rate notifications from its worker, ignores the failure */
#define MH_UMD_VARIANT_MONITOR_IN_START      6  /* announces the monitor from inside StartMiracastSession */
#define MH_UMD_VARIANT_IGNORES_RESET         7  /* keeps reading after STATUS_CONNECTION_RESET without asking for an I-frame */
#define MH_UMD_VARIANT_SESSION_INFO_GARBAGE  8  /* StartMiracastSession leaves MIRACAST_SESSION_INFO.Reserved as it found it */
#define MH_UMD_VARIANT_OVERLONG_REPLY        9  /* HandleKernelModeMessage reports more bytes than the output buffer holds */
#define MH_UMD_VARIANT_CALLBACK_AFTER_DESTROY 10 /* calls ReportStatistic while it is unloaded, after Destroy */
#define MH_UMD_VARIANT_PINS_ITSELF           11 /* takes a reference to its own module: it never unloads */
#define MH_UMD_VARIANT_SHORT_INTERFACE       12 /* QueryMiracastDriverInterface reports a 40-byte interface */
#define MH_UMD_VARIANT_UNKNOWN_CHUNK_SENT    13 /* reports CHUNK_SENT for a chunk GetNextChunkData never returned */

#ifndef MH_UMD_VARIANT
#define MH_UMD_VARIANT MH_UMD_VARIANT_SAMPLE
#endif
#define MH_UMD_IS(name) (MH_UMD_VARIANT == MH_UMD_VARIANT_##name)

#ifndef STATUS_SUCCESS
#define STATUS_SUCCESS ((NTSTATUS)0x00000000L)
#endif
#define UMD_STATUS_TIMEOUT                     ((NTSTATUS)0x00000102L)
#define UMD_STATUS_UNSUCCESSFUL                ((NTSTATUS)0xC0000001L)
#define UMD_STATUS_NO_MEMORY                   ((NTSTATUS)0xC0000017L)
#define UMD_STATUS_INSTANCE_NOT_AVAILABLE      ((NTSTATUS)0xC00000ABL)
#define UMD_STATUS_IO_TIMEOUT                  ((NTSTATUS)0xC00000B5L)
#define UMD_STATUS_CONNECTION_RESET            ((NTSTATUS)0xC000020DL)
#define UMD_STATUS_CONNECTION_DISCONNECTED     ((NTSTATUS)0xC000020CL)
#define UMD_STATUS_DEVICE_INSUFFICIENT_RESOURCES ((NTSTATUS)0xC0000468L)

/* Below this the sample cannot sustain 1024x768 (its choice: the docs give no number). */
#define UMD_MIN_BITRATE   1000000ull
/* Below this it trims its mode list (MIRACAST_SESSION_INFO.ReducedModeListDueToBandwidth). */
#define UMD_FULL_BITRATE  10000000ull
#define UMD_RTSP_TIMEOUT_MS 5000
#define UMD_CHUNK_BUFFER  (64u * 1024u)

typedef struct _UMD_CONTEXT {
    HANDLE Device;                    /* hMiracastDeviceHandle: the first argument of every callback */
    MIRACAST_CALLBACKS Cb;            /* a copy: the OS's table is only borrowed during Create */
    SOCKET Rtsp;                      /* the OS's; never closed here */
    BOOL MonitorConnected;            /* the sink reported a display in M3 */
    BOOL DataRateRegistered;
    HANDLE StopEvent;                 /* manual reset: the session's threads end */
    HANDLE Worker;                    /* monitor announcement, RTSP watch */
    HANDLE Announcing;                /* auto reset: the worker is about to announce the monitor */
    HANDLE Readers[2];                /* chunk readers (two only in the CONCURRENT_CHUNKS variant) */
    volatile LONG Messages;           /* HandleKernelModeMessage calls */
    volatile LONG DataRateNotifications;
    volatile LONG IFrameRequests;
} UMD_CONTEXT;

/* umd_entry.c */
NTSTATUS UmdIoControl(UMD_CONTEXT *Ctx, ULONG Command, const void *Data, UINT DataSize);

/* umd_rtsp.c: the source's side of a minimal WFD capability exchange. */
NTSTATUS UmdRtspNegotiate(SOCKET Rtsp, BOOL *MonitorConnected);
/* Nonzero when the sink ended the session (EOF, error, or TEARDOWN) within TimeoutMs. */
BOOL UmdRtspSinkGone(SOCKET Rtsp, DWORD TimeoutMs);

/* umd_session.c */
NTSTATUS NTAPI UmdStartMiracastSession(PVOID Context, SOCKET Rtsp, MIRACAST_WFD_CONNECTION_STATS *Stats,
                                       MIRACAST_SESSION_INFO *Info);
VOID NTAPI UmdStopMiracastSession(PVOID Context);

/* umd_chunks.c */
DWORD WINAPI UmdChunkReader(LPVOID Parameter);

#endif /* MH_UMD_INTERNAL_H */

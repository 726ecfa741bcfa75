/*++

Module Name:

    miracast_umd_ddi.h

Abstract:

    The user-mode Miracast driver interface (the WDK's netdispumdddi.h), declared by this project
    with the WDK's names and the x64 layout, so that the UMD host in the addon (native/umd) and
    the sample UMD (driver/umd) agree on one declaration without copying Microsoft's header.
    Shapes from miracast-ddi.md section 4; sizes from section 8, asserted below so that a layout
    change breaks the build.

    Every function type is NTAPI (stdcall on x86, the x64 convention on x64), as in the WDK.

Environment:

    User mode (winsock2.h, windows.h), C and C++.

--*/

#ifndef MIRACAST_UMD_DDI_H
#define MIRACAST_UMD_DDI_H

#include <winsock2.h>
#include <windows.h>
#include <stddef.h>

#if !defined(_NTDEF_) && !defined(_NTSTATUS_DEFINED) && !defined(__NTSTATUS_DEFINED)
#define _NTSTATUS_DEFINED
typedef LONG NTSTATUS;
#endif

#ifdef __cplusplus
extern "C" {
#endif

typedef NTSTATUS (NTAPI *QUERY_MIRACAST_DRIVER_INTERFACE)(
    _In_ UINT MiracastDriverInterfaceVersion,
    _In_ UINT MiracastDriverInterfaceSize,
    _Out_writes_bytes_(MiracastDriverInterfaceSize) VOID *pMiracastDriverInterface);

typedef enum {
    MIRACAST_STATUS_CRITICAL_ERROR = 0,
    MIRACAST_STATUS_MISSING_KEEPALIVE = 1,
    MIRACAST_STATUS_SINK_DISOCNNECT_REQUEST = 2,   /* sic, as the WDK spells it */
    MIRACAST_STATUS_INSUFFICIENT_BANDWIDTH = 3,
    MIRACAST_STATUS_SINK_FAILED_STANDARD_MODE_CHANGE = 4,
    MIRACAST_STATUS_COMPANION_DRIVER_DISCONNECT = 5,
    MIRACAST_STATUS_FORCE_UINT32 = 0xffffffff,
} MIRACAST_STATUS;

typedef VOID (NTAPI *PFN_REPORT_SESSION_STATUS)(
    _In_ HANDLE hMiracastDeviceHandle, _In_ MIRACAST_STATUS MiracastStatus, _In_ NTSTATUS Status);

typedef NTSTATUS (NTAPI *PFN_MIRACAST_IO_CONTROL)(
    _In_ HANDLE hMiracastDeviceHandle, _In_ BOOL HardwareAccess,
    _In_ UINT InputBufferSize, _In_reads_bytes_(InputBufferSize) VOID *pInputBuffer,
    _In_ UINT OutputBufferSize, _Out_writes_bytes_(OutputBufferSize) VOID *pOutputBuffer,
    _Out_opt_ UINT *pBytesReturned);

typedef enum {
    MIRACAST_PROTOCOL_EVENT_IFRAME_RQ = 0,
    MIRACAST_PROTOCOL_EVENT_MONITOR_ARRIVE = 1,
    MIRACAST_PROTOCOL_EVENT_MONITOR_DEPART = 2,
    MIRACAST_PROTOCOL_EVENT_SINK_FAILED_PREFERRED_MODE_CHANGE = 3,
    MIRACAST_PROTOCOL_EVENT_FORCE_UINT32 = 0xffffffff,
} MIRACAST_PROTOCOL_EVENT;

typedef enum {
    MIRACAST_STATISTIC_TYPE_CHUNK_PROCESSING_COMPLETE = 0,
    MIRACAST_STATISTIC_TYPE_CHUNK_SENT = 1,
    MIRACAST_STATISTIC_TYPE_EVENT = 2,
    MIRACAST_STATISTIC_TYPE_FORCE_UINT32 = 0xffffffff,
} MIRACAST_STATISTIC_TYPE;

typedef union {
    struct {
        UINT64 FrameNumber : 40;
        UINT64 PartNumber : 24;
    };
    UINT64 Value;
} MIRACAST_CHUNK_ID;

typedef enum {
    MIRACAST_CHUNK_TYPE_UNKNOWN = 0,
    MIRACAST_CHUNK_TYPE_COLOR_CONVERT_COMPLETE = 1,
    MIRACAST_CHUNK_TYPE_ENCODE_COMPLETE = 2,
    MIRACAST_CHUNK_TYPE_FRAME_START = 3,
    MIRACAST_CHUNK_TYPE_FRAME_DROPPED = 4,
    MIRACAST_CHUNK_TYPE_ENCODE_DRIVER_DEFINED_1 = 0x80000000,
    MIRACAST_CHUNK_TYPE_ENCODE_DRIVER_DEFINED_2 = 0x80000001,
    MIRACAST_CHUNK_TYPE_ENCODE_FORCE_UINT32 = 0xffffffff,
} MIRACAST_CHUNK_TYPE;

typedef struct {
    MIRACAST_CHUNK_TYPE ChunkType;
    MIRACAST_CHUNK_ID ChunkId;
    UINT ProcessingTime;            /* microseconds */
    UINT EncodeRate;                /* kilobits per second */
} MIRACAST_CHUNK_INFO;

typedef struct {
    MIRACAST_STATISTIC_TYPE StatisticType;
    union {
        struct {
            MIRACAST_CHUNK_INFO ChunkInfo;
        } EncodeComplete;
        struct {
            MIRACAST_CHUNK_ID ChunkId;
        } ChunkSent;
        struct {
            MIRACAST_PROTOCOL_EVENT Event;
        } ProtocolEvent;
    };
} MIRACAST_STATISTIC_DATA;

typedef VOID (NTAPI *PFN_REPORT_STATISTIC)(
    _In_ HANDLE hMiracastDeviceHandle, _In_ MIRACAST_STATISTIC_DATA *pStatistics);

typedef struct {
    MIRACAST_CHUNK_INFO ChunkInfo;
    UINT PrivateDriverDataSize;
    UCHAR PrivateDriverData[1];
} MIRACAST_CHUNK_DATA;

#define MAX_ADDITIONAL_EVENTS 4

typedef NTSTATUS (NTAPI *PFN_GET_NEXT_CHUNK_DATA)(
    _In_ HANDLE hMiracastDeviceHandle, _In_ UINT TimeoutInMilliseconds,
    _In_ UINT AdditionalWaitEventCount, _In_opt_ HANDLE *pAdditionalWaitEvents,
    _Inout_ UINT *pChunkDataBufferSize, _Out_ MIRACAST_CHUNK_DATA *pChunkDataBuffer,
    _Out_ UINT *pOutstandingChunksToProcess);

typedef struct {
    UINT64 EncoderBitRate;
    UINT64 CurrentMaxTxDataRate;
    UINT64 TransmittedFrameCount;
    UINT64 FailedFrameCount;
    UINT64 RetriedFrameCount;
    UINT64 MultipleRetryFrameCount;
} MIRACAST_DATARATE_STATS;

typedef void (NTAPI *PFN_DATARATE_NOTIFICATION)(
    _In_ PVOID context, _In_opt_ MIRACAST_DATARATE_STATS *pDataRateStats);

typedef NTSTATUS (NTAPI *PFN_REGISTER_DATARATE_NOTIFICATIONS)(
    _In_ HANDLE hMiracastDeviceHandle, _In_opt_ PVOID pNotificationContext,
    _In_opt_ PFN_DATARATE_NOTIFICATION pfnDataRateNotify);

typedef struct _MIRACAST_CALLBACKS {
    PFN_REPORT_SESSION_STATUS ReportSessionStatus;
    PFN_MIRACAST_IO_CONTROL MiracastIoControl;
    PFN_REPORT_STATISTIC ReportStatistic;
    PFN_GET_NEXT_CHUNK_DATA GetNextChunkData;
    PFN_REGISTER_DATARATE_NOTIFICATIONS RegisterForDataRateNotifications;
} MIRACAST_CALLBACKS, *PMIRACAST_CALLBACKS;

#define MIRACAST_DRIVER_INTERFACE_VERSION_1 0x01

typedef NTSTATUS (NTAPI *PFN_CREATE_MIRACAST_CONTEXT)(
    _In_ HANDLE hMiracastDeviceHandle, _In_ MIRACAST_CALLBACKS *pMiracastCallbacks,
    _Out_ PVOID *ppMiracastContext);

typedef VOID (NTAPI *PFN_DESTROY_MIRACAST_CONTEXT)(_In_ PVOID pMiracastContext);

typedef union {
    struct {
        UINT MonitorConnected : 1;
        UINT ReducedModeListDueToBandwidth : 1;
        UINT Reserved : 30;
    };
    UINT Value;
} MIRACAST_SESSION_INFO;

typedef struct {
    UINT64 CurrentBitRate;
    UINT64 LocalMaxBitRate;
    UINT64 RemoteMaxBitRate;
} MIRACAST_WFD_CONNECTION_STATS;

typedef NTSTATUS (NTAPI *PFN_START_MIRACAST_SESSION)(
    _In_ PVOID pMiracastContext, _In_ SOCKET MiracastRTSPSocket,
    _In_ MIRACAST_WFD_CONNECTION_STATS *pWfdConnectionStats, _Out_ MIRACAST_SESSION_INFO *pSessionInfo);

typedef VOID (NTAPI *PFN_STOP_MIRACAST_SESSION)(_In_ PVOID pMiracastContext);

typedef NTSTATUS (NTAPI *PFN_HANDLE_KMD_MESSAGE)(
    _In_ PVOID pMiracastContext,
    _In_ UINT InputBufferSize, _In_reads_bytes_(InputBufferSize) VOID *pInputBuffer,
    _In_ UINT OutputBufferSize, _Out_writes_bytes_(OutputBufferSize) VOID *pOutputBuffer,
    _Out_ UINT *pBytesReturned);

typedef struct _MIRACAST_DRIVER_INTERFACE {
    UINT Size;
    PFN_CREATE_MIRACAST_CONTEXT CreateMiracastContext;
    PFN_DESTROY_MIRACAST_CONTEXT DestroyMiracastContext;
    PFN_START_MIRACAST_SESSION StartMiracastSession;
    PFN_STOP_MIRACAST_SESSION StopMiracastSession;
    PFN_HANDLE_KMD_MESSAGE HandleKernelModeMessage;
} MIRACAST_DRIVER_INTERFACE, *PMIRACAST_DRIVER_INTERFACE;

/* The one export a UMD DLL has (miracast-ddi.md 4.1). */
#define MIRACAST_QUERY_INTERFACE_EXPORT "QueryMiracastDriverInterface"

/* Layout checks: x64 sizes from miracast-ddi.md section 8. */
#if defined(__cplusplus)
#define MH_UMD_STATIC_ASSERT(name, cond) static_assert((cond), #name)
#else
#define MH_UMD_STATIC_ASSERT(name, cond) typedef char mh_umd_static_assert_##name[(cond) ? 1 : -1]
#endif

#if defined(_WIN64)
MH_UMD_STATIC_ASSERT(chunk_id, sizeof(MIRACAST_CHUNK_ID) == 8);
MH_UMD_STATIC_ASSERT(chunk_info, sizeof(MIRACAST_CHUNK_INFO) == 24);
MH_UMD_STATIC_ASSERT(chunk_info_id, offsetof(MIRACAST_CHUNK_INFO, ChunkId) == 8);
MH_UMD_STATIC_ASSERT(chunk_info_time, offsetof(MIRACAST_CHUNK_INFO, ProcessingTime) == 16);
MH_UMD_STATIC_ASSERT(chunk_info_rate, offsetof(MIRACAST_CHUNK_INFO, EncodeRate) == 20);
MH_UMD_STATIC_ASSERT(chunk_data, sizeof(MIRACAST_CHUNK_DATA) == 32);
MH_UMD_STATIC_ASSERT(chunk_data_size, offsetof(MIRACAST_CHUNK_DATA, PrivateDriverDataSize) == 24);
MH_UMD_STATIC_ASSERT(chunk_data_private, offsetof(MIRACAST_CHUNK_DATA, PrivateDriverData) == 28);
MH_UMD_STATIC_ASSERT(statistic_data, sizeof(MIRACAST_STATISTIC_DATA) == 32);
MH_UMD_STATIC_ASSERT(callbacks, sizeof(MIRACAST_CALLBACKS) == 40);
MH_UMD_STATIC_ASSERT(driver_interface, sizeof(MIRACAST_DRIVER_INTERFACE) == 48);
MH_UMD_STATIC_ASSERT(session_info, sizeof(MIRACAST_SESSION_INFO) == 4);
MH_UMD_STATIC_ASSERT(wfd_connection_stats, sizeof(MIRACAST_WFD_CONNECTION_STATS) == 24);
MH_UMD_STATIC_ASSERT(datarate_stats, sizeof(MIRACAST_DATARATE_STATS) == 48);
#endif

/* The bytes of one packet GetNextChunkData returns (FIELD_OFFSET(..., PrivateDriverData) + size). */
#define MIRACAST_CHUNK_PACKET_SIZE(PrivateSize) \
    ((UINT)offsetof(MIRACAST_CHUNK_DATA, PrivateDriverData) + (UINT)(PrivateSize))

#ifdef __cplusplus
}
#endif

#endif /* MIRACAST_UMD_DDI_H */

/*++

Module Name:

    miracast_ddi.h

Abstract:

    The WDDM 1.3 Miracast DDI types the miniport and the host use. Under the WDK they come from the
    real <dispmprt.h> (define MH_USE_WDK_DISPMPRT). MinGW-w64 has no dispmprt.h, so the project
    declares them here with the WDK's names, shapes and x64 layout (see the size checks at the end;
    the reference sizes are in miracast-ddi.md section 8).

    Also declared here: the child-status types the miniport needs for its hot-plug indications,
    and MH_DXGKRNL_SERVICES, the project's stand-in for the part of DXGKRNL_INTERFACE the test
    miniport uses (DxgkCbIndicateChildStatus). That last one is not a WDK type.

Environment:

    Kernel mode.

--*/

#ifndef MIRACAST_DDI_H
#define MIRACAST_DDI_H

#include "mh_compat.h"

#if defined(MH_USE_WDK_DISPMPRT)

#include <dispmprt.h>

#else /* MinGW: declarations with the WDK's names and layout */

/* The WDK's display headers use the Win32 UINT, which MinGW's kernel headers do not declare. */
typedef unsigned int UINT;

typedef struct _DXGK_MIRACAST_CAPS
{
    ULONG   MaxChunkPrivateDriverDataSize;
    union
    {
        struct
        {
            UINT HdcpSupport :  1;
            UINT Reserved    : 31;
        };
        UINT Value;
    } Flags;
} DXGK_MIRACAST_CAPS, *PDXGK_MIRACAST_CAPS;

typedef union
{
    struct
    {
        UINT64 FrameNumber : 40;
        UINT64 PartNumber  : 24;
    };
    UINT64 Value;
} DXGK_MIRACAST_CHUNK_ID;

typedef enum _DXGK_MIRACAST_CHUNK_TYPE
{
    DXGK_MIRACAST_CHUNK_TYPE_UNKNOWN = 0,
    DXGK_MIRACAST_CHUNK_TYPE_COLOR_CONVERT_COMPLETE = 1,
    DXGK_MIRACAST_CHUNK_TYPE_ENCODE_COMPLETE = 2,
    DXGK_MIRACAST_CHUNK_TYPE_FRAME_START = 3,
    DXGK_MIRACAST_CHUNK_TYPE_FRAME_DROPPED = 4,
    DXGK_MIRACAST_CHUNK_TYPE_ENCODE_DRIVER_DEFINED_1 = (int)0x80000000,
    DXGK_MIRACAST_CHUNK_TYPE_ENCODE_DRIVER_DEFINED_2 = (int)0x80000001,
} DXGK_MIRACAST_CHUNK_TYPE;

typedef struct
{
    DXGK_MIRACAST_CHUNK_TYPE ChunkType;
    DXGK_MIRACAST_CHUNK_ID ChunkId;
    UINT  ProcessingTime;
    UINT  EncodeRate;
} DXGK_MIRACAST_CHUNK_INFO;

typedef
VOID
(*DXGKCB_MIRACAST_SEND_MESSAGE_CALLBACK)(
    _In_ PVOID CallbackContext,
    _In_ PIO_STATUS_BLOCK pIoStatusBlock
    );

typedef
NTSTATUS
(*DXGKCB_MIRACAST_SEND_MESSAGE)(
    _In_ HANDLE MiracastHandle,
    _In_ ULONG InputBufferSize,
    _In_reads_bytes_(InputBufferSize) VOID* pInputBuffer,
    _In_ ULONG OutputBufferSize,
    _Out_writes_bytes_(OutputBufferSize) VOID* pOutputBuffer,
    _In_opt_ DXGKCB_MIRACAST_SEND_MESSAGE_CALLBACK pCallback,
    _In_opt_ PVOID pCallbackContext
    );

typedef
NTSTATUS
(*DXGKCB_MIRACAST_REPORT_CHUNK_INFO)(
    _In_ HANDLE MiracastHandle,
    _In_ DXGK_MIRACAST_CHUNK_INFO* pChunkInfo,
    _In_ PVOID pPrivateDriverData,
    _In_ UINT PrivateDataDriverSize
    );

typedef struct _DXGK_MIRACAST_DISPLAY_CALLBACKS
{
    HANDLE MiracastHandle;
    DXGKCB_MIRACAST_SEND_MESSAGE DxgkCbMiracastSendMessage;
    DXGKCB_MIRACAST_REPORT_CHUNK_INFO DxgkCbReportChunkInfo;
} DXGK_MIRACAST_DISPLAY_CALLBACKS, *PDXGK_MIRACAST_DISPLAY_CALLBACKS;

typedef
NTSTATUS
(*DXGKDDI_MIRACAST_QUERY_CAPS)(
    _In_ PVOID DriverContext,
    _In_ ULONG  MiracastCapsSize,
    _Out_ DXGK_MIRACAST_CAPS* MiracastCaps
    );

typedef
NTSTATUS
(*DXGKDDI_MIRACAST_CREATE_CONTEXT)(
    _In_ PVOID DriverContext,
    _In_ DXGK_MIRACAST_DISPLAY_CALLBACKS* MiracastCallbacks,
    _Out_ PVOID* MiracastContext,
    _Out_ ULONG* TargetId
    );

typedef
VOID
(*DXGKDDI_MIRACAST_DESTROY_CONTEXT)(
    _In_ PVOID DriverContext,
    _In_ PVOID MiracastContext
    );

typedef
NTSTATUS
(*DXGKDDI_MIRACAST_HANDLE_IO_CONTROL)(
    _In_ PVOID DriverContext,
    _In_ PVOID MiracastContext,
    _In_ ULONG InputBufferSize,
    _In_reads_bytes_(InputBufferSize) VOID* pInputBuffer,
    _In_ ULONG OutputBufferSize,
    _Out_writes_bytes_(OutputBufferSize) VOID* pOutputBuffer,
    _Out_ ULONG* BytesReturned
    );

#define DXGK_MIRACAST_DISPLAY_INTERFACE_VERSION_1 0x01

typedef struct _DXGK_MIRACAST_INTERFACE {
    USHORT Size;
    USHORT Version;
    PVOID Context;
    PINTERFACE_REFERENCE InterfaceReference;
    PINTERFACE_DEREFERENCE InterfaceDereference;

    DXGKDDI_MIRACAST_QUERY_CAPS DxgkDdiMiracastQueryCaps;
    DXGKDDI_MIRACAST_CREATE_CONTEXT DxgkDdiMiracastCreateContext;
    DXGKDDI_MIRACAST_HANDLE_IO_CONTROL DxgkDdiMiracastIoControl;
    DXGKDDI_MIRACAST_DESTROY_CONTEXT DxgkDdiMiracastDestroyContext;
} DXGK_MIRACAST_DISPLAY_INTERFACE, *PDXGK_MIRACAST_DISPLAY_INTERFACE;

/* {AF03F190-22AF-48CB-94BB-B78E76A25107} */
DEFINE_GUID(GUID_DEVINTERFACE_MIRACAST_DISPLAY,
    0xaf03f190, 0x22af, 0x48cb, 0x94, 0xbb, 0xb7, 0x8e, 0x76, 0xa2, 0x51, 0x07);

/* The DxgkDdiQueryInterface argument (dispmprt.h). */
typedef struct _QUERY_INTERFACE {
    CONST GUID *InterfaceType;
    USHORT Size;
    USHORT Version;
    PINTERFACE Interface;
    PVOID InterfaceSpecificData;
} QUERY_INTERFACE, *PQUERY_INTERFACE;

/* d3dkmdt.h: the video output technology of a Miracast target. */
typedef enum _D3DKMDT_VIDEO_OUTPUT_TECHNOLOGY_MIRACAST_ONLY {
    D3DKMDT_VOT_MIRACAST = 15
} D3DKMDT_VIDEO_OUTPUT_TECHNOLOGY_MIRACAST_ONLY;
typedef int D3DKMDT_VIDEO_OUTPUT_TECHNOLOGY;

typedef enum _DXGK_CHILD_STATUS_TYPE
{
    StatusUninitialized = 0,
    StatusConnection    = 1,
    StatusRotation      = 2,
    StatusMiracastConnection = 3,
} DXGK_CHILD_STATUS_TYPE, *PDXGK_CHILD_STATUS_TYPE;

typedef struct _DXGK_CHILD_STATUS
{
    DXGK_CHILD_STATUS_TYPE  Type;
    ULONG                   ChildUid;
    union
    {
        struct { BOOLEAN Connected; } HotPlug;
        struct { UCHAR   Angle;     } Rotation;
        struct
        {
            BOOLEAN Connected;
            D3DKMDT_VIDEO_OUTPUT_TECHNOLOGY MiracastMonitorType;
        } Miracast;
    };
} DXGK_CHILD_STATUS, *PDXGK_CHILD_STATUS;

typedef NTSTATUS (*DXGKCB_INDICATE_CHILD_STATUS)(
    _In_ HANDLE DeviceHandle,
    _In_ PDXGK_CHILD_STATUS ChildStatus
    );

/* x64 layout checks against the WDK (miracast-ddi.md section 8). */
#if defined(_WIN64)
C_ASSERT(sizeof(DXGK_MIRACAST_CAPS) == 8);
C_ASSERT(sizeof(DXGK_MIRACAST_CHUNK_INFO) == 24);
C_ASSERT(FIELD_OFFSET(DXGK_MIRACAST_CHUNK_INFO, ChunkId) == 8);
C_ASSERT(FIELD_OFFSET(DXGK_MIRACAST_CHUNK_INFO, ProcessingTime) == 16);
C_ASSERT(FIELD_OFFSET(DXGK_MIRACAST_CHUNK_INFO, EncodeRate) == 20);
C_ASSERT(sizeof(DXGK_MIRACAST_DISPLAY_CALLBACKS) == 24);
C_ASSERT(sizeof(DXGK_MIRACAST_DISPLAY_INTERFACE) == 64);
C_ASSERT(sizeof(DXGK_CHILD_STATUS) == 16);
#endif

#endif /* MH_USE_WDK_DISPMPRT */

/*
 * The slice of DXGKRNL_INTERFACE (handed to DxgkDdiStartDevice) that the test miniport uses.
 * A project type: under the real dxgkrnl the miniport would take these from DXGKRNL_INTERFACE.
 */
typedef struct _MH_DXGKRNL_SERVICES
{
    HANDLE DeviceHandle;
    DXGKCB_INDICATE_CHILD_STATUS DxgkCbIndicateChildStatus;
} MH_DXGKRNL_SERVICES, *PMH_DXGKRNL_SERVICES;

#endif /* MIRACAST_DDI_H */

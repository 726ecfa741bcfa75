/*++

Module Name:

    mh_ddi_decls.h

Abstract:

    The WDDM types a Miracast miniport and the host use, declared for the MinGW-w64 lane, which has
    no dispmprt.h, d3dkmddi.h or d3dkmdt.h. Under the WDK the real headers are used instead (see
    mh_ddi.h); nothing here is Microsoft's text: each declaration is written from the documented
    names with the WDK's x64 layout, and the layout is asserted at the end of this file (sizes and
    offsets measured against the WDK 10.0.22621 headers).

    What is declared:
      - registration and adapter start: DRIVER_INITIALIZATION_DATA, DxgkInitialize, DXGK_START_INFO,
        DXGKRNL_INTERFACE, the DXGKDDI_* device DDIs and QUERY_INTERFACE (with DeviceUid, WDDM 1.3);
      - children: DXGK_CHILD_DESCRIPTOR and DXGK_CHILD_STATUS with their enumerations;
      - the Miracast DDIs and callbacks (dispmprt.h), the chunk types (d3dukmdt.h), and the chunk
        interrupt (DXGKARGCB_NOTIFY_INTERRUPT_DATA.MiracastEncodeChunkCompleted, d3dkmddi.h);
      - POOL_FLAGS and ExAllocatePool2, which MinGW's wdm.h lacks.
    Members a Miracast miniport never needs keep their WDK names and slots but are declared as
    untyped pointers: code that calls them needs the WDK lane.

    Included only through mh_ddi.h.

Environment:

    Kernel mode.

--*/

#ifndef MH_DDI_DECLS_H
#define MH_DDI_DECLS_H

#include "mh_kernel.h"

#ifndef APIENTRY
#define APIENTRY __stdcall
#endif

/* ------------------------------------------------------------------ versions (d3dukmdt.h) */

#define DXGKDDI_INTERFACE_VERSION_VISTA     0x1052
#define DXGKDDI_INTERFACE_VERSION_VISTA_SP1 0x1053
#define DXGKDDI_INTERFACE_VERSION_WIN7      0x2005
#define DXGKDDI_INTERFACE_VERSION_WIN8      0x300E
#define DXGKDDI_INTERFACE_VERSION_WDDM1_3   0x4002
#define DXGKDDI_INTERFACE_VERSION_WDDM2_0   0x5023

/* The interface version these declarations describe; the host speaks it. */
#ifndef DXGKDDI_INTERFACE_VERSION
#define DXGKDDI_INTERFACE_VERSION DXGKDDI_INTERFACE_VERSION_WDDM1_3
#endif

/* ------------------------------------------------------------------ basic types */

/* The WDK's display headers use the Win32 UINT, which MinGW's kernel headers do not declare. */
typedef unsigned int UINT;
typedef UINT D3DDDI_VIDEO_PRESENT_TARGET_ID;
typedef UINT D3DKMT_HANDLE;

/* ------------------------------------------------------------------ pool (wdm.h, Windows 10 2004) */

typedef ULONG64 POOL_FLAGS;
#define POOL_FLAG_USE_QUOTA          0x0000000000000001ULL
#define POOL_FLAG_UNINITIALIZED      0x0000000000000002ULL
#define POOL_FLAG_SESSION            0x0000000000000004ULL
#define POOL_FLAG_CACHE_ALIGNED      0x0000000000000008ULL
#define POOL_FLAG_RAISE_ON_FAILURE   0x0000000000000020ULL
#define POOL_FLAG_NON_PAGED          0x0000000000000040ULL
#define POOL_FLAG_NON_PAGED_EXECUTE  0x0000000000000080ULL
#define POOL_FLAG_PAGED              0x0000000000000100ULL
#define POOL_FLAG_SPECIAL_POOL       0x0000000100000000ULL

NTKERNELAPI PVOID NTAPI ExAllocatePool2(POOL_FLAGS Flags, SIZE_T NumberOfBytes, ULONG Tag);

/* ------------------------------------------------------------------ d3dkmdt.h: targets and children */

typedef enum _D3DKMDT_VIDEO_OUTPUT_TECHNOLOGY {
    D3DKMDT_VOT_UNINITIALIZED        = -2,
    D3DKMDT_VOT_OTHER                = -1,
    D3DKMDT_VOT_HD15                 = 0,
    D3DKMDT_VOT_SVIDEO               = 1,
    D3DKMDT_VOT_COMPOSITE_VIDEO      = 2,
    D3DKMDT_VOT_COMPONENT_VIDEO      = 3,
    D3DKMDT_VOT_DVI                  = 4,
    D3DKMDT_VOT_HDMI                 = 5,
    D3DKMDT_VOT_LVDS                 = 6,
    D3DKMDT_VOT_D_JPN                = 8,
    D3DKMDT_VOT_SDI                  = 9,
    D3DKMDT_VOT_DISPLAYPORT_EXTERNAL = 10,
    D3DKMDT_VOT_DISPLAYPORT_EMBEDDED = 11,
    D3DKMDT_VOT_UDI_EXTERNAL         = 12,
    D3DKMDT_VOT_UDI_EMBEDDED         = 13,
    D3DKMDT_VOT_SDTVDONGLE           = 14,
    D3DKMDT_VOT_MIRACAST             = 15,
    /* MSVC gives every enum the type int; GCC would widen this one to 64 bits for 0x80000000. */
    D3DKMDT_VOT_INTERNAL             = (int)0x80000000
} D3DKMDT_VIDEO_OUTPUT_TECHNOLOGY;

typedef enum _D3DKMDT_MONITOR_ORIENTATION_AWARENESS {
    D3DKMDT_MOA_UNINITIALIZED = 0,
    D3DKMDT_MOA_NONE          = 1,
    D3DKMDT_MOA_POLLED        = 2,
    D3DKMDT_MOA_INTERRUPTIBLE = 3
} D3DKMDT_MONITOR_ORIENTATION_AWARENESS;

typedef enum _DXGK_CHILD_DEVICE_HPD_AWARENESS {
    HpdAwarenessUninitialized   = 0,
    HpdAwarenessAlwaysConnected = 1,
    HpdAwarenessNone            = 2,
    HpdAwarenessPolled          = 3,
    HpdAwarenessInterruptible   = 4
} DXGK_CHILD_DEVICE_HPD_AWARENESS, *PDXGK_CHILD_DEVICE_HPD_AWARENESS;

typedef struct _DXGK_VIDEO_OUTPUT_CAPABILITIES {
    D3DKMDT_VIDEO_OUTPUT_TECHNOLOGY InterfaceTechnology;
    D3DKMDT_MONITOR_ORIENTATION_AWARENESS MonitorOrientationAwareness;
    BOOLEAN SupportsSdtvModes;
} DXGK_VIDEO_OUTPUT_CAPABILITIES, *PDXGK_VIDEO_OUTPUT_CAPABILITIES;

typedef struct _DXGK_INTEGRATED_DISPLAY_CHILD {
    D3DKMDT_VIDEO_OUTPUT_TECHNOLOGY InterfaceTechnology;
    USHORT DescriptorLength;
} DXGK_INTEGRATED_DISPLAY_CHILD, *PDXGK_INTEGRATED_DISPLAY_CHILD;

typedef struct _DXGK_CHILD_CAPABILITIES {
    union {
        DXGK_VIDEO_OUTPUT_CAPABILITIES VideoOutput;
        struct {
            UINT MustBeZero;
        } Other;
        DXGK_INTEGRATED_DISPLAY_CHILD IntegratedDisplayChild;
    } Type;
    DXGK_CHILD_DEVICE_HPD_AWARENESS HpdAwareness;
} DXGK_CHILD_CAPABILITIES, *PDXGK_CHILD_CAPABILITIES;

typedef enum _DXGK_CHILD_DEVICE_TYPE {
    TypeUninitialized,
    TypeVideoOutput,
    TypeOther,
    TypeIntegratedDisplay
} DXGK_CHILD_DEVICE_TYPE, *PDXGK_CHILD_DEVICE_TYPE;

/* For a TypeVideoOutput child, ChildUid is its video present target id. */
typedef struct _DXGK_CHILD_DESCRIPTOR {
    DXGK_CHILD_DEVICE_TYPE ChildDeviceType;
    DXGK_CHILD_CAPABILITIES ChildCapabilities;
    ULONG AcpiUid;
    ULONG ChildUid;
} DXGK_CHILD_DESCRIPTOR, *PDXGK_CHILD_DESCRIPTOR;

typedef enum _DXGK_CHILD_STATUS_TYPE {
    StatusUninitialized      = 0,
    StatusConnection         = 1,
    StatusRotation           = 2,
    StatusMiracastConnection = 3
} DXGK_CHILD_STATUS_TYPE, *PDXGK_CHILD_STATUS_TYPE;

typedef struct _DXGK_CHILD_STATUS {
    DXGK_CHILD_STATUS_TYPE Type;
    ULONG ChildUid;
    union {
        struct {
            BOOLEAN Connected;
        } HotPlug;
        struct {
            UCHAR Angle;
        } Rotation;
        struct {
            BOOLEAN Connected;
            D3DKMDT_VIDEO_OUTPUT_TECHNOLOGY MiracastMonitorType;
        } Miracast;
    };
} DXGK_CHILD_STATUS, *PDXGK_CHILD_STATUS;

/* ------------------------------------------------------------------ d3dukmdt.h: Miracast chunks */

typedef union {
    struct {
        UINT64 FrameNumber : 40;
        UINT64 PartNumber  : 24;
    };
    UINT64 Value;
} DXGK_MIRACAST_CHUNK_ID;

typedef enum _DXGK_MIRACAST_CHUNK_TYPE {
    DXGK_MIRACAST_CHUNK_TYPE_UNKNOWN = 0,
    DXGK_MIRACAST_CHUNK_TYPE_COLOR_CONVERT_COMPLETE = 1,
    DXGK_MIRACAST_CHUNK_TYPE_ENCODE_COMPLETE = 2,
    DXGK_MIRACAST_CHUNK_TYPE_FRAME_START = 3,
    DXGK_MIRACAST_CHUNK_TYPE_FRAME_DROPPED = 4,
    DXGK_MIRACAST_CHUNK_TYPE_ENCODE_DRIVER_DEFINED_1 = (int)0x80000000,
    DXGK_MIRACAST_CHUNK_TYPE_ENCODE_DRIVER_DEFINED_2 = (int)0x80000001,
} DXGK_MIRACAST_CHUNK_TYPE;

typedef struct {
    DXGK_MIRACAST_CHUNK_TYPE ChunkType;
    DXGK_MIRACAST_CHUNK_ID ChunkId;
    UINT ProcessingTime;            /* microseconds */
    UINT EncodeRate;                /* kilobits per second */
} DXGK_MIRACAST_CHUNK_INFO;

/* ------------------------------------------------------------------ d3dkmddi.h: the chunk interrupt */

typedef enum _DXGK_INTERRUPT_TYPE {
    DXGK_INTERRUPT_DMA_COMPLETED = 1,
    DXGK_INTERRUPT_DMA_PREEMPTED = 2,
    DXGK_INTERRUPT_CRTC_VSYNC = 3,
    DXGK_INTERRUPT_DMA_FAULTED = 4,
    DXGK_INTERRUPT_DISPLAYONLY_VSYNC = 5,
    DXGK_INTERRUPT_DISPLAYONLY_PRESENT_PROGRESS = 6,
    DXGK_INTERRUPT_CRTC_VSYNC_WITH_MULTIPLANE_OVERLAY = 7,
    /* The WDK spells it "MICACAST". */
    DXGK_INTERRUPT_MICACAST_CHUNK_PROCESSING_COMPLETE = 8
} DXGK_INTERRUPT_TYPE;

typedef struct _DXGKCB_NOTIFY_INTERRUPT_DATA_FLAGS {
    union {
        struct {
            UINT ValidPhysicalAdapterMask : 1;
            UINT Reserved                 : 31;
        };
        UINT Value;
    };
} DXGKCB_NOTIFY_INTERRUPT_DATA_FLAGS;

/* Only the Miracast member of the interrupt union is declared; Reserved gives the union the
   WDK's 64 bytes. */
typedef struct _DXGKARGCB_NOTIFY_INTERRUPT_DATA {
    DXGK_INTERRUPT_TYPE InterruptType;
    union {
        struct {
            D3DDDI_VIDEO_PRESENT_TARGET_ID VidPnTargetId;
            DXGK_MIRACAST_CHUNK_INFO ChunkInfo;
            PVOID pPrivateDriverData;
            UINT PrivateDataDriverSize;
            NTSTATUS Status;        /* out: written by the OS */
        } MiracastEncodeChunkCompleted;
        struct {
            UINT Reserved[16];
        } Reserved;
    };
    DXGKCB_NOTIFY_INTERRUPT_DATA_FLAGS Flags;
} DXGKARGCB_NOTIFY_INTERRUPT_DATA;

/* ------------------------------------------------------------------ dispmprt.h: DxgkCb services */

typedef enum {
    DockStateUnsupported = 0,
    DockStateUnDocked    = 1,
    DockStateDocked      = 2,
    DockStateUnknown     = 3
} DOCKING_STATE;

typedef struct _DXGK_DEVICE_INFO {
    PVOID MiniportDeviceContext;
    PDEVICE_OBJECT PhysicalDeviceObject;
    UNICODE_STRING DeviceRegistryPath;
    PCM_RESOURCE_LIST TranslatedResourceList;
    LARGE_INTEGER SystemMemorySize;
    PHYSICAL_ADDRESS HighestPhysicalAddress;
    PHYSICAL_ADDRESS AgpApertureBase;
    SIZE_T AgpApertureSize;
    DOCKING_STATE DockingState;
} DXGK_DEVICE_INFO, *PDXGK_DEVICE_INFO;

typedef enum {
    DxgkServicesAgp,
    DxgkServicesDebugReport,
    DxgkServicesTimedOperation,
    DxgkServicesSPB,
    DxgkServicesBDD,
    DxgkServicesFirmwareTable,
    DxgkServicesIDD
} DXGK_SERVICES;

typedef NTSTATUS (APIENTRY *DXGKCB_EVAL_ACPI_METHOD)(HANDLE DeviceHandle, ULONG DeviceUid, PVOID AcpiInputBuffer,
                                                     ULONG AcpiInputSize, PVOID AcpiOutputBuffer, ULONG AcpiOutputSize);
typedef NTSTATUS (APIENTRY *DXGKCB_GET_DEVICE_INFORMATION)(HANDLE DeviceHandle, PDXGK_DEVICE_INFO DeviceInfo);
typedef NTSTATUS (APIENTRY *DXGKCB_INDICATE_CHILD_STATUS)(HANDLE DeviceHandle, PDXGK_CHILD_STATUS ChildStatus);
typedef NTSTATUS (APIENTRY *DXGKCB_MAP_MEMORY)(HANDLE DeviceHandle, PHYSICAL_ADDRESS TranslatedAddress, ULONG Length,
                                               BOOLEAN InIoSpace, BOOLEAN MapToUserMode,
                                               MEMORY_CACHING_TYPE CacheType, PVOID *VirtualAddress);
typedef BOOLEAN (APIENTRY *DXGKCB_QUEUE_DPC)(HANDLE DeviceHandle);
typedef NTSTATUS (APIENTRY *DXGKCB_QUERY_SERVICES)(HANDLE DeviceHandle, DXGK_SERVICES ServicesType, PINTERFACE Interface);
typedef NTSTATUS (APIENTRY *DXGKCB_READ_DEVICE_SPACE)(HANDLE DeviceHandle, ULONG DataType, PVOID Buffer, ULONG Offset,
                                                      ULONG Length, PULONG BytesRead);
typedef NTSTATUS (APIENTRY *DXGKCB_SYNCHRONIZE_EXECUTION)(HANDLE DeviceHandle, PKSYNCHRONIZE_ROUTINE SynchronizeRoutine,
                                                          PVOID Context, ULONG MessageNumber, PBOOLEAN ReturnValue);
typedef NTSTATUS (APIENTRY *DXGKCB_UNMAP_MEMORY)(HANDLE DeviceHandle, PVOID VirtualAddress);
typedef NTSTATUS (APIENTRY *DXGKCB_WRITE_DEVICE_SPACE)(HANDLE DeviceHandle, ULONG DataType, PVOID Buffer, ULONG Offset,
                                                       ULONG Length, PULONG BytesWritten);
typedef NTSTATUS (APIENTRY *DXGKCB_IS_DEVICE_PRESENT)(HANDLE DeviceHandle, PVOID DevicePresenceParameters,
                                                      PBOOLEAN DevicePresent);
typedef VOID (APIENTRY *DXGKCB_NOTIFY_INTERRUPT)(HANDLE hAdapter, DXGKARGCB_NOTIFY_INTERRUPT_DATA *pNotifyInterrupt);
typedef VOID (APIENTRY *DXGKCB_NOTIFY_DPC)(HANDLE hAdapter);
typedef VOID (APIENTRY *DXGKCB_LOG_ETW_EVENT)(CONST GUID *EventGuid, UCHAR Type, USHORT EventBufferSize,
                                              PVOID EventBuffer);

/*
 * DXGKRNL_INTERFACE, as DxgkDdiStartDevice receives it, through WDDM 1.3. Services after
 * DxgkCbNotifyDpc that a Miracast miniport has no use for are slots of their WDK name only.
 */
typedef struct _DXGKRNL_INTERFACE {
    ULONG Size;
    ULONG Version;
    HANDLE DeviceHandle;

    DXGKCB_EVAL_ACPI_METHOD DxgkCbEvalAcpiMethod;
    DXGKCB_GET_DEVICE_INFORMATION DxgkCbGetDeviceInformation;
    DXGKCB_INDICATE_CHILD_STATUS DxgkCbIndicateChildStatus;
    DXGKCB_MAP_MEMORY DxgkCbMapMemory;
    DXGKCB_QUEUE_DPC DxgkCbQueueDpc;
    DXGKCB_QUERY_SERVICES DxgkCbQueryServices;
    DXGKCB_READ_DEVICE_SPACE DxgkCbReadDeviceSpace;
    DXGKCB_SYNCHRONIZE_EXECUTION DxgkCbSynchronizeExecution;
    DXGKCB_UNMAP_MEMORY DxgkCbUnmapMemory;
    DXGKCB_WRITE_DEVICE_SPACE DxgkCbWriteDeviceSpace;
    DXGKCB_IS_DEVICE_PRESENT DxgkCbIsDevicePresent;

    PVOID DxgkCbGetHandleData;
    PVOID DxgkCbGetHandleParent;
    PVOID DxgkCbEnumHandleChildren;
    DXGKCB_NOTIFY_INTERRUPT DxgkCbNotifyInterrupt;
    DXGKCB_NOTIFY_DPC DxgkCbNotifyDpc;
    PVOID DxgkCbQueryVidPnInterface;
    PVOID DxgkCbQueryMonitorInterface;
    PVOID DxgkCbGetCaptureAddress;

    DXGKCB_LOG_ETW_EVENT DxgkCbLogEtwEvent;

    PVOID DxgkCbExcludeAdapterAccess;

    /* WIN8 */
    PVOID DxgkCbCreateContextAllocation;
    PVOID DxgkCbDestroyContextAllocation;
    PVOID DxgkCbSetPowerComponentActive;
    PVOID DxgkCbSetPowerComponentIdle;
    PVOID DxgkCbAcquirePostDisplayOwnership;
    PVOID DxgkCbPowerRuntimeControlRequest;
    PVOID DxgkCbSetPowerComponentLatency;
    PVOID DxgkCbSetPowerComponentResidency;
    PVOID DxgkCbCompleteFStateTransition;

    /* WDDM 1.3 */
    PVOID DxgkCbCompletePStateTransition;
} DXGKRNL_INTERFACE, *PDXGKRNL_INTERFACE;

/* ------------------------------------------------------------------ dispmprt.h: registration */

typedef struct _DXGK_START_INFO {
    ULONG RequiredDmaQueueEntry;
    GUID AdapterGuid;
    LUID AdapterLuid;               /* WIN8 */
} DXGK_START_INFO, *PDXGK_START_INFO;

/* The argument of DxgkDdiQueryInterface (video.h). DeviceUid exists from WDDM 1.3. */
typedef struct _QUERY_INTERFACE {
    CONST GUID *InterfaceType;
    USHORT Size;
    USHORT Version;
    PINTERFACE Interface;
    PVOID InterfaceSpecificData;
    ULONG DeviceUid;
} QUERY_INTERFACE, *PQUERY_INTERFACE;

struct _VIDEO_REQUEST_PACKET;      /* video.h's; a Miracast miniport does not dispatch video requests */

typedef NTSTATUS APIENTRY DXGKDDI_ADD_DEVICE(CONST PDEVICE_OBJECT PhysicalDeviceObject, PVOID *MiniportDeviceContext);
typedef NTSTATUS APIENTRY DXGKDDI_START_DEVICE(CONST PVOID MiniportDeviceContext, PDXGK_START_INFO DxgkStartInfo,
                                               PDXGKRNL_INTERFACE DxgkInterface, PULONG NumberOfVideoPresentSources,
                                               PULONG NumberOfChildren);
typedef NTSTATUS APIENTRY DXGKDDI_STOP_DEVICE(CONST PVOID MiniportDeviceContext);
typedef NTSTATUS APIENTRY DXGKDDI_REMOVE_DEVICE(CONST PVOID MiniportDeviceContext);
typedef NTSTATUS APIENTRY DXGKDDI_DISPATCH_IO_REQUEST(CONST PVOID MiniportDeviceContext, ULONG VidPnSourceId,
                                                      struct _VIDEO_REQUEST_PACKET *VideoRequestPacket);
typedef BOOLEAN APIENTRY DXGKDDI_INTERRUPT_ROUTINE(CONST PVOID MiniportDeviceContext, ULONG MessageNumber);
typedef VOID APIENTRY DXGKDDI_DPC_ROUTINE(CONST PVOID MiniportDeviceContext);
typedef NTSTATUS APIENTRY DXGKDDI_QUERY_CHILD_RELATIONS(CONST PVOID MiniportDeviceContext,
                                                        PDXGK_CHILD_DESCRIPTOR ChildRelations, ULONG ChildRelationsSize);
typedef NTSTATUS APIENTRY DXGKDDI_QUERY_CHILD_STATUS(CONST PVOID MiniportDeviceContext, PDXGK_CHILD_STATUS ChildStatus,
                                                     BOOLEAN NonDestructiveOnly);
typedef NTSTATUS APIENTRY DXGKDDI_QUERY_DEVICE_DESCRIPTOR(CONST PVOID MiniportDeviceContext, ULONG ChildUid,
                                                          PVOID DeviceDescriptor);
typedef NTSTATUS APIENTRY DXGKDDI_SET_POWER_STATE(CONST PVOID MiniportDeviceContext, ULONG DeviceUid,
                                                  DEVICE_POWER_STATE DevicePowerState, POWER_ACTION ActionType);
typedef NTSTATUS APIENTRY DXGKDDI_NOTIFY_ACPI_EVENT(CONST PVOID MiniportDeviceContext, ULONG EventType, ULONG Event,
                                                    PVOID Argument, PULONG AcpiFlags);
typedef VOID APIENTRY DXGKDDI_RESET_DEVICE(CONST PVOID MiniportDeviceContext);
typedef VOID APIENTRY DXGKDDI_UNLOAD(VOID);
typedef NTSTATUS APIENTRY DXGKDDI_QUERY_INTERFACE(CONST PVOID MiniportDeviceContext, PQUERY_INTERFACE QueryInterface);
typedef VOID APIENTRY DXGKDDI_CONTROL_ETW_LOGGING(BOOLEAN Enable, ULONG Flags, UCHAR Level);

typedef DXGKDDI_ADD_DEVICE              *PDXGKDDI_ADD_DEVICE;
typedef DXGKDDI_START_DEVICE            *PDXGKDDI_START_DEVICE;
typedef DXGKDDI_STOP_DEVICE             *PDXGKDDI_STOP_DEVICE;
typedef DXGKDDI_REMOVE_DEVICE           *PDXGKDDI_REMOVE_DEVICE;
typedef DXGKDDI_DISPATCH_IO_REQUEST     *PDXGKDDI_DISPATCH_IO_REQUEST;
typedef DXGKDDI_INTERRUPT_ROUTINE       *PDXGKDDI_INTERRUPT_ROUTINE;
typedef DXGKDDI_DPC_ROUTINE             *PDXGKDDI_DPC_ROUTINE;
typedef DXGKDDI_QUERY_CHILD_RELATIONS   *PDXGKDDI_QUERY_CHILD_RELATIONS;
typedef DXGKDDI_QUERY_CHILD_STATUS      *PDXGKDDI_QUERY_CHILD_STATUS;
typedef DXGKDDI_QUERY_DEVICE_DESCRIPTOR *PDXGKDDI_QUERY_DEVICE_DESCRIPTOR;
typedef DXGKDDI_SET_POWER_STATE         *PDXGKDDI_SET_POWER_STATE;
typedef DXGKDDI_NOTIFY_ACPI_EVENT       *PDXGKDDI_NOTIFY_ACPI_EVENT;
typedef DXGKDDI_RESET_DEVICE            *PDXGKDDI_RESET_DEVICE;
typedef DXGKDDI_UNLOAD                  *PDXGKDDI_UNLOAD;
typedef DXGKDDI_QUERY_INTERFACE         *PDXGKDDI_QUERY_INTERFACE;
typedef DXGKDDI_CONTROL_ETW_LOGGING     *PDXGKDDI_CONTROL_ETW_LOGGING;

/*
 * DRIVER_INITIALIZATION_DATA through WDDM 1.3: the device DDIs a Miracast miniport registers are
 * typed; the render, VidPN and present DDIs keep their WDK names and slots as untyped pointers.
 */
typedef struct _DRIVER_INITIALIZATION_DATA {
    ULONG Version;
    PDXGKDDI_ADD_DEVICE DxgkDdiAddDevice;
    PDXGKDDI_START_DEVICE DxgkDdiStartDevice;
    PDXGKDDI_STOP_DEVICE DxgkDdiStopDevice;
    PDXGKDDI_REMOVE_DEVICE DxgkDdiRemoveDevice;
    PDXGKDDI_DISPATCH_IO_REQUEST DxgkDdiDispatchIoRequest;
    PDXGKDDI_INTERRUPT_ROUTINE DxgkDdiInterruptRoutine;
    PDXGKDDI_DPC_ROUTINE DxgkDdiDpcRoutine;
    PDXGKDDI_QUERY_CHILD_RELATIONS DxgkDdiQueryChildRelations;
    PDXGKDDI_QUERY_CHILD_STATUS DxgkDdiQueryChildStatus;
    PDXGKDDI_QUERY_DEVICE_DESCRIPTOR DxgkDdiQueryDeviceDescriptor;
    PDXGKDDI_SET_POWER_STATE DxgkDdiSetPowerState;
    PDXGKDDI_NOTIFY_ACPI_EVENT DxgkDdiNotifyAcpiEvent;
    PDXGKDDI_RESET_DEVICE DxgkDdiResetDevice;
    PDXGKDDI_UNLOAD DxgkDdiUnload;
    PDXGKDDI_QUERY_INTERFACE DxgkDdiQueryInterface;
    PDXGKDDI_CONTROL_ETW_LOGGING DxgkDdiControlEtwLogging;

    PVOID DxgkDdiQueryAdapterInfo;
    PVOID DxgkDdiCreateDevice;
    PVOID DxgkDdiCreateAllocation;
    PVOID DxgkDdiDestroyAllocation;
    PVOID DxgkDdiDescribeAllocation;
    PVOID DxgkDdiGetStandardAllocationDriverData;
    PVOID DxgkDdiAcquireSwizzlingRange;
    PVOID DxgkDdiReleaseSwizzlingRange;
    PVOID DxgkDdiPatch;
    PVOID DxgkDdiSubmitCommand;
    PVOID DxgkDdiPreemptCommand;
    PVOID DxgkDdiBuildPagingBuffer;
    PVOID DxgkDdiSetPalette;
    PVOID DxgkDdiSetPointerPosition;
    PVOID DxgkDdiSetPointerShape;
    PVOID DxgkDdiResetFromTimeout;
    PVOID DxgkDdiRestartFromTimeout;
    PVOID DxgkDdiEscape;
    PVOID DxgkDdiCollectDbgInfo;
    PVOID DxgkDdiQueryCurrentFence;
    PVOID DxgkDdiIsSupportedVidPn;
    PVOID DxgkDdiRecommendFunctionalVidPn;
    PVOID DxgkDdiEnumVidPnCofuncModality;
    PVOID DxgkDdiSetVidPnSourceAddress;
    PVOID DxgkDdiSetVidPnSourceVisibility;
    PVOID DxgkDdiCommitVidPn;
    PVOID DxgkDdiUpdateActiveVidPnPresentPath;
    PVOID DxgkDdiRecommendMonitorModes;
    PVOID DxgkDdiRecommendVidPnTopology;
    PVOID DxgkDdiGetScanLine;
    PVOID DxgkDdiStopCapture;
    PVOID DxgkDdiControlInterrupt;
    PVOID DxgkDdiCreateOverlay;

    PVOID DxgkDdiDestroyDevice;
    PVOID DxgkDdiOpenAllocation;
    PVOID DxgkDdiCloseAllocation;
    PVOID DxgkDdiRender;
    PVOID DxgkDdiPresent;

    PVOID DxgkDdiUpdateOverlay;
    PVOID DxgkDdiFlipOverlay;
    PVOID DxgkDdiDestroyOverlay;

    PVOID DxgkDdiCreateContext;
    PVOID DxgkDdiDestroyContext;

    PVOID DxgkDdiLinkDevice;
    PVOID DxgkDdiSetDisplayPrivateDriverFormat;

    /* WIN7 */
    PVOID DxgkDdiDescribePageTable;
    PVOID DxgkDdiUpdatePageTable;
    PVOID DxgkDdiUpdatePageDirectory;
    PVOID DxgkDdiMovePageDirectory;
    PVOID DxgkDdiSubmitRender;
    PVOID DxgkDdiCreateAllocation2;
    PVOID DxgkDdiRenderKm;
    VOID *Reserved;
    PVOID DxgkDdiQueryVidPnHWCapability;

    /* WIN8 */
    PVOID DxgkDdiSetPowerComponentFState;
    PVOID DxgkDdiQueryDependentEngineGroup;
    PVOID DxgkDdiQueryEngineStatus;
    PVOID DxgkDdiResetEngine;
    PVOID DxgkDdiStopDeviceAndReleasePostDisplayOwnership;
    PVOID DxgkDdiSystemDisplayEnable;
    PVOID DxgkDdiSystemDisplayWrite;
    PVOID DxgkDdiCancelCommand;
    PVOID DxgkDdiGetChildContainerId;
    PVOID DxgkDdiPowerRuntimeControlRequest;
    PVOID DxgkDdiSetVidPnSourceAddressWithMultiPlaneOverlay;
    PVOID DxgkDdiNotifySurpriseRemoval;

    /* WDDM 1.3 */
    PVOID DxgkDdiGetNodeMetadata;
    PVOID DxgkDdiSetPowerPState;
    PVOID DxgkDdiControlInterrupt2;
    PVOID DxgkDdiCheckMultiPlaneOverlaySupport;
    PVOID DxgkDdiCalibrateGpuClock;
    PVOID DxgkDdiFormatHistoryBuffer;
} DRIVER_INITIALIZATION_DATA, *PDRIVER_INITIALIZATION_DATA;

/* displib's entry point, which a WDDM miniport's DriverEntry calls. In this project the host
   implements it (driver/host/mh_adapter.c). */
NTSTATUS DxgkInitialize(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath,
                        PDRIVER_INITIALIZATION_DATA DriverInitializationData);

/* ------------------------------------------------------------------ dispmprt.h: Miracast */

typedef VOID (*DXGKCB_MIRACAST_SEND_MESSAGE_CALLBACK)(
    _In_ PVOID CallbackContext,
    _In_ PIO_STATUS_BLOCK pIoStatusBlock);

typedef NTSTATUS (*DXGKCB_MIRACAST_SEND_MESSAGE)(
    _In_ HANDLE MiracastHandle,
    _In_ ULONG InputBufferSize,
    _In_reads_bytes_(InputBufferSize) VOID *pInputBuffer,
    _In_ ULONG OutputBufferSize,
    _Out_writes_bytes_(OutputBufferSize) VOID *pOutputBuffer,
    _In_opt_ DXGKCB_MIRACAST_SEND_MESSAGE_CALLBACK pCallback,
    _In_opt_ PVOID pCallbackContext);

typedef NTSTATUS (*DXGKCB_MIRACAST_REPORT_CHUNK_INFO)(
    _In_ HANDLE MiracastHandle,
    _In_ DXGK_MIRACAST_CHUNK_INFO *pChunkInfo,
    _In_ PVOID pPrivateDriverData,
    _In_ UINT PrivateDataDriverSize);

typedef struct _DXGK_MIRACAST_DISPLAY_CALLBACKS {
    HANDLE MiracastHandle;
    DXGKCB_MIRACAST_SEND_MESSAGE DxgkCbMiracastSendMessage;
    DXGKCB_MIRACAST_REPORT_CHUNK_INFO DxgkCbReportChunkInfo;
} DXGK_MIRACAST_DISPLAY_CALLBACKS, *PDXGK_MIRACAST_DISPLAY_CALLBACKS;

typedef struct _DXGK_MIRACAST_CAPS {
    ULONG MaxChunkPrivateDriverDataSize;
    union {
        struct {
            UINT HdcpSupport : 1;
            UINT Reserved    : 31;
        };
        UINT Value;
    } Flags;
} DXGK_MIRACAST_CAPS, *PDXGK_MIRACAST_CAPS;

typedef NTSTATUS (*DXGKDDI_MIRACAST_QUERY_CAPS)(
    _In_ PVOID DriverContext,
    _In_ ULONG MiracastCapsSize,
    _Out_ DXGK_MIRACAST_CAPS *MiracastCaps);

typedef NTSTATUS (*DXGKDDI_MIRACAST_CREATE_CONTEXT)(
    _In_ PVOID DriverContext,
    _In_ DXGK_MIRACAST_DISPLAY_CALLBACKS *MiracastCallbacks,
    _Out_ PVOID *MiracastContext,
    _Out_ ULONG *TargetId);

typedef VOID (*DXGKDDI_MIRACAST_DESTROY_CONTEXT)(
    _In_ PVOID DriverContext,
    _In_ PVOID MiracastContext);

typedef NTSTATUS (*DXGKDDI_MIRACAST_HANDLE_IO_CONTROL)(
    _In_ PVOID DriverContext,
    _In_ PVOID MiracastContext,
    _In_ ULONG InputBufferSize,
    _In_reads_bytes_(InputBufferSize) VOID *pInputBuffer,
    _In_ ULONG OutputBufferSize,
    _Out_writes_bytes_(OutputBufferSize) VOID *pOutputBuffer,
    _Out_ ULONG *BytesReturned);

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

/* ------------------------------------------------------------------ x64 layout, as the WDK has it */

#if defined(_WIN64)
C_ASSERT(sizeof(DXGK_MIRACAST_CAPS) == 8);
C_ASSERT(sizeof(DXGK_MIRACAST_CHUNK_INFO) == 24);
C_ASSERT(FIELD_OFFSET(DXGK_MIRACAST_CHUNK_INFO, ChunkId) == 8);
C_ASSERT(FIELD_OFFSET(DXGK_MIRACAST_CHUNK_INFO, ProcessingTime) == 16);
C_ASSERT(FIELD_OFFSET(DXGK_MIRACAST_CHUNK_INFO, EncodeRate) == 20);
C_ASSERT(sizeof(DXGK_MIRACAST_DISPLAY_CALLBACKS) == 24);
C_ASSERT(sizeof(DXGK_MIRACAST_DISPLAY_INTERFACE) == 64);
C_ASSERT(sizeof(D3DKMDT_VIDEO_OUTPUT_TECHNOLOGY) == 4);
C_ASSERT(sizeof(DXGK_CHILD_STATUS) == 16);
C_ASSERT(FIELD_OFFSET(DXGK_CHILD_STATUS, Miracast.MiracastMonitorType) == 12);
C_ASSERT(FIELD_OFFSET(DXGK_CHILD_CAPABILITIES, HpdAwareness) == 12);
C_ASSERT(sizeof(DXGK_CHILD_DESCRIPTOR) == 28);
C_ASSERT(FIELD_OFFSET(DXGK_CHILD_DESCRIPTOR, ChildUid) == 24);
C_ASSERT(sizeof(QUERY_INTERFACE) == 40);
C_ASSERT(FIELD_OFFSET(QUERY_INTERFACE, DeviceUid) == 32);
C_ASSERT(sizeof(DXGK_START_INFO) == 28);
C_ASSERT(FIELD_OFFSET(DXGK_START_INFO, AdapterLuid) == 20);
C_ASSERT(sizeof(DXGKARGCB_NOTIFY_INTERRUPT_DATA) == 80);
C_ASSERT(FIELD_OFFSET(DXGKARGCB_NOTIFY_INTERRUPT_DATA, MiracastEncodeChunkCompleted.ChunkInfo) == 16);
C_ASSERT(FIELD_OFFSET(DXGKARGCB_NOTIFY_INTERRUPT_DATA, MiracastEncodeChunkCompleted.pPrivateDriverData) == 40);
C_ASSERT(FIELD_OFFSET(DXGKARGCB_NOTIFY_INTERRUPT_DATA, MiracastEncodeChunkCompleted.Status) == 52);
C_ASSERT(FIELD_OFFSET(DXGKARGCB_NOTIFY_INTERRUPT_DATA, Flags) == 72);
C_ASSERT(FIELD_OFFSET(DXGKRNL_INTERFACE, DxgkCbIndicateChildStatus) == 32);
C_ASSERT(FIELD_OFFSET(DXGKRNL_INTERFACE, DxgkCbQueueDpc) == 48);
C_ASSERT(FIELD_OFFSET(DXGKRNL_INTERFACE, DxgkCbNotifyInterrupt) == 128);
C_ASSERT(FIELD_OFFSET(DXGKRNL_INTERFACE, DxgkCbNotifyDpc) == 136);
C_ASSERT(sizeof(DXGKRNL_INTERFACE) == 264);
C_ASSERT(FIELD_OFFSET(DRIVER_INITIALIZATION_DATA, DxgkDdiAddDevice) == 8);
C_ASSERT(FIELD_OFFSET(DRIVER_INITIALIZATION_DATA, DxgkDdiDpcRoutine) == 56);
C_ASSERT(FIELD_OFFSET(DRIVER_INITIALIZATION_DATA, DxgkDdiQueryChildRelations) == 64);
C_ASSERT(FIELD_OFFSET(DRIVER_INITIALIZATION_DATA, DxgkDdiUnload) == 112);
C_ASSERT(FIELD_OFFSET(DRIVER_INITIALIZATION_DATA, DxgkDdiQueryInterface) == 120);
C_ASSERT(sizeof(DRIVER_INITIALIZATION_DATA) == 712);
#endif

#endif /* MH_DDI_DECLS_H */

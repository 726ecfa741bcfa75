/*++

Module Name:

    miracast_hil_ioctl.h

Abstract:

    The one IOCTL contract of miracast-hil. The harness driver (driver/control, driver/host), the
    test miniport (driver/miniport/test), the raw C client (driver/exe) and the Node-API addon
    (native/) all include this header to agree on codes, structures, limits and the NTSTATUS
    choices the documentation leaves open. It depends on nothing but the base types of the kernel
    or Win32 headers, so every layer of the driver may include it.

    Rules of the contract:
      - METHOD_BUFFERED only; every IOCTL names the access it needs (never FILE_ANY_ACCESS).
      - Fixed-size, 8-byte aligned structures; their sizes are asserted below so a layout change
        breaks the build, not a test run.
      - Variable data follows a fixed header; records in batches are padded to 8 bytes.
      - The IRP's own status says whether the operation could be carried out. Results that the
        Miracast DDIs report as data (the IO_STATUS_BLOCK a send-message callback receives) travel
        in the output buffer, because METHOD_BUFFERED output is not copied back for an NT error.

    Bump MH_CONTRACT_VERSION_MAJOR for any incompatible change; user mode refuses a driver whose
    major version differs (IOCTL_MH_GET_INFO).

Environment:

    Kernel mode (WDK or MinGW-w64 DDK headers) and user mode (windows.h), C and C++.

--*/

#ifndef MIRACAST_HIL_IOCTL_H
#define MIRACAST_HIL_IOCTL_H

#define MH_CONTRACT_VERSION_MAJOR 1
#define MH_CONTRACT_VERSION_MINOR 5
#define MH_CONTRACT_VERSION ((MH_CONTRACT_VERSION_MAJOR << 16) | MH_CONTRACT_VERSION_MINOR)

/* Names. The service name is also the driver's file name (MiracastHil.sys). */
#define MH_SERVICE_NAME_A      "MiracastHil"
#define MH_DEVICE_NAME_W       L"\\Device\\MiracastHil"
#define MH_SYMLINK_NAME_W      L"\\DosDevices\\MiracastHil"
#define MH_USER_PATH_A         "\\\\.\\MiracastHil"
#define MH_USER_PATH_W         L"\\\\.\\MiracastHil"

/* A device type in the customer range (0x8000-0xFFFF), function codes from 0x800. Unsigned, so that
   CTL_CODE yields an unsigned code (a signed one sets bit 31 of an int: C4245 under /W4). */
#define MH_DEVICE_TYPE 0xA15Cu
#define MH_IOCTL(Function, Access) \
    CTL_CODE(MH_DEVICE_TYPE, 0x800 + (Function), METHOD_BUFFERED, (Access))
#define MH_READ  FILE_READ_ACCESS
#define MH_WRITE FILE_WRITE_ACCESS
#define MH_RW    (FILE_READ_ACCESS | FILE_WRITE_ACCESS)

/*
 * IOCTL                         in                          out
 * GET_INFO                      -                           MH_INFO
 * ECHO                          bytes                       the same bytes (control layer only)
 * QUERY_CAPS                    [MH_QUERY_CAPS_IN]          MH_QUERY_CAPS_OUT
 * CREATE_CONTEXT                -                           MH_CONTEXT_INFO
 * DESTROY_CONTEXT               MH_CONTEXT_REF              -
 * IO_CONTROL                    MH_IO_CONTROL_IN + bytes    MH_IO_CONTROL_OUT + bytes
 * SEND_MESSAGE (pends)          MH_SEND_MESSAGE_IN + bytes  MH_SEND_MESSAGE_OUT + bytes
 * AGENT_ATTACH                  [MH_AGENT_ATTACH_IN]        -
 * AGENT_DETACH                  -                           -
 * AGENT_RECEIVE (pends)         -                           MH_RECEIVE_HEADER + MH_AGENT_MESSAGE records
 * AGENT_REPLY                   MH_REPLY_HEADER + records   [LONG result per record]
 * SESSION                       MH_SESSION_IN               -
 * CONFIGURE_RESPONDER           MH_RESPONDER_CONFIG         -
 * GET_STATS                     -                           MH_STATS
 * SET_FAULT                     MH_FAULT                    -
 * RESET_FAULTS                  -                           -
 * READ_TRACE                    MH_TRACE_READ_IN            MH_TRACE_READ_OUT + MH_TRACE_EVENT[]
 * CONFIGURE_MINIPORT            MH_MINIPORT_CONFIG          -
 * READ_CHUNKS (pends)           MH_CHUNK_READ_IN            MH_CHUNK_READ_OUT + chunk packets (GetNextChunkData)
 * REPORT_CHUNKS                 MH_CHUNK_REPORT_IN          MH_CHUNK_REPORT_OUT (the test miniport's encoder, via its test hooks)
 * GET_ADAPTER                   -                           MH_ADAPTER_INFO (registration, children, connection, services)
 * READ_POOL                     MH_POOL_READ_IN             MH_POOL_READ_OUT + MH_POOL_TAG[] + MH_POOL_FINDING[]
 * MINIPORT_STATE                -                           the hosted miniport's own state (test hooks' ReadState)
 * BATCH_SUBMIT                  MH_BATCH_HEADER + MH_BATCH_ENTRY records  -  (the batched transport: sends, IoControls, cancels; below)
 * BATCH_REAP (pends)            -                           MH_BATCH_HEADER + MH_BATCH_COMPLETION records
 * BATCH_SUBMIT_REAP (pends)     as BATCH_SUBMIT             as BATCH_REAP (minor version 5: a submit that is also a reap)
 *
 * Function codes 0x12-0x1F belong to the hosted-miniport seam (chunks, adapter, tracker);
 * 0x20 and above to later transports.
 */
#define IOCTL_MH_GET_INFO            MH_IOCTL(0x00, MH_READ)
#define IOCTL_MH_ECHO                MH_IOCTL(0x01, MH_RW)
#define IOCTL_MH_QUERY_CAPS          MH_IOCTL(0x02, MH_READ)
#define IOCTL_MH_CREATE_CONTEXT      MH_IOCTL(0x03, MH_RW)
#define IOCTL_MH_DESTROY_CONTEXT     MH_IOCTL(0x04, MH_WRITE)
#define IOCTL_MH_IO_CONTROL          MH_IOCTL(0x05, MH_RW)
#define IOCTL_MH_SEND_MESSAGE        MH_IOCTL(0x06, MH_RW)
#define IOCTL_MH_AGENT_ATTACH        MH_IOCTL(0x07, MH_WRITE)
#define IOCTL_MH_AGENT_DETACH        MH_IOCTL(0x08, MH_WRITE)
#define IOCTL_MH_AGENT_RECEIVE       MH_IOCTL(0x09, MH_READ)
#define IOCTL_MH_AGENT_REPLY         MH_IOCTL(0x0A, MH_WRITE)
#define IOCTL_MH_SESSION             MH_IOCTL(0x0B, MH_WRITE)
#define IOCTL_MH_CONFIGURE_RESPONDER MH_IOCTL(0x0C, MH_WRITE)
#define IOCTL_MH_GET_STATS           MH_IOCTL(0x0D, MH_READ)
#define IOCTL_MH_SET_FAULT           MH_IOCTL(0x0E, MH_WRITE)
#define IOCTL_MH_RESET_FAULTS        MH_IOCTL(0x0F, MH_WRITE)
#define IOCTL_MH_READ_TRACE          MH_IOCTL(0x10, MH_READ)
#define IOCTL_MH_CONFIGURE_MINIPORT  MH_IOCTL(0x11, MH_WRITE)
#define IOCTL_MH_READ_CHUNKS         MH_IOCTL(0x12, MH_READ)
#define IOCTL_MH_REPORT_CHUNKS       MH_IOCTL(0x13, MH_WRITE)
#define IOCTL_MH_GET_ADAPTER         MH_IOCTL(0x14, MH_READ)
#define IOCTL_MH_READ_POOL           MH_IOCTL(0x15, MH_READ)
#define IOCTL_MH_MINIPORT_STATE      MH_IOCTL(0x16, MH_READ)
#define IOCTL_MH_BATCH_SUBMIT        MH_IOCTL(0x20, MH_RW)
#define IOCTL_MH_BATCH_REAP          MH_IOCTL(0x21, MH_READ)
#define IOCTL_MH_BATCH_SUBMIT_REAP   MH_IOCTL(0x22, MH_RW)

/* Every IOCTL of the contract, for tables that must cover them all (the addon's constants, the
   fuzzer). A new IOCTL is added here too. X(name) names IOCTL_MH_<name>. */
#define MH_IOCTL_LIST(X) \
    X(GET_INFO) X(ECHO) X(QUERY_CAPS) X(CREATE_CONTEXT) X(DESTROY_CONTEXT) X(IO_CONTROL) \
    X(SEND_MESSAGE) X(AGENT_ATTACH) X(AGENT_DETACH) X(AGENT_RECEIVE) X(AGENT_REPLY) X(SESSION) \
    X(CONFIGURE_RESPONDER) X(GET_STATS) X(SET_FAULT) X(RESET_FAULTS) X(READ_TRACE) \
    X(CONFIGURE_MINIPORT) X(READ_CHUNKS) X(REPORT_CHUNKS) X(GET_ADAPTER) X(READ_POOL) X(MINIPORT_STATE) \
    X(BATCH_SUBMIT) X(BATCH_REAP) X(BATCH_SUBMIT_REAP)

/* Limits. Sizes above them are refused with STATUS_INVALID_BUFFER_SIZE before any work is done. */
#define MH_MAX_ECHO_BYTES        (64u * 1024u)
#define MH_MAX_MESSAGE_BYTES     (64u * 1024u)   /* input or output of one message */
#define MH_MAX_IO_CONTROL_BYTES  (64u * 1024u)   /* input or output of one IoControl */
#define MH_MAX_REPLY_BATCH_BYTES (4u * 1024u * 1024u)
#define MH_MAX_TARGETS           16u             /* CONFIGURE_MINIPORT.TargetCount upper bound */
#define MH_MAX_RESPONDER_DELAY_MS 60000u
#define MH_MAX_FAULT_DURATION_MS  600000u
#define MH_TRACE_CAPACITY        4096u           /* events kept in the ring */
#define MH_MAX_HOLD_MS           10000u          /* MP_CMD_HOLD upper bound */
#define MH_MAX_CHUNK_FRAMES      64u             /* REPORT_CHUNKS.Frames upper bound */
#define MH_MAX_CHUNK_SLICES      16u             /* REPORT_CHUNKS.SlicesPerFrame upper bound */
#define MH_MAX_CHUNK_READ_BYTES  (64u * 1024u)   /* READ_CHUNKS.BufferSize upper bound */
#define MH_MAX_CHUNK_PRIVATE_BYTES 4096u         /* MaxChunkPrivateDriverDataSize the host accepts at start */
#define MH_MAX_CHILDREN          64u             /* NumberOfChildren the host accepts from StartDevice */

/* dxgkrnl's chunk lists [OBS]: entries preallocated per context, and how they grow at the DPC. */
#define MH_CHUNK_LIST_INITIAL    20u
#define MH_CHUNK_LIST_GROWTH     5u
#define MH_CHUNK_LIST_MAX        40u

#define MH_ALIGN8(x) (((x) + 7u) & ~7u)

/*
 * NTSTATUS values chosen where the Miracast documentation only says "an error status".
 * The table in docs/contract.md explains each choice; tests assert on these names.
 */
#define MH_STATUS_SESSION_DROPPED   ((LONG)0xC0000120) /* STATUS_CANCELLED: sent during/after StopMiracastSession */
#define MH_STATUS_CONTEXT_DESTROYED ((LONG)0xC00000AB) /* STATUS_INSTANCE_NOT_AVAILABLE: outstanding at DestroyContext */
#define MH_STATUS_AGENT_GONE        ((LONG)0xC00002B6) /* STATUS_DEVICE_REMOVED: the agent detached or its handle closed */
#define MH_STATUS_NO_HOST           ((LONG)0xC00002B6) /* STATUS_DEVICE_REMOVED: no agent and no responder at send time */
#define MH_STATUS_STALE_HANDLE      ((LONG)0xC00000EF) /* STATUS_INVALID_PARAMETER_1: MiracastHandle unknown or closing */
#define MH_STATUS_UNKNOWN_CONTEXT   ((LONG)0xC0000008) /* STATUS_INVALID_HANDLE: context id unknown or destroyed */
#define MH_STATUS_NOT_OWNER         ((LONG)0xC0000022) /* STATUS_ACCESS_DENIED: context belongs to another handle */
#define MH_STATUS_IRP_CANCELLED     ((LONG)0xC0000120) /* STATUS_CANCELLED: CancelIoEx, handle close, unload */
#define MH_STATUS_AGENT_TAKEN       ((LONG)0xC0000718) /* STATUS_ALREADY_REGISTERED: another handle is the agent */
#define MH_STATUS_NOT_AGENT         ((LONG)0xC0000184) /* STATUS_INVALID_DEVICE_STATE: caller is not the agent */
#define MH_STATUS_SESSION_ACTIVE    ((LONG)0xC00000A3) /* STATUS_DEVICE_NOT_READY: start while started ([OBS]) */
#define MH_STATUS_SESSION_STATE     ((LONG)0xC0000184) /* STATUS_INVALID_DEVICE_STATE: stop before start, start after stop */
#define MH_STATUS_REPLY_UNKNOWN     ((LONG)0xC0000225) /* STATUS_NOT_FOUND: reply to a message not outstanding */
#define MH_STATUS_REPLY_TOO_BIG     ((LONG)0xC0000206) /* STATUS_INVALID_BUFFER_SIZE: reply longer than OutputSize */
#define MH_STATUS_HANDLER_FAILED    ((LONG)0xC0000001) /* STATUS_UNSUCCESSFUL: agent handler threw without a status */
#define MH_STATUS_BAD_BYTES_RETURNED ((LONG)0xC000000D) /* STATUS_INVALID_PARAMETER: IoControl BytesReturned > size ([OBS]) */
#define MH_STATUS_NO_TEST_HOOKS     ((LONG)0xC00000BB) /* STATUS_NOT_SUPPORTED: the hosted miniport offers no test hooks */
#define MH_STATUS_NOT_PROVIDED      ((LONG)0xC00000BB) /* STATUS_NOT_SUPPORTED: a DXGKRNL_INTERFACE service the host does not provide */
#define MH_STATUS_BAD_TARGET        ((LONG)0xC000000D) /* STATUS_INVALID_PARAMETER: CreateContext's TargetId is not the Miracast child ([OBS]) */
#define MH_STATUS_BAD_CHILDREN      ((LONG)0xC000000D) /* STATUS_INVALID_PARAMETER: the children break the Miracast rules: the adapter does not start */
#define MH_STATUS_BAD_CHILD_STATUS  ((LONG)0xC000000D) /* STATUS_INVALID_PARAMETER: DxgkCbIndicateChildStatus malformed or for another child */
#define MH_STATUS_BAD_CHUNK         ((LONG)0xC000000D) /* STATUS_INVALID_PARAMETER: chunk for another target, or too much private data ([DOC]) */
#define MH_STATUS_CHUNK_OVERFLOW    ((LONG)0xC0000017) /* STATUS_NO_MEMORY: no free chunk entry ([DOC]) */
#define MH_STATUS_CHUNKS_LOST       ((LONG)0xC000020D) /* STATUS_CONNECTION_RESET: chunks were dropped; read once after an overflow ([DOC]) */
#define MH_STATUS_SESSION_GONE      ((LONG)0xC00000AB) /* STATUS_INSTANCE_NOT_AVAILABLE: chunk read on a destroyed, stopped or unstarted session ([DOC]) */
#define MH_STATUS_READER_BUSY       ((LONG)0xC0000043) /* STATUS_SHARING_VIOLATION: a second chunk reader while one waits */
#define MH_STATUS_READ_TIMEOUT      ((LONG)0x00000102) /* STATUS_TIMEOUT: no chunk within the read's timeout ([DOC]) */
#define MH_STATUS_BATCH_DUPLICATE_ID ((LONG)0xC000022A) /* STATUS_DUPLICATE_OBJECTID: a batch names an id twice, or one still in flight on the handle */
#define MH_STATUS_BATCH_FULL        ((LONG)0xC0000044) /* STATUS_QUOTA_EXCEEDED: the handle would hold more than MH_MAX_BATCH_IN_FLIGHT sends */

#if defined(__cplusplus)
#define MH_STATIC_ASSERT(name, cond) static_assert((cond), #name)
#else
#define MH_STATIC_ASSERT(name, cond) typedef char mh_static_assert_##name[(cond) ? 1 : -1]
#endif

/* ---------------------------------------------------------------- GET_INFO */
typedef struct _MH_INFO {
    ULONG ContractVersion;     /* MH_CONTRACT_VERSION of the driver */
    ULONG InfoSize;            /* sizeof(MH_INFO) as the driver knows it */
    ULONG MaxMessageBytes;
    ULONG MaxIoControlBytes;
    ULONG ReceiveBufferMin;    /* smallest AGENT_RECEIVE output buffer accepted */
    ULONG TraceCapacity;
    ULONG MaxTargets;
    ULONG StatsSize;           /* sizeof(MH_STATS) */
} MH_INFO;
MH_STATIC_ASSERT(mh_info, sizeof(MH_INFO) == 32);

/* ---------------------------------------------------------------- QUERY_CAPS */
typedef struct _MH_QUERY_CAPS_IN {
    ULONG CapsSize;            /* passed to DxgkDdiMiracastQueryCaps as MiracastCapsSize */
    ULONG Reserved;
} MH_QUERY_CAPS_IN;
MH_STATIC_ASSERT(mh_query_caps_in, sizeof(MH_QUERY_CAPS_IN) == 8);

typedef struct _MH_QUERY_CAPS_OUT { /* the layout of DXGK_MIRACAST_CAPS */
    ULONG MaxChunkPrivateDriverDataSize;
    ULONG Flags;               /* bit 0: HdcpSupport; the other bits must be 0 */
} MH_QUERY_CAPS_OUT;
MH_STATIC_ASSERT(mh_query_caps_out, sizeof(MH_QUERY_CAPS_OUT) == 8);

/* ---------------------------------------------------------------- contexts */
typedef struct _MH_CONTEXT_INFO {
    ULONG64 ContextId;         /* host-assigned, never reused while the driver is loaded */
    ULONG TargetId;            /* the TargetId DxgkDdiMiracastCreateContext returned */
    ULONG Reserved;
} MH_CONTEXT_INFO;
MH_STATIC_ASSERT(mh_context_info, sizeof(MH_CONTEXT_INFO) == 16);

typedef struct _MH_CONTEXT_REF {
    ULONG64 ContextId;
} MH_CONTEXT_REF;
MH_STATIC_ASSERT(mh_context_ref, sizeof(MH_CONTEXT_REF) == 8);

/* ---------------------------------------------------------------- IO_CONTROL */
#define MH_IO_CONTROL_HARDWARE_ACCESS 0x1u  /* UMD's HardwareAccess = TRUE: third-level synchronization */

typedef struct _MH_IO_CONTROL_IN {
    ULONG64 ContextId;
    ULONG Flags;               /* MH_IO_CONTROL_* */
    ULONG InputSize;           /* bytes following this header */
    ULONG OutputSize;          /* OutputBufferSize given to the DDI */
    ULONG Reserved;
    /* UCHAR Input[InputSize] */
} MH_IO_CONTROL_IN;
MH_STATIC_ASSERT(mh_io_control_in, sizeof(MH_IO_CONTROL_IN) == 24);

typedef struct _MH_IO_CONTROL_OUT {
    ULONG BytesReturned;       /* *BytesReturned from the DDI */
    ULONG Reserved;
    /* UCHAR Output[BytesReturned] */
} MH_IO_CONTROL_OUT;
MH_STATIC_ASSERT(mh_io_control_out, sizeof(MH_IO_CONTROL_OUT) == 8);

/* ---------------------------------------------------------------- SEND_MESSAGE */
typedef struct _MH_SEND_MESSAGE_IN {
    ULONG64 ContextId;
    ULONG InputSize;           /* bytes following this header */
    ULONG OutputSize;          /* the miniport's output buffer size */
    /* UCHAR Input[InputSize] */
} MH_SEND_MESSAGE_IN;
MH_STATIC_ASSERT(mh_send_message_in, sizeof(MH_SEND_MESSAGE_IN) == 16);

typedef struct _MH_SEND_MESSAGE_OUT {
    LONG Status;               /* pIoStatusBlock->Status seen by DxgkCbMiracastSendMessageCallback */
    ULONG Reserved;
    ULONG64 Information;       /* pIoStatusBlock->Information */
    /* UCHAR Output[min(Information, OutputSize)] */
} MH_SEND_MESSAGE_OUT;
MH_STATIC_ASSERT(mh_send_message_out, sizeof(MH_SEND_MESSAGE_OUT) == 16);

/* ---------------------------------------------------------------- the batched transport: BATCH_SUBMIT, BATCH_REAP */
/*
 * One IOCTL carries many submissions and one completion carries many results, in the spirit of
 * io_uring's submission and completion queues.
 *
 * BATCH_SUBMIT: an MH_BATCH_HEADER (BytesUsed = the input length) and Count MH_BATCH_ENTRY records,
 * each followed by its input bytes and padded to 8. The driver checks the whole batch first (counts,
 * sizes, record sizes, kinds, reserved fields, ids unique in the batch and among the handle's sends
 * in flight) and refuses it whole with nothing applied: STATUS_INVALID_PARAMETER (layout),
 * STATUS_INVALID_BUFFER_SIZE (a size over its limit), MH_STATUS_BATCH_DUPLICATE_ID, MH_STATUS_BATCH_FULL,
 * STATUS_INSUFFICIENT_RESOURCES. Otherwise it applies the records in order and completes with
 * STATUS_SUCCESS and no output; it never pends.
 *   - SEND_MESSAGE: as IOCTL_MH_SEND_MESSAGE. Exactly one completion record follows for its Id: the
 *     callback's result, the send's own failure (RequestStatus), or STATUS_CANCELLED.
 *   - IO_CONTROL (minor version 3): as IOCTL_MH_IO_CONTROL. ContextId, Flags (MH_IO_CONTROL_*),
 *     InputSize and OutputSize as MH_IO_CONTROL_IN's, both at most MH_MAX_IO_CONTROL_BYTES (else
 *     STATUS_INVALID_BUFFER_SIZE); a context of another handle refuses the whole batch with
 *     MH_STATUS_NOT_OWNER. It runs on a host DDI worker, as the IOCTL does (the DDI waits for the
 *     Miracast-class lock), with the same checks, trace events and status mapping. Exactly one
 *     completion record follows for its Id: RequestStatus and Status are the status the IOCTL would
 *     have completed with, Information and OutputSize its BytesReturned (0 on failure), the output
 *     its bytes; or STATUS_CANCELLED when a CANCEL reached it before a worker took it (as a queued
 *     IO_CONTROL IRP's cancel does; once in the miniport it runs to its end).
 *   - CANCEL: the handle's send or IoControl with Id, if still in flight and not yet inside the
 *     miniport, completes with STATUS_CANCELLED (a send's message keeps its one callback, as a
 *     cancelled SEND_MESSAGE IRP's does); an Id not in flight on this handle (done, never sent,
 *     another handle's) is ignored. MH_BATCH_CANCEL_ALL: every such request of the handle.
 * BATCH_REAP: pends until at least one completion record of this handle is ready, then returns as
 * many as fit (the oldest first). The output buffer must hold MH_BATCH_REAP_BUFFER_MIN bytes (a
 * header and a record with no output; STATUS_BUFFER_TOO_SMALL). When the oldest record does not
 * fit (minor version 5; before it the minimum was MH_BATCH_REAP_BUFFER_ALL, which every record
 * fits), the reap returns STATUS_SUCCESS with only a header: Count 0 and BytesUsed the output
 * length that record needs; the record stays for a reap that large. A caller sizes its reaps to
 * its load (under Wine an IOCTL costs more the larger its output buffer, and on Windows
 * METHOD_BUFFERED allocates the whole of it per IRP). Completion records live in per-handle
 * kernel memory, bounded by the sends in flight; they go with the handle (CLEANUP, or CLOSE under
 * Wine) and at unload.
 * BATCH_SUBMIT_REAP (minor version 5): a BATCH_SUBMIT whose IRP then is a BATCH_REAP of the same
 * handle, for a caller with no reap pending (one IOCTL for a lone send and its result, where a
 * submit and a reap cost two). The output buffer must hold MH_BATCH_REAP_BUFFER_MIN bytes
 * (STATUS_BUFFER_TOO_SMALL, nothing applied). A refused batch completes with BATCH_SUBMIT's
 * refusal and nothing applied, never STATUS_CANCELLED; an applied one completes as a BATCH_REAP
 * does (records at once, or pends until one is ready), or with STATUS_CANCELLED when its reap was
 * cancelled or the handle went (the records it did not take wait for the next reap, or go with
 * the handle).
 */
#define MH_BATCH_SEND_MESSAGE 1u
#define MH_BATCH_CANCEL       2u
#define MH_BATCH_IO_CONTROL   3u              /* minor version 3 */
#define MH_BATCH_CANCEL_ALL   0x1u            /* CANCEL's Flags: every send of the handle in flight */
#define MH_MAX_BATCH_ENTRIES  4096u           /* records in one BATCH_SUBMIT */
#define MH_MAX_BATCH_BYTES    (4u * 1024u * 1024u) /* one BATCH_SUBMIT's input length */
#define MH_MAX_BATCH_IN_FLIGHT 65536u         /* sends and IoControls one handle may hold in flight */

typedef struct _MH_BATCH_HEADER {
    ULONG Count;               /* records that follow */
    ULONG BytesUsed;           /* header + records */
} MH_BATCH_HEADER;
MH_STATIC_ASSERT(mh_batch_header, sizeof(MH_BATCH_HEADER) == 8);

typedef struct _MH_BATCH_ENTRY {
    ULONG64 Id;                /* the caller's; unique among the handle's sends and IoControls in flight */
    ULONG64 ContextId;         /* SEND_MESSAGE, IO_CONTROL; 0 for CANCEL */
    ULONG Kind;                /* MH_BATCH_SEND_MESSAGE, MH_BATCH_IO_CONTROL or MH_BATCH_CANCEL */
    ULONG Flags;               /* CANCEL: MH_BATCH_CANCEL_ALL or 0; IO_CONTROL: MH_IO_CONTROL_*; SEND_MESSAGE: 0 */
    ULONG InputSize;           /* SEND_MESSAGE, IO_CONTROL: bytes following this record header; CANCEL: 0 */
    ULONG OutputSize;          /* SEND_MESSAGE: the miniport's output buffer size; IO_CONTROL: the DDI's
                                  OutputBufferSize; CANCEL: 0 */
    ULONG RecordSize;          /* MH_ALIGN8(sizeof(MH_BATCH_ENTRY) + InputSize) */
    ULONG Reserved;
    /* UCHAR Input[InputSize] */
} MH_BATCH_ENTRY;
MH_STATIC_ASSERT(mh_batch_entry, sizeof(MH_BATCH_ENTRY) == 40);

typedef struct _MH_BATCH_COMPLETION {
    ULONG64 Id;                /* the send's or IoControl's Id */
    LONG RequestStatus;        /* what its IRP would have completed with. A send: STATUS_SUCCESS (the
                                  callback ran: Status and Information are its IO_STATUS_BLOCK),
                                  STATUS_CANCELLED, or the send's own failure. An IoControl: the
                                  IO_CONTROL IOCTL's status (STATUS_CANCELLED if cancelled first) */
    LONG Status;               /* a send: pIoStatusBlock->Status seen by DxgkCbMiracastSendMessageCallback;
                                  an IoControl: RequestStatus again */
    ULONG64 Information;       /* a send: pIoStatusBlock->Information; an IoControl: BytesReturned */
    ULONG OutputSize;          /* bytes following this record header: a send's min(Information, its
                                  OutputSize); an IoControl's BytesReturned */
    ULONG RecordSize;          /* MH_ALIGN8(sizeof(MH_BATCH_COMPLETION) + OutputSize) */
    /* UCHAR Output[OutputSize] */
} MH_BATCH_COMPLETION;
MH_STATIC_ASSERT(mh_batch_completion, sizeof(MH_BATCH_COMPLETION) == 32);

/* The smallest reap output (minor version 5): a header and one record with no output. */
#define MH_BATCH_REAP_BUFFER_MIN (sizeof(MH_BATCH_HEADER) + sizeof(MH_BATCH_COMPLETION))
/* A reap output every completion record fits (of either kind): such a reap never gets the
   header-only "too small" answer. The minimum before minor version 5. */
#define MH_BATCH_REAP_BUFFER_ALL \
    (sizeof(MH_BATCH_HEADER) + sizeof(MH_BATCH_COMPLETION) + MH_MAX_MESSAGE_BYTES)
MH_STATIC_ASSERT(mh_batch_reap_io_control, MH_MAX_IO_CONTROL_BYTES <= MH_MAX_MESSAGE_BYTES);

/* ---------------------------------------------------------------- the agent (user-mode Miracast driver) */
#define MH_AGENT_MANUAL_SESSIONS 0x1u  /* sessions start only on IOCTL_MH_SESSION START */

typedef struct _MH_AGENT_ATTACH_IN {
    ULONG Flags;               /* MH_AGENT_* */
    ULONG Reserved;
} MH_AGENT_ATTACH_IN;
MH_STATIC_ASSERT(mh_agent_attach_in, sizeof(MH_AGENT_ATTACH_IN) == 8);

typedef struct _MH_RECEIVE_HEADER {
    ULONG Count;               /* MH_AGENT_MESSAGE records that follow */
    ULONG BytesUsed;           /* header + records */
} MH_RECEIVE_HEADER;
MH_STATIC_ASSERT(mh_receive_header, sizeof(MH_RECEIVE_HEADER) == 8);

typedef struct _MH_AGENT_MESSAGE {
    ULONG64 MessageId;
    ULONG64 ContextId;
    ULONG InputSize;
    ULONG OutputSize;          /* most bytes the reply may carry */
    ULONG RecordSize;          /* MH_ALIGN8(sizeof(MH_AGENT_MESSAGE) + InputSize) */
    ULONG Reserved;
    /* UCHAR Input[InputSize] */
} MH_AGENT_MESSAGE;
MH_STATIC_ASSERT(mh_agent_message, sizeof(MH_AGENT_MESSAGE) == 32);

#define MH_RECEIVE_BUFFER_MIN \
    (sizeof(MH_RECEIVE_HEADER) + sizeof(MH_AGENT_MESSAGE) + MH_MAX_MESSAGE_BYTES)

typedef struct _MH_REPLY_HEADER {
    ULONG Count;               /* MH_AGENT_REPLY records that follow */
    ULONG Reserved;
} MH_REPLY_HEADER;
MH_STATIC_ASSERT(mh_reply_header, sizeof(MH_REPLY_HEADER) == 8);

typedef struct _MH_AGENT_REPLY {
    ULONG64 MessageId;
    LONG Status;               /* HandleKernelModeMessage's return value */
    ULONG OutputSize;          /* *pBytesReturned: bytes following this record header */
    ULONG RecordSize;          /* MH_ALIGN8(sizeof(MH_AGENT_REPLY) + OutputSize) */
    ULONG Reserved;
    /* UCHAR Output[OutputSize] */
} MH_AGENT_REPLY;
MH_STATIC_ASSERT(mh_agent_reply, sizeof(MH_AGENT_REPLY) == 24);

#define MH_SESSION_START 1u
#define MH_SESSION_STOP  2u

typedef struct _MH_SESSION_IN {
    ULONG64 ContextId;
    ULONG Action;              /* MH_SESSION_START or MH_SESSION_STOP */
    ULONG Reserved;
} MH_SESSION_IN;
MH_STATIC_ASSERT(mh_session_in, sizeof(MH_SESSION_IN) == 16);

/* ---------------------------------------------------------------- the kernel responder */
typedef struct _MH_RESPONDER_CONFIG {
    ULONG Enabled;             /* nonzero: the responder answers every message (before any agent) */
    LONG Status;               /* the IO_STATUS_BLOCK status it answers with */
    ULONG DelayMs;             /* delay before the callback runs */
    ULONG Reserved;
} MH_RESPONDER_CONFIG;
MH_STATIC_ASSERT(mh_responder_config, sizeof(MH_RESPONDER_CONFIG) == 16);

/* ---------------------------------------------------------------- miniport test knobs */
typedef struct _MH_MINIPORT_CONFIG {
    ULONG TargetCount;         /* Miracast sessions the test miniport holds at once on its one Miracast
                                  target (1..MH_MAX_TARGETS; 1 is real) */
    ULONG Reserved;
} MH_MINIPORT_CONFIG;
MH_STATIC_ASSERT(mh_miniport_config, sizeof(MH_MINIPORT_CONFIG) == 8);

/* ---------------------------------------------------------------- statistics */
/*
 * One list of counters, read back over IOCTL_MH_GET_STATS. "Now" values are current levels;
 * "Total" values only grow while the driver is loaded. X(name, description)
 */
#define MH_STATS_FIELDS(X) \
    X(AllocationsOutstanding, "tagged pool allocations not yet freed") \
    X(AllocationsTotal,       "tagged pool allocations made") \
    X(FileContexts,           "per-handle contexts allocated") \
    X(HostContexts,           "Miracast contexts the host holds (live or being destroyed)") \
    X(HostMessages,           "messages the host holds (queued, delivered or awaiting callback)") \
    X(MiniportBlocks,         "messages the miniport sent whose callback has not run yet") \
    X(MiniportContexts,       "contexts created in the miniport and not yet destroyed") \
    X(HandlesOpen,            "handles open on the control device") \
    X(AgentAttached,          "1 while a handle is the agent") \
    X(MessagesHeld,           "messages held until their session starts") \
    X(MessagesQueued,         "messages waiting for an agent receive") \
    X(MessagesDelivered,      "messages in the agent's hands, unanswered") \
    X(MessagesAwaitingCallback, "messages answered or dropped whose callback has not run") \
    X(MessagesTotal,          "messages accepted by DxgkCbMiracastSendMessage") \
    X(SendFailures,           "DxgkCbMiracastSendMessage calls that failed (no callback)") \
    X(CallbacksRun,           "DxgkCbMiracastSendMessageCallback invocations") \
    X(ResponderAnswers,       "messages answered by the kernel responder") \
    X(AgentAnswers,           "messages answered by the agent") \
    X(MessagesDropped,        "messages completed with an error status by the host") \
    X(ReceiveCompletions,     "agent receive IRPs completed with messages") \
    X(ReceiveBatchMax,        "most messages carried by one receive IRP") \
    X(ReplyBatchMax,          "most replies carried by one reply IOCTL") \
    X(IrpsPending,            "requests pended now: IRPs (reaps excepted) and batched sends awaiting their completion record") \
    X(IrpsPendedTotal,        "requests ever pended (IRPs and batched sends)") \
    X(IrpsCancelledTotal,     "pended requests (IRPs and batched sends) completed by cancel, close or unload") \
    X(DdiCalls,               "DDI calls the host made") \
    X(DdiInside,              "DDI calls in progress now") \
    X(ContractViolations,     "DDI contract breaches the host saw from the miniport") \
    X(FaultsApplied,          "operations a fault changed") \
    X(TraceEventsLost,        "trace events overwritten before they were read") \
    X(MiniportPoolOutstanding, "pool blocks the hosted miniport holds (pool tracker)") \
    X(MiniportPoolTotal,      "pool blocks the hosted miniport allocated") \
    X(MiniportPoolAtStart,    "pool blocks the miniport held once its adapter had started (its idle level)") \
    X(MiniportPoolBytes,      "pool bytes the hosted miniport holds") \
    X(PoolFindings,           "pool rule breaches the tracker found (READ_POOL names them)") \
    X(IrpsCompletedWithCancelRoutine, "IRPs completed while a cancel routine was still set (must stay 0)") \
    X(UnsupportedServiceCalls, "calls to DXGKRNL_INTERFACE services the host does not provide") \
    X(ChildStatusIndications, "DxgkCbIndicateChildStatus calls") \
    X(ChunkInterrupts,        "DxgkCbNotifyInterrupt calls for MiracastEncodeChunkCompleted") \
    X(ChunksQueued,           "chunk interrupts queued (Status STATUS_SUCCESS)") \
    X(ChunksDelivered,        "chunk packets handed to a reader") \
    X(ChunkOverflows,         "chunk interrupts refused for want of a free entry (STATUS_NO_MEMORY)") \
    X(ChunkBadReports,        "chunk interrupts refused as malformed (STATUS_INVALID_PARAMETER)") \
    X(ChunkResets,            "chunk reads that returned STATUS_CONNECTION_RESET") \
    X(DpcsRun,                "DxgkCbNotifyDpc calls") \
    X(ChunkReadsPending,      "chunk reads waiting now") \
    X(OwnerReleasesPending,   "closed handles whose contexts the host is still destroying") \
    X(BatchReapsPending,      "BATCH_REAP IRPs waiting for a completion record now (not in IrpsPending)") \
    X(BatchSubmits,           "BATCH_SUBMIT and BATCH_SUBMIT_REAP IOCTLs applied") \
    X(BatchSubmitMax,         "most records carried by one BATCH_SUBMIT") \
    X(BatchReapMax,           "most completion records returned by one BATCH_REAP") \
    X(BatchSendRecords,       "SEND_MESSAGE records applied from BATCH_SUBMITs") \
    X(BatchIoControlRecords,  "IO_CONTROL records applied from BATCH_SUBMITs") \
    X(BatchCancelRecords,     "CANCEL records applied from BATCH_SUBMITs") \
    X(IoctlsDispatched,       "DEVICE_CONTROL IRPs the driver dispatched (every IOCTL)") \
    X(CallbackWakes,          "callback workers woken to run callbacks (a busy worker takes the next one without a wake-up)") \
    X(BatchSubmitReaps,       "BATCH_SUBMIT_REAP IOCTLs applied (counted in BatchSubmits too; minor version 5)") \
    X(BatchReapsTooSmall,     "reaps answered with a header only: the oldest record did not fit their output (minor version 5)")

#define MH_STATS_DECLARE_FIELD(name, description) ULONG64 name;
typedef struct _MH_STATS {
    MH_STATS_FIELDS(MH_STATS_DECLARE_FIELD)
} MH_STATS;
#define MH_STATS_COUNT_FIELD(name, description) +1
#define MH_STATS_FIELD_COUNT (0 MH_STATS_FIELDS(MH_STATS_COUNT_FIELD))
MH_STATIC_ASSERT(mh_stats, sizeof(MH_STATS) == 8 * MH_STATS_FIELD_COUNT);

/* ---------------------------------------------------------------- fault injection */
/*
 * The OS side misbehaving on purpose. A fault stays armed until Count operations used it
 * (0: no count limit) or DurationMs passed (0: no time limit), or until RESET_FAULTS.
 * X(name, value, description)
 */
#define MH_FAULT_KINDS(X) \
    X(CREATE_CONTEXT_FAIL, 1, "CreateContext fails with Status; Param 0: before the miniport is called, 1: after it succeeded (the host then calls DestroyContext, as dxgkrnl does when a later start step fails)") \
    X(SEND_FAIL,           2, "DxgkCbMiracastSendMessage fails with Status before delivery; no callback") \
    X(CALLBACK_INLINE,     3, "the host answers (echo, Status) and runs the callback before DxgkCbMiracastSendMessage returns") \
    X(CALLBACK_DELAY,      4, "callbacks run Param milliseconds after the answer") \
    X(CALLBACK_STATUS,     5, "callbacks receive Status instead of the answer's status") \
    X(CALLBACK_CONCURRENT, 6, "callbacks are held until Param are ready, then run at once on several threads") \
    X(CALLBACK_REVERSE,    7, "callbacks are held until Param are ready, then run newest first") \
    X(LOCK_BYPASS,         8, "the host skips the Miracast-class lock (proves the miniport's overlap detector)") \
    X(REPLY_REFUSE,        9, "the host refuses agent reply records with Status (the message stays outstanding), as it refuses a malformed one")

#define MH_FAULT_DECLARE_KIND(name, value, description) MH_FAULT_##name = value,
typedef enum _MH_FAULT_KIND {
    MH_FAULT_NONE = 0,
    MH_FAULT_KINDS(MH_FAULT_DECLARE_KIND)
    MH_FAULT_KIND_LIMIT
} MH_FAULT_KIND;

typedef struct _MH_FAULT {
    ULONG Kind;                /* MH_FAULT_KIND */
    ULONG Count;               /* operations it applies to; 0: unlimited */
    ULONG DurationMs;          /* lifetime; 0: unlimited */
    LONG Status;               /* for the kinds that take a status */
    ULONG Param;               /* kind-specific */
    ULONG Reserved;
} MH_FAULT;
MH_STATIC_ASSERT(mh_fault, sizeof(MH_FAULT) == 24);

/* ---------------------------------------------------------------- DDI trace */
/* X(name, value) */
#define MH_TRACE_KINDS(X) \
    X(DDI_ENTER, 1)   /* Detail: MH_DDI_*; Arg0/Arg1: key arguments */ \
    X(DDI_EXIT, 2)    /* Detail: MH_DDI_*; Status: result; Arg0: TargetId / BytesReturned */ \
    X(SEND, 3)        /* Status: DxgkCbMiracastSendMessage's return; Arg0: input size; Arg1: output size */ \
    X(DELIVER, 4)     /* a message handed to the agent (Arg0: messages in that receive) */ \
    X(CALLBACK, 5)    /* Status: IO_STATUS_BLOCK.Status; Arg0: Information; Detail: MH_ANSWER_* */ \
    X(HPD, 6)         /* DxgkCbIndicateChildStatus; Status: its result; Arg0: Connected; Arg1: ChildUid */ \
    X(CHUNK, 7)       /* DxgkCbReportChunkInfo; Status: its result; Arg0: chunk type; Arg1: private size */ \
    X(SESSION, 8)     /* Detail: MH_SESSION_START / MH_SESSION_STOP; Status: result */ \
    X(AGENT, 9)       /* Detail: 1 attach, 0 detach; Arg0: flags */ \
    X(FAULT, 10)      /* Detail: MH_FAULT_KIND applied; Status: the status it injected */ \
    X(ADAPTER, 11)    /* registration and adapter start/stop; Detail: MH_ADAPTER_STEP_*; Status: its result */ \
    X(SERVICE, 12)    /* a DXGKRNL_INTERFACE service the host does not provide; Detail: its MH_DXGKCB_SERVICES index */ \
    X(INTERRUPT, 13)  /* DxgkCbNotifyInterrupt (chunk); Status: written back; Arg0: chunk type; Arg1: ChunkId.Value; Detail: private size */ \
    X(DPC, 14)        /* DxgkCbNotifyDpc; Arg0: chunks made readable; Detail: MH_DPC_* */ \
    X(CHUNK_READ, 15) /* a chunk read completed; Status: GetNextChunkData's status; Arg0: packets; Arg1: bytes */ \
    X(POOL, 16)       /* a pool finding; Detail: MH_POOL_FINDING_*; Arg0: tag; Arg1: offset of the first changed byte */ \
    X(VIOLATION, 17)  /* a contract violation the host saw; Detail: MH_VIOLATION_*; Arg0/Arg1: as MH_VIOLATION_KINDS says */

/*
 * The contract violations the host detects, as dxgkrnl or Driver Verifier would see them (never by
 * asking the miniport). Each is counted in MH_STATS.ContractViolations and traced (VIOLATION, Detail
 * the kind); a failed adapter start records its kind under the service key (AdapterStartViolation),
 * since the trace goes with the image. X(name, value, description)
 */
#define MH_VIOLATION_KINDS(X) \
    X(CAPS_RESERVED,      1, "QueryCaps set Flags.Reserved bits (Arg0: Flags)") \
    X(CAPS_NO_HDCP,       2, "QueryCaps reported no HDCP support (Arg0: Flags)") \
    X(CAPS_OVERRUN,       3, "QueryCaps wrote past MiracastCapsSize (Arg0: MiracastCapsSize; Arg1: offset of the first guard byte it changed)") \
    X(NULL_CONTEXT,       4, "CreateContext succeeded without returning a context") \
    X(TARGET_NOT_CHILD,   5, "CreateContext returned a TargetId that is not the Miracast child (Arg0: TargetId; Arg1: the child's uid)") \
    X(SECOND_CONTEXT,     6, "CreateContext accepted a context while the one Miracast target had a live one (Arg0: live contexts before it)") \
    X(STALE_CALLBACKS,    7, "a callback reached through the callbacks table after CreateContext returned (Arg0: 1 SendMessage, 2 ReportChunkInfo)") \
    X(NO_DEPARTURE,       8, "DestroyContext returned with the monitor still connected: no departure indication (Arg0: the child's uid)") \
    X(BYTES_RETURNED,     9, "IoControl reported BytesReturned over OutputBufferSize (Arg0: BytesReturned; Arg1: OutputBufferSize)") \
    X(IOCONTROL_OVERRUN, 10, "IoControl wrote past OutputBufferSize (Arg0: OutputBufferSize; Arg1: offset of the first guard byte it changed)") \
    X(FREED_BEFORE_CALLBACK, 11, "a message's output buffer was freed before its callback: the answer was not copied (Arg0: OutputBufferSize)") \
    X(LEAK_AT_DESTROY,   12, "the miniport held more pool blocks than at adapter start once its last context was destroyed (Arg0: blocks over)") \
    X(DDI_OVERRUN,       13, "a DDI ran longer than MH_DDI_BOUND_MS (Arg0: milliseconds; Arg1: MH_DDI_*)") \
    X(CHILD_STATUS,      14, "DxgkCbIndicateChildStatus malformed, for another child, or a connect with no session (Arg0: ChildUid)") \
    X(SERVICE_HANDLE,    15, "a DXGKRNL_INTERFACE service called with a handle that is not the adapter's, or no data") \
    X(TEST_HOOKS,        16, "the test-hooks interface came back malformed") \
    X(TWO_MIRACAST,      17, "the adapter start: more than one child of type D3DKMDT_VOT_MIRACAST (Arg0: how many)") \
    X(NO_MIRACAST,       18, "the adapter start: no child of type D3DKMDT_VOT_MIRACAST") \
    X(HPD_NOT_INTERRUPTIBLE, 19, "the adapter start: the Miracast child's HPD awareness is not HpdAwarenessInterruptible (Arg0: it)") \
    X(CONNECTED_AT_START, 20, "the adapter start: the Miracast child reported connected before any session")

#define MH_VIOLATION_DECLARE(name, value, description) MH_VIOLATION_##name = value,
typedef enum _MH_VIOLATION_KIND {
    MH_VIOLATION_NONE = 0,
    MH_VIOLATION_KINDS(MH_VIOLATION_DECLARE)
    MH_VIOLATION_KIND_LIMIT
} MH_VIOLATION_KIND;

#define MH_DDI_BOUND_MS     3000u   /* a DDI call longer than this is a DDI_OVERRUN (the host's watchdog) */
#define MH_GUARD_BYTES      16u     /* guard bytes after the caps and IoControl output buffers */
#define MH_GUARD_PATTERN    0xC5u

#define MH_TRACE_DECLARE_KIND(name, value) MH_TRACE_##name = value,
typedef enum _MH_TRACE_KIND {
    MH_TRACE_NONE = 0,
    MH_TRACE_KINDS(MH_TRACE_DECLARE_KIND)
    MH_TRACE_KIND_LIMIT
} MH_TRACE_KIND;

#define MH_DDI_QUERY_CAPS      1u
#define MH_DDI_CREATE_CONTEXT  2u
#define MH_DDI_DESTROY_CONTEXT 3u
#define MH_DDI_IO_CONTROL      4u

/* Adapter steps (ADAPTER Detail), in dxgkrnl's order. */
#define MH_ADAPTER_STEPS(X) \
    X(INITIALIZE, 1)              /* DxgkInitialize; Arg0: DRIVER_INITIALIZATION_DATA.Version */ \
    X(ADD_DEVICE, 2)              /* DxgkDdiAddDevice */ \
    X(START_DEVICE, 3)            /* DxgkDdiStartDevice; Arg0: video present sources; Arg1: children */ \
    X(QUERY_CHILD_RELATIONS, 4)   /* DxgkDdiQueryChildRelations; Arg0: Miracast children; Arg1: the Miracast ChildUid */ \
    X(QUERY_CHILD_STATUS, 5)      /* DxgkDdiQueryChildStatus of the Miracast child; Arg0: Connected */ \
    X(QUERY_MIRACAST_INTERFACE, 6) /* DxgkDdiQueryInterface(GUID_DEVINTERFACE_MIRACAST_DISPLAY); Arg0: Size; Arg1: Version */ \
    X(QUERY_TEST_HOOKS, 7)        /* DxgkDdiQueryInterface(GUID_MH_TEST_HOOKS); Status: not an error when it fails */ \
    X(QUERY_CAPS, 8)              /* DxgkDdiMiracastQueryCaps, once, at start */ \
    X(STOP_DEVICE, 9)             /* DxgkDdiStopDevice */ \
    X(REMOVE_DEVICE, 10)          /* DxgkDdiRemoveDevice */ \
    X(UNLOAD, 11)                 /* DxgkDdiUnload */

#define MH_ADAPTER_STEP_DECLARE(name, value) MH_ADAPTER_STEP_##name = value,
typedef enum _MH_ADAPTER_STEP {
    MH_ADAPTER_STEP_NONE = 0,
    MH_ADAPTER_STEPS(MH_ADAPTER_STEP_DECLARE)
    MH_ADAPTER_STEP_LIMIT
} MH_ADAPTER_STEP;

/* DPC Detail flags. */
#define MH_DPC_RESET   0x1u  /* an overflow dropped the pending chunks: the next read returns STATUS_CONNECTION_RESET */
#define MH_DPC_STOPPED 0x2u  /* a malformed chunk report stopped the session */
#define MH_DPC_GREW    0x4u  /* the chunk list grew by MH_CHUNK_LIST_GROWTH entries */

/* How a message was answered (CALLBACK Detail). */
#define MH_ANSWER_AGENT      1u
#define MH_ANSWER_RESPONDER  2u
#define MH_ANSWER_INLINE     3u  /* CALLBACK_INLINE fault */
#define MH_ANSWER_DROPPED    4u  /* completed by the host with an error status */

typedef struct _MH_TRACE_EVENT {
    ULONG64 Sequence;          /* 1, 2, 3 ... never reused while loaded */
    ULONG64 Time;              /* interrupt time, 100 ns units */
    ULONG Kind;                /* MH_TRACE_KIND */
    ULONG Detail;
    LONG Status;
    ULONG ThreadId;
    ULONG64 ContextId;
    ULONG64 MessageId;
    ULONG64 Arg0;
    ULONG64 Arg1;
} MH_TRACE_EVENT;
MH_STATIC_ASSERT(mh_trace_event, sizeof(MH_TRACE_EVENT) == 64);

typedef struct _MH_TRACE_READ_IN {
    ULONG64 StartSequence;     /* first sequence wanted; 0 or 1: from the oldest kept */
} MH_TRACE_READ_IN;
MH_STATIC_ASSERT(mh_trace_read_in, sizeof(MH_TRACE_READ_IN) == 8);

typedef struct _MH_TRACE_READ_OUT {
    ULONG64 NextSequence;      /* pass as StartSequence to continue */
    ULONG64 Lost;              /* events at or after StartSequence already overwritten */
    ULONG Count;               /* MH_TRACE_EVENT records that follow */
    ULONG Reserved;
    /* MH_TRACE_EVENT Events[Count] */
} MH_TRACE_READ_OUT;
MH_STATIC_ASSERT(mh_trace_read_out, sizeof(MH_TRACE_READ_OUT) == 24);

/* ---------------------------------------------------------------- chunks: GetNextChunkData */
/*
 * READ_CHUNKS reads a context's encode-chunk queue the way the UMD's GetNextChunkData does
 * (umd-host.md 2.4): it completes at once when a chunk is ready, the reset is due, the buffer is too
 * small or the session is gone; otherwise it pends until a chunk arrives or TimeoutMs passes
 * (MH_CHUNK_WAIT_INFINITE: no limit; 0: no wait). GetNextChunkData's own status travels as data
 * in MH_CHUNK_READ_OUT.Status; the IRP completes with STATUS_SUCCESS whenever the read was made.
 * Packets follow the header back to back, each FIELD_OFFSET(MIRACAST_CHUNK_DATA,
 * PrivateDriverData) + PrivateDriverDataSize = MH_CHUNK_PACKET_HEADER + size bytes, unaligned, as
 * the UMD receives them.
 */
#define MH_CHUNK_WAIT_INFINITE 0xFFFFFFFFu
#define MH_CHUNK_PACKET_HEADER 28u      /* DXGK_MIRACAST_CHUNK_INFO (24) + UINT PrivateDriverDataSize */

typedef struct _MH_CHUNK_READ_IN {
    ULONG64 ContextId;
    ULONG TimeoutMs;           /* GetNextChunkData's TimeoutInMilliseconds */
    ULONG BufferSize;          /* *pChunkDataBufferSize on entry: most packet bytes to return */
} MH_CHUNK_READ_IN;
MH_STATIC_ASSERT(mh_chunk_read_in, sizeof(MH_CHUNK_READ_IN) == 16);

typedef struct _MH_CHUNK_READ_OUT {
    LONG Status;               /* STATUS_SUCCESS, STATUS_TIMEOUT, STATUS_BUFFER_TOO_SMALL,
                                  STATUS_CONNECTION_RESET (once after an overflow),
                                  STATUS_INSTANCE_NOT_AVAILABLE (stopped or destroyed) */
    ULONG BytesWritten;        /* *pChunkDataBufferSize on return (BUFFER_TOO_SMALL: the first packet's size) */
    ULONG Outstanding;         /* *pOutstandingChunksToProcess */
    ULONG Count;               /* packets that follow */
    /* packets: DXGK_MIRACAST_CHUNK_INFO, UINT PrivateDriverDataSize, UCHAR PrivateDriverData[] */
} MH_CHUNK_READ_OUT;
MH_STATIC_ASSERT(mh_chunk_read_out, sizeof(MH_CHUNK_READ_OUT) == 16);

/* REPORT_CHUNKS: asks the hosted miniport (through its test hooks) to encode Frames frames and
   report their chunks through DxgkCbNotifyInterrupt + DxgkCbNotifyDpc, as its ISR and DPC would. */
#define MH_CHUNK_MISREPORT_NONE          0u
#define MH_CHUNK_MISREPORT_WRONG_TARGET  1u  /* VidPnTargetId is not the Miracast target */
#define MH_CHUNK_MISREPORT_OVERSIZE      2u  /* PrivateDataDriverSize over MaxChunkPrivateDriverDataSize */
#define MH_CHUNK_MISREPORT_NO_DPC        3u  /* reports without calling DxgkCbNotifyDpc */

typedef struct _MH_CHUNK_REPORT_IN {
    ULONG64 ContextId;
    ULONG Frames;              /* frames to encode (each: FRAME_START, COLOR_CONVERT_COMPLETE, slices) */
    ULONG SlicesPerFrame;      /* ENCODE_COMPLETE chunks per frame; the last slice is part 0 */
    ULONG PrivateDataSize;     /* private driver data bytes per ENCODE_COMPLETE chunk */
    ULONG Misreport;           /* MH_CHUNK_MISREPORT_*, applied to the first chunk */
} MH_CHUNK_REPORT_IN;
MH_STATIC_ASSERT(mh_chunk_report_in, sizeof(MH_CHUNK_REPORT_IN) == 24);

typedef struct _MH_CHUNK_REPORT_OUT {
    ULONG Reported;            /* interrupts the miniport raised */
    ULONG Queued;              /* of those, MiracastEncodeChunkCompleted.Status == STATUS_SUCCESS */
    LONG FirstError;           /* the first other Status the host wrote back (0 if none) */
    ULONG Reserved;
} MH_CHUNK_REPORT_OUT;
MH_STATIC_ASSERT(mh_chunk_report_out, sizeof(MH_CHUNK_REPORT_OUT) == 16);

/* ---------------------------------------------------------------- the adapter: GET_ADAPTER */
/*
 * Every service of DXGKRNL_INTERFACE, in its slot order (through WDDM 1.3, then the slots later
 * WDKs added, which a miniport built with a newer WDK may read). The host provides the four a
 * Miracast miniport needs (IndicateChildStatus, QueueDpc, NotifyInterrupt, NotifyDpc); every other
 * one answers STATUS_NOT_SUPPORTED (or NULL / 0 where it returns a pointer or a handle) and is
 * counted by name in MH_ADAPTER_INFO.ServiceCalls. X(name)
 */
#define MH_DXGKCB_SERVICES(X) \
    X(DxgkCbEvalAcpiMethod) X(DxgkCbGetDeviceInformation) X(DxgkCbIndicateChildStatus) X(DxgkCbMapMemory) \
    X(DxgkCbQueueDpc) X(DxgkCbQueryServices) X(DxgkCbReadDeviceSpace) X(DxgkCbSynchronizeExecution) \
    X(DxgkCbUnmapMemory) X(DxgkCbWriteDeviceSpace) X(DxgkCbIsDevicePresent) X(DxgkCbGetHandleData) \
    X(DxgkCbGetHandleParent) X(DxgkCbEnumHandleChildren) X(DxgkCbNotifyInterrupt) X(DxgkCbNotifyDpc) \
    X(DxgkCbQueryVidPnInterface) X(DxgkCbQueryMonitorInterface) X(DxgkCbGetCaptureAddress) X(DxgkCbLogEtwEvent) \
    X(DxgkCbExcludeAdapterAccess) X(DxgkCbCreateContextAllocation) X(DxgkCbDestroyContextAllocation) \
    X(DxgkCbSetPowerComponentActive) X(DxgkCbSetPowerComponentIdle) X(DxgkCbAcquirePostDisplayOwnership) \
    X(DxgkCbPowerRuntimeControlRequest) X(DxgkCbSetPowerComponentLatency) X(DxgkCbSetPowerComponentResidency) \
    X(DxgkCbCompleteFStateTransition) X(DxgkCbCompletePStateTransition) \
    X(DxgkCbMapContextAllocation) X(DxgkCbUpdateContextAllocation) X(DxgkCbReserveGpuVirtualAddressRange) \
    X(DxgkCbAcquireHandleData) X(DxgkCbReleaseHandleData) X(DxgkCbHardwareContentProtectionTeardown) \
    X(DxgkCbMultiPlaneOverlayDisabled) X(DxgkCbMitigatedRangeUpdate) X(DxgkCbInvalidateHwContext) \
    X(DxgkCbIndicateConnectorChange) X(DxgkCbUnblockUEFIFrameBufferRanges) X(DxgkCbAcquirePostDisplayOwnership2) \
    X(DxgkCbSetProtectedSessionStatus) X(DxgkCbAllocateContiguousMemory) X(DxgkCbFreeContiguousMemory) \
    X(DxgkCbAllocatePagesForMdl) X(DxgkCbFreePagesFromMdl) X(DxgkCbPinFrameBufferForSave) \
    X(DxgkCbUnpinFrameBufferForSave) X(DxgkCbMapFrameBufferPointer) X(DxgkCbUnmapFrameBufferPointer) \
    X(DxgkCbMapMdlToIoMmu) X(DxgkCbUnmapMdlFromIoMmu) X(DxgkCbReportDiagnostic) X(DxgkCbSignalEvent) \
    X(DxgkCbIsFeatureEnabled) X(DxgkCbSaveMemoryForHotUpdate) X(DxgkCbNotifyCursorSupportChange) \
    X(DxgkCbQueryFeatureSupport) X(DxgkCbCreatePhysicalMemoryObject) X(DxgkCbDestroyPhysicalMemoryObject) \
    X(DxgkCbMapPhysicalMemory) X(DxgkCbUnmapPhysicalMemory) X(DxgkCbAllocateAdl) X(DxgkCbFreeAdl) \
    X(DxgkCbOpenPhysicalMemoryObject) X(DxgkCbClosePhysicalMemoryObject) X(DxgkCbPinFrameBufferForSave2) \
    X(DxgkCbDisconnectDoorbell)

#define MH_DXGKCB_DECLARE(name) MH_DXGKCB_INDEX_##name,
typedef enum _MH_DXGKCB_INDEX {
    MH_DXGKCB_SERVICES(MH_DXGKCB_DECLARE)
    MH_DXGKCB_SERVICE_COUNT
} MH_DXGKCB_INDEX;
#define MH_DXGKCB_WDDM1_3_COUNT 31u     /* slots in DXGKRNL_INTERFACE through WDDM 1.3 */

typedef struct _MH_ADAPTER_INFO {
    ULONG InitVersion;             /* DRIVER_INITIALIZATION_DATA.Version the miniport registered */
    ULONG InterfaceVersion;        /* DXGKRNL_INTERFACE.Version the host handed over */
    ULONG VideoPresentSources;     /* from DxgkDdiStartDevice */
    ULONG Children;                /* from DxgkDdiStartDevice */
    ULONG MiracastChildUid;        /* the Miracast target: the one TargetId CreateContext may return */
    ULONG MiracastHpdAwareness;    /* DXGK_CHILD_DEVICE_HPD_AWARENESS of that child */
    ULONG Connected;               /* connection state, as the miniport last indicated it */
    LONG MonitorType;              /* D3DKMDT_VIDEO_OUTPUT_TECHNOLOGY of the last connect indication */
    ULONG MiracastInterfaceSize;   /* what the miniport returned for GUID_DEVINTERFACE_MIRACAST_DISPLAY */
    ULONG MiracastInterfaceVersion;
    ULONG TestHooks;               /* 1: the miniport returned the test-hooks interface */
    ULONG DpcRoutine;              /* 1: the miniport registered DxgkDdiDpcRoutine */
    ULONG CapsMaxChunkPrivateDriverDataSize; /* QueryCaps at start */
    ULONG CapsFlags;
    ULONG ServiceCount;            /* MH_DXGKCB_SERVICE_COUNT */
    ULONG Reserved;
    ULONG ServiceCalls[MH_DXGKCB_SERVICE_COUNT]; /* calls per service (the provided ones count too) */
} MH_ADAPTER_INFO;
MH_STATIC_ASSERT(mh_adapter_info, sizeof(MH_ADAPTER_INFO) == 64 + 4 * MH_DXGKCB_SERVICE_COUNT);

/* ---------------------------------------------------------------- the pool tracker: READ_POOL */
/*
 * What the tracker found in the hosted miniport's pool use. Blocks it frees are filled with
 * MH_POOL_FREED_PATTERN and kept in a quarantine of MH_POOL_QUARANTINE blocks; a block is checked
 * when it leaves (pushed out, MH_POOL_READ_FLUSH, or unload). X(name, value, description)
 */
#define MH_POOL_FINDING_KINDS(X) \
    X(DOUBLE_FREE,      1, "a block freed twice (it was still in quarantine)") \
    X(UNKNOWN_POINTER,  2, "a free of a pointer the tracker never handed out") \
    X(WRITE_AFTER_FREE, 3, "a freed block changed in quarantine (Offset: the first changed byte)") \
    X(TAG_MISMATCH,     4, "ExFreePoolWithTag with another tag than the allocation's") \
    X(BAD_REQUEST,      5, "an allocation of 0 bytes, or ExAllocatePool2 with unknown or conflicting flags") \
    X(LEAK,             6, "a block still held when the adapter was removed")

#define MH_POOL_FINDING_DECLARE(name, value, description) MH_POOL_FINDING_##name = value,
typedef enum _MH_POOL_FINDING_KIND {
    MH_POOL_FINDING_NONE = 0,
    MH_POOL_FINDING_KINDS(MH_POOL_FINDING_DECLARE)
    MH_POOL_FINDING_KIND_LIMIT
} MH_POOL_FINDING_KIND;

#define MH_POOL_FREED_PATTERN  0xDFu
#define MH_POOL_QUARANTINE     16u     /* freed blocks held before they go back to the system */
#define MH_POOL_MAX_TAGS       32u     /* tags counted one by one; more share the last slot (Tag 0) */
#define MH_POOL_FINDINGS_KEPT  64u     /* findings kept for READ_POOL */
#define MH_POOL_READ_FLUSH     0x1u    /* check (and release) every block in quarantine first */

typedef struct _MH_POOL_READ_IN {
    ULONG64 StartSequence;     /* first finding wanted; 0 or 1: the oldest kept */
    ULONG Flags;               /* MH_POOL_READ_* */
    ULONG Reserved;
} MH_POOL_READ_IN;
MH_STATIC_ASSERT(mh_pool_read_in, sizeof(MH_POOL_READ_IN) == 16);

typedef struct _MH_POOL_TAG {
    ULONG Tag;                 /* as the miniport passed it ('abcd' reads "dcba" in memory order) */
    ULONG Reserved;
    ULONG64 Outstanding;       /* blocks held now */
    ULONG64 Total;             /* blocks ever allocated */
    ULONG64 BytesOutstanding;
} MH_POOL_TAG;
MH_STATIC_ASSERT(mh_pool_tag, sizeof(MH_POOL_TAG) == 32);

typedef struct _MH_POOL_FINDING {
    ULONG64 Sequence;          /* 1, 2, 3 ... */
    ULONG Kind;                /* MH_POOL_FINDING_KIND */
    ULONG Tag;                 /* the block's tag (the tag passed, for UNKNOWN_POINTER) */
    ULONG64 Size;              /* the block's size in bytes (0 when unknown) */
    ULONG64 Offset;            /* WRITE_AFTER_FREE: offset of the first changed byte; TAG_MISMATCH: the tag passed */
    ULONG64 Allocation;        /* which allocation it was: 1 for the miniport's first (0 when unknown) */
} MH_POOL_FINDING;
MH_STATIC_ASSERT(mh_pool_finding, sizeof(MH_POOL_FINDING) == 40);

typedef struct _MH_POOL_READ_OUT {
    ULONG64 NextSequence;      /* pass as StartSequence to continue */
    ULONG64 Lost;              /* findings at or after StartSequence no longer kept */
    ULONG TagCount;            /* MH_POOL_TAG records that follow */
    ULONG FindingCount;        /* MH_POOL_FINDING records after those */
    /* MH_POOL_TAG Tags[TagCount]; MH_POOL_FINDING Findings[FindingCount] */
} MH_POOL_READ_OUT;
MH_STATIC_ASSERT(mh_pool_read_out, sizeof(MH_POOL_READ_OUT) == 24);

/* ---------------------------------------------------------------- the test miniport's own IoControl */
/*
 * The payload of DxgkDdiMiracastIoControl is private to each vendor. The test miniport's format:
 * an MP_IOCTL_HEADER, then command data. Its output is command-specific.
 */
typedef struct _MP_IOCTL_HEADER {
    ULONG Command;             /* MP_CMD_* */
    ULONG Arg0;
    ULONG Arg1;
    ULONG Arg2;
    /* UCHAR Data[] */
} MP_IOCTL_HEADER;
MH_STATIC_ASSERT(mp_ioctl_header, sizeof(MP_IOCTL_HEADER) == 16);

#define MP_CMD_ECHO            1u  /* output: Data */
#define MP_CMD_SEND_MESSAGES   2u  /* Arg0 messages of Arg1 input bytes, Arg2 output bytes; output: MP_SEND_RESULT */
#define MP_CMD_READ_STATE      3u  /* output: MP_STATE */
#define MP_CMD_MONITOR_ARRIVE  4u  /* DxgkCbIndicateChildStatus(Connected = TRUE) */
#define MP_CMD_MONITOR_DEPART  5u  /* DxgkCbIndicateChildStatus(Connected = FALSE) */
#define MP_CMD_REPORT_CHUNK    6u  /* DxgkCbReportChunkInfo: Arg0 chunk type, Arg1 private data size
                                      (nonzero passes a non-NULL pointer), Arg2 frame number; output: LONG status */
#define MP_CMD_HOLD            7u  /* stay inside the DDI for Arg0 ms (widens race windows) */
#define MP_CMD_INDICATE        8u  /* DxgkCbIndicateChildStatus as asked, right or wrong: Arg0 DXGK_CHILD_STATUS_TYPE,
                                      Arg1 ChildUid, Arg2 Connected; output: LONG status */

typedef struct _MP_SEND_RESULT {
    ULONG Sent;                /* DxgkCbMiracastSendMessage returned STATUS_PENDING */
    ULONG Failed;
    LONG FirstError;
    ULONG Reserved;
} MP_SEND_RESULT;
MH_STATIC_ASSERT(mp_send_result, sizeof(MP_SEND_RESULT) == 16);

/* The test miniport's own view of what happened to it. X(name, description) */
#define MP_STATE_FIELDS(X) \
    X(ContextsCreated,        "successful DxgkDdiMiracastCreateContext calls") \
    X(ContextsDestroyed,      "DxgkDdiMiracastDestroyContext calls") \
    X(ContextsLive,           "contexts alive now") \
    X(IoControls,             "DxgkDdiMiracastIoControl calls") \
    X(MessagesSent,           "DxgkCbMiracastSendMessage calls that returned STATUS_PENDING") \
    X(SendFailures,           "DxgkCbMiracastSendMessage calls that failed") \
    X(CallbacksRun,           "DxgkCbMiracastSendMessageCallback invocations on live blocks") \
    X(CallbacksBeforeReturn,  "callbacks that ran before DxgkCbMiracastSendMessage returned") \
    X(CallbacksConcurrentMax, "most callbacks seen running at the same time") \
    X(BlocksOutstanding,      "send blocks held until their callback") \
    X(BadCallbacks,           "callbacks for a block that was not live (double completion)") \
    X(ClassOverlaps,          "times two Miracast-class DDIs were inside at once") \
    X(Level3Overlaps,         "times a third-level call overlapped any other DDI") \
    X(MonitorConnected,       "1 while the miniport reports its monitor connected") \
    X(HpdArrivals,            "monitor arrival indications") \
    X(HpdDepartures,          "monitor departure indications") \
    X(ChunkReports,           "DxgkCbReportChunkInfo calls") \
    X(LastContextTargetId,    "TargetId of the newest context") \
    X(ChunkInterrupts,        "DxgkCbNotifyInterrupt calls its encoder made") \
    X(ChunkErrors,            "of those, interrupts the OS wrote another status than STATUS_SUCCESS into") \
    X(DpcCalls,               "DxgkDdiDpcRoutine calls") \
    X(IndicationFailures,     "DxgkCbIndicateChildStatus calls that failed")

#define MP_STATE_DECLARE_FIELD(name, description) ULONG64 name;
typedef struct _MP_STATE {
    MP_STATE_FIELDS(MP_STATE_DECLARE_FIELD)
} MP_STATE;
#define MP_STATE_COUNT_FIELD(name, description) +1
#define MP_STATE_FIELD_COUNT (0 MP_STATE_FIELDS(MP_STATE_COUNT_FIELD))
MH_STATIC_ASSERT(mp_state, sizeof(MP_STATE) == 8 * MP_STATE_FIELD_COUNT);

/* The caps the test miniport reports. */
#define MP_CAPS_MAX_CHUNK_PRIVATE_DATA 256u
#define MP_CAPS_FLAGS                  0x1u  /* HdcpSupport: required of every Miracast driver */
#define MP_FIRST_TARGET_ID             0x4D43u /* "MC": ChildUid (and TargetId) of its one Miracast target */
#define MP_LOCAL_TARGET_ID             0x0100u /* ChildUid of its local (HDMI) output, which is not Miracast */

#endif /* MIRACAST_HIL_IOCTL_H */

/*
 * mh_device_io.h - the raw C client's access to the driver: open, one IOCTL with its NTSTATUS,
 * and typed wrappers for the IOCTLs of miracast_hil_ioctl.h.
 *
 * Every call goes through an overlapped handle and reports the NTSTATUS the IRP completed with
 * (OVERLAPPED.Internal), not only the Win32 error it maps to: checks compare NTSTATUS values.
 */
#ifndef MH_DEVICE_IO_H
#define MH_DEVICE_IO_H

#include <windows.h>
#include <winioctl.h>
#include "miracast_hil_ioctl.h"

#ifndef NT_SUCCESS
#define NT_SUCCESS(s) ((LONG)(s) >= 0)
#endif
#define MH_STATUS_SUCCESS            ((LONG)0x00000000)
#define MH_STATUS_PENDING            ((LONG)0x00000103)
#define MH_STATUS_CANCELLED          ((LONG)0xC0000120)
#define MH_STATUS_RESOURCE_IN_USE    ((LONG)0xC0000708)
#define MH_STATUS_DEVICE_REMOVED     ((LONG)0xC00002B6)
#define MH_STATUS_INVALID_PARAMETER  ((LONG)0xC000000D)
#define MH_STATUS_BUFFER_TOO_SMALL   ((LONG)0xC0000023)
#define MH_STATUS_INVALID_BUFFER_SIZE ((LONG)0xC0000206)
#define MH_STATUS_INVALID_DEVICE_REQUEST ((LONG)0xC0000010)
#define MH_STATUS_ACCESS_DENIED      ((LONG)0xC0000022)

/* Opens \\.\MiracastHil for read and write, overlapped. INVALID_HANDLE_VALUE on failure. */
HANDLE mh_open(void);

/* One IOCTL, waited for. Returns the IRP's NTSTATUS; *bytes gets Information. */
LONG mh_ioctl(HANDLE h, DWORD code, const void *in, DWORD in_len, void *out, DWORD out_len, DWORD *bytes);

/* An IOCTL in flight; the caller finishes it with mh_wait (or cancels it with CancelIoEx).
   Issued with NtDeviceIoControlFile so that a request failing at once still reports its NTSTATUS:
   for such a request Windows writes no IO_STATUS_BLOCK and queues no completion packet. */
typedef struct mh_async {
    OVERLAPPED ov;             /* first member: the IOCP hands back this address */
    DWORD code;
    unsigned char *buffer;     /* in and out share it, as METHOD_BUFFERED does */
    DWORD in_len, out_len;
    LONG issue_status;         /* what NtDeviceIoControlFile returned */
} mh_async;

/* TRUE when a completion will be delivered (pending, or completed at once without an error). */
BOOL mh_issue(HANDLE h, mh_async *a, DWORD code, const void *in, DWORD in_len, DWORD out_len, HANDLE event);
/* Waits up to timeout_ms: MH_STATUS_PENDING if still pending, else the IRP's NTSTATUS. */
LONG mh_wait(HANDLE h, mh_async *a, DWORD timeout_ms, DWORD *bytes);
void mh_async_free(mh_async *a);

LONG mh_get_info(HANDLE h, MH_INFO *info);
LONG mh_get_stats(HANDLE h, MH_STATS *stats);
LONG mh_query_caps(HANDLE h, ULONG caps_size, MH_QUERY_CAPS_OUT *caps);
LONG mh_create_context(HANDLE h, MH_CONTEXT_INFO *info);
LONG mh_destroy_context(HANDLE h, ULONG64 context_id);
LONG mh_configure_responder(HANDLE h, BOOL enabled, LONG status, ULONG delay_ms);
LONG mh_configure_miniport(HANDLE h, ULONG target_count);
LONG mh_agent_attach(HANDLE h, ULONG flags);
LONG mh_agent_detach(HANDLE h);
LONG mh_session(HANDLE h, ULONG64 context_id, ULONG action);
LONG mh_set_fault(HANDLE h, ULONG kind, ULONG count, LONG status, ULONG param);
LONG mh_reset_faults(HANDLE h);
/* DxgkDdiMiracastIoControl with the test miniport's command header; out gets the DDI's output. */
LONG mh_io_control(HANDLE h, ULONG64 context_id, ULONG flags, const MP_IOCTL_HEADER *cmd,
                   const void *data, DWORD data_len, void *out, DWORD out_size, DWORD *bytes_returned);
/* Starts a SEND_MESSAGE; the result lands in a->buffer as MH_SEND_MESSAGE_OUT + output. */
BOOL mh_send_message_issue(HANDLE h, mh_async *a, ULONG64 context_id, const void *input, DWORD input_len,
                           DWORD output_size, HANDLE event);
/* IO_CONTROL issued overlapped: input is the miniport's whole command; the output follows an
   MH_IO_CONTROL_OUT in a->buffer. */
BOOL mh_io_control_issue(HANDLE h, mh_async *a, ULONG64 context_id, ULONG flags, const void *input, DWORD input_len,
                         DWORD output_size, HANDLE event);
/* A SEND_MESSAGE waited for: IRP status returned, callback's IO_STATUS_BLOCK in *result. */
LONG mh_send_message(HANDLE h, ULONG64 context_id, const void *input, DWORD input_len, DWORD output_size,
                     MH_SEND_MESSAGE_OUT *result, void *output, DWORD timeout_ms);

/* One reply of a batch (the caller lays the batch out with mh_reply_batch_*). */
typedef struct mh_reply_batch {
    unsigned char *buffer;
    DWORD used, size, count;
} mh_reply_batch;
void mh_reply_batch_init(mh_reply_batch *b);
void mh_reply_batch_add(mh_reply_batch *b, ULONG64 message_id, LONG status, const void *output, DWORD output_len);
LONG mh_reply_batch_send(HANDLE h, mh_reply_batch *b, LONG *results);
void mh_reply_batch_free(mh_reply_batch *b);

/* TRUE inside Wine (ntdll exports wine_get_version): some Windows behaviours cannot be shown there. */
BOOL mh_under_wine(void);

/* Waits until the driver holds nothing but the open handles' own state: no context, message,
   miniport block or pended IRP, and one allocation per open handle. On timeout (or a failed
   GET_STATS) returns FALSE with what was left in why. */
BOOL mh_wait_idle(HANDLE h, DWORD timeout_ms, char *why, size_t why_size);

/* Service control for the unload check and the stress modes. */
BOOL mh_service_control(const wchar_t *name, BOOL start, DWORD timeout_ms, DWORD *state);
BOOL mh_service_running(const wchar_t *name);
BOOL mh_read_service_dword(const wchar_t *name, const wchar_t *value, DWORD *out);

#endif

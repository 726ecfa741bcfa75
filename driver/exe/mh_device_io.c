/*
 * mh_device_io.c - see mh_device_io.h.
 */
#include "mh_device_io.h"
#include <winternl.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#define MH_NT_ERROR(s) ((ULONG)(s) >= 0xC0000000u)

HANDLE mh_open(void)
{
    return CreateFileW(MH_USER_PATH_W, GENERIC_READ | GENERIC_WRITE, 0, NULL, OPEN_EXISTING,
                       FILE_FLAG_OVERLAPPED, NULL);
}

BOOL mh_issue(HANDLE h, mh_async *a, DWORD code, const void *in, DWORD in_len, DWORD out_len, HANDLE event)
{
    DWORD size = in_len > out_len ? in_len : out_len;

    memset(a, 0, sizeof(*a));
    a->code = code;
    a->in_len = in_len;
    a->out_len = out_len;
    a->ov.hEvent = event;
    a->buffer = (unsigned char *)calloc(1, size ? size : 1);
    if (a->buffer == NULL) {
        a->issue_status = (LONG)0xC0000017; /* STATUS_NO_MEMORY */
        return FALSE;
    }
    if (in_len) {
        memcpy(a->buffer, in, in_len);
    }
    a->ov.Internal = (ULONG_PTR)MH_STATUS_PENDING;
    a->issue_status = NtDeviceIoControlFile(h, event, NULL, &a->ov, (PIO_STATUS_BLOCK)&a->ov, code,
                                            in_len ? a->buffer : NULL, in_len, out_len ? a->buffer : NULL, out_len);
    return !MH_NT_ERROR(a->issue_status);
}

LONG mh_wait(HANDLE h, mh_async *a, DWORD timeout_ms, DWORD *bytes)
{
    DWORD transferred = 0;

    if (MH_NT_ERROR(a->issue_status)) {
        if (bytes) {
            *bytes = 0;
        }
        return a->issue_status;
    }
    if (!GetOverlappedResultEx(h, &a->ov, &transferred, timeout_ms, FALSE)) {
        DWORD err = GetLastError();
        if (err == WAIT_TIMEOUT || err == ERROR_IO_INCOMPLETE) {
            return MH_STATUS_PENDING;
        }
    }
    if (bytes) {
        *bytes = (DWORD)a->ov.InternalHigh;
    }
    return (LONG)a->ov.Internal;
}

void mh_async_free(mh_async *a)
{
    free(a->buffer);
    a->buffer = NULL;
}

LONG mh_ioctl(HANDLE h, DWORD code, const void *in, DWORD in_len, void *out, DWORD out_len, DWORD *bytes)
{
    HANDLE event = CreateEventW(NULL, TRUE, FALSE, NULL);
    mh_async a;
    DWORD got = 0;
    LONG status;

    mh_issue(h, &a, code, in, in_len, out_len, event);
    status = mh_wait(h, &a, INFINITE, &got);
    if (NT_SUCCESS(status) && out && got) {
        memcpy(out, a.buffer, got > out_len ? out_len : got);
    }
    if (bytes) {
        *bytes = got;
    }
    mh_async_free(&a);
    CloseHandle(event);
    return status;
}

LONG mh_get_info(HANDLE h, MH_INFO *info)
{
    return mh_ioctl(h, IOCTL_MH_GET_INFO, NULL, 0, info, sizeof(*info), NULL);
}

LONG mh_get_stats(HANDLE h, MH_STATS *stats)
{
    memset(stats, 0, sizeof(*stats));
    return mh_ioctl(h, IOCTL_MH_GET_STATS, NULL, 0, stats, sizeof(*stats), NULL);
}

LONG mh_query_caps(HANDLE h, ULONG caps_size, MH_QUERY_CAPS_OUT *caps)
{
    MH_QUERY_CAPS_IN in = { caps_size, 0 };
    return mh_ioctl(h, IOCTL_MH_QUERY_CAPS, &in, sizeof(in), caps, sizeof(*caps), NULL);
}

LONG mh_create_context(HANDLE h, MH_CONTEXT_INFO *info)
{
    memset(info, 0, sizeof(*info));
    return mh_ioctl(h, IOCTL_MH_CREATE_CONTEXT, NULL, 0, info, sizeof(*info), NULL);
}

LONG mh_destroy_context(HANDLE h, ULONG64 context_id)
{
    MH_CONTEXT_REF ref = { context_id };
    return mh_ioctl(h, IOCTL_MH_DESTROY_CONTEXT, &ref, sizeof(ref), NULL, 0, NULL);
}

LONG mh_configure_responder(HANDLE h, BOOL enabled, LONG status, ULONG delay_ms)
{
    MH_RESPONDER_CONFIG config = { enabled ? 1u : 0u, status, delay_ms, 0 };
    return mh_ioctl(h, IOCTL_MH_CONFIGURE_RESPONDER, &config, sizeof(config), NULL, 0, NULL);
}

LONG mh_configure_miniport(HANDLE h, ULONG target_count)
{
    MH_MINIPORT_CONFIG config = { target_count, 0 };
    return mh_ioctl(h, IOCTL_MH_CONFIGURE_MINIPORT, &config, sizeof(config), NULL, 0, NULL);
}

LONG mh_agent_attach(HANDLE h, ULONG flags)
{
    MH_AGENT_ATTACH_IN in = { flags, 0 };
    return mh_ioctl(h, IOCTL_MH_AGENT_ATTACH, &in, sizeof(in), NULL, 0, NULL);
}

LONG mh_agent_detach(HANDLE h)
{
    return mh_ioctl(h, IOCTL_MH_AGENT_DETACH, NULL, 0, NULL, 0, NULL);
}

LONG mh_session(HANDLE h, ULONG64 context_id, ULONG action)
{
    MH_SESSION_IN in = { context_id, action, 0 };
    return mh_ioctl(h, IOCTL_MH_SESSION, &in, sizeof(in), NULL, 0, NULL);
}

LONG mh_set_fault(HANDLE h, ULONG kind, ULONG count, LONG status, ULONG param)
{
    MH_FAULT fault = { kind, count, 0, status, param, 0 };
    return mh_ioctl(h, IOCTL_MH_SET_FAULT, &fault, sizeof(fault), NULL, 0, NULL);
}

LONG mh_reset_faults(HANDLE h)
{
    return mh_ioctl(h, IOCTL_MH_RESET_FAULTS, NULL, 0, NULL, 0, NULL);
}

LONG mh_io_control(HANDLE h, ULONG64 context_id, ULONG flags, const MP_IOCTL_HEADER *cmd,
                   const void *data, DWORD data_len, void *out, DWORD out_size, DWORD *bytes_returned)
{
    DWORD in_len = (DWORD)(sizeof(MH_IO_CONTROL_IN) + sizeof(*cmd) + data_len);
    DWORD out_len = (DWORD)(sizeof(MH_IO_CONTROL_OUT) + out_size);
    unsigned char *in = (unsigned char *)calloc(1, in_len);
    unsigned char *result = (unsigned char *)calloc(1, out_len);
    MH_IO_CONTROL_IN *header = (MH_IO_CONTROL_IN *)in;
    DWORD got = 0;
    LONG status;

    header->ContextId = context_id;
    header->Flags = flags;
    header->InputSize = (ULONG)(sizeof(*cmd) + data_len);
    header->OutputSize = out_size;
    memcpy(in + sizeof(*header), cmd, sizeof(*cmd));
    if (data_len) {
        memcpy(in + sizeof(*header) + sizeof(*cmd), data, data_len);
    }
    status = mh_ioctl(h, IOCTL_MH_IO_CONTROL, in, in_len, result, out_len, &got);
    if (NT_SUCCESS(status)) {
        const MH_IO_CONTROL_OUT *o = (const MH_IO_CONTROL_OUT *)result;
        if (bytes_returned) {
            *bytes_returned = o->BytesReturned;
        }
        if (out && o->BytesReturned) {
            memcpy(out, result + sizeof(*o), o->BytesReturned);
        }
    }
    free(in);
    free(result);
    return status;
}

/* Issues an IOCTL whose input is a fixed header followed by input_len bytes of input. */
static BOOL issue_with_header(HANDLE h, mh_async *a, DWORD code, const void *header, DWORD header_len,
                              const void *input, DWORD input_len, DWORD out_len, HANDLE event)
{
    DWORD in_len = header_len + input_len;
    unsigned char *in = (unsigned char *)calloc(1, in_len);
    BOOL ok;

    memcpy(in, header, header_len);
    if (input_len) {
        memcpy(in + header_len, input, input_len);
    }
    ok = mh_issue(h, a, code, in, in_len, out_len, event);
    free(in);
    return ok;
}

BOOL mh_send_message_issue(HANDLE h, mh_async *a, ULONG64 context_id, const void *input, DWORD input_len,
                           DWORD output_size, HANDLE event)
{
    MH_SEND_MESSAGE_IN header;

    memset(&header, 0, sizeof(header));
    header.ContextId = context_id;
    header.InputSize = input_len;
    header.OutputSize = output_size;
    return issue_with_header(h, a, IOCTL_MH_SEND_MESSAGE, &header, (DWORD)sizeof(header), input, input_len,
                             (DWORD)sizeof(MH_SEND_MESSAGE_OUT) + output_size, event);
}

BOOL mh_io_control_issue(HANDLE h, mh_async *a, ULONG64 context_id, ULONG flags, const void *input, DWORD input_len,
                         DWORD output_size, HANDLE event)
{
    MH_IO_CONTROL_IN header;

    memset(&header, 0, sizeof(header));
    header.ContextId = context_id;
    header.Flags = flags;
    header.InputSize = input_len;
    header.OutputSize = output_size;
    return issue_with_header(h, a, IOCTL_MH_IO_CONTROL, &header, (DWORD)sizeof(header), input, input_len,
                             (DWORD)sizeof(MH_IO_CONTROL_OUT) + output_size, event);
}

LONG mh_send_message(HANDLE h, ULONG64 context_id, const void *input, DWORD input_len, DWORD output_size,
                     MH_SEND_MESSAGE_OUT *result, void *output, DWORD timeout_ms)
{
    HANDLE event = CreateEventW(NULL, TRUE, FALSE, NULL);
    mh_async a;
    DWORD got = 0;
    LONG status;

    mh_send_message_issue(h, &a, context_id, input, input_len, output_size, event);
    status = mh_wait(h, &a, timeout_ms, &got);
    if (status == MH_STATUS_PENDING) {
        CancelIoEx(h, &a.ov);
        mh_wait(h, &a, INFINITE, &got);
    } else if (NT_SUCCESS(status) && got >= sizeof(MH_SEND_MESSAGE_OUT)) {
        memcpy(result, a.buffer, sizeof(*result));
        if (output) {
            memcpy(output, a.buffer + sizeof(*result), got - sizeof(*result));
        }
    }
    mh_async_free(&a);
    CloseHandle(event);
    return status;
}

void mh_reply_batch_init(mh_reply_batch *b)
{
    b->size = 4096;
    b->buffer = (unsigned char *)calloc(1, b->size);
    b->used = sizeof(MH_REPLY_HEADER);
    b->count = 0;
}

void mh_reply_batch_add(mh_reply_batch *b, ULONG64 message_id, LONG status, const void *output, DWORD output_len)
{
    DWORD record = MH_ALIGN8((DWORD)sizeof(MH_AGENT_REPLY) + output_len);
    MH_AGENT_REPLY *r;

    while (b->used + record > b->size) {
        b->size *= 2;
        b->buffer = (unsigned char *)realloc(b->buffer, b->size);
    }
    r = (MH_AGENT_REPLY *)(b->buffer + b->used);
    memset(r, 0, record);
    r->MessageId = message_id;
    r->Status = status;
    r->OutputSize = output_len;
    r->RecordSize = record;
    if (output_len) {
        memcpy(r + 1, output, output_len);
    }
    b->used += record;
    b->count++;
}

LONG mh_reply_batch_send(HANDLE h, mh_reply_batch *b, LONG *results)
{
    MH_REPLY_HEADER *header = (MH_REPLY_HEADER *)b->buffer;
    header->Count = b->count;
    header->Reserved = 0;
    return mh_ioctl(h, IOCTL_MH_AGENT_REPLY, b->buffer, b->used, results,
                    results ? b->count * (DWORD)sizeof(LONG) : 0, NULL);
}

void mh_reply_batch_free(mh_reply_batch *b)
{
    free(b->buffer);
    b->buffer = NULL;
}

BOOL mh_wait_idle(HANDLE h, DWORD timeout_ms, char *why, size_t why_size)
{
    MH_STATS s;
    DWORD waited = 0;

    for (;;) {
        if (!NT_SUCCESS(mh_get_stats(h, &s))) {
            snprintf(why, why_size, "GET_STATS failed");
            return FALSE;
        }
        if (s.HostContexts == 0 && s.HostMessages == 0 && s.MiniportBlocks == 0 && s.MiniportContexts == 0 &&
            s.IrpsPending == 0 && s.FileContexts == s.HandlesOpen &&
            s.AllocationsOutstanding == s.FileContexts) {
            return TRUE;
        }
        if (waited >= timeout_ms) {
            snprintf(why, why_size,
                     "not idle after %lu ms: allocations %llu (handles %llu, file contexts %llu), host contexts %llu, "
                     "host messages %llu, miniport blocks %llu, miniport contexts %llu, IRPs pending %llu",
                     (unsigned long)timeout_ms, s.AllocationsOutstanding, s.HandlesOpen, s.FileContexts,
                     s.HostContexts, s.HostMessages, s.MiniportBlocks, s.MiniportContexts, s.IrpsPending);
            return FALSE;
        }
        Sleep(20);
        waited += 20;
    }
}

BOOL mh_service_running(const wchar_t *name)
{
    SC_HANDLE scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_CONNECT);
    SC_HANDLE svc = scm ? OpenServiceW(scm, name, SERVICE_QUERY_STATUS) : NULL;
    SERVICE_STATUS status;
    BOOL running = svc && QueryServiceStatus(svc, &status) && status.dwCurrentState == SERVICE_RUNNING;

    if (svc) CloseServiceHandle(svc);
    if (scm) CloseServiceHandle(scm);
    return running;
}

BOOL mh_service_control(const wchar_t *name, BOOL start, DWORD timeout_ms, DWORD *state)
{
    SC_HANDLE scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_CONNECT);
    SC_HANDLE svc;
    SERVICE_STATUS status;
    DWORD waited = 0, want = start ? SERVICE_RUNNING : SERVICE_STOPPED;
    BOOL ok;

    if (!scm) {
        return FALSE;
    }
    svc = OpenServiceW(scm, name, SERVICE_START | SERVICE_STOP | SERVICE_QUERY_STATUS);
    if (!svc) {
        CloseServiceHandle(scm);
        return FALSE;
    }
    ok = start ? StartServiceW(svc, 0, NULL) : ControlService(svc, SERVICE_CONTROL_STOP, &status);
    for (;;) {
        if (!QueryServiceStatus(svc, &status)) {
            ok = FALSE;
            break;
        }
        if (status.dwCurrentState == want || waited >= timeout_ms) {
            break;
        }
        Sleep(50);
        waited += 50;
    }
    if (state) {
        *state = status.dwCurrentState;
    }
    CloseServiceHandle(svc);
    CloseServiceHandle(scm);
    return ok && status.dwCurrentState == want;
}

BOOL mh_read_service_dword(const wchar_t *name, const wchar_t *value, DWORD *out)
{
    wchar_t key[256];
    DWORD size = sizeof(*out);

    wsprintfW(key, L"System\\CurrentControlSet\\Services\\%s", name);
    return RegGetValueW(HKEY_LOCAL_MACHINE, key, value, RRF_RT_REG_DWORD, NULL, out, &size) == ERROR_SUCCESS;
}

BOOL mh_under_wine(void)
{
    HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
    return ntdll != NULL && GetProcAddress(ntdll, "wine_get_version") != NULL;
}

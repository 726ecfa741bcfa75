/*
 * mh_checks.c - the raw C client's checks of the driver, one row per behaviour.
 *
 * Each check names itself; a failure prints the check's name and what it saw, in the style of
 * Wine's ntoskrnl tests (kernel-side counters read back over IOCTL_MH_GET_STATS). Every check
 * leaves the driver as it found it: responder off, faults cleared, one Miracast target, no context.
 * The unload check stops and restarts the driver service and runs only when asked for.
 */
#include "mh_device_io.h"
#include "mh_checks.h"
#include "mh_check_expect.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sddl.h>

static ULONG64 stat_of(HANDLE h, size_t offset)
{
    MH_STATS s;
    if (!NT_SUCCESS(mh_get_stats(h, &s))) {
        return (ULONG64)-1;
    }
    return *(ULONG64 *)((unsigned char *)&s + offset);
}
#define STAT(h, field) stat_of((h), offsetof(MH_STATS, field))

#define EXPECT_IDLE(timeout) EXPECT(mh_wait_idle(c->h, (timeout), c->why, sizeof(c->why)), "%s", c->why)

static void fill(unsigned char *p, DWORD n, unsigned seed)
{
    for (DWORD i = 0; i < n; i++) {
        p[i] = (unsigned char)(seed * 31 + i);
    }
}

/* Receives at least `want` messages on the agent handle (several receives if needed). */
static DWORD agent_receive(HANDLE agent, unsigned char *buffer, DWORD size, DWORD timeout_ms, DWORD *count)
{
    HANDLE event = CreateEventW(NULL, TRUE, FALSE, NULL);
    mh_async a;
    DWORD got = 0;
    LONG status;

    *count = 0;
    mh_issue(agent, &a, IOCTL_MH_AGENT_RECEIVE, NULL, 0, size, event);
    status = mh_wait(agent, &a, timeout_ms, &got);
    if (status == MH_STATUS_PENDING) {
        CancelIoEx(agent, &a.ov);
        mh_wait(agent, &a, INFINITE, &got);
        got = 0;
    } else if (NT_SUCCESS(status)) {
        memcpy(buffer, a.buffer, got);
        *count = ((MH_RECEIVE_HEADER *)buffer)->Count;
    } else {
        got = 0;
    }
    mh_async_free(&a);
    CloseHandle(event);
    return got;
}

static const MH_AGENT_MESSAGE *first_message(const unsigned char *buffer)
{
    return (const MH_AGENT_MESSAGE *)(buffer + sizeof(MH_RECEIVE_HEADER));
}

static const MH_AGENT_MESSAGE *next_message(const MH_AGENT_MESSAGE *m)
{
    return (const MH_AGENT_MESSAGE *)((const unsigned char *)m + m->RecordSize);
}

/* ------------------------------------------------------------------ checks */

static BOOL check_info(check_ctx *c)
{
    MH_INFO info;
    BOOL ok = FALSE;

    EXPECT_STATUS(mh_get_info(c->h, &info), 0, "GET_INFO");
    EXPECT(info.ContractVersion >> 16 == MH_CONTRACT_VERSION_MAJOR, "driver contract %lu.%lu, client %u.%u",
           (unsigned long)(info.ContractVersion >> 16), (unsigned long)(info.ContractVersion & 0xFFFF),
           MH_CONTRACT_VERSION_MAJOR, MH_CONTRACT_VERSION_MINOR);
    EXPECT(info.StatsSize == sizeof(MH_STATS), "stats size %lu, client %u", (unsigned long)info.StatsSize,
           (unsigned)sizeof(MH_STATS));
    EXPECT(info.ReceiveBufferMin == MH_RECEIVE_BUFFER_MIN, "receive minimum %lu", (unsigned long)info.ReceiveBufferMin);
    ok = TRUE;
done:
    return ok;
}

static BOOL check_caps(check_ctx *c)
{
    MH_QUERY_CAPS_OUT caps = {0};
    BOOL ok = FALSE;

    EXPECT_STATUS(mh_query_caps(c->h, 8, &caps), 0, "QUERY_CAPS");
    EXPECT(caps.MaxChunkPrivateDriverDataSize == MP_CAPS_MAX_CHUNK_PRIVATE_DATA, "MaxChunkPrivateDriverDataSize %lu",
           (unsigned long)caps.MaxChunkPrivateDriverDataSize);
    EXPECT(caps.Flags == MP_CAPS_FLAGS, "Flags 0x%lx (HdcpSupport must be set, Reserved 0)", (unsigned long)caps.Flags);
    EXPECT_STATUS(mh_query_caps(c->h, 4, &caps), MH_STATUS_INVALID_PARAMETER, "QUERY_CAPS with MiracastCapsSize 4");
    ok = TRUE;
done:
    return ok;
}

static BOOL check_context_lifecycle(check_ctx *c)
{
    MH_CONTEXT_INFO first = {0}, second = {0}, third = {0};
    BOOL ok = FALSE;

    EXPECT_STATUS(mh_create_context(c->h, &first), 0, "CreateContext");
    EXPECT(first.TargetId == MP_FIRST_TARGET_ID, "TargetId 0x%lx, expected 0x%x", (unsigned long)first.TargetId,
           MP_FIRST_TARGET_ID);
    EXPECT(STAT(c->h, HostContexts) == 1 && STAT(c->h, MiniportContexts) == 1, "one context expected");
    EXPECT_STATUS(mh_create_context(c->h, &second), MH_STATUS_RESOURCE_IN_USE, "a second live CreateContext");
    EXPECT_STATUS(mh_destroy_context(c->h, first.ContextId), 0, "DestroyContext");
    EXPECT_STATUS(mh_destroy_context(c->h, first.ContextId), MH_STATUS_UNKNOWN_CONTEXT, "DestroyContext twice");
    EXPECT_STATUS(mh_create_context(c->h, &third), 0, "CreateContext after DestroyContext");
    EXPECT(third.ContextId != first.ContextId, "context ids must not be reused");
    EXPECT_STATUS(mh_destroy_context(c->h, third.ContextId), 0, "DestroyContext");
    EXPECT_IDLE(1000);
    ok = TRUE;
done:
    return ok;
}

static BOOL check_context_owner(check_ctx *c)
{
    HANDLE other = mh_open();
    MH_CONTEXT_INFO info = {0};
    MP_IOCTL_HEADER echo = { MP_CMD_ECHO, 0, 0, 0 };
    BOOL ok = FALSE;

    EXPECT(other != INVALID_HANDLE_VALUE, "second open failed: %lu", GetLastError());
    EXPECT_STATUS(mh_create_context(c->h, &info), 0, "CreateContext");
    EXPECT_STATUS(mh_destroy_context(other, info.ContextId), MH_STATUS_NOT_OWNER, "DestroyContext from another handle");
    EXPECT_STATUS(mh_io_control(other, info.ContextId, 0, &echo, "x", 1, NULL, 8, NULL), MH_STATUS_NOT_OWNER,
                  "IoControl from another handle");
    EXPECT_STATUS(mh_destroy_context(c->h, info.ContextId), 0, "DestroyContext by its owner");
    ok = TRUE;
done:
    if (other != INVALID_HANDLE_VALUE) CloseHandle(other);
    return ok;
}

static BOOL check_send_responder(check_ctx *c)
{
    MH_CONTEXT_INFO info = {0};
    MH_SEND_MESSAGE_OUT result = {0};
    unsigned char in[48], out[64];
    ULONG64 callbacks;
    BOOL ok = FALSE;

    fill(in, sizeof(in), 7);
    EXPECT_STATUS(mh_create_context(c->h, &info), 0, "CreateContext");
    EXPECT_STATUS(mh_configure_responder(c->h, TRUE, 0x00000123, 0), 0, "CONFIGURE_RESPONDER");
    callbacks = STAT(c->h, CallbacksRun);
    EXPECT_STATUS(mh_send_message(c->h, info.ContextId, in, sizeof(in), sizeof(out), &result, out, 5000), 0,
                  "SEND_MESSAGE");
    EXPECT(result.Status == 0x00000123, "callback status 0x%08lx, expected the responder's 0x123", (unsigned long)result.Status);
    EXPECT(result.Information == sizeof(in), "Information %llu, expected %u", result.Information, (unsigned)sizeof(in));
    EXPECT(memcmp(out, in, sizeof(in)) == 0, "output is not the echoed input");
    EXPECT(STAT(c->h, CallbacksRun) == callbacks + 1, "callbacks ran %llu times", STAT(c->h, CallbacksRun) - callbacks);

    /* An error status is data: the IRP still succeeds and carries it. */
    EXPECT_STATUS(mh_configure_responder(c->h, TRUE, (LONG)0xC0000185, 0), 0, "CONFIGURE_RESPONDER");
    EXPECT_STATUS(mh_send_message(c->h, info.ContextId, in, 4, 2, &result, out, 5000), 0, "SEND_MESSAGE");
    EXPECT(result.Status == (LONG)0xC0000185 && result.Information == 2, "callback status 0x%08lx info %llu",
           (unsigned long)result.Status, result.Information);
    ok = TRUE;
done:
    mh_configure_responder(c->h, FALSE, 0, 0);
    mh_destroy_context(c->h, info.ContextId);
    return ok;
}

static BOOL check_send_no_host(check_ctx *c)
{
    MH_CONTEXT_INFO info = {0};
    MH_SEND_MESSAGE_OUT result = {0};
    ULONG64 callbacks, failures;
    DWORD start;
    BOOL ok = FALSE;

    EXPECT_STATUS(mh_create_context(c->h, &info), 0, "CreateContext");
    callbacks = STAT(c->h, CallbacksRun);
    failures = STAT(c->h, SendFailures);
    start = GetTickCount();
    EXPECT_STATUS(mh_send_message(c->h, info.ContextId, "hello", 5, 16, &result, NULL, 5000),
                  MH_STATUS_DEVICE_REMOVED, "SEND_MESSAGE with no agent and no responder");
    EXPECT(GetTickCount() - start < 2000, "took %lu ms: it must fail at once", GetTickCount() - start);
    EXPECT(STAT(c->h, CallbacksRun) == callbacks, "a callback ran");
    EXPECT(STAT(c->h, SendFailures) == failures + 1, "SendFailures did not count it");
    EXPECT_STATUS(mh_destroy_context(c->h, info.ContextId), 0, "DestroyContext");
    EXPECT_IDLE(1000);
    ok = TRUE;
done:
    return ok;
}

static BOOL check_agent_roundtrip(check_ctx *c)
{
    HANDLE agent = mh_open();
    HANDLE event = CreateEventW(NULL, TRUE, FALSE, NULL);
    unsigned char *rx = (unsigned char *)malloc(MH_RECEIVE_BUFFER_MIN);
    MH_CONTEXT_INFO info = {0};
    mh_async send = {0};
    mh_reply_batch batch = {0};
    const MH_AGENT_MESSAGE *m;
    LONG reply_result = -1;
    DWORD got = 0, count = 0;
    BOOL ok = FALSE;

    mh_reply_batch_init(&batch);
    EXPECT(agent != INVALID_HANDLE_VALUE, "agent open failed");
    EXPECT_STATUS(mh_agent_attach(agent, 0), 0, "AGENT_ATTACH");
    EXPECT_STATUS(mh_agent_attach(c->h, 0), MH_STATUS_AGENT_TAKEN, "a second AGENT_ATTACH");
    EXPECT_STATUS(mh_create_context(c->h, &info), 0, "CreateContext");
    EXPECT(mh_send_message_issue(c->h, &send, info.ContextId, "ping!", 5, 32, event), "SEND_MESSAGE failed at once: 0x%08lx",
           (unsigned long)send.issue_status);
    EXPECT(agent_receive(agent, rx, MH_RECEIVE_BUFFER_MIN, 5000, &count) && count == 1, "agent received %lu messages",
           (unsigned long)count);
    m = first_message(rx);
    EXPECT(m->ContextId == info.ContextId && m->InputSize == 5 && m->OutputSize == 32 && memcmp(m + 1, "ping!", 5) == 0,
           "message: context %llu, input %lu bytes, output %lu bytes", m->ContextId, (unsigned long)m->InputSize,
           (unsigned long)m->OutputSize);
    EXPECT(mh_wait(c->h, &send, 0, &got) == MH_STATUS_PENDING, "the send completed before the agent answered");
    mh_reply_batch_add(&batch, m->MessageId, (LONG)0x40000007, "pong", 4);
    EXPECT_STATUS(mh_reply_batch_send(agent, &batch, &reply_result), 0, "AGENT_REPLY");
    EXPECT(reply_result == 0, "reply result 0x%08lx", (unsigned long)reply_result);
    EXPECT_STATUS(mh_wait(c->h, &send, 5000, &got), 0, "SEND_MESSAGE");
    EXPECT(((MH_SEND_MESSAGE_OUT *)send.buffer)->Status == (LONG)0x40000007 &&
           ((MH_SEND_MESSAGE_OUT *)send.buffer)->Information == 4 &&
           memcmp(send.buffer + sizeof(MH_SEND_MESSAGE_OUT), "pong", 4) == 0 && got == sizeof(MH_SEND_MESSAGE_OUT) + 4,
           "sender saw status 0x%08lx, %llu bytes", (unsigned long)((MH_SEND_MESSAGE_OUT *)send.buffer)->Status,
           ((MH_SEND_MESSAGE_OUT *)send.buffer)->Information);
    /* Replying again to the same message finds nothing outstanding. */
    EXPECT_STATUS(mh_reply_batch_send(agent, &batch, &reply_result), 0, "AGENT_REPLY again");
    EXPECT(reply_result == MH_STATUS_REPLY_UNKNOWN, "second reply result 0x%08lx", (unsigned long)reply_result);
    ok = TRUE;
done:
    mh_async_free(&send);
    mh_reply_batch_free(&batch);
    mh_destroy_context(c->h, info.ContextId);
    if (agent != INVALID_HANDLE_VALUE) CloseHandle(agent);
    CloseHandle(event);
    free(rx);
    return ok;
}

static BOOL check_agent_batches(check_ctx *c)
{
    enum { N = 8 };
    HANDLE agent = mh_open();
    unsigned char *rx = (unsigned char *)malloc(MH_RECEIVE_BUFFER_MIN);
    MH_CONTEXT_INFO info = {0};
    HANDLE events[N];
    mh_async sends[N];
    mh_reply_batch batch = {0};
    const MH_AGENT_MESSAGE *m;
    LONG results[N];
    DWORD count = 0, i, got;
    BOOL ok = FALSE;

    memset(sends, 0, sizeof(sends));
    for (i = 0; i < N; i++) events[i] = CreateEventW(NULL, TRUE, FALSE, NULL);
    mh_reply_batch_init(&batch);
    EXPECT_STATUS(mh_agent_attach(agent, 0), 0, "AGENT_ATTACH");
    EXPECT_STATUS(mh_create_context(c->h, &info), 0, "CreateContext");
    for (i = 0; i < N; i++) {
        unsigned char in[16];
        fill(in, sizeof(in), i);
        EXPECT(mh_send_message_issue(c->h, &sends[i], info.ContextId, in, sizeof(in), 16, events[i]), "send %lu failed", (unsigned long)i);
    }
    /* All eight were queued before any receive was pended: one receive carries them all. */
    EXPECT(agent_receive(agent, rx, MH_RECEIVE_BUFFER_MIN, 5000, &count) && count == N, "one receive carried %lu messages",
           (unsigned long)count);
    EXPECT(STAT(c->h, ReceiveBatchMax) >= N, "ReceiveBatchMax %llu", STAT(c->h, ReceiveBatchMax));
    for (i = 0, m = first_message(rx); i < count; i++, m = next_message(m)) {
        unsigned char answer[16];
        memcpy(answer, m + 1, 16);
        answer[0] ^= 0xFF;
        mh_reply_batch_add(&batch, m->MessageId, (LONG)i, answer, 16);
    }
    EXPECT_STATUS(mh_reply_batch_send(agent, &batch, results), 0, "one AGENT_REPLY with eight replies");
    for (i = 0; i < N; i++) {
        const MH_SEND_MESSAGE_OUT *o;
        unsigned char expected[16];
        EXPECT(results[i] == 0, "reply %lu result 0x%08lx", (unsigned long)i, (unsigned long)results[i]);
        EXPECT_STATUS(mh_wait(c->h, &sends[i], 5000, &got), 0, "SEND_MESSAGE");
        o = (const MH_SEND_MESSAGE_OUT *)sends[i].buffer;
        fill(expected, 16, i);
        expected[0] ^= 0xFF;
        EXPECT(o->Status == (LONG)i && o->Information == 16 && memcmp(o + 1, expected, 16) == 0,
               "send %lu got status %ld and the wrong bytes", (unsigned long)i, (long)o->Status);
    }
    EXPECT(STAT(c->h, ReplyBatchMax) >= N, "ReplyBatchMax %llu", STAT(c->h, ReplyBatchMax));
    ok = TRUE;
done:
    for (i = 0; i < N; i++) { mh_async_free(&sends[i]); CloseHandle(events[i]); }
    mh_reply_batch_free(&batch);
    mh_destroy_context(c->h, info.ContextId);
    if (agent != INVALID_HANDLE_VALUE) CloseHandle(agent);
    free(rx);
    return ok;
}

static BOOL check_iocontrol_echo(check_ctx *c)
{
    MH_CONTEXT_INFO info = {0};
    MP_IOCTL_HEADER echo = { MP_CMD_ECHO, 0, 0, 0 };
    MP_IOCTL_HEADER unknown = { 0x7777, 0, 0, 0 };
    unsigned char data[300], out[300];
    DWORD returned = 0;
    BOOL ok = FALSE;

    fill(data, sizeof(data), 3);
    EXPECT_STATUS(mh_create_context(c->h, &info), 0, "CreateContext");
    EXPECT_STATUS(mh_io_control(c->h, info.ContextId, 0, &echo, data, sizeof(data), out, sizeof(out), &returned), 0,
                  "IoControl echo");
    EXPECT(returned == sizeof(data) && memcmp(out, data, sizeof(data)) == 0, "echo returned %lu bytes", (unsigned long)returned);
    EXPECT_STATUS(mh_io_control(c->h, info.ContextId, MH_IO_CONTROL_HARDWARE_ACCESS, &echo, data, 10, out, 10, &returned), 0,
                  "IoControl echo with HardwareAccess");
    EXPECT_STATUS(mh_io_control(c->h, info.ContextId, 0, &echo, data, 10, out, 4, &returned), MH_STATUS_BUFFER_TOO_SMALL,
                  "IoControl echo into a short output");
    EXPECT_STATUS(mh_io_control(c->h, info.ContextId, 0, &unknown, NULL, 0, out, 4, &returned),
                  MH_STATUS_INVALID_DEVICE_REQUEST, "unknown miniport command");
    EXPECT_STATUS(mh_destroy_context(c->h, info.ContextId), 0, "DestroyContext");
    EXPECT_STATUS(mh_io_control(c->h, info.ContextId, 0, &echo, data, 10, out, 10, &returned), MH_STATUS_UNKNOWN_CONTEXT,
                  "IoControl after DestroyContext");
    ok = TRUE;
done:
    return ok;
}

static BOOL check_iocontrol_send_n(check_ctx *c)
{
    enum { N = 20 };
    HANDLE agent = mh_open();
    unsigned char *rx = (unsigned char *)malloc(MH_RECEIVE_BUFFER_MIN);
    MH_CONTEXT_INFO info = {0};
    MP_IOCTL_HEADER send = { MP_CMD_SEND_MESSAGES, N, 12, 8 };
    MP_SEND_RESULT result = {0};
    mh_reply_batch batch = {0};
    ULONG64 callbacks;
    DWORD received = 0, count, i, returned = 0;
    BOOL ok = FALSE;

    mh_reply_batch_init(&batch);
    EXPECT_STATUS(mh_agent_attach(agent, 0), 0, "AGENT_ATTACH");
    EXPECT_STATUS(mh_create_context(c->h, &info), 0, "CreateContext");
    callbacks = STAT(c->h, CallbacksRun);
    EXPECT_STATUS(mh_io_control(c->h, info.ContextId, 0, &send, NULL, 0, &result, sizeof(result), &returned), 0,
                  "IoControl send-messages");
    EXPECT(result.Sent == N && result.Failed == 0, "miniport sent %lu, failed %lu", (unsigned long)result.Sent,
           (unsigned long)result.Failed);
    while (received < N) {
        const MH_AGENT_MESSAGE *m;
        EXPECT(agent_receive(agent, rx, MH_RECEIVE_BUFFER_MIN, 5000, &count) && count > 0,
               "agent got %lu of %d messages", (unsigned long)received, N);
        for (i = 0, m = first_message(rx); i < count; i++, m = next_message(m)) {
            EXPECT(m->ContextId == info.ContextId && m->InputSize == 12 && m->OutputSize == 8, "unexpected message shape");
            mh_reply_batch_add(&batch, m->MessageId, 0, "answer!!", 8);
        }
        received += count;
    }
    EXPECT_STATUS(mh_reply_batch_send(agent, &batch, NULL), 0, "AGENT_REPLY");
    for (i = 0; i < 100 && STAT(c->h, CallbacksRun) < callbacks + N; i++) Sleep(20);
    EXPECT(STAT(c->h, CallbacksRun) == callbacks + N, "%llu callbacks ran, expected %d", STAT(c->h, CallbacksRun) - callbacks, N);
    EXPECT_STATUS(mh_destroy_context(c->h, info.ContextId), 0, "DestroyContext");
    CloseHandle(agent);
    agent = INVALID_HANDLE_VALUE;
    EXPECT_IDLE(2000);
    ok = TRUE;
done:
    mh_reply_batch_free(&batch);
    if (agent != INVALID_HANDLE_VALUE) CloseHandle(agent);
    free(rx);
    return ok;
}

static BOOL check_cancel_send(check_ctx *c)
{
    HANDLE event = CreateEventW(NULL, TRUE, FALSE, NULL);
    MH_CONTEXT_INFO info = {0};
    mh_async send = {0};
    ULONG64 callbacks;
    DWORD got = 0, i;
    LONG status;
    BOOL ok = FALSE;

    EXPECT_STATUS(mh_create_context(c->h, &info), 0, "CreateContext");
    EXPECT_STATUS(mh_configure_responder(c->h, TRUE, 0, 400), 0, "CONFIGURE_RESPONDER delay 400 ms");
    callbacks = STAT(c->h, CallbacksRun);
    EXPECT(mh_send_message_issue(c->h, &send, info.ContextId, "abc", 3, 3, event), "SEND_MESSAGE failed at once");
    Sleep(50);
    EXPECT(CancelIoEx(c->h, &send.ov), "CancelIoEx: %lu", GetLastError());
    status = mh_wait(c->h, &send, 2000, &got);
    EXPECT_STATUS(status, MH_STATUS_CANCELLED, "cancelled SEND_MESSAGE");
    EXPECT(!GetOverlappedResult(c->h, &send.ov, &got, FALSE) && GetLastError() == ERROR_OPERATION_ABORTED,
           "Win32 error %lu, expected ERROR_OPERATION_ABORTED", GetLastError());
    EXPECT(STAT(c->h, CallbacksRun) == callbacks, "the callback ran before the responder answered");
    for (i = 0; i < 100 && STAT(c->h, CallbacksRun) == callbacks; i++) Sleep(20);
    Sleep(100);
    EXPECT(STAT(c->h, CallbacksRun) == callbacks + 1, "the miniport's callback ran %llu times", STAT(c->h, CallbacksRun) - callbacks);
    mh_configure_responder(c->h, FALSE, 0, 0);
    EXPECT_STATUS(mh_destroy_context(c->h, info.ContextId), 0, "DestroyContext");
    EXPECT_IDLE(1000);
    ok = TRUE;
done:
    mh_configure_responder(c->h, FALSE, 0, 0);
    mh_destroy_context(c->h, info.ContextId);
    mh_async_free(&send);
    CloseHandle(event);
    return ok;
}

static BOOL check_close_with_pending(check_ctx *c)
{
    HANDLE doomed = mh_open();
    HANDLE events[4];
    mh_async irps[4];
    unsigned char *rx = (unsigned char *)malloc(MH_RECEIVE_BUFFER_MIN);
    MH_CONTEXT_INFO info = {0};
    DWORD i, count;
    BOOL ok = FALSE;

    memset(irps, 0, sizeof(irps));
    for (i = 0; i < 4; i++) events[i] = CreateEventW(NULL, TRUE, FALSE, NULL);
    /* The doomed handle is the agent, owns a context, has one message in hand, one queued,
       a send waiting for its answer and a receive pended. */
    EXPECT_STATUS(mh_agent_attach(doomed, 0), 0, "AGENT_ATTACH");
    EXPECT_STATUS(mh_create_context(doomed, &info), 0, "CreateContext");
    EXPECT(mh_send_message_issue(doomed, &irps[0], info.ContextId, "one", 3, 8, events[0]), "send 1");
    EXPECT(agent_receive(doomed, rx, MH_RECEIVE_BUFFER_MIN, 5000, &count) && count == 1, "receive");
    EXPECT(mh_send_message_issue(doomed, &irps[1], info.ContextId, "two", 3, 8, events[1]), "send 2");
    EXPECT(mh_send_message_issue(doomed, &irps[2], info.ContextId, "three", 5, 8, events[2]), "send 3");
    EXPECT(mh_issue(doomed, &irps[3], IOCTL_MH_AGENT_RECEIVE, NULL, 0, MH_RECEIVE_BUFFER_MIN, events[3]), "receive 2");
    EXPECT(STAT(c->h, IrpsPending) >= 2, "IRPs pending %llu", STAT(c->h, IrpsPending));

    CloseHandle(doomed);
    doomed = INVALID_HANDLE_VALUE;
    EXPECT(WaitForMultipleObjects(4, events, TRUE, 5000) == WAIT_OBJECT_0, "the handle's IRPs did not complete");
    EXPECT_IDLE(2000);
    EXPECT(STAT(c->h, AgentAttached) == 0, "the agent is still attached");
    ok = TRUE;
done:
    if (doomed != INVALID_HANDLE_VALUE) CloseHandle(doomed);
    for (i = 0; i < 4; i++) { mh_async_free(&irps[i]); CloseHandle(events[i]); }
    free(rx);
    return ok;
}

typedef struct thread_irps {
    HANDLE h;
    ULONG64 context_id;
    mh_async irps[2];
    HANDLE events[2];
} thread_irps;

static DWORD WINAPI issue_and_exit(void *arg)
{
    thread_irps *t = (thread_irps *)arg;
    mh_send_message_issue(t->h, &t->irps[0], t->context_id, "bye", 3, 3, t->events[0]);
    mh_issue(t->h, &t->irps[1], IOCTL_MH_AGENT_RECEIVE, NULL, 0, MH_RECEIVE_BUFFER_MIN, t->events[1]);
    return 0;   /* the thread ends with both IRPs pending: the system cancels them */
}

static BOOL check_thread_exit(check_ctx *c)
{
    HANDLE agent = mh_open();
    MH_CONTEXT_INFO info = {0};
    thread_irps t;
    HANDLE thread = NULL;
    ULONG64 cancelled;
    DWORD i;
    BOOL ok = FALSE;

    memset(&t, 0, sizeof(t));
    for (i = 0; i < 2; i++) t.events[i] = CreateEventW(NULL, TRUE, FALSE, NULL);
    EXPECT_STATUS(mh_agent_attach(agent, 0), 0, "AGENT_ATTACH");
    EXPECT_STATUS(mh_configure_responder(c->h, TRUE, 0, 300), 0, "CONFIGURE_RESPONDER");
    /* The agent handle issues both, from a thread that then ends: its receive and a send. */
    EXPECT_STATUS(mh_create_context(agent, &info), 0, "CreateContext on the agent handle");
    t.h = agent;
    t.context_id = info.ContextId;
    cancelled = STAT(c->h, IrpsCancelledTotal);
    thread = CreateThread(NULL, 0, issue_and_exit, &t, 0, NULL);
    EXPECT(thread != NULL, "CreateThread");
    WaitForSingleObject(thread, INFINITE);
    EXPECT(WaitForMultipleObjects(2, t.events, TRUE, 5000) == WAIT_OBJECT_0, "the ended thread's IRPs did not complete");
    /* What the driver did: it cancelled both (its counter), whatever became of the caller's IOSB. */
    EXPECT(STAT(c->h, IrpsCancelledTotal) - cancelled == 2, "the driver cancelled %llu IRPs, expected 2",
           STAT(c->h, IrpsCancelledTotal) - cancelled);
    for (i = 0; i < 2; i++) {
        LONG status = (LONG)t.irps[i].ov.Internal;
        /* Windows writes STATUS_CANCELLED into the ended thread's IOSB. Wine signals the event but
           may not write the IOSB of a thread that is gone (it stays as the client left it). */
        EXPECT(status == MH_STATUS_CANCELLED || (mh_under_wine() && status == MH_STATUS_PENDING),
               "IRP %lu: IOSB status 0x%08lx, expected STATUS_CANCELLED", (unsigned long)i, (unsigned long)status);
    }
    mh_configure_responder(c->h, FALSE, 0, 0);
    EXPECT_STATUS(mh_destroy_context(agent, info.ContextId), 0, "DestroyContext");
    CloseHandle(agent);
    agent = INVALID_HANDLE_VALUE;
    EXPECT_IDLE(2000);
    ok = TRUE;
done:
    mh_configure_responder(c->h, FALSE, 0, 0);
    if (thread) CloseHandle(thread);
    if (agent != INVALID_HANDLE_VALUE) CloseHandle(agent);
    for (i = 0; i < 2; i++) { mh_async_free(&t.irps[i]); CloseHandle(t.events[i]); }
    return ok;
}

/* Table-driven: each malformed request and the status it must get. */
static BOOL check_bad_input(check_ctx *c)
{
    struct bad_case {
        const char *name;
        DWORD code;
        DWORD in_len, out_len;
        size_t patch_offset;
        ULONG patch_value;
        LONG expected;
    } cases[] = {
        { "unknown IOCTL code", MH_IOCTL(0x7F, MH_RW), 0, 0, 0, 0, MH_STATUS_INVALID_DEVICE_REQUEST },
        { "GET_INFO with a short output", IOCTL_MH_GET_INFO, 0, 8, 0, 0, MH_STATUS_BUFFER_TOO_SMALL },
        { "GET_STATS with a short output", IOCTL_MH_GET_STATS, 0, 16, 0, 0, MH_STATUS_BUFFER_TOO_SMALL },
        { "ECHO over the limit", IOCTL_MH_ECHO, MH_MAX_ECHO_BYTES + 1, MH_MAX_ECHO_BYTES + 1, 0, 0, MH_STATUS_INVALID_BUFFER_SIZE },
        { "ECHO into a short output", IOCTL_MH_ECHO, 16, 8, 0, 0, MH_STATUS_BUFFER_TOO_SMALL },
        { "CREATE_CONTEXT with input", IOCTL_MH_CREATE_CONTEXT, 8, 16, 0, 0, MH_STATUS_INVALID_PARAMETER },
        { "CREATE_CONTEXT with a short output", IOCTL_MH_CREATE_CONTEXT, 0, 8, 0, 0, MH_STATUS_BUFFER_TOO_SMALL },
        { "DESTROY_CONTEXT with a short input", IOCTL_MH_DESTROY_CONTEXT, 4, 0, 0, 0, MH_STATUS_INVALID_PARAMETER },
        { "DESTROY_CONTEXT of an unknown context", IOCTL_MH_DESTROY_CONTEXT, 8, 0, 0, 999999, MH_STATUS_UNKNOWN_CONTEXT },
        { "SEND_MESSAGE with a short header", IOCTL_MH_SEND_MESSAGE, 8, 16, 0, 0, MH_STATUS_INVALID_PARAMETER },
        { "SEND_MESSAGE with InputSize beyond the buffer", IOCTL_MH_SEND_MESSAGE, 16, 16, 8, 5, MH_STATUS_INVALID_PARAMETER },
        { "SEND_MESSAGE with InputSize over the limit", IOCTL_MH_SEND_MESSAGE, 16, 16, 8, MH_MAX_MESSAGE_BYTES + 1, MH_STATUS_INVALID_BUFFER_SIZE },
        { "SEND_MESSAGE with OutputSize over the limit", IOCTL_MH_SEND_MESSAGE, 16, 16, 12, MH_MAX_MESSAGE_BYTES + 1, MH_STATUS_INVALID_BUFFER_SIZE },
        { "SEND_MESSAGE to an unknown context", IOCTL_MH_SEND_MESSAGE, 16, 16, 0, 424242, MH_STATUS_UNKNOWN_CONTEXT },
        { "IO_CONTROL with unknown flags", IOCTL_MH_IO_CONTROL, 24, 8, 8, 0x10, MH_STATUS_INVALID_PARAMETER },
        { "IO_CONTROL with Reserved set", IOCTL_MH_IO_CONTROL, 24, 8, 20, 1, MH_STATUS_INVALID_PARAMETER },
        { "IO_CONTROL with a short output", IOCTL_MH_IO_CONTROL, 24, 4, 0, 0, MH_STATUS_BUFFER_TOO_SMALL },
        { "AGENT_RECEIVE with a small buffer", IOCTL_MH_AGENT_RECEIVE, 0, 4096, 0, 0, MH_STATUS_BUFFER_TOO_SMALL },
        { "AGENT_RECEIVE by a handle that is not the agent", IOCTL_MH_AGENT_RECEIVE, 0, (DWORD)MH_RECEIVE_BUFFER_MIN, 0, 0, MH_STATUS_NOT_AGENT },
        { "AGENT_REPLY with no records", IOCTL_MH_AGENT_REPLY, 8, 0, 0, 0, MH_STATUS_INVALID_PARAMETER },
        { "AGENT_REPLY with a record past the end", IOCTL_MH_AGENT_REPLY, 16, 0, 0, 3, MH_STATUS_INVALID_PARAMETER },
        { "AGENT_DETACH by a handle that is not the agent", IOCTL_MH_AGENT_DETACH, 0, 0, 0, 0, MH_STATUS_NOT_AGENT },
        { "AGENT_ATTACH with unknown flags", IOCTL_MH_AGENT_ATTACH, 8, 0, 0, 0x80, MH_STATUS_INVALID_PARAMETER },
        { "SESSION with an unknown action", IOCTL_MH_SESSION, 16, 0, 8, 9, MH_STATUS_INVALID_PARAMETER },
        { "CONFIGURE_RESPONDER with a delay over the limit", IOCTL_MH_CONFIGURE_RESPONDER, 16, 0, 8, MH_MAX_RESPONDER_DELAY_MS + 1, MH_STATUS_INVALID_PARAMETER },
        { "CONFIGURE_MINIPORT with 0 targets", IOCTL_MH_CONFIGURE_MINIPORT, 8, 0, 0, 0, MH_STATUS_INVALID_PARAMETER },
        { "CONFIGURE_MINIPORT with too many targets", IOCTL_MH_CONFIGURE_MINIPORT, 8, 0, 0, MH_MAX_TARGETS + 1, MH_STATUS_INVALID_PARAMETER },
        { "SET_FAULT of an unknown kind", IOCTL_MH_SET_FAULT, 24, 0, 0, 99, MH_STATUS_INVALID_PARAMETER },
        { "READ_TRACE with a short output", IOCTL_MH_READ_TRACE, 8, 8, 0, 0, MH_STATUS_BUFFER_TOO_SMALL },
    };
    unsigned char *in = (unsigned char *)calloc(1, MH_MAX_ECHO_BYTES + 64);
    unsigned char *out = (unsigned char *)calloc(1, MH_MAX_ECHO_BYTES + 64);
    size_t i;
    BOOL ok = FALSE;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        memset(in, 0, 64);
        if (cases[i].patch_value) {
            memcpy(in + cases[i].patch_offset, &cases[i].patch_value, sizeof(ULONG));
        }
        EXPECT_STATUS(mh_ioctl(c->h, cases[i].code, in, cases[i].in_len, out, cases[i].out_len, NULL), cases[i].expected,
                      cases[i].name);
    }
    EXPECT_IDLE(1000);
    ok = TRUE;
done:
    free(in);
    free(out);
    return ok;
}


/* ------------------------------------------------------------------ limits, exactly */

/* A fault armed with a lifetime (mh_set_fault arms by count only). */
static LONG set_fault_for(HANDLE h, ULONG kind, ULONG duration_ms, LONG status, ULONG param)
{
    MH_FAULT fault = { kind, 0, duration_ms, status, param, 0 };
    return mh_ioctl(h, IOCTL_MH_SET_FAULT, &fault, sizeof(fault), NULL, 0, NULL);
}

/* A reply batch of exactly `total` input bytes: a first record carrying `first_output` bytes,
   then records as large as the rest allows. No message is outstanding for any of them. */
static LONG reply_of_size(HANDLE h, DWORD total, DWORD first_output)
{
    unsigned char *batch = (unsigned char *)calloc(1, total);
    MH_REPLY_HEADER *header = (MH_REPLY_HEADER *)batch;
    DWORD offset = sizeof(MH_REPLY_HEADER), output = first_output;
    LONG status;

    if (batch == NULL) {
        return (LONG)0xC0000017;
    }
    while (total - offset >= sizeof(MH_AGENT_REPLY)) {
        MH_AGENT_REPLY *r = (MH_AGENT_REPLY *)(batch + offset);
        DWORD room = total - offset - (DWORD)sizeof(MH_AGENT_REPLY);
        if (header->Count > 0 && output > room) {
            output = room & ~7u;
        }
        r->MessageId = 0x7FFFFFFF00000000ull + header->Count;
        r->OutputSize = output;
        r->RecordSize = MH_ALIGN8((DWORD)sizeof(MH_AGENT_REPLY) + output);
        header->Count++;
        if (r->RecordSize >= total - offset) {
            break;
        }
        offset += r->RecordSize;
        output = MH_MAX_MESSAGE_BYTES;
    }
    status = mh_ioctl(h, IOCTL_MH_AGENT_REPLY, batch, total, NULL, 0, NULL);
    free(batch);
    return status;
}

/* A test-miniport command through DxgkDdiMiracastIoControl, its own output discarded. */
static LONG miniport_command(HANDLE h, ULONG64 context_id, ULONG command, ULONG a0, ULONG a1, ULONG a2, DWORD out_size)
{
    MP_IOCTL_HEADER cmd = { command, a0, a1, a2 };
    unsigned char out[64];
    return mh_io_control(h, context_id, 0, &cmd, NULL, 0, out_size ? out : NULL, out_size, NULL);
}

/* Refused for its size. The contract header says STATUS_INVALID_BUFFER_SIZE for every size over
   a limit; the reply limits still answer STATUS_INVALID_PARAMETER (issue #8, defect 7). */
#define MH_SIZE_REFUSED(s) ((s) == MH_STATUS_INVALID_BUFFER_SIZE || (s) == MH_STATUS_INVALID_PARAMETER)

/* Every limit the driver enforces, exactly at the limit (accepted) and one past it (refused), on
   raw IOCTLs that bypass the library and the addon: a `>` turned `>=` anywhere fails here. */
static BOOL check_limits(check_ctx *c)
{
    HANDLE agent = mh_open();
    MH_CONTEXT_INFO info = {0};
    MH_SEND_MESSAGE_OUT result = {0};
    MH_QUERY_CAPS_OUT caps = {0};
    MP_IOCTL_HEADER echo = { MP_CMD_ECHO, 0, 0, 0 };
    unsigned char *big = (unsigned char *)calloc(1, MH_MAX_MESSAGE_BYTES + 64);
    unsigned char *out = (unsigned char *)calloc(1, MH_MAX_MESSAGE_BYTES + 64);
    mh_async rx = {0};
    HANDLE event = CreateEventW(NULL, TRUE, FALSE, NULL);
    DWORD returned = 0;
    LONG status;
    BOOL ok = FALSE;

    EXPECT(big != NULL && out != NULL && agent != INVALID_HANDLE_VALUE, "setup failed");
    fill(big, MH_MAX_MESSAGE_BYTES, 5);

    /* The control layer's echo. */
    EXPECT_STATUS(mh_ioctl(c->h, IOCTL_MH_ECHO, big, MH_MAX_ECHO_BYTES, out, MH_MAX_ECHO_BYTES, &returned), 0,
                  "ECHO of MH_MAX_ECHO_BYTES");
    EXPECT(returned == MH_MAX_ECHO_BYTES, "ECHO returned %lu bytes", (unsigned long)returned);
    EXPECT_STATUS(mh_ioctl(c->h, IOCTL_MH_ECHO, big, MH_MAX_ECHO_BYTES + 1, out, MH_MAX_ECHO_BYTES + 1, NULL),
                  MH_STATUS_INVALID_BUFFER_SIZE, "ECHO of MH_MAX_ECHO_BYTES + 1");

    /* Messages: input and output size, through the control layer and DxgkCbMiracastSendMessage. */
    EXPECT_STATUS(mh_create_context(c->h, &info), 0, "CreateContext");
    EXPECT_STATUS(mh_configure_responder(c->h, TRUE, 0, 0), 0, "CONFIGURE_RESPONDER");
    EXPECT_STATUS(mh_send_message(c->h, info.ContextId, big, MH_MAX_MESSAGE_BYTES, MH_MAX_MESSAGE_BYTES, &result, out, 5000), 0,
                  "SEND_MESSAGE of MH_MAX_MESSAGE_BYTES in and out");
    EXPECT(result.Information == MH_MAX_MESSAGE_BYTES && memcmp(out, big, MH_MAX_MESSAGE_BYTES) == 0,
           "the responder echoed %llu bytes", result.Information);
    EXPECT_STATUS(mh_send_message(c->h, info.ContextId, big, MH_MAX_MESSAGE_BYTES + 1, 16, &result, out, 5000),
                  MH_STATUS_INVALID_BUFFER_SIZE, "SEND_MESSAGE with MH_MAX_MESSAGE_BYTES + 1 in");
    EXPECT_STATUS(mh_send_message(c->h, info.ContextId, big, 16, MH_MAX_MESSAGE_BYTES + 1, &result, out, 5000),
                  MH_STATUS_INVALID_BUFFER_SIZE, "SEND_MESSAGE with MH_MAX_MESSAGE_BYTES + 1 out");
    EXPECT_STATUS(mh_configure_responder(c->h, FALSE, 0, 0), 0, "CONFIGURE_RESPONDER off");

    /* IoControl: input (command header + data) and output size. */
    EXPECT_STATUS(mh_io_control(c->h, info.ContextId, 0, &echo, big, MH_MAX_IO_CONTROL_BYTES - sizeof(echo), out,
                                MH_MAX_IO_CONTROL_BYTES - sizeof(echo), &returned), 0, "IO_CONTROL with MH_MAX_IO_CONTROL_BYTES in");
    EXPECT(returned == MH_MAX_IO_CONTROL_BYTES - sizeof(echo), "the echo returned %lu bytes", (unsigned long)returned);
    EXPECT_STATUS(mh_io_control(c->h, info.ContextId, 0, &echo, big, MH_MAX_IO_CONTROL_BYTES - sizeof(echo) + 1, out,
                                16, NULL), MH_STATUS_INVALID_BUFFER_SIZE, "IO_CONTROL with MH_MAX_IO_CONTROL_BYTES + 1 in");
    EXPECT_STATUS(mh_io_control(c->h, info.ContextId, 0, &echo, big, 4, out, MH_MAX_IO_CONTROL_BYTES, NULL), 0,
                  "IO_CONTROL with MH_MAX_IO_CONTROL_BYTES out");
    EXPECT_STATUS(mh_io_control(c->h, info.ContextId, 0, &echo, big, 4, out, MH_MAX_IO_CONTROL_BYTES + 1, NULL),
                  MH_STATUS_INVALID_BUFFER_SIZE, "IO_CONTROL with MH_MAX_IO_CONTROL_BYTES + 1 out");

    /* The test miniport's own commands. */
    EXPECT_STATUS(miniport_command(c->h, info.ContextId, MP_CMD_SEND_MESSAGES, 4096, 256, MH_MAX_MESSAGE_BYTES, 16), 0,
                  "SEND_MESSAGES of 4096 messages of 256 bytes, MH_MAX_MESSAGE_BYTES out");
    EXPECT_STATUS(miniport_command(c->h, info.ContextId, MP_CMD_SEND_MESSAGES, 4097, 1, 1, 16), MH_STATUS_INVALID_PARAMETER,
                  "SEND_MESSAGES of 4097 messages");
    EXPECT_STATUS(miniport_command(c->h, info.ContextId, MP_CMD_SEND_MESSAGES, 1, 257, 1, 16), MH_STATUS_INVALID_PARAMETER,
                  "SEND_MESSAGES with 257 input bytes");
    EXPECT_STATUS(miniport_command(c->h, info.ContextId, MP_CMD_SEND_MESSAGES, 1, 1, MH_MAX_MESSAGE_BYTES + 1, 16),
                  MH_STATUS_INVALID_PARAMETER, "SEND_MESSAGES with MH_MAX_MESSAGE_BYTES + 1 out");
    EXPECT_STATUS(miniport_command(c->h, info.ContextId, MP_CMD_REPORT_CHUNK, 2, MP_CAPS_MAX_CHUNK_PRIVATE_DATA, 0, 4), 0,
                  "REPORT_CHUNK with MP_CAPS_MAX_CHUNK_PRIVATE_DATA private bytes");
    EXPECT_STATUS(miniport_command(c->h, info.ContextId, MP_CMD_REPORT_CHUNK, 2, MP_CAPS_MAX_CHUNK_PRIVATE_DATA + 1, 0, 4),
                  MH_STATUS_INVALID_PARAMETER, "REPORT_CHUNK with MP_CAPS_MAX_CHUNK_PRIVATE_DATA + 1 private bytes");
    EXPECT_STATUS(miniport_command(c->h, info.ContextId, MP_CMD_HOLD, MH_MAX_HOLD_MS + 1, 0, 0, 0), MH_STATUS_INVALID_PARAMETER,
                  "HOLD of MH_MAX_HOLD_MS + 1");
    /* Last of the context's: it stays inside the DDI for the whole limit. */
    EXPECT_STATUS(miniport_command(c->h, info.ContextId, MP_CMD_HOLD, MH_MAX_HOLD_MS, 0, 0, 0), 0, "HOLD of MH_MAX_HOLD_MS");
    EXPECT_STATUS(mh_destroy_context(c->h, info.ContextId), 0, "DestroyContext");
    info.ContextId = 0;

    /* QueryCaps: MiracastCapsSize from the DDI's own minimum up to the control layer's maximum. */
    EXPECT_STATUS(mh_query_caps(c->h, sizeof(MH_QUERY_CAPS_OUT), &caps), 0, "QUERY_CAPS with MiracastCapsSize 8");
    EXPECT_STATUS(mh_query_caps(c->h, sizeof(MH_QUERY_CAPS_OUT) - 1, &caps), MH_STATUS_INVALID_PARAMETER,
                  "QUERY_CAPS with MiracastCapsSize 7");
    EXPECT_STATUS(mh_query_caps(c->h, 4096, &caps), 0, "QUERY_CAPS with MiracastCapsSize 4096");
    EXPECT_STATUS(mh_query_caps(c->h, 4097, &caps), MH_STATUS_INVALID_BUFFER_SIZE, "QUERY_CAPS with MiracastCapsSize 4097");

    /* Device knobs. */
    EXPECT_STATUS(mh_configure_miniport(c->h, MH_MAX_TARGETS), 0, "CONFIGURE_MINIPORT with MH_MAX_TARGETS");
    EXPECT_STATUS(mh_configure_miniport(c->h, MH_MAX_TARGETS + 1), MH_STATUS_INVALID_PARAMETER, "CONFIGURE_MINIPORT with MH_MAX_TARGETS + 1");
    EXPECT_STATUS(mh_configure_miniport(c->h, 1), 0, "CONFIGURE_MINIPORT with 1 target");
    EXPECT_STATUS(mh_configure_responder(c->h, FALSE, 0, MH_MAX_RESPONDER_DELAY_MS), 0, "CONFIGURE_RESPONDER with MH_MAX_RESPONDER_DELAY_MS");
    EXPECT_STATUS(mh_configure_responder(c->h, FALSE, 0, MH_MAX_RESPONDER_DELAY_MS + 1), MH_STATUS_INVALID_PARAMETER,
                  "CONFIGURE_RESPONDER with MH_MAX_RESPONDER_DELAY_MS + 1");
    EXPECT_STATUS(mh_configure_responder(c->h, FALSE, 0, 0), 0, "CONFIGURE_RESPONDER off");

    /* Faults: lifetime, callback delay, batch size (each armed, then cleared). */
    EXPECT_STATUS(set_fault_for(c->h, MH_FAULT_LOCK_BYPASS, MH_MAX_FAULT_DURATION_MS, 0, 0), 0, "SET_FAULT lasting MH_MAX_FAULT_DURATION_MS");
    EXPECT_STATUS(set_fault_for(c->h, MH_FAULT_LOCK_BYPASS, MH_MAX_FAULT_DURATION_MS + 1, 0, 0), MH_STATUS_INVALID_PARAMETER,
                  "SET_FAULT lasting MH_MAX_FAULT_DURATION_MS + 1");
    EXPECT_STATUS(mh_set_fault(c->h, MH_FAULT_CALLBACK_DELAY, 1, 0, MH_MAX_RESPONDER_DELAY_MS), 0,
                  "SET_FAULT CALLBACK_DELAY of MH_MAX_RESPONDER_DELAY_MS");
    EXPECT_STATUS(mh_set_fault(c->h, MH_FAULT_CALLBACK_DELAY, 1, 0, MH_MAX_RESPONDER_DELAY_MS + 1), MH_STATUS_INVALID_PARAMETER,
                  "SET_FAULT CALLBACK_DELAY of MH_MAX_RESPONDER_DELAY_MS + 1");
    EXPECT_STATUS(mh_set_fault(c->h, MH_FAULT_CALLBACK_CONCURRENT, 1, 0, 2), 0, "SET_FAULT CALLBACK_CONCURRENT batch 2");
    EXPECT_STATUS(mh_set_fault(c->h, MH_FAULT_CALLBACK_CONCURRENT, 1, 0, 1), MH_STATUS_INVALID_PARAMETER, "SET_FAULT CALLBACK_CONCURRENT batch 1");
    EXPECT_STATUS(mh_set_fault(c->h, MH_FAULT_CALLBACK_REVERSE, 1, 0, 1024), 0, "SET_FAULT CALLBACK_REVERSE batch 1024");
    EXPECT_STATUS(mh_set_fault(c->h, MH_FAULT_CALLBACK_REVERSE, 1, 0, 1025), MH_STATUS_INVALID_PARAMETER, "SET_FAULT CALLBACK_REVERSE batch 1025");
    EXPECT_STATUS(mh_reset_faults(c->h), 0, "RESET_FAULTS");

    /* The agent's receive buffer (at the minimum it pends: cancelled here) and reply sizes. */
    EXPECT_STATUS(mh_agent_attach(agent, 0), 0, "AGENT_ATTACH");
    EXPECT(mh_issue(agent, &rx, IOCTL_MH_AGENT_RECEIVE, NULL, 0, (DWORD)MH_RECEIVE_BUFFER_MIN, event),
           "AGENT_RECEIVE with MH_RECEIVE_BUFFER_MIN failed at once: 0x%08lx", (unsigned long)rx.issue_status);
    CancelIoEx(agent, &rx.ov);
    EXPECT_STATUS(mh_wait(agent, &rx, 5000, NULL), MH_STATUS_CANCELLED, "AGENT_RECEIVE with MH_RECEIVE_BUFFER_MIN, cancelled");
    EXPECT_STATUS(mh_ioctl(agent, IOCTL_MH_AGENT_RECEIVE, NULL, 0, out, (DWORD)MH_RECEIVE_BUFFER_MIN - 1, NULL), MH_STATUS_BUFFER_TOO_SMALL,
                  "AGENT_RECEIVE with MH_RECEIVE_BUFFER_MIN - 1");
    /* Replies to no message: a batch within the limits is taken (each record answered "not found"). */
    EXPECT_STATUS(reply_of_size(agent, MH_MAX_REPLY_BATCH_BYTES, MH_MAX_MESSAGE_BYTES), 0,
                  "AGENT_REPLY of MH_MAX_REPLY_BATCH_BYTES with a record of MH_MAX_MESSAGE_BYTES");
    status = reply_of_size(agent, MH_MAX_REPLY_BATCH_BYTES + 1, 8);
    EXPECT(MH_SIZE_REFUSED(status), "AGENT_REPLY of MH_MAX_REPLY_BATCH_BYTES + 1: status 0x%08lx", (unsigned long)status);
    status = reply_of_size(agent, sizeof(MH_REPLY_HEADER) + MH_ALIGN8(sizeof(MH_AGENT_REPLY) + MH_MAX_MESSAGE_BYTES + 1),
                           MH_MAX_MESSAGE_BYTES + 1);
    EXPECT(MH_SIZE_REFUSED(status), "AGENT_REPLY with a record of MH_MAX_MESSAGE_BYTES + 1: status 0x%08lx", (unsigned long)status);
    ok = TRUE;
done:
    if (rx.buffer) {
        CancelIoEx(agent, &rx.ov);
        mh_wait(agent, &rx, INFINITE, NULL);
        mh_async_free(&rx);
    }
    mh_reset_faults(c->h);
    mh_configure_responder(c->h, FALSE, 0, 0);
    if (info.ContextId) mh_destroy_context(c->h, info.ContextId);
    mh_configure_miniport(c->h, 1);
    if (agent != INVALID_HANDLE_VALUE) CloseHandle(agent);
    CloseHandle(event);
    free(big);
    free(out);
    return ok;
}

/* The IOCTLs the other checks use only on their failure paths, on their success paths. */
static BOOL check_remaining_ioctls(check_ctx *c)
{
    HANDLE agent = mh_open();
    unsigned char echo[64], out[64];
    unsigned char trace[sizeof(MH_TRACE_READ_OUT) + 16 * sizeof(MH_TRACE_EVENT)];
    MH_TRACE_READ_IN from = {0};
    const MH_TRACE_READ_OUT *header = (const MH_TRACE_READ_OUT *)trace;
    MH_CONTEXT_INFO a = {0}, b = {0};
    MH_SEND_MESSAGE_OUT result = {0};
    DWORD got = 0;
    BOOL ok = FALSE;

    fill(echo, sizeof(echo), 9);
    EXPECT_STATUS(mh_ioctl(c->h, IOCTL_MH_ECHO, echo, sizeof(echo), out, sizeof(out), &got), 0, "ECHO");
    EXPECT(got == sizeof(echo) && memcmp(out, echo, sizeof(echo)) == 0, "ECHO returned %lu bytes", (unsigned long)got);

    EXPECT_STATUS(mh_agent_attach(agent, 0), 0, "AGENT_ATTACH");
    EXPECT(STAT(c->h, AgentAttached) == 1, "not attached");
    EXPECT_STATUS(mh_agent_detach(agent), 0, "AGENT_DETACH");
    EXPECT(STAT(c->h, AgentAttached) == 0, "still attached");
    EXPECT_STATUS(mh_agent_attach(c->h, 0), 0, "AGENT_ATTACH from another handle after the detach");
    EXPECT_STATUS(mh_agent_detach(c->h), 0, "AGENT_DETACH");

    EXPECT_STATUS(mh_configure_miniport(c->h, 2), 0, "CONFIGURE_MINIPORT 2 sessions");
    EXPECT_STATUS(mh_create_context(c->h, &a), 0, "first context");
    EXPECT_STATUS(mh_create_context(c->h, &b), 0, "second context");
    /* Every session is on the one Miracast target: the host accepts no other TargetId [OBS]. */
    EXPECT(b.TargetId == MP_FIRST_TARGET_ID, "second TargetId 0x%lx", (unsigned long)b.TargetId);
    EXPECT_STATUS(mh_destroy_context(c->h, b.ContextId), 0, "DestroyContext");

    EXPECT_STATUS(mh_configure_responder(c->h, TRUE, 0, 0), 0, "CONFIGURE_RESPONDER");
    EXPECT_STATUS(mh_set_fault(c->h, MH_FAULT_CALLBACK_STATUS, 1, (LONG)0xC000020D, 0), 0, "SET_FAULT");
    EXPECT_STATUS(mh_send_message(c->h, a.ContextId, "f", 1, 1, &result, NULL, 5000), 0, "SEND_MESSAGE under the fault");
    EXPECT(result.Status == (LONG)0xC000020D, "callback status 0x%08lx, expected the fault's", (unsigned long)result.Status);
    EXPECT_STATUS(mh_send_message(c->h, a.ContextId, "g", 1, 1, &result, NULL, 5000), 0, "SEND_MESSAGE after the fault");
    EXPECT(result.Status == 0, "the fault outlived its count: 0x%08lx", (unsigned long)result.Status);

    from.StartSequence = 1;
    EXPECT_STATUS(mh_ioctl(c->h, IOCTL_MH_READ_TRACE, &from, sizeof(from), trace, sizeof(trace), &got), 0, "READ_TRACE");
    EXPECT(got == sizeof(MH_TRACE_READ_OUT) + header->Count * sizeof(MH_TRACE_EVENT) && header->Count > 0,
           "READ_TRACE returned %lu bytes for %lu events", (unsigned long)got, (unsigned long)header->Count);
    EXPECT(header->NextSequence > 1, "NextSequence %llu", header->NextSequence);
    EXPECT_STATUS(mh_destroy_context(c->h, a.ContextId), 0, "DestroyContext");
    EXPECT_STATUS(mh_configure_miniport(c->h, 1), 0, "CONFIGURE_MINIPORT 1 session");
    ok = TRUE;
done:
    mh_configure_responder(c->h, FALSE, 0, 0);
    mh_destroy_context(c->h, a.ContextId);
    mh_destroy_context(c->h, b.ContextId);
    mh_configure_miniport(c->h, 1);
    if (agent != INVALID_HANDLE_VALUE) CloseHandle(agent);
    return ok;
}

/* A reply longer than the message's output buffer is refused and the message stays outstanding. */
static BOOL check_reply_rules(check_ctx *c)
{
    HANDLE agent = mh_open();
    HANDLE event = CreateEventW(NULL, TRUE, FALSE, NULL);
    unsigned char *rx = (unsigned char *)malloc(MH_RECEIVE_BUFFER_MIN);
    unsigned char big[32];
    MH_CONTEXT_INFO info = {0};
    mh_async send = {0};
    mh_reply_batch tooBig = {0}, fits = {0};
    const MH_AGENT_MESSAGE *m;
    LONG result = 0;
    DWORD count = 0, got = 0;
    BOOL ok = FALSE;

    memset(big, 0x42, sizeof(big));
    mh_reply_batch_init(&tooBig);
    mh_reply_batch_init(&fits);
    EXPECT_STATUS(mh_agent_attach(agent, 0), 0, "AGENT_ATTACH");
    EXPECT_STATUS(mh_create_context(c->h, &info), 0, "CreateContext");
    EXPECT(mh_send_message_issue(c->h, &send, info.ContextId, "q", 1, 8, event), "SEND_MESSAGE");
    EXPECT(agent_receive(agent, rx, MH_RECEIVE_BUFFER_MIN, 5000, &count) && count == 1, "receive");
    m = first_message(rx);
    /* One byte over the message's output buffer is refused (the message stays outstanding). */
    mh_reply_batch_add(&tooBig, m->MessageId, 0, big, 9);
    EXPECT_STATUS(mh_reply_batch_send(agent, &tooBig, &result), 0, "AGENT_REPLY with 9 bytes for an 8-byte buffer");
    EXPECT(result == MH_STATUS_REPLY_TOO_BIG, "reply result 0x%08lx, expected STATUS_INVALID_BUFFER_SIZE", (unsigned long)result);
    EXPECT(mh_wait(c->h, &send, 100, &got) == MH_STATUS_PENDING, "the message completed after a refused reply");
    /* A batch whose header's Reserved is set is refused whole, its reply that fits too. */
    mh_reply_batch_add(&fits, m->MessageId, 0, big, 8);
    ((MH_REPLY_HEADER *)fits.buffer)->Count = fits.count;
    ((MH_REPLY_HEADER *)fits.buffer)->Reserved = 1;
    EXPECT_STATUS(mh_ioctl(agent, IOCTL_MH_AGENT_REPLY, fits.buffer, fits.used, NULL, 0, NULL), MH_STATUS_INVALID_PARAMETER,
                  "AGENT_REPLY with its header's Reserved set");
    EXPECT(mh_wait(c->h, &send, 100, &got) == MH_STATUS_PENDING, "the message completed after a refused reply batch");
    EXPECT_STATUS(mh_reply_batch_send(agent, &fits, &result), 0, "AGENT_REPLY that fits");
    EXPECT(result == 0, "reply result 0x%08lx", (unsigned long)result);
    EXPECT_STATUS(mh_wait(c->h, &send, 5000, &got), 0, "SEND_MESSAGE");
    EXPECT(((MH_SEND_MESSAGE_OUT *)send.buffer)->Information == 8, "Information %llu",
           ((MH_SEND_MESSAGE_OUT *)send.buffer)->Information);
    ok = TRUE;
done:
    mh_async_free(&send);
    mh_reply_batch_free(&tooBig);
    mh_reply_batch_free(&fits);
    mh_destroy_context(c->h, info.ContextId);
    if (agent != INVALID_HANDLE_VALUE) CloseHandle(agent);
    CloseHandle(event);
    free(rx);
    return ok;
}

/* StopMiracastSession drops messages queued for the agent but not yet received. */
static BOOL check_stop_drops_queued(check_ctx *c)
{
    enum { N = 3 };
    HANDLE agent = mh_open();
    unsigned char *rx = (unsigned char *)malloc(MH_RECEIVE_BUFFER_MIN);
    MH_CONTEXT_INFO info = {0};
    HANDLE events[N];
    mh_async sends[N];
    DWORD i, got, count = 0;
    BOOL ok = FALSE;

    memset(sends, 0, sizeof(sends));
    for (i = 0; i < N; i++) events[i] = CreateEventW(NULL, TRUE, FALSE, NULL);
    EXPECT_STATUS(mh_agent_attach(agent, MH_AGENT_MANUAL_SESSIONS), 0, "AGENT_ATTACH (manual sessions)");
    EXPECT_STATUS(mh_create_context(c->h, &info), 0, "CreateContext");
    EXPECT_STATUS(mh_session(agent, info.ContextId, MH_SESSION_START), 0, "SESSION start");
    for (i = 0; i < N; i++) {
        EXPECT(mh_send_message_issue(c->h, &sends[i], info.ContextId, "q", 1, 4, events[i]), "send %lu", (unsigned long)i);
    }
    EXPECT(STAT(c->h, MessagesQueued) == N, "queued %llu", STAT(c->h, MessagesQueued));
    EXPECT_STATUS(mh_session(agent, info.ContextId, MH_SESSION_STOP), 0, "SESSION stop");
    for (i = 0; i < N; i++) {
        EXPECT_STATUS(mh_wait(c->h, &sends[i], 5000, &got), 0, "SEND_MESSAGE");
        EXPECT(((MH_SEND_MESSAGE_OUT *)sends[i].buffer)->Status == MH_STATUS_SESSION_DROPPED,
               "send %lu: callback status 0x%08lx", (unsigned long)i, (unsigned long)((MH_SEND_MESSAGE_OUT *)sends[i].buffer)->Status);
    }
    EXPECT(agent_receive(agent, rx, MH_RECEIVE_BUFFER_MIN, 200, &count) == 0 && count == 0, "the agent still received %lu",
           (unsigned long)count);
    ok = TRUE;
done:
    for (i = 0; i < N; i++) { mh_async_free(&sends[i]); CloseHandle(events[i]); }
    mh_destroy_context(c->h, info.ContextId);
    if (agent != INVALID_HANDLE_VALUE) CloseHandle(agent);
    free(rx);
    return ok;
}

/* sc stop with IRPs pending: they complete, the driver unloads and records no leak; then it is
   started again for whatever runs next. */
static BOOL check_unload(check_ctx *c)
{
    HANDLE agent = mh_open();
    HANDLE events[3];
    mh_async irps[3];
    MH_CONTEXT_INFO info = {0};
    MH_STATS before;
    DWORD state = 0, leaked = 1, pending = 1, i;
    BOOL ok = FALSE;

    memset(irps, 0, sizeof(irps));
    for (i = 0; i < 3; i++) events[i] = CreateEventW(NULL, TRUE, FALSE, NULL);
    EXPECT(mh_wait_idle(c->h, 2000, c->why, sizeof(c->why)), "before unload: %s", c->why);
    EXPECT_STATUS(mh_get_stats(c->h, &before), 0, "GET_STATS");
    EXPECT(before.AllocationsOutstanding - before.FileContexts == 0,
           "with all work done, %llu allocations beyond the handles' own", before.AllocationsOutstanding - before.FileContexts);
    EXPECT_STATUS(mh_agent_attach(agent, 0), 0, "AGENT_ATTACH");
    EXPECT_STATUS(mh_create_context(c->h, &info), 0, "CreateContext");
    EXPECT(mh_issue(agent, &irps[0], IOCTL_MH_AGENT_RECEIVE, NULL, 0, MH_RECEIVE_BUFFER_MIN, events[0]), "receive");
    EXPECT(mh_issue(agent, &irps[1], IOCTL_MH_AGENT_RECEIVE, NULL, 0, MH_RECEIVE_BUFFER_MIN, events[1]), "receive");
    Sleep(100);
    EXPECT(mh_send_message_issue(c->h, &irps[2], info.ContextId, "unload", 6, 8, events[2]), "send");
    Sleep(100);

    EXPECT(mh_service_control(L"" MH_SERVICE_NAME_A, FALSE, 10000, &state), "sc stop: state %lu", (unsigned long)state);
    EXPECT(WaitForMultipleObjects(3, events, TRUE, 5000) == WAIT_OBJECT_0, "IRPs pending at unload did not complete");
    /* The first receive took the message; the second was still pended; the send was waiting for
       the agent's answer, so it is either cancelled with its handle or completed with AGENT_GONE. */
    EXPECT((LONG)irps[0].ov.Internal == 0 && ((MH_RECEIVE_HEADER *)irps[0].buffer)->Count == 1,
           "first receive: 0x%08lx", (unsigned long)irps[0].ov.Internal);
    EXPECT_STATUS((LONG)irps[1].ov.Internal, MH_STATUS_CANCELLED, "receive pended at unload");
    EXPECT((LONG)irps[2].ov.Internal == MH_STATUS_CANCELLED ||
           ((LONG)irps[2].ov.Internal == 0 && ((MH_SEND_MESSAGE_OUT *)irps[2].buffer)->Status == MH_STATUS_AGENT_GONE),
           "send pended at unload: 0x%08lx", (unsigned long)irps[2].ov.Internal);
    EXPECT(mh_read_service_dword(L"" MH_SERVICE_NAME_A, L"UnloadAllocationsOutstanding", &leaked) && leaked == 0,
           "unload left %lu allocations", (unsigned long)leaked);
    EXPECT(mh_read_service_dword(L"" MH_SERVICE_NAME_A, L"UnloadIrpsPending", &pending) && pending == 0,
           "unload left %lu IRPs", (unsigned long)pending);
    ok = TRUE;
done:
    CloseHandle(agent);
    CloseHandle(c->h);
    c->h = INVALID_HANDLE_VALUE;
    if (!mh_service_control(L"" MH_SERVICE_NAME_A, TRUE, 10000, &state) && ok) {
        snprintf(c->why, sizeof(c->why), "the driver did not start again (state %lu)", (unsigned long)state);
        ok = FALSE;
    }
    for (i = 0; i < 3; i++) { mh_async_free(&irps[i]); CloseHandle(events[i]); }
    return ok;
}

/* ------------------------------------------------------------------ limits, access, security */

/* Lays out an AGENT_REPLY batch of records answering unknown messages: `count` records, each with
   `output` bytes, except the last, which carries `last_output`. Returns its size; buffer may be NULL. */
static DWORD reply_batch(unsigned char *buffer, ULONG count, ULONG output, ULONG last_output)
{
    DWORD offset = sizeof(MH_REPLY_HEADER);
    ULONG i;

    if (buffer) {
        MH_REPLY_HEADER header = { count, 0 };
        memcpy(buffer, &header, sizeof(header));
    }
    for (i = 0; i < count; i++) {
        MH_AGENT_REPLY r;
        memset(&r, 0, sizeof(r));
        r.MessageId = 0xFFFFFFF0ull + i;            /* never outstanding */
        r.OutputSize = (i + 1 == count) ? last_output : output;
        r.RecordSize = MH_ALIGN8((ULONG)sizeof(r) + r.OutputSize);
        if (buffer) {
            memcpy(buffer + offset, &r, sizeof(r));
            memset(buffer + offset + sizeof(r), 0x5A, r.RecordSize - sizeof(r));
        }
        offset += r.RecordSize;
    }
    return offset;
}

/* Every limit of the contract refuses one byte more with STATUS_INVALID_BUFFER_SIZE and takes
   exactly the limit: a reply batch of MH_MAX_REPLY_BATCH_BYTES, a reply record of MH_MAX_MESSAGE_BYTES. */
static BOOL check_reply_limits(check_ctx *c)
{
    /* 63 records of 64 KiB and one that fills the batch to exactly 4 MiB. */
    const ULONG full = MH_MAX_MESSAGE_BYTES;
    const ULONG records = 64;
    const ULONG last = MH_MAX_REPLY_BATCH_BYTES - (ULONG)sizeof(MH_REPLY_HEADER) -
                       (records - 1) * MH_ALIGN8((ULONG)sizeof(MH_AGENT_REPLY) + full) - (ULONG)sizeof(MH_AGENT_REPLY);
    unsigned char *batch = (unsigned char *)malloc(MH_MAX_REPLY_BATCH_BYTES + 8);
    LONG results[64];
    DWORD size, got = 0, i;
    BOOL ok = FALSE;

    EXPECT(batch != NULL, "out of memory");
    EXPECT_STATUS(mh_agent_attach(c->h, 0), 0, "AGENT_ATTACH");

    size = reply_batch(batch, records, full, last);
    EXPECT(size == MH_MAX_REPLY_BATCH_BYTES, "the batch is %lu bytes, not the limit", (unsigned long)size);
    EXPECT_STATUS(mh_ioctl(c->h, IOCTL_MH_AGENT_REPLY, batch, size, results, sizeof(results), &got), 0,
                  "AGENT_REPLY of exactly MH_MAX_REPLY_BATCH_BYTES");
    EXPECT(got == sizeof(results), "%lu result bytes", (unsigned long)got);
    for (i = 0; i < records; i++) {
        EXPECT_STATUS(results[i], MH_STATUS_REPLY_UNKNOWN, "result of a record answering no message");
    }
    batch[size] = 0;
    EXPECT_STATUS(mh_ioctl(c->h, IOCTL_MH_AGENT_REPLY, batch, size + 1, results, sizeof(results), &got),
                  MH_STATUS_INVALID_BUFFER_SIZE, "AGENT_REPLY one byte over MH_MAX_REPLY_BATCH_BYTES");

    size = reply_batch(batch, 1, 0, full);
    EXPECT_STATUS(mh_ioctl(c->h, IOCTL_MH_AGENT_REPLY, batch, size, results, sizeof(LONG), &got), 0,
                  "a reply record of exactly MH_MAX_MESSAGE_BYTES");
    EXPECT_STATUS(results[0], MH_STATUS_REPLY_UNKNOWN, "its result");
    size = reply_batch(batch, 1, 0, full + 1);
    EXPECT_STATUS(mh_ioctl(c->h, IOCTL_MH_AGENT_REPLY, batch, size, results, sizeof(LONG), &got),
                  MH_STATUS_INVALID_BUFFER_SIZE, "a reply record one byte over MH_MAX_MESSAGE_BYTES");
    ok = TRUE;
done:
    mh_agent_detach(c->h);
    free(batch);
    return ok;
}

/* A handle opened for reading only is refused the IOCTLs that need write access, and the reverse:
   the I/O manager checks the access bits of each code against the handle (Wine does too). */
static BOOL check_access_bits(check_ctx *c)
{
    HANDLE reader = CreateFileW(MH_USER_PATH_W, GENERIC_READ, 0, NULL, OPEN_EXISTING, FILE_FLAG_OVERLAPPED, NULL);
    HANDLE writer = CreateFileW(MH_USER_PATH_W, GENERIC_WRITE, 0, NULL, OPEN_EXISTING, FILE_FLAG_OVERLAPPED, NULL);
    MH_INFO info;
    MH_STATS stats;
    MH_FAULT fault;
    unsigned char echo[4] = { 1, 2, 3, 4 };
    BOOL ok = FALSE;

    memset(&fault, 0, sizeof(fault));
    fault.Kind = MH_FAULT_SEND_FAIL;
    fault.Count = 1;
    fault.Status = MH_STATUS_DEVICE_REMOVED;
    EXPECT(reader != INVALID_HANDLE_VALUE && writer != INVALID_HANDLE_VALUE, "open: error %lu", GetLastError());
    EXPECT_STATUS(mh_get_info(reader, &info), 0, "GET_INFO (read access) on a read-only handle");
    EXPECT_STATUS(mh_ioctl(reader, IOCTL_MH_SET_FAULT, &fault, sizeof(fault), NULL, 0, NULL), MH_STATUS_ACCESS_DENIED,
                  "SET_FAULT (write access) on a read-only handle");
    EXPECT_STATUS(mh_ioctl(reader, IOCTL_MH_ECHO, echo, sizeof(echo), echo, sizeof(echo), NULL), MH_STATUS_ACCESS_DENIED,
                  "ECHO (read and write access) on a read-only handle");
    EXPECT_STATUS(mh_ioctl(writer, IOCTL_MH_GET_STATS, NULL, 0, &stats, sizeof(stats), NULL), MH_STATUS_ACCESS_DENIED,
                  "GET_STATS (read access) on a write-only handle");
    EXPECT_STATUS(mh_ioctl(writer, IOCTL_MH_RESET_FAULTS, NULL, 0, NULL, 0, NULL), 0,
                  "RESET_FAULTS (write access) on a write-only handle");
    EXPECT(STAT(c->h, FaultsApplied) != (ULONG64)-1, "GET_STATS on a read-write handle");
    ok = TRUE;
done:
    if (reader != INVALID_HANDLE_VALUE) CloseHandle(reader);
    if (writer != INVALID_HANDLE_VALUE) CloseHandle(writer);
    return ok;
}

/* Windows only (Wine keeps no device ACL): the control device is SYSTEM's and the Administrators'
   alone, the descriptor IoCreateDeviceSecure's SDDL_DEVOBJ_SYS_ALL_ADM_ALL would give. */
static BOOL check_device_acl(check_ctx *c)
{
    unsigned char descriptor[512];
    DWORD needed = 0;
    LPWSTR sddl = NULL;
    BOOL ok = FALSE;

    EXPECT(GetKernelObjectSecurity(c->h, DACL_SECURITY_INFORMATION, (PSECURITY_DESCRIPTOR)descriptor,
                                   sizeof(descriptor), &needed), "GetKernelObjectSecurity: error %lu", GetLastError());
    EXPECT(ConvertSecurityDescriptorToStringSecurityDescriptorW((PSECURITY_DESCRIPTOR)descriptor, SDDL_REVISION_1,
                                                                DACL_SECURITY_INFORMATION, &sddl, NULL),
           "ConvertSecurityDescriptorToStringSecurityDescriptorW: error %lu", GetLastError());
    EXPECT(wcscmp(sddl, L"D:P(A;;FA;;;SY)(A;;FA;;;BA)") == 0, "the device's DACL is %ls", sddl);
    ok = TRUE;
done:
    if (sddl) LocalFree(sddl);
    return ok;
}

/* ------------------------------------------------------------------ runner */

/* Names of checks Wine cannot show start so: the client runs them only on Windows, and the test
   wrapper marks them skipped in the Wine lane. */
#define MH_WINDOWS_ONLY "windows-only: "

typedef struct check {
    const char *name;
    BOOL (*run)(check_ctx *c);
    BOOL destructive;           /* stops the driver: runs only when asked for */
} check;

static const check checks[] = {
    { "info: the driver speaks this client's contract version", check_info, FALSE },
    { "caps: QueryCaps returns the miniport's caps and checks MiracastCapsSize", check_caps, FALSE },
    { "context: CreateContext returns the target id; a second live context gets STATUS_RESOURCE_IN_USE; DestroyContext frees it", check_context_lifecycle, FALSE },
    { "context: another handle cannot destroy or use it", check_context_owner, FALSE },
    { "send: the responder's status and echoed output reach the sender and the callback runs once", check_send_responder, FALSE },
    { "send: with no agent and no responder it fails at once with STATUS_DEVICE_REMOVED and no callback", check_send_no_host, FALSE },
    { "agent: a second handle receives the message and its answer reaches the sender", check_agent_roundtrip, FALSE },
    { "agent: queued messages arrive in one receive and are answered in one reply", check_agent_batches, FALSE },
    { "iocontrol: echo returns its input; bad commands and sizes fail; none after DestroyContext", check_iocontrol_echo, FALSE },
    { "iocontrol: send N messages delivers N messages to the agent", check_iocontrol_send_n, FALSE },
    { "cancel: CancelIoEx aborts a pending send and the miniport's callback still runs once", check_cancel_send, FALSE },
    { "close: closing a handle with IRPs pending leaves no IRP, context or allocation", check_close_with_pending, FALSE },
    { "thread: IRPs of a thread that ends are cancelled and leave nothing behind", check_thread_exit, FALSE },
    { "input: malformed requests fail with defined statuses", check_bad_input, FALSE },
    { "limits: every limit the driver enforces is accepted exactly at the limit and refused one past it", check_limits, FALSE },
    { "agent: a reply longer than the message's output buffer (by one byte) is refused, and so is a reply batch whose header's Reserved is set; the message stays outstanding", check_reply_rules, FALSE },
    { "session: stop drops the messages queued but not yet received", check_stop_drops_queued, FALSE },
    { "ioctls: echo, detach, miniport sessions, faults and the trace work on their success paths", check_remaining_ioctls, FALSE },
    { "limits: a reply batch of exactly 4 MiB and a reply record of exactly 64 KiB are read; one byte more is STATUS_INVALID_BUFFER_SIZE", check_reply_limits, FALSE },
    { "access: a read-only handle is refused write-access IOCTLs and a write-only one read-access IOCTLs (STATUS_ACCESS_DENIED)", check_access_bits, FALSE },
    { MH_WINDOWS_ONLY "security: the control device's DACL grants SYSTEM and Administrators only", check_device_acl, FALSE },
    { "batch: one BATCH_SUBMIT of sends completes through reaps, each id once with its callback's result and its own output; refused sends get their failure as their record; records apply in order (a cancel reaches no send after it)", mh_check_batch_sends, FALSE },
    { "batch: IoControl records are answered through reaps exactly as the classic IO_CONTROL IOCTL answers the same commands (status, BytesReturned, output)", mh_check_batch_io_control, FALSE },
    { "batch: a cancel record completes its send with STATUS_CANCELLED at once and its callback still runs once; ids of another handle or not in flight are ignored; cancel-all takes the rest", mh_check_batch_cancel, FALSE },
    { "batch: a malformed batch (counts, sizes, record sizes, kinds, duplicate ids, a cancel's fields, IoControl flags, sizes and another handle's context, one record past MH_MAX_BATCH_ENTRIES) is refused whole with a defined status and nothing applied", mh_check_batch_malformed, FALSE },
    { "batch: a handle that goes with sends in flight completes them as cancelled into its pending reap and leaves nothing behind", mh_check_batch_close, FALSE },
    { "batch: BATCH_SUBMIT_REAP is a submit and then a reap in one IOCTL: a short output or a malformed batch is refused with nothing applied, records come back in its own output at once or when ready, and a cancelled one leaves its records to the next reap; a record's padding is zeros; a reap too small for the oldest record gets a header naming the size it needs", mh_check_batch_submit_reap, FALSE },
    { "batch: a handle holds MH_MAX_BATCH_IN_FLIGHT sends and no more: a batch past it is refused whole (STATUS_QUOTA_EXCEEDED), and once they complete the handle takes sends again", mh_check_batch_in_flight_limit, FALSE },
    { "unload: sc stop with IRPs pending completes them and unloads with nothing leaked", check_unload, TRUE },
};

int mh_list_checks(void)
{
    size_t i;
    for (i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
        printf("%s%s\n", checks[i].destructive ? "destructive: " : "", checks[i].name);
    }
    return 0;
}

int mh_run_checks(const char *filter, BOOL include_destructive)
{
    unsigned passed = 0, failed = 0;
    size_t i;

    for (i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
        check_ctx c;
        BOOL ok;

        if (checks[i].destructive && !include_destructive) {
            continue;
        }
        if (filter && !strstr(checks[i].name, filter)) {
            continue;
        }
        if (strncmp(checks[i].name, MH_WINDOWS_ONLY, strlen(MH_WINDOWS_ONLY)) == 0 && mh_under_wine()) {
            continue;
        }
        memset(&c, 0, sizeof(c));
        c.h = mh_open();
        if (c.h == INVALID_HANDLE_VALUE) {
            printf("not ok - %s: cannot open %s (error %lu)\n", checks[i].name, MH_USER_PATH_A, GetLastError());
            failed++;
            continue;
        }
        ok = checks[i].run(&c);
        if (c.h != INVALID_HANDLE_VALUE) {
            mh_reset_faults(c.h);
            mh_configure_responder(c.h, FALSE, 0, 0);
            CloseHandle(c.h);
        }
        if (ok) {
            printf("ok - %s\n", checks[i].name);
            passed++;
        } else {
            printf("not ok - %s: %s\n", checks[i].name, c.why);
            failed++;
        }
        fflush(stdout);
    }
    printf("%u passed, %u failed\n", passed, failed);
    return failed ? 1 : 0;
}

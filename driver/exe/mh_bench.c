/*
 * mh_bench.c - the raw C client as the performance baseline.
 *
 *   echo: synchronous DeviceIoControl(IOCTL_MH_ECHO) on a non-overlapped handle, one after the
 *         other: the cost of one IOCTL round trip.
 *   send: SEND_MESSAGE answered by the kernel responder, with N requests kept in flight on an I/O
 *         completion port (GetQueuedCompletionStatusEx, batched); each completion is re-issued at
 *         once from the completion loop. Reports completions per second.
 *   send-batched: the same sends through the batched transport (mh_bench_send_batched).
 *   iocontrol: the test miniport's MP_CMD_ECHO through IO_CONTROL, N in flight on the port the
 *         same way: one IOCTL per call (the classic peer of the addon's ioControl storm).
 * Each prints one JSON line for scripts/bench to read. send, send-batched and iocontrol also print
 * what the driver's counters moved by over the timed loop, per message: every IOCTL it dispatched
 * (of any handle) and every callback-worker wake-up, so each peer's figure says how many IRPs its
 * messages cost (the addon's send prints the same two, read the same way).
 */
#include "mh_batch_io.h"
#include "mh_checks.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static double now_us(void)
{
    static LARGE_INTEGER frequency;
    LARGE_INTEGER t;
    if (!frequency.QuadPart) QueryPerformanceFrequency(&frequency);
    QueryPerformanceCounter(&t);
    return (double)t.QuadPart * 1e6 / (double)frequency.QuadPart;
}

int mh_bench_echo(unsigned calls, unsigned bytes)
{
    HANDLE h = CreateFileW(MH_USER_PATH_W, GENERIC_READ | GENERIC_WRITE, 0, NULL, OPEN_EXISTING, 0, NULL);
    unsigned char *buffer = (unsigned char *)calloc(1, bytes ? bytes : 1);
    DWORD got;
    double start, elapsed;
    unsigned i;

    if (h == INVALID_HANDLE_VALUE || !buffer) {
        fprintf(stderr, "cannot open the device: %lu\n", GetLastError());
        return 1;
    }
    for (i = 0; i < calls / 10 + 1; i++) {   /* warm up */
        DeviceIoControl(h, IOCTL_MH_ECHO, buffer, bytes, buffer, bytes, &got, NULL);
    }
    start = now_us();
    for (i = 0; i < calls; i++) {
        if (!DeviceIoControl(h, IOCTL_MH_ECHO, buffer, bytes, buffer, bytes, &got, NULL) || got != bytes) {
            fprintf(stderr, "echo failed: %lu\n", GetLastError());
            return 1;
        }
    }
    elapsed = now_us() - start;
    printf("{\"mode\":\"echo\",\"calls\":%u,\"bytes\":%u,\"usPerCall\":%.2f}\n", calls, bytes, elapsed / calls);
    CloseHandle(h);
    free(buffer);
    return 0;
}

/* The driver's counters at the start of a timed loop, read on a handle of their own (a handle on a
   completion port would queue a packet for each read); bench_counters_end prints their movement
   per message as JSON fields (zeros if the counters could not be read) and closes it. */
typedef struct bench_counters {
    HANDLE h;
    MH_STATS start;
    BOOL read;
} bench_counters;

static void bench_counters_close(bench_counters *c)
{
    if (c->h != INVALID_HANDLE_VALUE) {
        CloseHandle(c->h);
        c->h = INVALID_HANDLE_VALUE;
    }
}

static void bench_counters_start(bench_counters *c)
{
    c->h = mh_open();   /* closed by bench_counters_end, or by bench_counters_close on a failed run */
    c->read = c->h != INVALID_HANDLE_VALUE && NT_SUCCESS(mh_get_stats(c->h, &c->start));
}

static void bench_counters_end(bench_counters *c, unsigned messages, char *json, size_t size)
{
    MH_STATS end;
    double ioctls = 0, wakes = 0;

    if (c->read && messages != 0 && NT_SUCCESS(mh_get_stats(c->h, &end))) {
        ioctls = (double)(end.IoctlsDispatched - c->start.IoctlsDispatched) / messages;
        wakes = (double)(end.CallbackWakes - c->start.CallbackWakes) / messages;
    }
    bench_counters_close(c);
    snprintf(json, size, ",\"ioctlsPerMessage\":%.4f,\"callbackWakesPerMessage\":%.4f", ioctls, wakes);
}

/* One overlapped request of a port benchmark: a SEND_MESSAGE of `bytes`, or an IO_CONTROL whose
   input is `command` (MP_CMD_ECHO and its data) and whose output room is `bytes`. */
static BOOL issue_one(HANDLE h, mh_async *a, BOOL io_control, ULONG64 context_id, const unsigned char *command,
                      DWORD bytes)
{
    if (io_control) {
        return mh_io_control_issue(h, a, context_id, 0, command, (DWORD)sizeof(MP_IOCTL_HEADER) + bytes, bytes, NULL);
    }
    return mh_send_message_issue(h, a, context_id, command + sizeof(MP_IOCTL_HEADER), bytes, bytes, NULL);
}

static int bench_port(const char *mode, BOOL io_control, unsigned in_flight, unsigned completions, unsigned bytes)
{
    HANDLE h = mh_open();
    HANDLE port = NULL;
    MH_CONTEXT_INFO info;
    mh_async *requests = NULL;
    unsigned char command[sizeof(MP_IOCTL_HEADER) + 4096];
    MP_IOCTL_HEADER echo = { MP_CMD_ECHO, 0, 0, 0 };
    OVERLAPPED_ENTRY entries[64];
    unsigned issued = 0, done = 0, failed = 0, i;
    double start, elapsed;
    bench_counters counters;
    char counted[96];
    int rc = 1;

    counters.h = INVALID_HANDLE_VALUE;
    if (h == INVALID_HANDLE_VALUE || in_flight == 0 || bytes > sizeof(command) - sizeof(echo)) {
        fprintf(stderr, "bad arguments or no device\n");
        return 1;
    }
    memset(command, 0x5A, sizeof(command));
    memcpy(command, &echo, sizeof(echo));
    if (!NT_SUCCESS(mh_create_context(h, &info)) || !NT_SUCCESS(mh_configure_responder(h, TRUE, 0, 0))) {
        fprintf(stderr, "cannot create a context or enable the responder (another context live?)\n");
        goto out;
    }
    port = CreateIoCompletionPort(h, NULL, 1, 1);
    requests = (mh_async *)calloc(in_flight, sizeof(*requests));
    if (!port || !requests) {
        goto out;
    }
    bench_counters_start(&counters);
    start = now_us();
    for (i = 0; i < in_flight && issued < completions; i++, issued++) {
        if (!issue_one(h, &requests[i], io_control, info.ContextId, command, bytes)) {
            failed++;
        }
    }
    while (done + failed < issued) {
        ULONG removed = 0;
        if (!GetQueuedCompletionStatusEx(port, entries, 64, &removed, 10000, FALSE)) {
            fprintf(stderr, "no completion within 10 s (%u of %u)\n", done, completions);
            goto out;
        }
        for (i = 0; i < removed; i++) {
            mh_async *a = (mh_async *)entries[i].lpOverlapped;
            if ((LONG)a->ov.Internal != 0) {
                failed++;
            } else {
                done++;
            }
            mh_async_free(a);
            if (issued < completions) {
                issued++;
                if (!issue_one(h, a, io_control, info.ContextId, command, bytes)) {
                    failed++;
                }
            }
        }
    }
    elapsed = now_us() - start;
    bench_counters_end(&counters, done, counted, sizeof(counted));
    printf("{\"mode\":\"%s\",\"inFlight\":%u,\"completions\":%u,\"failed\":%u,\"bytes\":%u,\"perSecond\":%.1f%s}\n",
           mode, in_flight, done, failed, bytes, done / (elapsed / 1e6), counted);
    rc = failed ? 1 : 0;
out:
    bench_counters_close(&counters);
    mh_configure_responder(h, FALSE, 0, 0);
    mh_destroy_context(h, info.ContextId);
    if (port) CloseHandle(port);
    free(requests);
    CloseHandle(h);
    return rc;
}

int mh_bench_send(unsigned in_flight, unsigned completions, unsigned bytes)
{
    return bench_port("send", FALSE, in_flight, completions, bytes);
}

int mh_bench_io_control(unsigned in_flight, unsigned completions, unsigned bytes)
{
    return bench_port("iocontrol", TRUE, in_flight, completions, bytes);
}

/*
 * The batched peer of mh_bench_send: the same sends answered by the responder, through the batched
 * transport, from one thread. Each round submits every free slot's send and takes whatever
 * completion records are ready in one BATCH_SUBMIT_REAP (which pends until at least one is): one
 * IOCTL per round, however many messages the round moves.
 */
int mh_bench_send_batched(unsigned in_flight, unsigned completions, unsigned bytes)
{
    HANDLE h = mh_open();
    HANDLE event = CreateEventW(NULL, TRUE, FALSE, NULL);
    MH_CONTEXT_INFO info;
    unsigned char payload[4096];
    /* A reap sized to the load: every record is the same small size here, so room for them all
       (an IOCTL costs more the larger its output buffer). */
    DWORD reap_size = (DWORD)((sizeof(MH_BATCH_HEADER) + (size_t)in_flight * MH_ALIGN8(sizeof(MH_BATCH_COMPLETION) + bytes) +
                               4095u) & ~(size_t)4095u);
    unsigned char *reaped = (unsigned char *)malloc(reap_size);
    mh_batch batch;
    unsigned issued = 0, done = 0, failed = 0, outstanding = 0, rounds = 0, most = 0;
    ULONG64 next_id = 1;
    double start, elapsed;
    bench_counters counters;
    char counted[96];
    int rc = 1;

    mh_batch_init(&batch);
    memset(&info, 0, sizeof(info));
    counters.h = INVALID_HANDLE_VALUE;
    if (h == INVALID_HANDLE_VALUE || in_flight == 0 || bytes > sizeof(payload) || !reaped) {
        fprintf(stderr, "bad arguments or no device\n");
        goto out;
    }
    memset(payload, 0x5A, sizeof(payload));
    if (!NT_SUCCESS(mh_create_context(h, &info)) || !NT_SUCCESS(mh_configure_responder(h, TRUE, 0, 0))) {
        fprintf(stderr, "cannot create a context or enable the responder (another context live?)\n");
        goto out;
    }
    bench_counters_start(&counters);
    start = now_us();
    while (done + failed < completions) {
        mh_async reap;
        DWORD got = 0, n = 0;
        LONG status;
        const MH_BATCH_COMPLETION *r;

        while (outstanding < in_flight && issued < completions) {
            mh_batch_add_send(&batch, next_id++, info.ContextId, payload, bytes, bytes);
            outstanding++;
            issued++;
        }
        /* The round's sends and its reap in one IOCTL (BATCH_SUBMIT_REAP); a round with nothing to
           submit only reaps. */
        if (batch.count != 0) {
            mh_batch_submit_reap_issue(h, &batch, &reap, reap_size, event);
        } else {
            mh_issue(h, &reap, IOCTL_MH_BATCH_REAP, NULL, 0, reap_size, event);
        }
        status = mh_wait(h, &reap, 10000, &got);
        if (status != 0) {
            fprintf(stderr, "BATCH_REAP: 0x%08lx (%u of %u)\n", (unsigned long)status, done, completions);
            if (status == MH_STATUS_PENDING) CancelIoEx(h, &reap.ov), mh_wait(h, &reap, INFINITE, &got);
            mh_async_free(&reap);
            goto out;
        }
        for (r = mh_batch_first(reap.buffer, got); r != NULL; r = mh_batch_next(reap.buffer, got, r), n++) {
            if (r->RequestStatus != 0) failed++; else done++;
        }
        mh_async_free(&reap);
        outstanding -= n;
        rounds++;
        if (n > most) most = n;
    }
    elapsed = now_us() - start;
    bench_counters_end(&counters, done, counted, sizeof(counted));
    printf("{\"mode\":\"send-batched\",\"inFlight\":%u,\"completions\":%u,\"failed\":%u,\"bytes\":%u,\"perSecond\":%.1f,"
           "\"rounds\":%u,\"mostPerReap\":%u%s}\n", in_flight, done, failed, bytes, done / (elapsed / 1e6), rounds, most,
           counted);
    rc = failed ? 1 : 0;
out:
    bench_counters_close(&counters);
    if (h != INVALID_HANDLE_VALUE) {
        mh_configure_responder(h, FALSE, 0, 0);
        if (info.ContextId) mh_destroy_context(h, info.ContextId);
        CloseHandle(h);   /* what is still in flight goes with the handle */
    }
    CloseHandle(event);
    mh_batch_free(&batch);
    free(reaped);
    return rc;
}

/*
 * mh_bench.c - the raw C client as the performance baseline.
 *
 *   echo: synchronous DeviceIoControl(IOCTL_MH_ECHO) on a non-overlapped handle, one after the
 *         other: the cost of one IOCTL round trip.
 *   send: SEND_MESSAGE answered by the kernel responder, with N requests kept in flight on an I/O
 *         completion port (GetQueuedCompletionStatusEx, batched); each completion is re-issued at
 *         once from the completion loop. Reports completions per second.
 * Each prints one JSON line for scripts/bench to read.
 */
#include "mh_device_io.h"
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

int mh_bench_send(unsigned in_flight, unsigned completions, unsigned bytes)
{
    HANDLE h = mh_open();
    HANDLE port = NULL;
    MH_CONTEXT_INFO info;
    mh_async *requests = NULL;
    unsigned char payload[4096];
    OVERLAPPED_ENTRY entries[64];
    unsigned issued = 0, done = 0, failed = 0, i;
    double start, elapsed;
    int rc = 1;

    if (h == INVALID_HANDLE_VALUE || in_flight == 0 || bytes > sizeof(payload)) {
        fprintf(stderr, "bad arguments or no device\n");
        return 1;
    }
    memset(payload, 0x5A, sizeof(payload));
    if (!NT_SUCCESS(mh_create_context(h, &info)) || !NT_SUCCESS(mh_configure_responder(h, TRUE, 0, 0))) {
        fprintf(stderr, "cannot create a context or enable the responder (another context live?)\n");
        goto out;
    }
    port = CreateIoCompletionPort(h, NULL, 1, 1);
    requests = (mh_async *)calloc(in_flight, sizeof(*requests));
    if (!port || !requests) {
        goto out;
    }
    start = now_us();
    for (i = 0; i < in_flight && issued < completions; i++, issued++) {
        if (!mh_send_message_issue(h, &requests[i], info.ContextId, payload, bytes, bytes, NULL)) {
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
                if (!mh_send_message_issue(h, a, info.ContextId, payload, bytes, bytes, NULL)) {
                    failed++;
                }
            }
        }
    }
    elapsed = now_us() - start;
    printf("{\"mode\":\"send\",\"inFlight\":%u,\"completions\":%u,\"failed\":%u,\"bytes\":%u,\"perSecond\":%.1f}\n",
           in_flight, done, failed, bytes, done / (elapsed / 1e6));
    rc = failed ? 1 : 0;
out:
    mh_configure_responder(h, FALSE, 0, 0);
    mh_destroy_context(h, info.ContextId);
    if (port) CloseHandle(port);
    free(requests);
    CloseHandle(h);
    return rc;
}

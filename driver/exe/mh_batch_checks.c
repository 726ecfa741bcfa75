/*
 * mh_batch_checks.c - the raw C client's checks of the batched transport (BATCH_SUBMIT,
 * BATCH_REAP, BATCH_SUBMIT_REAP): results, batched IoControls equal to the classic IOCTL's, per-message cancel,
 * refusal of malformed batches with nothing applied, and a handle that goes with sends in flight.
 * Each leaves the driver as it found it.
 */
#include "mh_batch_io.h"
#include "mh_checks.h"
#include "mh_check_expect.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MH_STATUS_DUPLICATE_ID ((LONG)0xC000022A)
#define REAP_SIZE ((DWORD)MH_BATCH_REAP_BUFFER_MIN + 4096u)

static MH_STATS stats_of(HANDLE h)
{
    MH_STATS s;
    memset(&s, 0xFF, sizeof(s));
    mh_get_stats(h, &s);
    return s;
}

/* Waits up to timeout_ms until `want` callbacks ran since `before`; returns the stats then. */
static MH_STATS wait_callbacks(HANDLE h, const MH_STATS *before, ULONG64 want, DWORD timeout_ms)
{
    DWORD start = GetTickCount();
    MH_STATS now = stats_of(h);
    while (now.CallbacksRun - before->CallbacksRun < want && GetTickCount() - start < timeout_ms) {
        Sleep(20);
        now = stats_of(h);
    }
    return now;
}

/* Reaps until `want` records arrived (or timeout_ms passed); records[id] counts each id seen and
   keeps its last record. Returns the records reaped. */
typedef struct seen {
    unsigned times;
    MH_BATCH_COMPLETION record;
    unsigned char output[64];
} seen;

static unsigned reap_until(HANDLE h, unsigned want, DWORD timeout_ms, seen *records, unsigned ids, unsigned *strays)
{
    unsigned char *out = (unsigned char *)malloc(REAP_SIZE);
    DWORD start = GetTickCount(), bytes;
    unsigned got = 0;

    while (got < want && GetTickCount() - start < timeout_ms) {
        LONG status = mh_batch_reap(h, out, REAP_SIZE, timeout_ms - (GetTickCount() - start), &bytes);
        const MH_BATCH_COMPLETION *r;
        if (!NT_SUCCESS(status) || status == MH_STATUS_PENDING) break;
        for (r = mh_batch_first(out, bytes); r != NULL; r = mh_batch_next(out, bytes, r)) {
            got++;
            if (r->Id >= ids) {
                (*strays)++;
                continue;
            }
            records[r->Id].times++;
            records[r->Id].record = *r;
            memcpy(records[r->Id].output, r + 1, r->OutputSize < 64 ? r->OutputSize : 64);
        }
    }
    free(out);
    return got;
}

/* A check's end: the responder off, its context destroyed, the driver idle again. FALSE with
   c->why saying what was not so. */
static BOOL finish(check_ctx *c, MH_CONTEXT_INFO *info)
{
    HANDLE h = c->h;
    BOOL ok = FALSE;

    EXPECT_STATUS(mh_configure_responder(h, FALSE, 0, 0), 0, "CONFIGURE_RESPONDER off");
    EXPECT_STATUS(mh_destroy_context(h, info->ContextId), 0, "DestroyContext");
    info->ContextId = 0;
    if (!mh_wait_idle(h, 5000, c->why, sizeof(c->why))) goto done;   /* it wrote why */
    ok = TRUE;
done:
    return ok;
}

BOOL mh_check_batch_sends(check_ctx *c)
{
    HANDLE h = c->h;
    enum { SENDS = 12 };
    MH_CONTEXT_INFO info = {0};
    seen records[SENDS + 1];
    unsigned char input[SENDS][40];
    mh_batch b;
    MH_STATS before, after;
    unsigned strays = 0, i;
    BOOL ok = FALSE;

    memset(records, 0, sizeof(records));
    mh_batch_init(&b);
    EXPECT_STATUS(mh_create_context(h, &info), 0, "CreateContext");
    EXPECT_STATUS(mh_configure_responder(h, TRUE, 0x00000123, 0), 0, "CONFIGURE_RESPONDER");
    before = stats_of(h);
    for (i = 1; i <= SENDS; i++) {
        memset(input[i - 1], (int)(0x40 + i), sizeof(input[i - 1]));
        /* Output room from 0 up: the echo is cut to it, as the classic IOCTL cuts it. */
        mh_batch_add_send(&b, i, info.ContextId, input[i - 1], 8 + i, 2 * (i - 1));
    }
    EXPECT_STATUS(mh_batch_submit(h, &b), 0, "BATCH_SUBMIT of 12 sends");
    EXPECT(reap_until(h, SENDS, 5000, records, SENDS + 1, &strays) == SENDS, "fewer than 12 completion records");
    EXPECT(strays == 0, "%u records for ids never sent", strays);
    for (i = 1; i <= SENDS; i++) {
        const MH_BATCH_COMPLETION *r = &records[i].record;
        DWORD room = 2 * (i - 1), expect = (8 + i) < room ? (8 + i) : room;
        EXPECT(records[i].times == 1, "send %u: %u completion records", i, records[i].times);
        EXPECT(r->RequestStatus == 0 && r->Status == 0x123 && r->Information == expect,
               "send %u: request 0x%08lX, callback 0x%08lX, information %llu", i, (unsigned long)r->RequestStatus,
               (unsigned long)r->Status, r->Information);
        EXPECT(r->OutputSize == expect && memcmp(records[i].output, input[i - 1], expect < 64 ? expect : 64) == 0,
               "send %u: output of %lu bytes, expected its own %lu", i, (unsigned long)r->OutputSize, (unsigned long)expect);
        EXPECT(r->RecordSize == MH_ALIGN8((ULONG)sizeof(*r) + r->OutputSize), "send %u: record size %lu", i,
               (unsigned long)r->RecordSize);
    }
    after = stats_of(h);
    EXPECT(after.CallbacksRun - before.CallbacksRun == SENDS, "callbacks ran %llu times", after.CallbacksRun - before.CallbacksRun);
    EXPECT(after.BatchSubmits - before.BatchSubmits == 1, "BatchSubmits moved by %llu", after.BatchSubmits - before.BatchSubmits);
    EXPECT(after.BatchSubmitMax >= SENDS, "BatchSubmitMax %llu", after.BatchSubmitMax);
    EXPECT(after.IrpsPendedTotal - before.IrpsPendedTotal >= SENDS, "IrpsPendedTotal moved by %llu",
           after.IrpsPendedTotal - before.IrpsPendedTotal);

    /* Records apply in order: a cancel reaches no send that comes after it in its batch, even one
       of its own id (the id of a send that completed meanwhile may be reused). */
    memset(records, 0, sizeof(records));
    mh_batch_add_cancel(&b, 11, FALSE);
    mh_batch_add_send(&b, 11, info.ContextId, "after", 5, 5);
    EXPECT_STATUS(mh_batch_submit(h, &b), 0, "BATCH_SUBMIT of a cancel and then a send of its id");
    EXPECT(reap_until(h, 1, 5000, records, SENDS + 1, &strays) == 1, "no completion record for the send after the cancel");
    EXPECT(records[11].times == 1 && records[11].record.RequestStatus == 0 && records[11].record.Status == 0x123 &&
           records[11].record.OutputSize == 5 && memcmp(records[11].output, "after", 5) == 0,
           "the send after a cancel of its id: %u records, request 0x%08lX (the cancel before it reached it)",
           records[11].times, (unsigned long)records[11].record.RequestStatus);

    /* A send the host refuses (no agent, no responder) gets its failure as its record. */
    EXPECT_STATUS(mh_configure_responder(h, FALSE, 0, 0), 0, "CONFIGURE_RESPONDER off");
    memset(records, 0, sizeof(records));
    mh_batch_add_send(&b, 3, info.ContextId, "x", 1, 1);
    mh_batch_add_send(&b, 4, 987654321, "x", 1, 1);
    EXPECT_STATUS(mh_batch_submit(h, &b), 0, "BATCH_SUBMIT with no host");
    EXPECT(reap_until(h, 2, 5000, records, SENDS + 1, &strays) == 2, "fewer than 2 completion records");
    EXPECT(records[3].record.RequestStatus == MH_STATUS_NO_HOST, "no host: 0x%08lX", (unsigned long)records[3].record.RequestStatus);
    EXPECT(records[4].record.RequestStatus == MH_STATUS_UNKNOWN_CONTEXT, "unknown context: 0x%08lX",
           (unsigned long)records[4].record.RequestStatus);
    if (!finish(c, &info)) goto done;   /* c->why says why */
    ok = TRUE;
done:
    mh_configure_responder(h, FALSE, 0, 0);
    if (info.ContextId) mh_destroy_context(h, info.ContextId);
    mh_batch_free(&b);
    return ok;
}

/* One IoControl the batched and the classic path must answer alike. */
typedef struct ioc_case {
    const char *name;
    ULONG command;
    ULONG flags;
    DWORD data_len, out_size;
    BOOL unknown_context;
} ioc_case;

BOOL mh_check_batch_io_control(check_ctx *c)
{
    HANDLE h = c->h;
    static const ioc_case cases[] = {
        { "echo of 300 bytes", MP_CMD_ECHO, 0, 300, 300, FALSE },
        { "echo with HardwareAccess", MP_CMD_ECHO, MH_IO_CONTROL_HARDWARE_ACCESS, 10, 10, FALSE },
        { "echo into a short output", MP_CMD_ECHO, 0, 10, 4, FALSE },
        { "echo of nothing", MP_CMD_ECHO, 0, 0, 16, FALSE },
        { "an unknown miniport command", 0x7777, 0, 0, 4, FALSE },
        { "an unknown context", MP_CMD_ECHO, 0, 10, 10, TRUE },
    };
    enum { CASES = sizeof(cases) / sizeof(cases[0]) };
    MH_CONTEXT_INFO info = {0};
    unsigned char data[300], classic[CASES][300], in[sizeof(MP_IOCTL_HEADER) + 300];
    LONG classic_status[CASES];
    DWORD classic_bytes[CASES];
    unsigned char *out = (unsigned char *)malloc(REAP_SIZE);
    const MH_BATCH_COMPLETION *r;
    unsigned seen_times[CASES + 1];
    mh_batch b;
    MH_STATS before, after;
    DWORD got = 0, start;
    unsigned reaped = 0, i;
    BOOL ok = FALSE;

    memset(seen_times, 0, sizeof(seen_times));
    for (i = 0; i < sizeof(data); i++) data[i] = (unsigned char)(i * 7 + 1);
    mh_batch_init(&b);
    EXPECT_STATUS(mh_create_context(h, &info), 0, "CreateContext");
    for (i = 0; i < CASES; i++) {
        MP_IOCTL_HEADER cmd = { cases[i].command, 0, 0, 0 };
        ULONG64 context = cases[i].unknown_context ? 987654321 : info.ContextId;
        classic_bytes[i] = 0;
        memset(classic[i], 0, sizeof(classic[i]));
        classic_status[i] = mh_io_control(h, context, cases[i].flags, &cmd, data, cases[i].data_len,
                                          cases[i].out_size ? classic[i] : NULL, cases[i].out_size, &classic_bytes[i]);
        memcpy(in, &cmd, sizeof(cmd));
        memcpy(in + sizeof(cmd), data, cases[i].data_len);
        mh_batch_add_io_control(&b, i + 1, context, cases[i].flags, in, (DWORD)sizeof(cmd) + cases[i].data_len,
                                cases[i].out_size);
    }
    EXPECT(classic_status[0] == 0 && classic_bytes[0] == 300, "the classic echo: 0x%08lX, %lu bytes",
           (unsigned long)classic_status[0], (unsigned long)classic_bytes[0]);
    before = stats_of(h);
    EXPECT_STATUS(mh_batch_submit(h, &b), 0, "BATCH_SUBMIT of the IoControls");
    start = GetTickCount();
    while (reaped < CASES && GetTickCount() - start < 5000) {
        LONG status = mh_batch_reap(h, out, REAP_SIZE, 5000, &got);
        EXPECT(NT_SUCCESS(status) && status != MH_STATUS_PENDING, "BATCH_REAP: 0x%08lX", (unsigned long)status);
        for (r = mh_batch_first(out, got); r != NULL; r = mh_batch_next(out, got, r)) {
            unsigned k = (unsigned)r->Id - 1;
            EXPECT(r->Id >= 1 && r->Id <= CASES, "a record for id %llu, never submitted", r->Id);
            seen_times[k]++;
            reaped++;
            EXPECT(r->RequestStatus == classic_status[k] && r->Status == classic_status[k],
                   "%s: batched 0x%08lX (status 0x%08lX), classic 0x%08lX", cases[k].name, (unsigned long)r->RequestStatus,
                   (unsigned long)r->Status, (unsigned long)classic_status[k]);
            EXPECT(r->Information == classic_bytes[k] && r->OutputSize == classic_bytes[k] &&
                   memcmp(r + 1, classic[k], classic_bytes[k]) == 0,
                   "%s: batched %llu bytes, classic %lu, or other bytes", cases[k].name, r->Information,
                   (unsigned long)classic_bytes[k]);
            EXPECT(r->RecordSize == MH_ALIGN8((ULONG)sizeof(*r) + r->OutputSize), "%s: record size %lu", cases[k].name,
                   (unsigned long)r->RecordSize);
        }
    }
    for (i = 0; i < CASES; i++) {
        EXPECT(seen_times[i] == 1, "%s: %u completion records", cases[i].name, seen_times[i]);
    }
    after = stats_of(h);
    EXPECT(after.BatchSubmits - before.BatchSubmits == 1, "BatchSubmits moved by %llu", after.BatchSubmits - before.BatchSubmits);
    EXPECT(after.BatchIoControlRecords - before.BatchIoControlRecords == CASES, "BatchIoControlRecords moved by %llu",
           after.BatchIoControlRecords - before.BatchIoControlRecords);
    if (!finish(c, &info)) goto done;   /* c->why says why */
    ok = TRUE;
done:
    if (info.ContextId) mh_destroy_context(h, info.ContextId);
    mh_batch_free(&b);
    free(out);
    return ok;
}

BOOL mh_check_batch_cancel(check_ctx *c)
{
    HANDLE h = c->h;
    HANDLE other = mh_open();
    MH_CONTEXT_INFO info = {0};
    seen records[8];
    mh_batch b;
    MH_STATS before, after;
    unsigned strays = 0;
    DWORD start;
    BOOL ok = FALSE;

    memset(records, 0, sizeof(records));
    mh_batch_init(&b);
    EXPECT(other != INVALID_HANDLE_VALUE, "a second handle does not open");
    EXPECT_STATUS(mh_create_context(h, &info), 0, "CreateContext");
    EXPECT_STATUS(mh_configure_responder(h, TRUE, 0, 1500), 0, "CONFIGURE_RESPONDER delay 1500 ms");
    before = stats_of(h);
    mh_batch_add_send(&b, 5, info.ContextId, "abc", 3, 3);
    mh_batch_add_send(&b, 6, info.ContextId, "def", 3, 3);
    mh_batch_add_send(&b, 7, info.ContextId, "ghi", 3, 3);
    EXPECT_STATUS(mh_batch_submit(h, &b), 0, "BATCH_SUBMIT of 3 sends");

    /* Ids of another handle, and ids not in flight, are ignored. */
    mh_batch_add_cancel(&b, 5, FALSE);
    mh_batch_add_cancel(&b, 0, TRUE);
    EXPECT_STATUS(mh_batch_submit(other, &b), 0, "BATCH_SUBMIT of cancels on another handle");
    mh_batch_add_cancel(&b, 99, FALSE);
    EXPECT_STATUS(mh_batch_submit(h, &b), 0, "BATCH_SUBMIT of a cancel of an id not in flight");
    after = stats_of(h);
    EXPECT(after.IrpsPending - before.IrpsPending == 3, "%lld sends pending, expected 3 (a foreign cancel reached them)",
           (long long)(after.IrpsPending - before.IrpsPending));

    /* One cancel: that send completes as cancelled long before the responder answers. */
    start = GetTickCount();
    mh_batch_add_cancel(&b, 6, FALSE);
    EXPECT_STATUS(mh_batch_submit(h, &b), 0, "BATCH_SUBMIT of a cancel");
    EXPECT(reap_until(h, 1, 1000, records, 8, &strays) == 1, "no record for the cancelled send within 1 s");
    EXPECT(records[6].times == 1 && records[6].record.RequestStatus == MH_STATUS_CANCELLED,
           "send 6: %u records, status 0x%08lX", records[6].times, (unsigned long)records[6].record.RequestStatus);
    EXPECT(GetTickCount() - start < 1200 && stats_of(h).CallbacksRun == before.CallbacksRun,
           "the cancel waited for the callback");
    /* Cancel all: the two others. Then every callback still runs exactly once. */
    mh_batch_add_cancel(&b, 0, TRUE);
    EXPECT_STATUS(mh_batch_submit(h, &b), 0, "BATCH_SUBMIT of a cancel of all");
    EXPECT(reap_until(h, 2, 1000, records, 8, &strays) == 2, "no records for cancel-all within 1 s");
    EXPECT(records[5].record.RequestStatus == MH_STATUS_CANCELLED && records[7].record.RequestStatus == MH_STATUS_CANCELLED &&
           records[5].times == 1 && records[7].times == 1, "cancel-all: 0x%08lX 0x%08lX",
           (unsigned long)records[5].record.RequestStatus, (unsigned long)records[7].record.RequestStatus);
    after = wait_callbacks(h, &before, 3, 5000);
    EXPECT(after.CallbacksRun - before.CallbacksRun == 3, "the miniport's callbacks ran %llu times",
           after.CallbacksRun - before.CallbacksRun);
    EXPECT(after.IrpsCancelledTotal - before.IrpsCancelledTotal == 3, "IrpsCancelledTotal moved by %llu",
           after.IrpsCancelledTotal - before.IrpsCancelledTotal);
    if (!finish(c, &info)) goto done;   /* c->why says why */
    ok = TRUE;
done:
    mh_configure_responder(h, FALSE, 0, 0);
    if (info.ContextId) mh_destroy_context(h, info.ContextId);
    if (other != INVALID_HANDLE_VALUE) CloseHandle(other);
    mh_batch_free(&b);
    return ok;
}

/* One malformed batch: a valid send (id 1), then a flaw applied to the laid-out bytes. */
typedef struct flaw {
    const char *name;
    int kind;
    LONG expect;
} flaw;

enum {
    FLAW_COUNT_MORE, FLAW_COUNT_LESS, FLAW_COUNT_ZERO, FLAW_BYTES_USED, FLAW_RECORD_SIZE_SHORT, FLAW_RECORD_SIZE_ODD,
    FLAW_RECORD_PAST_END, FLAW_KIND, FLAW_RESERVED, FLAW_SEND_FLAGS, FLAW_CANCEL_FIELDS, FLAW_INPUT_OVER,
    FLAW_OUTPUT_OVER, FLAW_DUPLICATE_IN_BATCH, FLAW_DUPLICATE_IN_FLIGHT, FLAW_OUTPUT_BUFFER, FLAW_TRAILING,
    FLAW_SHORT_HEADER, FLAW_CANCEL_INPUT, FLAW_CANCEL_OUTPUT, FLAW_CANCEL_FLAGS,
    /* The second record an IoControl instead of a send: */
    FLAW_IOC_FIRST, FLAW_IOC_FLAGS = FLAW_IOC_FIRST, FLAW_IOC_INPUT_OVER, FLAW_IOC_OUTPUT_OVER, FLAW_IOC_RECORD_SIZE,
    FLAW_IOC_OTHER_HANDLE, FLAW_IOC_DUPLICATE_IN_FLIGHT,
};

static LONG submit_flawed(HANDLE h, ULONG64 context_id, ULONG64 other_context_id, int kind)
{
    static const MP_IOCTL_HEADER echo = { MP_CMD_ECHO, 0, 0, 0 };
    mh_batch b;
    MH_BATCH_HEADER *header;
    MH_BATCH_ENTRY *first, *second, *cancel;
    DWORD got = 0, length;
    unsigned char out[8];
    LONG status;

    mh_batch_init(&b);
    mh_batch_add_send(&b, 1, context_id, "first", 5, 5);
    if (kind >= FLAW_IOC_FIRST) {
        mh_batch_add_io_control(&b, kind == FLAW_IOC_DUPLICATE_IN_FLIGHT ? 100 : 2,
                                kind == FLAW_IOC_OTHER_HANDLE ? other_context_id : context_id, 0, &echo, sizeof(echo), 16);
    } else {
        mh_batch_add_send(&b, kind == FLAW_DUPLICATE_IN_BATCH ? 1 : (kind == FLAW_DUPLICATE_IN_FLIGHT ? 100 : 2),
                          context_id, "second", 6, 6);
    }
    mh_batch_add_cancel(&b, 42, FALSE);
    header = (MH_BATCH_HEADER *)b.buffer;
    header->Count = b.count;
    header->BytesUsed = b.used;
    first = (MH_BATCH_ENTRY *)(b.buffer + sizeof(*header));
    second = (MH_BATCH_ENTRY *)((unsigned char *)first + first->RecordSize);
    cancel = (MH_BATCH_ENTRY *)((unsigned char *)second + second->RecordSize);
    length = b.used;
    switch (kind) {
    case FLAW_COUNT_MORE: header->Count++; break;
    case FLAW_COUNT_LESS: header->Count--; break;
    case FLAW_COUNT_ZERO: header->Count = 0; break;
    case FLAW_BYTES_USED: header->BytesUsed -= 8; break;
    case FLAW_RECORD_SIZE_SHORT: second->RecordSize -= 8; break;
    case FLAW_RECORD_SIZE_ODD: second->RecordSize += 1; break;
    case FLAW_RECORD_PAST_END: second->InputSize += 64; second->RecordSize = MH_ALIGN8((ULONG)sizeof(*second) + second->InputSize); break;
    case FLAW_KIND: second->Kind = 7; break;
    case FLAW_RESERVED: second->Reserved = 1; break;
    case FLAW_SEND_FLAGS: second->Flags = MH_BATCH_CANCEL_ALL; break;
    case FLAW_CANCEL_FIELDS: cancel->ContextId = 1; break;
    /* The cancel is the last record: its 8 bytes of input, laid out right, end the batch. */
    case FLAW_CANCEL_INPUT: cancel->InputSize = 8; cancel->RecordSize += 8; header->BytesUsed += 8; length += 8; break;
    case FLAW_CANCEL_OUTPUT: cancel->OutputSize = 16; break;
    case FLAW_CANCEL_FLAGS: cancel->Flags = MH_BATCH_CANCEL_ALL << 1; break;
    case FLAW_INPUT_OVER: second->InputSize = MH_MAX_MESSAGE_BYTES + 1; break;
    case FLAW_OUTPUT_OVER: second->OutputSize = MH_MAX_MESSAGE_BYTES + 1; break;
    case FLAW_TRAILING: header->BytesUsed += 8; length += 8; break;
    case FLAW_SHORT_HEADER: length = 4; break;
    case FLAW_IOC_FLAGS: second->Flags = MH_IO_CONTROL_HARDWARE_ACCESS << 1; break;
    case FLAW_IOC_INPUT_OVER: second->InputSize = MH_MAX_IO_CONTROL_BYTES + 1; break;
    case FLAW_IOC_OUTPUT_OVER: second->OutputSize = MH_MAX_IO_CONTROL_BYTES + 1; break;
    case FLAW_IOC_RECORD_SIZE: second->RecordSize += 8; break;
    default: break;
    }
    if (kind == FLAW_TRAILING || kind == FLAW_CANCEL_INPUT) {
        b.buffer = (unsigned char *)realloc(b.buffer, length);
        memset(b.buffer + length - 8, 0, 8);
    }
    status = mh_ioctl(h, IOCTL_MH_BATCH_SUBMIT, b.buffer, length, kind == FLAW_OUTPUT_BUFFER ? out : NULL,
                      kind == FLAW_OUTPUT_BUFFER ? (DWORD)sizeof(out) : 0, &got);
    mh_batch_free(&b);
    return status;
}

BOOL mh_check_batch_malformed(check_ctx *c)
{
    HANDLE h = c->h;
    static const flaw flaws[] = {
        { "Count one more than the records", FLAW_COUNT_MORE, MH_STATUS_INVALID_PARAMETER },
        { "Count one less than the records", FLAW_COUNT_LESS, MH_STATUS_INVALID_PARAMETER },
        { "Count 0", FLAW_COUNT_ZERO, MH_STATUS_INVALID_PARAMETER },
        { "BytesUsed not the input length", FLAW_BYTES_USED, MH_STATUS_INVALID_PARAMETER },
        { "a RecordSize 8 short", FLAW_RECORD_SIZE_SHORT, MH_STATUS_INVALID_PARAMETER },
        { "a RecordSize not padded to 8", FLAW_RECORD_SIZE_ODD, MH_STATUS_INVALID_PARAMETER },
        { "a record running past the end", FLAW_RECORD_PAST_END, MH_STATUS_INVALID_PARAMETER },
        { "an unknown Kind", FLAW_KIND, MH_STATUS_INVALID_PARAMETER },
        { "Reserved set", FLAW_RESERVED, MH_STATUS_INVALID_PARAMETER },
        { "Flags on a send", FLAW_SEND_FLAGS, MH_STATUS_INVALID_PARAMETER },
        { "a ContextId on a cancel", FLAW_CANCEL_FIELDS, MH_STATUS_INVALID_PARAMETER },
        { "an InputSize (and its bytes) on a cancel", FLAW_CANCEL_INPUT, MH_STATUS_INVALID_PARAMETER },
        { "an OutputSize on a cancel", FLAW_CANCEL_OUTPUT, MH_STATUS_INVALID_PARAMETER },
        { "an unknown flag on a cancel", FLAW_CANCEL_FLAGS, MH_STATUS_INVALID_PARAMETER },
        { "InputSize over the limit", FLAW_INPUT_OVER, MH_STATUS_INVALID_BUFFER_SIZE },
        { "OutputSize over the limit", FLAW_OUTPUT_OVER, MH_STATUS_INVALID_BUFFER_SIZE },
        { "an id twice in the batch", FLAW_DUPLICATE_IN_BATCH, MH_STATUS_DUPLICATE_ID },
        { "an id still in flight on the handle", FLAW_DUPLICATE_IN_FLIGHT, MH_STATUS_DUPLICATE_ID },
        { "an output buffer", FLAW_OUTPUT_BUFFER, MH_STATUS_INVALID_PARAMETER },
        { "bytes after the last record", FLAW_TRAILING, MH_STATUS_INVALID_PARAMETER },
        { "a header cut short", FLAW_SHORT_HEADER, MH_STATUS_INVALID_PARAMETER },
        { "an IoControl with an unknown flag", FLAW_IOC_FLAGS, MH_STATUS_INVALID_PARAMETER },
        { "an IoControl's InputSize over the limit", FLAW_IOC_INPUT_OVER, MH_STATUS_INVALID_BUFFER_SIZE },
        { "an IoControl's OutputSize over the limit", FLAW_IOC_OUTPUT_OVER, MH_STATUS_INVALID_BUFFER_SIZE },
        { "an IoControl's RecordSize 8 long", FLAW_IOC_RECORD_SIZE, MH_STATUS_INVALID_PARAMETER },
        { "an IoControl on another handle's context", FLAW_IOC_OTHER_HANDLE, MH_STATUS_NOT_OWNER },
        { "an IoControl with an id still in flight", FLAW_IOC_DUPLICATE_IN_FLIGHT, MH_STATUS_DUPLICATE_ID },
    };
    MH_CONTEXT_INFO info = {0}, others = {0};
    HANDLE other = mh_open();
    unsigned char *out = (unsigned char *)malloc(REAP_SIZE);
    mh_batch b;
    MH_STATS before, after;
    DWORD got = 0;
    size_t i;
    BOOL ok = FALSE;

    mh_batch_init(&b);
    EXPECT(other != INVALID_HANDLE_VALUE, "a second handle does not open");
    EXPECT_STATUS(mh_configure_miniport(h, 2), 0, "CONFIGURE_MINIPORT 2 sessions (one for each handle)");
    EXPECT_STATUS(mh_create_context(other, &others), 0, "CreateContext on the second handle");
    EXPECT_STATUS(mh_create_context(h, &info), 0, "CreateContext");
    /* Held far longer than the check runs, so no counter moves but by a flawed batch. */
    EXPECT_STATUS(mh_configure_responder(h, TRUE, 0, 10000), 0, "CONFIGURE_RESPONDER delay 10 s");
    mh_batch_add_send(&b, 100, info.ContextId, "held", 4, 4);          /* the id FLAW_DUPLICATE_IN_FLIGHT reuses */
    EXPECT_STATUS(mh_batch_submit(h, &b), 0, "BATCH_SUBMIT of the held send");
    for (i = 0; i < sizeof(flaws) / sizeof(flaws[0]); i++) {
        before = stats_of(h);
        EXPECT_STATUS(submit_flawed(h, info.ContextId, others.ContextId, flaws[i].kind), flaws[i].expect, flaws[i].name);
        after = stats_of(h);
        /* Refused whole: not the valid first send either, nor an IoControl. */
        EXPECT(after.MessagesTotal == before.MessagesTotal && after.IrpsPending == before.IrpsPending &&
               after.IrpsPendedTotal == before.IrpsPendedTotal && after.AllocationsOutstanding == before.AllocationsOutstanding &&
               after.BatchIoControlRecords == before.BatchIoControlRecords && after.DdiCalls == before.DdiCalls,
               "%s: applied in part (messages %llu -> %llu, pending %llu -> %llu)", flaws[i].name, before.MessagesTotal,
               after.MessagesTotal, before.IrpsPending, after.IrpsPending);
    }
    /* The record limit, at its edge: MH_MAX_BATCH_ENTRIES cancels (of ids never sent) are taken,
       one more refuses the batch whole. */
    for (i = 0; i < MH_MAX_BATCH_ENTRIES; i++) {
        mh_batch_add_cancel(&b, 1000000 + i, FALSE);
    }
    before = stats_of(h);
    EXPECT_STATUS(mh_batch_submit(h, &b), 0, "a batch of MH_MAX_BATCH_ENTRIES cancels");
    after = stats_of(h);
    EXPECT(after.BatchCancelRecords - before.BatchCancelRecords == MH_MAX_BATCH_ENTRIES,
           "a batch of MH_MAX_BATCH_ENTRIES cancels: %llu cancel records counted",
           after.BatchCancelRecords - before.BatchCancelRecords);
    for (i = 0; i <= MH_MAX_BATCH_ENTRIES; i++) {
        mh_batch_add_cancel(&b, 1000000 + i, FALSE);
    }
    EXPECT_STATUS(mh_batch_submit(h, &b), MH_STATUS_INVALID_PARAMETER, "a batch of MH_MAX_BATCH_ENTRIES + 1 records");
    EXPECT(stats_of(h).BatchCancelRecords == after.BatchCancelRecords, "a batch of MH_MAX_BATCH_ENTRIES + 1 records: applied in part");
    EXPECT_STATUS(mh_ioctl(h, IOCTL_MH_BATCH_REAP, NULL, 0, out, (DWORD)MH_BATCH_REAP_BUFFER_MIN - 1, &got),
                  MH_STATUS_BUFFER_TOO_SMALL, "BATCH_REAP with a buffer one byte short");
    EXPECT_STATUS(mh_ioctl(h, IOCTL_MH_BATCH_REAP, out, 8, out, REAP_SIZE, &got), MH_STATUS_INVALID_PARAMETER,
                  "BATCH_REAP with input");
    ok = TRUE;
done:
    mh_configure_responder(h, FALSE, 0, 0);
    if (info.ContextId) mh_destroy_context(h, info.ContextId);
    if (others.ContextId) mh_destroy_context(other, others.ContextId);
    if (other != INVALID_HANDLE_VALUE) CloseHandle(other);
    mh_configure_miniport(h, 1);
    mh_batch_free(&b);
    free(out);
    return ok;
}

BOOL mh_check_batch_close(check_ctx *c)
{
    HANDLE h = c->h;
    HANDLE doomed = mh_open(), event = CreateEventW(NULL, TRUE, FALSE, NULL);
    MH_CONTEXT_INFO info = {0};
    mh_async reap;
    mh_batch b;
    MH_STATS before, after;
    unsigned i;
    BOOL ok = FALSE, reaping = FALSE;

    mh_batch_init(&b);
    EXPECT(doomed != INVALID_HANDLE_VALUE, "a second handle does not open");
    EXPECT_STATUS(mh_create_context(doomed, &info), 0, "CreateContext");
    EXPECT_STATUS(mh_configure_responder(h, TRUE, 0, 1500), 0, "CONFIGURE_RESPONDER delay 1500 ms");
    before = stats_of(h);
    for (i = 1; i <= 5; i++) mh_batch_add_send(&b, i, info.ContextId, "bye", 3, 3);
    EXPECT_STATUS(mh_batch_submit(doomed, &b), 0, "BATCH_SUBMIT of 5 sends");
    reaping = mh_issue(doomed, &reap, IOCTL_MH_BATCH_REAP, NULL, 0, REAP_SIZE, event);
    EXPECT(reaping && mh_wait(doomed, &reap, 50, NULL) == MH_STATUS_PENDING, "the reap did not pend");
    after = stats_of(h);
    EXPECT(after.BatchReapsPending - before.BatchReapsPending == 1 && after.IrpsPending - before.IrpsPending == 5,
           "reaps pending %llu, sends pending %llu", after.BatchReapsPending - before.BatchReapsPending,
           after.IrpsPending - before.IrpsPending);
    /* The handle goes (CLEANUP on Windows, CLOSE under Wine): its sends complete as cancelled, and
       the reap still pending carries their records. */
    CloseHandle(doomed);
    doomed = INVALID_HANDLE_VALUE;
    EXPECT(WaitForSingleObject(event, 5000) == WAIT_OBJECT_0, "the reap did not complete after the close");
    EXPECT((LONG)reap.ov.Internal == 0, "reap: 0x%08lX", (unsigned long)(LONG)reap.ov.Internal);
    {
        const MH_BATCH_COMPLETION *r;
        unsigned records = 0;
        for (r = mh_batch_first(reap.buffer, (DWORD)reap.ov.InternalHigh); r != NULL;
             r = mh_batch_next(reap.buffer, (DWORD)reap.ov.InternalHigh, r)) {
            EXPECT(r->RequestStatus == MH_STATUS_CANCELLED, "send %llu: 0x%08lX", r->Id, (unsigned long)r->RequestStatus);
            records++;
        }
        EXPECT(records == 5, "the reap carried %u records, expected the 5 cancelled sends", records);
    }
    after = wait_callbacks(h, &before, 5, 10000);
    EXPECT(after.CallbacksRun - before.CallbacksRun == 5, "the miniport's callbacks ran %llu times",
           after.CallbacksRun - before.CallbacksRun);
    EXPECT(after.IrpsCancelledTotal - before.IrpsCancelledTotal == 5, "IrpsCancelledTotal moved by %llu (5 sends)",
           after.IrpsCancelledTotal - before.IrpsCancelledTotal);
    EXPECT_STATUS(mh_configure_responder(h, FALSE, 0, 0), 0, "CONFIGURE_RESPONDER off");
    EXPECT(mh_wait_idle(h, 5000, c->why, sizeof(c->why)), "%s", c->why);
    after = stats_of(h);
    EXPECT(after.BatchReapsPending == 0, "%llu reaps still pending", after.BatchReapsPending);
    ok = TRUE;
done:
    mh_configure_responder(h, FALSE, 0, 0);
    if (doomed != INVALID_HANDLE_VALUE) CloseHandle(doomed);
    if (reaping) mh_async_free(&reap);
    CloseHandle(event);
    mh_batch_free(&b);
    return ok;
}

/* The records of a finished BATCH_SUBMIT_REAP: how many, and the first one's. */
static unsigned records_of(const mh_async *a, DWORD bytes, MH_BATCH_COMPLETION *first, unsigned char *first_output)
{
    const MH_BATCH_COMPLETION *r;
    unsigned n = 0;
    for (r = mh_batch_first(a->buffer, bytes); r != NULL; r = mh_batch_next(a->buffer, bytes, r)) {
        if (n++ == 0) {
            *first = *r;
            memcpy(first_output, r + 1, r->OutputSize < 16 ? r->OutputSize : 16);
        }
    }
    return n;
}

/* The first record of a reap's output whose padding (after its output, up to RecordSize) is not
   zero, or NULL: the padding must not show what the buffer held before (for METHOD_BUFFERED, the
   request's own input; on Windows, whatever the pool held). */
static const MH_BATCH_COMPLETION *dirty_padding(const unsigned char *out, DWORD bytes)
{
    const MH_BATCH_COMPLETION *r;
    for (r = mh_batch_first(out, bytes); r != NULL; r = mh_batch_next(out, bytes, r)) {
        const unsigned char *pad = (const unsigned char *)(r + 1) + r->OutputSize;
        const unsigned char *end = (const unsigned char *)r + r->RecordSize;
        for (; pad < end; pad++) {
            if (*pad != 0) return r;
        }
    }
    return NULL;
}

BOOL mh_check_batch_submit_reap(check_ctx *c)
{
    HANDLE h = c->h;
    HANDLE event = CreateEventW(NULL, TRUE, FALSE, NULL);
    MH_CONTEXT_INFO info = {0};
    MH_BATCH_COMPLETION first;
    unsigned char output[16], big[64], small[MH_BATCH_REAP_BUFFER_MIN + 8], stale[64];
    seen records[8];
    mh_async a;
    mh_batch b;
    MH_STATS before, after;
    unsigned strays = 0;
    DWORD got = 0;
    LONG status;
    BOOL ok = FALSE, issued = FALSE;

    memset(records, 0, sizeof(records));
    mh_batch_init(&b);
    EXPECT_STATUS(mh_create_context(h, &info), 0, "CreateContext");
    EXPECT_STATUS(mh_configure_responder(h, TRUE, 0x00000077, 0), 0, "CONFIGURE_RESPONDER");

    /* Refused before anything is applied: an output that cannot hold the largest record, an empty batch. */
    before = stats_of(h);
    mh_batch_add_send(&b, 1, info.ContextId, "short", 5, 5);
    mh_batch_submit_reap_issue(h, &b, &a, (DWORD)MH_BATCH_REAP_BUFFER_MIN - 1, NULL);
    status = a.issue_status;
    mh_async_free(&a);
    EXPECT_STATUS(status, MH_STATUS_BUFFER_TOO_SMALL, "BATCH_SUBMIT_REAP with an output one byte short");
    mh_batch_submit_reap_issue(h, &b, &a, REAP_SIZE, NULL);
    status = a.issue_status;
    mh_async_free(&a);
    EXPECT_STATUS(status, MH_STATUS_INVALID_PARAMETER, "BATCH_SUBMIT_REAP of an empty batch");
    after = stats_of(h);
    EXPECT(after.MessagesTotal == before.MessagesTotal && after.BatchSubmits == before.BatchSubmits &&
           after.BatchSubmitReaps == before.BatchSubmitReaps && after.BatchReapsPending == before.BatchReapsPending,
           "a refused BATCH_SUBMIT_REAP was applied (messages %llu -> %llu)", before.MessagesTotal, after.MessagesTotal);

    /* A lone send: its result comes back in its own IOCTL's output. */
    before = stats_of(h);
    mh_batch_add_send(&b, 2, info.ContextId, "lone!", 5, 8);
    issued = mh_batch_submit_reap_issue(h, &b, &a, REAP_SIZE, event);
    EXPECT(issued, "BATCH_SUBMIT_REAP of a lone send: 0x%08lX", (unsigned long)a.issue_status);
    status = mh_wait(h, &a, 5000, &got);
    EXPECT_STATUS(status, 0, "BATCH_SUBMIT_REAP of a lone send, finished");
    EXPECT(records_of(&a, got, &first, output) == 1 && first.Id == 2 && first.RequestStatus == 0 && first.Status == 0x77 &&
           first.OutputSize == 5 && memcmp(output, "lone!", 5) == 0,
           "its output: id %llu, request 0x%08lX, callback 0x%08lX, %lu bytes", first.Id,
           (unsigned long)first.RequestStatus, (unsigned long)first.Status, (unsigned long)first.OutputSize);
    mh_async_free(&a);
    issued = FALSE;
    after = stats_of(h);
    EXPECT(after.BatchSubmitReaps - before.BatchSubmitReaps == 1 && after.BatchSubmits - before.BatchSubmits == 1,
           "BatchSubmitReaps moved by %llu, BatchSubmits by %llu", after.BatchSubmitReaps - before.BatchSubmitReaps,
           after.BatchSubmits - before.BatchSubmits);
    /* The send, this reading: nothing else went to the driver. */
    EXPECT(after.IoctlsDispatched - before.IoctlsDispatched == 2, "%llu IOCTLs for a lone send and a reading",
           after.IoctlsDispatched - before.IoctlsDispatched);
    EXPECT(after.BatchReapsPending == before.BatchReapsPending, "a reap left pending");

    /* A record's padding is zeroed. The system buffer of a METHOD_BUFFERED IOCTL starts as a copy of
       its input, so a 13-byte answer written over a send's 64 bytes of 0xA5 would show three of them. */
    memset(stale, 0xA5, sizeof(stale));
    mh_batch_add_send(&b, 5, info.ContextId, stale, sizeof(stale), 13);
    issued = mh_batch_submit_reap_issue(h, &b, &a, REAP_SIZE, event);
    EXPECT(issued, "BATCH_SUBMIT_REAP of a 13-byte answer: 0x%08lX", (unsigned long)a.issue_status);
    status = mh_wait(h, &a, 5000, &got);
    EXPECT_STATUS(status, 0, "BATCH_SUBMIT_REAP of a 13-byte answer, finished");
    EXPECT(records_of(&a, got, &first, output) == 1 && first.Id == 5 && first.OutputSize == 13 &&
           first.RecordSize == MH_ALIGN8((ULONG)sizeof(first) + 13),
           "the 13-byte answer: id %llu, %lu bytes, record size %lu", first.Id, (unsigned long)first.OutputSize,
           (unsigned long)first.RecordSize);
    EXPECT(dirty_padding(a.buffer, got) == NULL, "a record's padding holds stale bytes, not zeros");
    mh_async_free(&a);
    issued = FALSE;

    /* A send the host refuses at once (no responder, no agent): the record is there before it could pend. */
    EXPECT_STATUS(mh_configure_responder(h, FALSE, 0, 0), 0, "CONFIGURE_RESPONDER off");
    mh_batch_add_send(&b, 3, info.ContextId, "x", 1, 1);
    issued = mh_batch_submit_reap_issue(h, &b, &a, REAP_SIZE, event);
    EXPECT(issued && a.issue_status != MH_STATUS_PENDING, "BATCH_SUBMIT_REAP with no host: 0x%08lX",
           (unsigned long)a.issue_status);
    status = mh_wait(h, &a, 5000, &got);
    EXPECT(status == 0 && records_of(&a, got, &first, output) == 1 && first.Id == 3 && first.RequestStatus == MH_STATUS_NO_HOST,
           "no host: 0x%08lX, record of id %llu with 0x%08lX", (unsigned long)status, first.Id,
           (unsigned long)first.RequestStatus);
    mh_async_free(&a);
    issued = FALSE;

    /* Cancelled while it waits: STATUS_CANCELLED, and its send's record goes to the next reap. */
    EXPECT_STATUS(mh_configure_responder(h, TRUE, 0x00000077, 300), 0, "CONFIGURE_RESPONDER delay 300 ms");
    before = stats_of(h);
    mh_batch_add_send(&b, 4, info.ContextId, "late", 4, 4);
    issued = mh_batch_submit_reap_issue(h, &b, &a, REAP_SIZE, event);
    EXPECT(issued && mh_wait(h, &a, 50, NULL) == MH_STATUS_PENDING, "BATCH_SUBMIT_REAP of a delayed send did not pend");
    CancelIoEx(h, &a.ov);
    status = mh_wait(h, &a, 5000, &got);
    EXPECT_STATUS(status, MH_STATUS_CANCELLED, "a cancelled BATCH_SUBMIT_REAP");
    mh_async_free(&a);
    issued = FALSE;
    EXPECT(reap_until(h, 1, 5000, records, 8, &strays) == 1 && records[4].times == 1 &&
           records[4].record.RequestStatus == 0 && records[4].record.Status == 0x77,
           "the send's record did not reach the next reap (%u records, request 0x%08lX)", records[4].times,
           (unsigned long)records[4].record.RequestStatus);
    after = wait_callbacks(h, &before, 1, 5000);
    EXPECT(after.CallbacksRun - before.CallbacksRun == 1, "the miniport's callback ran %llu times",
           after.CallbacksRun - before.CallbacksRun);

    /* A reap too small for the oldest record: a header saying what that record needs, and the
       record stays for a reap that large. */
    EXPECT_STATUS(mh_configure_responder(h, TRUE, 0x00000077, 0), 0, "CONFIGURE_RESPONDER");
    memset(big, 0x3C, sizeof(big));
    before = stats_of(h);
    mh_batch_add_send(&b, 6, info.ContextId, big, sizeof(big), sizeof(big));
    EXPECT_STATUS(mh_batch_submit(h, &b), 0, "BATCH_SUBMIT of a send answered with 64 bytes");
    after = wait_callbacks(h, &before, 1, 5000);
    {
        MH_BATCH_HEADER header;
        DWORD need = (DWORD)sizeof(MH_BATCH_HEADER) + MH_ALIGN8((DWORD)sizeof(MH_BATCH_COMPLETION) + (DWORD)sizeof(big));
        EXPECT_STATUS(mh_ioctl(h, IOCTL_MH_BATCH_REAP, NULL, 0, small, sizeof(small), &got), 0,
                      "BATCH_REAP too small for the oldest record");
        memcpy(&header, small, sizeof(header));
        EXPECT(got == sizeof(header) && header.Count == 0 && header.BytesUsed == need,
               "the small reap: %lu bytes, Count %lu, BytesUsed %lu (the record needs %lu)", (unsigned long)got,
               (unsigned long)header.Count, (unsigned long)header.BytesUsed, (unsigned long)need);
        EXPECT(stats_of(h).BatchReapsTooSmall - before.BatchReapsTooSmall == 1, "BatchReapsTooSmall did not move");
    }
    memset(records, 0, sizeof(records));
    EXPECT(reap_until(h, 1, 5000, records, 8, &strays) == 1 && records[6].times == 1 && records[6].record.OutputSize == sizeof(big) &&
           memcmp(records[6].output, big, sizeof(big)) == 0,
           "the record did not reach the larger reap whole (%u records, %lu bytes)", records[6].times,
           (unsigned long)records[6].record.OutputSize);
    if (!finish(c, &info)) goto done;   /* c->why says why */
    ok = TRUE;
done:
    if (issued) {
        CancelIoEx(h, &a.ov);
        mh_wait(h, &a, INFINITE, NULL);
        mh_async_free(&a);
    }
    mh_configure_responder(h, FALSE, 0, 0);
    if (info.ContextId) mh_destroy_context(h, info.ContextId);
    CloseHandle(event);
    mh_batch_free(&b);
    return ok;
}

/* The in-flight limit, at its edge. The sends wait for an agent (a second handle) that never
   receives them, so nothing answers them while the handle fills, however slow the machine; the
   agent's handle going drops them, and their callbacks run at once. */
BOOL mh_check_batch_in_flight_limit(check_ctx *c)
{
    HANDLE h = c->h;
    HANDLE agent = mh_open();
    seen *records = (seen *)calloc(MH_MAX_BATCH_IN_FLIGHT + 2, sizeof(seen));   /* by id, 1 to the limit + 1 */
    MH_CONTEXT_INFO info = {0};
    mh_batch b;
    MH_STATS before, full, after;
    ULONG64 id = 1, cancelled = 0, others = 0;
    unsigned i, strays = 0;
    BOOL ok = FALSE;

    mh_batch_init(&b);
    EXPECT(records != NULL, "no memory for the records");
    EXPECT(agent != INVALID_HANDLE_VALUE, "a second handle does not open");
    EXPECT_STATUS(mh_agent_attach(agent, 0), 0, "AGENT_ATTACH (a second handle, which never receives)");
    EXPECT_STATUS(mh_create_context(h, &info), 0, "CreateContext");
    before = stats_of(h);
    while (id <= MH_MAX_BATCH_IN_FLIGHT) {
        for (i = 0; i < MH_MAX_BATCH_ENTRIES && id <= MH_MAX_BATCH_IN_FLIGHT; i++, id++) {
            mh_batch_add_send(&b, id, info.ContextId, "x", 1, 0);
        }
        EXPECT_STATUS(mh_batch_submit(h, &b), 0, "a BATCH_SUBMIT filling the handle");
    }
    full = stats_of(h);
    EXPECT(full.IrpsPending - before.IrpsPending == MH_MAX_BATCH_IN_FLIGHT && full.CallbacksRun == before.CallbacksRun,
           "filling the handle: %lld sends pending, %llu callbacks ran", (long long)(full.IrpsPending - before.IrpsPending),
           full.CallbacksRun - before.CallbacksRun);

    /* One send more refuses its batch whole: not the cancel before it either. */
    mh_batch_add_cancel(&b, 999999999, FALSE);
    mh_batch_add_send(&b, id, info.ContextId, "x", 1, 0);
    EXPECT_STATUS(mh_batch_submit(h, &b), MH_STATUS_BATCH_FULL, "a send past MH_MAX_BATCH_IN_FLIGHT");
    after = stats_of(h);
    EXPECT(after.MessagesTotal == full.MessagesTotal && after.IrpsPending == full.IrpsPending &&
           after.BatchCancelRecords == full.BatchCancelRecords && after.BatchSubmits == full.BatchSubmits,
           "a refused batch past the limit was applied in part (messages %llu -> %llu)", full.MessagesTotal,
           after.MessagesTotal);

    /* Cancelled, each send completes once as cancelled; its message stays the agent's. */
    mh_batch_add_cancel(&b, 0, TRUE);
    EXPECT_STATUS(mh_batch_submit(h, &b), 0, "BATCH_SUBMIT of a cancel of all");
    reap_until(h, MH_MAX_BATCH_IN_FLIGHT, 30000, records, MH_MAX_BATCH_IN_FLIGHT + 1, &strays);
    for (i = 1; i <= MH_MAX_BATCH_IN_FLIGHT; i++) {
        if (records[i].times == 1 && records[i].record.RequestStatus == MH_STATUS_CANCELLED) cancelled++;
        else if (records[i].times != 0) others++;
    }
    others += strays + (records[0].times != 0);
    EXPECT(cancelled == MH_MAX_BATCH_IN_FLIGHT && others == 0, "cancel-all: %llu records cancelled, %llu others",
           cancelled, others);
    /* The agent goes: its messages are dropped, every callback runs once. */
    CloseHandle(agent);
    agent = INVALID_HANDLE_VALUE;
    after = wait_callbacks(h, &before, MH_MAX_BATCH_IN_FLIGHT, 30000);
    EXPECT(after.CallbacksRun - before.CallbacksRun == MH_MAX_BATCH_IN_FLIGHT, "the miniport's callbacks ran %llu times",
           after.CallbacksRun - before.CallbacksRun);

    /* The handle takes sends again (with no agent and no responder, the host refuses it: a record). */
    mh_batch_add_send(&b, id, info.ContextId, "y", 1, 1);
    EXPECT_STATUS(mh_batch_submit(h, &b), 0, "a send once the handle is empty again");
    EXPECT(reap_until(h, 1, 5000, records, MH_MAX_BATCH_IN_FLIGHT + 2, &strays) == 1 && records[id].times == 1 &&
           records[id].record.RequestStatus == MH_STATUS_NO_HOST, "the send after the limit: %u records, 0x%08lX",
           records[id].times, (unsigned long)records[id].record.RequestStatus);
    if (!finish(c, &info)) goto done;   /* c->why says why */
    ok = TRUE;
done:
    if (agent != INVALID_HANDLE_VALUE) CloseHandle(agent);
    if (info.ContextId) mh_destroy_context(h, info.ContextId);
    mh_batch_free(&b);
    free(records);
    return ok;
}

/*
 * mh_batch_io.c - see mh_batch_io.h.
 */
#include "mh_batch_io.h"
#include <stdlib.h>
#include <string.h>

static void reserve(mh_batch *b, DWORD more)
{
    if (b->used + more > b->size) {
        DWORD size = b->size ? b->size : 4096;
        while (size < b->used + more) size *= 2;
        b->buffer = (unsigned char *)realloc(b->buffer, size);
        memset(b->buffer + b->size, 0, size - b->size);
        b->size = size;
    }
}

void mh_batch_init(mh_batch *b)
{
    memset(b, 0, sizeof(*b));
    reserve(b, sizeof(MH_BATCH_HEADER));
    b->used = sizeof(MH_BATCH_HEADER);
}

/* A send or an IoControl: the record header, then its input, padded to 8. */
static void add_request(mh_batch *b, ULONG kind, ULONG flags, ULONG64 id, ULONG64 context_id, const void *input,
                        DWORD input_len, DWORD output_size)
{
    MH_BATCH_ENTRY entry;
    memset(&entry, 0, sizeof(entry));
    entry.Id = id;
    entry.ContextId = context_id;
    entry.Kind = kind;
    entry.Flags = flags;
    entry.InputSize = input_len;
    entry.OutputSize = output_size;
    entry.RecordSize = MH_ALIGN8((ULONG)sizeof(entry) + input_len);
    reserve(b, entry.RecordSize);
    memcpy(b->buffer + b->used, &entry, sizeof(entry));
    if (input_len) memcpy(b->buffer + b->used + sizeof(entry), input, input_len);
    memset(b->buffer + b->used + sizeof(entry) + input_len, 0, entry.RecordSize - sizeof(entry) - input_len);
    b->used += entry.RecordSize;
    b->count++;
}

void mh_batch_add_send(mh_batch *b, ULONG64 id, ULONG64 context_id, const void *input, DWORD input_len,
                       DWORD output_size)
{
    add_request(b, MH_BATCH_SEND_MESSAGE, 0, id, context_id, input, input_len, output_size);
}

void mh_batch_add_io_control(mh_batch *b, ULONG64 id, ULONG64 context_id, ULONG flags, const void *input,
                             DWORD input_len, DWORD output_size)
{
    add_request(b, MH_BATCH_IO_CONTROL, flags, id, context_id, input, input_len, output_size);
}

void mh_batch_add_cancel(mh_batch *b, ULONG64 id, BOOL all)
{
    MH_BATCH_ENTRY entry;
    memset(&entry, 0, sizeof(entry));
    entry.Id = id;
    entry.Kind = MH_BATCH_CANCEL;
    entry.Flags = all ? MH_BATCH_CANCEL_ALL : 0;
    entry.RecordSize = sizeof(entry);
    reserve(b, entry.RecordSize);
    memcpy(b->buffer + b->used, &entry, sizeof(entry));
    b->used += entry.RecordSize;
    b->count++;
}

/* Fills the header in; returns the batch's length. */
static DWORD seal(mh_batch *b)
{
    MH_BATCH_HEADER header;
    header.Count = b->count;
    header.BytesUsed = b->used;
    memcpy(b->buffer, &header, sizeof(header));
    return b->used;
}

static void empty(mh_batch *b)
{
    b->used = sizeof(MH_BATCH_HEADER);
    b->count = 0;
}

LONG mh_batch_submit(HANDLE h, mh_batch *b)
{
    DWORD got = 0;
    LONG status = mh_ioctl(h, IOCTL_MH_BATCH_SUBMIT, b->buffer, seal(b), NULL, 0, &got);
    empty(b);
    return status;
}

BOOL mh_batch_submit_reap_issue(HANDLE h, mh_batch *b, mh_async *a, DWORD out_size, HANDLE event)
{
    BOOL issued = mh_issue(h, a, IOCTL_MH_BATCH_SUBMIT_REAP, b->buffer, seal(b), out_size, event);
    empty(b);
    return issued;
}

void mh_batch_free(mh_batch *b)
{
    free(b->buffer);
    memset(b, 0, sizeof(*b));
}

LONG mh_batch_reap(HANDLE h, unsigned char *out, DWORD out_size, DWORD timeout_ms, DWORD *bytes)
{
    HANDLE event = CreateEventW(NULL, TRUE, FALSE, NULL);
    mh_async a;
    DWORD got = 0;
    LONG status;

    *bytes = 0;
    mh_issue(h, &a, IOCTL_MH_BATCH_REAP, NULL, 0, out_size, event);
    status = mh_wait(h, &a, timeout_ms, &got);
    if (status == MH_STATUS_PENDING) {
        CancelIoEx(h, &a.ov);
        mh_wait(h, &a, INFINITE, &got);
        /* Cancelled, or it raced in with records: those are kept. */
        status = (LONG)a.ov.Internal == MH_STATUS_CANCELLED ? MH_STATUS_PENDING : (LONG)a.ov.Internal;
    }
    if (NT_SUCCESS(status) && status != MH_STATUS_PENDING) {
        memcpy(out, a.buffer, got < out_size ? got : out_size);
        *bytes = got;
    }
    mh_async_free(&a);
    CloseHandle(event);
    return status;
}

static const MH_BATCH_COMPLETION *record_at(const unsigned char *out, DWORD bytes, DWORD offset)
{
    const MH_BATCH_HEADER *header = (const MH_BATCH_HEADER *)out;
    const MH_BATCH_COMPLETION *record;
    DWORD end = header->BytesUsed < bytes ? header->BytesUsed : bytes;

    if (offset >= end || end - offset < sizeof(MH_BATCH_COMPLETION)) return NULL;
    record = (const MH_BATCH_COMPLETION *)(out + offset);
    if (record->RecordSize < sizeof(*record) + record->OutputSize || record->RecordSize > end - offset) return NULL;
    return record;
}

const MH_BATCH_COMPLETION *mh_batch_first(const unsigned char *out, DWORD bytes)
{
    if (bytes < sizeof(MH_BATCH_HEADER) || ((const MH_BATCH_HEADER *)out)->Count == 0) return NULL;
    return record_at(out, bytes, sizeof(MH_BATCH_HEADER));
}

const MH_BATCH_COMPLETION *mh_batch_next(const unsigned char *out, DWORD bytes, const MH_BATCH_COMPLETION *record)
{
    return record_at(out, bytes, (DWORD)((const unsigned char *)record - out) + record->RecordSize);
}

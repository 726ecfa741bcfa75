/*
 * mh_fuzz.c - mhclient fuzz: a seeded raw-IOCTL fuzz of the control device.
 *
 *   mhclient fuzz [--seed N] [--ioctls N] [--threads N] [--seconds N]
 *
 * Each thread owns FUZZ_HANDLES handles and keeps up to FUZZ_DEPTH IOCTLs in flight on them. A
 * request is one of:
 *   - a code of MH_IOCTL_LIST (so an IOCTL added to the contract header is fuzzed with no change
 *     here): a valid request built from the contract's structures, as is or with fields mutated to
 *     boundary values (wrong counts, sizes, offsets, ids), or plain random bytes; batches also get
 *     structure-aware flaws (build_batch: counts, record sizes, BytesUsed, duplicate ids, kinds, IoControl flags),
 *     and their small ids meet the same ids in flight and on the thread's other handle;
 *   - a code of this device type with a random function, method and access;
 *   - a random 32-bit code (any device type).
 * In and out lengths run from 0 to 64 KiB (plus a header's room). Between requests the thread
 * cancels one in flight (CancelIoEx) or closes a handle with its IOCTLs pending and reopens it.
 * Ids the driver hands out (contexts, messages) are remembered and fed back in, so requests reach
 * past the first validation.
 *
 * Afterwards every request must have completed exactly once (an IOCTL refused at issue gets no
 * completion; every other one gets one), the service must still be RUNNING, a new handle must
 * work (GET_INFO, ECHO, QUERY_CAPS), the host must count the one contract violation the fuzz
 * plants at the end (planted_violation), and the driver's stats must show nothing outstanding
 * beyond the open handles' own state. Prints one JSON line; exits 0 only when all of that holds.
 *
 * Replay: a seed fixes each thread's stream of requests; how the threads interleave, and so what
 * the driver answers, is the scheduler's.
 */
#include "mh_device_io.h"
#include "mh_stress.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_THREADS_MAX 16
#define FUZZ_HANDLES 2                       /* per thread */
#define FUZZ_DEPTH 16                        /* IOCTLs in flight per thread */
#define FUZZ_MAX_LEN (64u * 1024u + 64u)     /* 64 KiB and room for a header, to reach the limits exactly */
#define FUZZ_SETTLE_MS 15000                 /* a cancelled or closed IOCTL must complete within this */
#define FUZZ_IDLE_MS 65000                   /* longer than any delay a valid request can arm (60 s) */
#define FUZZ_STATUSES_MAX 48
#define FUZZ_KNOWN_IDS 8

#define FUZZ_CODE_ENTRY(name) { IOCTL_MH_##name, #name },
static const struct fuzz_code {
    DWORD code;
    const char *name;
} contract_codes[] = { MH_IOCTL_LIST(FUZZ_CODE_ENTRY) };
#define CONTRACT_CODE_COUNT (sizeof(contract_codes) / sizeof(contract_codes[0]))

typedef struct fuzz_status_count {
    LONG status;
    ULONG64 count;
} fuzz_status_count;

typedef struct fuzz_counts {
    ULONG64 issued;            /* IOCTLs sent */
    ULONG64 failed_at_once;    /* refused at issue: no completion follows */
    ULONG64 completions;       /* completions reaped */
    ULONG64 succeeded;         /* of all, those with a success status */
    ULONG64 cancels;           /* CancelIoEx calls on an IOCTL in flight */
    ULONG64 closes;            /* handles closed with IOCTLs in flight */
    ULONG64 closed_in_flight;  /* IOCTLs in flight at those closes */
    ULONG64 lost;              /* IOCTLs that never completed */
    ULONG64 foreign;           /* codes outside the contract */
    ULONG64 mutated;           /* valid requests with fields mutated */
    ULONG64 by_code[CONTRACT_CODE_COUNT];
    fuzz_status_count statuses[FUZZ_STATUSES_MAX];
    unsigned status_kinds;
    ULONG64 statuses_other;    /* past FUZZ_STATUSES_MAX distinct values */
} fuzz_counts;

typedef struct fuzz_slot {
    mh_async a;
    HANDLE event;
    int handle;                /* index into fuzz_thread.handles */
    BOOL busy;
} fuzz_slot;

typedef struct fuzz_thread {
    unsigned index;
    mh_rng rng;
    ULONG64 budget;
    DWORD deadline;            /* GetTickCount() value past which the thread stops */
    HANDLE handles[FUZZ_HANDLES];
    fuzz_slot slots[FUZZ_DEPTH];
    unsigned next_victim;      /* the slot cancelled when all are busy */
    ULONG64 contexts[FUZZ_KNOWN_IDS];
    ULONG64 messages[FUZZ_KNOWN_IDS];
    unsigned context_count, message_count;
    unsigned char *scratch;    /* FUZZ_MAX_LEN: the request being built */
    fuzz_counts n;
} fuzz_thread;

/* ------------------------------------------------------------------ counting */

static void count_status(fuzz_counts *n, LONG status)
{
    unsigned i;
    if (NT_SUCCESS(status)) n->succeeded++;
    for (i = 0; i < n->status_kinds; i++) {
        if (n->statuses[i].status == status) {
            n->statuses[i].count++;
            return;
        }
    }
    if (n->status_kinds < FUZZ_STATUSES_MAX) {
        n->statuses[n->status_kinds].status = status;
        n->statuses[n->status_kinds].count = 1;
        n->status_kinds++;
    } else {
        n->statuses_other++;
    }
}

static void merge_counts(fuzz_counts *total, const fuzz_counts *n)
{
    unsigned i;
    ULONG64 k;
    total->issued += n->issued;
    total->failed_at_once += n->failed_at_once;
    total->completions += n->completions;
    total->cancels += n->cancels;
    total->closes += n->closes;
    total->closed_in_flight += n->closed_in_flight;
    total->lost += n->lost;
    total->foreign += n->foreign;
    total->mutated += n->mutated;
    total->statuses_other += n->statuses_other;
    for (i = 0; i < CONTRACT_CODE_COUNT; i++) total->by_code[i] += n->by_code[i];
    for (i = 0; i < n->status_kinds; i++) {
        /* count_status also counts successes: add them one by one into the merged table. */
        for (k = 0; k < n->statuses[i].count; k++) count_status(total, n->statuses[i].status);
    }
}

static void remember(ULONG64 *ids, unsigned *count, ULONG64 id)
{
    ids[*count % FUZZ_KNOWN_IDS] = id;
    (*count)++;
}

static ULONG64 known_id(fuzz_thread *t, const ULONG64 *ids, unsigned count)
{
    ULONG64 id;
    if (count == 0 || mh_rng_below(&t->rng, 8) == 0) return mh_rng_below(&t->rng, 4) == 0 ? mh_rng_next(&t->rng) : mh_rng_below(&t->rng, 64);
    id = ids[mh_rng_below(&t->rng, count < FUZZ_KNOWN_IDS ? count : FUZZ_KNOWN_IDS)];
    switch (mh_rng_below(&t->rng, 8)) {     /* a neighbour of a live id now and then */
    case 0: return id + 1;
    case 1: return id - 1;
    default: return id;
    }
}

/* ------------------------------------------------------------------ building requests */

/* Boundary values for mutated fields. No value between 1000 and 60000: a valid delay that long
   would only make the run wait. */
static ULONG interesting(fuzz_thread *t, DWORD in_len, DWORD out_len)
{
    static const ULONG values[] = {
        0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 23, 24, 25, 31, 32, 33, 255, 256, 257, 4095, 4096, 4097,
        MH_MAX_MESSAGE_BYTES - 1, MH_MAX_MESSAGE_BYTES, MH_MAX_MESSAGE_BYTES + 1,
        MH_MAX_REPLY_BATCH_BYTES - 1, MH_MAX_REPLY_BATCH_BYTES, MH_MAX_REPLY_BATCH_BYTES + 1,
        MH_MAX_TARGETS, MH_MAX_TARGETS + 1, MH_FAULT_KIND_LIMIT, MH_FAULT_KIND_LIMIT - 1,
        0x7FFFFFFFu, 0x80000000u, 0xFFFFFFFEu, 0xFFFFFFFFu,
    };
    switch (mh_rng_below(&t->rng, 6)) {
    case 0: return in_len - mh_rng_below(&t->rng, 32);
    case 1: return out_len + mh_rng_below(&t->rng, 16) - 8;
    default: return values[mh_rng_below(&t->rng, sizeof(values) / sizeof(values[0]))];
    }
}

static DWORD random_length(fuzz_thread *t, DWORD typical)
{
    DWORD n;
    switch (mh_rng_below(&t->rng, 10)) {
    case 0: n = 0; break;
    case 1: n = mh_rng_below(&t->rng, 64); break;
    case 2: n = mh_rng_below(&t->rng, 4096); break;
    case 3: n = mh_rng_below(&t->rng, FUZZ_MAX_LEN + 1); break;
    case 4: n = 65536 - 1 + mh_rng_below(&t->rng, 3); break;
    case 5: n = typical + mh_rng_below(&t->rng, 17) - 8; break;
    default: n = typical; break;
    }
    return (LONG)n < 0 ? 0 : (n > FUZZ_MAX_LEN ? FUZZ_MAX_LEN : n);
}

static void random_bytes(fuzz_thread *t, unsigned char *p, DWORD n)
{
    DWORD i = 0;
    while (i < n) {
        ULONG64 r = mh_rng_next(&t->rng);
        DWORD k;
        for (k = 0; k < 8 && i < n; k++, i++) p[i] = (unsigned char)(r >> (8 * k));
    }
}

/* A small payload size, now and then one at or near the 64 KiB limit. */
static DWORD payload_size(fuzz_thread *t)
{
    switch (mh_rng_below(&t->rng, 16)) {
    case 0: return MH_MAX_MESSAGE_BYTES - 1 + mh_rng_below(&t->rng, 3);
    case 1: return mh_rng_below(&t->rng, 4096);
    default: return mh_rng_below(&t->rng, 64);
    }
}

/*
 * A BATCH_SUBMIT: 1-8 sends, IoControls and cancels with small ids (so ids repeat in flight on a
 * handle, and the same ids live on the thread's other handle), valid as laid out, or with one
 * structural flaw the driver must refuse whole: a count off by one, a record size off or
 * misaligned, BytesUsed not the length, a duplicate id, an unknown kind, an IoControl's unknown
 * flag. IoControls carry the test miniport's harmless commands (echo, read state, an unknown one)
 * on contexts of either handle (another handle's refuses the batch), and sizes up to past the
 * limit. mutate() may then break it further.
 */
static void fill_io_control(fuzz_thread *t, MH_BATCH_ENTRY *e, DWORD data_size)
{
    static const ULONG commands[] = { MP_CMD_ECHO, MP_CMD_READ_STATE, 0x7777 };
    mh_rng *r = &t->rng;
    MP_IOCTL_HEADER cmd;

    memset(&cmd, 0, sizeof(cmd));
    cmd.Command = commands[mh_rng_below(r, 3)];
    e->Flags = mh_rng_below(r, 4) == 0 ? MH_IO_CONTROL_HARDWARE_ACCESS : 0;
    e->InputSize = (DWORD)sizeof(cmd) + data_size;
    memcpy(e + 1, &cmd, sizeof(cmd));
    random_bytes(t, (unsigned char *)(e + 1) + sizeof(cmd), data_size);
}

static void build_batch(fuzz_thread *t, unsigned char *in, DWORD *in_len)
{
    mh_rng *r = &t->rng;
    MH_BATCH_HEADER *header = (MH_BATCH_HEADER *)in;
    unsigned char *p = in + sizeof(*header);
    ULONG count = 1 + mh_rng_below(r, 8), i;
    MH_BATCH_ENTRY *first = (MH_BATCH_ENTRY *)p, *last = first;

    for (i = 0; i < count; i++) {
        MH_BATCH_ENTRY *e = (MH_BATCH_ENTRY *)p;
        static const ULONG kinds[] = { MH_BATCH_SEND_MESSAGE, MH_BATCH_SEND_MESSAGE, MH_BATCH_IO_CONTROL, MH_BATCH_CANCEL };
        memset(e, 0, sizeof(*e));
        e->Id = 1 + mh_rng_below(r, 24);
        e->Kind = kinds[mh_rng_below(r, 4)];
        if (e->Kind == MH_BATCH_SEND_MESSAGE) {
            e->ContextId = known_id(t, t->contexts, t->context_count);
            /* A big input only alone in its batch: the batch must fit the scratch buffer. */
            e->InputSize = (count == 1 && mh_rng_below(r, 8) == 0) ? payload_size(t) : mh_rng_below(r, 64);
            e->OutputSize = mh_rng_below(r, 4) ? mh_rng_below(r, 64) : payload_size(t);
            random_bytes(t, (unsigned char *)(e + 1), e->InputSize);
        } else if (e->Kind == MH_BATCH_IO_CONTROL) {
            e->ContextId = known_id(t, t->contexts, t->context_count);
            /* Up to the limit (and one past it) only alone in its batch, as for a send. */
            fill_io_control(t, e, (count == 1 && mh_rng_below(r, 8) == 0)
                                      ? MH_MAX_IO_CONTROL_BYTES - (DWORD)sizeof(MP_IOCTL_HEADER) - 1 + mh_rng_below(r, 3)
                                      : mh_rng_below(r, 48));
            e->OutputSize = mh_rng_below(r, 4) ? mh_rng_below(r, 512) : payload_size(t);
        } else {
            e->Flags = mh_rng_below(r, 6) == 0 ? MH_BATCH_CANCEL_ALL : 0;
        }
        e->RecordSize = MH_ALIGN8((ULONG)sizeof(*e) + e->InputSize);
        memset((unsigned char *)(e + 1) + e->InputSize, 0, e->RecordSize - sizeof(*e) - e->InputSize);
        last = e;
        p += e->RecordSize;
    }
    header->Count = count;
    header->BytesUsed = (ULONG)(p - in);
    *in_len = header->BytesUsed;
    switch (mh_rng_below(r, 13)) {
    case 0: header->Count += mh_rng_below(r, 2) ? 1 : (ULONG)-1; break;
    case 1: last->RecordSize += mh_rng_below(r, 2) ? 8 : 1; break;
    case 2: first->RecordSize -= 8; break;
    case 3: header->BytesUsed += mh_rng_below(r, 2) ? 8 : (ULONG)-8; break;
    case 4: last->Id = first->Id; last->Kind = MH_BATCH_SEND_MESSAGE; break;   /* a duplicate, if first is a send */
    case 5: last->Kind = MH_BATCH_IO_CONTROL + 1 + mh_rng_below(r, 4); break; /* past the last kind */
    case 6: if (last->Kind == MH_BATCH_IO_CONTROL) last->Flags |= 0x2; break;   /* an unknown IoControl flag */
    default: break;                                                          /* valid */
    }
}

/* A valid request for a contract code (valid as far as its layout goes: ids may be stale). Sets
   the lengths; a code this file has no layout for gets random bytes. */
/* A reap's output: room for every record, a small one (records that do not fit get the
   header-only answer), or around the minimum. */
static DWORD reap_length(mh_rng *r)
{
    switch (mh_rng_below(r, 4)) {
    case 0: return (DWORD)MH_BATCH_REAP_BUFFER_ALL + mh_rng_below(r, 4096);
    case 1: return mh_rng_below(r, (DWORD)MH_BATCH_REAP_BUFFER_MIN + 64);
    default: return (DWORD)MH_BATCH_REAP_BUFFER_MIN + mh_rng_below(r, 4096);
    }
}

static void build_valid(fuzz_thread *t, DWORD code, unsigned char *in, DWORD *in_len, DWORD *out_len)
{
    mh_rng *r = &t->rng;

    *in_len = 0;
    *out_len = 0;
    switch (code) {
    case IOCTL_MH_GET_INFO: *out_len = sizeof(MH_INFO); break;
    case IOCTL_MH_GET_STATS: *out_len = sizeof(MH_STATS); break;
    case IOCTL_MH_CREATE_CONTEXT: *out_len = sizeof(MH_CONTEXT_INFO); break;
    case IOCTL_MH_AGENT_DETACH:
    case IOCTL_MH_RESET_FAULTS: break;
    case IOCTL_MH_ECHO:
        *in_len = *out_len = payload_size(t);
        random_bytes(t, in, *in_len);
        break;
    case IOCTL_MH_QUERY_CAPS: {
        MH_QUERY_CAPS_IN *q = (MH_QUERY_CAPS_IN *)in;
        q->CapsSize = mh_rng_below(r, 4) ? sizeof(MH_QUERY_CAPS_OUT) : mh_rng_below(r, 64);
        q->Reserved = 0;
        *in_len = sizeof(*q);
        *out_len = sizeof(MH_QUERY_CAPS_OUT);
        break;
    }
    case IOCTL_MH_DESTROY_CONTEXT:
        ((MH_CONTEXT_REF *)in)->ContextId = known_id(t, t->contexts, t->context_count);
        *in_len = sizeof(MH_CONTEXT_REF);
        break;
    case IOCTL_MH_IO_CONTROL: {
        MH_IO_CONTROL_IN *h = (MH_IO_CONTROL_IN *)in;
        MP_IOCTL_HEADER *cmd = (MP_IOCTL_HEADER *)(h + 1);
        DWORD data = mh_rng_below(r, 4) ? mh_rng_below(r, 64) : payload_size(t) - sizeof(*cmd);
        if ((LONG)data < 0) data = 0;
        h->ContextId = known_id(t, t->contexts, t->context_count);
        h->Flags = mh_rng_below(r, 2);
        h->InputSize = (ULONG)(sizeof(*cmd) + data);
        h->OutputSize = mh_rng_below(r, 4) ? mh_rng_below(r, 256) : payload_size(t);
        h->Reserved = 0;
        cmd->Command = 1 + mh_rng_below(r, 8);
        /* Small arguments: a long HOLD or a big SEND_MESSAGES would only slow the run down. */
        cmd->Arg0 = mh_rng_below(r, cmd->Command == MP_CMD_SEND_MESSAGES ? 4 : 3);
        cmd->Arg1 = mh_rng_below(r, 32);
        cmd->Arg2 = mh_rng_below(r, 64);
        random_bytes(t, (unsigned char *)(cmd + 1), data);
        *in_len = (DWORD)sizeof(*h) + h->InputSize;
        *out_len = (DWORD)sizeof(MH_IO_CONTROL_OUT) + h->OutputSize;
        break;
    }
    case IOCTL_MH_SEND_MESSAGE: {
        MH_SEND_MESSAGE_IN *h = (MH_SEND_MESSAGE_IN *)in;
        h->ContextId = known_id(t, t->contexts, t->context_count);
        h->InputSize = payload_size(t);
        h->OutputSize = mh_rng_below(r, 4) ? mh_rng_below(r, 64) : payload_size(t);
        random_bytes(t, (unsigned char *)(h + 1), h->InputSize);
        *in_len = (DWORD)sizeof(*h) + h->InputSize;
        *out_len = (DWORD)sizeof(MH_SEND_MESSAGE_OUT) + h->OutputSize;
        break;
    }
    case IOCTL_MH_AGENT_ATTACH: {
        MH_AGENT_ATTACH_IN *a = (MH_AGENT_ATTACH_IN *)in;
        a->Flags = mh_rng_below(r, 2);
        a->Reserved = 0;
        *in_len = sizeof(*a);
        break;
    }
    case IOCTL_MH_AGENT_RECEIVE:
        *out_len = mh_rng_below(r, 4) ? MH_RECEIVE_BUFFER_MIN : mh_rng_below(r, MH_RECEIVE_BUFFER_MIN + 64);
        break;
    case IOCTL_MH_AGENT_REPLY: {
        MH_REPLY_HEADER *h = (MH_REPLY_HEADER *)in;
        unsigned char *p = (unsigned char *)(h + 1);
        ULONG count = 1 + mh_rng_below(r, 4), i;
        h->Count = count;
        h->Reserved = 0;
        for (i = 0; i < count; i++) {
            MH_AGENT_REPLY *rec = (MH_AGENT_REPLY *)p;
            ULONG out = mh_rng_below(r, 4) ? mh_rng_below(r, 32) : mh_rng_below(r, 4096);
            rec->MessageId = known_id(t, t->messages, t->message_count);
            rec->Status = mh_rng_below(r, 2) ? 0 : (LONG)(0xC0000000u | mh_rng_below(r, 0x1000));
            rec->OutputSize = out;
            rec->RecordSize = MH_ALIGN8((ULONG)sizeof(*rec) + out);
            rec->Reserved = 0;
            random_bytes(t, (unsigned char *)(rec + 1), out);
            p += rec->RecordSize;
        }
        *in_len = (DWORD)(p - in);
        *out_len = count * (DWORD)sizeof(LONG);
        break;
    }
    case IOCTL_MH_SESSION: {
        MH_SESSION_IN *s = (MH_SESSION_IN *)in;
        s->ContextId = known_id(t, t->contexts, t->context_count);
        s->Action = 1 + mh_rng_below(r, 2);
        s->Reserved = 0;
        *in_len = sizeof(*s);
        break;
    }
    case IOCTL_MH_CONFIGURE_RESPONDER: {
        MH_RESPONDER_CONFIG *c = (MH_RESPONDER_CONFIG *)in;
        c->Enabled = mh_rng_below(r, 2);
        c->Status = mh_rng_below(r, 2) ? 0 : (LONG)(0xC0000000u | mh_rng_below(r, 0x1000));
        c->DelayMs = mh_rng_below(r, 3);
        c->Reserved = 0;
        *in_len = sizeof(*c);
        break;
    }
    case IOCTL_MH_SET_FAULT: {
        MH_FAULT *f = (MH_FAULT *)in;
        f->Kind = mh_rng_below(r, MH_FAULT_KIND_LIMIT + 1);
        f->Count = mh_rng_below(r, 4);
        f->DurationMs = mh_rng_below(r, 4) ? 1 + mh_rng_below(r, 200) : 0;
        f->Status = (LONG)(0xC0000000u | mh_rng_below(r, 0x300));
        f->Param = (f->Kind == MH_FAULT_CALLBACK_CONCURRENT || f->Kind == MH_FAULT_CALLBACK_REVERSE)
                       ? 2 + mh_rng_below(r, 3)
                       : mh_rng_below(r, 3);
        f->Reserved = 0;
        *in_len = sizeof(*f);
        break;
    }
    case IOCTL_MH_READ_TRACE: {
        MH_TRACE_READ_IN *q = (MH_TRACE_READ_IN *)in;
        q->StartSequence = mh_rng_below(r, 2) ? 0 : mh_rng_next(r) >> mh_rng_below(r, 64);
        *in_len = sizeof(*q);
        *out_len = (DWORD)sizeof(MH_TRACE_READ_OUT) + (DWORD)sizeof(MH_TRACE_EVENT) * mh_rng_below(r, 64);
        break;
    }
    case IOCTL_MH_CONFIGURE_MINIPORT: {
        MH_MINIPORT_CONFIG *c = (MH_MINIPORT_CONFIG *)in;
        c->TargetCount = mh_rng_below(r, MH_MAX_TARGETS + 2);
        c->Reserved = 0;
        *in_len = sizeof(*c);
        break;
    }
    case IOCTL_MH_READ_CHUNKS: {
        MH_CHUNK_READ_IN *q = (MH_CHUNK_READ_IN *)in;
        q->ContextId = known_id(t, t->contexts, t->context_count);
        q->TimeoutMs = mh_rng_below(r, 4) ? mh_rng_below(r, 50) : MH_CHUNK_WAIT_INFINITE;
        q->BufferSize = mh_rng_below(r, 4096);
        *in_len = sizeof(*q);
        *out_len = (DWORD)sizeof(MH_CHUNK_READ_OUT) + q->BufferSize;
        break;
    }
    case IOCTL_MH_REPORT_CHUNKS: {
        MH_CHUNK_REPORT_IN *q = (MH_CHUNK_REPORT_IN *)in;
        q->ContextId = known_id(t, t->contexts, t->context_count);
        q->Frames = mh_rng_below(r, 3);
        q->SlicesPerFrame = mh_rng_below(r, 3);
        q->PrivateDataSize = mh_rng_below(r, MP_CAPS_MAX_CHUNK_PRIVATE_DATA + 8);
        q->Misreport = mh_rng_below(r, 5);
        *in_len = sizeof(*q);
        *out_len = sizeof(MH_CHUNK_REPORT_OUT);
        break;
    }
    case IOCTL_MH_BATCH_SUBMIT:
        build_batch(t, in, in_len);
        break;
    case IOCTL_MH_BATCH_REAP:
        *out_len = reap_length(r);
        break;
    case IOCTL_MH_BATCH_SUBMIT_REAP:   /* a batch, and room for its results (or not quite) */
        build_batch(t, in, in_len);
        *out_len = reap_length(r);
        break;
    default:
        /* An IOCTL this file has no layout for yet: random bytes, which still fuzz its validation. */
        *in_len = random_length(t, 32);
        *out_len = random_length(t, 32);
        random_bytes(t, in, *in_len);
        break;
    }
}

/* Wrong counts, sizes, offsets and ids in an otherwise valid request. */
static void mutate(fuzz_thread *t, unsigned char *in, DWORD *in_len, DWORD *out_len)
{
    unsigned k, edits = 1 + mh_rng_below(&t->rng, 3);
    for (k = 0; k < edits; k++) {
        DWORD words = *in_len / 4;
        switch (mh_rng_below(&t->rng, 8)) {
        case 0: /* cut short: a header or record that ends early */
            *in_len = mh_rng_below(&t->rng, *in_len + 1);
            break;
        case 1: /* longer than its header says */
            if (*in_len < FUZZ_MAX_LEN) {
                DWORD extra = mh_rng_below(&t->rng, 64);
                if (*in_len + extra > FUZZ_MAX_LEN) extra = FUZZ_MAX_LEN - *in_len;
                random_bytes(t, in + *in_len, extra);
                *in_len += extra;
            }
            break;
        case 2: /* an output buffer of the wrong size */
            *out_len = mh_rng_below(&t->rng, 2) ? mh_rng_below(&t->rng, *out_len + 1) : random_length(t, *out_len);
            break;
        case 3: /* an id that is not (or no longer) this handle's */
            if (*in_len >= 8) {
                ULONG64 id = mh_rng_below(&t->rng, 2) ? known_id(t, t->messages, t->message_count)
                                                       : known_id(t, t->contexts, t->context_count);
                memcpy(in + 8 * mh_rng_below(&t->rng, *in_len / 8), &id, sizeof(id));
            }
            break;
        case 4: /* a random byte */
            if (*in_len) in[mh_rng_below(&t->rng, *in_len)] ^= (unsigned char)(1 + mh_rng_below(&t->rng, 255));
            break;
        default: /* a count, size, offset or kind at a boundary */
            if (words) {
                ULONG v = interesting(t, *in_len, *out_len);
                memcpy(in + 4 * mh_rng_below(&t->rng, words), &v, sizeof(v));
            }
            break;
        }
    }
}

/* Picks a code and builds its request in t->scratch. Returns the code; *index is its row in
   contract_codes, or -1 for a foreign code. */
static DWORD build_request(fuzz_thread *t, int *index, DWORD *in_len, DWORD *out_len)
{
    unsigned choice = mh_rng_below(&t->rng, 20);
    DWORD code;

    *index = -1;
    if (choice == 0) {
        code = (DWORD)mh_rng_next(&t->rng);                           /* any device type */
    } else if (choice == 1) {
        code = CTL_CODE(MH_DEVICE_TYPE, mh_rng_below(&t->rng, 0x1000), mh_rng_below(&t->rng, 4), mh_rng_below(&t->rng, 4));
    } else {
        *index = (int)mh_rng_below(&t->rng, CONTRACT_CODE_COUNT);
        code = contract_codes[*index].code;
    }
    for (int i = 0; i < (int)CONTRACT_CODE_COUNT; i++) {
        if (contract_codes[i].code == code) *index = i;               /* a random code that hit one */
    }
    if (*index < 0 || mh_rng_below(&t->rng, 8) == 0) {
        *in_len = random_length(t, 32);
        *out_len = random_length(t, 32);
        random_bytes(t, t->scratch, *in_len);
        return code;
    }
    build_valid(t, code, t->scratch, in_len, out_len);
    if (mh_rng_below(&t->rng, 2)) {
        mutate(t, t->scratch, in_len, out_len);
        t->n.mutated++;
    }
    return code;
}

/* ------------------------------------------------------------------ issuing and reaping */

/* Learns the ids a successful request handed out, reading only the bytes it returned. */
static void learn(fuzz_thread *t, const fuzz_slot *s, DWORD bytes)
{
    if (s->a.code == (DWORD)IOCTL_MH_CREATE_CONTEXT && bytes >= sizeof(MH_CONTEXT_INFO)) {
        remember(t->contexts, &t->context_count, ((const MH_CONTEXT_INFO *)s->a.buffer)->ContextId);
    } else if (s->a.code == (DWORD)IOCTL_MH_AGENT_RECEIVE && bytes >= sizeof(MH_RECEIVE_HEADER)) {
        const MH_RECEIVE_HEADER *h = (const MH_RECEIVE_HEADER *)s->a.buffer;
        DWORD offset = sizeof(*h), i;
        for (i = 0; i < h->Count && offset + sizeof(MH_AGENT_MESSAGE) <= bytes; i++) {
            const MH_AGENT_MESSAGE *m = (const MH_AGENT_MESSAGE *)(s->a.buffer + offset);
            remember(t->messages, &t->message_count, m->MessageId);
            if (m->RecordSize < sizeof(*m)) break;
            offset += m->RecordSize;
        }
    }
}

static void reap(fuzz_thread *t, fuzz_slot *s)
{
    LONG status = (LONG)s->a.ov.Internal;
    DWORD bytes = (DWORD)s->a.ov.InternalHigh;
    if (NT_SUCCESS(status) && status != MH_STATUS_PENDING && bytes <= (s->a.in_len > s->a.out_len ? s->a.in_len : s->a.out_len)) {
        learn(t, s, bytes);
    }
    count_status(&t->n, status);
    t->n.completions++;
    mh_async_free(&s->a);
    s->busy = FALSE;
}

/* Reaps what has completed, without a system call for what plainly has not. */
static void reap_completed(fuzz_thread *t)
{
    unsigned i;
    for (i = 0; i < FUZZ_DEPTH; i++) {
        fuzz_slot *s = &t->slots[i];
        if (s->busy && s->a.ov.Internal != (ULONG_PTR)MH_STATUS_PENDING &&
            WaitForSingleObject(s->event, 0) == WAIT_OBJECT_0) {
            reap(t, s);
        }
    }
}

/* Waits for a slot's completion after its cancel or its handle's close. One that does not come is
   lost: its buffer and event are abandoned (the kernel may still write them) and replaced. */
static void settle_or_lose(fuzz_thread *t, fuzz_slot *s, DWORD timeout_ms)
{
    if (WaitForSingleObject(s->event, timeout_ms) == WAIT_OBJECT_0) {
        reap(t, s);
        return;
    }
    t->n.lost++;
    s->busy = FALSE;
    s->a.buffer = NULL;
    s->event = CreateEventW(NULL, TRUE, FALSE, NULL);
}

static void close_handle_in_flight(fuzz_thread *t, int index)
{
    unsigned i;
    ULONG64 in_flight = 0;
    for (i = 0; i < FUZZ_DEPTH; i++) in_flight += t->slots[i].busy && t->slots[i].handle == index;
    CloseHandle(t->handles[index]);
    t->handles[index] = INVALID_HANDLE_VALUE;
    for (i = 0; i < FUZZ_DEPTH; i++) {
        if (t->slots[i].busy && t->slots[i].handle == index) settle_or_lose(t, &t->slots[i], FUZZ_SETTLE_MS);
    }
    t->n.closes++;
    t->n.closed_in_flight += in_flight;
}

static fuzz_slot *free_slot(fuzz_thread *t)
{
    unsigned i;
    HANDLE events[FUZZ_DEPTH];
    fuzz_slot *victim;
    DWORD which;

    for (i = 0; i < FUZZ_DEPTH; i++) {
        if (!t->slots[i].busy) return &t->slots[i];
    }
    /* All busy (receives and held messages pend until something answers them): cancel the next
       victim in turn and take whichever completes first. */
    victim = &t->slots[t->next_victim++ % FUZZ_DEPTH];
    CancelIoEx(t->handles[victim->handle], &victim->a.ov);
    t->n.cancels++;
    for (i = 0; i < FUZZ_DEPTH; i++) events[i] = t->slots[i].event;
    which = WaitForMultipleObjects(FUZZ_DEPTH, events, FALSE, FUZZ_SETTLE_MS);
    if (which < WAIT_OBJECT_0 + FUZZ_DEPTH) {
        reap(t, &t->slots[which - WAIT_OBJECT_0]);
        return &t->slots[which - WAIT_OBJECT_0];
    }
    settle_or_lose(t, victim, 0);
    return victim;
}

static void issue_one(fuzz_thread *t)
{
    fuzz_slot *s = free_slot(t);
    int index, h = (int)mh_rng_below(&t->rng, FUZZ_HANDLES);
    DWORD in_len, out_len, code = build_request(t, &index, &in_len, &out_len);

    if (t->handles[h] == INVALID_HANDLE_VALUE) t->handles[h] = mh_open();
    if (index >= 0) t->n.by_code[index]++;
    else t->n.foreign++;
    t->n.issued++;
    ResetEvent(s->event);
    if (mh_issue(t->handles[h], &s->a, code, t->scratch, in_len, out_len, s->event)) {
        s->busy = TRUE;
        s->handle = h;
    } else {
        count_status(&t->n, s->a.issue_status);
        t->n.failed_at_once++;
        mh_async_free(&s->a);
    }
}

static DWORD WINAPI fuzz_thread_main(void *arg)
{
    fuzz_thread *t = (fuzz_thread *)arg;
    unsigned i;

    for (i = 0; i < FUZZ_HANDLES; i++) t->handles[i] = mh_open();
    for (i = 0; i < FUZZ_DEPTH; i++) t->slots[i].event = CreateEventW(NULL, TRUE, FALSE, NULL);
    while (t->n.issued < t->budget && (LONG)(GetTickCount() - t->deadline) < 0) {
        unsigned action = mh_rng_below(&t->rng, 256);
        reap_completed(t);
        if (action < 8) {                                  /* cancel one in flight */
            fuzz_slot *s = &t->slots[mh_rng_below(&t->rng, FUZZ_DEPTH)];
            if (s->busy) {
                CancelIoEx(t->handles[s->handle], &s->a.ov);
                t->n.cancels++;
            }
        } else if (action == 8) {                          /* close a handle with IOCTLs in flight */
            int h = (int)mh_rng_below(&t->rng, FUZZ_HANDLES);
            if (t->handles[h] != INVALID_HANDLE_VALUE) close_handle_in_flight(t, h);
        } else {
            issue_one(t);
        }
    }
    /* The end: cancel what is in flight, wait for every completion, close the handles. */
    for (i = 0; i < FUZZ_DEPTH; i++) {
        if (t->slots[i].busy) CancelIoEx(t->handles[t->slots[i].handle], &t->slots[i].a.ov);
    }
    for (i = 0; i < FUZZ_DEPTH; i++) {
        if (t->slots[i].busy) settle_or_lose(t, &t->slots[i], FUZZ_SETTLE_MS);
    }
    for (i = 0; i < FUZZ_HANDLES; i++) {
        if (t->handles[i] != INVALID_HANDLE_VALUE) CloseHandle(t->handles[i]);
    }
    for (i = 0; i < FUZZ_DEPTH; i++) CloseHandle(t->slots[i].event);
    return 0;
}

/* ------------------------------------------------------------------ afterwards */

/*
 * The one contract violation the fuzz asks for by design. The random phase asks for them too
 * (MP_CMD_INDICATE with random arguments, CONFIGURE_MINIPORT allowing a second live context), but
 * whether one of those meets a live context of its own handle is left to timing, so a run could
 * end with none. This one always does: a context of its own, a child status of no valid type
 * (not StatusMiracastConnection), which dxgkrnl refuses and the host must count. Reports whether
 * the host's ContractViolations moved; the caller's figure then never rests on timing.
 */
static BOOL planted_violation(HANDLE h, char *why, size_t why_size)
{
    MH_CONTEXT_INFO info;
    MP_IOCTL_HEADER indicate = { MP_CMD_INDICATE, 0 /* no DXGK_CHILD_STATUS_TYPE */, 0, 0 };
    MH_STATS before, after;
    LONG indicated = 0, status;
    DWORD returned = 0;
    BOOL counted;

    if ((status = mh_get_stats(h, &before)) != 0 || (status = mh_create_context(h, &info)) != 0) {
        snprintf(why, why_size, "planted violation: GET_STATS/CreateContext: 0x%08lx", (unsigned long)status);
        return FALSE;
    }
    status = mh_io_control(h, info.ContextId, 0, &indicate, NULL, 0, &indicated, sizeof(indicated), &returned);
    (VOID)mh_destroy_context(h, info.ContextId);
    if (status != 0 || returned != sizeof(indicated) || indicated >= 0) {
        snprintf(why, why_size, "planted violation: IoControl INDICATE 0x%08lx, %lu bytes, indicated 0x%08lx",
                 (unsigned long)status, (unsigned long)returned, (unsigned long)indicated);
        return FALSE;
    }
    counted = mh_get_stats(h, &after) == 0 && after.ContractViolations > before.ContractViolations;
    if (!counted) snprintf(why, why_size, "planted violation: the host did not count a child status of no valid type");
    return counted;
}


/* The device still works from a new handle: GET_INFO, ECHO round trip, QUERY_CAPS. */
static BOOL device_works(HANDLE h, char *why, size_t why_size)
{
    MH_INFO info;
    MH_QUERY_CAPS_OUT caps;
    unsigned char ping[16] = "fuzz: still ok", pong[16];
    DWORD got = 0;
    LONG status;

    if ((status = mh_get_info(h, &info)) != 0 || info.ContractVersion != MH_CONTRACT_VERSION) {
        snprintf(why, why_size, "GET_INFO: 0x%08lx", (unsigned long)status);
        return FALSE;
    }
    if ((status = mh_ioctl(h, IOCTL_MH_ECHO, ping, sizeof(ping), pong, sizeof(pong), &got)) != 0 ||
        got != sizeof(pong) || memcmp(ping, pong, sizeof(pong)) != 0) {
        snprintf(why, why_size, "ECHO: 0x%08lx, %lu bytes", (unsigned long)status, (unsigned long)got);
        return FALSE;
    }
    if ((status = mh_query_caps(h, sizeof(caps), &caps)) != 0 || caps.Flags != MP_CAPS_FLAGS) {
        snprintf(why, why_size, "QUERY_CAPS: 0x%08lx", (unsigned long)status);
        return FALSE;
    }
    return TRUE;
}

int mh_fuzz_main(int argc, char **argv)
{
    ULONG seed = 1, ioctls = 20000, threads = 4, seconds = 600;
    mh_option options[] = { { "--seed", &seed }, { "--ioctls", &ioctls }, { "--threads", &threads }, { "--seconds", &seconds } };
    static fuzz_thread t[FUZZ_THREADS_MAX];
    HANDLE workers[FUZZ_THREADS_MAX];
    fuzz_counts total;
    HANDLE h;
    char why[600] = "";
    BOOL running, works = FALSE, planted = FALSE, idle = FALSE, covered;
    unsigned i, codes_hit = 0;
    DWORD start = GetTickCount(), elapsed;

    if (!mh_parse_options(argc, argv, 2, options, sizeof(options) / sizeof(options[0]))) return 2;
    if (threads < 1 || threads > FUZZ_THREADS_MAX) {
        fprintf(stderr, "--threads must be 1..%d\n", FUZZ_THREADS_MAX);
        return 2;
    }
    memset(&total, 0, sizeof(total));
    for (i = 0; i < threads; i++) {
        memset(&t[i], 0, sizeof(t[i]));
        t[i].index = i;
        mh_rng_seed(&t[i].rng, ((ULONG64)seed << 8) | i);
        t[i].budget = ioctls / threads + (i < ioctls % threads ? 1 : 0);
        t[i].deadline = start + seconds * 1000u;
        t[i].scratch = (unsigned char *)calloc(1, FUZZ_MAX_LEN);
        workers[i] = CreateThread(NULL, 0, fuzz_thread_main, &t[i], 0, NULL);
    }
    WaitForMultipleObjects(threads, workers, TRUE, INFINITE);
    for (i = 0; i < threads; i++) {
        CloseHandle(workers[i]);
        merge_counts(&total, &t[i].n);
        free(t[i].scratch);
    }
    elapsed = GetTickCount() - start;

    /* Put the driver back as everything else expects it, then check what the fuzz left. */
    running = mh_service_running(L"" MH_SERVICE_NAME_A);
    h = mh_open();
    if (h == INVALID_HANDLE_VALUE) {
        snprintf(why, sizeof(why), "the device does not open: error %lu", GetLastError());
    } else {
        mh_reset_faults(h);
        mh_configure_responder(h, FALSE, 0, 0);
        mh_configure_miniport(h, 1);
        works = device_works(h, why, sizeof(why));
        /* Idle first: the fuzz's own contexts go with their handles, on the host's workers. */
        idle = works && mh_wait_idle(h, FUZZ_IDLE_MS, why, sizeof(why));
        planted = idle && planted_violation(h, why, sizeof(why));
        if (planted) idle = mh_wait_idle(h, FUZZ_IDLE_MS, why, sizeof(why));
        CloseHandle(h);
    }
    for (i = 0; i < CONTRACT_CODE_COUNT; i++) codes_hit += total.by_code[i] != 0;
    /* Every contract code must have been fuzzed, once the run is long enough for that to be sure. */
    covered = codes_hit == CONTRACT_CODE_COUNT || total.issued < 50 * CONTRACT_CODE_COUNT;

    printf("{\"mode\":\"fuzz\",\"seed\":%lu,\"threads\":%lu,\"ioctls\":%llu,\"failedAtOnce\":%llu,\"completions\":%llu,"
           "\"succeeded\":%llu,\"mutated\":%llu,\"foreignCodes\":%llu,\"cancels\":%llu,\"closes\":%llu,"
           "\"closedInFlight\":%llu,\"lost\":%llu,\"contractCodes\":%u,\"contractCodesHit\":%u,\"ms\":%lu,",
           (unsigned long)seed, (unsigned long)threads, total.issued, total.failed_at_once, total.completions,
           total.succeeded, total.mutated, total.foreign, total.cancels, total.closes, total.closed_in_flight,
           total.lost, (unsigned)CONTRACT_CODE_COUNT, codes_hit, (unsigned long)elapsed);
    printf("\"byCode\":{");
    for (i = 0; i < CONTRACT_CODE_COUNT; i++) printf("%s\"%s\":%llu", i ? "," : "", contract_codes[i].name, total.by_code[i]);
    printf("},\"statuses\":{");
    for (i = 0; i < total.status_kinds; i++) {
        printf("%s\"0x%08lX\":%llu", i ? "," : "", (unsigned long)total.statuses[i].status, total.statuses[i].count);
    }
    printf("},\"statusesOther\":%llu,\"serviceRunning\":%s,\"deviceWorks\":%s,\"violationPlanted\":%s,\"idle\":%s,"
           "\"why\":\"%s\"}\n",
           total.statuses_other, running ? "true" : "false", works ? "true" : "false", planted ? "true" : "false",
           idle ? "true" : "false", why);

    return (total.lost == 0 && total.completions + total.failed_at_once == total.issued && running && works && planted &&
            idle && covered) ? 0 : 1;
}

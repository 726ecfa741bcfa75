/*
 * mh_batch_io.h - the raw C client's side of the batched transport (BATCH_SUBMIT, BATCH_REAP of
 * miracast_hil_ioctl.h): lay out a batch, submit it, reap completion records and walk them.
 */
#ifndef MH_BATCH_IO_H
#define MH_BATCH_IO_H

#include "mh_device_io.h"

/* A batch being laid out: MH_BATCH_HEADER, then records. */
typedef struct mh_batch {
    unsigned char *buffer;
    DWORD used, size, count;
} mh_batch;

void mh_batch_init(mh_batch *b);
void mh_batch_add_send(mh_batch *b, ULONG64 id, ULONG64 context_id, const void *input, DWORD input_len,
                       DWORD output_size);
/* An IoControl: input is the miniport's whole command (its MP_IOCTL_HEADER and data); flags MH_IO_CONTROL_*. */
void mh_batch_add_io_control(mh_batch *b, ULONG64 id, ULONG64 context_id, ULONG flags, const void *input,
                             DWORD input_len, DWORD output_size);
/* A cancel of the send or IoControl with id, or of every one of the handle (all). */
void mh_batch_add_cancel(mh_batch *b, ULONG64 id, BOOL all);
/* Fills the header, submits, and empties the batch for reuse. Returns the IRP's NTSTATUS. */
LONG mh_batch_submit(HANDLE h, mh_batch *b);
/* The same as BATCH_SUBMIT_REAP (contract 1.5), in flight: the submit is also a reap of out_size
   bytes, finished with mh_wait (a->issue_status says why when it returns FALSE). Empties the batch. */
BOOL mh_batch_submit_reap_issue(HANDLE h, mh_batch *b, mh_async *a, DWORD out_size, HANDLE event);
void mh_batch_free(mh_batch *b);

/* A reap waited for up to timeout_ms: MH_STATUS_PENDING if nothing came (the reap is cancelled and
   waited for), else the IRP's NTSTATUS; the output (header and records) is copied to out. */
LONG mh_batch_reap(HANDLE h, unsigned char *out, DWORD out_size, DWORD timeout_ms, DWORD *bytes);

/* The records of a reap's output: the first, then the next (NULL past the end or on a bad record). */
const MH_BATCH_COMPLETION *mh_batch_first(const unsigned char *out, DWORD bytes);
const MH_BATCH_COMPLETION *mh_batch_next(const unsigned char *out, DWORD bytes, const MH_BATCH_COMPLETION *record);

#endif

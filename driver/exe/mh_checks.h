/* mh_checks.h - the raw C client's driver checks (mh_checks.c). */
#ifndef MH_CHECKS_H
#define MH_CHECKS_H
#include <windows.h>

/* Runs the checks whose name contains filter (all when NULL); the unload check only when
   include_destructive. Prints one line per check and "N passed, N failed". Returns 0 if all passed. */
int mh_run_checks(const char *filter, BOOL include_destructive);

/* Prints each check's name on a line, prefixed "destructive: " for those that stop the driver. */
int mh_list_checks(void);

/* The batched transport's checks (mh_batch_checks.c), rows of the checks table. */
struct check_ctx;
BOOL mh_check_batch_sends(struct check_ctx *c);
BOOL mh_check_batch_io_control(struct check_ctx *c);
BOOL mh_check_batch_cancel(struct check_ctx *c);
BOOL mh_check_batch_malformed(struct check_ctx *c);
BOOL mh_check_batch_close(struct check_ctx *c);
BOOL mh_check_batch_submit_reap(struct check_ctx *c);
BOOL mh_check_batch_in_flight_limit(struct check_ctx *c);

/* Benchmarks (mh_bench.c); each prints one JSON line. */
int mh_bench_echo(unsigned calls, unsigned bytes);
int mh_bench_send(unsigned in_flight, unsigned completions, unsigned bytes);
/* MP_CMD_ECHO through IO_CONTROL, in_flight kept on a completion port: one IOCTL per call. */
int mh_bench_io_control(unsigned in_flight, unsigned completions, unsigned bytes);
/* The same sends through the batched transport: one BATCH_SUBMIT_REAP per round of refills, which
   pends until results are ready and returns many, its reap sized to the sends in flight. */
int mh_bench_send_batched(unsigned in_flight, unsigned completions, unsigned bytes);
#endif

/*
 * mhclient - the raw C client of the miracast-hil test driver (Win32, no dependencies).
 *
 *   mhclient check [--unload] [FILTER]   run the checks (the unload check stops and restarts the driver)
 *   mhclient list                        print the checks' names, one per line (destructive ones marked)
 *   mhclient bench-echo CALLS [BYTES]    synchronous IOCTL round trips
 *   mhclient bench-send IN_FLIGHT COMPLETIONS [BYTES]   sendMessage throughput on an IOCP (one IOCTL per message)
 *   mhclient bench-send-batched IN_FLIGHT COMPLETIONS [BYTES]   the same through BATCH_SUBMIT_REAP / BATCH_REAP
 *   mhclient stats                       print the driver's counters
 *   mhclient fuzz [--seed N] [--ioctls N] [--threads N] [--seconds N]   seeded raw-IOCTL fuzz (mh_fuzz.c)
 *   mhclient unload-storm [--seed N] [--count N]   driver stops with I/O pending (mh_unload_storm.c)
 */
#include "mh_device_io.h"
#include "mh_checks.h"
#include "mh_stress.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int print_stats(void)
{
    HANDLE h = mh_open();
    MH_STATS s;
    if (h == INVALID_HANDLE_VALUE || !NT_SUCCESS(mh_get_stats(h, &s))) {
        fprintf(stderr, "cannot read stats: %lu\n", GetLastError());
        return 1;
    }
#define PRINT_FIELD(name, description) printf("%-26s %llu\n", #name, s.name);
    MH_STATS_FIELDS(PRINT_FIELD)
#undef PRINT_FIELD
    CloseHandle(h);
    return 0;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc >= 2 && strcmp(argv[1], "check") == 0) {
        BOOL unload = FALSE;
        const char *filter = NULL;
        int i;
        for (i = 2; i < argc; i++) {
            if (strcmp(argv[i], "--unload") == 0) unload = TRUE;
            else filter = argv[i];
        }
        return mh_run_checks(filter, unload);
    }
    if (argc >= 2 && strcmp(argv[1], "list") == 0) {
        return mh_list_checks();
    }
    if (argc >= 3 && strcmp(argv[1], "bench-echo") == 0) {
        return mh_bench_echo((unsigned)atoi(argv[2]), argc >= 4 ? (unsigned)atoi(argv[3]) : 5);
    }
    if (argc >= 4 && strcmp(argv[1], "bench-send") == 0) {
        return mh_bench_send((unsigned)atoi(argv[2]), (unsigned)atoi(argv[3]), argc >= 5 ? (unsigned)atoi(argv[4]) : 16);
    }
    if (argc >= 4 && strcmp(argv[1], "bench-send-batched") == 0) {
        return mh_bench_send_batched((unsigned)atoi(argv[2]), (unsigned)atoi(argv[3]), argc >= 5 ? (unsigned)atoi(argv[4]) : 16);
    }
    if (argc >= 4 && strcmp(argv[1], "bench-iocontrol") == 0) {
        return mh_bench_io_control((unsigned)atoi(argv[2]), (unsigned)atoi(argv[3]), argc >= 5 ? (unsigned)atoi(argv[4]) : 16);
    }
    if (argc >= 2 && strcmp(argv[1], "stats") == 0) {
        return print_stats();
    }
    if (argc >= 2 && strcmp(argv[1], "fuzz") == 0) {
        return mh_fuzz_main(argc, argv);
    }
    if (argc >= 2 && strcmp(argv[1], "unload-storm") == 0) {
        return mh_unload_storm_main(argc, argv);
    }
    fprintf(stderr, "usage: mhclient check [--unload] [FILTER] | list | bench-echo CALLS [BYTES] | "
                    "bench-send IN_FLIGHT COMPLETIONS [BYTES] | bench-send-batched IN_FLIGHT COMPLETIONS [BYTES] | bench-iocontrol IN_FLIGHT COMPLETIONS [BYTES] | stats | fuzz [--seed N] [--ioctls N] [--threads N] "
                    "[--seconds N] | unload-storm [--seed N] [--count N]\n");
    return 2;
}

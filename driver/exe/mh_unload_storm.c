/*
 * mh_unload_storm.c - mhclient unload-storm: driver stops (sc stop) with I/O pending, over and over.
 *
 *   mhclient unload-storm [--seed N] [--count N]
 *
 * Each round opens an agent handle and a sender handle, creates a context, pends a seeded number
 * of agent receives and sends (with automatic or manual sessions, so messages are delivered,
 * queued or held), deletes the values the driver writes at unload from its service key, stops the
 * service, and then requires: every pended IRP completed, the driver wrote
 * UnloadAllocationsOutstanding = 0 and UnloadIrpsPending = 0 afresh, and after a restart the
 * device opens, answers GET_INFO and is idle. Prints one JSON line; exits 0 only when every round
 * held.
 *
 * Lane: Wine only. Wine unloads a driver whose device still has open handles, which is what makes
 * IRPs pend at unload; Windows defers the unload until the handles close, so there the storm is
 * reported as skipped.
 */
#include "mh_device_io.h"
#include "mh_stress.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STORM_MAX_IRPS 12              /* receives (up to 4) and sends (up to 8) of one round */
#define STORM_SERVICE_MS 15000         /* sc stop / sc start must get there within this */
#define STORM_SETTLE_MS 10000          /* IRPs pending at unload must complete within this */

static const wchar_t *const unload_values[] = { L"UnloadAllocationsOutstanding", L"UnloadIrpsPending" };

static void delete_unload_values(void)
{
    HKEY key;
    size_t i;
    if (RegOpenKeyExW(HKEY_LOCAL_MACHINE, L"System\\CurrentControlSet\\Services\\" MH_SERVICE_NAME_A, 0,
                      KEY_SET_VALUE, &key) != ERROR_SUCCESS) {
        return;
    }
    for (i = 0; i < sizeof(unload_values) / sizeof(unload_values[0]); i++) RegDeleteValueW(key, unload_values[i]);
    RegCloseKey(key);
}

typedef struct storm_totals {
    ULONG64 rounds, stops, irps_issued, irps_pending_at_stop, irps_completed, lost;
    ULONG64 leaked_allocations, leaked_irps, failures;
    char first_failure[300];
} storm_totals;

static void fail_round(storm_totals *n, ULONG round, const char *what, unsigned long value)
{
    if (n->failures++ == 0) {
        snprintf(n->first_failure, sizeof(n->first_failure), "round %lu: %s (%lu)", (unsigned long)round, what, value);
    }
}

/* One round. Returns FALSE when the driver could not be brought back (the storm stops there). */
static BOOL storm_round(mh_rng *r, ULONG round, storm_totals *n)
{
    HANDLE agent = mh_open(), sender = mh_open(), check;
    HANDLE events[STORM_MAX_IRPS];
    mh_async irps[STORM_MAX_IRPS];
    ULONG receives = 1 + mh_rng_below(r, 4), sends = 1 + mh_rng_below(r, 8), issued = 0, i;
    MH_CONTEXT_INFO context = { 0 };
    MH_STATS stats;
    MH_INFO info;
    DWORD state = 0, value, wait;
    char why[400];

    memset(irps, 0, sizeof(irps));
    for (i = 0; i < STORM_MAX_IRPS; i++) events[i] = CreateEventW(NULL, TRUE, FALSE, NULL);
    if (agent == INVALID_HANDLE_VALUE || sender == INVALID_HANDLE_VALUE) fail_round(n, round, "open", GetLastError());
    if (mh_agent_attach(agent, mh_rng_below(r, 2) ? MH_AGENT_MANUAL_SESSIONS : 0) != 0) fail_round(n, round, "AGENT_ATTACH", 0);
    if (mh_create_context(sender, &context) != 0) fail_round(n, round, "CREATE_CONTEXT", 0);
    /* An IOCTL refused at issue gets no completion: its event is set here so the wait below
       covers only what the driver took (the refusal already failed the round above). */
    for (i = 0; i < receives; i++, issued++) {
        if (!mh_issue(agent, &irps[issued], IOCTL_MH_AGENT_RECEIVE, NULL, 0, MH_RECEIVE_BUFFER_MIN, events[issued])) {
            fail_round(n, round, "AGENT_RECEIVE refused", (unsigned long)irps[issued].issue_status);
            SetEvent(events[issued]);
        }
    }
    for (i = 0; i < sends; i++, issued++) {
        if (!mh_send_message_issue(sender, &irps[issued], context.ContextId, "unload", 6, 8, events[issued])) {
            fail_round(n, round, "SEND_MESSAGE refused", (unsigned long)irps[issued].issue_status);
            SetEvent(events[issued]);
        }
    }
    n->irps_issued += issued;
    if (mh_get_stats(sender, &stats) == 0) n->irps_pending_at_stop += stats.IrpsPending;

    delete_unload_values();
    n->stops++;
    if (!mh_service_control(L"" MH_SERVICE_NAME_A, FALSE, STORM_SERVICE_MS, &state)) {
        fail_round(n, round, "sc stop did not reach STOPPED; state", state);
    }
    wait = WaitForMultipleObjects(issued, events, TRUE, STORM_SETTLE_MS);
    for (i = 0; i < issued; i++) {
        if (WaitForSingleObject(events[i], 0) == WAIT_OBJECT_0) {
            n->irps_completed++;
            mh_async_free(&irps[i]);
        } else {
            n->lost++;              /* its buffer is abandoned: the kernel may still write it */
        }
    }
    if (wait == WAIT_TIMEOUT) fail_round(n, round, "IRPs pending at unload did not complete", issued);
    for (i = 0; i < 2; i++) {
        if (!mh_read_service_dword(L"" MH_SERVICE_NAME_A, unload_values[i], &value)) {
            fail_round(n, round, i ? "no UnloadIrpsPending written at unload" : "no UnloadAllocationsOutstanding written at unload", 0);
        } else if (value != 0) {
            if (i) n->leaked_irps += value;
            else n->leaked_allocations += value;
            fail_round(n, round, i ? "UnloadIrpsPending" : "UnloadAllocationsOutstanding", value);
        }
    }
    CloseHandle(agent);
    CloseHandle(sender);
    for (i = 0; i < STORM_MAX_IRPS; i++) CloseHandle(events[i]);

    if (!mh_service_control(L"" MH_SERVICE_NAME_A, TRUE, STORM_SERVICE_MS, &state)) {
        fail_round(n, round, "sc start did not reach RUNNING; state", state);
        return FALSE;
    }
    check = mh_open();
    if (check == INVALID_HANDLE_VALUE || mh_get_info(check, &info) != 0 || info.ContractVersion != MH_CONTRACT_VERSION) {
        fail_round(n, round, "the restarted device does not answer GET_INFO", GetLastError());
    } else if (!mh_wait_idle(check, 2000, why, sizeof(why))) {
        fail_round(n, round, "the restarted driver is not idle", 0);
    }
    if (check != INVALID_HANDLE_VALUE) CloseHandle(check);
    n->rounds++;
    return TRUE;
}

int mh_unload_storm_main(int argc, char **argv)
{
    ULONG seed = 1, count = 100, round;
    mh_option options[] = { { "--seed", &seed }, { "--count", &count } };
    storm_totals n;
    mh_rng r;
    DWORD start = GetTickCount();

    if (!mh_parse_options(argc, argv, 2, options, sizeof(options) / sizeof(options[0]))) return 2;
    if (!mh_under_wine()) {
        printf("{\"mode\":\"unloadStorm\",\"seed\":%lu,\"skipped\":\"Windows defers the unload until every handle "
               "closes, so no IRP can be pending at unload; run it on the Wine lane\"}\n", (unsigned long)seed);
        return 0;
    }
    memset(&n, 0, sizeof(n));
    mh_rng_seed(&r, seed);
    for (round = 0; round < count; round++) {
        if (!storm_round(&r, round, &n)) break;
    }
    printf("{\"mode\":\"unloadStorm\",\"seed\":%lu,\"count\":%lu,\"rounds\":%llu,\"stops\":%llu,\"irpsIssued\":%llu,"
           "\"irpsPendingAtStop\":%llu,\"irpsCompleted\":%llu,\"lost\":%llu,\"leakedAllocations\":%llu,"
           "\"leakedIrps\":%llu,\"failures\":%llu,\"firstFailure\":\"%s\",\"ms\":%lu}\n",
           (unsigned long)seed, (unsigned long)count, n.rounds, n.stops, n.irps_issued, n.irps_pending_at_stop,
           n.irps_completed, n.lost, n.leaked_allocations, n.leaked_irps, n.failures, n.first_failure,
           (unsigned long)(GetTickCount() - start));
    return n.failures == 0 && n.lost == 0 && n.rounds == count ? 0 : 1;
}

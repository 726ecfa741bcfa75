/*
 * mh_stress.h - the raw C client's stress modes: the seeded IOCTL fuzzer (mh_fuzz.c) and the
 * unload storm (mh_unload_storm.c). Each prints one JSON line of figures on stdout (what
 * lib/stress reads) and returns 0 only when nothing was lost.
 */
#ifndef MH_STRESS_H
#define MH_STRESS_H
#include <windows.h>

/* mhclient fuzz [--seed N] [--ioctls N] [--threads N] [--seconds N] */
int mh_fuzz_main(int argc, char **argv);

/* mhclient unload-storm [--seed N] [--count N] */
int mh_unload_storm_main(int argc, char **argv);

/* A seeded generator (splitmix64 seeding an xorshift64* stream): the same seed gives the same
   requests, thread by thread. */
typedef struct mh_rng {
    ULONG64 state;
} mh_rng;
void mh_rng_seed(mh_rng *r, ULONG64 seed);
ULONG64 mh_rng_next(mh_rng *r);
/* Uniform in [0, bound); 0 when bound is 0. */
ULONG mh_rng_below(mh_rng *r, ULONG bound);

/* Parses "--name value" pairs into unsigned longs; returns FALSE (and prints why) on anything else. */
typedef struct mh_option {
    const char *name;          /* "--seed" */
    ULONG *value;
} mh_option;
BOOL mh_parse_options(int argc, char **argv, int first, mh_option *options, size_t count);

#endif

/*
 * mh_stress_util.c - what the stress modes share: the seeded generator and option parsing.
 */
#include "mh_stress.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void mh_rng_seed(mh_rng *r, ULONG64 seed)
{
    /* splitmix64 of the seed: neighbouring seeds give unrelated streams, and the state is never 0
       (xorshift's fixed point). */
    ULONG64 z = seed + 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    r->state = z ? z : 0x2545F4914F6CDD1Dull;
}

ULONG64 mh_rng_next(mh_rng *r)
{
    ULONG64 x = r->state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    r->state = x;
    return x * 0x2545F4914F6CDD1Dull;
}

ULONG mh_rng_below(mh_rng *r, ULONG bound)
{
    return bound ? (ULONG)((mh_rng_next(r) >> 32) % bound) : 0;
}

BOOL mh_parse_options(int argc, char **argv, int first, mh_option *options, size_t count)
{
    int i;
    for (i = first; i < argc; i += 2) {
        size_t j;
        char *end = NULL;
        for (j = 0; j < count; j++) {
            if (strcmp(argv[i], options[j].name) == 0) break;
        }
        if (j == count || i + 1 >= argc) {
            fprintf(stderr, "unknown option or missing value: %s\n", argv[i]);
            return FALSE;
        }
        *options[j].value = strtoul(argv[i + 1], &end, 0);
        if (end == argv[i + 1] || *end != '\0') {
            fprintf(stderr, "%s needs a number, not %s\n", argv[i], argv[i + 1]);
            return FALSE;
        }
    }
    return TRUE;
}

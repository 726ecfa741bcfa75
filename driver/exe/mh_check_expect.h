/*
 * mh_check_expect.h - what every check of the raw C client shares: its context (the handle it
 * runs on, and why it failed) and the EXPECT macros, which record why and jump to the check's
 * `done:` label.
 */
#ifndef MH_CHECK_EXPECT_H
#define MH_CHECK_EXPECT_H

#include <windows.h>
#include <stdio.h>

typedef struct check_ctx {
    HANDLE h;                  /* the primary handle, opened for each check */
    char why[600];
} check_ctx;

#define EXPECT(cond, ...)                                          \
    do {                                                           \
        if (!(cond)) {                                             \
            snprintf(c->why, sizeof(c->why), __VA_ARGS__);         \
            goto done;                                             \
        }                                                          \
    } while (0)

#define EXPECT_STATUS(actual, expected, what)                                                  \
    do {                                                                                       \
        LONG got_ = (actual);                                                                  \
        EXPECT(got_ == (LONG)(expected), "%s: status 0x%08lX, expected 0x%08lX", (what),       \
               (unsigned long)got_, (unsigned long)(LONG)(expected));                          \
    } while (0)

#endif

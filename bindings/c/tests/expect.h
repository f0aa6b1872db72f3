/*
 * What the C API tests share: the failure count and the EXPECT macros.
 */
#ifndef SPFKIT_TESTS_EXPECT_H
#define SPFKIT_TESTS_EXPECT_H

#include <stdio.h>

#include "spfkit.h"

/* Atomic: the thread test's workers count failures too. Defined in api.c. */
extern _Atomic int failures;

#define EXPECT(cond)                                                              \
    do {                                                                          \
        if (!(cond)) {                                                            \
            fprintf(stderr, "%s:%d: expected %s\n", __FILE__, __LINE__, #cond);   \
            failures++;                                                           \
        }                                                                         \
    } while (0)

#define EXPECT_STATUS(call, want)                                                              \
    do {                                                                                       \
        spfkit_status got_ = (call);                                                           \
        if (got_ != (want)) {                                                                  \
            fprintf(stderr, "%s:%d: %s gave %d (%s), want %s\n", __FILE__, __LINE__, #call,    \
                    (int)got_, spfkit_status_message((uint32_t)got_), #want);                 \
            failures++;                                                                        \
        }                                                                                      \
    } while (0)

/* api_bounds.c: bounds, the deadline, hostile texts, numbers refused,
 * answers by id, every definitive result. */
void run_bounds_tests(void);

/* policy_api.c: receiver policy's API. */
void run_policy_tests(void);

/* srs_api.c: SRS's API and hostile input. */
void run_srs_tests(void);

#endif

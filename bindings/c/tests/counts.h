/*
 * record_count(): what a C test program ran and passed, for CI. Header-only,
 * included once per program (zone.h includes it for the DNS-driven tests).
 */
#ifndef SPFKIT_TEST_COUNTS_H
#define SPFKIT_TEST_COUNTS_H

#include <stdio.h>
#include <stdlib.h>

/* Appends {"name", "ran", "passed"} as a JSON line to the file named by
 * SPFKIT_COUNTS, when set: CI checks those counts (.ci/counts.py), not the
 * wording of printed lines. */
static void record_count(const char *name, int ran, int passed) {
    const char *path = getenv("SPFKIT_COUNTS");
    if (!path || !*path) return;
    FILE *f = fopen(path, "a");
    if (!f) {
        perror(path);
        exit(2);
    }
    fprintf(f, "{\"name\": \"%s\", \"ran\": %d, \"passed\": %d}\n", name, ran, passed);
    fclose(f);
}

#endif

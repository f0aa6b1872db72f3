/*
 * tests/srs/vectors.json (what postsrsd 1.10 wrote; its format is in
 * tests/srs/README.md) through the C API.
 *
 * Each config's settings are built with the spfkit_srs_settings_*()
 * setters; every vector runs spfkit_srs_forward() or spfkit_srs_reverse()
 * at the vector's time and must give its `expected`: the address (and for
 * forward, rewritten with the warnings' names, or unchanged with the
 * reason's name and the sender itself), or SPFKIT_ERR_SRS with the kind's
 * name, a sentence and no address. A vector passes when all of it holds.
 *
 *   srs tests/srs/vectors.json
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "counts.h"
#include "spfkit.h"

#define MAX_CONFIGS 32

/* The name of a NUL-terminated C name, or "(null)" for NULL. */
static const char *or_null(const char *s) { return s ? s : "(null)"; }

static int same(const char *a, const char *b) { return a && b && strcmp(a, b) == 0; }

/* A rewriter for the config `c` (tests/srs/README.md: secrets, domain and
 * the optional separator, hash_length, hash_min, local_domains); NULL and a
 * message if the C API refuses it. */
static spfkit_srs *rewriter(const char *name, json_t *c) {
    spfkit_srs_settings *s = spfkit_srs_settings_new();
    spfkit_status st = spfkit_srs_settings_set_domain(s, json_string_value(json_object_get(c, "domain")));
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(c, "secrets"), i, v) {
        if (st == SPFKIT_OK) st = spfkit_srs_settings_add_secret(s, json_string_value(v), json_string_length(v));
    }
    json_array_foreach(json_object_get(c, "local_domains"), i, v) {
        if (st == SPFKIT_OK) st = spfkit_srs_settings_add_local_domain(s, json_string_value(v));
    }
    if ((v = json_object_get(c, "separator")) && st == SPFKIT_OK)
        st = spfkit_srs_settings_set_separator(s, json_string_value(v)[0]);
    if ((v = json_object_get(c, "hash_length")) && st == SPFKIT_OK)
        st = spfkit_srs_settings_set_hash_length(s, (size_t)json_integer_value(v));
    if ((v = json_object_get(c, "hash_min")) && st == SPFKIT_OK)
        st = spfkit_srs_settings_set_hash_min(s, (size_t)json_integer_value(v));
    spfkit_srs *srs = NULL;
    spfkit_srs_settings_error why = 0;
    if (st == SPFKIT_OK) st = spfkit_srs_new(s, &srs, &why);
    spfkit_srs_settings_free(s); /* the rewriter copied them */
    if (st != SPFKIT_OK)
        fprintf(stderr, "FAIL config %s: %s (%s)\n", name, spfkit_status_message(st),
                or_null(spfkit_srs_settings_error_name(why)));
    return srs;
}

/* Whether `got` (status, address, error) is what `want` says of a refusal. */
static int refused_as(spfkit_status st, const char *address, const spfkit_srs_error *e, json_t *want) {
    return st == SPFKIT_ERR_SRS && address == NULL && e->message[0] != 0 &&
           same(spfkit_srs_error_kind_name(e->kind), json_string_value(json_object_get(want, "kind")));
}

/* The warnings' names, in bit order, compared with the JSON list `want`. */
static int warnings_as(const spfkit_srs_forwarded *f, json_t *want) {
    size_t n = 0;
    for (uint32_t bit = 1; bit != 0; bit <<= 1) {
        if (!(f->warnings & bit)) continue;
        if (!same(spfkit_srs_warning_name(bit), json_string_value(json_array_get(want, n++)))) return 0;
    }
    /* A long local part is counted; no warning, no count. */
    int counted = (f->warnings & SPFKIT_SRS_WARNING_LONG_LOCAL_PART) ? f->local_part_octets > 64
                                                                      : f->local_part_octets == 0;
    return n == json_array_size(want) && counted;
}

static int run_vector(json_t *v, spfkit_srs *srs) {
    json_t *input = json_object_get(v, "input"), *want = json_object_get(v, "expected");
    const char *op = json_string_value(json_object_get(v, "op"));
    const char *outcome = json_string_value(json_object_get(want, "outcome"));
    int64_t now = (int64_t)json_integer_value(json_object_get(v, "now"));
    char *address = (char *)"stale";
    size_t len = 99;
    spfkit_srs_error e;
    spfkit_srs_forwarded f;
    memset(&e, 0x55, sizeof e);
    memset(&f, 0x55, sizeof f);
    int forward = strcmp(op, "forward") == 0;
    spfkit_status st =
        forward ? spfkit_srs_forward(srs, json_string_value(input), json_string_length(input), now, &address, &len,
                                     &f, &e)
                : spfkit_srs_reverse(srs, json_string_value(input), json_string_length(input), now, &address, &len,
                                     &e);
    int ok;
    if (strcmp(outcome, "error") == 0) {
        ok = refused_as(st, address, &e, want) && len == 0 && (!forward || (f.unchanged == 0 && f.warnings == 0));
    } else {
        const char *want_address = strcmp(outcome, "unchanged") == 0 ? json_string_value(input)
                                                                    : json_string_value(json_object_get(want, "address"));
        ok = st == SPFKIT_OK && address && len == strlen(address) && same(address, want_address) && e.kind == 0 &&
             e.message[0] == 0;
        if (ok && forward && strcmp(outcome, "unchanged") == 0)
            ok = same(spfkit_srs_unchanged_name(f.unchanged), json_string_value(json_object_get(want, "reason"))) &&
                 f.warnings == 0;
        else if (ok && forward)
            ok = f.unchanged == 0 && warnings_as(&f, json_object_get(want, "warnings"));
    }
    if (!ok) {
        char *got = json_dumps(want, JSON_COMPACT);
        fprintf(stderr, "FAIL %s %s %.80s: got %s, %s (%s: %s), unchanged %u, warnings %u; want %s\n",
                json_string_value(json_object_get(v, "config")), op, json_string_value(input),
                spfkit_status_message(st), st == SPFKIT_OK ? or_null(address) : "-",
                or_null(spfkit_srs_error_kind_name(e.kind)), st == SPFKIT_ERR_SRS ? e.message : "-",
                forward ? f.unchanged : 0, forward ? f.warnings : 0, got);
        free(got);
    }
    if (st == SPFKIT_OK) spfkit_string_free(address);
    return ok;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s vectors.json\n", argv[0]);
        return 2;
    }
    json_error_t error;
    json_t *doc = json_load_file(argv[1], JSON_ALLOW_NUL, &error);
    if (!doc) {
        fprintf(stderr, "%s:%d: %s\n", argv[1], error.line, error.text);
        return 2;
    }
    json_t *configs = json_object_get(doc, "configs"), *vectors = json_object_get(doc, "vectors");
    /* One rewriter per config, each made once: many vectors share it. */
    struct {
        const char *name;
        spfkit_srs *srs;
    } made[MAX_CONFIGS];
    size_t n_made = 0;
    const char *name;
    json_t *c;
    json_object_foreach(configs, name, c) {
        if (n_made == MAX_CONFIGS) {
            fprintf(stderr, "srs: more configs than this harness holds\n");
            return 2;
        }
        made[n_made].name = name;
        made[n_made++].srs = rewriter(name, c);
    }
    int passed = 0;
    size_t i;
    json_t *v;
    json_array_foreach(vectors, i, v) {
        spfkit_srs *srs = NULL;
        for (size_t k = 0; k < n_made; k++)
            if (strcmp(made[k].name, json_string_value(json_object_get(v, "config"))) == 0) srs = made[k].srs;
        if (!srs) {
            fprintf(stderr, "FAIL vector %zu: no rewriter for its config\n", i);
            continue;
        }
        passed += run_vector(v, srs);
    }
    for (size_t k = 0; k < n_made; k++) spfkit_srs_free(made[k].srs);
    int n = (int)json_array_size(vectors);
    json_decref(doc);
    printf("SRS vectors (C API): %d of %d passed\n", passed, n);
    record_count("c/srs/vectors", n, passed);
    return passed == n && n > 0 ? 0 : 1;
}

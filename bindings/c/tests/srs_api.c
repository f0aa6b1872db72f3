/*
 * SRS's C API (spfkit_srs_*): settings and every refusal of them, forward
 * and reverse with what they tell besides the address, the clock, new
 * secrets, one rewriter on many threads, and hostile input: NULL pointers,
 * bytes that are not UTF-8, embedded NULs, huge and truncated addresses,
 * numbers that are no enumeration's. Part of the api program (api.c).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "expect.h"

/* 2026-01-01T00:00:00Z and 12:00:00Z: day slot 998, timestamp "7G". */
#define MIDNIGHT 1767225600
#define NOON 1767268800
#define DAY 86400

#define ALICE "SRS0=pfQg=7G=example.com=alice@fwd.example"

/* A string literal and its length, NULs inside counted. */
#define LIT(s) s, sizeof(s) - 1

static spfkit_srs_settings *default_settings(void) {
    spfkit_srs_settings *s = spfkit_srs_settings_new();
    EXPECT(s != NULL);
    EXPECT_STATUS(spfkit_srs_settings_set_domain(s, "fwd.example"), SPFKIT_OK);
    EXPECT_STATUS(spfkit_srs_settings_add_secret(s, "test-secret-one", strlen("test-secret-one")), SPFKIT_OK);
    return s;
}

static spfkit_srs *make(spfkit_srs_settings *s) {
    spfkit_srs *srs = NULL;
    EXPECT_STATUS(spfkit_srs_new(s, &srs, NULL), SPFKIT_OK);
    EXPECT(srs != NULL);
    spfkit_srs_settings_free(s);
    return srs;
}

/* forward of a C string: the status; `*out` the address or NULL. */
static spfkit_status fwd(const spfkit_srs *srs, const char *a, int64_t now, char **out, spfkit_srs_forwarded *f,
                         spfkit_srs_error *e) {
    return spfkit_srs_forward(srs, a, strlen(a), now, out, NULL, f, e);
}

static spfkit_status rev(const spfkit_srs *srs, const char *a, int64_t now, char **out, spfkit_srs_error *e) {
    return spfkit_srs_reverse(srs, a, strlen(a), now, out, NULL, e);
}

/* Whether reversing `len` octets at `a` is refused with `kind`. */
static int reverse_refused(const spfkit_srs *srs, const char *a, size_t len, uint32_t kind) {
    char *out = (char *)"stale";
    spfkit_srs_error e;
    spfkit_status st = spfkit_srs_reverse(srs, a, len, NOON, &out, NULL, &e);
    int ok = st == SPFKIT_ERR_SRS && out == NULL && e.kind == kind && e.message[0] != 0 &&
             strlen(e.message) < sizeof e.message;
    if (!ok) fprintf(stderr, "reverse %.60s: %s, kind %u (%s)\n", a, spfkit_status_message(st), e.kind, e.message);
    if (st == SPFKIT_OK) spfkit_string_free(out);
    return ok;
}

static int forward_refused(const spfkit_srs *srs, const char *a, size_t len, uint32_t kind) {
    char *out = (char *)"stale";
    spfkit_srs_error e;
    spfkit_srs_forwarded f;
    spfkit_status st = spfkit_srs_forward(srs, a, len, NOON, &out, NULL, &f, &e);
    int ok = st == SPFKIT_ERR_SRS && out == NULL && e.kind == kind && e.message[0] != 0 && f.unchanged == 0 &&
             f.warnings == 0;
    if (!ok) fprintf(stderr, "forward %.60s: %s, kind %u (%s)\n", a, spfkit_status_message(st), e.kind, e.message);
    if (st == SPFKIT_OK) spfkit_string_free(out);
    return ok;
}

static void test_names_and_statuses(void) {
    EXPECT(strcmp(spfkit_status_message(SPFKIT_ERR_SRS_SETTINGS), "the SRS settings were refused") == 0);
    EXPECT(strcmp(spfkit_status_message(SPFKIT_ERR_SRS), "SRS refused the address") == 0);
    EXPECT(strstr(spfkit_status_message(SPFKIT_ERR_RANDOM), "/dev/urandom") != NULL);
    const char *kinds[] = {"not-srs", "bad-hash", "expired", "bad-timestamp", "malformed", "too-long"};
    uint32_t numbers[] = {SPFKIT_SRS_ERROR_NOT_SRS,       SPFKIT_SRS_ERROR_BAD_HASH,  SPFKIT_SRS_ERROR_EXPIRED,
                          SPFKIT_SRS_ERROR_BAD_TIMESTAMP, SPFKIT_SRS_ERROR_MALFORMED, SPFKIT_SRS_ERROR_TOO_LONG};
    for (size_t i = 0; i < 6; i++) EXPECT(strcmp(spfkit_srs_error_kind_name(numbers[i]), kinds[i]) == 0);
    EXPECT(spfkit_srs_error_kind_name(0) == NULL && spfkit_srs_error_kind_name(7) == NULL);
    EXPECT(spfkit_srs_error_kind_name(UINT32_MAX) == NULL);
    EXPECT(strcmp(spfkit_srs_unchanged_name(SPFKIT_SRS_UNCHANGED_LOCAL_DOMAIN), "local-domain") == 0);
    EXPECT(strcmp(spfkit_srs_unchanged_name(SPFKIT_SRS_UNCHANGED_ALREADY_REWRITTEN), "already-rewritten") == 0);
    EXPECT(spfkit_srs_unchanged_name(0) == NULL && spfkit_srs_unchanged_name(3) == NULL);
    EXPECT(strcmp(spfkit_srs_warning_name(SPFKIT_SRS_WARNING_LONG_LOCAL_PART), "long-local-part") == 0);
    EXPECT(spfkit_srs_warning_name(0) == NULL && spfkit_srs_warning_name(2) == NULL);
    EXPECT(strcmp(spfkit_srs_settings_error_name(SPFKIT_SRS_SETTINGS_BAD_HASH_MIN), "bad-hash-min") == 0);
    EXPECT(strcmp(spfkit_srs_settings_error_message(SPFKIT_SRS_SETTINGS_BAD_HASH_LENGTH),
                  "the hash length must be 1 to 27") == 0);
    EXPECT(spfkit_srs_settings_error_name(0) == NULL && spfkit_srs_settings_error_message(9) == NULL);
    /* The same pointer each time: static, nothing to free. */
    EXPECT(spfkit_srs_error_kind_name(SPFKIT_SRS_ERROR_EXPIRED) == spfkit_srs_error_kind_name(3));
}

/* The rewrite core's documentation shows, its reverse, and its refusals. */
static void test_forward_and_reverse(void) {
    spfkit_srs *srs = make(default_settings());
    char *out = NULL;
    size_t len = 0;
    spfkit_srs_forwarded f;
    spfkit_srs_error e;
    memset(&e, 0x55, sizeof e);
    EXPECT_STATUS(spfkit_srs_forward(srs, "alice@example.com", 17, MIDNIGHT, &out, &len, &f, &e), SPFKIT_OK);
    EXPECT(out && strcmp(out, ALICE) == 0 && len == strlen(ALICE));
    EXPECT(f.unchanged == 0 && f.warnings == 0 && f.local_part_octets == 0);
    EXPECT(e.kind == 0 && e.message[0] == 0); /* cleared on success */
    spfkit_string_free(out);

    /* A week later back to Alice, in any case; after 21 days expired. */
    EXPECT_STATUS(rev(srs, ALICE, MIDNIGHT + 7 * DAY, &out, &e), SPFKIT_OK);
    EXPECT(out && strcmp(out, "alice@example.com") == 0);
    spfkit_string_free(out);
    EXPECT_STATUS(rev(srs, "srs0=PFQG=7g=example.com=alice@FWD.example", MIDNIGHT, &out, NULL), SPFKIT_OK);
    spfkit_string_free(out);
    EXPECT_STATUS(spfkit_srs_reverse(srs, ALICE, strlen(ALICE), MIDNIGHT + 22 * DAY, &out, NULL, &e), SPFKIT_ERR_SRS);
    EXPECT(out == NULL && e.kind == SPFKIT_SRS_ERROR_EXPIRED);
    EXPECT(strcmp(e.message, "the timestamp is out of date") == 0);
    EXPECT_STATUS(rev(srs, "SRS0=AAAA=7G=example.com=alice@fwd.example", MIDNIGHT, &out, &e), SPFKIT_ERR_SRS);
    EXPECT(e.kind == SPFKIT_SRS_ERROR_BAD_HASH && strcmp(e.message, "the hash is invalid") == 0);
    /* An ordinary address: deliver it as it is. */
    EXPECT_STATUS(rev(srs, "bob@fwd.example", MIDNIGHT, &out, &e), SPFKIT_ERR_SRS);
    EXPECT(e.kind == SPFKIT_SRS_ERROR_NOT_SRS);
    /* No error struct wanted: the status alone. */
    EXPECT_STATUS(rev(srs, "bob@fwd.example", MIDNIGHT, &out, NULL), SPFKIT_ERR_SRS);
    EXPECT(out == NULL);

    /* Another forwarder's SRS0 becomes SRS1, which reverses to that SRS0. */
    const char *theirs = "SRS0=HHHH=TT=example.com=alice@first.example";
    EXPECT_STATUS(fwd(srs, theirs, NOON, &out, &f, NULL), SPFKIT_OK);
    EXPECT(out && strncmp(out, "SRS1=", 5) == 0 && strstr(out, "=first.example==HHHH=TT=example.com=alice@fwd.example"));
    EXPECT(f.unchanged == 0);
    char *back = NULL;
    EXPECT_STATUS(rev(srs, out, NOON, &back, NULL), SPFKIT_OK);
    EXPECT(back && strcmp(back, theirs) == 0);
    spfkit_string_free(back);
    /* Already ours: left alone. */
    char *again = NULL;
    EXPECT_STATUS(fwd(srs, out, NOON, &again, &f, NULL), SPFKIT_OK);
    EXPECT(again && strcmp(again, out) == 0 && f.unchanged == SPFKIT_SRS_UNCHANGED_ALREADY_REWRITTEN);
    spfkit_string_free(again);
    spfkit_string_free(out);
    /* The domain itself: local. */
    EXPECT_STATUS(fwd(srs, "carol@FWD.example", NOON, &out, &f, NULL), SPFKIT_OK);
    EXPECT(out && strcmp(out, "carol@FWD.example") == 0 && f.unchanged == SPFKIT_SRS_UNCHANGED_LOCAL_DOMAIN);
    spfkit_string_free(out);
    spfkit_srs_free(srs);
}

/* The options core has beyond the vectors' configs. */
static void test_options(void) {
    spfkit_srs_settings *s = default_settings();
    EXPECT_STATUS(spfkit_srs_settings_set_url_safe(s, true), SPFKIT_OK);
    spfkit_srs *url = make(s);
    char *out = NULL;
    /* postsrsd wrote SRS0=f+Bb=7G=example.com=urlsafe2@fwd.example. */
    EXPECT_STATUS(fwd(url, "urlsafe2@example.com", NOON, &out, NULL, NULL), SPFKIT_OK);
    EXPECT(out && strcmp(out, "SRS0=f-Bb=7G=example.com=urlsafe2@fwd.example") == 0);
    spfkit_string_free(out);
    EXPECT_STATUS(rev(url, "SRS0=f+Bb=7G=example.com=urlsafe2@fwd.example", NOON, &out, NULL), SPFKIT_OK);
    EXPECT(out && strcmp(out, "urlsafe2@example.com") == 0);
    spfkit_string_free(out);
    spfkit_srs_free(url);

    /* 40 octets of local part rewrite to 65: a warning, or a refusal. */
    char long_sender[64];
    snprintf(long_sender, sizeof long_sender, "%s@example.com", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
    spfkit_srs *srs = make(default_settings());
    spfkit_srs_forwarded f;
    EXPECT_STATUS(fwd(srs, long_sender, NOON, &out, &f, NULL), SPFKIT_OK);
    EXPECT(f.unchanged == 0 && f.warnings == SPFKIT_SRS_WARNING_LONG_LOCAL_PART && f.local_part_octets == 65);
    spfkit_srs_free(srs);
    s = default_settings();
    EXPECT_STATUS(spfkit_srs_settings_set_refuse_long(s, true), SPFKIT_OK);
    spfkit_srs *strict = make(s);
    EXPECT(forward_refused(strict, long_sender, strlen(long_sender), SPFKIT_SRS_ERROR_TOO_LONG));
    char *back = NULL;
    EXPECT_STATUS(rev(strict, out, NOON, &back, NULL), SPFKIT_OK); /* what libsrs2 wrote long still reverses */
    EXPECT(back && strcmp(back, long_sender) == 0);
    spfkit_string_free(back);
    spfkit_string_free(out);
    spfkit_srs_free(strict);

    /* Separator, hash length, maximum age, local subdomains. */
    s = default_settings();
    EXPECT_STATUS(spfkit_srs_settings_set_separator(s, '+'), SPFKIT_OK);
    EXPECT_STATUS(spfkit_srs_settings_set_hash_length(s, 27), SPFKIT_OK);
    EXPECT_STATUS(spfkit_srs_settings_set_hash_min(s, 1), SPFKIT_OK);
    EXPECT_STATUS(spfkit_srs_settings_set_max_age_days(s, 0), SPFKIT_OK);
    EXPECT_STATUS(spfkit_srs_settings_add_local_domain(s, ".sub.example"), SPFKIT_OK);
    srs = make(s);
    spfkit_srs_forwarded g;
    EXPECT_STATUS(fwd(srs, "x@a.SUB.example", NOON, &out, &g, NULL), SPFKIT_OK);
    EXPECT(out && strcmp(out, "x@a.SUB.example") == 0 && g.unchanged == SPFKIT_SRS_UNCHANGED_LOCAL_DOMAIN);
    spfkit_string_free(out);
    EXPECT_STATUS(fwd(srs, "x@example.com", NOON, &out, NULL, NULL), SPFKIT_OK);
    EXPECT(out && strncmp(out, "SRS0+", 5) == 0 && strlen(out) == 5 + 27 + strlen("=7G=example.com=x@fwd.example"));
    EXPECT_STATUS(rev(srs, out, NOON + DAY, &back, NULL), SPFKIT_ERR_SRS); /* maximum age 0: the next day expired */
    EXPECT_STATUS(rev(srs, out, NOON, &back, NULL), SPFKIT_OK);
    spfkit_string_free(back);
    spfkit_string_free(out);
    spfkit_srs_free(srs);

    /* Two secrets: the first signs, the second still verifies. */
    s = spfkit_srs_settings_new();
    EXPECT_STATUS(spfkit_srs_settings_set_domain(s, "fwd.example"), SPFKIT_OK);
    EXPECT_STATUS(spfkit_srs_settings_add_secret(s, "test-secret-new", 15), SPFKIT_OK);
    EXPECT_STATUS(spfkit_srs_settings_add_secret(s, "test-secret-one", 15), SPFKIT_OK);
    srs = make(s);
    EXPECT_STATUS(rev(srs, ALICE, NOON, &out, NULL), SPFKIT_OK);
    spfkit_string_free(out);
    EXPECT_STATUS(fwd(srs, "alice@example.com", NOON, &out, NULL, NULL), SPFKIT_OK);
    EXPECT(out && strcmp(out, ALICE) != 0);
    spfkit_string_free(out);
    spfkit_srs_free(srs);
}

/* Settings core refuses, each with its reason; changes after spfkit_srs_new()
 * do not reach the rewriter. */
static void test_settings_refused(void) {
    spfkit_srs_settings *s = spfkit_srs_settings_new();
    spfkit_srs *srs = (spfkit_srs *)1;
    spfkit_srs_settings_error why = 0;
    EXPECT_STATUS(spfkit_srs_new(s, &srs, &why), SPFKIT_ERR_SRS_SETTINGS);
    EXPECT(srs == NULL && why == SPFKIT_SRS_SETTINGS_NO_SECRET);
    EXPECT_STATUS(spfkit_srs_settings_add_secret(s, "k", 1), SPFKIT_OK);
    EXPECT_STATUS(spfkit_srs_new(s, &srs, &why), SPFKIT_ERR_SRS_SETTINGS);
    EXPECT(why == SPFKIT_SRS_SETTINGS_BAD_DOMAIN); /* never set */
    EXPECT_STATUS(spfkit_srs_new(s, &srs, NULL), SPFKIT_ERR_SRS_SETTINGS);
    spfkit_srs_settings_free(s);

    struct {
        int what;
        uint32_t want;
    } cases[] = {
        {0, SPFKIT_SRS_SETTINGS_BAD_SECRET},    {1, SPFKIT_SRS_SETTINGS_BAD_SECRET},
        {2, SPFKIT_SRS_SETTINGS_BAD_DOMAIN},    {3, SPFKIT_SRS_SETTINGS_BAD_DOMAIN},
        {4, SPFKIT_SRS_SETTINGS_BAD_SEPARATOR}, {5, SPFKIT_SRS_SETTINGS_BAD_SEPARATOR},
        {6, SPFKIT_SRS_SETTINGS_BAD_HASH_LENGTH}, {7, SPFKIT_SRS_SETTINGS_BAD_HASH_LENGTH},
        {8, SPFKIT_SRS_SETTINGS_BAD_HASH_MIN},  {9, SPFKIT_SRS_SETTINGS_BAD_HASH_MIN},
        {10, SPFKIT_SRS_SETTINGS_BAD_MAX_AGE},  {11, SPFKIT_SRS_SETTINGS_BAD_LOCAL_DOMAIN},
        {12, SPFKIT_SRS_SETTINGS_BAD_LOCAL_DOMAIN},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        s = default_settings();
        switch (cases[i].what) {
        case 0: EXPECT_STATUS(spfkit_srs_settings_add_secret(s, "", 0), SPFKIT_OK); break;
        case 1: EXPECT_STATUS(spfkit_srs_settings_add_secret(s, "a\0b", 3), SPFKIT_OK); break;
        case 2: EXPECT_STATUS(spfkit_srs_settings_set_domain(s, "a@b"), SPFKIT_OK); break;
        case 3: EXPECT_STATUS(spfkit_srs_settings_set_domain(s, "f\xc3\xbc.example"), SPFKIT_OK); break;
        case 4: EXPECT_STATUS(spfkit_srs_settings_set_separator(s, '/'), SPFKIT_OK); break;
        case 5: EXPECT_STATUS(spfkit_srs_settings_set_separator(s, (char)0xbd), SPFKIT_OK); break;
        case 6: EXPECT_STATUS(spfkit_srs_settings_set_hash_length(s, 0), SPFKIT_OK); break;
        case 7: EXPECT_STATUS(spfkit_srs_settings_set_hash_length(s, SIZE_MAX), SPFKIT_OK); break;
        case 8: EXPECT_STATUS(spfkit_srs_settings_set_hash_min(s, 0), SPFKIT_OK); break;
        case 9: EXPECT_STATUS(spfkit_srs_settings_set_hash_min(s, 5), SPFKIT_OK); break;
        case 10: EXPECT_STATUS(spfkit_srs_settings_set_max_age_days(s, 1024), SPFKIT_OK); break;
        case 11: EXPECT_STATUS(spfkit_srs_settings_add_local_domain(s, "."), SPFKIT_OK); break;
        case 12: EXPECT_STATUS(spfkit_srs_settings_add_local_domain(s, " x"), SPFKIT_OK); break;
        }
        why = 0;
        srs = (spfkit_srs *)1;
        EXPECT_STATUS(spfkit_srs_new(s, &srs, &why), SPFKIT_ERR_SRS_SETTINGS);
        if (why != cases[i].want)
            fprintf(stderr, "settings case %d: %s, want %s\n", cases[i].what, spfkit_srs_settings_error_name(why),
                    spfkit_srs_settings_error_name(cases[i].want));
        EXPECT(srs == NULL && why == cases[i].want);
        EXPECT(spfkit_srs_settings_error_message(why) != NULL);
        spfkit_srs_settings_free(s);
    }

    /* The rewriter copied its settings. */
    s = default_settings();
    srs = NULL;
    EXPECT_STATUS(spfkit_srs_new(s, &srs, NULL), SPFKIT_OK);
    EXPECT_STATUS(spfkit_srs_settings_set_domain(s, "other.example"), SPFKIT_OK);
    char *out = NULL;
    EXPECT_STATUS(fwd(srs, "alice@example.com", MIDNIGHT, &out, NULL, NULL), SPFKIT_OK);
    EXPECT(out && strcmp(out, ALICE) == 0);
    spfkit_string_free(out);
    spfkit_srs_settings_free(s);
    spfkit_srs_free(srs);
}

/* SPFKIT_SRS_NOW reads the clock; other times before 1970 are refused. */
static void test_clock(void) {
    spfkit_srs *srs = make(default_settings());
    char *out = NULL, *back = NULL;
    EXPECT_STATUS(fwd(srs, "alice@example.com", SPFKIT_SRS_NOW, &out, NULL, NULL), SPFKIT_OK);
    EXPECT(out && strncmp(out, "SRS0=", 5) == 0);
    EXPECT_STATUS(rev(srs, out, SPFKIT_SRS_NOW, &back, NULL), SPFKIT_OK);
    EXPECT(back && strcmp(back, "alice@example.com") == 0);
    spfkit_string_free(back);
    /* Made today: not valid in 1970, nor 30 days on. */
    EXPECT_STATUS(rev(srs, out, 0, &back, NULL), SPFKIT_ERR_SRS);
    EXPECT_STATUS(rev(srs, out, (int64_t)time(NULL) + 30 * DAY, &back, NULL), SPFKIT_ERR_SRS);
    spfkit_string_free(out);
    out = (char *)"stale";
    spfkit_srs_error e;
    memset(&e, 0x55, sizeof e);
    EXPECT_STATUS(fwd(srs, "alice@example.com", -2, &out, NULL, &e), SPFKIT_ERR_INVALID_ARGUMENT);
    EXPECT(out == NULL && e.kind == 0 && e.message[0] == 0);
    EXPECT_STATUS(rev(srs, ALICE, INT64_MIN, &out, NULL), SPFKIT_ERR_INVALID_ARGUMENT);
    EXPECT(out == NULL);
    /* Any time after 1970 is a time: the day slot wraps every 1024 days. */
    EXPECT_STATUS(fwd(srs, "alice@example.com", INT64_MAX, &out, NULL, NULL), SPFKIT_OK);
    spfkit_string_free(out);
    spfkit_srs_free(srs);
}

static void test_keygen(void) {
    char *a = NULL, *b = NULL;
    size_t len = 0;
    EXPECT_STATUS(spfkit_srs_keygen(&a, &len), SPFKIT_OK);
    EXPECT_STATUS(spfkit_srs_keygen(&b, NULL), SPFKIT_OK);
    EXPECT(a && b && len == 32 && strlen(a) == 32 && strcmp(a, b) != 0);
    EXPECT(a && strspn(a, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/") == 32);
    /* A new secret is a secret. */
    spfkit_srs_settings *s = spfkit_srs_settings_new();
    EXPECT_STATUS(spfkit_srs_settings_set_domain(s, "fwd.example"), SPFKIT_OK);
    EXPECT_STATUS(spfkit_srs_settings_add_secret(s, a, len), SPFKIT_OK);
    spfkit_srs *srs = make(s);
    char *out = NULL, *back = NULL;
    EXPECT_STATUS(fwd(srs, "x@example.com", NOON, &out, NULL, NULL), SPFKIT_OK);
    EXPECT_STATUS(rev(srs, out, NOON, &back, NULL), SPFKIT_OK);
    EXPECT(back && strcmp(back, "x@example.com") == 0);
    spfkit_string_free(out);
    spfkit_string_free(back);
    spfkit_srs_free(srs);
    spfkit_string_free(a);
    spfkit_string_free(b);

    /* The caller's own random octets. */
    const uint8_t foob[] = {'f', 'o', 'o', 'b'}, zeros[24] = {0};
    EXPECT_STATUS(spfkit_srs_secret_from_bytes(foob, 4, &a, &len), SPFKIT_OK);
    EXPECT(a && strcmp(a, "Zm9vYg==") == 0 && len == 8);
    spfkit_string_free(a);
    EXPECT_STATUS(spfkit_srs_secret_from_bytes(zeros, 24, &a, NULL), SPFKIT_OK);
    EXPECT(a && strcmp(a, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA") == 0);
    spfkit_string_free(a);
    EXPECT_STATUS(spfkit_srs_secret_from_bytes(NULL, 0, &a, &len), SPFKIT_OK);
    EXPECT(a && a[0] == 0 && len == 0);
    spfkit_string_free(a);
    a = (char *)"stale";
    EXPECT_STATUS(spfkit_srs_secret_from_bytes(NULL, 5, &a, NULL), SPFKIT_ERR_NULL_PARAMETER);
    EXPECT(a == NULL);
    EXPECT_STATUS(spfkit_srs_secret_from_bytes(foob, SIZE_MAX, &a, NULL), SPFKIT_ERR_INVALID_ARGUMENT);
    EXPECT_STATUS(spfkit_srs_secret_from_bytes(foob, 4, NULL, NULL), SPFKIT_ERR_NULL_PARAMETER);
    EXPECT_STATUS(spfkit_srs_keygen(NULL, &len), SPFKIT_ERR_NULL_PARAMETER);
}

/* NULL wherever a pointer is required, and frees of NULL. */
static void test_null_pointers(void) {
    spfkit_srs *srs = (spfkit_srs *)1;
    spfkit_srs_settings *s = default_settings();
    char *out = (char *)"stale";
    size_t len = 99;
    EXPECT_STATUS(spfkit_srs_new(NULL, &srs, NULL), SPFKIT_ERR_NULL_PARAMETER);
    EXPECT(srs == NULL);
    srs = make(default_settings());
    EXPECT_STATUS(spfkit_srs_new(s, NULL, NULL), SPFKIT_ERR_NULL_PARAMETER);
    EXPECT_STATUS(spfkit_srs_forward(NULL, "a@b", 3, NOON, &out, &len, NULL, NULL), SPFKIT_ERR_NULL_PARAMETER);
    EXPECT(out == NULL && len == 0);
    EXPECT_STATUS(spfkit_srs_forward(srs, NULL, 0, NOON, &out, NULL, NULL, NULL), SPFKIT_ERR_NULL_PARAMETER);
    EXPECT_STATUS(spfkit_srs_forward(srs, NULL, 3, NOON, &out, NULL, NULL, NULL), SPFKIT_ERR_NULL_PARAMETER);
    EXPECT_STATUS(spfkit_srs_forward(srs, "a@example.com", 13, NOON, NULL, NULL, NULL, NULL),
                  SPFKIT_ERR_NULL_PARAMETER);
    EXPECT_STATUS(spfkit_srs_reverse(NULL, ALICE, strlen(ALICE), NOON, &out, NULL, NULL), SPFKIT_ERR_NULL_PARAMETER);
    EXPECT_STATUS(spfkit_srs_reverse(srs, NULL, 0, NOON, &out, NULL, NULL), SPFKIT_ERR_NULL_PARAMETER);
    EXPECT_STATUS(spfkit_srs_reverse(srs, ALICE, strlen(ALICE), NOON, NULL, NULL, NULL), SPFKIT_ERR_NULL_PARAMETER);
    EXPECT(out == NULL);
    EXPECT_STATUS(spfkit_srs_settings_set_domain(NULL, "x"), SPFKIT_ERR_NULL_PARAMETER);
    EXPECT_STATUS(spfkit_srs_settings_set_domain(s, NULL), SPFKIT_ERR_NULL_PARAMETER);
    EXPECT_STATUS(spfkit_srs_settings_add_local_domain(NULL, "x"), SPFKIT_ERR_NULL_PARAMETER);
    EXPECT_STATUS(spfkit_srs_settings_add_local_domain(s, NULL), SPFKIT_ERR_NULL_PARAMETER);
    EXPECT_STATUS(spfkit_srs_settings_add_secret(NULL, "k", 1), SPFKIT_ERR_NULL_PARAMETER);
    EXPECT_STATUS(spfkit_srs_settings_add_secret(s, NULL, 0), SPFKIT_ERR_NULL_PARAMETER);
    EXPECT_STATUS(spfkit_srs_settings_add_secret(s, "k", SIZE_MAX), SPFKIT_ERR_INVALID_ARGUMENT);
    EXPECT_STATUS(spfkit_srs_settings_set_separator(NULL, '+'), SPFKIT_ERR_NULL_PARAMETER);
    EXPECT_STATUS(spfkit_srs_settings_set_hash_length(NULL, 4), SPFKIT_ERR_NULL_PARAMETER);
    EXPECT_STATUS(spfkit_srs_settings_set_hash_min(NULL, 4), SPFKIT_ERR_NULL_PARAMETER);
    EXPECT_STATUS(spfkit_srs_settings_set_max_age_days(NULL, 4), SPFKIT_ERR_NULL_PARAMETER);
    EXPECT_STATUS(spfkit_srs_settings_set_url_safe(NULL, true), SPFKIT_ERR_NULL_PARAMETER);
    EXPECT_STATUS(spfkit_srs_settings_set_refuse_long(NULL, true), SPFKIT_ERR_NULL_PARAMETER);
    /* None of those changed the settings: they still make the same rewriter. */
    spfkit_srs *same = make(s);
    EXPECT_STATUS(fwd(same, "alice@example.com", MIDNIGHT, &out, NULL, NULL), SPFKIT_OK);
    EXPECT(out && strcmp(out, ALICE) == 0);
    spfkit_string_free(out);
    spfkit_srs_free(same);
    spfkit_srs_free(srs);
    spfkit_srs_free(NULL);
    spfkit_srs_settings_free(NULL);
}

/* What an SMTP client may send: bytes that are not UTF-8, NULs inside,
 * addresses far over any limit, every field cut short or overlong. */
static void test_hostile_input(void) {
    spfkit_srs *srs = make(default_settings());
    char *out = (char *)"stale";
    spfkit_srs_error e;
    memset(&e, 0x55, sizeof e);
    /* Latin-1 and a lone continuation byte: not UTF-8, said so. */
    EXPECT_STATUS(spfkit_srs_forward(srs, LIT("j\xf6rg@example.com"), NOON, &out, NULL, NULL, &e),
                  SPFKIT_ERR_INVALID_UTF8);
    EXPECT(out == NULL && e.kind == 0);
    EXPECT_STATUS(spfkit_srs_reverse(srs, LIT("SRS0=pfQg=7G=example.com=al\x80ice@fwd.example"), NOON, &out, NULL, &e),
                  SPFKIT_ERR_INVALID_UTF8);
    EXPECT(out == NULL);
    /* UTF-8 but not ASCII: malformed, as core says. */
    EXPECT(forward_refused(srs, LIT("j\xc3\xb6rg@example.com"), SPFKIT_SRS_ERROR_MALFORMED));
    EXPECT(reverse_refused(srs, LIT("SRS0=pfQg=7G=example.com=alic\xc3\xa9@fwd.example"), SPFKIT_SRS_ERROR_MALFORMED));
    /* An embedded NUL is seen, not cut at. */
    EXPECT(forward_refused(srs, LIT("a\0b@example.com"), SPFKIT_SRS_ERROR_MALFORMED));
    EXPECT(forward_refused(srs, LIT("alice@example.com\0"), SPFKIT_SRS_ERROR_MALFORMED));
    EXPECT(reverse_refused(srs, LIT(ALICE "\0"), SPFKIT_SRS_ERROR_MALFORMED));
    EXPECT(reverse_refused(srs, LIT("SRS0=pfQg=7G=example.com=al\0ice@fwd.example"), SPFKIT_SRS_ERROR_MALFORMED));
    /* Control characters. */
    EXPECT(forward_refused(srs, LIT("a\tb@example.com"), SPFKIT_SRS_ERROR_MALFORMED));
    EXPECT(reverse_refused(srs, LIT("SRS0=pfQg=7G=example.com=alice\n@fwd.example"), SPFKIT_SRS_ERROR_MALFORMED));
    /* Empty, truncated, empty local parts. */
    EXPECT(forward_refused(srs, LIT(""), SPFKIT_SRS_ERROR_MALFORMED));
    EXPECT(forward_refused(srs, LIT("@example.com"), SPFKIT_SRS_ERROR_MALFORMED));
    EXPECT(forward_refused(srs, LIT("alice@"), SPFKIT_SRS_ERROR_MALFORMED));
    EXPECT(reverse_refused(srs, LIT(""), SPFKIT_SRS_ERROR_NOT_SRS));
    EXPECT(reverse_refused(srs, LIT("SRS0="), SPFKIT_SRS_ERROR_MALFORMED));
    EXPECT(reverse_refused(srs, LIT("SRS0=pfQg=7G"), SPFKIT_SRS_ERROR_MALFORMED));
    EXPECT(reverse_refused(srs, LIT("SRS0=pfQg=7G=example.com"), SPFKIT_SRS_ERROR_MALFORMED));
    EXPECT(reverse_refused(srs, LIT("SRS0=QJV9=7G=example.com=@fwd.example"), SPFKIT_SRS_ERROR_MALFORMED));
    /* Lower-cased with a bad hash, hashes of the wrong length or alphabet. */
    EXPECT(reverse_refused(srs, LIT("srs0=xxxx=7g=example.com=alice@fwd.example"), SPFKIT_SRS_ERROR_BAD_HASH));
    EXPECT(reverse_refused(srs, LIT("SRS0=p=7G=example.com=alice@fwd.example"), SPFKIT_SRS_ERROR_BAD_HASH));
    EXPECT(reverse_refused(srs, LIT("SRS0==7G=example.com=alice@fwd.example"), SPFKIT_SRS_ERROR_BAD_HASH));
    EXPECT(reverse_refused(srs, LIT("SRS0=pf.g=7G=example.com=alice@fwd.example"), SPFKIT_SRS_ERROR_BAD_HASH));
    EXPECT(reverse_refused(srs, LIT("SRS0=pfQg=70=example.com=alice@fwd.example"), SPFKIT_SRS_ERROR_BAD_TIMESTAMP));

    /* Huge: a timestamp of 900 characters (CVE-2020-35573), a megabyte of
     * address either way, 1023 octets and one more. */
    size_t big = 1 << 20;
    char *huge = malloc(big + 64);
    EXPECT(huge != NULL);
    if (huge) {
        int n = snprintf(huge, 64, "SRS0=pfQg=");
        memset(huge + n, '7', 900);
        strcpy(huge + n + 900, "=example.com=alice@fwd.example");
        EXPECT(reverse_refused(srs, huge, strlen(huge), SPFKIT_SRS_ERROR_BAD_TIMESTAMP));
        memset(huge, 'a', big);
        memcpy(huge + big - 12, "@example.com", 12);
        EXPECT(forward_refused(srs, huge, big, SPFKIT_SRS_ERROR_TOO_LONG));
        EXPECT(reverse_refused(srs, huge, big, SPFKIT_SRS_ERROR_NOT_SRS));
        memcpy(huge, "SRS0=pfQg=7G=example.com=", 25);
        EXPECT(reverse_refused(srs, huge, big, SPFKIT_SRS_ERROR_TOO_LONG));
        /* 998 octets rewrite to exactly 1023; 999 to one too many. */
        memset(huge, 'u', 986);
        memcpy(huge + 986, "@example.com", 13);
        size_t olen = 0;
        EXPECT_STATUS(spfkit_srs_forward(srs, huge, 998, NOON, &out, &olen, NULL, NULL), SPFKIT_OK);
        EXPECT(olen == 1023 && out && strlen(out) == 1023);
        spfkit_string_free(out);
        memset(huge, 'u', 987);
        memcpy(huge + 987, "@example.com", 13);
        EXPECT(forward_refused(srs, huge, 999, SPFKIT_SRS_ERROR_TOO_LONG));
        free(huge);
    }
    spfkit_srs_free(srs);
}

/* One rewriter, many threads: forward and reverse at once. */
#define SRS_THREADS 4
static void *rewrite_many(void *arg) {
    const spfkit_srs *srs = arg;
    for (int i = 0; i < 200; i++) {
        char sender[64], *out = NULL, *back = NULL;
        snprintf(sender, sizeof sender, "user%d@example.com", i);
        if (fwd(srs, sender, NOON, &out, NULL, NULL) != SPFKIT_OK ||
            rev(srs, out, NOON + DAY, &back, NULL) != SPFKIT_OK || strcmp(back, sender) != 0)
            failures++;
        spfkit_string_free(out);
        spfkit_string_free(back);
    }
    return NULL;
}

static void test_threads(void) {
    spfkit_srs *srs = make(default_settings());
    pthread_t t[SRS_THREADS];
    for (int i = 0; i < SRS_THREADS; i++) EXPECT(pthread_create(&t[i], NULL, rewrite_many, srs) == 0);
    for (int i = 0; i < SRS_THREADS; i++) pthread_join(t[i], NULL);
    spfkit_srs_free(srs);
}

void run_srs_tests(void) {
    test_names_and_statuses();
    test_forward_and_reverse();
    test_options();
    test_settings_refused();
    test_clock();
    test_keygen();
    test_null_pointers();
    test_hostile_input();
    test_threads();
}

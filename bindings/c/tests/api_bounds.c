/*
 * The C API at its bounds: answers larger than one DNS message, the
 * deadline (spfkit_evaluation_expire), hostile texts in headers and
 * explanations, numbers that name no type or exceed a limit, answers by id
 * across steps, and every result as the only definitive one. Part of the
 * api test program (api.c runs these).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expect.h"

/* More records, or more TXT bytes, than one DNS message carries is no DNS
 * answer: temperror, as in every host, never an error of the caller's. */
static void test_oversized_answers(void) {
    static uint8_t big[65536];
    memset(big, 'x', sizeof big);
    for (int which = 0; which < 3; which++) {
        spfkit_evaluation *ev = NULL;
        EXPECT_STATUS(spfkit_evaluation_new("192.0.2.1", "a@example.com", "h", NULL, &ev), SPFKIT_OK);
        spfkit_step step;
        size_t n;
        EXPECT_STATUS(spfkit_evaluation_next(ev, &step, &n), SPFKIT_OK);
        spfkit_query q;
        EXPECT_STATUS(spfkit_evaluation_query(ev, 0, &q), SPFKIT_OK);
        /* 5,957 records; one TXT record of 65,536 bytes; 5,956 records, the most a message holds. */
        size_t count = which == 0 ? 5957 : which == 1 ? 1 : 5956;
        spfkit_rdata *records = calloc(count, sizeof *records);
        EXPECT(records != NULL);
        for (size_t i = 0; records && i < count; i++) {
            records[i].qtype = SPFKIT_QTYPE_TXT;
            records[i].data = which == 1 ? big : (const uint8_t *)"t";
            records[i].len = which == 1 ? sizeof big : 1;
        }
        EXPECT_STATUS(spfkit_evaluation_answer_records(ev, q.id, records, count), SPFKIT_OK);
        free(records);
        EXPECT_STATUS(spfkit_evaluation_next(ev, &step, &n), SPFKIT_OK);
        EXPECT(step == SPFKIT_STEP_DONE);
        spfkit_outcome *out = NULL;
        EXPECT_STATUS(spfkit_evaluation_outcome(ev, &out), SPFKIT_OK);
        spfkit_result r;
        EXPECT_STATUS(spfkit_outcome_result(out, SPFKIT_IDENTITY_MAIL_FROM, &r), SPFKIT_OK);
        /* Within the bound it is an answer: no SPF record among them, none. */
        EXPECT(r == (which == 2 ? SPFKIT_RESULT_NONE : SPFKIT_RESULT_TEMPERROR));
        spfkit_outcome_free(out);
        spfkit_evaluation_free(ev);
    }
}

/* The deadline: after spfkit_evaluation_expire() nothing more is asked and
 * the check ends in temperror. */
static void test_expire(void) {
    spfkit_evaluation *ev = NULL;
    EXPECT_STATUS(spfkit_evaluation_new("192.0.2.1", "a@example.com", "h", NULL, &ev), SPFKIT_OK);
    spfkit_step step;
    size_t n;
    EXPECT_STATUS(spfkit_evaluation_next(ev, &step, &n), SPFKIT_OK);
    EXPECT(step == SPFKIT_STEP_LOOKUP && n == 1);
    spfkit_query q;
    EXPECT_STATUS(spfkit_evaluation_query(ev, 0, &q), SPFKIT_OK);
    EXPECT_STATUS(spfkit_evaluation_expire(ev), SPFKIT_OK);
    EXPECT_STATUS(spfkit_evaluation_next(ev, &step, &n), SPFKIT_OK);
    EXPECT(step == SPFKIT_STEP_DONE);
    EXPECT_STATUS(spfkit_evaluation_answer_empty(ev, q.id, SPFKIT_ANSWER_NXDOMAIN), SPFKIT_ERR_ALREADY_ANSWERED);
    spfkit_outcome *out = NULL;
    EXPECT_STATUS(spfkit_evaluation_outcome(ev, &out), SPFKIT_OK);
    spfkit_result r;
    EXPECT_STATUS(spfkit_outcome_result(out, SPFKIT_IDENTITY_DECIDING, &r), SPFKIT_OK);
    EXPECT(r == SPFKIT_RESULT_TEMPERROR);
    spfkit_outcome_free(out);
    spfkit_evaluation_free(ev);
    EXPECT_STATUS(spfkit_evaluation_expire(NULL), SPFKIT_ERR_NULL_PARAMETER);
}

/* Hostile texts: a record of 63,000 bytes, a sender with CR LF in an exp=
 * through %{s}. Header lines stay within 998 characters (folded with CRLF
 * and a space); the explanation carries no CR, LF or NUL. */
static const char *hostile_record;

static void hostile_resolve(void *ctx, const spfkit_query *q, spfkit_answerer *a) {
    (void)ctx;
    const char *txt = NULL;
    if (strcmp(q->name, "long.example.com") == 0) txt = hostile_record;
    if (strcmp(q->name, "example.com") == 0) txt = "v=spf1 -all exp=why.example.com";
    if (strcmp(q->name, "why.example.com") == 0) txt = "Go away %{s} now";
    if (txt && q->qtype == SPFKIT_QTYPE_TXT) {
        spfkit_rdata r = {SPFKIT_QTYPE_TXT, 0, (const uint8_t *)txt, strlen(txt)};
        spfkit_answerer_records(a, &r, 1);
    } else {
        spfkit_answerer_empty(a, SPFKIT_ANSWER_NXDOMAIN);
    }
}

static void expect_short_lines(const char *h) {
    EXPECT(h != NULL);
    size_t line = 0;
    for (const char *p = h; p && *p; p++) {
        if (*p == '\r') {
            EXPECT(p[1] == '\n' && p[2] == ' '); /* only folds */
            line = 0;
            p++;
            continue;
        }
        EXPECT(*p != '\n');
        line++;
        EXPECT(line <= 998);
    }
}

static void test_hostile_texts(void) {
    static char record[63008];
    strcpy(record, "v=spf1 ");
    memset(record + 7, 'z', 63000);
    record[63007] = '\0';
    hostile_record = record;
    spfkit_options *o = spfkit_options_new();
    EXPECT_STATUS(spfkit_options_set_scope(o, SPFKIT_SCOPE_MAIL_FROM), SPFKIT_OK);
    spfkit_outcome *out = NULL;
    /* A sender of 4,000 bytes as well: its value is cut. */
    static char sender[4020];
    memset(sender, 's', 4000);
    strcpy(sender + 4000, "@long.example.com");
    EXPECT_STATUS(spfkit_check("192.0.2.1", sender, "h", o, hostile_resolve, NULL, &out), SPFKIT_OK);
    spfkit_result r;
    EXPECT_STATUS(spfkit_outcome_result(out, SPFKIT_IDENTITY_DECIDING, &r), SPFKIT_OK);
    EXPECT(r == SPFKIT_RESULT_PERMERROR);
    char *h = NULL;
    EXPECT_STATUS(spfkit_outcome_received_spf(out, SPFKIT_IDENTITY_DECIDING, &h, NULL), SPFKIT_OK);
    expect_short_lines(h);
    EXPECT(h && strstr(h, "[truncated]\""));
    spfkit_string_free(h);
    EXPECT_STATUS(spfkit_outcome_authentication_results(out, "mx.example", &h, NULL), SPFKIT_OK);
    expect_short_lines(h);
    spfkit_string_free(h);
    spfkit_outcome_free(out);

    EXPECT_STATUS(spfkit_check("192.0.2.1", "bad\r\nX-Evil: 1@example.com", "h", o, hostile_resolve, NULL, &out),
                  SPFKIT_OK);
    EXPECT_STATUS(spfkit_outcome_result(out, SPFKIT_IDENTITY_DECIDING, &r), SPFKIT_OK);
    EXPECT(r == SPFKIT_RESULT_FAIL);
    char *e = NULL;
    size_t len = 0;
    EXPECT_STATUS(spfkit_outcome_explanation(out, SPFKIT_IDENTITY_DECIDING, &e, &len), SPFKIT_OK);
    EXPECT(e && strcmp(e, "Go away bad??X-Evil: 1@example.com now") == 0 && len == strlen(e));
    spfkit_string_free(e);
    spfkit_outcome_free(out);
    spfkit_options_free(o);
}

/* Numbers outside an enumeration are refused with the status they always
 * had: a record type SPF never asks for, a limit over SPFKIT_MAX_LIMIT. */
static void test_refused_numbers(void) {
    spfkit_evaluation *ev = NULL;
    EXPECT_STATUS(spfkit_evaluation_new("192.0.2.1", "a@example.com", "h", NULL, &ev), SPFKIT_OK);
    spfkit_step step;
    size_t n;
    EXPECT_STATUS(spfkit_evaluation_next(ev, &step, &n), SPFKIT_OK);
    spfkit_query q;
    EXPECT_STATUS(spfkit_evaluation_query(ev, 0, &q), SPFKIT_OK);
    /* 0, NS, CNAME, SOA, SPF (99), one past AAAA, the largest. */
    const uint16_t bad_types[] = {0, 2, 5, 6, 99, 29, 65535};
    for (size_t i = 0; i < sizeof bad_types / sizeof bad_types[0]; i++) {
        spfkit_rdata r[2] = {{SPFKIT_QTYPE_TXT, 0, (const uint8_t *)"v=spf1 -all", 11},
                             {bad_types[i], 0, (const uint8_t *)"\1\2\3\4", 4}};
        EXPECT_STATUS(spfkit_evaluation_answer_records(ev, q.id, r, 2), SPFKIT_ERR_INVALID_ARGUMENT);
        spfkit_query bad = q;
        bad.qtype = bad_types[i];
        uint8_t msg[512];
        size_t mlen;
        EXPECT_STATUS(spfkit_query_message(&bad, 1, msg, sizeof msg, &mlen), SPFKIT_ERR_INVALID_ARGUMENT);
    }
    /* A bad record in an answer over the bound is still no DNS answer at
     * all (temperror), not the caller's error; see test_oversized_answers. */
    static spfkit_rdata many[5957];
    for (size_t i = 0; i < 5957; i++) many[i] = (spfkit_rdata){99, 0, NULL, 0};
    spfkit_evaluation *ev2 = NULL;
    EXPECT_STATUS(spfkit_evaluation_new("192.0.2.1", "a@example.com", "h", NULL, &ev2), SPFKIT_OK);
    EXPECT_STATUS(spfkit_evaluation_next(ev2, &step, &n), SPFKIT_OK);
    spfkit_query q2;
    EXPECT_STATUS(spfkit_evaluation_query(ev2, 0, &q2), SPFKIT_OK);
    EXPECT_STATUS(spfkit_evaluation_answer_records(ev2, q2.id, many, 5957), SPFKIT_OK);
    EXPECT_STATUS(spfkit_evaluation_next(ev2, &step, &n), SPFKIT_OK);
    EXPECT(step == SPFKIT_STEP_DONE);
    spfkit_evaluation_free(ev2);
    /* The refused answers left the query unanswered: a good one still goes in. */
    spfkit_rdata good = {SPFKIT_QTYPE_TXT, 0, (const uint8_t *)"v=spf1 -all", 11};
    EXPECT_STATUS(spfkit_evaluation_answer_records(ev, q.id, &good, 1), SPFKIT_OK);
    /* An unknown id comes before a bad message pointer; a known one does not. */
    EXPECT_STATUS(spfkit_evaluation_answer_message(ev, q.id + 1000, NULL, 5), SPFKIT_ERR_UNKNOWN_ID);
    EXPECT_STATUS(spfkit_evaluation_answer_message(ev, q.id, NULL, 5), SPFKIT_ERR_NULL_PARAMETER);
    spfkit_evaluation_free(ev);

    spfkit_options *o = spfkit_options_new();
    const spfkit_limits rfc = {10, 10, 10, 2};
    for (int field = 0; field < 4; field++) {
        const uint32_t too_big[] = {SPFKIT_MAX_LIMIT + 1, UINT32_MAX};
        for (int b = 0; b < 2; b++) {
            spfkit_limits l = rfc;
            uint32_t *f[] = {&l.dns_terms, &l.mx_names, &l.ptr_names, &l.void_lookups};
            *f[field] = too_big[b];
            EXPECT_STATUS(spfkit_options_set_limits(o, &l), SPFKIT_ERR_INVALID_ARGUMENT);
            *f[field] = SPFKIT_MAX_LIMIT;
            EXPECT_STATUS(spfkit_options_set_limits(o, &l), SPFKIT_OK);
            EXPECT_STATUS(spfkit_options_set_limits(o, &rfc), SPFKIT_OK);
        }
    }
    /* A refused change changes nothing. */
    spfkit_limits l = {7, 8, 9, 1};
    EXPECT_STATUS(spfkit_options_set_limits(o, &l), SPFKIT_OK);
    spfkit_limits over = {7, 8, 9, SPFKIT_MAX_LIMIT + 1};
    EXPECT_STATUS(spfkit_options_set_limits(o, &over), SPFKIT_ERR_INVALID_ARGUMENT);
    EXPECT_STATUS(spfkit_options_limits(o, &l), SPFKIT_OK);
    EXPECT(l.dns_terms == 7 && l.mx_names == 8 && l.ptr_names == 9 && l.void_lookups == 1);
    spfkit_options_free(o);
}

/* A DNS response to `query` with one answer record of type `rtype` and
 * `rdlen` bytes of rdata, or none when rdata is NULL, and RCODE `rcode`. */
static size_t response_rr(const uint8_t *query, size_t qlen, uint16_t rtype, const uint8_t *rdata, size_t rdlen,
                          int rcode, uint8_t *out) {
    memcpy(out, query, qlen);
    out[2] |= 0x80; /* QR */
    out[3] = (uint8_t)((out[3] & 0xf0) | rcode);
    if (!rdata) return qlen;
    out[7] = 1; /* ANCOUNT */
    const uint8_t rr[] = {0xc0, 12, (uint8_t)(rtype >> 8), (uint8_t)rtype, 0, 1, 0, 0, 0x0e, 0x10, 0, (uint8_t)rdlen};
    memcpy(out + qlen, rr, sizeof rr);
    memcpy(out + qlen + sizeof rr, rdata, rdlen);
    return qlen + sizeof rr + rdlen;
}

/* Answers `q` with a raw message: one record, or NXDOMAIN for rdata NULL. */
static spfkit_status answer_raw(spfkit_evaluation *ev, const spfkit_query *q, const uint8_t *rdata, size_t rdlen) {
    uint8_t qmsg[512], rmsg[1024];
    size_t qlen = 0;
    EXPECT_STATUS(spfkit_query_message(q, (uint16_t)q->id, qmsg, sizeof qmsg, &qlen), SPFKIT_OK);
    size_t rlen = response_rr(qmsg, qlen, q->qtype, rdata, rdlen, rdata ? 0 : 3, rmsg);
    return spfkit_evaluation_answer_message(ev, q->id, rmsg, rlen);
}

/* Raw messages answered by id, late and out of order, after the evaluation
 * has handed out several steps: ids and names of every step stay valid. */
static void test_answer_by_id_across_steps(void) {
    spfkit_evaluation *ev = NULL;
    EXPECT_STATUS(spfkit_evaluation_new("192.0.2.3", "a@example.com", "h", NULL, &ev), SPFKIT_OK);
    spfkit_step step;
    size_t n;
    spfkit_query seen[8];
    size_t count = 0;

    /* Step 1: the TXT record, by message. */
    EXPECT_STATUS(spfkit_evaluation_next(ev, &step, &n), SPFKIT_OK);
    EXPECT(step == SPFKIT_STEP_LOOKUP && n == 1);
    EXPECT_STATUS(spfkit_evaluation_query(ev, 0, &seen[count]), SPFKIT_OK);
    const char *txt = "\016v=spf1 mx -all";
    EXPECT_STATUS(answer_raw(ev, &seen[count], (const uint8_t *)txt, strlen(txt)), SPFKIT_OK);
    count++;

    /* Step 2: the MX record, three hosts (records from an array). */
    EXPECT_STATUS(spfkit_evaluation_next(ev, &step, &n), SPFKIT_OK);
    EXPECT(step == SPFKIT_STEP_LOOKUP && n == 1);
    EXPECT_STATUS(spfkit_evaluation_query(ev, 0, &seen[count]), SPFKIT_OK);
    EXPECT(seen[count].qtype == SPFKIT_QTYPE_MX);
    spfkit_rdata mx[3] = {{SPFKIT_QTYPE_MX, 10, (const uint8_t *)"mx1.example.com", 15},
                          {SPFKIT_QTYPE_MX, 10, (const uint8_t *)"mx2.example.com.", 16},
                          {SPFKIT_QTYPE_MX, 20, (const uint8_t *)"mx3.example.com", 15}};
    EXPECT_STATUS(spfkit_evaluation_answer_records(ev, seen[count].id, mx, 3), SPFKIT_OK);
    count++;

    /* Step 3: the three hosts' addresses at once. */
    EXPECT_STATUS(spfkit_evaluation_next(ev, &step, &n), SPFKIT_OK);
    EXPECT(step == SPFKIT_STEP_LOOKUP && n == 3);
    size_t hosts = count;
    for (size_t i = 0; i < n && count < 8; i++, count++) {
        EXPECT_STATUS(spfkit_evaluation_query(ev, i, &seen[count]), SPFKIT_OK);
        EXPECT(seen[count].qtype == SPFKIT_QTYPE_A);
    }
    /* Nothing new; the last step's index numbers are gone, its ids are not. */
    EXPECT_STATUS(spfkit_evaluation_next(ev, &step, &n), SPFKIT_OK);
    EXPECT(step == SPFKIT_STEP_PENDING && n == 0);
    spfkit_query gone;
    EXPECT_STATUS(spfkit_evaluation_query(ev, 0, &gone), SPFKIT_ERR_OUT_OF_RANGE);

    /* Answer the hosts by id, the match last: 192.0.2.1, NXDOMAIN, 192.0.2.3. */
    const uint8_t addr1[4] = {192, 0, 2, 1}, addr3[4] = {192, 0, 2, 3};
    for (size_t i = hosts; i < count; i++) {
        const char *name = seen[i].name;
        const uint8_t *addr = strcmp(name, "mx1.example.com") == 0   ? addr1
                              : strcmp(name, "mx3.example.com") == 0 ? addr3
                                                                     : NULL;
        if (addr == addr3) continue;
        EXPECT_STATUS(answer_raw(ev, &seen[i], addr, addr ? 4 : 0), SPFKIT_OK);
        EXPECT_STATUS(spfkit_evaluation_next(ev, &step, &n), SPFKIT_OK);
        EXPECT(step == SPFKIT_STEP_PENDING);
    }
    for (size_t i = hosts; i < count; i++) {
        if (strcmp(seen[i].name, "mx3.example.com") == 0) {
            EXPECT_STATUS(answer_raw(ev, &seen[i], addr3, 4), SPFKIT_OK);
        }
    }
    EXPECT_STATUS(spfkit_evaluation_next(ev, &step, &n), SPFKIT_OK);
    EXPECT(step == SPFKIT_STEP_DONE);

    /* Every step's ids are still known, and answered; names still readable. */
    for (size_t i = 0; i < count; i++) {
        EXPECT_STATUS(answer_raw(ev, &seen[i], NULL, 0), SPFKIT_ERR_ALREADY_ANSWERED);
        EXPECT(strlen(seen[i].name) == seen[i].name_len);
    }
    EXPECT(strcmp(seen[0].name, "example.com") == 0 && seen[0].qtype == SPFKIT_QTYPE_TXT);
    EXPECT(strcmp(seen[1].name, "example.com") == 0 && seen[1].qtype == SPFKIT_QTYPE_MX);
    spfkit_outcome *out = NULL;
    EXPECT_STATUS(spfkit_evaluation_outcome(ev, &out), SPFKIT_OK);
    spfkit_result r;
    EXPECT_STATUS(spfkit_outcome_result(out, SPFKIT_IDENTITY_MAIL_FROM, &r), SPFKIT_OK);
    EXPECT(r == SPFKIT_RESULT_PASS);
    spfkit_counters c;
    EXPECT_STATUS(spfkit_outcome_counters(out, SPFKIT_IDENTITY_MAIL_FROM, &c), SPFKIT_OK);
    EXPECT(c.queries == 5 && c.round_trips == 3 && count == 5);
    spfkit_outcome_free(out);
    spfkit_evaluation_free(ev);
}

/* HELO names whose check gives each result: <result>.helo.example. */
static void definitive_resolve(void *ctx, const spfkit_query *q, spfkit_answerer *a) {
    (void)ctx;
    static const char *const records[] = {
        NULL,            /* none: no record */
        "v=spf1 ?all",   /* neutral */
        "v=spf1 +all",   /* pass */
        "v=spf1 -all",   /* fail */
        "v=spf1 ~all",   /* softfail */
        NULL,            /* temperror: the lookup fails */
        "v=spf1 bogus",  /* permerror */
    };
    if (q->qtype != SPFKIT_QTYPE_TXT) {
        spfkit_answerer_empty(a, SPFKIT_ANSWER_NODATA);
        return;
    }
    if (strcmp(q->name, "mailfrom.example") == 0) {
        spfkit_rdata r = {SPFKIT_QTYPE_TXT, 0, (const uint8_t *)"v=spf1 -all", 11};
        spfkit_answerer_records(a, &r, 1);
        return;
    }
    for (uint32_t i = 0; i < 7; i++) {
        char name[64];
        snprintf(name, sizeof name, "%s.helo.example", spfkit_result_name(i));
        if (strcmp(q->name, name) != 0) continue;
        if (i == SPFKIT_RESULT_TEMPERROR) {
            spfkit_answerer_empty(a, SPFKIT_ANSWER_TEMPERROR);
        } else if (records[i]) {
            spfkit_rdata r = {SPFKIT_QTYPE_TXT, 0, (const uint8_t *)records[i], strlen(records[i])};
            spfkit_answerer_records(a, &r, 1);
        } else {
            spfkit_answerer_empty(a, SPFKIT_ANSWER_NXDOMAIN);
        }
        return;
    }
    spfkit_answerer_empty(a, SPFKIT_ANSWER_NXDOMAIN);
}

/* spfkit_options_set_definitive: bit x is SPFKIT_RESULT_x, for every x.
 * With only `chosen` definitive, HELO decides exactly when its result is
 * `chosen`; otherwise MAIL FROM (fail here) is checked and decides. */
static void test_definitive_each_result(void) {
    for (uint32_t chosen = 0; chosen <= 8; chosen++) {
        /* 7: none definitive; 8: all. */
        uint32_t mask = chosen < 7 ? 1u << chosen : chosen == 7 ? 0 : 0x7f;
        spfkit_options *o = spfkit_options_new();
        EXPECT_STATUS(spfkit_options_set_definitive(o, mask), SPFKIT_OK);
        for (uint32_t helo_result = 0; helo_result < 7; helo_result++) {
            char helo[64];
            snprintf(helo, sizeof helo, "%s.helo.example", spfkit_result_name(helo_result));
            spfkit_outcome *out = NULL;
            EXPECT_STATUS(
                spfkit_check("192.0.2.1", "a@mailfrom.example", helo, o, definitive_resolve, NULL, &out),
                SPFKIT_OK);
            spfkit_result r = 99;
            EXPECT_STATUS(spfkit_outcome_result(out, SPFKIT_IDENTITY_HELO, &r), SPFKIT_OK);
            EXPECT(r == helo_result);
            int definitive = (mask >> helo_result) & 1;
            spfkit_identity who;
            EXPECT_STATUS(spfkit_outcome_decided_by(out, &who), SPFKIT_OK);
            if (who != (definitive ? SPFKIT_IDENTITY_HELO : SPFKIT_IDENTITY_MAIL_FROM)) {
                fprintf(stderr, "definitive mask %#x, HELO %s: decided by %d\n", mask,
                        spfkit_result_name(helo_result), (int)who);
                failures++;
            }
            EXPECT_STATUS(spfkit_outcome_result(out, SPFKIT_IDENTITY_MAIL_FROM, &r),
                          definitive ? SPFKIT_ERR_NOT_CHECKED : SPFKIT_OK);
            EXPECT(definitive || r == SPFKIT_RESULT_FAIL);
            spfkit_outcome_free(out);
        }
        spfkit_options_free(o);
    }
}

void run_bounds_tests(void) {
    test_oversized_answers();
    test_expire();
    test_hostile_texts();
    test_refused_numbers();
    test_answer_by_id_across_steps();
    test_definitive_each_result();
}

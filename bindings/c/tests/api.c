/*
 * The C API's contract: the step API with parsed and raw answers, the
 * blocking callback, every outcome getter, record parsing, and the error
 * paths (NULL, bad UTF-8, bad addresses, out-of-range values, unknown and
 * repeated answers, NULL frees), with api_bounds.c the API at its bounds,
 * with policy_api.c receiver policy's API and with srs_api.c SRS's. Run under valgrind and with
 * -fsanitize=address,undefined by the Makefile.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expect.h"

_Atomic int failures;

/* ---- a small zone: (name, type) -> records ---- */

typedef struct {
    const char *name;
    uint16_t qtype;
    const char *data; /* TXT text, MX exchange, or NULL */
    unsigned char addr[16];
    size_t addr_len;
} zone_entry;

static const zone_entry ZONE[] = {
    {"example.com", SPFKIT_QTYPE_TXT, "v=spf1 mx ip4:198.51.100.0/24 -all exp=why.example.com", {0}, 0},
    {"example.com", SPFKIT_QTYPE_MX, "mail.example.com", {0}, 0},
    {"mail.example.com", SPFKIT_QTYPE_A, NULL, {192, 0, 2, 25}, 4},
    {"why.example.com", SPFKIT_QTYPE_TXT, "%{i} is not allowed to send for %{d}", {0}, 0},
    {"helo.example.org", SPFKIT_QTYPE_TXT, "v=spf1 a -all", {0}, 0},
    {"helo.example.org", SPFKIT_QTYPE_A, NULL, {192, 0, 2, 25}, 4},
};

/* Answers from ZONE; NXDOMAIN for unknown names, NODATA for unknown types. */
static spfkit_status answer_from_zone(spfkit_evaluation *ev, const spfkit_query *q) {
    spfkit_rdata records[4];
    size_t n = 0;
    int name_known = 0;
    for (size_t i = 0; i < sizeof ZONE / sizeof ZONE[0]; i++) {
        const zone_entry *e = &ZONE[i];
        if (strcmp(e->name, q->name) != 0) continue;
        name_known = 1;
        if (e->qtype != q->qtype) continue;
        spfkit_rdata r = {e->qtype, 10, NULL, 0};
        if (e->data) {
            r.data = (const uint8_t *)e->data;
            r.len = strlen(e->data);
        } else {
            r.data = e->addr;
            r.len = e->addr_len;
        }
        records[n++] = r;
    }
    if (n) return spfkit_evaluation_answer_records(ev, q->id, records, n);
    return spfkit_evaluation_answer_empty(ev, q->id, name_known ? SPFKIT_ANSWER_NODATA : SPFKIT_ANSWER_NXDOMAIN);
}

static spfkit_outcome *run(spfkit_evaluation *ev) {
    for (;;) {
        spfkit_step step;
        size_t n = 99;
        EXPECT_STATUS(spfkit_evaluation_next(ev, &step, &n), SPFKIT_OK);
        if (step == SPFKIT_STEP_DONE) {
            EXPECT(n == 0);
            break;
        }
        EXPECT(step == SPFKIT_STEP_LOOKUP && n > 0);
        /* The host may answer in any order: last first. */
        for (size_t i = n; i-- > 0;) {
            spfkit_query q;
            EXPECT_STATUS(spfkit_evaluation_query(ev, i, &q), SPFKIT_OK);
            EXPECT(strlen(q.name) == q.name_len);
            EXPECT_STATUS(answer_from_zone(ev, &q), SPFKIT_OK);
        }
    }
    spfkit_outcome *out = NULL;
    EXPECT_STATUS(spfkit_evaluation_outcome(ev, &out), SPFKIT_OK);
    return out;
}

static void test_version_and_status(void) {
    char built[32];
    snprintf(built, sizeof built, "%d.%d.%d", SPFKIT_VERSION_MAJOR, SPFKIT_VERSION_MINOR, SPFKIT_VERSION_PATCH);
    EXPECT(strcmp(spfkit_version(), SPFKIT_VERSION_STRING) == 0);
    EXPECT(strcmp(built, SPFKIT_VERSION_STRING) == 0);
    EXPECT(SPFKIT_SONAME_VERSION == SPFKIT_VERSION_MAJOR);
    EXPECT(strcmp(spfkit_status_message(SPFKIT_OK), "success") == 0);
    EXPECT(strcmp(spfkit_status_message(SPFKIT_ERR_NULL_PARAMETER), "a required pointer argument was NULL") == 0);
    EXPECT(strcmp(spfkit_status_message(12345), "unknown status") == 0);
    for (uint32_t s = 7001; s <= 7017; s++) EXPECT(strcmp(spfkit_status_message(s), "unknown status") != 0);
    EXPECT(strcmp(spfkit_result_name(SPFKIT_RESULT_PERMERROR), "permerror") == 0);
    EXPECT(spfkit_result_name(7) == NULL);
}

static void test_fail_with_explanation(void) {
    spfkit_options *o = spfkit_options_new();
    EXPECT(o != NULL);
    EXPECT_STATUS(spfkit_options_set_receiver(o, "mx.example.net"), SPFKIT_OK);
    EXPECT_STATUS(spfkit_options_set_trace(o, true), SPFKIT_OK);
    spfkit_evaluation *ev = NULL;
    EXPECT_STATUS(spfkit_evaluation_new("192.0.2.99", "<alice@example.com>", "other.example.org", o, &ev), SPFKIT_OK);
    spfkit_options_free(o); /* the evaluation copied what it needs */

    spfkit_outcome *early = (spfkit_outcome *)1;
    EXPECT_STATUS(spfkit_evaluation_outcome(ev, &early), SPFKIT_ERR_NOT_DONE);
    EXPECT(early == NULL);
    spfkit_outcome *out = run(ev);
    spfkit_evaluation_free(ev);

    spfkit_result r;
    spfkit_identity who;
    EXPECT_STATUS(spfkit_outcome_result(out, SPFKIT_IDENTITY_DECIDING, &r), SPFKIT_OK);
    EXPECT(r == SPFKIT_RESULT_FAIL);
    EXPECT_STATUS(spfkit_outcome_decided_by(out, &who), SPFKIT_OK);
    EXPECT(who == SPFKIT_IDENTITY_MAIL_FROM);
    /* HELO other.example.org was checked first: no record, none, not definitive. */
    EXPECT_STATUS(spfkit_outcome_result(out, SPFKIT_IDENTITY_HELO, &r), SPFKIT_OK);
    EXPECT(r == SPFKIT_RESULT_NONE);

    char *s = NULL;
    size_t len = 0;
    EXPECT_STATUS(spfkit_outcome_explanation(out, SPFKIT_IDENTITY_MAIL_FROM, &s, &len), SPFKIT_OK);
    EXPECT(s && strcmp(s, "192.0.2.99 is not allowed to send for example.com") == 0 && len == strlen(s));
    spfkit_string_free(s);
    EXPECT_STATUS(spfkit_outcome_domain(out, SPFKIT_IDENTITY_MAIL_FROM, &s, NULL), SPFKIT_OK);
    EXPECT(s && strcmp(s, "example.com") == 0);
    spfkit_string_free(s);
    EXPECT_STATUS(spfkit_outcome_mechanism(out, SPFKIT_IDENTITY_MAIL_FROM, &s, NULL), SPFKIT_OK);
    EXPECT(s && strcmp(s, "-all") == 0);
    spfkit_string_free(s);
    s = (char *)1;
    len = 99;
    EXPECT_STATUS(spfkit_outcome_reason(out, SPFKIT_IDENTITY_MAIL_FROM, &s, &len), SPFKIT_OK);
    EXPECT(s == NULL && len == 0);

    spfkit_counters c;
    EXPECT_STATUS(spfkit_outcome_counters(out, SPFKIT_IDENTITY_MAIL_FROM, &c), SPFKIT_OK);
    EXPECT(c.dns_terms == 1 && c.void_lookups == 0 && c.queries == 4 && c.round_trips == 4);

    EXPECT_STATUS(spfkit_outcome_received_spf(out, SPFKIT_IDENTITY_DECIDING, &s, NULL), SPFKIT_OK);
    EXPECT(s && strncmp(s, "Received-SPF: fail ", 19) == 0 && strstr(s, "receiver=mx.example.net") &&
           !strchr(s, '\r') && !strchr(s, '\n'));
    spfkit_string_free(s);
    EXPECT_STATUS(spfkit_outcome_authentication_results(out, "mx.example.net", &s, NULL), SPFKIT_OK);
    EXPECT(s && strncmp(s, "Authentication-Results: mx.example.net;", 39) == 0 && strstr(s, "spf=fail"));
    spfkit_string_free(s);

    uint16_t code = 0;
    const char *enhanced = NULL;
    EXPECT_STATUS(spfkit_outcome_smtp_reply(out, &code, &enhanced, &s), SPFKIT_OK);
    EXPECT(code == 550 && enhanced && strcmp(enhanced, "5.7.23") == 0);
    EXPECT(s && strstr(s, "192.0.2.99 is not allowed to send for example.com"));
    spfkit_string_free(s);

    /* The trace: the record first, then its terms; -all matched. */
    size_t n = 0;
    spfkit_trace_event e;
    EXPECT_STATUS(spfkit_outcome_trace_count(out, SPFKIT_IDENTITY_MAIL_FROM, &n), SPFKIT_OK);
    EXPECT(n == 4);
    EXPECT_STATUS(spfkit_outcome_trace_event(out, SPFKIT_IDENTITY_MAIL_FROM, 0, &e), SPFKIT_OK);
    EXPECT(e.kind == SPFKIT_TRACE_RECORD && e.depth == 0 && strcmp(e.domain, "example.com") == 0);
    EXPECT(e.text && strncmp(e.text, "v=spf1 mx", 9) == 0 && e.message == NULL);
    EXPECT_STATUS(spfkit_outcome_trace_event(out, SPFKIT_IDENTITY_MAIL_FROM, n - 1, &e), SPFKIT_OK);
    EXPECT(e.kind == SPFKIT_TRACE_TERM && strcmp(e.text, "-all") == 0 && e.matched && e.text_len == 4);
    EXPECT_STATUS(spfkit_outcome_trace_event(out, SPFKIT_IDENTITY_MAIL_FROM, n, &e), SPFKIT_ERR_OUT_OF_RANGE);
    EXPECT_STATUS(spfkit_outcome_trace_count(out, 3, &n), SPFKIT_ERR_INVALID_ARGUMENT);
    spfkit_outcome_free(out);
}

static void test_pass_via_mx_and_not_checked(void) {
    spfkit_options *o = spfkit_options_new();
    EXPECT_STATUS(spfkit_options_set_scope(o, SPFKIT_SCOPE_MAIL_FROM), SPFKIT_OK);
    EXPECT_STATUS(spfkit_options_set_plan(o, SPFKIT_PLAN_SEQUENTIAL), SPFKIT_OK);
    const uint8_t addr[4] = {192, 0, 2, 25};
    spfkit_evaluation *ev = NULL;
    EXPECT_STATUS(spfkit_evaluation_new_ip(addr, 4, "alice@example.com", "helo.example.org", o, &ev), SPFKIT_OK);
    spfkit_outcome *out = run(ev);
    spfkit_result r;
    EXPECT_STATUS(spfkit_outcome_result(out, SPFKIT_IDENTITY_DECIDING, &r), SPFKIT_OK);
    EXPECT(r == SPFKIT_RESULT_PASS);
    EXPECT_STATUS(spfkit_outcome_result(out, SPFKIT_IDENTITY_HELO, &r), SPFKIT_ERR_NOT_CHECKED);
    char *s = (char *)1;
    EXPECT_STATUS(spfkit_outcome_explanation(out, SPFKIT_IDENTITY_MAIL_FROM, &s, NULL), SPFKIT_OK);
    EXPECT(s == NULL);
    uint16_t code = 1;
    const char *enhanced = "x";
    EXPECT_STATUS(spfkit_outcome_smtp_reply(out, &code, &enhanced, &s), SPFKIT_OK);
    EXPECT(code == 0 && enhanced == NULL && s == NULL);
    spfkit_outcome_free(out);
    spfkit_evaluation_free(ev);

    /* IPv6 bytes, and the IPv4-mapped form checked as IPv4. */
    const uint8_t mapped[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 25};
    EXPECT_STATUS(spfkit_evaluation_new_ip(mapped, 16, "alice@example.com", "h.example.org", o, &ev), SPFKIT_OK);
    out = run(ev);
    EXPECT_STATUS(spfkit_outcome_result(out, SPFKIT_IDENTITY_DECIDING, &r), SPFKIT_OK);
    EXPECT(r == SPFKIT_RESULT_PASS);
    spfkit_outcome_free(out);
    spfkit_evaluation_free(ev);
    spfkit_options_free(o);
}

static void test_answer_errors(void) {
    spfkit_evaluation *ev = NULL;
    EXPECT_STATUS(spfkit_evaluation_new("192.0.2.1", "a@example.com", "h", NULL, &ev), SPFKIT_OK);
    spfkit_step step;
    size_t n;
    EXPECT_STATUS(spfkit_evaluation_next(ev, &step, &n), SPFKIT_OK);
    EXPECT(step == SPFKIT_STEP_LOOKUP && n == 1);
    spfkit_query q;
    EXPECT_STATUS(spfkit_evaluation_query(ev, 1, &q), SPFKIT_ERR_OUT_OF_RANGE);
    EXPECT_STATUS(spfkit_evaluation_query(ev, 0, &q), SPFKIT_OK);
    EXPECT(q.qtype == SPFKIT_QTYPE_TXT && strcmp(q.name, "example.com") == 0);

    /* Nothing answered yet: the evaluation waits. The query handed out stays
     * valid, name and all, for an event loop that answers later. */
    EXPECT_STATUS(spfkit_evaluation_next(ev, &step, &n), SPFKIT_OK);
    EXPECT(step == SPFKIT_STEP_PENDING && n == 0);
    EXPECT(strcmp(q.name, "example.com") == 0);
    uint8_t msg[512];
    size_t mlen;
    EXPECT_STATUS(spfkit_query_message(&q, 1, msg, sizeof msg, &mlen), SPFKIT_OK);
    spfkit_query empty = q;
    empty.name = "";
    empty.name_len = 0;
    EXPECT_STATUS(spfkit_query_message(&empty, 1, msg, sizeof msg, &mlen), SPFKIT_ERR_INVALID_ARGUMENT);
    empty.qtype = 99;
    empty.name = q.name;
    empty.name_len = q.name_len;
    EXPECT_STATUS(spfkit_query_message(&empty, 1, msg, sizeof msg, &mlen), SPFKIT_ERR_INVALID_ARGUMENT);

    EXPECT_STATUS(spfkit_evaluation_answer_empty(ev, q.id + 1000, SPFKIT_ANSWER_NXDOMAIN), SPFKIT_ERR_UNKNOWN_ID);
    EXPECT_STATUS(spfkit_evaluation_answer_message(ev, q.id + 1000, (const uint8_t *)"x", 1), SPFKIT_ERR_UNKNOWN_ID);
    EXPECT_STATUS(spfkit_evaluation_answer_empty(ev, q.id, 9), SPFKIT_ERR_INVALID_ARGUMENT);
    spfkit_rdata bad_type = {99, 0, (const uint8_t *)"x", 1};
    EXPECT_STATUS(spfkit_evaluation_answer_records(ev, q.id, &bad_type, 1), SPFKIT_ERR_INVALID_ARGUMENT);
    spfkit_rdata short_a = {SPFKIT_QTYPE_A, 0, (const uint8_t *)"\1\2\3", 3};
    EXPECT_STATUS(spfkit_evaluation_answer_records(ev, q.id, &short_a, 1), SPFKIT_ERR_INVALID_ARGUMENT);
    spfkit_rdata bad_name = {SPFKIT_QTYPE_MX, 0, (const uint8_t *)"\xff.example", 9};
    EXPECT_STATUS(spfkit_evaluation_answer_records(ev, q.id, &bad_name, 1), SPFKIT_ERR_INVALID_UTF8);
    spfkit_rdata null_data = {SPFKIT_QTYPE_TXT, 0, NULL, 5};
    EXPECT_STATUS(spfkit_evaluation_answer_records(ev, q.id, &null_data, 1), SPFKIT_ERR_NULL_PARAMETER);
    EXPECT_STATUS(spfkit_evaluation_answer_records(ev, q.id, NULL, 2), SPFKIT_ERR_NULL_PARAMETER);
    /* A TXT record with a NUL inside is no SPF record's problem here, and
     * counts as an answer. */
    spfkit_rdata txt = {SPFKIT_QTYPE_TXT, 0, (const uint8_t *)"v=spf1 +all\0junk", 16};
    EXPECT_STATUS(spfkit_evaluation_answer_records(ev, q.id, &txt, 1), SPFKIT_OK);
    EXPECT_STATUS(spfkit_evaluation_answer_records(ev, q.id, &txt, 1), SPFKIT_ERR_ALREADY_ANSWERED);
    EXPECT_STATUS(spfkit_evaluation_answer_empty(ev, q.id, SPFKIT_ANSWER_TEMPERROR), SPFKIT_ERR_ALREADY_ANSWERED);
    EXPECT_STATUS(spfkit_evaluation_next(ev, &step, &n), SPFKIT_OK);
    EXPECT(step == SPFKIT_STEP_DONE);
    spfkit_outcome *out = NULL;
    EXPECT_STATUS(spfkit_evaluation_outcome(ev, &out), SPFKIT_OK);
    spfkit_result r;
    EXPECT_STATUS(spfkit_outcome_result(out, SPFKIT_IDENTITY_DECIDING, &r), SPFKIT_OK);
    EXPECT(r == SPFKIT_RESULT_PERMERROR); /* a NUL is not printable ASCII */
    char *reason = NULL;
    EXPECT_STATUS(spfkit_outcome_reason(out, SPFKIT_IDENTITY_DECIDING, &reason, NULL), SPFKIT_OK);
    EXPECT(reason != NULL);
    spfkit_string_free(reason);
    /* Header fields are ASCII, whatever went wrong. */
    char *header = NULL;
    EXPECT_STATUS(spfkit_outcome_received_spf(out, SPFKIT_IDENTITY_DECIDING, &header, NULL), SPFKIT_OK);
    for (const char *p = header; p && *p; p++) EXPECT((unsigned char)*p >= 0x20 && (unsigned char)*p < 0x7f);
    spfkit_string_free(header);
    uint16_t code;
    const char *enhanced;
    char *text;
    EXPECT_STATUS(spfkit_outcome_smtp_reply(out, &code, &enhanced, &text), SPFKIT_OK);
    EXPECT(code == 550 && strcmp(enhanced, "5.7.24") == 0);
    spfkit_string_free(text);
    spfkit_outcome_free(out);
    spfkit_evaluation_free(ev);
}

/* A DNS response to `query` (a message from spfkit_query_message) with one
 * TXT answer, or none and the given RCODE. */
static size_t response(const uint8_t *query, size_t qlen, const char *txt, int rcode, uint8_t *out) {
    memcpy(out, query, qlen);
    out[2] |= 0x80; /* QR */
    out[3] = (uint8_t)((out[3] & 0xf0) | rcode);
    if (!txt) return qlen;
    out[7] = 1; /* ANCOUNT */
    size_t n = qlen, len = strlen(txt);
    const uint8_t rr[] = {0xc0, 12, 0, 16, 0, 1, 0, 0, 0x0e, 0x10, 0, (uint8_t)(len + 1), (uint8_t)len};
    memcpy(out + n, rr, sizeof rr);
    n += sizeof rr;
    memcpy(out + n, txt, len);
    return n + len;
}

static void test_raw_messages(void) {
    spfkit_options *o = spfkit_options_new();
    EXPECT_STATUS(spfkit_options_set_scope(o, SPFKIT_SCOPE_MAIL_FROM), SPFKIT_OK);
    const char *cases[][3] = {
        /* TXT in the answer, rcode, expected result */
        {"v=spf1 ip4:192.0.2.0/24 -all", "0", "pass"},
        {NULL, "3", "none"},          /* NXDOMAIN: no record */
        {NULL, "2", "temperror"},     /* SERVFAIL */
        {NULL, "5", "temperror"},     /* REFUSED */
        {"garbage", "x", "temperror"} /* not a DNS message at all */
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        spfkit_evaluation *ev = NULL;
        EXPECT_STATUS(spfkit_evaluation_new("192.0.2.7", "a@example.com", "h.example.org", o, &ev), SPFKIT_OK);
        spfkit_step step;
        size_t n;
        EXPECT_STATUS(spfkit_evaluation_next(ev, &step, &n), SPFKIT_OK);
        spfkit_query q;
        EXPECT_STATUS(spfkit_evaluation_query(ev, 0, &q), SPFKIT_OK);
        uint8_t qmsg[512], rmsg[1024];
        size_t qlen = 0, need = 0;
        EXPECT_STATUS(spfkit_query_message(&q, 0x1234, NULL, 0, &need), SPFKIT_ERR_BUFFER_TOO_SMALL);
        EXPECT_STATUS(spfkit_query_message(&q, 0x1234, qmsg, need - 1, &qlen), SPFKIT_ERR_BUFFER_TOO_SMALL);
        EXPECT_STATUS(spfkit_query_message(&q, 0x1234, qmsg, sizeof qmsg, &qlen), SPFKIT_OK);
        EXPECT(qlen == need && qmsg[0] == 0x12 && qmsg[1] == 0x34 && qmsg[5] == 1 /* QDCOUNT */);
        size_t rlen;
        if (cases[c][1][0] == 'x') {
            memcpy(rmsg, "garbage", 7);
            rlen = 7;
        } else {
            rlen = response(qmsg, qlen, cases[c][0], cases[c][1][0] - '0', rmsg);
        }
        EXPECT_STATUS(spfkit_evaluation_answer_message(ev, q.id, rmsg, rlen), SPFKIT_OK);
        EXPECT_STATUS(spfkit_evaluation_answer_message(ev, q.id, rmsg, rlen), SPFKIT_ERR_ALREADY_ANSWERED);
        EXPECT_STATUS(spfkit_evaluation_next(ev, &step, &n), SPFKIT_OK);
        EXPECT(step == SPFKIT_STEP_DONE);
        spfkit_outcome *out = NULL;
        EXPECT_STATUS(spfkit_evaluation_outcome(ev, &out), SPFKIT_OK);
        spfkit_result r = SPFKIT_RESULT_NONE;
        EXPECT_STATUS(spfkit_outcome_result(out, SPFKIT_IDENTITY_DECIDING, &r), SPFKIT_OK);
        if (strcmp(spfkit_result_name(r), cases[c][2]) != 0) {
            fprintf(stderr, "raw message case %zu: got %s, want %s\n", c, spfkit_result_name(r), cases[c][2]);
            failures++;
        }
        spfkit_outcome_free(out);
        spfkit_evaluation_free(ev);
    }
    spfkit_options_free(o);
}

/* spfkit_check with a callback: answers from ZONE; user_data counts calls. */
typedef struct {
    int calls;
    int second_answer_status;
    int silent; /* answer nothing */
} cb_state;

static void resolve(void *user_data, const spfkit_query *q, spfkit_answerer *answerer) {
    cb_state *st = user_data;
    st->calls++;
    if (st->silent) return;
    spfkit_rdata records[4];
    size_t n = 0;
    for (size_t i = 0; i < sizeof ZONE / sizeof ZONE[0]; i++) {
        const zone_entry *e = &ZONE[i];
        if (strcmp(e->name, q->name) || e->qtype != q->qtype) continue;
        records[n++] = e->data ? (spfkit_rdata){e->qtype, 10, (const uint8_t *)e->data, strlen(e->data)}
                               : (spfkit_rdata){e->qtype, 0, e->addr, e->addr_len};
    }
    if (n)
        spfkit_answerer_records(answerer, records, n);
    else
        spfkit_answerer_empty(answerer, SPFKIT_ANSWER_NXDOMAIN);
    st->second_answer_status = spfkit_answerer_empty(answerer, SPFKIT_ANSWER_TEMPERROR);
}

static void test_blocking_check(void) {
    cb_state st = {0, 0, 0};
    spfkit_outcome *out = NULL;
    EXPECT_STATUS(spfkit_check("192.0.2.25", "bob@example.com", "helo.example.org", NULL, resolve, &st, &out),
                  SPFKIT_OK);
    spfkit_result r;
    EXPECT_STATUS(spfkit_outcome_result(out, SPFKIT_IDENTITY_DECIDING, &r), SPFKIT_OK);
    /* HELO passes (its a term matches), so it decides; MAIL FROM is not checked. */
    EXPECT(r == SPFKIT_RESULT_PASS);
    spfkit_identity who;
    EXPECT_STATUS(spfkit_outcome_decided_by(out, &who), SPFKIT_OK);
    EXPECT(who == SPFKIT_IDENTITY_HELO);
    EXPECT_STATUS(spfkit_outcome_result(out, SPFKIT_IDENTITY_MAIL_FROM, &r), SPFKIT_ERR_NOT_CHECKED);
    EXPECT(st.calls == 2 && st.second_answer_status == SPFKIT_ERR_ALREADY_ANSWERED);
    spfkit_outcome_free(out);

    /* A callback that never answers: temperror, not a hang or a crash. */
    cb_state silent = {0, 0, 1};
    EXPECT_STATUS(spfkit_check("192.0.2.25", "bob@example.com", "x", NULL, resolve, &silent, &out), SPFKIT_OK);
    EXPECT_STATUS(spfkit_outcome_result(out, SPFKIT_IDENTITY_DECIDING, &r), SPFKIT_OK);
    EXPECT(r == SPFKIT_RESULT_TEMPERROR && silent.calls == 1);
    spfkit_outcome_free(out);

    out = (spfkit_outcome *)1;
    EXPECT_STATUS(spfkit_check("192.0.2.25", "bob@example.com", "x", NULL, NULL, NULL, &out),
                  SPFKIT_ERR_NULL_PARAMETER);
    EXPECT(out == NULL);
    EXPECT_STATUS(spfkit_check("192.0.2.256", "bob@example.com", "x", NULL, resolve, &st, &out),
                  SPFKIT_ERR_INVALID_IP);
}

static void test_bad_arguments(void) {
    spfkit_evaluation *ev = (spfkit_evaluation *)1;
    EXPECT_STATUS(spfkit_evaluation_new(NULL, "a@example.com", "h", NULL, &ev), SPFKIT_ERR_NULL_PARAMETER);
    EXPECT(ev == NULL);
    EXPECT_STATUS(spfkit_evaluation_new("192.0.2.1", NULL, "h", NULL, &ev), SPFKIT_ERR_NULL_PARAMETER);
    EXPECT_STATUS(spfkit_evaluation_new("192.0.2.1", "a@example.com", NULL, NULL, &ev), SPFKIT_ERR_NULL_PARAMETER);
    EXPECT_STATUS(spfkit_evaluation_new("192.0.2.1", "a@example.com", "h", NULL, NULL), SPFKIT_ERR_NULL_PARAMETER);
    EXPECT_STATUS(spfkit_evaluation_new("192.0.2.1", "\xff@example.com", "h", NULL, &ev), SPFKIT_ERR_INVALID_UTF8);
    EXPECT_STATUS(spfkit_evaluation_new("192.0.2.1", "a@example.com", "h\xc3", NULL, &ev), SPFKIT_ERR_INVALID_UTF8);
    EXPECT_STATUS(spfkit_evaluation_new("192.0.2.300", "a@example.com", "h", NULL, &ev), SPFKIT_ERR_INVALID_IP);
    EXPECT_STATUS(spfkit_evaluation_new("", "a@example.com", "h", NULL, &ev), SPFKIT_ERR_INVALID_IP);
    EXPECT_STATUS(spfkit_evaluation_new("\xff", "a@example.com", "h", NULL, &ev), SPFKIT_ERR_INVALID_UTF8);
    /* Over the 4096 bytes every host accepts (spfkit::Request::MAX_LENGTH). */
    static char long_name[4098];
    memset(long_name, 'a', sizeof long_name - 1);
    EXPECT_STATUS(spfkit_evaluation_new("192.0.2.1", long_name, "h", NULL, &ev), SPFKIT_ERR_INVALID_ARGUMENT);
    EXPECT(ev == NULL);
    EXPECT_STATUS(spfkit_evaluation_new("192.0.2.1", "a@example.com", long_name, NULL, &ev), SPFKIT_ERR_INVALID_ARGUMENT);
    spfkit_options *long_receiver = spfkit_options_new();
    EXPECT_STATUS(spfkit_options_set_receiver(long_receiver, long_name), SPFKIT_ERR_INVALID_ARGUMENT);
    spfkit_options_free(long_receiver);
    EXPECT_STATUS(spfkit_evaluation_new_ip((const uint8_t *)"\1\2\3\4\5", 5, "a@b.c", "h", NULL, &ev),
                  SPFKIT_ERR_INVALID_IP);
    EXPECT_STATUS(spfkit_evaluation_new_ip(NULL, 4, "a@b.c", "h", NULL, &ev), SPFKIT_ERR_NULL_PARAMETER);
    EXPECT_STATUS(spfkit_evaluation_new_ip(NULL, 0, "a@b.c", "h", NULL, &ev), SPFKIT_ERR_NULL_PARAMETER);
    EXPECT(ev == NULL);

    spfkit_step step;
    EXPECT_STATUS(spfkit_evaluation_next(NULL, &step, NULL), SPFKIT_ERR_NULL_PARAMETER);
    EXPECT_STATUS(spfkit_evaluation_query(NULL, 0, NULL), SPFKIT_ERR_NULL_PARAMETER);
    EXPECT_STATUS(spfkit_evaluation_answer_empty(NULL, 0, 1), SPFKIT_ERR_NULL_PARAMETER);
    EXPECT_STATUS(spfkit_evaluation_answer_message(NULL, 0, NULL, 0), SPFKIT_ERR_NULL_PARAMETER);
    EXPECT_STATUS(spfkit_evaluation_outcome(NULL, NULL), SPFKIT_ERR_NULL_PARAMETER);
    EXPECT_STATUS(spfkit_evaluation_new("192.0.2.1", "a@example.com", "h", NULL, &ev), SPFKIT_OK);
    EXPECT_STATUS(spfkit_evaluation_next(ev, NULL, NULL), SPFKIT_ERR_NULL_PARAMETER);
    EXPECT_STATUS(spfkit_evaluation_query(ev, 0, NULL), SPFKIT_ERR_OUT_OF_RANGE);
    spfkit_evaluation_free(ev);

    spfkit_options *o = spfkit_options_new();
    EXPECT_STATUS(spfkit_options_set_scope(NULL, 0), SPFKIT_ERR_NULL_PARAMETER);
    EXPECT_STATUS(spfkit_options_set_scope(o, 3), SPFKIT_ERR_INVALID_ARGUMENT);
    EXPECT_STATUS(spfkit_options_set_plan(o, 2), SPFKIT_ERR_INVALID_ARGUMENT);
    EXPECT_STATUS(spfkit_options_set_definitive(o, 1u << 7), SPFKIT_ERR_INVALID_ARGUMENT);
    EXPECT_STATUS(spfkit_options_set_definitive(o, 1u << SPFKIT_RESULT_PASS), SPFKIT_OK);
    EXPECT_STATUS(spfkit_options_set_receiver(o, NULL), SPFKIT_ERR_NULL_PARAMETER);
    EXPECT_STATUS(spfkit_options_set_receiver(o, "\xc3("), SPFKIT_ERR_INVALID_UTF8);
    EXPECT_STATUS(spfkit_options_set_default_explanation(o, NULL), SPFKIT_ERR_NULL_PARAMETER);
    EXPECT_STATUS(spfkit_options_set_limits(o, NULL), SPFKIT_ERR_NULL_PARAMETER);
    spfkit_limits l;
    EXPECT_STATUS(spfkit_options_limits(o, &l), SPFKIT_OK);
    EXPECT(l.dns_terms == 10 && l.mx_names == 10 && l.ptr_names == 10 && l.void_lookups == 2);
    l.void_lookups = 0;
    EXPECT_STATUS(spfkit_options_set_limits(o, &l), SPFKIT_OK);
    EXPECT_STATUS(spfkit_options_limits(o, &l), SPFKIT_OK);
    EXPECT(l.void_lookups == 0);
    l.dns_terms = SPFKIT_MAX_LIMIT + 1;
    EXPECT_STATUS(spfkit_options_set_limits(o, &l), SPFKIT_ERR_INVALID_ARGUMENT);
    l.dns_terms = SPFKIT_MAX_LIMIT;
    EXPECT_STATUS(spfkit_options_set_limits(o, &l), SPFKIT_OK);
    EXPECT_STATUS(spfkit_options_limits(o, &l), SPFKIT_OK);
    EXPECT(l.dns_terms == SPFKIT_MAX_LIMIT && l.void_lookups == 0);
    EXPECT_STATUS(spfkit_options_set_timestamp(o, 1700000000), SPFKIT_OK);
    EXPECT_STATUS(spfkit_options_set_always_mail_from(o, true), SPFKIT_OK);
    spfkit_options_free(o);

    spfkit_outcome *out = NULL;
    spfkit_result r;
    char *s = NULL;
    EXPECT_STATUS(spfkit_outcome_result(NULL, 0, &r), SPFKIT_ERR_NULL_PARAMETER);
    EXPECT_STATUS(spfkit_outcome_domain(NULL, 0, &s, NULL), SPFKIT_ERR_NULL_PARAMETER);
    EXPECT_STATUS(spfkit_outcome_smtp_reply(NULL, NULL, NULL, NULL), SPFKIT_ERR_NULL_PARAMETER);
    EXPECT_STATUS(spfkit_check("192.0.2.1", "a@example.com", "h", NULL, resolve, &(cb_state){0, 0, 1}, &out),
                  SPFKIT_OK);
    EXPECT_STATUS(spfkit_outcome_result(out, 3, &r), SPFKIT_ERR_INVALID_ARGUMENT);
    EXPECT_STATUS(spfkit_outcome_result(out, 0, NULL), SPFKIT_ERR_NULL_PARAMETER);
    EXPECT_STATUS(spfkit_outcome_domain(out, 0, NULL, NULL), SPFKIT_ERR_NULL_PARAMETER);
    EXPECT_STATUS(spfkit_outcome_authentication_results(out, NULL, &s, NULL), SPFKIT_ERR_NULL_PARAMETER);
    EXPECT_STATUS(spfkit_outcome_authentication_results(out, "\xff", &s, NULL), SPFKIT_ERR_INVALID_UTF8);
    spfkit_outcome_free(out);

    /* Every _free takes NULL. */
    spfkit_options_free(NULL);
    spfkit_record_cache_free(NULL);
    spfkit_evaluation_free(NULL);
    spfkit_outcome_free(NULL);
    spfkit_record_free(NULL);
    spfkit_parse_error_free(NULL);
    spfkit_string_free(NULL);
}

static void test_records(void) {
    const char *text = "v=spf1 ip4:192.0.2.0/24 include:_spf.example.net ~all";
    spfkit_record *rec = NULL;
    spfkit_parse_error *err = (spfkit_parse_error *)1;
    EXPECT_STATUS(spfkit_record_parse((const uint8_t *)text, strlen(text), &rec, &err), SPFKIT_OK);
    EXPECT(rec != NULL && err == NULL);
    size_t n = 0;
    EXPECT_STATUS(spfkit_record_term_count(rec, &n), SPFKIT_OK);
    EXPECT(n == 3);
    char *s = NULL;
    size_t len;
    spfkit_span span;
    EXPECT_STATUS(spfkit_record_term(rec, 1, &s, &len, &span), SPFKIT_OK);
    EXPECT(s && strcmp(s, "include:_spf.example.net") == 0 && len == 24);
    EXPECT(span.start == 24 && span.end == 48 && memcmp(text + span.start, s, len) == 0);
    spfkit_string_free(s);
    EXPECT_STATUS(spfkit_record_term(rec, 3, &s, NULL, NULL), SPFKIT_ERR_OUT_OF_RANGE);
    EXPECT_STATUS(spfkit_record_to_string(rec, &s, NULL), SPFKIT_OK);
    EXPECT(s && strcmp(s, text) == 0);
    spfkit_string_free(s);
    spfkit_record_free(rec);

    /* The byte at fault: the bad address, not the whole record. */
    const char *bad = "v=spf1 mx ip4:192.0.2.300 -all";
    EXPECT_STATUS(spfkit_record_parse((const uint8_t *)bad, strlen(bad), &rec, &err), SPFKIT_ERR_SYNTAX);
    EXPECT(rec == NULL && err != NULL);
    const char *code = NULL;
    EXPECT_STATUS(spfkit_parse_error_code(err, &code), SPFKIT_OK);
    EXPECT(code && strcmp(code, "invalid-ip4") == 0);
    EXPECT_STATUS(spfkit_parse_error_span(err, &span), SPFKIT_OK);
    EXPECT(span.start == 10 && span.end == 25);
    EXPECT_STATUS(spfkit_parse_error_message(err, &s, NULL), SPFKIT_OK);
    EXPECT(s && strstr(s, "invalid IPv4 network") && strstr(s, "ip4:192.0.2.300") && strstr(s, "bytes 10..25"));
    spfkit_string_free(s);
    size_t term_len = 0;
    EXPECT_STATUS(spfkit_parse_error_term(err, &s, &term_len), SPFKIT_OK);
    EXPECT(s && strcmp(s, "ip4:192.0.2.300") == 0 && term_len == 15);
    spfkit_string_free(s);
    EXPECT_STATUS(spfkit_parse_error_term(NULL, &s, NULL), SPFKIT_ERR_NULL_PARAMETER);
    spfkit_parse_error_free(err);

    /* A missing argument spans its whole term. */
    const char *missing = "v=spf1 mx: -all";
    EXPECT_STATUS(spfkit_record_parse((const uint8_t *)missing, strlen(missing), &rec, &err), SPFKIT_ERR_SYNTAX);
    EXPECT_STATUS(spfkit_parse_error_code(err, &code), SPFKIT_OK);
    EXPECT(strcmp(code, "missing-argument") == 0);
    EXPECT_STATUS(spfkit_parse_error_span(err, &span), SPFKIT_OK);
    EXPECT(span.start == 7 && span.end == 10);
    spfkit_parse_error_free(err);

    /* A NUL inside is a character outside printable ASCII, at its byte. */
    EXPECT_STATUS(spfkit_record_parse((const uint8_t *)"v=spf1 a\0 -all", 15, &rec, &err), SPFKIT_ERR_SYNTAX);
    EXPECT_STATUS(spfkit_parse_error_code(err, &code), SPFKIT_OK);
    EXPECT(strcmp(code, "invalid-character") == 0);
    spfkit_parse_error_free(err);
    /* Without an error out-parameter, and with nothing at all. */
    EXPECT_STATUS(spfkit_record_parse((const uint8_t *)"v=spf2", 6, &rec, NULL), SPFKIT_ERR_SYNTAX);
    EXPECT(rec == NULL);
    EXPECT_STATUS(spfkit_record_parse(NULL, 0, &rec, NULL), SPFKIT_ERR_SYNTAX);
    EXPECT_STATUS(spfkit_record_parse(NULL, 3, &rec, NULL), SPFKIT_ERR_NULL_PARAMETER);
    EXPECT_STATUS(spfkit_record_parse((const uint8_t *)"v=spf1", 6, NULL, NULL), SPFKIT_ERR_NULL_PARAMETER);
    EXPECT_STATUS(spfkit_record_term_count(NULL, &n), SPFKIT_ERR_NULL_PARAMETER);
    EXPECT_STATUS(spfkit_parse_error_code(NULL, &code), SPFKIT_ERR_NULL_PARAMETER);
}

/* Independent evaluations on several threads, sharing one record cache. */
static spfkit_options *shared_options;

static void *worker(void *arg) {
    (void)arg;
    int *ok = malloc(sizeof *ok);
    *ok = 1;
    for (int i = 0; i < 50; i++) {
        spfkit_evaluation *ev = NULL;
        if (spfkit_evaluation_new("192.0.2.25", "alice@example.com", "helo.example.org", shared_options, &ev)) {
            *ok = 0;
            break;
        }
        spfkit_outcome *out = run(ev);
        spfkit_result r;
        *ok &= spfkit_outcome_result(out, SPFKIT_IDENTITY_DECIDING, &r) == SPFKIT_OK && r == SPFKIT_RESULT_PASS;
        spfkit_outcome_free(out);
        spfkit_evaluation_free(ev);
    }
    return ok;
}

static void test_threads_and_cache(void) {
    spfkit_record_cache *cache = spfkit_record_cache_new(64);
    shared_options = spfkit_options_new();
    EXPECT_STATUS(spfkit_options_set_cache(shared_options, cache), SPFKIT_OK);
    spfkit_record_cache_free(cache); /* the options keep their own reference */
    pthread_t t[4];
    for (int i = 0; i < 4; i++) EXPECT(pthread_create(&t[i], NULL, worker, NULL) == 0);
    for (int i = 0; i < 4; i++) {
        void *ok = NULL;
        EXPECT(pthread_join(t[i], &ok) == 0);
        EXPECT(ok && *(int *)ok);
        free(ok);
    }
    EXPECT_STATUS(spfkit_options_set_cache(shared_options, NULL), SPFKIT_OK);
    spfkit_options_free(shared_options);
}

int main(void) {
    test_version_and_status();
    test_fail_with_explanation();
    test_pass_via_mx_and_not_checked();
    test_answer_errors();
    test_raw_messages();
    test_blocking_check();
    test_bad_arguments();
    test_records();
    test_threads_and_cache();
    run_bounds_tests();
    run_policy_tests();
    run_srs_tests();
    if (failures) {
        fprintf(stderr, "C API tests: %d failed\n", (int)failures);
        return 1;
    }
    printf("C API tests: all passed\n");
    return 0;
}

/*
 * spfkit's own language-neutral vectors (tests/vectors/vectors.json, format
 * in tests/vectors/README.md) through the C API: every parse case (printed
 * form, or error code, span and term) and every check case (options,
 * results, explanation, headers, SMTP reply, counters).
 *
 *   vectors tests/vectors/vectors.json
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spfkit.h"
#include "zone.h"

static int failures;

static void fail(const char *name, const char *what, const char *got, const char *want) {
    fprintf(stderr, "FAIL %s: %s: got %s, want %s\n", name, what, got ? got : "(null)", want ? want : "(null)");
    failures++;
}

static void check_ok(spfkit_status s, const char *name, const char *what) {
    if (s != SPFKIT_OK) {
        fprintf(stderr, "FAIL %s: %s: %s\n", name, what, spfkit_status_message(s));
        failures++;
    }
}

/* Compares an owned string from the library with a JSON string or null, and frees it. */
static void same_text(const char *name, const char *what, char *got, json_t *want) {
    const char *w = json_is_null(want) ? NULL : json_string_value(want);
    if ((got == NULL) != (w == NULL) || (got && strcmp(got, w) != 0)) fail(name, what, got, w);
    spfkit_string_free(got);
}

static int parse_case(json_t *c) {
    const char *record = json_string_value(json_object_get(c, "record"));
    size_t len = json_string_length(json_object_get(c, "record"));
    json_t *printed = json_object_get(c, "printed"), *error = json_object_get(c, "error");
    spfkit_record *r = NULL;
    spfkit_parse_error *e = NULL;
    spfkit_status s = spfkit_record_parse((const uint8_t *)record, len, &r, &e);
    if (printed) {
        if (s != SPFKIT_OK) {
            fail(record, "parse", spfkit_status_message(s), "success");
            spfkit_parse_error_free(e);
            return 0;
        }
        char *text = NULL;
        check_ok(spfkit_record_to_string(r, &text, NULL), record, "to_string");
        const char *want = json_string_value(printed);
        int ok = text && strcmp(text, want) == 0;
        if (!ok) fail(record, "printed", text, want);
        /* The printed form parses again to itself. */
        spfkit_record *again = NULL;
        if (ok && spfkit_record_parse((const uint8_t *)text, strlen(text), &again, NULL) == SPFKIT_OK) {
            char *text2 = NULL;
            check_ok(spfkit_record_to_string(again, &text2, NULL), record, "to_string again");
            if (!text2 || strcmp(text2, want) != 0) fail(record, "printed twice", text2, want);
            spfkit_string_free(text2);
        } else if (ok) {
            fail(record, "printed form parses", "error", "success");
        }
        spfkit_record_free(again);
        spfkit_string_free(text);
        spfkit_record_free(r);
        return 1;
    }
    if (s != SPFKIT_ERR_SYNTAX || !e) {
        fail(record, "parse", spfkit_status_message(s), "a syntax error");
        spfkit_record_free(r);
        return 1;
    }
    const char *code = NULL;
    spfkit_span span = {0, 0};
    check_ok(spfkit_parse_error_code(e, &code), record, "code");
    check_ok(spfkit_parse_error_span(e, &span), record, "span");
    const char *want_code = json_string_value(json_object_get(error, "code"));
    if (!code || strcmp(code, want_code) != 0) fail(record, "error code", code, want_code);
    json_t *want_span = json_object_get(error, "span");
    if ((json_int_t)span.start != json_integer_value(json_array_get(want_span, 0)) ||
        (json_int_t)span.end != json_integer_value(json_array_get(want_span, 1))) {
        char got[64];
        snprintf(got, sizeof got, "[%zu, %zu]", span.start, span.end);
        char *want = json_dumps(want_span, JSON_COMPACT);
        fail(record, "error span", got, want);
        free(want);
    }
    json_t *want_term = json_object_get(error, "term");
    if (want_term) {
        /* The term as written is part of the message: "... in term \"TERM\" ...". */
        char *message = NULL;
        check_ok(spfkit_parse_error_message(e, &message, NULL), record, "message");
        const char *t = json_string_value(want_term);
        if (!message || !strstr(message, t)) fail(record, "error term in message", message, t);
        spfkit_string_free(message);
    }
    spfkit_parse_error_free(e);
    return 1;
}

static uint32_t result_number(const char *name) {
    for (uint32_t r = 0; r < 7; r++)
        if (strcmp(spfkit_result_name(r), name) == 0) return r;
    fprintf(stderr, "unknown result %s\n", name);
    exit(2);
}

static spfkit_options *options_for(json_t *o, const char *name) {
    spfkit_options *opts = spfkit_options_new();
    json_t *v;
    if ((v = json_object_get(o, "identity"))) {
        const char *id = json_string_value(v);
        uint32_t scope = strcmp(id, "mailfrom") == 0 ? SPFKIT_SCOPE_MAIL_FROM
                         : strcmp(id, "helo") == 0   ? SPFKIT_SCOPE_HELO
                                                     : SPFKIT_SCOPE_BOTH;
        check_ok(spfkit_options_set_scope(opts, scope), name, "scope");
    }
    if ((v = json_object_get(o, "receiver")))
        check_ok(spfkit_options_set_receiver(opts, json_string_value(v)), name, "receiver");
    if ((v = json_object_get(o, "timestamp")))
        check_ok(spfkit_options_set_timestamp(opts, (uint64_t)json_integer_value(v)), name, "timestamp");
    if ((v = json_object_get(o, "always_mail_from")))
        check_ok(spfkit_options_set_always_mail_from(opts, json_is_true(v)), name, "always_mail_from");
    if ((v = json_object_get(o, "default_explanation")))
        check_ok(spfkit_options_set_default_explanation(opts, json_string_value(v)), name, "default_explanation");
    if ((v = json_object_get(o, "definitive"))) {
        uint32_t mask = 0;
        size_t i;
        json_t *r;
        json_array_foreach(v, i, r) mask |= 1u << result_number(json_string_value(r));
        check_ok(spfkit_options_set_definitive(opts, mask), name, "definitive");
    }
    if ((v = json_object_get(o, "limits"))) {
        spfkit_limits l;
        check_ok(spfkit_options_limits(opts, &l), name, "limits");
        json_t *n;
        if ((n = json_object_get(v, "dns_terms"))) l.dns_terms = (uint32_t)json_integer_value(n);
        if ((n = json_object_get(v, "mx_names"))) l.mx_names = (uint32_t)json_integer_value(n);
        if ((n = json_object_get(v, "ptr_names"))) l.ptr_names = (uint32_t)json_integer_value(n);
        if ((n = json_object_get(v, "void_lookups"))) l.void_lookups = (uint32_t)json_integer_value(n);
        check_ok(spfkit_options_set_limits(opts, &l), name, "set_limits");
    }
    return opts;
}

static void identity_result(const char *name, const char *what, spfkit_outcome *out, uint32_t identity,
                            json_t *want) {
    spfkit_result r;
    spfkit_status s = spfkit_outcome_result(out, identity, &r);
    const char *got = s == SPFKIT_OK ? spfkit_result_name(r) : s == SPFKIT_ERR_NOT_CHECKED ? NULL : "error";
    const char *w = json_is_null(want) ? NULL : json_string_value(want);
    if ((got == NULL) != (w == NULL) || (got && strcmp(got, w) != 0)) fail(name, what, got, w);
}

static int check_case(json_t *c, uint32_t plan) {
    const char *name = json_string_value(json_object_get(c, "name"));
    json_t *zone = json_object_get(c, "zone"), *expect = json_object_get(c, "expect");
    spfkit_options *opts = options_for(json_object_get(c, "options"), name);
    check_ok(spfkit_options_set_plan(opts, plan), name, "plan");
    spfkit_evaluation *ev = NULL;
    spfkit_status s = spfkit_evaluation_new(json_string_value(json_object_get(c, "ip")),
                                            json_string_value(json_object_get(c, "sender")),
                                            json_string_value(json_object_get(c, "helo")), opts, &ev);
    spfkit_options_free(opts);
    if (s != SPFKIT_OK) {
        fail(name, "evaluation_new", spfkit_status_message(s), "success");
        return 1;
    }
    static answer a;
    for (;;) {
        spfkit_step step;
        size_t n;
        check_ok(spfkit_evaluation_next(ev, &step, &n), name, "next");
        if (step == SPFKIT_STEP_DONE) break;
        for (size_t i = 0; i < n; i++) {
            spfkit_query q;
            check_ok(spfkit_evaluation_query(ev, i, &q), name, "query");
            lookup(zone, q.name, q.name_len, q.qtype, &a, 0);
            if (a.kind == ANSWER_TRUNCATED) {
                uint8_t msg[512];
                size_t len = truncated_response(&q, msg, sizeof msg);
                check_ok(spfkit_evaluation_answer_message(ev, q.id, msg, len), name, "answer");
                continue;
            }
            check_ok(a.kind ? spfkit_evaluation_answer_empty(ev, q.id, (uint32_t)a.kind)
                            : spfkit_evaluation_answer_records(ev, q.id, a.records, a.count),
                     name, "answer");
        }
    }
    spfkit_outcome *out = NULL;
    check_ok(spfkit_evaluation_outcome(ev, &out), name, "outcome");
    spfkit_evaluation_free(ev);
    if (!out) return 1;

    const char *key;
    json_t *want;
    json_object_foreach(expect, key, want) {
        char *text = NULL;
        if (strcmp(key, "result") == 0) {
            identity_result(name, key, out, SPFKIT_IDENTITY_DECIDING, want);
        } else if (strcmp(key, "helo_result") == 0) {
            identity_result(name, key, out, SPFKIT_IDENTITY_HELO, want);
        } else if (strcmp(key, "mailfrom_result") == 0) {
            identity_result(name, key, out, SPFKIT_IDENTITY_MAIL_FROM, want);
        } else if (strcmp(key, "decided_by") == 0) {
            spfkit_identity who = 0;
            check_ok(spfkit_outcome_decided_by(out, &who), name, key);
            const char *got = who == SPFKIT_IDENTITY_HELO ? "helo" : "mailfrom";
            if (strcmp(got, json_string_value(want)) != 0) fail(name, key, got, json_string_value(want));
        } else if (strcmp(key, "explanation") == 0) {
            check_ok(spfkit_outcome_explanation(out, 0, &text, NULL), name, key);
            same_text(name, key, text, want);
        } else if (strcmp(key, "mechanism") == 0) {
            check_ok(spfkit_outcome_mechanism(out, 0, &text, NULL), name, key);
            same_text(name, key, text, want);
        } else if (strcmp(key, "domain") == 0) {
            check_ok(spfkit_outcome_domain(out, 0, &text, NULL), name, key);
            same_text(name, key, text, want);
        } else if (strcmp(key, "sender") == 0) {
            check_ok(spfkit_outcome_sender(out, 0, &text, NULL), name, key);
            same_text(name, key, text, want);
        } else if (strcmp(key, "dns_terms") == 0 || strcmp(key, "void_lookups") == 0) {
            spfkit_counters counters;
            check_ok(spfkit_outcome_counters(out, 0, &counters), name, key);
            uint32_t got = key[0] == 'd' ? counters.dns_terms : counters.void_lookups;
            if ((json_int_t)got != json_integer_value(want)) fail(name, key, "a different count", "the vector's");
        } else if (strcmp(key, "received_spf") == 0 || strcmp(key, "received_spf_prefix") == 0) {
            check_ok(spfkit_outcome_received_spf(out, 0, &text, NULL), name, key);
            const char *w = json_string_value(want);
            size_t wl = strlen(w);
            int ok = text && (key[12] ? strncmp(text, w, wl) == 0 : strcmp(text, w) == 0);
            if (!ok) fail(name, key, text, w);
            spfkit_string_free(text);
        } else if (strcmp(key, "authentication_results") == 0) {
            const char *id = json_string_value(json_object_get(c, "authserv_id"));
            check_ok(spfkit_outcome_authentication_results(out, id, &text, NULL), name, key);
            same_text(name, key, text, want);
        } else if (strcmp(key, "no_line_breaks") == 0) {
            char *ar = NULL;
            check_ok(spfkit_outcome_received_spf(out, 0, &text, NULL), name, key);
            check_ok(spfkit_outcome_authentication_results(
                         out, json_string_value(json_object_get(c, "authserv_id")), &ar, NULL),
                     name, key);
            if (!text || !ar || strpbrk(text, "\r\n") || strpbrk(ar, "\r\n")) fail(name, key, "a CR or LF", "none");
            spfkit_string_free(text);
            spfkit_string_free(ar);
        } else if (strcmp(key, "smtp_reply") == 0) {
            uint16_t code = 0;
            const char *enhanced = NULL;
            check_ok(spfkit_outcome_smtp_reply(out, &code, &enhanced, &text), name, key);
            if (json_is_null(want)) {
                if (code != 0 || enhanced || text) fail(name, key, "a reply", "none");
            } else {
                json_t *wt = json_object_get(want, "text");
                if ((json_int_t)code != json_integer_value(json_object_get(want, "code")) || !enhanced ||
                    strcmp(enhanced, json_string_value(json_object_get(want, "enhanced"))) != 0 ||
                    (wt && (!text || strcmp(text, json_string_value(wt)) != 0)))
                    fail(name, key, text, json_string_value(wt));
            }
            spfkit_string_free(text);
        } else {
            fprintf(stderr, "%s: unknown expectation %s\n", name, key);
            exit(2);
        }
    }
    spfkit_outcome_free(out);
    return 1;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s vectors.json\n", argv[0]);
        return 2;
    }
    json_error_t error;
    json_t *v = json_load_file(argv[1], JSON_ALLOW_NUL, &error);
    if (!v) {
        fprintf(stderr, "%s:%d: %s\n", argv[1], error.line, error.text);
        return 2;
    }
    int parsed = 0, checked = 0;
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(v, "parse"), i, c) parsed += parse_case(c);
    json_array_foreach(json_object_get(v, "check"), i, c) {
        checked += check_case(c, SPFKIT_PLAN_BATCHED);
        check_case(c, SPFKIT_PLAN_SEQUENTIAL);
    }
    int parse_cases = (int)json_array_size(json_object_get(v, "parse"));
    int check_cases = (int)json_array_size(json_object_get(v, "check"));
    json_decref(v);
    printf("vectors (C API, both plans): %d parse and %d check cases, %d failures\n", parsed, checked, failures);
    record_count("c/vectors/parse", parse_cases, failures ? 0 : parsed);
    record_count("c/vectors/check", check_cases, failures ? 0 : checked);
    return failures || parsed == 0 || checked == 0 ? 1 : 0;
}

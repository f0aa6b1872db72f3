/*
 * Receiver policy's C API contract, with api.c's runner: settings from
 * TOML and key by key with their errors (file, line, key, message), the
 * recipient-rules callback and its failures, the step API (answers out of
 * order, pending, unknown and repeated ids, raw messages, the deadline),
 * the blocking form, every decision getter, one message's recipients on
 * several threads, and the error paths (NULL, bad UTF-8, bad addresses,
 * numbers out of range, NULL frees). Run under valgrind and ASan/UBSan by
 * the Makefile, so every decision, error and string here is freed.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expect.h"

/* ---- a small zone, answered through the callback or step by step ---- */

typedef struct {
    const char *name;
    uint16_t qtype;
    const char *data; /* TXT text, PTR target, or NULL for an address */
    unsigned char addr[4];
} policy_zone_entry;

static const policy_zone_entry PZONE[] = {
    {"example.com", SPFKIT_QTYPE_TXT, "v=spf1 ip4:192.0.2.0/24 -all", {0}},
    {"pobox.example", SPFKIT_QTYPE_TXT, "v=spf1 ip4:198.51.100.0/24 -all", {0}},
    {"mail.example.com", SPFKIT_QTYPE_A, NULL, {192, 0, 2, 1}},
    {"1.2.0.192.in-addr.arpa", SPFKIT_QTYPE_PTR, "mail.example.com", {0}},
};

/* The records of (name, type) in `out`; -1 for a name not in the zone. */
static int zone_records(const spfkit_query *q, spfkit_rdata *out) {
    int n = 0, known = 0;
    for (size_t i = 0; i < sizeof PZONE / sizeof PZONE[0]; i++) {
        const policy_zone_entry *e = &PZONE[i];
        if (strcmp(e->name, q->name) != 0) continue;
        known = 1;
        if (e->qtype != q->qtype) continue;
        out[n++] = e->data ? (spfkit_rdata){e->qtype, 0, (const uint8_t *)e->data, strlen(e->data)}
                           : (spfkit_rdata){e->qtype, 0, e->addr, 4};
    }
    return known ? n : -1;
}

static void zone_resolve(void *user_data, const spfkit_query *q, spfkit_answerer *answerer) {
    if (user_data) ++*(_Atomic int *)user_data;
    spfkit_rdata records[4];
    int n = zone_records(q, records);
    if (n > 0)
        spfkit_answerer_records(answerer, records, (size_t)n);
    else
        spfkit_answerer_empty(answerer, n ? SPFKIT_ANSWER_NXDOMAIN : SPFKIT_ANSWER_NODATA);
}

static spfkit_status zone_answer(spfkit_policy_decide *d, const spfkit_query *q) {
    spfkit_rdata records[4];
    int n = zone_records(q, records);
    if (n > 0) return spfkit_policy_decide_answer_records(d, q->id, records, (size_t)n);
    return spfkit_policy_decide_answer_empty(d, q->id, n ? SPFKIT_ANSWER_NXDOMAIN : SPFKIT_ANSWER_NODATA);
}

/* ---- helpers ---- */

static spfkit_policy *policy_from_toml(const char *toml) {
    spfkit_policy_settings *s = NULL;
    spfkit_settings_error *e = (spfkit_settings_error *)1;
    EXPECT_STATUS(spfkit_policy_settings_from_toml(toml, strlen(toml), "policy.toml", &s, &e), SPFKIT_OK);
    EXPECT(e == NULL);
    spfkit_policy *p = NULL;
    EXPECT_STATUS(spfkit_policy_new(s, NULL, &p, NULL), SPFKIT_OK);
    spfkit_policy_settings_free(s); /* the policy copied what it needs */
    return p;
}

static spfkit_policy_message *message(const spfkit_policy *p, const char *ip, const char *mail_from) {
    spfkit_policy_message *m = NULL;
    EXPECT_STATUS(spfkit_policy_message_new(p, ip, mail_from, "mail.example.com", false, &m), SPFKIT_OK);
    return m;
}

static spfkit_policy_decision *decide(const spfkit_policy_message *m, const char *rcpt) {
    spfkit_policy_decision *d = NULL;
    EXPECT_STATUS(spfkit_policy_message_decide(m, rcpt, strlen(rcpt), zone_resolve, NULL, &d, NULL), SPFKIT_OK);
    return d;
}

static const char *action_of(const spfkit_policy_decision *d) {
    spfkit_policy_action a = 0;
    EXPECT_STATUS(spfkit_policy_decision_action(d, &a), SPFKIT_OK);
    return spfkit_policy_action_name(a);
}

static const char *rule_of(const spfkit_policy_decision *d) {
    spfkit_policy_rule r = 0;
    EXPECT_STATUS(spfkit_policy_decision_rule(d, &r), SPFKIT_OK);
    return spfkit_policy_rule_name(r);
}

/* Whether the reply (or the intended one) is `code enhanced text`; text
 * NULL matches any. */
static int reply_is(const spfkit_policy_decision *d, int intended, unsigned code, const char *enhanced,
                    const char *text) {
    uint16_t c = 1;
    const char *e = "x";
    char *t = NULL;
    spfkit_status s = intended ? spfkit_policy_decision_intended(d, &c, &e, &t)
                               : spfkit_policy_decision_reply(d, &c, &e, &t);
    int ok = s == SPFKIT_OK && c == code &&
             (code == 0 ? e == NULL && t == NULL : strcmp(e, enhanced) == 0 && (!text || strcmp(t, text) == 0));
    if (!ok) fprintf(stderr, "reply: got %u %s %s\n", c, e ? e : "(null)", t ? t : "(null)");
    spfkit_string_free(t);
    return ok;
}

/* Whether the call that gave status `s` wrote `want` (NULL for none) to
 * `*out`, an owned string; frees it. (`*out` is read here, after the call:
 * C leaves the order of evaluating arguments open.) */
static int owned_is(spfkit_status s, char **out, const char *want) {
    char *got = *out;
    *out = NULL;
    int ok = s == SPFKIT_OK && (want ? got && strcmp(got, want) == 0 : got == NULL);
    if (!ok) fprintf(stderr, "got %s, want %s\n", got ? got : "(null)", want ? want : "(null)");
    spfkit_string_free(got);
    return ok;
}

static int header_holds(const spfkit_policy_decision *d, size_t index, const char *name, const char *part) {
    spfkit_header_field f;
    if (spfkit_policy_decision_header(d, index, &f) != SPFKIT_OK) return 0;
    return strcmp(f.name, name) == 0 && f.name_len == strlen(name) && f.value_len == strlen(f.value) &&
           strstr(f.value, part) != NULL;
}

/* ---- settings from TOML, and their errors ---- */

static const char *README_TOML = "authserv_id = \"mx.example.net\"\n"
                                 "[address.\"alice@example.net\"]\n"
                                 "forwarder = [{ name = \"pobox\", domain = \"pobox.example\" }]\n";

static void test_toml_and_decisions(void) {
    spfkit_policy *p = policy_from_toml(README_TOML);
    spfkit_policy_message *m = NULL;
    EXPECT_STATUS(spfkit_policy_message_new(p, "198.51.100.7", "<bob@example.com>", "forward.pobox.example", false,
                                            &m),
                  SPFKIT_OK);
    spfkit_policy_free(p); /* the message keeps what it needs */

    /* Forwarded by pobox for alice: accepted, with the headers. */
    spfkit_policy_decision *d = decide(m, "alice+lists@example.net");
    EXPECT(strcmp(action_of(d), "accept-with-headers") == 0);
    EXPECT(strcmp(rule_of(d), "forwarder-domain") == 0);
    EXPECT(reply_is(d, 0, 0, NULL, NULL) && reply_is(d, 1, 0, NULL, NULL));
    char *s = NULL;
    size_t len = 0;
    EXPECT(owned_is(spfkit_policy_decision_forwarder(d, &s, &len), &s, "pobox") && len == 5);
    EXPECT(owned_is(spfkit_policy_decision_reputation_key(d, &s, NULL), &s, "example.com:FAIL"));
    EXPECT(owned_is(spfkit_policy_decision_recipient(d, &s, NULL), &s, "alice+lists@example.net"));
    spfkit_result r = 99;
    EXPECT_STATUS(spfkit_policy_decision_spf_result(d, SPFKIT_IDENTITY_MAIL_FROM, &r), SPFKIT_OK);
    EXPECT(r == SPFKIT_RESULT_FAIL);
    EXPECT_STATUS(spfkit_policy_decision_spf_result(d, SPFKIT_IDENTITY_HELO, &r), SPFKIT_OK);
    EXPECT(r == SPFKIT_RESULT_NONE);
    EXPECT_STATUS(spfkit_policy_decision_spf_result(d, SPFKIT_IDENTITY_DECIDING, &r), SPFKIT_ERR_INVALID_ARGUMENT);
    EXPECT_STATUS(spfkit_policy_decision_spf_result(d, 3, &r), SPFKIT_ERR_INVALID_ARGUMENT);
    EXPECT_STATUS(spfkit_policy_decision_spf_result(d, SPFKIT_IDENTITY_HELO, NULL), SPFKIT_ERR_NULL_PARAMETER);
    EXPECT_STATUS(spfkit_policy_decision_best_guess(d, &r), SPFKIT_ERR_NOT_CHECKED);
    spfkit_iprev_result ip = 0;
    EXPECT_STATUS(spfkit_policy_decision_iprev(d, &ip), SPFKIT_ERR_NOT_CHECKED);
    bool unacceptable = true;
    EXPECT_STATUS(spfkit_policy_decision_unacceptable_pass(d, &unacceptable), SPFKIT_OK);
    EXPECT(!unacceptable);
    uint32_t queries = 0, trips = 0;
    EXPECT_STATUS(spfkit_policy_decision_queries(d, &queries, &trips), SPFKIT_OK);
    EXPECT(queries > 0 && trips > 0 && trips <= queries);
    size_t n = 0;
    EXPECT_STATUS(spfkit_policy_decision_header_count(d, &n), SPFKIT_OK);
    EXPECT(n == 2);
    EXPECT(header_holds(d, 0, "Received-SPF", "fail (mx.example.net: "));
    EXPECT(header_holds(d, 1, "Authentication-Results",
                        "spf=fail smtp.mailfrom=bob@example.com policy.rule=forwarder-domain policy.forwarder=pobox"));
    spfkit_header_field f;
    EXPECT_STATUS(spfkit_policy_decision_header(d, 2, &f), SPFKIT_ERR_OUT_OF_RANGE);
    spfkit_policy_decision_free(d);

    /* Anyone else: rejected with RFC 7372's code, no headers, brackets gone. */
    d = decide(m, "<carol@example.net>");
    EXPECT(strcmp(action_of(d), "reject") == 0 && strcmp(rule_of(d), "mail-from-reject") == 0);
    EXPECT(reply_is(d, 0, 550, "5.7.23", "198.51.100.7 is not one of example.com's designated mail servers"));
    EXPECT(owned_is(spfkit_policy_decision_recipient(d, &s, NULL), &s, "carol@example.net"));
    EXPECT(owned_is(spfkit_policy_decision_forwarder(d, &s, &len), &s, NULL) && len == 0);
    EXPECT_STATUS(spfkit_policy_decision_header_count(d, &n), SPFKIT_OK);
    EXPECT(n == 0);
    /* The message's SPF was known: nothing asked again. */
    EXPECT_STATUS(spfkit_policy_decision_queries(d, &queries, NULL), SPFKIT_OK);
    EXPECT(queries == 0);
    spfkit_policy_decision_free(d);

    /* Not an address: not checked, whatever the bytes. */
    spfkit_policy_decision *bad = NULL;
    EXPECT_STATUS(spfkit_policy_message_decide(m, "\xff\xfe@example.net", 14, zone_resolve, NULL, &bad, NULL),
                  SPFKIT_OK);
    EXPECT(strcmp(action_of(bad), "not-checked") == 0 && strcmp(rule_of(bad), "bad-recipient") == 0);
    EXPECT(owned_is(spfkit_policy_decision_recipient(bad, &s, &len), &s, "") && len == 0);
    EXPECT(owned_is(spfkit_policy_decision_reputation_key(bad, &s, NULL), &s, NULL));
    EXPECT_STATUS(spfkit_policy_decision_spf_result(bad, SPFKIT_IDENTITY_MAIL_FROM, &r), SPFKIT_ERR_NOT_CHECKED);
    spfkit_policy_decision_free(bad);
    EXPECT_STATUS(spfkit_policy_message_decide(m, "bob\0@example.net", 16, zone_resolve, NULL, &bad, NULL),
                  SPFKIT_OK);
    EXPECT(strcmp(rule_of(bad), "bad-recipient") == 0);
    spfkit_policy_decision_free(bad);
    EXPECT_STATUS(spfkit_policy_message_decide(m, NULL, 0, zone_resolve, NULL, &bad, NULL), SPFKIT_OK);
    EXPECT(strcmp(rule_of(bad), "bad-recipient") == 0);
    spfkit_policy_decision_free(bad);
    spfkit_policy_message_free(m);
}

static void test_toml_errors(void) {
    spfkit_policy_settings *s = (spfkit_policy_settings *)1;
    spfkit_settings_error *e = NULL;
    char *t = NULL;
    size_t len = 0;
    uint32_t line = 0;

    /* TOML that does not parse: refused at once, with its line. */
    const char *broken = "authserv_id = \"mx.example.net\"\n[mail_from\nreject = []\n";
    EXPECT_STATUS(spfkit_policy_settings_from_toml(broken, strlen(broken), "policy.toml", &s, &e),
                  SPFKIT_ERR_SETTINGS);
    EXPECT(s == NULL && e != NULL);
    EXPECT(owned_is(spfkit_settings_error_key(e, &t, NULL), &t, "(syntax)"));
    EXPECT(owned_is(spfkit_settings_error_file(e, &t, NULL), &t, "policy.toml"));
    EXPECT_STATUS(spfkit_settings_error_line(e, &line), SPFKIT_OK);
    EXPECT(line == 2);
    EXPECT_STATUS(spfkit_settings_error_to_string(e, &t, &len), SPFKIT_OK);
    EXPECT(t && strncmp(t, "policy.toml:2: (syntax): ", 25) == 0 && len == strlen(t) && !strpbrk(t, "\r\n"));
    spfkit_string_free(t);
    spfkit_settings_error_free(e);

    /* A key unknown: read, then refused by spfkit_policy_new with file,
     * line and key. */
    const char *typo = "authserv_id = \"mx.example.net\"\n\n[mail_from]\nrejcet = [\"softfail\"]\n";
    EXPECT_STATUS(spfkit_policy_settings_from_toml(typo, strlen(typo), "/etc/spfkit/policy.toml", &s, NULL),
                  SPFKIT_OK);
    spfkit_policy *p = (spfkit_policy *)1;
    e = NULL;
    EXPECT_STATUS(spfkit_policy_new(s, NULL, &p, &e), SPFKIT_ERR_SETTINGS);
    EXPECT(p == NULL && e != NULL);
    EXPECT(owned_is(spfkit_settings_error_to_string(e, &t, NULL), &t,
                    "/etc/spfkit/policy.toml:4: mail_from.rejcet: unknown key"));
    EXPECT(owned_is(spfkit_settings_error_key(e, &t, NULL), &t, "mail_from.rejcet"));
    EXPECT(owned_is(spfkit_settings_error_message(e, &t, NULL), &t, "unknown key"));
    EXPECT_STATUS(spfkit_settings_error_line(e, &line), SPFKIT_OK);
    EXPECT(line == 4);
    spfkit_settings_error_free(e);
    /* Without an error out-parameter, the status alone. */
    EXPECT_STATUS(spfkit_policy_new(s, NULL, &p, NULL), SPFKIT_ERR_SETTINGS);
    /* A key set afterwards replaces the file's: now the settings hold. */
    EXPECT_STATUS(spfkit_policy_settings_set_strings(s, "mail_from", NULL, 0), SPFKIT_OK);
    EXPECT_STATUS(spfkit_policy_new(s, NULL, &p, &e), SPFKIT_ERR_SETTINGS); /* a list is no table */
    EXPECT(owned_is(spfkit_settings_error_message(e, &t, NULL), &t, "must be a table, not a list"));
    spfkit_settings_error_free(e);
    EXPECT_STATUS(spfkit_policy_settings_set_bool(s, "mail_from", false), SPFKIT_OK);
    EXPECT_STATUS(spfkit_policy_settings_set_strings(s, "mail_from.reject", NULL, 0), SPFKIT_ERR_INVALID_ARGUMENT);
    spfkit_policy_settings_free(s);
    EXPECT_STATUS(spfkit_policy_settings_from_toml(typo, strlen(typo), "policy.toml", &s, NULL), SPFKIT_OK);
    const char *reject[] = {"softfail", "fail"};
    EXPECT_STATUS(spfkit_policy_settings_set_strings(s, "mail_from.rejcet", reject, 0), SPFKIT_OK);
    EXPECT_STATUS(spfkit_policy_new(s, NULL, &p, &e), SPFKIT_ERR_SETTINGS); /* still a typo */
    spfkit_settings_error_free(e);
    spfkit_policy_settings_free(s);
    const char *fine = "[mail_from]\nreject = [\"fail\"]\n";
    EXPECT_STATUS(spfkit_policy_settings_from_toml(fine, strlen(fine), "policy.toml", &s, NULL), SPFKIT_OK);
    EXPECT_STATUS(spfkit_policy_settings_set_strings(s, "mail_from.reject", reject, 2), SPFKIT_OK);
    EXPECT_STATUS(spfkit_policy_new(s, NULL, &p, &e), SPFKIT_OK);
    EXPECT(p != NULL && e == NULL);
    spfkit_policy_settings_free(s);
    /* A fail from outside example.com's network is rejected. */
    spfkit_policy_message *m = message(p, "203.0.113.9", "alice@example.com");
    spfkit_policy_decision *d = decide(m, "bob@example.net");
    EXPECT(strcmp(action_of(d), "reject") == 0);
    spfkit_policy_decision_free(d);
    spfkit_policy_message_free(m);
    spfkit_policy_free(p);

    /* Text: UTF-8 only, NULL only when empty, at most 16 MiB. */
    EXPECT_STATUS(spfkit_policy_settings_from_toml("a = \"\xff\"", 8, "p", &s, &e), SPFKIT_ERR_INVALID_UTF8);
    EXPECT(s == NULL && e == NULL);
    EXPECT_STATUS(spfkit_policy_settings_from_toml(NULL, 3, "p", &s, &e), SPFKIT_ERR_NULL_PARAMETER);
    EXPECT_STATUS(spfkit_policy_settings_from_toml("", 0, NULL, &s, &e), SPFKIT_ERR_NULL_PARAMETER);
    EXPECT_STATUS(spfkit_policy_settings_from_toml("", 0, "\xff", &s, &e), SPFKIT_ERR_INVALID_UTF8);
    EXPECT_STATUS(spfkit_policy_settings_from_toml("", 0, "p", NULL, &e), SPFKIT_ERR_NULL_PARAMETER);
    EXPECT_STATUS(spfkit_policy_settings_from_toml(NULL, 0, "p", &s, &e), SPFKIT_OK);
    EXPECT(s != NULL);
    EXPECT_STATUS(spfkit_policy_new(s, NULL, &p, NULL), SPFKIT_OK); /* the defaults */
    spfkit_policy_free(p);
    spfkit_policy_settings_free(s);
    size_t huge = (16u << 20) + 1;
    char *big = malloc(huge);
    memset(big, '\n', huge);
    EXPECT_STATUS(spfkit_policy_settings_from_toml(big, huge, "big.toml", &s, &e), SPFKIT_ERR_SETTINGS);
    free(big);
    EXPECT(s == NULL);
    EXPECT(owned_is(spfkit_settings_error_key(e, &t, NULL), &t, "(file)"));
    spfkit_settings_error_free(e);
}

/* ---- settings key by key ---- */

static void test_keys(void) {
    spfkit_policy_settings *s = spfkit_policy_settings_new();
    EXPECT(s != NULL);
    const char *nets[] = {"198.51.100.0/24"};
    const char *results[] = {"fail", "softfail"};
    EXPECT_STATUS(spfkit_policy_settings_set_string(s, "authserv_id", "mx.example.net"), SPFKIT_OK);
    EXPECT_STATUS(spfkit_policy_settings_set_strings(s, "mail_from.reject", results, 2), SPFKIT_OK);
    EXPECT_STATUS(spfkit_policy_settings_set_string(s, "forwarder[0].name", "backup-mx"), SPFKIT_OK);
    EXPECT_STATUS(spfkit_policy_settings_set_strings(s, "forwarder[0].networks", nets, 1), SPFKIT_OK);
    EXPECT_STATUS(spfkit_policy_settings_set_integer(s, "unacceptable_pass.max_addresses", 1 << 20), SPFKIT_OK);
    EXPECT_STATUS(spfkit_policy_settings_set_bool(s, "address.\"carol@example.net\".log_only", true), SPFKIT_OK);
    EXPECT_STATUS(spfkit_policy_settings_set_strings(s, "helo.reject", NULL, 0), SPFKIT_OK);

    /* Paths refused, nothing changed. */
    EXPECT_STATUS(spfkit_policy_settings_set_string(s, "forwarder[2].name", "x"), SPFKIT_ERR_INVALID_ARGUMENT);
    EXPECT_STATUS(spfkit_policy_settings_set_bool(s, "authserv_id.x", true), SPFKIT_ERR_INVALID_ARGUMENT);
    EXPECT_STATUS(spfkit_policy_settings_set_bool(s, "authserv_id[0]", true), SPFKIT_ERR_INVALID_ARGUMENT);
    EXPECT_STATUS(spfkit_policy_settings_set_bool(s, "mail_from.reject[3]", true), SPFKIT_ERR_INVALID_ARGUMENT);
    EXPECT_STATUS(spfkit_policy_settings_set_bool(s, "mail_from.reject[1].x", true), SPFKIT_ERR_INVALID_ARGUMENT);
    const char *bad_paths[] = {"", "a..b", "a.", ".a", "\"open", "\"x\"y", "x[", "x[]", "x[1a]", "x[0]y"};
    for (size_t i = 0; i < sizeof bad_paths / sizeof bad_paths[0]; i++)
        EXPECT_STATUS(spfkit_policy_settings_set_bool(s, bad_paths[i], true), SPFKIT_ERR_INVALID_ARGUMENT);
    char long_path[1100];
    memset(long_path, 'a', sizeof long_path - 1);
    long_path[sizeof long_path - 1] = 0;
    EXPECT_STATUS(spfkit_policy_settings_set_bool(s, long_path, true), SPFKIT_ERR_INVALID_ARGUMENT);

    /* Arguments checked. */
    const char *with_null[] = {"fail", NULL};
    const char *with_bad[] = {"fail", "\xc3("};
    EXPECT_STATUS(spfkit_policy_settings_set_strings(s, "helo.reject", with_null, 2), SPFKIT_ERR_NULL_PARAMETER);
    EXPECT_STATUS(spfkit_policy_settings_set_strings(s, "helo.reject", with_bad, 2), SPFKIT_ERR_INVALID_UTF8);
    EXPECT_STATUS(spfkit_policy_settings_set_strings(s, "helo.reject", NULL, 1), SPFKIT_ERR_NULL_PARAMETER);
    EXPECT_STATUS(spfkit_policy_settings_set_string(s, NULL, "x"), SPFKIT_ERR_NULL_PARAMETER);
    EXPECT_STATUS(spfkit_policy_settings_set_string(s, "header", NULL), SPFKIT_ERR_NULL_PARAMETER);
    EXPECT_STATUS(spfkit_policy_settings_set_string(s, "header", "\xff"), SPFKIT_ERR_INVALID_UTF8);
    EXPECT_STATUS(spfkit_policy_settings_set_string(s, "\xff", "both"), SPFKIT_ERR_INVALID_UTF8);
    EXPECT_STATUS(spfkit_policy_settings_set_string(NULL, "header", "both"), SPFKIT_ERR_NULL_PARAMETER);
    EXPECT_STATUS(spfkit_policy_settings_set_bool(NULL, "log_only", true), SPFKIT_ERR_NULL_PARAMETER);
    EXPECT_STATUS(spfkit_policy_settings_set_integer(NULL, "x", 1), SPFKIT_ERR_NULL_PARAMETER);
    EXPECT_STATUS(spfkit_policy_settings_set_strings(NULL, "x", NULL, 0), SPFKIT_ERR_NULL_PARAMETER);

    spfkit_policy *p = NULL;
    spfkit_settings_error *e = (spfkit_settings_error *)1;
    EXPECT_STATUS(spfkit_policy_new(s, NULL, &p, &e), SPFKIT_OK);
    EXPECT(p != NULL && e == NULL);
    /* Settings keep changing after a policy is made; the policy does not. */
    EXPECT_STATUS(spfkit_policy_settings_set_string(s, "iprev", "on"), SPFKIT_OK);
    spfkit_policy_message *m = message(p, "198.51.100.7", "alice@example.com");
    spfkit_policy_decision *d = decide(m, "bob@example.net");
    EXPECT(strcmp(rule_of(d), "forwarder-network") == 0 && strcmp(action_of(d), "accept-with-headers") == 0);
    spfkit_policy_decision_free(d);
    spfkit_policy_message_free(m);
    spfkit_policy_free(p);
    /* Log-only for carol: the reply she would have had, none sent. */
    m = NULL;
    EXPECT_STATUS(spfkit_policy_new(s, NULL, &p, &e), SPFKIT_ERR_SETTINGS);
    char *t = NULL;
    uint32_t line = 99;
    EXPECT(owned_is(spfkit_settings_error_to_string(e, &t, NULL), &t,
                    "(settings): iprev: \"on\" is not off, report or require"));
    EXPECT_STATUS(spfkit_settings_error_line(e, &line), SPFKIT_OK);
    EXPECT(line == 0);
    spfkit_settings_error_free(e);
    EXPECT_STATUS(spfkit_policy_settings_set_string(s, "iprev", "report"), SPFKIT_OK);
    EXPECT_STATUS(spfkit_policy_settings_set_integer(s, "unacceptable_pass.max_addresses", -1), SPFKIT_OK);
    EXPECT_STATUS(spfkit_policy_new(s, NULL, &p, &e), SPFKIT_ERR_SETTINGS);
    EXPECT(owned_is(spfkit_settings_error_key(e, &t, NULL), &t, "unacceptable_pass.max_addresses"));
    spfkit_settings_error_free(e);
    EXPECT_STATUS(spfkit_policy_settings_set_integer(s, "unacceptable_pass.max_addresses", 0), SPFKIT_OK);
    EXPECT_STATUS(spfkit_policy_new(s, NULL, &p, &e), SPFKIT_OK);
    spfkit_policy_settings_free(s);
    m = message(p, "203.0.113.9", "alice@example.com");
    d = decide(m, "carol@example.net");
    EXPECT(strcmp(action_of(d), "accept-with-headers") == 0 && strcmp(rule_of(d), "mail-from-reject") == 0);
    EXPECT(reply_is(d, 0, 0, NULL, NULL));
    EXPECT(reply_is(d, 1, 550, "5.7.23", "203.0.113.9 is not one of example.com's designated mail servers"));
    EXPECT(header_holds(d, 1, "Authentication-Results", "policy.rule=log-only"));
    /* iprev = "report": checked and written, never deciding. */
    spfkit_iprev_result ip = 0;
    EXPECT_STATUS(spfkit_policy_decision_iprev(d, &ip), SPFKIT_OK);
    EXPECT(ip == SPFKIT_IPREV_PERMERROR && strcmp(spfkit_iprev_result_name(ip), "permerror") == 0);
    spfkit_policy_decision_free(d);
    spfkit_policy_message_free(m);
    spfkit_policy_free(p);
}

/* ---- the recipient-rules callback ---- */

typedef struct {
    int calls;
    int fail;        /* return this */
    int bad_value;   /* set iprev = "on" */
    int log_only;    /* set log_only = true */
    int prospective; /* set a prospective check */
    char last[64];
    size_t last_len;
} rules_state;

static int rules(void *user_data, const char *recipient, size_t recipient_len, spfkit_policy_overrides *o) {
    rules_state *st = user_data;
    st->calls++;
    snprintf(st->last, sizeof st->last, "%s", recipient);
    st->last_len = recipient_len;
    if (st->fail) return st->fail;
    if (st->bad_value) return (int)spfkit_policy_overrides_set_string(o, "iprev", "on");
    if (st->log_only && spfkit_policy_overrides_set_bool(o, "log_only", true)) return -1;
    if (st->prospective) {
        const char *outbound[] = {"192.0.2.200"};
        if (spfkit_policy_overrides_set_string(o, "prospective.forward_path", "carol@elsewhere.example") ||
            spfkit_policy_overrides_set_strings(o, "prospective.outbound", outbound, 1) ||
            spfkit_policy_overrides_set_integer(o, "unacceptable_pass.max_addresses", 0))
            return -1;
    }
    return 0;
}

static void test_callback(void) {
    spfkit_policy *p = policy_from_toml("authserv_id = \"mx.example.net\"\n");
    rules_state st = {0};
    EXPECT_STATUS(spfkit_policy_set_recipient_rules(p, rules, &st), SPFKIT_OK);
    spfkit_policy_message *m = message(p, "203.0.113.9", "alice@example.com");

    /* Called with the address as decided; what it sets counts. */
    st.log_only = 1;
    spfkit_policy_decision *d = decide(m, "<Bob@Example.NET>");
    EXPECT(st.calls == 1 && strcmp(st.last, "Bob@Example.NET") == 0 && st.last_len == 15);
    EXPECT(strcmp(action_of(d), "accept-with-headers") == 0);
    EXPECT(reply_is(d, 1, 550, "5.7.23", NULL));
    spfkit_policy_decision_free(d);
    st.log_only = 0;
    d = decide(m, "dave@example.net");
    EXPECT(st.calls == 2 && strcmp(action_of(d), "reject") == 0);
    spfkit_policy_decision_free(d);

    /* Not called for a recipient that is no address. */
    d = decide(m, "no-at-sign");
    EXPECT(st.calls == 2 && strcmp(rule_of(d), "bad-recipient") == 0);
    spfkit_policy_decision_free(d);

    /* A failing callback: no decision, by steps or blocking. */
    st.fail = 7;
    spfkit_policy_decision *none = (spfkit_policy_decision *)1;
    spfkit_settings_error *e = (spfkit_settings_error *)1;
    EXPECT_STATUS(spfkit_policy_message_decide(m, "erin@example.net", 16, zone_resolve, NULL, &none, &e),
                  SPFKIT_ERR_CALLBACK);
    EXPECT(none == NULL && e == NULL && st.calls == 3);
    spfkit_policy_decide *dd = (spfkit_policy_decide *)1;
    EXPECT_STATUS(spfkit_policy_decide_new(m, "erin@example.net", 16, &dd, NULL), SPFKIT_ERR_CALLBACK);
    EXPECT(dd == NULL && st.calls == 4);
    st.fail = 0;

    /* Overrides refused: the error names the key, in "(recipient rules)". */
    st.bad_value = 1;
    EXPECT_STATUS(spfkit_policy_decide_new(m, "erin@example.net", 16, &dd, &e), SPFKIT_ERR_SETTINGS);
    EXPECT(dd == NULL && e != NULL);
    char *t = NULL;
    EXPECT(owned_is(spfkit_settings_error_key(e, &t, NULL), &t, "iprev"));
    EXPECT(owned_is(spfkit_settings_error_file(e, &t, NULL), &t, "(recipient rules)"));
    spfkit_settings_error_free(e);
    EXPECT_STATUS(spfkit_policy_message_decide(m, "erin@example.net", 16, zone_resolve, NULL, &none, NULL),
                  SPFKIT_ERR_SETTINGS);
    EXPECT(none == NULL);
    st.bad_value = 0;

    /* An address's own keys are allowed (prospective); a decision after
     * failures is whole. */
    st.prospective = 1;
    d = decide(m, "erin@example.net");
    EXPECT(strcmp(action_of(d), "reject") == 0);
    spfkit_policy_decision_free(d);
    st.prospective = 0;

    /* Removed: messages made later do not call it; this one still does. */
    EXPECT_STATUS(spfkit_policy_set_recipient_rules(p, NULL, NULL), SPFKIT_OK);
    int calls = st.calls;
    spfkit_policy_message *later = message(p, "203.0.113.9", "alice@example.com");
    d = decide(later, "frank@example.net");
    EXPECT(st.calls == calls);
    spfkit_policy_decision_free(d);
    d = decide(m, "frank@example.net");
    EXPECT(st.calls == calls + 1);
    spfkit_policy_decision_free(d);
    spfkit_policy_message_free(later);
    spfkit_policy_message_free(m);
    spfkit_policy_free(p);
}

/* ---- the step API ---- */

/* A raw NXDOMAIN response to `q`. */
static size_t nxdomain(const spfkit_query *q, uint8_t *buf) {
    size_t len = 0;
    EXPECT_STATUS(spfkit_query_message(q, 9, buf, 512, &len), SPFKIT_OK);
    buf[2] |= 0x80;
    buf[3] = (uint8_t)((buf[3] & 0xf0) | 3);
    return len;
}

static void test_steps(void) {
    spfkit_policy *p = policy_from_toml("authserv_id = \"mx.example.net\"\niprev = \"require\"\n");
    spfkit_policy_message *m = NULL;
    EXPECT_STATUS(spfkit_policy_message_new(p, "192.0.2.1", "alice@example.com", "h.example.org", false, &m),
                  SPFKIT_OK);
    spfkit_policy_decide *d = NULL;
    spfkit_settings_error *e = (spfkit_settings_error *)1;
    EXPECT_STATUS(spfkit_policy_decide_new(m, "bob@example.net", 15, &d, &e), SPFKIT_OK);
    EXPECT(d != NULL && e == NULL);
    spfkit_policy_decide *second = NULL;
    EXPECT_STATUS(spfkit_policy_decide_new(m, "carol@example.net", 17, &second, NULL), SPFKIT_OK);
    spfkit_policy_message_free(m); /* decisions under way keep what they need */
    spfkit_policy_free(p);

    spfkit_policy_decision *out = (spfkit_policy_decision *)1;
    EXPECT_STATUS(spfkit_policy_decide_decision(d, &out), SPFKIT_ERR_NOT_DONE);
    EXPECT(out == NULL);
    unsigned steps = 0, asked = 0;
    int raw_answers = 0;
    for (;;) {
        spfkit_step step;
        size_t n = 99;
        EXPECT_STATUS(spfkit_policy_decide_next(d, &step, &n), SPFKIT_OK);
        if (step == SPFKIT_STEP_DONE) {
            EXPECT(n == 0);
            break;
        }
        EXPECT(step == SPFKIT_STEP_LOOKUP && n > 0 && n <= 8);
        spfkit_query q[8];
        for (size_t i = 0; i < n && i < 8; i++) EXPECT_STATUS(spfkit_policy_decide_query(d, i, &q[i]), SPFKIT_OK);
        EXPECT_STATUS(spfkit_policy_decide_query(d, n, &q[0]), SPFKIT_ERR_OUT_OF_RANGE);
        if (steps++ == 0) {
            /* Nothing answered yet: the decision waits, and the queries
             * handed out stay valid, names and all. */
            spfkit_step wait;
            size_t none = 99;
            EXPECT_STATUS(spfkit_policy_decide_next(d, &wait, &none), SPFKIT_OK);
            EXPECT(wait == SPFKIT_STEP_PENDING && none == 0);
            spfkit_query gone;
            EXPECT_STATUS(spfkit_policy_decide_query(d, 0, &gone), SPFKIT_ERR_OUT_OF_RANGE);
            EXPECT(n == 2); /* HELO's TXT and iprev's PTR, together */
        }
        asked += (unsigned)n;
        /* Answered last first. */
        for (size_t i = n; i-- > 0;) {
            EXPECT(strlen(q[i].name) == q[i].name_len);
            EXPECT_STATUS(spfkit_policy_decide_answer_empty(d, q[i].id + 1000, SPFKIT_ANSWER_NODATA),
                          SPFKIT_ERR_UNKNOWN_ID);
            EXPECT_STATUS(spfkit_policy_decide_answer_empty(d, q[i].id, 9), SPFKIT_ERR_INVALID_ARGUMENT);
            spfkit_rdata short_a = {SPFKIT_QTYPE_A, 0, (const uint8_t *)"\1\2", 2};
            EXPECT_STATUS(spfkit_policy_decide_answer_records(d, q[i].id, &short_a, 1), SPFKIT_ERR_INVALID_ARGUMENT);
            EXPECT_STATUS(spfkit_policy_decide_answer_message(d, q[i].id + 1000, NULL, 5), SPFKIT_ERR_UNKNOWN_ID);
            EXPECT_STATUS(spfkit_policy_decide_answer_message(d, q[i].id, NULL, 5), SPFKIT_ERR_NULL_PARAMETER);
            spfkit_rdata records[4];
            if (zone_records(&q[i], records) < 0) {
                /* Names the zone lacks (HELO's): as raw NXDOMAIN messages. */
                uint8_t msg[512];
                size_t len = nxdomain(&q[i], msg);
                EXPECT_STATUS(spfkit_policy_decide_answer_message(d, q[i].id, msg, len), SPFKIT_OK);
                EXPECT_STATUS(spfkit_policy_decide_answer_message(d, q[i].id, msg, len), SPFKIT_ERR_ALREADY_ANSWERED);
                raw_answers++;
            } else {
                EXPECT_STATUS(zone_answer(d, &q[i]), SPFKIT_OK);
                EXPECT_STATUS(zone_answer(d, &q[i]), SPFKIT_ERR_ALREADY_ANSWERED);
            }
        }
    }
    EXPECT(raw_answers == 1);
    EXPECT_STATUS(spfkit_policy_decide_decision(d, &out), SPFKIT_OK);
    spfkit_policy_decide_free(d); /* the decision outlives it */
    EXPECT(strcmp(action_of(out), "accept-with-headers") == 0 && strcmp(rule_of(out), "accept") == 0);
    spfkit_iprev_result ip = 0;
    EXPECT_STATUS(spfkit_policy_decision_iprev(out, &ip), SPFKIT_OK);
    EXPECT(ip == SPFKIT_IPREV_PASS);
    uint32_t queries = 0, trips = 0;
    EXPECT_STATUS(spfkit_policy_decision_queries(out, &queries, &trips), SPFKIT_OK);
    EXPECT(queries == asked && trips == steps);
    EXPECT(header_holds(out, 1, "Authentication-Results", "iprev=pass policy.iprev=192.0.2.1"));
    spfkit_policy_decision_free(out);

    /* The second recipient: everything known, nothing to ask, no headers. */
    spfkit_step step;
    size_t n = 99;
    EXPECT_STATUS(spfkit_policy_decide_next(second, &step, &n), SPFKIT_OK);
    EXPECT(step == SPFKIT_STEP_DONE && n == 0);
    EXPECT_STATUS(spfkit_policy_decide_decision(second, &out), SPFKIT_OK);
    EXPECT(strcmp(action_of(out), "accept") == 0);
    EXPECT_STATUS(spfkit_policy_decision_header_count(out, &n), SPFKIT_OK);
    EXPECT(n == 0);
    EXPECT_STATUS(spfkit_policy_decision_queries(out, &queries, &trips), SPFKIT_OK);
    EXPECT(queries == 0 && trips == 0);
    spfkit_policy_decision_free(out);
    spfkit_policy_decide_free(second);
}

static void test_expire(void) {
    spfkit_policy *p = policy_from_toml("[mail_from]\ntemperror = \"defer\"\n[helo]\ncheck = false\n");
    spfkit_policy_message *m = message(p, "192.0.2.1", "alice@example.com");
    spfkit_policy_decide *d = NULL;
    EXPECT_STATUS(spfkit_policy_decide_new(m, "bob@example.net", 15, &d, NULL), SPFKIT_OK);
    spfkit_step step;
    size_t n = 0;
    EXPECT_STATUS(spfkit_policy_decide_next(d, &step, &n), SPFKIT_OK);
    EXPECT(step == SPFKIT_STEP_LOOKUP && n == 1);
    spfkit_query q;
    EXPECT_STATUS(spfkit_policy_decide_query(d, 0, &q), SPFKIT_OK);
    EXPECT_STATUS(spfkit_policy_decide_expire(d), SPFKIT_OK);
    EXPECT_STATUS(spfkit_policy_decide_next(d, &step, &n), SPFKIT_OK);
    EXPECT(step == SPFKIT_STEP_DONE);
    EXPECT_STATUS(zone_answer(d, &q), SPFKIT_ERR_ALREADY_ANSWERED);
    EXPECT(strcmp(q.name, "example.com") == 0); /* still lent */
    spfkit_policy_decision *out = NULL;
    EXPECT_STATUS(spfkit_policy_decide_decision(d, &out), SPFKIT_OK);
    EXPECT(strcmp(action_of(out), "defer") == 0 && strcmp(rule_of(out), "mail-from-temperror") == 0);
    EXPECT(reply_is(out, 0, 451, "4.7.24", NULL));
    spfkit_policy_decision_free(out);
    spfkit_policy_decide_free(d);
    EXPECT_STATUS(spfkit_policy_decide_expire(NULL), SPFKIT_ERR_NULL_PARAMETER);
    spfkit_policy_message_free(m);
    spfkit_policy_free(p);
}

/* ---- bad arguments ---- */

static void test_arguments(void) {
    EXPECT(strcmp(spfkit_status_message(SPFKIT_ERR_SETTINGS), "the receiver-policy settings were refused") == 0);
    EXPECT(strcmp(spfkit_status_message(SPFKIT_ERR_CALLBACK), "a callback reported a failure") == 0);
    EXPECT(strcmp(spfkit_policy_action_name(SPFKIT_POLICY_ACTION_ACCEPT_WITH_HEADERS), "accept-with-headers") == 0);
    EXPECT(strcmp(spfkit_policy_rule_name(SPFKIT_POLICY_RULE_FORWARDER_ADDRESS), "forwarder-address") == 0);
    EXPECT(strcmp(spfkit_policy_rule_name(SPFKIT_POLICY_RULE_ACCEPT), "accept") == 0);
    EXPECT(spfkit_policy_action_name(0) == NULL && spfkit_policy_action_name(6) == NULL);
    EXPECT(spfkit_policy_rule_name(0) == NULL && spfkit_policy_rule_name(22) == NULL);
    EXPECT(spfkit_iprev_result_name(SPFKIT_IPREV_TEMPERROR) && spfkit_iprev_result_name(5) == NULL);

    spfkit_policy *p = (spfkit_policy *)1;
    spfkit_settings_error *e = (spfkit_settings_error *)1;
    EXPECT_STATUS(spfkit_policy_new(NULL, NULL, &p, &e), SPFKIT_ERR_NULL_PARAMETER);
    EXPECT(p == NULL && e == NULL);
    spfkit_policy_settings *s = spfkit_policy_settings_new();
    EXPECT_STATUS(spfkit_policy_new(s, NULL, NULL, NULL), SPFKIT_ERR_NULL_PARAMETER);
    spfkit_options *o = spfkit_options_new();
    EXPECT_STATUS(spfkit_options_set_timestamp(o, 1700000000), SPFKIT_OK);
    EXPECT_STATUS(spfkit_policy_new(s, o, &p, NULL), SPFKIT_OK);
    spfkit_options_free(o);
    spfkit_policy_settings_free(s);
    EXPECT_STATUS(spfkit_policy_set_recipient_rules(NULL, rules, NULL), SPFKIT_ERR_NULL_PARAMETER);

    spfkit_policy_message *m = (spfkit_policy_message *)1;
    EXPECT_STATUS(spfkit_policy_message_new(NULL, "192.0.2.1", "a@example.com", "h", false, &m),
                  SPFKIT_ERR_NULL_PARAMETER);
    EXPECT(m == NULL);
    EXPECT_STATUS(spfkit_policy_message_new(p, NULL, "a@example.com", "h", false, &m), SPFKIT_ERR_NULL_PARAMETER);
    EXPECT_STATUS(spfkit_policy_message_new(p, "192.0.2.300", "a@example.com", "h", false, &m),
                  SPFKIT_ERR_INVALID_IP);
    EXPECT_STATUS(spfkit_policy_message_new(p, "", "a@example.com", "h", false, &m), SPFKIT_ERR_INVALID_IP);
    EXPECT_STATUS(spfkit_policy_message_new(p, "192.0.2.1", NULL, "h", false, &m), SPFKIT_ERR_NULL_PARAMETER);
    EXPECT_STATUS(spfkit_policy_message_new(p, "192.0.2.1", "a@example.com", NULL, false, &m),
                  SPFKIT_ERR_NULL_PARAMETER);
    EXPECT_STATUS(spfkit_policy_message_new(p, "192.0.2.1", "\xff@example.com", "h", false, &m),
                  SPFKIT_ERR_INVALID_UTF8);
    EXPECT_STATUS(spfkit_policy_message_new(p, "192.0.2.1", "a@example.com", "h\xc3", false, &m),
                  SPFKIT_ERR_INVALID_UTF8);
    EXPECT_STATUS(spfkit_policy_message_new(p, "192.0.2.1", "a@example.com", "h", false, NULL),
                  SPFKIT_ERR_NULL_PARAMETER);
    EXPECT_STATUS(spfkit_policy_message_new_ip(p, (const uint8_t *)"\1\2\3\4\5", 5, "a@b.c", "h", false, &m),
                  SPFKIT_ERR_INVALID_IP);
    EXPECT_STATUS(spfkit_policy_message_new_ip(p, NULL, 4, "a@b.c", "h", false, &m), SPFKIT_ERR_NULL_PARAMETER);
    EXPECT_STATUS(spfkit_policy_message_new_ip(p, NULL, 0, "a@b.c", "h", false, &m), SPFKIT_ERR_NULL_PARAMETER);
    EXPECT(m == NULL);

    /* A loopback client is skipped by default; an IPv4-mapped one too. */
    const uint8_t mapped[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1};
    EXPECT_STATUS(spfkit_policy_message_new_ip(p, mapped, 16, "a@example.com", "h", false, &m), SPFKIT_OK);
    spfkit_policy_decision *d = decide(m, "bob@example.net");
    EXPECT(strcmp(action_of(d), "not-checked") == 0 && strcmp(rule_of(d), "skip-network") == 0);
    spfkit_policy_decision_free(d);
    spfkit_policy_message_free(m);
    /* An authenticated client is not checked. */
    EXPECT_STATUS(spfkit_policy_message_new_ip(p, (const uint8_t *)"\xcb\0\x71\x09", 4, "a@example.com", "h", true, &m),
                  SPFKIT_OK);
    d = decide(m, "bob@example.net");
    EXPECT(strcmp(rule_of(d), "authenticated") == 0);
    spfkit_policy_decision_free(d);
    spfkit_policy_message_free(m);
    /* A MAIL FROM longer than SMTP carries: every recipient refused. */
    static char long_from[5000];
    memset(long_from, 'a', sizeof long_from - 1);
    EXPECT_STATUS(spfkit_policy_message_new(p, "203.0.113.9", long_from, "h", false, &m), SPFKIT_OK);
    d = decide(m, "bob@example.net");
    EXPECT(strcmp(rule_of(d), "bad-connection") == 0 && reply_is(d, 0, 550, "5.7.24", NULL));
    spfkit_policy_decision_free(d);

    spfkit_policy_decide *dd = (spfkit_policy_decide *)1;
    EXPECT_STATUS(spfkit_policy_decide_new(NULL, "a@b.c", 5, &dd, NULL), SPFKIT_ERR_NULL_PARAMETER);
    EXPECT(dd == NULL);
    EXPECT_STATUS(spfkit_policy_decide_new(m, NULL, 5, &dd, NULL), SPFKIT_ERR_NULL_PARAMETER);
    EXPECT_STATUS(spfkit_policy_decide_new(m, "a@b.c", 5, NULL, NULL), SPFKIT_ERR_NULL_PARAMETER);
    d = (spfkit_policy_decision *)1;
    EXPECT_STATUS(spfkit_policy_message_decide(m, "a@b.c", 5, NULL, NULL, &d, NULL), SPFKIT_ERR_NULL_PARAMETER);
    EXPECT(d == NULL);
    EXPECT_STATUS(spfkit_policy_message_decide(m, "a@b.c", 5, zone_resolve, NULL, NULL, NULL),
                  SPFKIT_ERR_NULL_PARAMETER);
    EXPECT_STATUS(spfkit_policy_message_decide(NULL, "a@b.c", 5, zone_resolve, NULL, &d, NULL),
                  SPFKIT_ERR_NULL_PARAMETER);
    EXPECT_STATUS(spfkit_policy_message_decide(m, NULL, 1, zone_resolve, NULL, &d, NULL), SPFKIT_ERR_NULL_PARAMETER);

    /* Lengths no buffer has. */
    EXPECT_STATUS(spfkit_policy_decide_new(m, "a@b.c", SIZE_MAX, &dd, NULL), SPFKIT_ERR_INVALID_ARGUMENT);
    EXPECT_STATUS(spfkit_policy_message_decide(m, "a@b.c", SIZE_MAX, zone_resolve, NULL, &d, NULL),
                  SPFKIT_ERR_INVALID_ARGUMENT);
    spfkit_policy_settings *unused = NULL;
    EXPECT_STATUS(spfkit_policy_settings_from_toml("", SIZE_MAX, "p", &unused, NULL), SPFKIT_ERR_INVALID_ARGUMENT);
    const char *one[] = {"x"};
    s = spfkit_policy_settings_new();
    EXPECT_STATUS(spfkit_policy_settings_set_strings(s, "skip_networks", one, SIZE_MAX / 2),
                  SPFKIT_ERR_INVALID_ARGUMENT);
    spfkit_policy_settings_free(s);
    spfkit_policy_message *none = NULL;
    EXPECT_STATUS(spfkit_policy_message_new_ip(p, (const uint8_t *)"\1\2\3\4", SIZE_MAX, "a@b.c", "h", false, &none),
                  SPFKIT_ERR_INVALID_ARGUMENT);

    spfkit_step step;
    spfkit_query q;
    EXPECT_STATUS(spfkit_policy_decide_next(NULL, &step, NULL), SPFKIT_ERR_NULL_PARAMETER);
    EXPECT_STATUS(spfkit_policy_decide_query(NULL, 0, &q), SPFKIT_ERR_NULL_PARAMETER);
    EXPECT_STATUS(spfkit_policy_decide_answer_records(NULL, 0, NULL, 0), SPFKIT_ERR_NULL_PARAMETER);
    EXPECT_STATUS(spfkit_policy_decide_answer_message(NULL, 0, NULL, 0), SPFKIT_ERR_NULL_PARAMETER);
    EXPECT_STATUS(spfkit_policy_decide_answer_empty(NULL, 0, 1), SPFKIT_ERR_NULL_PARAMETER);
    EXPECT_STATUS(spfkit_policy_decide_decision(NULL, &d), SPFKIT_ERR_NULL_PARAMETER);
    EXPECT_STATUS(spfkit_policy_decide_new(m, "a@b.c", 5, &dd, NULL), SPFKIT_OK);
    EXPECT_STATUS(spfkit_policy_decide_next(dd, NULL, NULL), SPFKIT_ERR_NULL_PARAMETER);
    EXPECT_STATUS(spfkit_policy_decide_query(dd, 0, NULL), SPFKIT_ERR_OUT_OF_RANGE);
    EXPECT_STATUS(spfkit_policy_decide_next(dd, &step, NULL), SPFKIT_OK);
    EXPECT(step == SPFKIT_STEP_DONE); /* bad-connection asks nothing */
    EXPECT_STATUS(spfkit_policy_decide_decision(dd, NULL), SPFKIT_ERR_NULL_PARAMETER);
    spfkit_policy_decide_free(dd);

    /* Decision getters. */
    d = decide(m, "bob@example.net");
    spfkit_policy_action a;
    spfkit_policy_rule r;
    spfkit_result res;
    spfkit_iprev_result ip;
    spfkit_header_field f;
    uint16_t code;
    const char *enhanced;
    char *t;
    size_t n;
    bool b;
    uint32_t u;
    EXPECT_STATUS(spfkit_policy_decision_action(NULL, &a), SPFKIT_ERR_NULL_PARAMETER);
    EXPECT_STATUS(spfkit_policy_decision_action(d, NULL), SPFKIT_ERR_NULL_PARAMETER);
    EXPECT_STATUS(spfkit_policy_decision_rule(NULL, &r), SPFKIT_ERR_NULL_PARAMETER);
    EXPECT_STATUS(spfkit_policy_decision_rule(d, NULL), SPFKIT_ERR_NULL_PARAMETER);
    EXPECT_STATUS(spfkit_policy_decision_reply(NULL, &code, &enhanced, &t), SPFKIT_ERR_NULL_PARAMETER);
    EXPECT_STATUS(spfkit_policy_decision_reply(d, &code, NULL, &t), SPFKIT_ERR_NULL_PARAMETER);
    EXPECT_STATUS(spfkit_policy_decision_intended(d, NULL, &enhanced, &t), SPFKIT_ERR_NULL_PARAMETER);
    EXPECT_STATUS(spfkit_policy_decision_recipient(NULL, &t, NULL), SPFKIT_ERR_NULL_PARAMETER);
    EXPECT_STATUS(spfkit_policy_decision_recipient(d, NULL, NULL), SPFKIT_ERR_NULL_PARAMETER);
    EXPECT_STATUS(spfkit_policy_decision_forwarder(d, NULL, NULL), SPFKIT_ERR_NULL_PARAMETER);
    EXPECT_STATUS(spfkit_policy_decision_reputation_key(NULL, &t, NULL), SPFKIT_ERR_NULL_PARAMETER);
    /* bad-connection: nothing was evaluated. */
    EXPECT_STATUS(spfkit_policy_decision_spf_result(d, SPFKIT_IDENTITY_HELO, &res), SPFKIT_ERR_NOT_CHECKED);
    EXPECT_STATUS(spfkit_policy_decision_spf_result(d, SPFKIT_IDENTITY_MAIL_FROM, &res), SPFKIT_ERR_NOT_CHECKED);
    EXPECT_STATUS(spfkit_policy_decision_spf_result(NULL, SPFKIT_IDENTITY_HELO, &res), SPFKIT_ERR_NULL_PARAMETER);
    EXPECT_STATUS(spfkit_policy_decision_best_guess(NULL, &res), SPFKIT_ERR_NULL_PARAMETER);
    EXPECT_STATUS(spfkit_policy_decision_unacceptable_pass(d, NULL), SPFKIT_ERR_NULL_PARAMETER);
    EXPECT_STATUS(spfkit_policy_decision_unacceptable_pass(NULL, &b), SPFKIT_ERR_NULL_PARAMETER);
    EXPECT_STATUS(spfkit_policy_decision_iprev(NULL, &ip), SPFKIT_ERR_NULL_PARAMETER);
    EXPECT_STATUS(spfkit_policy_decision_queries(d, NULL, &u), SPFKIT_ERR_NULL_PARAMETER);
    EXPECT_STATUS(spfkit_policy_decision_header_count(NULL, &n), SPFKIT_ERR_NULL_PARAMETER);
    EXPECT_STATUS(spfkit_policy_decision_header_count(d, NULL), SPFKIT_ERR_NULL_PARAMETER);
    EXPECT_STATUS(spfkit_policy_decision_header(d, 0, NULL), SPFKIT_ERR_OUT_OF_RANGE); /* none: rejected */
    EXPECT_STATUS(spfkit_policy_decision_header(NULL, 0, &f), SPFKIT_ERR_NULL_PARAMETER);
    spfkit_policy_decision_free(d);
    spfkit_policy_message_free(m);
    spfkit_policy_free(p);

    /* Overrides and errors, checked like everything else. */
    EXPECT_STATUS(spfkit_policy_overrides_set_string(NULL, "log_only", "x"), SPFKIT_ERR_NULL_PARAMETER);
    EXPECT_STATUS(spfkit_policy_overrides_set_bool(NULL, "log_only", true), SPFKIT_ERR_NULL_PARAMETER);
    EXPECT_STATUS(spfkit_policy_overrides_set_integer(NULL, "x", 1), SPFKIT_ERR_NULL_PARAMETER);
    EXPECT_STATUS(spfkit_policy_overrides_set_strings(NULL, "x", NULL, 0), SPFKIT_ERR_NULL_PARAMETER);
    EXPECT_STATUS(spfkit_settings_error_key(NULL, &t, NULL), SPFKIT_ERR_NULL_PARAMETER);
    EXPECT_STATUS(spfkit_settings_error_file(NULL, &t, NULL), SPFKIT_ERR_NULL_PARAMETER);
    EXPECT_STATUS(spfkit_settings_error_message(NULL, &t, NULL), SPFKIT_ERR_NULL_PARAMETER);
    EXPECT_STATUS(spfkit_settings_error_to_string(NULL, &t, NULL), SPFKIT_ERR_NULL_PARAMETER);
    EXPECT_STATUS(spfkit_settings_error_line(NULL, &u), SPFKIT_ERR_NULL_PARAMETER);

    /* Every _free takes NULL. */
    spfkit_policy_settings_free(NULL);
    spfkit_settings_error_free(NULL);
    spfkit_policy_free(NULL);
    spfkit_policy_message_free(NULL);
    spfkit_policy_decide_free(NULL);
    spfkit_policy_decision_free(NULL);
}

/* ---- one message, its recipients decided on four threads at once ---- */

static spfkit_policy_message *shared_message;
static _Atomic int shared_rules_calls, shared_queries, with_headers;

static int counting_rules(void *user_data, const char *recipient, size_t len, spfkit_policy_overrides *o) {
    (void)recipient;
    (void)len;
    (void)o;
    ++*(_Atomic int *)user_data;
    return 0;
}

static void *policy_worker(void *arg) {
    int *ok = malloc(sizeof *ok);
    *ok = 1;
    for (int i = 0; i < 25; i++) {
        char rcpt[64];
        snprintf(rcpt, sizeof rcpt, "user%d.%d@example.net", *(int *)arg, i);
        spfkit_policy_decision *d = NULL;
        if (spfkit_policy_message_decide(shared_message, rcpt, strlen(rcpt), zone_resolve, &shared_queries, &d,
                                         NULL)) {
            *ok = 0;
            break;
        }
        spfkit_policy_action a = 0;
        spfkit_policy_rule r = 0;
        *ok &= spfkit_policy_decision_action(d, &a) == SPFKIT_OK && spfkit_policy_decision_rule(d, &r) == SPFKIT_OK &&
               r == SPFKIT_POLICY_RULE_ACCEPT &&
               (a == SPFKIT_POLICY_ACTION_ACCEPT || a == SPFKIT_POLICY_ACTION_ACCEPT_WITH_HEADERS);
        if (a == SPFKIT_POLICY_ACTION_ACCEPT_WITH_HEADERS) with_headers++;
        spfkit_policy_decision_free(d);
    }
    return ok;
}

static void test_threads(void) {
    spfkit_policy *p = policy_from_toml("authserv_id = \"mx.example.net\"\n");
    EXPECT_STATUS(spfkit_policy_set_recipient_rules(p, counting_rules, &shared_rules_calls), SPFKIT_OK);
    shared_message = message(p, "192.0.2.1", "alice@example.com");
    spfkit_policy_free(p);
    pthread_t t[4];
    int ids[4] = {0, 1, 2, 3};
    for (int i = 0; i < 4; i++) EXPECT(pthread_create(&t[i], NULL, policy_worker, &ids[i]) == 0);
    for (int i = 0; i < 4; i++) {
        void *ok = NULL;
        EXPECT(pthread_join(t[i], &ok) == 0);
        EXPECT(ok && *(int *)ok);
        free(ok);
    }
    /* Every recipient's rules asked; the headers went to one recipient. */
    EXPECT(shared_rules_calls == 100 && with_headers == 1);
    /* One SPF evaluation per message, whichever thread made it (HELO's TXT
     * and MAIL FROM's TXT), give or take the threads that raced for it. */
    EXPECT(shared_queries >= 2 && shared_queries <= 8);
    spfkit_policy_message_free(shared_message);
}

void run_policy_tests(void) {
    test_toml_and_decisions();
    test_toml_errors();
    test_keys();
    test_callback();
    test_steps();
    test_expire();
    test_arguments();
    test_threads();
}

/*
 * tests/policy/cases.json (the receiver-policy table every host runs; its
 * format is in tests/policy/README.md) through the C API.
 *
 * Every case, twice, each time with a fresh policy and message: once with
 * the step API (batched plan, each step's answers given in reverse order)
 * and once with spfkit_policy_message_decide() and a resolver callback
 * (sequential plan). The settings are built key by key with
 * spfkit_policy_settings_set_*() from the case's JSON tree, and each
 * recipient's host_rules come from the policy's recipient-rules callback
 * (set for every case: one that sets nothing must change nothing). A case
 * passes when both runs give every recipient what it expects.
 *
 * Every bad_settings entry is built the same way and must be refused by
 * spfkit_policy_new() with SPFKIT_ERR_SETTINGS and an error naming its
 * error_key, on one line.
 *
 *   policy tests/policy/cases.json
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spfkit.h"
#include "zone.h"

#define MAX_PATH 2048

/* What the settings are built into: settings, or a callback's overrides. */
typedef struct {
    spfkit_policy_settings *settings;
    spfkit_policy_overrides *overrides;
} target;

static spfkit_status set_string(target t, const char *path, const char *value) {
    return t.settings ? spfkit_policy_settings_set_string(t.settings, path, value)
                      : spfkit_policy_overrides_set_string(t.overrides, path, value);
}

static spfkit_status set_bool(target t, const char *path, bool value) {
    return t.settings ? spfkit_policy_settings_set_bool(t.settings, path, value)
                      : spfkit_policy_overrides_set_bool(t.overrides, path, value);
}

static spfkit_status set_integer(target t, const char *path, int64_t value) {
    return t.settings ? spfkit_policy_settings_set_integer(t.settings, path, value)
                      : spfkit_policy_overrides_set_integer(t.overrides, path, value);
}

static spfkit_status set_strings(target t, const char *path, const char *const *values, size_t count) {
    return t.settings ? spfkit_policy_settings_set_strings(t.settings, path, values, count)
                      : spfkit_policy_overrides_set_strings(t.overrides, path, values, count);
}

/* `prefix` with `key` appended as a path step: bare when it is letters,
 * digits, '_' and '-', else in double quotes with '"' and '\' escaped. */
static void path_with_key(char *out, const char *prefix, const char *key) {
    size_t n = (size_t)snprintf(out, MAX_PATH, "%s%s", prefix, *prefix ? "." : "");
    int bare = *key != 0;
    for (const char *c = key; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '_' ||
              *c == '-'))
            bare = 0;
    if (!bare) out[n++] = '"';
    for (const char *c = key; *c && n < MAX_PATH - 4; c++) {
        if (!bare && (*c == '"' || *c == '\\')) out[n++] = '\\';
        out[n++] = *c;
    }
    if (!bare) out[n++] = '"';
    if (n >= MAX_PATH - 2) {
        fprintf(stderr, "policy: a key path too long for this harness\n");
        exit(2);
    }
    out[n] = 0;
}

static spfkit_status set_value(target t, const char *path, json_t *v);

/* Each key of the object `v` under `prefix`, in the file's order. */
static spfkit_status set_object(target t, const char *prefix, json_t *v) {
    size_t n = json_object_size(v), i = 0;
    const char **keys = calloc(n ? n : 1, sizeof *keys);
    const char *key;
    json_t *value;
    json_object_foreach(v, key, value) keys[i++] = key;
    spfkit_status s = SPFKIT_OK;
    for (i = 0; i < n && s == SPFKIT_OK; i++) {
        char path[MAX_PATH];
        path_with_key(path, prefix, keys[i]);
        s = set_value(t, path, json_object_get(v, keys[i]));
    }
    free(keys);
    return s;
}

/* The JSON value `v` at `path`: strings, booleans, integers, lists of
 * strings through the setters of their type, tables key by key, lists of
 * tables element by element ("forwarder[0].name"). */
static spfkit_status set_value(target t, const char *path, json_t *v) {
    if (json_is_string(v)) return set_string(t, path, json_string_value(v));
    if (json_is_boolean(v)) return set_bool(t, path, json_is_true(v));
    if (json_is_integer(v)) return set_integer(t, path, (int64_t)json_integer_value(v));
    if (json_is_object(v)) return set_object(t, path, v);
    if (!json_is_array(v)) {
        fprintf(stderr, "policy: %s: a value of a type the table does not use\n", path);
        exit(2);
    }
    size_t n = json_array_size(v), i;
    json_t *item;
    if (n && json_is_object(json_array_get(v, 0))) {
        json_array_foreach(v, i, item) {
            char at[MAX_PATH];
            snprintf(at, sizeof at, "%s[%zu]", path, i);
            spfkit_status s = set_object(t, at, item);
            if (s != SPFKIT_OK) return s;
        }
        return SPFKIT_OK;
    }
    const char **items = calloc(n ? n : 1, sizeof *items);
    json_array_foreach(v, i, item) {
        if (!json_is_string(item)) {
            fprintf(stderr, "policy: %s: a list of strings and other values\n", path);
            exit(2);
        }
        items[i] = json_string_value(item);
    }
    spfkit_status s = set_strings(t, path, n ? items : NULL, n);
    free(items);
    return s;
}

/* ---- the recipient-rules callback: host_rules of the recipient decided ---- */

typedef struct {
    json_t *host_rules; /* the current recipient's, or NULL */
    int calls;
    int failed; /* a setter refused a key */
} rules_state;

static int host_rules(void *user_data, const char *recipient, size_t recipient_len,
                      spfkit_policy_overrides *overrides) {
    rules_state *st = user_data;
    st->calls++;
    if (!recipient || strlen(recipient) != recipient_len) st->failed = 1;
    if (!st->host_rules) return 0;
    target t = {NULL, overrides};
    spfkit_status s = set_object(t, "", st->host_rules);
    if (s != SPFKIT_OK) st->failed = 1;
    return (int)s;
}

/* ---- resolving from the case's zone ---- */

static spfkit_status answer_step(spfkit_policy_decide *d, json_t *zone, const spfkit_query *q) {
    static answer a;
    lookup(zone, q->name, q->name_len, q->qtype, &a, 0);
    if (a.kind == ANSWER_TRUNCATED) {
        uint8_t msg[512];
        size_t len = truncated_response(q, msg, sizeof msg);
        return spfkit_policy_decide_answer_message(d, q->id, msg, len);
    }
    if (a.kind) return spfkit_policy_decide_answer_empty(d, q->id, (uint32_t)a.kind);
    return spfkit_policy_decide_answer_records(d, q->id, a.records, a.count);
}

static void resolve(void *user_data, const spfkit_query *q, spfkit_answerer *answerer) {
    static answer a;
    lookup((json_t *)user_data, q->name, q->name_len, q->qtype, &a, 0);
    if (a.kind == ANSWER_TRUNCATED) {
        uint8_t msg[512];
        size_t len = truncated_response(q, msg, sizeof msg);
        spfkit_answerer_message(answerer, msg, len);
    } else if (a.kind) {
        spfkit_answerer_empty(answerer, (uint32_t)a.kind);
    } else {
        spfkit_answerer_records(answerer, a.records, a.count);
    }
}

/* ---- comparing a decision with what the case expects ---- */

static int problems;

static void problem(const char *name, int run, size_t recipient, const char *what, const char *got,
                    const char *want) {
    fprintf(stderr, "FAIL %s (%s, recipient %zu): %s: got %s, want %s\n", name, run ? "blocking" : "steps",
            recipient, what, got ? got : "null", want ? want : "null");
    problems++;
}

static void same(const char *name, int run, size_t r, const char *what, const char *got, json_t *want) {
    const char *w = json_is_null(want) ? NULL : json_string_value(want);
    if ((got == NULL) != (w == NULL) || (got && strcmp(got, w) != 0)) problem(name, run, r, what, got, w);
}

/* "code enhanced text", or NULL; the caller frees it. */
static char *reply_text(const spfkit_policy_decision *d, int intended) {
    uint16_t code = 1;
    const char *enhanced = "x";
    char *text = (char *)"x";
    spfkit_status s = intended ? spfkit_policy_decision_intended(d, &code, &enhanced, &text)
                               : spfkit_policy_decision_reply(d, &code, &enhanced, &text);
    if (s != SPFKIT_OK) return strdup("(error)");
    if (code == 0) return enhanced || text ? strdup("(code 0 with strings)") : NULL;
    size_t len = strlen(enhanced) + strlen(text) + 16;
    char *out = malloc(len);
    snprintf(out, len, "%u %s %s", code, enhanced, text);
    spfkit_string_free(text);
    return out;
}

static int has_control(const char *s, size_t len, int unfold) {
    for (size_t i = 0; i < len; i++) {
        if (unfold && i + 2 < len && s[i] == '\r' && s[i + 1] == '\n' && s[i + 2] == ' ') {
            i += 2;
            continue;
        }
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f) return 1;
    }
    return 0;
}

static void compare(const char *name, int run, size_t r, const spfkit_policy_decision *d, json_t *expect) {
    const char *key;
    json_t *want;
    json_object_foreach(expect, key, want) {
        char *text = NULL;
        if (strcmp(key, "action") == 0) {
            spfkit_policy_action a = 0;
            if (spfkit_policy_decision_action(d, &a) != SPFKIT_OK) problem(name, run, r, key, "an error", "");
            same(name, run, r, key, spfkit_policy_action_name(a), want);
        } else if (strcmp(key, "rule") == 0) {
            spfkit_policy_rule rule = 0;
            if (spfkit_policy_decision_rule(d, &rule) != SPFKIT_OK) problem(name, run, r, key, "an error", "");
            same(name, run, r, key, spfkit_policy_rule_name(rule), want);
        } else if (strcmp(key, "reply") == 0 || strcmp(key, "intended") == 0) {
            text = reply_text(d, key[0] == 'i');
            same(name, run, r, key, text, want);
            free(text);
        } else if (strcmp(key, "forwarder") == 0 || strcmp(key, "reputation_key") == 0) {
            spfkit_status s = key[0] == 'f' ? spfkit_policy_decision_forwarder(d, &text, NULL)
                                            : spfkit_policy_decision_reputation_key(d, &text, NULL);
            if (s != SPFKIT_OK) problem(name, run, r, key, "an error", "");
            same(name, run, r, key, text, want);
            spfkit_string_free(text);
        } else if (strcmp(key, "headers") == 0) {
            size_t n = 99;
            if (spfkit_policy_decision_header_count(d, &n) != SPFKIT_OK || n != json_array_size(want)) {
                char got[32];
                snprintf(got, sizeof got, "%zu fields", n);
                problem(name, run, r, key, got, "as many as expected");
                continue;
            }
            for (size_t i = 0; i < n; i++) {
                spfkit_header_field f;
                json_t *pair = json_array_get(want, i);
                json_t *wn = json_array_get(pair, 0), *wv = json_array_get(pair, 1);
                if (spfkit_policy_decision_header(d, i, &f) != SPFKIT_OK) {
                    problem(name, run, r, key, "an error", "a field");
                    continue;
                }
                if (f.name_len != json_string_length(wn) || memcmp(f.name, json_string_value(wn), f.name_len) ||
                    strlen(f.name) != f.name_len)
                    problem(name, run, r, "header name", f.name, json_string_value(wn));
                if (f.value_len != json_string_length(wv) || memcmp(f.value, json_string_value(wv), f.value_len) ||
                    strlen(f.value) != f.value_len)
                    problem(name, run, r, "header value", f.value, json_string_value(wv));
            }
        } else if (strcmp(key, "no_controls") == 0) {
            int clean = 1;
            size_t n = 0;
            spfkit_policy_decision_header_count(d, &n);
            for (size_t i = 0; i < n; i++) {
                spfkit_header_field f;
                if (spfkit_policy_decision_header(d, i, &f) != SPFKIT_OK || has_control(f.name, f.name_len, 0) ||
                    has_control(f.value, f.value_len, 1))
                    clean = 0;
            }
            text = reply_text(d, 0);
            if (text && has_control(text, strlen(text), 0)) clean = 0;
            free(text);
            if (clean != json_is_true(want)) problem(name, run, r, key, clean ? "true" : "false", "the case's");
        } else if (strcmp(key, "note") != 0) {
            fprintf(stderr, "%s: unknown expectation %s\n", name, key);
            exit(2);
        }
    }
}

/* ---- one case, one run ---- */

static spfkit_policy *policy_for(const char *name, json_t *settings, uint32_t plan, rules_state *rules) {
    spfkit_policy_settings *s = spfkit_policy_settings_new();
    spfkit_status st = set_object((target){s, NULL}, "", settings);
    if (st != SPFKIT_OK) {
        fprintf(stderr, "FAIL %s: setting its settings: %s\n", name, spfkit_status_message(st));
        spfkit_policy_settings_free(s);
        return NULL;
    }
    spfkit_options *o = spfkit_options_new();
    spfkit_options_set_timestamp(o, 1700000000);
    spfkit_options_set_plan(o, plan);
    spfkit_policy *p = NULL;
    spfkit_settings_error *e = NULL;
    st = spfkit_policy_new(s, o, &p, &e);
    spfkit_options_free(o);
    spfkit_policy_settings_free(s);
    if (st != SPFKIT_OK) {
        char *why = NULL;
        spfkit_settings_error_to_string(e, &why, NULL);
        fprintf(stderr, "FAIL %s: settings refused: %s\n", name, why ? why : spfkit_status_message(st));
        spfkit_string_free(why);
        spfkit_settings_error_free(e);
        return NULL;
    }
    if (spfkit_policy_set_recipient_rules(p, host_rules, rules) != SPFKIT_OK) {
        spfkit_policy_free(p);
        return NULL;
    }
    return p;
}

/* Drives one decision with the step API; NULL on an API failure. */
static spfkit_policy_decision *by_steps(spfkit_policy_message *m, json_t *zone, const char *rcpt, size_t len) {
    spfkit_policy_decide *d = NULL;
    if (spfkit_policy_decide_new(m, rcpt, len, &d, NULL) != SPFKIT_OK) return NULL;
    spfkit_policy_decision *out = NULL;
    for (;;) {
        spfkit_step step;
        size_t n;
        if (spfkit_policy_decide_next(d, &step, &n) != SPFKIT_OK) goto done;
        if (step == SPFKIT_STEP_DONE) break;
        /* Every query is answered at once: waiting would never end. */
        if (step != SPFKIT_STEP_LOOKUP || n == 0) goto done;
        for (size_t i = n; i-- > 0;) {
            spfkit_query q;
            if (spfkit_policy_decide_query(d, i, &q) != SPFKIT_OK || answer_step(d, zone, &q) != SPFKIT_OK) goto done;
        }
    }
    spfkit_policy_decide_decision(d, &out);
done:
    spfkit_policy_decide_free(d);
    return out;
}

static int run_case(json_t *c, int run) {
    const char *name = json_string_value(json_object_get(c, "name"));
    json_t *zone = json_object_get(c, "zone"), *conn = json_object_get(c, "connection");
    int before = problems;
    rules_state rules = {NULL, 0, 0};
    spfkit_policy *p =
        policy_for(name, json_object_get(c, "settings"), run ? SPFKIT_PLAN_SEQUENTIAL : SPFKIT_PLAN_BATCHED, &rules);
    if (!p) return 0;
    spfkit_policy_message *m = NULL;
    json_t *helo = json_object_get(conn, "helo"), *from = json_object_get(conn, "mail_from");
    spfkit_status st = spfkit_policy_message_new(p, json_string_value(json_object_get(conn, "ip")),
                                                 from ? json_string_value(from) : "", helo ? json_string_value(helo) : "",
                                                 json_is_true(json_object_get(conn, "authenticated")), &m);
    spfkit_policy_free(p); /* the message keeps what it needs */
    if (st != SPFKIT_OK) {
        fprintf(stderr, "FAIL %s: message: %s\n", name, spfkit_status_message(st));
        return 0;
    }
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(c, "recipients"), i, r) {
        json_t *address = json_object_get(r, "address");
        rules.host_rules = json_object_get(r, "host_rules");
        spfkit_policy_decision *d = NULL;
        if (run == 0) {
            d = by_steps(m, zone, json_string_value(address), json_string_length(address));
        } else {
            spfkit_policy_message_decide(m, json_string_value(address), json_string_length(address), resolve, zone,
                                         &d, NULL);
        }
        if (!d) {
            problem(name, run, i, "decision", "an API failure", "a decision");
            continue;
        }
        compare(name, run, i, d, json_object_get(r, "expect"));
        spfkit_policy_decision_free(d);
    }
    if (rules.failed) problem(name, run, 0, "recipient rules", "a refused key", "every key set");
    spfkit_policy_message_free(m);
    return problems == before;
}

/* ---- settings that must be refused ---- */

static int bad_settings_case(json_t *c) {
    const char *name = json_string_value(json_object_get(c, "name"));
    const char *want = json_string_value(json_object_get(c, "error_key"));
    json_t *settings = json_deep_copy(json_object_get(c, "settings"));
    json_t *g = json_object_get(c, "generate");
    if (g) {
        json_t *list = json_array();
        for (json_int_t i = 0; i < json_integer_value(json_object_get(g, "count")); i++)
            json_array_append_new(list, json_deep_copy(json_object_get(g, "value")));
        json_object_set_new(settings, json_string_value(json_object_get(g, "key")), list);
    }
    spfkit_policy_settings *s = spfkit_policy_settings_new();
    spfkit_status st = set_object((target){s, NULL}, "", settings);
    json_decref(settings);
    int ok = 0;
    spfkit_policy *p = NULL;
    spfkit_settings_error *e = NULL;
    if (st != SPFKIT_OK) {
        fprintf(stderr, "FAIL %s: a setter refused it: %s\n", name, spfkit_status_message(st));
    } else if ((st = spfkit_policy_new(s, NULL, &p, &e)) != SPFKIT_ERR_SETTINGS || p || !e) {
        fprintf(stderr, "FAIL %s: spfkit_policy_new gave %s\n", name, spfkit_status_message(st));
    } else {
        char *key = NULL, *line = NULL, *file = NULL;
        size_t key_len = 0, line_len = 0;
        uint32_t line_no = 99;
        ok = spfkit_settings_error_key(e, &key, &key_len) == SPFKIT_OK &&
             spfkit_settings_error_to_string(e, &line, &line_len) == SPFKIT_OK &&
             spfkit_settings_error_file(e, &file, NULL) == SPFKIT_OK &&
             spfkit_settings_error_line(e, &line_no) == SPFKIT_OK;
        if (ok && (strcmp(key, want) != 0 || key_len != strlen(key))) {
            fprintf(stderr, "FAIL %s: error key %s, want %s (%s)\n", name, key, want, line);
            ok = 0;
        }
        if (ok && (strpbrk(line, "\r\n") || line_len != strlen(line))) {
            fprintf(stderr, "FAIL %s: the error spans lines: %s\n", name, line);
            ok = 0;
        }
        /* Built key by key: no lines, the source named "(settings)". */
        if (ok && (strcmp(file, "(settings)") != 0 || line_no != 0)) {
            fprintf(stderr, "FAIL %s: error in %s line %u\n", name, file, line_no);
            ok = 0;
        }
        spfkit_string_free(key);
        spfkit_string_free(line);
        spfkit_string_free(file);
    }
    spfkit_settings_error_free(e);
    spfkit_policy_free(p);
    spfkit_policy_settings_free(s);
    return ok;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s cases.json\n", argv[0]);
        return 2;
    }
    json_error_t error;
    json_t *table = json_load_file(argv[1], JSON_ALLOW_NUL, &error);
    if (!table) {
        fprintf(stderr, "%s:%d: %s\n", argv[1], error.line, error.text);
        return 2;
    }
    json_t *cases = json_object_get(table, "cases"), *bad = json_object_get(table, "bad_settings");
    int passed = 0, refused = 0;
    size_t i;
    json_t *c;
    json_array_foreach(cases, i, c) {
        int by_steps_ok = run_case(c, 0);
        int blocking_ok = run_case(c, 1);
        passed += by_steps_ok && blocking_ok;
    }
    json_array_foreach(bad, i, c) refused += bad_settings_case(c);
    int n_cases = (int)json_array_size(cases), n_bad = (int)json_array_size(bad);
    json_decref(table);
    printf("policy cases (C API, step API and blocking): %d of %d passed; bad settings: %d of %d refused by key\n",
           passed, n_cases, refused, n_bad);
    record_count("c/policy/cases", n_cases, passed);
    record_count("c/policy/bad-settings", n_bad, refused);
    return passed == n_cases && refused == n_bad && n_cases > 0 && n_bad > 0 ? 0 : 1;
}

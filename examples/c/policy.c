/* Receiver policy from C: what to do with each recipient of a message. */
#include <stdio.h>
#include <string.h>

#include "spfkit.h"

/* A stand-in resolver with two TXT records; an MTA answers from res_nquery()
 * (spfkit_answerer_message()), c-ares or libunbound, or drives the step API. */
static void resolve(void *user_data, const spfkit_query *q, spfkit_answerer *answerer) {
    (void)user_data;
    const char *txt = NULL;
    if (q->qtype == SPFKIT_QTYPE_TXT && strcmp(q->name, "example.com") == 0) txt = "v=spf1 ip4:192.0.2.0/24 -all";
    if (q->qtype == SPFKIT_QTYPE_TXT && strcmp(q->name, "pobox.com") == 0) txt = "v=spf1 ip4:198.51.100.0/24 -all";
    if (txt) {
        spfkit_rdata r = {SPFKIT_QTYPE_TXT, 0, (const uint8_t *)txt, strlen(txt)};
        spfkit_answerer_records(answerer, &r, 1);
    } else {
        spfkit_answerer_empty(answerer, SPFKIT_ANSWER_NXDOMAIN);
    }
}

/* Per-recipient rules from the MTA's own user database (an [address] table's
 * keys): carol chose never to reject on SPF. Non-zero means the lookup failed. */
static int user_rules(void *db, const char *recipient, size_t len, spfkit_policy_overrides *overrides) {
    (void)db;
    (void)len;
    if (strcmp(recipient, "carol@example.net") == 0)
        return spfkit_policy_overrides_set_bool(overrides, "never_reject_without_forwarders", true);
    return 0;
}

int main(void) {
    const char *toml = "authserv_id = \"mx.example.net\"\n"
                       "[address.\"alice@example.net\"]\n"
                       "forwarder = [{ name = \"pobox\", domain = \"pobox.com\" }]\n";
    spfkit_policy_settings *settings = NULL;
    spfkit_settings_error *error = NULL;
    spfkit_policy *policy = NULL;
    if (spfkit_policy_settings_from_toml(toml, strlen(toml), "policy.toml", &settings, &error) != SPFKIT_OK ||
        spfkit_policy_new(settings, NULL, &policy, &error) != SPFKIT_OK) {
        char *why = NULL;
        spfkit_settings_error_to_string(error, &why, NULL); /* "policy.toml:3: forwarder[0].name: ..." */
        fprintf(stderr, "%s\n", why ? why : "out of memory");
        spfkit_string_free(why);
        spfkit_settings_error_free(error);
        spfkit_policy_settings_free(settings);
        return 1;
    }
    spfkit_policy_settings_free(settings); /* the policy copied them */
    spfkit_policy_set_recipient_rules(policy, user_rules, NULL);

    /* Mail from example.com, forwarded by pobox.com's server. */
    spfkit_policy_message *message = NULL;
    if (spfkit_policy_message_new(policy, "198.51.100.7", "<bob@example.com>", "forward.pobox.com", false, &message)) {
        spfkit_policy_free(policy);
        return 1;
    }
    const char *recipients[] = {"<alice+lists@example.net>", "<dave@example.net>", "<carol@example.net>"};
    for (size_t i = 0; i < 3; i++) {
        spfkit_policy_decision *d = NULL;
        if (spfkit_policy_message_decide(message, recipients[i], strlen(recipients[i]), resolve, NULL, &d, NULL)) {
            printf("%s: 451 4.3.0 try again later\n", recipients[i]); /* the user database failed */
            continue;
        }
        spfkit_policy_action action;
        spfkit_policy_rule rule;
        spfkit_policy_decision_action(d, &action);
        spfkit_policy_decision_rule(d, &rule);
        printf("%s: %s (%s)\n", recipients[i], spfkit_policy_action_name(action), spfkit_policy_rule_name(rule));
        if (action == SPFKIT_POLICY_ACTION_REJECT || action == SPFKIT_POLICY_ACTION_DEFER) {
            uint16_t code;
            const char *enhanced;
            char *text;
            spfkit_policy_decision_reply(d, &code, &enhanced, &text);
            printf("  %u %s %s\n", code, enhanced, text);
            spfkit_string_free(text);
        }
        size_t count = 0;
        spfkit_policy_decision_header_count(d, &count);
        for (size_t h = 0; h < count; h++) {
            spfkit_header_field field;
            spfkit_policy_decision_header(d, h, &field);
            printf("  %s: %s\n", field.name, field.value);
        }
        spfkit_policy_decision_free(d);
    }
    spfkit_policy_message_free(message);
    spfkit_policy_free(policy);
    return 0;
}

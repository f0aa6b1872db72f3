/* SRS from C: what a forwarder does with senders, and with bounces. */
#include <stdio.h>
#include <string.h>

#include "spfkit.h"

/* 2026-01-01T12:00:00Z, so the output is always the same; a forwarder
 * passes SPFKIT_SRS_NOW instead, and spfkit reads the clock. */
#define NOW 1767268800

/* The sender to use when forwarding mail from `sender`. */
static void forward(const spfkit_srs *srs, const char *sender) {
    char *address = NULL;
    spfkit_srs_forwarded how;
    spfkit_srs_error error;
    if (spfkit_srs_forward(srs, sender, strlen(sender), NOW, &address, NULL, &how, &error) != SPFKIT_OK) {
        /* SPFKIT_ERR_SRS: `error` says why; forward with the sender as it is. */
        printf("forward %s: not rewritten: %s: %s\n", sender, spfkit_srs_error_kind_name(error.kind), error.message);
        return;
    }
    printf("forward %s: %s", sender, address);
    if (how.unchanged) printf(" (unchanged: %s)", spfkit_srs_unchanged_name(how.unchanged));
    if (how.warnings & SPFKIT_SRS_WARNING_LONG_LOCAL_PART)
        printf(" (%s: %zu octets)", spfkit_srs_warning_name(SPFKIT_SRS_WARNING_LONG_LOCAL_PART),
               how.local_part_octets);
    printf("\n");
    spfkit_string_free(address);
}

/* Where a bounce to `recipient` goes. */
static void bounce(const spfkit_srs *srs, const char *recipient) {
    char *original = NULL;
    spfkit_srs_error error;
    spfkit_status status = spfkit_srs_reverse(srs, recipient, strlen(recipient), NOW, &original, NULL, &error);
    if (status == SPFKIT_OK) {
        printf("bounce to %s: send on to %s\n", recipient, original);
        spfkit_string_free(original);
    } else if (status == SPFKIT_ERR_SRS && error.kind == SPFKIT_SRS_ERROR_NOT_SRS) {
        printf("bounce to %s: deliver as addressed\n", recipient);
    } else if (status == SPFKIT_ERR_SRS) {
        printf("bounce to %s: refuse: %s: %s\n", recipient, spfkit_srs_error_kind_name(error.kind), error.message);
    } else {
        printf("bounce to %s: %s\n", recipient, spfkit_status_message(status));
    }
}

int main(void) {
    /* The lines of postsrsd's secrets file: the first signs, all verify.
     * A new one comes from spfkit_srs_keygen(). */
    const char *secrets[] = {"test-secret-one"};
    spfkit_srs_settings *settings = spfkit_srs_settings_new();
    spfkit_srs_settings_set_domain(settings, "fwd.example");
    for (size_t i = 0; i < sizeof secrets / sizeof secrets[0]; i++)
        spfkit_srs_settings_add_secret(settings, secrets[i], strlen(secrets[i]));
    spfkit_srs *srs = NULL;
    spfkit_srs_settings_error why;
    if (spfkit_srs_new(settings, &srs, &why) != SPFKIT_OK) {
        fprintf(stderr, "SRS settings: %s\n", spfkit_srs_settings_error_message(why));
        return 1;
    }
    spfkit_srs_settings_free(settings);

    forward(srs, "alice@example.com");
    forward(srs, "SRS0=HHHH=TT=example.com=bob@first.example");
    forward(srs, "carol@fwd.example");
    forward(srs, "no-at-sign");
    bounce(srs, "SRS0=pfQg=7G=example.com=alice@fwd.example");
    bounce(srs, "srs0=pfqg=7g=example.com=alice@fwd.example");
    bounce(srs, "postmaster@fwd.example");
    bounce(srs, "SRS0=AAAA=7G=example.com=alice@fwd.example");
    spfkit_srs_free(srs);
    return 0;
}

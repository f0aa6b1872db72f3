/*
 * spfcheck: check an SMTP connection against SPF with libspfkit, over real
 * DNS through glibc's resolver (res_nsend), handing spfkit the raw
 * response messages.
 *
 *   spfcheck [-s ADDR[:PORT]] IP SENDER HELO
 *
 * -s asks that name server (IPv4) instead of /etc/resolv.conf's. Prints the
 * result, the explanation, the Received-SPF header and the SMTP reply.
 * Exit status 0 when the check ran, 2 for bad arguments.
 *
 * Build: cc spfcheck.c $(pkg-config --cflags --libs spfkit) -lresolv
 */
#define _DEFAULT_SOURCE
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <netinet/in.h>
#include <resolv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <spfkit.h>

static int die(const char *what, spfkit_status s) {
    fprintf(stderr, "spfcheck: %s: %s\n", what, spfkit_status_message(s));
    return 2;
}

/* Points the resolver state at one IPv4 server, "ADDR" or "ADDR:PORT". */
static int use_server(res_state rs, const char *arg) {
    char addr[64];
    unsigned port = 53;
    const char *colon = strchr(arg, ':');
    size_t len = colon ? (size_t)(colon - arg) : strlen(arg);
    if (len >= sizeof addr) return -1;
    memcpy(addr, arg, len);
    addr[len] = '\0';
    if (colon && (sscanf(colon + 1, "%u", &port) != 1 || port == 0 || port > 65535)) return -1;
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1) return -1;
    rs->nsaddr_list[0] = sin;
    rs->nscount = 1;
    rs->retrans = 2; /* seconds per try */
    rs->retry = 2;
    return 0;
}

/* Resolves one query and gives spfkit the answer. res_nsend, not
 * res_nquery: res_nquery hides the message when it has no records (and
 * reports a truncated answer over TCP as NO_DATA, which would be `none`);
 * spfkit reads NXDOMAIN, SERVFAIL, truncation and CNAME loops from the
 * message itself, as every spfkit host does. */
static spfkit_status resolve(res_state rs, spfkit_evaluation *ev, const spfkit_query *q) {
    unsigned char query[NS_PACKETSZ], answer[NS_MAXMSG];
    /* res_nmkquery gives the message a random id (res_nsend does not), so
     * an off-path forger has to guess it. */
    int query_len = res_nmkquery(rs, ns_o_query, q->name, ns_c_in, q->qtype, NULL, 0, NULL, query, sizeof query);
    if (query_len < 0) return spfkit_evaluation_answer_empty(ev, q->id, SPFKIT_ANSWER_TEMPERROR);
    int n = res_nsend(rs, query, query_len, answer, sizeof answer);
    if (n > 0) return spfkit_evaluation_answer_message(ev, q->id, answer, (size_t)n);
    /* No reply at all: timeouts, no server reachable. */
    return spfkit_evaluation_answer_empty(ev, q->id, SPFKIT_ANSWER_TEMPERROR);
}

int main(int argc, char **argv) {
    struct __res_state rs;
    memset(&rs, 0, sizeof rs);
    if (res_ninit(&rs) != 0) {
        fprintf(stderr, "spfcheck: res_ninit failed\n");
        return 2;
    }
    int arg = 1;
    if (argc > 2 && strcmp(argv[1], "-s") == 0) {
        if (use_server(&rs, argv[2]) != 0) {
            fprintf(stderr, "spfcheck: -s: not an IPv4 address[:port]: %s\n", argv[2]);
            return 2;
        }
        arg = 3;
    }
    if (argc - arg != 3) {
        fprintf(stderr, "usage: spfcheck [-s ADDR[:PORT]] IP SENDER HELO\n");
        return 2;
    }

    spfkit_options *options = spfkit_options_new();
    spfkit_evaluation *ev = NULL;
    spfkit_status s = spfkit_evaluation_new(argv[arg], argv[arg + 1], argv[arg + 2], options, &ev);
    spfkit_options_free(options);
    if (s != SPFKIT_OK) return die("bad connection", s);

    /* The step loop. A blocking resolver answers each query in turn; an event
     * loop would send a step's queries together and answer as replies come. */
    spfkit_outcome *out = NULL;
    for (;;) {
        spfkit_step step;
        size_t count;
        if ((s = spfkit_evaluation_next(ev, &step, &count)) != SPFKIT_OK) break;
        if (step == SPFKIT_STEP_DONE) {
            s = spfkit_evaluation_outcome(ev, &out);
            break;
        }
        for (size_t i = 0; i < count && s == SPFKIT_OK; i++) {
            spfkit_query q;
            if ((s = spfkit_evaluation_query(ev, i, &q)) == SPFKIT_OK) s = resolve(&rs, ev, &q);
        }
        if (s != SPFKIT_OK) break;
    }
    spfkit_evaluation_free(ev);
    res_nclose(&rs);
    if (s != SPFKIT_OK) return die("evaluation", s);

    spfkit_result result;
    char *explanation = NULL, *header = NULL, *reply = NULL;
    uint16_t code;
    const char *enhanced;
    if ((s = spfkit_outcome_result(out, SPFKIT_IDENTITY_DECIDING, &result)) == SPFKIT_OK &&
        (s = spfkit_outcome_explanation(out, SPFKIT_IDENTITY_DECIDING, &explanation, NULL)) == SPFKIT_OK &&
        (s = spfkit_outcome_received_spf(out, SPFKIT_IDENTITY_DECIDING, &header, NULL)) == SPFKIT_OK &&
        (s = spfkit_outcome_smtp_reply(out, &code, &enhanced, &reply)) == SPFKIT_OK) {
        printf("result: %s\n", spfkit_result_name(result));
        if (explanation) printf("explanation: %s\n", explanation);
        printf("%s\n", header);
        if (code) printf("smtp: %u %s %s\n", code, enhanced, reply);
    }
    spfkit_string_free(explanation);
    spfkit_string_free(header);
    spfkit_string_free(reply);
    spfkit_outcome_free(out);
    return s == SPFKIT_OK ? 0 : die("outcome", s);
}

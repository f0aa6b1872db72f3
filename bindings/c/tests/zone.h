/*
 * A resolver over the RFC 7208 suite's zonedata (tests/rfc7208/FORMAT.md),
 * read with jansson, for the C tests (suite.c, vectors.c). Header-only:
 * each test program includes it once.
 */
#ifndef SPFKIT_TEST_ZONE_H
#define SPFKIT_TEST_ZONE_H

#include <arpa/inet.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "counts.h"
#include "spfkit.h"

#define MAX_RECORDS 64
#define MAX_CNAME_HOPS 16

/* One answer being put together from the zone: records and their bytes. */
typedef struct {
    spfkit_rdata records[MAX_RECORDS];
    unsigned char bytes[MAX_RECORDS][512];
    size_t count;
    int kind; /* 0: records; else an spfkit_answer_kind, or ANSWER_TRUNCATED */
} answer;

/* tests/vectors' TRUNCATED: the server answers with TC set and no records
 * (even over TCP); the harness gives that as a raw message. */
#define ANSWER_TRUNCATED 100

/* The response a server sends with TC set and no records: the query
 * message with QR and TC set. Returns its length, 0 on failure. */
static size_t truncated_response(const spfkit_query *q, uint8_t *buf, size_t cap) {
    size_t len = 0;
    if (spfkit_query_message(q, 7, buf, cap, &len) != SPFKIT_OK) return 0;
    buf[2] |= 0x80 | 0x02;
    return len;
}

/* Names compare case-insensitively, ignoring a trailing dot. */
static int same_name(const char *a, size_t alen, const char *b) {
    size_t blen = strlen(b);
    if (alen && a[alen - 1] == '.') alen--;
    if (blen && b[blen - 1] == '.') blen--;
    return alen == blen && strncasecmp(a, b, alen) == 0;
}

static json_t *entries_at(json_t *zonedata, const char *name, size_t len) {
    const char *key;
    json_t *value;
    json_object_foreach(zonedata, key, value) {
        if (same_name(name, len, key)) return value;
    }
    return NULL;
}

static void add(answer *a, uint16_t qtype, uint16_t preference, const void *data, size_t len) {
    if (a->count == MAX_RECORDS || len > sizeof a->bytes[0]) {
        fprintf(stderr, "suite zone: record too large for this harness\n");
        exit(2);
    }
    memcpy(a->bytes[a->count], data, len);
    a->records[a->count] = (spfkit_rdata){qtype, preference, a->bytes[a->count], len};
    a->count++;
}

/* A TXT/SPF value: a string, or a list of strings joined with nothing. */
static void add_txt(answer *a, json_t *value) {
    unsigned char joined[512];
    size_t len = 0;
    if (json_is_string(value)) {
        len = json_string_length(value);
        if (len > sizeof joined) exit(2);
        memcpy(joined, json_string_value(value), len);
    } else {
        size_t i;
        json_t *part;
        json_array_foreach(value, i, part) {
            size_t n = json_string_length(part);
            if (len + n > sizeof joined) exit(2);
            memcpy(joined + len, json_string_value(part), n);
            len += n;
        }
    }
    add(a, SPFKIT_QTYPE_TXT, 0, joined, len);
}

/* The suite's resolver rules (tests/rfc7208/FORMAT.md): SPF served as TXT
 * where a name has no TXT entry, TXT NONE, TIMEOUT after the records of a
 * type, CNAMEs followed, absent names NXDOMAIN. */
static void lookup(json_t *zonedata, const char *name, size_t len, uint16_t qtype, answer *a, int hops) {
    json_t *entries = entries_at(zonedata, name, len);
    a->count = 0;
    a->kind = 0;
    if (!entries) {
        a->kind = SPFKIT_ANSWER_NXDOMAIN;
        return;
    }
    int has_txt = 0;
    size_t i;
    json_t *e;
    json_array_foreach(entries, i, e) {
        if (json_is_object(e) && json_object_get(e, "TXT")) has_txt = 1;
    }
    json_array_foreach(entries, i, e) {
        if (json_is_string(e) && strcmp(json_string_value(e), "TRUNCATED") == 0) {
            a->count = 0;
            a->kind = ANSWER_TRUNCATED;
            return;
        }
        if (json_is_string(e) && strcmp(json_string_value(e), "TIMEOUT") == 0) {
            if (a->count == 0) a->kind = SPFKIT_ANSWER_TEMPERROR;
            return;
        }
        const char *type;
        json_t *value;
        json_object_foreach(e, type, value) {
            if (strcmp(type, "CNAME") == 0) {
                if (hops == MAX_CNAME_HOPS) {
                    /* A loop: a DNS error (RFC 1034 §3.6.2), as the core's Zone and wire decoder say. */
                    a->count = 0;
                    a->kind = SPFKIT_ANSWER_TEMPERROR;
                    return;
                }
                const char *target = json_string_value(value);
                lookup(zonedata, target, strlen(target), qtype, a, hops + 1);
                return;
            } else if (strcmp(type, "SPF") == 0 || strcmp(type, "TXT") == 0) {
                if (qtype != SPFKIT_QTYPE_TXT) continue;
                if (strcmp(type, "SPF") == 0 && has_txt) continue;
                if (json_is_string(value) && strcmp(json_string_value(value), "NONE") == 0) continue;
                add_txt(a, value);
            } else if (strcmp(type, "A") == 0 && qtype == SPFKIT_QTYPE_A) {
                unsigned char ip[4];
                if (inet_pton(AF_INET, json_string_value(value), ip) != 1) exit(2);
                add(a, SPFKIT_QTYPE_A, 0, ip, 4);
            } else if (strcmp(type, "AAAA") == 0 && qtype == SPFKIT_QTYPE_AAAA) {
                unsigned char ip[16];
                if (inet_pton(AF_INET6, json_string_value(value), ip) != 1) exit(2);
                add(a, SPFKIT_QTYPE_AAAA, 0, ip, 16);
            } else if (strcmp(type, "MX") == 0 && qtype == SPFKIT_QTYPE_MX) {
                const char *host = json_string_value(json_array_get(value, 1));
                add(a, SPFKIT_QTYPE_MX, (uint16_t)json_integer_value(json_array_get(value, 0)), host,
                    strlen(host));
            } else if (strcmp(type, "PTR") == 0 && qtype == SPFKIT_QTYPE_PTR) {
                const char *host = json_string_value(value);
                add(a, SPFKIT_QTYPE_PTR, 0, host, strlen(host));
            } else if (strcmp(type, "A") && strcmp(type, "AAAA") && strcmp(type, "MX") && strcmp(type, "PTR")) {
                fprintf(stderr, "suite zone: unknown record type %s\n", type);
                exit(2);
            }
        }
    }
    if (a->count == 0) a->kind = SPFKIT_ANSWER_NODATA;
}

#endif

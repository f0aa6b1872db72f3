/*
 * spfkit: an SPF (RFC 7208) evaluator. The C ABI.
 *
 * Generated from bindings/c/src/ by cbindgen; do not edit. CI fails
 * when this file is stale (`cargo build -p spfkit-c` rewrites it).
 *
 * Conventions, for every function below:
 * - Functions return spfkit_status; SPFKIT_OK is 0. spfkit_status_message()
 *   says what a status means. A NULL required pointer gives
 *   SPFKIT_ERR_NULL_PARAMETER, text that is not UTF-8 SPFKIT_ERR_INVALID_UTF8.
 *   No Rust panic unwinds into C (SPFKIT_ERR_PANIC instead); as in any Rust
 *   code, only a failed memory allocation inside the library aborts.
 * - Enumerations are uint32_t; arguments outside an enumeration's values give
 *   SPFKIT_ERR_INVALID_ARGUMENT.
 * - Strings passed in are borrowed for the call only, NUL-terminated UTF-8
 *   unless a length is given.
 * - A `char **` out-parameter receives a string the caller owns: free it with
 *   spfkit_string_free() (not free()). It is NUL-terminated; when a length
 *   out-parameter is given it receives the exact length, which matters only
 *   if the text (from DNS) holds a NUL itself.
 * - Handles (spfkit_options, spfkit_evaluation, spfkit_outcome, ...) are
 *   opaque, made by a _new/_parse function (or spfkit_evaluation_outcome())
 *   and released by their _free function; every _free accepts NULL. Freeing
 *   twice is the caller's bug. spfkit_answerer is only ever lent to a
 *   resolver callback, spfkit_policy_overrides to a recipient-rules one.
 * - Threads: any handle may move between threads. A function taking a
 *   non-const handle needs it to itself; functions taking const handles
 *   (reading options, outcomes, records) may run on several threads at once,
 *   so one spfkit_options may start evaluations everywhere. Different
 *   evaluations are independent; one spfkit_record_cache may serve
 *   evaluations on many threads at once. Likewise one spfkit_policy may
 *   start messages everywhere, and one message's recipients may be decided
 *   on several threads at once (the policy's recipient-rules callback then
 *   runs on each of them). One spfkit_srs may rewrite on every thread at
 *   once.
 */

#ifndef SPFKIT_H
#define SPFKIT_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#define SPFKIT_VERSION_MAJOR 0
#define SPFKIT_VERSION_MINOR 1
#define SPFKIT_VERSION_PATCH 0
#define SPFKIT_VERSION_STRING "0.1.0"
/* The soname's number, libspfkit.so.N. */
#define SPFKIT_SONAME_VERSION 0

// The most any limit may be raised to with spfkit_options_set_limits().
// RFC 7208's are 10 and 2; a tree that needs more costs every receiver, and
// with the limits unbounded hostile DNS could make one evaluation's work
// grow without bound.
#define SPFKIT_MAX_LIMIT 1000

// Pass as `now` to spfkit_srs_forward() and spfkit_srs_reverse() to use
// the system clock; otherwise `now` is the time in seconds since the
// epoch (a time_t, to reproduce a rewrite or test one).
#define SPFKIT_SRS_NOW -1

// What a function did. SPFKIT_OK is 0; errors have their own range (7001
// and up) so they are not mistaken for errno values.
enum spfkit_status
#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
  : uint32_t
#endif // defined(__cplusplus) || __STDC_VERSION__ >= 202311L
 {
  // Success.
  SPFKIT_OK = 0,
  // A required pointer argument was NULL.
  SPFKIT_ERR_NULL_PARAMETER = 7001,
  // A string argument is not valid UTF-8.
  SPFKIT_ERR_INVALID_UTF8 = 7002,
  // The client address is not an IPv4 or IPv6 address.
  SPFKIT_ERR_INVALID_IP = 7003,
  // An argument is out of its range (an unknown enum value, a bad length).
  SPFKIT_ERR_INVALID_ARGUMENT = 7004,
  // No query with this id was handed out by this evaluation.
  SPFKIT_ERR_UNKNOWN_ID = 7005,
  // This query was answered already.
  SPFKIT_ERR_ALREADY_ANSWERED = 7006,
  // The evaluation has not finished: keep answering and calling next.
  SPFKIT_ERR_NOT_DONE = 7007,
  // The record has a syntax error (see spfkit_parse_error).
  SPFKIT_ERR_SYNTAX = 7008,
  // The identity asked for was not checked in this evaluation.
  SPFKIT_ERR_NOT_CHECKED = 7009,
  // An index past the end of a list.
  SPFKIT_ERR_OUT_OF_RANGE = 7010,
  // The caller's buffer is too small; the length needed was written.
  SPFKIT_ERR_BUFFER_TOO_SMALL = 7011,
  // Memory for a returned string could not be allocated.
  SPFKIT_ERR_OUT_OF_MEMORY = 7012,
  // Receiver-policy settings were refused (see spfkit_settings_error).
  SPFKIT_ERR_SETTINGS = 7013,
  // A callback of the caller's reported a failure.
  SPFKIT_ERR_CALLBACK = 7014,
  // SRS settings were refused (see spfkit_srs_settings_error).
  SPFKIT_ERR_SRS_SETTINGS = 7015,
  // SRS refused the address (see spfkit_srs_error: its kind says why).
  SPFKIT_ERR_SRS = 7016,
  // No random octets could be read (/dev/urandom).
  SPFKIT_ERR_RANDOM = 7017,
  // A bug inside spfkit was caught at the boundary. The handles involved
  // may be in any state; free them.
  SPFKIT_ERR_PANIC = 7099,
};
#ifndef __cplusplus
#if __STDC_VERSION__ >= 202311L
typedef enum spfkit_status spfkit_status;
#else
typedef uint32_t spfkit_status;
#endif // __STDC_VERSION__ >= 202311L
#endif // __cplusplus

// What spfkit_evaluation_next() says to do.
enum spfkit_step
#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
  : uint32_t
#endif // defined(__cplusplus) || __STDC_VERSION__ >= 202311L
 {
  // New queries to resolve: read them with spfkit_evaluation_query().
  SPFKIT_STEP_LOOKUP = 1,
  // Nothing new: answer queries already handed out, then call next again.
  SPFKIT_STEP_PENDING = 2,
  // Finished: read the outcome with spfkit_evaluation_outcome().
  SPFKIT_STEP_DONE = 3,
};
#ifndef __cplusplus
#if __STDC_VERSION__ >= 202311L
typedef enum spfkit_step spfkit_step;
#else
typedef uint32_t spfkit_step;
#endif // __STDC_VERSION__ >= 202311L
#endif // __cplusplus

// An identity SPF checks (RFC 7208 §2.3, §2.4). As an argument,
// SPFKIT_IDENTITY_DECIDING means whichever identity decided the outcome.
enum spfkit_identity
#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
  : uint32_t
#endif // defined(__cplusplus) || __STDC_VERSION__ >= 202311L
 {
  SPFKIT_IDENTITY_DECIDING = 0,
  SPFKIT_IDENTITY_HELO = 1,
  SPFKIT_IDENTITY_MAIL_FROM = 2,
};
#ifndef __cplusplus
#if __STDC_VERSION__ >= 202311L
typedef enum spfkit_identity spfkit_identity;
#else
typedef uint32_t spfkit_identity;
#endif // __STDC_VERSION__ >= 202311L
#endif // __cplusplus

// An SPF result (RFC 7208 §2.6).
enum spfkit_result
#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
  : uint32_t
#endif // defined(__cplusplus) || __STDC_VERSION__ >= 202311L
 {
  SPFKIT_RESULT_NONE = 0,
  SPFKIT_RESULT_NEUTRAL = 1,
  SPFKIT_RESULT_PASS = 2,
  SPFKIT_RESULT_FAIL = 3,
  SPFKIT_RESULT_SOFTFAIL = 4,
  SPFKIT_RESULT_TEMPERROR = 5,
  SPFKIT_RESULT_PERMERROR = 6,
};
#ifndef __cplusplus
#if __STDC_VERSION__ >= 202311L
typedef enum spfkit_result spfkit_result;
#else
typedef uint32_t spfkit_result;
#endif // __STDC_VERSION__ >= 202311L
#endif // __cplusplus

// What a trace event records.
enum spfkit_trace_kind
#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
  : uint32_t
#endif // defined(__cplusplus) || __STDC_VERSION__ >= 202311L
 {
  // A record was selected for a domain; `text` is the record.
  SPFKIT_TRACE_RECORD = 1,
  // A term was evaluated; `text` is the term, `matched` whether it matched.
  SPFKIT_TRACE_TERM = 2,
  // Evaluation stopped with an error; `text` is the term (or NULL),
  // `message` what went wrong.
  SPFKIT_TRACE_ERROR = 3,
};
#ifndef __cplusplus
#if __STDC_VERSION__ >= 202311L
typedef enum spfkit_trace_kind spfkit_trace_kind;
#else
typedef uint32_t spfkit_trace_kind;
#endif // __STDC_VERSION__ >= 202311L
#endif // __cplusplus

// What the MTA does with a recipient.
enum spfkit_policy_action
#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
  : uint32_t
#endif // defined(__cplusplus) || __STDC_VERSION__ >= 202311L
 {
  // SPF was not checked (a skipped network, an authenticated client, a
  // recipient that is not an address): accept, add nothing.
  SPFKIT_POLICY_ACTION_NOT_CHECKED = 1,
  // Accept; the header fields went with an earlier recipient's decision
  // of the message (or none are configured).
  SPFKIT_POLICY_ACTION_ACCEPT = 2,
  // Accept and add the decision's header fields to the message.
  SPFKIT_POLICY_ACTION_ACCEPT_WITH_HEADERS = 3,
  // Refuse the recipient with the decision's 5xx reply.
  SPFKIT_POLICY_ACTION_REJECT = 4,
  // Refuse the recipient for now with the decision's 4xx reply.
  SPFKIT_POLICY_ACTION_DEFER = 5,
};
#ifndef __cplusplus
#if __STDC_VERSION__ >= 202311L
typedef enum spfkit_policy_action spfkit_policy_action;
#else
typedef uint32_t spfkit_policy_action;
#endif // __STDC_VERSION__ >= 202311L
#endif // __cplusplus

// The rule that decided (docs/policy-settings.md names each);
// spfkit_policy_rule_name() gives its stable name, the one logs and the
// `policy.rule` property use.
enum spfkit_policy_rule
#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
  : uint32_t
#endif // defined(__cplusplus) || __STDC_VERSION__ >= 202311L
 {
  // "bad-recipient": the recipient is not `local@domain`; not checked.
  SPFKIT_POLICY_RULE_BAD_RECIPIENT = 1,
  // "skip-network": the client is in `skip_networks`; not checked.
  SPFKIT_POLICY_RULE_SKIP_NETWORK = 2,
  // "authenticated": the client authenticated; not checked.
  SPFKIT_POLICY_RULE_AUTHENTICATED = 3,
  // "bad-connection": HELO or MAIL FROM longer than SMTP carries.
  SPFKIT_POLICY_RULE_BAD_CONNECTION = 4,
  // "helo-reject": HELO's result is in `helo.reject`.
  SPFKIT_POLICY_RULE_HELO_REJECT = 5,
  // "helo-must-pass": HELO's domain must pass and did not.
  SPFKIT_POLICY_RULE_HELO_MUST_PASS = 6,
  // "helo-temperror": HELO's temperror defers.
  SPFKIT_POLICY_RULE_HELO_TEMPERROR = 7,
  // "mail-from-reject": MAIL FROM's result is in `mail_from.reject`.
  SPFKIT_POLICY_RULE_MAIL_FROM_REJECT = 8,
  // "mail-from-must-pass": MAIL FROM's domain must pass and did not.
  SPFKIT_POLICY_RULE_MAIL_FROM_MUST_PASS = 9,
  // "mail-from-temperror": MAIL FROM's temperror defers.
  SPFKIT_POLICY_RULE_MAIL_FROM_TEMPERROR = 10,
  // "best-guess": the best guess's result is in `best_guess_policy.reject`.
  SPFKIT_POLICY_RULE_BEST_GUESS = 11,
  // "unacceptable-pass": a pass local policy finds unacceptable.
  SPFKIT_POLICY_RULE_UNACCEPTABLE_PASS = 12,
  // "trusted-relay": the client is a trusted relay.
  SPFKIT_POLICY_RULE_TRUSTED_RELAY = 13,
  // "forwarder-network": the client is a trusted forwarder's address.
  SPFKIT_POLICY_RULE_FORWARDER_NETWORK = 14,
  // "forwarder-domain": the client passes SPF for a forwarder's domain.
  SPFKIT_POLICY_RULE_FORWARDER_DOMAIN = 15,
  // "forwarder-address": the client passes SPF for the user's
  // forwarding address.
  SPFKIT_POLICY_RULE_FORWARDER_ADDRESS = 16,
  // "never-reject": the recipient never rejects on SPF.
  SPFKIT_POLICY_RULE_NEVER_REJECT = 17,
  // "iprev": iprev is required and did not pass.
  SPFKIT_POLICY_RULE_IPREV = 18,
  // "multiple": more than one required check failed.
  SPFKIT_POLICY_RULE_MULTIPLE = 19,
  // "prospective": the message would fail SPF when forwarded (551).
  SPFKIT_POLICY_RULE_PROSPECTIVE = 20,
  // "accept": nothing refused the recipient.
  SPFKIT_POLICY_RULE_ACCEPT = 21,
};
#ifndef __cplusplus
#if __STDC_VERSION__ >= 202311L
typedef enum spfkit_policy_rule spfkit_policy_rule;
#else
typedef uint32_t spfkit_policy_rule;
#endif // __STDC_VERSION__ >= 202311L
#endif // __cplusplus

// An iprev result (RFC 8601 §2.7.3, §3): whether the client's address
// has a reverse name whose forward lookup gives the address back.
enum spfkit_iprev_result
#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
  : uint32_t
#endif // defined(__cplusplus) || __STDC_VERSION__ >= 202311L
 {
  SPFKIT_IPREV_PASS = 1,
  SPFKIT_IPREV_FAIL = 2,
  SPFKIT_IPREV_TEMPERROR = 3,
  SPFKIT_IPREV_PERMERROR = 4,
};
#ifndef __cplusplus
#if __STDC_VERSION__ >= 202311L
typedef enum spfkit_iprev_result spfkit_iprev_result;
#else
typedef uint32_t spfkit_iprev_result;
#endif // __STDC_VERSION__ >= 202311L
#endif // __cplusplus

// Why spfkit_srs_new() refused settings; spfkit_srs_settings_error_name()
// and spfkit_srs_settings_error_message() say it in words.
enum spfkit_srs_settings_error
#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
  : uint32_t
#endif // defined(__cplusplus) || __STDC_VERSION__ >= 202311L
 {
  // "no-secret": no secret was added.
  SPFKIT_SRS_SETTINGS_NO_SECRET = 1,
  // "bad-secret": a secret is empty or holds a NUL octet.
  SPFKIT_SRS_SETTINGS_BAD_SECRET = 2,
  // "bad-domain": the domain is unset or empty, or holds '@', a space or
  // a non-ASCII octet.
  SPFKIT_SRS_SETTINGS_BAD_DOMAIN = 3,
  // "bad-separator": the separator is not '=', '+' or '-'.
  SPFKIT_SRS_SETTINGS_BAD_SEPARATOR = 4,
  // "bad-hash-length": the hash length is not 1 to 27.
  SPFKIT_SRS_SETTINGS_BAD_HASH_LENGTH = 5,
  // "bad-hash-min": the minimum hash length is not 1 to the hash length.
  SPFKIT_SRS_SETTINGS_BAD_HASH_MIN = 6,
  // "bad-max-age": the maximum age passes 1023 days.
  SPFKIT_SRS_SETTINGS_BAD_MAX_AGE = 7,
  // "bad-local-domain": a local domain is empty, or holds '@', a space or
  // a non-ASCII octet.
  SPFKIT_SRS_SETTINGS_BAD_LOCAL_DOMAIN = 8,
};
#ifndef __cplusplus
#if __STDC_VERSION__ >= 202311L
typedef enum spfkit_srs_settings_error spfkit_srs_settings_error;
#else
typedef uint32_t spfkit_srs_settings_error;
#endif // __STDC_VERSION__ >= 202311L
#endif // __cplusplus

// Which identities an evaluation checks.
enum spfkit_scope
#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
  : uint32_t
#endif // defined(__cplusplus) || __STDC_VERSION__ >= 202311L
 {
  // RFC 7208's check(): HELO first when it is a multi-label domain, then
  // MAIL FROM unless HELO's result was definitive (pass or fail by
  // default). The default.
  SPFKIT_SCOPE_BOTH = 0,
  // One check_host() of the MAIL FROM identity (postmaster@HELO for the
  // null reverse-path).
  SPFKIT_SCOPE_MAIL_FROM = 1,
  // One check_host() of the HELO identity.
  SPFKIT_SCOPE_HELO = 2,
};
#ifndef __cplusplus
#if __STDC_VERSION__ >= 202311L
typedef enum spfkit_scope spfkit_scope;
#else
typedef uint32_t spfkit_scope;
#endif // __STDC_VERSION__ >= 202311L
#endif // __cplusplus

// How an evaluation asks for address lookups.
enum spfkit_plan
#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
  : uint32_t
#endif // defined(__cplusplus) || __STDC_VERSION__ >= 202311L
 {
  // All the lookups a step may need at once (an mx term's hosts, a ptr
  // term's names): one round trip instead of up to ten. The default.
  // Results, limits and the trace are those of the sequential plan.
  SPFKIT_PLAN_BATCHED = 0,
  // Exactly what a term-by-term evaluation asks, one at a time.
  SPFKIT_PLAN_SEQUENTIAL = 1,
};
#ifndef __cplusplus
#if __STDC_VERSION__ >= 202311L
typedef enum spfkit_plan spfkit_plan;
#else
typedef uint32_t spfkit_plan;
#endif // __STDC_VERSION__ >= 202311L
#endif // __cplusplus

// A DNS record type SPF asks for; the values are the RFC 1035 type codes,
// so they pass straight to res_nquery() or c-ares.
enum spfkit_qtype
#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
  : uint32_t
#endif // defined(__cplusplus) || __STDC_VERSION__ >= 202311L
 {
  SPFKIT_QTYPE_A = 1,
  SPFKIT_QTYPE_PTR = 12,
  SPFKIT_QTYPE_MX = 15,
  SPFKIT_QTYPE_TXT = 16,
  SPFKIT_QTYPE_AAAA = 28,
};
#ifndef __cplusplus
#if __STDC_VERSION__ >= 202311L
typedef enum spfkit_qtype spfkit_qtype;
#else
typedef uint32_t spfkit_qtype;
#endif // __STDC_VERSION__ >= 202311L
#endif // __cplusplus

// An answer without records.
enum spfkit_answer_kind
#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
  : uint32_t
#endif // defined(__cplusplus) || __STDC_VERSION__ >= 202311L
 {
  // RCODE 3, the name does not exist (a void lookup).
  SPFKIT_ANSWER_NXDOMAIN = 1,
  // RCODE 0 without records of the type asked (a void lookup).
  SPFKIT_ANSWER_NODATA = 2,
  // Timeout, SERVFAIL, REFUSED, anything that leaves the answer unknown:
  // a temperror (RFC 7208 §2.6.6).
  SPFKIT_ANSWER_TEMPERROR = 3,
};
#ifndef __cplusplus
#if __STDC_VERSION__ >= 202311L
typedef enum spfkit_answer_kind spfkit_answer_kind;
#else
typedef uint32_t spfkit_answer_kind;
#endif // __STDC_VERSION__ >= 202311L
#endif // __cplusplus

// Why an address was refused: what to decide on.
// spfkit_srs_error_kind_name() gives its stable name, the one every
// spfkit host and `spfkit srs` use.
enum spfkit_srs_error_kind
#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
  : uint32_t
#endif // defined(__cplusplus) || __STDC_VERSION__ >= 202311L
 {
  // "not-srs": reverse was given an ordinary address (its local part
  // does not start with SRS0 or SRS1 and a separator): deliver it as it
  // is.
  SPFKIT_SRS_ERROR_NOT_SRS = 1,
  // "bad-hash": the hash is too short or matches no secret: forged,
  // damaged, or made with a secret no longer configured.
  SPFKIT_SRS_ERROR_BAD_HASH = 2,
  // "expired": the timestamp is older than the maximum age, or in the
  // future.
  SPFKIT_SRS_ERROR_EXPIRED = 3,
  // "bad-timestamp": the timestamp is not exactly 2 base32 characters.
  SPFKIT_SRS_ERROR_BAD_TIMESTAMP = 4,
  // "malformed": not an address that can be rewritten: no '@', an empty
  // local part or domain, a missing SRS field, NUL, a control character
  // or a non-ASCII octet.
  SPFKIT_SRS_ERROR_MALFORMED = 5,
  // "too-long": over 1023 octets, given or rewritten; or, with
  // spfkit_srs_settings_set_refuse_long(), a rewritten local part over
  // 64 octets.
  SPFKIT_SRS_ERROR_TOO_LONG = 6,
};
#ifndef __cplusplus
#if __STDC_VERSION__ >= 202311L
typedef enum spfkit_srs_error_kind spfkit_srs_error_kind;
#else
typedef uint32_t spfkit_srs_error_kind;
#endif // __STDC_VERSION__ >= 202311L
#endif // __cplusplus

// Why spfkit_srs_forward() left a sender as it was.
enum spfkit_srs_unchanged
#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
  : uint32_t
#endif // defined(__cplusplus) || __STDC_VERSION__ >= 202311L
 {
  // "local-domain": its domain is the forwarder's own or a local domain;
  // its mail passes SPF as it is.
  SPFKIT_SRS_UNCHANGED_LOCAL_DOMAIN = 1,
  // "already-rewritten": it is already a valid SRS address made with
  // these secrets; rewriting it again would only nest it.
  SPFKIT_SRS_UNCHANGED_ALREADY_REWRITTEN = 2,
};
#ifndef __cplusplus
#if __STDC_VERSION__ >= 202311L
typedef enum spfkit_srs_unchanged spfkit_srs_unchanged;
#else
typedef uint32_t spfkit_srs_unchanged;
#endif // __STDC_VERSION__ >= 202311L
#endif // __cplusplus

// Something worth logging about a sender that was rewritten anyway; the
// values are bits of spfkit_srs_forwarded's `warnings`.
enum spfkit_srs_warning
#if defined(__cplusplus) || __STDC_VERSION__ >= 202311L
  : uint32_t
#endif // defined(__cplusplus) || __STDC_VERSION__ >= 202311L
 {
  // "long-local-part": the rewritten local part passes RFC 5321's 64
  // octets (`local_part_octets` says how many). libsrs2 and postsrsd
  // write it all the same and most servers take it; some refuse it.
  SPFKIT_SRS_WARNING_LONG_LOCAL_PART = 1,
};
#ifndef __cplusplus
#if __STDC_VERSION__ >= 202311L
typedef enum spfkit_srs_warning spfkit_srs_warning;
#else
typedef uint32_t spfkit_srs_warning;
#endif // __STDC_VERSION__ >= 202311L
#endif // __cplusplus

// Where a resolver callback puts its answer to one query. Lent to the
// callback for the duration of the call only; never made or freed by the
// caller.
typedef struct spfkit_answerer spfkit_answerer;

// One SPF evaluation of a connection, driven by the caller: call
// spfkit_evaluation_next(); on SPFKIT_STEP_LOOKUP read each query with
// spfkit_evaluation_query(), resolve it however you like (now or later,
// in any order, from an event loop) and give the answer by id with one of
// spfkit_evaluation_answer_*(); call next again until SPFKIT_STEP_DONE.
// Nothing here blocks or touches the network.
typedef struct spfkit_evaluation spfkit_evaluation;

// How to evaluate: scope, plan, limits, receiver, explanation, trace,
// cache. Made by spfkit_options_new() with RFC 7208's defaults; an
// evaluation copies what it needs, so options may be freed or changed
// after spfkit_evaluation_new() and reused for any number of evaluations.
typedef struct spfkit_options spfkit_options;

// What an evaluation found: for each identity checked, its result,
// explanation, reason, counters and trace; the headers and SMTP reply.
// Owned by the caller; free with spfkit_outcome_free().
typedef struct spfkit_outcome spfkit_outcome;

// A syntax error in a record: a stable code, a message and the byte span
// of the offending text. Owned by the caller; free with
// spfkit_parse_error_free().
typedef struct spfkit_parse_error spfkit_parse_error;

// A receiver's policy: checked settings, the evaluation options every
// check of it uses, and optionally the caller's per-recipient rules.
// Made by spfkit_policy_new(); free with spfkit_policy_free() (messages
// made from it keep what they need). Const functions on it may run on
// several threads at once: one policy serves every connection.
typedef struct spfkit_policy spfkit_policy;

// One recipient's decision, driven by the caller exactly as a
// spfkit_evaluation is: call spfkit_policy_decide_next(); on
// SPFKIT_STEP_LOOKUP read each query with spfkit_policy_decide_query(),
// resolve it however you like (now or later, in any order) and answer by
// id with spfkit_policy_decide_answer_*(); call next again until
// SPFKIT_STEP_DONE, then take the decision with
// spfkit_policy_decide_decision(). Nothing here blocks. A message's
// recipients share its lookups: a recipient decided after another one
// may ask nothing at all.
typedef struct spfkit_policy_decide spfkit_policy_decide;

// A recipient's decision. Owned by the caller; free with
// spfkit_policy_decision_free(). Strings it lends (header fields,
// enhanced status codes) live until then.
typedef struct spfkit_policy_decision spfkit_policy_decision;

// One message (an SMTP transaction) under a policy: its recipients'
// decisions share one SPF evaluation of HELO and MAIL FROM (and iprev),
// made by whichever recipient first needs it; only the first accepted
// recipient's decision carries the header fields. Made by
// spfkit_policy_message_new(); free with spfkit_policy_message_free()
// (decisions under way keep what they need). Decisions of one message may
// be started and driven on several threads at once.
typedef struct spfkit_policy_message spfkit_policy_message;

// The overrides for one recipient, filled by a spfkit_recipient_rules_fn
// with spfkit_policy_overrides_set_*(): the keys of an `[address."..."]`
// table of the settings (docs/policy-settings.md). Lent to the callback
// for the call only; never made or freed by the caller.
typedef struct spfkit_policy_overrides spfkit_policy_overrides;

// Receiver-policy settings (docs/policy-settings.md) being put together:
// from a TOML file's text (spfkit_policy_settings_from_toml()) or key by
// key (spfkit_policy_settings_new() and spfkit_policy_settings_set_*()),
// or both: keys set after reading a file replace the file's. Checked
// when a policy is made from them (spfkit_policy_new()), which copies
// them: free with spfkit_policy_settings_free() whenever convenient.
typedef struct spfkit_policy_settings spfkit_policy_settings;

// A parsed SPF record. Owned by the caller; free with spfkit_record_free().
typedef struct spfkit_record spfkit_record;

// Parsed records shared between evaluations, keyed by the exact record
// bytes, so a hit can never change a result. Thread-safe: one cache may
// serve evaluations on many threads at once.
typedef struct spfkit_record_cache spfkit_record_cache;

// Why settings (or a callback's overrides) were refused: the file, the
// line (when known), the key's path and what is wrong. Owned by the
// caller; free with spfkit_settings_error_free().
typedef struct spfkit_settings_error spfkit_settings_error;

// A rewriter: settings that passed core's checks, with the secrets
// keyed. Made by spfkit_srs_new(); free with spfkit_srs_free(). Functions
// taking it const may run on several threads at once: one rewriter
// serves every connection.
typedef struct spfkit_srs spfkit_srs;

// SRS settings being put together: secrets, the forwarder's domain and
// the options of core's `spfkit::srs::Settings` (docs/srs.md). Made by
// spfkit_srs_settings_new() with libsrs2's defaults; the setters store
// what they are given, and spfkit_srs_new() checks it all and copies it,
// so settings may be freed or changed afterwards.
typedef struct spfkit_srs_settings spfkit_srs_settings;

// The processing limits of RFC 7208 §4.6.4.
typedef struct {
  // DNS-querying terms per check_host(); the RFC's 10.
  uint32_t dns_terms;
  // MX names per mx term (more is permerror); the RFC's 10.
  uint32_t mx_names;
  // PTR names considered per ptr term or %{p}; the RFC's 10.
  uint32_t ptr_names;
  // Void lookups per check_host() (more is permerror); the RFC's 2.
  uint32_t void_lookups;
} spfkit_limits;

// A DNS query the evaluation needs answered.
typedef struct {
  // Give this id back with the answer.
  uint32_t id;
  // The record type: an spfkit_qtype value (its RFC 1035 code).
  uint16_t qtype;
  // The name, ASCII (A-labels), without a trailing dot, NUL-terminated.
  // Borrowed: see the function that gave the query for how long it lives.
  const char *name;
  // The name's length in bytes.
  size_t name_len;
} spfkit_query;

// One resource record of an answer, as the caller parsed it.
typedef struct {
  // The record's type: an spfkit_qtype value. Records of another type
  // than the query's are ignored, as in a DNS answer.
  uint16_t qtype;
  // MX only: the preference.
  uint16_t preference;
  // TXT: the record's character-strings joined with nothing between
  // (RFC 7208 §4.5), any bytes. A: 4 bytes, AAAA: 16 bytes, network
  // order. MX: the exchange, PTR: the target, as UTF-8 text (a trailing
  // dot is fine). Borrowed for the call.
  const uint8_t *data;
  // The length of `data` in bytes.
  size_t len;
} spfkit_rdata;

// A blocking resolver: resolve `query` (borrowed for the call) and answer
// through `answerer` with one of spfkit_answerer_*() before returning. No
// answer counts as SPFKIT_ANSWER_TEMPERROR. Called on the thread that
// called spfkit_check() (or spfkit_policy_message_decide()), once per
// query, in the evaluation's order. It must return normally: no longjmp()
// and no C++ exception out of it.
typedef void (*spfkit_resolve_fn)(void *user_data, const spfkit_query *query, spfkit_answerer *answerer);

// What an identity's check cost in DNS.
typedef struct {
  // DNS-querying terms evaluated (limit 10, RFC 7208 §4.6.4).
  uint32_t dns_terms;
  // Void lookups (limit 2).
  uint32_t void_lookups;
  // Queries handed out.
  uint32_t queries;
  // Steps that handed out queries: round trips for a host that answers
  // each step's queries concurrently.
  uint32_t round_trips;
} spfkit_counters;

// One step of an identity's evaluation, recorded when the options asked
// for a trace. The strings are borrowed from the outcome and live until
// spfkit_outcome_free(); each is NUL-terminated and its length given.
typedef struct {
  // What happened.
  spfkit_trace_kind kind;
  // Include/redirect nesting; 0 is the domain checked.
  uint32_t depth;
  // The domain whose record this is.
  const char *domain;
  size_t domain_len;
  // The record (RECORD), the term (TERM, ERROR), or NULL (ERROR outside
  // a term).
  const char *text;
  size_t text_len;
  // ERROR: what went wrong. TERM: why it looked nothing up, when its
  // name could not be formed (an expansion that is no valid domain);
  // NULL otherwise.
  const char *message;
  size_t message_len;
  // TERM: whether it matched (for redirect=: whether it was followed).
  bool matched;
} spfkit_trace_event;

// Byte offsets [start, end) into the text that was parsed.
typedef struct {
  size_t start;
  size_t end;
} spfkit_span;

// The caller's per-recipient rules (a database, LDAP): fill `overrides`
// for `recipient` with spfkit_policy_overrides_set_*(), the keys of an
// `[address."..."]` table, applied over the settings' own (the most
// specific wins, key by key); set nothing to leave the settings alone.
// `recipient` is the RCPT TO address as decided (angle brackets removed,
// case kept), NUL-terminated UTF-8 of `recipient_len` bytes, borrowed for
// the call; it is called only for a recipient that is `local@domain`, once
// per decision, on the thread starting the decision
// (spfkit_policy_decide_new(), spfkit_policy_message_decide()), before
// that returns. Return 0 for success. Anything else is a failure: the
// decision is not made and the call starting it fails with
// SPFKIT_ERR_CALLBACK; overrides that are refused make it fail with
// SPFKIT_ERR_SETTINGS and a spfkit_settings_error. Either way no decision
// is made without the caller's rules: answer that recipient with a
// temporary failure (451 4.3.0). Since any thread may start decisions,
// the callback may run on several threads at once. It must return
// normally: no longjmp() and no C++ exception out of it.
typedef int (*spfkit_recipient_rules_fn)(void *user_data, const char *recipient, size_t recipient_len, spfkit_policy_overrides *overrides);

// A header field to add to the message: name and value borrowed from the
// decision (valid until spfkit_policy_decision_free()), each
// NUL-terminated, with its length.
typedef struct {
  // "Received-SPF" or "Authentication-Results".
  const char *name;
  size_t name_len;
  // The value, without the name and ": ". No control character
  // appears in it except the CRLF of a fold: a value that would make a
  // line over 998 characters is folded with CRLF and a space (RFC 5322
  // §2.2.3); write it as it is.
  const char *value;
  size_t value_len;
} spfkit_header_field;

// What spfkit_srs_forward() did besides giving the address to use.
typedef struct {
  // 0 when the sender was rewritten (to SRS0, or SRS1 for another
  // forwarder's SRS address); otherwise an spfkit_srs_unchanged value
  // saying why the address given back is the sender itself.
  uint32_t unchanged;
  // spfkit_srs_warning values ORed together; 0 for none (always when
  // unchanged).
  uint32_t warnings;
  // With SPFKIT_SRS_WARNING_LONG_LOCAL_PART, the rewritten local part's
  // octets; 0 otherwise.
  size_t local_part_octets;
} spfkit_srs_forwarded;

// Why spfkit_srs_forward() or spfkit_srs_reverse() refused an address
// (they return SPFKIT_ERR_SRS): a caller-owned struct, nothing to free.
typedef struct {
  // What to decide on: an spfkit_srs_error_kind value; 0 when the call
  // did not return SPFKIT_ERR_SRS.
  uint32_t kind;
  // Core's sentence for people, without the kind ("the hash is
  // invalid", "no '@' in the address"), NUL-terminated ASCII; empty
  // when the call did not return SPFKIT_ERR_SRS. Log it after
  // spfkit_srs_error_kind_name(kind) and ": ", as `spfkit srs` prints
  // it.
  char message[128];
} spfkit_srs_error;

#ifdef __cplusplus
extern "C" {
#endif // __cplusplus

// A static, NUL-terminated English description of a status code. Any
// number is accepted; unknown ones get "unknown status". Never NULL; do not
// free.
const char *spfkit_status_message(uint32_t status);

// The library's version, "MAJOR.MINOR.PATCH", static; compare with
// SPFKIT_VERSION_STRING to catch a header/library mismatch. Do not free.
const char *spfkit_version(void);

// Frees a string this library returned through a `char **`. NULL is fine.
// Do not pass anything else (not a static string such as
// spfkit_version()'s, not memory of your own).
void spfkit_string_free(char *s);

// A result's name as headers write it ("pass", "permerror", ...), static;
// NULL for a number that is no spfkit_result.
const char *spfkit_result_name(uint32_t result);

// New options with RFC 7208's defaults (scope both, batched plan, limits
// 10/10/10/2, receiver "unknown", no trace, no cache). Free with
// spfkit_options_free(). Returns NULL only if spfkit failed internally.
spfkit_options *spfkit_options_new(void);

// Frees options; NULL is fine. Evaluations made from them are unaffected.
void spfkit_options_free(spfkit_options *options);

// Sets which identities are checked: an spfkit_scope value.
spfkit_status spfkit_options_set_scope(spfkit_options *options, uint32_t scope);

// Sets the lookup plan: an spfkit_plan value.
spfkit_status spfkit_options_set_plan(spfkit_options *options, uint32_t plan);

// Sets the processing limits; `limits` is copied. Raising them beyond the
// RFC's is allowed up to SPFKIT_MAX_LIMIT each (more gives
// SPFKIT_ERR_INVALID_ARGUMENT and changes nothing).
spfkit_status spfkit_options_set_limits(spfkit_options *options, const spfkit_limits *limits);

// Writes the current limits (the RFC's unless changed) to `*limits_out`.
spfkit_status spfkit_options_limits(const spfkit_options *options, spfkit_limits *limits_out);

// Sets this host's domain name: the `r` macro and Received-SPF's
// `receiver=`. `receiver` is copied; at most 4096 bytes
// (SPFKIT_ERR_INVALID_ARGUMENT beyond).
spfkit_status spfkit_options_set_receiver(spfkit_options *options, const char *receiver);

// Sets the explanation given for `fail` when the record's exp= gives none:
// a macro string (RFC 7208 §7), expanded like exp= text. Copied.
spfkit_status spfkit_options_set_default_explanation(spfkit_options *options, const char *explanation);

// Records every term evaluated, for spfkit_outcome_trace_event().
spfkit_status spfkit_options_set_trace(spfkit_options *options, bool trace);

// Checks MAIL FROM even when HELO's result was definitive (DMARC needs
// the MAIL FROM result). Only with SPFKIT_SCOPE_BOTH.
spfkit_status spfkit_options_set_always_mail_from(spfkit_options *options, bool always);

// Sets the HELO results that end the check before MAIL FROM: a bit mask of
// `1u << SPFKIT_RESULT_x` (pass and fail by default).
spfkit_status spfkit_options_set_definitive(spfkit_options *options, uint32_t mask);

// Sets the time for the `t` macro, in seconds since the epoch (the system
// clock otherwise); for reproducible explanations.
spfkit_status spfkit_options_set_timestamp(spfkit_options *options, uint64_t seconds);

// A cache holding at most `capacity` parsed records (it starts over when
// full). Free with spfkit_record_cache_free(); options that use it keep
// it alive as long as they need it. NULL only on an internal failure.
spfkit_record_cache *spfkit_record_cache_new(size_t capacity);

// Releases the caller's reference to a cache; NULL is fine. Options and
// evaluations that use it keep their own.
void spfkit_record_cache_free(spfkit_record_cache *cache);

// Makes evaluations from these options use `cache` (NULL: no cache).
spfkit_status spfkit_options_set_cache(spfkit_options *options, const spfkit_record_cache *cache);

// Writes the RFC 1035 query message for `query` (recursion desired, the
// given message id) into `buf`, and its length to `*len_out`. When `buf`
// is NULL or `buf_len` too small, writes the length needed and returns
// SPFKIT_ERR_BUFFER_TOO_SMALL. 512 bytes always suffice. For hosts that
// send queries themselves (over UDP, TCP, DNS over HTTPS).
spfkit_status spfkit_query_message(const spfkit_query *query, uint16_t message_id, uint8_t *buf, size_t buf_len, size_t *len_out);

// Starts an evaluation of the connection from `ip` (IPv4 or IPv6 text;
// IPv4-mapped IPv6 is checked as IPv4), with MAIL FROM `mail_from` (the
// reverse-path with or without angle brackets; "" or "<>" for the null
// one) and HELO/EHLO name `helo`, each at most 4096 bytes
// (SPFKIT_ERR_INVALID_ARGUMENT beyond). `options` may be NULL for the
// defaults; it is copied. The strings are copied. On success `*out` owns a new
// evaluation (free with spfkit_evaluation_free()); on failure it is NULL.
spfkit_status spfkit_evaluation_new(const char *ip, const char *mail_from, const char *helo, const spfkit_options *options, spfkit_evaluation **out);

// As spfkit_evaluation_new(), with the address as `addr_len` bytes in
// network order: 4 for IPv4, 16 for IPv6 (a struct in_addr / in6_addr).
spfkit_status spfkit_evaluation_new_ip(const uint8_t *addr, size_t addr_len, const char *mail_from, const char *helo, const spfkit_options *options, spfkit_evaluation **out);

// Frees an evaluation and everything it lent out (query names); NULL is
// fine.
void spfkit_evaluation_free(spfkit_evaluation *evaluation);

// Advances the evaluation. Writes what to do to `*step_out` and, when
// `query_count_out` is not NULL, how many new queries to read with
// spfkit_evaluation_query() (0 unless the step is SPFKIT_STEP_LOOKUP).
// Index numbers for spfkit_evaluation_query() then refer to this step's
// queries; queries handed out earlier stay valid for answering.
spfkit_status spfkit_evaluation_next(spfkit_evaluation *evaluation, spfkit_step *step_out, size_t *query_count_out);

// Writes query `index` (from 0) of the last SPFKIT_STEP_LOOKUP to
// `*query_out`. Its `name` is borrowed from the evaluation and stays valid
// until spfkit_evaluation_free(), so an event loop may keep the query
// until its reply arrives; so does its id. Index numbers refer to the last
// step only.
spfkit_status spfkit_evaluation_query(const spfkit_evaluation *evaluation, size_t index, spfkit_query *query_out);

// Answers query `id` with `count` records (RCODE 0). `records` and the
// bytes they point to are borrowed for the call. Zero records is NODATA;
// more than one DNS message can carry (5,956 records, or 65,535 bytes of
// TXT data in all) is no DNS answer and counts as TEMPERROR.
// Fails with SPFKIT_ERR_UNKNOWN_ID or SPFKIT_ERR_ALREADY_ANSWERED without
// changing the evaluation, and with SPFKIT_ERR_INVALID_ARGUMENT (bad type or
// address length) or SPFKIT_ERR_INVALID_UTF8 (a name) leaving the query
// unanswered.
spfkit_status spfkit_evaluation_answer_records(spfkit_evaluation *evaluation, uint32_t id, const spfkit_rdata *records, size_t count);

// Answers query `id` with the raw DNS response message a resolver returned
// (res_nquery(), c-ares, libunbound, DNS over HTTPS), borrowed for the
// call. NXDOMAIN, SERVFAIL/REFUSED, truncated, malformed messages and
// answers to another question are all handled (as void lookups or
// temperror); CNAME chains inside the message are followed. Fails with
// SPFKIT_ERR_UNKNOWN_ID or SPFKIT_ERR_ALREADY_ANSWERED without changing the
// evaluation.
spfkit_status spfkit_evaluation_answer_message(spfkit_evaluation *evaluation, uint32_t id, const uint8_t *message, size_t message_len);

// Answers query `id` with no records: an spfkit_answer_kind value
// (NXDOMAIN, NODATA, or TEMPERROR for a timeout or a server failure).
spfkit_status spfkit_evaluation_answer_empty(spfkit_evaluation *evaluation, uint32_t id, uint32_t kind);

// The caller's deadline has passed (RFC 7208 §4.6.4 asks for an overall
// limit on a check): every query still unanswered is a temporary DNS
// error, and so is every query the evaluation would still ask, which is
// never handed out. The next spfkit_evaluation_next() gives
// SPFKIT_STEP_DONE; answers given after this fail with
// SPFKIT_ERR_ALREADY_ANSWERED. Names of queries handed out stay valid as
// before, for an event loop that still has them in flight.
spfkit_status spfkit_evaluation_expire(spfkit_evaluation *evaluation);

// When the evaluation is done, gives `*out` a new outcome the caller owns
// (free with spfkit_outcome_free(); it outlives the evaluation). Before
// that, SPFKIT_ERR_NOT_DONE and `*out` NULL.
spfkit_status spfkit_evaluation_outcome(const spfkit_evaluation *evaluation, spfkit_outcome **out);

// Answers with records; as spfkit_evaluation_answer_records().
spfkit_status spfkit_answerer_records(spfkit_answerer *answerer, const spfkit_rdata *records, size_t count);

// Answers with a raw DNS response message; as
// spfkit_evaluation_answer_message().
spfkit_status spfkit_answerer_message(spfkit_answerer *answerer, const uint8_t *message, size_t message_len);

// Answers with no records; as spfkit_evaluation_answer_empty().
spfkit_status spfkit_answerer_empty(spfkit_answerer *answerer, uint32_t kind);

// Evaluates a connection (arguments as for spfkit_evaluation_new()),
// calling `resolve(user_data, query, answerer)` for each DNS query, and
// gives `*out` the outcome (free with spfkit_outcome_free()); on failure
// `*out` is NULL. Blocks as long as the callback does; `user_data` is
// passed through untouched.
spfkit_status spfkit_check(const char *ip, const char *mail_from, const char *helo, const spfkit_options *options, spfkit_resolve_fn resolve, void *user_data, spfkit_outcome **out);

// Frees an outcome; NULL is fine. Strings lent by it (trace events) die
// with it.
void spfkit_outcome_free(spfkit_outcome *outcome);

// The identity whose result decides: SPFKIT_IDENTITY_HELO when HELO's
// result was definitive, else SPFKIT_IDENTITY_MAIL_FROM.
spfkit_status spfkit_outcome_decided_by(const spfkit_outcome *outcome, spfkit_identity *identity_out);

// The result for `identity` (an spfkit_identity value;
// SPFKIT_IDENTITY_DECIDING for the one that decides). An identity that was
// not checked gives SPFKIT_ERR_NOT_CHECKED; the same holds for every
// spfkit_outcome_* function taking an identity.
spfkit_status spfkit_outcome_result(const spfkit_outcome *outcome, uint32_t identity, spfkit_result *result_out);

// The domain checked for `identity` (the MAIL FROM domain or the HELO
// name), as a new string.
spfkit_status spfkit_outcome_domain(const spfkit_outcome *outcome, uint32_t identity, char **out, size_t *len_out);

// The `<sender>` checked for `identity` (the MAIL FROM address, or
// postmaster@HELO for HELO and the null reverse-path), as a new string.
spfkit_status spfkit_outcome_sender(const spfkit_outcome *outcome, uint32_t identity, char **out, size_t *len_out);

// The explanation of a `fail` (from exp=, or the default explanation), as
// a new string; `*out` NULL for other results.
spfkit_status spfkit_outcome_explanation(const spfkit_outcome *outcome, uint32_t identity, char **out, size_t *len_out);

// The directive that matched ("-all", "include:_spf.example.net"), as a
// new string; `*out` NULL when none did.
spfkit_status spfkit_outcome_mechanism(const spfkit_outcome *outcome, uint32_t identity, char **out, size_t *len_out);

// Why the result is none, temperror or permerror ("no SPF record", "more
// than 2 void lookups", ...), as a new string; `*out` NULL otherwise.
spfkit_status spfkit_outcome_reason(const spfkit_outcome *outcome, uint32_t identity, char **out, size_t *len_out);

// Writes `identity`'s counters to `*counters_out`.
spfkit_status spfkit_outcome_counters(const spfkit_outcome *outcome, uint32_t identity, spfkit_counters *counters_out);

// The Received-SPF header field (RFC 7208 §9.1) for `identity`, one line
// without CRLF, starting "Received-SPF: ", as a new string. Values that
// came from outside are quoted; control characters never appear.
spfkit_status spfkit_outcome_received_spf(const spfkit_outcome *outcome, uint32_t identity, char **out, size_t *len_out);

// The Authentication-Results header field (RFC 8601) with one spf
// resinfo per identity checked, for the authentication service
// `authserv_id` (this host's name), as a new string without CRLF.
spfkit_status spfkit_outcome_authentication_results(const spfkit_outcome *outcome, const char *authserv_id, char **out, size_t *len_out);

// The SMTP reply the deciding result calls for (RFC 7372): 550 5.7.23 for
// fail (with the explanation), 550 5.7.24 for permerror, 451 4.7.24 for
// temperror. Writes the code to `*code_out`, the enhanced status code
// ("5.7.23", static, do not free) to `*enhanced_out`, and the reply text
// (a new string, safe to send: printable ASCII) to `*text_out`. For
// results that call for no rejection (pass, none, neutral, softfail) the
// code is 0 and both strings NULL.
spfkit_status spfkit_outcome_smtp_reply(const spfkit_outcome *outcome, uint16_t *code_out, const char **enhanced_out, char **text_out);

// The number of trace events recorded for `identity` (0 without
// spfkit_options_set_trace()).
spfkit_status spfkit_outcome_trace_count(const spfkit_outcome *outcome, uint32_t identity, size_t *count_out);

// Writes trace event `index` (from 0) of `identity` to `*event_out`.
spfkit_status spfkit_outcome_trace_event(const spfkit_outcome *outcome, uint32_t identity, size_t index, spfkit_trace_event *event_out);

// Parses `len` bytes at `text` (a TXT record's strings joined; any bytes,
// borrowed for the call) as an SPF record (RFC 7208 §12). On success
// `*record_out` owns the record and `*error_out` (if `error_out` is not
// NULL) is NULL. On a syntax error returns SPFKIT_ERR_SYNTAX, `*record_out`
// is NULL and `*error_out` owns the error.
spfkit_status spfkit_record_parse(const uint8_t *text, size_t len, spfkit_record **record_out, spfkit_parse_error **error_out);

// Frees a record; NULL is fine.
void spfkit_record_free(spfkit_record *record);

// The record printed back ("v=spf1 ..."), equivalent to what was parsed,
// as a new string.
spfkit_status spfkit_record_to_string(const spfkit_record *record, char **out, size_t *len_out);

// The number of terms (mechanisms and modifiers) after "v=spf1".
spfkit_status spfkit_record_term_count(const spfkit_record *record, size_t *count_out);

// Term `index` (from 0): its text as a new string in `*out`, and, if
// `span_out` is not NULL, where it stood in the parsed text.
spfkit_status spfkit_record_term(const spfkit_record *record, size_t index, char **out, size_t *len_out, spfkit_span *span_out);

// Frees a parse error; NULL is fine.
void spfkit_parse_error_free(spfkit_parse_error *error);

// The error's stable code ("invalid-ip4", "unknown-mechanism", ...),
// borrowed from the error: valid until spfkit_parse_error_free(); do not
// free it.
spfkit_status spfkit_parse_error_code(const spfkit_parse_error *error, const char **code_out);

// The error as a sentence, with the offending term and its byte span, as a
// new string.
spfkit_status spfkit_parse_error_message(const spfkit_parse_error *error, char **out, size_t *len_out);

// The offending term as written, as a new string (free with
// spfkit_string_free()); the same `term` every spfkit host gives.
spfkit_status spfkit_parse_error_term(const spfkit_parse_error *error, char **out, size_t *len_out);

// The bytes at fault in the parsed text: the offending term, or the
// narrower part of it that is wrong (a bad macro, a bad prefix length).
spfkit_status spfkit_parse_error_span(const spfkit_parse_error *error, spfkit_span *span_out);

// New, empty settings: every key at its default until set. Errors name
// their source "(settings)". Free with spfkit_policy_settings_free().
// Returns NULL only if spfkit failed internally.
spfkit_policy_settings *spfkit_policy_settings_new(void);

// Settings from the TOML text of a settings file: `text_len` bytes of
// UTF-8 at `text` (borrowed for the call; NUL-terminated or not; at most
// 16 MiB), and `file`, its name for errors (copied). On success `*out`
// owns the settings and `*error_out` (if `error_out` is not NULL) is
// NULL. Text that is not TOML, or over 16 MiB, gives SPFKIT_ERR_SETTINGS
// with `*out` NULL and `*error_out` owning the error (key "(syntax)" or
// "(file)", with the line). Only the syntax is checked here; the keys and
// values are checked by spfkit_policy_new().
spfkit_status spfkit_policy_settings_from_toml(const char *text, size_t text_len, const char *file, spfkit_policy_settings **out, spfkit_settings_error **error_out);

// Frees settings; NULL is fine. Policies made from them are unaffected.
void spfkit_policy_settings_free(spfkit_policy_settings *settings);

// Sets the key at `path` to the string `value` (copied).
//
// A path is the keys from the top joined by ".", as in the settings
// file: "authserv_id", "mail_from.temperror",
// "address.\"bob@example.net\".log_only" (a key holding anything but
// letters, digits, "_" and "-" in double quotes, `\"` and `\\` inside),
// "forwarder[0].name" (`[N]`: element N of a list; N one past the end
// appends, so a `[[forwarder]]` table is built key by key from index 0).
// The tables and lists on the way are made. Setting a key again replaces
// its value. A malformed path, or one through a key that holds no table
// or list (or past a list's end), gives SPFKIT_ERR_INVALID_ARGUMENT and
// changes nothing. Keys and values are checked by spfkit_policy_new();
// keys set here have no line for its errors.
spfkit_status spfkit_policy_settings_set_string(spfkit_policy_settings *settings, const char *path, const char *value);

// Sets the key at `path` to true or false; paths as for
// spfkit_policy_settings_set_string().
spfkit_status spfkit_policy_settings_set_bool(spfkit_policy_settings *settings, const char *path, bool value);

// Sets the key at `path` to an integer; paths as for
// spfkit_policy_settings_set_string().
spfkit_status spfkit_policy_settings_set_integer(spfkit_policy_settings *settings, const char *path, int64_t value);

// Sets the key at `path` to a list of `count` strings (`values` and the
// strings are borrowed for the call and copied; `values` may be NULL when
// `count` is 0, for an empty list); paths as for
// spfkit_policy_settings_set_string(). A NULL or non-UTF-8 string changes
// nothing.
spfkit_status spfkit_policy_settings_set_strings(spfkit_policy_settings *settings, const char *path, const char *const *values, size_t count);

// Sets the key at `path` of a recipient's overrides to a string; as
// spfkit_policy_settings_set_string(), with the keys of an
// `[address."..."]` table ("log_only", "mail_from.reject",
// "forwarder[0].name", "prospective.forward_path", ...).
spfkit_status spfkit_policy_overrides_set_string(spfkit_policy_overrides *overrides, const char *path, const char *value);

// Sets the key at `path` of a recipient's overrides to true or false.
spfkit_status spfkit_policy_overrides_set_bool(spfkit_policy_overrides *overrides, const char *path, bool value);

// Sets the key at `path` of a recipient's overrides to an integer.
spfkit_status spfkit_policy_overrides_set_integer(spfkit_policy_overrides *overrides, const char *path, int64_t value);

// Sets the key at `path` of a recipient's overrides to a list of `count`
// strings; as spfkit_policy_settings_set_strings().
spfkit_status spfkit_policy_overrides_set_strings(spfkit_policy_overrides *overrides, const char *path, const char *const *values, size_t count);

// Frees a settings error; NULL is fine.
void spfkit_settings_error_free(spfkit_settings_error *error);

// The whole error as one line, "policy.toml:12: mail_from.reject[0]:
// \"pass\" cannot reject here" (without ":12" when the line is unknown),
// as a new string. Never holds a control character, whatever the
// settings held.
spfkit_status spfkit_settings_error_to_string(const spfkit_settings_error *error, char **out, size_t *len_out);

// The file (or source) the error is in, as a new string: the name given
// to spfkit_policy_settings_from_toml(), "(settings)" for settings built
// key by key, "(recipient rules)" for a callback's overrides.
spfkit_status spfkit_settings_error_file(const spfkit_settings_error *error, char **out, size_t *len_out);

// The line of the key at fault (from 1) in `*line_out`; 0 when unknown
// (keys set with spfkit_policy_settings_set_*()).
spfkit_status spfkit_settings_error_line(const spfkit_settings_error *error, uint32_t *line_out);

// The path of the key at fault as a new string, in the form paths take
// in spfkit_policy_settings_set_*(): "mail_from.reject[1]",
// "address.\"bob@example.net\".prospective.forward_path",
// "forwarder[0].name" (a list over its bound is named by the list);
// "(syntax)" for TOML that does not parse, "(file)" for one too large,
// "(top level)" otherwise outside any key.
spfkit_status spfkit_settings_error_key(const spfkit_settings_error *error, char **out, size_t *len_out);

// What is wrong, as a new string ("unknown key", "must be true or
// false, not a string", ...).
spfkit_status spfkit_settings_error_message(const spfkit_settings_error *error, char **out, size_t *len_out);

// Makes a policy from `settings` (checked here: every key known, every
// value valid) and `options` (NULL for the defaults; copied: the limits,
// the lookup plan, the record cache, the default explanation and the
// timestamp count, while the scope, the receiver (the settings'
// `authserv_id`) and the trace are the policy's own). Both may be freed
// afterwards. On success `*out` owns the policy (free with
// spfkit_policy_free()) and `*error_out` (if `error_out` is not NULL) is
// NULL. Settings that are refused give SPFKIT_ERR_SETTINGS, `*out` NULL
// and `*error_out` owning the error, which names the key.
spfkit_status spfkit_policy_new(const spfkit_policy_settings *settings, const spfkit_options *options, spfkit_policy **out, spfkit_settings_error **error_out);

// Frees a policy; NULL is fine. Messages made from it are unaffected.
void spfkit_policy_free(spfkit_policy *policy);

// Calls `rules(user_data, ...)` for each recipient of the messages made
// from now on (see spfkit_recipient_rules_fn); NULL `rules` removes them.
// Messages made earlier keep what they had. `user_data` is passed through
// untouched and must stay valid as long as such messages (and their
// decisions under way) live.
spfkit_status spfkit_policy_set_recipient_rules(spfkit_policy *policy, spfkit_recipient_rules_fn rules, void *user_data);

// Starts a message arriving from `ip` (IPv4 or IPv6 text; IPv4-mapped
// IPv6 is checked as IPv4) with MAIL FROM `mail_from` (the reverse-path
// with or without angle brackets; "" or "<>" for the null one), HELO/EHLO
// name `helo`, and whether the client authenticated (SMTP AUTH). The
// strings are copied, of any length: a MAIL FROM or HELO over 4096 bytes
// refuses every recipient (rule "bad-connection", 550 5.7.24). On success
// `*out` owns the message (free with spfkit_policy_message_free()); on
// failure it is NULL.
spfkit_status spfkit_policy_message_new(const spfkit_policy *policy, const char *ip, const char *mail_from, const char *helo, bool authenticated, spfkit_policy_message **out);

// As spfkit_policy_message_new(), with the address as `addr_len` bytes
// in network order: 4 for IPv4, 16 for IPv6 (a struct in_addr /
// in6_addr).
spfkit_status spfkit_policy_message_new_ip(const spfkit_policy *policy, const uint8_t *addr, size_t addr_len, const char *mail_from, const char *helo, bool authenticated, spfkit_policy_message **out);

// Frees a message; NULL is fine. Decisions started from it are
// unaffected.
void spfkit_policy_message_free(spfkit_policy_message *message);

// Starts deciding the recipient `recipient` (the RCPT TO address, with or
// without angle brackets: `recipient_len` bytes, borrowed for the call,
// any bytes: a recipient that is not a UTF-8 `local@domain` of at most
// 320 bytes is decided "not-checked" with rule "bad-recipient") of
// `message`. The policy's recipient rules, if set, are called now; their
// failure gives SPFKIT_ERR_CALLBACK or SPFKIT_ERR_SETTINGS (with
// `*error_out` owning the error, if `error_out` is not NULL) and no
// decision. On success `*out` owns the decision under way (free with
// spfkit_policy_decide_free(); it may outlive the message) and
// `*error_out` is NULL.
spfkit_status spfkit_policy_decide_new(const spfkit_policy_message *message, const char *recipient, size_t recipient_len, spfkit_policy_decide **out, spfkit_settings_error **error_out);

// Frees a decision under way and everything it lent out (query names);
// NULL is fine.
void spfkit_policy_decide_free(spfkit_policy_decide *decide);

// Advances the decision; as spfkit_evaluation_next().
spfkit_status spfkit_policy_decide_next(spfkit_policy_decide *decide, spfkit_step *step_out, size_t *query_count_out);

// Writes query `index` (from 0) of the last SPFKIT_STEP_LOOKUP to
// `*query_out`; as spfkit_evaluation_query(): its name is borrowed from
// the decision and stays valid until spfkit_policy_decide_free().
spfkit_status spfkit_policy_decide_query(const spfkit_policy_decide *decide, size_t index, spfkit_query *query_out);

// Answers query `id` with `count` records; as
// spfkit_evaluation_answer_records().
spfkit_status spfkit_policy_decide_answer_records(spfkit_policy_decide *decide, uint32_t id, const spfkit_rdata *records, size_t count);

// Answers query `id` with a raw DNS response message; as
// spfkit_evaluation_answer_message().
spfkit_status spfkit_policy_decide_answer_message(spfkit_policy_decide *decide, uint32_t id, const uint8_t *message, size_t message_len);

// Answers query `id` with no records (an spfkit_answer_kind value); as
// spfkit_evaluation_answer_empty().
spfkit_status spfkit_policy_decide_answer_empty(spfkit_policy_decide *decide, uint32_t id, uint32_t kind);

// The caller's deadline has passed; as spfkit_evaluation_expire(): every
// query unanswered, and every one the decision would still ask, is a
// temporary DNS error (what that does is the settings' `temperror`), and
// the next spfkit_policy_decide_next() gives SPFKIT_STEP_DONE. The
// deadline applies to the message: lookups another recipient's decision
// is waiting for are that decision's.
spfkit_status spfkit_policy_decide_expire(spfkit_policy_decide *decide);

// When the decision is done, gives `*out` a new decision the caller owns
// (free with spfkit_policy_decision_free(); it outlives the decide
// handle). Before that, SPFKIT_ERR_NOT_DONE and `*out` NULL.
spfkit_status spfkit_policy_decide_decision(const spfkit_policy_decide *decide, spfkit_policy_decision **out);

// Decides `recipient` of `message` (arguments and the recipient rules'
// failures as for spfkit_policy_decide_new()), calling
// `resolve(user_data, query, answerer)` for each DNS query as
// spfkit_check() does, and gives `*out` the decision (free with
// spfkit_policy_decision_free()); on failure `*out` is NULL. Blocks as
// long as the callback does.
spfkit_status spfkit_policy_message_decide(const spfkit_policy_message *message, const char *recipient, size_t recipient_len, spfkit_resolve_fn resolve, void *user_data, spfkit_policy_decision **out, spfkit_settings_error **error_out);

// An action's stable name ("not-checked", "accept",
// "accept-with-headers", "reject", "defer"), static; NULL for a number
// that is no spfkit_policy_action.
const char *spfkit_policy_action_name(uint32_t action);

// A rule's stable name ("mail-from-reject", "forwarder-domain", ...),
// static; NULL for a number that is no spfkit_policy_rule.
const char *spfkit_policy_rule_name(uint32_t rule);

// An iprev result's name as Authentication-Results writes it ("pass",
// "fail", "temperror", "permerror"), static; NULL for a number that is
// no spfkit_iprev_result.
const char *spfkit_iprev_result_name(uint32_t result);

// Frees a decision; NULL is fine. Strings lent by it die with it.
void spfkit_policy_decision_free(spfkit_policy_decision *decision);

// What to do with the recipient.
spfkit_status spfkit_policy_decision_action(const spfkit_policy_decision *decision, spfkit_policy_action *action_out);

// The rule that decided.
spfkit_status spfkit_policy_decision_rule(const spfkit_policy_decision *decision, spfkit_policy_rule *rule_out);

// The SMTP reply to send for SPFKIT_POLICY_ACTION_REJECT and _DEFER
// (RFC 7372 and RFC 3463 codes: 550 5.7.23, 451 4.7.24, 550 5.7.25, 551
// 5.7.1, ...). Writes the code to `*code_out`, the enhanced status code
// ("5.7.23"; borrowed from the decision, valid until
// spfkit_policy_decision_free(), do not free) to `*enhanced_out`, and the
// text (a new string, printable ASCII, safe to send) to `*text_out`. For a
// decision that sends none (every acceptance) the code is 0 and both
// strings NULL.
spfkit_status spfkit_policy_decision_reply(const spfkit_policy_decision *decision, uint16_t *code_out, const char **enhanced_out, char **text_out);

// In log-only mode (`log_only = true`), the reply the decision would have
// sent, as spfkit_policy_decision_reply() writes one; code 0 and NULL
// strings otherwise.
spfkit_status spfkit_policy_decision_intended(const spfkit_policy_decision *decision, uint16_t *code_out, const char **enhanced_out, char **text_out);

// The recipient decided, as a new string: as given, angle brackets
// removed; "" for one that is not `local@domain` (rule "bad-recipient").
spfkit_status spfkit_policy_decision_recipient(const spfkit_policy_decision *decision, char **out, size_t *len_out);

// The name of the trusted forwarder that decided, as a new string;
// `*out` NULL when none did.
spfkit_status spfkit_policy_decision_forwarder(const spfkit_policy_decision *decision, char **out, size_t *len_out);

// The reputation key, `domain:RESULT` ("example.com:FAIL"), as a new
// string: the message's MAIL FROM domain and result (HELO's when MAIL FROM
// was not evaluated); `*out` NULL when nothing was checked.
spfkit_status spfkit_policy_decision_reputation_key(const spfkit_policy_decision *decision, char **out, size_t *len_out);

// The SPF result of `identity` (SPFKIT_IDENTITY_HELO or
// SPFKIT_IDENTITY_MAIL_FROM; SPFKIT_IDENTITY_DECIDING is
// SPFKIT_ERR_INVALID_ARGUMENT here) this decision rests on;
// SPFKIT_ERR_NOT_CHECKED when it was not evaluated for it.
spfkit_status spfkit_policy_decision_spf_result(const spfkit_policy_decision *decision, uint32_t identity, spfkit_result *result_out);

// The best guess's result (`best_guess`, evaluated for a MAIL FROM
// domain without SPF; never an SPF result); SPFKIT_ERR_NOT_CHECKED when
// it was not evaluated.
spfkit_status spfkit_policy_decision_best_guess(const spfkit_policy_decision *decision, spfkit_result *result_out);

// Whether a pass was found unacceptable (RFC 8601 §2.7.2's `policy`).
spfkit_status spfkit_policy_decision_unacceptable_pass(const spfkit_policy_decision *decision, bool *unacceptable_out);

// iprev's result; SPFKIT_ERR_NOT_CHECKED when iprev was not checked.
spfkit_status spfkit_policy_decision_iprev(const spfkit_policy_decision *decision, spfkit_iprev_result *iprev_out);

// The DNS queries this decision asked in `*queries_out` and, if
// `round_trips_out` is not NULL, the steps with queries it took. Lookups
// an earlier recipient of the message made are not asked again, so a
// later recipient's counts may be 0.
spfkit_status spfkit_policy_decision_queries(const spfkit_policy_decision *decision, uint32_t *queries_out, uint32_t *round_trips_out);

// The number of header fields to add: 0 unless the action is
// SPFKIT_POLICY_ACTION_ACCEPT_WITH_HEADERS (the message's first accepted
// recipient).
spfkit_status spfkit_policy_decision_header_count(const spfkit_policy_decision *decision, size_t *count_out);

// Writes header field `index` (from 0; Received-SPF comes before
// Authentication-Results) to `*field_out`.
spfkit_status spfkit_policy_decision_header(const spfkit_policy_decision *decision, size_t index, spfkit_header_field *field_out);

// A settings error's stable name, core's ("no-secret", "bad-domain",
// "bad-separator", ...), static; NULL for a number that is no
// spfkit_srs_settings_error.
const char *spfkit_srs_settings_error_name(uint32_t error);

// A settings error as a sentence, core's ("the hash length must be 1 to
// 27", ...), static; NULL for a number that is no
// spfkit_srs_settings_error.
const char *spfkit_srs_settings_error_message(uint32_t error);

// New settings with libsrs2's defaults: no secret and no domain yet (set
// both), separator '=', hash length 4, minimum 4, maximum age 21 days,
// standard base64, no local domains, long local parts written with a
// warning. Free with spfkit_srs_settings_free(). Returns NULL only if
// spfkit failed internally.
spfkit_srs_settings *spfkit_srs_settings_new(void);

// Frees settings; NULL is fine. Rewriters made from them are unaffected.
void spfkit_srs_settings_free(spfkit_srs_settings *settings);

// Adds a secret: `secret_len` octets at `secret` (borrowed for the call,
// copied; NUL-terminated or not), as one line of postsrsd's secrets file
// without its line end. The first secret added signs new addresses; every
// one verifies, so when changing secrets add the new one first and keep
// the old one for the maximum age. An empty secret or one holding a NUL
// is refused by spfkit_srs_new() (SPFKIT_SRS_SETTINGS_BAD_SECRET), since
// libsrs2 would cut it at the NUL.
spfkit_status spfkit_srs_settings_add_secret(spfkit_srs_settings *settings, const char *secret, size_t secret_len);

// Sets the forwarder's own domain (copied): rewritten addresses end in
// "@domain", and senders in it are left alone (postsrsd's -d).
spfkit_status spfkit_srs_settings_set_domain(spfkit_srs_settings *settings, const char *domain);

// Adds a domain whose senders are not rewritten (copied), as postsrsd's
// -X list: "example.org" matches user@example.org only, ".example.org"
// any address ending in ".example.org", without regard to case.
spfkit_status spfkit_srs_settings_add_local_domain(spfkit_srs_settings *settings, const char *domain);

// Sets the separator after SRS0/SRS1: '=' (the default), '+' or '-'
// (postsrsd's -a); the inner separators are always '='.
spfkit_status spfkit_srs_settings_set_separator(spfkit_srs_settings *settings, char separator);

// Sets the hash characters written, 1 to 27; 4 by default (postsrsd's
// -n). A longer hash in an address being reversed is compared on this
// many characters.
spfkit_status spfkit_srs_settings_set_hash_length(spfkit_srs_settings *settings, size_t length);

// Sets the fewest hash characters accepted when reversing, 1 to the hash
// length; 4 by default (postsrsd's -N).
spfkit_status spfkit_srs_settings_set_hash_min(spfkit_srs_settings *settings, size_t min);

// Sets the days an address stays valid after the day it was made, at
// most 1023; 21 by default.
spfkit_status spfkit_srs_settings_set_max_age_days(spfkit_srs_settings *settings, uint32_t days);

// Whether hashes are written in URL-safe base64 ('-', '_') as postsrsd
// 2.2.6 does, instead of standard base64 ('+', '/'); false by default,
// since postsrsd 1.10 and libsrs2 refuse URL-safe hashes. Both are always
// read.
spfkit_status spfkit_srs_settings_set_url_safe(spfkit_srs_settings *settings, bool url_safe);

// Whether a rewrite whose local part would pass 64 octets (RFC 5321) is
// refused (SPFKIT_SRS_ERROR_TOO_LONG) instead of written with
// SPFKIT_SRS_WARNING_LONG_LOCAL_PART as libsrs2 does; false by default.
spfkit_status spfkit_srs_settings_set_refuse_long(spfkit_srs_settings *settings, bool refuse);

// An error kind's stable name, core's ("not-srs", "bad-hash", "expired",
// "bad-timestamp", "malformed", "too-long"), static; NULL for a number
// that is no spfkit_srs_error_kind.
const char *spfkit_srs_error_kind_name(uint32_t kind);

// Why a sender was left unchanged, core's name ("local-domain",
// "already-rewritten"), static; NULL for a number that is no
// spfkit_srs_unchanged (0 among them: rewritten).
const char *spfkit_srs_unchanged_name(uint32_t reason);

// A warning's stable name, core's ("long-local-part"), static; NULL for
// a number that is no single spfkit_srs_warning.
const char *spfkit_srs_warning_name(uint32_t warning);

// Makes a rewriter from `settings` (checked here by core; copied, so the
// settings may be freed afterwards). On success `*out` owns it (free with
// spfkit_srs_free()). Settings core refuses give SPFKIT_ERR_SRS_SETTINGS,
// `*out` NULL and, if `error_out` is not NULL, the reason in `*error_out`
// (written only then).
spfkit_status spfkit_srs_new(const spfkit_srs_settings *settings, spfkit_srs **out, spfkit_srs_settings_error *error_out);

// Frees a rewriter; NULL is fine.
void spfkit_srs_free(spfkit_srs *srs);

// Rewrites a sender (MAIL FROM without angle brackets) for forwarding, as
// postsrsd's forward map does: `sender_len` octets at `sender` (borrowed
// for the call; NUL-terminated or not, so an embedded NUL is seen and
// refused), at `now` (seconds since the epoch, or SPFKIT_SRS_NOW).
//
// On success `*out` is the sender to use as a new string (free with
// spfkit_string_free()), `*len_out` its length if `len_out` is not NULL,
// and `*forwarded_out`, if not NULL, whether it was rewritten (a plain
// sender to SRS0, another forwarder's SRS0 or SRS1 address to SRS1) or
// left alone and why (a local domain, or already ours), with any
// warnings. A sender that cannot be rewritten gives SPFKIT_ERR_SRS and
// the kind and sentence in `*error_out` (if not NULL): forward it
// unchanged or refuse it, as the MTA decides. A sender that is not UTF-8
// gives SPFKIT_ERR_INVALID_UTF8 (no address spfkit rewrites is: they are
// ASCII); a `now` below 0 other than SPFKIT_SRS_NOW,
// SPFKIT_ERR_INVALID_ARGUMENT. On any failure `*out` is NULL, and
// `*forwarded_out` and `*error_out` are zeroed unless said otherwise.
spfkit_status spfkit_srs_forward(const spfkit_srs *srs, const char *sender, size_t sender_len, int64_t now, char **out, size_t *len_out, spfkit_srs_forwarded *forwarded_out, spfkit_srs_error *error_out);

// Undoes a rewrite, for a bounce to `address_len` octets at `address`
// (borrowed for the call; NUL-terminated or not) at `now` (seconds since
// the epoch, or SPFKIT_SRS_NOW), as postsrsd's reverse map does: SRS0 →
// the original sender, SRS1 → the previous forwarder's SRS0 address,
// once the hash (and for SRS0 the timestamp) checks out; the domain after
// '@' is not looked at.
//
// On success `*out` is where the bounce goes, as a new string (free with
// spfkit_string_free()), and `*len_out` its length if `len_out` is not
// NULL. An address that does not reverse gives SPFKIT_ERR_SRS with the
// kind and sentence in `*error_out` (if not NULL):
// SPFKIT_SRS_ERROR_NOT_SRS is an ordinary address, to be delivered as it
// is; any other kind is a bounce to refuse. An address that is not UTF-8
// gives SPFKIT_ERR_INVALID_UTF8 (no SRS address spfkit wrote is: they are
// ASCII); a `now` below 0 other than SPFKIT_SRS_NOW,
// SPFKIT_ERR_INVALID_ARGUMENT. On any failure `*out` is NULL, and
// `*error_out` is zeroed unless said otherwise.
spfkit_status spfkit_srs_reverse(const spfkit_srs *srs, const char *address, size_t address_len, int64_t now, char **out, size_t *len_out, spfkit_srs_error *error_out);

// A new secret, as `spfkit srs keygen` makes it: 24 random octets from
// /dev/urandom, in standard base64 (32 characters), a new string (free
// with spfkit_string_free()) to write as a line of the secrets file or
// pass to spfkit_srs_settings_add_secret(). If /dev/urandom cannot be
// read (a chroot without /dev) it gives SPFKIT_ERR_RANDOM: take random
// octets from elsewhere to spfkit_srs_secret_from_bytes().
spfkit_status spfkit_srs_keygen(char **out, size_t *len_out);

// A secret from `random_len` random octets at `random` (borrowed for the
// call; NULL is fine when `random_len` is 0) that the caller drew from its
// own source (getrandom(), arc4random_buf(), an HSM): their standard
// base64, as a new string (free with spfkit_string_free()). Give at least
// 18 octets; spfkit_srs_keygen() uses 24.
spfkit_status spfkit_srs_secret_from_bytes(const uint8_t *random, size_t random_len, char **out, size_t *len_out);

#ifdef __cplusplus
}  // extern "C"
#endif  // __cplusplus

#endif  /* SPFKIT_H */

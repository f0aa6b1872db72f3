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
 *   resolver callback.
 * - Threads: any handle may move between threads. A function taking a
 *   non-const handle needs it to itself; functions taking const handles
 *   (reading options, outcomes, records) may run on several threads at once,
 *   so one spfkit_options may start evaluations everywhere. Different
 *   evaluations are independent; one spfkit_record_cache may serve
 *   evaluations on many threads at once.
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

// A parsed SPF record. Owned by the caller; free with spfkit_record_free().
typedef struct spfkit_record spfkit_record;

// Parsed records shared between evaluations, keyed by the exact record
// bytes, so a hit can never change a result. Thread-safe: one cache may
// serve evaluations on many threads at once.
typedef struct spfkit_record_cache spfkit_record_cache;

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
// called spfkit_check(), once per query, in the evaluation's order. It must
// return normally: no longjmp() and no C++ exception out of it.
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

#ifdef __cplusplus
}  // extern "C"
#endif  // __cplusplus

#endif  /* SPFKIT_H */

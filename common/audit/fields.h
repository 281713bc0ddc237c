/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The fields of an audit record: the one list that the writer
 * (audit/format.c), the journald sink (audit/journal.c), the parser that
 * the chain verifier and `hkpost-p11 audit show` share (audit/parse.c)
 * and README.md's table follow (tests/test-audit-format checks the table).
 *
 * A record is, in this order: the chain's fields (ts, seq, chain, prev,
 * found first and in a fixed place by the verifier), the process (host,
 * pid, uid, program), what happened (kind, event, phase, slot, token,
 * session), the call's arguments, and its outcome (result, duration_us).
 * Text: `TS seq=N chain=NAME prev=HEX key=value ...`, the arguments among
 * the other fields; JSON Lines: `{"ts":"TS","seq":N,...,"args":{...},...}`.
 *
 * X (id, key, journald field or NULL)
 */
#ifndef HKP11_AUDIT_FIELDS_H
#define HKP11_AUDIT_FIELDS_H

#include <stddef.h>

/* clang-format off */
#define HKP11_AUDIT_FIELDS(X) \
	X (TS,       "ts",          NULL) \
	X (SEQ,      "seq",         "HKP11_SEQ") \
	X (CHAIN,    "chain",       "HKP11_CHAIN") \
	X (PREV,     "prev",        "HKP11_PREV") \
	X (HOST,     "host",        NULL) \
	X (PID,      "pid",         NULL) \
	X (UID,      "uid",         NULL) \
	X (PROGRAM,  "program",     NULL) \
	X (KIND,     "kind",        "HKP11_KIND") \
	X (EVENT,    "event",       "HKP11_EVENT") \
	X (PHASE,    "phase",       NULL) \
	X (SLOT,     "slot",        "HKP11_SLOT") \
	X (TOKEN,    "token",       NULL) \
	X (SESSION,  "session",     "HKP11_SESSION") \
	X (ARGS,     "args",        NULL) \
	X (RESULT,   "result",      "HKP11_RESULT") \
	X (DURATION, "duration_us", NULL)

/* The arguments of the events layers report (kind=event), and those of
 * the log's own events (audit-log-gap, audit-log-torn-tail), that readers
 * rely on. */
#define HKP11_AUDIT_EVENT_ARGS(X) \
	X (SEVERITY,       "severity",       NULL) \
	X (FUNCTION,       "function",       NULL) \
	X (TRIES_LEFT,     "tries_left",     NULL) \
	X (REASONS,        "reasons",        NULL) \
	X (DETAIL,         "detail",         NULL) \
	X (FIRST_LOST_SEQ, "first_lost_seq", NULL) \
	X (LOST_RECORDS,   "lost_records",   NULL) \
	X (TORN_BYTES,     "torn_bytes",     NULL)
/* clang-format on */

typedef enum {
#define HKP11_AUDIT_FIELD_ENUM(id, key, journal) HKP11_AUDIT_F_##id,
	HKP11_AUDIT_FIELDS (HKP11_AUDIT_FIELD_ENUM) HKP11_AUDIT_EVENT_ARGS (HKP11_AUDIT_FIELD_ENUM)
#undef HKP11_AUDIT_FIELD_ENUM
		HKP11_AUDIT_N_FIELDS
} hkp11_audit_field;

/* The number of fields of HKP11_AUDIT_FIELDS (the event arguments follow). */
#define HKP11_AUDIT_N_RECORD_FIELDS (HKP11_AUDIT_F_DURATION + 1)

/* Each field's key and journald field (NULL: not a journal field). */
extern const char *const hkp11_audit_field_keys[HKP11_AUDIT_N_FIELDS];
extern const char *const hkp11_audit_field_journal[HKP11_AUDIT_N_FIELDS];

/* Each key as an array whose length the compiler knows, for the writer:
 * HKP11_AUDIT_KEY (SEQ) is "seq". */
#define HKP11_AUDIT_KEY(id) hkp11_audit_key_##id
#define HKP11_AUDIT_KEY_ARRAY(id, key, journal) \
	static const char hkp11_audit_key_##id[] __attribute__ ((unused)) = key;
HKP11_AUDIT_FIELDS (HKP11_AUDIT_KEY_ARRAY)
HKP11_AUDIT_EVENT_ARGS (HKP11_AUDIT_KEY_ARRAY)
#undef HKP11_AUDIT_KEY_ARRAY

#endif

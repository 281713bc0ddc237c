/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The lockout rules as pure functions of a token's record: how many tries
 * are left, whether a try is held back, and how a try, its outcome or an
 * operation change the record.  No I/O: the store (lockout/store.h) keeps
 * records in files shared by every process of the user and applies these
 * under its lock; the lockout layer and the tool judge with them.
 */
#ifndef HKP11_LOCKOUT_RULES_H
#define HKP11_LOCKOUT_RULES_H

#include <stdbool.h>

typedef struct {
	unsigned int failures; /* wrong user PINs since the last good one */
	long long updated;     /* when the record last changed, seconds since the epoch; 0 never */
	/* Tries the user allowed past the lockout guard ("guard release"):
	 * used up by the next held-back try or wrong PIN, cleared by a good
	 * one.  A release changes nothing else: the count stands. */
	unsigned int released;
	/* Tries at the token now, in any process (see
	 * hkp11_lockout_store_begin_try), and when the last one began: a count
	 * older than HKP11_PENDING_STALE_SECONDS is taken for the leftover of
	 * a process that died mid-try.  Where the shim counts, failures
	 * includes them. */
	unsigned int pending;
	long long pending_since;
	/* Tries at such a token ended so far, wrapping: tells a process that
	 * read the token's counter whether tries ended since. */
	unsigned int ended;
	/* The token's maximum of tries, learned from its flags where the shim
	 * counts (hkp11_lockout_learn_max); 0 when not learned.  A good PIN
	 * keeps it: it is the token's, not the count's. */
	unsigned int learned_max;
} hkp11_lockout_record;

#define HKP11_PENDING_STALE_SECONDS 300

typedef enum {
	HKP11_STATE_READ,    /* only read the record */
	HKP11_STATE_FAIL,    /* count one more wrong PIN */
	HKP11_STATE_RESET,   /* a good PIN: back to zero */
	HKP11_STATE_RELEASE, /* the user releases the guard: one try allowed, the count stands */
} hkp11_state_op;

/* Far beyond any token's tries; keeps arithmetic safe. */
#define HKP11_FAILURES_MAX 1000000u

/* What decides a try at the user PIN. */
typedef struct {
	/* The token's own count of tries left (SafeNet's retry counter), or
	 * -1 when the shim counts: then tries left are attempts - failures. */
	long token_left;
	/* The record's `ended` when it was read, before the token's counter
	 * was: a try that ended after may be missing from token_left. */
	unsigned int ended_seen;
	/* lockout-attempts: the maximum where the shim counts, unless the
	 * token taught a lower one (the record's learned_max). */
	unsigned int attempts;
	/* What the token's flags say of its tries: 0 at CKF_USER_PIN_LOCKED,
	 * 1 at CKF_USER_PIN_FINAL_TRY, -1 when they say nothing.  Tries left
	 * are never more; and at the final try never fewer where the shim
	 * counts: the token's own warning beats any count. */
	long left_cap;
	/* Tries held back: at this many left or fewer a try is refused unless
	 * the user released the guard.  0: none held back.  Where the shim
	 * counts, a count that has run out is refused the same way whatever
	 * guard says (see hkp11_lockout_counted_out). */
	unsigned int guard;
} hkp11_try_rule;

typedef enum {
	HKP11_TRY_GRANTED,  /* go to the token */
	HKP11_TRY_RELEASED, /* go to the token on the user's guard release, now used */
	HKP11_TRY_REFUSED,  /* the guard holds: nothing was counted */
} hkp11_try_verdict;

typedef enum {
	HKP11_TRY_WRONG, /* the token answered CKR_PIN_INCORRECT */
	HKP11_TRY_GOOD,  /* the token took the PIN */
	HKP11_TRY_OTHER, /* any other answer: the try did not count */
} hkp11_try_outcome;

typedef enum {
	/* For the guard: every try at the token now is taken as spent. */
	HKP11_LEFT_GUARD,
	/* For the user: tries the token has spent, those at it now left out. */
	HKP11_LEFT_SHOWN,
} hkp11_left_view;

/*
 * The most tries the token allows as far as the shim can tell, where it
 * counts: the maximum learned from the token, or rule->attempts when
 * that is fewer or nothing was learned.
 */
unsigned int hkp11_lockout_max_tries (const hkp11_lockout_record *record,
				      const hkp11_try_rule *rule);

/*
 * Learns the token's maximum of tries from its flags, where the shim
 * counts: a token that says it has its final try (rule->left_cap 1) after
 * k wrong PINs counted (tries still at the token left out) allows k + 1,
 * at most rule->attempts.  Nothing is learned from a final try with
 * nothing counted: the tries went elsewhere.  Returns whether the record
 * changed.
 */
bool hkp11_lockout_learn_max (hkp11_lockout_record *record, const hkp11_try_rule *rule,
			      long long now);

/*
 * Tries left under rule as the record stands: from the token's count or
 * from the maximum (hkp11_lockout_max_tries) less failures, as view says;
 * never above left_cap, never below 0, and where the shim counts exactly
 * 1 at the token's final try (less a try at the token now, for the
 * guard).  now is the time pending tries are judged by.
 */
long hkp11_lockout_tries_left (const hkp11_lockout_record *record, const hkp11_try_rule *rule,
			       long long now, hkp11_left_view view);

/*
 * Whether the shim's own count (rule->token_left < 0) has run out: as
 * many wrong PINs as the maximum allows, the tries at the token now
 * included, and the token does not say it has its final try.  The token then reads as locked, and
 * hkp11_lockout_try_held is true whatever the guard is, also when the token's flags say locked (the
 * tool, seeing the flags the lockout layer adds, cannot tell).
 */
bool hkp11_lockout_counted_out (const hkp11_lockout_record *record, const hkp11_try_rule *rule);

/*
 * Whether begin_try would refuse a try as the record stands, unless the
 * user released the guard: tries left at or below the guard, or the
 * shim's count run out.
 */
bool hkp11_lockout_try_held (const hkp11_lockout_record *record, const hkp11_try_rule *rule,
			     long long now);

/*
 * Decides a try under rule and, when it is granted, counts it before it
 * is made, as pending (and, where the shim counts, as a wrong PIN).
 */
hkp11_try_verdict hkp11_lockout_begin_try (hkp11_lockout_record *record, const hkp11_try_rule *rule,
					   long long now);

/* What the token answered to a try begin_try granted under rule. */
void hkp11_lockout_end_try (hkp11_lockout_record *record, const hkp11_try_rule *rule,
			    hkp11_try_outcome outcome, long long now);

/* A plain operation on the record: read, a wrong PIN, a good one, a
 * release of the guard. */
void hkp11_lockout_apply (hkp11_lockout_record *record, hkp11_state_op op, long long now);

/* Of two versions of one record, the one changed last. */
hkp11_lockout_record hkp11_lockout_newest (hkp11_lockout_record a, hkp11_lockout_record b);

#endif

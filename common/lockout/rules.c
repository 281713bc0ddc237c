/* SPDX-License-Identifier: BSD-3-Clause */
#include "config.h"
#include "lockout/rules.h"
#include "base/debug.h"

#include <stddef.h>

/* Pending tries still at the token; a count that has not moved for a
 * while was left by a process that died there. */
static unsigned int
pending_live (const hkp11_lockout_record *r, long long now)
{
	long long age = now - r->pending_since;
	if (r->pending == 0 || age > HKP11_PENDING_STALE_SECONDS ||
	    age < -HKP11_PENDING_STALE_SECONDS)
		return 0;
	return r->pending;
}

unsigned int
hkp11_lockout_max_tries (const hkp11_lockout_record *r, const hkp11_try_rule *rule)
{
	hkp11_return_val_if_fail (r != NULL && rule != NULL, 0);
	if (r->learned_max > 0 && r->learned_max < rule->attempts)
		return r->learned_max;
	return rule->attempts;
}

bool
hkp11_lockout_learn_max (hkp11_lockout_record *r, const hkp11_try_rule *rule, long long now)
{
	hkp11_return_val_if_fail (r != NULL && rule != NULL, false);
	if (rule->token_left >= 0 || rule->left_cap != 1)
		return false;
	/* Wrong PINs the token has answered: those at it now may not be. */
	unsigned int pending = pending_live (r, now);
	unsigned int counted = r->failures > pending ? r->failures - pending : 0;
	if (counted == 0)
		return false;
	unsigned int max = counted < rule->attempts ? counted + 1 : rule->attempts;
	if (max == r->learned_max)
		return false;
	r->learned_max = max;
	r->updated = now;
	return true;
}

long
hkp11_lockout_tries_left (const hkp11_lockout_record *r, const hkp11_try_rule *rule, long long now,
			  hkp11_left_view view)
{
	hkp11_return_val_if_fail (r != NULL && rule != NULL, 0);
	long left;
	unsigned int pending = pending_live (r, now);
	if (rule->token_left >= 0) {
		/* Tries at the token now, and tries that ended after its counter
		 * was read, are taken as spent: the safe way round. */
		unsigned int since = r->ended - rule->ended_seen;
		long unseen = (long)pending + (since <= HKP11_FAILURES_MAX ? (long)since : 0);
		if (view == HKP11_LEFT_SHOWN)
			unseen = 0;
		left = rule->token_left > unseen ? rule->token_left - unseen : 0;
	} else if (rule->left_cap == 1) {
		/* The token says it has one try left, whatever the count says;
		 * for the guard, a try at it now may be spending it. */
		left = view == HKP11_LEFT_GUARD && pending > 0 ? 0 : 1;
	} else {
		unsigned int failures = r->failures;
		unsigned int max = hkp11_lockout_max_tries (r, rule);
		if (view == HKP11_LEFT_SHOWN)
			failures = failures > pending ? failures - pending : 0;
		left = failures >= max ? 0 : (long)(max - failures);
	}
	if (rule->left_cap >= 0 && left > rule->left_cap)
		left = rule->left_cap;
	return left;
}

bool
hkp11_lockout_counted_out (const hkp11_lockout_record *r, const hkp11_try_rule *rule)
{
	return rule->token_left < 0 && rule->left_cap != 1 &&
	       r->failures >= hkp11_lockout_max_tries (r, rule);
}

bool
hkp11_lockout_try_held (const hkp11_lockout_record *r, const hkp11_try_rule *rule, long long now)
{
	long left = hkp11_lockout_tries_left (r, rule, now, HKP11_LEFT_GUARD);
	/* A count run out is a lock as far as the shim can tell: a try past
	 * it could be the one that really locks a token allowing more. */
	return (rule->guard > 0 && left <= (long)rule->guard) ||
	       hkp11_lockout_counted_out (r, rule);
}

hkp11_try_verdict
hkp11_lockout_begin_try (hkp11_lockout_record *r, const hkp11_try_rule *rule, long long now)
{
	hkp11_try_verdict verdict;

	if (!hkp11_lockout_try_held (r, rule, now)) {
		verdict = HKP11_TRY_GRANTED;
	} else if (r->released > 0) {
		r->released--;
		verdict = HKP11_TRY_RELEASED;
	} else {
		return HKP11_TRY_REFUSED;
	}
	r->pending = pending_live (r, now) + 1;
	r->pending_since = now;
	/* Counted before it is made: a process that dies at the token leaves
	 * one try too many counted, never one too few. */
	if (rule->token_left < 0 && r->failures < HKP11_FAILURES_MAX)
		r->failures++;
	r->updated = now;
	return verdict;
}

void
hkp11_lockout_end_try (hkp11_lockout_record *r, const hkp11_try_rule *rule,
		       hkp11_try_outcome outcome, long long now)
{
	bool shim_counts = rule->token_left < 0;

	if (!shim_counts)
		r->ended++;
	r->pending = pending_live (r, now);
	if (r->pending > 0)
		r->pending--;
	if (r->pending == 0)
		r->pending_since = 0;
	switch (outcome) {
	case HKP11_TRY_WRONG:
		/* Counted at the start already where the shim counts. */
		r->released = 0;
		break;
	case HKP11_TRY_GOOD:
		r->failures = 0;
		r->released = 0;
		break;
	case HKP11_TRY_OTHER:
		if (shim_counts && r->failures > 0)
			r->failures--;
		break;
	}
	r->updated = now;
}

void
hkp11_lockout_apply (hkp11_lockout_record *record, hkp11_state_op op, long long now)
{
	switch (op) {
	case HKP11_STATE_READ:
		break;
	case HKP11_STATE_FAIL:
		if (record->failures < HKP11_FAILURES_MAX)
			record->failures++;
		record->released = 0;
		record->updated = now;
		break;
	case HKP11_STATE_RESET:
		if (record->failures != 0 || record->released != 0)
			record->updated = now;
		record->failures = 0;
		record->released = 0;
		break;
	case HKP11_STATE_RELEASE:
		/* One try, and nothing else: the count stands, so that a wrong
		 * PIN on that try counts as the last one it is. */
		record->released = 1;
		record->updated = now;
		break;
	}
}

/* Of two versions of one record, the one changed last wins: a good PIN
 * that resets the count is as much news as a wrong one. */
hkp11_lockout_record
hkp11_lockout_newest (hkp11_lockout_record a, hkp11_lockout_record b)
{
	if (a.updated != b.updated)
		return a.updated > b.updated ? a : b;
	return a.failures >= b.failures ? a : b;
}

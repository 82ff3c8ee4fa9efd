/*
 * budget.h - what a run may spend and what it has spent: requests, tokens
 * and money, by role (the writer and the judge may be different endpoints
 * with different prices).
 *
 * The caps (--max-requests, --max-tokens, --max-cost) are never crossed:
 * before each attempt is sent, its cost is reserved - one request, its
 * prompt's tokens estimated from its size and its reply's token cap - and
 * an attempt that would take the run past a cap is not sent.  When it
 * ends, the reservation is released, and a reply's tokens are counted as
 * the endpoint reports them (estimated from its text when it does not); a
 * failed attempt costs a request and no tokens.  So the run stops
 * sending on the near side of the cap; a resumed run starts from what was
 * spent before and may be given a higher cap.
 *
 * Prices are US dollars per million tokens, prompt and completion, per
 * role; a role without a price has no cost (and --max-cost needs prices).
 *
 * Ownership: plain data; the caller owns the struct.
 */
#ifndef AW_BUDGET_H
#define AW_BUDGET_H

#include <stddef.h>

enum budget_role { ROLE_WRITER, ROLE_JUDGE, ROLE_N };

struct budget {
	long max_requests;          /* cap on attempts sent, 0 none */
	long max_tokens;            /* cap on prompt + completion tokens, 0 none */
	double max_cost;            /* cap in USD, 0 none */
	double price_in[ROLE_N];    /* USD per million prompt tokens, < 0 unknown */
	double price_out[ROLE_N];   /* ... completion tokens */
	long requests[ROLE_N];      /* attempts sent by this process */
	long tokens_in[ROLE_N];     /* prompt tokens it spent */
	long tokens_out[ROLE_N];    /* completion tokens it spent */
	long before_requests;       /* what the run's earlier processes spent */
	long probes;                /* preflight requests this process sent */
	double before_tokens;
	double before_cost;
	long held_requests;         /* attempts in flight */
	double held_tokens;         /* their reserved tokens */
	double held_cost;           /* their reserved cost */
	char why[512];              /* the message of the cap that stopped the run */
};

/* Tokens in a prompt of this many bytes, generously (3 bytes a token), for
 * reservations. */
long budget_estimate_tokens(size_t bytes);

/* Reserve one attempt of role with these estimates: NULL, or the message
 * saying which cap it would cross (kept in b->why). */
const char *budget_reserve(struct budget *b, int role, long prompt_est, long completion_cap);
/* One preflight probe, outside the roles' accounts: NULL and counted, or
 * the message of --max-requests, which it would cross (its tokens are a
 * handful, and not counted). */
const char *budget_reserve_probe(struct budget *b);
/* The attempt reserved with these figures has ended: release it. */
void budget_release(struct budget *b, int role, long prompt_est, long completion_cap);
/* A reply used these tokens (as the endpoint reported them, or estimated
 * when it did not). */
void budget_spend(struct budget *b, int role, long prompt, long completion);
/* Prompt and completion tokens of role, at its prices (-1 unknown). */
double budget_price(const struct budget *b, int role, double prompt, double completion);

#endif

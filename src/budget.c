/*
 * budget.c - spending caps by reservation (see budget.h).
 */
#include "aw/budget.h"

#include <stdio.h>

long budget_estimate_tokens(size_t bytes)
{
	return (long)(bytes / 3) + 1;
}

double budget_price(const struct budget *b, int role, double prompt, double completion)
{
	if (b->price_in[role] < 0 || b->price_out[role] < 0)
		return -1;
	return (prompt * b->price_in[role] + completion * b->price_out[role]) / 1e6;
}

/* Cost of role so far in USD, or -1 when its prices are unknown. */
static double budget_cost(const struct budget *b, int role)
{
	return budget_price(b, role, (double)b->tokens_in[role], (double)b->tokens_out[role]);
}

static double spent_tokens(const struct budget *b)
{
	double t = b->before_tokens;
	for (int r = 0; r < ROLE_N; r++)
		t += (double)(b->tokens_in[r] + b->tokens_out[r]);
	return t;
}

static double spent_cost(const struct budget *b)
{
	double c = b->before_cost;
	for (int r = 0; r < ROLE_N; r++) {
		double x = budget_cost(b, r);
		c += x > 0 ? x : 0;
	}
	return c;
}

static long sent_requests(const struct budget *b)
{
	long sent = b->before_requests + b->probes;
	for (int r = 0; r < ROLE_N; r++)
		sent += b->requests[r];
	return sent;
}

static const char *requests_cap(struct budget *b, long sent)
{
	snprintf(b->why, sizeof b->why, "--max-requests %ld reached (%ld sent)", b->max_requests,
		 sent);
	return b->why;
}

const char *budget_reserve_probe(struct budget *b)
{
	long sent = sent_requests(b);
	if (b->max_requests && sent + 1 > b->max_requests)
		return requests_cap(b, sent);
	b->probes++;
	return NULL;
}

const char *budget_reserve(struct budget *b, int role, long prompt_est, long completion_cap)
{
	long sent = sent_requests(b);
	double tokens = (double)prompt_est + (double)completion_cap;
	double cost = budget_price(b, role, (double)prompt_est, (double)completion_cap);
	if (cost < 0)
		cost = 0;
	if (b->max_requests && sent + 1 > b->max_requests)
		return requests_cap(b, sent);
	if (b->max_tokens && spent_tokens(b) + b->held_tokens + tokens > (double)b->max_tokens) {
		snprintf(b->why, sizeof b->why,
			 "--max-tokens %ld would be crossed by the next request (%.0f spent, %.0f "
			 "held by requests in flight, up to %.0f more for the next)",
			 b->max_tokens, spent_tokens(b), b->held_tokens, tokens);
		return b->why;
	}
	if (b->max_cost > 0 && spent_cost(b) + b->held_cost + cost > b->max_cost) {
		snprintf(b->why, sizeof b->why,
			 "--max-cost %.2f would be crossed by the next request ($%.4f spent, "
			 "$%.4f held by requests in flight, up to $%.4f more for the next)",
			 b->max_cost, spent_cost(b), b->held_cost, cost);
		return b->why;
	}
	b->requests[role]++;
	b->held_requests++;
	b->held_tokens += tokens;
	b->held_cost += cost;
	return NULL;
}

void budget_release(struct budget *b, int role, long prompt_est, long completion_cap)
{
	double tokens = (double)prompt_est + (double)completion_cap;
	double cost = budget_price(b, role, (double)prompt_est, (double)completion_cap);
	b->held_requests--;
	b->held_tokens -= tokens;
	b->held_cost -= cost > 0 ? cost : 0;
	if (b->held_requests <= 0) { /* no drift from rounding */
		b->held_requests = 0;
		b->held_tokens = 0;
		b->held_cost = 0;
	}
}

void budget_spend(struct budget *b, int role, long prompt, long completion)
{
	b->tokens_in[role] += prompt;
	b->tokens_out[role] += completion;
}

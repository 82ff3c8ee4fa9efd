/*
 * judge.c - the tournament (see judge.h for what it does and why).
 *
 * A struct tourney holds one generation's state: which stories are in play,
 * how many matches each has played and has in flight, how often each pair
 * has met, and the current estimates.  fill() tops the window up with new
 * matches; every verdict, and every story that arrives, updates the state,
 * refits now and then, checks whether the top K has settled, and calls
 * fill() again.  The budget grows with the stories in play (--judge-budget
 * halves of a match each), so stories written late still get theirs.  In
 * the deterministic modes fill() is replaced by one whole round at a time,
 * with the end of its matches as the barrier.
 */
#include "aw/judge.h"
#include "aw/bt.h"
#include "aw/elo.h"
#include "aw/llm.h"
#include "aw/pairing.h"
#include "aw/resume.h"
#include "aw/template.h"
#include "aw/util.h"
#include "aw/verdict.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SEPARATED_Z 0.5     /* "separated": the K-th story's strength is
			     * above the (K+1)-th's by at least this many
			     * standard errors of their difference */

struct tourney {
	struct run *run;         /* the run */
	struct population *pop;  /* the stories judged */
	size_t n;                /* pop->n */
	size_t k;                /* the top K that selection will take */
	int *gi;                 /* story -> index in run->ratings */
	int *load;               /* matches in flight per story */
	unsigned char *avail;    /* PAIR_READY, PAIR_PENDING or PAIR_LOST */
	size_t pending;          /* stories still being written */
	size_t ready;            /* stories in play */
	int *played;             /* matches finished per story */
	unsigned short *met;     /* n*n: times each pair was matched */
	double *theta;           /* current strength per story (logits) */
	double *se;              /* its standard error (cheap estimate) */
	double *u;               /* P(on the wrong side of the top-K line) */
	unsigned char *top;      /* current top-K membership */
	struct match_list *ml;   /* the matches, in creation order */
	struct bout **bouts;     /* the same matches while judged (owned) */
	size_t nbouts, capbouts;
	struct bout **lost;      /* matches whose request failed, to ask again
				  * when the window has nothing better to do */
	size_t nlost, caplost;
	size_t target;           /* most matches this generation */
	size_t in_flight;        /* matches waiting for their outcome */
	size_t finished;         /* matches with their outcome */
	size_t since_fit;        /* outcomes since the last refit */
	size_t refit_every;      /* outcomes between refits (async mode) */
	size_t stable_since;     /* verdicts when the top K last changed */
	double separation;       /* K-th minus (K+1)-th, in standard errors */
	int early_stop;          /* may stop before the budget */
	int stopped;             /* no more matches: *stop says why */
	const char *stop;
	int round;               /* current round (deterministic modes) */
	int async;               /* pair as verdicts arrive */
	int gen;                 /* the generation judged */
	unsigned char *busy;     /* stories not to pair this round */
	int running;             /* judge_run() has begun */
	int informed;            /* the last refit had verdicts of this
				  * generation */
	long per_story;          /* --judge-budget, or --rounds */
	long calls;              /* judge requests sent */
	struct judge_hooks hooks;
};

/* ------------------------------------------------------------- estimates */

static double norm_cdf(double x)
{
	return 0.5 * erfc(-x / sqrt(2.0));
}

static void stop(struct tourney *t, const char *why);

/* Refit the run's ratings and refresh theta, se, u and the top K. */
static void refit(struct tourney *t)
{
	struct bt_ratings *r = &t->run->ratings;
	size_t n = t->n;
	double *se_all = xmalloc((r->n ? r->n : 1) * sizeof *se_all);
	bt_refit(r, se_all, 0, NULL);
	t->informed = t->finished > 0;
	for (size_t i = 0; i < n; i++) {
		t->theta[i] = r->theta[t->gi[i]];
		t->se[i] = se_all[t->gi[i]];
	}
	free(se_all);
	t->since_fit = 0;

	/* The top K by theta among the stories not lost, and the line
	 * between K and K+1. */
	size_t *order = xmalloc((n ? n : 1) * sizeof *order), m = 0;
	for (size_t i = 0; i < n; i++)
		if (t->avail[i] != PAIR_LOST)
			order[m++] = i;
	for (size_t i = 1; i < m; i++) { /* insertion sort: n is small */
		size_t v = order[i], j = i;
		while (j > 0 && t->theta[order[j - 1]] < t->theta[v])
			order[j] = order[j - 1], j--;
		order[j] = v;
	}
	size_t k = t->k < m ? t->k : m;
	memset(t->top, 0, n);
	for (size_t i = 0; i < k; i++)
		t->top[order[i]] = 1;
	double line = k && k < m ? (t->theta[order[k - 1]] + t->theta[order[k]]) / 2 : -INFINITY;
	t->separation = INFINITY;
	if (k && k < m) {
		size_t a = order[k - 1], b = order[k];
		double var = bt_contrast_var(&t->run->ratings, t->gi[a], t->gi[b]);
		t->separation = var > 0 ? (t->theta[a] - t->theta[b]) / sqrt(var) : INFINITY;
	}
	for (size_t i = 0; i < n; i++)
		t->u[i] = k && k < m && t->avail[i] != PAIR_LOST ?
				  norm_cdf(-fabs(t->theta[i] - line) / t->se[i]) : 0;
	free(order);
}

/* After a refit: has the top K been the same, and separated from the
 * rest, for long enough?  "Long enough" is n verdicts (two matches per
 * story) with the same top K, after at least 2n verdicts in all. */
static void check_stop(struct tourney *t, const unsigned char *before)
{
	if (!t->early_stop || t->stopped)
		return;
	size_t n = t->n;
	int settled = memcmp(before, t->top, n) == 0 && t->separation >= SEPARATED_Z &&
		      !t->pending;
	for (size_t i = 0; i < n; i++)
		if (t->avail[i] == PAIR_READY && t->played[i] < 2)
			settled = 0;
	if (!settled) {
		t->stable_since = t->finished;
		return;
	}
	if (t->finished >= 2 * t->ready && t->finished - t->stable_since >= t->ready)
		stop(t, "stable");
}

static void refit_and_check(struct tourney *t)
{
	unsigned char *before = xmalloc(t->n ? t->n : 1);
	memcpy(before, t->top, t->n);
	refit(t);
	check_stop(t, before);
	free(before);
}

/* --------------------------------------------------------------- matches */

/* A match while it is judged: its record (in the tournament's match list)
 * and what judging it needs.  The tournament owns its bouts. */
struct bout {
	struct match *m;         /* the record, owned by the match list */
	struct tourney *t;       /* the tournament it belongs to */
	struct story *a, *b;     /* its stories, a shown first */
	size_t ia, ib;           /* their indices in the population */
	size_t index;            /* creation order */
	char *prompt;            /* the rendered judge prompt, while asked */
	char *first_reply;       /* a reply without a verdict, for the follow-up */
	int lost_tries;          /* times asked again after a failed request */
};

static void ask(struct bout *b);

static void finished(struct bout *b);

static void fill(struct tourney *t);

static enum http_outcome on_text(void *ctx, const struct llm_reply *reply, char *why,
				 size_t whylen)
{
	struct bout *b = ctx;
	struct match *m = b->m;
	struct run *run = b->t->run;
	struct verdict v;
	(void)why;
	(void)whylen;
	if (verdict_parse(reply->content, &v) == 0) {
		free(m->error); /* a failed request asked again has its verdict */
		m->error = NULL;
		m->winner = v.winner;
		m->reason = v.reason;
		if (!m->reason && b->first_reply)
			m->reason = xstrdup(b->first_reply); /* reasoning came first */
		if (reply->logprobs) {
			if (verdict_logprob(reply->logprobs, &v, &m->p_a) == 0) {
				m->has_p = 1;
				run->soft_verdicts++;
			}
		} else if (run->opt->logprobs != LOGPROBS_OFF && !run->logprobs_refused) {
			run->logprobs_absent++;
		}
		finished(b);
		return HTTP_OK;
	}
	int replies = m->asks - b->lost_tries; /* failed requests are not replies */
	if (replies < JUDGE_ASKS) {
		if (!b->first_reply)
			b->first_reply = xstrdup(reply->content);
		run->reasks++;
		ask(b);
		return HTTP_OK;
	}
	free(m->error);
	m->error = xasprintf("no verdict in %d judge replies", replies);
	finished(b);
	return HTTP_OK;
}

/* Ask again the matches whose requests failed, while the window has room
 * (in the barrier-free mode fill() calls this only once it has no new
 * match to start, so they come after the rest: later in the generation). */
static void retry_lost(struct tourney *t)
{
	while (t->nlost && http_pending(t->run->http) < t->run->opt->concurrency) {
		struct bout *b = t->lost[--t->nlost];
		ask(b);
	}
}

/* b is to be asked again when the window has room. */
static void queue_lost(struct tourney *t, struct bout *b)
{
	if (t->nlost == t->caplost) {
		t->caplost = t->caplost ? t->caplost * 2 : 16;
		t->lost = xrealloc(t->lost, t->caplost * sizeof *t->lost);
	}
	t->lost[t->nlost++] = b;
}

/* The request failed for good (the HTTP client retried it): that is not a
 * verdict.  The match is asked again later, JUDGE_LOST_ASKS times; then it
 * is recorded as lost. */
static void on_fail(void *ctx, const char *why)
{
	struct bout *b = ctx;
	struct tourney *t = b->t;
	free(b->m->error);
	b->m->error = xasprintf("judge request failed: %s", why);
	if (b->lost_tries < JUDGE_LOST_ASKS) {
		b->lost_tries++;
		queue_lost(t, b);
		if (t->async && t->running)
			fill(t);
		else
			retry_lost(t);
		return;
	}
	b->m->lost = 1;
	finished(b);
}

/* Ask for logprobs unless the user said no, or the endpoint showed it will
 * not give them (then auto stops asking; on keeps asking). */
static int want_logprobs(const struct run *run)
{
	if (run->opt->logprobs == LOGPROBS_OFF || run->logprobs_refused)
		return 0;
	if (run->opt->logprobs == LOGPROBS_AUTO && run->logprobs_absent >= 3 && !run->soft_verdicts)
		return 0;
	return 1;
}

/* Send the judge request for b: the judge prompt, or after a reply with no
 * verdict, that conversation plus the follow-up. */
static void ask(struct bout *b)
{
	struct run *run = b->t->run;
	const struct options *o = run->opt;
	char id[32];
	snprintf(id, sizeof id, "g%d-match-%zu", b->a->born, b->index);
	struct llm_request req = {
		.model = o->judge_model,
		.temperature = o->judge_temperature,
		.top_p = o->top_p,
		.max_tokens = o->judge_max_tokens,
		.token_param = o->token_param,
		.has_seed = 1,
		/* a match asked again after a failed request is the same
		 * question: the same seed */
		.seed = run_request_seed(run, id, b->m->asks - b->lost_tries),
		.msg = { { "user", b->prompt } },
		.nmsg = 1,
		.top_logprobs = want_logprobs(run) ? JUDGE_TOP_LOGPROBS : 0,
		.logprobs_refused = o->logprobs == LOGPROBS_AUTO ? &run->logprobs_refused : NULL,
		.sent = &b->t->calls,
		.endpoint = run->judge_endpoint,
		.role = ROLE_JUDGE,
		.role_name = "judge",
		.key_sent = o->judge_api_key != NULL,
		.extra = o->judge_extra_body,
		.budget = &run->budget,
	};
	if (b->first_reply) {
		req.msg[1] = (struct llm_message){ "assistant", b->first_reply };
		req.msg[2] = (struct llm_message){ "user", run->texts.reask };
		req.nmsg = 3;
	}
	b->m->asks++;
	llm_ask(run->http, &req, &run->judge_usage, on_text, on_fail, b);
}

/* Put a match between stories i (shown first) and j on the list. */
static struct bout *add_match(struct tourney *t, size_t i, size_t j)
{
	struct bout *b = xcalloc(1, sizeof *b);
	struct match *m = match_new();
	b->m = m;
	b->t = t;
	b->a = t->pop->v[i];
	b->b = t->pop->v[j];
	b->ia = i;
	b->ib = j;
	b->index = t->ml->n;
	m->a = xstrdup(b->a->id);
	m->b = xstrdup(b->b->id);
	m->gen = t->gen;
	m->round = t->async ? 0 : t->round;
	match_list_add(t->ml, m);
	if (t->nbouts == t->capbouts) {
		t->capbouts = t->capbouts ? t->capbouts * 2 : 64;
		t->bouts = xrealloc(t->bouts, t->capbouts * sizeof *t->bouts);
	}
	t->bouts[t->nbouts++] = b;
	t->load[i]++;
	t->load[j]++;
	t->met[i * t->n + j]++;
	t->met[j * t->n + i]++;
	t->in_flight++;
	return b;
}

/* A new match between i and j: who is shown first is a coin flip. */
static struct bout *new_match(struct tourney *t, size_t i, size_t j)
{
	struct run *run = t->run;
	const struct texts *tx = &run->texts;
	if (rng_below(&run->rng, 2)) {
		size_t s = i;
		i = j;
		j = s;
	}
	struct bout *b = add_match(t, i, j);
	b->prompt = judge_prompt(tx->judge, tx->prompt, tx->rubric, &run->rng, b->a->text,
				 b->b->text);
	return b;
}

char *judge_prompt(const char *tmpl, const char *prompt, const char *rubric, struct rng *r,
		   const char *first, const char *second)
{
	char *fa = template_fence(r, "STORY A", first);
	char *fb = template_fence(r, "STORY B", second);
	struct tmpl_var vars[] = {
		{ "prompt", prompt }, { "rubric", rubric },
		{ "story_a", fa }, { "story_b", fb },
	};
	char *out = template_render(tmpl, vars, AW_ARRAY_LEN(vars));
	free(fa);
	free(fb);
	return out;
}

static void fill(struct tourney *t);

/* b has its outcome: count it and give the verdict to the fit.  A verdict
 * replayed from the journal was counted in usage by the run that got it. */
static void book(struct bout *b, int replayed)
{
	struct tourney *t = b->t;
	struct run *run = t->run;
	size_t i = b->ia, j = b->ib;
	free(b->prompt);
	b->prompt = NULL;
	t->load[i]--;
	t->load[j]--;
	t->played[i]++;
	t->played[j]++;
	t->in_flight--;
	t->finished++;
	if (b->m->winner)
		bt_add(&run->ratings, t->gi[i], t->gi[j], match_outcome(b->m));
	if (b->m->lost && !replayed)
		run->judge_lost++;
	progress_match(&run->progress, !b->m->winner);
}

/* b has its outcome from the judge: record it, and in async mode pair
 * again. */
static void finished(struct bout *b)
{
	struct tourney *t = b->t;
	book(b, 0); /* first: the journaled usage then counts this match */
	run_journal_match(t->run, b->m);
	if (t->async) {
		if (++t->since_fit >= t->refit_every)
			refit_and_check(t);
		fill(t);
	}
	if (t->stopped && t->hooks.settling)
		t->hooks.settling(t->hooks.ctx); /* a slot is free for later work */
}

/* The budget for the stories in play. */
static size_t budget_for(const struct tourney *t, size_t stories)
{
	if (t->run->opt->rounds)
		return (size_t)t->per_story * (stories / 2);
	return ((size_t)t->per_story * stories + 1) / 2;
}

static int find_story(const struct tourney *t, const char *id)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->pop->v[i]->id, id) == 0)
			return (int)i;
	return -1;
}

/* Which sides of a match between stories i and j are variants of this
 * generation, whose journaled verdicts resume.h trusts only once mapped. */
static unsigned unsure(const struct tourney *t, size_t i, size_t j)
{
	const struct story *a = t->pop->v[i], *b = t->pop->v[j];
	return (a->born == t->gen && a->parent_id ? 1u : 0u) |
	       (b->born == t->gen && b->parent_id ? 2u : 0u);
}

/* b has been given the outcome an interrupted run journaled for it. */
static void reused(struct bout *b)
{
	b->t->calls += b->m->asks; /* spent on this generation, by the run interrupted */
	book(b, 1);
}

/* A resumed run, barrier-free: put the matches the interrupted run had
 * decided back in, in their order, without asking again, and ask those it
 * lost again.  (The rounds
 * modes instead draw their rounds again and take each verdict when its
 * match comes up: see start().) */
static void replay(struct tourney *t)
{
	struct resume *res = t->run->resume;
	long k = -1;
	while (res && (k = resume_find_verdict(res, t->gen, 0, NULL, NULL, (size_t)(k + 1))) >= 0) {
		const struct match *jm = resume_verdict(res, (size_t)k);
		int ia = find_story(t, jm->a), ib = find_story(t, jm->b);
		struct match got = { 0 };
		if (ia < 0 || ib < 0 || t->ml->n >= budget_for(t, t->ready + t->pending) ||
		    !resume_take_verdict(res, (size_t)k, unsure(t, (size_t)ia, (size_t)ib), &got))
			continue;
		struct bout *b = add_match(t, (size_t)ia, (size_t)ib);
		b->m->winner = got.winner;
		b->m->has_p = got.has_p;
		b->m->p_a = got.p_a;
		b->m->reason = got.reason;
		b->m->error = got.error;
		b->m->asks = got.asks;
		reused(b);
	}
	/* A match it lost to failed requests is no verdict: each is asked
	 * again, its stories in the same order, while the budget allows. */
	k = -1;
	while (res && (k = resume_find_lost(res, t->gen, (size_t)(k + 1))) >= 0) {
		const struct match *jm = resume_verdict(res, (size_t)k);
		int ia = find_story(t, jm->a), ib = find_story(t, jm->b);
		if (ia < 0 || ib < 0 || t->ml->n >= budget_for(t, t->ready + t->pending) ||
		    !resume_take_lost(res, (size_t)k, unsure(t, (size_t)ia, (size_t)ib)))
			continue;
		struct bout *b = add_match(t, (size_t)ia, (size_t)ib);
		const struct texts *tx = &t->run->texts;
		b->prompt = judge_prompt(tx->judge, tx->prompt, tx->rubric, &t->run->rng,
					 b->a->text, b->b->text);
		queue_lost(t, b);
	}
}

/* Start b in a round: with the verdict the journal holds for the same
 * round and the same stories in the same order, if a resumed run has one,
 * else by asking the judge.  The rounds are drawn exactly as the
 * interrupted run drew them (the same seed, the same verdicts before), so
 * a resumed run in the rounds modes plays the same matches and gets the
 * same ratings as one never interrupted. */
static void start(struct bout *b)
{
	struct tourney *t = b->t;
	struct resume *res = t->run->resume;
	long k = -1;
	while (res && (k = resume_find_verdict(res, t->gen, b->m->round, b->m->a, b->m->b,
					       (size_t)(k + 1))) >= 0)
		if (resume_take_verdict(res, (size_t)k, unsure(t, b->ia, b->ib), b->m)) {
			reused(b);
			return;
		}
	ask(b);
}

/* ---------------------------------------------------------------- pairing */

static struct pairing_state pairing_of(const struct tourney *t)
{
	return (struct pairing_state){ t->n, t->run->opt->pairing, t->theta, t->u, t->top,
				       t->met, t->played, t->load, t->busy, t->avail };
}

/* The tournament will start no more matches. */
static void stop(struct tourney *t, const char *why)
{
	t->stopped = 1;
	t->stop = why;
	if (t->hooks.settling)
		t->hooks.settling(t->hooks.ctx);
}

/* Async mode: start matches while the window has room and the budget
 * allows.  The budget counts the stories in play, so while some are still
 * being written it waits for them rather than stop. */
static void fill(struct tourney *t)
{
	long window = t->run->opt->concurrency;
	size_t n = t->ready ? t->ready : 1;
	/* A story may be in several matches at once when the window is wider
	 * than half the population, or the window could not fill; one more
	 * than the least that fills it leaves a choice of opponents. */
	int cap = (int)((2 * window + (long)n - 1) / (long)n) + 1;
	struct pairing_state ps = pairing_of(t);
	size_t i, j;
	while (!t->stopped && http_pending(t->run->http) < window) {
		if (t->ml->n >= t->target) {
			if (!t->pending)
				stop(t, "budget");
			break;
		}
		if (!pairing_next(&ps, &t->run->rng, cap, &i, &j))
			break; /* everyone is busy: wait for a verdict */
		ask(new_match(t, i, j));
	}
	retry_lost(t);
}

/* Deterministic modes: pair every story once. */
static void one_round(struct tourney *t)
{
	run_reseed(t->run, t->gen, 2 + t->round);
	struct pairing_state ps = pairing_of(t);
	size_t *pairs = xmalloc((t->n + 1) * sizeof *pairs);
	size_t np = pairing_round(&ps, &t->run->rng, t->round == 1, pairs);
	for (size_t k = 0; k < np; k++)
		start(new_match(t, pairs[2 * k], pairs[2 * k + 1]));
	free(pairs);
}

/* ------------------------------------------------------------ the whole */

/* Elo in match order, and the final rating of each story. */
static void rate(struct tourney *t, struct judging *sum)
{
	struct run *run = t->run;
	for (size_t k = 0; k < t->nbouts; k++) {
		struct bout *b = t->bouts[k];
		if (!b->m->winner)
			continue;
		struct story *w = b->m->winner == 'A' ? b->a : b->b;
		struct story *l = b->m->winner == 'A' ? b->b : b->a;
		elo_update(&b->a->elo, &b->b->elo, match_outcome(b->m), ELO_K);
		w->wins++;
		l->losses++;
		w->matches++;
		l->matches++;
	}
	struct bt_ratings *r = &run->ratings;
	double *se = xmalloc((r->n ? r->n : 1) * sizeof *se);
	bt_refit_cold(r, se, 1, &sum->bias_se); /* the same after a resume */
	for (size_t i = 0; i < t->n; i++) {
		struct story *s = t->pop->v[i];
		int g = t->gi[i];
		s->rating = bt_to_rating(r->theta[g]);
		s->rating_lo = bt_to_rating(r->theta[g] - 1.96 * se[g]);
		s->rating_hi = bt_to_rating(r->theta[g] + 1.96 * se[g]);
		s->rated = 1;
	}
	sum->bias = r->h;
	free(se);
}

static void set_target(struct tourney *t)
{
	t->target = budget_for(t, t->ready);
	progress_matches(&t->run->progress, (long)budget_for(t, t->ready + t->pending));
}

struct tourney *judge_new(struct run *run, int gen, struct population *pop,
			  struct match_list *out, const struct judge_hooks *hooks)
{
	const struct options *o = run->opt;
	struct tourney *t = xcalloc(1, sizeof *t);
	size_t n = pop->n, m = n ? n : 1;

	memset(out, 0, sizeof *out);
	t->run = run;
	t->pop = pop;
	t->n = n;
	t->k = (size_t)o->top < n ? (size_t)o->top : n;
	t->ml = out;
	t->gi = xmalloc(m * sizeof *t->gi);
	t->load = xcalloc(m, sizeof *t->load);
	t->avail = xcalloc(m, 1);
	t->played = xcalloc(m, sizeof *t->played);
	t->met = xcalloc(m * m, sizeof *t->met);
	t->theta = xcalloc(m, sizeof *t->theta);
	t->se = xcalloc(m, sizeof *t->se);
	t->u = xcalloc(m, sizeof *t->u);
	t->top = xcalloc(m, 1);
	t->busy = xcalloc(m, 1);
	t->async = !o->rounds && !o->deterministic;
	t->early_stop = !o->rounds && !o->no_early_stop;
	t->per_story = o->rounds ? o->rounds : o->judge_budget;
	t->refit_every = n / 4 > 2 ? n / 4 : 2;
	t->gen = gen;
	if (hooks)
		t->hooks = *hooks;

	/* Parents are known already; a variant starts from its parent. */
	for (size_t i = 0; i < n; i++) {
		struct story *s = pop->v[i];
		int parent = s->parent_id ? bt_find(&run->ratings, s->parent_id) : -1;
		t->gi[i] = bt_register(&run->ratings, s->id,
				       parent >= 0 ? run->ratings.theta[parent] : 0.0);
		t->avail[i] = s->text ? PAIR_READY : s->error ? PAIR_LOST : PAIR_PENDING;
		t->ready += t->avail[i] == PAIR_READY;
		t->pending += t->avail[i] == PAIR_PENDING;
	}
	set_target(t);
	return t;
}

void judge_story(struct tourney *t, const struct story *s)
{
	size_t i = 0;
	while (i < t->n && t->pop->v[i] != s)
		i++;
	if (i == t->n || t->avail[i] != PAIR_PENDING) {
		/* Not one of this tournament's, but its slot is free. */
		if (t->async && t->running)
			fill(t);
		return;
	}
	t->pending--;
	if (s->text) {
		t->avail[i] = PAIR_READY;
		t->ready++;
	} else {
		t->avail[i] = PAIR_LOST;
	}
	set_target(t);
	if (t->async && t->running)
		fill(t);
}

/* http_run_until() conditions. */
static int all_in(void *arg)
{
	return ((struct tourney *)arg)->pending == 0;
}

static int round_over(void *arg)
{
	return ((struct tourney *)arg)->in_flight == 0;
}

/* Every story is in, nothing is in flight, and the budget is spent (or
 * the tournament stopped early, or too few stories are left to pair). */
static int over(void *arg)
{
	struct tourney *t = arg;
	return t->pending == 0 && t->in_flight == 0 && (t->stopped || t->ready < 2);
}

/* Every request ended while stories were still awaited: a bug, said
 * plainly rather than a generation judged without them. */
static enum http_result never_sent(struct tourney *t)
{
	char msg[128];
	snprintf(msg, sizeof msg, "internal error: generation %d: %zu stories were never written",
		 t->gen, t->pending);
	http_abort(t->run->http, msg);
	return HTTP_STOPPED;
}

enum http_result judge_run(struct tourney *t)
{
	struct run *run = t->run;
	const struct options *o = run->opt;
	enum http_result res = HTTP_DONE;

	/* The reproducible modes pair whole rounds: every story first. */
	if (!t->async && t->pending) {
		res = http_run_until(run->http, all_in, t);
		if (res == HTTP_DONE && t->pending)
			return never_sent(t);
		if (res != HTTP_DONE)
			return res;
	}
	run_reseed(run, t->gen, 1);
	set_target(t);
	if (t->async)
		replay(t);
	refit(t);
	t->running = 1;
	if (t->async) {
		/* Every request that ends frees a slot and pairs again
		 * (finished(), judge_story()), whoever sent it. */
		fill(t);
		res = http_run_until(run->http, over, t);
		if (res == HTTP_DONE && t->pending)
			return never_sent(t);
		if (!t->stop)
			t->stop = "budget";
		return res;
	}

	/* Random rounds do not depend on verdicts: draw them all and send
	 * them together, with no barrier (the paper's scheme, fast). */
	int at_once = o->rounds && o->pairing == PAIR_RANDOM;
	const char *why = o->rounds ? "rounds" : "budget";
	for (t->round = 1; t->round <= t->per_story && res == HTTP_DONE && !t->stopped;
	     t->round++) {
		/* The stories that could not be written sit out. */
		for (size_t i = 0; i < t->n; i++)
			t->busy[i] = t->avail[i] != PAIR_READY;
		one_round(t);
		if (t->round == t->per_story && !at_once)
			stop(t, why);
		if (!at_once) {
			res = http_run_until(run->http, round_over, t);
			refit_and_check(t);
		}
	}
	if (at_once) {
		stop(t, why);
		res = http_run_until(run->http, round_over, t);
	}
	if (!t->stop)
		t->stop = why;
	return res;
}

size_t judge_likely_top(const struct tourney *t, double max_u, const struct story **out)
{
	if (!t->informed)
		return 0; /* the estimates hold none of this generation's verdicts */
	size_t *idx = xmalloc((t->k ? t->k : 1) * sizeof *idx), k = 0;
	for (size_t i = 0; i < t->n && k < t->k; i++) {
		if (!t->top[i] || t->avail[i] != PAIR_READY || t->u[i] >= max_u)
			continue;
		size_t j = k++; /* insertion by theta, best first */
		while (j > 0 && t->theta[idx[j - 1]] < t->theta[i])
			idx[j] = idx[j - 1], j--;
		idx[j] = i;
	}
	for (size_t j = 0; j < k; j++)
		out[j] = t->pop->v[idx[j]];
	free(idx);
	return k;
}

void judge_end(struct tourney *t, enum http_result res, struct population *failed,
	       struct judging *sum)
{
	const struct options *o = t->run->opt;
	struct population *pop = t->pop;
	memset(sum, 0, sizeof *sum);
	if (res == HTTP_DONE)
		rate(t, sum);
	/* The stories that could not be written leave the population. */
	size_t m = 0;
	for (size_t i = 0; i < pop->n; i++) {
		if (t->avail[i] == PAIR_LOST)
			population_add(failed, pop->v[i]);
		else
			pop->v[m++] = pop->v[i];
	}
	pop->n = m;
	if (res == HTTP_DONE)
		population_rank(pop, o->rank_by == RANK_BT);
	sum->calls = t->calls;
	sum->matches = (long)t->ml->n;
	sum->budget = (long)t->target;
	sum->stop = t->stop;
	for (size_t k = 0; k < t->ml->n; k++) {
		sum->soft += t->ml->v[k]->has_p;
		sum->lost += t->ml->v[k]->lost;
	}

	free(t->gi);
	free(t->load);
	free(t->avail);
	free(t->played);
	free(t->met);
	free(t->theta);
	free(t->se);
	free(t->u);
	free(t->top);
	free(t->busy);
	for (size_t k = 0; k < t->nbouts; k++) {
		free(t->bouts[k]->prompt);
		free(t->bouts[k]->first_reply);
		free(t->bouts[k]);
	}
	free(t->bouts);
	free(t->lost);
	free(t);
}

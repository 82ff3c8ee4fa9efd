/*
 * extender.c - lengthening stories by Self-Lengthen (see extender.h).
 *
 * Each story being lengthened is one job, a small state machine: the round
 * and its try, the stage (expand, then continue), the part and the ask.  A
 * job has at most one request in flight, and the next request is sent from
 * the reply of the one before, in the slot that reply freed, so a job takes
 * one place in the request window for as long as it runs.
 *
 * Every decision is a function of the replies alone (the filters, the kept
 * share, the plan of the parts), so that a resumed run, fed the journaled
 * replies in order, walks through exactly the same states and asks again
 * only for what it had not received.  step() is that loop: it takes the
 * journal's reply for the request the job is at, if there is one, and sends
 * the request otherwise.
 */
#include "aw/extender.h"
#include "aw/codec.h"
#include "aw/lengthen.h"
#include "aw/llm.h"
#include "aw/resume.h"
#include "aw/rng.h"
#include "aw/template.h"
#include "aw/util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct xjob {
	struct extender *x;       /* the extender it belongs to */
	struct xjob *prev, *next; /* in x->jobs */
	struct story *s;          /* the story (borrowed) */
	char *key;                /* its request identity */
	extender_done_fn done;    /* called when it is done */
	void *ctx;
	char *text;               /* the story as its accepted rounds left it */
	long per_reply;           /* most words asked of one reply */
	long goal;                /* words a round aims at */
	int rounds;               /* rounds accepted */
	int trimmed;              /* cut to --max-words after a round */
	/* the round under way */
	int round;                /* its number, 1... */
	int attempt;              /* its try, 0... */
	long base_words;          /* words of text when it began */
	int repeated;             /* text repeated a 10-word sequence already */
	char *opening;            /* text's first half */
	long opening_words;
	int stage;                /* EXT_EXPAND or EXT_CONTINUE */
	int part;                 /* the continuation part asked for, 1... */
	int ask;                  /* the try of this request, 0... */
	long asked;               /* words asked of it */
	int last;                 /* it must end the story */
	char *so_far;             /* the expanded opening kept, and the parts */
	char *prompt;             /* of the request in flight */
};

struct extender {
	struct run *run;          /* whose texts, endpoint and journal */
	struct xjob *jobs;        /* under way */
};

/* ---------------------------------------------------------------- pure */

long extender_goal(long n, long m)
{
	long goal = (n + m) / 2;
	if (goal > n + n / 4)
		goal = n + n / 4;
	if (goal > m)
		goal = m;
	return goal > n ? goal : n;
}

/* Words (runs of non-space characters) in [p, e). */
static long words_in(const char *p, const char *e)
{
	long n = 0;
	int in = 0;
	for (; p < e; p++) {
		int space = *p == ' ' || (*p >= '\t' && *p <= '\r');
		n += !space && !in;
		in = !space;
	}
	return n;
}

char *extender_keep(const char *text, double share)
{
	long total = text_count_words(text), target = lround(share * (double)total);
	const char *best = NULL, *from = text;
	long best_off = 0, words = 0;
	/* paragraph ends: a line end followed by a blank line */
	for (const char *p = text; *p; p++) {
		if (*p != '\n')
			continue;
		const char *q = p + 1;
		while (*q == ' ' || *q == '\t' || *q == '\r')
			q++;
		if (*q != '\n')
			continue;
		words += words_in(from, p); /* a word never spans a line end */
		from = p;
		if (words > 0 && words < total && (!best || labs(words - target) < best_off)) {
			best = p;
			best_off = labs(words - target);
		}
	}
	if (best && best_off * 4 <= target) { /* within a quarter of the target */
		size_t n = (size_t)(best - text);
		while (n > 0 && strchr(" \t\r\n", text[n - 1]))
			n--;
		return xstrndup(text, n);
	}
	return text_trim_words(text, target > 0 ? target : 1);
}

long extender_plan(long goal, long so_far, long per_reply, int part, int *last)
{
	long remaining = goal - so_far;
	long parts = remaining <= per_reply ? 1 : (remaining + per_reply - 1) / per_reply;
	if (part >= EXTEND_MAX_PARTS)
		parts = 1;
	*last = parts == 1;
	long ask = remaining > 0 ? (remaining + parts - 1) / parts : 0;
	return ask < EXTEND_MIN_PART ? EXTEND_MIN_PART : ask;
}

/* ------------------------------------------------------------- the job */

static int begin_round(struct xjob *j, int fresh);
static void step(struct xjob *j);

static void job_free(struct xjob *j)
{
	struct extender *x = j->x;
	if (j->prev)
		j->prev->next = j->next;
	else
		x->jobs = j->next;
	if (j->next)
		j->next->prev = j->prev;
	free(j->key);
	free(j->text);
	free(j->opening);
	free(j->so_far);
	free(j->prompt);
	free(j);
}

/* The job has ended; tell, and free it. */
static void finish(struct xjob *j)
{
	extender_done_fn done = j->done;
	void *ctx = j->ctx;
	struct story *s = j->s;
	job_free(j);
	done(ctx, s);
}

static void finish_ok(struct xjob *j)
{
	struct story *s = j->s;
	s->text = j->text;
	j->text = NULL;
	s->words = text_count_words(s->text);
	s->extensions = j->rounds;
	s->trimmed |= j->trimmed;
	run_journal_story(j->x->run, s);
	finish(j);
}

static void fail(struct xjob *j, int fresh, char *why)
{
	struct story *s = j->s;
	free(s->text);
	s->text = NULL;
	free(s->error);
	s->error = why;
	if (fresh)
		j->x->run->ext.failed++;
	finish(j);
}

/* Where the job is, as a journal part names it. */
static void place(const struct xjob *j, struct ext_part *p)
{
	memset(p, 0, sizeof *p);
	p->gen = j->s->born;
	p->id = j->s->parent_id ? NULL : j->s->id;
	p->parent_id = j->s->parent_id;
	p->variant = j->s->variant;
	p->round = j->round;
	p->attempt = j->attempt;
	p->stage = j->stage;
	p->part = j->part;
	p->ask = j->ask;
}

static void journal(struct xjob *j, const struct ext_part *p)
{
	run_journal_part(j->x->run, p);
}

/* The opening to expand and the words to ask for it: the story's first
 * half, but no more than half of what one reply holds, so that its
 * expansion fits in one reply. */
static void plan_expand(struct xjob *j)
{
	long max = j->x->run->opt->max_words;
	free(j->opening);
	j->opening = xstrndup(j->text, lengthen_first_half(j->text));
	j->opening_words = text_count_words(j->opening);
	if (4 * j->opening_words < j->base_words || 2 * j->opening_words > j->per_reply) {
		/* few paragraphs (the title one of them), or too long for one
		 * reply: about half of the words, or of a reply */
		long want = j->base_words / 2 < j->per_reply / 2 ? j->base_words / 2 : j->per_reply / 2;
		free(j->opening);
		j->opening = extender_keep(j->text, (double)want / (double)j->base_words);
		j->opening_words = text_count_words(j->opening);
	}
	/* twice the opening, as much as one reply holds, and at least enough
	 * to pass the growth filter */
	long e = 2 * j->opening_words;
	if (e > j->per_reply)
		e = j->per_reply;
	if (e < j->opening_words * 3 / 2)
		e = j->opening_words * 3 / 2;
	if (e > max)
		e = max;
	j->asked = e < EXTEND_MIN_PART ? EXTEND_MIN_PART : e;
}

/* A try of the current round, from its start. */
static void start_try(struct xjob *j)
{
	j->base_words = text_count_words(j->text);
	j->repeated = lengthen_repeats(j->text, LENGTHEN_REPEAT_WORDS);
	free(j->so_far);
	j->so_far = NULL;
	j->stage = EXT_EXPAND;
	j->part = 0;
	j->ask = 0;
	j->last = 0;
	plan_expand(j);
}

/* What a reply of `words` words, asked for j->asked, says of how much one
 * reply holds: a reply that stopped well short of what was asked, on a
 * sentence end (on purpose, not cut off), lowers the estimate (at most by
 * half, so that one odd reply does not ruin it); a longer one raises it.
 * A function of the replies, so a resumed run estimates alike. */
static void learn(struct xjob *j, const char *reply, long words)
{
	if (words > j->per_reply) {
		j->per_reply = words;
	} else if (5 * words < 4 * j->asked && lengthen_ends_terminal(reply)) {
		long half = j->per_reply / 2;
		j->per_reply = words > half ? words : half;
		if (j->per_reply < EXTEND_MIN_PART)
			j->per_reply = EXTEND_MIN_PART;
	}
}

/* The current round was rejected (reason r): try it again, or fail. */
static int retry_round(struct xjob *j, enum lengthen_reject r, int fresh)
{
	if (++j->attempt < EXTEND_ROUND_TRIES) {
		if (fresh)
			j->x->run->ext.retried_rounds++;
		start_try(j);
		return 1;
	}
	fail(j, fresh,
	     xasprintf("could not lengthen the story past %ld words: round %d was rejected %d times "
		       "(last: %s)",
		       j->base_words, j->round, EXTEND_ROUND_TRIES, lengthen_reason(r)));
	return 0;
}

/* The round's last part is in: check the whole. */
static int end_round(struct xjob *j, int fresh)
{
	long max = j->x->run->opt->max_words;
	char *result = j->so_far;
	int trimmed = 0;
	j->so_far = NULL;
	if (text_count_words(result) > max) {
		char *cut = text_trim_words(result, max);
		free(result);
		result = cut;
		trimmed = 1;
	}
	enum lengthen_reject why = lengthen_check(result, j->base_words);
	if (why == LENGTHEN_REPEATS && j->repeated)
		why = LENGTHEN_OK; /* the story said it twice before the round began */
	if (why != LENGTHEN_OK) {
		if (fresh)
			j->x->run->ext.rejected[why]++;
		free(result);
		return retry_round(j, why, fresh);
	}
	free(j->text);
	j->text = result;
	j->trimmed |= trimmed;
	j->rounds++;
	return begin_round(j, fresh);
}

/* Plan the next continuation part. */
static void plan(struct xjob *j)
{
	j->ask = 0;
	j->asked = extender_plan(j->goal, text_count_words(j->so_far), j->per_reply, j->part,
				 &j->last);
}

/* Take a reply (fresh: just received, else from the journal).  Returns 1
 * when the job needs another request, 0 when it has ended (and is freed). */
static int consume(struct xjob *j, const char *reply, int fresh)
{
	struct run *run = j->x->run;
	enum lengthen_reject why = LENGTHEN_OK;
	char *clean = lengthen_strip_meta(reply);
	if (!clean)
		why = LENGTHEN_META;
	else if (fresh && text_count_words(clean) != text_count_words(reply))
		run->ext.stripped++;
	long words = clean ? text_count_words(clean) : 0;
	if (clean)
		learn(j, clean, words);
	if (j->stage == EXT_EXPAND) {
		if (!why && !j->repeated && lengthen_repeats(clean, LENGTHEN_REPEAT_WORDS))
			why = LENGTHEN_REPEATS;
		if (!why && !lengthen_grew(j->opening_words, words))
			why = LENGTHEN_TOO_SHORT;
		if (!why) {
			j->so_far = extender_keep(clean, 2.0 / 3.0);
			free(clean);
			j->stage = EXT_CONTINUE;
			j->part = 1;
			plan(j);
			return 1;
		}
	} else {
		if (!why && !lengthen_ends_terminal(clean))
			why = LENGTHEN_NO_ENDING;
		if (!why && lengthen_repeats(clean, LENGTHEN_REPEAT_WORDS))
			why = LENGTHEN_REPEATS;
		if (!why && words * 3 < j->asked)
			why = LENGTHEN_TOO_SHORT;
		if (!why) {
			char *joined = lengthen_assemble(j->so_far, "", clean);
			free(j->so_far);
			free(clean);
			j->so_far = joined;
			if (j->last)
				return end_round(j, fresh);
			j->part++;
			plan(j);
			return 1;
		}
	}
	free(clean);
	if (fresh)
		run->ext.rejected[why]++;
	if (j->stage == EXT_EXPAND)
		plan_expand(j); /* what a reply holds may be known better now */
	else
		j->asked = extender_plan(j->goal, text_count_words(j->so_far), j->per_reply, j->part,
					 &j->last);
	if (++j->ask < EXTEND_ASKS)
		return 1;
	return retry_round(j, why, fresh);
}

/* The next round, or the end: 1 when a request is needed. */
static int begin_round(struct xjob *j, int fresh)
{
	const struct options *o = j->x->run->opt;
	long words = text_count_words(j->text);
	if (words >= o->min_words) {
		finish_ok(j);
		return 0;
	}
	if (j->rounds == EXTEND_ROUNDS) {
		fail(j, fresh,
		     xasprintf("could not lengthen the story to %ld words: %ld after %d rounds",
			       o->min_words, words, EXTEND_ROUNDS));
		return 0;
	}
	j->round = j->rounds + 1;
	j->attempt = 0;
	start_try(j);
	return 1;
}

/* ------------------------------------------------------------ requests */

static enum http_outcome on_text(void *ctx, const struct llm_reply *reply, char *why,
				 size_t whylen)
{
	struct xjob *j = ctx;
	struct ext_part p;
	(void)why;
	(void)whylen;
	free(j->prompt);
	j->prompt = NULL;
	place(j, &p);
	p.text = reply->content;
	journal(j, &p);
	if (consume(j, reply->content, 1))
		step(j);
	return HTTP_OK;
}

static void on_fail(void *ctx, const char *why)
{
	struct xjob *j = ctx;
	run_journal_usage(j->x->run); /* what the attempts cost */
	fail(j, 1, xasprintf("lengthening: %s", why));
}

/* The request the job is at, rendered. */
static char *render(struct xjob *j, struct rng *r)
{
	const struct texts *t = &j->x->run->texts;
	char words[32];
	snprintf(words, sizeof words, "%ld", j->asked);
	char *story = template_fence(r, "STORY", j->text);
	char *prompt;
	if (j->stage == EXT_EXPAND) {
		char *opening = template_fence(r, "OPENING", j->opening);
		struct tmpl_var vars[] = {
			{ "prompt", t->prompt ? t->prompt : "" }, { "story", story },
			{ "opening", opening }, { "words", words },
		};
		prompt = template_render(t->expand, vars, AW_ARRAY_LEN(vars));
		free(opening);
	} else {
		char *so_far = template_fence(r, "STORY SO FAR", j->so_far);
		struct tmpl_var vars[] = {
			{ "prompt", t->prompt ? t->prompt : "" }, { "story", story },
			{ "so_far", so_far }, { "words", words }, { "ending", j->last ? "yes" : "" },
		};
		prompt = template_render(t->cont, vars, AW_ARRAY_LEN(vars));
		free(so_far);
	}
	free(story);
	return prompt;
}

static void send(struct xjob *j)
{
	struct run *run = j->x->run;
	const struct options *o = run->opt;
	char *id = xasprintf("%s:x%d.%d.%c%d", j->key, j->round, j->attempt,
			     j->stage == EXT_EXPAND ? 'e' : 'c', j->part);
	struct rng r;
	rng_seed(&r, rng_mix(o->seed, run_request_seed(run, id, -1)));
	free(j->prompt);
	j->prompt = render(j, &r);
	struct llm_request req = run_writer_request(run, j->prompt, j->s->temperature,
						     j->asked * 2 + 256,
						     run_request_seed(run, id, j->ask));
	free(id);
	run->ext.requests++;
	llm_ask(run->http, &req, &run->usage, on_text, on_fail, j);
}

/* Go on: take what the journal holds for the request the job is at, and
 * send the first one it does not. */
static void step(struct xjob *j)
{
	struct resume *rs = j->x->run->resume;
	for (;;) {
		struct ext_part want;
		place(j, &want);
		char *reply = rs ? resume_take_part(rs, j->s, &want) : NULL;
		if (!reply) {
			send(j);
			return;
		}
		int more = consume(j, reply, 0);
		free(reply);
		if (!more)
			return;
	}
}

/* ------------------------------------------------------------- the API */

struct extender *extender_new(struct run *run)
{
	struct extender *x = xcalloc(1, sizeof *x);
	x->run = run;
	return x;
}

void extender_free(struct extender *x)
{
	if (!x)
		return;
	while (x->jobs)
		job_free(x->jobs);
	free(x);
}

int extender_needed(const struct extender *x, long words)
{
	return x && x->run->opt->min_words > 0 && words < x->run->opt->min_words;
}

/* A job for s with text draft; 1 when it needs a request. */
static struct xjob *job_new(struct extender *x, struct story *s, const char *key, char *draft,
			    extender_done_fn done, void *ctx)
{
	const struct options *o = x->run->opt;
	struct xjob *j = xcalloc(1, sizeof *j);
	j->x = x;
	j->s = s;
	j->key = xstrdup(key);
	j->done = done;
	j->ctx = ctx;
	j->text = draft;
	/* a reply as long as the draft is one the model can write */
	long words = text_count_words(draft);
	j->per_reply = words < o->max_words ? words : o->max_words;
	if (j->per_reply < EXTEND_MIN_PART)
		j->per_reply = EXTEND_MIN_PART;
	j->goal = extender_goal(o->min_words, o->max_words);
	j->next = x->jobs;
	if (x->jobs)
		x->jobs->prev = j;
	x->jobs = j;
	free(s->text);
	s->text = NULL;
	return j;
}

void extender_start(struct extender *x, struct story *s, const char *key, const char *draft,
		    extender_done_fn done, void *ctx)
{
	struct xjob *j = job_new(x, s, key, xstrdup(draft), done, ctx);
	struct ext_part p;
	place(j, &p);
	p.stage = EXT_DRAFT;
	p.text = j->text;
	journal(j, &p);
	if (begin_round(j, 1))
		step(j);
}

int extender_resume(struct extender *x, struct story *s, const char *key, extender_done_fn done,
		    void *ctx)
{
	struct resume *rs = x->run->resume;
	struct ext_part want = { 0 };
	want.stage = EXT_DRAFT;
	char *draft = rs ? resume_take_part(rs, s, &want) : NULL;
	if (!draft)
		return 0;
	struct xjob *j = job_new(x, s, key, draft, done, ctx);
	if (begin_round(j, 0))
		step(j);
	return 1;
}

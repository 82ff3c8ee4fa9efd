/*
 * test_verdict.c - reading the judge's verdict (src/verdict.c).
 *
 * The verdict decides Elo; a verdict invented from prose, or a default to A,
 * silently biases the whole run, so these tests hold the parser to the
 * contract of verdict.h on hand-written replies and on 31 real judge replies
 * (tests/fixtures/judge-replies.jsonl).
 */
#include "unit.h"
#include "aw/verdict.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Parse text; the winner (or 0) and the reason stay in *v for the caller,
 * which calls verdict_release(). */
static int parse(const char *text, struct verdict *v)
{
	v->winner = 'X';
	v->reason = NULL;
	return verdict_parse(text, v);
}

static void expect_winner(const char *text, char winner, const char *reason)
{
	struct verdict v;
	int rc = parse(text, &v);
	/* compare, free, then assert: a failing test leaks nothing */
	char got = v.winner;
	int reason_null = v.reason == NULL;
	int reason_ok = !reason || (v.reason && strcmp(v.reason, reason) == 0);
	if (!reason_ok)
		print_error("reason: \"%s\"\n   want: \"%s\"\n", v.reason ? v.reason : "(null)",
			    reason);
	verdict_release(&v);
	if (winner) {
		assert_int_equal(rc, 0);
		assert_int_equal(got, winner);
	} else {
		assert_int_equal(rc, -1);
		assert_int_equal(got, 0);
		assert_true(reason_null);
	}
	assert_true(reason_ok);
}

static void expect_none(const char *text)
{
	expect_winner(text, 0, NULL);
}

/* ----------------------------------------------------------- JSON forms */

static void test_bare_json_last_line(void **state)
{
	(void)state;
	expect_winner("Story A has sharper dialogue, but B's ending lands.\n{\"winner\": \"B\"}", 'B',
		      "Story A has sharper dialogue, but B's ending lands.");
	expect_winner("A is tighter and braver.\n{\"winner\": \"A\"}\n", 'A',
		      "A is tighter and braver.");
	expect_winner("{\"winner\":\"A\"}", 'A', NULL);
}

static void test_json_fence(void **state)
{
	(void)state;
	expect_winner("B is more vivid and its twist is earned.\n\n```json\n{\"winner\": \"B\"}\n```\n",
		      'B', "B is more vivid and its twist is earned.");
	/* a fence without the language tag */
	expect_winner("A wins on structure.\n```\n{\"winner\": \"A\"}\n```", 'A',
		      "A wins on structure.");
	/* upper-case language tag */
	expect_winner("A wins on structure.\n```JSON\n{ \"winner\" : \"A\" }\n```", 'A',
		      "A wins on structure.");
}

static void test_json_then_trailing_prose(void **state)
{
	(void)state;
	expect_winner("Both are good; B's voice is stronger.\n{\"winner\": \"B\"}\n"
		      "I hope this helps! Let me know if you want a longer analysis.",
		      'B', "Both are good; B's voice is stronger.");
}

static void test_json_lowercase_label(void **state)
{
	(void)state;
	expect_winner("Reasoning.\n{\"winner\": \"b\"}", 'B', "Reasoning.");
	expect_winner("Reasoning.\n{\"winner\": \"a\"}", 'A', "Reasoning.");
	expect_winner("Reasoning.\n{\"Winner\": \"B\"}", 'B', "Reasoning.");
}

static void test_json_label_with_word(void **state)
{
	(void)state;
	expect_winner("Reasoning.\n{\"winner\": \"Story B\"}", 'B', NULL);
	expect_winner("Reasoning.\n{\"winner\": \"story_a\"}", 'A', NULL);
	expect_winner("Reasoning.\n{\"winner\": \"Response A.\"}", 'A', NULL);
}

static void test_json_reason_field(void **state)
{
	(void)state;
	expect_winner("Some thinking first.\n"
		      "{\"reason\": \"B builds tension and pays it off.\", \"winner\": \"A\"}",
		      'A', "B builds tension and pays it off.");
	expect_winner("{\"winner\": \"B\", \"reasoning\": \"Tighter prose.\"}", 'B',
		      "Tighter prose.");
	/* an empty reason field falls back to the prose before the verdict */
	expect_winner("The prose before.\n{\"reason\": \"\", \"winner\": \"B\"}", 'B',
		      "The prose before.");
}

static void test_json_extra_fields_and_nested(void **state)
{
	(void)state;
	expect_winner("Scores follow.\n{\"scores\": {\"A\": 7, \"B\": 9}, \"winner\": \"B\"}", 'B',
		      "Scores follow.");
	expect_winner("Scores follow.\n{\"winner\": \"A\", \"scores\": {\"A\": {\"plot\": 9}, \"B\": {\"plot\": 3}}}",
		      'A', "Scores follow.");
	/* an object nested in the verdict is part of it, not a second verdict */
	expect_winner("Close.\n{\"winner\": \"A\", \"if_swapped\": {\"winner\": \"B\"}}", 'A',
		      "Close.");
}

static void test_nested_braces_in_prose(void **state)
{
	(void)state;
	const char *text =
		"Story B uses {curly {nested}} braces as a motif, and A quotes a config\n"
		"file {\"x\": {\"y\": [1, 2, {\"z\": null}]}} in its climax. Unbalanced { too.\n"
		"{\"winner\": \"A\"}";
	struct verdict v;
	assert_int_equal(parse(text, &v), 0);
	assert_int_equal(v.winner, 'A');
	assert_non_null(v.reason);
	assert_true(strncmp(v.reason, "Story B uses {curly {nested}}", 29) == 0);
	assert_true(tu_contains(v.reason, "Unbalanced { too."));
	verdict_release(&v);
}

/* ----------------------------------------------------------- line forms */

static void test_winner_line_forms(void **state)
{
	(void)state;
	expect_winner("A is better paced.\nWINNER: A", 'A', "A is better paced.");
	expect_winner("B is better paced.\n**Winner:** B", 'B', "B is better paced.");
	expect_winner("Close, but A.\nWinner: Story A", 'A', "Close, but A.");
	expect_winner("Close.\nwinner: story b", 'B', "Close.");
	expect_winner("Close.\n## Verdict: B", 'B', "Close.");
	expect_winner("Close.\nFinal verdict: **Story B**", 'B', "Close.");
	expect_winner("Close.\n> **Winner**: Response A", 'A', "Close.");
	expect_winner("Close.\n- Winner: [B]", 'B', "Close.");
	expect_winner("Close.\nThe winner is: Story A.", 'A', "Close.");
}

static void test_winner_line_with_prose_after_label(void **state)
{
	(void)state;
	expect_winner("Notes.\nWinner: B, for its braver ending.", 'B', "Notes.");
}

static void test_label_must_stand_alone(void **state)
{
	(void)state;
	/* "Winner: Alice" names a character, not story A. */
	expect_none("Winner: Alice, the detective, steals every scene.");
	expect_none("Verdict: B2 bomber imagery feels forced.");
	expect_none("{\"winner\": \"Alpha\"}");
	expect_none("Winners: A and B both fail the rubric.");
}

/* ------------------------------------------------------------ no verdict */

static void test_no_verdict(void **state)
{
	(void)state;
	expect_none("Both stories are competent; A has the better opening, B the better ending.");
	expect_none("");
	expect_none("{}");
	expect_none("{\"verdict\": \"undecided\"}");
	expect_none("```json\n{\"winner\": null}\n```");
}

static void test_no_verdict_never_defaults_to_a(void **state)
{
	(void)state;
	struct verdict v = { 'A', NULL, 0, 0 };
	assert_int_equal(verdict_parse("I cannot decide between them.", &v), -1);
	assert_int_equal(v.winner, 0);
	assert_null(v.reason);
	verdict_release(&v);
}

static void test_invalid_labels(void **state)
{
	(void)state;
	expect_none("Reasoning.\n{\"winner\": \"C\"}");
	expect_none("Reasoning.\n{\"winner\": \"tie\"}");
	expect_none("Reasoning.\n{\"winner\": \"\"}");
	expect_none("Reasoning.\n{\"winner\": \"A tie\"}");
	expect_none("Reasoning.\n{\"winner\": \"A or B\"}");
	expect_none("Reasoning.\n{\"winner\": 1}");
	expect_none("Reasoning.\n{\"winner\": [\"A\"]}");
	expect_none("Reasoning.\nWinner: Tie");
	expect_none("Reasoning.\nWinner: C");
}

static void test_quoted_options_one_line(void **state)
{
	(void)state;
	expect_none("I was asked to answer {\"winner\": \"A\"} or {\"winner\": \"B\"}.");
	expect_none("Both are strong.\nanswer {\"winner\": \"A\"} or {\"winner\": \"B\"}");
	/* the same line, but in the other order */
	expect_none("Reply exactly {\"winner\": \"B\"} if B is better, or {\"winner\": \"A\"} if A is.");
	/* a line verdict and a JSON verdict for the other story on one line */
	expect_none("Winner: A {\"winner\": \"B\"}");
}

static void test_quoted_options_then_decision(void **state)
{
	(void)state;
	/* quoting the instructions early does not hide a later verdict */
	expect_winner("I must answer {\"winner\": \"A\"} or {\"winner\": \"B\"}.\n"
		      "B handles grief with more restraint.\n{\"winner\": \"B\"}",
		      'B', NULL);
	/* the same label twice on one line is no conflict */
	expect_winner("Reasoning.\n{\"winner\": \"A\"} {\"winner\": \"A\"}", 'A', NULL);
}

static void test_last_verdict_wins(void **state)
{
	(void)state;
	expect_winner("First impression:\n{\"winner\": \"A\"}\n"
		      "On reflection, B's ending is earned and A's is not.\n{\"winner\": \"B\"}",
		      'B', NULL);
	expect_winner("Winner: B\nWait, I misread story B's ending.\nWinner: A", 'A', NULL);
	expect_winner("{\"winner\": \"B\"}\nHmm, no.\nFinal verdict: Story A", 'A', NULL);
	/* the reason is the prose before the last verdict */
	struct verdict v;
	assert_int_equal(parse("Draft: {\"winner\": \"A\"}\nRevised.\n{\"winner\": \"B\"}", &v), 0);
	assert_int_equal(v.winner, 'B');
	assert_string_equal(v.reason, "Draft: {\"winner\": \"A\"}\nRevised.");
	verdict_release(&v);
}

static void test_reason_is_prose_before(void **state)
{
	(void)state;
	expect_winner("\n\n  Para one.\n\nPara two.  \n\n```json\n{\"winner\": \"A\"}\n```", 'A',
		      "Para one.\n\nPara two.");
	/* no prose at all: no reason */
	struct verdict v;
	assert_int_equal(parse("```json\n{\"winner\": \"B\"}\n```", &v), 0);
	assert_int_equal(v.winner, 'B');
	assert_null(v.reason);
	verdict_release(&v);
}

/* A verdict needs a verdict; "a tie" is an English article, and a line that
 * names both stories has not decided (verdict.h). */
static void test_article_is_not_a_label(void **state)
{
	(void)state;
	expect_none("Both stories are equally strong.\nVerdict: a tie.");
	expect_none("Final verdict: a draw; neither story is clearly better.");
}

static void test_line_naming_both_has_none(void **state)
{
	(void)state;
	expect_none("I honestly cannot choose.\nWinner: A or B, it is a coin flip.");
}

static void test_release_resets(void **state)
{
	(void)state;
	struct verdict v;
	assert_int_equal(parse("Because.\n{\"winner\": \"A\"}", &v), 0);
	verdict_release(&v);
	assert_null(v.reason);
	assert_int_equal(v.winner, 0);
	verdict_release(&v); /* twice is harmless */
}

/* ------------------------------------------------- real judge replies */

struct replies {
	char **text;
	size_t n;
};

static FILE *open_fixture(const char *name)
{
	char path[4096];
	snprintf(path, sizeof path, "tests/fixtures/%s", name);
	FILE *f = fopen(path, "r");
	if (f)
		return f;
	/* run from elsewhere: find tests/fixtures from this file's path */
	const char *me = __FILE__;
	const char *cut = strstr(me, "unit/test_verdict.c");
	if (!cut)
		return NULL;
	snprintf(path, sizeof path, "%.*sfixtures/%s", (int)(cut - me), me, name);
	return fopen(path, "r");
}

static void load_replies(struct replies *r)
{
	r->text = NULL;
	r->n = 0;
	FILE *f = open_fixture("judge-replies.jsonl");
	if (!f)
		return;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	while ((len = getline(&line, &cap, f)) > 0) {
		cJSON *o = cJSON_ParseWithLength(line, (size_t)len);
		const cJSON *reason = cJSON_GetObjectItemCaseSensitive(o, "reason");
		if (cJSON_IsString(reason)) {
			r->text = realloc(r->text, (r->n + 1) * sizeof *r->text);
			r->text[r->n++] = strdup(reason->valuestring);
		}
		cJSON_Delete(o);
	}
	free(line);
	fclose(f);
}

static void free_replies(struct replies *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->text[i]);
	free(r->text);
}

static int setup_replies(void **state)
{
	struct replies *r = malloc(sizeof *r);
	if (!r)
		return -1;
	load_replies(r);
	*state = r;
	return 0;
}

static int teardown_replies(void **state)
{
	struct replies *r = *state;
	free_replies(r);
	free(r);
	return 0;
}

static void test_fixture_loaded(void **state)
{
	struct replies *r = *state;
	/* the fixture holds 31 replies, every one a real paragraph or more */
	assert_int_equal(r->n, 31);
	for (size_t i = 0; i < r->n; i++)
		assert_true(strlen(r->text[i]) > 500);
}

static void test_real_replies_have_no_verdict(void **state)
{
	struct replies *r = *state;
	assert_true(r->n > 0);
	for (size_t i = 0; i < r->n; i++) {
		struct verdict v;
		int rc = parse(r->text[i], &v);
		if (rc != -1 || v.winner != 0)
			print_error("reply %zu: verdict '%c' invented from prose\n", i + 1,
				    v.winner ? v.winner : '?');
		assert_int_equal(rc, -1);
		assert_int_equal(v.winner, 0);
		verdict_release(&v);
	}
}

static void test_real_replies_with_verdict_appended(void **state)
{
	struct replies *r = *state;
	assert_true(r->n > 0);
	for (size_t i = 0; i < r->n; i++) {
		const char *t = r->text[i];
		size_t len = strlen(t);
		char *text = malloc(len + 32);
		assert_non_null(text);
		snprintf(text, len + 32, "%s\n{\"winner\": \"B\"}", t);
		/* the expected reason: the original text, trimmed */
		size_t s = 0, e = len;
		while (s < e && strchr(" \t\r\n\v\f", t[s]))
			s++;
		while (e > s && strchr(" \t\r\n\v\f", t[e - 1]))
			e--;
		struct verdict v;
		int rc = parse(text, &v);
		free(text);
		if (rc != 0 || v.winner != 'B')
			print_error("reply %zu: no B verdict found\n", i + 1);
		assert_int_equal(rc, 0);
		assert_int_equal(v.winner, 'B');
		assert_non_null(v.reason);
		assert_int_equal(strlen(v.reason), e - s);
		assert_memory_equal(v.reason, t + s, e - s);
		verdict_release(&v);
	}
}

static void test_real_replies_with_a_fenced(void **state)
{
	struct replies *r = *state;
	assert_true(r->n > 0);
	for (size_t i = 0; i < r->n; i++) {
		size_t len = strlen(r->text[i]);
		char *text = malloc(len + 64);
		assert_non_null(text);
		snprintf(text, len + 64, "%s\n\n```json\n{\"winner\": \"A\"}\n```\n", r->text[i]);
		struct verdict v;
		assert_int_equal(parse(text, &v), 0);
		assert_int_equal(v.winner, 'A');
		assert_non_null(v.reason);
		assert_false(tu_contains(v.reason, "```"));
		free(text);
		verdict_release(&v);
	}
}

/* ------------------------------------------- probabilities from logprobs */

struct alt {
	const char *tok;
	double p;       /* the alternative's probability; its logprob is log p */
	double raw;     /* when p is 0: the logprob written as is */
};

struct tok {
	const char *text;
	const struct alt *top; /* top_logprobs, or NULL */
	size_t ntop;
	int top_kind;          /* 0: as given, 1: key missing, 2: null */
};

#define ALTS(a) a, sizeof a / sizeof a[0], 0

static double alt_lp(const struct alt *a)
{
	return a->p > 0 ? log(a->p) : a->raw;
}

/* An OpenAI "logprobs.content" array.  Tokens without alternatives of
 * their own get one: themselves, almost certain, as OpenAI sends. */
static cJSON *content_of(const struct tok *t, size_t n)
{
	cJSON *arr = cJSON_CreateArray();
	for (size_t i = 0; i < n; i++) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "token", t[i].text);
		double lp = t[i].top && t[i].ntop ? alt_lp(&t[i].top[0]) : -0.0001;
		cJSON_AddNumberToObject(o, "logprob", lp);
		cJSON *bytes = cJSON_AddArrayToObject(o, "bytes");
		for (const unsigned char *c = (const unsigned char *)t[i].text; *c; c++)
			cJSON_AddItemToArray(bytes, cJSON_CreateNumber(*c));
		if (t[i].top_kind == 2) {
			cJSON_AddNullToObject(o, "top_logprobs");
		} else if (t[i].top_kind == 0) {
			cJSON *top = cJSON_AddArrayToObject(o, "top_logprobs");
			if (t[i].top) {
				for (size_t k = 0; k < t[i].ntop; k++) {
					cJSON *a = cJSON_CreateObject();
					cJSON_AddStringToObject(a, "token", t[i].top[k].tok);
					cJSON_AddNumberToObject(a, "logprob", alt_lp(&t[i].top[k]));
					cJSON_AddItemToArray(top, a);
				}
			} else {
				cJSON *a = cJSON_CreateObject();
				cJSON_AddStringToObject(a, "token", t[i].text);
				cJSON_AddNumberToObject(a, "logprob", -0.0001);
				cJSON_AddItemToArray(top, a);
			}
		}
		cJSON_AddItemToArray(arr, o);
	}
	return arr;
}

/* verdict_logprob on the tokens, with a verdict for `winner` that spans the
 * whole text (so the last label token is the one read); *p_a is NAN unless
 * it returned 0. */
static int logprob_of(const struct tok *t, size_t n, char winner, double *p_a)
{
	cJSON *c = content_of(t, n);
	size_t len = 0;
	for (size_t i = 0; i < n; i++)
		len += strlen(t[i].text);
	struct verdict v = { winner, NULL, len, 0 };
	*p_a = NAN;
	int rc = verdict_logprob(c, &v, p_a);
	cJSON_Delete(c);
	return rc;
}

/* {"winner": "<label>"} as OpenAI's tokenizer splits it, with the given
 * alternatives at the label. */
#define VERDICT_TOKENS(label, alts)                                                    \
	{ "{\"", NULL, 0, 0 }, { "winner", NULL, 0, 0 }, { "\":", NULL, 0, 0 },        \
	{ " \"", NULL, 0, 0 }, { label, ALTS(alts) }, { "\"}", NULL, 0, 0 }

#define NTOK(t) (sizeof t / sizeof t[0])

static void test_logprob_openai(void **state)
{
	(void)state;
	/* " A" and "A" split the mass of A; " B" and "B" that of B; "C" is
	 * neither */
	static const struct alt alts[] = {
		{ "A", 0.6, 0 }, { "B", 0.2, 0 }, { " A", 0.1, 0 }, { " B", 0.05, 0 }, { "C", 0.05, 0 },
	};
	const struct tok t[] = { VERDICT_TOKENS("A", alts) };
	double p;
	assert_int_equal(logprob_of(t, NTOK(t), 'A', &p), 0);
	assert_float_equal(p, 0.7 / 0.95, 1e-12);

	/* a B verdict: the probability is still that of A */
	static const struct alt balts[] = { { "B", 0.7, 0 }, { "A", 0.25, 0 }, { "\n", 0.05, 0 } };
	const struct tok tb[] = { VERDICT_TOKENS("B", balts) };
	assert_int_equal(logprob_of(tb, NTOK(tb), 'B', &p), 0);
	assert_float_equal(p, 0.25 / 0.95, 1e-12);
}

static void test_logprob_clipped(void **state)
{
	(void)state;
	static const struct alt sure_a[] = { { "A", 0.999, 0 }, { "B", 0.0009, 0 } };
	const struct tok ta[] = { VERDICT_TOKENS("A", sure_a) };
	double p;
	assert_int_equal(logprob_of(ta, NTOK(ta), 'A', &p), 0);
	assert_float_equal(p, 0.98, 1e-12);
	assert_float_equal(VERDICT_P_MIN, 0.02, 0);

	static const struct alt sure_b[] = { { "B", 0.9995, 0 }, { "A", 0.0001, 0 } };
	const struct tok tb[] = { VERDICT_TOKENS("B", sure_b) };
	assert_int_equal(logprob_of(tb, NTOK(tb), 'B', &p), 0);
	assert_float_equal(p, 0.02, 1e-12);

	/* only A among the alternatives: 1, clipped */
	static const struct alt only_a[] = { { "A", 0.97, 0 }, { "The", 0.02, 0 } };
	const struct tok to[] = { VERDICT_TOKENS("A", only_a) };
	assert_int_equal(logprob_of(to, NTOK(to), 'A', &p), 0);
	assert_float_equal(p, 0.98, 1e-12);
}

static void test_logprob_space_marks(void **state)
{
	(void)state;
	double p;
	/* SentencePiece: U+2581 marks a leading space */
	static const struct alt sp[] = {
		{ "\xe2\x96\x81" "A", 0.5, 0 }, { "\xe2\x96\x81" "B", 0.3, 0 }, { "A", 0.1, 0 },
	};
	const struct tok ts[] = {
		{ "\xe2\x96\x81" "WIN", NULL, 0, 0 }, { "NER", NULL, 0, 0 }, { ":", NULL, 0, 0 },
		{ "\xe2\x96\x81" "A", ALTS(sp) },
	};
	assert_int_equal(logprob_of(ts, NTOK(ts), 'A', &p), 0);
	assert_float_equal(p, 0.6 / 0.9, 1e-12);

	/* byte-level BPE: U+0120 */
	static const struct alt bpe[] = {
		{ "\xc4\xa0" "B", 0.6, 0 }, { "\xc4\xa0" "A", 0.3, 0 }, { "\xc4\xa0" "C", 0.05, 0 },
	};
	const struct tok tp[] = {
		{ "W", NULL, 0, 0 }, { "inner", NULL, 0, 0 }, { ":", NULL, 0, 0 },
		{ "\xc4\xa0" "B", ALTS(bpe) },
	};
	assert_int_equal(logprob_of(tp, NTOK(tp), 'B', &p), 0);
	assert_float_equal(p, 0.3 / 0.9, 1e-12);

	/* "**B**" in pieces, and a quote glued to the label */
	static const struct alt md[] = { { "B", 0.8, 0 }, { "A", 0.15, 0 } };
	const struct tok tm[] = {
		{ "WIN", NULL, 0, 0 }, { "NER", NULL, 0, 0 }, { ":", NULL, 0, 0 },
		{ " **", NULL, 0, 0 }, { "B", ALTS(md) },     { "**", NULL, 0, 0 },
	};
	assert_int_equal(logprob_of(tm, NTOK(tm), 'B', &p), 0);
	assert_float_equal(p, 0.15 / 0.95, 1e-12);
	static const struct alt q[] = { { " \"A", 0.7, 0 }, { " \"B", 0.25, 0 } };
	const struct tok tq[] = {
		{ "{\"", NULL, 0, 0 }, { "winner", NULL, 0, 0 }, { "\":", NULL, 0, 0 },
		{ " \"A", ALTS(q) },   { "\"}", NULL, 0, 0 },
	};
	assert_int_equal(logprob_of(tq, NTOK(tq), 'A', &p), 0);
	assert_float_equal(p, 0.7 / 0.95, 1e-12);
}

/* The last A/B token is the one read; it must be the parsed verdict. */
static void test_logprob_last_label_must_match(void **state)
{
	(void)state;
	double p;
	static const struct alt alts[] = { { "A", 0.8, 0 }, { "B", 0.15, 0 } };
	const struct tok t[] = { VERDICT_TOKENS("A", alts) };
	assert_int_equal(logprob_of(t, NTOK(t), 'B', &p), -1);
	assert_int_equal(logprob_of(t, NTOK(t), 0, &p), -1); /* nothing parsed */

	/* prose names A, the verdict is B: the B token counts, not the A */
	static const struct alt prose_a[] = { { " A", 0.99, 0 }, { " B", 0.005, 0 } };
	static const struct alt verdict_b[] = { { "B", 0.8, 0 }, { "A", 0.15, 0 } };
	const struct tok t2[] = {
		{ "Story", NULL, 0, 0 }, { " A", ALTS(prose_a) }, { " is", NULL, 0, 0 },
		{ " weaker", NULL, 0, 0 }, { ".\n", NULL, 0, 0 }, VERDICT_TOKENS("B", verdict_b),
	};
	assert_int_equal(logprob_of(t2, NTOK(t2), 'B', &p), 0);
	assert_float_equal(p, 0.15 / 0.95, 1e-12);
	/* a parse that said A disagrees with the last label: no probability */
	assert_int_equal(logprob_of(t2, NTOK(t2), 'A', &p), -1);
	assert_true(isnan(p));
}

static void test_logprob_mass_too_low(void **state)
{
	(void)state;
	double p;
	static const struct alt low[] = { { "A", 0.3, 0 }, { "C", 0.5, 0 }, { "B", 0.1, 0 } };
	const struct tok t[] = { VERDICT_TOKENS("A", low) };
	assert_int_equal(logprob_of(t, NTOK(t), 'A', &p), -1);
	/* just above the minimum: used */
	static const struct alt ok[] = { { "A", 0.35, 0 }, { "C", 0.4, 0 }, { "B", 0.2, 0 } };
	const struct tok t2[] = { VERDICT_TOKENS("A", ok) };
	assert_int_equal(logprob_of(t2, NTOK(t2), 'A', &p), 0);
	assert_float_equal(p, 0.35 / 0.55, 1e-12);
	assert_float_equal(VERDICT_MASS_MIN, 0.5, 0);
}

static void test_logprob_no_alternatives(void **state)
{
	(void)state;
	double p;
	/* top_logprobs missing at the label */
	const struct tok t1[] = {
		{ "{\"", NULL, 0, 0 }, { "winner", NULL, 0, 0 }, { "\":", NULL, 0, 0 },
		{ " \"", NULL, 0, 0 }, { "A", NULL, 0, 1 },      { "\"}", NULL, 0, 0 },
	};
	assert_int_equal(logprob_of(t1, NTOK(t1), 'A', &p), -1);
	/* null */
	const struct tok t2[] = {
		{ " \"", NULL, 0, 0 }, { "A", NULL, 0, 2 }, { "\"}", NULL, 0, 0 },
	};
	assert_int_equal(logprob_of(t2, NTOK(t2), 'A', &p), -1);
	/* an empty array */
	static const struct alt none[1] = { { "A", 0.9, 0 } };
	const struct tok t3[] = {
		{ " \"", NULL, 0, 0 }, { "A", none, 0, 0 }, { "\"}", NULL, 0, 0 },
	};
	assert_int_equal(logprob_of(t3, NTOK(t3), 'A', &p), -1);
}

static void test_logprob_no_label_token(void **state)
{
	(void)state;
	double p;
	static const struct alt c[] = { { "C", 0.6, 0 }, { "A", 0.3, 0 }, { "B", 0.1, 0 } };
	const struct tok t[] = { VERDICT_TOKENS("C", c) };
	assert_int_equal(logprob_of(t, NTOK(t), 'A', &p), -1);
	/* no content at all, and an empty one */
	p = NAN;
	struct verdict v = { 'A', NULL, 0, 0 };
	assert_int_equal(verdict_logprob(NULL, &v, &p), -1);
	cJSON *empty = cJSON_CreateArray();
	assert_int_equal(verdict_logprob(empty, &v, &p), -1);
	cJSON_Delete(empty);
	/* a token without "token" is skipped, not a crash */
	cJSON *odd = cJSON_Parse("[{\"logprob\": -0.1}, {\"token\": 7}, {\"token\": null}]");
	assert_non_null(odd);
	v.tail_from = 5;
	assert_int_equal(verdict_logprob(odd, &v, &p), -1);
	cJSON_Delete(odd);
}

/* A logprobs.content array of the given tokens (NULL-terminated), with
 * alternatives "A" (probability pa) and "B" at every token that is a label
 * alone once spaces and quotes are set aside. */
static cJSON *tokens_of(const char *const *toks, double pa)
{
	cJSON *arr = cJSON_CreateArray();
	for (; *toks; toks++) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "token", *toks);
		cJSON_AddNumberToObject(o, "logprob", -0.1);
		cJSON *top = cJSON_AddArrayToObject(o, "top_logprobs");
		const char *t = *toks;
		while (*t == ' ' || *t == '\n' || *t == '"')
			t++;
		if ((*t == 'A' || *t == 'B') && (!t[1] || t[1] == '"')) {
			cJSON *a = cJSON_CreateObject(), *b = cJSON_CreateObject();
			cJSON_AddStringToObject(a, "token", "A");
			cJSON_AddNumberToObject(a, "logprob", log(pa));
			cJSON_AddStringToObject(b, "token", "B");
			cJSON_AddNumberToObject(b, "logprob", log(1 - pa));
			cJSON_AddItemToArray(top, a);
			cJSON_AddItemToArray(top, b);
		}
		cJSON_AddItemToArray(arr, o);
	}
	return arr;
}

/* The probability is read at the verdict, not at a label elsewhere in the
 * reply: prose naming " B" before a lowercase JSON verdict has no usable
 * token, and a label after the JSON verdict is not it either. */
static void test_logprob_reads_the_verdict_itself(void **state)
{
	(void)state;
	static const char *const t1[] = { "Story", " B", " is", " better", ".\n{\"", "winner",
					   "\":", " \"", "b", "\"}", NULL };
	static const char *const t2[] = { "{\"", "winner", "\":", " \"", "A", "\"}\n", "B",
					   " is", " weaker", " because", " A", " sings", ".", NULL };
	struct verdict v;
	double p;
	char text[256] = "";
	for (const char *const *t = t1; *t; t++)
		strcat(text, *t);
	assert_int_equal(verdict_parse(text, &v), 0);
	assert_int_equal(v.winner, 'B');
	cJSON *c = tokens_of(t1, 0.3);
	assert_int_equal(verdict_logprob(c, &v, &p), -1); /* " B" is prose, "b" no label */
	cJSON_Delete(c);
	verdict_release(&v);

	text[0] = '\0';
	for (const char *const *t = t2; *t; t++)
		strcat(text, *t);
	assert_int_equal(verdict_parse(text, &v), 0);
	assert_int_equal(v.winner, 'A');
	c = tokens_of(t2, 0.8);
	assert_int_equal(verdict_logprob(c, &v, &p), 0); /* the "A" in the JSON */
	assert_true(fabs(p - 0.8) < 1e-9);
	cJSON_Delete(c);
	verdict_release(&v);
}

/* A JSON verdict with a reason after the winner: the probability is the
 * one at the winner's value, not at an "A" or "B" inside the reason. */
static void test_logprob_json_reason_after_winner(void **state)
{
	(void)state;
	static const struct alt at_winner[] = { { "A", 0.95, 0 }, { "B", 0.05, 0 } };
	static const struct alt in_reason[] = { { "A", 0.5, 0 }, { "B", 0.5, 0 } };
	const struct tok t[] = {
		{ "{\"", NULL, 0, 0 }, { "winner", NULL, 0, 0 }, { "\":", NULL, 0, 0 },
		{ " \"", NULL, 0, 0 }, { "A", ALTS(at_winner) }, { "\",", NULL, 0, 0 },
		{ " \"", NULL, 0, 0 }, { "reason", NULL, 0, 0 }, { "\":", NULL, 0, 0 },
		{ " \"", NULL, 0, 0 }, { "A", ALTS(in_reason) }, { " is", NULL, 0, 0 },
		{ " vivid", NULL, 0, 0 }, { "\"}", NULL, 0, 0 },
	};
	char text[256] = "";
	for (size_t i = 0; i < NTOK(t); i++)
		strcat(text, t[i].text);
	struct verdict v;
	double p;
	assert_int_equal(verdict_parse(text, &v), 0);
	assert_int_equal(v.winner, 'A');
	assert_string_equal(v.reason, "A is vivid");
	cJSON *c = content_of(t, NTOK(t));
	assert_int_equal(verdict_logprob(c, &v, &p), 0);
	assert_float_equal(p, 0.95, 1e-9);
	cJSON_Delete(c);
	verdict_release(&v);
}

/* Only the tail of a long reply is searched: a verdict at its end is found
 * after 100 KB of prose; one followed by 40 KB of prose is not (no guess);
 * 160,000 lines of verdicts give the last. */
static void test_long_replies(void **state)
{
	(void)state;
	struct verdict v;
	size_t n = 200000;
	char *text = malloc(n + 64);
	assert_non_null(text);
	for (size_t i = 0; i < n; i++)
		text[i] = i % 61 == 60 ? '\n' : "words B and A "[i % 14];
	strcpy(text + n, "\n{\"winner\": \"B\"}");
	assert_int_equal(verdict_parse(text, &v), 0);
	assert_int_equal(v.winner, 'B');
	verdict_release(&v);
	memcpy(text, "{\"winner\": \"A\"}\n", 16);
	text[n] = '\0';
	assert_int_equal(verdict_parse(text, &v), -1);
	verdict_release(&v);
	free(text);

	size_t lines = 160000;
	const char *one = "{\"winner\": \"A\"}\n";
	text = malloc(lines * strlen(one) + 32);
	assert_non_null(text);
	text[0] = '\0';
	char *end = text;
	for (size_t i = 0; i < lines; i++)
		end = stpcpy(end, one);
	strcpy(end, "Winner: B\n");
	assert_int_equal(verdict_parse(text, &v), 0);
	assert_int_equal(v.winner, 'B');
	verdict_release(&v);
	free(text);
}

/* "AB", "Alice", "BA", "Bob" are words, not labels. */
static void test_logprob_words_are_not_labels(void **state)
{
	(void)state;
	double p;
	const struct tok t[] = {
		{ "I", NULL, 0, 0 },   { " pick", NULL, 0, 0 }, { " Alice", NULL, 0, 0 },
		{ " over", NULL, 0, 0 }, { " AB", NULL, 0, 0 },  { " Bob", NULL, 0, 0 },
	};
	assert_int_equal(logprob_of(t, NTOK(t), 'A', &p), -1);

	/* among the alternatives they carry no mass for A or B */
	static const struct alt alts[] = {
		{ "A", 0.5, 0 }, { "Alice", 0.2, 0 }, { "B", 0.1, 0 }, { "AB", 0.05, 0 },
		{ "Bob", 0.05, 0 }, { "BA", 0.05, 0 },
	};
	const struct tok t2[] = { VERDICT_TOKENS("A", alts), { " Alice", NULL, 0, 0 } };
	/* and a word after the verdict does not hide the verdict token */
	assert_int_equal(logprob_of(t2, NTOK(t2), 'A', &p), 0);
	assert_float_equal(p, 0.5 / 0.6, 1e-12);
}

/* An alternative with logprob > 0 (probability above 1) is ignored. */
static void test_logprob_positive_ignored(void **state)
{
	(void)state;
	double p;
	static const struct alt alts[] = {
		{ "A", 0.5, 0 }, { "A", 0, 0.3 }, { "B", 0.25, 0 }, { " B", 0, 2.0 },
	};
	const struct tok t[] = { VERDICT_TOKENS("A", alts) };
	assert_int_equal(logprob_of(t, NTOK(t), 'A', &p), 0);
	assert_float_equal(p, 0.5 / 0.75, 1e-12);
}

int run_verdict_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bare_json_last_line),
		cmocka_unit_test(test_json_fence),
		cmocka_unit_test(test_json_then_trailing_prose),
		cmocka_unit_test(test_json_lowercase_label),
		cmocka_unit_test(test_json_label_with_word),
		cmocka_unit_test(test_json_reason_field),
		cmocka_unit_test(test_json_extra_fields_and_nested),
		cmocka_unit_test(test_nested_braces_in_prose),
		cmocka_unit_test(test_winner_line_forms),
		cmocka_unit_test(test_winner_line_with_prose_after_label),
		cmocka_unit_test(test_label_must_stand_alone),
		cmocka_unit_test(test_no_verdict),
		cmocka_unit_test(test_no_verdict_never_defaults_to_a),
		cmocka_unit_test(test_invalid_labels),
		cmocka_unit_test(test_quoted_options_one_line),
		cmocka_unit_test(test_quoted_options_then_decision),
		cmocka_unit_test(test_last_verdict_wins),
		cmocka_unit_test(test_reason_is_prose_before),
		cmocka_unit_test(test_article_is_not_a_label),
		cmocka_unit_test(test_line_naming_both_has_none),
		cmocka_unit_test(test_release_resets),
		cmocka_unit_test(test_logprob_openai),
		cmocka_unit_test(test_logprob_reads_the_verdict_itself),
		cmocka_unit_test(test_logprob_clipped),
		cmocka_unit_test(test_logprob_space_marks),
		cmocka_unit_test(test_logprob_last_label_must_match),
		cmocka_unit_test(test_logprob_mass_too_low),
		cmocka_unit_test(test_logprob_no_alternatives),
		cmocka_unit_test(test_logprob_no_label_token),
		cmocka_unit_test(test_logprob_words_are_not_labels),
		cmocka_unit_test(test_logprob_json_reason_after_winner),
		cmocka_unit_test(test_long_replies),
		cmocka_unit_test(test_logprob_positive_ignored),
		cmocka_unit_test_setup_teardown(test_fixture_loaded, setup_replies, teardown_replies),
		cmocka_unit_test_setup_teardown(test_real_replies_have_no_verdict, setup_replies,
						teardown_replies),
		cmocka_unit_test_setup_teardown(test_real_replies_with_verdict_appended,
						setup_replies, teardown_replies),
		cmocka_unit_test_setup_teardown(test_real_replies_with_a_fenced, setup_replies,
						teardown_replies),
	};
	return cmocka_run_group_tests_name("verdict", tests, NULL, NULL);
}

/*
 * test_codec.c - the formats of a run directory (src/codec.c): every record
 * encoded and decoded without a file or an HTTP client, field by field.
 *
 * A field added to a record must be added to its round trip below (the
 * story's and the match's compare every field).
 */
#include "unit.h"
#include "aw/codec.h"
#include "aw/options.h"
#include "aw/story.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --------------------------------------------------- generation JSON */

static void test_generation_json(void **state)
{
	(void)state;
	struct population pop = { 0 }, failed = { 0 };
	population_add(&pop, tu_story("g1-000", "He said \"no\".\n\tThen — “silence”.", 1230.5, 3));
	population_add(&pop, tu_story("g1-001", "Short one.", 1170, 1));
	pop.v[0]->rank = 1;
	pop.v[1]->rank = 2;
	pop.v[1]->trimmed = 1;
	free(pop.v[1]->parent_id);
	pop.v[1]->parent_id = NULL;
	/* story 0 is rated, story 1 is not (its rating fields hold values that
	 * must not be written) */
	pop.v[0]->rated = 1;
	pop.v[0]->rating = 1310.25;
	pop.v[0]->rating_lo = 1250.5;
	pop.v[0]->rating_hi = 1370.75;
	pop.v[1]->rated = 0;
	pop.v[1]->rating = 999;
	pop.v[1]->rating_lo = 998;
	pop.v[1]->rating_hi = 1000;
	struct story *lost = story_new();
	lost->id = strdup("g1-002");
	lost->born = 1;
	lost->style = strdup("s");
	lost->theme = strdup("t");
	lost->error = strdup("HTTP 500 (gave up after 6 attempts)");
	population_add(&failed, lost);

	struct match mv[4];
	memset(mv, 0, sizeof mv);
	mv[0].a = pop.v[1]->id;
	mv[0].b = pop.v[0]->id;
	mv[0].round = 1;
	mv[0].winner = 'B';
	mv[0].reason = strdup("B is better.");
	mv[0].asks = 1;
	mv[0].has_p = 0;
	mv[0].p_a = 0.37; /* not from logprobs: must not be written */
	mv[1].a = pop.v[0]->id;
	mv[1].b = pop.v[1]->id;
	mv[1].round = 2;
	mv[1].winner = 0;
	mv[1].error = strdup("no verdict in 3 judge replies");
	mv[1].asks = 3;
	mv[2].a = pop.v[0]->id;
	mv[2].b = pop.v[1]->id;
	mv[2].round = 2;
	mv[2].winner = 'A';
	mv[2].asks = 2;
	mv[2].has_p = 1;
	mv[2].p_a = 0.83;
	/* a barrier-free match: round 0 */
	mv[3].a = pop.v[1]->id;
	mv[3].b = pop.v[0]->id;
	mv[3].round = 0;
	mv[3].winner = 'A';
	mv[3].asks = 1;
	mv[3].has_p = 1;
	mv[3].p_a = 0.02;
	struct match *mp[4] = { &mv[0], &mv[1], &mv[2], &mv[3] };
	struct match_list ml = { mp, 4, 4 };
	struct judging sum = { 57, 48, 64, "stable", 0.35, 0.1, 12, 0 };

	struct generation gf = { .gen = 1, .has_judging = 1, .judging = sum,
				 .stories = pop, .matches = ml, .failed = failed };
	char *json = codec_generation_json(&gf);
	assert_non_null(json);
	size_t n = strlen(json);
	assert_true(n > 0 && json[n - 1] == '\n');
	cJSON *root = cJSON_Parse(json);
	assert_non_null(root);

	assert_int_equal(cJSON_GetObjectItem(root, "generation")->valueint, 1);

	/* what the tournament did */
	const cJSON *j = cJSON_GetObjectItem(root, "judging");
	assert_true(cJSON_IsObject(j));
	assert_int_equal(cJSON_GetObjectItem(j, "calls")->valueint, 57);
	assert_int_equal(cJSON_GetObjectItem(j, "matches")->valueint, 48);
	assert_int_equal(cJSON_GetObjectItem(j, "budget")->valueint, 64);
	assert_string_equal(cJSON_GetObjectItem(j, "stopped")->valuestring, "stable");
	assert_int_equal(cJSON_GetObjectItem(j, "soft_verdicts")->valueint, 12);
	/* the position bias: logit, its 95% interval, and how often the first
	 * shown of two equal stories wins */
	const cJSON *pb = cJSON_GetObjectItem(root, "position_bias");
	assert_true(cJSON_IsObject(pb));
	assert_float_equal(cJSON_GetObjectItem(pb, "logit")->valuedouble, 0.35, 1e-12);
	assert_float_equal(cJSON_GetObjectItem(pb, "logit_lo")->valuedouble, 0.35 - 0.196, 1e-9);
	assert_float_equal(cJSON_GetObjectItem(pb, "logit_hi")->valuedouble, 0.35 + 0.196, 1e-9);
	/* 1 / (1 + e^-0.35) */
	assert_float_equal(cJSON_GetObjectItem(pb, "first_wins")->valuedouble, 0.5866175789, 1e-9);

	const cJSON *stories = cJSON_GetObjectItem(root, "stories");
	assert_true(cJSON_IsArray(stories));
	assert_int_equal(cJSON_GetArraySize(stories), 2);
	const cJSON *s0 = cJSON_GetArrayItem(stories, 0);
	assert_string_equal(cJSON_GetObjectItem(s0, "id")->valuestring, "g1-000");
	assert_int_equal(cJSON_GetObjectItem(s0, "rank")->valueint, 1);
	assert_float_equal(cJSON_GetObjectItem(s0, "elo")->valuedouble, 1230.5, 1e-9);
	assert_float_equal(cJSON_GetObjectItem(s0, "rating")->valuedouble, 1310.25, 1e-9);
	assert_float_equal(cJSON_GetObjectItem(s0, "rating_lo")->valuedouble, 1250.5, 1e-9);
	assert_float_equal(cJSON_GetObjectItem(s0, "rating_hi")->valuedouble, 1370.75, 1e-9);
	assert_int_equal(cJSON_GetObjectItem(s0, "wins")->valueint, 3);
	assert_int_equal(cJSON_GetObjectItem(s0, "losses")->valueint, 2);
	assert_int_equal(cJSON_GetObjectItem(s0, "matches")->valueint, 5);
	assert_int_equal(cJSON_GetObjectItem(s0, "born")->valueint, 1);
	assert_string_equal(cJSON_GetObjectItem(s0, "parent_id")->valuestring, "g0-001");
	assert_string_equal(cJSON_GetObjectItem(s0, "style")->valuestring,
			    "Hemingway: short declarative sentences");
	assert_string_equal(cJSON_GetObjectItem(s0, "theme")->valuestring, "loss");
	assert_string_equal(cJSON_GetObjectItem(s0, "goal")->valuestring, "sharpen the ending");
	assert_float_equal(cJSON_GetObjectItem(s0, "temperature")->valuedouble, 0.9, 1e-12);
	assert_int_equal(cJSON_GetObjectItem(s0, "words")->valueint, 3);
	assert_true(cJSON_IsFalse(cJSON_GetObjectItem(s0, "trimmed")));
	/* the text round-trips exactly: quotes, tab, newline, UTF-8 */
	assert_string_equal(cJSON_GetObjectItem(s0, "text")->valuestring,
			    "He said \"no\".\n\tThen — “silence”.");
	assert_null(cJSON_GetObjectItem(s0, "error"));

	const cJSON *s1 = cJSON_GetArrayItem(stories, 1);
	assert_string_equal(cJSON_GetObjectItem(s1, "id")->valuestring, "g1-001");
	assert_int_equal(cJSON_GetObjectItem(s1, "rank")->valueint, 2);
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(s1, "parent_id")));
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(s1, "trimmed")));
	/* not rated: no rating fields at all (elo still there) */
	assert_null(cJSON_GetObjectItem(s1, "rating"));
	assert_null(cJSON_GetObjectItem(s1, "rating_lo"));
	assert_null(cJSON_GetObjectItem(s1, "rating_hi"));
	assert_float_equal(cJSON_GetObjectItem(s1, "elo")->valuedouble, 1170, 1e-9);

	const cJSON *ms = cJSON_GetObjectItem(root, "matches");
	assert_int_equal(cJSON_GetArraySize(ms), 4);
	const cJSON *m0 = cJSON_GetArrayItem(ms, 0);
	assert_int_equal(cJSON_GetObjectItem(m0, "round")->valueint, 1);
	assert_string_equal(cJSON_GetObjectItem(m0, "a")->valuestring, "g1-001");
	assert_string_equal(cJSON_GetObjectItem(m0, "b")->valuestring, "g1-000");
	/* the winner is written as the story's id, not as a letter */
	assert_string_equal(cJSON_GetObjectItem(m0, "winner")->valuestring, "g1-000");
	assert_string_equal(cJSON_GetObjectItem(m0, "reason")->valuestring, "B is better.");
	assert_null(cJSON_GetObjectItem(m0, "error"));
	assert_int_equal(cJSON_GetObjectItem(m0, "asks")->valueint, 1);
	assert_null(cJSON_GetObjectItem(m0, "p_a")); /* has_p 0 */
	const cJSON *m1 = cJSON_GetArrayItem(ms, 1);
	assert_int_equal(cJSON_GetObjectItem(m1, "round")->valueint, 2);
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(m1, "winner")));
	assert_string_equal(cJSON_GetObjectItem(m1, "error")->valuestring,
			    "no verdict in 3 judge replies");
	assert_null(cJSON_GetObjectItem(m1, "reason"));
	assert_int_equal(cJSON_GetObjectItem(m1, "asks")->valueint, 3);
	assert_null(cJSON_GetObjectItem(m1, "p_a"));
	const cJSON *m2 = cJSON_GetArrayItem(ms, 2);
	assert_string_equal(cJSON_GetObjectItem(m2, "a")->valuestring, "g1-000");
	assert_string_equal(cJSON_GetObjectItem(m2, "winner")->valuestring, "g1-000");
	assert_null(cJSON_GetObjectItem(m2, "reason"));
	assert_null(cJSON_GetObjectItem(m2, "error"));
	assert_true(cJSON_IsNumber(cJSON_GetObjectItem(m2, "p_a")));
	assert_float_equal(cJSON_GetObjectItem(m2, "p_a")->valuedouble, 0.83, 1e-12);
	const cJSON *m3 = cJSON_GetArrayItem(ms, 3);
	assert_null(cJSON_GetObjectItem(m3, "round")); /* round 0: omitted */
	assert_string_equal(cJSON_GetObjectItem(m3, "a")->valuestring, "g1-001");
	assert_string_equal(cJSON_GetObjectItem(m3, "winner")->valuestring, "g1-001");
	assert_float_equal(cJSON_GetObjectItem(m3, "p_a")->valuedouble, 0.02, 1e-12);

	const cJSON *fs = cJSON_GetObjectItem(root, "failed");
	assert_int_equal(cJSON_GetArraySize(fs), 1);
	const cJSON *f0 = cJSON_GetArrayItem(fs, 0);
	assert_string_equal(cJSON_GetObjectItem(f0, "id")->valuestring, "g1-002");
	assert_string_equal(cJSON_GetObjectItem(f0, "error")->valuestring,
			    "HTTP 500 (gave up after 6 attempts)");
	/* a story that was never written has no text and no tournament record */
	assert_null(cJSON_GetObjectItem(f0, "text"));
	assert_null(cJSON_GetObjectItem(f0, "elo"));
	assert_null(cJSON_GetObjectItem(f0, "rank"));
	assert_null(cJSON_GetObjectItem(f0, "rating"));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(f0, "goal")));

	cJSON_Delete(root);
	free(json);
	free(mv[0].reason);
	free(mv[1].error);
	population_free(&pop);
	population_free(&failed);
}

/* Without a summary there is no "judging" and no "position_bias". */
static void test_generation_json_empty(void **state)
{
	(void)state;
	struct population pop = { 0 };
	struct generation gf = { 0 };
	gf.stories = pop;
	char *json = codec_generation_json(&gf);
	cJSON *root = cJSON_Parse(json);
	assert_non_null(root);
	assert_int_equal(cJSON_GetObjectItem(root, "generation")->valueint, 0);
	assert_null(cJSON_GetObjectItem(root, "judging"));
	assert_null(cJSON_GetObjectItem(root, "position_bias"));
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(root, "stories")), 0);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(root, "matches")), 0);
	assert_true(cJSON_IsArray(cJSON_GetObjectItem(root, "failed")));
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(root, "failed")), 0);
	cJSON_Delete(root);
	free(json);
}


/* A generation file read back: its judging summary, diversity, temperature
 * policy, stories, matches and failed stories. */
static void test_generation_round_trip(void **state)
{
	(void)state;
	struct generation g = { 0 }, back;
	char err[256] = "";
	g.gen = 2;
	g.has_judging = 1;
	g.judging = (struct judging){ 40, 30, 32, "stable", -0.25, 0.125, 7, 0 };
	g.diversity = (struct gen_diversity){ 1, 3, 0.75, 0.5, 0.625, 0.3125 };
	g.policy.has = 1;
	g.policy.ndraft = 2;
	g.policy.draft[1] = (struct policy_arm){ 1.2, 9, 0.5, 0.25, 0.75, 0.875 };
	g.policy.nvariant = 1;
	g.policy.variant[0] = (struct policy_arm){ 0.6, 3, -0.5, -1, 0, 0.125 };
	population_add(&g.stories, tu_story("g2-001", "A text.", 1234.5, 2));
	population_add(&g.failed, tu_story("g2-002", NULL, 1200, 0));
	g.failed.v[0]->error = strdup("lost");
	match_list_add(&g.matches, tu_match(2, "g2-001", "g0-001", 'B'));
	char *json = codec_generation_json(&g);
	assert_int_equal(codec_generation_parse(json, "gen-002.json", 2, &back, err, sizeof err), 0);
	assert_true(back.has_judging);
	assert_int_equal((int)back.judging.calls, 40);
	assert_string_equal(back.judging.stop, "stable");
	assert_float_equal(back.judging.bias, -0.25, 1e-12);
	assert_float_equal(back.judging.bias_se, 0.125, 1e-9);
	assert_memory_equal(&back.diversity, &g.diversity, sizeof g.diversity);
	assert_true(back.policy.has);
	assert_int_equal((int)back.policy.ndraft, 2);
	assert_memory_equal(&back.policy.draft[1], &g.policy.draft[1], sizeof(struct policy_arm));
	assert_memory_equal(&back.policy.variant[0], &g.policy.variant[0],
			    sizeof(struct policy_arm));
	assert_int_equal((int)back.stories.n, 1);
	assert_int_equal((int)back.failed.n, 1);
	assert_int_equal((int)back.matches.n, 1);
	assert_int_equal(back.matches.v[0]->gen, 2);
	assert_int_equal(back.matches.v[0]->winner, 'B');
	generation_release(&back);
	free(json);

	/* what is absent stays absent */
	struct generation bare = { 0 };
	json = codec_generation_json(&bare);
	assert_false(tu_contains(json, "diversity"));
	assert_false(tu_contains(json, "temperature_policy"));
	assert_int_equal(codec_generation_parse(json, "gen-000.json", 0, &back, err, sizeof err), 0);
	assert_false(back.diversity.has || back.policy.has || back.has_judging);
	generation_release(&back);
	free(json);
	/* the wrong generation, or not JSON */
	json = codec_generation_json(&g);
	assert_int_equal(codec_generation_parse(json, "x/gen-003.json", 3, &back, err, sizeof err),
			 -1);
	assert_true(tu_contains(err, "x/gen-003.json"));
	assert_int_equal(codec_generation_parse("{", "y", 0, &back, err, sizeof err), -1);
	free(json);
	generation_release(&g);
}

/* ------------------------------------------------------------- stories */

/* Every field of a story set to a value of its own. */
static struct story *full_story(void)
{
	struct story *s = story_new();
	s->id = strdup("g3-007");
	s->born = 3;
	s->parent_id = strdup("g2-001");
	s->style = strdup("Le Guin: plain words, deep water");
	s->theme = strdup("Homecoming, and what it costs.");
	s->goal = strdup("Sharpen the ending.");
	s->variant = 4;
	s->temperature = 0.7;
	s->text = strdup("Line one \"quoted\".\n\nLine two \xe2\x80\x94 done.");
	s->words = text_count_words(s->text);
	s->trimmed = 1;
	s->elo = 1355.5958848476398; /* cJSON alone would print it one ulp off */
	s->rating = 1288.5310312644494;
	s->rating_lo = 932.14066118628931;
	s->rating_hi = 1644.9214013426100;
	s->rated = 1;
	s->wins = 5;
	s->losses = 2;
	s->matches = 7;
	s->rank = 2;
	s->extensions = 2;
	s->deviation = 0.8125;
	s->has_deviation = 1;
	return s;
}

static void same_provenance(const struct story *a, const struct story *b)
{
	assert_string_equal(a->parent_id, b->parent_id);
	assert_string_equal(a->style, b->style);
	assert_string_equal(a->theme, b->theme);
	assert_string_equal(a->goal, b->goal);
	assert_int_equal(a->variant, b->variant);
	assert_int_equal(a->born, b->born);
	assert_true(a->temperature == b->temperature);
	assert_string_equal(a->text, b->text);
	assert_int_equal((int)a->words, (int)b->words);
	assert_int_equal(a->trimmed, b->trimmed);
	assert_int_equal(a->extensions, b->extensions);
}

static struct story *round_trip(const struct story *s, enum codec_place where, int gen)
{
	char err[256] = "";
	cJSON *o = codec_story_json(s, where);
	char *text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	cJSON *back = cJSON_Parse(text);
	struct story *r = codec_story_parse(back, where, gen, err, sizeof err);
	cJSON_Delete(back);
	cJSON_free(text);
	if (!r)
		print_error("parse failed: %s\n", err);
	return r;
}

/* In a generation file a story keeps everything, its ranking too, exactly. */
static void test_story_generation_round_trip(void **state)
{
	(void)state;
	struct story *s = full_story();
	struct story *r = round_trip(s, CODEC_IN_GENERATION, 3);
	assert_non_null(r);
	assert_string_equal(r->id, s->id);
	same_provenance(s, r);
	assert_true(r->elo == s->elo);
	assert_true(r->rated && r->rating == s->rating && r->rating_lo == s->rating_lo &&
		    r->rating_hi == s->rating_hi);
	assert_int_equal(r->rank, s->rank);
	assert_true(r->has_deviation && r->deviation == s->deviation);
	assert_null(r->error);
	story_free(r);

	/* a story that could not be written: an error and no text */
	free(s->text);
	s->text = NULL;
	s->error = strdup("HTTP 500 (gave up after 6 attempts)");
	r = round_trip(s, CODEC_IN_GENERATION, 3);
	assert_non_null(r);
	assert_null(r->text);
	assert_string_equal(r->error, s->error);
	story_free(r);
	story_free(s);
}

/* In the journal a story keeps its provenance and text, not its ranking;
 * a variant taken before it had an id is known by parent and number. */
static void test_story_journal_round_trip(void **state)
{
	(void)state;
	struct story *s = full_story();
	struct story *r = round_trip(s, CODEC_IN_JOURNAL, 3);
	assert_non_null(r);
	assert_string_equal(r->id, s->id);
	same_provenance(s, r);
	assert_false(r->rated);
	assert_int_equal(r->rank, 0);
	story_free(r);

	free(s->id);
	s->id = NULL;
	r = round_trip(s, CODEC_IN_JOURNAL, 3);
	assert_non_null(r);
	assert_null(r->id);
	assert_int_equal(r->variant, 4);
	story_free(r);

	/* without a parent, an id is needed; without text, nothing is known */
	char err[256];
	cJSON *o = cJSON_Parse("{\"t\":\"story\",\"gen\":0,\"id\":null,\"text\":\"x\"}");
	assert_null(codec_story_parse(o, CODEC_IN_JOURNAL, 0, err, sizeof err));
	cJSON_Delete(o);
	o = cJSON_Parse("{\"t\":\"story\",\"gen\":0,\"id\":\"g0-001\"}");
	assert_null(codec_story_parse(o, CODEC_IN_JOURNAL, 0, err, sizeof err));
	cJSON_Delete(o);
	story_free(s);
}

/* ------------------------------------------------------------- matches */

static struct match *full_match(void)
{
	struct match *m = match_new();
	m->a = strdup("g1-003");
	m->b = strdup("g0-001");
	m->gen = 1;
	m->round = 2;
	m->winner = 'B';
	m->has_p = 1;
	m->p_a = 0.123456789012;
	m->reason = strdup("B is tighter.");
	m->asks = 2;
	return m;
}

static void test_match_round_trips(void **state)
{
	(void)state;
	static const enum codec_place places[] = { CODEC_IN_GENERATION, CODEC_IN_JOURNAL,
						   CODEC_IN_LOG };
	struct match *m = full_match();
	for (size_t i = 0; i < 3; i++) {
		char err[256] = "";
		struct match r;
		cJSON *o = codec_match_json(m, places[i]);
		assert_int_equal(codec_match_parse(o, places[i], &r, err, sizeof err), 0);
		cJSON_Delete(o);
		assert_string_equal(r.a, m->a);
		assert_string_equal(r.b, m->b);
		assert_int_equal(r.winner, 'B');
		assert_true(r.has_p && r.p_a == m->p_a);
		assert_true(match_outcome(&r) == m->p_a);
		if (places[i] != CODEC_IN_LOG) {
			assert_int_equal(r.round, 2);
			assert_string_equal(r.reason, "B is tighter.");
			assert_int_equal(r.asks, 2);
		}
		if (places[i] == CODEC_IN_JOURNAL)
			assert_int_equal(r.gen, 1);
		free(r.a);
		free(r.b);
		free(r.reason);
		free(r.error);
	}
	match_free(m);
}

/* The outcome rule: the probability when there is one, else the letter. */
static void test_match_outcome(void **state)
{
	(void)state;
	struct match m = { 0 };
	m.winner = 'A';
	assert_true(match_outcome(&m) == 1.0);
	m.winner = 'B';
	assert_true(match_outcome(&m) == 0.0);
	m.has_p = 1;
	m.p_a = 0.25;
	assert_true(match_outcome(&m) == 0.25);
}

/* What a match record may not be, with the reason said. */
static void test_match_refused(void **state)
{
	(void)state;
	static const struct {
		const char *json;
		enum codec_place where;
		const char *why;
	} bad[] = {
		{ "{\"a\":\"x\",\"b\":\"x\",\"winner\":null}", CODEC_IN_LOG, "same story" },
		{ "{\"a\":\"x\",\"b\":\"\",\"winner\":null}", CODEC_IN_LOG, "story ids" },
		{ "{\"a\":\"x\",\"b\":\"y\"}", CODEC_IN_LOG, "no \"winner\"" },
		{ "{\"a\":\"x\",\"b\":\"y\",\"winner\":\"z\"}", CODEC_IN_GENERATION, "neither" },
		{ "{\"a\":\"x\",\"b\":\"y\",\"winner\":\"A\"}", CODEC_IN_GENERATION, "neither" },
		{ "{\"a\":\"x\",\"b\":\"y\",\"winner\":\"C\"}", CODEC_IN_JOURNAL, "neither" },
		{ "{\"a\":\"x\",\"b\":\"y\",\"winner\":1}", CODEC_IN_LOG, "an id or null" },
		{ "{\"a\":\"x\",\"b\":\"y\",\"winner\":\"x\",\"p_a\":1.5}", CODEC_IN_LOG, "probability" },
		{ "[1]", CODEC_IN_LOG, "not a JSON object" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char err[256] = "";
		struct match m;
		cJSON *o = cJSON_Parse(bad[i].json);
		assert_int_equal(codec_match_parse(o, bad[i].where, &m, err, sizeof err), -1);
		if (!tu_contains(err, bad[i].why)) {
			print_error("%s: '%s' does not say '%s'\n", bad[i].json, err, bad[i].why);
			fail();
		}
		cJSON_Delete(o);
	}
}

/* ------------------------------------------------------------- journal */

static void test_journal_lines(void **state)
{
	(void)state;
	struct story *s = full_story();
	struct match *m = full_match();
	struct journal_record w = { 0 }, r;
	w.type = CODEC_REC_STORY;
	w.story = s;
	char *line = codec_journal_line(&w);
	size_t n = strlen(line);
	assert_true(n > 1 && line[n - 1] == '\n' && !memchr(line, '\n', n - 1));
	assert_false(tu_contains(line, "\"u\""));  /* no usage: none written */
	assert_int_equal(codec_journal_parse(line, n, &r), 0);
	assert_int_equal(r.type, CODEC_REC_STORY);
	assert_string_equal(r.story->id, "g3-007");
	same_provenance(s, r.story);
	assert_false(r.has_usage);
	journal_record_release(&r);
	free(line);

	/* a match, with what was spent since the previous record */
	memset(&w, 0, sizeof w);
	w.type = CODEC_REC_MATCH;
	w.match = *m;
	w.has_usage = 1;
	w.process = 2;
	w.usage.requests = 3;
	w.usage.retries = 2;
	w.usage.prompt_tokens = 900;
	w.usage.faults[4] = 2;
	w.usage.reused_matches = 1;
	line = codec_journal_line(&w);
	n = strlen(line);
	/* the winner by id, so that a journal reads as a match log */
	assert_true(tu_contains(line, "\"winner\":\"g0-001\""));
	assert_false(tu_contains(line, "completion_tokens")); /* 0: not written */
	assert_int_equal(codec_journal_parse(line, n, &r), 0);
	assert_int_equal(r.type, CODEC_REC_MATCH);
	assert_string_equal(r.match.a, "g1-003");
	assert_int_equal(r.match.winner, 'B');
	assert_int_equal(r.match.gen, 1);
	assert_true(r.has_usage);
	assert_int_equal(r.process, 2);
	assert_int_equal((int)r.usage.requests, 3);
	assert_int_equal((int)r.usage.retries, 2);
	assert_int_equal((int)r.usage.prompt_tokens, 900);
	assert_int_equal((int)r.usage.faults[4], 2);
	assert_int_equal((int)r.usage.reused_matches, 1);
	journal_record_release(&r);
	/* a line cut short is not a record */
	assert_int_equal(codec_journal_parse(line, n / 2, &r), -1);
	free(line);

	/* the header, and a spend-only record */
	memset(&w, 0, sizeof w);
	w.type = CODEC_REC_RUN;
	snprintf(w.run_id, sizeof w.run_id, "0123456789abcdef");
	w.seed = 9007199254740991ULL;
	line = codec_journal_line(&w);
	assert_int_equal(codec_journal_parse(line, strlen(line), &r), 0);
	assert_int_equal(r.type, CODEC_REC_RUN);
	assert_string_equal(r.run_id, "0123456789abcdef");
	assert_true(r.seed == 9007199254740991ULL);
	free(line);
	memset(&w, 0, sizeof w);
	w.type = CODEC_REC_USAGE;
	w.has_usage = 1;
	w.usage.failed_requests = 1;
	line = codec_journal_line(&w);
	assert_int_equal(codec_journal_parse(line, strlen(line), &r), 0);
	assert_int_equal(r.type, CODEC_REC_USAGE);
	assert_int_equal((int)r.usage.failed_requests, 1);
	free(line);

	/* an older journal: the winner as a letter, a lost match by its error */
	static const char old[] = "{\"t\":\"match\",\"gen\":1,\"round\":0,\"a\":\"x\",\"b\":\"y\","
				  "\"winner\":\"A\",\"reason\":null,\"error\":null,\"asks\":1}";
	assert_int_equal(codec_journal_parse(old, sizeof old - 1, &r), 0);
	assert_int_equal(r.match.winner, 'A');
	assert_false(r.match.lost);
	journal_record_release(&r);
	static const char lost[] = "{\"t\":\"match\",\"gen\":1,\"round\":0,\"a\":\"x\",\"b\":\"y\","
				   "\"winner\":null,\"reason\":null,\"error\":\"judge request "
				   "failed: HTTP 503\",\"asks\":1}";
	assert_int_equal(codec_journal_parse(lost, sizeof lost - 1, &r), 0);
	assert_true(r.match.lost);
	journal_record_release(&r);

	assert_int_equal(codec_journal_parse("{\"t\":\"other\",\"gen\":0}", 22, &r), -1);
	assert_int_equal(codec_journal_parse("{\"t\":\"story\",\"gen\":-1}", 22, &r), -1);
	assert_int_equal(codec_journal_parse("{\"t\":\"run\",\"run_id\":\"\",\"seed\":1}", 33, &r), -1);
	story_free(s);
	match_free(m);
}

/* ------------------------------------------------------------- run.json */

static void fill_report(struct run_report *r)
{
	memset(r, 0, sizeof *r);
	r->status = strdup("interrupted");
	r->version = strdup("1.2.3");
	r->seed = 4503599627370497ULL;
	snprintf(r->started, sizeof r->started, "2026-12-06T01:02:03Z");
	snprintf(r->finished, sizeof r->finished, "2026-12-06T02:03:04Z");
	r->elapsed_seconds = 12.5;
	r->generations_done = 3;
	r->best_story = strdup("g2-004");
	r->error = strdup("boom");
	r->settings = cJSON_CreateObject();
	cJSON_AddNumberToObject(r->settings, "population", 8);
	r->prompt = strdup("Write about a lighthouse.");
	r->files[2] = strdup("/x/writer.txt");
	for (size_t k = 0; k < sizeof r->usage.faults / sizeof r->usage.faults[0]; k++)
		r->usage.faults[k] = (long)k + 1;
	for (size_t k = 0; k < sizeof r->usage.unusable / sizeof r->usage.unusable[0]; k++)
		r->usage.unusable[k] = (long)k + 10;
	r->usage.requests = 100;
	r->usage.retries = 7;
	r->usage.peak_in_flight = 16;
	r->usage.prompt_tokens = 123456;
	r->usage.completion_tokens = 65432;
	r->usage.soft_verdicts = 40;
	r->usage.window_use = 0.875;
	r->usage.reused_stories = 3;
	snprintf(r->usage.logprobs, sizeof r->usage.logprobs, "used");
	r->nresumes = 1;
	r->resumes = calloc(1, sizeof *r->resumes);
	snprintf(r->resumes[0].at, sizeof r->resumes[0].at, "2026-12-06T01:30:00Z");
	r->resumes[0].generations_done = 2;
	r->resumes[0].reused_matches = 9;
}

static void test_run_round_trip(void **state)
{
	(void)state;
	struct run_report r, back;
	char err[256] = "";
	fill_report(&r);
	char *json = codec_run_json(&r);
	assert_int_equal(codec_run_parse(json, "run.json", &back, err, sizeof err), 0);
	assert_string_equal(back.status, "interrupted");
	assert_string_equal(back.version, "1.2.3");
	assert_true(back.seed == r.seed);
	assert_string_equal(back.started, r.started);
	assert_string_equal(back.finished, r.finished);
	assert_true(back.elapsed_seconds == 12.5);
	assert_int_equal(back.generations_done, 3);
	assert_string_equal(back.best_story, "g2-004");
	assert_string_equal(back.error, "boom");
	assert_string_equal(back.prompt, r.prompt);
	assert_string_equal(back.files[2], "/x/writer.txt");
	assert_null(back.files[0]);
	assert_true(cJSON_Compare(back.settings, r.settings, 1));
	assert_memory_equal(&back.usage, &r.usage, sizeof r.usage);
	assert_int_equal((int)back.nresumes, 1);
	assert_string_equal(back.resumes[0].at, r.resumes[0].at);
	assert_int_equal((int)back.resumes[0].reused_matches, 9);
	run_report_release(&back);
	free(json);

	/* running: "finished" is null */
	r.finished[0] = '\0';
	json = codec_run_json(&r);
	cJSON *root = cJSON_Parse(json);
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(root, "finished")));
	cJSON_Delete(root);
	free(json);
	run_report_release(&r);

	assert_int_equal(codec_run_parse("{\"status\":\"x\"}", "d/run.json", &back, err, sizeof err),
			 -1);
	assert_true(tu_contains(err, "d/run.json"));
	assert_int_equal(codec_run_parse("not json", "d/run.json", &back, err, sizeof err), -1);
}

/* A resumed run's usage counts the whole run: sums, the most in flight,
 * and this process's window use and reuse. */
static void test_usage_add(void **state)
{
	(void)state;
	struct run_usage now = { 0 }, before = { 0 };
	now.requests = 10;
	now.peak_in_flight = 4;
	now.faults[3] = 2;
	now.unusable[1] = 1;
	now.window_use = 0.5;
	now.reused_stories = 5;
	before.requests = 30;
	before.peak_in_flight = 9;
	before.faults[3] = 5;
	before.unusable[1] = 2;
	before.window_use = 0.9;
	before.reused_stories = 8;
	run_usage_add(&now, &before);
	assert_int_equal((int)now.requests, 40);
	assert_int_equal((int)now.peak_in_flight, 9);
	assert_int_equal((int)now.faults[3], 7);
	assert_int_equal((int)now.unusable[1], 3);
	assert_true(now.window_use == 0.5);
	assert_int_equal((int)now.reused_stories, 5);
}

/* Every seed options_parse accepts (0..AW_SEED_MAX) is written digit for
 * digit, so that a run can be repeated and resumed. */
static void test_run_seed_exact(void **state)
{
	(void)state;
	static const unsigned long long seeds[] = { 0, 42, 4503599627370497ULL,
						    8000000000000001ULL, 9007199254740991ULL };
	for (size_t i = 0; i < sizeof seeds / sizeof seeds[0]; i++) {
		struct run_report r;
		fill_report(&r);
		r.seed = seeds[i];
		char *json = codec_run_json(&r), want[64];
		snprintf(want, sizeof want, "\"seed\":\t%llu,", seeds[i]);
		assert_true(tu_contains(json, want));
		free(json);
		run_report_release(&r);
	}
}

/* run.json never holds the key or a URL's credentials, since its settings
 * come from options_to_json(). */
static void test_run_never_holds_the_key(void **state)
{
	(void)state;
	struct options o;
	memset(&o, 0, sizeof o);
	o.model = "writer-m";
	o.judge_model = "judge-m";
	o.base_url = strdup("https://alice:hunter2@example.com:8443/v1");
	o.api_key = "sk-SECRET-0123456789";
	o.token_param = "max_completion_tokens";
	o.population = 8;
	struct run_report r;
	fill_report(&r);
	cJSON_Delete(r.settings);
	r.settings = options_to_json(&o);
	char *json = codec_run_json(&r);
	assert_false(tu_contains(json, "sk-SECRET"));
	assert_false(tu_contains(json, "hunter2"));
	assert_false(tu_contains(json, "alice"));
	cJSON *root = cJSON_Parse(json);
	const cJSON *s = cJSON_GetObjectItem(root, "settings");
	assert_string_equal(cJSON_GetObjectItem(s, "base_url")->valuestring,
			    "https://example.com:8443/v1");
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(s, "api_key_set")));
	assert_string_equal(cJSON_GetObjectItem(s, "judge_model")->valuestring, "judge-m");
	cJSON_Delete(root);
	free(json);
	run_report_release(&r);
	free(o.base_url);
}

/* ---------------------------------------------------------------- names */

static void test_names(void **state)
{
	(void)state;
	char name[24];
	codec_generation_name(7, name, sizeof name);
	assert_string_equal(name, "gen-007.json");
	codec_generation_name(1000, name, sizeof name);
	assert_string_equal(name, "gen-1000.json");
	assert_true(codec_is_run_file("gen-1000.json"));
	assert_true(codec_is_run_file("gen-000.json"));
	assert_true(codec_is_run_file("run.json"));
	assert_true(codec_is_run_file("best.txt"));
	assert_true(codec_is_run_file("judge-reask.txt"));
	assert_false(codec_is_run_file("gen-00.json"));
	assert_false(codec_is_run_file("gen-000.json.bak"));
	assert_false(codec_is_run_file("draft.txt"));
	assert_false(codec_is_run_file("journal.jsonl")); /* appended, never via a temporary */
	for (int k = 0; k < CODEC_TEXTS; k++)
		assert_true(codec_is_run_file(codec_input_name(k)));
}

int run_codec_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_generation_json),
		cmocka_unit_test(test_generation_json_empty),
		cmocka_unit_test(test_generation_round_trip),
		cmocka_unit_test(test_story_generation_round_trip),
		cmocka_unit_test(test_story_journal_round_trip),
		cmocka_unit_test(test_match_round_trips),
		cmocka_unit_test(test_match_outcome),
		cmocka_unit_test(test_match_refused),
		cmocka_unit_test(test_journal_lines),
		cmocka_unit_test(test_run_round_trip),
		cmocka_unit_test(test_usage_add),
		cmocka_unit_test(test_run_seed_exact),
		cmocka_unit_test(test_run_never_holds_the_key),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests_name("codec", tests, NULL, NULL);
}

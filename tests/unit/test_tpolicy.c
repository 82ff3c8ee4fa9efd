/*
 * test_tpolicy.c - the temperature policy of --temperature auto
 * (src/tpolicy.c), its grid, and the options that turn it on.
 *
 * The policy reads story strengths from a struct bt_ratings; the tests set
 * those strengths directly (a known theta per story) rather than fitting
 * verdicts, so that each case has a known answer: what the data say about
 * each temperature.
 */
#include "unit.h"
#include "aw/cli.h"
#include "aw/options.h"
#include "aw/rng.h"
#include "aw/tpolicy.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const double GRID[] = { 0.3, 0.5, 0.7, 0.9, 1.1, 1.3, 1.5 };
#define NGRID 7

/* A story of the test: registered in r with strength theta, observed by p. */
static void story(struct tpolicy *p, struct bt_ratings *r, const char *id, const char *parent,
		  double t, double theta)
{
	int k = bt_register(r, id, 0);
	r->theta[k] = theta;
	tpolicy_observe(p, id, parent, t);
}

static double normal(struct rng *r)
{
	double u1 = rng_unit(r), u2 = rng_unit(r);
	return sqrt(-2 * log(u1 > 1e-300 ? u1 : 1e-300)) * cos(6.283185307179586 * u2);
}

static void check_distribution(const struct gen_policy *g)
{
	const struct policy_arm *ops[2] = { g->draft, g->variant };
	for (int o = 0; o < 2; o++) {
		double sum = 0;
		for (size_t a = 0; a < NGRID; a++) {
			sum += ops[o][a].p_next;
			assert_true(ops[o][a].p_next >= TPOLICY_EXPLORE / NGRID - 1e-12);
			assert_true(ops[o][a].strength_lo <= ops[o][a].strength);
			assert_true(ops[o][a].strength <= ops[o][a].strength_hi);
		}
		assert_true(fabs(sum - 1) < 1e-9);
	}
}

static void test_grid(void **state)
{
	(void)state;
	double g[CODEC_MAX_ARMS];
	size_t n = 0;
	char err[256];
	assert_int_equal(tpolicy_parse_grid(TPOLICY_GRID_DEFAULT, g, &n, err, sizeof err), 0);
	assert_int_equal(n, NGRID);
	for (size_t i = 0; i < n; i++)
		assert_true(fabs(g[i] - GRID[i]) < 1e-12);
	assert_int_equal(tpolicy_parse_grid("0,2", g, &n, err, sizeof err), 0);
	assert_int_equal(n, 2);
	const char *bad[] = { "", "0.5", "0.5,", ",0.5", "0.5,,0.7", "0.7,0.5", "0.5,0.5",
			      "0.5,2.5", "-0.1,0.5", "0.5,x", "0.5, 0.7", "0.5,0x1", "0.5,1e0",
			      "0.5,inf", "0.5,nan" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err[0] = '\0';
		assert_int_equal(tpolicy_parse_grid(bad[i], g, &n, err, sizeof err), -1);
		assert_true(err[0] != '\0');
	}
	char many[400] = "";
	for (int i = 0; i <= CODEC_MAX_ARMS; i++)
		snprintf(many + strlen(many), sizeof many - strlen(many), "%s%.3f", i ? "," : "",
			 i * 0.05);
	assert_int_equal(tpolicy_parse_grid(many, NULL, NULL, err, sizeof err), -1);
	assert_true(tu_contains(err, "more than"));
}

/* Before any evidence: uniform, and the stories of a generation take the
 * grid values in equal shares (within one). */
static void test_uniform_start(void **state)
{
	(void)state;
	struct tpolicy *p = tpolicy_new(GRID, NGRID, 42);
	struct gen_policy g;
	tpolicy_export(p, &g);
	assert_true(g.has);
	assert_int_equal(g.ndraft, NGRID);
	assert_int_equal(g.nvariant, NGRID);
	for (size_t a = 0; a < NGRID; a++) {
		assert_true(fabs(g.draft[a].p_next - 1.0 / NGRID) < 1e-12);
		assert_true(fabs(g.variant[a].p_next - 1.0 / NGRID) < 1e-12);
		assert_int_equal(g.draft[a].stories, 0);
	}
	for (size_t n = 7; n <= 70; n += 7) {
		long count[NGRID] = { 0 };
		for (size_t i = 0; i < n; i++) {
			double t = tpolicy_pick(p, 0, TPOLICY_DRAFT, i);
			size_t a = 0;
			while (a < NGRID && fabs(GRID[a] - t) > 1e-12)
				a++;
			assert_true(a < NGRID);
			count[a]++;
		}
		for (size_t a = 0; a < NGRID; a++)
			assert_true(labs(count[a] - (long)(n / NGRID)) <= 1);
	}
	/* The same place, the same temperature. */
	assert_true(tpolicy_pick(p, 0, TPOLICY_DRAFT, 5) == tpolicy_pick(p, 0, TPOLICY_DRAFT, 5));
	tpolicy_free(p);
}

/* Many noiseless drafts: the strengths are the arms' means, centred; the
 * best arm is nearly always chosen, the others at the exploration floor. */
static void test_drafts_known_answer(void **state)
{
	(void)state;
	struct tpolicy *p = tpolicy_new(GRID, NGRID, 1);
	struct bt_ratings r = { 0 };
	double truth[NGRID] = { 0.1, 0.4, 0.3, 0.0, -0.2, -0.4, -0.6 }, avg = 0;
	char id[32];
	for (int a = 0; a < NGRID; a++)
		avg += truth[a] / NGRID;
	for (int i = 0; i < 400 * NGRID; i++) {
		snprintf(id, sizeof id, "g0-%04d", i + 1);
		story(p, &r, id, NULL, GRID[i % NGRID], truth[i % NGRID]);
	}
	tpolicy_fit(p, 1, &r);
	struct gen_policy g;
	tpolicy_export(p, &g);
	check_distribution(&g);
	for (int a = 0; a < NGRID; a++) {
		assert_int_equal(g.draft[a].stories, 400);
		assert_true(fabs(g.draft[a].strength - (truth[a] - avg)) < 0.01);
		assert_true(g.draft[a].strength_hi - g.draft[a].strength_lo < 0.1);
	}
	assert_true(g.draft[1].p_next > 0.85);
	assert_true(g.draft[0].p_next < TPOLICY_EXPLORE / NGRID + 0.01);
	/* What drafts show informs the variants' policy (TPOLICY_RHO > 0). */
	assert_true(g.variant[1].p_next > 1.0 / NGRID);
	assert_true(g.variant[6].p_next < 1.0 / NGRID);
	/* The next generation's variants follow it. */
	long at_best = 0;
	for (size_t i = 0; i < 25; i++)
		at_best += tpolicy_pick(p, 1, TPOLICY_VARIANT, i) == GRID[1];
	assert_true(at_best >= 25 * g.variant[1].p_next - 1.5);
	bt_ratings_free(&r);
	tpolicy_free(p);
}

/* One generation of pure noise (no temperature matters): the policy must
 * not collapse on it, and its intervals must cover 0. */
static void test_no_collapse_on_noise(void **state)
{
	(void)state;
	struct rng rg;
	char id[32];
	for (uint64_t seed = 1; seed <= 20; seed++) {
		struct tpolicy *p = tpolicy_new(GRID, NGRID, seed);
		struct bt_ratings r = { 0 };
		rng_seed(&rg, seed);
		for (int i = 0; i < 60; i++) {
			snprintf(id, sizeof id, "g0-%03d", i + 1);
			story(p, &r, id, NULL, GRID[i % NGRID], normal(&rg));
		}
		tpolicy_fit(p, 1, &r);
		struct gen_policy g;
		tpolicy_export(p, &g);
		check_distribution(&g);
		double top = 0;
		for (int a = 0; a < NGRID; a++)
			top = g.draft[a].p_next > top ? g.draft[a].p_next : top;
		assert_true(top < 0.75);
		for (int a = 0; a < NGRID; a++)
			if (g.variant[a].p_next > top)
				top = g.variant[a].p_next;
		assert_true(top < 0.75);
		bt_ratings_free(&r);
		tpolicy_free(p);
	}
}

/* Variants are measured against their parent, and a family's own level
 * cancels: families whose parents differ by several logits, with one
 * temperature 0.5 logits better within each family, give that 0.5. */
static void test_variant_families(void **state)
{
	(void)state;
	struct tpolicy *p = tpolicy_new(GRID, NGRID, 9);
	struct bt_ratings r = { 0 };
	struct rng rg;
	char id[32], parent[32];
	rng_seed(&rg, 3);
	for (int f = 0; f < 40; f++) {
		double level = 3 * normal(&rg), parent_theta = 2 * normal(&rg);
		snprintf(parent, sizeof parent, "g0-%03d", f + 1);
		story(p, &r, parent, NULL, GRID[3], parent_theta);
		for (int v = 0; v < 6; v++) {
			int arm = v % 2 ? 2 : 4; /* 0.7 and 1.1 */
			snprintf(id, sizeof id, "g1-%03d", f * 6 + v + 1);
			story(p, &r, id, parent, GRID[arm],
			      parent_theta + level + (arm == 2 ? 0.5 : 0) + 0.1 * normal(&rg));
		}
	}
	tpolicy_fit(p, 2, &r);
	struct gen_policy g;
	tpolicy_export(p, &g);
	check_distribution(&g);
	assert_int_equal(g.variant[2].stories, 120);
	assert_int_equal(g.variant[4].stories, 120);
	double d = g.variant[2].strength - g.variant[4].strength;
	assert_true(fabs(d - 0.5) < 0.1);
	assert_true(g.variant[2].p_next > g.variant[4].p_next);
	bt_ratings_free(&r);
	tpolicy_free(p);
}

/* The policy is a function of the stories (in order), their strengths and
 * the seed: two policies fed alike agree exactly; another seed draws the
 * same probabilities to within Monte Carlo noise.  A story observed twice
 * counts once; one the ratings do not know is left out. */
static void test_deterministic(void **state)
{
	(void)state;
	struct gen_policy g[3];
	char id[32];
	for (int k = 0; k < 3; k++) {
		struct tpolicy *p = tpolicy_new(GRID, NGRID, k == 2 ? 99 : 5);
		struct bt_ratings r = { 0 };
		struct rng rg;
		rng_seed(&rg, 11);
		for (int i = 0; i < 30; i++) {
			snprintf(id, sizeof id, "g0-%03d", i + 1);
			story(p, &r, id, NULL, GRID[i % NGRID], normal(&rg) + (i % NGRID == 2));
		}
		tpolicy_observe(p, "g0-001", NULL, 1.5); /* again: ignored */
		tpolicy_observe(p, "g0-999", NULL, 1.5); /* never rated: left out */
		tpolicy_fit(p, 1, &r);
		tpolicy_export(p, &g[k]);
		if (k == 1)
			assert_true(tpolicy_pick(p, 1, TPOLICY_VARIANT, 3) ==
				    tpolicy_pick(p, 1, TPOLICY_VARIANT, 3));
		bt_ratings_free(&r);
		tpolicy_free(p);
	}
	assert_memory_equal(&g[0], &g[1], sizeof g[0]);
	long stories = 0;
	for (int a = 0; a < NGRID; a++) {
		stories += g[0].draft[a].stories;
		assert_true(g[0].draft[a].strength == g[2].draft[a].strength);
		assert_true(fabs(g[0].draft[a].p_next - g[2].draft[a].p_next) < 0.05);
	}
	assert_int_equal(stories, 30);
}

/* --temperature auto and its grid on the command line and in run.json. */
static enum options_result parse(struct options *o, int argc, const char **args)
{
	char *argv[32];
	argv[0] = (char *)"evolve";
	for (int i = 0; i < argc; i++)
		argv[i + 1] = (char *)args[i];
	argv[argc + 1] = NULL;
	return options_parse(o, argc + 1, argv);
}

static void test_options(void **state)
{
	(void)state;
	struct options o;
	const char *a1[] = { "--model", "m", "--out", "d", "--temperature", "auto" };
	assert_int_equal(parse(&o, 6, a1), OPTIONS_RUN);
	assert_true(OPTIONS_AUTO_TEMPERATURE(&o));
	assert_string_equal(o.temperature_grid, TPOLICY_GRID_DEFAULT);
	cJSON *tree = options_to_json(&o); /* as run.json holds it: printed, read back */
	char *text = cJSON_Print(tree);
	cJSON *set = cJSON_Parse(text);
	cJSON_free(text);
	cJSON_Delete(tree);
	assert_string_equal(cJSON_GetObjectItem(set, "temperature")->valuestring, "auto");
	assert_string_equal(cJSON_GetObjectItem(set, "temperature_grid")->valuestring,
			    TPOLICY_GRID_DEFAULT);
	options_release(&o);

	/* A resumed run takes "auto" back from its settings. */
	const char *a2[] = { "--resume", "d" };
	assert_int_equal(parse(&o, 2, a2), OPTIONS_RUN);
	assert_int_equal(options_resume(&o, set), OPTIONS_RUN);
	assert_true(OPTIONS_AUTO_TEMPERATURE(&o));
	options_release(&o);
	/* ... and refuses a fixed temperature instead. */
	const char *a3[] = { "--resume", "d", "--temperature", "0.7" };
	assert_int_equal(parse(&o, 4, a3), OPTIONS_RUN);
	assert_int_equal(options_resume(&o, set), OPTIONS_USAGE);
	options_release(&o);
	/* A run made before these options existed resumes with their defaults,
	 * and refuses them given. */
	cJSON_DeleteItemFromObject(set, "temperature_grid");
	cJSON_ReplaceItemInObject(set, "temperature", cJSON_CreateNumber(1.0));
	assert_int_equal(parse(&o, 2, a2), OPTIONS_RUN);
	assert_int_equal(options_resume(&o, set), OPTIONS_RUN);
	assert_true(o.temperature == 1.0);
	assert_string_equal(o.temperature_grid, TPOLICY_GRID_DEFAULT);
	options_release(&o);
	const char *a4[] = { "--resume", "d", "--temperature-grid", "0.5,1" };
	assert_int_equal(parse(&o, 4, a4), OPTIONS_RUN);
	assert_int_equal(options_resume(&o, set), OPTIONS_USAGE);
	options_release(&o);
	cJSON_Delete(set);

	const char *a5[] = { "--model", "m", "--out", "d", "--temperature", "auto",
			     "--temperature-grid", "0.2,0.2" };
	assert_int_equal(parse(&o, 8, a5), OPTIONS_USAGE);
	options_release(&o);
	const char *a6[] = { "--model", "m", "--out", "d", "--temperature-grid", "0.2,0.4" };
	assert_int_equal(parse(&o, 6, a6), OPTIONS_USAGE); /* needs auto */
	options_release(&o);
	const char *a7[] = { "--model", "m", "--out", "d", "--temperature", "Auto" };
	assert_int_equal(parse(&o, 6, a7), OPTIONS_USAGE);
	options_release(&o);
	const char *a8[] = { "--model", "m", "--out", "d", "--judge-temperature", "auto" };
	assert_int_equal(parse(&o, 6, a8), OPTIONS_USAGE);
	options_release(&o);
}

int run_tpolicy_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_grid),
		cmocka_unit_test(test_uniform_start),
		cmocka_unit_test(test_drafts_known_answer),
		cmocka_unit_test(test_no_collapse_on_noise),
		cmocka_unit_test(test_variant_families),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_options),
	};
	return cmocka_run_group_tests_name("tpolicy", tests, NULL, NULL);
}

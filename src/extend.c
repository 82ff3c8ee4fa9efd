/*
 * extend.c - `alphawrite extend`: lengthen stories (see extend.h).
 *
 * A thin command around the extender: it reads the stories, fills a
 * struct run (settings, texts, endpoint, journal, resume) the way evolve
 * does, keeps up to --concurrency stories growing at once (each has one
 * request in flight at a time), and writes the result.  The work directory
 * is a small run directory of its own: a journal (journal.h) that the
 * extender writes parts and finished stories to, read back by resume.h on
 * the next invocation, and settings.json, which a rerun must match.
 */
#include "aw/extend.h"
#include "aw/buf.h"
#include "aw/cli.h"
#include "aw/codec.h"
#include "aw/data.h"
#include "aw/endpoint.h"
#include "aw/extender.h"
#include "aw/interrupt.h"
#include "aw/llm.h"
#include "aw/options.h"
#include "aw/resume.h"
#include "aw/run.h"
#include "aw/store.h"
#include "aw/texts.h"
#include "aw/util.h"

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_REPLY (8u << 20) /* largest reply body accepted: 8 MiB */
#define GRACE_SECONDS 10.0   /* after SIGINT/SIGTERM, for requests in flight */
#define WORK_SUFFIX ".work"  /* the work directory: OUT.work/ */
#define SETTINGS "settings.json"

/* The settings of `extend`: struct options holds what the extender and
 * the endpoint read, so that they are read as evolve's are. */
struct extend_options {
	struct options o;         /* min_words is --target-words */
	const char *out;          /* --out FILE.jsonl */
	long top;                 /* a run directory: its last generation's top K */
};

#define F(field) offsetof(struct extend_options, field)

/* Its own rows first (given[] is indexed by ROW_*), then evolve's rows for
 * the endpoint, read and checked as evolve reads them. */
enum { ROW_TARGET, ROW_MAX, ROW_OUT, ROW_TOP, ROW_MODEL, ROW_SEED };

static const struct cli_row own_rows[] = {
	[ROW_TARGET] = { "target-words", CLI_LONG, F(o.min_words), 20, 100000, "N", "lengthen every story under N words (required)", NULL, NULL, NULL, 0 },
	[ROW_MAX] = { "max-words", CLI_LONG, F(o.max_words), 21, 200000, "M", "and to at most M words", NULL, "twice N", NULL, 0 },
	[ROW_OUT] = { "out", CLI_STR, F(out), 0, 0, "FILE", "write the stories to FILE, JSON Lines (required)", NULL, NULL, NULL, 0 },
	[ROW_TOP] = { "top", CLI_LONG, F(top), 1, 1000000, "K", "a run directory: the top K of its last generation", NULL, "the run's --top", NULL, 0 },
	[ROW_MODEL] = { "model", CLI_STR, F(o.model), 0, 0, "M", "writer model name", NULL, "a run directory's writer model", NULL, 0 },
	[ROW_SEED] = { "seed", CLI_U64, F(o.seed), 0, (double)AW_SEED_MAX, "S", "seed of every request, also sent to the endpoint", NULL, "from the clock, kept in OUT.work/", NULL, 0 },
	{ "temperature", CLI_DOUBLE, F(o.temperature), 0, 2, "T", "sampling temperature", "1.0", NULL, NULL, 0 },
};

static const char *const evolve_rows[] = {
	"base-url", "header", "extra-body", "prompt", "prompt-file", "prompts-dir", "top-p",
	"token-param", "concurrency", "timeout", "retries", "cacert", "no-preflight", "quiet", NULL
};

static const struct cli_row help_row = {
	"help", CLI_HELP, 0, 0, 0, NULL, "show this help and exit", NULL, NULL, NULL, 0
};

static struct cli_row rows[48];
static struct cli_command command = {
	"extend",
	"alphawrite extend INPUT --target-words N --out FILE.jsonl [options]",
	"Lengthen stories by Self-Lengthen (expand the first half, then continue, in\n"
	"rounds, with rule filters), to between N and M words.  INPUT is a run directory\n"
	"(the top K of its last generation) or a JSON Lines file of {\"id\", \"text\"}\n"
	"objects.  Rerunning the same command continues where it stopped and pays for\n"
	"nothing twice (FILE.jsonl.work/ keeps every reply).",
	rows,
	0,
	"environment:\n"
	"  OPENAI_API_KEY     sent as 'Authorization: Bearer ...' and nowhere else\n"
	"  OPENAI_BASE_URL    endpoint when --base-url is not given (OPENAI_API_BASE too)\n"
	"\n"
	"exit status: 0 done, 1 a story could not be lengthened or the endpoint refused,\n"
	"2 usage or input error (nothing sent), 130 interrupted (run it again to go on).\n",
};

const struct cli_command *extend_command(void)
{
	if (!command.nrows) {
		size_t n = 0;
		for (size_t i = 0; i < AW_ARRAY_LEN(own_rows); i++)
			rows[n++] = own_rows[i];
		n += options_rows(evolve_rows, rows + n, AW_ARRAY_LEN(rows) - n - 1);
		cli_redefault(rows, n, "prompt", "the premise the stories answer",
			      "a run directory's, else none");
		cli_redefault(rows, n, "prompt-file", "read the premise from FILE", NULL);
		cli_redefault(rows, n, "prompts-dir",
			      "directory with extend-expand.txt and extend-continue.txt", NULL);
		cli_redefault(rows, n, "concurrency", "stories lengthened (requests in flight) at once",
			      NULL);
		rows[n++] = help_row;
		command.nrows = n;
	}
	return &command;
}

#define usage(...) cli_usage(extend_command(), __VA_ARGS__)

/* ------------------------------------------------------------- input */

struct input {
	struct population stories; /* as read: id and text */
	char *prompt;              /* a run directory's premise, or NULL */
	char *model;               /* a run directory's writer model, or NULL */
};

static void input_free(struct input *in)
{
	population_free(&in->stories);
	free(in->prompt);
	free(in->model);
}

static int add_story(struct input *in, const char *id, const char *text, char *err,
		     size_t errlen, const char *where)
{
	for (size_t i = 0; i < in->stories.n; i++)
		if (!strcmp(in->stories.v[i]->id, id))
			return aw_fail(err, errlen, "%s: id '%s' occurs twice", where, id);
	struct story *s = story_new();
	s->id = xstrdup(id);
	s->text = xstrdup(text);
	s->words = text_count_words(text);
	population_add(&in->stories, s);
	return 0;
}

static int read_jsonl(struct input *in, const char *path, char *err, size_t errlen)
{
	char *text;
	if (data_read_text_max(path, DATA_MAX_RUN_FILE, &text, err, errlen) < 0)
		return -1;
	int rc = 0;
	size_t lineno = 0;
	for (char *line = text; line && *line && rc == 0;) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		lineno++;
		char where[64];
		snprintf(where, sizeof where, "line %zu", lineno);
		if (line[strspn(line, " \t\r")]) {
			cJSON *o = cJSON_Parse(line);
			const cJSON *id = cJSON_GetObjectItemCaseSensitive(o, "id");
			const cJSON *t = cJSON_GetObjectItemCaseSensitive(o, "text");
			if (!cJSON_IsObject(o))
				rc = aw_fail(err, errlen, "'%s' line %zu: not a JSON object", path, lineno);
			else if (!cJSON_IsString(id) || !id->valuestring[0] || !cJSON_IsString(t) ||
				 !t->valuestring[t->valuestring[0] ? strspn(t->valuestring, " \t\r\n") : 0])
				rc = aw_fail(err, errlen,
					     "'%s' line %zu: a story needs an \"id\" and a \"text\" (strings, not empty)",
					     path, lineno);
			else if (add_story(in, id->valuestring, t->valuestring, err, errlen, where) < 0)
				rc = -1;
			if (rc < 0 && strncmp(err, "line", 4) == 0) {
				char again[1024];
				snprintf(again, sizeof again, "'%s' %s", path, err);
				snprintf(err, errlen, "%s", again);
			}
			cJSON_Delete(o);
		}
		line = nl ? nl + 1 : NULL;
	}
	free(text);
	if (rc == 0 && !in->stories.n)
		rc = aw_fail(err, errlen, "'%s' holds no stories", path);
	return rc;
}

static int read_run_dir(struct input *in, const char *dir, long *top, char *err, size_t errlen)
{
	struct run_report rr;
	if (store_read_run(dir, &rr, err, errlen) < 0)
		return -1;
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(rr.settings, "model");
	const cJSON *k = cJSON_GetObjectItemCaseSensitive(rr.settings, "top");
	in->model = cJSON_IsString(m) ? xstrdup(m->valuestring) : NULL;
	in->prompt = rr.prompt ? xstrdup(rr.prompt) : NULL;
	if (!*top)
		*top = cJSON_IsNumber(k) ? (long)k->valuedouble : 5;
	run_report_release(&rr);
	int last = -1;
	while (store_has_generation(dir, last + 1))
		last++;
	if (last < 0)
		return aw_fail(err, errlen, "'%s' holds no gen-000.json: not a run directory", dir);
	struct generation g;
	if (store_read_generation(dir, last, &g, err, errlen) < 0)
		return -1;
	int rc = 0;
	for (size_t i = 0; i < g.stories.n && i < (size_t)*top && rc == 0; i++)
		rc = add_story(in, g.stories.v[i]->id, g.stories.v[i]->text, err, errlen, dir);
	generation_release(&g);
	return rc;
}

/* -------------------------------------------------------- work directory */

/* The settings a rerun must share with the run it continues. */
static cJSON *settings_json(const struct extend_options *eo, const char *input)
{
	cJSON *s = cJSON_CreateObject();
	char seed[32];
	cJSON_AddStringToObject(s, "input", input);
	cJSON_AddNumberToObject(s, "target_words", (double)eo->o.min_words);
	cJSON_AddNumberToObject(s, "max_words", (double)eo->o.max_words);
	cJSON_AddNumberToObject(s, "top", (double)eo->top);
	cJSON_AddStringToObject(s, "model", eo->o.model);
	snprintf(seed, sizeof seed, "%llu", (unsigned long long)eo->o.seed);
	cJSON_AddRawToObject(s, "seed", seed);
	cJSON_AddNumberToObject(s, "temperature", eo->o.temperature);
	cJSON_AddNumberToObject(s, "top_p", eo->o.top_p);
	return s;
}

/* Take the work directory: create it, lock it, and check (or write) its
 * settings.  The lock's descriptor, or -1 with a message in err. */
static int take_work(const char *work, struct extend_options *eo, const unsigned char *given,
		     const char *input, char *err, size_t errlen)
{
	if (mkdir(work, 0777) < 0 && errno != EEXIST)
		return aw_fail(err, errlen, "cannot create '%s':", work);
	int fd = open(work, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return aw_fail(err, errlen, "cannot open '%s':", work);
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		close(fd);
		return aw_fail(err, errlen, "'%s' is in use by another alphawrite extend", work);
	}
	char *path = xasprintf("%s/%s", work, SETTINGS), *text = NULL;
	int rc = 0;
	if (access(path, F_OK) == 0) {
		rc = data_read_text(path, &text, err, errlen);
		cJSON *was = rc == 0 ? cJSON_Parse(text) : NULL;
		const cJSON *seed = cJSON_GetObjectItemCaseSensitive(was, "seed");
		if (rc == 0 && !cJSON_IsNumber(seed))
			rc = aw_fail(err, errlen, "'%s' is not the settings of alphawrite extend", path);
		if (rc == 0 && !given[ROW_SEED])
			eo->o.seed = (uint64_t)seed->valuedouble;
		cJSON *now = rc == 0 ? settings_json(eo, input) : NULL;
		const cJSON *v;
		cJSON_ArrayForEach(v, now) {
			const cJSON *w = cJSON_GetObjectItemCaseSensitive(was, v->string);
			int same = w && (!strcmp(v->string, "seed") ?
						 (uint64_t)w->valuedouble == eo->o.seed :
						 cJSON_Compare(v, w, 1));
			if (rc == 0 && !same) {
				char *a = w ? cJSON_PrintUnformatted(w) : NULL, *b = cJSON_PrintUnformatted(v);
				rc = aw_fail(err, errlen,
					     "'%s' was made with %s %s, not %s: run it with the same settings "
					     "to go on, or remove it to start afresh",
					     work, v->string, a ? a : "(none)", b ? b : "?");
				cJSON_free(a);
				cJSON_free(b);
			}
		}
		cJSON_Delete(was);
		cJSON_Delete(now);
	} else {
		cJSON *now = settings_json(eo, input);
		char *json = cJSON_Print(now);
		cJSON_Delete(now);
		char *line = xasprintf("%s\n", json);
		cJSON_free(json);
		rc = store_write_file(work, SETTINGS, line, strlen(line), err, errlen);
		free(line);
	}
	free(text);
	free(path);
	if (rc < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* ---------------------------------------------------------- the work */

struct state {
	struct run *run;
	struct population *stories;   /* the input, written into as they end */
	unsigned char *todo;          /* per story: to lengthen */
	size_t next;                  /* no story to start before this one */
	long running;                 /* being lengthened now */
};

static void start_more(struct state *st);

static void story_done(void *ctx, struct story *s)
{
	struct state *st = ctx;
	(void)s;
	st->running--;
	start_more(st);
}

static void start_more(struct state *st)
{
	struct run *run = st->run;
	while (st->running < run->opt->concurrency && st->next < st->stories->n) {
		size_t i = st->next++;
		if (!st->todo[i])
			continue;
		struct story *s = st->stories->v[i];
		char *draft = s->text;
		s->text = NULL;
		st->running++;
		if (!extender_resume(run->extender, s, s->id, story_done, st))
			extender_start(run->extender, s, s->id, draft, story_done, st);
		free(draft);
	}
}

static int done(void *arg)
{
	struct state *st = arg;
	return st->running == 0 && st->next >= st->stories->n;
}

/* The output: every story lengthened or kept, in input order. */
static int write_out(const char *out, const struct population *p, char *err, size_t errlen)
{
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < p->n; i++) {
		const struct story *s = p->v[i];
		if (!s->text)
			continue;
		cJSON *o = cJSON_CreateObject();
		char *id = xasprintf("%s-long", s->id);
		cJSON_AddStringToObject(o, "id", id);
		cJSON_AddStringToObject(o, "source_id", s->id);
		cJSON_AddNumberToObject(o, "words", (double)s->words);
		cJSON_AddNumberToObject(o, "extensions", s->extensions);
		cJSON_AddStringToObject(o, "text", s->text);
		char *line = cJSON_PrintUnformatted(o);
		buf_puts(&b, line);
		buf_puts(&b, "\n");
		cJSON_free(line);
		cJSON_Delete(o);
		free(id);
	}
	char *dir = xstrdup(out), *slash = strrchr(dir, '/');
	const char *name = out;
	if (slash) {
		*slash = '\0';
		name = slash + 1;
	}
	int rc = store_write_file(slash ? (*dir ? dir : "/") : ".", name, buf_str(&b), b.len, err,
				  errlen);
	free(dir);
	buf_release(&b);
	return rc;
}

int extend_main(int argc, char **argv)
{
	struct extend_options eo;
	unsigned char given[AW_ARRAY_LEN(rows)] = { 0 };
	struct input in = { 0 };
	struct run run;
	struct state st = { 0 };
	struct bt_ratings fit = { 0 };
	struct population none = { 0 };
	char err[1024] = "", *url = NULL, *work = NULL;
	int first, lock = -1, done_gens, status = AW_EXIT_USAGE;

	memset(&eo, 0, sizeof eo);
	memset(&run, 0, sizeof run);
	run.journal.fd = -1;
	struct options *o = &eo.o;
	const struct cli_command *cmd = extend_command();
	options_defaults(o);
	enum cli_result cr = cli_parse(cmd, &eo, given, argc, argv, &first);
	if (cr != CLI_RUN)
		return cr == CLI_EXIT ? AW_EXIT_OK : AW_EXIT_USAGE;
	options_mark_given(o, cmd, given);
	if (first >= argc)
		return usage("give the stories to lengthen: a run directory or a JSON Lines file");
	const char *input = argv[first++];
	if (first < argc)
		return usage("unexpected argument '%s'", argv[first]);
	if (!given[ROW_TARGET])
		return usage("option '--target-words' is required");
	if (!eo.out)
		return usage("option '--out' is required");
	if (!given[ROW_MAX])
		o->max_words = 2 * o->min_words;
	if (o->max_words <= o->min_words)
		return usage("option '--max-words': %ld is not above --target-words (%ld)", o->max_words,
			     o->min_words);

	struct stat sb;
	int is_dir = stat(input, &sb) == 0 && S_ISDIR(sb.st_mode);
	if ((is_dir ? read_run_dir(&in, input, &eo.top, err, sizeof err) :
		      read_jsonl(&in, input, err, sizeof err)) < 0)
		goto fail;
	if (!is_dir && given[ROW_TOP]) {
		snprintf(err, sizeof err, "option '--top' is for a run directory, and '%s' is a file",
			 input);
		goto fail;
	}
	if (!o->model)
		o->model = in.model;
	if (!o->model) {
		usage("option '--model' is required (INPUT is not a run directory)");
		goto out;
	}
	/* the endpoint, the key, headers and --extra-body, checked as evolve
	 * checks them */
	o->out_dir = eo.out;
	if (options_complete(o) != OPTIONS_RUN)
		goto out;
	/* the story templates are not used here: do not ask them for
	 * {{min_words}} */
	long target = o->min_words;
	o->min_words = 0;
	int loaded = texts_load(&run.texts, o, NULL, err, sizeof err);
	o->min_words = target;
	if (loaded < 0)
		goto fail;
	if (!o->prompt && !o->prompt_file) { /* the premise is the stories' own */
		free(run.texts.prompt);
		run.texts.prompt = xstrdup(in.prompt ? in.prompt : "");
	}
	if (!given[ROW_SEED])
		o->seed = (uint64_t)aw_now() * 1000003u & AW_SEED_MAX;
	work = xasprintf("%s%s", eo.out, WORK_SUFFIX);
	if ((lock = take_work(work, &eo, given, input, err, sizeof err)) < 0)
		goto fail;
	run.opt = o;
	run.started = aw_wall();
	rng_seed(&run.rng, o->seed);
	struct run_report none_run; /* the work directory has no run.json */
	memset(&none_run, 0, sizeof none_run);
	none_run.seed = o->seed;
	run.resume = resume_open(work, &none_run, &fit, &none, &done_gens, err, sizeof err);
	if (!run.resume || journal_open(&run.journal, work, NULL, err, sizeof err) < 0)
		goto fail;
	for (int k = 0; k < ROLE_N; k++) /* no caps, no prices */
		run.budget.price_in[k] = run.budget.price_out[k] = -1;

	status = AW_EXIT_FAILED;
	url = xstrdup(o->base_url); /* set: curl was initialised */
	curl_global_init(CURL_GLOBAL_DEFAULT);
	interrupt_install();
	struct http_config hc = {
		.cacert = o->cacert,
		.concurrency = o->concurrency,
		.timeout = o->timeout,
		.retries = o->retries,
		.max_reply = MAX_REPLY,
		.jitter_seed = o->seed ^ (unsigned long long)aw_now(),
		.describe = llm_describe_error,
		.wake_fd = interrupt_fd(),
		.stop = &interrupt_count,
		.grace = o->timeout < GRACE_SECONDS ? o->timeout : GRACE_SECONDS,
	};
	struct endpoint_spec spec = { "writer", o->base_url, o->api_key,
				      (const char *const *)o->headers.v, o->headers.n,
				      o->extra_body, o->model, o->token_param };
	/* What the work directory holds already is taken; the rest is asked. */
	long kept = 0, reused = 0, todo = 0;
	run.extender = extender_new(&run);
	st.run = &run;
	st.stories = &in.stories;
	st.todo = xcalloc(in.stories.n ? in.stories.n : 1, 1);
	for (size_t i = 0; i < in.stories.n; i++) {
		struct story *s = in.stories.v[i];
		char *jid = NULL, *text = s->text;
		s->temperature = o->temperature;
		s->text = NULL;
		if (resume_take_story(run.resume, s, &jid)) {
			free(text);
			reused++;
		} else if (extender_needed(run.extender, s->words)) {
			s->text = text;
			st.todo[i] = 1;
			todo++;
		} else {
			s->text = text;
			kept++;
		}
		free(jid);
	}
	int judge;
	if (todo && !o->no_preflight &&
	    endpoint_preflight(&hc, &spec, 1, NULL, &run.preflight_requests, err, sizeof err) < 0) {
		status = interrupt_count ? AW_EXIT_INTERRUPTED : AW_EXIT_FAILED;
		snprintf(err + strlen(err), sizeof err - strlen(err),
			 " (checked before any work; --no-preflight skips the check)");
		goto fail_net;
	}
	run.http = endpoint_client(&hc, &spec, NULL, &judge, err, sizeof err);
	if (!run.http)
		goto fail_net;
	progress_init(&run.progress, 1, http_stats(run.http));

	start_more(&st);
	enum http_result res = done(&st) ? HTTP_DONE : http_run_until(run.http, done, &st);
	if (res == HTTP_INTERRUPTED) {
		status = AW_EXIT_INTERRUPTED;
		aw_error("interrupted; run the same command again to go on (%s/ keeps what was done)",
			 work);
		goto out;
	}
	if (res == HTTP_STOPPED) {
		snprintf(err, sizeof err, "%s", http_error(run.http));
		goto fail_net;
	}
	long failed = 0, rounds = 0, grown = 0;
	for (size_t i = 0; i < in.stories.n; i++) {
		const struct story *s = in.stories.v[i];
		if (s->error) {
			aw_error("story '%s': %s", s->id, s->error);
			failed++;
		}
		grown += s->extensions > 0;
		rounds += s->extensions;
	}
	if (write_out(eo.out, &in.stories, err, sizeof err) < 0)
		goto fail_net;
	status = failed ? AW_EXIT_FAILED : AW_EXIT_OK;
	if (!o->quiet)
		printf("alphawrite: %zu stories written to %s (%ld lengthened in %ld rounds, %ld kept as "
		       "they were, %ld failed); %ld requests, %ld replies and %ld stories taken from %s/\n",
		       in.stories.n - (size_t)failed, eo.out, grown, rounds, kept, failed,
		       http_stats(run.http)->requests, resume_reused_parts(run.resume), reused, work);
	goto out;
fail_net:
	aw_error("%s", err);
	goto out;
fail:
	aw_error("%s", err);
out:
	if (run.http)
		http_free(run.http);
	extender_free(run.extender);
	if (url)
		curl_global_cleanup();
	journal_close(&run.journal);
	resume_free(run.resume);
	bt_ratings_free(&fit);
	population_free(&none);
	texts_free(&run.texts);
	input_free(&in);
	free(st.todo);
	free(url);
	free(work);
	options_release(o);
	if (lock >= 0)
		close(lock);
	return status;
}

/*
 * endpoint.c - the HTTP client for a command's endpoints, and the
 * preflight (see endpoint.h).
 */
#include "aw/endpoint.h"
#include "aw/interrupt.h"
#include "aw/llm.h"
#include "aw/options.h"
#include "aw/progress.h"
#include "aw/util.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PREFLIGHT_TIMEOUT 30.0 /* seconds at most per preflight attempt */
#define MAX_REPLY (8u << 20)   /* largest reply body accepted: 8 MiB */
#define GRACE_SECONDS 10.0     /* after SIGINT/SIGTERM, for requests in flight */

void endpoint_config(struct http_config *hc, const struct options *o, struct progress *p)
{
	interrupt_install();
	memset(hc, 0, sizeof *hc);
	hc->cacert = o->cacert;
	hc->concurrency = o->concurrency;
	hc->timeout = o->timeout;
	hc->retries = o->retries;
	hc->max_reply = MAX_REPLY;
	hc->jitter_seed = o->seed ^ (unsigned long long)aw_now();
	hc->describe = llm_describe_error;
	hc->wake_fd = interrupt_fd();
	hc->stop = &interrupt_count;
	hc->grace = o->timeout < GRACE_SECONDS ? o->timeout : GRACE_SECONDS;
	hc->tick = progress_tick;
	hc->tick_arg = p;
	hc->note = progress_note; /* a long wait is said even --quiet */
	hc->note_arg = p;
}

/* Every string value of an --extra-body object, at any depth, is secret. */
static void add_json_secrets(struct http *h, const cJSON *j)
{
	const cJSON *x;
	if (cJSON_IsString(j))
		http_add_secret(h, j->valuestring);
	cJSON_ArrayForEach(x, j) add_json_secrets(h, x);
}

/* Do two specs name the same endpoint, with the same key and headers? */
static int same_endpoint(const struct endpoint_spec *a, const struct endpoint_spec *b)
{
	if (strcmp(a->base_url, b->base_url) != 0 || !a->api_key != !b->api_key ||
	    (a->api_key && strcmp(a->api_key, b->api_key) != 0) || a->nheaders != b->nheaders)
		return 0;
	for (size_t i = 0; i < a->nheaders; i++)
		if (strcmp(a->headers[i], b->headers[i]) != 0)
			return 0;
	return 1;
}

struct http *endpoint_client(const struct http_config *base, const struct endpoint_spec *w,
			     const struct endpoint_spec *j, int *judge, char *err, size_t errlen)
{
	struct http_config hc = *base;
	char *url = xasprintf("%s/chat/completions", w->base_url);
	hc.url = url;
	hc.api_key = w->api_key;
	hc.headers = w->headers;
	hc.nheaders = w->nheaders;
	struct http *h = http_new(&hc, err, errlen);
	free(url);
	if (!h)
		return NULL;
	*judge = 0;
	if (j && !same_endpoint(w, j)) {
		char *jurl = xasprintf("%s/chat/completions", j->base_url);
		*judge = http_add_endpoint(h, jurl, j->api_key, j->headers, j->nheaders);
		free(jurl);
	}
	add_json_secrets(h, w->extra);
	if (j)
		add_json_secrets(h, j->extra);
	return h;
}

/* ------------------------------------------------------------ preflight */

struct probe {
	const struct endpoint_spec *spec; /* what it checks */
	struct http *http;          /* the client it went through */
	int endpoint;               /* its endpoint there */
	char problem[1024];         /* what is wrong, or "" */
};

static enum http_outcome probe_reply(void *ctx, const char *body, size_t len, char *why,
				     size_t whylen)
{
	struct probe *p = ctx;
	cJSON *root = cJSON_ParseWithLength(body, len);
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(root, "error");
	(void)why;
	(void)whylen;
	if (!cJSON_IsObject(root)) {
		int html = len && memchr(body, '<', len < 200 ? len : 200);
		snprintf(p->problem, sizeof p->problem,
			 "%s, model '%s' at '%s': the endpoint answered with %s, not the API's JSON; "
			 "check the base URL (OpenAI-compatible servers answer at .../v1)",
			 p->spec->role, p->spec->model, http_endpoint_url(p->http, p->endpoint),
			 html ? "a web page" : "something else");
	} else if (e && !cJSON_IsNull(e)) {
		char detail[600];
		llm_describe_error(body, len, detail, sizeof detail);
		snprintf(p->problem, sizeof p->problem, "%s, model '%s' at '%s': the endpoint answered "
			 "with an error: %s", p->spec->role, p->spec->model,
			 http_endpoint_url(p->http, p->endpoint), detail);
	}
	cJSON_Delete(root);
	return HTTP_OK;
}

static void probe_fail(void *ctx, const char *why)
{
	struct probe *p = ctx;
	snprintf(p->problem, sizeof p->problem, "%s, model '%s' at '%s': %s", p->spec->role,
		 p->spec->model, http_endpoint_url(p->http, p->endpoint), why);
}

static void probe_explain(void *ctx, long status, const char *detail, char *out, size_t n)
{
	struct probe *p = ctx;
	llm_explain_refusal(p->spec->role, p->spec->model, http_endpoint_url(p->http, p->endpoint),
			    p->spec->api_key != NULL, status, detail, out, n);
	snprintf(p->problem, sizeof p->problem, "%s", out);
}

int endpoint_preflight(const struct http_config *base, const struct endpoint_spec *specs,
		       size_t n, long *requests, char *err, size_t errlen)
{
	struct http_config hc = *base;
	hc.retries = 1;
	if (hc.timeout > PREFLIGHT_TIMEOUT)
		hc.timeout = PREFLIGHT_TIMEOUT;
	hc.note = NULL;
	hc.tick = NULL;
	*requests = 0;
	int judge = 0;
	struct http *h = endpoint_client(&hc, &specs[0], n > 1 ? &specs[1] : NULL, &judge, err,
					 errlen);
	if (!h)
		return -1;
	struct probe *probes = xcalloc(n, sizeof *probes);
	for (size_t i = 0; i < n; i++) {
		struct probe *p = &probes[i];
		p->spec = &specs[i];
		p->http = h;
		p->endpoint = i == 0 ? 0 : judge;
		int seen = 0;
		for (size_t k = 0; k < i; k++)
			seen |= probes[k].endpoint == p->endpoint &&
				strcmp(specs[k].model, specs[i].model) == 0;
		if (seen)
			continue;
		struct llm_request req = {
			.model = specs[i].model,
			.temperature = 0,
			.top_p = 1,
			.max_tokens = 1,
			.token_param = specs[i].token_param,
			.has_seed = 1, /* every request says its seed; this one's is 0 */
			.msg = { { "user", "Reply with the word OK." } },
			.nmsg = 1,
			.extra = specs[i].extra,
		};
		struct http_handler hd = { 0 };
		hd.reply = probe_reply;
		hd.fail = probe_fail;
		hd.explain = probe_explain;
		hd.ctx = p;
		hd.endpoint = p->endpoint;
		hd.sent = requests;
		http_submit(h, llm_request_json(&req), &hd);
	}
	enum http_result res = http_run(h);
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++)
		if (probes[i].problem[0])
			rc = aw_fail(err, errlen, "%s", probes[i].problem);
	if (rc == 0 && res == HTTP_STOPPED)
		rc = aw_fail(err, errlen, "%s", http_error(h));
	if (rc == 0 && res == HTTP_INTERRUPTED)
		rc = aw_fail(err, errlen, "interrupted");
	free(probes);
	http_free(h);
	return rc;
}

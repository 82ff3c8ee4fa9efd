/*
 * llm.c - chat-completions requests and replies (see llm.h).
 *
 * Replies are read defensively, following what real servers send
 * (openai-compat.md): extra fields are ignored, "usage" may be missing or
 * partly null, "content" may be null, reasoning may be inlined as
 * <think>...</think>, and an error object may arrive with status 200.
 */
#include "aw/llm.h"
#include "aw/buf.h"
#include "aw/data.h"
#include "aw/story.h"
#include "aw/util.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *llm_request_json(const struct llm_request *r)
{
	cJSON *root = cJSON_CreateObject();
	cJSON_AddStringToObject(root, "model", r->model);
	cJSON *msgs = cJSON_AddArrayToObject(root, "messages");
	for (int i = 0; i < r->nmsg; i++) {
		cJSON *m = cJSON_CreateObject();
		cJSON_AddStringToObject(m, "role", r->msg[i].role);
		cJSON_AddStringToObject(m, "content", r->msg[i].content);
		cJSON_AddItemToArray(msgs, m);
	}
	cJSON_AddNumberToObject(root, "temperature", r->temperature);
	cJSON_AddNumberToObject(root, "top_p", r->top_p);
	cJSON_AddNumberToObject(root, r->token_param, (double)r->max_tokens);
	if (r->has_seed)
		cJSON_AddNumberToObject(root, "seed", (double)r->seed);
	if (r->top_logprobs > 0) {
		cJSON_AddTrueToObject(root, "logprobs");
		cJSON_AddNumberToObject(root, "top_logprobs", r->top_logprobs);
	}
	cJSON_AddFalseToObject(root, "stream");
	const cJSON *x;
	cJSON_ArrayForEach(x, r->extra) {
		if (!x->string || !strcmp(x->string, "model") || !strcmp(x->string, "messages"))
			continue;
		cJSON_DeleteItemFromObjectCaseSensitive(root, x->string);
		cJSON_AddItemToObject(root, x->string, cJSON_Duplicate(x, 1));
	}
	char *out = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	if (!out) {
		fprintf(stderr, "alphawrite: out of memory building a request\n");
		abort();
	}
	char *copy = xstrdup(out);
	cJSON_free(out);
	return copy;
}

/* Copy s without <think>...</think> blocks, trimmed.  A reply that closes
 * a block it never opened (DeepSeek-R1 and its distills served without a
 * reasoning parser: the template opened it) loses everything up to that
 * first </think>. */
static char *strip_reasoning(const char *s)
{
	struct buf b = BUF_INIT;
	const char *p = s, *open = strstr(s, "<think>"), *close = strstr(s, "</think>");
	if (close && (!open || close < open))
		p = close + strlen("</think>");
	for (;;) {
		const char *o = strstr(p, "<think>");
		if (!o)
			break;
		const char *c = strstr(o, "</think>");
		buf_append(&b, p, (size_t)(o - p));
		if (!c) { /* unterminated: the rest is reasoning */
			p = o + strlen(o);
			break;
		}
		p = c + strlen("</think>");
	}
	buf_puts(&b, p);
	char *t = buf_detach(&b);
	char *start = t;
	while (*start && strchr(" \t\r\n", *start))
		start++;
	size_t n = strlen(start);
	while (n > 0 && strchr(" \t\r\n", start[n - 1]))
		n--;
	char *out = xstrndup(start, n);
	free(t);
	return out;
}

static long usage_field(const cJSON *usage, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(usage, name);
	/* Counts beyond 10^15 are not token counts: ignore them rather than
	 * overflow a long. */
	return cJSON_IsNumber(v) && v->valuedouble > 0 && v->valuedouble < 1e15 ?
		       (long)v->valuedouble : 0;
}

int llm_parse_reply(const char *body, size_t len, struct llm_reply *out, char *why, size_t n,
		    enum llm_bad *bad)
{
	memset(out, 0, sizeof *out);
	/* A NUL or a lone surrogate in a string would cut the text short or
	 * make the whole reply unreadable: each becomes '?', and is counted. */
	size_t fixed_len = 0;
	long repaired = 0;
	char *fixed = data_json_repair(body, len, &fixed_len, &repaired);
	if (fixed) {
		body = fixed;
		len = fixed_len;
		out->repaired = repaired;
	}
	cJSON *root = cJSON_ParseWithLength(body, len);
	int rc = -1;
	enum llm_bad kind = LB_NOT_JSON;
	if (!root) {
		aw_fail(why, n, "reply is not JSON");
		goto out;
	}
	if (!cJSON_IsObject(root)) {
		aw_fail(why, n, "reply is not a JSON object");
		goto out;
	}
	const cJSON *err = cJSON_GetObjectItemCaseSensitive(root, "error");
	const cJSON *choices = cJSON_GetObjectItemCaseSensitive(root, "choices");
	if (err && !cJSON_IsNull(err) && (!cJSON_IsArray(choices) || !cJSON_GetArraySize(choices))) {
		char detail[400];
		llm_describe_error(body, len, detail, sizeof detail);
		aw_fail(why, n, "error inside a 200 reply: %s", detail);
		kind = LB_ERROR_IN_200;
		goto out;
	}
	if (!cJSON_IsArray(choices) || cJSON_GetArraySize(choices) == 0) {
		aw_fail(why, n, "reply has no choices");
		kind = LB_NO_CHOICES;
		goto out;
	}
	const cJSON *choice = cJSON_GetArrayItem(choices, 0);
	const cJSON *msg = cJSON_GetObjectItemCaseSensitive(choice, "message");
	const cJSON *content = cJSON_GetObjectItemCaseSensitive(msg, "content");
	const cJSON *finish = cJSON_GetObjectItemCaseSensitive(choice, "finish_reason");
	if (cJSON_IsString(finish))
		snprintf(out->finish, sizeof out->finish, "%s", finish->valuestring);
	char *joined = NULL;
	if (cJSON_IsArray(content)) { /* content parts: join their text */
		struct buf b = BUF_INIT;
		const cJSON *part;
		cJSON_ArrayForEach(part, content) {
			const cJSON *t = cJSON_GetObjectItemCaseSensitive(part, "text");
			if (cJSON_IsString(t))
				buf_puts(&b, t->valuestring);
		}
		joined = buf_detach(&b);
	}
	if (!cJSON_IsString(content) && !joined) {
		aw_fail(why, n, "reply has no text (content is %s%s%s)",
			cJSON_IsNull(content) ? "null" : content ? "not a string" : "missing",
			out->finish[0] ? ", finish_reason " : "", out->finish);
		kind = LB_NO_TEXT;
		goto out;
	}
	if (strcmp(out->finish, "error") == 0 || strcmp(out->finish, "abort") == 0) {
		aw_fail(why, n, "generation ended with finish_reason '%s'", out->finish);
		free(joined);
		kind = LB_FINISH_ERROR;
		goto out;
	}
	out->content = strip_reasoning(joined ? joined : content->valuestring);
	free(joined);
	data_utf8_repair(out->content, strlen(out->content));
	if (!out->content[0]) {
		aw_fail(why, n, "reply text is empty");
		free(out->content);
		out->content = NULL;
		kind = LB_EMPTY_TEXT;
		goto out;
	}
	const cJSON *usage = cJSON_GetObjectItemCaseSensitive(root, "usage");
	if (cJSON_IsObject(usage)) {
		out->prompt_tokens = usage_field(usage, "prompt_tokens");
		out->completion_tokens = usage_field(usage, "completion_tokens");
	}
	const cJSON *lp = cJSON_GetObjectItemCaseSensitive(choice, "logprobs");
	lp = cJSON_GetObjectItemCaseSensitive(lp, "content");
	out->logprobs = cJSON_IsArray(lp) && cJSON_GetArraySize(lp) > 0 ? lp : NULL;
	out->root = root;
	free(fixed);
	return 0;
out:
	if (bad)
		*bad = kind;
	cJSON_Delete(root);
	free(fixed);
	return rc;
}

void llm_reply_release(struct llm_reply *r)
{
	free(r->content);
	r->content = NULL;
	cJSON_Delete(r->root);
	r->root = NULL;
	r->logprobs = NULL;
}

/* Copy at most n-1 bytes of s, turning control characters into spaces and
 * bytes that are not UTF-8 into '?'; a character cut by the limit is
 * dropped whole. */
static void clean_copy(char *out, size_t n, const char *s, size_t len)
{
	size_t k = 0, i;
	if (n == 0)
		return;
	for (i = 0; i < len && k + 1 < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\0')
			break;
		out[k++] = c < 0x20 ? ' ' : (char)c;
	}
	if (i < len && s[i] && ((unsigned char)s[i] & 0xc0) == 0x80) {
		while (k > 0 && ((unsigned char)out[k - 1] & 0xc0) == 0x80)
			k--;
		if (k > 0 && (unsigned char)out[k - 1] >= 0xc0)
			k--;
	}
	data_utf8_repair(out, k);
	out[k] = '\0';
	while (k > 0 && out[k - 1] == ' ')
		out[--k] = '\0';
}

void llm_describe_error(const char *body, size_t len, char *out, size_t n)
{
	if (n == 0)
		return;
	out[0] = '\0';
	size_t fixed_len = 0;
	char *fixed = data_json_repair(body, len, &fixed_len, NULL);
	if (fixed) {
		body = fixed;
		len = fixed_len;
	}
	cJSON *root = cJSON_ParseWithLength(body, len);
	const cJSON *msg = NULL;
	if (cJSON_IsObject(root)) {
		const cJSON *err = cJSON_GetObjectItemCaseSensitive(root, "error");
		if (cJSON_IsString(err))
			msg = err;
		else if (cJSON_IsObject(err))
			msg = cJSON_GetObjectItemCaseSensitive(err, "message");
		if (!cJSON_IsString(msg))
			msg = cJSON_GetObjectItemCaseSensitive(root, "message");
		if (!cJSON_IsString(msg))
			msg = cJSON_GetObjectItemCaseSensitive(root, "detail");
	}
	if (cJSON_IsString(msg)) {
		clean_copy(out, n, msg->valuestring, strlen(msg->valuestring));
	} else if (root && cJSON_IsObject(root)) {
		char *flat = cJSON_PrintUnformatted(root);
		if (flat) {
			clean_copy(out, n < 300 ? n : 300, flat, strlen(flat));
			cJSON_free(flat);
		}
	} else if (len > 0) {
		/* HTML or plain text: keep the first words, with tags removed. */
		char tmp[300];
		size_t k = 0;
		int in_tag = 0;
		for (size_t i = 0; i < len && k + 1 < sizeof tmp; i++) {
			char c = body[i];
			if (c == '<')
				in_tag = 1;
			else if (c == '>')
				in_tag = 0, c = ' ';
			if (in_tag)
				continue;
			if (k > 0 && tmp[k - 1] == ' ' && (c == ' ' || c == '\n' || c == '\r' || c == '\t'))
				continue;
			tmp[k++] = c;
		}
		char *s = tmp;
		while (s < tmp + k && (*s == ' ' || *s == '\n' || *s == '\r' || *s == '\t'))
			s++;
		clean_copy(out, n < 200 ? n : 200, s, (size_t)(tmp + k - s));
	}
	cJSON_Delete(root);
	free(fixed);
}

/* ------------------------------------------------------------- llm_ask() */

struct ask {
	struct http *http;        /* the client it was sent through */
	struct llm_request req;   /* the request, to ask again differently */
	struct llm_usage *usage;  /* where token counts go */
	llm_text_fn on_text;      /* the caller's callbacks */
	llm_fail_fn on_fail;
	void *ctx;
	long prompt_est;          /* its prompt's tokens, estimated */
	int held;                 /* an attempt is reserved in req.budget */
};

/* A reply's tokens as reported, else estimated from its text. */
static void spend(struct ask *a, const struct llm_reply *r)
{
	if (!a->req.budget)
		return;
	long in = r->prompt_tokens ? r->prompt_tokens : a->prompt_est;
	long out = r->completion_tokens ? r->completion_tokens :
					  (long)(text_count_words(r->content) * 4 / 3 + 1);
	budget_spend(a->req.budget, a->req.role, in, out);
}

static const char *ask_may_start(void *arg)
{
	struct ask *a = arg;
	if (!a->req.budget)
		return NULL;
	const char *no = budget_reserve(a->req.budget, a->req.role, a->prompt_est,
					a->req.max_tokens);
	a->held = !no;
	return no;
}

static void ask_landed(void *arg)
{
	struct ask *a = arg;
	if (a->held)
		budget_release(a->req.budget, a->req.role, a->prompt_est, a->req.max_tokens);
	a->held = 0;
}

void llm_explain_refusal(const char *role, const char *model, const char *url, int key_sent,
			 long status, const char *detail, char *out, size_t n)
{
	const char *hint = "";
	int says_model = detail && (strstr(detail, "model") || strstr(detail, "Model"));
	int has_v1 = strstr(url, "/v1") != NULL;
	if (status == 401)
		hint = key_sent ? "the key was refused: check it (OPENAI_API_KEY, or "
				  "ALPHAWRITE_JUDGE_API_KEY for a separate judge endpoint)" :
				  "no API key was sent: set OPENAI_API_KEY (or "
				  "ALPHAWRITE_JUDGE_API_KEY for a separate judge endpoint)";
	else if (status == 403)
		hint = "the key may not use this model or endpoint";
	else if (status == 404 && says_model)
		hint = "that model does not exist there: check --model / --judge-model";
	else if (status == 404 && !has_v1)
		hint = "no such route: OpenAI-compatible servers serve /v1/chat/completions; try "
		       "the base URL with /v1 at its end";
	else if (status == 404)
		hint = "no such route or model there: check --base-url and the model name";
	else if (status == 400 || status == 422)
		hint = "the endpoint rejected a parameter; --token-param max_completion_tokens "
		       "suits OpenAI's reasoning models, and --extra-body may help others";
	else if (status == 429)
		hint = "rate limited past every retry: lower --concurrency, or wait";
	size_t dl = detail ? strlen(detail) : 0;
	while (dl > 0 && (detail[dl - 1] == '.' || detail[dl - 1] == ' '))
		dl--; /* the hint follows after "; " */
	snprintf(out, n, "%s, model '%s' at '%s': the endpoint refused the request (HTTP %ld)%s%.*s%s%s",
		 role, model, url, status, dl ? ": " : "", (int)dl, dl ? detail : "",
		 *hint ? "; " : "", hint);
}

/* What a refused request means for the user, and what to do about it. */
static void ask_explain(void *arg, long status, const char *detail, char *out, size_t n)
{
	struct ask *a = arg;
	llm_explain_refusal(a->req.role_name ? a->req.role_name : "request", a->req.model,
			    http_endpoint_url(a->http, a->req.endpoint), a->req.key_sent, status,
			    detail, out, n);
}

static enum http_outcome ask_reply(void *arg, const char *body, size_t len, char *why,
				   size_t whylen)
{
	struct ask *a = arg;
	struct llm_reply r;
	enum llm_bad bad;
	if (llm_parse_reply(body, len, &r, why, whylen, &bad) < 0) {
		a->usage->bad[bad]++;
		return HTTP_RETRY;
	}
	a->usage->repaired += r.repaired > 0;
	r.content = http_redact(a->http, r.content);
	spend(a, &r);
	if (r.prompt_tokens || r.completion_tokens) {
		a->usage->prompt_tokens += r.prompt_tokens;
		a->usage->completion_tokens += r.completion_tokens;
	} else {
		a->usage->replies_without_usage++;
	}
	enum http_outcome o = a->on_text(a->ctx, &r, why, whylen);
	llm_reply_release(&r);
	return o;
}

/* A refused request that asked for logprobs may be asked again without. */
static char *ask_refused(void *arg, long status, const char *detail)
{
	struct ask *a = arg;
	(void)detail;
	if ((status != 400 && status != 403) || a->req.top_logprobs <= 0 ||
	    !a->req.logprobs_refused)
		return NULL;
	a->req.top_logprobs = 0;
	*a->req.logprobs_refused = 1;
	return llm_request_json(&a->req);
}

static void ask_fail(void *arg, const char *why)
{
	struct ask *a = arg;
	a->on_fail(a->ctx, why);
}

void llm_ask(struct http *h, const struct llm_request *r, struct llm_usage *usage,
	     llm_text_fn on_text, llm_fail_fn on_fail, void *ctx)
{
	struct ask *a = xcalloc(1, sizeof *a);
	a->http = h;
	a->req = *r;
	a->usage = usage;
	a->on_text = on_text;
	a->on_fail = on_fail;
	a->ctx = ctx;
	char *body = llm_request_json(r);
	a->prompt_est = budget_estimate_tokens(strlen(body));
	struct http_handler hd = { 0 };
	hd.reply = ask_reply;
	hd.fail = ask_fail;
	hd.refused = ask_refused;
	hd.release = free;
	hd.may_start = ask_may_start;
	hd.landed = ask_landed;
	hd.explain = ask_explain;
	hd.ctx = a;
	hd.sent = r->sent;
	hd.endpoint = r->endpoint;
	http_submit(h, body, &hd);
}

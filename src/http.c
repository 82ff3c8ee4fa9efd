/*
 * http.c - sliding-window HTTP client on one libcurl multi handle (see
 * http.h for the policy).
 *
 * The multi handle is the event loop, as in curl's own tool: curl_multi_poll
 * is the only blocking call, retry timers are data (a job's not_before), and
 * completions are dispatched from curl_multi_info_read.  Jobs wait in two
 * lists: `ready` (FIFO, may start now) and `delayed` (waiting for their
 * backoff to pass).  The self-pipe passed as wake_fd makes a signal end the
 * poll at once.
 */
#include "aw/http.h"
#include "aw/buf.h"
#include "aw/rng.h"
#include "aw/util.h"

#include <curl/curl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define BACKOFF_BASE 0.5      /* seconds before the first retry */
#define BACKOFF_CAP 30.0      /* longest backoff we choose ourselves */
#define RETRY_AFTER_CAP 120.0 /* longest Retry-After we honour, unless
			       * --timeout is longer */
#define LONG_WAIT 30.0        /* a wait this long is said, even --quiet */

struct job {
	struct job *next;             /* link in ready or delayed */
	struct job *fnext;            /* link in flying */
	char *body;                   /* request JSON (owned) */
	size_t len;                   /* bytes in body */
	struct http_handler handler;  /* what to do with the outcome */
	long attempts;                /* attempts started */
	double not_before;            /* monotonic time it may start */
	CURL *easy;                   /* the transfer while in flight */
	struct buf reply;             /* reply body of the current attempt */
	int too_big;                  /* reply passed max_reply */
	size_t max_reply;             /* the client's max_reply, for on_header */
	double retry_after;           /* Retry-After seconds, <0 none */
	int should_retry;             /* x-should-retry: 1, 0, or -1 absent */
	char errbuf[CURL_ERROR_SIZE]; /* libcurl's message for this attempt */
};

/* Where requests go: one per distinct endpoint (the writer's, the
 * judge's), sharing the multi handle and the request window. */
struct endpoint {
	char *url;                    /* full URL requests are POSTed to */
	char *shown;                  /* url without user:password@ */
	struct curl_slist *headers;   /* every header, the key's included */
};

struct http {
	struct http_config cfg;       /* settings (strings borrowed) */
	struct endpoint *eps;         /* endpoints, 0 from cfg */
	size_t neps;
	int draining;                 /* no new attempt: stop once the ones in
				       * flight have ended (a cap was reached) */
	char drain_why[1024];         /* ... and why */
	struct secret *secrets;       /* key, URL user and password, marked
				       * header and body values */
	size_t nsecrets;
	CURLM *multi;                 /* the one multi handle */
	struct job *ready, *ready_tail; /* jobs that may start now */
	struct job *delayed;          /* jobs waiting for their backoff */
	struct job *flying;           /* jobs in flight */
	struct rng jitter;            /* backoff jitter, apart from the run's */
	struct http_stats stats;      /* counters */
	double last_change;           /* when in_flight last changed */
	char error[1024];             /* why the run stopped */
	double last_note;             /* when a long wait was last said */
	int fatal;                    /* a fatal reply was seen */
	long jobs;                    /* submitted and not ended */
	long ending;                  /* jobs whose reply or fail callback is
				       * running: they no longer hold a slot */
};

/* ---------------------------------------------------------------- helpers */

double http_backoff(long k, double retry_after, double u)
{
	if (retry_after > 0)
		return retry_after < RETRY_AFTER_CAP ? retry_after : RETRY_AFTER_CAP;
	double d = BACKOFF_BASE * pow(2.0, (double)(k < 30 ? k : 30));
	if (d > BACKOFF_CAP)
		d = BACKOFF_CAP;
	return d * (0.5 + 0.5 * u); /* jitter: spread retries of a burst apart */
}

static void account(struct http *h, long delta)
{
	double now = aw_now();
	h->stats.slot_seconds += (double)h->stats.in_flight * (now - h->last_change);
	h->last_change = now;
	h->stats.in_flight += delta;
	if (h->stats.in_flight > h->stats.peak_in_flight)
		h->stats.peak_in_flight = h->stats.in_flight;
}

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
	struct job *j = arg;
	if (buf_append(&j->reply, p, size * n) < 0) {
		j->too_big = 1;
		return 0; /* aborts the transfer with CURLE_WRITE_ERROR */
	}
	return size * n;
}

static int header_is(const char *line, size_t len, const char *name, const char **val)
{
	size_t n = strlen(name);
	if (len <= n || strncasecmp(line, name, n) != 0 || line[n] != ':')
		return 0;
	*val = line + n + 1;
	return 1;
}

static size_t on_header(char *p, size_t size, size_t n, void *arg)
{
	struct job *j = arg;
	size_t len = size * n;
	char line[256];
	const char *v;
	if (len >= 5 && strncmp(p, "HTTP/", 5) == 0) { /* a new response */
		j->retry_after = -1;
		j->should_retry = -1;
		return len;
	}
	if (len >= sizeof line)
		return len;
	memcpy(line, p, len);
	line[len] = '\0';
	if (header_is(line, len, "retry-after-ms", &v)) {
		double ms = strtod(v, NULL);
		if (ms > 0)
			j->retry_after = ms / 1000.0;
	} else if (header_is(line, len, "retry-after", &v)) {
		char *end;
		double s = strtod(v, &end);
		if (end != v && s > 0 && j->retry_after < 0)
			j->retry_after = s;
		else if (end == v) {
			time_t when = curl_getdate(v, NULL);
			if (when > 0 && j->retry_after < 0) {
				double d = difftime(when, time(NULL));
				j->retry_after = d > 0 ? d : 0.001;
			}
		}
	} else if (header_is(line, len, "content-length", &v)) {
		/* a body announced larger than we accept is refused before a
		 * byte of it is read (the transfer stops here) */
		char *end;
		double cl = strtod(v, &end);
		if (end != v && cl > (double)j->max_reply) {
			j->too_big = 1;
			return 0;
		}
	} else if (header_is(line, len, "x-should-retry", &v)) {
		while (*v == ' ')
			v++;
		j->should_retry = strncasecmp(v, "true", 4) == 0 ? 1 :
				  strncasecmp(v, "false", 5) == 0 ? 0 : -1;
	}
	return len;
}

/*
 * Secrets are cut out of everything an endpoint sends back, before anyone
 * reads it: a server or proxy that echoes the request's Authorization header
 * or URL in an error message, or even in a completion, must not carry the
 * key into a story, a file or a message.  Strings shorter than SECRET_MIN
 * are left alone: hiding them would mangle ordinary words and guard nothing.
 *
 * A value of --extra-body may be an ordinary word ("high", "story"): it is
 * cut out of every message, but out of a reply's text only when it looks
 * like a token (TOKEN_MIN characters or more, no white space), since a
 * story that says "high" has not leaked anything, and cutting the word
 * out would edit the story.
 */
#define SECRET_MIN 4
#define TOKEN_MIN 8

struct secret {
	char *s;                      /* the string (owned, wiped when freed) */
	int messages_only;            /* hidden in messages, not in replies */
};

static void add_secret(struct http *h, const char *s, size_t n, int messages_only)
{
	if (n < SECRET_MIN)
		return;
	h->secrets = xrealloc(h->secrets, (h->nsecrets + 1) * sizeof *h->secrets);
	h->secrets[h->nsecrets].s = xstrndup(s, n);
	h->secrets[h->nsecrets++].messages_only = messages_only;
}

/* The user and password of a "scheme://user:password@host/..." URL. */
static void add_url_secrets(struct http *h, const char *url)
{
	size_t n;
	const char *p = aw_url_userinfo(url, &n);
	if (!p)
		return;
	const char *colon = memchr(p, ':', n);
	add_secret(h, p, colon ? (size_t)(colon - p) : n, 0);
	if (colon)
		add_secret(h, colon + 1, n - (size_t)(colon - p) - 1, 0);
}

/* Replace every secret in b with "[redacted]" (a message: every one; a
 * reply: all but those hidden in messages only). */
static void hide_secrets(const struct http *h, struct buf *b, int message)
{
	for (size_t k = 0; k < h->nsecrets; k++) {
		if (h->secrets[k].messages_only && !message)
			continue;
		const char *s = h->secrets[k].s;
		size_t n = strlen(s), from = 0;
		struct buf out = BUF_INIT;
		for (size_t i = 0; i + n <= b->len; i++) {
			if (b->data[i] != s[0] || memcmp(b->data + i, s, n) != 0)
				continue;
			buf_append(&out, b->data + from, i - from);
			buf_puts(&out, "[redacted]");
			from = i + n;
			i = from - 1;
		}
		if (from == 0)
			continue;
		buf_append(&out, b->data + from, b->len - from);
		out.max = b->max;
		buf_release(b);
		*b = out;
	}
}

/* The same in a NUL-terminated string.  Returns s, or a new string and s
 * freed. */
static char *redact(const struct http *h, char *s, int message)
{
	if (!s || !h->nsecrets)
		return s;
	struct buf b = BUF_INIT;
	buf_puts(&b, s);
	size_t before = b.len;
	hide_secrets(h, &b, message);
	if (b.len == before && memcmp(b.data, s, before) == 0) {
		buf_release(&b);
		return s;
	}
	free(s);
	return buf_detach(&b);
}

/* Text decoded from a reply: a secret echoed back JSON-escaped is only
 * whole once decoded. */
char *http_redact(const struct http *h, char *s)
{
	return redact(h, s, 0);
}

/* The same in a message buffer of n bytes (cut to fit). */
static void redact_into(const struct http *h, char *msg, size_t n)
{
	if (!h->nsecrets || !n)
		return;
	char *r = redact(h, xstrdup(msg), 1);
	snprintf(msg, n, "%s", r);
	free(r);
}

static void job_free(struct http *h, struct job *j)
{
	h->jobs--;
	if (j->handler.release)
		j->handler.release(j->handler.ctx);
	free(j->body);
	buf_release(&j->reply);
	free(j);
}

static void push_ready(struct http *h, struct job *j)
{
	j->next = NULL;
	if (h->ready_tail)
		h->ready_tail->next = j;
	else
		h->ready = j;
	h->ready_tail = j;
}

/* ---------------------------------------------------------------- public */

int http_add_endpoint(struct http *h, const char *url, const char *api_key,
		      const char *const *headers, size_t nheaders)
{
	h->eps = xrealloc(h->eps, (h->neps + 1) * sizeof *h->eps);
	struct endpoint *ep = &h->eps[h->neps];
	ep->url = xstrdup(url);
	ep->shown = aw_public_url(url);
	if (api_key)
		add_secret(h, api_key, strlen(api_key), 0);
	add_url_secrets(h, url);
	ep->headers = curl_slist_append(NULL, "Content-Type: application/json");
	ep->headers = curl_slist_append(ep->headers, "Accept: application/json");
	ep->headers = curl_slist_append(ep->headers, "Expect:");
	if (api_key) {
		char *auth = xasprintf("Authorization: Bearer %s", api_key);
		ep->headers = curl_slist_append(ep->headers, auth);
		memset(auth, 0, strlen(auth));
		free(auth);
	}
	for (size_t i = 0; i < nheaders; i++) {
		/* "Name: value": the value is as secret as the key */
		const char *colon = strchr(headers[i], ':');
		if (colon) {
			const char *v = colon + 1 + strspn(colon + 1, " \t");
			add_secret(h, v, strlen(v), 0);
		}
		ep->headers = curl_slist_append(ep->headers, headers[i]);
	}
	return (int)h->neps++;
}

void http_add_body_secret(struct http *h, const char *secret)
{
	size_t n = strlen(secret);
	add_secret(h, secret, n, n < TOKEN_MIN || secret[strcspn(secret, " \t\r\n")]);
}

const char *http_endpoint_url(const struct http *h, int endpoint)
{
	return endpoint >= 0 && (size_t)endpoint < h->neps ? h->eps[endpoint].shown : "";
}

struct http *http_new(const struct http_config *cfg, char *err, size_t errlen)
{
	struct http *h = xcalloc(1, sizeof *h);
	h->cfg = *cfg;
	h->multi = curl_multi_init();
	if (!h->multi) {
		http_free(h);
		aw_fail(err, errlen, "cannot initialise libcurl");
		return NULL;
	}
	curl_multi_setopt(h->multi, CURLMOPT_MAXCONNECTS, cfg->concurrency + 4);
	curl_multi_setopt(h->multi, CURLMOPT_MAX_HOST_CONNECTIONS, cfg->concurrency);
	http_add_endpoint(h, cfg->url, cfg->api_key, cfg->headers, cfg->nheaders);
	rng_seed(&h->jitter, cfg->jitter_seed);
	h->last_change = aw_now();
	return h;
}

void http_submit(struct http *h, char *body, const struct http_handler *handler)
{
	struct job *j = xcalloc(1, sizeof *j);
	j->body = body;
	j->len = strlen(body);
	j->handler = *handler;
	buf_init(&j->reply, h->cfg.max_reply);
	j->max_reply = h->cfg.max_reply;
	h->jobs++;
	push_ready(h, j);
}

static int start(struct http *h, struct job *j)
{
	CURL *e = curl_easy_init();
	if (!e)
		return -1;
	buf_reset(&j->reply);
	j->too_big = 0;
	j->retry_after = -1;
	j->should_retry = -1;
	j->errbuf[0] = '\0';
	const struct endpoint *ep = &h->eps[j->handler.endpoint];
	curl_easy_setopt(e, CURLOPT_URL, ep->url);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, ep->headers);
	curl_easy_setopt(e, CURLOPT_POSTFIELDS, j->body);
	curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)j->len);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, j);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, j);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, j->errbuf);
	curl_easy_setopt(e, CURLOPT_PRIVATE, j);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)(h->cfg.timeout * 1000));
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
			 (long)((h->cfg.timeout < 30 ? h->cfg.timeout : 30) * 1000));
	curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_USERAGENT, "alphawrite");
	if (h->cfg.cacert)
		curl_easy_setopt(e, CURLOPT_CAINFO, h->cfg.cacert);
	if (curl_multi_add_handle(h->multi, e) != CURLM_OK) {
		curl_easy_cleanup(e);
		return -1;
	}
	j->easy = e;
	j->fnext = h->flying;
	h->flying = j;
	j->attempts++;
	if (j->handler.sent)
		(*j->handler.sent)++;
	h->stats.requests++;
	if (j->attempts > 1)
		h->stats.retries++;
	account(h, +1);
	return 0;
}

/* Retry j if it has attempts left, else report it failed. */
static void retry_or_fail(struct http *h, struct job *j, const char *why, int retryable)
{
	if (retryable && j->attempts <= h->cfg.retries) {
		double wait = http_backoff(j->attempts - 1, j->retry_after, rng_unit(&h->jitter));
		/* A Retry-After beyond the usual cap is honoured up to --timeout,
		 * when that is longer: the user said to wait that long. */
		if (j->retry_after > RETRY_AFTER_CAP && h->cfg.timeout > RETRY_AFTER_CAP)
			wait = j->retry_after < h->cfg.timeout ? j->retry_after : h->cfg.timeout;
		double now = aw_now();
		if (wait >= LONG_WAIT && h->cfg.note && now - h->last_note >= LONG_WAIT) {
			char note[160];
			snprintf(note, sizeof note,
				 "the endpoint asked to wait %.0f s before trying again (%s); waiting",
				 wait, j->retry_after > 0 ? "Retry-After" : "backoff");
			h->cfg.note(h->cfg.note_arg, note);
			h->last_note = now;
		}
		j->not_before = aw_now() + wait;
		j->next = h->delayed;
		h->delayed = j;
		return;
	}
	char msg[1024];
	if (retryable)
		snprintf(msg, sizeof msg, "%s (gave up after %ld attempts)", why, j->attempts);
	else
		snprintf(msg, sizeof msg, "%s", why);
	redact_into(h, msg, sizeof msg);
	h->stats.failed++;
	h->ending++;
	if (j->handler.fail)
		j->handler.fail(j->handler.ctx, msg);
	h->ending--;
	job_free(h, j);
}

/* What a transport failure means, in words a person can act on, with
 * libcurl's own words after them. */
static void transport_words(CURLcode rc, const char *errbuf, char *out, size_t n)
{
	const char *curl = errbuf[0] ? errbuf : curl_easy_strerror(rc);
	const char *what;
	switch (rc) {
	case CURLE_COULDNT_CONNECT:
		what = "connection refused: nothing answers at that address (is the server "
		       "running, on that port?)";
		break;
	case CURLE_COULDNT_RESOLVE_HOST:
		what = "cannot resolve the host name (a typo in the URL, or no network?)";
		break;
	case CURLE_SSL_CONNECT_ERROR:
		what = strstr(curl, "wrong version number") ?
			       "TLS failed: the server does not speak https there (try http://)" :
			       "the TLS handshake failed";
		break;
	case CURLE_PEER_FAILED_VERIFICATION:
		what = "the server's TLS certificate is not trusted (a private CA? give it with "
		       "--cacert FILE)";
		break;
	case CURLE_OPERATION_TIMEDOUT:
		what = "no complete reply within --timeout";
		break;
	case CURLE_GOT_NOTHING:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
		what = "the connection was dropped";
		break;
	default:
		what = NULL;
		break;
	}
	if (what)
		snprintf(out, n, "%s (%s)", what, curl);
	else
		snprintf(out, n, "%s", curl);
}

static int transport_fatal(CURLcode rc)
{
	return rc == CURLE_URL_MALFORMAT || rc == CURLE_UNSUPPORTED_PROTOCOL ||
	       rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CACERT_BADFILE ||
	       rc == CURLE_SSL_CERTPROBLEM || rc == CURLE_NOT_BUILT_IN;
}

/* End j's transfer: take it off the multi handle and the flying list. */
static void land(struct http *h, struct job *j)
{
	struct job **pp = &h->flying;
	while (*pp && *pp != j)
		pp = &(*pp)->fnext;
	if (*pp)
		*pp = j->fnext;
	curl_multi_remove_handle(h->multi, j->easy);
	curl_easy_cleanup(j->easy);
	j->easy = NULL;
	account(h, -1);
}

static void finish(struct http *h, struct job *j, CURLcode rc)
{
	long status = 0;
	char why[1024];
	curl_easy_getinfo(j->easy, CURLINFO_RESPONSE_CODE, &status);
	land(h, j);
	if (j->handler.landed)
		j->handler.landed(j->handler.ctx);
	hide_secrets(h, &j->reply, 0);

	if (rc != CURLE_OK) {
		h->stats.faults[j->too_big ? HF_TOO_LARGE :
				rc == CURLE_OPERATION_TIMEDOUT ? HF_TIMEOUT : HF_CONNECTION]++;
		if (j->too_big) {
			snprintf(why, sizeof why, "reply larger than %zu bytes", h->cfg.max_reply);
			retry_or_fail(h, j, why, 1);
		} else if (transport_fatal(rc)) {
			char words[800];
			transport_words(rc, j->errbuf, words, sizeof words);
			snprintf(h->error, sizeof h->error, "cannot reach '%s': %s",
				 h->eps[j->handler.endpoint].shown, words);
			h->fatal = 1;
			job_free(h, j);
		} else {
			transport_words(rc, j->errbuf, why, sizeof why);
			retry_or_fail(h, j, why, 1);
		}
		return;
	}

	if (status >= 200 && status < 300) {
		why[0] = '\0';
		h->ending++;
		enum http_outcome o = j->handler.reply(j->handler.ctx, buf_str(&j->reply),
							j->reply.len, why, sizeof why);
		h->ending--;
		if (o == HTTP_OK) {
			job_free(h, j);
		} else if (o == HTTP_RETRY) {
			h->stats.faults[HF_BAD_REPLY]++;
			retry_or_fail(h, j, why[0] ? why : "unusable reply", 1);
		} else {
			snprintf(h->error, sizeof h->error, "%s", why);
			redact_into(h, h->error, sizeof h->error);
			h->fatal = 1;
			job_free(h, j);
		}
		return;
	}

	char detail[600] = "";
	if (h->cfg.describe)
		h->cfg.describe(buf_str(&j->reply), j->reply.len, detail, sizeof detail);
	redact_into(h, detail, sizeof detail);
	int retryable = status == 408 || status == 409 || status == 429 || status >= 500;
	if (j->should_retry >= 0)
		retryable = j->should_retry;
	if (retryable || (status >= 500 && j->should_retry == 0)) {
		h->stats.faults[status == 429 ? HF_429 : status >= 500 ? HF_5XX : HF_OTHER_STATUS]++;
		snprintf(why, sizeof why, "HTTP %ld%s%s%s", status, detail[0] ? ": " : "", detail,
			 status == 429 && j->attempts > h->cfg.retries ?
				 " (rate limited past every retry: lower --concurrency, or wait)" : "");
		retry_or_fail(h, j, why, retryable);
		return;
	}
	if (status >= 400 && j->handler.refused) {
		char *body = j->handler.refused(j->handler.ctx, status, detail);
		if (body) { /* the caller can ask differently: send that at once */
			free(j->body);
			j->body = body;
			j->len = strlen(body);
			push_ready(h, j);
			return;
		}
	}
	if (status >= 300 && status < 400)
		snprintf(h->error, sizeof h->error,
			 "the endpoint '%s' answered with a redirect (HTTP %ld); give the final URL with --base-url",
			 h->eps[j->handler.endpoint].shown, status);
	else if (j->handler.explain)
		j->handler.explain(j->handler.ctx, status, detail, h->error, sizeof h->error);
	else
		snprintf(h->error, sizeof h->error, "the endpoint refused the request (HTTP %ld)%s%s",
			 status, detail[0] ? ": " : "", detail);
	redact_into(h, h->error, sizeof h->error);
	h->fatal = 1;
	job_free(h, j);
}

static void promote_due(struct http *h, double now)
{
	struct job **pp = &h->delayed;
	while (*pp) {
		struct job *j = *pp;
		if (j->not_before <= now) {
			*pp = j->next;
			push_ready(h, j);
		} else {
			pp = &j->next;
		}
	}
}

/* Forget every job, aborting the ones in flight; no callback is called. */
static void drop_all(struct http *h)
{
	while (h->flying) {
		struct job *j = h->flying;
		land(h, j);
		if (j->handler.landed)
			j->handler.landed(j->handler.ctx);
		job_free(h, j);
	}
	for (struct job *j = h->ready, *next; j; j = next) {
		next = j->next;
		job_free(h, j);
	}
	for (struct job *j = h->delayed, *next; j; j = next) {
		next = j->next;
		job_free(h, j);
	}
	h->ready = h->ready_tail = h->delayed = NULL;
}

enum http_result http_run_until(struct http *h, int (*done)(void *arg), void *arg)
{
	double t0 = aw_now(), stop_at = 0;
	enum http_result res = HTTP_DONE;
	struct curl_waitfd wfd = { h->cfg.wake_fd, CURL_WAIT_POLLIN, 0 };

	double fatal_at = 0;
	for (;;) {
		double now = aw_now();
		/* A refusal stops the run, but what is in flight was paid for:
		 * nothing more is sent, and those replies land first (as long
		 * as after a signal). */
		if (h->fatal) {
			if (fatal_at == 0)
				fatal_at = now;
			if (h->stats.in_flight == 0 || now - fatal_at >= h->cfg.grace) {
				res = HTTP_STOPPED;
				break;
			}
		}
		int stopping = h->cfg.stop && *h->cfg.stop;
		if (stopping) {
			if (stop_at == 0)
				stop_at = now;
			if (*h->cfg.stop > 1 || h->stats.in_flight == 0 ||
			    now - stop_at >= h->cfg.grace) {
				res = HTTP_INTERRUPTED;
				break;
			}
		}
		promote_due(h, now);
		if (h->draining && h->stats.in_flight == 0) {
			snprintf(h->error, sizeof h->error, "%s", h->drain_why);
			res = HTTP_STOPPED;
			break;
		}
		/* The stop flag is read again before each start: a signal that
		 * lands while the window is being filled stops it there. */
		while (!stopping && !h->fatal && !(h->cfg.stop && *h->cfg.stop) && !h->draining &&
		       h->stats.in_flight < h->cfg.concurrency && h->ready) {
			struct job *j = h->ready;
			const char *no = j->handler.may_start ? j->handler.may_start(j->handler.ctx) : NULL;
			if (no) { /* a cap: nothing more is sent; what is out comes in */
				snprintf(h->drain_why, sizeof h->drain_why, "%s", no);
				h->draining = 1;
				break;
			}
			h->ready = j->next;
			if (!h->ready)
				h->ready_tail = NULL;
			if (start(h, j) < 0) {
				snprintf(h->error, sizeof h->error, "cannot start a transfer");
				h->fatal = 1;
				job_free(h, j);
				break;
			}
		}
		if (h->stats.in_flight == 0 && !h->ready && !h->delayed)
			break;
		if (done && !stopping && !h->fatal && done(arg))
			break;

		int running;
		curl_multi_perform(h->multi, &running);
		CURLMsg *msg;
		int left;
		while ((msg = curl_multi_info_read(h->multi, &left))) {
			if (msg->msg != CURLMSG_DONE)
				continue;
			CURL *e = msg->easy_handle;
			CURLcode rc = msg->data.result;
			struct job *j;
			curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&j);
			finish(h, j, rc);
		}
		if (h->stats.in_flight == 0 && (h->fatal || !h->delayed || stopping))
			continue; /* stop, start what was queued, or finish */

		long wait = 1000;
		if (!stopping && !h->fatal && !h->draining && h->ready &&
		    h->stats.in_flight < h->cfg.concurrency)
			wait = 0;
		if (stopping) /* wake up when the grace period ends */
			wait = (long)fmin((double)wait, ceil((stop_at + h->cfg.grace - now) * 1000));
		now = aw_now();
		for (struct job *j = h->delayed; j; j = j->next) {
			long ms = (long)ceil((j->not_before - now) * 1000);
			if (ms < wait)
				wait = ms < 0 ? 0 : ms;
		}
		if (wait > 0)
			curl_multi_poll(h->multi, h->cfg.wake_fd >= 0 && !stopping ? &wfd : NULL,
					h->cfg.wake_fd >= 0 && !stopping ? 1 : 0, (int)wait, NULL);
		if (stopping && h->cfg.wake_fd >= 0) { /* a second signal ends the grace */
			char drain[64];
			while (read(h->cfg.wake_fd, drain, sizeof drain) > 0)
				;
		}
		if (h->cfg.tick)
			h->cfg.tick(h->cfg.tick_arg);
	}
	if (res != HTTP_DONE)
		drop_all(h);
	h->stats.busy_seconds += aw_now() - t0;
	return res;
}

enum http_result http_run(struct http *h)
{
	return http_run_until(h, NULL, NULL);
}

long http_pending(const struct http *h)
{
	return h->jobs - h->ending;
}

void http_abort(struct http *h, const char *msg)
{
	if (!h->fatal) {
		snprintf(h->error, sizeof h->error, "%s", msg);
		redact_into(h, h->error, sizeof h->error);
	}
	h->fatal = 1;
}

const char *http_error(const struct http *h)
{
	return h->error;
}

const struct http_stats *http_stats(const struct http *h)
{
	return &h->stats;
}

void http_free(struct http *h)
{
	if (!h)
		return;
	drop_all(h);
	if (h->multi)
		curl_multi_cleanup(h->multi);
	for (size_t k = 0; k < h->neps; k++) {
		free(h->eps[k].url);
		free(h->eps[k].shown);
		curl_slist_free_all(h->eps[k].headers);
	}
	free(h->eps);
	for (size_t k = 0; k < h->nsecrets; k++) {
		memset(h->secrets[k].s, 0, strlen(h->secrets[k].s));
		free(h->secrets[k].s);
	}
	free(h->secrets);
	free(h);
}

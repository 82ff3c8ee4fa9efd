/*
 * http.h - the HTTP client: POST JSON bodies to one URL, many at once.
 *
 * One libcurl multi handle drives every request of a run, so connections are
 * reused, and a sliding window keeps up to `concurrency` requests in flight:
 * as soon as one finishes the next queued one starts (no chunks that wait for
 * their slowest call).  Failures are classified here, once:
 *
 *   - timeouts, connection errors, 408, 409, 429 and 5xx are retried with
 *     exponential backoff and jitter, honouring Retry-After (and
 *     retry-after-ms, x-should-retry) up to 120 s, or the timeout when that
 *     is longer;
 *   - a reply larger than max_reply is refused as soon as its
 *     Content-Length says so, else when it grows past it;
 *   - a 2xx reply goes to the job's reply() callback, which may still call it
 *     malformed (HTTP_RETRY) - a body with no usable content is retried too;
 *   - any other status (400, 401, 403, 404, a redirect...) stops the whole
 *     run: the endpoint refused us and will refuse every request alike.
 *
 * A job that runs out of retries calls its fail() callback and the run goes
 * on; the caller decides what a lost request means and records it.
 *
 * Callbacks run inside http_run() and may submit further jobs.  The API key
 * goes into the Authorization header and nowhere else: no message built here
 * contains it, and redirects are never followed.
 *
 * Ownership: http_submit() takes the body (malloc'd) and frees it when the
 * job ends; the handler's ctx stays the caller's.
 */
#ifndef AW_HTTP_H
#define AW_HTTP_H

#include <signal.h>
#include <stddef.h>

enum http_outcome {
	HTTP_OK,     /* the reply was used: the job is done */
	HTTP_RETRY,  /* the reply was unusable: try again if retries remain */
	HTTP_FATAL   /* stop the run */
};

struct http_handler {
	/* A 2xx reply arrived; why (size whylen) explains HTTP_RETRY/FATAL. */
	enum http_outcome (*reply)(void *ctx, const char *body, size_t len, char *why,
				   size_t whylen);
	/* The job failed for good (retries exhausted, or not retryable). */
	void (*fail)(void *ctx, const char *why);
	/* The endpoint refused the request with a non-retryable status (may
	 * be NULL).  Return a new body (malloc'd) to send instead, or NULL to
	 * stop the run as usual. */
	char *(*refused)(void *ctx, long status, const char *detail);
	/* Called once when the job ends in any way, dropped ones included
	 * (may be NULL): the place to free ctx. */
	void (*release)(void *ctx);
	/* Before each attempt (may be NULL): NULL to start it, or why not (a
	 * spending cap): then nothing more is sent, the attempts in flight
	 * end as usual, and the run stops with that reason (HTTP_STOPPED). */
	const char *(*may_start)(void *ctx);
	/* After each attempt, before reply() or fail() (may be NULL). */
	void (*landed)(void *ctx);
	/* The message for a refused request (non-retryable status; may be
	 * NULL): the caller knows what was asked and can say what to fix. */
	void (*explain)(void *ctx, long status, const char *detail, char *out, size_t n);
	void *ctx;
	long *sent;   /* if set, incremented on every attempt started */
	int endpoint; /* where to send it: 0, or an http_add_endpoint() id */
};

struct http_config {
	const char *url;        /* full URL requests are POSTed to (endpoint 0) */
	const char *api_key;    /* bearer token, or NULL for none; it and any
				 * user:password in url are replaced by
				 * "[redacted]" in every reply before a
				 * callback sees it, and messages show url
				 * without them */
	const char *const *headers; /* more "Name: value" headers; their
				 * values are secret like the key */
	size_t nheaders;
	const char *cacert;     /* CA bundle file, or NULL for the system's */
	long concurrency;       /* most requests in flight at once */
	double timeout;         /* seconds allowed per attempt */
	long retries;           /* retries after the first attempt */
	size_t max_reply;       /* largest reply body accepted, in bytes */
	unsigned long long jitter_seed; /* seed of the backoff jitter */
	/* Write the endpoint's own error message found in body into out. */
	void (*describe)(const char *body, size_t len, char *out, size_t n);
	int wake_fd;            /* readable when *stop changes, or -1 */
	/* *stop counts stop requests: at 1 no new request starts and those in
	 * flight get `grace` seconds to finish (their callbacks run as
	 * usual); at 2 or more, or when the grace is over, the rest are
	 * abandoned and http_run() returns HTTP_INTERRUPTED. */
	volatile sig_atomic_t *stop;
	double grace;           /* seconds in-flight requests get after a stop */
	void (*tick)(void *arg); /* called at least once a second while running */
	void *tick_arg;
	/* Says a long wait (30 s or more before a retry) to the user, at most
	 * every 30 s; may be NULL. */
	void (*note)(void *arg, const char *msg);
	void *note_arg;
};

/* Why an attempt failed (retried or not), counted in http_stats.faults. */
enum http_fault {
	HF_TIMEOUT,      /* no complete reply within --timeout */
	HF_CONNECTION,   /* refused, reset, dropped, DNS... */
	HF_TOO_LARGE,    /* reply body over max_reply */
	HF_429,          /* rate limited */
	HF_5XX,          /* server errors */
	HF_OTHER_STATUS, /* 408, 409, or a status x-should-retry said to retry */
	HF_BAD_REPLY,    /* a 2xx the reply() callback could not use */
	HF_N
};

struct http_stats {
	long requests;          /* attempts sent */
	long retries;           /* attempts that were retries */
	long failed;            /* jobs that failed for good */
	long in_flight;         /* attempts in flight now */
	long peak_in_flight;    /* most attempts ever in flight at once */
	double slot_seconds;    /* integral of in_flight over time */
	double busy_seconds;    /* time spent inside http_run() */
	long faults[HF_N];      /* failed attempts by kind */
};

enum http_result {
	HTTP_DONE,        /* every job finished (succeeded or failed) */
	HTTP_STOPPED,     /* a fatal reply: see http_error() */
	HTTP_INTERRUPTED  /* *stop was set */
};

struct http;

struct http *http_new(const struct http_config *cfg, char *err, size_t errlen);
/* Another endpoint (a judge on another server), with its own key and
 * headers, sharing the window; returns its id for http_handler.endpoint. */
int http_add_endpoint(struct http *h, const char *url, const char *api_key,
		      const char *const *headers, size_t nheaders);
/* One more string to redact everywhere (a value of --extra-body). */
void http_add_secret(struct http *h, const char *secret);
/* An endpoint's URL as messages show it (no user:password). */
const char *http_endpoint_url(const struct http *h, int endpoint);
void http_submit(struct http *h, char *body, const struct http_handler *handler);
/* Run until every job has ended (callbacks may submit more). */
enum http_result http_run(struct http *h);
/* The same, but return HTTP_DONE as soon as done(arg) is true (checked
 * after callbacks have run), leaving the other jobs queued or in flight
 * for the next call: how one phase ends while the next one's requests are
 * already on the wire. */
enum http_result http_run_until(struct http *h, int (*done)(void *arg), void *arg);
/* Jobs submitted and not ended yet (queued, waiting, or in flight); inside
 * a reply or fail callback its own job no longer counts, so the callback
 * can start the next one in its place. */
long http_pending(const struct http *h);
const char *http_error(const struct http *h);         /* why the run stopped */
/* Stop the run from inside a callback (e.g. a write failed): http_run()
 * returns HTTP_STOPPED with msg as http_error(). */
void http_abort(struct http *h, const char *msg);
const struct http_stats *http_stats(const struct http *h);
void http_free(struct http *h);

/* s with every secret of the client (the key, a URL's user and password)
 * replaced by "[redacted]": for text decoded from a reply, where a secret
 * echoed back JSON-escaped is whole again.  Returns s, or a new string and
 * s freed (s may be NULL). */
char *http_redact(const struct http *h, char *s);

/* Seconds to wait before retry number k (0-based) given a server's
 * Retry-After (negative if none) and u uniform in [0, 1). */
double http_backoff(long k, double retry_after, double u);

#endif

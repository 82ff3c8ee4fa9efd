/*
 * endpoint.h - the endpoints a command talks to: the HTTP client for the
 * writer's endpoint and, when it is another, the judge's, with their keys,
 * headers and extra body fields; and the preflight that checks each
 * (endpoint, model) before any paid work.
 *
 * Every value that goes with a request but is not the request itself (a
 * key, a header's value, a value of --extra-body) is registered with the
 * client as a secret: it is cut out of every reply and message, and never
 * written anywhere.
 *
 * The preflight sends one minimal request (a reply cap of one token) per
 * distinct (endpoint, model), retried once, with a short timeout, so that a
 * wrong model, URL, key or TLS setting fails in seconds with a message that
 * names the role, the model, the URL (without credentials) and the likely
 * fix, instead of after the first stories were paid for.
 *
 * Ownership: specs are borrowed for the call; the client is the caller's
 * (http_free).
 */
#ifndef AW_ENDPOINT_H
#define AW_ENDPOINT_H

#include <stddef.h>
#include "aw/http.h"

struct cJSON;
struct options;
struct progress;

/* The client settings every command uses, from its options: the window,
 * timeout, retries and CA; the largest reply (8 MiB); a SIGINT or SIGTERM
 * stops it (interrupt.h; it installs the handlers), leaving what is in
 * flight up to 10 s to come in; and the progress p is ticked and told of
 * long waits.  The URL, key and headers are endpoint_client()'s. */
void endpoint_config(struct http_config *hc, const struct options *o, struct progress *p);

/* One role's endpoint and model. */
struct endpoint_spec {
	const char *role;           /* "writer" or "judge" */
	const char *base_url;       /* up to /v1, no trailing slash */
	const char *api_key;        /* or NULL */
	const char *const *headers; /* "Name: value" */
	size_t nheaders;
	const struct cJSON *extra;  /* --extra-body, or NULL */
	const char *model;          /* the model it asks for */
	const char *token_param;    /* max_tokens or max_completion_tokens */
};

/* The client for the writer's endpoint (endpoint 0) and the judge's (j may
 * be NULL: none; *judge is 0 when it is the writer's).  base gives the
 * rest of the configuration (its url, api_key and headers are ignored).
 * NULL with a message in err. */
struct http *endpoint_client(const struct http_config *base, const struct endpoint_spec *w,
			     const struct endpoint_spec *j, int *judge, char *err, size_t errlen);

/* Check each distinct (endpoint, model) of specs with one tiny request.
 * 0, or -1 with what is wrong and what to do in err.  *requests counts the
 * requests sent. */
int endpoint_preflight(const struct http_config *base, const struct endpoint_spec *specs,
		       size_t n, long *requests, char *err, size_t errlen);

#endif

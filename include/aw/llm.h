/*
 * llm.h - the OpenAI chat-completions wire format, and asking a question
 * over the HTTP client.
 *
 * Building and reading bodies is pure (llm_request_json, llm_parse_reply,
 * llm_describe_error) so it can be tested without a server.  llm_ask() joins
 * them to the HTTP client: it sends one chat request and calls back with the
 * assistant's text, having already retried replies that carry no usable text
 * (content null or empty, no choices, an error object inside a 200, a body
 * that is not JSON).  Token usage is added to a shared counter when the
 * endpoint reports it; a missing "usage" is normal for some servers.
 *
 * Ownership: llm_request_json() returns a malloc'd string; the text passed
 * to an llm_ask() callback is valid only during the call.
 */
#ifndef AW_LLM_H
#define AW_LLM_H

#include <stddef.h>
#include <stdint.h>
#include "aw/budget.h"
#include "aw/http.h"

#define LLM_MAX_MESSAGES 4

struct llm_message {
	const char *role;     /* "system", "user" or "assistant" */
	const char *content;  /* the message text */
};

struct llm_request {
	const char *model;        /* model name */
	double temperature;       /* sent explicitly */
	double top_p;             /* sent explicitly */
	long max_tokens;          /* token cap of the reply */
	const char *token_param;  /* "max_tokens" or "max_completion_tokens" */
	int has_seed;             /* send "seed" */
	uint64_t seed;            /* the seed sent */
	struct llm_message msg[LLM_MAX_MESSAGES]; /* the conversation */
	int nmsg;                 /* messages used */
	int top_logprobs;         /* > 0: ask for logprobs with this many
				   * alternatives per token */
	int *logprobs_refused;    /* if set: on 400/403 drop logprobs, set
				   * *logprobs_refused and ask again */
	long *sent;               /* if set: counts the attempts sent */
	int endpoint;             /* the http endpoint it goes to */
	int role;                 /* enum budget_role: whose caps and prices */
	const char *role_name;    /* "writer" or "judge", for messages */
	int key_sent;             /* an API key goes with it (for messages) */
	const struct cJSON *extra; /* --extra-body: merged into the body (its
				   * values win, but for model and messages),
				   * or NULL */
	struct budget *budget;    /* spending caps, or NULL */
};

struct cJSON;

struct llm_reply {
	char *content;            /* assistant text (owned) */
	const struct cJSON *logprobs; /* choices[0].logprobs.content, or NULL */
	struct cJSON *root;       /* the parsed body (owned) */
	char finish[32];          /* finish_reason, "" if absent */
	long prompt_tokens;       /* usage, 0 when not reported */
	long completion_tokens;
	long repaired;            /* NULs and lone surrogates made '?' */
};

/* What was wrong with a 2xx reply that could not be used. */
enum llm_bad {
	LB_NOT_JSON,      /* not JSON, or not an object (HTML, truncated...) */
	LB_ERROR_IN_200,  /* an error object and no choices */
	LB_NO_CHOICES,    /* "choices" missing or empty */
	LB_NO_TEXT,       /* content null, missing or not a string */
	LB_EMPTY_TEXT,    /* content empty once <think> blocks are removed */
	LB_FINISH_ERROR,  /* finish_reason "error" or "abort" */
	LB_N
};

struct llm_usage {
	long prompt_tokens;       /* summed over the run */
	long completion_tokens;
	long replies_without_usage; /* replies that reported no usage */
	long repaired;            /* replies whose text held a NUL or a lone
				   * surrogate, made '?' */
	long bad[LB_N];           /* unusable 2xx replies by kind */
};

char *llm_request_json(const struct llm_request *r);

/* Parse a 200 body.  0 and *out filled, or -1 with the reason in why and
 * its kind in *bad (may be NULL). */
int llm_parse_reply(const char *body, size_t len, struct llm_reply *out, char *why, size_t n,
		    enum llm_bad *bad);
void llm_reply_release(struct llm_reply *r);

/* The endpoint's own words from an error body of any known shape (OpenAI,
 * vLLM, llama.cpp, LiteLLM, flat, plain string, HTML or raw text). */
void llm_describe_error(const char *body, size_t len, char *out, size_t n);

/* Called with the reply text; return HTTP_RETRY to ask again (counted as a
 * retry of this request) or HTTP_OK when the text was used. */
typedef enum http_outcome (*llm_text_fn)(void *ctx, const struct llm_reply *reply,
					  char *why, size_t whylen);
typedef void (*llm_fail_fn)(void *ctx, const char *why);

void llm_ask(struct http *h, const struct llm_request *r, struct llm_usage *usage,
	     llm_text_fn on_text, llm_fail_fn on_fail, void *ctx);

/* What a refused request (HTTP status) means, for a person: "writer, model
 * 'm' at 'url': the endpoint refused the request (HTTP 404): ...; <what to
 * do>" - no key sent, a wrong key, a missing /v1, an unknown model... */
void llm_explain_refusal(const char *role, const char *model, const char *url, int key_sent,
			 long status, const char *detail, char *out, size_t n);

#endif

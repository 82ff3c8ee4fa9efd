/*
 * test_llm.c - the chat-completions wire format (src/llm.c): request
 * bodies, reply parsing and error descriptions, on bodies shaped like those
 * real servers send (OpenAI, vLLM, llama.cpp, LiteLLM, FastAPI, nginx).
 */
#include "unit.h"
#include "aw/llm.h"
#include "aw/data.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ requests */

static void test_request_json(void **state)
{
	(void)state;
	struct llm_request r;
	memset(&r, 0, sizeof r);
	r.model = "gpt-4o-mini";
	r.temperature = 0.7;
	r.top_p = 0.95;
	r.max_tokens = 1256;
	r.token_param = "max_tokens";
	r.has_seed = 1;
	r.seed = 2147483647;
	r.msg[0].role = "system";
	r.msg[0].content = "You judge stories.";
	r.msg[1].role = "user";
	r.msg[1].content = "Story:\n\"quoted\" \\ back\tslash — “curly” 😀\n<<<END STORY A 0a1b2c>>>";
	r.nmsg = 2;
	char *json = llm_request_json(&r);
	assert_non_null(json);
	cJSON *root = cJSON_Parse(json);
	assert_non_null(root);
	assert_string_equal(cJSON_GetObjectItem(root, "model")->valuestring, "gpt-4o-mini");
	const cJSON *msgs = cJSON_GetObjectItem(root, "messages");
	assert_int_equal(cJSON_GetArraySize(msgs), 2);
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(msgs, 0), "role")->valuestring,
			    "system");
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(msgs, 0), "content")->valuestring,
			    "You judge stories.");
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(msgs, 1), "role")->valuestring,
			    "user");
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(msgs, 1), "content")->valuestring,
			    r.msg[1].content);
	assert_float_equal(cJSON_GetObjectItem(root, "temperature")->valuedouble, 0.7, 1e-12);
	assert_float_equal(cJSON_GetObjectItem(root, "top_p")->valuedouble, 0.95, 1e-12);
	assert_int_equal(cJSON_GetObjectItem(root, "max_tokens")->valueint, 1256);
	assert_null(cJSON_GetObjectItem(root, "max_completion_tokens"));
	assert_true(cJSON_GetObjectItem(root, "seed")->valuedouble == 2147483647.0);
	assert_true(cJSON_IsFalse(cJSON_GetObjectItem(root, "stream")));
	/* the body is one line */
	assert_null(strchr(json, '\n'));
	cJSON_Delete(root);
	free(json);
}

static void test_request_token_param_and_no_seed(void **state)
{
	(void)state;
	struct llm_request r;
	memset(&r, 0, sizeof r);
	r.model = "o3";
	r.temperature = 0.0;
	r.top_p = 1.0;
	r.max_tokens = 1024;
	r.token_param = "max_completion_tokens";
	r.has_seed = 0;
	r.seed = 99;
	r.msg[0].role = "user";
	r.msg[0].content = "Hi";
	r.nmsg = 1;
	char *json = llm_request_json(&r);
	cJSON *root = cJSON_Parse(json);
	assert_non_null(root);
	assert_int_equal(cJSON_GetObjectItem(root, "max_completion_tokens")->valueint, 1024);
	assert_null(cJSON_GetObjectItem(root, "max_tokens"));
	assert_null(cJSON_GetObjectItem(root, "seed"));
	/* temperature 0 is sent, not left out */
	const cJSON *t = cJSON_GetObjectItem(root, "temperature");
	assert_non_null(t);
	assert_float_equal(t->valuedouble, 0.0, 0.0);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(root, "messages")), 1);
	cJSON_Delete(root);
	free(json);

	/* seed 0 is a seed: it is sent */
	r.has_seed = 1;
	r.seed = 0;
	json = llm_request_json(&r);
	root = cJSON_Parse(json);
	assert_true(cJSON_IsNumber(cJSON_GetObjectItem(root, "seed")));
	assert_int_equal(cJSON_GetObjectItem(root, "seed")->valueint, 0);
	cJSON_Delete(root);
	free(json);
}

/* top_logprobs > 0 asks for logprobs; 0 leaves both keys out. */
static void test_request_logprobs(void **state)
{
	(void)state;
	struct llm_request r;
	memset(&r, 0, sizeof r);
	r.model = "judge";
	r.temperature = 0;
	r.top_p = 1;
	r.max_tokens = 512;
	r.token_param = "max_tokens";
	r.msg[0].role = "user";
	r.msg[0].content = "Which is better?";
	r.nmsg = 1;
	r.top_logprobs = 5;
	char *json = llm_request_json(&r);
	cJSON *root = cJSON_Parse(json);
	assert_non_null(root);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(root, "logprobs")));
	const cJSON *tl = cJSON_GetObjectItem(root, "top_logprobs");
	assert_true(cJSON_IsNumber(tl));
	assert_int_equal(tl->valueint, 5);
	/* the rest of the body is unchanged */
	assert_int_equal(cJSON_GetObjectItem(root, "max_tokens")->valueint, 512);
	assert_true(cJSON_IsFalse(cJSON_GetObjectItem(root, "stream")));
	cJSON_Delete(root);
	free(json);

	r.top_logprobs = 0;
	json = llm_request_json(&r);
	root = cJSON_Parse(json);
	assert_non_null(root);
	assert_null(cJSON_GetObjectItem(root, "logprobs"));
	assert_null(cJSON_GetObjectItem(root, "top_logprobs"));
	assert_false(tu_contains(json, "logprobs"));
	cJSON_Delete(root);
	free(json);
}

/* ------------------------------------------------------------- replies */

static int parse(const char *body, struct llm_reply *r, char *why, size_t n)
{
	why[0] = '\0';
	return llm_parse_reply(body, strlen(body), r, why, n, NULL);
}

static void test_reply_openai(void **state)
{
	(void)state;
	const char *body =
		"{\"id\":\"chatcmpl-AbC\",\"object\":\"chat.completion\",\"created\":1700000000,"
		"\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[{\"index\":0,\"message\":{"
		"\"role\":\"assistant\",\"content\":\"Once upon a time.\",\"refusal\":null},"
		"\"logprobs\":null,\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":120,"
		"\"completion_tokens\":45,\"total_tokens\":165,\"prompt_tokens_details\":"
		"{\"cached_tokens\":0}},\"system_fingerprint\":\"fp_123\"}";
	struct llm_reply r;
	char why[256];
	assert_int_equal(parse(body, &r, why, sizeof why), 0);
	assert_string_equal(r.content, "Once upon a time.");
	assert_string_equal(r.finish, "stop");
	assert_int_equal(r.prompt_tokens, 120);
	assert_int_equal(r.completion_tokens, 45);
	llm_reply_release(&r);
	assert_null(r.content);
}

static void test_reply_vllm_extras(void **state)
{
	(void)state;
	const char *body =
		"{\"id\":\"chatcmpl-9\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"m\","
		"\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"reasoning_content\":null,"
		"\"content\":\"  The story.\\n\",\"tool_calls\":[]},\"logprobs\":null,"
		"\"finish_reason\":\"length\",\"stop_reason\":null}],\"usage\":{\"prompt_tokens\":10,"
		"\"total_tokens\":30,\"completion_tokens\":20,\"prompt_tokens_details\":null},"
		"\"prompt_logprobs\":null,\"kv_transfer_params\":null}";
	struct llm_reply r;
	char why[256];
	assert_int_equal(parse(body, &r, why, sizeof why), 0);
	assert_string_equal(r.content, "The story.");
	assert_string_equal(r.finish, "length");
	assert_int_equal(r.prompt_tokens, 10);
	assert_int_equal(r.completion_tokens, 20);
	llm_reply_release(&r);
}

static void test_reply_no_usage(void **state)
{
	(void)state;
	struct llm_reply r;
	char why[256];
	assert_int_equal(parse("{\"choices\":[{\"message\":{\"content\":\"Hi\"}}]}", &r, why,
			       sizeof why),
			 0);
	assert_string_equal(r.content, "Hi");
	assert_string_equal(r.finish, "");
	assert_int_equal(r.prompt_tokens, 0);
	assert_int_equal(r.completion_tokens, 0);
	llm_reply_release(&r);
	/* usage present with nulls counts as none */
	assert_int_equal(parse("{\"choices\":[{\"message\":{\"content\":\"Hi\"}}],\"usage\":"
			       "{\"prompt_tokens\":null,\"completion_tokens\":null}}",
			       &r, why, sizeof why),
			 0);
	assert_int_equal(r.prompt_tokens, 0);
	assert_int_equal(r.completion_tokens, 0);
	llm_reply_release(&r);
}

static void test_reply_content_null(void **state)
{
	(void)state;
	struct llm_reply r;
	char why[256];
	assert_int_equal(parse("{\"choices\":[{\"message\":{\"role\":\"assistant\",\"content\":null},"
			       "\"finish_reason\":\"length\"}]}",
			       &r, why, sizeof why),
			 -1);
	assert_null(r.content);
	assert_true(tu_contains(why, "null"));
	assert_string_equal(r.finish, "length");
	/* content missing, or not a string */
	assert_int_equal(parse("{\"choices\":[{\"message\":{\"role\":\"assistant\"}}]}", &r, why,
			       sizeof why),
			 -1);
	assert_null(r.content);
	assert_int_equal(parse("{\"choices\":[{\"message\":{\"content\":[{\"type\":\"text\"}]}}]}", &r,
			       why, sizeof why),
			 -1);
	assert_null(r.content);
	assert_int_equal(parse("{\"choices\":[{}]}", &r, why, sizeof why), -1);
	assert_null(r.content);
}

static void test_reply_content_parts(void **state)
{
	(void)state;
	struct llm_reply r;
	char why[256];
	/* content given as a list of parts: their text is joined */
	assert_int_equal(parse("{\"choices\":[{\"message\":{\"content\":[{\"type\":\"text\","
			       "\"text\":\"Once \"},{\"type\":\"image_url\"},{\"type\":\"text\","
			       "\"text\":\"upon a time.\"}]},\"finish_reason\":\"stop\"}]}",
			       &r, why, sizeof why),
			 0);
	assert_string_equal(r.content, "Once upon a time.");
	llm_reply_release(&r);
	/* parts without text are no text */
	assert_int_equal(parse("{\"choices\":[{\"message\":{\"content\":[]}}]}", &r, why,
			       sizeof why),
			 -1);
	assert_null(r.content);
}

static void test_reply_empty_text(void **state)
{
	(void)state;
	struct llm_reply r;
	char why[256];
	assert_int_equal(parse("{\"choices\":[{\"message\":{\"content\":\"\"}}]}", &r, why, sizeof why),
			 -1);
	assert_null(r.content);
	assert_int_equal(parse("{\"choices\":[{\"message\":{\"content\":\" \\n\\t \"}}]}", &r, why,
			       sizeof why),
			 -1);
	assert_null(r.content);
	assert_true(why[0] != '\0');
}

static void test_reply_no_choices(void **state)
{
	(void)state;
	struct llm_reply r;
	char why[256];
	assert_int_equal(parse("{\"id\":\"x\",\"choices\":[]}", &r, why, sizeof why), -1);
	assert_null(r.content);
	assert_true(why[0] != '\0');
	assert_int_equal(parse("{\"id\":\"x\"}", &r, why, sizeof why), -1);
	assert_int_equal(parse("{\"choices\":null}", &r, why, sizeof why), -1);
	assert_int_equal(parse("{\"choices\":{\"message\":{\"content\":\"x\"}}}", &r, why, sizeof why),
			 -1);
	assert_null(r.content);
}

static void test_reply_error_in_200(void **state)
{
	(void)state;
	struct llm_reply r;
	char why[512];
	assert_int_equal(parse("{\"error\":{\"message\":\"The server had an error while processing "
			       "your request.\",\"type\":\"server_error\",\"code\":null}}",
			       &r, why, sizeof why),
			 -1);
	assert_null(r.content);
	assert_true(tu_contains(why, "The server had an error while processing your request."));
	/* OpenRouter-style: an error next to empty choices */
	assert_int_equal(parse("{\"choices\":[],\"error\":{\"message\":\"Provider returned error\","
			       "\"code\":502}}",
			       &r, why, sizeof why),
			 -1);
	assert_true(tu_contains(why, "Provider returned error"));
	/* "error": null next to a good choice is no error */
	assert_int_equal(parse("{\"error\":null,\"choices\":[{\"message\":{\"content\":\"ok\"}}]}", &r,
			       why, sizeof why),
			 0);
	assert_string_equal(r.content, "ok");
	llm_reply_release(&r);
}

static void test_reply_think_stripped(void **state)
{
	(void)state;
	struct llm_reply r;
	char why[256];
	assert_int_equal(parse("{\"choices\":[{\"message\":{\"content\":\"<think>\\nLet me weigh "
			       "both.\\n</think>\\n\\nB is better.\\n{\\\"winner\\\": \\\"B\\\"}\"}}]}",
			       &r, why, sizeof why),
			 0);
	assert_string_equal(r.content, "B is better.\n{\"winner\": \"B\"}");
	llm_reply_release(&r);
	/* two blocks, text between and after */
	assert_int_equal(parse("{\"choices\":[{\"message\":{\"content\":\"<think>a</think>One "
			       "<think>b</think>two\"}}]}",
			       &r, why, sizeof why),
			 0);
	assert_string_equal(r.content, "One two");
	llm_reply_release(&r);
	/* only the closing tag (DeepSeek-R1 served without a reasoning
	 * parser: the chat template opened the block) */
	assert_int_equal(parse("{\"choices\":[{\"message\":{\"content\":\"Okay, the user wants "
			       "a story. Let me plan.\\n</think>\\n\\nThe lamp burned.\"}}]}",
			       &r, why, sizeof why),
			 0);
	assert_string_equal(r.content, "The lamp burned.");
	llm_reply_release(&r);
	/* a closing tag after a complete block is text, as before */
	assert_int_equal(parse("{\"choices\":[{\"message\":{\"content\":\"<think>a</think>x "
			       "</think> y\"}}]}",
			       &r, why, sizeof why),
			 0);
	assert_string_equal(r.content, "x </think> y");
	llm_reply_release(&r);
	/* unterminated reasoning (cut off by the token cap): no text */
	assert_int_equal(parse("{\"choices\":[{\"message\":{\"content\":\"<think>still thinking"
			       "\"},\"finish_reason\":\"length\"}]}",
			       &r, why, sizeof why),
			 -1);
	assert_null(r.content);
}

static void test_reply_finish_reason(void **state)
{
	(void)state;
	struct llm_reply r;
	char why[256];
	assert_int_equal(parse("{\"choices\":[{\"message\":{\"content\":\"x\"},\"finish_reason\":"
			       "\"content_filter\"}]}",
			       &r, why, sizeof why),
			 0);
	assert_string_equal(r.finish, "content_filter");
	llm_reply_release(&r);
	/* a long finish_reason is cut, never overflows */
	assert_int_equal(parse("{\"choices\":[{\"message\":{\"content\":\"x\"},\"finish_reason\":"
			       "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}]}",
			       &r, why, sizeof why),
			 0);
	assert_int_equal(strlen(r.finish), sizeof r.finish - 1);
	llm_reply_release(&r);
	/* finish_reason "error" (llama.cpp, vLLM abort) is not a usable reply */
	assert_int_equal(parse("{\"choices\":[{\"message\":{\"content\":\"partial\"},"
			       "\"finish_reason\":\"error\"}]}",
			       &r, why, sizeof why),
			 -1);
	assert_null(r.content);
}

static void test_reply_not_json(void **state)
{
	(void)state;
	struct llm_reply r;
	char why[256];
	static const char *bad[] = { "", "not json", "<html><body>502</body></html>",
				     "{\"choices\":[{\"message\":{\"content\":\"x\"}}", "[1,2,3]",
				     "\"a string\"", "null" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (parse(bad[i], &r, why, sizeof why) != -1)
			fail_msg("'%s' parsed", bad[i]);
		assert_null(r.content);
		assert_true(why[0] != '\0');
	}
}

static void test_reply_length_respected(void **state)
{
	(void)state;
	/* only len bytes are the body: what follows is not read */
	const char *buf = "{\"choices\":[{\"message\":{\"content\":\"ok\"}}]}GARBAGE";
	size_t len = strlen(buf) - strlen("GARBAGE");
	struct llm_reply r;
	char why[256];
	assert_int_equal(llm_parse_reply(buf, len, &r, why, sizeof why, NULL), 0);
	assert_string_equal(r.content, "ok");
	llm_reply_release(&r);
	assert_int_equal(llm_parse_reply(buf, len - 1, &r, why, sizeof why, NULL), -1);
}

/* choices[0].logprobs.content is exposed, pointing into the parsed body. */
static void test_reply_logprobs(void **state)
{
	(void)state;
	const char *body =
		"{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"choices\":[{\"index\":0,"
		"\"message\":{\"role\":\"assistant\",\"content\":\"B is better.\\n{\\\"winner\\\": "
		"\\\"B\\\"}\"},\"logprobs\":{\"content\":["
		"{\"token\":\"{\\\"\",\"logprob\":-0.001,\"bytes\":[123,34],\"top_logprobs\":"
		"[{\"token\":\"{\\\"\",\"logprob\":-0.001,\"bytes\":[123,34]}]},"
		"{\"token\":\"winner\",\"logprob\":0,\"bytes\":null,\"top_logprobs\":[]},"
		"{\"token\":\"B\",\"logprob\":-0.2,\"bytes\":[66],\"top_logprobs\":"
		"[{\"token\":\"B\",\"logprob\":-0.2,\"bytes\":[66]},"
		"{\"token\":\"A\",\"logprob\":-1.8,\"bytes\":[65]}]}"
		"],\"refusal\":null},\"finish_reason\":\"stop\"}],"
		"\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":3}}";
	struct llm_reply r;
	char why[256];
	assert_int_equal(parse(body, &r, why, sizeof why), 0);
	assert_non_null(r.root);
	assert_non_null(r.logprobs);
	assert_true(cJSON_IsArray(r.logprobs));
	assert_int_equal(cJSON_GetArraySize(r.logprobs), 3);
	const cJSON *b = cJSON_GetArrayItem(r.logprobs, 2);
	assert_string_equal(cJSON_GetObjectItem(b, "token")->valuestring, "B");
	const cJSON *top = cJSON_GetObjectItem(b, "top_logprobs");
	assert_int_equal(cJSON_GetArraySize(top), 2);
	assert_float_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(top, 1), "logprob")->valuedouble,
			   -1.8, 1e-12);
	/* it is the array inside root */
	const cJSON *same = cJSON_GetObjectItem(
		cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(r.root, "choices"), 0),
				    "logprobs"),
		"content");
	assert_ptr_equal(r.logprobs, same);
	/* the text and usage are read as before */
	assert_string_equal(r.content, "B is better.\n{\"winner\": \"B\"}");
	assert_string_equal(r.finish, "stop");
	assert_int_equal(r.prompt_tokens, 10);
	assert_int_equal(r.completion_tokens, 3);
	/* releasing frees the body and the text and clears the pointers (the
	 * run under valgrind checks nothing leaks) */
	llm_reply_release(&r);
	assert_null(r.content);
	assert_null(r.root);
	assert_null(r.logprobs);
}

/* No usable logprobs: NULL, and the reply is still fine. */
static void test_reply_logprobs_absent(void **state)
{
	(void)state;
	static const char *const bodies[] = {
		/* "logprobs": null */
		"{\"choices\":[{\"message\":{\"content\":\"x\"},\"logprobs\":null}]}",
		/* missing */
		"{\"choices\":[{\"message\":{\"content\":\"x\"}}]}",
		/* "content": [] */
		"{\"choices\":[{\"message\":{\"content\":\"x\"},\"logprobs\":{\"content\":[]}}]}",
		/* "content": null (refusal-only logprobs) */
		("{\"choices\":[{\"message\":{\"content\":\"x\"},\"logprobs\":{\"content\":null,"
		 "\"refusal\":null}}]}"),
		/* not an object */
		"{\"choices\":[{\"message\":{\"content\":\"x\"},\"logprobs\":[1,2]}]}",
	};
	for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
		struct llm_reply r;
		char why[256];
		int rc = parse(bodies[i], &r, why, sizeof why);
		if (rc != 0)
			print_error("body %zu: %s\n", i, why);
		assert_int_equal(rc, 0);
		assert_null(r.logprobs);
		assert_non_null(r.root);
		assert_string_equal(r.content, "x");
		llm_reply_release(&r);
		assert_null(r.root);
	}
}

/* A failed parse owns nothing: root and logprobs are NULL, and releasing
 * it anyway is harmless. */
static void test_reply_failed_owns_nothing(void **state)
{
	(void)state;
	static const char *const bodies[] = {
		("{\"choices\":[{\"message\":{\"content\":null},\"logprobs\":{\"content\":"
		 "[{\"token\":\"A\",\"logprob\":-0.1}]}}]}"),
		"{\"error\":{\"message\":\"bad\"}}",
		"not json",
	};
	for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
		struct llm_reply r;
		char why[256];
		assert_int_equal(parse(bodies[i], &r, why, sizeof why), -1);
		assert_null(r.root);
		assert_null(r.logprobs);
		assert_null(r.content);
		llm_reply_release(&r);
	}
}

/* ------------------------------------------------------- error bodies */

static void describe(const char *body, char *out, size_t n)
{
	memset(out, 'Z', n);
	llm_describe_error(body, strlen(body), out, n);
}

static void test_describe_openai(void **state)
{
	(void)state;
	char out[300];
	describe("{\n  \"error\": {\n    \"message\": \"Incorrect API key provided: sk-abc***xyz.\",\n"
		 "    \"type\": \"invalid_request_error\",\n    \"param\": null,\n"
		 "    \"code\": \"invalid_api_key\"\n  }\n}\n",
		 out, sizeof out);
	assert_string_equal(out, "Incorrect API key provided: sk-abc***xyz.");
}

static void test_describe_vllm(void **state)
{
	(void)state;
	char out[300];
	/* vLLM: nested with an integer code */
	describe("{\"error\":{\"message\":\"The model `gpt-x` does not exist.\",\"type\":"
		 "\"NotFoundError\",\"param\":null,\"code\":404}}",
		 out, sizeof out);
	assert_string_equal(out, "The model `gpt-x` does not exist.");
	/* older vLLM / flat shape */
	describe("{\"object\":\"error\",\"message\":\"This model's maximum context length is 4096 "
		 "tokens.\",\"type\":\"BadRequestError\",\"param\":null,\"code\":400}",
		 out, sizeof out);
	assert_string_equal(out, "This model's maximum context length is 4096 tokens.");
}

static void test_describe_plain_string_error(void **state)
{
	(void)state;
	char out[300];
	describe("{\"error\":\"Unauthorized\"}", out, sizeof out);
	assert_string_equal(out, "Unauthorized");
	describe("{\"detail\":\"Not Found\"}", out, sizeof out);
	assert_string_equal(out, "Not Found");
}

/* Messages stay valid UTF-8: a character cut by the length limit is
 * dropped whole, and bytes that are not UTF-8 become '?'. */
static void test_describe_utf8(void **state)
{
	(void)state;
	char out[300], body[4096] = "{\"error\":{\"message\":\"";
	for (int i = 0; i < 400; i++)
		strcat(body, "\xe4\xb8\xad"); /* U+4E2D, three bytes */
	strcat(body, "\"}}");
	for (size_t n = 2; n <= sizeof out; n += 7) {
		describe(body, out, n);
		size_t len = strlen(out);
		assert_true(len < n);
		assert_int_equal(len % 3, 0);
		assert_true(len + 3 >= n - 1); /* no more than one character lost */
		assert_true(data_utf8_valid(out, len, NULL));
	}
	describe("{\"error\":{\"message\":\"caf\xe9 \xff ok\"}}", out, sizeof out);
	assert_string_equal(out, "caf? ? ok");
	/* and the text of a reply */
	struct llm_reply r;
	char why[256];
	assert_int_equal(parse("{\"choices\":[{\"message\":{\"content\":\"na\xefve \xe4\xb8\xad\"}}]}",
			       &r, why, sizeof why),
			 0);
	assert_string_equal(r.content, "na?ve \xe4\xb8\xad");
	llm_reply_release(&r);
}

static void test_describe_detail_list(void **state)
{
	(void)state;
	char out[300];
	describe("{\"detail\":[{\"type\":\"missing\",\"loc\":[\"body\",\"model\"],\"msg\":\"Field "
		 "required\",\"input\":null}]}",
		 out, sizeof out);
	assert_true(tu_contains(out, "Field required"));
	assert_true(tu_contains(out, "model"));
	assert_null(strchr(out, '\n'));
}

static void test_describe_html(void **state)
{
	(void)state;
	char out[300];
	describe("<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 "
		 "Bad Gateway</h1></center>\r\n<hr><center>nginx/1.25.3</center>\r\n</body>\r\n"
		 "</html>\r\n",
		 out, sizeof out);
	assert_true(tu_contains(out, "502 Bad Gateway"));
	assert_true(tu_contains(out, "nginx"));
	assert_null(strchr(out, '<'));
	assert_null(strchr(out, '>'));
	assert_null(strstr(out, "  "));
	for (const char *c = out; *c; c++)
		assert_true((unsigned char)*c >= 0x20);
	assert_true(out[0] != ' ');
	assert_true(out[strlen(out) - 1] != ' ');
}

static void test_describe_text_and_empty(void **state)
{
	(void)state;
	char out[300];
	describe("upstream connect error or disconnect/reset before headers\n", out, sizeof out);
	assert_string_equal(out, "upstream connect error or disconnect/reset before headers");
	describe("", out, sizeof out);
	assert_string_equal(out, "");
}

static void test_describe_cleans_and_truncates(void **state)
{
	(void)state;
	char out[300];
	/* control characters from the endpoint become spaces */
	describe("{\"error\":{\"message\":\"line one\\nline\\ttwo\\u001b[31m\"}}", out, sizeof out);
	assert_string_equal(out, "line one line two [31m");
	/* a small buffer gets a cut, terminated message */
	char small[8];
	describe("{\"error\":{\"message\":\"a very long message indeed\"}}", small, sizeof small);
	assert_string_equal(small, "a very"); /* cut to 7 bytes, trailing space trimmed */
	char huge[4096];
	char body[3000];
	memset(body, 'x', sizeof body - 1);
	body[sizeof body - 1] = '\0';
	describe(body, huge, sizeof huge);
	assert_true(strlen(huge) < 300);
	assert_true(strlen(huge) > 0);
}

/* n == 0: there is no room, not even for the terminator; nothing may be
 * written (as snprintf). */
static void test_describe_zero_size(void **state)
{
	(void)state;
	char out[4] = { 'K', 'K', 'K', '\0' };
	llm_describe_error("{\"error\":\"x\"}", 13, out, 0);
	assert_int_equal(out[0], 'K');
}

int run_llm_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_json),
		cmocka_unit_test(test_request_token_param_and_no_seed),
		cmocka_unit_test(test_request_logprobs),
		cmocka_unit_test(test_reply_openai),
		cmocka_unit_test(test_reply_vllm_extras),
		cmocka_unit_test(test_reply_no_usage),
		cmocka_unit_test(test_reply_content_null),
		cmocka_unit_test(test_reply_content_parts),
		cmocka_unit_test(test_reply_empty_text),
		cmocka_unit_test(test_reply_no_choices),
		cmocka_unit_test(test_reply_error_in_200),
		cmocka_unit_test(test_reply_think_stripped),
		cmocka_unit_test(test_describe_utf8),
		cmocka_unit_test(test_reply_finish_reason),
		cmocka_unit_test(test_reply_not_json),
		cmocka_unit_test(test_reply_length_respected),
		cmocka_unit_test(test_reply_logprobs),
		cmocka_unit_test(test_reply_logprobs_absent),
		cmocka_unit_test(test_reply_failed_owns_nothing),
		cmocka_unit_test(test_describe_openai),
		cmocka_unit_test(test_describe_vllm),
		cmocka_unit_test(test_describe_plain_string_error),
		cmocka_unit_test(test_describe_detail_list),
		cmocka_unit_test(test_describe_html),
		cmocka_unit_test(test_describe_text_and_empty),
		cmocka_unit_test(test_describe_cleans_and_truncates),
		cmocka_unit_test(test_describe_zero_size),
	};
	return cmocka_run_group_tests_name("llm", tests, NULL, NULL);
}

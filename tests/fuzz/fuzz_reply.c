/*
 * fuzz_reply.c - libFuzzer harness for what an endpoint sends back: a
 * chat-completions body (llm_parse_reply) and an error body
 * (llm_describe_error).  Both must take any bytes without crashing,
 * leaking or reading out of bounds.
 */
#include "aw/llm.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct llm_reply r;
	enum llm_bad bad;
	char why[256], detail[600];
	if (llm_parse_reply((const char *)data, size, &r, why, sizeof why, &bad) == 0)
		llm_reply_release(&r);
	llm_describe_error((const char *)data, size, detail, sizeof detail);
	llm_describe_error((const char *)data, size, detail, 1);
	return 0;
}

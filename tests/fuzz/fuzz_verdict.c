/*
 * fuzz_verdict.c - libFuzzer harness for the judge's reply: the verdict
 * parser on any text, and the logprob reader on any JSON.
 */
#include "aw/verdict.h"

#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	struct verdict v;
	verdict_parse(text, &v);
	verdict_release(&v);
	cJSON *j = cJSON_ParseWithLength((const char *)data, size);
	if (j) {
		double p;
		struct verdict w = { 'A', NULL, size % 7, size % 3 };
		verdict_logprob(j, &w, &p);
		w.winner = 'B';
		w.tail_from = size;
		verdict_logprob(j, &w, &p);
		cJSON_Delete(j);
	}
	free(text);
	return 0;
}

/*
 * fuzz_template.c - libFuzzer harness for prompt templates: checking and
 * rendering any text, and fencing any story.
 */
#include "aw/rng.h"
#include "aw/template.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *names[] = { "prompt", "story_a", "story_b", "rubric" };
	struct tmpl_var vars[] = { { "prompt", "P" }, { "story_a", "{{story_b}}" },
				   { "story_b", "B" }, { "rubric", "" } };
	char *text = malloc(size + 1), err[256];
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	template_check(text, "fuzz", names, 4, err, sizeof err);
	free(template_render(text, vars, 4));
	struct rng r;
	rng_seed(&r, size);
	char *fenced = template_fence(&r, "STORY A", text);
	free(fenced);
	free(text);
	return 0;
}

/*
 * fuzz_run.c - libFuzzer harness for the files of a run directory that
 * every command reading runs trusts least: a generation file and run.json,
 * which a person may have edited (codec.h owns both formats).
 */
#include "aw/codec.h"

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
	char err[512];
	struct generation g;
	if (codec_generation_parse(text, "gen-001.json", 1, &g, err, sizeof err) == 0)
		generation_release(&g);
	struct run_report r;
	if (codec_run_parse(text, "run.json", &r, err, sizeof err) == 0)
		run_report_release(&r);
	free(text);
	return 0;
}

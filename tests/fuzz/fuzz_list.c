/*
 * fuzz_list.c - libFuzzer harness for list files (styles, themes, goals):
 * UTF-8 validation and the line parser.
 */
#include "aw/data.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t bad;
	char err[256];
	if (memchr(data, 0, size) || !data_utf8_valid((const char *)data, size, &bad))
		return 0; /* data_read_text refuses these before parsing */
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	struct strlist l;
	if (data_parse_list(text, "fuzz", &l, err, sizeof err) == 0)
		strlist_free(&l);
	free(text);
	return 0;
}

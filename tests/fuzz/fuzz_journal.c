/*
 * fuzz_journal.c - libFuzzer harness for journal lines, which a resumed run
 * reads back from a file a kill may have torn.
 */
#include "aw/journal.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct journal_data d = { 0 };
	journal_parse_line((const char *)data, size, &d);
	journal_data_free(&d);
	return 0;
}

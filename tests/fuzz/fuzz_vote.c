/*
 * fuzz_vote.c - libFuzzer harness for the verdict lines of compare's and
 * rate's files, which a rerun reads back (a kill may have torn them, and a
 * person may have edited or concatenated them).
 */
#include "aw/vote.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vote v;
	char err[256];
	if (vote_parse((const char *)data, size, &v, err, sizeof err) == 0)
		vote_release(&v);
	return 0;
}

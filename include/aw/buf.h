/*
 * buf.h - a growable byte buffer with an optional size cap.
 *
 * Replies from an endpoint are untrusted, so a buffer can be given a maximum
 * size (curl's dynbuf "toobig" idea): an append that would pass it fails and
 * leaves the buffer as it was.  The data is always NUL-terminated.
 *
 * Ownership: the buffer owns data; buf_release() frees it and leaves an empty
 * buffer, buf_detach() hands the bytes to the caller (free() them).
 */
#ifndef AW_BUF_H
#define AW_BUF_H

#include <stddef.h>
#include "aw/util.h"

struct buf {
	char *data;   /* NUL-terminated bytes, NULL until the first append */
	size_t len;   /* bytes used, not counting the NUL */
	size_t cap;   /* bytes allocated */
	size_t max;   /* largest allowed len, 0 = unlimited */
};

#define BUF_INIT { NULL, 0, 0, 0 }

void buf_init(struct buf *b, size_t max);
int buf_append(struct buf *b, const void *p, size_t n); /* -1 past max */
int buf_puts(struct buf *b, const char *s);
int buf_printf(struct buf *b, const char *fmt, ...) AW_PRINTF(2, 3);
void buf_reset(struct buf *b);                     /* len = 0, keeps memory */
void buf_release(struct buf *b);
char *buf_detach(struct buf *b);                   /* never NULL */
const char *buf_str(const struct buf *b);          /* "" when empty */

#endif

/*
 * data.h - the editable text files a run reads: templates, lists and the
 * rubric, and where the bundled ones live.
 *
 * Prompts, lists and the rubric are files, not strings in C, so users can read
 * and change them.  The binary finds its bundled copies from any directory:
 * $ALPHAWRITE_DATADIR when set, else next to the executable (a source tree),
 * else ../share/alphawrite relative to it (a relocated install), else the
 * directory compiled in by `make install` (AW_DATADIR).
 *
 * Every loader validates what it reads and reports the file and line of the
 * first problem in err, so bad input is caught before any request is sent.
 *
 * Ownership: data_read_text() returns a string the caller frees; a strlist
 * owns its items and is freed with strlist_free().
 */
#ifndef AW_DATA_H
#define AW_DATA_H

#include <stddef.h>

#define DATA_MAX_FILE (4u << 20) /* largest text file accepted: 4 MiB */
#define DATA_MAX_RUN_FILE (256u << 20) /* largest file of a run or match log
					* read back (run.json, gen-NNN.json,
					* rank --matches): 256 MiB */
#define DATA_MAX_LINE 4000        /* longest list item, in bytes */

struct strlist {
	char **v;   /* items, in file order */
	size_t n;   /* number of items */
};

/* Directory of the bundled files, or NULL if none was found (static). */
const char *data_dir(void);
/* Path of a bundled file such as "prompts/writer.txt" (malloc'd), or NULL. */
char *data_path(const char *rel);

/* Read a UTF-8 text file: it must exist, be non-empty after trimming, hold
 * no NUL byte and be valid UTF-8.  Returns 0, or -1 with a message in err. */
int data_read_text(const char *path, char **out, char *err, size_t errlen);
/* The same with a size limit of max bytes instead of DATA_MAX_FILE. */
int data_read_text_max(const char *path, size_t max, char **out, char *err, size_t errlen);
/* The same; streams: also a pipe, FIFO or device (read to its end), which
 * the functions above refuse at once rather than block on. */
int data_read_any(const char *path, size_t max, int streams, char **out, char *err,
		  size_t errlen);
/* open(2) path with flags if it is a regular file: a FIFO, device or
 * directory is refused at once (it is opened without blocking).  A
 * descriptor, or -1 with a message in err. */
int data_open_regular(const char *path, int flags, char *err, size_t errlen);

/* Read a list: one item a line, blank lines and lines starting with '#'
 * skipped, items trimmed.  At least one item is required. */
int data_read_list(const char *path, struct strlist *out, char *err, size_t errlen);

/* The same from text already read (and checked as UTF-8), which it cuts
 * into lines in place; path names it in messages. */
int data_parse_list(char *text, const char *path, struct strlist *out, char *err, size_t errlen);

void strlist_free(struct strlist *l);

/* Is s valid UTF-8 in its first n bytes?  On failure *bad is the offset. */
int data_utf8_valid(const char *s, size_t n, size_t *bad);
/* Replace each byte of s (n bytes) that is not part of a valid UTF-8
 * character with '?', so that text from outside is safe to write as JSON. */
void data_utf8_repair(char *s, size_t n);

/* JSON text s (len bytes) with what would cut or break its strings once
 * decoded made '?': a NUL byte inside a string, a \u0000 escape, and a
 * \ud800-\udfff escape that is not half of a surrogate pair.  Returns a
 * new NUL-terminated copy (*outlen bytes) when something was replaced, else
 * NULL (*outlen untouched); *repaired (may be NULL) counts the
 * replacements. */
char *data_json_repair(const char *s, size_t len, size_t *outlen, long *repaired);

#endif

/*
 * data.c - finding and validating the editable text files (see data.h).
 *
 * The checks are deliberately strict and specific: a list with a stray
 * binary byte or a rubric that is empty is a mistake the user wants to hear
 * about, with the line, before paying for a single request.
 */
#include "aw/data.h"
#include "aw/util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef AW_DATADIR
#define AW_DATADIR "/usr/local/share/alphawrite"
#endif

static int has_bundle(const char *dir)
{
	char *p = xasprintf("%s/prompts/writer.txt", dir);
	int ok = access(p, R_OK) == 0;
	free(p);
	return ok;
}

const char *data_dir(void)
{
	static char found[PATH_MAX];
	static int done;
	if (done)
		return found[0] ? found : NULL;
	done = 1;

	const char *env = getenv("ALPHAWRITE_DATADIR");
	if (env && *env) {
		if (has_bundle(env))
			snprintf(found, sizeof found, "%s", env);
		return found[0] ? found : NULL;
	}

	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n > 0) {
		exe[n] = '\0';
		char *slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			char *up = xasprintf("%s/../share/alphawrite", exe);
			if (has_bundle(exe))
				snprintf(found, sizeof found, "%s", exe);
			else if (has_bundle(up))
				snprintf(found, sizeof found, "%s", up);
			free(up);
			if (found[0])
				return found;
		}
	}
	if (has_bundle(AW_DATADIR))
		snprintf(found, sizeof found, "%s", AW_DATADIR);
	return found[0] ? found : NULL;
}

char *data_path(const char *rel)
{
	const char *dir = data_dir();
	return dir ? xasprintf("%s/%s", dir, rel) : NULL;
}

int data_utf8_valid(const char *s, size_t n, size_t *bad)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	while (i < n) {
		unsigned c = p[i];
		size_t len;
		unsigned min;
		if (c < 0x80) {
			i++;
			continue;
		} else if ((c & 0xe0) == 0xc0) {
			len = 2, min = 0x80, c &= 0x1f;
		} else if ((c & 0xf0) == 0xe0) {
			len = 3, min = 0x800, c &= 0x0f;
		} else if ((c & 0xf8) == 0xf0) {
			len = 4, min = 0x10000, c &= 0x07;
		} else {
			goto invalid;
		}
		if (i + len > n)
			goto invalid;
		for (size_t k = 1; k < len; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				goto invalid;
			c = (c << 6) | (p[i + k] & 0x3f);
		}
		if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
			goto invalid;
		i += len;
	}
	return 1;
invalid:
	if (bad)
		*bad = i;
	return 0;
}

void data_utf8_repair(char *s, size_t n)
{
	size_t i = 0, bad;
	while (i < n && !data_utf8_valid(s + i, n - i, &bad)) {
		s[i + bad] = '?';
		i += bad + 1;
	}
}

static size_t line_of(const char *s, size_t off)
{
	size_t line = 1;
	for (size_t i = 0; i < off; i++)
		line += s[i] == '\n';
	return line;
}

static int hex4(const char *p, unsigned *cp)
{
	unsigned v = 0;
	for (int k = 0; k < 4; k++) {
		char c = p[k];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return -1;
	}
	*cp = v;
	return 0;
}

char *data_json_repair(const char *s, size_t len, size_t *outlen, long *repaired)
{
	char *out = NULL;
	size_t k = 0; /* bytes of s copied (or replaced) into out so far */
	size_t o = 0; /* bytes of out */
	long n = 0;
	int in_string = 0;
	for (size_t i = 0; i < len; i++) {
		size_t skip = 0; /* > 0: replace s[i, i + skip) with '?' */
		char c = s[i];
		unsigned cp, lo;
		if (!in_string) {
			in_string = c == '"';
			continue;
		}
		if (c == '"') {
			in_string = 0;
		} else if (c == '\\' && i + 1 < len && s[i + 1] == 'u' && i + 6 <= len &&
			   hex4(s + i + 2, &cp) == 0) {
			if (cp == 0 || (cp >= 0xdc00 && cp <= 0xdfff))
				skip = 6;
			else if (cp >= 0xd800 && cp <= 0xdbff &&
				 !(i + 12 <= len && s[i + 6] == '\\' && s[i + 7] == 'u' &&
				   hex4(s + i + 8, &lo) == 0 && lo >= 0xdc00 && lo <= 0xdfff))
				skip = 6;
			else
				i += cp >= 0xd800 && cp <= 0xdbff ? 11 : 5;
		} else if (c == '\\') {
			i++; /* the escaped character, whatever it is */
		} else if (c == '\0') {
			skip = 1;
		}
		if (!skip)
			continue;
		if (!out)
			out = xmalloc(len + 1);
		memcpy(out + o, s + k, i - k);
		o += i - k;
		out[o++] = '?';
		k = i + skip;
		i += skip - 1;
		n++;
	}
	if (out) {
		memcpy(out + o, s + k, len - k);
		o += len - k;
		out[o] = '\0';
		*outlen = o;
	}
	if (repaired)
		*repaired = n;
	return out;
}

int data_read_text(const char *path, char **out, char *err, size_t errlen)
{
	return data_read_text_max(path, DATA_MAX_FILE, out, err, errlen);
}

int data_open_regular(const char *path, int flags, char *err, size_t errlen)
{
	struct stat st;
	/* O_NONBLOCK: opening a FIFO with no writer must not hang */
	int fd = open(path, flags | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return aw_fail(err, errlen, "cannot open '%s':", path);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		int dir = S_ISDIR(st.st_mode);
		close(fd);
		return aw_fail(err, errlen, dir ? "'%s' is a directory, not a file" :
						  "'%s' is not a regular file (a pipe or a device?)", path);
	}
	int fl = fcntl(fd, F_GETFL);
	if (fl >= 0)
		fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	return fd;
}

int data_read_text_max(const char *path, size_t max, char **out, char *err, size_t errlen)
{
	return data_read_any(path, max, 0, out, err, errlen);
}

int data_read_any(const char *path, size_t max, int streams, char **out, char *err,
		  size_t errlen)
{
	struct stat st;
	FILE *f;
	if (streams) {
		f = fopen(path, "rb");
		if (!f)
			return aw_fail(err, errlen, "cannot open '%s':", path);
		if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
			fclose(f);
			return aw_fail(err, errlen, "'%s' is a directory, not a text file", path);
		}
	} else {
		int fd = data_open_regular(path, O_RDONLY, err, errlen);
		if (fd < 0)
			return -1;
		f = fdopen(fd, "rb");
		if (!f) {
			close(fd);
			return aw_fail(err, errlen, "cannot open '%s':", path);
		}
	}
	size_t cap = 4096, len = 0;
	char *text = xmalloc(cap);
	for (;;) {
		if (len + 1 >= cap) {
			cap *= 2;
			text = xrealloc(text, cap);
		}
		size_t got = fread(text + len, 1, cap - len - 1, f);
		len += got;
		if (len > max) {
			fclose(f);
			free(text);
			return aw_fail(err, errlen, "'%s' is larger than %zu bytes", path, max);
		}
		if (got == 0)
			break;
	}
	int rerr = ferror(f);
	fclose(f);
	if (rerr) {
		free(text);
		return aw_fail(err, errlen, "cannot read '%s':", path);
	}
	text[len] = '\0';

	const char *nul = memchr(text, '\0', len);
	size_t bad;
	if (nul) {
		size_t line = line_of(text, (size_t)(nul - text));
		free(text);
		return aw_fail(err, errlen, "'%s' line %zu: not a text file (NUL byte)", path, line);
	}
	if (!data_utf8_valid(text, len, &bad)) {
		size_t line = line_of(text, bad);
		free(text);
		return aw_fail(err, errlen, "'%s' line %zu: invalid UTF-8", path, line);
	}
	size_t i = 0;
	while (i < len && strchr(" \t\r\n", text[i]))
		i++;
	if (i == len) {
		free(text);
		return aw_fail(err, errlen, "'%s' is empty", path);
	}
	*out = text;
	return 0;
}

int data_parse_list(char *text, const char *path, struct strlist *out, char *err, size_t errlen)
{
	size_t cap = 0, lineno = 0;
	char *line = text;
	out->v = NULL;
	out->n = 0;
	while (line && *line) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		lineno++;
		char *s = line, *e = line + strlen(line);
		while (*s == ' ' || *s == '\t')
			s++;
		while (e > s && strchr(" \t\r", e[-1]))
			e--;
		if (e > s && *s != '#') {
			if ((size_t)(e - s) > DATA_MAX_LINE) {
				strlist_free(out);
				return aw_fail(err, errlen, "'%s' line %zu: item longer than %d bytes",
					       path, lineno, DATA_MAX_LINE);
			}
			for (char *c = s; c < e; c++) {
				if ((unsigned char)*c < 0x20 && *c != '\t') {
					strlist_free(out);
					return aw_fail(err, errlen,
						       "'%s' line %zu: control character in item",
						       path, lineno);
				}
			}
			if (out->n == cap) {
				cap = cap ? cap * 2 : 16;
				out->v = xrealloc(out->v, cap * sizeof *out->v);
			}
			out->v[out->n++] = xstrndup(s, (size_t)(e - s));
		}
		line = nl ? nl + 1 : NULL;
	}
	if (out->n == 0)
		return aw_fail(err, errlen, "'%s' has no items (only blank or '#' lines)", path);
	return 0;
}

int data_read_list(const char *path, struct strlist *out, char *err, size_t errlen)
{
	char *text;
	out->v = NULL;
	out->n = 0;
	if (data_read_text(path, &text, err, errlen) < 0)
		return -1;
	int rc = data_parse_list(text, path, out, err, errlen);
	free(text);
	return rc;
}

void strlist_free(struct strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

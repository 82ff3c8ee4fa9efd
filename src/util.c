/*
 * util.c - allocation, error messages and clocks shared by every module.
 * See util.h for the conventions; this file only implements them.
 */
#include "aw/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <fcntl.h>
#include <stdint.h>
#include <unistd.h>

static void oom(size_t n)
{
	fprintf(stderr, "alphawrite: out of memory allocating %zu bytes\n", n);
	abort();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		oom(n);
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		oom(n * size);
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		oom(n);
	return p;
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
	char *d = xmalloc(n + 1);
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		oom(0);
	char *s = xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return s;
}

/* Format with the trailing-colon rule into buf. */
/* Format into buf (n bytes).  A message too long for buf loses its
 * middle, not its end: what went wrong is said last ("...: File name too
 * long"), and a 4,000-byte path must not push it out. */
static void vformat(char *buf, size_t n, const char *fmt, va_list ap)
{
	int saved = errno;
	size_t flen = strlen(fmt);
	if (n == 0)
		return;
	va_list copy;
	va_copy(copy, ap);
	int len = vsnprintf(NULL, 0, fmt, copy);
	va_end(copy);
	if (len < 0) {
		buf[0] = '\0';
		return;
	}
	const char *why = flen && fmt[flen - 1] == ':' ? strerror(saved) : NULL;
	size_t total = (size_t)len + (why ? strlen(why) + 1 : 0);
	char *full = xmalloc(total + 1);
	vsnprintf(full, (size_t)len + 1, fmt, ap);
	if (why)
		snprintf(full + len, total + 1 - (size_t)len, " %s", why);
	if (total < n) {
		memcpy(buf, full, total + 1);
	} else {
		static const char gap[] = " [...] ";
		size_t keep = n - 1 - (sizeof gap - 1), head = keep / 3;
		if (n <= sizeof gap + 8) { /* no room for both ends */
			snprintf(buf, n, "%s", full + total - (n - 1));
		} else {
			/* whole UTF-8 characters at both cuts */
			while (head > 0 && ((unsigned char)full[head] & 0xc0) == 0x80)
				head--;
			size_t tail = total - (keep - head);
			while (tail < total && ((unsigned char)full[tail] & 0xc0) == 0x80)
				tail++;
			memcpy(buf, full, head);
			memcpy(buf + head, gap, sizeof gap - 1);
			memcpy(buf + head + sizeof gap - 1, full + tail, total - tail + 1);
		}
	}
	free(full);
}

void aw_verror(const char *fmt, va_list ap)
{
	char msg[2048];
	vformat(msg, sizeof msg, fmt, ap);
	fprintf(stderr, "alphawrite: %s\n", msg);
}

void aw_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	aw_verror(fmt, ap);
	va_end(ap);
}

int aw_fail(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vformat(buf, n, fmt, ap);
	va_end(ap);
	return -1;
}

double aw_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double aw_wall(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

const char *aw_url_userinfo(const char *url, size_t *len)
{
	const char *p = strstr(url, "://");
	p = p ? p + 3 : url;
	const char *at = strchr(p, '@'), *slash = strchr(p, '/');
	if (!at || (slash && slash < at))
		return NULL;
	*len = (size_t)(at - p);
	return p;
}

char *aw_public_url(const char *url)
{
	size_t n;
	const char *user = aw_url_userinfo(url, &n);
	if (!user)
		return xstrdup(url);
	return xasprintf("%.*s%s", (int)(user - url), url, user + n + 1);
}

void aw_random_id(char *out, size_t n)
{
	unsigned char b[8];
	uint64_t x = 0;
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	ssize_t got = fd >= 0 ? read(fd, b, sizeof b) : -1;
	if (fd >= 0)
		close(fd);
	if (got == (ssize_t)sizeof b) {
		for (size_t i = 0; i < sizeof b; i++)
			x = x << 8 | b[i];
	} else { /* no random source: the clock and the pid, mixed */
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		x = (uint64_t)ts.tv_sec * 1000000007ULL ^ (uint64_t)ts.tv_nsec ^
		    ((uint64_t)getpid() << 40);
		x ^= x >> 31;
		x *= 0x9e3779b97f4a7c15ULL;
		x ^= x >> 29;
	}
	snprintf(out, n, "%016llx", (unsigned long long)x);
}

int aw_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	size_t off = 0;
	while (off < len) {
		ssize_t w = write(fd, p + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (w == 0)
				errno = ENOSPC;
			return -1;
		}
		off += (size_t)w;
	}
	return 0;
}

/*
 * html.c - escaping and safe ids for the report page (see html.h).
 *
 * The escaper walks UTF-8 by hand rather than trusting that the text was
 * checked when it was read: a report is the one place where a bad byte
 * would turn into a broken or unsafe page, so it checks again.
 */
#include "aw/html.h"
#include "aw/wdiff.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char replacement[] = "\xef\xbf\xbd"; /* U+FFFD */

/* Length of the valid UTF-8 character at s (at most n bytes), or 0. */
static size_t utf8_len(const unsigned char *s, size_t n, unsigned long *cp)
{
	size_t len;
	unsigned long c;
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	} else if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		c = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	/* overlong forms, surrogates and code points past U+10FFFF */
	if ((len == 3 && c < 0x800) || (len == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

void html_textn(struct buf *b, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run = 0; /* bytes since the last escape, copied at once */
	while (i < n) {
		unsigned long cp;
		size_t len = utf8_len(p + i, n - i, &cp);
		const char *esc = NULL;
		if (len == 0)
			esc = replacement, len = 1;
		else if (cp == '&')
			esc = "&amp;";
		else if (cp == '<')
			esc = "&lt;";
		else if (cp == '>')
			esc = "&gt;";
		else if (cp == '"')
			esc = "&quot;";
		else if (cp == '\'')
			esc = "&#39;";
		else if ((cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') ||
			 (cp >= 0x7f && cp <= 0x9f))
			esc = replacement; /* controls HTML does not allow */
		if (esc) {
			buf_append(b, s + i - run, run);
			buf_puts(b, esc);
			run = 0;
		} else {
			run += len;
		}
		i += len;
	}
	buf_append(b, s + n - run, run);
}

void html_text(struct buf *b, const char *s)
{
	html_textn(b, s, strlen(s));
}

void html_textf(struct buf *b, const char *fmt, ...)
{
	char small[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof small) {
		html_textn(b, small, (size_t)n);
		return;
	}
	char *big = xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	html_textn(b, big, (size_t)n);
	free(big);
}

void html_anchor(struct buf *b, const char *prefix, const char *id)
{
	buf_puts(b, prefix);
	for (const unsigned char *p = (const unsigned char *)id; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-')
			buf_append(b, p, 1);
		else
			buf_printf(b, "_%02X", *p);
	}
}

/* Words [from, from + n) of w with the whitespace between them, and the
 * whitespace after the last one only when trail. */
static void words(struct buf *b, const struct wdiff_word *w, size_t from, size_t n, int trail)
{
	if (n == 0)
		return;
	const char *s = w[from].s;
	const struct wdiff_word *last = &w[from + n - 1];
	const char *e = last->s + last->len + (trail ? last->space : 0);
	html_textn(b, s, (size_t)(e - s));
}

void html_diff(struct buf *b, const struct wdiff *d)
{
	int spaced = 1; /* the output so far ends in whitespace, or is empty */
	if (d->nb)
		html_textn(b, d->b[0].s - d->lead_b, d->lead_b);
	for (size_t i = 0; i < d->nspan; i++) {
		const struct wdiff_span *s = &d->span[i];
		int more = i + 1 < d->nspan;
		switch (s->op) {
		case WDIFF_SAME:
			words(b, d->b, s->b, s->n, 1);
			spaced = d->b[s->b + s->n - 1].space > 0;
			break;
		case WDIFF_INS:
			buf_puts(b, "<ins>");
			words(b, d->b, s->b, s->n, 0);
			buf_puts(b, "</ins>");
			html_textn(b, d->b[s->b + s->n - 1].s + d->b[s->b + s->n - 1].len,
				   d->b[s->b + s->n - 1].space);
			spaced = d->b[s->b + s->n - 1].space > 0;
			break;
		case WDIFF_DEL:
			/* The space that sets it apart is deleted text too, so
			 * that the page without its <del>s is the new text. */
			buf_puts(b, spaced ? "<del>" : "<del> ");
			words(b, d->a, s->a, s->n, 0);
			buf_puts(b, more ? " </del>" : "</del>");
			spaced = 1;
			break;
		}
	}
}

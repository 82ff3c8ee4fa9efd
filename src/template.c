/*
 * template.c - {{placeholder}} templates (see template.h).
 *
 * One scanner, tmpl_next(), finds the next placeholder or comment; both the
 * checker and the renderer walk the text with it, so they cannot disagree
 * about what the syntax is.
 */
#include "aw/template.h"
#include "aw/buf.h"
#include "aw/rng.h"
#include "aw/util.h"

#include <stdio.h>
#include <string.h>

enum tok { TOK_END, TOK_NAME, TOK_COMMENT, TOK_BAD };

struct scan {
	const char *start;  /* first byte of the token ("{{") */
	const char *end;    /* byte after the token ("}}" included) */
	const char *name;   /* TOK_NAME: the name */
	size_t namelen;
};

static int is_name_start(char c)
{
	return (c >= 'a' && c <= 'z') || c == '_';
}

static int is_name_char(char c)
{
	return is_name_start(c) || (c >= '0' && c <= '9');
}

/* Find the next token at or after p. */
static enum tok tmpl_next(const char *p, struct scan *s)
{
	const char *o = strstr(p, "{{");
	if (!o)
		return TOK_END;
	s->start = o;
	const char *q = o + 2;
	if (*q == '!') {
		const char *c = strstr(q, "}}");
		if (!c)
			return TOK_BAD;
		s->end = c + 2;
		if (*s->end == '\n')
			s->end++;
		return TOK_COMMENT;
	}
	while (*q == ' ')
		q++;
	if (!is_name_start(*q))
		return TOK_BAD;
	s->name = q;
	while (is_name_char(*q))
		q++;
	s->namelen = (size_t)(q - s->name);
	while (*q == ' ')
		q++;
	if (q[0] != '}' || q[1] != '}')
		return TOK_BAD;
	s->end = q + 2;
	return TOK_NAME;
}

static size_t line_at(const char *text, const char *p)
{
	size_t line = 1;
	for (const char *c = text; c < p; c++)
		line += *c == '\n';
	return line;
}

static int name_index(const char *const *names, size_t n, const char *name, size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (strlen(names[i]) == len && memcmp(names[i], name, len) == 0)
			return (int)i;
	return -1;
}

int template_check(const char *text, const char *path, const char *const *names,
		   size_t nnames, char *err, size_t errlen)
{
	unsigned long long seen = 0; /* bit i: names[i] used */
	struct scan s;
	enum tok t;
	const char *p = text;
	while ((t = tmpl_next(p, &s)) != TOK_END) {
		if (t == TOK_BAD)
			return aw_fail(err, errlen,
				       "'%s' line %zu: malformed placeholder (expected {{name}} or {{! comment }})",
				       path, line_at(text, s.start));
		if (t == TOK_NAME) {
			int i = name_index(names, nnames, s.name, s.namelen);
			if (i < 0)
				return aw_fail(err, errlen, "'%s' line %zu: unknown placeholder {{%.*s}}",
					       path, line_at(text, s.start), (int)s.namelen, s.name);
			seen |= 1ULL << i;
		}
		p = s.end;
	}
	for (size_t i = 0; i < nnames && i < 64; i++)
		if (!(seen & (1ULL << i)))
			return aw_fail(err, errlen, "'%s': missing placeholder {{%s}}", path, names[i]);
	return 0;
}

char *template_render(const char *text, const struct tmpl_var *vars, size_t nvars)
{
	struct buf out = BUF_INIT;
	struct scan s;
	enum tok t;
	const char *p = text;
	while ((t = tmpl_next(p, &s)) != TOK_END && t != TOK_BAD) {
		buf_append(&out, p, (size_t)(s.start - p));
		if (t == TOK_NAME) {
			for (size_t i = 0; i < nvars; i++) {
				if (strlen(vars[i].name) == s.namelen &&
				    memcmp(vars[i].name, s.name, s.namelen) == 0) {
					buf_puts(&out, vars[i].value);
					break;
				}
			}
		}
		p = s.end;
	}
	buf_puts(&out, p);
	return buf_detach(&out);
}

char *template_fence(struct rng *r, const char *name, const char *text)
{
	char tag[16];
	do
		snprintf(tag, sizeof tag, "%06llx", (unsigned long long)(rng_next(r) & 0xffffff));
	while (strstr(text, tag));
	return xasprintf("<<<%s %s>>>\n%s\n<<<END %s %s>>>", name, tag, text, name, tag);
}

/*
 * template.c - {{placeholder}} templates (see template.h).
 *
 * One scanner, tmpl_next(), finds the next placeholder, comment or section
 * tag; both the checker and the renderer walk the text with it, so they
 * cannot disagree about what the syntax is.
 */
#include "aw/template.h"
#include "aw/buf.h"
#include "aw/rng.h"
#include "aw/util.h"

#include <stdio.h>
#include <string.h>

enum tok {
	TOK_END,
	TOK_NAME,    /* {{name}} */
	TOK_COMMENT, /* {{! ... }} */
	TOK_OPEN,    /* {{#name}}: a section shown when name has a value */
	TOK_INVERT,  /* {{^name}}: a section shown when it has none */
	TOK_CLOSE,   /* {{/name}}: the end of either */
	TOK_BAD
};

#define TMPL_MAX_DEPTH 8 /* sections inside sections */

struct scan {
	const char *start;  /* first byte of the token ("{{") */
	const char *end;    /* byte after the token ("}}" included) */
	const char *name;   /* TOK_NAME and section tags: the name */
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

/* Find the next token at or after p in text.  A section tag alone on its
 * line (at the start of a line, a newline right after it) takes the newline
 * with it, so that a section of whole lines leaves no blank line. */
static enum tok tmpl_next(const char *text, const char *p, struct scan *s)
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
	enum tok kind = *q == '#' ? TOK_OPEN : *q == '^' ? TOK_INVERT : *q == '/' ? TOK_CLOSE :
								       TOK_NAME;
	if (kind != TOK_NAME)
		q++;
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
	if (kind != TOK_NAME && (o == text || o[-1] == '\n') && *s->end == '\n')
		s->end++;
	return kind;
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
	struct scan s, open[TMPL_MAX_DEPTH];
	size_t depth = 0;
	enum tok t;
	const char *p = text;
	while ((t = tmpl_next(text, p, &s)) != TOK_END) {
		if (t == TOK_BAD)
			return aw_fail(err, errlen,
				       "'%s' line %zu: malformed placeholder (expected {{name}}, {{#name}}, "
				       "{{^name}}, {{/name}} or {{! comment }})",
				       path, line_at(text, s.start));
		if (t != TOK_COMMENT) {
			int i = name_index(names, nnames, s.name, s.namelen);
			if (i < 0)
				return aw_fail(err, errlen, "'%s' line %zu: unknown placeholder {{%.*s}}",
					       path, line_at(text, s.start), (int)s.namelen, s.name);
			seen |= 1ULL << i;
		}
		if (t == TOK_OPEN || t == TOK_INVERT) {
			if (depth == TMPL_MAX_DEPTH)
				return aw_fail(err, errlen, "'%s' line %zu: sections nested too deep",
					       path, line_at(text, s.start));
			open[depth++] = s;
		} else if (t == TOK_CLOSE) {
			if (!depth || open[depth - 1].namelen != s.namelen ||
			    memcmp(open[depth - 1].name, s.name, s.namelen) != 0)
				return aw_fail(err, errlen, "'%s' line %zu: {{/%.*s}} closes no open section",
					       path, line_at(text, s.start), (int)s.namelen, s.name);
			depth--;
		}
		p = s.end;
	}
	if (depth)
		return aw_fail(err, errlen, "'%s' line %zu: section {{%c%.*s}} is never closed", path,
			       line_at(text, open[depth - 1].start), open[depth - 1].start[2],
			       (int)open[depth - 1].namelen, open[depth - 1].name);
	for (size_t i = 0; i < nnames && i < 64; i++)
		if (!(seen & (1ULL << i)))
			return aw_fail(err, errlen, "'%s': missing placeholder {{%s}}", path, names[i]);
	return 0;
}

int template_uses(const char *text, const char *name)
{
	struct scan s;
	enum tok t;
	const char *p = text;
	size_t len = strlen(name);
	while ((t = tmpl_next(text, p, &s)) != TOK_END && t != TOK_BAD) {
		if (t != TOK_COMMENT && s.namelen == len && memcmp(s.name, name, len) == 0)
			return 1;
		p = s.end;
	}
	return 0;
}

/* The value of the placeholder s names, or NULL. */
static const char *value_of(const struct scan *s, const struct tmpl_var *vars, size_t nvars)
{
	for (size_t i = 0; i < nvars; i++)
		if (strlen(vars[i].name) == s->namelen && memcmp(vars[i].name, s->name, s->namelen) == 0)
			return vars[i].value;
	return NULL;
}

char *template_render(const char *text, const struct tmpl_var *vars, size_t nvars)
{
	struct buf out = BUF_INIT;
	struct scan s;
	enum tok t;
	const char *p = text;
	size_t skip = 0; /* inside this many sections that are not shown */
	while ((t = tmpl_next(text, p, &s)) != TOK_END && t != TOK_BAD) {
		if (!skip)
			buf_append(&out, p, (size_t)(s.start - p));
		const char *v = t == TOK_COMMENT ? NULL : value_of(&s, vars, nvars);
		if (t == TOK_NAME && !skip && v) {
			buf_puts(&out, v);
		} else if (t == TOK_OPEN || t == TOK_INVERT) {
			int shown = (v && *v) == (t == TOK_OPEN);
			if (skip || !shown)
				skip++;
		} else if (t == TOK_CLOSE && skip) {
			skip--;
		}
		p = s.end;
	}
	if (!skip)
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

/*
 * verdict.c - find the judge's verdict in a reply (see verdict.h).
 *
 * Candidates are collected in order of position: every JSON object with a
 * "winner" key (found by trying cJSON at each '{'), and every line that
 * begins, after markdown decoration, with "winner" or "verdict" followed by
 * a label.  The last candidate wins, unless another candidate on its line
 * names the other story (a judge quoting the instructions "answer
 * {"winner": "A"} or {"winner": "B"}" has not decided).
 */
#include "aw/verdict.h"
#include "aw/buf.h"
#include "aw/util.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct cand {
	size_t pos;        /* where it starts in the text */
	size_t end;        /* where it ends */
	size_t vpos, vend; /* where its label is: the winner's value of a JSON
			    * verdict, else the same as pos and end */
	size_t line;       /* line number of pos */
	char winner;       /* 'A' or 'B' */
	char *reason;      /* "reason" field of a JSON verdict (owned), or NULL */
};

/* A label: optional "story"/"model"/"response"/"option" and a separator,
 * then A or B not followed by a letter or digit.  Returns 'A', 'B' or 0;
 * *len is the length read. */
static char read_label(const char *s, size_t *len)
{
	static const char *words[] = { "story", "model", "response", "option", "text" };
	const char *p = s;
	while (*p == ' ' || *p == '"' || *p == '\'' || *p == '*' || *p == '`' || *p == '[' ||
	       *p == '(')
		p++;
	for (size_t i = 0; i < AW_ARRAY_LEN(words); i++) {
		size_t n = strlen(words[i]);
		if (strncasecmp(p, words[i], n) == 0 && (p[n] == ' ' || p[n] == '_' || p[n] == '-')) {
			p += n + 1;
			break;
		}
	}
	char c = (char)toupper((unsigned char)*p);
	if ((c != 'A' && c != 'B') || isalnum((unsigned char)p[1]))
		return 0;
	*len = (size_t)(p + 1 - s);
	return c;
}

/* Where the string value of the last "winner" key of the JSON object
 * text[pos, end) lies, quotes included, so that its probability is read at
 * the verdict and not at an "A" in a "reason" after it. */
static void winner_span(const char *text, size_t pos, size_t end, size_t *vpos, size_t *vend)
{
	*vpos = pos;
	*vend = end;
	for (size_t i = pos; i + 8 <= end; i++) {
		if (text[i] != '"' || strncasecmp(text + i + 1, "winner\"", 7) != 0)
			continue;
		size_t j = i + 8;
		while (j < end && isspace((unsigned char)text[j]))
			j++;
		if (j >= end || text[j] != ':')
			continue;
		j++;
		while (j < end && isspace((unsigned char)text[j]))
			j++;
		if (j >= end || text[j] != '"')
			continue;
		size_t k = j + 1;
		while (k < end && text[k] != '"')
			k += text[k] == '\\' ? 2 : 1;
		*vpos = j;
		*vend = k < end ? k + 1 : end;
	}
}

static void add(struct cand **v, size_t *n, size_t *cap, struct cand c)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 8;
		*v = xrealloc(*v, *cap * sizeof **v);
	}
	(*v)[(*n)++] = c;
}

static void find_json(const char *text, struct cand **v, size_t *n, size_t *cap)
{
	size_t skip_until = 0;
	for (const char *p = strchr(text, '{'); p; p = strchr(p + 1, '{')) {
		size_t pos = (size_t)(p - text);
		if (pos < skip_until)
			continue;
		const char *end = NULL;
		cJSON *o = cJSON_ParseWithOpts(p, &end, 0);
		if (!o)
			continue;
		const cJSON *w = NULL;
		for (const cJSON *it = o->child; it; it = it->next)
			if (it->string && strcasecmp(it->string, "winner") == 0)
				w = it;
		size_t len;
		char label = cJSON_IsString(w) ? read_label(w->valuestring, &len) : 0;
		if (cJSON_IsObject(o) && label && w->valuestring[len + strspn(w->valuestring + len, " \"'*.")] == '\0') {
			struct cand c = { pos, (size_t)(end - text), 0, 0, 0, label, NULL };
			winner_span(text, c.pos, c.end, &c.vpos, &c.vend);
			for (const cJSON *it = o->child; it; it = it->next)
				if (it->string && cJSON_IsString(it) &&
				    (strcasecmp(it->string, "reason") == 0 ||
				     strcasecmp(it->string, "reasoning") == 0) &&
				    it->valuestring[0] && !c.reason)
					c.reason = xstrdup(it->valuestring);
			add(v, n, cap, c);
			skip_until = c.end;
		}
		cJSON_Delete(o);
	}
}

static void find_lines(const char *text, struct cand **v, size_t *n, size_t *cap)
{
	static const char *keys[] = { "final verdict", "the winner is", "winner", "verdict" };
	for (const char *line = text; line && *line;) {
		const char *p = line;
		while (*p == ' ' || *p == '\t' || *p == '*' || *p == '#' || *p == '>' || *p == '-' ||
		       *p == '_')
			p++;
		for (size_t i = 0; i < AW_ARRAY_LEN(keys); i++) {
			size_t k = strlen(keys[i]);
			if (strncasecmp(p, keys[i], k) != 0)
				continue;
			const char *q = p + k;
			while (*q == ' ' || *q == '*' || *q == '_')
				q++;
			if (*q != ':')
				break;
			q++;
			size_t len;
			char label = read_label(q, &len);
			/* The label must end the line, but for punctuation or a
			 * bracketed remark: "Verdict: a tie." and "Winner: A or B"
			 * name no winner. */
			const char *rest = label ? q + len : NULL;
			while (rest && (*rest == ' ' || *rest == '\t'))
				rest++;
			if (rest && *rest && *rest != '\n' && *rest != '\r' &&
			    !strchr(".!*\"'`)]},;([{-", *rest))
				label = 0;
			if (label) {
				size_t from = (size_t)(line - text), to = (size_t)(q + len - text);
				struct cand c = { from, to, from, to, 0, label, NULL };
				add(v, n, cap, c);
			}
			break;
		}
		line = strchr(line, '\n');
		if (line)
			line++;
	}
}

static int by_pos(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/* The prose before pos, trimmed, with a dangling ``` fence opener removed. */
static char *prose_before(const char *text, size_t pos)
{
	size_t n = pos;
	for (;;) {
		while (n > 0 && isspace((unsigned char)text[n - 1]))
			n--;
		if (n >= 7 && strncasecmp(text + n - 7, "```json", 7) == 0)
			n -= 7;
		else if (n >= 3 && strncmp(text + n - 3, "```", 3) == 0)
			n -= 3;
		else
			break;
	}
	size_t s = 0;
	while (s < n && isspace((unsigned char)text[s]))
		s++;
	return s < n ? xstrndup(text + s, n - s) : NULL;
}

int verdict_parse(const char *text, struct verdict *v)
{
	struct cand *c = NULL;
	size_t n = 0, cap = 0, len = strlen(text);
	v->winner = 0;
	v->reason = NULL;
	v->tail_from = v->tail_to = 0;
	if (len > VERDICT_WINDOW) { /* the tail, from a line start */
		const char *nl = strchr(text + len - VERDICT_WINDOW, '\n');
		text = nl ? nl + 1 : text + len - VERDICT_WINDOW;
		len = strlen(text);
	}
	find_json(text, &c, &n, &cap);
	find_lines(text, &c, &n, &cap);
	if (n > 0) {
		qsort(c, n, sizeof *c, by_pos);
		size_t line = 1, at = 0;
		for (size_t i = 0; i < n; i++) { /* one sweep numbers the lines */
			for (; at < c[i].pos; at++)
				line += text[at] == '\n';
			c[i].line = line;
		}
		struct cand *last = &c[n - 1];
		int conflict = 0;
		for (size_t i = 0; i + 1 < n; i++)
			if (c[i].line == last->line && c[i].winner != last->winner)
				conflict = 1;
		if (!conflict) {
			v->winner = last->winner;
			v->reason = last->reason ? xstrdup(last->reason) : prose_before(text, last->pos);
			v->tail_from = len - last->vpos;
			v->tail_to = len - last->vend;
		}
	}
	for (size_t i = 0; i < n; i++)
		free(c[i].reason);
	free(c);
	return v->winner ? 0 : -1;
}

void verdict_release(struct verdict *v)
{
	free(v->reason);
	v->reason = NULL;
	v->winner = 0;
}

/* 'A' or 'B' if a token reads as that label alone, else 0. */
static char token_label(const char *tok)
{
	const unsigned char *p = (const unsigned char *)tok;
	char label = 0;
	while (*p) {
		if (*p == ' ' || *p == '"' || *p == '\'' || *p == '*' || *p == '\n' || *p == '\t' ||
		    *p == '`') {
			p++;
		} else if (p[0] == 0xe2 && p[1] == 0x96 && p[2] == 0x81) { /* U+2581 */
			p += 3;
		} else if (p[0] == 0xc4 && p[1] == 0xa0) { /* U+0120, byte-BPE space */
			p += 2;
		} else if ((*p == 'A' || *p == 'B') && !label) {
			label = (char)*p++;
		} else {
			return 0;
		}
	}
	return label;
}

int verdict_logprob(const struct cJSON *content, const struct verdict *v, double *p_a)
{
	const cJSON *tok, *at = NULL;
	size_t total = 0, trail = 0;
	if (!v->winner)
		return -1;
	/* Lay the tokens end to end: how long is the text, and how much of its
	 * end is white space (the parsed reply was trimmed)? */
	cJSON_ArrayForEach(tok, content) {
		const char *t = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(tok, "token"));
		size_t n = t ? strlen(t) : 0;
		total += n;
		size_t k = n;
		while (k > 0 && isspace((unsigned char)t[k - 1]))
			k--;
		trail = k == 0 ? trail + n : n - k;
	}
	if (total < trail + v->tail_from)
		return -1; /* the tokens are not the text the verdict came from */
	size_t from = total - trail - v->tail_from, to = total - trail - v->tail_to, off = 0;
	cJSON_ArrayForEach(tok, content) {
		const char *t = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(tok, "token"));
		size_t n = t ? strlen(t) : 0;
		if (t && off + n > from && off < to && token_label(t))
			at = tok;
		off += n;
	}
	if (!at)
		return -1;
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(at, "token");
	if (token_label(t->valuestring) != v->winner)
		return -1; /* the label there is not the verdict we read */
	double pa = 0, pb = 0;
	const cJSON *alt, *top = cJSON_GetObjectItemCaseSensitive(at, "top_logprobs");
	cJSON_ArrayForEach(alt, top) {
		const cJSON *at_tok = cJSON_GetObjectItemCaseSensitive(alt, "token");
		const cJSON *lp = cJSON_GetObjectItemCaseSensitive(alt, "logprob");
		if (!cJSON_IsString(at_tok) || !cJSON_IsNumber(lp) || lp->valuedouble > 0)
			continue;
		char l = token_label(at_tok->valuestring);
		if (l == 'A')
			pa += exp(lp->valuedouble);
		else if (l == 'B')
			pb += exp(lp->valuedouble);
	}
	if (pa + pb < VERDICT_MASS_MIN || pa + pb > 1.0 + 1e-6)
		return -1;
	double p = fmin(fmax(pa / (pa + pb), VERDICT_P_MIN), 1 - VERDICT_P_MIN);
	/* Twelve decimals: the value then reads back from JSON (printed with
	 * 15 digits) as exactly the same double, so a fit from the files or
	 * the journal is the same computation as the one in memory. */
	*p_a = round(p * 1e12) / 1e12;
	return 0;
}

/*
 * cli.c - option tables to getopt_long, values, defaults, --help and the
 * man page (see cli.h).
 *
 * Every command's options go through cli_parse(), so every number is read
 * by the same strict rule and every misuse gets the same kind of message
 * and exit status.
 */
#include "aw/cli.h"
#include "aw/util.h"
#include "aw/version.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ROWS 128

/* ---------------------------------------------------------------- values */

/* Does s follow the strict number rule?  decimal: a fraction and an
 * exponent are allowed. */
static int number_text(const char *s, int decimal)
{
	const char *p = s;
	if (*p == '-')
		p++;
	size_t whole = strspn(p, "0123456789");
	p += whole;
	size_t frac = 0;
	if (decimal && *p == '.') {
		frac = strspn(p + 1, "0123456789");
		p += 1 + frac;
	}
	if (!whole && !frac)
		return 0;
	if (decimal && (*p == 'e' || *p == 'E')) {
		p++;
		if (*p == '-' || *p == '+')
			p++;
		size_t exp = strspn(p, "0123456789");
		if (!exp)
			return 0;
		p += exp;
	}
	return *p == '\0';
}

/* "a, b or c" (static buffer). */
static const char *choice_list(const char *const *c)
{
	static char buf[256];
	buf[0] = '\0';
	for (int i = 0; c[i]; i++) {
		size_t len = strlen(buf);
		snprintf(buf + len, sizeof buf - len, "%s%s", i == 0 ? "" : c[i + 1] ? ", " : " or ",
			 c[i]);
	}
	return buf;
}

/* The range of a number row as --help shows it: "0..2", ">0..1". */
static void range_text(const struct cli_row *r, char *out, size_t n)
{
	snprintf(out, n, "%s%.10g..%s%.10g%s", r->flags & CLI_GT_MIN ? ">" : "", r->min,
		 r->flags & CLI_LT_MAX ? "<" : "", r->max, r->flags & CLI_AUTO ? " or auto" : "");
}

static int in_range(const struct cli_row *r, double v)
{
	if (r->flags & CLI_GT_MIN ? !(v > r->min) : !(v >= r->min))
		return 0;
	return r->flags & CLI_LT_MAX ? v < r->max : v <= r->max;
}

int cli_set(const struct cli_row *r, void *dst, const char *arg, char *err, size_t errlen)
{
	void *field = (char *)dst + r->off;
	char range[64];
	switch (r->kind) {
	case CLI_STR:
		if (!*arg)
			return aw_fail(err, errlen, "option '--%s' needs a non-empty value", r->name);
		*(const char **)field = arg;
		return 0;
	case CLI_LONG: {
		errno = 0;
		char *end;
		long v = number_text(arg, 0) ? strtol(arg, &end, 10) : 0;
		if (!number_text(arg, 0) || errno)
			return aw_fail(err, errlen, "option '--%s': '%s' is not a whole number",
				       r->name, arg);
		if (!in_range(r, (double)v)) {
			range_text(r, range, sizeof range);
			return aw_fail(err, errlen, "option '--%s': %ld is out of range (%s)", r->name,
				       v, range);
		}
		*(long *)field = v;
		return 0;
	}
	case CLI_DOUBLE: {
		errno = 0;
		char *end;
		if ((r->flags & CLI_AUTO) && strcmp(arg, "auto") == 0) {
			*(double *)field = CLI_AUTO_VALUE;
			return 0;
		}
		double v = number_text(arg, 1) ? strtod(arg, &end) : 0;
		if (!number_text(arg, 1) || errno || !isfinite(v))
			return aw_fail(err, errlen, "option '--%s': '%s' is not a number", r->name, arg);
		if (!in_range(r, v)) {
			range_text(r, range, sizeof range);
			return aw_fail(err, errlen, "option '--%s': %s is out of range (%s)", r->name,
				       arg, range);
		}
		*(double *)field = v;
		return 0;
	}
	case CLI_U64: {
		errno = 0;
		char *end;
		unsigned long long v = number_text(arg, 0) && *arg != '-' ? strtoull(arg, &end, 10) : 0;
		if (!number_text(arg, 0) || *arg == '-' || errno)
			return aw_fail(err, errlen,
				       "option '--%s': '%s' is not a non-negative whole number", r->name,
				       arg);
		if ((double)v > r->max)
			return aw_fail(err, errlen, "option '--%s': %s is out of range (0..%.0f)",
				       r->name, arg, r->max);
		*(uint64_t *)field = (uint64_t)v;
		return 0;
	}
	case CLI_FLAG:
		*(int *)field = 1;
		return 0;
	case CLI_CHOICE:
		for (int i = 0; r->choices[i]; i++)
			if (strcmp(arg, r->choices[i]) == 0) {
				*(int *)field = i;
				return 0;
			}
		return aw_fail(err, errlen, "option '--%s': '%s' is not one of %s", r->name, arg,
			       choice_list(r->choices));
	case CLI_LIST: {
		struct cli_list *l = field;
		if (!*arg)
			return aw_fail(err, errlen, "option '--%s' needs a non-empty value", r->name);
		l->v = xrealloc(l->v, (l->n + 1) * sizeof *l->v);
		l->v[l->n++] = xstrdup(arg);
		return 0;
	}
	case CLI_HELP:
		break;
	}
	return 0;
}

void cli_list_free(struct cli_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

const struct cli_row *cli_row(const struct cli_command *c, const char *name)
{
	for (size_t i = 0; i < c->nrows; i++)
		if (strcmp(c->rows[i].name, name) == 0)
			return &c->rows[i];
	return NULL;
}

void cli_redefault(struct cli_row *rows, size_t n, const char *name, const char *help,
		   const char *note)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(rows[i].name, name)) {
			if (help)
				rows[i].help = help;
			if (note)
				rows[i].note = note;
		}
}

/* ---------------------------------------------------------------- parsing */

int cli_usage(const struct cli_command *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	aw_verror(fmt, ap);
	va_end(ap);
	fprintf(stderr, "Try 'alphawrite %s --help'.\n", c->name);
	return CLI_USAGE;
}

enum cli_result cli_parse(const struct cli_command *c, void *dst, unsigned char *given,
			  int argc, char **argv, int *first)
{
	struct option longopts[MAX_ROWS + 1];
	char err[512];
	if (c->nrows > MAX_ROWS)
		abort();
	for (size_t i = 0; i < c->nrows; i++) {
		const struct cli_row *r = &c->rows[i];
		if (r->value && cli_set(r, dst, r->value, err, sizeof err) < 0) {
			fprintf(stderr, "alphawrite: internal error: default of --%s: %s\n", r->name,
				err);
			abort();
		}
		longopts[i] = (struct option){ r->name, r->arg ? required_argument : no_argument,
					       NULL, 256 + (int)i };
		if (given)
			given[i] = 0;
	}
	memset(&longopts[c->nrows], 0, sizeof longopts[0]);

	optind = 0; /* 0, not 1: also resets glibc's state from an earlier call */
	opterr = 0;
	for (;;) {
		int ch = getopt_long(argc, argv, ":h", longopts, NULL);
		if (ch == -1)
			break;
		if (ch == 'h') {
			cli_help(c, stdout);
			return CLI_EXIT;
		}
		if (ch == '?')
			return cli_usage(c, "unknown option '%s'", argv[optind - 1]);
		if (ch == ':')
			return cli_usage(c, "option '%s' requires an argument", argv[optind - 1]);
		const struct cli_row *r = &c->rows[ch - 256];
		if (r->kind == CLI_HELP) {
			cli_help(c, stdout);
			return CLI_EXIT;
		}
		if (given)
			given[ch - 256] = 1;
		if (cli_set(r, dst, optarg ? optarg : "", err, sizeof err) < 0)
			return cli_usage(c, "%s", err);
	}
	*first = optind;
	return CLI_RUN;
}

/* ------------------------------------------------------------------ help */

void cli_help(const struct cli_command *c, FILE *out)
{
	char range[64];
	const char *syn = c->synopsis;
	for (int line = 0; *syn; line++) {
		size_t len = strcspn(syn, "\n");
		fprintf(out, "%s%.*s\n", line ? "       " : "usage: ", (int)len, syn);
		syn += len + (syn[len] == '\n');
	}
	fprintf(out, "\n%s\n\noptions:\n", c->summary);
	for (size_t i = 0; i < c->nrows; i++) {
		const struct cli_row *r = &c->rows[i];
		char left[64];
		if (r->flags & CLI_HIDDEN)
			continue;
		snprintf(left, sizeof left, "--%s%s%s", r->name, r->arg ? " " : "", r->arg ? r->arg : "");
		fprintf(out, "  %-26s %s", left, r->help);
		if (r->kind == CLI_LONG || r->kind == CLI_DOUBLE) {
			range_text(r, range, sizeof range);
			fprintf(out, " (%s)", range);
		}
		if (r->note || r->value)
			fprintf(out, " [%s]", r->note ? r->note : r->value);
		fputc('\n', out);
	}
	if (c->epilog)
		fprintf(out, "\n%s", c->epilog);
}

/* Text for troff: backslashes doubled, '-' as \-, a leading '.' or '\''
 * protected. */
static void troff(FILE *out, const char *s)
{
	if (*s == '.' || *s == '\'')
		fputs("\\&", out);
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\e", out);
		else if (*s == '-')
			fputs("\\-", out);
		else
			fputc(*s, out);
	}
}

void cli_man(const struct cli_command *const *cmds, size_t n, FILE *out)
{
	char range[64];
	fprintf(out, ".TH ALPHAWRITE 1 \"\" \"alphawrite %s\" \"User Commands\"\n", AW_VERSION);
	fputs(".SH NAME\nalphawrite \\- evolve better stories with an LLM writer and a pairwise "
	      "LLM judge\n.SH SYNOPSIS\n", out);
	for (size_t k = 0; k < n; k++) {
		const char *syn = cmds[k]->synopsis;
		while (*syn) {
			size_t len = strcspn(syn, "\n");
			char *line = xstrndup(syn, len);
			fputs(".br\n", out);
			troff(out, line);
			fputc('\n', out);
			free(line);
			syn += len + (syn[len] == '\n');
		}
	}
	fputs(".SH DESCRIPTION\nalphawrite writes a population of stories through an "
	      "OpenAI\\-compatible endpoint, has an LLM judge compare them in pairs against a "
	      "rubric, ranks them, breeds variants of the best, and repeats; every generation is "
	      "written to JSON.  See the README for a walk through.\n", out);
	for (size_t k = 0; k < n; k++) {
		const struct cli_command *c = cmds[k];
		fputs(".SH \"", out);
		troff(out, c->name);
		fputs("\"\n", out);
		troff(out, c->summary);
		fputc('\n', out);
		for (size_t i = 0; i < c->nrows; i++) {
			const struct cli_row *r = &c->rows[i];
			if (r->flags & CLI_HIDDEN)
				continue;
			fputs(".TP\n\\fB\\-\\-", out);
			troff(out, r->name);
			fputs("\\fR", out);
			if (r->arg) {
				fputs(" \\fI", out);
				troff(out, r->arg);
				fputs("\\fR", out);
			}
			fputc('\n', out);
			troff(out, r->help);
			if (r->kind == CLI_LONG || r->kind == CLI_DOUBLE) {
				range_text(r, range, sizeof range);
				fputs(" (", out);
				troff(out, range);
				fputs(")", out);
			}
			if (r->choices) {
				fputs(": ", out);
				troff(out, choice_list(r->choices));
			}
			if (r->note || r->value) {
				fputs(". Default: ", out);
				troff(out, r->note ? r->note : r->value);
			}
			fputs(".\n", out);
		}
		if (c->epilog) {
			fputs(".PP\n", out);
			const char *e = c->epilog;
			while (*e) {
				size_t len = strcspn(e, "\n");
				char *line = xstrndup(e, len);
				if (*line) {
					troff(out, line);
					fputs("\n.br\n", out);
				} else {
					fputs(".PP\n", out);
				}
				free(line);
				e += len + (e[len] == '\n');
			}
		}
	}
}

/* ------------------------------------------------------------ completion */

/* What a metavar or an operand names: 'd' a directory, 'f' a file, 0
 * neither. */
static int path_kind(const char *word, size_t len)
{
	while (len && (word[len - 1] == ']' || word[len - 1] == '.'))
		len--;
	for (size_t i = 0; i + 3 <= len; i++)
		if (!strncmp(word + i, "DIR", 3))
			return 'd';
	for (size_t i = 0; i + 4 <= len; i++)
		if (!strncmp(word + i, "FILE", 4))
			return 'f';
	return 0;
}

/* What the operands of c name, from its synopsis: a word that is neither
 * an option, nor an option's argument, nor "[options]". */
static int operand_kind(const struct cli_command *c)
{
	int kind = 0;
	const char *s = c->synopsis;
	while (*s) {
		size_t len = strcspn(s, "\n");
		int word = 0, after_option = 0;
		for (const char *p = s; p < s + len;) {
			p += strspn(p, " ");
			size_t w = strcspn(p, " \n");
			if (!w)
				break;
			const char *t = p + (*p == '[');
			if (word++ >= 2 && strncmp(p, "[options]", 9) != 0) {
				if (*t == '-') {
					after_option = 1;
				} else {
					int k = after_option ? 0 : path_kind(t, w - (size_t)(t - p));
					if (k == 'd' || (k == 'f' && !kind))
						kind = k;
					after_option = 0;
				}
			}
			p += w;
		}
		s += len + (s[len] == '\n');
	}
	return kind;
}

void cli_completion(const struct cli_command *const *cmds, size_t n, FILE *out)
{
	fputs("# bash completion for alphawrite\n"
	      "# generated by 'alphawrite help --completion' from the option tables\n"
	      "_alphawrite_paths()\n{\n"
	      "\tlocal IFS=$'\\n'\n"
	      "\tcompopt -o filenames 2>/dev/null\n"
	      "\tCOMPREPLY=($(compgen \"$1\" -- \"$cur\"))\n}\n\n"
	      "_alphawrite()\n{\n"
	      "\tlocal cur=${COMP_WORDS[COMP_CWORD]} prev=\n"
	      "\t((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD-1]}\n"
	      "\t# --opt=value: bash splits at '=' (COMP_WORDBREAKS)\n"
	      "\tif [[ $cur == = ]]; then\n\t\tcur=\n"
	      "\telif [[ $prev == = ]] && ((COMP_CWORD > 1)); then\n"
	      "\t\tprev=${COMP_WORDS[COMP_CWORD-2]}\n\tfi\n"
	      "\tCOMPREPLY=()\n"
	      "\tif ((COMP_CWORD == 1)); then\n"
	      "\t\tCOMPREPLY=($(compgen -W \"",
	      out);
	for (size_t k = 0; k < n; k++)
		fprintf(out, "%s ", cmds[k]->name);
	fputs("help --help --version\" -- \"$cur\"))\n\t\treturn\n\tfi\n"
	      "\tcase ${COMP_WORDS[1]} in\n\thelp)\n"
	      "\t\t((COMP_CWORD == 2)) && COMPREPLY=($(compgen -W \"",
	      out);
	for (size_t k = 0; k < n; k++)
		fprintf(out, "%s%s", k ? " " : "", cmds[k]->name);
	fputs("\" -- \"$cur\"))\n\t\t;;\n", out);
	for (size_t k = 0; k < n; k++) {
		const struct cli_command *c = cmds[k];
		fprintf(out, "\t%s)\n\t\tcase $prev in\n", c->name);
		/* Options with an argument: by what the argument is. */
		for (size_t i = 0; i < c->nrows; i++) {
			const struct cli_row *r = &c->rows[i];
			if (!r->arg || (r->flags & CLI_HIDDEN))
				continue;
			fprintf(out, "\t\t--%s)\n\t\t\t", r->name);
			int kind = path_kind(r->arg, strlen(r->arg));
			if (r->kind == CLI_CHOICE && r->choices) {
				fputs("COMPREPLY=($(compgen -W \"", out);
				for (int j = 0; r->choices[j]; j++)
					fprintf(out, "%s%s", j ? " " : "", r->choices[j]);
				fputs("\" -- \"$cur\"))\n", out);
			} else if (kind) {
				fprintf(out, "_alphawrite_paths -%c\n", kind);
			} else {
				fputs(":\n", out); /* a value no list can offer */
			}
			fputs("\t\t\treturn\n\t\t\t;;\n", out);
		}
		fputs("\t\tesac\n\t\tif [[ $cur == -* ]]; then\n\t\t\tCOMPREPLY=($(compgen -W \"", out);
		int sep = 0;
		for (size_t i = 0; i < c->nrows; i++)
			if (!(c->rows[i].flags & CLI_HIDDEN))
				fprintf(out, "%s--%s", sep++ ? " " : "", c->rows[i].name);
		fputs("\" -- \"$cur\"))\n\t\t\treturn\n\t\tfi\n", out);
		int kind = operand_kind(c);
		if (kind)
			fprintf(out, "\t\t_alphawrite_paths -%c\n", kind);
		fputs("\t\t;;\n", out);
	}
	fputs("\tesac\n}\ncomplete -F _alphawrite alphawrite\n", out);
}

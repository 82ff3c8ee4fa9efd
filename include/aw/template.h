/*
 * template.h - prompt templates with {{name}} placeholders.
 *
 * The syntax is the smallest that keeps prompts readable as files:
 * {{name}} is replaced by a value, {{! any text }} is a comment removed at
 * render time (a comment followed by a newline takes the newline with it, so
 * a header comment leaves no blank line).  Names are [a-z_][a-z0-9_]*, spaces
 * inside the braces are allowed.  Rendering is one pass over the template:
 * values are inserted as they are and never scanned, so a story that
 * contains "{{" is just text.
 *
 * Sections (Mustache's): {{#name}}...{{/name}} is shown only when name has
 * a non-empty value, {{^name}}...{{/name}} only when it has none, so that a
 * template can say something only when an option is set (variant.txt's
 * sentence about --min-words) and say exactly what it said before when it
 * is not.  A section tag alone on its line takes its newline with it.
 *
 * template_check() validates a template against the names its role allows:
 * an unknown or malformed placeholder is reported with the file and line,
 * and so is a required placeholder that is missing, and a section that is
 * not closed, or closed out of order.  A section's name counts as used.
 *
 * Ownership: template_render() returns a string the caller frees.
 */
#ifndef AW_TEMPLATE_H
#define AW_TEMPLATE_H

#include <stddef.h>

struct tmpl_var {
	const char *name;  /* placeholder name, without braces */
	const char *value; /* text to insert */
};

/* 0 if text uses only names[] and all of them; else -1 and a message
 * naming path and line in err. */
int template_check(const char *text, const char *path, const char *const *names,
		   size_t nnames, char *err, size_t errlen);

/* Does text use name, as a placeholder or a section? */
int template_uses(const char *text, const char *name);

/* Render text, replacing each {{name}} by its value ("" if not given). */
char *template_render(const char *text, const struct tmpl_var *vars, size_t nvars);

struct rng;

/* Wrap text between fence lines "<<<NAME tag>>>" and "<<<END NAME tag>>>",
 * with a random hex tag drawn until it does not occur in text, so that the
 * text cannot close its own fence.  Returns a new string. */
char *template_fence(struct rng *r, const char *name, const char *text);

#endif

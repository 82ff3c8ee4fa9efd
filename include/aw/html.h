/*
 * html.h - writing HTML that stays HTML whatever text it quotes: text and
 * attribute values escaped, fragment ids made safe, and a word difference
 * shown with <del> and <ins>.
 *
 * Stories, goals and ids come from a model and from files anyone may have
 * edited, so every byte of them that reaches a page goes through here.  One
 * escaper serves text and attribute values alike (it escapes both quotes),
 * so no caller has to know which context needs what.  Bytes that are not
 * valid UTF-8, and control characters HTML does not allow, become U+FFFD:
 * the page is always well-formed UTF-8.
 *
 * Ownership: everything is appended to a struct buf the caller owns.
 */
#ifndef AW_HTML_H
#define AW_HTML_H

#include <stddef.h>
#include "aw/buf.h"

struct wdiff;

/* Append s (n bytes) escaped for text content or a quoted attribute. */
void html_textn(struct buf *b, const char *s, size_t n);
void html_text(struct buf *b, const char *s);
/* printf, then escape the result (for numbers next to untrusted text). */
void html_textf(struct buf *b, const char *fmt, ...) AW_PRINTF(2, 3);

/* An id usable as an element id and a #fragment: prefix, then id with every
 * byte outside [A-Za-z0-9-] written as _XX (hex), so distinct ids stay
 * distinct. */
void html_anchor(struct buf *b, const char *prefix, const char *id);

/* The new text of d with what it lost and gained marked: the new text's
 * words and whitespace as written, each deleted run as <del>...</del>
 * (with the space that sets it apart) before the <ins>...</ins> that
 * replaced it, all escaped.  Without its <del> elements the markup is the
 * new text exactly. */
void html_diff(struct buf *b, const struct wdiff *d);

#endif

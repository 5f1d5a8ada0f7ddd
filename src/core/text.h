/*
 * text: small checks of UTF-8 text shared by the parsers of JSON bodies (api/input), sizes,
 * CSV rows, request paths and query arguments (http/router) and the log.
 */
#ifndef HYLLA_CORE_TEXT_H
#define HYLLA_CORE_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/*
 * The length of the UTF-8 sequence at p (at most end), or 0 when it is not valid UTF-8: no
 * overlong forms, surrogates or code points beyond U+10FFFF.
 */
size_t text_utf8_sequence(const unsigned char *p, const unsigned char *end);

/* Whether the NUL-terminated s is valid UTF-8 throughout. */
bool text_is_utf8(const char *s);

/* The number of characters (not bytes) of UTF-8 text. */
size_t text_chars(const char *s);

/* Whether s is empty or only spaces, tabs and line breaks. */
bool text_is_blank(const char *s);

/* Whether s holds a control character (line breaks and tabs allowed when multiline). */
bool text_has_control(const char *s, bool multiline);

/* Whether t is a real date written YYYY-MM-DD (1900 to 2200). */
bool text_is_iso_date(const char *t);

#endif

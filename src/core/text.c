/* text: UTF-8 text checks (see text.h). */
#include "text.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

size_t text_utf8_sequence(const unsigned char *p, const unsigned char *end)
{
    size_t n;
    if (*p < 0x80)
        return 1;
    if (*p >= 0xC2 && *p <= 0xDF)
        n = 2;
    else if (*p >= 0xE0 && *p <= 0xEF)
        n = 3;
    else if (*p >= 0xF0 && *p <= 0xF4)
        n = 4;
    else
        return 0;
    if ((size_t)(end - p) < n)
        return 0;
    for (size_t i = 1; i < n; i++)
        if ((p[i] & 0xC0) != 0x80)
            return 0;
    /* No overlong forms, surrogates or code points beyond U+10FFFF. */
    if ((p[0] == 0xE0 && p[1] < 0xA0) || (p[0] == 0xED && p[1] > 0x9F) ||
        (p[0] == 0xF0 && p[1] < 0x90) || (p[0] == 0xF4 && p[1] > 0x8F))
        return 0;
    return n;
}

bool text_is_utf8(const char *s)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + strlen(s);
    while (p < end) {
        size_t n = text_utf8_sequence(p, end);
        if (!n)
            return false;
        p += n;
    }
    return true;
}

size_t text_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

bool text_is_blank(const char *s)
{
    for (; *s; s++)
        if (!isspace((unsigned char)*s))
            return false;
    return true;
}

bool text_has_control(const char *s, bool multiline)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c < 0x20 && !(multiline && (c == '\n' || c == '\r' || c == '\t'))) || c == 0x7F)
            return true;
    }
    return false;
}

bool text_is_iso_date(const char *t)
{
    if (!t || strlen(t) != 10 || t[4] != '-' || t[7] != '-')
        return false;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && !isdigit((unsigned char)t[i]))
            return false;
    int y = atoi(t), m = atoi(t + 5), d = atoi(t + 8);
    static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    if (y < 1900 || y > 2200 || m < 1 || m > 12 || d < 1)
        return false;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return d <= days[m - 1] + (m == 2 && leap);
}

/* size: item sizes as kind and value (see size.h). */
#include "size.h"

#include "core/text.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const size_kind_names[] = {
    "length_cm", "shoe_eu", "clothing", "head_cm", "wheel_in", "other", NULL,
};

/* What a numeric size of each kind may be; wide enough for a canoe and a child's first shoe. */
static const struct {
    double min, max;
    const char *why;
} ranges[] = {
    [SIZE_LENGTH_CM] = { 1, 2000, "a length must be from 1 to 2000 cm" },
    [SIZE_SHOE_EU] = { 10, 60, "a shoe size must be from 10 to 60" },
    [SIZE_HEAD_CM] = { 30, 80, "a head size must be from 30 to 80 cm" },
    [SIZE_WHEEL_IN] = { 6, 36, "a wheel size must be from 6 to 36 inches" },
};

enum size_kind size_kind_from_name(const char *name)
{
    for (size_t i = 0; name && size_kind_names[i]; i++)
        if (strcmp(name, size_kind_names[i]) == 0)
            return (enum size_kind)(i + 1);
    return SIZE_NONE;
}

const char *size_kind_name(enum size_kind kind)
{
    return kind > SIZE_NONE && kind <= SIZE_OTHER ? size_kind_names[kind - 1] : NULL;
}

bool size_kind_is_numeric(enum size_kind kind)
{
    return kind == SIZE_LENGTH_CM || kind == SIZE_SHOE_EU || kind == SIZE_HEAD_CM ||
           kind == SIZE_WHEEL_IN;
}

bool size_from_number(enum size_kind kind, double value, struct size *out, const char **why)
{
    if (kind == SIZE_NONE) {
        *why = "the size needs a kind";
        return false;
    }
    if (!isfinite(value)) {
        *why = "the size must be a number";
        return false;
    }
    if (!size_kind_is_numeric(kind)) {
        /* "128" for clothing is a child's height, which is text like "M". */
        char text[32];
        snprintf(text, sizeof text, "%.15g", value);
        return size_from_text(kind, text, out, why);
    }
    if (value < ranges[kind].min || value > ranges[kind].max) {
        *why = ranges[kind].why;
        return false;
    }
    *out = (struct size){ .kind = kind, .num = round(value * 100) / 100 };
    return true;
}

bool size_parse_bound(const char *text, double *out)
{
    char copy[32];
    while (isspace((unsigned char)*text))
        text++;
    size_t n = strlen(text);
    while (n && isspace((unsigned char)text[n - 1]))
        n--;
    if (n == 0 || n >= sizeof copy)
        return false;
    memcpy(copy, text, n);
    copy[n] = '\0';
    /* A decimal comma, as Swedish Excel writes; and nothing strtod reads beyond plain digits. */
    size_t seps = 0;
    for (char *p = copy; *p; p++) {
        if (*p == ',')
            *p = '.';
        if (*p == '.')
            seps++;
        else if (!isdigit((unsigned char)*p) && !(p == copy && *p == '-'))
            return false;
    }
    if (seps > 1 || copy[0] == '.' || copy[n - 1] == '.')
        return false;
    errno = 0;
    char *end;
    double v = strtod(copy, &end);
    if (errno || *end || !isfinite(v))
        return false;
    *out = v;
    return true;
}

bool size_from_text(enum size_kind kind, const char *text, struct size *out, const char **why)
{
    if (kind == SIZE_NONE) {
        *why = "the size needs a kind";
        return false;
    }
    while (isspace((unsigned char)*text))
        text++;
    size_t n = strlen(text);
    while (n && isspace((unsigned char)text[n - 1]))
        n--;
    if (n == 0) {
        *why = "the size has no value";
        return false;
    }
    if (size_kind_is_numeric(kind)) {
        double v;
        if (!size_parse_bound(text, &v)) {
            *why = "the size must be a number";
            return false;
        }
        return size_from_number(kind, v, out, why);
    }
    if (n >= sizeof out->text) {
        *why = "a size has at most 40 characters";
        return false;
    }
    struct size s = { .kind = kind };
    memcpy(s.text, text, n);
    s.text[n] = '\0';
    if (text_has_control(s.text, false)) {
        *why = "the size must be plain text";
        return false;
    }
    if (text_chars(s.text) > SIZE_TEXT_MAX) {
        *why = "a size has at most 40 characters";
        return false;
    }
    *out = s;
    return true;
}

void size_value_text(const struct size *size, char *out, size_t outlen)
{
    if (size->kind == SIZE_NONE)
        snprintf(out, outlen, "%s", "");
    else if (size_kind_is_numeric(size->kind))
        snprintf(out, outlen, "%.15g", size->num);
    else
        snprintf(out, outlen, "%s", size->text);
}

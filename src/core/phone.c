/* phone: typed phone numbers to E.164 (see phone.h). */
#include "phone.h"

#include <ctype.h>
#include <string.h>

#define MAX_DIGITS 20

static bool is_separator(char c)
{
    return c == ' ' || c == '\t' || c == '-' || c == '.' || c == '/' || c == '(' || c == ')';
}

/*
 * The digits of text into digits (NUL-terminated) and whether it began with "+". "(0)" is
 * skipped when a country code came before it, as in "+46 (0)70-123 45 67". False when text holds
 * anything but digits, separators and one leading plus.
 */
static bool collect_digits(const char *text, char digits[MAX_DIGITS + 1], bool *plus)
{
    size_t n = 0;
    const char *p = text;
    while (*p == ' ' || *p == '\t')
        p++;
    *plus = *p == '+';
    if (*plus)
        p++;
    for (; *p; p++) {
        if (*p == '(' && p[1] == '0' && p[2] == ')' &&
            (*plus || (n >= 2 && digits[0] == '0' && digits[1] == '0'))) {
            p += 2;
            continue;
        }
        if (is_separator(*p))
            continue;
        if (!isdigit((unsigned char)*p) || n == MAX_DIGITS)
            return false;
        digits[n++] = *p;
    }
    digits[n] = '\0';
    return n > 0;
}

/* prefix and digits into out; callers have checked that they fit. */
static void put(char out[PHONE_E164_SIZE], const char *prefix, const char *digits)
{
    size_t p = strlen(prefix), n = strlen(digits);
    memcpy(out, prefix, p);
    memcpy(out + p, digits, n);
    out[p + n] = '\0';
}

static bool all_digits_between(const char *s, size_t min, size_t max)
{
    size_t n = strlen(s);
    return n >= min && n <= max && strspn(s, "0123456789") == n;
}

bool phone_normalize(const char *text, char out[PHONE_E164_SIZE])
{
    char digits[MAX_DIGITS + 1];
    bool plus;
    if (!text || !collect_digits(text, digits, &plus))
        return false;

    const char *international;
    if (plus)
        international = digits;
    else if (digits[0] == '0' && digits[1] == '0')
        international = digits + 2;
    else if (digits[0] == '0')
        international = NULL; /* national Swedish number */
    else
        return false; /* without a country code or a trunk 0 we cannot tell what it is */

    const char *swedish = NULL;
    if (!international)
        swedish = digits + 1;
    else if (international[0] == '4' && international[1] == '6')
        swedish = international + 2;

    if (swedish) {
        /* "+46 070 ..." is a common way to write it; the trunk 0 does not belong there. */
        if (international && swedish[0] == '0')
            swedish++;
        if (swedish[0] == '0' || !all_digits_between(swedish, 7, 9))
            return false;
        put(out, "+46", swedish);
        return true;
    }
    if (international[0] == '0' || !all_digits_between(international, 7, 15))
        return false;
    put(out, "+", international);
    return true;
}

bool phone_search_digits(const char *text, char out[PHONE_E164_SIZE])
{
    char digits[MAX_DIGITS + 1];
    bool plus;
    if (!text || !collect_digits(text, digits, &plus))
        return false;
    const char *d = digits;
    if (!plus && d[0] == '0')
        d += d[1] == '0' ? 2 : 1;
    if (strlen(d) < 3 || strlen(d) > 15)
        return false;
    put(out, "", d);
    return true;
}

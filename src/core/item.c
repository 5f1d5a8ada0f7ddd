/* item: item rules, label codes and branch code prefixes (see item.h). */
#include "item.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

const char *const item_conditions[] = { "new", "good", "worn", "needs_repair", NULL };
const char *const item_statuses[] = { "intake", "available", "on_loan", "repair",
                                      "lost",   "retired",   NULL };
const char *const item_retire_reasons[] = { "worn_out",   "broken", "unsafe",
                                            "given_away", "other",  NULL };

const char *const *item_transitions(const char *from)
{
    static const struct {
        const char *from;
        const char *const to[4];
    } table[] = {
        { "intake", { "available", "repair", "retired", NULL } },
        { "available", { "repair", "lost", "retired", NULL } },
        { "repair", { "available", "retired", NULL } },
        { "lost", { "available", "repair", "retired", NULL } },
        { "on_loan", { "lost", NULL } },
    };
    static const char *const none[] = { NULL };
    for (size_t i = 0; from && i < sizeof table / sizeof table[0]; i++)
        if (strcmp(table[i].from, from) == 0)
            return table[i].to;
    return none;
}

bool item_transition_allowed(const char *from, const char *to)
{
    return to && item_word(item_transitions(from), to) != NULL;
}

const char *item_word(const char *const words[], const char *text)
{
    for (size_t i = 0; text && words[i]; i++)
        if (strcmp(words[i], text) == 0)
            return words[i];
    return NULL;
}

bool item_code_normalize(const char *text, char out[ITEM_CODE_MAX + 1])
{
    while (*text == ' ' || *text == '\t')
        text++;
    size_t n = strlen(text);
    while (n && (text[n - 1] == ' ' || text[n - 1] == '\t' || text[n - 1] == '\r' ||
                 text[n - 1] == '\n'))
        n--;
    if (n == 0 || n > ITEM_CODE_MAX || !isalnum((unsigned char)text[0]))
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c >= 0x80 || !(isalnum(c) || c == '.' || c == '_' || c == '-'))
            return false;
        out[i] = (char)toupper(c);
    }
    out[n] = '\0';
    return true;
}

void item_code_make(const char *prefix, long long n, char out[ITEM_CODE_MAX + 1])
{
    snprintf(out, ITEM_CODE_MAX + 1, "%s-%05lld", prefix, n);
}

bool item_code_number(const char *prefix, const char *code, long long *n)
{
    size_t plen = strlen(prefix);
    if (strncmp(code, prefix, plen) != 0 || code[plen] != '-')
        return false;
    const char *digits = code + plen + 1;
    size_t nd = strlen(digits);
    if (nd == 0 || nd > 9 || strspn(digits, "0123456789") != nd)
        return false;
    long long v = 0;
    for (const char *p = digits; *p; p++)
        v = v * 10 + (*p - '0');
    *n = v;
    return true;
}

bool item_code_prefix_valid(const char *text)
{
    size_t n = strlen(text);
    if (n < 2 || n > CODE_PREFIX_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!(isdigit((unsigned char)text[i]) || (text[i] >= 'A' && text[i] <= 'Z')))
            return false;
    return true;
}

bool item_code_prefix_candidate(const char *slug, int attempt, char out[CODE_PREFIX_MAX + 1])
{
    /* The letters and digits of the slug, in upper case; X pads a one-letter slug. */
    char base[CODE_PREFIX_MAX + 1];
    size_t n = 0;
    for (const char *p = slug; *p && n < CODE_PREFIX_MAX; p++)
        if (isalnum((unsigned char)*p) && (unsigned char)*p < 0x80)
            base[n++] = (char)toupper((unsigned char)*p);
    while (n < 2)
        base[n++] = 'X';
    base[n] = '\0';

    /* Attempts 0 ..: lengths 3 (or less when the slug is short) up to the whole base. */
    size_t first = n < 3 ? n : 3;
    size_t lengths = n - first + 1;
    if (attempt < 0)
        return false;
    if ((size_t)attempt < lengths) {
        memcpy(out, base, first + (size_t)attempt);
        out[first + (size_t)attempt] = '\0';
        return true;
    }
    /* Then the first three (or two) with a number from 2, kept within eight characters. */
    long long k = attempt - (long long)lengths + 2;
    if (k > 99999)
        return false;
    int digits = snprintf(NULL, 0, "%lld", k);
    size_t keep = first;
    if (keep + (size_t)digits > CODE_PREFIX_MAX)
        keep = CODE_PREFIX_MAX - (size_t)digits;
    snprintf(out, CODE_PREFIX_MAX + 1, "%.*s%lld", (int)keep, base, k);
    return true;
}

const char *item_photo_type(const void *data, size_t len)
{
    const unsigned char *b = data;
    if (len >= 4 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF)
        return "image/jpeg";
    if (len >= 8 && memcmp(b, "\x89PNG\r\n\x1a\n", 8) == 0)
        return "image/png";
    if (len >= 12 && memcmp(b, "RIFF", 4) == 0 && memcmp(b + 8, "WEBP", 4) == 0)
        return "image/webp";
    return NULL;
}

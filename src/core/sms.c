/* sms: counting SMS parts, GSM-7 or UCS-2 (see sms.h). */
#include "sms.h"

#include "core/buf.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* The code points of the GSM 03.38 basic table beyond ASCII. */
static const uint32_t gsm_basic_extra[] = {
    0x00A3, 0x00A5, 0x00E8, 0x00E9, 0x00F9, 0x00EC, 0x00F2, 0x00C7, 0x00D8, 0x00F8,
    0x00C5, 0x00E5, 0x0394, 0x03A6, 0x0393, 0x039B, 0x03A9, 0x03A0, 0x03A8, 0x03A3,
    0x0398, 0x039E, 0x00C6, 0x00E6, 0x00DF, 0x00C9, 0x00A4, 0x00A1, 0x00C4, 0x00D6,
    0x00D1, 0x00DC, 0x00A7, 0x00BF, 0x00E4, 0x00F6, 0x00F1, 0x00FC, 0x00E0,
};

/* Septets a code point takes in GSM-7: 1, 2 (extension table) or 0 when it has none. */
static unsigned gsm_septets(uint32_t cp)
{
    if (cp == '\n' || cp == '\r')
        return 1;
    if (cp == 0x0C || cp == 0x20AC || (cp < 0x80 && strchr("^{}\\[~]|", (int)cp)))
        return 2;
    if (cp >= 0x20 && cp < 0x7F)
        return cp == '`' ? 0 : 1;
    for (size_t i = 0; i < sizeof gsm_basic_extra / sizeof gsm_basic_extra[0]; i++)
        if (gsm_basic_extra[i] == cp)
            return 1;
    return 0;
}

/* The next code point of UTF-8 text at *p, advancing *p; false for invalid UTF-8. */
static bool next_code_point(const unsigned char **p, uint32_t *cp)
{
    const unsigned char *s = *p;
    unsigned len = s[0] < 0x80             ? 1
                   : (s[0] & 0xE0) == 0xC0 ? 2
                   : (s[0] & 0xF0) == 0xE0 ? 3
                   : (s[0] & 0xF8) == 0xF0 ? 4
                                           : 0;
    if (!len)
        return false;
    uint32_t v = len == 1 ? s[0] : s[0] & (0xFFu >> (len + 1));
    for (unsigned i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return false;
        v = (v << 6) | (s[i] & 0x3F);
    }
    static const uint32_t least[] = { 0, 0, 0x80, 0x800, 0x10000 };
    if (v < least[len] || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return false;
    *cp = v;
    *p = s + len;
    return true;
}

bool sms_count(const char *text, struct sms_count *out)
{
    *out = (struct sms_count){ 0 };
    unsigned septets = 0, utf16 = 0;
    bool gsm = true;
    const unsigned char *p = (const unsigned char *)text;
    while (*p) {
        uint32_t cp;
        if (!next_code_point(&p, &cp))
            return false;
        unsigned s = gsm_septets(cp);
        gsm = gsm && s > 0;
        septets += s;
        utf16 += cp > 0xFFFF ? 2 : 1;
    }
    out->ucs2 = !gsm;
    out->units = gsm ? septets : utf16;
    unsigned single = gsm ? 160 : 70, part = gsm ? 153 : 67;
    out->segments = out->units <= single ? 1 : (out->units + part - 1) / part;
    return true;
}

unsigned sms_segments(const char *text)
{
    struct sms_count c;
    return sms_count(text, &c) ? c.segments : 0;
}

char *sms_plain(const char *text)
{
    static const struct {
        const char *mark, *plain;
    } swaps[] = {
        { "\u2013", "-" },  { "\u2014", "-" },  { "\u2212", "-" },   { "\u2018", "'" },
        { "\u2019", "'" },  { "\u201A", "'" },  { "\u2032", "'" },   { "\u201C", "\"" },
        { "\u201D", "\"" }, { "\u201E", "\"" }, { "\u2026", "..." }, { "\u00A0", " " },
    };
    struct buf b = BUF_INIT;
    buf_puts(&b, "");
    for (const char *p = text; *p;) {
        size_t i = 0;
        for (; i < sizeof swaps / sizeof swaps[0]; i++) {
            size_t n = strlen(swaps[i].mark);
            if (strncmp(p, swaps[i].mark, n) == 0) {
                buf_puts(&b, swaps[i].plain);
                p += n;
                break;
            }
        }
        if (i == sizeof swaps / sizeof swaps[0])
            buf_putc(&b, *p++);
    }
    return buf_steal(&b, NULL);
}

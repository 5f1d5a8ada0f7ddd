/*
 * sms: how many parts an SMS text takes, which is what a gateway charges for. A text that needs
 * only the GSM 03.38 alphabet (which has å, ä, ö and é) goes as 7-bit characters, 160 in one
 * SMS and 153 in each part of a longer one, the characters of the extension table ({ } [ ] ~ \ |
 * ^ €) counting twice; any other character makes the whole text UCS-2: 70 units in one SMS, 67
 * in each part, a character beyond the Basic Multilingual Plane (most emoji) counting twice.
 */
#ifndef HYLLA_CORE_SMS_H
#define HYLLA_CORE_SMS_H

#include <stdbool.h>

struct sms_count {
    unsigned segments; /* SMS parts, at least 1 */
    unsigned units;    /* septets (GSM-7) or UTF-16 units (UCS-2) */
    bool ucs2;         /* whether the text needs UCS-2 */
};

/* Count the parts of UTF-8 text into *out; false (and *out zero) when it is not valid UTF-8. */
bool sms_count(const char *text, struct sms_count *out);

/* The parts of UTF-8 text, 0 when it is not valid UTF-8. */
unsigned sms_segments(const char *text);

/*
 * text with the typographic marks that have a plain GSM equivalent made plain (dashes to "-",
 * curly quotes to straight ones, the ellipsis to "...", a no-break space to a space), so that
 * one pasted quote does not turn a text into UCS-2 and double what it costs. The caller frees it.
 */
char *sms_plain(const char *text);

#endif

/*
 * fuzz_size_date: sizes and dates as typed: the first byte picks a size kind, the rest is the
 * text, read as a size of that kind, a search bound, an ISO date and a calendar day.
 */
#include "core/buf.h"
#include "core/duedate.h"
#include "core/period.h"
#include "core/size.h"
#include "core/text.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const kinds[] = { "length_cm", "shoe_eu",  "clothing",
                                         "head_cm",   "wheel_in", "other" };
    if (size == 0)
        return 0;
    enum size_kind kind = size_kind_from_name(kinds[data[0] % 6]);
    char *text = xmalloc(size);
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    struct size s;
    const char *why;
    if (size_from_text(kind, text, &s, &why)) {
        char back[128];
        size_value_text(&s, back, sizeof back);
    }
    double bound;
    (void)size_parse_bound(text, &bound);
    long day;
    if (text_is_iso_date(text))
        (void)duedate_parse(text, &day);
    (void)period_day_number(text, &day);
    (void)text_chars(text);
    (void)text_is_utf8(text);
    free(text);
    return 0;
}

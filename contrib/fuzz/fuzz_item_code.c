/*
 * fuzz_item_code: item codes as scanned or typed (normalised, numbered against a branch prefix)
 * and the sniffing of an uploaded photo's type from its bytes.
 */
#include "core/buf.h"
#include "core/item.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    (void)item_photo_type(data, size);
    char *text = xmalloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    char code[ITEM_CODE_MAX + 1];
    long long n;
    if (item_code_normalize(text, code)) {
        if (item_code_number("DEJ", code, &n) && n >= 0 && n < 1000000000000LL) {
            char again[ITEM_CODE_MAX + 1];
            item_code_make("DEJ", n, again);
        }
    }
    (void)item_code_prefix_valid(text);
    char prefix[CODE_PREFIX_MAX + 1];
    (void)item_code_prefix_candidate(text, (int)(size % 4), prefix);
    free(text);
    return 0;
}

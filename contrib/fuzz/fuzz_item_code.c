/*
 * fuzz_item_code: item codes as scanned or typed (normalised, numbered against a branch prefix)
 * and the sniffing of an uploaded photo's type from its bytes, and the stripping of its metadata
 * (the output must again be a photo of the same type, and stripping it again changes nothing).
 */
#include "core/buf.h"
#include "core/item.h"
#include "core/photo_meta.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *type = item_photo_type(data, size);
    if (type) {
        size_t len, again_len;
        unsigned char *out = photo_strip_metadata(data, size, type, &len);
        if (out) {
            if (item_photo_type(out, len) != type)
                abort();
            unsigned char *again = photo_strip_metadata(out, len, type, &again_len);
            if (!again || again_len != len || memcmp(again, out, len) != 0)
                abort();
            free(again);
        }
        free(out);
    }
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

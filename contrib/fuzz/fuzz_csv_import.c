/* fuzz_csv_import: a CSV file as `hylla import items` and POST /api/items/import read it. */
#include "core/item_csv.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct item_csv c = { 0 };
    (void)item_csv_parse(&c, (const char *)data, size);
    item_csv_free(&c);
    return 0;
}

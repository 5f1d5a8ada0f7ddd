/*
 * fuzz_json_body: a request body as POST and PATCH handlers see it: json_loadb with duplicate
 * keys refused, then every kind of field check of api/input over the object.
 */
#include "api/input.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const words[] = { "good", "worn", "broken", NULL };
    static const char *const allowed[] = { "name",  "count", "weight", "hidden",
                                           "state", "when",  NULL };
    json_t *obj = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
    if (!json_is_object(obj)) {
        json_decref(obj);
        return 0;
    }
    struct input in;
    input_begin(&in, obj, allowed);
    long long count;
    double weight;
    bool hidden;
    (void)input_string(&in, "name", true, 200);
    (void)input_int(&in, "count", false, -5, 1000, &count);
    (void)input_number(&in, "weight", false, 0, 1e6, &weight);
    (void)input_bool(&in, "hidden", false, &hidden);
    (void)input_enum(&in, "state", false, words);
    (void)input_date(&in, "when", false);
    (void)input_has(&in, "name");
    struct reply rep;
    reply_init(&rep);
    (void)input_ok(&in, &rep);
    reply_free(&rep);
    json_decref(obj);
    return 0;
}

/*
 * fuzz_query: query arguments as handlers read them. The input is split into name=value pairs at
 * '&' (the transport has decoded them already); the shared readers of api/api.c then take the
 * numbers, yes-or-no words and item search arguments from them.
 */
#include "api/api.h"
#include "core/buf.h"
#include "core/text.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ARGS 32

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = xmalloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    struct kv args[MAX_ARGS];
    size_t n = 0;
    char *save = NULL;
    for (char *part = strtok_r(text, "&", &save); part && n < MAX_ARGS;
         part = strtok_r(NULL, "&", &save)) {
        char *eq = strchr(part, '=');
        if (eq)
            *eq++ = '\0';
        /* The router lets only UTF-8 through to handlers. */
        if (text_is_utf8(part) && (!eq || text_is_utf8(eq)))
            args[n++] = (struct kv){ part, eq };
    }
    struct req req = { .method = "GET", .path = "/api/items", .query = args, .nquery = n };
    struct reply rep;
    reply_init(&rep);
    long long page;
    bool flag;
    struct item_match m;
    if (api_query_int(&req, &rep, "page", 1, API_MAX_PAGE, 1, &page) &&
        api_query_bool(&req, &rep, "available", &flag))
        (void)api_query_item_match(&req, &rep, &m);
    reply_free(&rep);
    free(text);
    return 0;
}

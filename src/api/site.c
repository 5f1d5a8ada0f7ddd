/* site: texts of the public site (see site.h). */
#include "site.h"

#include "api/api.h"
#include "api/input.h"
#include "core/text.h"
#include "store/site_store.h"

#define SITE_TEXT_MAX 8000 /* characters in each language */

/* One language of a text: required, multiline, no other control characters. */
static const char *text_field(struct input *in, const char *field)
{
    const char *t = input_string(in, field, true, SITE_TEXT_MAX);
    if (t && text_has_control(t, true)) {
        input_error(in, field, "invalid", "must not contain control characters");
        return NULL;
    }
    return t;
}

void site_text_put(struct req *req, struct reply *rep)
{
    struct input in;
    input_begin(&in, req->json, (const char *[]){ "sv", "en", NULL });
    const char *sv = text_field(&in, "sv");
    const char *en = text_field(&in, "en");
    if (!input_ok(&in, rep))
        return;
    struct site_text t;
    enum store_status st = store_site_text_set(req->who->id, req->params[0], sv, en, &t);
    if (!api_store_found(rep, st, PROBLEM_not_found, "There is no such text."))
        return;
    reply_json(rep, 200,
               json_pack("{s:s, s:s, s:s, s:s}", "key", req->params[0], "sv", t.sv, "en", t.en,
                         "updated_at", t.updated_at));
    store_site_text_clear(&t);
}

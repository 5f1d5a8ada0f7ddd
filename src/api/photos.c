/* photos: item photos (see photos.h). */
#include "photos.h"

#include "api/api.h"
#include "api/items.h"
#include "core/item.h"
#include "store/photo_store.h"

#include <stdio.h>
#include <string.h>

void photos_put(struct req *req, struct reply *rep)
{
    char code[ITEM_CODE_MAX + 1];
    if (!items_path_code(req, rep, code))
        return;
    const char *type = req->body ? item_photo_type(req->body, req->body_len) : NULL;
    if (!type) {
        reply_problem(rep, 415, "not_an_image", "the body is not a JPEG, PNG or WebP image",
                      "Send the photo's bytes as the body.");
        return;
    }
    enum item_outcome outcome;
    enum store_status st = store_photo_put(req->who->id, code, req->who->branch_id, type, req->body,
                                           req->body_len, &outcome);
    if (st != STORE_OK || outcome != ITEM_DONE) {
        items_refused(rep, st, outcome);
        return;
    }
    struct item it;
    st = store_item_get(code, &it);
    if (st != STORE_OK) {
        items_refused(rep, st, ITEM_DONE);
        return;
    }
    reply_json(rep, 200, items_json(&it));
    store_item_clear(&it);
}

void photos_delete(struct req *req, struct reply *rep)
{
    char code[ITEM_CODE_MAX + 1];
    if (!items_path_code(req, rep, code))
        return;
    enum item_outcome outcome;
    enum store_status st = store_photo_delete(req->who->id, code, req->who->branch_id, &outcome);
    if (st != STORE_OK || outcome != ITEM_DONE) {
        items_refused(rep, st, outcome);
        return;
    }
    reply_empty(rep, 204);
}

/* The etag an If-None-Match header names, if it is one of ours ("\"<32 hex>\"", W/ allowed). */
static void wanted_etag(const struct req *req, char etag[PHOTO_ETAG_SIZE])
{
    etag[0] = '\0';
    const char *h = req_header(req, "If-None-Match");
    if (!h)
        return;
    if (strncmp(h, "W/", 2) == 0)
        h += 2;
    if (h[0] == '"' && strlen(h) == PHOTO_ETAG_SIZE + 1 && h[PHOTO_ETAG_SIZE] == '"') {
        memcpy(etag, h + 1, PHOTO_ETAG_SIZE - 1);
        etag[PHOTO_ETAG_SIZE - 1] = '\0';
    }
}

void photos_get(struct req *req, struct reply *rep)
{
    char code[ITEM_CODE_MAX + 1], etag[PHOTO_ETAG_SIZE];
    if (!items_path_code(req, rep, code))
        return;
    wanted_etag(req, etag);
    struct photo p;
    enum store_status st = store_photo_get(code, etag[0] ? etag : NULL, &p);
    if (st == STORE_NOT_FOUND) {
        reply_problem(rep, 404, "photo_not_found", "the item has no photo", NULL);
        return;
    }
    if (st < 0) {
        api_store_failure(rep, st);
        return;
    }
    if (p.data)
        reply_bytes(rep, 200,
                    strcmp(p.content_type, "image/png") == 0    ? "image/png"
                    : strcmp(p.content_type, "image/webp") == 0 ? "image/webp"
                                                                : "image/jpeg",
                    p.data, p.len);
    else
        reply_empty(rep, 304);
    reply_headerf(rep, "ETag", "\"%s\"", p.etag);
    const char *v = req_query(req, "v");
    if (v && strcmp(v, p.etag) == 0)
        reply_header(rep, "Cache-Control", "public, max-age=31536000, immutable");
    else
        reply_header(rep, "Cache-Control", "public, no-cache");
}

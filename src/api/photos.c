/* photos: item photos (see photos.h). */
#include "photos.h"

#include "api/api.h"
#include "core/item.h"
#include "core/photo_meta.h"
#include "store/photo_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void photos_put(struct req *req, struct reply *rep)
{
    char code[ITEM_CODE_MAX + 1];
    if (!api_path_code(req, rep, code))
        return;
    const char *type = req->body ? item_photo_type(req->body, req->body_len) : NULL;
    if (!type) {
        reply_problem(rep, PROBLEM_not_an_image, "Send the photo's bytes as the body.");
        return;
    }
    /* Photos are public: what they say of where and when they were taken is not stored. */
    size_t len;
    unsigned char *bytes = photo_strip_metadata(req->body, req->body_len, type, &len);
    if (!bytes) {
        reply_problem(rep, PROBLEM_image_damaged, NULL);
        return;
    }
    enum item_outcome outcome;
    enum store_status st =
        store_photo_put(req->who->id, code, api_scope(req), type, bytes, len, &outcome);
    free(bytes);
    if (st != STORE_OK || outcome != ITEM_DONE) {
        api_item_refused(rep, st, outcome);
        return;
    }
    struct item it;
    st = store_item_get(code, &it);
    if (st != STORE_OK) {
        api_item_refused(rep, st, ITEM_DONE);
        return;
    }
    reply_json(rep, 200, api_item_json(&it));
    store_item_clear(&it);
}

void photos_delete(struct req *req, struct reply *rep)
{
    char code[ITEM_CODE_MAX + 1];
    if (!api_path_code(req, rep, code))
        return;
    enum item_outcome outcome;
    enum store_status st = store_photo_delete(req->who->id, code, api_scope(req), &outcome);
    if (st != STORE_OK || outcome != ITEM_DONE) {
        api_item_refused(rep, st, outcome);
        return;
    }
    reply_empty(rep, 204);
}

/*
 * Read the photo of code into *p (free p->data). A client that sends If-None-Match has a copy:
 * its etag is read first (no bytes), and a match leaves p->data NULL (a 304) after one query;
 * otherwise, or when the photo changed, the bytes are read.
 */
static enum store_status read_photo(const struct req *req, const char *code, struct photo *p)
{
    if (!req_header(req, "If-None-Match"))
        return store_photo_get(code, p);
    enum store_status st = store_photo_etag(code, p->etag);
    char tag[PHOTO_ETAG_SIZE + 2];
    snprintf(tag, sizeof tag, "\"%s\"", p->etag);
    if (st == STORE_OK && !req_etag_matches(req, tag))
        st = store_photo_get(code, p);
    return st;
}

/*
 * A photo is a public read, which a read replica may answer (routes.c). Pages name a photo by
 * its version (?v=, its etag; the desk's from the primary): a version the read did not find is
 * one the replica has not replayed yet, a photo staff have just put up, so the primary answers.
 */
void photos_get(struct req *req, struct reply *rep)
{
    char code[ITEM_CODE_MAX + 1];
    if (!api_path_code(req, rep, code))
        return;
    struct photo p = { 0 };
    enum store_status st = read_photo(req, code, &p);
    const char *v = req_query(req, "v");
    if (v && (st == STORE_NOT_FOUND || (st == STORE_OK && strcmp(v, p.etag) != 0))) {
        free(p.data);
        p = (struct photo){ 0 };
        store_read_from_replica(false);
        st = read_photo(req, code, &p);
    }
    if (!api_store_found(rep, st, PROBLEM_photo_not_found, NULL))
        return;
    if (p.data)
        reply_bytes(rep, 200,
                    strcmp(p.content_type, "image/png") == 0    ? "image/png"
                    : strcmp(p.content_type, "image/webp") == 0 ? "image/webp"
                                                                : "image/jpeg",
                    p.data, p.len);
    else
        reply_empty(rep, 304);
    reply_headerf(rep, "ETag", "\"%s\"", p.etag);
    if (v && strcmp(v, p.etag) == 0)
        reply_header(rep, "Cache-Control", "public, max-age=31536000, immutable");
    else
        reply_header(rep, "Cache-Control", "public, no-cache");
}

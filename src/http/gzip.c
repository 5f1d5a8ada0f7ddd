/* gzip: compressed answers (see gzip.h). */
#include "gzip.h"

#include "core/buf.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* Shorter bodies gain less than the gzip header and the work cost. */
#define GZIP_MIN_BODY 1024

bool gzip_accepted(const struct req *req)
{
    const char *ae = req_header(req, "Accept-Encoding");
    return ae && strstr(ae, "gzip") && !strstr(ae, "gzip;q=0");
}

bool gzip_bytes(const char *data, size_t len, int level, char **out, size_t *outlen)
{
    z_stream z = { 0 };
    if (deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) != Z_OK)
        return false;
    uLong bound = deflateBound(&z, (uLong)len);
    char *buf = xmalloc(bound);
    z.next_in = (Bytef *)data;
    z.avail_in = (uInt)len;
    z.next_out = (Bytef *)buf;
    z.avail_out = (uInt)bound;
    int zr = deflate(&z, Z_FINISH);
    *outlen = z.total_out;
    deflateEnd(&z);
    if (zr != Z_STREAM_END) {
        free(buf);
        return false;
    }
    *out = buf;
    return true;
}

void gzip_reply(const struct req *req, struct reply *rep)
{
    reply_header(rep, "Vary", "Accept-Encoding");
    if (rep->status != 200 || !rep->body || rep->body_len < GZIP_MIN_BODY || !gzip_accepted(req))
        return;
    char *gz;
    size_t len;
    /* Level 5: most of level 9's gain at a fraction of its work, for answers made per request. */
    if (!gzip_bytes(rep->body, rep->body_len, 5, &gz, &len))
        return;
    free(rep->body);
    rep->body = gz;
    rep->body_len = len;
    reply_header(rep, "Content-Encoding", "gzip");
}

/*
 * static: the files of the web root (pages, ES modules, styles, vendored libraries), with
 * Content-Type, ETag/Last-Modified, 304 Not Modified and gzip for text. No path, however encoded,
 * reaches a file outside the web root: `..`, hidden files and symlinks that leave it are refused.
 */
#ifndef HYLLA_HTTP_STATIC_H
#define HYLLA_HTTP_STATIC_H

#include "http/reply.h"
#include "http/req.h"

#include <stdbool.h>

/* Resolve the web root once. Returns false when it is not a readable directory. */
bool static_init(const char *web_root);
void static_shutdown(void);

/*
 * Answer a GET or HEAD of req->path from the web root. A path without an extension is a page:
 * /desk is desk.html (or desk/index.html), and /desk/anything falls back to that page so that the
 * pages' own links can be deep. Returns false when nothing matches; the caller answers 404.
 */
bool static_serve(const struct req *req, struct reply *rep);

/* The MIME type for a file name, by its extension. */
const char *static_content_type(const char *name);

/* Whether a URL path is safe to map onto the web root (no .., no hidden or empty segments). */
bool static_path_is_safe(const char *path);

#endif

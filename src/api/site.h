/*
 * site: the texts of the public site that admins write, each in Swedish and English (the
 * public site reads them at GET /api/public/texts/{key}, see public.h).
 */
#ifndef HYLLA_API_SITE_H
#define HYLLA_API_SITE_H

#include "http/router.h"

/*
 * PUT /api/texts/{key} {"sv", "en"} (network-wide admins; the route's scope refuses an admin
 * of one branch, 403 network_only, since the text is the whole network's): both languages, 1 to
 * 8000 characters each, line breaks allowed. Answers {"key", "sv", "en", "updated_at"}; 404
 * not_found for a key that is no text. The one key is "how-to-borrow" ("Så lånar du": plain
 * text, paragraphs apart by an empty line, lines that begin with "- " a list).
 */
route_handler site_text_put;

#endif

/*
 * session: logging in and out (POST/GET/DELETE /api/session), and finding who is behind the
 * hylla_session cookie of a request, which the router does before every non-public route.
 */
#ifndef HYLLA_API_SESSION_H
#define HYLLA_API_SESSION_H

#include "http/router.h"
#include "store/store.h"

/* Who holds the request's session cookie: STORE_OK with *who filled, STORE_NOT_FOUND if nobody. */
enum store_status session_authenticate(const struct req *req,
                                       struct staff_identity *who) STORE_MUST_CHECK;

/* The public view of a staff member: {"id","username","display_name","role","branch"}. */
json_t *session_user_json(const struct staff_identity *who);

route_handler session_login;
route_handler session_get;
route_handler session_logout;

#endif

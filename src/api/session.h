/*
 * session: logging in and out (POST/GET/DELETE /api/session). Who is behind the session cookie
 * of a request is found by routes.c before every route that needs it.
 */
#ifndef HYLLA_API_SESSION_H
#define HYLLA_API_SESSION_H

#include "http/router.h"

route_handler session_login;
route_handler session_get;
route_handler session_logout;

#endif

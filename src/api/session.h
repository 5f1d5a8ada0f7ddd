/*
 * session: logging in and out (POST/GET/DELETE /api/session), and choosing one's own password
 * (POST /api/account/password). Who is behind the session cookie of a request is found by
 * routes.c before every route that needs it.
 */
#ifndef HYLLA_API_SESSION_H
#define HYLLA_API_SESSION_H

#include "http/router.h"

route_handler session_login;
route_handler session_get;
route_handler session_logout;
route_handler session_change_password;

#endif

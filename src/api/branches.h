/*
 * branches: GET /api/branches and /api/branches/{slug} (public: addresses and opening hours are
 * what the public site shows), POST /api/branches (network-wide admins) and PATCH
 * /api/branches/{slug} (the branch's managers and admins); POST
 * /api/branches/{slug}/calendar/preview?from=&days= (what hours not yet saved would say: the days,
 * next opening, and the open loans due on days they close) and POST
 * /api/branches/{slug}/due-dates/move (those loans to the next open day).
 */
#ifndef HYLLA_API_BRANCHES_H
#define HYLLA_API_BRANCHES_H

#include "http/router.h"

route_handler branches_list;
route_handler branches_get;
route_handler branches_create;
route_handler branches_update;
route_handler branches_preview;
route_handler branches_move_due_dates;

#endif

/*
 * problem: the registry of problem codes (problems.def) as an enum, with each code's HTTP status
 * and title. Handlers name an entry (PROBLEM_item_not_found); reply_problem turns it into an
 * RFC 9457 answer, so a code always comes with the same status and title.
 */
#ifndef HYLLA_HTTP_PROBLEM_H
#define HYLLA_HTTP_PROBLEM_H

enum problem {
#define PROBLEM(code, status, title) PROBLEM_##code,
#include "http/problems.def"
#undef PROBLEM
    PROBLEM_COUNT
};

struct problem_info {
    const char *code; /* the machine name, as in problems.def */
    int status;
    const char *title;
};

/* The code, status and title of a problem. */
const struct problem_info *problem_info(enum problem p);

#endif

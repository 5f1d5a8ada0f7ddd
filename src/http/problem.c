/* problem: the table behind problem.h, made from problems.def. */
#include "problem.h"

static const struct problem_info problems[PROBLEM_COUNT] = {
#define PROBLEM(code, status, title) [PROBLEM_##code] = { #code, status, title },
#include "http/problems.def"
#undef PROBLEM
};

const struct problem_info *problem_info(enum problem p)
{
    return &problems[p < PROBLEM_COUNT ? p : PROBLEM_internal_error];
}

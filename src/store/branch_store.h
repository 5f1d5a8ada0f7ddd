/* branch_store: looking up branches, which every other aggregate belongs to. */
#ifndef HYLLA_STORE_BRANCH_STORE_H
#define HYLLA_STORE_BRANCH_STORE_H

#include "store/status.h"

/* The id of the branch with this slug; STORE_NOT_FOUND when there is none. */
enum store_status store_branch_id(const char *slug, int *id) STORE_MUST_CHECK;

#endif

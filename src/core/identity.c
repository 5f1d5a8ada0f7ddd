/* identity: role names (see identity.h). */
#include "identity.h"

#include <string.h>

enum role role_from_name(const char *name)
{
    if (!name)
        return ROLE_NONE;
    if (strcmp(name, "volunteer") == 0)
        return ROLE_VOLUNTEER;
    if (strcmp(name, "manager") == 0)
        return ROLE_MANAGER;
    if (strcmp(name, "admin") == 0)
        return ROLE_ADMIN;
    return ROLE_NONE;
}

const char *role_name(enum role role)
{
    switch (role) {
    case ROLE_VOLUNTEER:
        return "volunteer";
    case ROLE_MANAGER:
        return "manager";
    case ROLE_ADMIN:
        return "admin";
    case ROLE_NONE:
        break;
    }
    return "none";
}

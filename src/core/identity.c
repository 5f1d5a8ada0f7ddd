/* identity: role names and usernames (see identity.h). */
#include "identity.h"

#include <ctype.h>
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

bool identity_username_valid(const char *text)
{
    size_t n = text ? strlen(text) : 0;
    if (n == 0 || n > 63 || !isalnum((unsigned char)text[0]))
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)text[i];
        if (!(c < 0x80 && (isalnum(c) || c == '.' || c == '_' || c == '@' || c == '-')))
            return false;
    }
    return true;
}

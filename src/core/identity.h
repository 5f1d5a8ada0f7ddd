/*
 * identity: staff roles and the staff member behind a session, shared by the store (which reads
 * them) and the HTTP layer (which checks them).
 */
#ifndef HYLLA_CORE_IDENTITY_H
#define HYLLA_CORE_IDENTITY_H

#include <stdbool.h>

/* Staff roles, in rising order of what they may do. */
enum role { ROLE_NONE = 0, ROLE_VOLUNTEER = 1, ROLE_MANAGER = 2, ROLE_ADMIN = 3 };

struct staff_identity {
    long long id;
    enum role role;
    int branch_id; /* 0: the whole network */
    char username[64];
    char display_name[804]; /* 200 characters of up to 4 bytes each, and the NUL */
    char branch_slug[48];   /* "" for the whole network */
    char csrf_token[48];
    unsigned char session_hash[32];
    bool must_change_password; /* holds a one-time password: must choose their own first */
};

/* "volunteer", "manager", "admin" to a role, ROLE_NONE for anything else. */
enum role role_from_name(const char *name);
const char *role_name(enum role role);

/*
 * Whether text is a valid username in any case: 1 to 63 of a-z, 0-9 and . _ @ -, starting with
 * a letter or digit. Usernames are stored in lower case, so "Anna" and "anna" are one account.
 */
bool identity_username_valid(const char *text);

#endif

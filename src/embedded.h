/* embedded: files compiled into the binary by tools/embed.c (the migrations, the common passwords). */
#ifndef HYLLA_EMBEDDED_H
#define HYLLA_EMBEDDED_H

#include <stddef.h>

struct embedded_file {
    const char *name; /* base name, such as "0001_foundation.sql"; NULL ends the list */
    const char *data; /* NUL-terminated contents */
    size_t len;
};

/* The migrations, sorted by name. */
extern const struct embedded_file hylla_migrations[];

/* One file: the 10,000 most common passwords, one per line (src/core/common-passwords.txt). */
extern const struct embedded_file hylla_common_passwords[];

#endif

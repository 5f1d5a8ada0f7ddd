/*
 * config: the configuration file (/etc/hylla/hylla.conf when installed from the package) and
 * secrets kept in files. The file holds KEY=VALUE lines with the names of the environment
 * variables (HYLLA_LISTEN=127.0.0.1:8080), '#' comments and blank lines, as systemd's
 * EnvironmentFile= reads them; a value may be in single or double quotes. Its settings go into the
 * environment where the environment does not set them already (or sets them empty), so a flag
 * beats the environment, which beats the file, which beats the default, for every subcommand.
 */
#ifndef HYLLA_CORE_CONFIG_H
#define HYLLA_CORE_CONFIG_H

#include <stdbool.h>

/*
 * Read the file at path into the environment. Only HYLLA_* and libpq's PG* names are accepted.
 * A missing file is fine unless required. Returns false with *why (the caller frees) naming the
 * line that is wrong.
 */
bool config_load(const char *path, bool required, char **why);

/*
 * Set key to value in the file at path: the first line that sets key, commented out or not,
 * becomes key=value (quoted when value has spaces), or the line is added at the end. The file
 * keeps its owner and mode; it is replaced whole (a new file renamed over it), so a reader never
 * sees half of it. Returns false with *why (the caller frees).
 */
bool config_set(const char *path, const char *key, const char *value, char **why);

/*
 * A secret setting: the value of the environment variable name, or else the contents of the file
 * that name_FILE names (without a final newline). A relative file name is one of systemd's
 * credentials, in $CREDENTIALS_DIRECTORY (LoadCredential=). Returns NULL when neither is set,
 * and NULL with *why (the caller frees) when the file cannot be read. The caller frees the value.
 */
char *config_secret(const char *name, char **why);

#endif

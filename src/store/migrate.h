/*
 * migrate: bring the database schema up to date. Each migration runs in its own transaction and
 * is recorded in schema_migrations with a SHA-256 of its text; an applied file that changed later
 * stops everything, because the database no longer matches what the file says.
 */
#ifndef HYLLA_STORE_MIGRATE_H
#define HYLLA_STORE_MIGRATE_H

#include "embedded.h"
#include "store/store.h"

#include <stdio.h>

/*
 * Apply every migration of files (a list ended by a NULL name, sorted) that the database has not
 * seen. Progress goes to out. On failure returns an error and sets *why to a message the caller
 * frees; nothing of the failing migration stays applied.
 */
enum store_status store_migrate(const struct embedded_file *files, FILE *out,
                                char **why) STORE_MUST_CHECK;

/*
 * Whether the database has applied every one of files, each with its text unchanged, and no
 * migration that files lack (a database of a newer hylla). Writes one line per problem to out and
 * returns their number, or -1 when schema_migrations cannot be read.
 */
int store_migrations_check(const struct embedded_file *files, FILE *out);

/* How many of files the database has not applied yet (-1 when that cannot be read). */
int store_migrations_pending(const struct embedded_file *files);

/*
 * Read the *.sql files of a directory into a list like hylla_migrations, sorted by name.
 * Returns NULL and sets *why when the directory cannot be read. Free with migrate_files_free.
 */
struct embedded_file *migrate_files_from_dir(const char *dir, char **why);
void migrate_files_free(struct embedded_file *files);

#endif

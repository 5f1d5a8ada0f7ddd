/* migrate: apply the migrations in order, each once, each whole or not at all (see migrate.h). */
#include "migrate.h"

#include "core/buf.h"
#include "store/pool.h"

#include <ctype.h>
#include <dirent.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

static struct store_stmt applied_checksum =
    STORE_STMT("SELECT checksum FROM schema_migrations WHERE version = $1");
static struct store_stmt record_applied =
    STORE_STMT("INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)");

/* A migration is named NNNN_words.sql; its version is the four digits. */
static bool valid_name(const char *name)
{
    size_t n = strlen(name);
    if (n < 10 || strcmp(name + n - 4, ".sql") != 0 || name[4] != '_')
        return false;
    for (int i = 0; i < 4; i++)
        if (!isdigit((unsigned char)name[i]))
            return false;
    for (size_t i = 5; i < n - 4; i++)
        if (!islower((unsigned char)name[i]) && !isdigit((unsigned char)name[i]) && name[i] != '_')
            return false;
    return true;
}

static void checksum_hex(const struct embedded_file *f, char hex[65])
{
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, (const unsigned char *)f->data, f->len);
    sodium_bin2hex(hex, 65, digest, sizeof digest);
}

/*
 * Whether the migration is applied (STORE_OK), not yet (STORE_NOT_FOUND), or applied with other
 * text (STORE_HARD_ERROR with *why set).
 */
static enum store_status check_applied(const struct embedded_file *f, const char *version,
                                       const char *hex, char **why)
{
    PGresult *res;
    enum store_status st = store_exec(&applied_checksum, 1, (const char *[]){ version }, &res);
    if (st == STORE_OK && strcmp(store_get(res, 0, 0), hex) != 0) {
        *why = xasprintf("migration %s was edited after it was applied (the database has "
                         "checksum %.12s…, the file %.12s…); restore the file and add a new "
                         "migration for the change",
                         f->name, store_get(res, 0, 0), hex);
        st = STORE_HARD_ERROR;
    } else if (st < 0) {
        *why = xasprintf("cannot read schema_migrations (SQLSTATE %s)", store_error_sqlstate());
    }
    PQclear(res);
    return st;
}

static enum store_status apply(const struct embedded_file *f, const char *version, const char *hex,
                               char **why)
{
    char *err = NULL;
    if (store_exec_script("BEGIN", &err) != STORE_OK)
        goto failed;
    if (store_exec_script(f->data, &err) != STORE_OK)
        goto failed;
    if (store_run(&record_applied, 3, (const char *[]){ version, f->name, hex }) != STORE_OK) {
        err = xasprintf("cannot record it (SQLSTATE %s)", store_error_sqlstate());
        goto failed;
    }
    if (store_exec_script("COMMIT", &err) != STORE_OK)
        goto failed;
    return STORE_OK;

failed:
    *why = xasprintf("migration %s failed, nothing of it was applied: %s", f->name,
                     err ? err : "unknown error");
    free(err);
    char *ignored = NULL;
    if (store_exec_script("ROLLBACK", &ignored) != STORE_OK)
        free(ignored);
    return STORE_HARD_ERROR;
}

enum store_status store_migrate(const struct embedded_file *files, FILE *out, char **why)
{
    *why = NULL;
    char *err = NULL;
    /* One migrator at a time, even when several hylla processes start together. */
    if (store_exec_script("CREATE TABLE IF NOT EXISTS schema_migrations ("
                          " version text PRIMARY KEY,"
                          " name text NOT NULL,"
                          " checksum text NOT NULL,"
                          " applied_at timestamptz NOT NULL DEFAULT now());"
                          "SELECT pg_advisory_lock(7446455)",
                          &err) != STORE_OK) {
        *why = xasprintf("cannot prepare the database for migrations: %s", err);
        free(err);
        return STORE_HARD_ERROR;
    }

    enum store_status result = STORE_OK;
    int applied = 0;
    for (const struct embedded_file *f = files; f->name; f++) {
        if (!valid_name(f->name)) {
            *why = xasprintf("migration file %s is not named NNNN_name.sql", f->name);
            result = STORE_HARD_ERROR;
            break;
        }
        char version[5], hex[65];
        memcpy(version, f->name, 4);
        version[4] = '\0';
        checksum_hex(f, hex);
        enum store_status st = check_applied(f, version, hex, why);
        if (st == STORE_NOT_FOUND) {
            st = apply(f, version, hex, why);
            if (st == STORE_OK) {
                fprintf(out, "applied %s\n", f->name);
                applied++;
            }
        }
        if (st < 0) {
            result = STORE_HARD_ERROR;
            break;
        }
    }
    if (result == STORE_OK)
        fprintf(out,
                applied ? "database is up to date (%d applied)\n"
                        : "database is up to date (nothing to apply)\n",
                applied);
    if (store_exec_script("SELECT pg_advisory_unlock(7446455)", &err) != STORE_OK)
        free(err);
    return result;
}

int store_migrations_check(const struct embedded_file *files, FILE *out)
{
    enum { C_VERSION, C_NAME, C_CHECKSUM };
    static struct store_stmt applied =
        STORE_STMT("SELECT version, name, checksum FROM schema_migrations ORDER BY version");
    PGresult *res;
    if (store_exec(&applied, 0, NULL, &res) < 0)
        return -1;
    int problems = 0, rows = PQntuples(res), row = 0;
    const struct embedded_file *f = files;
    /* Both lists are sorted by version: walk them side by side. */
    while (f->name || row < rows) {
        const char *version = row < rows ? store_get(res, row, C_VERSION) : NULL;
        int order = !f->name ? 1 : !version ? -1 : strncmp(f->name, version, 4);
        if (order < 0) {
            fprintf(out, "migration %s is not applied: run `hylla migrate`\n", f->name);
            problems++;
            f++;
            continue;
        }
        if (order > 0) {
            fprintf(out, "migration %s is applied but unknown to this hylla (a newer version?)\n",
                    store_get(res, row, C_NAME));
            problems++;
            row++;
            continue;
        }
        char hex[65];
        checksum_hex(f, hex);
        if (strcmp(hex, store_get(res, row, C_CHECKSUM)) != 0) {
            fprintf(out, "migration %s was applied with other text than this hylla carries\n",
                    f->name);
            problems++;
        }
        f++;
        row++;
    }
    PQclear(res);
    return problems;
}

int store_migrations_pending(const struct embedded_file *files)
{
    static struct store_stmt known = STORE_STMT(
        "SELECT count(*) FROM schema_migrations WHERE version = ANY (string_to_array($1, ','))");
    struct buf versions = BUF_INIT;
    int total = 0;
    for (const struct embedded_file *f = files; f->name; f++, total++)
        buf_printf(&versions, "%s%.4s", total ? "," : "", f->name);
    PGresult *res;
    enum store_status st = store_exec(&known, 1, (const char *[]){ versions.data }, &res);
    buf_free(&versions);
    int pending = st == STORE_OK ? total - (int)store_get_ll(res, 0, 0) : -1;
    PQclear(res);
    return pending;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const struct embedded_file *)a)->name, ((const struct embedded_file *)b)->name);
}

struct embedded_file *migrate_files_from_dir(const char *dir, char **why)
{
    DIR *d = opendir(dir);
    if (!d) {
        *why = xasprintf("cannot read the directory %s", dir);
        return NULL;
    }
    size_t n = 0, cap = 16;
    struct embedded_file *files = xcalloc(cap + 1, sizeof *files);
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len < 5 || strcmp(e->d_name + len - 4, ".sql") != 0)
            continue;
        char *path = xasprintf("%s/%s", dir, e->d_name);
        FILE *in = fopen(path, "rb");
        free(path);
        if (!in)
            continue;
        struct buf text = BUF_INIT;
        char chunk[8192];
        size_t got;
        while ((got = fread(chunk, 1, sizeof chunk, in)) > 0)
            buf_append(&text, chunk, got);
        fclose(in);
        if (n == cap) {
            cap *= 2;
            files = xrealloc(files, (cap + 1) * sizeof *files);
        }
        files[n].name = xstrdup(e->d_name);
        files[n].data = buf_steal(&text, &files[n].len);
        n++;
    }
    closedir(d);
    qsort(files, n, sizeof *files, by_name);
    files[n] = (struct embedded_file){ 0 };
    return files;
}

void migrate_files_free(struct embedded_file *files)
{
    if (!files)
        return;
    for (struct embedded_file *f = files; f->name; f++) {
        free((char *)f->name);
        free((char *)f->data);
    }
    free(files);
}

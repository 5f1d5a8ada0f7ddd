/*
 * check: `hylla check`, whether a database is sound: every migration applied and unchanged, the
 * invariants of the data hold, the statistics rollups equal a recount. It prints what it found
 * and what the database holds, changes nothing, and exits 1 on any problem: for after a restore,
 * an upgrade or a crash, and in a restore drill.
 */
#include "cli/cli.h"

#include "embedded.h"
#include "store/check_store.h"
#include "store/migrate.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

static const char check_help[] =
    "usage: hylla check [--database URL]\n"
    "\n"
    "Verify a database: every migration of this hylla applied and unchanged, the invariants of\n"
    "the data (an item is on at most one open loan, on loan exactly when it has one, and then at\n"
    "the branch that lent it), and the statistics rollups equal to a recount from the loans and\n"
    "items. Prints a summary and exits 1 when anything is wrong. Changes nothing; changes to\n"
    "loans wait while the rollups are recounted.\n"
    "\n"
    "  --database URL   HYLLA_DATABASE_URL  libpq connection string or URI\n";

/* Print findings; returns how many are problems. */
static int report(const char *what, const struct check_finding *f, size_t n, bool rollups)
{
    int bad = 0;
    for (size_t i = 0; i < n; i++)
        bad += f[i].bad || f[i].unexpected;
    printf("%s: %zu of %zu %s\n", what, n - (size_t)bad, n,
           rollups ? "equal to a recount" : "hold");
    for (size_t i = 0; i < n; i++) {
        if (!f[i].bad && !f[i].unexpected)
            continue;
        if (rollups)
            printf("  FAILED %s: %lld rows of the recount missing or different, %lld rows "
                   "unexpected (SELECT stats_rebuild() recomputes it)\n",
                   f[i].name, f[i].bad, f[i].unexpected);
        else
            printf("  FAILED %s: %lld found%s%s%s\n", f[i].name, f[i].bad,
                   f[i].examples[0] ? " (" : "", f[i].examples, f[i].examples[0] ? ")" : "");
    }
    return bad;
}

int cli_check(int argc, char **argv)
{
    static const struct option opts[] = {
        { "database", required_argument, 0, 'd' },
        { "help", no_argument, 0, 'h' },
        { 0, 0, 0, 0 },
    };
    const char *db = getenv("HYLLA_DATABASE_URL");
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'd':
            db = optarg;
            break;
        case 'h':
            fputs(check_help, stdout);
            return 0;
        default:
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "hylla: check takes no arguments (got \"%s\")\n", argv[optind]);
        return 2;
    }

    store_init(db ? db : "");
    int problems = 0, rc = 1;
    struct check_finding *found = NULL;
    size_t n = 0;
    int migrations = store_migrations_check(hylla_migrations, stdout);
    if (migrations < 0) {
        fprintf(stderr,
                "hylla: cannot read schema_migrations (SQLSTATE %s): is this a hylla "
                "database?\n",
                store_error_sqlstate());
        goto out;
    }
    problems += migrations;
    size_t carried = 0;
    while (hylla_migrations[carried].name)
        carried++;
    printf("migrations: %zu carried by this hylla, %s\n", carried,
           migrations ? "see above" : "all applied and unchanged");
    if (migrations) {
        /* The checks below are functions of the schema: they need it whole. */
        fprintf(stderr, "hylla check: %d problem%s\n", problems, problems == 1 ? "" : "s");
        goto out;
    }

    if (store_check_invariants(&found, &n) < 0)
        goto failed;
    problems += report("invariants", found, n, false);
    free(found);
    found = NULL;
    if (store_check_rollups(&found, &n) < 0)
        goto failed;
    problems += report("rollups", found, n, true);

    struct check_counts counts;
    if (store_check_counts(&counts) < 0)
        goto failed;
    printf("holds: %lld branches, %lld items, %lld borrowers, %lld loans (%lld open), %lld staff\n",
           counts.branches, counts.items, counts.borrowers, counts.loans, counts.open_loans,
           counts.staff);
    if (problems)
        fprintf(stderr, "hylla check: %d problem%s\n", problems, problems == 1 ? "" : "s");
    else
        printf("the database is consistent\n");
    rc = problems ? 1 : 0;
    goto out;

failed:
    fprintf(stderr, "hylla: the check could not run (SQLSTATE %s)\n", store_error_sqlstate());
out:
    free(found);
    store_thread_close();
    return rc;
}

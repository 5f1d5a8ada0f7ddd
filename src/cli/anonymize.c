/*
 * anonymize: `hylla anonymize [--months N] [--dry-run]`, the automatic half of GDPR erasure.
 * Borrowers without open loans whose last activity (registration, checkout, return) is older
 * than N months are erased exactly as DELETE /api/borrowers/{id} erases one: their row goes,
 * loans keep their numbers and counts, and the audit log records each erasure by id. A guardian
 * goes only with or after all their children (children are erased first in the same run).
 * `hylla serve` runs the same pass daily by itself (jobs/retention); running it again erases
 * nobody twice.
 */
#include "cli/cli.h"

#include "core/settings.h"
#include "jobs/retention.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

static const char anonymize_help[] =
    "usage: hylla anonymize [--months N] [--dry-run] [--database URL]\n"
    "\n"
    "Erase the personal data of borrowers without open loans whose last activity is older\n"
    "than N months (default 24). Their loans stay, without a name, so statistics do not change.\n"
    "\n"
    "  --months N       months without activity, 1 to 600 (24)\n"
    "  --dry-run        only say how many borrowers would be erased\n"
    "  --database URL   HYLLA_DATABASE_URL  libpq connection string or URI\n";

int cli_anonymize(int argc, char **argv)
{
    static const struct option opts[] = {
        { "months", required_argument, 0, 'm' },
        { "dry-run", no_argument, 0, 'n' },
        { "database", required_argument, 0, 'd' },
        { "help", no_argument, 0, 'h' },
        { 0, 0, 0, 0 },
    };
    const char *db = getenv("HYLLA_DATABASE_URL");
    unsigned long months = 24;
    bool dry_run = false;
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'm':
            if (!settings_parse_uint(optarg, 1, 600, &months)) {
                fprintf(stderr, "hylla: --months must be a number from 1 to 600 (got \"%s\")\n",
                        optarg);
                return 2;
            }
            break;
        case 'n':
            dry_run = true;
            break;
        case 'd':
            db = optarg;
            break;
        case 'h':
            fputs(anonymize_help, stdout);
            return 0;
        default:
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "hylla: anonymize takes no arguments (got \"%s\")\n", argv[optind]);
        return 2;
    }

    store_init(db ? db : "");
    size_t found, erased;
    int rc = 0;
    if (retention_run((int)months, dry_run, &found, &erased) < 0) {
        fprintf(stderr, "hylla: could not erase the inactive borrowers (SQLSTATE %s)\n",
                store_error_sqlstate());
        rc = 1;
    }
    if (dry_run && !rc)
        printf("%zu borrower%s without activity for %lu months would be erased\n", found,
               found == 1 ? "" : "s", months);
    else if (!dry_run)
        printf("erased %zu borrower%s without activity for %lu months\n", erased,
               erased == 1 ? "" : "s", months);
    store_thread_close();
    return rc;
}

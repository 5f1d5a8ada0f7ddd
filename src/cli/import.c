/*
 * import: `hylla import items FILE --branch SLUG [--dry-run]`. Reads a CSV file (or standard
 * input for -) into a branch, all or nothing, exactly as POST /api/items/import does; every bad
 * line is printed with its reason and then nothing has changed.
 */
#include "cli/cli.h"

#include "core/buf.h"
#include "core/item_csv.h"
#include "store/branch_store.h"
#include "store/import_store.h"
#include "store/store.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char import_help[] =
    "usage: hylla import items FILE --branch SLUG [--dry-run] [--database URL]\n"
    "\n"
    "Add the items of a CSV file (- for standard input) to a branch. The file is UTF-8, with or\n"
    "without a byte order mark, separated by commas or semicolons, with a header row naming the\n"
    "columns: code, category, name, brand, size_kind, size_value, condition, status,\n"
    "retired_reason, donated_on, notes. name and category (an id or a Swedish name) are\n"
    "required; items without a code get the branch's next one. A file with any bad line adds\n"
    "nothing: every bad line is printed with its reason. GET /api/items.csv writes this format.\n"
    "\n"
    "  --branch SLUG    the branch the items belong to\n"
    "  --dry-run        check the file and report, but add nothing\n"
    "  --database URL   HYLLA_DATABASE_URL  libpq connection string or URI\n";

/* The whole file (or standard input) into *out; false with errno set. */
static bool read_all(const char *path, struct buf *out)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f)
        return false;
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        buf_append(out, chunk, n);
    bool ok = !ferror(f);
    if (f != stdin)
        fclose(f);
    if (!out->data)
        buf_puts(out, "");
    return ok;
}

static int import_items(int argc, char **argv)
{
    static const struct option opts[] = {
        { "branch", required_argument, 0, 'b' },
        { "dry-run", no_argument, 0, 'n' },
        { "database", required_argument, 0, 'd' },
        { "help", no_argument, 0, 'h' },
        { 0, 0, 0, 0 },
    };
    const char *branch = NULL, *db = getenv("HYLLA_DATABASE_URL");
    bool dry_run = false;
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'b':
            branch = optarg;
            break;
        case 'n':
            dry_run = true;
            break;
        case 'd':
            db = optarg;
            break;
        case 'h':
            fputs(import_help, stdout);
            return 0;
        default:
            return 2;
        }
    }
    if (optind != argc - 1 || !branch) {
        fprintf(stderr, "hylla: import items needs a FILE and --branch SLUG\n");
        return 2;
    }
    const char *path = argv[optind];
    struct buf data = BUF_INIT;
    if (!read_all(path, &data)) {
        fprintf(stderr, "hylla: cannot read %s: %s\n", path, strerror(errno));
        buf_free(&data);
        return 1;
    }

    store_init(db ? db : "");
    int rc = 1, branch_id = 0;
    struct item_csv csv = { 0 };
    size_t imported = 0;
    enum store_status st = store_branch_id(branch, &branch_id);
    if (st == STORE_NOT_FOUND) {
        fprintf(stderr, "hylla: there is no branch \"%s\"\n", branch);
        goto done;
    }
    if (st == STORE_OK)
        st = store_import_items(0, branch_id, data.data, data.len, dry_run, &csv, &imported);
    if (st < 0) {
        fprintf(stderr, "hylla: the import failed (SQLSTATE %s); nothing was imported\n",
                store_error_sqlstate());
        goto done;
    }
    for (size_t i = 0; i < csv.nerrors; i++)
        fprintf(stderr, "%s: line %d: %s\n", path, csv.errors[i].line, csv.errors[i].message);
    if (csv.nerrors) {
        fprintf(stderr, "hylla: %zu problem%s; nothing was imported\n", csv.nerrors,
                csv.nerrors == 1 ? "" : "s");
        goto done;
    }
    for (size_t i = 0; i < csv.nnotices; i++)
        fprintf(stderr, "%s: line %d: %s\n", path, csv.notices[i].line, csv.notices[i].message);
    if (dry_run)
        printf("dry run: %zu item%s would be imported into %s; nothing was changed\n", imported,
               imported == 1 ? "" : "s", branch);
    else
        printf("imported %zu item%s into %s\n", imported, imported == 1 ? "" : "s", branch);
    rc = 0;
done:
    item_csv_free(&csv);
    buf_free(&data);
    store_thread_close();
    return rc;
}

int cli_import(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(import_help, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "items") != 0) {
        fprintf(stderr, "hylla: unknown import \"%s\" (items)\n", argv[1]);
        return 2;
    }
    return import_items(argc - 1, argv + 1);
}

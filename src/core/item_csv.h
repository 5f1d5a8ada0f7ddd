/*
 * item_csv: items as CSV rows, the format of `hylla import items`, POST /api/items/import and
 * GET /api/items.csv. A header row names the columns (in any order, any case); only name and
 * category are required:
 *
 *   code;category;name;brand;size_kind;size_value;condition;status;retired_reason;donated_on;notes
 *
 * code empty: the item gets the branch's next code. category: the category's id or its Swedish
 * name. condition empty: good. status empty: available (on_loan reads as available, since loans
 * are not imported; a notice says so). donated_on empty: today.
 *
 * Parsing checks everything a row can be checked for without the database and collects every
 * problem with its line, so that one answer lists all of them; the database checks (does the
 * category exist, is the code free) come after, in the store.
 */
#ifndef HYLLA_CORE_ITEM_CSV_H
#define HYLLA_CORE_ITEM_CSV_H

#include "core/buf.h"
#include "core/item.h"
#include "core/size.h"

#include <stdbool.h>
#include <stddef.h>

enum item_csv_column {
    ITEM_CSV_CODE,
    ITEM_CSV_CATEGORY,
    ITEM_CSV_NAME,
    ITEM_CSV_BRAND,
    ITEM_CSV_SIZE_KIND,
    ITEM_CSV_SIZE_VALUE,
    ITEM_CSV_CONDITION,
    ITEM_CSV_STATUS,
    ITEM_CSV_RETIRED_REASON,
    ITEM_CSV_DONATED_ON,
    ITEM_CSV_NOTES,
    ITEM_CSV_NCOLUMNS
};

/* The column names, in the order export writes them. */
extern const char *const item_csv_columns[ITEM_CSV_NCOLUMNS];

/* One item as a row gave it, checked. Strings are owned, NULL when the cell was empty. */
struct item_csv_row {
    int line;
    char code[ITEM_CODE_MAX + 1]; /* "" : the branch's next code */
    char *category;               /* as written: an id or a Swedish name */
    char *name, *brand, *retired_reason, *donated_on, *notes;
    const char *condition, *status; /* words of item_conditions and item_statuses */
    struct size size;
};

/* A problem (or a notice) about one line of the file. */
struct line_note {
    int line;
    char *message;
};

struct item_csv {
    struct item_csv_row *rows; /* the rows without problems */
    size_t nrows, rows_cap;
    struct line_note *errors; /* every problem, in line order once sorted */
    size_t nerrors, errors_cap;
    struct line_note *notices; /* rows read other than written (on_loan as available) */
    size_t nnotices, notices_cap;
};

/*
 * The most rows one import may hold: a larger file is refused at its first row too many (split
 * it), so that no import holds a branch's intake for long.
 */
#define ITEM_CSV_MAX_ROWS 10000

/*
 * Read a whole file into c (zeroed by the caller). Rows with problems go to c->errors, the others
 * to c->rows. False when the file cannot be read past some point at all (no header, an unknown
 * column, a quote left open, more than ITEM_CSV_MAX_ROWS rows): the errors then say where.
 */
bool item_csv_parse(struct item_csv *c, const char *data, size_t len);

/* Record a problem with a line (the store adds the ones only the database can find). */
void item_csv_error(struct item_csv *c, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Sort the errors by line, so that a report reads from the top of the file down. */
void item_csv_sort_errors(struct item_csv *c);

void item_csv_free(struct item_csv *c);

/* The header line of an export: byte order mark, the column names, semicolon separated. */
void item_csv_write_header(struct buf *out);

/* One row of an export; values[i] is the cell of column i (NULL is empty). */
void item_csv_write_row(struct buf *out, const char *const values[ITEM_CSV_NCOLUMNS]);

#endif

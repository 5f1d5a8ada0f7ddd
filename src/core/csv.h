/*
 * csv: reading and writing CSV as spreadsheets make it (RFC 4180 with the habits of Excel).
 * Reading takes UTF-8 with or without a byte order mark, comma or semicolon separated (Swedish
 * Excel writes semicolons; the separator is whichever the header line uses), quoted fields with
 * doubled quotes, separators and line breaks inside them, and CRLF or LF line ends. Every record
 * knows the line it starts on, so a complaint can name it (line 1 is the header).
 *
 * Spreadsheets run a cell that starts with = + - or @ as a formula, so a CSV exported from a
 * database could carry commands to whoever opens it. Writing therefore puts an apostrophe before
 * such a cell, as spreadsheets themselves do, and reading takes it away again, so that an export
 * reads back unchanged.
 */
#ifndef HYLLA_CORE_CSV_H
#define HYLLA_CORE_CSV_H

#include "core/buf.h"

#include <stdbool.h>
#include <stddef.h>

struct csv_reader {
    const char *p, *end;
    char sep;
    int line; /* the line the reader is on */
};

struct csv_record {
    char **fields; /* owned, NUL-terminated */
    size_t nfields;
    size_t cap;
    int line; /* where the record starts */
};

enum csv_result { CSV_RECORD, CSV_END, CSV_ERROR };

/*
 * Start reading data (borrowed; it must outlive the reader). Skips a UTF-8 byte order mark and
 * picks the separator from the first line: semicolon when it has more semicolons than commas
 * outside quotes, else comma.
 */
void csv_reader_init(struct csv_reader *r, const char *data, size_t len);

/*
 * The next record into rec (its previous fields are freed). Lines with nothing on them are
 * skipped. CSV_ERROR sets *why (a static sentence) and rec->line to the line at fault: a quote
 * left open (the line it opened on), text after a closing quote, a NUL byte, or bytes that are
 * not UTF-8.
 */
enum csv_result csv_read(struct csv_reader *r, struct csv_record *rec, const char **why);

/* Free the fields of a record (the record itself may be on the stack). */
void csv_record_free(struct csv_record *rec);

/* Start a file for spreadsheets: the UTF-8 byte order mark, so Excel reads åäö right. */
void csv_write_bom(struct buf *out);

/*
 * Append one field (NULL is empty) to out, quoted when it holds the separator, a quote, a line
 * break or leading or trailing space, and guarded against formulas; sep comes before it unless
 * it is the first of its line.
 */
void csv_write_field(struct buf *out, const char *value, char sep, bool first);

/* End a line (CRLF, as RFC 4180 and Excel want). */
void csv_write_end(struct buf *out);

#endif

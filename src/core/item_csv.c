/* item_csv: items as CSV rows (see item_csv.h). */
#include "item_csv.h"

#include "core/csv.h"
#include "core/text.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *const item_csv_columns[ITEM_CSV_NCOLUMNS] = {
    [ITEM_CSV_CODE] = "code",
    [ITEM_CSV_CATEGORY] = "category",
    [ITEM_CSV_NAME] = "name",
    [ITEM_CSV_BRAND] = "brand",
    [ITEM_CSV_SIZE_KIND] = "size_kind",
    [ITEM_CSV_SIZE_VALUE] = "size_value",
    [ITEM_CSV_CONDITION] = "condition",
    [ITEM_CSV_STATUS] = "status",
    [ITEM_CSV_RETIRED_REASON] = "retired_reason",
    [ITEM_CSV_DONATED_ON] = "donated_on",
    [ITEM_CSV_NOTES] = "notes",
};

static void note_add(struct line_note **v, size_t *n, size_t *cap, int line, const char *fmt,
                     va_list ap) __attribute__((format(printf, 5, 0)));

static void note_add(struct line_note **v, size_t *n, size_t *cap, int line, const char *fmt,
                     va_list ap)
{
    if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 16;
        *v = xrealloc(*v, *cap * sizeof **v);
    }
    struct buf b = BUF_INIT;
    buf_vprintf(&b, fmt, ap);
    (*v)[*n].line = line;
    (*v)[*n].message = buf_steal(&b, NULL);
    (*n)++;
}

void item_csv_error(struct item_csv *c, int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    note_add(&c->errors, &c->nerrors, &c->errors_cap, line, fmt, ap);
    va_end(ap);
}

__attribute__((format(printf, 3, 4))) static void notice(struct item_csv *c, int line,
                                                         const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    note_add(&c->notices, &c->nnotices, &c->notices_cap, line, fmt, ap);
    va_end(ap);
}

/* Notes with their first position, so that sorting keeps the order of one line's problems. */
struct ranked_note {
    struct line_note note;
    size_t seq;
};

static int by_line(const void *a, const void *b)
{
    const struct ranked_note *x = a, *y = b;
    if (x->note.line != y->note.line)
        return (x->note.line > y->note.line) - (x->note.line < y->note.line);
    return (x->seq > y->seq) - (x->seq < y->seq);
}

void item_csv_sort_errors(struct item_csv *c)
{
    if (c->nerrors < 2)
        return;
    struct ranked_note *v = xmalloc(c->nerrors * sizeof *v);
    for (size_t i = 0; i < c->nerrors; i++)
        v[i] = (struct ranked_note){ c->errors[i], i };
    qsort(v, c->nerrors, sizeof *v, by_line);
    for (size_t i = 0; i < c->nerrors; i++)
        c->errors[i] = v[i].note;
    free(v);
}

static void row_free(struct item_csv_row *r)
{
    free(r->category);
    free(r->name);
    free(r->brand);
    free(r->retired_reason);
    free(r->donated_on);
    free(r->notes);
}

void item_csv_free(struct item_csv *c)
{
    for (size_t i = 0; i < c->nrows; i++)
        row_free(&c->rows[i]);
    for (size_t i = 0; i < c->nerrors; i++)
        free(c->errors[i].message);
    for (size_t i = 0; i < c->nnotices; i++)
        free(c->notices[i].message);
    free(c->rows);
    free(c->errors);
    free(c->notices);
    *c = (struct item_csv){ 0 };
}

/* A keyword cell without the spaces around it, in place. */
static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

/*
 * A text cell into *out (owned; NULL when empty): at most max characters, on one line unless
 * multiline. Records a problem and returns false otherwise.
 */
static bool text_cell(struct item_csv *c, int line, const char *column, const char *cell,
                      size_t max, bool multiline, char **out)
{
    *out = NULL;
    if (text_is_blank(cell))
        return true;
    if (text_chars(cell) > max) {
        item_csv_error(c, line, "%s has more than %zu characters", column, max);
        return false;
    }
    for (const char *p = cell; *p; p++) {
        unsigned char ch = (unsigned char)*p;
        if ((ch < 0x20 && !(multiline && (ch == '\n' || ch == '\r' || ch == '\t'))) || ch == 0x7F) {
            item_csv_error(c, line,
                           multiline ? "%s holds control characters" : "%s must be on one line",
                           column);
            return false;
        }
    }
    *out = xstrdup(cell);
    return true;
}

/* Where each known column is in the file (-1: absent), from the header record. */
static bool read_header(struct item_csv *c, const struct csv_record *h, int where[])
{
    for (int k = 0; k < ITEM_CSV_NCOLUMNS; k++)
        where[k] = -1;
    bool ok = true;
    for (size_t i = 0; i < h->nfields; i++) {
        char *name = trim(h->fields[i]);
        if (!*name)
            continue; /* an empty heading, as a trailing separator leaves */
        int k = 0;
        while (k < ITEM_CSV_NCOLUMNS && strcasecmp(name, item_csv_columns[k]) != 0)
            k++;
        if (k == ITEM_CSV_NCOLUMNS) {
            item_csv_error(c, h->line,
                           "unknown column \"%s\" (the columns are code, category, name, brand, "
                           "size_kind, size_value, condition, status, retired_reason, "
                           "donated_on, notes)",
                           name);
            ok = false;
        } else if (where[k] >= 0) {
            item_csv_error(c, h->line, "the column %s is there twice", item_csv_columns[k]);
            ok = false;
        } else {
            where[k] = (int)i;
        }
    }
    for (int k = ITEM_CSV_CATEGORY; k <= ITEM_CSV_NAME; k++)
        if (where[k] < 0 && ok) {
            item_csv_error(c, h->line, "the header has no column %s", item_csv_columns[k]);
            ok = false;
        }
    return ok;
}

/* Check one record and add it to c->rows, or its problems to c->errors. */
static void read_row(struct item_csv *c, const struct csv_record *rec, const int where[],
                     size_t header_fields)
{
    int line = rec->line;
    const char *cell[ITEM_CSV_NCOLUMNS];
    for (int k = 0; k < ITEM_CSV_NCOLUMNS; k++)
        cell[k] = where[k] >= 0 && (size_t)where[k] < rec->nfields ? rec->fields[where[k]] : "";
    for (size_t i = header_fields; i < rec->nfields; i++)
        if (!text_is_blank(rec->fields[i])) {
            item_csv_error(c, line, "the line has %zu fields but the header only %zu", rec->nfields,
                           header_fields);
            return;
        }

    size_t errors_before = c->nerrors;
    struct item_csv_row r = { .line = line };

    char *code = trim((char *)cell[ITEM_CSV_CODE]);
    if (*code) {
        if (!item_code_normalize(code, r.code))
            item_csv_error(c, line, "code \"%s\" is not a code: use 1 to 40 of A-Z, 0-9, . _ -",
                           code);
    }

    char *category = trim((char *)cell[ITEM_CSV_CATEGORY]);
    if (!*category)
        item_csv_error(c, line, "category is empty");
    else
        r.category = xstrdup(category);

    if (text_is_blank(cell[ITEM_CSV_NAME]))
        item_csv_error(c, line, "name is empty");
    else
        text_cell(c, line, "name", cell[ITEM_CSV_NAME], ITEM_NAME_MAX, false, &r.name);
    text_cell(c, line, "brand", cell[ITEM_CSV_BRAND], ITEM_BRAND_MAX, false, &r.brand);
    text_cell(c, line, "notes", cell[ITEM_CSV_NOTES], ITEM_NOTES_MAX, true, &r.notes);

    char *kind_text = trim((char *)cell[ITEM_CSV_SIZE_KIND]);
    char *value = trim((char *)cell[ITEM_CSV_SIZE_VALUE]);
    enum size_kind kind = size_kind_from_name(kind_text);
    const char *why;
    if (*kind_text && kind == SIZE_NONE)
        item_csv_error(c, line,
                       "size_kind \"%s\" is not one of length_cm, shoe_eu, clothing, head_cm, "
                       "wheel_in, other",
                       kind_text);
    else if (!*kind_text && *value)
        item_csv_error(c, line, "size_value needs a size_kind");
    else if (*kind_text && !*value)
        item_csv_error(c, line, "size_kind %s needs a size_value", kind_text);
    else if (*kind_text && !size_from_text(kind, value, &r.size, &why))
        item_csv_error(c, line, "size_value \"%s\": %s", value, why);

    char *condition = trim((char *)cell[ITEM_CSV_CONDITION]);
    r.condition = *condition ? item_word(item_conditions, condition) : "good";
    if (!r.condition)
        item_csv_error(c, line, "condition \"%s\" is not one of new, good, worn, needs_repair",
                       condition);

    char *status = trim((char *)cell[ITEM_CSV_STATUS]);
    r.status = *status ? item_word(item_statuses, status) : "available";
    if (!r.status)
        item_csv_error(c, line,
                       "status \"%s\" is not one of intake, available, repair, lost, retired",
                       status);

    text_cell(c, line, "retired_reason", cell[ITEM_CSV_RETIRED_REASON], ITEM_REASON_MAX, false,
              &r.retired_reason);
    if (r.status && strcmp(r.status, "retired") == 0 && !r.retired_reason)
        item_csv_error(c, line, "a retired item needs a retired_reason");
    else if (r.status && strcmp(r.status, "retired") != 0 && r.retired_reason)
        item_csv_error(c, line, "retired_reason is only for retired items");

    char *donated = trim((char *)cell[ITEM_CSV_DONATED_ON]);
    if (*donated && !text_is_iso_date(donated))
        item_csv_error(c, line, "donated_on \"%s\" is not a date written YYYY-MM-DD", donated);
    else if (*donated)
        r.donated_on = xstrdup(donated);

    if (c->nerrors > errors_before) {
        row_free(&r);
        return;
    }
    if (strcmp(r.status, "on_loan") == 0) {
        r.status = "available";
        notice(c, line, "status on_loan was read as available: loans are not imported");
    }
    if (c->nrows == c->rows_cap) {
        c->rows_cap = c->rows_cap ? c->rows_cap * 2 : 64;
        c->rows = xrealloc(c->rows, c->rows_cap * sizeof *c->rows);
    }
    c->rows[c->nrows++] = r;
}

static int by_code(const void *a, const void *b)
{
    const struct item_csv_row *const *x = a, *const *y = b;
    int d = strcmp((*x)->code, (*y)->code);
    return d ? d : ((*x)->line > (*y)->line) - ((*x)->line < (*y)->line);
}

/* A code may be on one row only: later rows with it become problems naming the first. */
static void drop_repeated_codes(struct item_csv *c)
{
    struct item_csv_row **by = xmalloc((c->nrows ? c->nrows : 1) * sizeof *by);
    size_t n = 0;
    for (size_t i = 0; i < c->nrows; i++)
        if (c->rows[i].code[0])
            by[n++] = &c->rows[i];
    qsort(by, n, sizeof *by, by_code);
    bool any = false;
    for (size_t i = 1; i < n; i++) {
        size_t first = i - 1;
        while (i < n && strcmp(by[i]->code, by[first]->code) == 0) {
            item_csv_error(c, by[i]->line, "code %s is also on line %d", by[i]->code,
                           by[first]->line);
            by[i]->line = -by[i]->line; /* marked for removal below */
            any = true;
            i++;
        }
    }
    free(by);
    if (!any)
        return;
    size_t kept = 0;
    for (size_t i = 0; i < c->nrows; i++) {
        if (c->rows[i].line < 0)
            row_free(&c->rows[i]);
        else
            c->rows[kept++] = c->rows[i];
    }
    c->nrows = kept;
}

/* Whether every field of a record is blank (spreadsheets leave such lines at the end). */
static bool record_blank(const struct csv_record *rec)
{
    for (size_t i = 0; i < rec->nfields; i++)
        if (!text_is_blank(rec->fields[i]))
            return false;
    return true;
}

bool item_csv_parse(struct item_csv *c, const char *data, size_t len)
{
    struct csv_reader r;
    struct csv_record rec = { 0 };
    const char *why;
    csv_reader_init(&r, data, len);
    bool ok = false;

    enum csv_result res = csv_read(&r, &rec, &why);
    if (res == CSV_END) {
        item_csv_error(c, 1, "the file is empty: it needs a header line naming the columns");
        goto done;
    }
    if (res == CSV_ERROR) {
        item_csv_error(c, rec.line, "%s", why);
        goto done;
    }
    int where[ITEM_CSV_NCOLUMNS];
    if (!read_header(c, &rec, where))
        goto done;
    size_t header_fields = rec.nfields;

    size_t rows = 0;
    while ((res = csv_read(&r, &rec, &why)) == CSV_RECORD) {
        if (record_blank(&rec))
            continue;
        if (++rows > ITEM_CSV_MAX_ROWS) {
            item_csv_error(c, rec.line,
                           "an import holds at most %d rows: split the file and import each part",
                           ITEM_CSV_MAX_ROWS);
            goto done;
        }
        read_row(c, &rec, where, header_fields);
    }
    if (res == CSV_ERROR) {
        item_csv_error(c, rec.line, "%s", why);
        goto done;
    }
    drop_repeated_codes(c);
    ok = true;

done:
    csv_record_free(&rec);
    item_csv_sort_errors(c);
    return ok;
}

void item_csv_write_header(struct buf *out)
{
    csv_write_bom(out);
    for (int k = 0; k < ITEM_CSV_NCOLUMNS; k++)
        csv_write_field(out, item_csv_columns[k], ';', k == 0);
    csv_write_end(out);
}

void item_csv_write_row(struct buf *out, const char *const values[ITEM_CSV_NCOLUMNS])
{
    for (int k = 0; k < ITEM_CSV_NCOLUMNS; k++)
        csv_write_field(out, values[k], ';', k == 0);
    csv_write_end(out);
}

/* csv: reading and writing spreadsheet CSV (see csv.h). */
#include "csv.h"

#include "core/text.h"

#include <stdlib.h>
#include <string.h>

void csv_reader_init(struct csv_reader *r, const char *data, size_t len)
{
    r->p = data;
    r->end = data + len;
    r->line = 1;
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
        r->p += 3;

    size_t commas = 0, semicolons = 0;
    bool quoted = false;
    for (const char *p = r->p; p < r->end; p++) {
        if (*p == '"')
            quoted = !quoted;
        else if (!quoted && (*p == '\n' || *p == '\r'))
            break;
        else if (!quoted && *p == ',')
            commas++;
        else if (!quoted && *p == ';')
            semicolons++;
    }
    r->sep = semicolons > commas ? ';' : ',';
}

void csv_record_free(struct csv_record *rec)
{
    for (size_t i = 0; i < rec->nfields; i++)
        free(rec->fields[i]);
    free(rec->fields);
    rec->fields = NULL;
    rec->nfields = rec->cap = 0;
}

/*
 * Whether a cell needs the formula guard: it starts with = + - @ TAB or CR after any apostrophes
 * (spreadsheets read a formula after a leading TAB or CR too, as the web tables know). An
 * apostrophe is added before every such cell and taken away from every such cell, so that a cell
 * that itself starts with an apostrophe and then a formula character survives the round trip.
 */
static bool guarded(const char *text)
{
    text += strspn(text, "'");
    return *text && strchr("=+-@\t\r", *text);
}

static void add_field(struct csv_record *rec, struct buf *field)
{
    if (rec->nfields == rec->cap) {
        rec->cap = rec->cap ? rec->cap * 2 : 16;
        rec->fields = xrealloc(rec->fields, rec->cap * sizeof *rec->fields);
    }
    char *text = buf_steal(field, NULL);
    if (text[0] == '\'' && guarded(text))
        memmove(text, text + 1, strlen(text)); /* undo the guard of csv_write_field */
    rec->fields[rec->nfields++] = text;
}

/* Consume one line end (CRLF, LF or CR) at r->p if there is one. */
static bool line_end(struct csv_reader *r)
{
    if (r->p < r->end && *r->p == '\r') {
        r->p++;
        if (r->p < r->end && *r->p == '\n')
            r->p++;
        r->line++;
        return true;
    }
    if (r->p < r->end && *r->p == '\n') {
        r->p++;
        r->line++;
        return true;
    }
    return false;
}

/* Move one UTF-8 character at r->p into field; false for a NUL or a byte that starts none. */
static bool take_char(struct csv_reader *r, struct buf *field)
{
    size_t n =
        *r->p ? text_utf8_sequence((const unsigned char *)r->p, (const unsigned char *)r->end) : 0;
    buf_append(field, r->p, n);
    r->p += n;
    return n > 0;
}

enum csv_result csv_read(struct csv_reader *r, struct csv_record *rec, const char **why)
{
    csv_record_free(rec);
    while (line_end(r))
        ; /* empty lines */
    if (r->p >= r->end)
        return CSV_END;

    rec->line = r->line;
    struct buf field = BUF_INIT;
    for (;;) {
        /* One field: quoted or plain, then a separator, a line end or the end of the data. */
        bool quoted = r->p < r->end && *r->p == '"';
        if (quoted) {
            int opened = r->line;
            r->p++;
            for (;;) {
                if (r->p >= r->end) {
                    *why = "a quoted field is not closed";
                    rec->line = opened;
                    goto fail;
                }
                if (*r->p == '"') {
                    if (r->p + 1 < r->end && r->p[1] == '"') {
                        buf_putc(&field, '"');
                        r->p += 2;
                        continue;
                    }
                    r->p++;
                    break;
                }
                if (*r->p == '\n' || (*r->p == '\r' && !(r->p + 1 < r->end && r->p[1] == '\n')))
                    r->line++;
                if (!take_char(r, &field))
                    goto bad_byte;
            }
            if (r->p < r->end && *r->p != r->sep && *r->p != '\r' && *r->p != '\n') {
                *why = "text follows the closing quote of a field";
                rec->line = r->line;
                goto fail;
            }
        } else {
            while (r->p < r->end && *r->p != r->sep && *r->p != '\r' && *r->p != '\n') {
                if (!take_char(r, &field))
                    goto bad_byte;
            }
        }
        add_field(rec, &field);
        if (r->p < r->end && *r->p == r->sep) {
            r->p++;
            continue;
        }
        line_end(r);
        return CSV_RECORD;
    }

bad_byte:
    *why = *r->p ? "the file is not UTF-8 text" : "the file holds a NUL byte";
    rec->line = r->line;
fail:
    buf_free(&field);
    csv_record_free(rec);
    return CSV_ERROR;
}

void csv_write_bom(struct buf *out)
{
    buf_puts(out, "\xEF\xBB\xBF");
}

void csv_write_field(struct buf *out, const char *value, char sep, bool first)
{
    if (!first)
        buf_putc(out, sep);
    if (!value || !*value)
        return;
    size_t n = strlen(value);
    bool quote = strchr(value, sep) || strchr(value, '"') || strchr(value, '\n') ||
                 strchr(value, '\r') || value[0] == ' ' || value[n - 1] == ' ';
    if (quote)
        buf_putc(out, '"');
    if (guarded(value))
        buf_putc(out, '\'');
    for (const char *p = value; *p; p++) {
        if (*p == '"')
            buf_putc(out, '"');
        buf_putc(out, *p);
    }
    if (quote)
        buf_putc(out, '"');
}

void csv_write_end(struct buf *out)
{
    buf_puts(out, "\r\n");
}

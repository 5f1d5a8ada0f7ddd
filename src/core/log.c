/* log: timestamped lines on standard error (see log.h). */
#include "log.h"

#include "core/buf.h"
#include "core/text.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static enum log_level min_level = LOG_INFO;
static bool as_json;
static const char *const names[] = { "debug", "info", "warning", "error" };

void log_set_level(enum log_level level)
{
    min_level = level;
}

void log_set_json(bool json)
{
    as_json = json;
}

bool log_level_from_name(const char *name, enum log_level *level)
{
    for (int i = LOG_DEBUG; i <= LOG_ERROR; i++) {
        if (strcmp(name, names[i]) == 0) {
            *level = (enum log_level)i;
            return true;
        }
    }
    return false;
}

/*
 * Text that came from outside (a path) into a line: in JSON as a string with its quotes; in text
 * with control characters as '?', so that nobody can write a line of their own into the log.
 */
static void put_text(struct buf *b, const char *s)
{
    if (!as_json) {
        for (const char *p = s; *p; p++)
            buf_putc(b, (unsigned char)*p < 0x20 || *p == 0x7f ? '?' : *p);
        return;
    }
    buf_putc(b, '"');
    const unsigned char *end = (const unsigned char *)s + strlen(s);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') {
            buf_putc(b, '\\');
            buf_putc(b, (char)*p);
        } else if (*p < 0x20 || *p == 0x7f) {
            buf_printf(b, "\\u%04x", *p);
        } else if (*p < 0x80) {
            buf_putc(b, (char)*p);
        } else {
            size_t n = text_utf8_sequence(p, end);
            if (n) {
                buf_append(b, p, n);
                p += n - 1;
            } else {
                buf_puts(b, "\\ufffd");
            }
        }
    }
    buf_putc(b, '"');
}

/* The start of a line: the time and the level, as text or as the first JSON fields. */
static void begin_line(struct buf *b, enum log_level level)
{
    char stamp[32];
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    size_t n = strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(stamp + n, sizeof stamp - n, ".%03ldZ", ts.tv_nsec / 1000000L);
    if (as_json)
        buf_printf(b, "{\"time\":\"%s\",\"level\":\"%s\",", stamp, names[level]);
    else
        buf_printf(b, "%s %s: ", stamp, names[level]);
}

/* Write the line at once (one write(2), so that threads never interleave within a line). */
static void end_line(struct buf *b)
{
    if (as_json)
        buf_putc(b, '}');
    buf_putc(b, '\n');
    ssize_t w = write(STDERR_FILENO, b->data, b->len);
    (void)w;
    buf_free(b);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
    if (level < min_level)
        return;
    struct buf line = BUF_INIT, msg = BUF_INIT;
    begin_line(&line, level);
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&msg, fmt, ap);
    va_end(ap);
    if (msg.len > 1000)
        msg.data[msg.len = 1000] = '\0';
    if (as_json) {
        buf_puts(&line, "\"msg\":");
        put_text(&line, msg.data ? msg.data : "");
    } else {
        buf_append(&line, msg.data, msg.len);
    }
    buf_free(&msg);
    end_line(&line);
}

void log_access(const struct log_access *a)
{
    if (LOG_INFO < min_level)
        return;
    struct buf line = BUF_INIT;
    begin_line(&line, LOG_INFO);
    if (as_json) {
        buf_puts(&line, "\"msg\":\"request\",\"method\":");
        put_text(&line, a->method);
        buf_puts(&line, ",\"path\":");
        put_text(&line, a->path);
        buf_puts(&line, ",\"route\":");
        if (a->route)
            put_text(&line, a->route);
        else
            buf_puts(&line, "null");
        buf_printf(&line, ",\"status\":%d,\"ms\":%.1f,\"client\":", a->status, a->ms);
        put_text(&line, a->client);
        buf_printf(&line, ",\"aborted\":%s", a->aborted ? "true" : "false");
    } else {
        put_text(&line, a->method);
        buf_putc(&line, ' ');
        put_text(&line, a->path);
        buf_printf(&line, " %d %.1f ms from ", a->status, a->ms);
        put_text(&line, a->client);
        if (a->aborted)
            buf_puts(&line, " (aborted)");
    }
    end_line(&line);
}

/*
 * log: one line per event on standard error, with a UTC timestamp. Lines are written with a
 * single write(2) so that threads never interleave within a line. Never pass personal data or
 * secrets here: the log is kept longer than the data it would copy.
 */
#ifndef HYLLA_CORE_LOG_H
#define HYLLA_CORE_LOG_H

#include <stdbool.h>

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

/* Log nothing below level (the default is LOG_INFO). */
void log_set_level(enum log_level level);

/*
 * Write every line as one JSON object ({"time", "level", "msg"}, and the fields of an access
 * line) instead of text, for log shippers. The default is text.
 */
void log_set_json(bool json);

/* "debug", "info", "warning" or "error" into *level; false for anything else. */
bool log_level_from_name(const char *name, enum log_level *level);
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* One answered request, for the access log (at level info). */
struct log_access {
    const char *method;
    const char *path;   /* as requested, percent-decoded */
    const char *route;  /* the pattern of the route that answered, or NULL */
    const char *client; /* the client's address (see --trusted-proxy) */
    int status;
    double ms;
    bool aborted; /* the connection ended before the answer was sent whole */
};

/* "GET /healthz 200 0.3 ms from 127.0.0.1", or the same as JSON fields. */
void log_access(const struct log_access *a);

#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)

#endif

/*
 * settings: what `hylla serve` was told at start (flags, then environment, then defaults), and
 * the parsers for the values. Filled once by main before any thread starts, read-only after.
 */
#ifndef HYLLA_CORE_SETTINGS_H
#define HYLLA_CORE_SETTINGS_H

#include "core/cidr.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

struct settings {
    const char *listen;         /* HOST:PORT; port 0 picks a free one */
    const char *database_url;   /* libpq connection string or URI */
    const char *read_database;  /* read replicas' connection strings, split by ';' ("": none) */
    unsigned max_replica_lag_s; /* a replica further behind is not read from */
    const char *web_root;       /* the web/ folder */
    const char *public_url;     /* how users reach us; https makes cookies Secure */
    unsigned http_threads;      /* threads that read and write the connections */
    unsigned workers;           /* threads of the desk's lane, each with one database connection */
    unsigned read_workers;      /* threads of the public and statistics reads' lane, the same */
    unsigned batch_threads;     /* desk threads that run batched lookups at once (http/lanes.h) */
    size_t body_limit;          /* largest request body for ordinary routes */
    unsigned connection_timeout_s; /* idle, or awaiting a request line */
    unsigned request_timeout_s;    /* from the request line to the whole request received */
    unsigned per_address_limit;    /* open connections per client address */
    unsigned connection_limit;     /* open connections in all */
    unsigned session_idle_s;
    unsigned session_max_s;
    bool access_log;
    struct cidr_list trusted_proxies; /* peers whose X-Forwarded-For names the client */
    struct cidr_list metrics_allow;   /* clients that may read /metrics */
    unsigned retention_months;        /* erase borrowers inactive this long; 0: never */

    /* Messages to borrowers: a NULL URL leaves its channel off (see settings_messaging). */
    const char *sms_url;       /* the SMS gateway: https://, or http:// to this machine */
    const char *sms_token;     /* the secret HYLLA_SMS_TOKEN: "user:password" or a token */
    const char *sms_sender;    /* the network's SMS sender name */
    const char *smtp_url;      /* smtp:// (STARTTLS required) or smtps:// */
    const char *smtp_password; /* the secret HYLLA_SMTP_PASSWORD, or NULL */
    const char *smtp_from;     /* the From address of e-mail */
    const char *smtp_ca_file;  /* CA certificates for the SMTP server, or NULL for the system's */
    char window_start[6], window_end[6]; /* when messages may go out, "08:00" to "20:00" */
};

/* The settings of this process; main points it at its own struct before serving. */
extern const struct settings *settings;

/* Parse a decimal number in [min, max]. Returns false, and leaves *out alone, when it is not one. */
bool settings_parse_uint(const char *text, unsigned long min, unsigned long max,
                         unsigned long *out);

/* Parse a size such as "1048576", "512K", "1M" or "5MiB" into bytes, at most max. */
bool settings_parse_size(const char *text, size_t max, size_t *out);

/* Parse a duration such as "90", "90s", "15m", "12h" or "7d" into seconds (at least 1). */
bool settings_parse_duration(const char *text, unsigned *out);

/*
 * Parse "HOST:PORT" ("127.0.0.1:8080", "[::1]:0", "localhost:8080") into a socket address.
 * Names are resolved once here. Returns false with a reason in why (a static string).
 */
bool settings_parse_listen(const char *text, struct sockaddr_storage *addr, socklen_t *len,
                           const char **why);

/* A time of day "HH:MM" (00:00 to 24:00) into minutes since midnight. */
bool settings_parse_clock(const char *text, int *minutes);

/* Whether name can be an SMS sender name: 1 to 11 ASCII letters, digits or spaces. */
bool settings_sender_ok(const char *name);

/*
 * A time window "HH:MM-HH:MM" (the end may be 24:00, and must come after the start) into its two
 * ends, "HH:MM" each, in start and end.
 */
bool settings_parse_window(const char *text, char start[6], char end[6]);

/* What settings_messaging is told: flag values, or NULL to read the environment. */
struct settings_messaging_args {
    const char *sms_url, *sms_sender, *smtp_url, *smtp_from, *smtp_ca_file, *window;
};

/*
 * Fill the message settings of s from the flags, else the environment (HYLLA_SMS_URL,
 * HYLLA_SMS_SENDER, HYLLA_SMTP_URL, HYLLA_SMTP_FROM, HYLLA_SMTP_CA_FILE, HYLLA_REMINDER_WINDOW),
 * else the defaults. The secrets HYLLA_SMS_TOKEN and HYLLA_SMTP_PASSWORD come only from the
 * environment or the files it names (config_secret), never from a flag, and are kept in memory
 * only. false with a sentence in why (owned by the caller) when a setting is wrong.
 */
bool settings_messaging(struct settings *s, const struct settings_messaging_args *a, char **why);

#endif

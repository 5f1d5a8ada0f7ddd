/* settings: parsers for the values `hylla serve` accepts (see settings.h). */
#include "settings.h"

#include "core/buf.h"
#include "core/config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct settings *settings;

bool settings_parse_uint(const char *text, unsigned long min, unsigned long max, unsigned long *out)
{
    if (!text || !isdigit((unsigned char)text[0]))
        return false;
    errno = 0;
    char *end;
    unsigned long v = strtoul(text, &end, 10);
    if (errno || *end || v < min || v > max)
        return false;
    *out = v;
    return true;
}

bool settings_parse_size(const char *text, size_t max, size_t *out)
{
    if (!text || !isdigit((unsigned char)text[0]))
        return false;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno)
        return false;
    unsigned long long mult = 1;
    if (*end == 'K' || *end == 'k')
        mult = 1024ULL, end++;
    else if (*end == 'M' || *end == 'm')
        mult = 1024ULL * 1024, end++;
    else if (*end == 'G' || *end == 'g')
        mult = 1024ULL * 1024 * 1024, end++;
    if (mult > 1 && (strcmp(end, "iB") == 0 || strcmp(end, "B") == 0))
        end += strlen(end);
    if (*end || v > max / mult)
        return false;
    *out = (size_t)(v * mult);
    return true;
}

bool settings_parse_duration(const char *text, unsigned *out)
{
    if (!text || !isdigit((unsigned char)text[0]))
        return false;
    errno = 0;
    char *end;
    unsigned long v = strtoul(text, &end, 10);
    if (errno)
        return false;
    unsigned long mult = 1;
    switch (*end) {
    case '\0':
    case 's':
        break;
    case 'm':
        mult = 60;
        break;
    case 'h':
        mult = 3600;
        break;
    case 'd':
        mult = 86400;
        break;
    default:
        return false;
    }
    if (*end && end[1])
        return false;
    if (v == 0 || v > UINT_MAX / mult)
        return false;
    *out = (unsigned)(v * mult);
    return true;
}

bool settings_parse_listen(const char *text, struct sockaddr_storage *addr, socklen_t *len,
                           const char **why)
{
    char host[256];
    const char *port;
    *why = "expected HOST:PORT, such as 127.0.0.1:8080";
    if (!text || !*text)
        return false;
    if (text[0] == '[') {
        const char *close = strchr(text, ']');
        if (!close || close[1] != ':' || (size_t)(close - text - 1) >= sizeof host)
            return false;
        memcpy(host, text + 1, (size_t)(close - text - 1));
        host[close - text - 1] = '\0';
        port = close + 2;
    } else {
        const char *colon = strrchr(text, ':');
        if (!colon || colon == text || (size_t)(colon - text) >= sizeof host ||
            memchr(text, ':', (size_t)(colon - text)))
            return false;
        memcpy(host, text, (size_t)(colon - text));
        host[colon - text] = '\0';
        port = colon + 1;
    }
    unsigned long portnum;
    if (!settings_parse_uint(port, 0, 65535, &portnum)) {
        *why = "the port must be a number from 0 to 65535";
        return false;
    }
    struct addrinfo hints = { .ai_family = AF_UNSPEC,
                              .ai_socktype = SOCK_STREAM,
                              .ai_flags = AI_NUMERICSERV | AI_PASSIVE };
    struct addrinfo *res = NULL;
    if (getaddrinfo(host, port, &hints, &res) != 0 || !res) {
        *why = "the host is neither an address nor a name that resolves";
        return false;
    }
    memcpy(addr, res->ai_addr, res->ai_addrlen);
    *len = res->ai_addrlen;
    freeaddrinfo(res);
    return true;
}

/* "HH:MM" of 00:00 to 24:00, len bytes of t, into minutes. */
static bool parse_clock(const char *t, size_t len, int *minutes)
{
    if (len != 5 || t[2] != ':')
        return false;
    for (size_t i = 0; i < 5; i++)
        if (i != 2 && !isdigit((unsigned char)t[i]))
            return false;
    int h = (t[0] - '0') * 10 + (t[1] - '0'), m = (t[3] - '0') * 10 + (t[4] - '0');
    if (h > 24 || m > 59 || (h == 24 && m != 0))
        return false;
    *minutes = h * 60 + m;
    return true;
}

bool settings_parse_clock(const char *text, int *minutes)
{
    return text && parse_clock(text, strlen(text), minutes);
}

bool settings_sender_ok(const char *name)
{
    size_t n = strlen(name);
    bool ok = n >= 1 && n <= 11 && isalnum((unsigned char)name[0]);
    for (size_t i = 0; i < n; i++)
        ok = ok && (isalnum((unsigned char)name[i]) || name[i] == ' ');
    return ok;
}

bool settings_parse_window(const char *text, char start[6], char end[6])
{
    const char *dash = text ? strchr(text, '-') : NULL;
    int a, b;
    if (!dash || !parse_clock(text, (size_t)(dash - text), &a) ||
        !parse_clock(dash + 1, strlen(dash + 1), &b) || a >= b)
        return false;
    memcpy(start, text, 5);
    start[5] = '\0';
    memcpy(end, dash + 1, 5);
    end[5] = '\0';
    return true;
}

static const char *flag_or_env(const char *flag, const char *env)
{
    if (flag)
        return flag;
    const char *e = getenv(env);
    return e && *e ? e : NULL;
}

/* The host of a URL "scheme://[user@]host[:port]/..." into host; false when there is none. */
static bool url_host(const char *url, char *host, size_t size, bool *has_user)
{
    const char *p = strstr(url, "://");
    if (!p)
        return false;
    p += 3;
    size_t auth = strcspn(p, "/?#");
    const char *at = memchr(p, '@', auth);
    *has_user = at != NULL;
    if (at)
        p = at + 1;
    size_t len = p[0] == '[' ? strcspn(p, "]") + 1 : strcspn(p, ":/?#");
    if (len == 0 || len >= size)
        return false;
    memcpy(host, p, len);
    host[len] = '\0';
    return true;
}

static bool is_loopback(const char *host)
{
    return strcmp(host, "localhost") == 0 || strcmp(host, "[::1]") == 0 ||
           strncmp(host, "127.", 4) == 0;
}

bool settings_messaging(struct settings *s, const struct settings_messaging_args *a, char **why)
{
    *why = NULL;
    const char *window = flag_or_env(a->window, "HYLLA_REMINDER_WINDOW");
    if (!settings_parse_window(window ? window : "08:00-20:00", s->window_start, s->window_end)) {
        *why = xasprintf("--reminder-window must be HH:MM-HH:MM, such as 08:00-20:00 (got \"%s\")",
                         window);
        return false;
    }

    char host[256];
    bool has_user;
    s->sms_url = flag_or_env(a->sms_url, "HYLLA_SMS_URL");
    s->sms_sender = flag_or_env(a->sms_sender, "HYLLA_SMS_SENDER");
    if (!s->sms_sender)
        s->sms_sender = "hylla";
    if (!settings_sender_ok(s->sms_sender)) {
        *why = xasprintf("--sms-sender must be 1 to 11 letters, digits or spaces (got \"%s\")",
                         s->sms_sender);
        return false;
    }
    if (s->sms_url) {
        bool https = strncmp(s->sms_url, "https://", 8) == 0;
        bool http = strncmp(s->sms_url, "http://", 7) == 0;
        if ((!https && !http) || !url_host(s->sms_url, host, sizeof host, &has_user) ||
            (http && !is_loopback(host)) || has_user) {
            /* Not repeated: the address may hold a password. */
            *why = xstrdup("--sms-url must be an https:// address without credentials (http:// "
                           "only to this machine)");
            return false;
        }
        s->sms_token = config_secret("HYLLA_SMS_TOKEN", why);
        if (*why)
            return false;
    }

    s->smtp_url = flag_or_env(a->smtp_url, "HYLLA_SMTP_URL");
    s->smtp_from = flag_or_env(a->smtp_from, "HYLLA_SMTP_FROM");
    s->smtp_ca_file = flag_or_env(a->smtp_ca_file, "HYLLA_SMTP_CA_FILE");
    if (s->smtp_url) {
        bool ok =
            (strncmp(s->smtp_url, "smtp://", 7) == 0 || strncmp(s->smtp_url, "smtps://", 8) == 0) &&
            url_host(s->smtp_url, host, sizeof host, &has_user);
        const char *auth = strstr(s->smtp_url, "://") + 3;
        const char *at = strchr(auth, '@');
        if (!ok || (at && memchr(auth, ':', (size_t)(at - auth)))) {
            *why = xstrdup("--smtp-url must be smtp://[user@]host[:port] or smtps://..., the "
                           "password in HYLLA_SMTP_PASSWORD_FILE");
            return false;
        }
        const char *addr_at = s->smtp_from ? strchr(s->smtp_from, '@') : NULL;
        if (!addr_at || addr_at == s->smtp_from || !strchr(addr_at, '.') ||
            strpbrk(s->smtp_from, " <>\r\n\t,")) {
            *why = xasprintf("--smtp-from must be the address e-mail is sent from, such as "
                             "hylla@example.org (got \"%s\")",
                             s->smtp_from ? s->smtp_from : "");
            return false;
        }
        s->smtp_password = config_secret("HYLLA_SMTP_PASSWORD", why);
        if (*why)
            return false;
    }
    return true;
}

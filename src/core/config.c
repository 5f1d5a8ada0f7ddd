/* config: the configuration file and secret files (see config.h). */
#include "config.h"

#include "core/buf.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Whether key may be set from the file: HYLLA_ or PG followed by capitals, digits and '_'. */
static bool key_allowed(const char *key)
{
    const char *rest = strncmp(key, "HYLLA_", 6) == 0 ? key + 6
                       : strncmp(key, "PG", 2) == 0   ? key + 2
                                                      : NULL;
    if (!rest || !*rest)
        return false;
    for (; *rest; rest++)
        if (!isupper((unsigned char)*rest) && !isdigit((unsigned char)*rest) && *rest != '_')
            return false;
    return true;
}

/* Cut one line into key and value in place; false when it is not KEY=VALUE. */
static bool split_line(char *line, char **key, char **value)
{
    char *eq = strchr(line, '=');
    if (!eq)
        return false;
    char *k = line, *kend = eq;
    while (isspace((unsigned char)*k))
        k++;
    while (kend > k && isspace((unsigned char)kend[-1]))
        kend--;
    *kend = '\0';
    char *v = eq + 1, *vend = v + strlen(v);
    while (isspace((unsigned char)*v))
        v++;
    while (vend > v && isspace((unsigned char)vend[-1]))
        vend--;
    *vend = '\0';
    size_t n = strlen(v);
    if (n >= 2 && (v[0] == '"' || v[0] == '\'') && v[n - 1] == v[0]) {
        v[n - 1] = '\0';
        v++;
    }
    *key = k;
    *value = v;
    return true;
}

bool config_load(const char *path, bool required, char **why)
{
    *why = NULL;
    FILE *in = fopen(path, "r");
    if (!in) {
        if (errno == ENOENT && !required)
            return true;
        *why = xasprintf("cannot read the configuration file %s: %s", path, strerror(errno));
        return false;
    }
    char line[4096];
    for (int n = 1; fgets(line, sizeof line, in); n++) {
        const char *p = line;
        while (isspace((unsigned char)*p))
            p++;
        if (!*p || *p == '#' || *p == ';')
            continue;
        char *key, *value;
        if (!split_line(line, &key, &value) || !key_allowed(key)) {
            *why =
                xasprintf("%s:%d: expected a setting such as HYLLA_LISTEN=127.0.0.1:8080", path, n);
            break;
        }
        const char *set = getenv(key);
        if (!set || !*set) /* an empty variable counts as unset, as everywhere */
            setenv(key, value, 1);
    }
    fclose(in);
    return *why == NULL;
}

/* Whether line sets key, or would if its '#' went: "KEY=", "# KEY=", "#KEY =". */
static bool line_sets(const char *line, const char *key)
{
    while (isspace((unsigned char)*line) || *line == '#')
        line++;
    size_t n = strlen(key);
    if (strncmp(line, key, n) != 0)
        return false;
    line += n;
    while (*line == ' ' || *line == '\t')
        line++;
    return *line == '=';
}

bool config_set(const char *path, const char *key, const char *value, char **why)
{
    *why = NULL;
    struct stat st;
    FILE *in = fopen(path, "r");
    if (!in || fstat(fileno(in), &st) != 0) {
        *why = xasprintf("cannot read %s: %s", path, strerror(errno));
        if (in)
            fclose(in);
        return false;
    }
    struct buf out = BUF_INIT;
    char line[4096];
    bool done = false;
    const char quote = strchr(value, '"') ? '\'' : '"';
    while (fgets(line, sizeof line, in)) {
        if (!done && line_sets(line, key)) {
            if (strpbrk(value, " \t#"))
                buf_printf(&out, "%s=%c%s%c\n", key, quote, value, quote);
            else
                buf_printf(&out, "%s=%s\n", key, value);
            done = true;
        } else {
            buf_puts(&out, line);
        }
    }
    fclose(in);
    if (!done) {
        if (out.len && out.data[out.len - 1] != '\n')
            buf_putc(&out, '\n');
        if (strpbrk(value, " \t#"))
            buf_printf(&out, "%s=%c%s%c\n", key, quote, value, quote);
        else
            buf_printf(&out, "%s=%s\n", key, value);
    }

    char *tmp = xasprintf("%s.new", path);
    FILE *f = fopen(tmp, "w");
    bool ok = f && fchmod(fileno(f), st.st_mode & 07777) == 0 &&
              (fchown(fileno(f), st.st_uid, st.st_gid) == 0 || geteuid() != 0) &&
              fwrite(out.data, 1, out.len, f) == out.len && fflush(f) == 0 && fsync(fileno(f)) == 0;
    if (f && fclose(f) != 0)
        ok = false;
    if (ok && rename(tmp, path) != 0)
        ok = false;
    if (!ok) {
        *why = xasprintf("cannot write %s: %s", path, strerror(errno));
        unlink(tmp);
    }
    free(tmp);
    buf_free(&out);
    return ok;
}

char *config_secret(const char *name, char **why)
{
    *why = NULL;
    const char *direct = getenv(name);
    if (direct && *direct)
        return xstrdup(direct);
    char *file_key = xasprintf("%s_FILE", name);
    const char *file = getenv(file_key);
    free(file_key);
    if (!file || !*file)
        return NULL;
    const char *dir = getenv("CREDENTIALS_DIRECTORY");
    char *path = file[0] == '/' || !dir ? xstrdup(file) : xasprintf("%s/%s", dir, file);
    FILE *in = fopen(path, "r");
    if (!in) {
        *why = xasprintf("cannot read %s (%s_FILE): %s", path, name, strerror(errno));
        free(path);
        return NULL;
    }
    struct buf text = BUF_INIT;
    char chunk[512];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, in)) > 0)
        buf_append(&text, chunk, got);
    fclose(in);
    free(path);
    while (text.len && (text.data[text.len - 1] == '\n' || text.data[text.len - 1] == '\r'))
        text.data[--text.len] = '\0';
    return text.data ? buf_steal(&text, NULL) : xstrdup("");
}

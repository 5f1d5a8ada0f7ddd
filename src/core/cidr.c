/* cidr: address blocks and the client behind proxies (see cidr.h). */
#include "cidr.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An address as 16 bytes, IPv4 mapped into IPv6; false when text is no address. */
static bool address_bytes(const char *text, unsigned char out[16], bool *v4)
{
    struct in_addr a4;
    if (inet_pton(AF_INET, text, &a4) == 1) {
        memset(out, 0, 10);
        out[10] = out[11] = 0xff;
        memcpy(out + 12, &a4, 4);
        *v4 = true;
        return true;
    }
    *v4 = false;
    if (inet_pton(AF_INET6, text, out) == 1) {
        static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
        *v4 = memcmp(out, mapped, sizeof mapped) == 0;
        return true;
    }
    return false;
}

static bool add_block(struct cidr_list *list, const char *text, const char **why)
{
    if (list->n == CIDR_MAX) {
        *why = "more address blocks than hylla keeps (32)";
        return false;
    }
    char addr[64];
    const char *slash = strchr(text, '/');
    size_t len = slash ? (size_t)(slash - text) : strlen(text);
    if (len == 0 || len >= sizeof addr) {
        *why = "expected an address or a block such as 10.0.0.0/8 or fd00::/8";
        return false;
    }
    memcpy(addr, text, len);
    addr[len] = '\0';
    struct cidr *c = &list->blocks[list->n];
    bool v4;
    if (!address_bytes(addr, c->addr, &v4)) {
        *why = "expected an address or a block such as 10.0.0.0/8 or fd00::/8";
        return false;
    }
    unsigned max = v4 ? 32 : 128, bits = max;
    if (slash) {
        char *end;
        unsigned long b = strtoul(slash + 1, &end, 10);
        if (!isdigit((unsigned char)slash[1]) || *end || b > max) {
            *why = v4 ? "an IPv4 prefix length is 0 to 32" : "an IPv6 prefix length is 0 to 128";
            return false;
        }
        bits = (unsigned)b;
    }
    c->bits = v4 ? bits + 96 : bits;
    /* Clear the host part, so that 10.1.2.3/8 means 10.0.0.0/8. */
    for (unsigned i = c->bits; i < 128; i++)
        c->addr[i / 8] &= (unsigned char)~(0x80u >> (i % 8));
    list->n++;
    return true;
}

bool cidr_list_parse(const char *text, struct cidr_list *list, const char **why)
{
    list->n = 0;
    if (!text)
        return true;
    char *copy = strdup(text);
    if (!copy)
        abort();
    bool ok = true;
    char *save = NULL;
    for (char *part = strtok_r(copy, ", \t", &save); part && ok;
         part = strtok_r(NULL, ", \t", &save)) {
        if (strcmp(part, "loopback") == 0)
            ok = add_block(list, "127.0.0.0/8", why) && add_block(list, "::1", why);
        else
            ok = add_block(list, part, why);
    }
    free(copy);
    if (!ok)
        list->n = 0;
    return ok;
}

static bool bytes_in(const struct cidr_list *list, const unsigned char a[16])
{
    for (size_t i = 0; i < list->n; i++) {
        const struct cidr *c = &list->blocks[i];
        unsigned whole = c->bits / 8, rest = c->bits % 8;
        if (memcmp(a, c->addr, whole) != 0)
            continue;
        if (rest && ((a[whole] ^ c->addr[whole]) & (0xff00u >> rest)))
            continue;
        return true;
    }
    return false;
}

bool cidr_list_contains(const struct cidr_list *list, const char *address)
{
    unsigned char a[16];
    bool v4;
    return address && address_bytes(address, a, &v4) && bytes_in(list, a);
}

/* Trim spaces around [*start, *end) of one header entry. */
static void trim(const char **start, const char **end)
{
    while (*start < *end && isspace((unsigned char)**start))
        (*start)++;
    while (*end > *start && isspace((unsigned char)(*end)[-1]))
        (*end)--;
}

void cidr_client_address(const struct cidr_list *trusted, const char *peer, const char *xff,
                         char *out, size_t outlen)
{
    snprintf(out, outlen, "%s", peer);
    if (!xff || !cidr_list_contains(trusted, peer))
        return;
    /* From the right: each hop that is trusted tells us who came before it. */
    const char *end = xff + strlen(xff);
    while (end > xff) {
        const char *comma = end;
        while (comma > xff && comma[-1] != ',')
            comma--;
        const char *s = comma, *e = end;
        trim(&s, &e);
        char hop[64];
        unsigned char bytes[16];
        bool v4;
        if (e == s || (size_t)(e - s) >= sizeof hop)
            return;
        memcpy(hop, s, (size_t)(e - s));
        hop[e - s] = '\0';
        if (!address_bytes(hop, bytes, &v4))
            return;
        snprintf(out, outlen, "%s", hop);
        if (!bytes_in(trusted, bytes))
            return;
        end = comma > xff ? comma - 1 : xff;
    }
}

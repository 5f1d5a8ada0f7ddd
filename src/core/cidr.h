/*
 * cidr: lists of address blocks ("127.0.0.0/8", "::1", "10.0.0.0/8 192.168.1.0/24") and the
 * questions asked of them: is this address in the list, and who is the client of a request that
 * came through proxies. For --trusted-proxy and --metrics-allow.
 */
#ifndef HYLLA_CORE_CIDR_H
#define HYLLA_CORE_CIDR_H

#include <stdbool.h>
#include <stddef.h>

#define CIDR_MAX 32 /* blocks in one list */

struct cidr {
    unsigned char addr[16]; /* IPv4 as an IPv4-mapped IPv6 address, so one comparison fits both */
    unsigned bits;          /* prefix length over the 128 bits */
};

struct cidr_list {
    struct cidr blocks[CIDR_MAX];
    size_t n;
};

/*
 * Parse blocks separated by commas or spaces: an address alone is a block of one, and
 * "loopback" is 127.0.0.0/8 and ::1. The empty text is the empty list. Returns false with
 * *why (static text) on anything else, leaving *list empty.
 */
bool cidr_list_parse(const char *text, struct cidr_list *list, const char **why);

/* Whether the address (text as inet_ntop writes it, IPv4-mapped IPv6 too) is in the list. */
bool cidr_list_contains(const struct cidr_list *list, const char *address);

/*
 * The client of a request whose TCP peer is peer and whose X-Forwarded-For header is xff (NULL
 * when absent; several headers joined by commas): the peer itself unless it is trusted; else the
 * rightmost address of xff that is not trusted (the one the first trusted proxy saw), or the
 * leftmost one when every hop is trusted. An entry that is no address stops the walk at the last
 * trusted hop, so a client cannot choose its address by sending the header itself. Writes the
 * address into out (outlen bytes).
 */
void cidr_client_address(const struct cidr_list *trusted, const char *peer, const char *xff,
                         char *out, size_t outlen);

#endif

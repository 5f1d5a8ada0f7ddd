/* throttle: keys of login throttling (see throttle.h). */
#include "throttle.h"

#include <arpa/inet.h>
#include <sodium.h>
#include <string.h>

void throttle_username_key(const char *username, unsigned char key[THROTTLE_KEY_SIZE])
{
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    for (const char *p = username; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c >= 'A' && c <= 'Z')
            c = (unsigned char)(c - 'A' + 'a');
        crypto_hash_sha256_update(&st, &c, 1);
    }
    crypto_hash_sha256_final(&st, key);
}

void throttle_address_key(const char *address, unsigned char key[THROTTLE_KEY_SIZE])
{
    /* A tag byte keeps the two families apart, whatever their bytes. */
    unsigned char raw[17] = { 0 };
    size_t len;
    struct in6_addr a6;
    if (inet_pton(AF_INET6, address, &a6) == 1) {
        static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
        if (memcmp(a6.s6_addr, mapped, sizeof mapped) == 0) {
            raw[0] = 4;
            memcpy(raw + 1, a6.s6_addr + 12, 4);
            len = 5;
        } else {
            raw[0] = 6;
            memcpy(raw + 1, a6.s6_addr, 8); /* the /64 */
            len = 9;
        }
        crypto_hash_sha256(key, raw, len);
        return;
    }
    struct in_addr a4;
    if (inet_pton(AF_INET, address, &a4) == 1) {
        raw[0] = 4;
        memcpy(raw + 1, &a4.s_addr, 4);
        crypto_hash_sha256(key, raw, 5);
        return;
    }
    crypto_hash_sha256(key, (const unsigned char *)address, strlen(address));
}

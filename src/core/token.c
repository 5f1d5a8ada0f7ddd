/* token: random tokens and their hashes (see token.h). */
#include "token.h"

#include <sodium.h>
#include <string.h>

#define TOKEN_BYTES 32

void token_new(char text[TOKEN_TEXT_SIZE], unsigned char hash[TOKEN_HASH_SIZE])
{
    unsigned char raw[TOKEN_BYTES];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2base64(text, TOKEN_TEXT_SIZE, raw, sizeof raw,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    crypto_hash_sha256(hash, raw, sizeof raw);
    sodium_memzero(raw, sizeof raw);
}

/*
 * The last token this thread hashed, and its hash: the desk sends its session's cookie with every
 * request, and decoding it and hashing it again was 7,400 of the 92,418 instructions a desk lookup
 * cost hylla (contrib/bench/README.md). The text is not kept, only a 128-bit SipHash of it under
 * a key of the thread's own, drawn at random: a text that is not the token matches with chance
 * 2^-128, so the memo opens no more than the hash itself.
 */
static _Thread_local struct {
    bool keyed, filled;
    unsigned char key[crypto_shorthash_siphashx24_KEYBYTES];
    unsigned char mac[crypto_shorthash_siphashx24_BYTES];
    unsigned char hash[TOKEN_HASH_SIZE];
} last;

bool token_hash(const char *text, unsigned char hash[TOKEN_HASH_SIZE])
{
    unsigned char raw[TOKEN_BYTES], mac[crypto_shorthash_siphashx24_BYTES];
    size_t len = 0;
    if (!text || strlen(text) != TOKEN_TEXT_SIZE - 1)
        return false;
    if (!last.keyed) {
        randombytes_buf(last.key, sizeof last.key);
        last.keyed = true;
    }
    crypto_shorthash_siphashx24(mac, (const unsigned char *)text, TOKEN_TEXT_SIZE - 1, last.key);
    if (last.filled && sodium_memcmp(mac, last.mac, sizeof mac) == 0) {
        memcpy(hash, last.hash, TOKEN_HASH_SIZE);
        return true;
    }
    if (sodium_base642bin(raw, sizeof raw, text, TOKEN_TEXT_SIZE - 1, NULL, &len, NULL,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
        len != TOKEN_BYTES)
        return false;
    crypto_hash_sha256(hash, raw, sizeof raw);
    sodium_memzero(raw, sizeof raw);
    memcpy(last.mac, mac, sizeof mac);
    memcpy(last.hash, hash, TOKEN_HASH_SIZE);
    last.filled = true;
    return true;
}

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

bool token_hash(const char *text, unsigned char hash[TOKEN_HASH_SIZE])
{
    unsigned char raw[TOKEN_BYTES];
    size_t len = 0;
    if (!text || strlen(text) != TOKEN_TEXT_SIZE - 1)
        return false;
    if (sodium_base642bin(raw, sizeof raw, text, TOKEN_TEXT_SIZE - 1, NULL, &len, NULL,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
        len != TOKEN_BYTES)
        return false;
    crypto_hash_sha256(hash, raw, sizeof raw);
    sodium_memzero(raw, sizeof raw);
    return true;
}

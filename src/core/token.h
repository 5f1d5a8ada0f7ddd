/*
 * token: session tokens and CSRF tokens. A session token is 32 random bytes, sent to the browser
 * as 43 base64url characters; only its SHA-256 is stored, so a copy of the database opens nothing.
 */
#ifndef HYLLA_CORE_TOKEN_H
#define HYLLA_CORE_TOKEN_H

#include <stdbool.h>

#define TOKEN_TEXT_SIZE 44 /* 43 characters and the NUL */
#define TOKEN_HASH_SIZE 32

/* A fresh random token as text, and its hash for storage. */
void token_new(char text[TOKEN_TEXT_SIZE], unsigned char hash[TOKEN_HASH_SIZE]);

/* The hash of a token as the client sent it; false when the text is not a token at all. */
bool token_hash(const char *text, unsigned char hash[TOKEN_HASH_SIZE]);

#endif

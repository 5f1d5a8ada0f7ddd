/*
 * throttle: the rules of login throttling, apart from where its state lives (the store keeps it
 * in PostgreSQL so that every hylla process sees the same counts). A username or a client
 * address that failed too often within the window is locked for a while, and a locked key is
 * refused before any password is hashed.
 *
 * Keys are SHA-256 digests, never the text: people type passwords into the username field.
 */
#ifndef HYLLA_CORE_THROTTLE_H
#define HYLLA_CORE_THROTTLE_H

#include <stdbool.h>

#define THROTTLE_KEY_SIZE     32
#define THROTTLE_WINDOW_S     (15 * 60) /* failures older than this are forgotten */
#define THROTTLE_LOCK_S       (15 * 60) /* how long a lockout lasts */
#define THROTTLE_USERNAME_MAX 5         /* failures per username within the window */
#define THROTTLE_ADDRESS_MAX  50        /* failures per client address within the window */

/* The key of a username: SHA-256 of its ASCII lower-case form, so "Anna" and "anna" share it. */
void throttle_username_key(const char *username, unsigned char key[THROTTLE_KEY_SIZE]);

/*
 * The key of a client address as server.c writes it ("192.0.2.1", "2001:db8::1"). An IPv6
 * address counts by its /64, the block one subscriber usually holds; an IPv4-mapped IPv6 address
 * counts as its IPv4 address. Text that is no address is hashed as it is.
 */
void throttle_address_key(const char *address, unsigned char key[THROTTLE_KEY_SIZE]);

#endif

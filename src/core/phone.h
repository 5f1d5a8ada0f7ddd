/*
 * phone: phone numbers as people type them, turned into one canonical form (E.164, "+46701234567")
 * so that 070-123 45 67, +46 70 123 45 67 and 0046701234567 are the same borrower. A number
 * without a country code is Swedish: hylla is used in Sweden first.
 */
#ifndef HYLLA_CORE_PHONE_H
#define HYLLA_CORE_PHONE_H

#include <stdbool.h>
#include <stddef.h>

#define PHONE_E164_SIZE 17 /* "+", at most 15 digits, and the NUL */

/*
 * Normalise a typed phone number into out. Spaces, dashes, dots, slashes and parentheses are
 * ignored, "(0)" after a country code is dropped, a leading 00 means +, and a leading single 0
 * means a Swedish number (+46). Swedish numbers must have 7 to 9 digits after the 0, others 7 to
 * 15 digits in all. False (out untouched) when the text cannot be a phone number: letters, no
 * area code, too short or too long.
 */
bool phone_normalize(const char *text, char out[PHONE_E164_SIZE]);

/*
 * The digits a search text should find inside stored E.164 numbers: "070-12" gives "7012"
 * (the trunk 0 is not stored), "+46 70" gives "4670", "0046 70" gives "4670". False when the
 * text is not made of phone characters or has fewer than 3 digits (too short to search on).
 */
bool phone_search_digits(const char *text, char out[PHONE_E164_SIZE]);

#endif

/*
 * input: validating a JSON request body field by field. Each check records a problem for its
 * field instead of answering at once, so the client learns every mistake in one round trip;
 * input_reply then answers 422 with "errors": [{"field", "code", "message"}], and the handler
 * changes nothing. Unknown fields are mistakes too.
 *
 *     struct input in;
 *     input_begin(&in, req->json, (const char *[]){ "name", "phone", NULL });
 *     const char *name = input_string(&in, "name", true, 200);
 *     if (!input_ok(&in, rep))
 *         return;
 */
#ifndef HYLLA_API_INPUT_H
#define HYLLA_API_INPUT_H

#include "http/reply.h"
#include "store/store.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct input {
    json_t *obj;    /* borrowed */
    json_t *errors; /* owned until input_reply or input_end */
};

/* Start checking obj; every key not in allowed (a NULL-ended list) is reported. */
void input_begin(struct input *in, json_t *obj, const char *const allowed[]);

/* Record a problem with a field; code is stable for the UI ("required", "invalid", ...). */
void input_error(struct input *in, const char *field, const char *code, const char *message);

/* Whether the field is in the body at all (null included): PATCH tells "clear" from "keep". */
bool input_has(const struct input *in, const char *field);

/*
 * A string of 1 to max_chars characters that is not only spaces. Absent or null gives NULL, and a
 * "required" problem when required. The pointer lives as long as the body.
 */
const char *input_string(struct input *in, const char *field, bool required, size_t max_chars);

/* A whole number in [min, max] into *out; false when absent, null or invalid. */
bool input_int(struct input *in, const char *field, bool required, long long min, long long max,
               long long *out);

/* A number (integer or fraction) in [min, max]. */
bool input_number(struct input *in, const char *field, bool required, double min, double max,
                  double *out);

/* true or false into *out; false when absent or null. */
bool input_bool(struct input *in, const char *field, bool required, bool *out);

/* One of the listed words (a NULL-ended list). */
const char *input_enum(struct input *in, const char *field, bool required,
                       const char *const words[]);

/* An ISO date YYYY-MM-DD that exists in the calendar. */
const char *input_date(struct input *in, const char *field, bool required);

bool input_failed(const struct input *in);

/* Answer 422 with every recorded problem. */
void input_reply(struct input *in, struct reply *rep);

/* Forget the recorded problems (when input_reply is not called). */
void input_end(struct input *in);

/*
 * Finish the checks: true when every field was good (nothing is answered, the problems list is
 * released); otherwise answers 422 with every recorded problem and returns false.
 */
bool input_ok(struct input *in, struct reply *rep);

/*
 * Like input_ok after a store lookup made while checking (a branch's slug, say), whose status is
 * lookup: a failed lookup is answered instead (503 or 500), and false returned.
 */
bool input_ok_lookup(struct input *in, struct reply *rep, enum store_status lookup);

#endif

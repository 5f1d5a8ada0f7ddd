/* input: field-by-field validation of JSON bodies (see input.h). */
#include "input.h"

#include "api/api.h"
#include "core/buf.h"
#include "core/text.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void input_begin(struct input *in, json_t *obj, const char *const allowed[])
{
    in->obj = obj;
    in->errors = json_array();
    const char *key;
    json_t *value;
    json_object_foreach(obj, key, value)
    {
        bool known = false;
        for (size_t i = 0; allowed && allowed[i]; i++)
            known = known || strcmp(allowed[i], key) == 0;
        if (!known)
            input_error(in, key, "unknown_field", "this field is not accepted here");
    }
}

void input_error(struct input *in, const char *field, const char *code, const char *message)
{
    json_array_append_new(
        in->errors, json_pack("{s:s, s:s, s:s}", "field", field, "code", code, "message", message));
}

bool input_has(const struct input *in, const char *field)
{
    return json_object_get(in->obj, field) != NULL;
}

/* The field's value, or NULL when absent or null (recording "required" if it must be there). */
static json_t *field_value(struct input *in, const char *field, bool required)
{
    json_t *v = json_object_get(in->obj, field);
    if (!v || json_is_null(v)) {
        if (required)
            input_error(in, field, "required", "this field is required");
        return NULL;
    }
    return v;
}

const char *input_string(struct input *in, const char *field, bool required, size_t max_chars)
{
    json_t *v = field_value(in, field, required);
    if (!v)
        return NULL;
    if (!json_is_string(v)) {
        input_error(in, field, "invalid", "must be text");
        return NULL;
    }
    const char *s = json_string_value(v);
    if (strlen(s) != json_string_length(v)) {
        input_error(in, field, "invalid", "must not contain NUL characters");
        return NULL;
    }
    bool blank = true;
    for (const char *p = s; *p && blank; p++)
        blank = isspace((unsigned char)*p);
    if (blank) {
        input_error(in, field, "required", "must not be empty");
        return NULL;
    }
    if (text_chars(s) > max_chars) {
        char msg[64];
        snprintf(msg, sizeof msg, "must have at most %zu characters", max_chars);
        input_error(in, field, "too_long", msg);
        return NULL;
    }
    return s;
}

bool input_int(struct input *in, const char *field, bool required, long long min, long long max,
               long long *out)
{
    json_t *v = field_value(in, field, required);
    if (!v)
        return false;
    if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max) {
        char msg[96];
        snprintf(msg, sizeof msg, "must be a whole number from %lld to %lld", min, max);
        input_error(in, field, "invalid", msg);
        return false;
    }
    *out = json_integer_value(v);
    return true;
}

bool input_number(struct input *in, const char *field, bool required, double min, double max,
                  double *out)
{
    json_t *v = field_value(in, field, required);
    if (!v)
        return false;
    double d = json_number_value(v);
    if (!json_is_number(v) || !isfinite(d) || d < min || d > max) {
        char msg[96];
        snprintf(msg, sizeof msg, "must be a number from %g to %g", min, max);
        input_error(in, field, "invalid", msg);
        return false;
    }
    *out = d;
    return true;
}

bool input_bool(struct input *in, const char *field, bool required, bool *out)
{
    json_t *v = field_value(in, field, required);
    if (!v)
        return false;
    if (!json_is_boolean(v)) {
        input_error(in, field, "invalid", "must be true or false");
        return false;
    }
    *out = json_is_true(v);
    return true;
}

const char *input_enum(struct input *in, const char *field, bool required,
                       const char *const words[])
{
    json_t *v = field_value(in, field, required);
    if (!v)
        return NULL;
    if (json_is_string(v))
        for (size_t i = 0; words[i]; i++)
            if (strcmp(words[i], json_string_value(v)) == 0)
                return words[i];
    struct buf msg = BUF_INIT;
    buf_puts(&msg, "must be one of:");
    for (size_t i = 0; words[i]; i++)
        buf_printf(&msg, "%s %s", i ? "," : "", words[i]);
    input_error(in, field, "invalid", msg.data);
    buf_free(&msg);
    return NULL;
}

const char *input_date(struct input *in, const char *field, bool required)
{
    json_t *v = field_value(in, field, required);
    if (!v)
        return NULL;
    if (!json_is_string(v) || !text_is_iso_date(json_string_value(v))) {
        input_error(in, field, "invalid", "must be a date written YYYY-MM-DD");
        return NULL;
    }
    return json_string_value(v);
}

bool input_failed(const struct input *in)
{
    return json_array_size(in->errors) > 0;
}

void input_reply(struct input *in, struct reply *rep)
{
    reply_problem_errors(rep, PROBLEM_validation_failed, in->errors);
    in->errors = NULL;
}

void input_end(struct input *in)
{
    json_decref(in->errors);
    in->errors = NULL;
}

bool input_ok(struct input *in, struct reply *rep)
{
    if (input_failed(in)) {
        input_reply(in, rep);
        return false;
    }
    input_end(in);
    return true;
}

bool input_ok_lookup(struct input *in, struct reply *rep, enum store_status lookup)
{
    if (lookup < 0) {
        input_end(in);
        api_store_failure(rep, lookup);
        return false;
    }
    return input_ok(in, rep);
}

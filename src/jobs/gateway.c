/* gateway: SMS over HTTP and e-mail over SMTP with libcurl (see gateway.h). */
#include "gateway.h"

#include "core/buf.h"

#include <ctype.h>
#include <curl/curl.h>
#include <jansson.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The most of a provider's answer we keep: enough for an id or an error. */
#define ANSWER_MAX 8192

void gateway_init(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

void gateway_cleanup(void)
{
    curl_global_cleanup();
}

static size_t keep_answer(char *data, size_t size, size_t n, void *p)
{
    struct buf *b = p;
    size_t len = size * n;
    if (b->len < ANSWER_MAX)
        buf_append(b, data, len < ANSWER_MAX - b->len ? len : ANSWER_MAX - b->len);
    return len;
}

/* The seconds of a Retry-After header given in seconds. */
static size_t keep_retry_after(char *data, size_t size, size_t n, void *p)
{
    int *seconds = p;
    size_t len = size * n;
    static const char name[] = "retry-after:";
    if (len > sizeof name && strncasecmp(data, name, sizeof name - 1) == 0) {
        const char *v = data + sizeof name - 1;
        while (*v == ' ')
            v++;
        if (isdigit((unsigned char)*v))
            *seconds = atoi(v);
    }
    return len;
}

/*
 * "what: excerpt" of a provider's answer for managers: printable ASCII only, runs of five or more
 * digits (a phone number echoed back) blotted out, at most 120 characters.
 */
static void describe(struct gateway_result *out, const char *what, const char *answer)
{
    char excerpt[121];
    size_t n = 0;
    for (const char *p = answer ? answer : ""; *p && n < sizeof excerpt - 1; p++) {
        size_t digits = strspn(p, "0123456789");
        if (digits >= 5) {
            excerpt[n++] = '#';
            p += digits - 1;
        } else if ((unsigned char)*p >= 0x20 && (unsigned char)*p < 0x7F) {
            excerpt[n++] = *p;
        } else if (n && excerpt[n - 1] != ' ') {
            excerpt[n++] = ' ';
        }
    }
    excerpt[n] = '\0';
    snprintf(out->error, sizeof out->error, "%s%s%s", what, n ? ": " : "", excerpt);
}

void gateway_sms(const struct gateway_config *cfg, const char *key, const char *sender,
                 const char *phone, const char *text, struct gateway_result *out)
{
    *out = (struct gateway_result){ .outcome = GATEWAY_RETRY };
    CURL *c = curl_easy_init();
    struct curl_slist *headers = NULL;
    struct buf answer = BUF_INIT;
    char *from = NULL, *to = NULL, *message = NULL, *form = NULL, *auth = NULL;
    if (!c) {
        snprintf(out->error, sizeof out->error, "could not start an HTTP request");
        return;
    }
    from = curl_easy_escape(c, sender, 0);
    to = curl_easy_escape(c, phone, 0);
    message = curl_easy_escape(c, text, 0);
    form = xasprintf("from=%s&to=%s&message=%s", from, to, message);
    char *idem = xasprintf("Idempotency-Key: %s", key);
    headers = curl_slist_append(headers, idem);
    free(idem);
    headers = curl_slist_append(headers, "Accept: application/json");
    if (cfg->sms_token && !strchr(cfg->sms_token, ':')) {
        auth = xasprintf("Authorization: Bearer %s", cfg->sms_token);
        headers = curl_slist_append(headers, auth);
    } else if (cfg->sms_token) {
        curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        curl_easy_setopt(c, CURLOPT_USERPWD, cfg->sms_token);
    }
    curl_easy_setopt(c, CURLOPT_URL, cfg->sms_url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, cfg->timeout_s);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, form);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, keep_answer);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &answer);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, keep_retry_after);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &out->retry_after_s);

    CURLcode rc = curl_easy_perform(c);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    if (rc != CURLE_OK) {
        snprintf(out->error, sizeof out->error, "the SMS gateway could not be reached: %s",
                 curl_easy_strerror(rc));
    } else if (status >= 200 && status < 300) {
        out->outcome = GATEWAY_SENT;
        json_t *j = answer.data ? json_loadb(answer.data, answer.len, 0, NULL) : NULL;
        const char *id = json_string_value(json_object_get(j, "id"));
        snprintf(out->provider_id, sizeof out->provider_id, "%s", id ? id : "");
        json_decref(j);
    } else {
        char what[64];
        snprintf(what, sizeof what, "the SMS gateway answered %ld", status);
        describe(out, what, answer.data);
        bool again = status >= 500 || status == 408 || status == 429;
        out->outcome = again ? GATEWAY_RETRY : GATEWAY_REFUSED;
    }
    if (out->outcome != GATEWAY_RETRY)
        out->retry_after_s = 0;

    curl_slist_free_all(headers);
    curl_easy_cleanup(c);
    curl_free(from);
    curl_free(to);
    curl_free(message);
    free(form);
    if (auth) {
        sodium_memzero(auth, strlen(auth));
        free(auth);
    }
    buf_free(&answer);
}

/* text as base64 in lines of 76 characters, each ended by CRLF. */
static void put_base64(struct buf *b, const char *text, size_t len)
{
    size_t size = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
    char *enc = xmalloc(size);
    sodium_bin2base64(enc, size, (const unsigned char *)text, len, sodium_base64_VARIANT_ORIGINAL);
    size_t n = strlen(enc);
    for (size_t i = 0; i < n; i += 76) {
        buf_append(b, enc + i, n - i < 76 ? n - i : 76);
        buf_puts(b, "\r\n");
    }
    free(enc);
}

/* A header value of any UTF-8 text, as an RFC 2047 encoded word. */
static void put_encoded_word(struct buf *b, const char *text)
{
    size_t len = strlen(text);
    size_t size = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
    char *enc = xmalloc(size);
    sodium_bin2base64(enc, size, (const unsigned char *)text, len, sodium_base64_VARIANT_ORIGINAL);
    buf_printf(b, "=?UTF-8?B?%s?=", enc);
    free(enc);
}

/* The whole e-mail, headers and body, with CRLF line ends. The caller frees it. */
static char *compose(const struct gateway_config *cfg, const char *key, const char *from_name,
                     const char *address, const char *subject, const char *body)
{
    struct buf b = BUF_INIT;
    char date[64];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
    buf_printf(&b, "Date: %s\r\nFrom: ", date);
    put_encoded_word(&b, from_name);
    buf_printf(&b, " <%s>\r\nTo: <%s>\r\nSubject: ", cfg->smtp_from, address);
    put_encoded_word(&b, subject);
    buf_printf(&b,
               "\r\nMessage-ID: <%s@%s>\r\nMIME-Version: 1.0\r\n"
               "Content-Type: text/plain; charset=utf-8\r\n"
               "Content-Transfer-Encoding: base64\r\n\r\n",
               key, strchr(cfg->smtp_from, '@') + 1);
    struct buf crlf = BUF_INIT;
    for (const char *p = body; *p; p++) {
        if (*p == '\n' && (p == body || p[-1] != '\r'))
            buf_putc(&crlf, '\r');
        buf_putc(&crlf, *p);
    }
    put_base64(&b, crlf.data ? crlf.data : "", crlf.len);
    buf_free(&crlf);
    return buf_steal(&b, NULL);
}

struct upload {
    const char *data;
    size_t left;
};

static size_t read_upload(char *dst, size_t size, size_t n, void *p)
{
    struct upload *u = p;
    size_t len = size * n < u->left ? size * n : u->left;
    memcpy(dst, u->data, len);
    u->data += len;
    u->left -= len;
    return len;
}

void gateway_email(const struct gateway_config *cfg, const char *key, const char *from_name,
                   const char *address, const char *subject, const char *body,
                   struct gateway_result *out)
{
    *out = (struct gateway_result){ .outcome = GATEWAY_RETRY };
    if (strpbrk(address, "<>\r\n \t,")) {
        out->outcome = GATEWAY_REFUSED;
        snprintf(out->error, sizeof out->error, "the e-mail address cannot be written to");
        return;
    }
    CURL *c = curl_easy_init();
    if (!c) {
        snprintf(out->error, sizeof out->error, "could not start an SMTP session");
        return;
    }
    char *mail = compose(cfg, key, from_name, address, subject, body);
    struct upload up = { mail, strlen(mail) };
    char *from = xasprintf("<%s>", cfg->smtp_from);
    char *rcpt = xasprintf("<%s>", address);
    struct curl_slist *rcpts = curl_slist_append(NULL, rcpt);
    curl_easy_setopt(c, CURLOPT_URL, cfg->smtp_url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(c, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
    if (cfg->smtp_ca_file)
        curl_easy_setopt(c, CURLOPT_CAINFO, cfg->smtp_ca_file);
    if (cfg->smtp_password)
        curl_easy_setopt(c, CURLOPT_PASSWORD, cfg->smtp_password);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, cfg->timeout_s);
    curl_easy_setopt(c, CURLOPT_MAIL_FROM, from);
    curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpts);
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, read_upload);
    curl_easy_setopt(c, CURLOPT_READDATA, &up);

    CURLcode rc = curl_easy_perform(c);
    long reply = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &reply);
    if (rc == CURLE_OK) {
        out->outcome = GATEWAY_SENT;
        snprintf(out->provider_id, sizeof out->provider_id, "%s", key);
    } else {
        /* A 5xx reply refuses for good, unless it refused our login: fixing that saves the queue. */
        bool refused = reply >= 500 && rc != CURLE_LOGIN_DENIED;
        out->outcome = refused ? GATEWAY_REFUSED : GATEWAY_RETRY;
        if (reply)
            snprintf(out->error, sizeof out->error, "the SMTP server answered %ld: %s", reply,
                     curl_easy_strerror(rc));
        else
            snprintf(out->error, sizeof out->error, "the SMTP server could not be reached: %s",
                     curl_easy_strerror(rc));
    }
    curl_slist_free_all(rcpts);
    curl_easy_cleanup(c);
    free(from);
    free(rcpt);
    free(mail);
}

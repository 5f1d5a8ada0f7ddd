/*
 * gateway: handing one message to a provider with libcurl: an SMS to the HTTP SMS gateway (a
 * form POST of from, to and message, the way the Swedish providers take it, with the token as
 * Bearer or, written user:password, as Basic authentication) and an e-mail over SMTP (STARTTLS
 * required on smtp://, TLS from the start on smtps://). Each carries the message's idempotency key
 * (the Idempotency-Key header; the e-mail's Message-ID), so that a message sent again after a
 * crash is one the provider can recognise.
 *
 * What a provider answered decides what happens next: accepted, worth trying again (no answer,
 * 5xx, 408, 429, a 4xx SMTP reply), or refused for good (any other 4xx, a 5xx SMTP reply). Errors
 * name the provider's status and never the recipient or the text; nothing here writes a log.
 */
#ifndef HYLLA_JOBS_GATEWAY_H
#define HYLLA_JOBS_GATEWAY_H

/* Call once, before any thread starts (libcurl's global setup), and gateway_cleanup at exit. */
void gateway_init(void);
void gateway_cleanup(void);

enum gateway_outcome {
    GATEWAY_SENT,
    GATEWAY_RETRY,   /* try again later */
    GATEWAY_REFUSED, /* will never succeed as it is */
};

struct gateway_result {
    enum gateway_outcome outcome;
    char provider_id[128]; /* SENT: the provider's id of the message, when it gave one */
    char error[256];       /* RETRY, REFUSED: why, for managers (no personal data) */
    int retry_after_s;     /* RETRY: how long the provider asked us to wait, 0 if it did not */
};

/* What the gateways need; the strings are borrowed. */
struct gateway_config {
    const char *sms_url, *sms_token;
    const char *smtp_url, *smtp_password, *smtp_from, *smtp_ca_file;
    long timeout_s; /* for a whole request */
};

/* Send an SMS of text to phone (E.164) from sender, with the idempotency key. */
void gateway_sms(const struct gateway_config *cfg, const char *key, const char *sender,
                 const char *phone, const char *text, struct gateway_result *out);

/*
 * Send an e-mail to address from cfg->smtp_from, named from_name, with a subject and a plain-text
 * body (UTF-8); its Message-ID is made of the key.
 */
void gateway_email(const struct gateway_config *cfg, const char *key, const char *from_name,
                   const char *address, const char *subject, const char *body,
                   struct gateway_result *out);

#endif

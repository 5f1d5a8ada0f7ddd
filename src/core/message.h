/*
 * message: the words of the messages hylla sends borrowers, in Swedish and English, from plain
 * facts (no SQL, no JSON): a receipt at checkout, a reminder before the due date, a reminder
 * after it, and a free text from the desk. Each comes as an SMS text, short enough for one SMS
 * where possible (a long list of items is shortened to "Längdskidor och 3 saker till" before
 * the text grows a second part), and as an e-mail with a subject and a longer body that lists
 * every item with its code. Texts name the items, the due date in words, the branch and when it
 * opens next.
 */
#ifndef HYLLA_CORE_MESSAGE_H
#define HYLLA_CORE_MESSAGE_H

#include "core/duedate.h"

#include <stdbool.h>
#include <stddef.h>

enum message_kind {
    MESSAGE_RECEIPT,
    MESSAGE_DUE_SOON,
    MESSAGE_OVERDUE,
    MESSAGE_FREE_TEXT,
};

/* The kind a name ("receipt", "due_soon", "overdue", "free_text") stands for; false if none. */
bool message_kind_from_name(const char *name, enum message_kind *kind);

struct message_item {
    const char *code, *name;
};

/* One span of opening hours, "15:00" to "18:00". */
struct message_span {
    char open[6], close[6];
};

#define MESSAGE_MAX_SPANS 4

struct message_facts {
    enum message_kind kind;
    bool english;         /* the borrower's language: English, else Swedish */
    const char *branch;   /* the branch's name */
    const char *today;    /* YYYY-MM-DD in Stockholm */
    const char *due_date; /* YYYY-MM-DD: receipts and reminders */
    const struct message_item *items;
    size_t nitems;
    /* When the branch opens next: a date and its spans; no date (empty) leaves it unsaid. */
    char next_open[DUEDATE_ISO_SIZE];
    struct message_span spans[MESSAGE_MAX_SPANS];
    size_t nspans;
    const char *text; /* free text: what the desk wrote */
};

/* A message as sent; the strings are owned (free with message_text_free). */
struct message_text {
    char *sms;     /* the SMS text */
    char *subject; /* the e-mail's subject */
    char *email;   /* the e-mail's plain-text body */
};

/* Write the message the facts call for into *out. */
void message_render(const struct message_facts *f, struct message_text *out);
void message_text_free(struct message_text *t);

/* A date in words, "fredag 12 december" or "Friday 12 December", into out of size bytes. */
void message_date_words(const char *iso, bool english, char *out, size_t size);

#endif

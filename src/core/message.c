/* message: the texts of receipts and reminders in Swedish and English (see message.h). */
#include "message.h"

#include "core/buf.h"
#include "core/sms.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool message_kind_from_name(const char *name, enum message_kind *kind)
{
    static const char *const names[] = { [MESSAGE_RECEIPT] = "receipt",
                                         [MESSAGE_DUE_SOON] = "due_soon",
                                         [MESSAGE_OVERDUE] = "overdue",
                                         [MESSAGE_FREE_TEXT] = "free_text" };
    for (size_t i = 0; name && i < sizeof names / sizeof names[0]; i++) {
        if (strcmp(name, names[i]) == 0) {
            *kind = (enum message_kind)i;
            return true;
        }
    }
    return false;
}

void message_date_words(const char *iso, bool english, char *out, size_t size)
{
    static const char *const weekday_sv[] = { "måndag", "tisdag", "onsdag", "torsdag",
                                              "fredag", "lördag", "söndag" };
    static const char *const weekday_en[] = { "Monday", "Tuesday",  "Wednesday", "Thursday",
                                              "Friday", "Saturday", "Sunday" };
    static const char *const month_sv[] = { "januari",   "februari", "mars",     "april",
                                            "maj",       "juni",     "juli",     "augusti",
                                            "september", "oktober",  "november", "december" };
    static const char *const month_en[] = { "January",   "February", "March",    "April",
                                            "May",       "June",     "July",     "August",
                                            "September", "October",  "November", "December" };
    long day;
    if (!iso || !duedate_parse(iso, &day)) {
        snprintf(out, size, "%s", iso ? iso : "");
        return;
    }
    int month = atoi(iso + 5), mday = atoi(iso + 8);
    int wd = (int)((day % 7 + 7 + 3) % 7); /* day 0, 1970-01-01, was a Thursday */
    snprintf(out, size, "%s %d %s", english ? weekday_en[wd] : weekday_sv[wd], mday,
             english ? month_en[month - 1] : month_sv[month - 1]);
}

/* "15:00" as the clock reads it in Swedish, "15", and "10:30" as "10.30". */
static void clock_words(struct buf *b, const char *hhmm)
{
    int h = atoi(hhmm), m = atoi(hhmm + 3);
    if (m)
        buf_printf(b, "%d.%02d", h, m);
    else
        buf_printf(b, "%d", h);
}

/* "Öppet i morgon 15-18." (or nothing when the next opening is unknown), with a space before. */
static void opening_words(struct buf *b, const struct message_facts *f)
{
    if (!f->next_open[0] || !f->nspans)
        return;
    long today = 0, next = 0;
    bool dates = f->today && duedate_parse(f->today, &today) && duedate_parse(f->next_open, &next);
    buf_puts(b, f->english ? " Open " : " Öppet ");
    if (dates && next == today) {
        buf_puts(b, f->english ? "today" : "i dag");
    } else if (dates && next == today + 1) {
        buf_puts(b, f->english ? "tomorrow" : "i morgon");
    } else {
        char words[48];
        message_date_words(f->next_open, f->english, words, sizeof words);
        buf_puts(b, words);
    }
    for (size_t i = 0; i < f->nspans; i++) {
        buf_puts(b, i ? ", " : " ");
        clock_words(b, f->spans[i].open);
        buf_putc(b, '-');
        clock_words(b, f->spans[i].close);
    }
    buf_putc(b, '.');
}

/* The first `shown` item names, "A, B och C", or "A och 2 saker till" when some are left out. */
static void item_words(struct buf *b, const struct message_facts *f, size_t shown)
{
    const char *and = f->english ? " and " : " och ";
    size_t rest = f->nitems - shown;
    for (size_t i = 0; i < shown; i++) {
        if (i)
            buf_puts(b, i + 1 == shown && !rest ? and : ", ");
        buf_puts(b, f->items[i].name);
    }
    if (rest == 1)
        buf_printf(b, "%s1 %s", and, f->english ? "more item" : "sak till");
    else if (rest > 1)
        buf_printf(b, "%s%zu %s", and, rest, f->english ? "more items" : "saker till");
}

/* The SMS text, with the first `shown` items named. The caller frees it. */
static char *sms_text(const struct message_facts *f, size_t shown)
{
    struct buf b = BUF_INIT;
    struct buf items = BUF_INIT;
    char date[48];
    message_date_words(f->due_date, f->english, date, sizeof date);
    item_words(&items, f, shown);
    const char *list = items.data ? items.data : "";
    switch (f->kind) {
    case MESSAGE_RECEIPT:
        buf_printf(&b,
                   f->english ? "Thank you for borrowing from %s! Please return %s by %s."
                              : "Tack för att du lånar hos %s! Lämna tillbaka %s senast %s.",
                   f->branch, list, date);
        break;
    case MESSAGE_DUE_SOON:
        buf_printf(&b,
                   f->english ? "Hello from %s! Please return %s by %s."
                              : "Hej från %s! Lämna tillbaka %s senast %s.",
                   f->branch, list, date);
        opening_words(&b, f);
        break;
    case MESSAGE_OVERDUE:
        buf_printf(&b,
                   f->english ? "Hello from %s! Your loan of %s was due %s. Please bring it back "
                                "as soon as you can so that others can borrow too."
                              : "Hej från %s! Ditt lån av %s skulle lämnas tillbaka %s. Lämna "
                                "tillbaka så snart du kan, så att fler kan låna.",
                   f->branch, list, date);
        opening_words(&b, f);
        break;
    case MESSAGE_FREE_TEXT:
        buf_puts(&b, f->text ? f->text : "");
        break;
    }
    buf_free(&items);
    return buf_steal(&b, NULL);
}

static char *subject_text(const struct message_facts *f)
{
    char date[48];
    message_date_words(f->due_date, f->english, date, sizeof date);
    switch (f->kind) {
    case MESSAGE_RECEIPT:
        return xasprintf(
            f->english ? "Receipt for your loan from %s" : "Kvitto på ditt lån från %s", f->branch);
    case MESSAGE_DUE_SOON:
        return xasprintf(f->english ? "Reminder: please return by %s"
                                    : "Påminnelse: lämna tillbaka senast %s",
                         date);
    case MESSAGE_OVERDUE:
        return xasprintf(f->english ? "Overdue loan from %s" : "Försenat lån från %s", f->branch);
    case MESSAGE_FREE_TEXT:
        break;
    }
    return xasprintf(f->english ? "Message from %s" : "Meddelande från %s", f->branch);
}

static char *email_text(const struct message_facts *f)
{
    struct buf b = BUF_INIT;
    char date[48];
    message_date_words(f->due_date, f->english, date, sizeof date);
    buf_puts(&b, f->english ? "Hello!\n\n" : "Hej!\n\n");
    switch (f->kind) {
    case MESSAGE_RECEIPT:
        buf_printf(&b,
                   f->english ? "Thank you for borrowing from %s! The last day to return is %s."
                              : "Tack för att du lånar hos %s! Sista dagen att lämna tillbaka är "
                                "%s.",
                   f->branch, date);
        break;
    case MESSAGE_DUE_SOON:
        buf_printf(&b,
                   f->english ? "A reminder: the last day to return is %s."
                              : "En påminnelse: sista dagen att lämna tillbaka är %s.",
                   date);
        break;
    case MESSAGE_OVERDUE:
        buf_printf(&b,
                   f->english ? "Your loan was due back %s. Please bring it back as soon as you "
                                "can so that others can borrow too."
                              : "Ditt lån skulle ha lämnats tillbaka %s. Lämna tillbaka så snart "
                                "du kan, så att fler kan låna.",
                   date);
        break;
    case MESSAGE_FREE_TEXT:
        buf_puts(&b, f->text ? f->text : "");
        break;
    }
    if (f->kind != MESSAGE_FREE_TEXT && f->nitems) {
        buf_puts(&b, f->english ? "\n\nYou have borrowed:\n" : "\n\nDu har lånat:\n");
        for (size_t i = 0; i < f->nitems; i++)
            buf_printf(&b, "  %s  %s\n", f->items[i].code, f->items[i].name);
    }
    struct buf open = BUF_INIT;
    if (f->kind != MESSAGE_FREE_TEXT)
        opening_words(&open, f);
    if (open.data)
        buf_printf(&b, "\n%s\n", open.data + 1);
    buf_free(&open);
    buf_printf(&b, f->english ? "\nBest wishes,\n%s\n" : "\nHälsningar\n%s\n", f->branch);
    return buf_steal(&b, NULL);
}

void message_render(const struct message_facts *f, struct message_text *out)
{
    out->sms = sms_text(f, f->nitems);
    /* Fewer names rather than a second SMS: the e-mail and the desk list them all. */
    for (size_t shown = f->nitems; shown > 1 && sms_segments(out->sms) > 1; shown--) {
        free(out->sms);
        out->sms = sms_text(f, shown - 1);
    }
    out->subject = subject_text(f);
    out->email = email_text(f);
}

void message_text_free(struct message_text *t)
{
    free(t->sms);
    free(t->subject);
    free(t->email);
    *t = (struct message_text){ 0 };
}

/* Unit tests of core/message: the texts of receipts and reminders in Swedish and English. */
#include "check_main.h"
#include "core/message.h"
#include "core/sms.h"

#include <string.h>

static const struct message_item three[] = {
    { "DEJ-00042", "Längdskidor" },
    { "DEJ-00043", "Stavar" },
    { "DEJ-00044", "Pjäxor" },
};

/* Facts of a reminder at Fritidsbanken Deje, due Friday 11 December 2026, open Tuesday 15-18. */
static struct message_facts facts(enum message_kind kind, bool english)
{
    struct message_facts f = { .kind = kind,
                               .english = english,
                               .branch = "Fritidsbanken Deje",
                               .today = "2026-12-07",
                               .due_date = "2026-12-11",
                               .items = three,
                               .nitems = 3,
                               .next_open = "2026-12-08",
                               .nspans = 1 };
    strcpy(f.spans[0].open, "15:00");
    strcpy(f.spans[0].close, "18:00");
    return f;
}

START_TEST(dates_in_words)
{
    char w[48];
    message_date_words("2026-12-11", false, w, sizeof w);
    ck_assert_str_eq(w, "fredag 11 december");
    message_date_words("2026-12-11", true, w, sizeof w);
    ck_assert_str_eq(w, "Friday 11 December");
    message_date_words("2027-01-03", false, w, sizeof w);
    ck_assert_str_eq(w, "söndag 3 januari");
}
END_TEST

START_TEST(due_soon_in_both_languages)
{
    struct message_facts f = facts(MESSAGE_DUE_SOON, false);
    struct message_text t;
    message_render(&f, &t);
    ck_assert_str_eq(t.sms, "Hej från Fritidsbanken Deje! Lämna tillbaka Längdskidor, Stavar och "
                            "Pjäxor senast fredag 11 december. Öppet i morgon 15-18.");
    ck_assert_uint_eq(sms_segments(t.sms), 1);
    ck_assert_str_eq(t.subject, "Påminnelse: lämna tillbaka senast fredag 11 december");
    ck_assert_ptr_nonnull(strstr(t.email, "  DEJ-00043  Stavar\n"));
    ck_assert_ptr_nonnull(strstr(t.email, "Öppet i morgon 15-18."));
    message_text_free(&t);

    f = facts(MESSAGE_DUE_SOON, true);
    f.today = "2026-12-01";
    f.nspans = 2;
    strcpy(f.spans[0].close, "17:30");
    strcpy(f.spans[1].open, "18:00");
    strcpy(f.spans[1].close, "20:00");
    message_render(&f, &t);
    ck_assert_str_eq(t.sms, "Hello from Fritidsbanken Deje! Please return Längdskidor, Stavar and "
                            "Pjäxor by Friday 11 December. Open Tuesday 8 December 15-17.30, "
                            "18-20.");
    ck_assert_str_eq(t.subject, "Reminder: please return by Friday 11 December");
    ck_assert_ptr_nonnull(strstr(t.email, "You have borrowed:\n  DEJ-00042  Längdskidor\n"));
    message_text_free(&t);
}
END_TEST

START_TEST(overdue_and_receipt)
{
    struct message_facts f = facts(MESSAGE_OVERDUE, false);
    f.today = "2026-12-08";
    f.items = three + 2;
    f.nitems = 1;
    struct message_text t;
    message_render(&f, &t);
    ck_assert_ptr_nonnull(strstr(t.sms, "Ditt lån av Pjäxor skulle lämnas tillbaka fredag 11 "
                                        "december."));
    ck_assert_ptr_nonnull(strstr(t.sms, "Öppet i dag 15-18."));
    ck_assert_str_eq(t.subject, "Försenat lån från Fritidsbanken Deje");
    message_text_free(&t);

    f = facts(MESSAGE_RECEIPT, true);
    message_render(&f, &t);
    ck_assert_str_eq(t.sms, "Thank you for borrowing from Fritidsbanken Deje! Please return "
                            "Längdskidor, Stavar and Pjäxor by Friday 11 December.");
    ck_assert_str_eq(t.subject, "Receipt for your loan from Fritidsbanken Deje");
    message_text_free(&t);

    /* Without a known next opening the text leaves it unsaid. */
    f = facts(MESSAGE_OVERDUE, true);
    f.next_open[0] = '\0';
    message_render(&f, &t);
    ck_assert_ptr_null(strstr(t.sms, "Open"));
    ck_assert_ptr_null(strstr(t.email, "Open"));
    message_text_free(&t);
}
END_TEST

START_TEST(long_lists_are_shortened_to_one_sms)
{
    static struct message_item many[12];
    for (size_t i = 0; i < 12; i++)
        many[i] = (struct message_item){ "DEJ-00050", "Hockeyskridskor storlek 38" };
    struct message_facts f = facts(MESSAGE_DUE_SOON, false);
    f.items = many;
    f.nitems = 12;
    struct message_text t;
    message_render(&f, &t);
    ck_assert_uint_eq(sms_segments(t.sms), 1);
    ck_assert_ptr_nonnull(strstr(t.sms, "saker till senast fredag 11 december"));
    /* The e-mail names every one. */
    size_t n = 0;
    for (const char *p = t.email; (p = strstr(p, "DEJ-00050")); p++)
        n++;
    ck_assert_uint_eq(n, 12);
    message_text_free(&t);

    f.english = true;
    f.nitems = 5;
    message_render(&f, &t);
    ck_assert_uint_eq(sms_segments(t.sms), 1);
    ck_assert_ptr_nonnull(
        strstr(t.sms, "storlek 38, Hockeyskridskor storlek 38 and 3 more items by"));
    message_text_free(&t);
}
END_TEST

START_TEST(free_text_as_written)
{
    struct message_facts f = facts(MESSAGE_FREE_TEXT, false);
    f.text = "Hej! Din hjälm har hittats.";
    struct message_text t;
    message_render(&f, &t);
    ck_assert_str_eq(t.sms, "Hej! Din hjälm har hittats.");
    ck_assert_str_eq(t.subject, "Meddelande från Fritidsbanken Deje");
    ck_assert_ptr_nonnull(strstr(t.email, "Hej! Din hjälm har hittats.\n"));
    ck_assert_ptr_null(strstr(t.email, "DEJ-"));
    message_text_free(&t);
    enum message_kind k;
    ck_assert(message_kind_from_name("overdue", &k) && k == MESSAGE_OVERDUE);
    ck_assert(!message_kind_from_name("phone_call", &k));
}
END_TEST

static Suite *message_suite(void)
{
    Suite *s = suite_create("message");
    TCase *tc = tcase_create("message");
    tcase_add_test(tc, dates_in_words);
    tcase_add_test(tc, due_soon_in_both_languages);
    tcase_add_test(tc, overdue_and_receipt);
    tcase_add_test(tc, long_lists_are_shortened_to_one_sms);
    tcase_add_test(tc, free_text_as_written);
    suite_add_tcase(s, tc);
    return s;
}

CHECK_MAIN(message_suite)

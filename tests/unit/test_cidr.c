/* Unit tests of core/cidr: address blocks, and the client behind trusted proxies. */
#include "check_main.h"
#include "core/cidr.h"

static struct cidr_list list(const char *text)
{
    struct cidr_list l;
    const char *why = NULL;
    ck_assert_msg(cidr_list_parse(text, &l, &why), "%s: %s", text, why);
    return l;
}

static const char *client(const char *trusted, const char *peer, const char *xff)
{
    static char out[64];
    struct cidr_list l = list(trusted);
    cidr_client_address(&l, peer, xff, out, sizeof out);
    return out;
}

START_TEST(blocks_hold_their_addresses)
{
    struct cidr_list l = list("10.0.0.0/8, 192.168.1.7 fd00::/8");
    ck_assert_uint_eq(l.n, 3);
    ck_assert(cidr_list_contains(&l, "10.255.0.1"));
    ck_assert(!cidr_list_contains(&l, "11.0.0.1"));
    ck_assert(cidr_list_contains(&l, "192.168.1.7"));
    ck_assert(!cidr_list_contains(&l, "192.168.1.8"));
    ck_assert(cidr_list_contains(&l, "fd12:3456::1"));
    ck_assert(!cidr_list_contains(&l, "fe80::1"));
    ck_assert(cidr_list_contains(&l, "::ffff:10.1.2.3")); /* IPv4-mapped, as a dual-stack socket */
    ck_assert(!cidr_list_contains(&l, "not an address"));
    ck_assert(!cidr_list_contains(&l, NULL));

    struct cidr_list lo = list("loopback");
    ck_assert(cidr_list_contains(&lo, "127.0.0.1"));
    ck_assert(cidr_list_contains(&lo, "127.8.9.10"));
    ck_assert(cidr_list_contains(&lo, "::1"));
    ck_assert(!cidr_list_contains(&lo, "::2"));

    struct cidr_list host_bits = list("10.1.2.3/8"); /* means 10.0.0.0/8 */
    ck_assert(cidr_list_contains(&host_bits, "10.200.0.1"));
    struct cidr_list odd = list("172.16.0.0/12");
    ck_assert(cidr_list_contains(&odd, "172.31.255.255"));
    ck_assert(!cidr_list_contains(&odd, "172.32.0.0"));
    struct cidr_list all = list("0.0.0.0/0");
    ck_assert(cidr_list_contains(&all, "203.0.113.9"));
    ck_assert(!cidr_list_contains(&all, "2001:db8::1"));
    ck_assert_uint_eq(list("").n, 0);
}
END_TEST

START_TEST(bad_blocks_are_refused)
{
    struct cidr_list l;
    const char *why;
    const char *bad[] = { "10.0.0.0/33", "::/129",      "10.0.0.0/", "10.0.0/8",
                          "example.org", "10.0.0.0/8x", "/8",        "1.2.3.4/-1" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        why = NULL;
        ck_assert_msg(!cidr_list_parse(bad[i], &l, &why), "%s was accepted", bad[i]);
        ck_assert_ptr_nonnull(why);
        ck_assert_uint_eq(l.n, 0);
    }
}
END_TEST

START_TEST(forwarded_for_counts_only_behind_trusted_proxies)
{
    /* No trusted proxy: the header is ignored, whatever it says. */
    ck_assert_str_eq(client("", "198.51.100.7", "203.0.113.1"), "198.51.100.7");
    /* An untrusted peer cannot name another client. */
    ck_assert_str_eq(client("127.0.0.1", "198.51.100.7", "203.0.113.1"), "198.51.100.7");
    /* Behind the trusted proxy: the address it saw. */
    ck_assert_str_eq(client("127.0.0.1", "127.0.0.1", "203.0.113.1"), "203.0.113.1");
    ck_assert_str_eq(client("127.0.0.1", "127.0.0.1", NULL), "127.0.0.1");
    /* A client that forges the header gets its own address appended by the proxy: the rightmost
     * untrusted address is the real one, not the forged one on the left. */
    ck_assert_str_eq(client("127.0.0.1", "127.0.0.1", "6.6.6.6, 203.0.113.1"), "203.0.113.1");
    /* Two trusted hops. */
    ck_assert_str_eq(client("127.0.0.1 10.0.0.0/8", "127.0.0.1", "6.6.6.6,203.0.113.1, 10.0.0.5"),
                     "203.0.113.1");
    /* Every hop trusted: the leftmost. */
    ck_assert_str_eq(client("loopback 10.0.0.0/8", "127.0.0.1", "10.0.0.9, 10.0.0.5"), "10.0.0.9");
    /* Garbage stops the walk at the last trusted hop. */
    ck_assert_str_eq(client("127.0.0.1", "127.0.0.1", "203.0.113.1, bogus"), "127.0.0.1");
    ck_assert_str_eq(client("127.0.0.1", "127.0.0.1", ""), "127.0.0.1");
    ck_assert_str_eq(client("127.0.0.1", "127.0.0.1", " , "), "127.0.0.1");
    ck_assert_str_eq(client("::1", "::1", "2001:db8::7"), "2001:db8::7");
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("cidr");
    TCase *tc = tcase_create("cidr");
    tcase_add_test(tc, blocks_hold_their_addresses);
    tcase_add_test(tc, bad_blocks_are_refused);
    tcase_add_test(tc, forwarded_for_counts_only_behind_trusted_proxies);
    suite_add_tcase(s, tc);
    return s;
}

CHECK_MAIN(suite)

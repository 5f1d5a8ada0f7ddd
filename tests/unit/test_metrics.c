/* Unit tests of core/metrics: counting and the Prometheus text. */
#include "check_main.h"
#include "core/metrics.h"

#include <stdlib.h>
#include <string.h>

static const char *const methods[] = { "GET", "PATCH" };
static const char *const patterns[] = { "/api/items/{code}", "/api/items/{code}" };

static char *render(void)
{
    struct buf b = BUF_INIT;
    metrics_render(&b, "1.2.3");
    return buf_steal(&b, NULL);
}

START_TEST(requests_count_by_route_and_status_class)
{
    metrics_init(2, methods, patterns);
    metrics_request(0, 200, 0.0004);
    metrics_request(0, 304, 0.003);
    metrics_request(0, 404, 0.2);
    metrics_request(1, 422, 7);
    metrics_request(-1, 200, 0.001); /* a file */
    metrics_request(-1, 404, 0.001); /* nothing matched */
    char *text = render();
    const char *want[] = {
        "hylla_build_info{version=\"1.2.3\"} 1\n",
        "hylla_http_requests_total{method=\"GET\",route=\"/api/items/{code}\",status=\"2xx\"} 1\n",
        "hylla_http_requests_total{method=\"GET\",route=\"/api/items/{code}\",status=\"3xx\"} 1\n",
        "hylla_http_requests_total{method=\"GET\",route=\"/api/items/{code}\",status=\"4xx\"} 1\n",
        "hylla_http_requests_total{method=\"PATCH\",route=\"/api/items/{code}\",status=\"4xx\"} "
        "1\n",
        "hylla_http_requests_total{method=\"\",route=\"(file)\",status=\"2xx\"} 1\n",
        "hylla_http_requests_total{method=\"\",route=\"(unmatched)\",status=\"4xx\"} 1\n",
        /* Buckets are cumulative: 0.4 ms in the first, 3 ms by 5 ms, 200 ms by 250 ms. */
        "duration_seconds_bucket{method=\"GET\",route=\"/api/items/{code}\",le=\"0.001\"} 1\n",
        "duration_seconds_bucket{method=\"GET\",route=\"/api/items/{code}\",le=\"0.0025\"} 1\n",
        "duration_seconds_bucket{method=\"GET\",route=\"/api/items/{code}\",le=\"0.005\"} 2\n",
        "duration_seconds_bucket{method=\"GET\",route=\"/api/items/{code}\",le=\"0.1\"} 2\n",
        "duration_seconds_bucket{method=\"GET\",route=\"/api/items/{code}\",le=\"0.25\"} 3\n",
        "duration_seconds_bucket{method=\"GET\",route=\"/api/items/{code}\",le=\"+Inf\"} 3\n",
        "duration_seconds_count{method=\"GET\",route=\"/api/items/{code}\"} 3\n",
        "duration_seconds_sum{method=\"GET\",route=\"/api/items/{code}\"} 0.2034",
        /* 7 s lies beyond the last bound: only in +Inf. */
        "duration_seconds_bucket{method=\"PATCH\",route=\"/api/items/{code}\",le=\"5\"} 0\n",
        "duration_seconds_bucket{method=\"PATCH\",route=\"/api/items/{code}\",le=\"+Inf\"} 1\n",
        "# TYPE hylla_http_requests_total counter\n",
        "# TYPE hylla_http_request_duration_seconds histogram\n",
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        ck_assert_msg(strstr(text, want[i]), "missing %s in\n%s", want[i], text);
    ck_assert_ptr_null(strstr(text, "status=\"5xx\""));
    free(text);
}
END_TEST

START_TEST(gauges_follow_opens_and_closes)
{
    metrics_init(2, methods, patterns);
    metrics_connection(1);
    metrics_connection(1);
    metrics_connection(-1);
    metrics_db_open(1);
    metrics_db_open(1);
    metrics_db_open(1);
    metrics_db_busy(1);
    metrics_db_reconnect();
    metrics_db_retry();
    metrics_db_retry();
    char *text = render();
    const char *want[] = {
        "hylla_http_connections 1\n",
        "hylla_db_connections{state=\"busy\"} 1\n",
        "hylla_db_connections{state=\"idle\"} 2\n",
        "hylla_db_reconnects_total 1\n",
        "hylla_db_retried_transactions_total 2\n",
        "hylla_db_connect_failures_total 0\n",
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        ck_assert_msg(strstr(text, want[i]), "missing %s in\n%s", want[i], text);
    free(text);
}
END_TEST

START_TEST(messages_add_up_and_the_outbox_shows_once_counted)
{
    metrics_init(2, methods, patterns);
    char *text = render();
    ck_assert_ptr_nonnull(strstr(text, "hylla_messages_total{outcome=\"sent\"} 0\n"));
    ck_assert_ptr_null(strstr(text, "hylla_outbox")); /* a process that sends nothing */
    free(text);
    metrics_messages(3, 1, 0, 2);
    metrics_messages(1, 0, 1, 0);
    metrics_outbox(7, 0.25);
    metrics_outbox(4, 12.5);
    text = render();
    const char *want[] = {
        "hylla_messages_total{outcome=\"sent\"} 4\n",
        "hylla_messages_total{outcome=\"retried\"} 1\n",
        "hylla_messages_total{outcome=\"failed\"} 1\n",
        "hylla_messages_total{outcome=\"cancelled\"} 2\n",
        "# TYPE hylla_outbox_due_messages gauge\n",
        "hylla_outbox_due_messages 4\n",
        "hylla_outbox_oldest_due_seconds 12.500\n",
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        ck_assert_msg(strstr(text, want[i]), "missing %s in\n%s", want[i], text);
    free(text);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("metrics");
    TCase *tc = tcase_create("metrics");
    tcase_add_test(tc, requests_count_by_route_and_status_class);
    tcase_add_test(tc, gauges_follow_opens_and_closes);
    tcase_add_test(tc, messages_add_up_and_the_outbox_shows_once_counted);
    suite_add_tcase(s, tc);
    return s;
}

CHECK_MAIN(suite)

/*
 * remind: `hylla remind [--once]`, the reminders and receipts without a web server. With --once
 * it plans today's reminders (unless another process is planning at that moment) and sends every
 * message due now, then exits: for a cron job or a systemd timer. Without it, it runs the same
 * jobs as `hylla serve` until SIGINT or SIGTERM. Any number of these and of `hylla serve` may run
 * on one database: each message is sent once.
 */
#include "cli/cli.h"

#include "core/buf.h"
#include "core/log.h"
#include "jobs/gateway.h"
#include "jobs/remind.h"
#include "jobs/scheduler.h"
#include "store/message_store.h"
#include "store/store.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char cli_messaging_help[] =
    "  --sms-url URL             HYLLA_SMS_URL       the SMS gateway (https://; form POST of\n"
    "                                                from, to, message)\n"
    "                            HYLLA_SMS_TOKEN_FILE  a file of the gateway's token, or\n"
    "                                                user:password\n"
    "  --sms-sender NAME         HYLLA_SMS_SENDER    SMS sender name, 11 letters (hylla)\n"
    "  --smtp-url URL            HYLLA_SMTP_URL      smtp://[user@]host:587 (STARTTLS) or\n"
    "                                                smtps://[user@]host:465\n"
    "                            HYLLA_SMTP_PASSWORD_FILE  a file of the SMTP password\n"
    "  --smtp-from ADDRESS       HYLLA_SMTP_FROM     the From address of e-mail\n"
    "  --smtp-ca-file FILE       HYLLA_SMTP_CA_FILE  CA certificates for the SMTP server\n"
    "  --reminder-window HH:MM-HH:MM  HYLLA_REMINDER_WINDOW  when messages may go out\n"
    "                                                (08:00-20:00, Stockholm time)\n";

void cli_messaging_flag(struct settings_messaging_args *a, int i, const char *value)
{
    const char **slots[CLI_MESSAGING_COUNT] = {
        &a->sms_url, &a->sms_sender, &a->smtp_url, &a->smtp_from, &a->smtp_ca_file, &a->window,
    };
    if (i >= 0 && i < CLI_MESSAGING_COUNT)
        *slots[i] = value;
}

static const char remind_help[] =
    "usage: hylla remind [--once] [--database URL] [message settings]\n"
    "\n"
    "Plan today's reminders and send the reminders and receipts that are due, as hylla serve\n"
    "does by itself. With --once, do it once and exit (for a timer); without, keep doing it\n"
    "until stopped. Each message is sent once, however many processes run.\n"
    "\n"
    "  --once                    plan and send once, then exit\n"
    "  --database URL            HYLLA_DATABASE_URL  libpq connection string or URI\n";

int cli_remind(int argc, char **argv)
{
    enum { O_ONCE = 1, O_DB, O_MSG };
    static const struct option opts[] = {
        { "once", no_argument, 0, O_ONCE },
        { "database", required_argument, 0, O_DB },
        CLI_MESSAGING_OPTIONS(O_MSG),
        { "help", no_argument, 0, 'h' },
        { 0, 0, 0, 0 },
    };
    static struct settings s;
    struct settings_messaging_args margs = { 0 };
    const char *db = getenv("HYLLA_DATABASE_URL");
    bool once = false;
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c == 'h') {
            fputs(remind_help, stdout);
            fputs(cli_messaging_help, stdout);
            return 0;
        }
        if (c == O_ONCE)
            once = true;
        else if (c == O_DB)
            db = optarg;
        else if (c >= O_MSG && c < O_MSG + CLI_MESSAGING_COUNT)
            cli_messaging_flag(&margs, c - O_MSG, optarg);
        else
            return 2;
    }
    if (optind < argc) {
        fprintf(stderr, "hylla: remind takes no arguments (got \"%s\")\n", argv[optind]);
        return 2;
    }
    char *why = NULL;
    if (!settings_messaging(&s, &margs, &why)) {
        fprintf(stderr, "hylla: %s\n", why);
        free(why);
        return 2;
    }
    s.database_url = db ? db : "";
    settings = &s;
    if (!remind_configured()) {
        fprintf(stderr, "hylla: nothing to send with: set --sms-url or --smtp-url\n");
        return 2;
    }
    store_init(s.database_url);
    gateway_init();
    int rc = 0;
    if (once) {
        int planned = 0;
        struct remind_tally t;
        enum store_status st = store_message_plan(&planned);
        if (st == STORE_NOT_FOUND)
            log_info("another process is planning reminders; sending only");
        if (st < 0 || remind_send_due(NULL, &t) < 0) {
            fprintf(stderr, "hylla: the database failed (SQLSTATE %s)\n", store_error_sqlstate());
            rc = 1;
        } else {
            printf("planned %d, sent %d, to try again %d, failed %d, cancelled %d\n", planned,
                   t.sent, t.retried, t.failed, t.cancelled);
        }
    } else {
        sigset_t stop;
        sigemptyset(&stop);
        sigaddset(&stop, SIGINT);
        sigaddset(&stop, SIGTERM);
        pthread_sigmask(SIG_BLOCK, &stop, NULL);
        struct scheduler *sched = scheduler_start(remind_jobs, 2);
        log_info("sending reminders and receipts until stopped");
        int sig;
        sigwait(&stop, &sig);
        scheduler_stop(sched);
    }
    store_thread_close();
    gateway_cleanup();
    return rc;
}

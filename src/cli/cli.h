/* cli: subcommands of `hylla` beyond serving and migrating, and what serve shares with them. */
#ifndef HYLLA_CLI_CLI_H
#define HYLLA_CLI_CLI_H

#include "core/settings.h"

#include <getopt.h>

/* `hylla user add|passwd|disable ...`: staff accounts from the command line. */
int cli_user(int argc, char **argv);

/* `hylla import items FILE --branch SLUG [--dry-run]`: items from a CSV file, all or nothing. */
int cli_import(int argc, char **argv);
/* `hylla anonymize [--months N] [--dry-run]`: erase borrowers inactive for N months. */
int cli_anonymize(int argc, char **argv);

/* `hylla check`: verify migrations, invariants and rollups; exit 1 on a problem. */
int cli_check(int argc, char **argv);

/* `hylla setup`: migrate, create the first admin, write the database URL into the config. */
int cli_setup(int argc, char **argv);

/* `hylla remind [--once]`: plan reminders and send the messages due, as serve does by itself. */
int cli_remind(int argc, char **argv);

/*
 * The flags of the message settings, which serve and remind both take: CLI_MESSAGING_OPTIONS(base)
 * are their getopt_long entries, numbered from base; cli_messaging_flag records the value of
 * option number base + i; cli_messaging_help describes them for --help.
 */
#define CLI_MESSAGING_COUNT 6
#define CLI_MESSAGING_OPTIONS(base)                                                                \
    { "sms-url", required_argument, 0, (base) + 0 },                                               \
        { "sms-sender", required_argument, 0, (base) + 1 },                                        \
        { "smtp-url", required_argument, 0, (base) + 2 },                                          \
        { "smtp-from", required_argument, 0, (base) + 3 },                                         \
        { "smtp-ca-file", required_argument, 0, (base) + 4 },                                      \
    {                                                                                              \
        "reminder-window", required_argument, 0, (base) + 5                                        \
    }
void cli_messaging_flag(struct settings_messaging_args *a, int i, const char *value);
extern const char cli_messaging_help[];

#endif

/* cli: subcommands of `hylla` beyond serving and migrating. */
#ifndef HYLLA_CLI_CLI_H
#define HYLLA_CLI_CLI_H

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

#endif

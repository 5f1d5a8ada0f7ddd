/*
 * user: `hylla user add|passwd|disable`. Passwords come from standard input when it is not a
 * terminal (for scripts), from a prompt without echo when it is, or are generated and printed
 * once with --generate-password. A password never appears on the command line, where other users
 * of the machine could read it.
 */
#include "cli/cli.h"

#include "core/buf.h"
#include "core/password.h"
#include "store/staff_store.h"
#include "store/store.h"

#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

static const char user_help[] =
    "usage: hylla user add --username NAME --role ROLE [--branch SLUG] [--display-name TEXT]\n"
    "                      [--generate-password] [--database URL]\n"
    "       hylla user passwd NAME [--generate-password] [--database URL]\n"
    "       hylla user disable NAME [--database URL]\n"
    "\n"
    "Manage staff accounts. ROLE is volunteer, manager or admin; without --branch the account\n"
    "works for the whole network. The password is read from standard input when it is not a\n"
    "terminal, asked for when it is, or generated and printed once with --generate-password.\n"
    "Passwords have at least 10 characters. Disabling an account ends all its sessions.\n"
    "\n"
    "  --database URL   HYLLA_DATABASE_URL  libpq connection string or URI\n";

/* Read one line without echo from the terminal, or from a pipe. Returns false on end of input. */
static bool read_line(const char *prompt, char *out, size_t outlen)
{
    bool tty = isatty(STDIN_FILENO);
    struct termios old, quiet;
    if (tty) {
        fprintf(stderr, "%s", prompt);
        tcgetattr(STDIN_FILENO, &old);
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    }
    bool ok = fgets(out, (int)outlen, stdin) != NULL;
    if (tty) {
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
        fputc('\n', stderr);
    }
    if (ok)
        out[strcspn(out, "\r\n")] = '\0';
    return ok;
}

/* The new password into out: generated, or read (twice from a terminal). 0, or an exit status. */
static int new_password(bool generate, char *out, size_t outlen)
{
    if (generate) {
        password_generate(out, 20);
        return 0;
    }
    if (!read_line("New password: ", out, outlen)) {
        fprintf(stderr, "hylla: no password given on standard input\n");
        return 2;
    }
    const char *why;
    if (!password_acceptable(out, &why)) {
        fprintf(stderr, "hylla: %s\n", why);
        return 2;
    }
    if (isatty(STDIN_FILENO)) {
        char again[PASSWORD_MAX_LENGTH + 2];
        bool same = read_line("Repeat it: ", again, sizeof again) && strcmp(again, out) == 0;
        sodium_memzero(again, sizeof again);
        if (!same) {
            fprintf(stderr, "hylla: the passwords differ\n");
            return 2;
        }
    }
    return 0;
}

static int user_add(int argc, char **argv, const char **db)
{
    static const struct option opts[] = {
        { "username", required_argument, 0, 'u' },
        { "role", required_argument, 0, 'r' },
        { "branch", required_argument, 0, 'b' },
        { "display-name", required_argument, 0, 'n' },
        { "generate-password", no_argument, 0, 'g' },
        { "database", required_argument, 0, 'd' },
        { "help", no_argument, 0, 'h' },
        { 0, 0, 0, 0 },
    };
    const char *username = NULL, *role_text = NULL, *branch = NULL, *display = NULL;
    bool generate = false;
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'u':
            username = optarg;
            break;
        case 'r':
            role_text = optarg;
            break;
        case 'b':
            branch = optarg;
            break;
        case 'n':
            display = optarg;
            break;
        case 'g':
            generate = true;
            break;
        case 'd':
            *db = optarg;
            break;
        case 'h':
            fputs(user_help, stdout);
            return 0;
        default:
            return 2;
        }
    }
    enum role role = role_from_name(role_text);
    if (!username || !role_text) {
        fprintf(stderr, "hylla: user add needs --username and --role\n");
        return 2;
    }
    if (role == ROLE_NONE) {
        fprintf(stderr, "hylla: --role must be volunteer, manager or admin (got \"%s\")\n",
                role_text);
        return 2;
    }

    char password[PASSWORD_MAX_LENGTH + 2], hash[PASSWORD_HASH_SIZE];
    int rc = new_password(generate, password, sizeof password);
    if (rc)
        return rc;
    if (password_hash(password, hash) != PASSWORD_MATCH) {
        fprintf(stderr, "hylla: could not hash the password (out of memory?)\n");
        return 1;
    }
    store_init(*db ? *db : "");
    struct staff_member created;
    enum store_status st = store_staff_add(username, display ? display : username, role, branch,
                                           hash, false, 0, "{\"via\":\"command line\"}", &created);
    if (st == STORE_NOT_FOUND) {
        fprintf(stderr, "hylla: there is no branch \"%s\"\n", branch);
        return 1;
    }
    if (st < 0) {
        if (store_error_is_unique_violation())
            fprintf(stderr, "hylla: the username \"%s\" is taken\n", username);
        else if (strcmp(store_error_sqlstate(), "23514") == 0)
            fprintf(stderr, "hylla: a username has 1 to 63 of a-z, 0-9, and . _ @ -\n");
        else
            fprintf(stderr, "hylla: could not create the account (SQLSTATE %s)\n",
                    store_error_sqlstate());
        return 1;
    }
    printf("created %s (%s%s%s), id %lld\n", created.who.username, role_name(role),
           branch ? ", " : "", branch ? branch : "", created.who.id);
    if (generate)
        printf("password: %s\n", password);
    sodium_memzero(password, sizeof password);
    return 0;
}

/*
 * The start of `user passwd` and `user disable`: the options --database, --help and (when
 * generate is not NULL) --generate-password, then one username, whose account goes into *who.
 * Returns -1 when the command goes on, else its exit status (0 after --help).
 */
static int find_account(int argc, char **argv, const char **db, const char *verb, bool *generate,
                        struct staff_identity *who)
{
    static const struct option opts[] = {
        { "generate-password", no_argument, 0, 'g' },
        { "database", required_argument, 0, 'd' },
        { "help", no_argument, 0, 'h' },
        { 0, 0, 0, 0 },
    };
    int c;
    while ((c = getopt_long(argc, argv, "h", generate ? opts : opts + 1, NULL)) != -1) {
        switch (c) {
        case 'g':
            *generate = true;
            break;
        case 'd':
            *db = optarg;
            break;
        case 'h':
            fputs(user_help, stdout);
            return 0;
        default:
            return 2;
        }
    }
    if (optind != argc - 1) {
        fprintf(stderr, "hylla: user %s needs the username\n", verb);
        return 2;
    }
    store_init(*db ? *db : "");
    char hash[PASSWORD_HASH_SIZE];
    bool disabled;
    enum store_status st = store_staff_for_login(argv[optind], who, hash, &disabled);
    sodium_memzero(hash, sizeof hash);
    if (st == STORE_NOT_FOUND) {
        fprintf(stderr, "hylla: there is no user \"%s\"\n", argv[optind]);
        return 1;
    }
    if (st < 0) {
        fprintf(stderr, "hylla: could not read the account (SQLSTATE %s)\n",
                store_error_sqlstate());
        return 1;
    }
    return -1;
}

static int user_passwd(int argc, char **argv, const char **db)
{
    bool generate = false;
    struct staff_identity who;
    int rc = find_account(argc, argv, db, "passwd", &generate, &who);
    if (rc >= 0)
        return rc;
    char password[PASSWORD_MAX_LENGTH + 2], hash[PASSWORD_HASH_SIZE];
    if ((rc = new_password(generate, password, sizeof password)))
        return rc;
    /* Like a change by an admin: the account's sessions end with the old password. */
    struct staff_change change = { .password_hash = hash };
    struct staff_member after;
    bool last_admin;
    if (password_hash(password, hash) != PASSWORD_MATCH ||
        store_staff_update(who.id, 0, &change, 0, NULL,
                           "{\"fields\":[\"password\"],\"via\":\"command line\"}", &after,
                           &last_admin) != STORE_OK) {
        fprintf(stderr, "hylla: could not set the password\n");
        sodium_memzero(password, sizeof password);
        return 1;
    }
    printf("password set for %s; its sessions have ended\n", who.username);
    if (generate)
        printf("password: %s\n", password);
    sodium_memzero(password, sizeof password);
    sodium_memzero(hash, sizeof hash);
    return 0;
}

static int user_disable(int argc, char **argv, const char **db)
{
    struct staff_identity who;
    int rc = find_account(argc, argv, db, "disable", NULL, &who);
    if (rc >= 0)
        return rc;
    struct staff_change change = { .set_disabled = true, .disabled = true };
    struct staff_member after;
    bool last_admin;
    enum store_status st =
        store_staff_update(who.id, 0, &change, 0, NULL,
                           "{\"fields\":[\"disabled\"],\"disabled\":true,\"via\":\"command line\"}",
                           &after, &last_admin);
    if (last_admin) {
        fprintf(stderr,
                "hylla: %s is the last active admin of the whole network; add another first\n",
                who.username);
        return 1;
    }
    if (st == STORE_NOT_FOUND) {
        fprintf(stderr, "hylla: there is no user \"%s\"\n", who.username);
        return 1;
    }
    if (st < 0) {
        fprintf(stderr, "hylla: could not disable the account (SQLSTATE %s)\n",
                store_error_sqlstate());
        return 1;
    }
    printf("disabled %s; its sessions have ended\n", who.username);
    return 0;
}

int cli_user(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(user_help, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *db = getenv("HYLLA_DATABASE_URL");
    int rc;
    if (strcmp(argv[1], "add") == 0)
        rc = user_add(argc - 1, argv + 1, &db);
    else if (strcmp(argv[1], "passwd") == 0)
        rc = user_passwd(argc - 1, argv + 1, &db);
    else if (strcmp(argv[1], "disable") == 0)
        rc = user_disable(argc - 1, argv + 1, &db);
    else {
        fprintf(stderr, "hylla: unknown user command \"%s\" (add, passwd, disable)\n", argv[1]);
        return 2;
    }
    store_thread_close();
    return rc;
}

/*
 * setup: `hylla setup`, the first steps of a new installation after `apt install`: take (or ask
 * for) the database URL, apply the migrations, create the first admin account with a generated
 * password printed once, and write the URL into the configuration file so that the service finds
 * it. Run again, it changes nothing that is there: migrations are applied once, an existing admin
 * account is left alone.
 *
 * Run as root where the system user hylla exists (the package creates it), the database work runs
 * as that user, in a child process, so that it connects exactly as the service will (peer
 * authentication over the local socket included); root only writes the configuration file.
 */
#include "cli/cli.h"

#include "config.h"
#include "core/buf.h"
#include "core/config.h"
#include "core/password.h"
#include "embedded.h"
#include "store/migrate.h"
#include "store/staff_store.h"

#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define SERVICE_USER "hylla"

static const char setup_help[] =
    "usage: hylla setup [--database URL] [--admin NAME] [--config FILE]\n"
    "\n"
    "Prepare a new installation: apply the migrations to the database, create the first admin\n"
    "account (NAME, admin by default) with a generated password that is printed once, and write\n"
    "the database URL into the configuration file. Without --database the URL comes from the\n"
    "configuration or the environment, or is asked for. Running it again changes nothing that is\n"
    "there. As root, the database work runs as the system user " SERVICE_USER ", as the service\n"
    "does.\n"
    "\n"
    "  --database URL   HYLLA_DATABASE_URL  libpq connection string or URI\n"
    "  --admin NAME     the first admin account (admin)\n"
    "  --config FILE    HYLLA_CONFIG  the configuration file (" HYLLA_DEFAULT_CONFIG ")\n";

/* Ask for the URL on the terminal; NULL when there is none to ask. The caller frees it. */
static char *ask_url(void)
{
    if (!isatty(STDIN_FILENO))
        return NULL;
    fprintf(stderr, "Database URL (such as postgresql:///hylla or "
                    "postgresql://hylla@db.example.org/hylla): ");
    char line[2048];
    if (!fgets(line, sizeof line, stdin))
        return NULL;
    line[strcspn(line, "\r\n")] = '\0';
    return line[0] ? xstrdup(line) : NULL;
}

/* The database half: migrate, then the first admin. An exit status. */
static int prepare_database(const char *url, const char *admin)
{
    store_init(url);
    char *why = NULL;
    if (store_migrate(hylla_migrations, stdout, &why) != STORE_OK) {
        fprintf(stderr, "hylla: %s\n", why ? why : "the migrations failed");
        free(why);
        return 1;
    }
    char password[32], hash[PASSWORD_HASH_SIZE];
    password_generate(password, 20);
    if (password_hash(password, hash) != PASSWORD_MATCH) {
        fprintf(stderr, "hylla: could not hash the password (out of memory?)\n");
        return 1;
    }
    struct staff_member created;
    enum store_status st = store_staff_add(admin, "Administrator", ROLE_ADMIN, NULL, hash, false, 0,
                                           "{\"via\":\"setup\"}", &created);
    int rc = 0;
    if (st == STORE_OK) {
        printf("created the admin account %s\npassword: %s\n(shown only this once; change it "
               "with: hylla user passwd %s)\n",
               created.who.username, password, created.who.username);
    } else if (store_error_is_unique_violation()) {
        printf("the account %s exists already: left as it is (`hylla user passwd %s` sets a "
               "new password)\n",
               admin, admin);
    } else {
        fprintf(stderr, "hylla: could not create the account %s (SQLSTATE %s)\n", admin,
                store_error_sqlstate());
        rc = 1;
    }
    sodium_memzero(password, sizeof password);
    store_thread_close();
    return rc;
}

/* prepare_database as the service's user, in a child process. An exit status. */
static int prepare_as_service(const struct passwd *pw, const char *url, const char *admin)
{
    printf("connecting as the system user %s, as the service will\n", pw->pw_name);
    fflush(stdout);
    pid_t child = fork();
    if (child < 0) {
        perror("hylla: fork");
        return 1;
    }
    if (child == 0) {
        if (initgroups(pw->pw_name, pw->pw_gid) != 0 || setgid(pw->pw_gid) != 0 ||
            setuid(pw->pw_uid) != 0) {
            perror("hylla: cannot become the system user " SERVICE_USER);
            _exit(1);
        }
        if (chdir("/") != 0)
            _exit(1);
        int rc = prepare_database(url, admin);
        fflush(stdout);
        _exit(rc);
    }
    int status;
    if (waitpid(child, &status, 0) < 0)
        return 1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

int cli_setup(int argc, char **argv)
{
    static const struct option opts[] = {
        { "database", required_argument, 0, 'd' },
        { "admin", required_argument, 0, 'a' },
        { "config", required_argument, 0, 'c' },
        { "help", no_argument, 0, 'h' },
        { 0, 0, 0, 0 },
    };
    const char *url = NULL, *admin = "admin";
    const char *config = getenv("HYLLA_CONFIG");
    if (!config || !*config)
        config = HYLLA_DEFAULT_CONFIG;
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'd':
            url = optarg;
            break;
        case 'a':
            admin = optarg;
            break;
        case 'c':
            config = optarg;
            break;
        case 'h':
            fputs(setup_help, stdout);
            return 0;
        default:
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "hylla: setup takes no arguments (got \"%s\")\n", argv[optind]);
        return 2;
    }
    char *asked = NULL;
    const char *configured = getenv("HYLLA_DATABASE_URL");
    if (!url && configured && *configured)
        url = configured;
    if (!url && !(url = asked = ask_url())) {
        fprintf(stderr, "hylla: setup needs the database URL: --database URL\n");
        return 2;
    }

    const struct passwd *pw = geteuid() == 0 ? getpwnam(SERVICE_USER) : NULL;
    int rc = pw ? prepare_as_service(pw, url, admin) : prepare_database(url, admin);
    if (rc == 0 && url != configured) {
        char *why = NULL;
        if (access(config, F_OK) != 0)
            printf("no configuration file %s: give hylla serve --database \"%s\" (or set "
                   "HYLLA_DATABASE_URL)\n",
                   config, url);
        else if (config_set(config, "HYLLA_DATABASE_URL", url, &why))
            printf("wrote the database URL into %s\n", config);
        else {
            fprintf(stderr, "hylla: %s\n", why);
            rc = 1;
        }
        free(why);
    }
    if (rc == 0)
        printf("hylla is set up: start it with systemctl restart hylla (or hylla serve)\n");
    free(asked);
    return rc;
}

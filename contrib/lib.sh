# contrib/lib.sh: what contrib/run, contrib/test and contrib/bench/run share: installing what is
# missing, building, and running a private PostgreSQL as an unprivileged user (initdb refuses
# root). Sourced, not run.

# Debian packages the build, the server and the tests need, by the command or file that shows
# each one is there.
HYLLA_APT_BUILD=(
    "cc:gcc" "pkg-config:pkg-config" "meson:meson" "ninja:ninja-build"
    "pkgconf:libpq:libpq-dev" "pkgconf:libmicrohttpd:libmicrohttpd-dev"
    "pkgconf:jansson:libjansson-dev" "pkgconf:libsodium:libsodium-dev"
    "pkgconf:check:check" "pkgconf:zlib:zlib1g-dev" "header:zint.h:libzint-dev"
    "pkgconf:libcurl:libcurl4-openssl-dev" "pgbin:postgresql"
)
# zbarimg reads the printed labels' barcodes back; pdftotext and pdftoppm measure and render the PDF;
# hylla runs through pgbouncer in tests/deploy/pgbouncer.
HYLLA_APT_TEST=("node:nodejs" "npm:npm" "chromium:chromium" "psql:postgresql-client" "clang-format:clang-format" "git:git"
    "nginx:nginx" "lintian:lintian" "openssl:openssl" "dpkg-shlibdeps:dpkg-dev" "systemd-analyze:systemd"
    "setpriv:util-linux" "zbarimg:zbar-tools" "pdftotext:poppler-utils" "aiosmtpd:python3-aiosmtpd"
    "pgbouncer:pgbouncer")

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# The newest PostgreSQL server binaries on this machine (Debian keeps them off PATH).
pg_bindir() {
    local d
    for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        [ -x "$d/initdb" ] && { echo "$d"; return 0; }
    done
    command -v initdb >/dev/null 2>&1 && { dirname "$(command -v initdb)"; return 0; }
    return 1
}

# Install the Debian packages of the given "probe:package" list that are missing (as root), or
# say what to install and stop (as a normal user).
ensure_packages() {
    local missing=() spec probe pkg
    for spec in "$@"; do
        pkg=${spec##*:}
        probe=${spec%:*}
        case "$probe" in
        pkgconf:*) pkg-config --exists "${probe#pkgconf:}" 2>/dev/null && continue ;;
        header:*) # a library without a pkg-config file (libzint): its header compiles
            printf '#include <%s>\n' "${probe#header:}" | cc -E -x c - >/dev/null 2>&1 && continue ;;
        pgbin) pg_bindir >/dev/null && continue ;;
        *) command -v "$probe" >/dev/null 2>&1 && continue ;;
        esac
        missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" -eq 0 ]; then
        say "installing ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq || die "apt-get update failed"
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
            die "could not install ${missing[*]}"
    else
        die "missing Debian packages; install them with: sudo apt-get install ${missing[*]}"
    fi
}

# npm packages from package-lock.json: "prod" (what hylla serves) or "dev" (also what the tests
# use). A dev install satisfies prod, so contrib/run never removes what contrib/test installed.
ensure_npm() {
    local top=$1 mode=$2 lock="$top/package-lock.json" stamps="$top/node_modules"
    if [ "$stamps/.hylla-dev" -nt "$lock" ] ||
        { [ "$mode" = prod ] && [ "$stamps/.hylla-prod" -nt "$lock" ]; }; then
        return 0
    fi
    say "installing npm packages ($mode)"
    local args=(ci --no-audit --no-fund --loglevel=error)
    [ "$mode" = dev ] || args+=(--omit=dev)
    (cd "$top" && npm "${args[@]}") || die "npm ci failed"
    touch "$stamps/.hylla-$mode"
}

# Copy the front-end libraries hylla serves (uPlot for the charts, ZXing for the desk's camera
# scanner) from node_modules into web/vendor.
vendor_web() {
    local top=$1
    mkdir -p "$top/web/vendor"
    cp -p "$top/node_modules/uplot/dist/uPlot.esm.js" "$top/web/vendor/uPlot.esm.js"
    cp -p "$top/node_modules/uplot/dist/uPlot.min.css" "$top/web/vendor/uPlot.min.css"
    cp -p "$top/node_modules/@zxing/library/umd/index.min.js" "$top/web/vendor/zxing.min.js"
}

# Configure and build into $2 with extra meson options.
build_hylla() {
    local top=$1 dir=$2
    shift 2
    if [ ! -f "$dir/build.ninja" ]; then
        meson setup "$dir" "$top" "$@" >/dev/null || die "meson setup failed"
    else
        meson configure "$dir" "$@" >/dev/null || die "meson configure failed"
    fi
    ninja -C "$dir" >/dev/null || { ninja -C "$dir"; die "build failed"; }
}

# The unprivileged user PostgreSQL runs as: ourselves, or (as root) the postgres account.
pg_os_user() {
    if [ "$(id -u)" -ne 0 ]; then
        id -un
    elif getent passwd postgres >/dev/null; then
        echo postgres
    else
        useradd --system --home-dir /nonexistent --shell /usr/sbin/nologin hylla-pg 2>/dev/null
        echo hylla-pg
    fi
}

# Run a command as the PostgreSQL user.
as_pg() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u "$PG_OS_USER" -- "$@"
    else
        "$@"
    fi
}

# A TCP port on 127.0.0.1 that no socket holds (listening, connected or closing), from $1
# upwards. Clusters that may start at the same moment (parallel test runs) begin at a random
# place, so that two rarely pick one port. Whatever starts while other work runs (the tests)
# begins below the kernel's ephemeral ports (32768 and up: /proc/sys/net/ipv4/ip_local_port_range),
# where any outgoing connection may take the port between this look and the bind (nginx of
# contrib/scale/run once failed so: "bind() to 127.0.0.1:57988 failed (98: Address already in
# use)").
free_port() {
    local port=$1
    while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || port_held "$port"; do
        port=$((port + 1))
    done
    echo "$port"
}

# Whether any TCP socket has local port $1 (the local address's port, in hex, in /proc/net/tcp*).
port_held() {
    awk -v p="$(printf '%04X' "$1")" 'FNR > 1 { split($2, a, ":"); if (a[2] == p) held = 1 }
                                      END { exit !held }' /proc/net/tcp /proc/net/tcp6 2>/dev/null
}

# Create (if needed) and start a cluster: pg_start DATADIR SOCKETDIR PORT LOGFILE AUTH
# AUTH is "trust" (throwaway clusters) or a password file (the run cluster: the unix socket,
# reachable only through a private directory, trusts; TCP on 127.0.0.1 asks for the password).
pg_start() {
    local data=$1 sock=$2 port=$3 log=$4 auth=$5 bin
    bin=$(pg_bindir) || die "PostgreSQL server binaries not found"
    PG_OS_USER=${PG_OS_USER:-$(pg_os_user)}
    mkdir -p "$sock" "$(dirname "$log")"
    touch "$log"
    if [ "$(id -u)" -eq 0 ]; then
        mkdir -p "$data"
        chown "$PG_OS_USER" "$data" "$sock" "$log"
    fi
    chmod 700 "$sock"
    if [ ! -f "$data/PG_VERSION" ]; then
        local initargs=(-D "$data" -U hylla -E UTF8 --locale=C.UTF-8 --auth-local=trust)
        local pwfile="$sock/initdb-password"
        if [ "$auth" = trust ]; then
            initargs+=(--auth-host=trust)
        else
            install -m 600 "$auth" "$pwfile"
            [ "$(id -u)" -eq 0 ] && chown "$PG_OS_USER" "$pwfile"
            initargs+=(--auth-host=scram-sha-256 --pwfile="$pwfile")
        fi
        as_pg "$bin/initdb" "${initargs[@]}" >"$log.initdb" 2>&1 ||
            { cat "$log.initdb" >&2; die "initdb failed"; }
        rm -f "$pwfile"
    fi
    as_pg "$bin/pg_ctl" -D "$data" -l "$log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories='$sock' -c fsync=${PG_FSYNC:-on} -c max_connections=${PG_MAX_CONNECTIONS:-200} -c shared_buffers=${PG_SHARED_BUFFERS:-128MB}" \
        start >/dev/null || { tail -20 "$log" >&2; die "PostgreSQL did not start (log: $log)"; }
}

# pg_stop DATA [MODE]: stop the cluster, fast unless MODE says otherwise (immediate: as if it
# crashed; it recovers from its WAL at the next start).
pg_stop() {
    local data=$1 mode=${2:-fast} bin
    bin=$(pg_bindir) || return 0
    [ -f "$data/postmaster.pid" ] || return 0
    as_pg "$bin/pg_ctl" -D "$data" -m "$mode" -w stop >/dev/null 2>&1 || true
}

# bench_pairs_sql N: a query of N pairs for contrib/bench's lend-and-return cycle, in random
# order: an available item (code, item_id) and a borrower of its branch who is not blocked and
# has nothing on loan (borrower), no item and no borrower twice.
bench_pairs_sql() {
    cat <<SQL
WITH i AS (SELECT id, code, branch_id,
                  row_number() OVER (PARTITION BY branch_id ORDER BY random()) AS r
             FROM items WHERE status = 'available'),
     b AS (SELECT id, branch_id, row_number() OVER (PARTITION BY branch_id ORDER BY random()) AS r
             FROM borrowers bo WHERE NOT blocked
              AND NOT EXISTS (SELECT FROM loans l WHERE l.borrower_id = bo.id
                                                    AND l.returned_at IS NULL))
SELECT i.code, i.id AS item_id, b.id AS borrower
  FROM i JOIN b USING (branch_id, r)
 ORDER BY random() LIMIT $1
SQL
}

# bench_copy CLUSTER FROM TO: database TO made anew as a copy of FROM, file by file (about 5 s
# for contrib/bench/run's data set), for contrib/bench's measurements, which must not grow the
# database they were generated in.
bench_copy() {
    psql -X -q -v ON_ERROR_STOP=1 "$1 dbname=postgres" -c "DROP DATABASE IF EXISTS $3" \
        -c "CREATE DATABASE $3 TEMPLATE $2 STRATEGY FILE_COPY" || die "could not copy $2 to $3"
}

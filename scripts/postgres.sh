#!/usr/bin/env bash
# A private PostgreSQL 15 server for tests, benchmarks and trying iaas out.
#
#   scripts/postgres.sh install                    install postgresql-15 when missing (Debian, root)
#   scripts/postgres.sh start DIR [NAME=VALUE...]  start a server with its files under DIR; prints its URL
#   scripts/postgres.sh url DIR                    print the URL of the server under DIR
#   scripts/postgres.sh stop DIR [MODE]            stop it (MODE: fast, the default, or immediate)
#
# The server keeps everything under DIR: its data directory (DIR/data), its
# log (DIR/log) and its socket.  It listens on no network address at all,
# only on a Unix socket inside DIR, which only its user (and root) can reach.
# It never runs as root: started by root, it runs as the `postgres` user
# (which the Debian package creates); started by anyone else, as that user.
# DIR must then be reachable by that user (a directory under /tmp is).
# No systemd, no cluster of the distribution is used.  The database
# superuser is `iaas`, with a random password kept in DIR/pgpass, which the
# URL names, so the URL itself holds no secret:
#
#   postgresql://iaas@/iaas?host=DIR&passfile=DIR/pgpass
#
# NAME=VALUE pairs are server settings for this start (e.g. fsync=off).
# `start` on a running server only prints its URL.
set -euo pipefail

PACKAGES=(postgresql-15 postgresql-client-15)
VERSION=15
ROLE=iaas

die() { printf 'postgres: error: %s\n' "$*" >&2; exit 1; }

missing_packages() {
    local pkg status
    for pkg in "${PACKAGES[@]}"; do
        status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
        [ "$status" = "installed" ] || printf '%s\n' "$pkg"
    done
}

install_packages() {
    command -v dpkg-query >/dev/null 2>&1 || die "not a Debian system: install PostgreSQL $VERSION yourself"
    local missing
    mapfile -t missing < <(missing_packages)
    [ "${#missing[@]}" -eq 0 ] && return 0
    [ "$(id -u)" -eq 0 ] || die "installing ${missing[*]} needs root"
    printf 'postgres: installing %s\n' "${missing[*]}" >&2
    local log
    log=$(mktemp)
    # The package must not start the distribution's own server: a policy-rc.d that answers 101
    # ("action forbidden") stops invoke-rc.d, for the time of the install, unless one is there already.
    local policy=/usr/sbin/policy-rc.d own_policy=0
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 0755 "$policy" && own_policy=1
    fi
    local rc=0
    { apt-get update -qq \
        && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"; } \
        </dev/null >"$log" 2>&1 || rc=$?
    [ "$own_policy" -eq 1 ] && rm -f "$policy"
    if [ "$rc" -ne 0 ]; then
        cat "$log" >&2
        rm -f "$log"
        die "apt-get could not install: ${missing[*]}"
    fi
    rm -f "$log"
}

bindir() {
    local dir=/usr/lib/postgresql/$VERSION/bin
    [ -x "$dir/pg_ctl" ] || die "PostgreSQL $VERSION is not installed (run as root: $0 install)"
    printf '%s\n' "$dir"
}

# Who runs the server: `postgres` when we are root, else ourselves.
server_user() {
    if [ "$(id -u)" -eq 0 ]; then
        id -u postgres >/dev/null 2>&1 || useradd --system --home-dir /nonexistent --shell /usr/sbin/nologin postgres
        printf 'postgres\n'
    else
        id -un
    fi
}

# Run a command as the server's user.
as_server() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

# DIR with the characters a URL query needs escaped, escaped.
url_escape() {
    local text=$1 out="" char i
    for ((i = 0; i < ${#text}; i++)); do
        char=${text:i:1}
        case "$char" in
            [A-Za-z0-9/._~-]) out+=$char ;;
            *) out+=$(printf '%%%02X' "'$char") ;;
        esac
    done
    printf '%s' "$out"
}

print_url() {
    local dir=$1 escaped
    escaped=$(url_escape "$dir")
    printf 'postgresql://%s@/%s?host=%s&passfile=%s/pgpass\n' "$ROLE" "$ROLE" "$escaped" "$escaped"
}

# A socket path must fit in 107 bytes: DIR/.s.PGSQL.5432.
check_dir() {
    local dir=$1
    [ "${#dir}" -le 90 ] || die "$dir is too long for a Unix socket path (at most 90 characters)"
}

init_cluster() {
    local dir=$1 bin=$2 user=$3 password
    mkdir -p "$dir"
    chmod 0700 "$dir"
    [ "$(id -u)" -eq 0 ] && chown "$user:" "$dir"
    as_server test -w "$dir" || die "user $user cannot write to $dir: each directory above it must be searchable"
    password=$(head -c 24 /dev/urandom | base64 | tr -d '/+=')
    (umask 077 && printf '%s\n' "$password" >"$dir/password")
    [ "$(id -u)" -eq 0 ] && chown "$user:" "$dir/password"
    as_server "$bin/initdb" -D "$dir/data" -U "$ROLE" -A scram-sha-256 --pwfile="$dir/password" \
        -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || {
        cat "$dir/initdb.log" >&2
        die "initdb failed in $dir/data"
    }
    rm -f "$dir/password"
    # The password file libpq reads: host (socket directory), port, database, user, password.
    (umask 077 && printf '*:*:*:%s:%s\n' "$ROLE" "$password" >"$dir/pgpass")
}

running() {
    local dir=$1 bin=$2
    [ -f "$dir/data/postmaster.pid" ] && as_server "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1
}

start_server() {
    [ "$#" -ge 1 ] || die "usage: $0 start DIR [NAME=VALUE...]"
    local dir bin user setting
    dir=$(readlink -m "$1")
    shift
    check_dir "$dir"
    [ -x /usr/lib/postgresql/$VERSION/bin/pg_ctl ] || install_packages
    bin=$(bindir)
    user=$(server_user)
    [ -d "$dir/data" ] || init_cluster "$dir" "$bin" "$user"
    if running "$dir" "$bin"; then
        print_url "$dir"
        return 0
    fi
    local options=(-k "$dir" -c "listen_addresses=" -c unix_socket_permissions=0700)
    for setting in "$@"; do
        [[ "$setting" == *=* ]] || die "server setting $setting is not NAME=VALUE"
        options+=(-c "$setting")
    done
    local quoted
    quoted=$(printf '%q ' "${options[@]}")
    as_server "$bin/pg_ctl" -D "$dir/data" -o "$quoted" -l "$dir/log" -w -t 60 start >/dev/null 2>&1 || {
        tail -n 20 "$dir/log" >&2 || true
        die "the server under $dir did not start (log: $dir/log)"
    }
    # The database named in the URL.
    PGPASSFILE=$dir/pgpass "$bin/psql" -h "$dir" -U "$ROLE" -d postgres -qAtX -v ON_ERROR_STOP=1 \
        -c "SELECT 1 FROM pg_database WHERE datname = '$ROLE'" | grep -q 1 \
        || PGPASSFILE=$dir/pgpass "$bin/createdb" -h "$dir" -U "$ROLE" "$ROLE"
    print_url "$dir"
}

stop_server() {
    [ "$#" -ge 1 ] && [ "$#" -le 2 ] || die "usage: $0 stop DIR [fast|immediate]"
    local dir bin mode=${2:-fast}
    dir=$(readlink -m "$1")
    case "$mode" in fast | immediate) ;; *) die "stop mode must be fast or immediate, not $mode" ;; esac
    bin=$(bindir)
    [ -d "$dir/data" ] || die "$dir holds no server"
    running "$dir" "$bin" || return 0
    as_server "$bin/pg_ctl" -D "$dir/data" -m "$mode" -w stop >/dev/null
}

case "${1:-}" in
    install) install_packages ;;
    start) shift; start_server "$@" ;;
    stop) shift; stop_server "$@" ;;
    url) [ "$#" -eq 2 ] || die "usage: $0 url DIR"; print_url "$(readlink -m "$2")" ;;
    *) sed -n '2,22s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2; exit 2 ;;
esac

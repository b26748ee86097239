# A throwaway PostgreSQL 15 server for the tests: installed from Debian when missing,
# initialised in a temporary directory, listening only on 127.0.0.1 on a free port with
# trust authentication. Sourced by .ci/run; sets ESCALATOR_TEST_POSTGRES_URL.

PG_BIN=/usr/lib/postgresql/15/bin

postgres_install() {
    if [ -x "$PG_BIN/initdb" ]; then
        return
    fi
    echo "installing postgresql-15"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq postgresql-15 >/dev/null
}

# A TCP port nothing listens on.
postgres_free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()' 2>/dev/null && return
    local port
    for port in $(seq 55432 55532); do
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "$port"
            return
        fi
    done
    return 1
}

# Runs a command as the server's owner (PostgreSQL refuses to run as root).
postgres_as_owner() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

postgres_start() {
    postgres_install
    if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
        useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
    fi
    PG_DIR=$(mktemp -d /tmp/escalator-ci-pg.XXXXXX)
    if [ "$(id -u)" = 0 ]; then
        chown postgres "$PG_DIR"
    fi
    PG_PORT=$(postgres_free_port)
    postgres_as_owner "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres --auth=trust \
        -E UTF8 --no-locale >"$PG_DIR/initdb.log" 2>&1 || {
        cat "$PG_DIR/initdb.log"
        return 1
    }
    # Test data only: durability is traded for speed. Enough connections for the suite's
    # parallel tests, each with its own pool.
    postgres_as_owner "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w \
        -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_DIR -c max_connections=400 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
        start >/dev/null || {
        cat "$PG_DIR/server.log"
        return 1
    }
    ESCALATOR_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$PG_PORT/postgres"
}

postgres_stop() {
    local status=$?
    if [ -n "${PG_DIR:-}" ] && [ -d "$PG_DIR/data" ]; then
        postgres_as_owner "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true
        rm -rf "$PG_DIR"
    fi
    return "$status"
}

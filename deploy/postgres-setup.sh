#!/bin/sh
# PostgreSQL for hangdoi: the role, the database, and enough connections for the pools.
#
# Run as PostgreSQL's superuser on the database host (README, Deployment):
#   runuser -u postgres -- env HANGDOI_DB_PASSWORD=... HANGDOI_PROCESSES=4 sh deploy/postgres-setup.sh
# Safe to run again: an existing role gets the given password, an existing database is
# kept. Run it again with the new count whenever server processes are added.
#
#   HANGDOI_DB_PASSWORD  the role's password (required; e.g. `openssl rand -hex 24`:
#                        hex needs no escaping in HANGDOI_DATABASE_URL)
#   HANGDOI_DB_NAME      the database (default hangdoi)
#   HANGDOI_DB_USER      the role (default hangdoi)
#   HANGDOI_PROCESSES    server processes of all hosts together (default 4)
# psql connects as it always does (the local socket, or PGHOST, PGPORT, PGUSER).
set -eu

: "${HANGDOI_DB_PASSWORD:?set HANGDOI_DB_PASSWORD, e.g. HANGDOI_DB_PASSWORD=\$(openssl rand -hex 24)}"
DB_NAME=${HANGDOI_DB_NAME:-hangdoi}
DB_USER=${HANGDOI_DB_USER:-hangdoi}
PROCESSES=${HANGDOI_PROCESSES:-4}
# server/db.py: a server process on PostgreSQL holds at most 4 connections (pool_size=4,
# max_overflow=0; more made a lock convoy under gevent, see the comment there).
POOL=4
# Besides the servers: the close-out, a migration, pg_dump, an administrator's psql, and a
# restarted process whose predecessor's connections are not closed yet.
SPARE=10

psql_() {
    psql -X -q -v ON_ERROR_STOP=1 -d postgres "$@"
}

psql_ -v user="$DB_USER" -v password="$HANGDOI_DB_PASSWORD" -v db="$DB_NAME" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN', :'user')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'user') \gexec
ALTER ROLE :"user" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'password';
-- UTF-8 whatever the cluster's default; C.UTF-8 exists on every Debian.
SELECT format('CREATE DATABASE %I OWNER %I ENCODING %L LC_COLLATE %L LC_CTYPE %L TEMPLATE template0',
              :'db', :'user', 'UTF8', 'C.UTF-8', 'C.UTF-8')
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db') \gexec
ALTER DATABASE :"db" OWNER TO :"user";
REVOKE CONNECT, TEMPORARY ON DATABASE :"db" FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE :"db" TO :"user";
SQL

NEEDED=$((PROCESSES * POOL + SPARE))
MAX=$(psql_ -At -c 'SHOW max_connections')
RESERVED=$(psql_ -At -c 'SHOW superuser_reserved_connections')
echo "hangdoi: role $DB_USER and database $DB_NAME are ready."
echo "hangdoi: $PROCESSES server processes x $POOL connections + $SPARE spare = $NEEDED connections;" \
     "PostgreSQL allows $((MAX - RESERVED)) (max_connections $MAX, $RESERVED reserved for superusers)."
if [ $((MAX - RESERVED)) -lt "$NEEDED" ]; then
    WANTED=$((NEEDED + RESERVED))
    psql_ -c "ALTER SYSTEM SET max_connections = $WANTED"
    echo "hangdoi: max_connections is now $WANTED in postgresql.auto.conf; it takes effect when" \
         "PostgreSQL restarts: systemctl restart postgresql"
fi

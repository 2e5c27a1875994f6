#!/bin/sh
# Runs once, when the primary's data folder is first made (docker-entrypoint-initdb.d): the role
# the read replica streams as, and the rule that lets it in. See docker-compose.yml.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    -c "CREATE ROLE replicator WITH REPLICATION LOGIN PASSWORD '$REPLICATION_PASSWORD'"
echo "host replication replicator all scram-sha-256" >> "$PGDATA/pg_hba.conf"

# shellcheck shell=bash
# Sourced by .ci/run: makes a local PostgreSQL server available to the PostgreSQL journal tests
# (Akka.Persistence.Sql on PostgreSQL: the kill -9 tests of tests/Actors and tests/Host)
# and exports HFEDMOE_PG_CONNECTION for them.
#
# - If HFEDMOE_PG_CONNECTION is already set, nothing is done (use your own server).
# - Otherwise PostgreSQL is installed from Debian's packages if missing, a cluster is
#   created/started on 127.0.0.1, and a role + database "hfedmoe_test" are created.
# - Never aborts the caller: if the server cannot be started, a warning is printed and the
#   variable stays unset; under CI=true the PostgreSQL tests then FAIL (by design) instead of
#   being skipped.
#
# Usage outside CI:  source .ci/postgres.sh && dotnet test tests/Actors/HFedMoE.Actors.Tests.csproj

hfedmoe_pg_setup() {
  local user=hfedmoe password=hfedmoe db=hfedmoe_test port=5432 ver

  if [ -n "${HFEDMOE_PG_CONNECTION:-}" ]; then
    echo "postgres.sh: HFEDMOE_PG_CONNECTION already set; using it"
    return 0
  fi
  if [ "$(id -u)" != "0" ]; then
    echo "postgres.sh: WARNING not root; cannot install/start PostgreSQL (set HFEDMOE_PG_CONNECTION yourself)" >&2
    return 1
  fi

  if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
    echo "postgres.sh: installing PostgreSQL from Debian packages"
    (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql) >/dev/null || {
      echo "postgres.sh: WARNING apt-get install postgresql failed" >&2
      return 1
    }
  fi
  ver=$(ls /usr/lib/postgresql | sort -V | tail -n 1)

  if ! pg_lsclusters -h 2>/dev/null | awk -v v="$ver" '$1 == v && $2 == "main"' | grep -q .; then
    pg_createcluster "$ver" main --port "$port" >/dev/null || {
      echo "postgres.sh: WARNING pg_createcluster $ver main failed" >&2
      return 1
    }
  fi
  port=$(pg_lsclusters -h | awk -v v="$ver" '$1 == v && $2 == "main" { print $3 }')
  if ! pg_lsclusters -h | awk -v v="$ver" '$1 == v && $2 == "main" { print $4 }' | grep -q online; then
    pg_ctlcluster "$ver" main start || {
      echo "postgres.sh: WARNING pg_ctlcluster $ver main start failed" >&2
      return 1
    }
  fi

  # Role and database are idempotent; the tests create their own tables/schemas inside.
  runuser -u postgres -- psql -q -p "$port" -v ON_ERROR_STOP=1 -d postgres >/dev/null <<SQL || { echo "postgres.sh: WARNING creating role/database failed" >&2; return 1; }
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$user') THEN
    CREATE ROLE $user LOGIN PASSWORD '$password' CREATEDB;
  END IF;
END \$\$;
SQL
  if ! runuser -u postgres -- psql -p "$port" -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'" -d postgres | grep -q 1; then
    runuser -u postgres -- createdb -p "$port" -O "$user" "$db" || {
      echo "postgres.sh: WARNING createdb $db failed" >&2
      return 1
    }
  fi

  export HFEDMOE_PG_CONNECTION="Host=127.0.0.1;Port=$port;Username=$user;Password=$password;Database=$db"
  echo "postgres.sh: PostgreSQL $ver ready, HFEDMOE_PG_CONNECTION=$HFEDMOE_PG_CONNECTION"
}

hfedmoe_pg_setup || true
unset -f hfedmoe_pg_setup

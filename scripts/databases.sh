# Sourced by test.sh: makes sure MariaDB and PostgreSQL run on 127.0.0.1 and hold a "bank" database.
# Starts a server that is installed but stopped; installs one that is missing.

wait_for() {  # wait_for DESCRIPTION SECONDS COMMAND...
    local description="$1" seconds="$2"
    shift 2
    local deadline=$((SECONDS + seconds))
    until "$@" >/dev/null 2>&1; do
        if [ "$SECONDS" -ge "$deadline" ]; then
            echo "$description did not become ready within ${seconds}s" >&2
            return 1
        fi
        sleep 0.5
    done
}

mariadb_answers() { mysqladmin --protocol=tcp -h 127.0.0.1 -P 3306 -u root ping; }

ensure_mariadb() {
    if ! [ -x /usr/sbin/mariadbd ]; then
        say "Installing MariaDB"
        apt_install mariadb-server mariadb-client
    fi
    if ! mariadb_answers >/dev/null 2>&1; then
        say "Starting MariaDB"
        mkdir -p /run/mysqld
        chown mysql /run/mysqld
        start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd -- --user=mysql
        wait_for "MariaDB" 60 mysqladmin -u root ping
    fi
    if ! mysql --protocol=tcp -h 127.0.0.1 -u root -e "SELECT 1" >/dev/null 2>&1; then
        # A fresh Debian install lets root in only through the socket.
        mysql -u root -e "ALTER USER root@localhost IDENTIFIED VIA unix_socket OR mysql_native_password USING PASSWORD('')"
    fi
    wait_for "MariaDB on 127.0.0.1:3306" 60 mysql --protocol=tcp -h 127.0.0.1 -u root -e "SELECT 1"
    mysql --protocol=tcp -h 127.0.0.1 -u root -e "CREATE DATABASE IF NOT EXISTS bank CHARACTER SET utf8mb4"
    # Dates are shown in the bank's time zone: MariaDB needs its time zone tables to
    # group by the hour or day there (CONVERT_TZ answers NULL without them).
    if [ -z "$(mysql --protocol=tcp -h 127.0.0.1 -u root -N -e "SELECT CONVERT_TZ('2026-01-01','UTC','Europe/London')" | grep -v NULL)" ]; then
        mysql_tzinfo_to_sql /usr/share/zoneinfo 2>/dev/null | mysql --protocol=tcp -h 127.0.0.1 -u root mysql
    fi
}

postgresql_answers() { pg_isready -q -h 127.0.0.1 -p 5432; }

ensure_postgresql() {
    if ! command -v pg_ctlcluster >/dev/null 2>&1 || [ -z "$(ls /etc/postgresql 2>/dev/null)" ]; then
        say "Installing PostgreSQL"
        apt_install postgresql
    fi
    if ! postgresql_answers; then
        say "Starting PostgreSQL"
        local version
        version="$(ls /etc/postgresql | sort -V | tail -n 1)"
        pg_ctlcluster --skip-systemctl-redirect "$version" main start
        wait_for "PostgreSQL" 60 pg_isready -h 127.0.0.1 -p 5432
    fi
    # The suite connects as postgres with this password (ignored where trust is configured).
    if ! PGPASSWORD=postgres psql -h 127.0.0.1 -U postgres -d postgres -tAc "SELECT 1" >/dev/null 2>&1; then
        su postgres -c "psql -q -c \"ALTER USER postgres PASSWORD 'postgres'\""
    fi
    if ! PGPASSWORD=postgres psql -h 127.0.0.1 -U postgres -d postgres -tAc \
        "SELECT 1 FROM pg_database WHERE datname = 'bank'" | grep -q 1; then
        PGPASSWORD=postgres createdb -h 127.0.0.1 -U postgres bank
    fi
}

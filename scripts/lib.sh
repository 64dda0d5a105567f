# shellcheck shell=bash
# Helpers shared by scripts/db-up, scripts/db-down and scripts/with-dbs.
# This file is sourced, not executed. Callers set DBV_PROG before sourcing.
#
# Configuration (environment):
#   DBVERIFY_STATE_DIR   where throwaway servers and records live
#                        (default: <repo>/.dbverify)
#   DBVERIFY_MYSQL_PORT  MariaDB/MySQL port on 127.0.0.1 (default 3306)
#   DBVERIFY_PG_PORT     PostgreSQL port on 127.0.0.1 (default 5432)
#
# Files in the state dir:
#   started      one tab-separated line per server that db-up started:
#                  <engine> <port> throwaway <dir>      (dir is removed by db-down)
#                  <engine> <port> service   <name>     (a Debian service that a
#                                                         package install started)
#   servers.env  DBVERIFY_TEST_MYSQL=... / DBVERIFY_TEST_POSTGRES=...
#   .lock        flock(1) lock serialising db-up/db-down

DBV_PROG=${DBV_PROG:-dbverify}
DBV_SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
DBV_REPO=$(git -C "$DBV_SCRIPT_DIR" rev-parse --show-toplevel 2>/dev/null) ||
	DBV_REPO=$(cd "$DBV_SCRIPT_DIR/.." && pwd)

# The DBV_* settings are used by the scripts that source this file.
# shellcheck disable=SC2034
{
	DBV_STATE_DIR=${DBVERIFY_STATE_DIR:-$DBV_REPO/.dbverify}
	DBV_MYSQL_PORT=${DBVERIFY_MYSQL_PORT:-3306}
	DBV_PG_PORT=${DBVERIFY_PG_PORT:-5432}
	DBV_MYSQL_DEFAULT_PORT=3306
	DBV_PG_DEFAULT_PORT=5432
}

# sbin directories are not always on PATH (e.g. a CI environment); the
# server binaries and runuser live there.
case ":$PATH:" in
*:/usr/sbin:*) ;;
*) PATH=$PATH:/usr/local/sbin:/usr/sbin:/sbin ;;
esac

dbv_log() { printf '%s: %s\n' "$DBV_PROG" "$*"; }
dbv_warn() { printf '%s: warning: %s\n' "$DBV_PROG" "$*" >&2; }
dbv_die() {
	printf '%s: error: %s\n' "$DBV_PROG" "$*" >&2
	exit 1
}

dbv_check_port() { # name value
	if ! [[ $2 =~ ^[0-9]{1,5}$ ]] || (($2 < 1 || $2 > 65535)); then
		dbv_die "$1 must be a TCP port number, got '$2'"
	fi
}

# Make DBV_STATE_DIR absolute and existing.
dbv_init_state_dir() {
	mkdir -p "$DBV_STATE_DIR"
	DBV_STATE_DIR=$(cd "$DBV_STATE_DIR" && pwd)
	DBV_STARTED=$DBV_STATE_DIR/started
	# shellcheck disable=SC2034 # used by db-up and with-dbs
	DBV_ENV_FILE=$DBV_STATE_DIR/servers.env
}

# Take the state dir lock on fd 9. Anything long-lived started while it is
# held must be started with 9>&- so it does not keep the lock forever.
dbv_lock() {
	dbv_init_state_dir
	exec 9>"$DBV_STATE_DIR/.lock"
	if command -v flock >/dev/null 2>&1; then
		flock -w 600 9 || dbv_die "timed out waiting for the lock $DBV_STATE_DIR/.lock"
	fi
}

# ---------------------------------------------------------------- records

# dbv_record_get engine port: print "kind<TAB>what" of the record, fail if none.
dbv_record_get() {
	local e p k w
	[[ -f $DBV_STARTED ]] || return 1
	while IFS=$'\t' read -r e p k w; do
		if [[ $e == "$1" && $p == "$2" ]]; then
			printf '%s\t%s\n' "$k" "$w"
			return 0
		fi
	done <"$DBV_STARTED"
	return 1
}

dbv_record_del() { # engine port
	local e p k w tmp
	[[ -f $DBV_STARTED ]] || return 0
	tmp=$DBV_STARTED.tmp.$$
	: >"$tmp"
	while IFS=$'\t' read -r e p k w; do
		[[ -n $e ]] || continue
		[[ $e == "$1" && $p == "$2" ]] && continue
		printf '%s\t%s\t%s\t%s\n' "$e" "$p" "$k" "$w" >>"$tmp"
	done <"$DBV_STARTED"
	if [[ -s $tmp ]]; then mv -f "$tmp" "$DBV_STARTED"; else rm -f "$tmp" "$DBV_STARTED"; fi
}

dbv_record_add() { # engine port kind what
	dbv_record_del "$1" "$2"
	printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >>"$DBV_STARTED"
	# Tell scripts/with-dbs what this invocation started.
	if [[ -n ${DBVERIFY_UP_REPORT:-} ]]; then
		printf '%s:%s\n' "$1" "$2" >>"$DBVERIFY_UP_REPORT"
	fi
}

# ---------------------------------------------------------------- probes

dbv_tcp_open() { # port
	# shellcheck disable=SC2016 # $1 is expanded by the inner bash
	timeout 3 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"' _ "$1" 2>/dev/null
}

# Print the path of the first of the named programs that is an executable
# file on PATH. (command -v may print a match that is not executable.)
dbv_which() { # name...
	local n p
	for n in "$@"; do
		p=$(type -P "$n" 2>/dev/null) || continue
		if [[ -f $p && -x $p ]]; then
			printf '%s\n' "$p"
			return 0
		fi
	done
	return 1
}

dbv_mysql_client() {
	dbv_which mariadb mysql
}

# Run SQL as root over TCP on 127.0.0.1:port without a password.
dbv_mysql_tcp() { # port sql
	local c
	c=$(dbv_mysql_client) || return 1
	"$c" --no-defaults --protocol=TCP -h127.0.0.1 -P"$1" -uroot \
		--connect-timeout=3 -N -B -e "$2" </dev/null 2>/dev/null
}

dbv_pg_tcp() { # port sql
	PGCONNECT_TIMEOUT=3 psql -X -w -q -t -A -h 127.0.0.1 -p "$1" -U postgres \
		-d postgres -c "$2" </dev/null 2>/dev/null
}

# dbv_reachable engine port: a real login when the client exists, else a TCP
# probe. Sets DBV_VERSION to the server's version when it could ask.
dbv_reachable() {
	DBV_VERSION=
	case $1 in
	mysql)
		if dbv_mysql_client >/dev/null; then
			DBV_VERSION=$(dbv_mysql_tcp "$2" 'select version()') || return 1
			return 0
		fi
		;;
	postgres)
		if dbv_which psql >/dev/null; then
			DBV_VERSION=$(dbv_pg_tcp "$2" 'show server_version') || return 1
			DBV_VERSION="PostgreSQL $DBV_VERSION"
			return 0
		fi
		;;
	esac
	dbv_tcp_open "$2"
}

# Wait until nothing listens on 127.0.0.1:port.
dbv_wait_port_closed() { # port seconds
	local end=$((SECONDS + $2))
	while dbv_tcp_open "$1"; do
		((SECONDS < end)) || return 1
		sleep 0.5
	done
}

# ---------------------------------------------------------------- binaries

dbv_mysqld() {
	dbv_which mariadbd mysqld
}

dbv_mysql_install_db() {
	dbv_which mariadb-install-db mysql_install_db
}

# Directory holding initdb and pg_ctl: the highest Debian version, else PATH.
dbv_pg_bindir() {
	local d best=
	for d in /usr/lib/postgresql/*/bin; do
		[[ -f $d/initdb && -x $d/initdb && -x $d/pg_ctl ]] || continue
		if [[ -z $best ]] || [[ $(printf '%s\n%s\n' "$best" "$d" | sort -V | tail -n1) == "$d" ]]; then
			best=$d
		fi
	done
	if [[ -z $best ]] && d=$(dbv_which initdb) && [[ -x ${d%/*}/pg_ctl ]]; then
		best=${d%/*}
	fi
	[[ -n $best ]] && printf '%s\n' "$best"
}

# Run a command as the postgres OS user (PostgreSQL refuses to run as root).
# When not root, run it as ourselves.
dbv_as_postgres() {
	if ((EUID != 0)); then
		(cd / && "$@")
	elif command -v runuser >/dev/null 2>&1; then
		(cd / && runuser -u postgres -- "$@")
	else
		(cd / && su -s /bin/sh postgres -c "$(printf '%q ' "$@")")
	fi
}

# ---------------------------------------------------------------- stopping

# True if pid is alive and its command name is one of the given names.
dbv_pid_is() { # pid name...
	local pid=$1 comm
	shift
	[[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
	comm=$(cat "/proc/$pid/comm" 2>/dev/null) || return 0 # no /proc: trust the pid file
	local n
	for n in "$@"; do [[ $comm == "$n" ]] && return 0; done
	return 1
}

dbv_kill_wait() { # pid seconds
	local end=$((SECONDS + $2))
	kill -TERM "$1" 2>/dev/null || return 0
	while kill -0 "$1" 2>/dev/null; do
		if ((SECONDS >= end)); then
			dbv_warn "pid $1 did not stop after $2 s; sending SIGKILL"
			kill -KILL "$1" 2>/dev/null || true
			sleep 1
			return 0
		fi
		sleep 0.2
	done
}

# Stop a throwaway MariaDB/MySQL: the pid from its pid file, else the pid
# db-up launched (a server that hung early may not have written its pid file).
dbv_stop_mysql_dir() { # dir
	local f pid
	for f in "$1/mysqld.pid" "$1/launch.pid"; do
		pid=$(cat "$f" 2>/dev/null) || continue
		if dbv_pid_is "$pid" mariadbd mysqld; then
			dbv_kill_wait "$pid" 60
			return 0
		fi
	done
}

dbv_stop_pg_dir() { # dir
	local data=$1/data ver bindir pid
	[[ -f $data/postmaster.pid ]] || return 0
	ver=$(cat "$data/PG_VERSION" 2>/dev/null) || ver=
	bindir=/usr/lib/postgresql/$ver/bin
	[[ -n $ver && -x $bindir/pg_ctl ]] || bindir=$(dbv_pg_bindir) || bindir=
	if [[ -n $bindir ]] &&
		dbv_as_postgres "$bindir/pg_ctl" -D "$data" -m fast -w -t 60 stop >/dev/null 2>&1; then
		return 0
	fi
	pid=$(head -n1 "$data/postmaster.pid" 2>/dev/null) || return 0
	if dbv_pid_is "$pid" postgres postmaster; then
		dbv_kill_wait "$pid" 30
	fi
}

# Remove a throwaway directory, but only one that looks like ours.
dbv_remove_dir() { # dir
	local d=$1 base
	base=$(basename "$d")
	if [[ $d == /* && $d != *..* ]] &&
		[[ $base == mariadb-[0-9]* || $base == postgres-[0-9]* || $base == dbverify-* ]] &&
		[[ $d == "$DBV_STATE_DIR"/* || $d == /tmp/* ]]; then
		rm -rf -- "$d"
	else
		dbv_warn "not removing $d: it does not look like a dbverify throwaway directory"
	fi
}

dbv_service_stop() { # name
	if command -v service >/dev/null 2>&1; then
		service "$1" stop
	elif [[ -x /etc/init.d/$1 ]]; then
		"/etc/init.d/$1" stop
	else
		return 1
	fi
}

# Stop what a record describes and remove its directory.
dbv_stop_record() { # engine port kind what
	case $3 in
	throwaway)
		case $1 in
		mysql) dbv_stop_mysql_dir "$4" ;;
		postgres) dbv_stop_pg_dir "$4" ;;
		*) dbv_warn "unknown engine '$1' in $DBV_STARTED" ;;
		esac
		dbv_remove_dir "$4"
		;;
	service)
		dbv_service_stop "$4" >/dev/null 2>&1 ||
			dbv_warn "could not stop the $4 service; stop it by hand"
		;;
	*) dbv_warn "unknown record kind '$3' in $DBV_STARTED" ;;
	esac
}

# ---------------------------------------------------------------- packages

# Install Debian packages (apt-get update once per run), as root or through sudo.
APT_UPDATED=0

usage() {
	sed -n '2,/^set -euo/{/^#/s/^# \{0,1\}//p}' "${BASH_SOURCE[0]}"
}


dbv_apt_install() { # package...
	local log=$DBV_STATE_DIR/apt.log
	local -a as_root=()
	if ((EUID != 0)); then
		# Not root: sudo, asking for a password only when someone can type it.
		command -v sudo >/dev/null 2>&1 || dbv_die "need root (or sudo) to install $*; install them and re-run"
		as_root=(sudo)
		[[ -t 0 ]] || as_root=(sudo -n)
	fi
	command -v apt-get >/dev/null 2>&1 || dbv_die "apt-get not found; install $* by hand"
	if ((!APT_UPDATED)); then
		dbv_log "apt-get update"
		"${as_root[@]}" apt-get update >"$log" 2>&1 9>&- || {
			tail -n 20 "$log" >&2
			dbv_die "apt-get update failed (full log: $log)"
		}
		APT_UPDATED=1
	fi
	dbv_log "installing $*"
	# 9>&-: a server the package's postinst starts must not inherit our lock.
	"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
		-o DPkg::Lock::Timeout=300 "$@" </dev/null >>"$log" 2>&1 9>&- || {
		tail -n 30 "$log" >&2
		dbv_die "installing $* failed (full log: $log)"
	}
}

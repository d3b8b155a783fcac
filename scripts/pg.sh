#!/usr/bin/env bash
# pg.sh — a private PostgreSQL cluster for development and tests.
#
#   scripts/pg.sh start DIR   start (creating if needed) a cluster in DIR; prints its admin URL
#   scripts/pg.sh stop DIR    stop it
#   scripts/pg.sh url DIR     print the admin URL
#   scripts/pg.sh db DIR NAME create database NAME if missing; prints its URL
#   scripts/pg.sh drop DIR NAME drop database NAME if there; prints "dropped" if it was
#
# The server binaries are found on PATH or in /usr/lib/postgresql/*/bin; when
# they are missing and we are root, Debian's postgresql package is installed.
# initdb refuses to run as root, so as root the cluster runs as the
# unprivileged user "postgres" (or "postvakt", created if neither exists).
# The cluster listens on a unix socket in DIR only: no port to collide on.
# Its superuser, the admin URL's role, is "pvadmin": not "postvakt", the
# role README's Deploy has a DBA create (CREATE ROLE postvakt ...), which a
# developer can then try on this cluster. The role is kept in DIR/admin-role;
# a cluster made before without that file has "postvakt", and keeps it.
# Production never uses this: it is given DATABASE_URL.
set -euo pipefail

cmd=${1:-}
dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start|stop|url|db|drop DIR [NAME]" >&2; exit 2; }
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
# Every path below is absolute: from / the cluster's user (as root, another
# one) is not told it cannot enter the caller's folder.
cd /

find_bin() {
	if command -v pg_ctl >/dev/null 2>&1 && command -v initdb >/dev/null 2>&1; then
		dirname "$(readlink -f "$(command -v pg_ctl)")"
		return
	fi
	local d
	d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
	[ -n "$d" ] && [ -x "$d/pg_ctl" ] && echo "$d"
}

bin=$(find_bin || true)
if [ -z "$bin" ]; then
	if [ "$(id -u)" = 0 ]; then
		echo "pg.sh: PostgreSQL server binaries not found; installing Debian's postgresql package" >&2
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq >&2
		apt-get install -y -qq postgresql >&2
		bin=$(find_bin || true)
	fi
	[ -n "$bin" ] || { echo "pg.sh: PostgreSQL server binaries (pg_ctl, initdb) not found; install postgresql" >&2; exit 1; }
fi

run_as=()
owner=$(id -un)
if [ "$(id -u)" = 0 ]; then
	if id postgres >/dev/null 2>&1; then
		owner=postgres
	else
		id postvakt >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin postvakt
		owner=postvakt
	fi
	chown "$owner" "$dir"
	run_as=(runuser -u "$owner" --)
fi

# closed_to_owner prints the first folder on the way to DIR that the
# cluster's user cannot enter (nothing when it reaches DIR): as root that
# user is postgres (or postvakt), and a checkout under /root (drwx------ on
# Debian, where a fresh machine's first login clones it) is closed to it.
closed_to_owner() {
	local p= part parts
	IFS=/ read -ra parts <<<"${dir#/}"
	for part in "${parts[@]}"; do
		p=$p/$part
		"${run_as[@]}" test -x "$p" || { echo "$p"; return; }
	done
}

# A DIR the cluster's user cannot reach keeps its cluster elsewhere: in a
# folder of its own under /var/tmp/postvakt-pg named by DIR's path, which
# every later command on DIR finds the same way (DIR/elsewhere says where;
# `make clean` removes it). So `make run` as root in a checkout under /root
# works as anywhere else.
if [ ${#run_as[@]} -gt 0 ]; then
	closed=$(closed_to_owner)
	if [ -n "$closed" ]; then
		alt=/var/tmp/postvakt-pg/$(printf %s "$dir" | sha256sum | cut -c1-16)
		if [ "$cmd" = start ] && [ ! -f "$dir/elsewhere" ]; then
			echo "pg.sh: the cluster runs as the user $owner (initdb refuses root), who cannot enter $closed ($(stat -c %A "$closed"));" \
				"the cluster of $dir is kept in $alt" >&2
		fi
		echo "$alt" >"$dir/elsewhere"
		mkdir -p "$alt"
		chmod 755 /var/tmp/postvakt-pg "$alt"
		chown "$owner" "$alt"
		dir=$alt
	fi
fi

admin=pvadmin
if [ -f "$dir/admin-role" ]; then
	admin=$(cat "$dir/admin-role")
elif [ -f "$dir/data/PG_VERSION" ]; then
	admin=postvakt # made by an earlier pg.sh
fi
url="postgres://$admin@/postgres?host=$dir&sslmode=disable"

case "$cmd" in
start)
	if [ ! -f "$dir/data/PG_VERSION" ]; then
		echo "$admin" >"$dir/admin-role"
		"${run_as[@]}" "$bin/initdb" -D "$dir/data" -U "$admin" --auth=trust --no-sync -E UTF8 --no-locale >"$dir/initdb.log" 2>&1 ||
			{ cat "$dir/initdb.log" >&2; exit 1; }
	fi
	if ! "${run_as[@]}" "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
		"${run_as[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
			-o "-c listen_addresses='' -c unix_socket_directories='$dir' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300 -c shared_buffers=1GB -c maintenance_work_mem=256MB -c work_mem=32MB -c max_wal_size=4GB" \
			start >/dev/null || { tail -n 30 "$dir/server.log" >&2; exit 1; }
	fi
	echo "$url"
	;;
stop)
	if [ -f "$dir/data/PG_VERSION" ]; then
		"${run_as[@]}" "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
	fi
	;;
url)
	echo "$url"
	;;
db)
	name=${3:?usage: $0 db DIR NAME}
	exists=$("$bin/psql" "$url" -Atc "SELECT 1 FROM pg_database WHERE datname = '$name'")
	[ "$exists" = 1 ] || "$bin/psql" "$url" -qc "CREATE DATABASE \"$name\"" >/dev/null
	echo "postgres://$admin@/$name?host=$dir&sslmode=disable"
	;;
drop)
	name=${3:?usage: $0 drop DIR NAME}
	exists=$("$bin/psql" "$url" -Atc "SELECT 1 FROM pg_database WHERE datname = '$name'")
	if [ "$exists" = 1 ]; then
		"$bin/psql" "$url" -qc "DROP DATABASE \"$name\"" >/dev/null
		echo dropped
	fi
	;;
*)
	echo "usage: $0 start|stop|url|db|drop DIR [NAME]" >&2
	exit 2
	;;
esac

#!/usr/bin/env bash
# run.sh — what `make run` runs: a private PostgreSQL in .data/pg (kept
# between runs), the channel simulator with the demo scenario, its shipments
# and sending units registered (Norwegian letters through SvarUt and Altinn,
# Danish letters through Digital Post), mailpit, and postvakt serving (API,
# UI, polling, escalation, notices) on 127.0.0.1 until Ctrl-C. The
# simulator's letters were sent over the ten days up to now; its clock
# starts eight days behind and catches up in five minutes, sending,
# delivering and opening them one after another, and they are registered
# as they are sent. The demo policies (testdata/demo/policies: no send
# window, windows of one to three business days) make reminders, print
# orders, a held batch and follow-up mails show within those minutes at
# any hour. Every run is a fresh demo (the simulator's world is made anew):
# the database of the previous run is dropped.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .data/bin
chmod 755 .data # the cluster may run as another user (see pg.sh)

# One demo a checkout: a second would drop the first's database, remove its
# passwords and token, and stop its cluster when it ends, whatever ports
# it is given. The lock is held until this script ends (killed too).
exec 9>.data/run.lock
if ! flock -n 9; then
	echo "make run: a demo runs in this checkout already ($(pwd)); stop it (Ctrl-C in its terminal)," \
		"or run a second one from another clone (git clone $(pwd) ../postvakt-2), with other ports" >&2
	exit 1
fi

# The loopback ports the demo listens on: the UI and API, mailpit's inbox and
# its SMTP port. One taken (another make run, a mailpit of one's own) would
# have postvakt or mailpit fail after the set-up, or the reminders go into
# someone else's inbox: refuse before starting anything, naming the override.
addr=${POSTVAKT_ADDR:-127.0.0.1:8080}
mail_port=${POSTVAKT_DEMO_MAIL_PORT:-8025}
smtp_port=${POSTVAKT_DEMO_SMTP_PORT:-1025}
taken() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }
# A port to use instead of a taken one: 10000 above it (below it past
# 65535), or the next free one from there.
instead() {
	local p=$(($2 + 10000)) i
	[ "$p" -le 65535 ] || p=$(($2 - 10000))
	for i in $(seq 100); do
		taken "$1" "$p" || break
		p=$((p + 1))
	done
	echo "$p"
}
host=${addr%:*} host=${host#[} host=${host%]}
busy=
for p in "POSTVAKT_ADDR ${host:-127.0.0.1} ${addr##*:}" "POSTVAKT_DEMO_MAIL_PORT 127.0.0.1 $mail_port" "POSTVAKT_DEMO_SMTP_PORT 127.0.0.1 $smtp_port"; do
	set -- $p
	if taken "$2" "$3"; then
		echo "make run: $2:$3 is taken by another program (a demo of another clone, a mailpit of one's own); choose a free port with $1" >&2
		if [ "$1" = POSTVAKT_ADDR ]; then
			busy="$busy $1=127.0.0.1:$(instead "$2" "$3")"
		else
			busy="$busy $1=$(instead "$2" "$3")"
		fi
	fi
done
if [ -n "$busy" ]; then
	echo "make run: e.g.$busy make run" >&2
	exit 1
fi

# The address to open (the message, the mails' links): the listen address,
# or the loopback one when it names every address (:8080, 0.0.0.0:8080,
# [::]:8080), which no browser opens.
case $host in
'' | 0.0.0.0 | ::) open_addr=127.0.0.1:${addr##*:} ;;
*) open_addr=$addr ;;
esac

echo "building postvakt…"
bash scripts/build.sh .data/bin/postvakt
pv=.data/bin/postvakt

# What runs in the background ends with this script even when it is
# killed outright (kill -9 of the script alone, which no trap sees): the
# kernel sends each a SIGTERM when the script dies (setpriv --pdeathsig,
# util-linux), and serve stops softly. Without setpriv (not Linux) they
# outlive such a kill, as before.
pdeath=
if setpriv --pdeathsig TERM true 2>/dev/null; then
	pdeath="setpriv --pdeathsig TERM --"
fi
# serve runs in a session of its own (setsid, util-linux): a Ctrl-C in the
# terminal, a SIGINT to the whole foreground process group, reached serve
# too (it takes SIGINT though started in the background), and the
# clean-up's SIGTERM was then a second signal, which stops serve at once,
# as a crash would, instead of letting what it runs finish. Now the
# clean-up's is the one signal it gets. Only with setpriv: out of the
# script's process group, a kill of the group would not reach it.
own_session=
if [ -n "$pdeath" ] && command -v setsid >/dev/null; then
	own_session=setsid
fi

sim_pid=
mail_pid=
import_pid=
serve_pid=
cleanup() {
	# serve first, and waited for: its soft stop gives its claims back to
	# the database, which is stopped last.
	if [ -n "$serve_pid" ]; then
		kill "$serve_pid" 2>/dev/null || true
		wait "$serve_pid" 2>/dev/null || true
	fi
	[ -n "$import_pid" ] && kill "$import_pid" 2>/dev/null || true
	[ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null || true
	[ -n "$mail_pid" ] && kill "$mail_pid" 2>/dev/null || true
	scripts/pg.sh stop .data/pg
}
trap cleanup EXIT
# A TERM or a HUP (a process manager, kill, a closed terminal) ends the
# script through its clean-up, as Ctrl-C does.
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# Without the lock's descriptor: the cluster outlives a run killed
# outright (pg_ctl starts it in a session of its own, kept between runs),
# and holding the lock it would refuse every later run.
scripts/pg.sh start .data/pg 9>&- >/dev/null
# A fresh demo each run: the simulator makes its world anew (the same
# letters, sent over the ten days up to this run's start), so an earlier
# run's database would hold them with the old times and states, and a
# clock behind everything it knows. The cluster stays; the database, its
# users and token go.
behind=${POSTVAKT_DEMO_BEHIND:-192h}
speed=${POSTVAKT_DEMO_SPEED:-2304}
if [ -n "$(scripts/pg.sh drop .data/pg postvakt)" ]; then
	echo "make run: a fresh demo: the earlier run's letters, users and token (database postvakt in .data/pg) are removed;" \
		"the simulator makes its world anew on every run"
fi
rm -f .data/demo-token .data/demo-password .data/compliance-password
DATABASE_URL=$(scripts/pg.sh db .data/pg postvakt)
export DATABASE_URL
export POSTVAKT_ADDR=$addr
# No load balancer in front: Ctrl-C does not wait for one to see /readyz.
export POSTVAKT_STOP_DRAIN=${POSTVAKT_STOP_DRAIN:-0s}
export POSTVAKT_POLL_SCHEDULE=${POSTVAKT_POLL_SCHEDULE:-@every 10s}
# The demo's letters are days old by the real clock, so by their age they
# would be asked about every half hour: at every poll instead, so that what
# the simulator does while it catches up (hours of its time every poll:
# delivered, opened, failed) shows at once, and the escalation sees the
# letters as they are now.
export POSTVAKT_POLL_MAX_WAIT=${POSTVAKT_POLL_MAX_WAIT:-5s}
# The health rules (testdata/demo/policies/health.yaml): every minute, so the
# scripted lost letters and the organisations that never open show at once.
export POSTVAKT_HEALTH_SCHEDULE=${POSTVAKT_HEALTH_SCHEDULE:-@every 1m}
export POSTVAKT_POLICIES=${POSTVAKT_POLICIES:-testdata/demo/policies}
export POSTVAKT_NOTICE_SCHEDULE=${POSTVAKT_NOTICE_SCHEDULE:-@every 30s}
export POSTVAKT_PUBLIC_URL=${POSTVAKT_PUBLIC_URL:-http://$open_addr}

# The simulator: SvarUt, Altinn, Danish Digital Post (its event log, over
# plain HTTP on loopback), Maskinporten, Enhetsregisteret, the CVR, print,
# notifications. Its environment lines (sim.env) point postvakt at all of
# them, the CVR's and Digital Post's credentials included. It keeps the
# Maskinporten client key it accepts in .data/maskinporten.pem and prints it
# as POSTVAKT_MASKINPORTEN_KEY_FILE with the other lines.
rm -f .data/sim.env
# The simulated time starts eight days behind the real time and catches up
# at 2304x (in five minutes), then keeps to it: postvakt refuses a status
# dated in the future, as it would a real channel's. The world's letters
# were sent over the ten days up to now (--behind anchors it there): those
# of the last eight days are sent while the clock catches up.
$pdeath $pv sim --addr 127.0.0.1:0 --scenario "${POSTVAKT_DEMO_SCENARIO:-demo}" --seed 1 --behind "$behind" --speed "$speed" \
	--key-dir .data >.data/sim.env 2>.data/sim.log &
sim_pid=$!
for _ in $(seq 100); do
	grep -q '^POSTVAKT_MASKINPORTEN_KEY_FILE=' .data/sim.env 2>/dev/null && break
	kill -0 "$sim_pid" 2>/dev/null || { cat .data/sim.log >&2; exit 1; }
	sleep 0.1
done
# Line by line, not sourced: the key file's path is the checkout's, which
# may have a space or a parenthesis ("postvakt (2)").
while IFS= read -r line; do
	[ -z "$line" ] || export "${line?}"
done <.data/sim.env

# A real SMTP server with a web inbox for the reminders: mailpit.
mailpit=$(scripts/mailpit.sh)
$pdeath "$mailpit" --smtp 127.0.0.1:$smtp_port --listen 127.0.0.1:$mail_port \
	--disable-version-check --smtp-disable-rdns --quiet >.data/mailpit.log 2>&1 &
mail_pid=$!
export POSTVAKT_SMTP_ADDR=127.0.0.1:$smtp_port
export POSTVAKT_SMTP_FROM=postvakt@demo.invalid
export POSTVAKT_ESCALATE_SCHEDULE=${POSTVAKT_ESCALATE_SCHEDULE:-@every 1m}
# Organisation names from the registers: soon after the start, not in 5 minutes.
export POSTVAKT_NAMES_SCHEDULE=${POSTVAKT_NAMES_SCHEDULE:-@every 20s}

$pv migrate
# The demo's credentials and letters (titles, national ids) are for this
# user alone: .data stays readable for the cluster's user.
umask 077
$pv token create --name demo --role admin >.data/demo-token
$pv user add --name demo --role admin </dev/null | sed -n 's/.*shown once): //p' >.data/demo-password
# A compliance officer with an address: the escalation notices (held print
# batch, manual handling, failed letters) and the daily digest go there.
$pv user add --name compliance --role compliance --email compliance@demo.invalid </dev/null |
	sed -n 's/.*shown once): //p' >.data/compliance-password
# The letters sent by the simulator's now (its first two days); the rest
# are registered as they are sent, below.
curl -fsS "$POSTVAKT_SIM_URL/shipments.csv" -o .data/demo-shipments.csv
curl -fsS "$POSTVAKT_SIM_URL/shipments.csv?sent_by=now" -o .data/demo-sent.csv
$pv import .data/demo-sent.csv
# Reminder addresses of the Danish receiving businesses (Altinn Profile, the
# simulator's, knows the Norwegian ones only), so the demo shows a Danish
# reminder too; and of half the Norwegian ones (those whose number ends in
# an even digit), as an operator imports them: they get the reminder by
# e-mail, in Norwegian, with an Altinn Notifications order beside it, while
# those Altinn Profile alone knows get the order alone (remind.RouteOf).
{
	echo "orgnr,email"
	sed -nE 's/^digitalpost,[^,]*,[^,]*,[^,]*,org,([0-9]{8}),.*/\1,post@cvr\1.demo.invalid/p' .data/demo-shipments.csv | sort -u
	sed -nE 's/^(svarut|altinn),[^,]*,[^,]*,[^,]*,org,([0-9]{8}[02468]),.*/\2,postmottak@org\2.demo.invalid/p' .data/demo-shipments.csv | sort -u
} >.data/demo-contacts.csv
if [ "$(wc -l <.data/demo-contacts.csv)" -gt 1 ]; then
	$pv contacts import .data/demo-contacts.csv
fi
# The sending units' addresses: follow-up mails go to the unit and its manager.
curl -fsS "$POSTVAKT_SIM_URL/units.csv" -o .data/demo-units.csv
$pv units import .data/demo-units.csv

# The sender systems register their letters as they send them: every ten
# seconds, the letters the simulator has sent by its now (an import is
# idempotent), until all of them are, or this script is gone (killed
# outright: the simulator with it). Its output: .data/import.log. It
# holds no lock: the clean-up kills the loop, not the sleep it is in,
# which would refuse a run started at once after this one.
all=$(wc -l <.data/demo-shipments.csv)
run_pid=$$
(
	while sleep 10 && kill -0 "$run_pid" 2>/dev/null; do
		curl -fsS "$POSTVAKT_SIM_URL/shipments.csv?sent_by=now" -o .data/demo-sent.csv && $pv import .data/demo-sent.csv || continue
		[ "$(wc -l <.data/demo-sent.csv)" -lt "$all" ] || break
	done
) 9>&- >.data/import.log 2>&1 &
import_pid=$!

# The commands on this demo (print list, notifications list, policy
# explain, escalate --once --dry-run): its database, its policies (the
# default, policies/, would tell another schedule), its mail server and
# simulator. For this user alone (umask above).
{
	while IFS='=' read -r k v; do
		[ -z "$k" ] || printf "%s='%s'\n" "$k" "$v"
	done <.data/sim.env
	policies=$POSTVAKT_POLICIES
	[ "${policies#/}" != "$policies" ] || policies=$PWD/$policies
	printf "%s='%s'\n" DATABASE_URL "$DATABASE_URL" POSTVAKT_POLICIES "$policies" POSTVAKT_SMTP_ADDR "$POSTVAKT_SMTP_ADDR" \
		POSTVAKT_SMTP_FROM "$POSTVAKT_SMTP_FROM" POSTVAKT_PUBLIC_URL "$POSTVAKT_PUBLIC_URL"
} >.data/demo.env

token=$(cat .data/demo-token)
look=
if [ "${POSTVAKT_DEMO_SCENARIO:-demo}" = demo ]; then
	look="Over the next five minutes, while the simulator's clock catches up: letters are registered,
delivered and opened one after another (Overview, Unopened); reminders to the businesses with
unopened letters, follow-up mails and notices arrive in mailpit every minute; letters fall back to
print (Lists: print ordered) and Print batches has a held batch to release; within two minutes
Alerts has unit_delivery_drop (Bymiljøetaten's SvarUt letters never arrived: Unknown to channel),
within three never_opening_org for the organisations that never open."
fi
cat <<MSG

postvakt demo
  UI:         http://$open_addr/   user demo, password $(cat .data/demo-password)
              (compliance officer: user compliance, password $(cat .data/compliance-password))
  API:        http://$open_addr/api/v1/shipments
  token:      $token   (also in .data/demo-token)
  try:        curl -H "Authorization: Bearer $token" "http://$open_addr/api/v1/shipments?state=opened&limit=5"
  simulator:  $POSTVAKT_SIM_URL (log in .data/sim.log; its clock starts $behind behind and
              catches up at ${speed}x, then keeps to the real time; new letters registered as
              they are sent, log in .data/import.log)
  channels:   SvarUt and Altinn (Bergen kommune), Digital Post (Københavns Kommune, Danish letters)
  mail:       http://127.0.0.1:$mail_port/ (mailpit inbox: reminders, follow-up mails to units and managers,
              notices and health alerts to compliance@demo.invalid)
  policies:   $POSTVAKT_POLICIES (demo: no send window, windows of 1-3 business days)
  database:   $DATABASE_URL
  commands:   set -a; . .data/demo.env; set +a; .data/bin/postvakt print list
              (.data/demo.env: the demo's database, policies, mail server and simulator)
$look
Ctrl-C (or a SIGTERM) stops postvakt, the simulator, mailpit and the database.

MSG
# In the background, waited for: a signal to this script reaches the
# clean-up at once, which stops serve (it ran in the foreground, and a
# SIGTERM to the script left it running against a stopped database).
$own_session $pdeath $pv serve &
serve_pid=$!
wait "$serve_pid"

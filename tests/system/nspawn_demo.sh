#!/usr/bin/env bash
# The demo host against a real systemd: a Debian 12 root (debootstrap, cached) booted with
# systemd-nspawn. The demo's generations are built into the container's root from outside;
# inside it, the generations' own programs install, switch, switch again and roll back, and the
# real tools (systemctl show, getent, ss, stat, readlink) check that what was planned happened.
#
#   nspawn_demo.sh DEMO DEMO-NEXT CAIRN-AGE      exit 0 passed, 1 failed, 77 skipped
set -uo pipefail
demo=$(readlink -f "$1")
next=$(readlink -f "$2")
export CAIRN_AGE
CAIRN_AGE=$(readlink -f "$3")
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../activation/nspawn/harness.sh
source "$here/../activation/nspawn/harness.sh"

[ "$(id -u)" -eq 0 ] || harness_skip "needs root (debootstrap, systemd-nspawn)"
base=$(harness_build_root)
rc=$?
[ $rc -eq 0 ] || exit $rc
repo=$(mktemp -d /tmp/cairn-nspawn-repo.XXXXXX)
trap 'harness_halt; rm -rf "$repo"' EXIT
harness_boot "$base"
root=$HARNESS_MERGED
# The secrets the hosts read, encrypted to the container's host key (made here).
export CAIRN_REPO=$repo
"$here/prepare_secrets" "$root" "$repo" || { echo "FAIL: preparing the secrets" >&2; exit 1; }

passed=0
failed=0
check() {  # DESCRIPTION EXPECTED ACTUAL
  if [ "$2" = "$3" ]; then passed=$((passed + 1)); else
    failed=$((failed + 1))
    printf 'FAIL: %s\n  expected: %s\n  actual:   %s\n' "$1" "$2" "$3" >&2
  fi
}
check_contains() {  # DESCRIPTION NEEDLE HAYSTACK
  if grep -qF -- "$2" <<<"$3"; then passed=$((passed + 1)); else
    failed=$((failed + 1))
    printf 'FAIL: %s\n  expected to contain: %s\n  in:\n%s\n' "$1" "$2" "$3" >&2
  fi
}
show() { harness_exec systemctl show -p "$2" --value "$1"; }
listening() { harness_exec ss -ltnH "sport = :$1" | grep -q LISTEN && echo yes || echo no; }
wait_for() {  # CMD...: up to 10 s for a condition inside the container
  local i
  for i in $(seq 1 50); do harness_exec "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
  return 1
}

# The demo host's generations, built by the host binaries into the container's store.
t1=$("$demo" build --root "$root" 2>/dev/null) || { echo "FAIL: building the demo" >&2; exit 1; }
t2=$("$next" build --root "$root" 2>/dev/null) || { echo "FAIL: building demo-next" >&2; exit 1; }
echo "acceptance: generation 1 = $t1, generation 2 = $t2" >&2
program1=$t1/bin/switch-to-configuration
program2=$t2/bin/switch-to-configuration

# ---- not cairn's yet: switch refuses; install says what it takes over ------------------------------
out=$(harness_exec "$program1" switch 2>&1)
check "switch before install exits 1" 1 $?
check_contains "switch before install says why" "install --root /" "$out"
out=$(harness_exec "$program1" install --root / 2>&1)
check "install exits 0" 0 $?
check_contains "install says what it takes over" "cairn will manage /:" "$out"
check "Debian's ssh.service runs before" active "$(show ssh.service ActiveState)"
check "Debian's nginx runs before" active "$(show nginx.service ActiveState)"
check "Debian's postgresql runs before" active "$(show postgresql.service ActiveState)"

# ---- generation 1: the demo host -------------------------------------------------------------------
# A host key gone missing (a new machine has none): sshd.service makes it before it starts.
harness_exec rm -f /etc/ssh/ssh_host_ed25519_key /etc/ssh/ssh_host_ed25519_key.pub
out=$(harness_exec "$program1" switch 2>&1)
check "switch to generation 1 exits 0" 0 $?
# Debian's ssh.service is masked; its postgresql.service (a oneshot for its clusters) is replaced.
check_contains "gen1: Debian's ssh.service and postgresql.service stopped" "stopping the following units: postgresql.service, ssh.service" "$out"
check_contains "gen1: our units started" "starting the following units: demo-dump.timer, heartbeat.service, nftables.service, postgresql-setup.service, postgresql.service, sshd.service" "$out"
check_contains "gen1: Debian's nginx gives way to ours" "restarting the following units: nginx.service" "$out"
check "gen1: ssh.service masked" masked "$(show ssh.service UnitFileState)"
check "gen1: ssh.service inactive" inactive "$(show ssh.service ActiveState)"
check "gen1: sshd.service active" active "$(show sshd.service ActiveState)"
check "gen1: heartbeat.service active" active "$(show heartbeat.service ActiveState)"
wait_for grep -q . /run/heartbeat
check "gen1: heartbeat beats" 1 "$(harness_exec grep -c '^[0-9]*$' /run/heartbeat)"
check "gen1: sshd listens on 2222" yes "$(listening 2222)"
check "gen1: sshd made the missing host key" "600 root" "$(harness_exec stat -c '%a %U' /etc/ssh/ssh_host_ed25519_key)"
check "gen1: nothing on 22" no "$(listening 22)"
get() { harness_exec curl -sS --max-time 5 "http://127.0.0.1$1" 2>&1; }
check "gen1: nginx.service active" active "$(show nginx.service ActiveState)"
check "gen1: nginx runs as nginx" nginx "$(show nginx.service User)"
check "gen1: nginx listens on 80" yes "$(listening 80)"
check_contains "gen1: nginx serves the site from the system profile" "Served by nginx, configured by cairn." "$(get /)"
check "gen1: nginx's health check" ok "$(get /health)"
check "gen1: a missing page" 404 "$(harness_exec curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1/missing)"
check "gen1: nftables.service active" active "$(show nftables.service ActiveState)"
ruleset=$(harness_exec nft list ruleset 2>&1)
check_contains "gen1: the firewall's table" "table inet nixos-fw" "$ruleset"
check_contains "gen1: the firewall opens sshd's and nginx's ports" "tcp dport { 80, 2222 } accept" "$ruleset"
psql() {  # USER SQL [ARGS...]: one query, unaligned
  local user=$1 sql=$2
  shift 2
  harness_exec runuser -u "$user" -- /usr/lib/postgresql/15/bin/psql -X -tA "$@" -c "$sql" 2>&1
}
check "gen1: postgresql.service active" active "$(show postgresql.service ActiveState)"
check "gen1: postgres runs as postgres" postgres "$(show postgresql.service User)"
check "gen1: postgresql-setup ran" active "$(show postgresql-setup.service ActiveState)"
check "gen1: the data directory, made by initdb" 15 "$(harness_exec cat /var/lib/postgresql/15/PG_VERSION)"
check "gen1: postgresql.conf through /etc" /etc/postgresql/postgresql.conf "$(harness_exec readlink /var/lib/postgresql/15/postgresql.conf)"
check "gen1: postgres on localhost:5432" yes "$(listening 5432)"
check "gen1: the ensured database and its owner" demo "$(psql postgres "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'demo'")"
check "gen1: alice logs in as herself (peer)" alice "$(psql alice 'SELECT current_user' -d demo)"
check_contains "gen1: the postgres user" "postgres:x:101:" "$(harness_exec getent passwd postgres)"
check_contains "gen1: Debian's postgres keeps its uid, said" "not applying UID change of user 'postgres' (101 -> 71)" "$out"
check "gen1: the nightly dump's timer" active "$(show demo-dump.timer ActiveState)"
harness_exec systemctl start demo-dump.service
check "gen1: the dump ran" 0 $?
check_contains "gen1: the dump, made by pg_dump as postgres" "PostgreSQL database dump complete" "$(harness_exec cat /var/lib/demo-dump/demo.sql)"
check "gen1: the locale" "LANG=C.UTF-8" "$(harness_exec grep ^LANG= /etc/locale.conf)"
check "gen1: journald.conf, Debian's kept aside" "SystemMaxUse=200M yes" "$(harness_exec grep -h ^SystemMaxUse= /etc/systemd/journald.conf) $(harness_exec test -e /etc/systemd/journald.conf.cairn-backup && echo yes)"
# Every unit cairn wrote, checked by the machine's systemd against the machine's programs.
units=$(harness_exec sh -c 'cd /etc/static/systemd/system && find -L . -maxdepth 1 -type f \( -name "*.service" -o -name "*.timer" \) -printf "%f\n" | sort')
check_contains "gen1: nginx's unit is among cairn's" nginx.service "$units"
units=$(echo $units)
verify=$(harness_exec sh -c "cd /etc/static/systemd/system && systemd-analyze verify --man=no $units" 2>&1)
rc=$?
check "gen1: systemd-analyze verify accepts cairn's units ($units)" "0:" "$rc:$verify"
check "gen1: alice may sudo without a password" 0 "$(harness_exec runuser -u alice -- sudo -n id -u 2>/dev/null)"
check "gen1: alice" "alice:x:1000:100:Alice:/home/alice:/bin/bash" "$(harness_exec getent passwd alice)"
check_contains "gen1: alice is in wheel" "alice" "$(harness_exec getent group wheel)"
check "gen1: home" "700 alice users" "$(harness_exec stat -c '%a %U %G' /home/alice)"
check "gen1: /etc/static" "$t1/etc" "$(harness_exec readlink /etc/static)"
check "gen1: sshd_config through /etc/static" "/etc/static/ssh/sshd_config" "$(harness_exec readlink /etc/ssh/sshd_config)"
check_contains "gen1: sshd_config" "Port 2222" "$(harness_exec cat /etc/ssh/sshd_config)"
check "gen1: Debian's motd kept aside" yes "$(harness_exec test -e /etc/motd.cairn-backup && echo yes || echo no)"
check "gen1: motd" "Welcome to demo, managed by cairn." "$(harness_exec cat /etc/motd)"
check "gen1: authorized keys" 1 "$(harness_exec grep -c alice@laptop /etc/ssh/authorized_keys.d/alice)"
check "gen1: the activation script ran" "$t1" "$(harness_exec cat /var/lib/demo/last-activation)"
check "gen1: hello in the system profile" "Hello from demo!" "$(harness_exec sh -c '/run/current-system/sw/bin/hello' 2>/dev/null | sed 's/from .*!/from demo!/')"
token=$("$CAIRN_AGE" -d -i "$root/cairn/var/keys/host.age" "$repo/hosts/demo/secrets/api-token.age")
check "gen1: the secret, readable by alice alone" "alice root 400" "$(harness_exec stat -c '%U %G %a' /run/secrets/api-token)"
check "gen1: the secret's value" "$token" "$(harness_exec runuser -u alice -- cat /run/secrets/api-token)"
check "gen1: the secrets live on a ramfs" ramfs "$(harness_exec stat -f -c %T /run/secrets.d/)"
check "gen1: the template, rendered on the machine" "API_TOKEN=$token" "$(harness_exec cat /run/secrets/rendered/api.env)"
check "gen1: current-system" "$t1" "$(harness_exec readlink /run/current-system)"
check "gen1: profile" "system-1-link" "$(harness_exec readlink /cairn/var/profiles/system)"

# ---- generation 2: restart, reload, start --------------------------------------------------------------
sshd_pid=$(show sshd.service MainPID)
heartbeat_pid=$(show heartbeat.service MainPID)
postgres_pid=$(show postgresql.service MainPID)
journald_pid=$(show systemd-journald.service MainPID)
out=$(harness_exec "$program2" switch 2>&1)
check "switch to generation 2 exits 0" 0 $?
check_contains "gen2: restarts" "restarting the following units: nginx.service, sshd.service, systemd-journald.service" "$out"
check_contains "gen2: postgresql-setup stopped for its new script" "stopping the following units: postgresql-setup.service" "$out"
check_contains "gen2: reloads" "reloading the following units: heartbeat.service" "$out"
check_contains "gen2: starts" "starting the following units: greeter.service, postgresql-setup.service" "$out"
[ "$(show sshd.service MainPID)" != "$sshd_pid" ] && check "gen2: sshd restarted" 1 1 || check "gen2: sshd restarted" "a new pid" "$sshd_pid"
check "gen2: sshd listens on 2223" yes "$(listening 2223)"
check "gen2: sshd no longer on 2222" no "$(listening 2222)"
check_contains "gen2: the firewall follows sshd" "tcp dport { 80, 2223 } accept" "$(harness_exec nft list ruleset 2>&1)"
check "gen2: nginx's new location" two "$(get /generation)"
check_contains "gen2: nginx still serves the site" "Served by nginx, configured by cairn." "$(get /)"
[ "$(show systemd-journald.service MainPID)" != "$journald_pid" ] && check "gen2: journald restarted for its new journald.conf" 1 1 || check "gen2: journald restarted for its new journald.conf" "a new pid" "$journald_pid"
check_contains "gen2: journald.conf" "SystemMaxUse=100M" "$(harness_exec cat /etc/systemd/journald.conf)"
check "gen2: the new database" generation_two "$(psql postgres "SELECT datname FROM pg_database WHERE datname = 'generation_two'")"
check "gen2: postgres itself not restarted" "$postgres_pid" "$(show postgresql.service MainPID)"
check "gen2: heartbeat reloaded, not restarted" "$heartbeat_pid" "$(show heartbeat.service MainPID)"
wait_for grep -q reloaded /run/heartbeat.reloads
check "gen2: heartbeat's ExecReload ran" reloaded "$(harness_exec cat /run/heartbeat.reloads)"
check_contains "gen2: heartbeat.conf" "interval=5" "$(harness_exec cat /etc/heartbeat.conf)"
check "gen2: greeter started" active "$(show greeter.service ActiveState)"
check "gen2: bob" "bob:x:1001:100::/home/bob:/bin/bash" "$(harness_exec getent passwd bob)"
check "gen2: bob's password hash, from a secret" '$6$cairnsalt$0nc7Q2c1gGqVY9U3HbmFJc0Crp5ucmEFrWXqWL7cR4Gd9pN1g2tHhBvWnYfQ3p5qZp9uGv3Kk1c0x8m2Jm3sT/' "$(harness_exec getent shadow bob | cut -d: -f2)"
check "gen2: the compiled package runs" 1 "$(harness_exec /run/current-system/sw/bin/uptime-days | grep -c '^up ')"
check "gen2: profile" "system-2-link" "$(harness_exec readlink /cairn/var/profiles/system)"

# ---- rollback: generation 1 again, by its own program ------------------------------------------------
out=$(harness_exec "$program2" rollback --root / 2>&1)
check "rollback exits 0" 0 $?
check_contains "rollback: profile" "switching profile from version 2 to 1" "$out"
check_contains "rollback: stops greeter" "stopping the following units: greeter.service" "$out"
check "rollback: greeter stopped" inactive "$(show greeter.service ActiveState)"
check "rollback: sshd back on 2222" yes "$(listening 2222)"
check "rollback: nginx's location gone" 404 "$(harness_exec curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1/generation)"
check "rollback: heartbeat reloaded again" 2 "$(harness_exec grep -c reloaded /run/heartbeat.reloads)"
check "rollback: a database is never dropped" generation_two "$(psql postgres "SELECT datname FROM pg_database WHERE datname = 'generation_two'")"
check "rollback: bob gone (cairn created him)" "" "$(harness_exec getent passwd bob)"
check "rollback: current-system" "$t1" "$(harness_exec readlink /run/current-system)"
check "rollback: profile" "system-1-link" "$(harness_exec readlink /cairn/var/profiles/system)"
check "rollback: /etc/static" "$t1/etc" "$(harness_exec readlink /etc/static)"
check "rollback: system state" running "$(harness_exec systemctl is-system-running 2>/dev/null || true)"

echo "acceptance (demo host): $passed checks passed, $failed failed" >&2
[ "$failed" -eq 0 ]

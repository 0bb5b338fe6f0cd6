#!/usr/bin/env bash
# Acceptance against a real systemd: a Debian 12 root booted with systemd-nspawn; inside it,
# install, switch generation 1, switch generation 2, roll back; after each step the real tools
# (systemctl show, getent, ss, stat) check that what the plan said happened.
#
#   acceptance.sh DRIVER     DRIVER: a program with the activation commands and `demo-toplevel
#                            GEN --root R` (tests/activation/driver.cpp; later the demo host binary)
# Exit 0 passed, 1 failed, 77 skipped (no debootstrap, no mirror, or nspawn cannot boot here).
set -uo pipefail
driver=$(readlink -f "$1")
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=harness.sh
source "$here/harness.sh"

[ "$(id -u)" -eq 0 ] || harness_skip "needs root (debootstrap, systemd-nspawn)"
base=$(harness_build_root)
rc=$?
[ $rc -eq 0 ] || exit $rc
trap harness_halt EXIT
harness_boot "$base"
root=$HARNESS_MERGED

passed=0
failed=0
check() {  # check DESCRIPTION EXPECTED ACTUAL
  if [ "$2" = "$3" ]; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    printf 'FAIL: %s\n  expected: %s\n  actual:   %s\n' "$1" "$2" "$3" >&2
  fi
}
check_contains() {  # check_contains DESCRIPTION NEEDLE HAYSTACK
  if grep -qF -- "$2" <<<"$3"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    printf 'FAIL: %s\n  expected to contain: %s\n  in:\n%s\n' "$1" "$2" "$3" >&2
  fi
}
show() { harness_exec systemctl show -p "$2" --value "$1"; }
listening() { harness_exec ss -ltnH "sport = :$1" | grep -q LISTEN && echo yes || echo no; }

t1=$("$driver" demo-toplevel 1 --root "$root") || exit 1
t2=$("$driver" demo-toplevel 2 --root "$root") || exit 1
echo "acceptance: generation 1 = $t1, generation 2 = $t2" >&2

# ---- the machine is not cairn's yet: switch refuses, install takes it over ----------------------
out=$(harness_exec "$t1/bin/switch-to-configuration" switch 2>&1)
check "switch before install exits 1" 1 $?
check_contains "switch before install says why" "not managed by cairn yet; \`install --root /\`" "$out"
out=$(harness_exec "$t1/bin/switch-to-configuration" install --root / 2>&1)
check "install exits 0" 0 $?
check_contains "install says what it takes over" "cairn will manage /:" "$out"
check "install keeps the passwd it will rewrite" "$(harness_exec cat /etc/passwd)" "$(harness_exec cat /cairn/var/install-backup/passwd)"

# ---- generation 1 ----------------------------------------------------------------------------
ssh_pid0=$(show ssh.service MainPID)
out=$(harness_exec "$t1/bin/switch-to-configuration" switch 2>&1)
rc=$?
echo "$out" | sed 's/^/  gen1| /' >&2
check "switch to generation 1 exits 0" 0 $rc
check_contains "gen1: ssh.service stopped (its drop-in is new)" "stopping the following units: ssh.service" "$out"
check_contains "gen1: new units started" "starting the following units: cairn-hello.service, cairn-keep.service, cairn-old.service, cairn-restart.service, cairn-stopstart.service, ssh.service" "$out"
for u in cairn-hello cairn-keep cairn-old cairn-restart cairn-stopstart ssh; do
  check "gen1: $u.service active" active "$(show $u.service ActiveState)"
done
[ "$(show ssh.service MainPID)" != "$ssh_pid0" ] && check "gen1: sshd restarted" 1 1 || check "gen1: sshd restarted" "new pid" "$ssh_pid0"
check "gen1: sshd listens on 2222" yes "$(listening 2222)"
check "gen1: sshd no longer on 22" no "$(listening 22)"
check "gen1: alice" "alice:x:1000:100:Alice:/home/alice:/bin/bash" "$(harness_exec getent passwd alice)"
check "gen1: bob" "bob:x:1001:100::/var/empty:/usr/sbin/nologin" "$(harness_exec getent passwd bob)"
check_contains "gen1: cairn-svc has alice" ":alice" "$(harness_exec getent group cairn-svc)"
check "gen1: /etc/motd" "cairn demo, generation 1" "$(harness_exec cat /etc/motd)"
check "gen1: /etc/motd through /etc/static" "/etc/static/motd" "$(harness_exec readlink /etc/motd)"
check "gen1: /etc/static" "$t1/etc" "$(harness_exec readlink /etc/static)"
check "gen1: copied secret" "640 root cairn-svc" "$(harness_exec stat -c '%a %U %G' /etc/cairn/secret.conf)"
check "gen1: Debian's sshd_config kept aside" 1 "$(harness_exec grep -c 'Include /etc/ssh/sshd_config.d' /etc/ssh/sshd_config.cairn-backup)"
check "gen1: shadow mode" "640 root shadow" "$(harness_exec stat -c '%a %U %G' /etc/shadow)"
check "gen1: home" "700 alice users" "$(harness_exec stat -c '%a %U %G' /home/alice)"
check "gen1: current-system" "$t1" "$(harness_exec readlink /run/current-system)"
check "gen1: profile" "system-1-link" "$(harness_exec readlink /cairn/var/profiles/system)"
check "gen1: scripts ran in order" "a b" "$(harness_exec cat /var/lib/cairn-demo/order | tr '\n' ' ' | sed 's/ $//')"

# ---- generation 2: dry-activate, then switch -------------------------------------------------
declare -A pid
for u in cairn-hello cairn-keep cairn-restart cairn-stopstart ssh; do pid[$u]=$(show $u.service MainPID); done
out=$(harness_exec "$t1/bin/switch-to-configuration" dry-activate "$t2" 2>&1)
check "dry-activate exits 0" 0 $?
check_contains "dry-activate plan" "would stop the following units: cairn-old.service, cairn-stopstart.service, ssh.service" "$out"
check "dry-activate changed nothing" "$t1" "$(harness_exec readlink /run/current-system)"
check "dry-activate stopped nothing" active "$(show cairn-old.service ActiveState)"

out=$(harness_exec "$t2/bin/switch-to-configuration" switch 2>&1)
rc=$?
echo "$out" | sed 's/^/  gen2| /' >&2
check "switch to generation 2 exits 0" 0 $rc
check_contains "gen2: stops" "stopping the following units: cairn-old.service, cairn-stopstart.service, ssh.service" "$out"
check_contains "gen2: not restarted" "NOT restarting the following changed units: cairn-keep.service" "$out"
check_contains "gen2: reloads" "reloading the following units: cairn-hello.service" "$out"
check_contains "gen2: restarts" "restarting the following units: cairn-restart.service" "$out"
check_contains "gen2: starts" "starting the following units: cairn-new.service, cairn-stopstart.service, ssh.service" "$out"
check "gen2: cairn-old stopped" inactive "$(show cairn-old.service ActiveState)"
check "gen2: cairn-new started" active "$(show cairn-new.service ActiveState)"
check "gen2: cairn-hello reloaded, not restarted" "${pid[cairn-hello]}" "$(show cairn-hello.service MainPID)"
check "gen2: cairn-hello's ExecReload ran" "reloaded" "$(harness_exec cat /run/cairn-hello.reloads)"
check "gen2: cairn-keep not restarted" "${pid[cairn-keep]}" "$(show cairn-keep.service MainPID)"
check "gen2: cairn-keep's new file loaded" no "$(show cairn-keep.service NeedDaemonReload)"
for u in cairn-restart cairn-stopstart ssh; do
  [ "$(show $u.service MainPID)" != "${pid[$u]}" ] && check "gen2: $u restarted" 1 1 || check "gen2: $u restarted" "new pid" "${pid[$u]}"
  check "gen2: $u active" active "$(show $u.service ActiveState)"
done
check "gen2: sshd listens on 2223" yes "$(listening 2223)"
check "gen2: sshd no longer on 2222" no "$(listening 2222)"
check "gen2: bob gone" "" "$(harness_exec getent passwd bob)"
check "gen2: carol" "carol:x:1002:100::/var/empty:/usr/sbin/nologin" "$(harness_exec getent passwd carol)"
check "gen2: /etc/motd" "cairn demo, generation 2" "$(harness_exec cat /etc/motd)"
check "gen2: obsolete file removed" "gone" "$(harness_exec test -e /etc/cairn/only-in-1 && echo there || echo gone)"
check "gen2: profile" "system-2-link" "$(harness_exec readlink /cairn/var/profiles/system)"

# ---- rollback: generation 1's own program puts it back ----------------------------------------
out=$(harness_exec "$t2/bin/switch-to-configuration" rollback --root / 2>&1)
rc=$?
echo "$out" | sed 's/^/  rollback| /' >&2
check "rollback exits 0" 0 $rc
check_contains "rollback: profile" "switching profile from version 2 to 1" "$out"
check_contains "rollback: stops cairn-new" "stopping the following units: cairn-new.service" "$out"
check "rollback: cairn-new stopped" inactive "$(show cairn-new.service ActiveState)"
check "rollback: cairn-old started" active "$(show cairn-old.service ActiveState)"
check "rollback: sshd back on 2222" yes "$(listening 2222)"
check "rollback: bob back with his uid" "bob:x:1001:100::/var/empty:/usr/sbin/nologin" "$(harness_exec getent passwd bob)"
check "rollback: carol gone" "" "$(harness_exec getent passwd carol)"
check "rollback: /etc/motd" "cairn demo, generation 1" "$(harness_exec cat /etc/motd)"
check "rollback: current-system" "$t1" "$(harness_exec readlink /run/current-system)"
check "rollback: profile" "system-1-link" "$(harness_exec readlink /cairn/var/profiles/system)"
check_contains "rollback: list-generations" "$t1   (current)" "$(harness_exec "$t1/bin/switch-to-configuration" list-generations)"

# ---- killed after stopping units: the next switch finishes it with the real systemd ------------
out=$(harness_exec env CAIRN_TEST_CRASH_AT_STEP="units: stopped" "$t2/bin/switch-to-configuration" switch 2>&1)
check "killed switch exits by SIGKILL" 137 $?
check "killed switch: ssh.service was stopped" inactive "$(show ssh.service ActiveState)"
check "killed switch: journal left" yes "$(harness_exec test -e /cairn/var/activation/journal.json && echo yes || echo no)"
out=$(harness_exec "$t2/bin/switch-to-configuration" switch 2>&1)
rc=$?
echo "$out" | sed 's/^/  resume| /' >&2
check "switch after the kill exits 0" 0 $rc
check_contains "switch after the kill finishes the interrupted one" "finishing an interrupted switch of $t2" "$out"
for u in cairn-hello cairn-keep cairn-new cairn-restart cairn-stopstart ssh; do
  check "resumed: $u.service active" active "$(show $u.service ActiveState)"
done
check "resumed: cairn-old stopped" inactive "$(show cairn-old.service ActiveState)"
check "resumed: sshd listens on 2223" yes "$(listening 2223)"
check "resumed: /etc/motd" "cairn demo, generation 2" "$(harness_exec cat /etc/motd)"
check "resumed: profile" "system-2-link" "$(harness_exec readlink /cairn/var/profiles/system)"
check "resumed: journal gone" no "$(harness_exec test -e /cairn/var/activation/journal.json && echo yes || echo no)"
check "no failed units" "" "$(harness_exec systemctl list-units --failed --plain --no-legend | grep cairn)"

echo "acceptance: $passed passed, $failed failed" >&2
[ "$failed" -eq 0 ]

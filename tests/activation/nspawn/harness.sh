#!/usr/bin/env bash
# The real-systemd harness: a cached Debian 12 root made with debootstrap, booted with
# systemd-nspawn, entered with nsenter, always halted. Sourced by the acceptance scenarios;
# knows nothing of cairn.
#
#   harness_build_root          build (once) and print the cached root's path; exit 77 to skip
#   harness_boot MACHINE_DIR    boot a writable copy (overlay) of the root; sets HARNESS_PID
#   harness_exec CMD...         run a command inside the booted container
#   harness_halt                power the container off and clean up (installed as an EXIT trap)

HARNESS_CACHE=${CAIRN_TEST_CACHE:-/var/cache/cairn-test}
HARNESS_MIRROR=${CAIRN_TEST_DEBIAN_MIRROR:-http://deb.debian.org/debian}
# The demo host is a web server: nginx, PostgreSQL, an nftables firewall, sudo; curl asks nginx.
HARNESS_PACKAGES=systemd,systemd-sysv,dbus,openssh-server,iproute2,sudo,nginx,nftables,postgresql-15,curl
# One cached root per package list: a changed list builds a new one.
HARNESS_ROOT_CACHE=$HARNESS_CACHE/debootstrap-bookworm-$(printf %s "$HARNESS_PACKAGES" | md5sum | cut -c1-8)
HARNESS_PID=
HARNESS_NSPAWN_PID=
HARNESS_DIR=
HARNESS_MERGED=

harness_skip() { echo "SKIP: $*" >&2; exit 77; }

harness_build_root() {
  if [ -f "$HARNESS_ROOT_CACHE/.cairn-complete" ]; then echo "$HARNESS_ROOT_CACHE"; return 0; fi
  command -v debootstrap >/dev/null || harness_skip "debootstrap is not installed (tools/deps debootstrap systemd-container)"
  mkdir -p "$HARNESS_CACHE"
  exec 9>"$HARNESS_CACHE/.lock"
  flock 9
  if [ -f "$HARNESS_ROOT_CACHE/.cairn-complete" ]; then echo "$HARNESS_ROOT_CACHE"; return 0; fi
  local tmp=$HARNESS_ROOT_CACHE.partial
  rm -rf "$tmp"
  echo "harness: building the Debian 12 root in $HARNESS_ROOT_CACHE (once; cached)" >&2
  if ! debootstrap --variant=minbase --include="$HARNESS_PACKAGES" bookworm "$tmp" "$HARNESS_MIRROR" >"$HARNESS_CACHE/debootstrap.log" 2>&1; then
    tail -n 5 "$HARNESS_CACHE/debootstrap.log" >&2
    rm -rf "$tmp"
    harness_skip "debootstrap could not build a Debian 12 root from $HARNESS_MIRROR (log: $HARNESS_CACHE/debootstrap.log)"
  fi
  # A root password is not needed: we enter with nsenter. No getty noise on the console.
  chroot "$tmp" systemctl mask console-getty.service getty@tty1.service >/dev/null 2>&1 || true
  # Debian's package made a cluster (15/main) that its generator would start on 5432; the
  # machine's PostgreSQL is the one cairn configures, as on a server an admin hands to cairn.
  chroot "$tmp" pg_dropcluster 15 main >/dev/null 2>&1 || true
  touch "$tmp/.cairn-complete"
  mv "$tmp" "$HARNESS_ROOT_CACHE"
  echo "$HARNESS_ROOT_CACHE"
}

# Boots a copy of the cached root: an overlay when the kernel allows one, else a full copy.
harness_boot() {
  local base=$1
  command -v systemd-nspawn >/dev/null || harness_skip "systemd-nspawn is not installed (tools/deps systemd-container)"
  HARNESS_DIR=$(mktemp -d /tmp/cairn-nspawn.XXXXXX)
  mkdir -p "$HARNESS_DIR/upper" "$HARNESS_DIR/work" "$HARNESS_DIR/root"
  if mount -t overlay overlay -o "lowerdir=$base,upperdir=$HARNESS_DIR/upper,workdir=$HARNESS_DIR/work" "$HARNESS_DIR/root" 2>/dev/null; then
    HARNESS_MERGED=$HARNESS_DIR/root
  else
    cp -a "$base/." "$HARNESS_DIR/root/"
    HARNESS_MERGED=$HARNESS_DIR/root
  fi
  local name=cairn-test-$$
  systemd-nspawn --quiet --register=no --keep-unit --private-network -M "$name" -D "$HARNESS_MERGED" -b \
    >"$HARNESS_DIR/console.log" 2>&1 </dev/null &
  HARNESS_NSPAWN_PID=$!
  # PID 1 of the container: the child of systemd-nspawn whose comm is systemd.
  local i pid
  for i in $(seq 1 200); do
    for pid in $(pgrep -P "$HARNESS_NSPAWN_PID" 2>/dev/null); do
      if [ "$(cat /proc/$pid/comm 2>/dev/null)" = systemd ]; then HARNESS_PID=$pid; fi
    done
    [ -n "$HARNESS_PID" ] && break
    kill -0 "$HARNESS_NSPAWN_PID" 2>/dev/null || break
    sleep 0.1
  done
  if [ -z "$HARNESS_PID" ]; then
    tail -n 20 "$HARNESS_DIR/console.log" >&2
    harness_skip "systemd-nspawn could not boot the Debian root here"
  fi
  local state=
  for i in $(seq 1 300); do
    state=$(harness_exec systemctl is-system-running 2>/dev/null || true)
    case "$state" in running|degraded) break ;; esac
    sleep 0.2
  done
  case "$state" in
    running|degraded) echo "harness: container up (PID 1 = $HARNESS_PID, system $state)" >&2 ;;
    *) tail -n 20 "$HARNESS_DIR/console.log" >&2; harness_skip "the container did not finish booting (state '$state')" ;;
  esac
}

harness_exec() {
  nsenter -t "$HARNESS_PID" -a env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 "$@"
}

harness_halt() {
  if [ -n "$HARNESS_NSPAWN_PID" ] && kill -0 "$HARNESS_NSPAWN_PID" 2>/dev/null; then
    [ -n "$HARNESS_PID" ] && harness_exec systemctl poweroff --no-block >/dev/null 2>&1
    local i
    for i in $(seq 1 100); do kill -0 "$HARNESS_NSPAWN_PID" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$HARNESS_NSPAWN_PID" 2>/dev/null && kill -KILL "$HARNESS_NSPAWN_PID" 2>/dev/null
    wait "$HARNESS_NSPAWN_PID" 2>/dev/null
    echo "harness: container halted" >&2
  fi
  HARNESS_NSPAWN_PID=
  if [ -n "$HARNESS_DIR" ]; then
    # The overlay can stay busy for a moment after the container is gone: retry, then detach it.
    local n
    for n in $(seq 1 50); do
      mountpoint -q "$HARNESS_DIR/root" || break
      umount "$HARNESS_DIR/root" 2>/dev/null || sleep 0.1
    done
    mountpoint -q "$HARNESS_DIR/root" && umount -l "$HARNESS_DIR/root"
    mountpoint -q "$HARNESS_DIR/root" || rm -rf "$HARNESS_DIR"
    HARNESS_DIR=
  fi
}

#!/usr/bin/env bash
# Installs cairn from BUILD into a temporary prefix, builds this example against the installed
# package and checks its output on good and bad settings.
set -euo pipefail
build=$1
example=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cmake --install "$build" --prefix "$work/prefix" >/dev/null
cmake -S "$example" -B "$work/build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/build" >/dev/null
bin=$work/build/backupd
cp -r "$example/settings" "$work/settings"
cd "$work"

fail() { echo "FAIL: $*" >&2; exit 1; }

expect_ok() {  # settings expected-stdout
  local out
  out=$("$bin" "settings/$1") || fail "$1: exit $?"
  [ "$out" = "$2" ] || fail "$1: got:"$'\n'"$out"$'\n'"expected:"$'\n'"$2"
}
expect_error() {  # settings exit-code expected-stderr-substring...
  local file=$1 code=$2 err status=0
  shift 2
  err=$("$bin" "settings/$file" 2>&1 >/dev/null) || status=$?
  [ "$status" = "$code" ] || fail "$file: exit $status, expected $code; stderr: $err"
  for needle in "$@"; do
    [[ "$err" == *"$needle"* ]] || fail "$file: stderr lacks: $needle"$'\n'"stderr: $err"
  done
}

expect_ok good.json "every hourly snapshot of /home, /etc, keeping 7
  to offsite: sftp://backup.example.org/srv (zstd)
  to usb: file:///media/usb (none)"
expect_error bad-keep.json 1 \
  "A definition for option \`backup.keep' is not of type \`positive integer, meaning >0'. Definition values:" \
  "- In \`settings/bad-keep.json:3': 0"
expect_error misspelt.json 1 \
  "The option \`backup.schedul' does not exist. Definition values:" \
  "- In \`settings/misspelt.json:3': \"daily\"" \
  "Did you mean \`backup.schedule', \`backup.keep' or \`backup.paths'?"
expect_error bad-field.json 1 \
  "A definition for option \`backup.targets.offsite.compression' is not of type \`one of \"none\", \"zstd\", \"xz\"'" \
  "- In \`settings/bad-field.json:6': \"lz4\""
expect_error broken.json 1 "settings/broken.json:4: invalid JSON: expected a member name in double quotes"
expect_error does-not-exist.json 1 "cannot read \`settings/does-not-exist.json'"
echo "ok: the embedding example, built against the installed package, checks its settings"

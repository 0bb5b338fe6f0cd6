// modules/packages/demo.hpp: small packages the demo host installs, built by the store.
//
// cairn has no package collection of its own: a package is a recipe the store realises,
// either files written as given or a build script run in the store's sandbox with the host's
// /usr (its compiler among it) visible read-only.
#pragma once

#include <cairn/value.hpp>

namespace cairn::packages {

// Functions, not variables: a package holds strings, and the compiler must be able to make one
// while it evaluates a configuration.

// A shell script, written as given.
constexpr cairn::package hello() {
  return {
      .name = "hello",
      .version = "1.0",
      .files = {{.path = "bin/hello", .contents = "#!/bin/sh\necho \"Hello from $(hostname)!\"\n", .executable = true}},
  };
}

// The demo's web site, which nginx serves from the system profile (share/demo-site).
constexpr cairn::package demo_site() {
  return {
      .name = "demo-site",
      .version = "1.0",
      .files = {{.path = "share/demo-site/index.html",
                 .contents = "<!doctype html>\n<title>demo</title>\n<h1>demo</h1>\n<p>Served by nginx, configured by cairn.</p>\n"}},
  };
}

// A C program compiled by a builder script in the sandbox.
constexpr cairn::package uptime_days() {
  return {
      .name = "uptime-days",
      .version = "1.0",
      .build = R"(mkdir -p "$out/bin"
cat > main.c <<'C'
#include <stdio.h>
#include <sys/sysinfo.h>
int main(void) {
  struct sysinfo info;
  if (sysinfo(&info) != 0) return 1;
  printf("up %.1f days\n", info.uptime / 86400.0);
  return 0;
}
C
gcc -O2 -o "$out/bin/uptime-days" main.c   # gcc: /usr/bin/cc points into /etc/alternatives
)",
  };
}

}  // namespace cairn::packages

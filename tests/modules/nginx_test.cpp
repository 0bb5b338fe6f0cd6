// modules/system/services/nginx.hpp: nginx.conf as NixOS writes it, checked by Debian's nginx
// (`nginx -t`), then served for real on a free port of 127.0.0.1.
#include <netinet/in.h>
#include <sys/socket.h>

#include <filesystem>
#include <string>

#include <cairn/compile_time.hpp>
#include <cairn/fwd.hpp>

#include <modules/system/services/nginx.hpp>

#include "real_program.hpp"
#include "support.hpp"

namespace {

using cairn::testing::result;
using cairn::testing::run;
using cairn::testing::scratch;

namespace nginx = cairn::modules::services::nginx;
namespace vhost = nginx::virtual_host;
namespace loc = nginx::location;

// A static site and a proxied API, on 127.0.0.1 (the tests move port 18080 to a free one).
struct site_host {
  static constexpr cairn::meta meta{.hostname = "web"};
  using imports = cairn::imports<nginx::module>;
  static constexpr void config(cairn::definitions& d) {
    d.set(nginx::enable, true);
    d.set(nginx::recommended_proxy_settings, true);
    d.set(nginx::recommended_optimisation, true);
    d.set(nginx::default_listen_addresses, {"127.0.0.1"});
    d.set(nginx::default_http_listen_port, 18080);
    d.set(vhost::server_aliases("example.org"), {"www.example.org"});
    d.set(vhost::root("example.org"), "/var/www/example.org");
    d.set(loc::try_files("example.org", "/"), "$uri $uri/ =404");
    d.set(loc::proxy_pass("example.org", "/api/"), "http://127.0.0.1:3000");
    d.set(loc::proxy_websockets("example.org", "/api/"), true);
    d.set(loc::return_("example.org", "= /old"), "301 /new");
    d.set(loc::priority("example.org", "= /old"), 100);
    d.set(loc::alias("example.org", "/static/"), "/srv/static/");
    d.set(nginx::append_http_config, "log_format tiny '$remote_addr $status';");
  }
};
CAIRN_CHECK_AT_COMPILE_TIME(site_host);

// TLS from certificate paths: a forced redirect, an extra HTTPS-only host.
struct tls_host {
  static constexpr cairn::meta meta{.hostname = "tls"};
  using imports = cairn::imports<nginx::module>;
  static constexpr void config(cairn::definitions& d) {
    d.set(nginx::enable, true);
    d.set(nginx::recommended_tls_settings, true);
    d.set(nginx::recommended_gzip_settings, true);
    d.set(vhost::force_ssl("secure.example.org"), true);
    d.set(vhost::ssl_certificate("secure.example.org"), "/etc/ssl/site.crt");
    d.set(vhost::ssl_certificate_key("secure.example.org"), "/etc/ssl/site.key");
    d.set(loc::return_("secure.example.org", "/"), 204);
    d.set(vhost::only_ssl("api.example.org"), true);
    d.set(vhost::ssl_certificate("api.example.org"), "/etc/ssl/site.crt");
    d.set(vhost::ssl_certificate_key("api.example.org"), "/etc/ssl/site.key");
  }
};
CAIRN_CHECK_AT_COMPILE_TIME(tls_host);

// Explicit listen lines, as nginx writes them: TLS where one says `ssl`, a unix socket.
struct listen_host {
  static constexpr cairn::meta meta{.hostname = "listen"};
  using imports = cairn::imports<nginx::module>;
  static constexpr void config(cairn::definitions& d) {
    d.set(nginx::enable, true);
    d.set(vhost::listen("app"), {"127.0.0.1:8081", "[::1]:8443 ssl", "unix:/run/nginx/app.sock", "9000"});
    d.set(vhost::add_ssl("app"), true);
    d.set(vhost::ssl_certificate("app"), "/etc/ssl/site.crt");
    d.set(vhost::ssl_certificate_key("app"), "/etc/ssl/site.key");
    d.set(vhost::default_("app"), true);
  }
};
CAIRN_CHECK_AT_COMPILE_TIME(listen_host);

struct broken_host {
  static constexpr cairn::meta meta{.hostname = "broken"};
  using imports = cairn::imports<nginx::module>;
  static constexpr void config(cairn::definitions& d) {
    d.set(nginx::enable, true);
    d.set(nginx::default_listen_addresses, {"127.0.0.1"});
    d.set(vhost::extra_config("x"), "location / { frobnicate on; }");
  }
};

struct both_modes {
  static constexpr cairn::meta meta{.hostname = "x"};
  using imports = cairn::imports<nginx::module>;
  static constexpr void config(cairn::definitions& d) {
    d.set(nginx::enable, true);
    d.set(vhost::add_ssl("x"), true);
    d.set(vhost::only_ssl("x"), true);
    d.set(vhost::ssl_certificate("x"), "/etc/ssl/x.crt");
    d.set(vhost::ssl_certificate_key("x"), "/etc/ssl/x.key");
  }
};
struct no_certificate {
  static constexpr cairn::meta meta{.hostname = "x"};
  using imports = cairn::imports<nginx::module>;
  static constexpr void config(cairn::definitions& d) {
    d.set(nginx::enable, true);
    d.set(vhost::add_ssl("x"), true);
  }
};
struct root_and_alias {
  static constexpr cairn::meta meta{.hostname = "x"};
  using imports = cairn::imports<nginx::module>;
  static constexpr void config(cairn::definitions& d) {
    d.set(nginx::enable, true);
    d.set(loc::root("x", "/"), "/a");
    d.set(loc::alias("x", "/"), "/b");
  }
};
struct wrong_code {
  static constexpr cairn::meta meta{.hostname = "x"};
  using imports = cairn::imports<nginx::module>;
  static constexpr void config(cairn::definitions& d) {
    d.set(nginx::enable, true);
    d.set(vhost::redirect_code("x"), cairn::value(200));
  }
};

struct disabled_host {
  static constexpr cairn::meta meta{.hostname = "off"};
  using imports = cairn::imports<nginx::module>;
  static constexpr void config(cairn::definitions& d) { d.set(vhost::root("x"), "/srv"); }
};
CAIRN_CHECK_AT_COMPILE_TIME(disabled_host);

template <class Host>
std::string nginx_conf() {
  cairn::testing::evaluation<Host> e;
  return e["environment.etc.\"nginx/nginx.conf\".text"].as_string();
}

using cairn::detail::replace_all;

const std::string root = cairn::testing::unpacked_root();
const std::string nginx_bin = cairn::testing::unpacked("usr/sbin/nginx");

// The rendered file with its system paths moved into the scratch directory (Debian's /etc/nginx
// from the unpacked package).
std::string sandboxed(const std::string& conf, const scratch& s) {
  const std::string d = s.dir.string();
  std::filesystem::create_directories(s.dir / "run");
  std::filesystem::create_directories(s.dir / "log");
  std::string out = replace_all(conf, "/etc/nginx/", root + "/etc/nginx/");
  out = replace_all(out, "/run/nginx/", d + "/run/");
  out = replace_all(out, "/var/log/nginx/", d + "/log/");
  out = replace_all(out, "/tmp/nginx_", d + "/nginx_");
  out = replace_all(out, "/etc/ssl/site.", d + "/site.");
  out = replace_all(out, "/var/www/example.org", d + "/www");
  return out;
}

result nginx_test(const std::string& conf, const scratch& s) {
  auto file = s.write("nginx.conf", sandboxed(conf, s));
  return run(nginx_bin + " -t -c " + file + " -p " + s.dir.string() + " -e " + (s.dir / "log/error.log").string(),
             true);
}

bool have_nginx() { return !root.empty() && std::filesystem::exists(root + "/usr/sbin/nginx"); }

int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t n = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &n);
  ::close(fd);
  return ntohs(a.sin_port);
}

}  // namespace

TEST(Nginx, TheConfigAsNixOSWritesIt) {
  auto conf = nginx_conf<site_host>();
  EXPECT_TRUE(conf.starts_with("pid /run/nginx/nginx.pid;\nerror_log stderr;\ndaemon off;\n\nevents {\n}\n\nhttp {\n"
                               "  # Load mime types.\n  include /etc/nginx/mime.types;\n"))
      << conf;
  EXPECT_CONTAINS(conf, "  # optimisation\n  sendfile on;\n");
  EXPECT_CONTAINS(conf, "  proxy_read_timeout 60s;\n");
  EXPECT_CONTAINS(conf,
                  "  server {\n"
                  "    listen 127.0.0.1:18080;\n"
                  "    server_name example.org www.example.org;\n"
                  "    root /var/www/example.org;\n"
                  "    location = /old {\n      return 301 /new;\n    }\n"
                  "    location / {\n      try_files $uri $uri/ =404;\n    }\n"
                  "    location /api/ {\n"
                  "      proxy_pass http://127.0.0.1:3000;\n"
                  "      proxy_http_version 1.1;\n"
                  "      proxy_set_header Upgrade $http_upgrade;\n"
                  "      proxy_set_header Connection $connection_upgrade;\n"
                  "      proxy_set_header Host $host;\n");
  EXPECT_CONTAINS(conf, "    location /static/ {\n      alias /srv/static/;\n    }\n  }\n");
  EXPECT_TRUE(conf.ends_with("  log_format tiny '$remote_addr $status';\n}\n")) << conf;

  auto tls = nginx_conf<tls_host>();
  EXPECT_CONTAINS(tls, "  server {\n    listen 0.0.0.0:80;\n    listen [::0]:80;\n"
                       "    server_name secure.example.org;\n"
                       "    location / {\n      return 301 https://$host$request_uri;\n    }\n  }\n");
  EXPECT_CONTAINS(tls, "  server {\n    listen 0.0.0.0:443 http2 ssl;\n    listen [::0]:443 http2 ssl;\n"
                       "    server_name secure.example.org;\n"
                       "    ssl_certificate /etc/ssl/site.crt;\n    ssl_certificate_key /etc/ssl/site.key;\n"
                       "    location / {\n      return 204;\n    }\n  }\n");
  EXPECT_CONTAINS(tls, "  server {\n    listen 0.0.0.0:443 http2 ssl;\n    listen [::0]:443 http2 ssl;\n"
                       "    server_name api.example.org;\n");
  EXPECT_CONTAINS(tls, "  ssl_session_cache shared:SSL:10m;\n");

  EXPECT_CONTAINS(nginx_conf<listen_host>(),
                  "  server {\n    listen 127.0.0.1:8081 default_server;\n    listen [::1]:8443 ssl default_server;\n"
                  "    listen unix:/run/nginx/app.sock default_server;\n    listen 9000 default_server;\n"
                  "    server_name app;\n");
  EXPECT_CONTAINS(tls, "  gzip on;\n");
}

TEST(Nginx, TheServiceTheUserAndTheFirewall) {
  cairn::testing::evaluation<site_host> e;
  auto unit = e["systemd.units.\"nginx.service\".text"].as_string();
  EXPECT_CONTAINS(unit, "Description=Nginx Web Server\nAfter=network.target\n");
  EXPECT_CONTAINS(unit, "ExecReload=/usr/sbin/nginx -c /etc/nginx/nginx.conf -t\nExecReload=/bin/kill -HUP $MAINPID\n");
  EXPECT_CONTAINS(unit, "ExecStart=/usr/sbin/nginx -c /etc/nginx/nginx.conf\n");
  EXPECT_CONTAINS(unit, "ExecStartPre=/usr/sbin/nginx -c /etc/nginx/nginx.conf -t\n");
  EXPECT_CONTAINS(unit, "User=nginx\n");
  EXPECT_CONTAINS(unit, "X-StopIfChanged=false\n");
  EXPECT_EQ(e.json("systemd.units.\"nginx.service\".wantedBy"), "[\"multi-user.target\"]");
  EXPECT_EQ(e.json("users.users.nginx.isSystemUser"), "true");
  EXPECT_EQ(e.json("users.users.nginx.group"), "\"nginx\"");
  EXPECT_EQ(e.json("environment.etc.\"nginx/nginx.conf\".replaceExisting"), "true");
  EXPECT_EQ(e.json("networking.firewall.allowedTCPPorts"), "[18080]");
  cairn::testing::evaluation<tls_host> t;
  EXPECT_EQ(t.json("networking.firewall.allowedTCPPorts"), "[443,80]");
  cairn::testing::evaluation<listen_host> l;
  EXPECT_EQ(l.json("networking.firewall.allowedTCPPorts"), "[8081,8443,9000]");
}

TEST(Nginx, NginxAcceptsTheConfigs) {
  if (!have_nginx()) GTEST_SKIP() << "nginx is not unpacked in " << root;
  {
    scratch s;
    auto r = nginx_test(nginx_conf<site_host>(), s);
    EXPECT_EQ(r.status, 0) << r.out;
    EXPECT_CONTAINS(r.out, "test is successful");
  }
  {
    scratch s;
    ASSERT_EQ(run("openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=secure.example.org -keyout " +
                      (s.dir / "site.key").string() + " -out " + (s.dir / "site.crt").string(),
                  true)
                  .status,
              0);
    // Ports 80/443 on every address need no privilege to check: -t binds nothing.
    auto r = nginx_test(nginx_conf<tls_host>(), s);
    EXPECT_EQ(r.status, 0) << r.out;
    EXPECT_CONTAINS(r.out, "test is successful");
    auto l = nginx_test(nginx_conf<listen_host>(), s);
    EXPECT_EQ(l.status, 0) << l.out;
    EXPECT_CONTAINS(l.out, "test is successful");
  }
  // The check is real: nginx refuses an unknown directive, naming it.
  scratch s;
  auto broken = nginx_test(nginx_conf<broken_host>(), s);
  EXPECT_NE(broken.status, 0);
  EXPECT_CONTAINS(broken.out, "unknown directive \"frobnicate\"");
}

TEST(Nginx, ItServesThePage) {
  if (!have_nginx()) GTEST_SKIP() << "nginx is not unpacked in " << root;
  scratch s;
  // Run as root, nginx's workers are `nobody`: they must be able to read the site.
  std::filesystem::permissions(s.dir, std::filesystem::perms(0755));
  s.write("www/index.html", "hello from cairn\n");
  const auto port = std::to_string(free_port());
  auto conf = replace_all(sandboxed(nginx_conf<site_host>(), s), "127.0.0.1:18080", "127.0.0.1:" + port);
  auto file = s.write("nginx.conf", conf);
  const std::string pidfile = (s.dir / "run/nginx.pid").string();
  const std::string start = nginx_bin + " -c " + file + " -p " + s.dir.string() + " -e " +
                            (s.dir / "log/error.log").string() + " -g 'daemon on;' ";
  // `daemon off;` is in the file as NixOS has it (systemd keeps nginx in the foreground); the
  // test starts it in the background instead.
  auto daemonised = replace_all(conf, "daemon off;\n", "");
  s.write("nginx.conf", daemonised);
  // Its output goes to a file: a daemon holding the pipe would keep popen waiting.
  auto up = run(start + " >" + (s.dir / "log/start.log").string() + " 2>&1 </dev/null", true);
  ASSERT_EQ(up.status, 0) << up.out;
  auto page = run("for i in $(seq 50); do python3 -c \"import urllib.request,sys; "
                  "sys.stdout.write(urllib.request.urlopen('http://127.0.0.1:" + port +
                      "/index.html').read().decode())\" && break; sleep 0.1; done",
                  true);
  auto moved = run("python3 -c \"import urllib.request as u\nclass N(u.HTTPRedirectHandler):\n"
                   " def redirect_request(self,*a): return None\ntry: u.build_opener(N).open('http://127.0.0.1:" +
                       port + "/old')\nexcept Exception as e: print(e.code, e.headers['Location'])\"",
                   true);
  run("kill $(cat " + pidfile + ")");
  EXPECT_EQ(page.out, "hello from cairn\n");
  EXPECT_EQ(moved.out, "301 http://127.0.0.1:" + port + "/new\n");
}

TEST(Nginx, DisabledItRendersNothing) {
  cairn::testing::evaluation<disabled_host> e;
  EXPECT_EQ(e["environment.etc"].as_attrs().find("nginx/nginx.conf"), nullptr);
  EXPECT_EQ(e["systemd.units"].as_attrs().find("nginx.service"), nullptr);
}

using cairn::testing::failed_assertions_of;

TEST(Nginx, MistakesAreNamed) {
  EXPECT_EQ(failed_assertions_of<both_modes>(), "Options services.nginx.virtualHosts.x.addSSL, onlySSL, forceSSL and rejectSSL "
                                    "are mutually exclusive.");
  EXPECT_EQ(failed_assertions_of<root_and_alias>(), "Only one of nginx root or alias can be specified on a location "
                                        "(services.nginx.virtualHosts.x.locations.\"/\").");
  EXPECT_EQ(failed_assertions_of<site_host>(), "");
  EXPECT_EQ(failed_assertions_of<no_certificate>(), "services.nginx.virtualHosts.x uses SSL: set its sslCertificate and "
                                         "sslCertificateKey.");
  EXPECT_CONTAINS(cairn::testing::message_of<wrong_code>("services.nginx.virtualHosts.x.redirectCode"),
                  "A definition for option `services.nginx.virtualHosts.x.redirectCode' is not of type");
}

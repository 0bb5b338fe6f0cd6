// modules/system/services/nginx.hpp: the nginx web server
// (nixos/modules/services/web-servers/nginx/default.nix, vhost-options.nix, location-options.nix).
//
//   d.set(services::nginx::enable, true);
//   d.set(services::nginx::virtual_host::root("example.org"), "/var/www/example.org");
//   d.set(services::nginx::virtual_host::force_ssl("example.org"), true);
//   d.set(services::nginx::virtual_host::ssl_certificate("example.org"), "/etc/ssl/example.org.pem");
//   d.set(services::nginx::location::proxy_pass("example.org", "/api/"), "http://127.0.0.1:3000");
//
// /etc/nginx/nginx.conf is written as NixOS writes it (daemon off, run by nginx.service as the
// nginx user, checked with `nginx -t` before each start and reload). TLS takes certificate paths
// (no ACME). A vhost's `listen` is a list of nginx listen parameters ("127.0.0.1:8080",
// "[::]:8443 ssl") where NixOS has a list of {addr, port, ssl} submodules, which cairn's types do
// not offer. Debian's nginx keeps temporary files in /var/lib/nginx;
// they go to /tmp/nginx_* as NixOS's build does, with PrivateTmp.
#pragma once

#include <algorithm>

#include <cairn/fwd.hpp>
#include <cairn/strings.hpp>

#include "../assertions.hpp"
#include "../environment.hpp"
#include "../firewall.hpp"
#include "../systemd.hpp"
#include "../users.hpp"

namespace cairn::modules::services::nginx {

inline constexpr auto enable = enable_option<"services.nginx.enable">("Nginx Web Server");

inline constexpr option<"services.nginx.recommendedOptimisation", types::bool_> recommended_optimisation{{
    .default_value = false,
    .description = "Enable recommended optimisation settings.",
}};
inline constexpr option<"services.nginx.recommendedTlsSettings", types::bool_> recommended_tls_settings{{
    .default_value = false,
    .description = "Enable recommended TLS settings.",
}};
inline constexpr option<"services.nginx.recommendedGzipSettings", types::bool_> recommended_gzip_settings{{
    .default_value = false,
    .description = "Enable recommended gzip settings.",
}};
inline constexpr option<"services.nginx.recommendedProxySettings", types::bool_> recommended_proxy_settings{{
    .default_value = false,
    .description = "Whether to enable recommended proxy settings if a vhost does not specify the option manually.",
}};
inline constexpr option<"services.nginx.proxyTimeout", types::str> proxy_timeout{{
    .default_value = "60s",
    .description = "Change the proxy related timeouts in recommendedProxySettings.",
    .example = "\"20s\"",
}};
inline constexpr option<"services.nginx.defaultListenAddresses", types::list_of<types::str>> default_listen_addresses{{
    .default_value = {{"0.0.0.0", "[::0]"}},
    .description = "If vhosts do not specify listenAddresses, use these addresses by default.",
    .example = "{\"10.0.0.12\", \"[2002:a00:1::]\"}",
}};
inline constexpr option<"services.nginx.defaultHTTPListenPort", types::port> default_http_listen_port{{
    .default_value = 80,
    .description = "If vhosts do not specify listen.port, use these ports for HTTP by default.",
    .example = "8080",
}};
inline constexpr option<"services.nginx.defaultSSLListenPort", types::port> default_ssl_listen_port{{
    .default_value = 443,
    .description = "If vhosts do not specify listen.port, use these ports for SSL by default.",
    .example = "8443",
}};
inline constexpr option<"services.nginx.defaultMimeTypes", types::path> default_mime_types{{
    .default_value = "/etc/nginx/mime.types",
    .description = "Default MIME types for NGINX (Debian's nginx-common ships them).",
}};
inline constexpr option<"services.nginx.logError", types::str> log_error{{
    .default_value = "stderr",
    .description = "Configures logging. The first parameter defines a file that will store the log; the "
                   "special value stderr selects the standard error file. The second parameter determines "
                   "the level of logging.",
}};
inline constexpr option<"services.nginx.eventsConfig", types::lines> events_config{{
    .default_value = "",
    .description = "Configuration lines to be set inside the events block.",
}};
inline constexpr option<"services.nginx.commonHttpConfig", types::lines> common_http_config{{
    .default_value = "",
    .description = "With nginx you must provide common http context definitions before they are used, e.g. "
                   "log_format, resolver, etc. inside of server or location contexts. Use this attribute to "
                   "set these definitions at the appropriate location.",
    .example = "\"resolver 127.0.0.1 valid=5s;\"",
}};
inline constexpr option<"services.nginx.appendHttpConfig", types::lines> append_http_config{{
    .default_value = "",
    .description = "Configuration lines to be appended to the generated http block.",
}};
inline constexpr option<"services.nginx.appendConfig", types::lines> append_config{{
    .default_value = "",
    .description = "Configuration lines appended to the generated Nginx configuration file.",
}};
inline constexpr option<"services.nginx.user", types::str> user{{
    .default_value = "nginx",
    .description = "User account under which nginx runs.",
}};
inline constexpr option<"services.nginx.group", types::str> group{{
    .default_value = "nginx",
    .description = "Group account under which nginx runs.",
}};
inline constexpr option<"services.nginx.serverTokens", types::bool_> server_tokens{{
    .default_value = false,
    .description = "Show nginx version in headers and error pages.",
}};
inline constexpr option<"services.nginx.clientMaxBodySize", types::str> client_max_body_size{{
    .default_value = "10m",
    .description = "Set nginx global client_max_body_size.",
}};
inline constexpr option<"services.nginx.sslProtocols", types::str> ssl_protocols{{
    .default_value = "TLSv1.2 TLSv1.3",
    .description = "Allowed TLS protocol versions.",
    .example = "\"TLSv1 TLSv1.1 TLSv1.2 TLSv1.3\"",
}};
inline constexpr option<"services.nginx.sslCiphers", types::null_or<types::str>> ssl_ciphers{{
    .default_value = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
                     "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
                     "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384",
    .description = "Ciphers to choose from when negotiating TLS handshakes.",
}};
// Not in NixOS, whose users list the ports in networking.firewall themselves.
inline constexpr option<"services.nginx.openFirewall", types::bool_> open_firewall{{
    .default_value = true,
    .description = "Whether to open the ports the virtual hosts listen on in networking.firewall.",
}};

inline constexpr option<"services.nginx.virtualHosts", types::attrs_of<types::submodule>> virtual_hosts{{
    .description = "Declarative vhost config.",
    .example = "{{\"hydra.example.com\", {}}}",
}};

namespace virtual_host {
inline constexpr option<"services.nginx.virtualHosts.<name>.serverName", types::null_or<types::str>> server_name{{
    .default_value = null,
    .description = "Name of this virtual host. Defaults to attribute name in virtualHosts.",
    .example = "\"example.org\"",
}};
inline constexpr option<"services.nginx.virtualHosts.<name>.serverAliases", types::list_of<types::str>> server_aliases{{
    .description = "Additional names of virtual hosts served by this virtual host configuration.",
    .example = "{\"www.example.org\", \"example.org\"}",
}};
inline constexpr option<"services.nginx.virtualHosts.<name>.listen", types::list_of<types::single_line_str>> listen{{
    .description = "Listen addresses and ports for this virtual host, each the parameters of one nginx "
                   "`listen` directive: an address and port, then flags such as `ssl`. When empty, "
                   "`listenAddresses` (or `defaultListenAddresses`) on the default ports.",
    .example = "{\"127.0.0.1:8080\", \"[::]:8443 ssl\"}",
}};
inline constexpr option<"services.nginx.virtualHosts.<name>.listenAddresses", types::list_of<types::str>>
    listen_addresses{{
        .description = "Listen addresses for this virtual host. Compared to `listen` this only sets the "
                       "addresses and the ports are chosen automatically.",
        .example = "{\"127.0.0.1\", \"[::1]\"}",
    }};
inline constexpr option<"services.nginx.virtualHosts.<name>.addSSL", types::bool_> add_ssl{{
    .default_value = false,
    .description = "Whether to enable HTTPS in addition to plain HTTP. This will set defaults for `listen` to "
                   "listen on all interfaces on the respective default ports (80, 443).",
}};
inline constexpr option<"services.nginx.virtualHosts.<name>.onlySSL", types::bool_> only_ssl{{
    .default_value = false,
    .description = "Whether to enable HTTPS and reject plain HTTP connections. This will set defaults for "
                   "`listen` to listen on all interfaces on port 443.",
}};
inline constexpr option<"services.nginx.virtualHosts.<name>.forceSSL", types::bool_> force_ssl{{
    .default_value = false,
    .description = "Whether to add a separate nginx server block that redirects (defaults to 301, configurable "
                   "with `redirectCode`) all plain HTTP traffic to HTTPS.",
}};
inline constexpr option<"services.nginx.virtualHosts.<name>.rejectSSL", types::bool_> reject_ssl{{
    .default_value = false,
    .description = "Whether to listen for and reject all HTTPS connections to this vhost.",
}};
inline constexpr option<"services.nginx.virtualHosts.<name>.sslCertificate", types::null_or<types::path>>
    ssl_certificate{{
    .default_value = null,
    .description = "Path to server SSL certificate (NixOS: no default; here null, and a host with SSL must set it).",
    .example = "\"/var/host.cert\"",
}};
inline constexpr option<"services.nginx.virtualHosts.<name>.sslCertificateKey", types::null_or<types::path>>
    ssl_certificate_key{{
    .default_value = null,
    .description = "Path to server SSL certificate key (a host with SSL must set it).",
    .example = "\"/var/host.key\"",
}};
inline constexpr option<"services.nginx.virtualHosts.<name>.sslTrustedCertificate", types::null_or<types::path>>
    ssl_trusted_certificate{{
        .default_value = null,
        .description = "Path to root SSL certificate for stapling and client certificates.",
    }};
inline constexpr option<"services.nginx.virtualHosts.<name>.http2", types::bool_> http2{{
    .default_value = true,
    .description = "Whether to enable the HTTP/2 protocol.",
}};
inline constexpr option<"services.nginx.virtualHosts.<name>.root", types::null_or<types::path>> root{{
    .default_value = null,
    .description = "The path of the web root directory.",
    .example = "\"/data/webserver/docs\"",
}};
inline constexpr option<"services.nginx.virtualHosts.<name>.default", types::bool_> default_{{
    .default_value = false,
    .description = "Makes this vhost the default.",
}};
inline constexpr option<"services.nginx.virtualHosts.<name>.globalRedirect", types::null_or<types::str>>
    global_redirect{{
        .default_value = null,
        .description = "If set, all requests for this host are redirected (defaults to 301, configurable with "
                       "`redirectCode`) to the given hostname.",
        .example = "\"newserver.example.org\"",
    }};
inline constexpr option<"services.nginx.virtualHosts.<name>.redirectCode", types::ints::between<300, 399>>
    redirect_code{{
        .default_value = 301,
        .description = "HTTP status used by `globalRedirect` and `forceSSL`.",
        .example = "308",
    }};
inline constexpr option<"services.nginx.virtualHosts.<name>.basicAuthFile", types::null_or<types::path>>
    basic_auth_file{{
        .default_value = null,
        .description = "Basic Auth password file for a vhost.",
    }};
inline constexpr option<"services.nginx.virtualHosts.<name>.extraConfig", types::lines> extra_config{{
    .default_value = "",
    .description = "These lines go to the end of the vhost verbatim.",
}};
inline constexpr option<"services.nginx.virtualHosts.<name>.locations", types::attrs_of<types::submodule>> locations{{
    .description = "Declarative location config.",
}};
}  // namespace virtual_host

namespace location {
inline constexpr option<"services.nginx.virtualHosts.<name>.locations.<name>.proxyPass", types::null_or<types::str>>
    proxy_pass{{
        .default_value = null,
        .description = "Adds proxy_pass directive and sets recommended proxy headers if recommendedProxySettings "
                       "is enabled.",
        .example = "\"http://www.example.org/\"",
    }};
inline constexpr option<"services.nginx.virtualHosts.<name>.locations.<name>.proxyWebsockets", types::bool_>
    proxy_websockets{{
        .default_value = false,
        .description = "Whether to support proxying websocket connections with HTTP/1.1.",
    }};
inline constexpr option<"services.nginx.virtualHosts.<name>.locations.<name>.index", types::null_or<types::str>>
    index{{
        .default_value = null,
        .description = "Adds index directive.",
        .example = "\"index.php index.html\"",
    }};
inline constexpr option<"services.nginx.virtualHosts.<name>.locations.<name>.tryFiles", types::null_or<types::str>>
    try_files{{
        .default_value = null,
        .description = "Adds try_files directive.",
        .example = "\"$uri =404\"",
    }};
inline constexpr option<"services.nginx.virtualHosts.<name>.locations.<name>.root", types::null_or<types::path>>
    root{{
        .default_value = null,
        .description = "Root directory for requests.",
        .example = "\"/your/root/directory\"",
    }};
inline constexpr option<"services.nginx.virtualHosts.<name>.locations.<name>.alias", types::null_or<types::path>>
    alias{{
        .default_value = null,
        .description = "Alias directory for requests.",
        .example = "\"/your/alias/directory\"",
    }};
inline constexpr option<"services.nginx.virtualHosts.<name>.locations.<name>.return",
                        types::null_or<types::either<types::str, types::int_>>>
    return_{{
        .default_value = null,
        .description = "Adds a return directive, for e.g. redirections.",
        .example = "\"301 http://example.com$request_uri\"",
    }};
inline constexpr option<"services.nginx.virtualHosts.<name>.locations.<name>.extraConfig", types::lines>
    extra_config{{
        .default_value = "",
        .description = "These lines go to the end of the location verbatim.",
    }};
inline constexpr option<"services.nginx.virtualHosts.<name>.locations.<name>.priority", types::int_> priority{{
    .default_value = 1000,
    .description = "Order of this location block in relation to the others in the vhost. The semantics are the "
                   "same as with `lib.mkOrder`. Smaller values have a greater priority.",
}};
}  // namespace location

namespace detail {

inline constexpr std::string_view proxy_headers =
    "proxy_set_header Host $host;\n"
    "proxy_set_header X-Real-IP $remote_addr;\n"
    "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n"
    "proxy_set_header X-Forwarded-Proto $scheme;\n"
    "proxy_set_header X-Forwarded-Host $host;\n"
    "proxy_set_header X-Forwarded-Server $host;\n";

// One `listen` directive: its parameters, the TCP port (none for a unix socket) and whether it is TLS.
struct listen_line {
  std::string spec;
  std::optional<std::int64_t> port;
  bool ssl;
};

constexpr bool has_ssl(const cairn::config& c, const std::string& h) {
  return c[virtual_host::only_ssl(h)] || c[virtual_host::add_ssl(h)] || c[virtual_host::force_ssl(h)];
}

// "[::1]:8080 ssl", "127.0.0.1:80", "8080", "unix:/run/x.sock": the port and the ssl flag.
constexpr listen_line parse_listen(const std::string& spec) {
  listen_line out{spec, std::nullopt, false};
  auto words = cairn::split_words(spec);
  if (words.empty()) return out;
  for (std::size_t i = 1; i < words.size(); ++i) out.ssl = out.ssl || words[i] == "ssl";
  const std::string& where = words[0];
  if (where.starts_with("unix:")) return out;
  auto colon = where.rfind(':');
  const bool port_after_colon = colon != std::string::npos && where.find(']', colon) == std::string::npos;
  std::string_view digits = where;
  if (port_after_colon) digits.remove_prefix(colon + 1);
  out.port = cairn::parse_uint(digits);  // an address alone ("127.0.0.1") is not a number
  return out;
}

// The vhost's `listen`, or NixOS's defaultListen: TLS lines first (for SSL and rejectSSL hosts),
// then plain HTTP ones.
constexpr std::vector<listen_line> listen_lines(const cairn::config& c, const std::string& h) {
  std::vector<listen_line> out;
  if (auto explicit_ = c[virtual_host::listen(h)]; !explicit_.empty()) {
    for (const auto& spec : explicit_) out.push_back(parse_listen(spec));
    return out;
  }
  auto addrs = c[virtual_host::listen_addresses(h)];
  if (addrs.empty()) addrs = c[default_listen_addresses];
  const bool http2 = c[virtual_host::http2(h)];
  if (has_ssl(c, h) || c[virtual_host::reject_ssl(h)])
    for (const auto& a : addrs) {
      const auto port = c[default_ssl_listen_port];
      out.push_back({a + ":" + cairn::to_string(port) + (http2 ? " http2" : "") + " ssl", port, true});
    }
  if (!c[virtual_host::only_ssl(h)])
    for (const auto& a : addrs) {
      const auto port = c[default_http_listen_port];
      out.push_back({a + ":" + cairn::to_string(port), port, false});
    }
  return out;
}

constexpr std::string render_listen(const cairn::config& c, const std::string& h, const listen_line& l) {
  std::string out = "  listen " + l.spec;
  if (c[virtual_host::default_(h)]) out += " default_server";
  return out + ";\n";
}

constexpr std::string block(const std::string& text, const std::string& prefix) {
  if (text.empty()) return "";
  return cairn::indent_lines(text, prefix) + "\n";
}

constexpr std::string render_location(const cairn::config& c, const std::string& h, const std::string& path) {
  std::string out = "  location " + path + " {\n";
  auto proxy = c[location::proxy_pass(h, path)];
  if (proxy) out += "    proxy_pass " + *proxy + ";\n";
  if (c[location::proxy_websockets(h, path)])
    out += "    proxy_http_version 1.1;\n"
           "    proxy_set_header Upgrade $http_upgrade;\n"
           "    proxy_set_header Connection $connection_upgrade;\n";
  if (auto v = c[location::index(h, path)]) out += "    index " + *v + ";\n";
  if (auto v = c[location::try_files(h, path)]) out += "    try_files " + *v + ";\n";
  if (auto v = c[location::root(h, path)]) out += "    root " + *v + ";\n";
  if (auto v = c[location::alias(h, path)]) out += "    alias " + *v + ";\n";
  if (const auto& r = c.raw(location::return_(h, path)); r.is_int()) out += "    return " + cairn::to_string(r.as_int()) + ";\n";
  else if (!r.is_null()) out += "    return " + r.as_string() + ";\n";
  out += block(c[location::extra_config(h, path)], "    ");
  if (proxy && c[recommended_proxy_settings]) out += block(std::string(proxy_headers), "    ");
  return out + "  }\n";
}

constexpr std::string render_vhost(const cairn::config& c, const std::string& h) {
  std::vector<std::string> names;
  if (auto n = c[virtual_host::server_name(h)]) names.push_back(*n);
  else names.push_back(h);
  for (const auto& a : c[virtual_host::server_aliases(h)]) names.push_back(a);
  const std::string server_name_line = "  server_name " + cairn::join(names, " ") + ";\n";
  const bool ssl = has_ssl(c, h), force = c[virtual_host::force_ssl(h)];
  const auto code = cairn::to_string(c[virtual_host::redirect_code(h)]);
  const auto listen = listen_lines(c, h);

  std::string out;
  if (force) {
    out += "server {\n";
    for (const auto& l : listen)
      if (!l.ssl) out += render_listen(c, h, l);
    out += server_name_line;
    out += "  location / {\n    return " + code + " https://$host$request_uri;\n  }\n}\n\n";
  }
  out += "server {\n";
  for (const auto& l : listen)
    if (!force || l.ssl) out += render_listen(c, h, l);
  out += server_name_line;
  if (auto r = c[virtual_host::root(h)]) out += "  root " + *r + ";\n";
  if (auto g = c[virtual_host::global_redirect(h)])
    out += "  location / {\n    return " + code + " http" + (ssl ? "s" : "") + "://" + *g + "$request_uri;\n  }\n";
  if (ssl) {
    out += "  ssl_certificate " + c[virtual_host::ssl_certificate(h)].value_or("") + ";\n";
    out += "  ssl_certificate_key " + c[virtual_host::ssl_certificate_key(h)].value_or("") + ";\n";
    if (auto t = c[virtual_host::ssl_trusted_certificate(h)]) out += "  ssl_trusted_certificate " + *t + ";\n";
  }
  if (c[virtual_host::reject_ssl(h)]) out += "  ssl_reject_handshake on;\n";
  if (auto f = c[virtual_host::basic_auth_file(h)]) out += "  auth_basic secured;\n  auth_basic_user_file " + *f + ";\n";

  // sortProperties: by priority, then by name.
  std::vector<std::pair<std::int64_t, std::string>> order;
  for (const auto& p : c.names(virtual_host::locations(h))) order.emplace_back(c[location::priority(h, p)], p);
  std::ranges::sort(order);
  for (const auto& [prio, p] : order) out += render_location(c, h, p);
  out += block(c[virtual_host::extra_config(h)], "  ");
  return out + "}\n";
}

// The TCP ports the virtual hosts listen on, each once.
constexpr std::vector<std::int64_t> listened_ports(const cairn::config& c) {
  std::vector<std::int64_t> out;
  for (const auto& h : c.names(virtual_hosts))
    for (const auto& l : listen_lines(c, h))
      if (l.port && std::ranges::find(out, *l.port) == out.end()) out.push_back(*l.port);
  return out;
}

}  // namespace detail

// The text of /etc/nginx/nginx.conf.
constexpr std::string render_nginx_conf(const cairn::config& c) {
  std::string out = "pid /run/nginx/nginx.pid;\nerror_log " + c[log_error] + ";\ndaemon off;\n\n";
  out += "events {\n" + detail::block(c[events_config], "  ") + "}\n\n";
  out += "http {\n";
  out += "  # Load mime types.\n  include " + c[default_mime_types] + ";\n  types_hash_max_size 4096;\n\n";
  out += "  include /etc/nginx/fastcgi.conf;\n  include /etc/nginx/uwsgi_params;\n\n";
  out += "  default_type application/octet-stream;\n\n";
  // Where NixOS's build puts them (Debian's would be /var/lib/nginx, outside the sandbox).
  out += "  access_log /var/log/nginx/access.log;\n"
         "  client_body_temp_path /tmp/nginx_client_body;\n"
         "  proxy_temp_path /tmp/nginx_proxy;\n"
         "  fastcgi_temp_path /tmp/nginx_fastcgi;\n"
         "  uwsgi_temp_path /tmp/nginx_uwsgi;\n"
         "  scgi_temp_path /tmp/nginx_scgi;\n\n";
  if (c[recommended_optimisation])
    out += "  # optimisation\n  sendfile on;\n  tcp_nopush on;\n  tcp_nodelay on;\n  keepalive_timeout 65;\n\n";
  out += "  ssl_protocols " + c[ssl_protocols] + ";\n";
  if (auto ciphers = c[ssl_ciphers]) out += "  ssl_ciphers " + *ciphers + ";\n";
  out += "\n";
  if (c[recommended_tls_settings])
    out += "  ssl_session_timeout 1d;\n  ssl_session_cache shared:SSL:10m;\n  ssl_session_tickets off;\n"
           "  ssl_prefer_server_ciphers off;\n\n";
  if (c[recommended_gzip_settings])
    out += "  gzip on;\n  gzip_static on;\n  gzip_vary on;\n  gzip_comp_level 5;\n  gzip_min_length 256;\n"
           "  gzip_proxied expired no-cache no-store private auth;\n"
           "  gzip_types application/atom+xml application/geo+json application/json application/ld+json "
           "application/manifest+json application/rdf+xml application/vnd.ms-fontobject application/wasm "
           "application/x-rss+xml application/x-web-app-manifest+json application/xhtml+xml application/xliff+xml "
           "application/xml font/collection font/otf font/ttf image/bmp image/svg+xml image/vnd.microsoft.icon "
           "text/cache-manifest text/calendar text/css text/csv text/javascript text/markdown text/plain "
           "text/vcard text/vnd.rim.location.xloc text/vtt text/x-component text/xml;\n\n";
  if (c[recommended_proxy_settings]) {
    const auto t = c[proxy_timeout];
    out += "  proxy_redirect off;\n  proxy_connect_timeout " + t + ";\n  proxy_send_timeout " + t +
           ";\n  proxy_read_timeout " + t + ";\n  proxy_http_version 1.1;\n  proxy_set_header \"Connection\" \"\";\n";
    out += detail::block(std::string(detail::proxy_headers), "  ") + "\n";
  }
  out += "  # $connection_upgrade is used for websocket proxying\n"
         "  map $http_upgrade $connection_upgrade {\n    default upgrade;\n    '' close;\n  }\n";
  out += "  client_max_body_size " + c[client_max_body_size] + ";\n\n";
  out += std::string("  server_tokens ") + (c[server_tokens] ? "on" : "off") + ";\n\n";
  out += detail::block(c[common_http_config], "  ");
  for (const auto& h : c.names(virtual_hosts)) out += cairn::indent_lines(detail::render_vhost(c, h), "  ") + "\n\n";
  out += detail::block(c[append_http_config], "  ");
  out += "}\n";
  if (auto extra = c[append_config]; !extra.empty()) out += "\n" + extra + "\n";
  return out;
}

inline constexpr std::string_view nginx_command = "/usr/sbin/nginx -c /etc/nginx/nginx.conf";

struct module {
  using imports = cairn::imports<assertions::module, environment::module, networking::firewall::ports,
                                 systemd::module, users::module>;
  static constexpr auto options = declare(
      enable, recommended_optimisation, recommended_tls_settings, recommended_gzip_settings,
      recommended_proxy_settings, proxy_timeout, default_listen_addresses, default_http_listen_port,
      default_ssl_listen_port, default_mime_types, log_error, events_config, common_http_config, append_http_config,
      append_config, user, group, server_tokens, client_max_body_size, ssl_protocols, ssl_ciphers, open_firewall,
      virtual_hosts, virtual_host::server_name, virtual_host::server_aliases, virtual_host::listen, virtual_host::listen_addresses,
      virtual_host::add_ssl, virtual_host::only_ssl, virtual_host::force_ssl, virtual_host::reject_ssl,
      virtual_host::ssl_certificate, virtual_host::ssl_certificate_key, virtual_host::ssl_trusted_certificate,
      virtual_host::http2, virtual_host::root, virtual_host::default_, virtual_host::global_redirect,
      virtual_host::redirect_code, virtual_host::basic_auth_file, virtual_host::extra_config, virtual_host::locations,
      location::proxy_pass, location::proxy_websockets, location::index, location::try_files, location::root,
      location::alias, location::return_, location::extra_config, location::priority);

  static constexpr void config(definitions& d) {
    auto on = d.when(enable);
    on.set(environment::etc_entry::text("nginx/nginx.conf"), render_nginx_conf);
    on.set(environment::etc_entry::replace_existing("nginx/nginx.conf"), true);  // Debian ships one
    on.when(open_firewall).set(networking::firewall::allowed_tcp_ports, detail::listened_ports);

    // Debian's nginx package enables its own nginx.service: ours takes its place.
    on.set(systemd::unit::replace_existing("nginx.service"), true);
    on.set(systemd::service::description("nginx"), "Nginx Web Server");
    on.set(systemd::service::wanted_by("nginx"), {"multi-user.target"});
    on.set(systemd::service::after("nginx"), {"network.target"});
    on.set(systemd::service::stop_if_changed("nginx"), false);
    // The file as merged (a host may override it), not rendered a second time.
    on.set(systemd::service::restart_triggers("nginx"), [](const cairn::config& c) {
      return std::vector<std::string>{c[environment::etc_entry::text("nginx/nginx.conf")].value_or("")};
    });
    on.set(systemd::service::unit_config("nginx", "StartLimitIntervalSec"), 60);
    on.set(systemd::service::service_config("nginx", "ExecStartPre"), std::string(nginx_command) + " -t");
    on.set(systemd::service::service_config("nginx", "ExecStart"), std::string(nginx_command));
    on.set(systemd::service::service_config("nginx", "ExecReload"),
           std::vector<std::string>{std::string(nginx_command) + " -t", "/bin/kill -HUP $MAINPID"});
    on.set(systemd::service::service_config("nginx", "Restart"), "always");
    on.set(systemd::service::service_config("nginx", "RestartSec"), "10s");
    on.set(systemd::service::service_config("nginx", "User"), [](const cairn::config& c) { return c[user]; });
    on.set(systemd::service::service_config("nginx", "Group"), [](const cairn::config& c) { return c[group]; });
    on.set(systemd::service::service_config("nginx", "RuntimeDirectory"), "nginx");
    on.set(systemd::service::service_config("nginx", "RuntimeDirectoryMode"), "0750");
    on.set(systemd::service::service_config("nginx", "CacheDirectory"), "nginx");
    on.set(systemd::service::service_config("nginx", "CacheDirectoryMode"), "0750");
    on.set(systemd::service::service_config("nginx", "LogsDirectory"), "nginx");
    on.set(systemd::service::service_config("nginx", "LogsDirectoryMode"), "0750");
    on.set(systemd::service::service_config("nginx", "UMask"), "0027");
    on.set(systemd::service::service_config("nginx", "AmbientCapabilities"),
           std::vector<std::string>{"CAP_NET_BIND_SERVICE", "CAP_SYS_RESOURCE"});
    on.set(systemd::service::service_config("nginx", "CapabilityBoundingSet"),
           std::vector<std::string>{"CAP_NET_BIND_SERVICE", "CAP_SYS_RESOURCE"});
    on.set(systemd::service::service_config("nginx", "NoNewPrivileges"), true);
    on.set(systemd::service::service_config("nginx", "PrivateTmp"), true);
    on.set(systemd::service::service_config("nginx", "PrivateDevices"), true);
    on.set(systemd::service::service_config("nginx", "ProtectSystem"), "strict");
    on.set(systemd::service::service_config("nginx", "ProtectHome"), true);

    auto own_user = on.when([](const cairn::config& c) { return c[user] == "nginx"; });
    own_user.set(users::user::is_system_user("nginx"), true);
    own_user.set(users::user::group("nginx"), [](const cairn::config& c) { return c[group]; });
    on.when([](const cairn::config& c) { return c[group] == "nginx"; }).set(users::groups("nginx"), {});

    on.set(assertions::assertions, [](const cairn::config& c) {
      list checks;
      for (const auto& h : c.names(virtual_hosts)) {
        int modes = int(c[virtual_host::add_ssl(h)]) + int(c[virtual_host::only_ssl(h)]) +
                    int(c[virtual_host::force_ssl(h)]) + int(c[virtual_host::reject_ssl(h)]);
        attrs exclusive;
        exclusive.set("assertion", modes <= 1);
        exclusive.set("message", value("Options services.nginx.virtualHosts." + h + ".addSSL, onlySSL, forceSSL and "
                                       "rejectSSL are mutually exclusive."));
        checks.push_back(value(std::move(exclusive)));
        attrs certificate;
        certificate.set("assertion", !detail::has_ssl(c, h) || (c[virtual_host::ssl_certificate(h)].has_value() &&
                                                               c[virtual_host::ssl_certificate_key(h)].has_value()));
        certificate.set("message", value("services.nginx.virtualHosts." + h + " uses SSL: set its sslCertificate and "
                                         "sslCertificateKey."));
        checks.push_back(value(std::move(certificate)));
        for (const auto& p : c.names(virtual_host::locations(h))) {
          attrs one;
          one.set("assertion", !c[location::root(h, p)] || !c[location::alias(h, p)]);
          one.set("message", value("Only one of nginx root or alias can be specified on a location "
                                   "(services.nginx.virtualHosts." + h + ".locations.\"" + p + "\")."));
          checks.push_back(value(std::move(one)));
        }
      }
      return value(std::move(checks));
    });
  }
};

}  // namespace cairn::modules::services::nginx

CAIRN_LIBRARY_MODULE(cairn::modules::services::nginx::module)

#pragma once
// The service's narrow view of HTTP. cpp-httplib is included by http.cc
// alone (it is a large header); everything else speaks these plain structs,
// so request handling is tested without sockets.

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace icans {

// Header names are lower-cased by the adapter.
using HttpHeaders = std::multimap<std::string, std::string>;

struct HttpRequest {
  std::string method;  // "GET", "POST", "OPTIONS", ...
  std::string path;    // without the query string
  std::string query;   // raw, without '?'
  HttpHeaders headers;
  std::string body;
  std::string remote_address;
};

struct HttpResponse {
  int status = 200;
  HttpHeaders headers;  // Content-Type included here
  std::string body;
};

// Called concurrently from the server's threads. An exception it throws
// becomes a generic 500 (its text is logged, never sent).
using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;              // 0: any free port (see HttpServer::port)
  int threads = 4;
  std::size_t max_body_bytes = 8u << 20;  // larger bodies get 413 before the handler runs
  // Slow clients time out: no single read waits longer, and a request's
  // line, headers and body (and the writing of its response) must all be
  // done within it (cds/hooks/client_deadlines.h).
  std::chrono::seconds read_timeout{10};
  std::chrono::seconds write_timeout{10};
  // Request line and headers together; larger requests get 431 before the
  // handler runs. cpp-httplib also refuses any single line over 8 KiB.
  std::size_t max_header_bytes = 16u << 10;
  // Connections accepted and not yet closed (served or waiting for a
  // thread). At the cap the server stops accepting until one closes; the
  // rest wait in the kernel's listen backlog.
  int max_connections = 64;
  std::string tls_certificate_file;  // both set: serve HTTPS
  std::string tls_private_key_file;
};

class HttpServer {
 public:
  // Binds; returns nullptr with `error` set when it cannot.
  static std::unique_ptr<HttpServer> start(const HttpServerOptions& options, HttpHandler handler,
                                           std::string& error);
  ~HttpServer();
  int port() const;  // the bound port
  // Serves until stop(); returns after in-flight requests finish (an idle
  // kept-alive connection may add up to 2 s). Call once.
  void run();
  // Safe from a signal-handling thread: stops accepting, lets requests finish.
  void stop();

 private:
  struct Impl;
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// An absolute http(s) URL taken apart. Scheme and host are lower-cased and
// the port is explicit (80/443 by default), so two URLs name the same origin
// exactly when origin() compares equal.
struct HttpUrl {
  std::string scheme;  // "http" or "https"
  std::string host;    // without the brackets of an IPv6 literal
  int port = 0;
  std::string target;  // path and query, "/" at least; the fragment dropped
  std::string origin() const;  // "scheme://host:port"
};

// Empty string on success, otherwise what is wrong with `url` (without
// quoting it whole: a query may hold patient identifiers).
std::string parse_http_url(const std::string& url, HttpUrl& out);

struct HttpGetResult {
  int status = 0;        // 0 when no response arrived
  HttpHeaders headers;
  std::string body;
  std::string error;     // connection, timeout or size problems; never contains header values
};

// One GET of an absolute http(s) URL, following no redirects (a 3xx is
// returned as such). The URL is sent exactly as given: percent-encode query
// values (a '+' in a time zone offset as %2B). `timeout` bounds connecting
// and the whole exchange (not name resolution). Beyond `max_bytes` the body is cut off (error set; status and
// the first max_bytes kept). HTTPS verifies the server's certificate against
// the system's trusted CAs.
HttpGetResult http_get(const std::string& url, const HttpHeaders& headers,
                       std::chrono::milliseconds timeout, std::size_t max_bytes);

// One POST of `body` under the same rules as http_get; Content-Type is
// application/json unless `headers` name one. For clients of CDS services
// (icans-cds replay --server).
HttpGetResult http_post(const std::string& url, const HttpHeaders& headers, const std::string& body,
                        std::chrono::milliseconds timeout, std::size_t max_bytes);

}  // namespace icans

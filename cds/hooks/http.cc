// The one translation unit that includes cpp-httplib (0.11.4, Debian's shared
// build). Notes on that version's behaviour this file relies on:
//
// - Server::stop() only closes the listening socket: accept() fails, the
//   accept loop ends, and listen_after_bind() then joins the thread pool,
//   which first drains every connection already accepted. So requests in
//   flight finish; a kept-alive idle connection is dropped at its next
//   keep-alive check, at most keep_alive_timeout later. stop() does nothing
//   unless the accept loop is already running, and asserts when called twice,
//   hence the bookkeeping around it below.
// - A request whose Content-Length exceeds set_payload_max_length() is
//   answered 413 before any handler runs (its body is read and discarded);
//   the error handler gives that answer a JSON body. A chunked body is NOT
//   limited by it: bodies are read through a ContentReader that counts.
// - The error handler runs for every response with status >= 400, including
//   the ones our handler produced; it only fills in bodies left empty.
// - An exception escaping a handler would be answered 500 with its what()
//   text in an EXCEPTION_WHAT header; the handler wrapper catches everything
//   first so that text (which may name a patient) never leaves the process.
// - Listening sockets get SO_REUSEPORT by default (replaced below).
// - A request pipelined behind another (sent before that one's response)
//   waits out the keep-alive timeout: the keep-alive check polls the socket,
//   not the bytes httplib already buffered. Clients that wait for each
//   response, as HTTP clients do, are unaffected.
// - The client re-encodes request targets unless told not to (see http_get).
// - Read and write timeouts bound each socket operation, not a request; the
//   ThreadPool queues accepted connections without limit. CappedTaskQueue
//   and ClientDeadlines (below) add both bounds.

#include "cds/hooks/http.h"

#include <httplib.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <thread>

#include "cds/hooks/client_deadlines.h"

namespace icans {
namespace {

// Idle kept-alive connections hold a pool thread and delay run()'s return
// after stop() by up to this long: short, but long enough for an EHR that
// sends a hook call and its feedback back to back.
constexpr time_t kKeepAliveTimeoutSeconds = 2;
constexpr std::size_t kKeepAliveMaxRequests = 100;
// How much of a chunked body beyond max_body_bytes is read and discarded to
// answer 413 cleanly (see serve_with_body).
constexpr std::size_t kMaxDrainBytes = 1u << 20;

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

std::string json_error_body(const std::string& message) {
  // Messages are our own fixed texts, with no characters needing escapes.
  return "{\"error\": \"" + message + "\"}";
}

std::string default_error_message(int status, std::size_t max_body_bytes) {
  switch (status) {
    case 400: return "bad request";
    case 404: return "not found";
    case 413: return "request body larger than " + std::to_string(max_body_bytes) + " bytes";
    case 414: return "request URI too long";
    case 500: return "internal error";
    default: return "HTTP " + std::to_string(status);
  }
}

void log_handler_failure(const httplib::Request& request, const char* what) {
  // Method and path only: bodies and headers carry patient data and tokens.
  std::fprintf(stderr, "icans-cds http: %s %s failed: %s\n", request.method.c_str(),
               request.path.c_str(), what);
}

HttpRequest to_http_request(const httplib::Request& in) {
  HttpRequest out;
  out.method = in.method;
  out.path = in.path;
  auto question = in.target.find('?');
  if (question != std::string::npos) out.query = in.target.substr(question + 1);
  for (const auto& [name, value] : in.headers) out.headers.emplace(lower(name), value);
  out.remote_address = in.remote_addr;
  return out;
}

void fill_response(const HttpResponse& in, httplib::Response& out) {
  out.status = in.status;
  for (const auto& [name, value] : in.headers) {
    // httplib computes the framing headers itself; a second copy would
    // contradict the body actually sent.
    auto key = lower(name);
    if (key == "content-length" || key == "transfer-encoding") continue;
    out.set_header(name, value);
  }
  out.body = in.body;
}

void fill_internal_error(httplib::Response& out) {
  out.status = 500;
  out.headers.clear();
  out.set_content(json_error_body("internal error"), "application/json");
}

// httplib's listening socket is protected and released only by stop(), which
// needs a running accept loop; a server started but never run would leak it.
template <class Base>
class ReleasableServer : public Base {
 public:
  using Base::Base;
  void close_listener_if_never_run() {
    auto sock = this->svr_sock_.exchange(INVALID_SOCKET);
    if (sock != INVALID_SOCKET) ::close(sock);
  }
};

bool is_token_char(unsigned char c) {
  return std::isalnum(c) || std::strchr("!#$%&'*+-.^_`|~", c) != nullptr;
}

// httplib's ThreadPool queues every accepted connection without limit, each
// an open socket. This one holds at most `max_open` connections (running or
// queued): enqueue() runs on the accept thread right after accept(), and
// while the cap is reached it does not return, so the next accept() waits
// for a connection to close and further clients wait in the kernel's listen
// backlog instead of in our memory and file descriptors.
//
// It also puts each connection under the server's ClientDeadlines, which
// needs to see the socket right after accept(): here.
class CappedTaskQueue : public httplib::TaskQueue {
 public:
  CappedTaskQueue(std::size_t threads, std::size_t max_open, ClientDeadlines& deadlines, int listen_port)
      : pool_(threads), max_open_(max_open), deadlines_(deadlines), listen_port_(listen_port) {}

  void enqueue(std::function<void()> fn) override {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      ++open_;
    }
    enqueue_counted([fn = std::move(fn), watch = deadlines_.watch_accepted(listen_port_), this] {
      ClientDeadlines::Serving serving(deadlines_, watch);
      fn();
    });
    std::unique_lock<std::mutex> lock(mutex_);
    room_.wait(lock, [this] { return open_ < max_open_; });
  }
  void shutdown() override { pool_.shutdown(); }

 private:
  void enqueue_counted(std::function<void()> fn) {
    pool_.enqueue([this, fn = std::move(fn)] {
      struct Release {
        CappedTaskQueue* queue;
        ~Release() {
          {
            std::lock_guard<std::mutex> lock(queue->mutex_);
            --queue->open_;
          }
          queue->room_.notify_one();
        }
      } release{this};
      fn();  // serves the connection and closes its socket
    });
  }

  httplib::ThreadPool pool_;
  const std::size_t max_open_;
  ClientDeadlines& deadlines_;
  const int listen_port_;
  std::mutex mutex_;
  std::condition_variable room_;
  std::size_t open_ = 0;  // guarded by mutex_
};

// The request line and headers as received, in bytes.
std::size_t header_bytes(const httplib::Request& request) {
  std::size_t bytes = request.method.size() + request.target.size() + request.version.size() + 4;
  for (const auto& [name, value] : request.headers) bytes += name.size() + value.size() + 4;
  return bytes;
}

}  // namespace

std::string HttpUrl::origin() const {
  bool ipv6 = host.find(':') != std::string::npos;
  return scheme + "://" + (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::string parse_http_url(const std::string& url, HttpUrl& out) {
  out = HttpUrl{};
  for (unsigned char c : url) {
    if (c <= 0x20 || c == 0x7f) return "URL contains a space or control character";
    if (c >= 0x80) return "URL contains a non-ASCII character (percent-encode it)";
  }
  auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return "URL is not absolute (no scheme://)";
  auto scheme = lower(url.substr(0, scheme_end));
  if (scheme != "http" && scheme != "https") return "URL scheme must be http or https";

  auto authority_begin = scheme_end + 3;
  auto authority_end = url.find_first_of("/?#", authority_begin);
  if (authority_end == std::string::npos) authority_end = url.size();
  auto authority = url.substr(authority_begin, authority_end - authority_begin);
  if (authority.find('@') != std::string::npos) return "URL must not carry user information";

  std::string host;
  std::string port_text;
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string::npos) return "URL has an unterminated IPv6 address";
    host = authority.substr(1, close - 1);
    if (host.empty() || host.find_first_not_of("0123456789abcdefABCDEF:.") != std::string::npos)
      return "URL has an invalid IPv6 address";
    auto rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return "URL has characters after its IPv6 address";
      port_text = rest.substr(1);
      if (port_text.empty()) return "URL has an empty port";
    }
  } else {
    auto colon = authority.find(':');
    host = authority.substr(0, colon);
    if (colon != std::string::npos) {
      port_text = authority.substr(colon + 1);
      if (port_text.empty()) return "URL has an empty port";
    }
    for (unsigned char c : host) {
      if (!std::isalnum(c) && c != '-' && c != '.' && c != '_')
        return "URL host contains a character not allowed in a host name";
    }
  }
  if (host.empty()) return "URL has no host";

  int port = scheme == "https" ? 443 : 80;
  if (!port_text.empty()) {
    if (port_text.size() > 5 || port_text.find_first_not_of("0123456789") != std::string::npos)
      return "URL port is not a number";
    port = std::stoi(port_text);
    if (port < 1 || port > 65535) return "URL port is out of range";
  }

  auto target = url.substr(authority_end);
  target = target.substr(0, target.find('#'));  // fragments are never sent
  if (target.empty() || target.front() != '/') target.insert(0, "/");

  out.scheme = scheme;
  out.host = lower(host);
  out.port = port;
  out.target = target;
  return {};
}

struct HttpServer::Impl {
  // Declared before the server, which uses it until it is destroyed.
  std::unique_ptr<ClientDeadlines> deadlines;
  std::unique_ptr<httplib::Server> server;
  std::function<void()> close_listener_if_never_run;
  int port = 0;

  // stop() may come before, during or after run(); these make every order
  // end with run() returning (see the httplib notes at the top).
  std::atomic<bool> run_entered{false};
  std::atomic<bool> run_finished{false};
  std::atomic<bool> stop_requested{false};
  std::mutex stop_mutex;
  bool listener_stopped = false;  // guarded by stop_mutex
};

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() {
  stop();
  if (!impl_->run_entered) impl_->close_listener_if_never_run();
}

std::unique_ptr<HttpServer> HttpServer::start(const HttpServerOptions& options,
                                              HttpHandler handler, std::string& error) {
  error.clear();
  if (!handler) {
    error = "HTTP server needs a handler";
    return nullptr;
  }
  if (options.threads < 1) {
    error = "HTTP server needs at least one thread";
    return nullptr;
  }
  if (options.port < 0 || options.port > 65535) {
    error = "HTTP port " + std::to_string(options.port) + " is out of range";
    return nullptr;
  }
  bool tls = !options.tls_certificate_file.empty() || !options.tls_private_key_file.empty();
  if (tls && (options.tls_certificate_file.empty() || options.tls_private_key_file.empty())) {
    // Half a TLS configuration must not silently fall back to plain HTTP.
    error = "TLS needs both a certificate file and a private key file";
    return nullptr;
  }

  auto impl = std::make_unique<Impl>();
  if (tls) {
    auto server = std::make_unique<ReleasableServer<httplib::SSLServer>>(
        options.tls_certificate_file.c_str(), options.tls_private_key_file.c_str());
    if (!server->is_valid()) {
      error = "cannot load the TLS certificate or private key (" + options.tls_certificate_file +
              ", " + options.tls_private_key_file + ")";
      return nullptr;
    }
    auto* raw = server.get();
    impl->close_listener_if_never_run = [raw] { raw->close_listener_if_never_run(); };
    impl->server = std::move(server);
  } else {
    auto server = std::make_unique<ReleasableServer<httplib::Server>>();
    auto* raw = server.get();
    impl->close_listener_if_never_run = [raw] { raw->close_listener_if_never_run(); };
    impl->server = std::move(server);
  }

  if (options.max_connections < options.threads) {
    error = "HTTP server needs max_connections >= threads";
    return nullptr;
  }
  httplib::Server& server = *impl->server;
  auto threads = static_cast<std::size_t>(options.threads);
  auto max_connections = static_cast<std::size_t>(options.max_connections);
  impl->deadlines = std::make_unique<ClientDeadlines>(
      std::chrono::duration_cast<std::chrono::milliseconds>(options.read_timeout));
  // Called by listen_after_bind(), in run(): the port is bound by then.
  server.new_task_queue = [threads, max_connections, impl = impl.get()] {
    return new CappedTaskQueue(threads, max_connections, *impl->deadlines, impl->port);
  };
  server.set_payload_max_length(options.max_body_bytes);
  // Without TCP_NODELAY every kept-alive response waits ~40 ms for Nagle's
  // algorithm against the client's delayed ACK (docs/benchmark.md).
  server.set_tcp_nodelay(true);
  server.set_read_timeout(options.read_timeout);
  server.set_write_timeout(options.write_timeout);
  server.set_keep_alive_timeout(kKeepAliveTimeoutSeconds);
  server.set_keep_alive_max_count(kKeepAliveMaxRequests);
  // httplib's default also sets SO_REUSEPORT, which lets a second instance
  // bind the same port without an error and share its traffic. REUSEADDR
  // alone still allows a quick restart over sockets in TIME_WAIT.
  server.set_socket_options([](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });

  const auto max_header_bytes = options.max_header_bytes;
  auto serve = [handler = std::move(handler), max_header_bytes](const httplib::Request& request, std::string body,
                                                                httplib::Response& response) {
    if (header_bytes(request) > max_header_bytes) {
      response.status = 431;
      response.set_content(json_error_body("request headers larger than " + std::to_string(max_header_bytes) +
                                           " bytes"),
                           "application/json");
      return;
    }
    try {
      HttpRequest in = to_http_request(request);
      in.body = std::move(body);
      HttpResponse out = handler(in);
      if (out.status < 100 || out.status > 599) {
        log_handler_failure(request, ("returned invalid status " + std::to_string(out.status)).c_str());
        fill_internal_error(response);
        return;
      }
      fill_response(out, response);
    } catch (const std::exception& e) {
      log_handler_failure(request, e.what());
      fill_internal_error(response);
    } catch (...) {
      log_handler_failure(request, "unknown exception");
      fill_internal_error(response);
    }
  };
  // Bodies are read here rather than by httplib, which enforces the payload
  // limit only on Content-Length bodies and reads a chunked one of any size.
  const auto max_body_bytes = options.max_body_bytes;
  auto serve_with_body = [serve, max_body_bytes](const httplib::Request& request, httplib::Response& response,
                                                 const httplib::ContentReader& read) {
    std::string body;
    std::size_t received = 0;
    bool complete = read([&](const char* data, std::size_t size) {
      received += size;
      if (received <= max_body_bytes) {
        body.append(data, size);
        return true;
      }
      // Past the limit the body is read and dropped, so the connection stays
      // in step for the next request; httplib 0.11.4 has no way to close it
      // from here (a "Connection: close" response header is not acted on).
      // Beyond the drain allowance, give up: the rest of the body then
      // reaches the parser as a bad request (400) before the connection ends.
      body.clear();
      return received - max_body_bytes <= kMaxDrainBytes;
    });
    // The body is in: from here to the response, the time is the server's.
    ClientDeadlines::Handling handling;
    // httplib sets 413 itself when a Content-Length is over the limit.
    bool too_large = received > max_body_bytes || response.status == 413;
    if (too_large || !complete) {
      response.status = too_large ? 413 : 400;
      response.set_content(json_error_body(default_error_message(response.status, max_body_bytes)),
                           "application/json");
      return;
    }
    serve(request, std::move(body), response);
  };
  auto serve_without_body = [serve](const httplib::Request& request, httplib::Response& response) {
    ClientDeadlines::Handling handling;
    serve(request, std::string(), response);
  };
  const std::string any_path = "/.*";
  server.Get(any_path, serve_without_body);
  server.Options(any_path, serve_without_body);
  server.Post(any_path, serve_with_body);
  server.Put(any_path, serve_with_body);
  server.Patch(any_path, serve_with_body);
  server.Delete(any_path, serve_with_body);

  server.set_error_handler(httplib::Server::HandlerWithResponse(
      [max_body_bytes](const httplib::Request&, httplib::Response& response) {
        if (!response.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
        response.set_content(
            json_error_body(default_error_message(response.status, max_body_bytes)),
            "application/json");
        return httplib::Server::HandlerResponse::Handled;
      }));
  // Reached only if converting the request or response itself throws
  // (bad_alloc); the handler's own exceptions are caught in `route`.
  server.set_exception_handler(
      [](const httplib::Request& request, httplib::Response& response, std::exception_ptr) {
        log_handler_failure(request, "exception outside the handler");
        fill_internal_error(response);
      });

  errno = 0;
  if (options.port == 0) {
    impl->port = server.bind_to_any_port(options.host);
  } else {
    impl->port = server.bind_to_port(options.host, options.port) ? options.port : -1;
  }
  if (impl->port <= 0) {
    int saved = errno;
    error = "cannot listen on " + options.host + ":" + std::to_string(options.port);
    if (saved != 0) error += ": " + std::string(std::strerror(saved));
    return nullptr;
  }
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

int HttpServer::port() const { return impl_->port; }

void HttpServer::run() {
  // Sequentially consistent: either stop() sees run_entered, or this sees
  // stop_requested.
  impl_->run_entered = true;
  if (!impl_->stop_requested) impl_->server->listen_after_bind();
  impl_->run_finished = true;
}

void HttpServer::stop() {
  std::lock_guard<std::mutex> lock(impl_->stop_mutex);
  impl_->stop_requested = true;
  if (!impl_->run_entered || impl_->listener_stopped) return;
  // run() has begun; httplib's stop() is a no-op until its accept loop runs.
  while (!impl_->server->is_running() && !impl_->run_finished) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  if (!impl_->run_finished) impl_->server->stop();
  impl_->listener_stopped = true;
}

namespace {

std::string describe(httplib::Error error, const HttpUrl& url) {
  auto where = url.host + ":" + std::to_string(url.port);
  switch (error) {
    case httplib::Error::Connection: return "cannot connect to " + where;
    case httplib::Error::ConnectionTimeout: return "connecting to " + where + " timed out";
    case httplib::Error::Read: return "connection to " + where + " failed while reading the response";
    case httplib::Error::Write: return "connection to " + where + " failed while sending the request";
    case httplib::Error::SSLConnection: return "TLS handshake with " + where + " failed";
    case httplib::Error::SSLLoadingCerts: return "cannot load trusted CA certificates";
    case httplib::Error::SSLServerVerification:
      return "TLS certificate of " + where + " is not trusted or does not match the host";
    case httplib::Error::Compression: return "cannot decompress the response from " + where;
    default: return "request to " + where + " failed (" + httplib::to_string(error) + ")";
  }
}

}  // namespace

namespace {

// One GET, or one POST of `body` (as application/json) when `body` is given:
// the same limits and errors for both.
HttpGetResult exchange(const std::string& url, const HttpHeaders& headers, const std::string* body,
                       std::chrono::milliseconds timeout, std::size_t max_bytes) {
  using Clock = std::chrono::steady_clock;
  HttpGetResult result;
  HttpUrl parsed;
  if (auto problem = parse_http_url(url, parsed); !problem.empty()) {
    result.error = problem;
    return result;
  }
  if (timeout <= std::chrono::milliseconds(0)) {
    result.error = "timeout after 0 ms (no time left for the request)";
    return result;
  }

  httplib::Headers request_headers;
  for (const auto& [name, value] : headers) {
    // Checked here because httplib silently drops such headers; the message
    // names the header but never its value (it may be a bearer token).
    if (name.empty() || !std::all_of(name.begin(), name.end(), [](unsigned char c) {
          return is_token_char(c);
        })) {
      result.error = "request header name is not a valid HTTP token";
      return result;
    }
    if (value.find_first_of("\r\n", 0) != std::string::npos || value.find('\0') != std::string::npos) {
      result.error = "request header '" + name + "' has a line break or NUL in its value";
      return result;
    }
    request_headers.emplace(name, value);
  }

  std::unique_ptr<httplib::ClientImpl> client;
  if (parsed.scheme == "https") {
    client = std::make_unique<httplib::SSLClient>(parsed.host, parsed.port);
  } else {
    client = std::make_unique<httplib::ClientImpl>(parsed.host, parsed.port);
  }
  client->set_connection_timeout(timeout);
  client->set_read_timeout(timeout);
  client->set_write_timeout(timeout);
  client->set_follow_location(false);
  // The target goes out exactly as given: httplib would otherwise re-encode
  // it ('+' to %2B, ',' to %2C), changing what a server's next link says.
  client->set_url_encode(false);
  client->set_keep_alive(false);

  const auto started = Clock::now();
  const auto deadline = started + timeout;
  bool too_large = false;
  std::atomic<bool> deadline_passed{false};

  // httplib's timeouts apply to each socket operation; a server trickling
  // bytes could stretch the request far past `timeout`. The watchdog shuts
  // the socket at the deadline, which fails the read in progress.
  std::mutex watchdog_mutex;
  std::condition_variable watchdog_wake;
  bool request_done = false;
  std::thread watchdog([&] {
    std::unique_lock<std::mutex> lock(watchdog_mutex);
    if (!watchdog_wake.wait_until(lock, deadline, [&] { return request_done; })) {
      deadline_passed = true;
      client->stop();
    }
  });

  auto on_response = [&](const httplib::Response& response) {
    result.status = response.status;
    for (const auto& [name, value] : response.headers) result.headers.emplace(lower(name), value);
    auto length = response.get_header_value("Content-Length");
    if (!length.empty() && length.find_first_not_of("0123456789") == std::string::npos &&
        (length.size() > 18 || std::stoull(length) > max_bytes)) {
      too_large = true;
      return false;
    }
    return true;
  };
  auto on_body = [&](const char* data, std::size_t size) {
    if (Clock::now() > deadline) {
      deadline_passed = true;
      return false;
    }
    if (result.body.size() + size > max_bytes) {
      result.body.append(data, max_bytes - result.body.size());
      too_large = true;
      return false;
    }
    result.body.append(data, size);
    return true;
  };

  httplib::Result response{nullptr, httplib::Error::Unknown};
  if (body) {
    httplib::Request post;
    post.method = "POST";
    post.path = parsed.target;
    post.headers = request_headers;
    if (!post.has_header("Content-Type")) post.set_header("Content-Type", "application/json");
    post.body = *body;
    post.response_handler = on_response;
    post.content_receiver = [&](const char* data, std::size_t size, std::uint64_t, std::uint64_t) {
      return on_body(data, size);
    };
    response = client->send(post);
  } else {
    response = client->Get(parsed.target, request_headers, on_response, on_body);
  }
  {
    std::lock_guard<std::mutex> lock(watchdog_mutex);
    request_done = true;
  }
  watchdog_wake.notify_one();
  watchdog.join();

  if (too_large) {
    result.error = "response body larger than " + std::to_string(max_bytes) + " bytes";
    return result;
  }
  if (deadline_passed || (!response && Clock::now() >= deadline)) {
    result.error = "timeout after " + std::to_string(timeout.count()) + " ms";
    return result;
  }
  if (!response) {
    result.error = describe(response.error(), parsed);
    return result;
  }
  // A response without a body (204, 304) never reaches on_response.
  result.status = response->status;
  result.headers.clear();
  for (const auto& [name, value] : response->headers) result.headers.emplace(lower(name), value);
  return result;
}

}  // namespace

HttpGetResult http_get(const std::string& url, const HttpHeaders& headers,
                       std::chrono::milliseconds timeout, std::size_t max_bytes) {
  return exchange(url, headers, nullptr, timeout, max_bytes);
}

HttpGetResult http_post(const std::string& url, const HttpHeaders& headers, const std::string& body,
                        std::chrono::milliseconds timeout, std::size_t max_bytes) {
  return exchange(url, headers, &body, timeout, max_bytes);
}

}  // namespace icans

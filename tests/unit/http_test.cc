#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>

#include <catch2/catch.hpp>

#include "cds/hooks/http.h"

using namespace std::chrono_literals;
using icans::HttpGetResult;
using icans::HttpHeaders;
using icans::HttpRequest;
using icans::HttpResponse;
using icans::HttpServer;
using icans::HttpServerOptions;
using icans::HttpUrl;
using icans::http_get;
using icans::parse_http_url;

namespace {

// A server on a free port, serving on its own thread until destroyed.
struct RunningServer {
  std::unique_ptr<HttpServer> server;
  std::thread thread;

  explicit RunningServer(icans::HttpHandler handler, HttpServerOptions options = {}) {
    options.port = 0;
    std::string error;
    server = HttpServer::start(options, std::move(handler), error);
    if (!server) throw std::runtime_error("cannot start test server: " + error);
    thread = std::thread([this] { server->run(); });
  }
  ~RunningServer() {
    server->stop();
    thread.join();
  }
  std::string url(const std::string& target) const {
    return "http://127.0.0.1:" + std::to_string(server->port()) + target;
  }
};

HttpResponse text(int status, std::string body) {
  HttpResponse response;
  response.status = status;
  response.headers.emplace("Content-Type", "text/plain");
  response.body = std::move(body);
  return response;
}

// Sends raw bytes and reads the whole answer: for requests http_get cannot
// make (POST, oversize bodies).
std::string raw_exchange(int port, const std::string& request) {
  int sock = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(sock >= 0);
  timeval five_seconds{5, 0};
  ::setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &five_seconds, sizeof five_seconds);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(sock, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  std::size_t sent = 0;
  while (sent < request.size()) {
    auto n = ::send(sock, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<std::size_t>(n);
  }
  std::string answer;
  char buffer[4096];
  for (;;) {
    auto n = ::recv(sock, buffer, sizeof buffer, 0);
    if (n <= 0) break;
    answer.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(sock);
  return answer;
}

// A one-connection server speaking raw bytes, for answers HttpServer never
// gives: bodies trickled slowly, or chunked without a Content-Length.
struct RawServer {
  int listener = -1;
  int port = 0;
  std::thread thread;

  explicit RawServer(std::function<void(int)> answer) {
    listener = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    REQUIRE(::listen(listener, 1) == 0);
    socklen_t length = sizeof address;
    ::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length);
    port = ntohs(address.sin_port);
    thread = std::thread([this, answer] {
      int sock = ::accept(listener, nullptr, nullptr);
      if (sock < 0) return;
      std::string request;
      char buffer[1024];
      while (request.find("\r\n\r\n") == std::string::npos) {
        auto n = ::recv(sock, buffer, sizeof buffer, 0);
        if (n <= 0) break;
        request.append(buffer, static_cast<std::size_t>(n));
      }
      answer(sock);
      ::close(sock);
    });
  }
  ~RawServer() {
    thread.join();
    ::close(listener);
  }
};

void send_all(int sock, const std::string& bytes) {
  ::send(sock, bytes.data(), bytes.size(), MSG_NOSIGNAL);
}

// One kept-alive connection: send a request, read exactly one response.
struct RawConnection {
  int sock = -1;
  std::string pending;

  explicit RawConnection(int port) {
    sock = ::socket(AF_INET, SOCK_STREAM, 0);
    timeval five_seconds{5, 0};
    ::setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &five_seconds, sizeof five_seconds);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(sock, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  }
  ~RawConnection() { ::close(sock); }

  std::string exchange(const std::string& request) {
    ::send(sock, request.data(), request.size(), MSG_NOSIGNAL);
    auto fill = [&] {
      char buffer[4096];
      auto n = ::recv(sock, buffer, sizeof buffer, 0);
      if (n > 0) pending.append(buffer, static_cast<std::size_t>(n));
      return n > 0;
    };
    std::size_t header_end;
    while ((header_end = pending.find("\r\n\r\n")) == std::string::npos) {
      if (!fill()) return std::exchange(pending, "");
    }
    auto length_at = pending.find("Content-Length: ");
    std::size_t length = length_at < header_end ? std::stoul(pending.substr(length_at + 16)) : 0;
    while (pending.size() < header_end + 4 + length) {
      if (!fill()) break;
    }
    std::string response = pending.substr(0, header_end + 4 + length);
    pending.erase(0, response.size());
    return response;
  }
};

std::string post_request(const std::string& path, const std::string& body) {
  return "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
         "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n\r\n" + body;
}

HttpServerOptions any_port() {
  HttpServerOptions options;
  options.port = 0;
  return options;
}

std::string header(const HttpHeaders& headers, const std::string& name) {
  auto found = headers.find(name);
  return found == headers.end() ? std::string() : found->second;
}

}  // namespace

TEST_CASE("http_get and HttpServer round-trip status, headers and body") {
  std::mutex mutex;
  HttpRequest seen;
  RunningServer running([&](const HttpRequest& request) {
    {
      std::lock_guard<std::mutex> lock(mutex);
      seen = request;
    }
    HttpResponse response = text(203, "hello " + request.path);
    response.headers.emplace("X-Trace-Id", "abc-123");
    return response;
  });

  HttpHeaders headers{{"Accept", "application/fhir+json"}, {"X-Mixed-Case", "Value Kept"}};
  HttpGetResult got = http_get(running.url("/cds-services/icans?a=1&b=%2F&c&date=ge2026-03-07T00:00:00+01:00&code=http://loinc.org|8310-5,x"),
                               headers, 2000ms, 1 << 20);

  REQUIRE(got.error.empty());
  CHECK(got.status == 203);
  CHECK(got.body == "hello /cds-services/icans");
  CHECK(header(got.headers, "x-trace-id") == "abc-123");  // names lower-cased
  CHECK(header(got.headers, "content-type") == "text/plain");

  std::lock_guard<std::mutex> lock(mutex);
  CHECK(seen.method == "GET");
  CHECK(seen.path == "/cds-services/icans");
  CHECK(seen.query == "a=1&b=%2F&c&date=ge2026-03-07T00:00:00+01:00&code=http://loinc.org|8310-5,x");  // verbatim
  CHECK(header(seen.headers, "accept") == "application/fhir+json");
  CHECK(header(seen.headers, "x-mixed-case") == "Value Kept");
  CHECK(seen.remote_address == "127.0.0.1");
}

TEST_CASE("HttpServer passes POST bodies and answers OPTIONS on any path") {
  std::mutex mutex;
  std::vector<HttpRequest> seen;
  RunningServer running([&](const HttpRequest& request) {
    std::lock_guard<std::mutex> lock(mutex);
    seen.push_back(request);
    return text(200, "ok");
  });
  const int port = running.server->port();
  REQUIRE(port > 0);

  std::string body = R"({"hook": "patient-view"})";
  std::string answer = raw_exchange(port, post_request("/cds-services/icans-patient-view", body));
  CHECK(answer.rfind("HTTP/1.1 200", 0) == 0);
  answer = raw_exchange(port, "OPTIONS /any/where HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  CHECK(answer.rfind("HTTP/1.1 200", 0) == 0);
  // Neither Content-Length nor chunked: no body, answered without waiting.
  auto started = std::chrono::steady_clock::now();
  answer = raw_exchange(port, "DELETE /x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  CHECK(answer.rfind("HTTP/1.1 200", 0) == 0);
  CHECK(std::chrono::steady_clock::now() - started < 1s);

  std::lock_guard<std::mutex> lock(mutex);
  REQUIRE(seen.size() == 3);
  CHECK(seen[2].method == "DELETE");
  CHECK(seen[2].body.empty());
  CHECK(seen[0].method == "POST");
  CHECK(seen[0].body == body);
  CHECK(header(seen[0].headers, "content-type") == "application/json");
  CHECK(seen[1].method == "OPTIONS");
  CHECK(seen[1].path == "/any/where");
}

TEST_CASE("HttpServer answers an oversize body with 413 and JSON before the handler runs") {
  std::atomic<int> calls{0};
  HttpServerOptions options;
  options.max_body_bytes = 1024;
  RunningServer running(
      [&](const HttpRequest&) {
        ++calls;
        return text(200, "ok");
      },
      options);

  std::string answer = raw_exchange(running.server->port(), post_request("/x", std::string(4096, 'a')));
  CHECK(answer.rfind("HTTP/1.1 413", 0) == 0);
  CHECK(answer.find("Content-Type: application/json") != std::string::npos);
  CHECK(answer.find(R"({"error": "request body larger than 1024 bytes"})") != std::string::npos);
  CHECK(calls == 0);

  // At the limit the body is accepted.
  answer = raw_exchange(running.server->port(), post_request("/x", std::string(1024, 'a')));
  CHECK(answer.rfind("HTTP/1.1 200", 0) == 0);
  CHECK(calls == 1);
}

TEST_CASE("HttpServer limits a chunked body too: 413, the connection still in step") {
  std::atomic<int> calls{0};
  std::mutex mutex;
  std::string seen_body;
  HttpServerOptions options;
  options.max_body_bytes = 1024;
  RunningServer running(
      [&](const HttpRequest& request) {
        ++calls;
        std::lock_guard<std::mutex> lock(mutex);
        seen_body = request.body;
        return text(200, "ok");
      },
      options);
  auto chunked = [](int chunks, const std::string& connection) {
    std::string request = "POST /x HTTP/1.1\r\nHost: h\r\nConnection: " + connection +
                          "\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (int i = 0; i < chunks; ++i) request += "100\r\n" + std::string(256, 'a') + "\r\n";
    return request + "0\r\n\r\n";
  };
  // Oversize body, then a second request on the same connection: the second
  // is answered normally, so the first body was consumed to its end.
  {
    RawConnection connection(running.server->port());
    std::string first = connection.exchange(chunked(16, "keep-alive"));
    CHECK(first.rfind("HTTP/1.1 413", 0) == 0);
    CHECK(first.find(R"({"error": "request body larger than 1024 bytes"})") != std::string::npos);
    std::string second = connection.exchange("GET /after HTTP/1.1\r\nHost: h\r\n\r\n");
    CHECK(second.rfind("HTTP/1.1 200", 0) == 0);
    CHECK(calls == 1);  // only the GET
  }

  std::string answer = raw_exchange(running.server->port(), chunked(4, "close"));  // exactly 1024 bytes
  CHECK(answer.rfind("HTTP/1.1 200", 0) == 0);
  CHECK(calls == 2);
  {
    std::lock_guard<std::mutex> lock(mutex);
    CHECK(seen_body == std::string(1024, 'a'));
  }

  // Far beyond the limit (more than the 1 MiB drain allowance) the server
  // stops reading, still answering 413 first.
  answer = raw_exchange(running.server->port(), chunked(5000, "close"));
  CHECK(answer.rfind("HTTP/1.1 413", 0) == 0);
  CHECK(calls == 2);
}

TEST_CASE("A handler exception becomes a generic 500 without the exception text") {
  RunningServer running([](const HttpRequest&) -> HttpResponse {
    throw std::runtime_error("no ICE score for patient Harold Testwell");
  });
  HttpGetResult got = http_get(running.url("/boom"), {}, 2000ms, 1 << 20);
  REQUIRE(got.error.empty());
  CHECK(got.status == 500);
  CHECK(got.body == R"({"error": "internal error"})");
  CHECK(header(got.headers, "content-type") == "application/json");
  for (const auto& [name, value] : got.headers) {
    CHECK(value.find("Testwell") == std::string::npos);
    CHECK(name.find("exception") == std::string::npos);
  }
}

TEST_CASE("A handler status outside 100..599 becomes a 500") {
  RunningServer running([](const HttpRequest&) { return text(42, "odd"); });
  HttpGetResult got = http_get(running.url("/"), {}, 2000ms, 1 << 20);
  CHECK(got.status == 500);
  CHECK(got.body == R"({"error": "internal error"})");
}

TEST_CASE("Error statuses get a JSON body only when the handler gave none") {
  RunningServer running([](const HttpRequest& request) {
    if (request.path == "/empty") return HttpResponse{404, {}, ""};
    HttpResponse response{400, {{"Content-Type", "application/json"}}, R"({"mine": true})"};
    return response;
  });
  HttpGetResult empty = http_get(running.url("/empty"), {}, 2000ms, 1 << 20);
  CHECK(empty.status == 404);
  CHECK(empty.body == R"({"error": "not found"})");
  HttpGetResult own = http_get(running.url("/own"), {}, 2000ms, 1 << 20);
  CHECK(own.status == 400);
  CHECK(own.body == R"({"mine": true})");
}

TEST_CASE("http_get gives up with a timeout error when the server is slower than the timeout") {
  RunningServer running([](const HttpRequest&) {
    std::this_thread::sleep_for(1500ms);
    return text(200, "late");
  });
  auto started = std::chrono::steady_clock::now();
  HttpGetResult got = http_get(running.url("/slow"), {}, 300ms, 1 << 20);
  auto elapsed = std::chrono::steady_clock::now() - started;
  CHECK(got.error == "timeout after 300 ms");
  CHECK(got.status == 0);
  CHECK(got.body.empty());
  CHECK(elapsed >= 300ms);
  CHECK(elapsed < 1200ms);
}

TEST_CASE("http_get cuts the body off beyond max_bytes and says so") {
  RunningServer running([](const HttpRequest&) { return text(200, std::string(10000, 'x')); });
  HttpGetResult got = http_get(running.url("/big"), {}, 2000ms, 1000);
  CHECK(got.error == "response body larger than 1000 bytes");
  CHECK(got.body.size() <= 1000);

  HttpGetResult exact = http_get(running.url("/big"), {}, 2000ms, 10000);
  CHECK(exact.error.empty());
  CHECK(exact.body.size() == 10000);
}

TEST_CASE("http_get keeps to its timeout when the server trickles its answer byte by byte") {
  auto trickle = [](int sock, const std::string& bytes) {
    // Each byte arrives well within the read timeout; all of them do not.
    for (char c : bytes) {
      if (::send(sock, &c, 1, MSG_NOSIGNAL) <= 0) return;
      std::this_thread::sleep_for(50ms);
    }
  };
  auto body = GENERATE(false, true);
  RawServer raw([&](int sock) {
    if (body) {
      send_all(sock, "HTTP/1.1 200 OK\r\nContent-Length: 40\r\nConnection: close\r\n\r\n");
      trickle(sock, std::string(40, 'x'));
    } else {
      trickle(sock, "HTTP/1.1 200 OK\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n");
    }
  });
  auto started = std::chrono::steady_clock::now();
  HttpGetResult got = http_get("http://127.0.0.1:" + std::to_string(raw.port) + "/", {}, 400ms, 1000);
  auto elapsed = std::chrono::steady_clock::now() - started;
  CHECK(got.error == "timeout after 400 ms");
  CHECK(elapsed < 1000ms);
}

TEST_CASE("http_get cuts off a chunked body without Content-Length beyond max_bytes") {
  RawServer raw([](int sock) {
    send_all(sock, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n");
    for (int i = 0; i < 20; ++i) {
      if (::send(sock, "100\r\n", 5, MSG_NOSIGNAL) <= 0) return;
      send_all(sock, std::string(256, 'y') + "\r\n");
    }
    send_all(sock, "0\r\n\r\n");
  });
  HttpGetResult got = http_get("http://127.0.0.1:" + std::to_string(raw.port) + "/", {}, 2000ms, 1000);
  CHECK(got.error == "response body larger than 1000 bytes");
  CHECK(got.status == 200);
  CHECK(got.body == std::string(1000, 'y'));
}

TEST_CASE("http_get returns a redirect as it is, without following it") {
  std::atomic<int> calls{0};
  std::string location;
  RunningServer running([&](const HttpRequest&) {
    ++calls;
    HttpResponse response{302, {{"Location", location}}, ""};
    return response;
  });
  location = running.url("/elsewhere");
  HttpGetResult got = http_get(running.url("/start"), {}, 2000ms, 1 << 20);
  REQUIRE(got.error.empty());
  CHECK(got.status == 302);
  CHECK(header(got.headers, "location") == location);
  CHECK(calls == 1);
}

TEST_CASE("parse_http_url accepts absolute http(s) URLs and makes the origin explicit") {
  HttpUrl url;
  REQUIRE(parse_http_url("HTTPS://EHR.Example.org/fhir/R4/Observation?patient=1#frag", url).empty());
  CHECK(url.scheme == "https");
  CHECK(url.host == "ehr.example.org");
  CHECK(url.port == 443);
  CHECK(url.target == "/fhir/R4/Observation?patient=1");
  CHECK(url.origin() == "https://ehr.example.org:443");

  REQUIRE(parse_http_url("http://127.0.0.1:8080", url).empty());
  CHECK(url.port == 8080);
  CHECK(url.target == "/");
  REQUIRE(parse_http_url("http://h?x=1", url).empty());
  CHECK(url.target == "/?x=1");
  CHECK(url.origin() == "http://h:80");
  REQUIRE(parse_http_url("http://[::1]:9000/p", url).empty());
  CHECK(url.host == "::1");
  CHECK(url.origin() == "http://[::1]:9000");
}

TEST_CASE("parse_http_url rejects what is not an absolute http(s) URL") {
  HttpUrl url;
  CHECK(parse_http_url("ftp://host/x", url) == "URL scheme must be http or https");
  CHECK(parse_http_url("/fhir/Observation", url) == "URL is not absolute (no scheme://)");
  CHECK(parse_http_url("http:///path", url) == "URL has no host");
  CHECK(parse_http_url("http://user:pw@host/", url) == "URL must not carry user information");
  CHECK(parse_http_url("http://host:/", url) == "URL has an empty port");
  CHECK(parse_http_url("http://host:http/", url) == "URL port is not a number");
  CHECK(parse_http_url("http://host:70000/", url) == "URL port is out of range");
  CHECK(parse_http_url("http://host:0/", url) == "URL port is out of range");
  CHECK(parse_http_url("http://ho st/", url) == "URL contains a space or control character");
  CHECK(parse_http_url("http://host/\r\nX: y", url) == "URL contains a space or control character");
  CHECK(parse_http_url("http://[::1/", url) == "URL has an unterminated IPv6 address");
  CHECK(parse_http_url("http://host/Patient?name=J\xC3\xBCrgen", url) ==
        "URL contains a non-ASCII character (percent-encode it)");
  CHECK(parse_http_url("http://ho%73t/", url) == "URL host contains a character not allowed in a host name");

  HttpGetResult got = http_get("file:///etc/passwd", {}, 1000ms, 1000);
  CHECK(got.error == "URL scheme must be http or https");
  CHECK(got.status == 0);
}

TEST_CASE("http_get errors never contain header values") {
  const std::string token = "s3cr3t-token-value";
  // Nothing listens on port 1.
  HttpGetResult refused = http_get("http://127.0.0.1:1/x", {{"Authorization", "Bearer " + token}}, 1000ms, 100);
  CHECK_FALSE(refused.error.empty());
  CHECK(refused.error.find(token) == std::string::npos);
  CHECK(refused.status == 0);

  HttpGetResult injected =
      http_get("http://127.0.0.1:1/x", {{"Authorization", "Bearer " + token + "\r\nX-Evil: 1"}}, 1000ms, 100);
  CHECK(injected.error == "request header 'Authorization' has a line break or NUL in its value");

  HttpGetResult bad_name = http_get("http://127.0.0.1:1/x", {{"Bad Name", token}}, 1000ms, 100);
  CHECK(bad_name.error == "request header name is not a valid HTTP token");
}

TEST_CASE("stop() lets a request in flight finish, then run() returns and new connections fail") {
  std::atomic<bool> handler_entered{false};
  std::string error;
  auto server = HttpServer::start(
      any_port(),
      [&](const HttpRequest&) {
        handler_entered = true;
        std::this_thread::sleep_for(500ms);
        return text(200, "finished");
      },
      error);
  REQUIRE(server);
  const int port = server->port();
  std::thread runner([&] { server->run(); });

  HttpGetResult in_flight;
  std::thread client([&] {
    in_flight = http_get("http://127.0.0.1:" + std::to_string(port) + "/slow", {}, 5000ms, 1000);
  });
  while (!handler_entered) std::this_thread::sleep_for(5ms);
  server->stop();
  runner.join();  // returns only after the request in flight is answered
  client.join();

  CHECK(in_flight.error.empty());
  CHECK(in_flight.status == 200);
  CHECK(in_flight.body == "finished");

  HttpGetResult after = http_get("http://127.0.0.1:" + std::to_string(port) + "/", {}, 1000ms, 1000);
  CHECK(after.status == 0);
  CHECK(after.error == "cannot connect to 127.0.0.1:" + std::to_string(port));
}

TEST_CASE("stop() before run() makes run() return at once; stop() twice is harmless") {
  std::string error;
  auto server = HttpServer::start(any_port(),
                                  [](const HttpRequest&) { return text(200, ""); }, error);
  REQUIRE(server);
  server->stop();
  server->stop();
  auto started = std::chrono::steady_clock::now();
  server->run();
  CHECK(std::chrono::steady_clock::now() - started < 1s);
}

TEST_CASE("HttpServer::start reports what keeps it from serving") {
  auto handler = [](const HttpRequest&) { return text(200, ""); };
  std::string error;
  auto first = HttpServer::start(any_port(), handler, error);
  REQUIRE(first);

  HttpServerOptions taken;
  taken.port = first->port();
  CHECK_FALSE(HttpServer::start(taken, handler, error));
  CHECK(error.rfind("cannot listen on 127.0.0.1:" + std::to_string(taken.port), 0) == 0);

  HttpServerOptions half_tls;
  half_tls.port = 0;
  half_tls.tls_certificate_file = "/nonexistent/cert.pem";
  CHECK_FALSE(HttpServer::start(half_tls, handler, error));
  CHECK(error == "TLS needs both a certificate file and a private key file");

  HttpServerOptions missing_tls = half_tls;
  missing_tls.tls_private_key_file = "/nonexistent/key.pem";
  CHECK_FALSE(HttpServer::start(missing_tls, handler, error));
  CHECK(error.rfind("cannot load the TLS certificate or private key", 0) == 0);

  HttpServerOptions no_threads;
  no_threads.port = 0;
  no_threads.threads = 0;
  CHECK_FALSE(HttpServer::start(no_threads, handler, error));
  CHECK(error == "HTTP server needs at least one thread");
}

TEST_CASE("With a certificate and key HttpServer speaks TLS, and http_get checks the certificate") {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("icans-http-tls-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::string cert = (dir / "cert.pem").string();
  std::string key = (dir / "key.pem").string();
  std::string command = "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost -keyout " +
                        key + " -out " + cert + " >/dev/null 2>&1";
  REQUIRE(std::system(command.c_str()) == 0);

  HttpServerOptions options;
  options.tls_certificate_file = cert;
  options.tls_private_key_file = key;
  std::atomic<int> calls{0};
  RunningServer running(
      [&](const HttpRequest&) {
        ++calls;
        return text(200, "secure");
      },
      options);
  const std::string port = std::to_string(running.server->port());

  // A self-signed certificate is not trusted: the handshake happens (so the
  // server speaks TLS) and verification refuses it.
  HttpGetResult https = http_get("https://localhost:" + port + "/", {}, 3000ms, 1000);
  CHECK(https.status == 0);
  CHECK(https.error == "TLS certificate of localhost:" + port + " is not trusted or does not match the host");

  // Plain HTTP to the TLS port gets no HTTP answer.
  HttpGetResult plain = http_get("http://127.0.0.1:" + port + "/", {}, 3000ms, 1000);
  CHECK(plain.status == 0);
  CHECK_FALSE(plain.error.empty());
  CHECK(calls == 0);
  fs::remove_all(dir);
}

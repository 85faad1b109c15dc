// Inbound limits of the HTTP server (cds/hooks/http.h): header size, open
// connections, and clients that go quiet.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "cds/hooks/http.h"

using namespace std::chrono_literals;
using icans::HttpRequest;
using icans::HttpResponse;
using icans::HttpServer;
using icans::HttpServerOptions;

namespace {

struct RunningServer {
  std::unique_ptr<HttpServer> server;
  std::thread thread;
  std::atomic<int> handled{0};
  std::chrono::milliseconds handler_time{0};

  explicit RunningServer(HttpServerOptions options, std::chrono::milliseconds handler_time_ = 0ms)
      : handler_time(handler_time_) {
    options.port = 0;
    std::string error;
    server = HttpServer::start(
        options,
        [this](const HttpRequest&) {
          std::this_thread::sleep_for(handler_time);
          ++handled;
          HttpResponse response;
          response.body = "ok";
          return response;
        },
        error);
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

// The server runs in this process: its accepted sockets are among ours.
// Counted by inode, since one socket may have several descriptors.
int open_sockets() {
  std::set<std::string> sockets;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
    std::error_code ignored;
    const auto target = std::filesystem::read_symlink(entry.path(), ignored).string();
    if (target.starts_with("socket:")) sockets.insert(target);
  }
  return static_cast<int>(sockets.size());
}

int connect_to(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  REQUIRE(fd >= 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const int result = ::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address);
  REQUIRE((result == 0 || errno == EINPROGRESS));
  return fd;
}

// Connections the server has accepted while `clients` idle connections are open.
int accepted_with_idle_clients(RunningServer& server, int clients) {
  const int before = open_sockets();
  std::vector<int> fds;
  for (int i = 0; i < clients; ++i) fds.push_back(connect_to(server.server->port()));
  std::this_thread::sleep_for(500ms);  // time to accept whatever it will
  const int accepted = open_sockets() - before - clients;
  for (int fd : fds) ::close(fd);
  return accepted;
}

}  // namespace

TEST_CASE("headers over max_header_bytes get 431 and never reach the handler", "[http][limits]") {
  HttpServerOptions options;
  options.max_header_bytes = 2048;
  RunningServer server(options);
  const std::string value(900, 'v');
  const auto small = icans::http_get(server.url("/x"), {{"X-A", value}}, 5s, 1 << 16);
  CHECK(small.status == 200);
  const auto large = icans::http_get(server.url("/x"), {{"X-A", value}, {"X-B", value}, {"X-C", value}}, 5s, 1 << 16);
  CHECK(large.status == 431);
  CHECK(large.body == R"({"error": "request headers larger than 2048 bytes"})");
  CHECK(server.handled == 1);
}

TEST_CASE("at max_connections the server stops accepting until a connection closes", "[http][limits]") {
  HttpServerOptions capped;
  capped.threads = 1;
  capped.max_connections = 2;
  {
    RunningServer server(capped);
    CHECK(accepted_with_idle_clients(server, 5) == 2);
    // Once they are gone it serves again.
    const auto after = icans::http_get(server.url("/x"), {}, 5s, 1 << 16);
    CHECK(after.status == 200);
  }
  // The same measurement without the cap binding: every connection is accepted.
  HttpServerOptions roomy = capped;
  roomy.max_connections = 16;
  RunningServer server(roomy);
  CHECK(accepted_with_idle_clients(server, 5) == 5);
}

TEST_CASE("max_connections below the thread count is refused", "[http][limits]") {
  HttpServerOptions options;
  options.threads = 4;
  options.max_connections = 2;
  std::string error;
  CHECK_FALSE(HttpServer::start(options, [](const HttpRequest&) { return HttpResponse{}; }, error));
  CHECK(error == "HTTP server needs max_connections >= threads");
}

TEST_CASE("a client that stops sending mid-request is disconnected after the read timeout", "[http][limits]") {
  HttpServerOptions options;
  options.read_timeout = 1s;
  RunningServer server(options);
  const int fd = connect_to(server.server->port());
  pollfd writable{fd, POLLOUT, 0};
  REQUIRE(::poll(&writable, 1, 2000) == 1);
  const std::string partial = "POST /x HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  REQUIRE(::send(fd, partial.data(), partial.size(), 0) == static_cast<ssize_t>(partial.size()));
  const auto started = std::chrono::steady_clock::now();
  // Wait for the server to close its end (EOF), reading whatever it sends first.
  bool closed = false;
  while (!closed && std::chrono::steady_clock::now() - started < 5s) {
    pollfd readable{fd, POLLIN, 0};
    if (::poll(&readable, 1, 100) == 1) {
      char buffer[512];
      closed = ::recv(fd, buffer, sizeof buffer, 0) <= 0;
    }
  }
  const auto waited = std::chrono::steady_clock::now() - started;
  ::close(fd);
  CHECK(closed);
  CHECK(waited >= 900ms);
  CHECK(waited < 4s);
  CHECK(server.handled == 0);
}

TEST_CASE("a client trickling its request within each read timeout is cut at the client timeout",
          "[http][limits]") {
  HttpServerOptions options;
  options.read_timeout = 1s;
  RunningServer server(options);
  const int fd = connect_to(server.server->port());
  pollfd writable{fd, POLLOUT, 0};
  REQUIRE(::poll(&writable, 1, 2000) == 1);
  const std::string head = "GET /x HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ";
  REQUIRE(::send(fd, head.data(), head.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(head.size()));
  const auto started = std::chrono::steady_clock::now();
  bool cut = false;
  while (!cut && std::chrono::steady_clock::now() - started < 6s) {
    std::this_thread::sleep_for(300ms);  // each byte well within the 1 s read timeout
    char byte = 0;
    const auto peeked = ::recv(fd, &byte, 1, MSG_DONTWAIT | MSG_PEEK);
    cut = peeked == 0 || (peeked < 0 && errno != EAGAIN && errno != EWOULDBLOCK) ||
          ::send(fd, "a", 1, MSG_NOSIGNAL) != 1;
  }
  const auto held = std::chrono::steady_clock::now() - started;
  ::close(fd);
  CHECK(cut);
  CHECK(held < 2500ms);
  CHECK(server.handled == 0);
}

TEST_CASE("the handler's own time does not count against the client timeout", "[http][limits]") {
  HttpServerOptions options;
  options.read_timeout = 1s;
  RunningServer server(options, 1800ms);
  const auto first = icans::http_get(server.url("/x"), {}, 10s, 1 << 16);
  CHECK(first.status == 200);
  CHECK(first.body == "ok");
  CHECK(server.handled == 1);
}

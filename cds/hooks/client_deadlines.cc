#include "cds/hooks/client_deadlines.h"

#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>

namespace icans {
namespace {

using Clock = std::chrono::steady_clock;

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
}

int port_of(const sockaddr_storage& address) {
  if (address.ss_family == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in&>(address).sin_port);
  if (address.ss_family == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6&>(address).sin6_port);
  return -1;
}

}  // namespace

struct ClientDeadlines::Watch {
  int fd = -1;  // our duplicate of the connection's socket
  dev_t device = 0;
  ino_t inode = 0;
  std::atomic<bool> handling{false};
  std::atomic<std::int64_t> waiting_since{0};  // steady clock, ns
  bool was_cut = false;                        // guarded by ClientDeadlines::mutex_
};

namespace {
// The connection the current thread serves, if it is watched.
thread_local ClientDeadlines::Watch* current_watch = nullptr;
}  // namespace

ClientDeadlines::ClientDeadlines(std::chrono::milliseconds limit) : limit_(limit), watchdog_([this] { run(); }) {}

ClientDeadlines::~ClientDeadlines() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  watchdog_.join();
  for (const auto& watch : watches_) ::close(watch->fd);
}

std::shared_ptr<ClientDeadlines::Watch> ClientDeadlines::watch_accepted(int listen_port) {
  std::vector<std::pair<dev_t, ino_t>> watched;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& watch : watches_) watched.emplace_back(watch->device, watch->inode);
  }
  DIR* directory = ::opendir("/proc/self/fd");
  if (!directory) return nullptr;
  const int directory_fd = ::dirfd(directory);
  int found = -1;
  int candidates = 0;
  struct stat found_stat {};
  while (const dirent* entry = ::readdir(directory)) {
    char* end = nullptr;
    const long fd = std::strtol(entry->d_name, &end, 10);
    if (end == entry->d_name || *end != '\0' || fd == directory_fd) continue;
    struct stat status {};
    if (::fstat(static_cast<int>(fd), &status) != 0 || !S_ISSOCK(status.st_mode)) continue;
    if (std::find(watched.begin(), watched.end(), std::pair{status.st_dev, status.st_ino}) != watched.end()) continue;
    sockaddr_storage local{};
    socklen_t length = sizeof local;
    if (::getsockname(static_cast<int>(fd), reinterpret_cast<sockaddr*>(&local), &length) != 0) continue;
    if (port_of(local) != listen_port) continue;
    sockaddr_storage peer{};
    length = sizeof peer;
    // The listening socket has no peer.
    if (::getpeername(static_cast<int>(fd), reinterpret_cast<sockaddr*>(&peer), &length) != 0) continue;
    ++candidates;
    found = static_cast<int>(fd);
    found_stat = status;
  }
  ::closedir(directory);
  if (candidates != 1) return nullptr;
  const int copy = ::fcntl(found, F_DUPFD_CLOEXEC, 0);
  if (copy < 0) return nullptr;
  auto watch = std::make_shared<Watch>();
  watch->fd = copy;
  watch->device = found_stat.st_dev;
  watch->inode = found_stat.st_ino;
  watch->waiting_since = now_ns();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    watches_.push_back(watch);
  }
  wake_.notify_all();
  return watch;
}

void ClientDeadlines::forget(const std::shared_ptr<Watch>& watch) {
  std::lock_guard<std::mutex> lock(mutex_);
  watches_.erase(std::remove(watches_.begin(), watches_.end(), watch), watches_.end());
  ::close(watch->fd);
}

std::size_t ClientDeadlines::cut() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return cut_;
}

void ClientDeadlines::run() {
  // Checked often enough that a deadline is overshot by at most a tick.
  const auto tick = std::min<std::chrono::milliseconds>(std::chrono::milliseconds(100), limit_ / 4 + std::chrono::milliseconds(1));
  const std::int64_t limit_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(limit_).count();
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_) {
    if (watches_.empty()) {
      wake_.wait(lock, [this] { return stopping_ || !watches_.empty(); });
      continue;
    }
    wake_.wait_for(lock, tick, [this] { return stopping_; });
    const std::int64_t now = now_ns();
    for (const auto& watch : watches_) {
      if (watch->was_cut || watch->handling) continue;
      if (now - watch->waiting_since.load() <= limit_ns) continue;
      // Fails the blocked read or write; httplib then closes the connection.
      ::shutdown(watch->fd, SHUT_RDWR);
      watch->was_cut = true;
      ++cut_;
    }
  }
}

ClientDeadlines::Serving::Serving(ClientDeadlines& deadlines, std::shared_ptr<Watch> watch)
    : deadlines_(deadlines), watch_(std::move(watch)) {
  if (!watch_) return;
  // Time spent queued for a thread is the server's, not the client's.
  watch_->waiting_since = now_ns();
  current_watch = watch_.get();
}

ClientDeadlines::Serving::~Serving() {
  if (!watch_) return;
  current_watch = nullptr;
  deadlines_.forget(watch_);
}

ClientDeadlines::Handling::Handling() {
  if (current_watch) current_watch->handling = true;
}

ClientDeadlines::Handling::~Handling() {
  if (!current_watch) return;
  // Restart the clock before the watchdog can see the handler finished.
  current_watch->waiting_since = now_ns();
  current_watch->handling = false;
}

}  // namespace icans

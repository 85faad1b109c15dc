#pragma once
// Bounds how long a server connection may wait on its client in total.
// cpp-httplib 0.11.4 times out each read and each write, not the request: a
// client that sends one byte per timeout keeps its connection, and a server
// thread, for as long as it likes. Here every wait on the client -- for a
// request's line, headers and body, and while the response is written --
// may last at most `limit` altogether; past it the socket is shut down, which
// fails the read or write in progress and ends the connection. Time spent by
// the handler itself (grading, FHIR fetches) does not count.
//
// httplib hands each accepted connection to its task queue as a bare
// closure. The socket is found right after accept(), on the accepting thread,
// as the one connected socket on the listening port that is not watched yet,
// and duplicated: the watch acts on its own descriptor, never on a number
// httplib may have closed and reused meanwhile.

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace icans {

class ClientDeadlines {
 public:
  struct Watch;

  explicit ClientDeadlines(std::chrono::milliseconds limit);
  ~ClientDeadlines();
  ClientDeadlines(const ClientDeadlines&) = delete;
  ClientDeadlines& operator=(const ClientDeadlines&) = delete;

  // On the accepting thread, right after accept(): starts watching the new
  // connection on `listen_port`. nullptr when it cannot be told apart (it is
  // then bounded by the per-read timeouts only).
  std::shared_ptr<Watch> watch_accepted(int listen_port);

  // Wraps the serving of one connection, on the thread that serves it; the
  // watch ends (and its descriptor is closed) when the scope does.
  class Serving {
   public:
    Serving(ClientDeadlines& deadlines, std::shared_ptr<Watch> watch);
    ~Serving();
    Serving(const Serving&) = delete;
    Serving& operator=(const Serving&) = delete;

   private:
    ClientDeadlines& deadlines_;
    std::shared_ptr<Watch> watch_;
  };

  // Marks the handler running on this thread's connection: the clock stops,
  // and restarts when the scope ends (the response is then written). Does
  // nothing on a thread that serves no watched connection.
  class Handling {
   public:
    Handling();
    ~Handling();
    Handling(const Handling&) = delete;
    Handling& operator=(const Handling&) = delete;
  };

  // Connections shut down for being too slow, since construction.
  std::size_t cut() const;

 private:
  void run();
  void forget(const std::shared_ptr<Watch>& watch);

  const std::chrono::milliseconds limit_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::vector<std::shared_ptr<Watch>> watches_;  // guarded by mutex_
  std::size_t cut_ = 0;                          // guarded by mutex_
  std::thread watchdog_;
};

}  // namespace icans

#pragma once
// Keeps SQLite's WAL checkpoints off the request path.
//
// In WAL mode a commit appends to the log and, by default, the commit that
// takes the log past 1000 pages also copies it back into the database file:
// several writes and fsyncs more, in that one request. Measured with the
// benchmark (docs/benchmark.md), those requests are the slowest one in a
// hundred. Here the writing connection only reports the log's size after
// each commit, and a thread of its own, on its own connection, runs a
// PASSIVE checkpoint: it never holds the write lock, so commits go on while
// it copies. Only a log grown to four times the threshold (commits without a
// pause for the thread to finish) is checkpointed by a commit, as before. A
// commit is as durable as before: it is durable once it is in the log
// (synchronous=FULL), checkpointed or not.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

struct sqlite3;

namespace icans {

class WalCheckpointer {
 public:
  // Opens a second connection to the database at `path` (opened the same
  // way as the writer's) and hooks `writer`'s commits. Returns nullptr with
  // `error` set when it cannot.
  static std::unique_ptr<WalCheckpointer> start(sqlite3* writer, const std::string& path,
                                                int checkpoint_pages, std::string& error);
  // Stops the thread and unhooks the writer; what is left in the log is
  // checkpointed by SQLite when the last connection closes.
  ~WalCheckpointer();
  WalCheckpointer(const WalCheckpointer&) = delete;
  WalCheckpointer& operator=(const WalCheckpointer&) = delete;

  // Checkpoints done, and the log frames they copied into the database: by
  // the thread, and by commits when the log outgrew it.
  struct Counts {
    std::atomic<std::uint64_t> checkpoints{0};
    std::atomic<std::uint64_t> frames{0};
  };
  const Counts& by_thread() const { return by_thread_; }
  const Counts& by_commit() const { return by_commit_; }
  std::uint64_t failures() const { return failures_.load(); }

 private:
  WalCheckpointer(sqlite3* writer, sqlite3* own, int checkpoint_pages);
  static int on_commit(void* self, sqlite3*, const char*, int log_pages);
  void checkpoint(sqlite3* connection, const char* database, Counts& counts);
  void run();

  sqlite3* writer_;
  sqlite3* own_;
  const int checkpoint_pages_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool due_ = false;
  bool stopping_ = false;
  Counts by_thread_;
  Counts by_commit_;
  std::atomic<std::uint64_t> failures_{0};
  std::thread thread_;
};

}  // namespace icans

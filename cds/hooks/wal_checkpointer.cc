#include "cds/hooks/wal_checkpointer.h"

#include <sqlite3.h>

namespace icans {

std::unique_ptr<WalCheckpointer> WalCheckpointer::start(sqlite3* writer, const std::string& path,
                                                        int checkpoint_pages, std::string& error) {
  sqlite3* own = nullptr;
  if (sqlite3_open_v2(path.c_str(), &own, SQLITE_OPEN_READWRITE | SQLITE_OPEN_URI, nullptr) != SQLITE_OK) {
    error = own ? sqlite3_errmsg(own) : "out of memory";
    sqlite3_close_v2(own);
    return nullptr;
  }
  // A connection opens the log only when it first reads: until then a
  // checkpoint on it does nothing and says it succeeded.
  if (sqlite3_exec(own, "PRAGMA synchronous=FULL; SELECT 1 FROM sqlite_master LIMIT 1", nullptr, nullptr,
                   nullptr) != SQLITE_OK) {
    error = sqlite3_errmsg(own);
    sqlite3_close_v2(own);
    return nullptr;
  }
  std::unique_ptr<WalCheckpointer> checkpointer(new WalCheckpointer(writer, own, checkpoint_pages));
  // Replaces SQLite's own autocheckpoint, which is a WAL hook too.
  sqlite3_wal_hook(writer, &WalCheckpointer::on_commit, checkpointer.get());
  return checkpointer;
}

WalCheckpointer::WalCheckpointer(sqlite3* writer, sqlite3* own, int checkpoint_pages)
    : writer_(writer), own_(own), checkpoint_pages_(checkpoint_pages), thread_([this] { run(); }) {}

WalCheckpointer::~WalCheckpointer() {
  sqlite3_wal_hook(writer_, nullptr, nullptr);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
  sqlite3_close_v2(own_);
}

// Called by SQLite inside the writer's commit, after the log is synced: it
// only raises a flag, unless the log has outgrown what the thread keeps up
// with. The log restarts from its beginning only after a checkpoint that
// copied all of it, which commits arriving without a pause never let the
// thread finish; then the commit checkpoints itself, as SQLite would by
// default, so the log stays bounded.
int WalCheckpointer::on_commit(void* self, sqlite3* writer, const char* database, int log_pages) {
  auto* checkpointer = static_cast<WalCheckpointer*>(self);
  if (log_pages < checkpointer->checkpoint_pages_) return SQLITE_OK;
  if (log_pages >= 4 * checkpointer->checkpoint_pages_) {
    checkpointer->checkpoint(writer, database, checkpointer->by_commit_);
    return SQLITE_OK;
  }
  {
    std::lock_guard<std::mutex> lock(checkpointer->mutex_);
    checkpointer->due_ = true;
  }
  checkpointer->wake_.notify_one();
  return SQLITE_OK;
}

// PASSIVE copies what no reader still needs and never waits for a lock; what
// it leaves is copied next time. A failure costs only a longer log, which the
// next commit past the threshold retries.
void WalCheckpointer::checkpoint(sqlite3* connection, const char* database, Counts& counts) {
  int log_frames = -1;
  int copied_frames = -1;
  const int result =
      sqlite3_wal_checkpoint_v2(connection, database, SQLITE_CHECKPOINT_PASSIVE, &log_frames, &copied_frames);
  // Busy: the other checkpointer (thread or commit) is running; it does the
  // work. A log of -1 frames: the connection is not in WAL mode, nothing was
  // done.
  if (result == SQLITE_BUSY) return;
  if (result != SQLITE_OK || log_frames < 0) {
    failures_.fetch_add(1);
    return;
  }
  counts.checkpoints.fetch_add(1);
  counts.frames.fetch_add(static_cast<std::uint64_t>(copied_frames > 0 ? copied_frames : 0));
}

void WalCheckpointer::run() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return due_ || stopping_; });
    if (stopping_) return;
    due_ = false;
    lock.unlock();
    checkpoint(own_, nullptr, by_thread_);
    lock.lock();
  }
}

}  // namespace icans

#pragma once
// How the serving process hands memory back to the kernel.
//
// The service is linked with jemalloc (CMake option ICANS_JEMALLOC, on by
// default), which keeps freed pages for reuse and returns them to the kernel
// only after they have stayed unused for a while; then this is a no-op.
//
// Built without it, glibc by default returns the top of its heap to the
// kernel once 128 KiB of it is free, and serves every block over 128 KiB (a
// request's list of resources read from a prefetch of a few hundred charted
// observations) from a mapping of its own that is unmapped when freed. Either
// way the next request faults each page back in and the kernel zeroes it
// again: measured on the benchmark's 213 KiB request (docs/benchmark.md),
// about a sixth of the time spent reading the chart. A service answering one
// request after another is better off keeping what the last request freed.

namespace icans {

// With glibc's allocator, raises the thresholds, bounded (see
// memory_reuse.cc): what the process keeps is at most its high-water mark.
// A no-op with jemalloc or off glibc. Call once at start-up, before the
// worker threads.
void keep_freed_memory_for_next_requests();

}  // namespace icans

#include "cds/hooks/memory_reuse.h"

#if defined(__GLIBC__) && !defined(ICANS_JEMALLOC)
#include <malloc.h>
#endif

namespace icans {

void keep_freed_memory_for_next_requests() {
#if defined(__GLIBC__) && !defined(ICANS_JEMALLOC)
  // Blocks up to 32 MiB (glibc's own upper bound for its adaptive threshold)
  // come from the heap and are reused; larger ones, from a request near the
  // body limit, still get a mapping of their own and go back when freed.
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  // Free memory at the top of the heap is kept up to 256 MiB: a few requests'
  // worth at the default body limit, returned beyond that.
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
#endif
}

}  // namespace icans

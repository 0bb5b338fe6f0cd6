// cairn/detail/huge_page_heap.hpp: the heap an evaluation grows into, in 2 MiB pages.
//
// Evaluating a large host writes tens of megabytes of fresh heap (W(400,50) of bench/: about
// 25 MB), and the first write to each 4 KiB page is a page fault: on a virtual machine several
// microseconds each, as much time as the evaluation's own work. With transparent huge pages
// granted on request (the kernel's default, "madvise"), a region asked for in huge pages takes
// one fault per 2 MiB. This does for the host binary what glibc's tunable
// glibc.malloc.hugetlb=1 does, which a program cannot set for itself.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>

#if defined(__GLIBC__)
#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>
#endif

namespace cairn::detail {

// Reserves `bytes` of address space at the top of the heap (pages are only used when written)
// and asks for them in huge pages. Without transparent huge pages it changes only where malloc
// takes memory from; without glibc, nothing. Call it once, before the heap is used in earnest.
inline void grow_heap_in_huge_pages(std::size_t bytes = std::size_t{128} << 20) {
#if defined(__GLIBC__) && defined(MADV_HUGEPAGE)
  constexpr std::uintptr_t huge_page = std::uintptr_t{2} << 20;
  // Large blocks (the evaluator's tables) from the heap as well, not from mappings of their own
  // in small pages; and nothing given back to the system before exit, which would shrink the
  // region (a heap grown again later gets small pages).
  mallopt(M_MMAP_THRESHOLD, 32 << 20);  // glibc's largest
  constexpr std::size_t most = std::numeric_limits<int>::max();
  mallopt(M_TRIM_THRESHOLD, static_cast<int>(bytes < most / 2 ? 2 * bytes : most));
  // The heap grown by `bytes` at once: a block that large, from the heap (no mapping of its
  // own), freed. Only its first and last pages are written.
  mallopt(M_MMAP_MAX, 0);
  void* volatile probe = malloc(bytes);  // volatile: not elided with its free
  mallopt(M_MMAP_MAX, 65536);            // glibc's default
  if (probe == nullptr) return;          // refused: the heap grows as before
  auto top = reinterpret_cast<std::uintptr_t>(probe);  // where the heap's free top begins
  free(probe);
  auto end = reinterpret_cast<std::uintptr_t>(sbrk(0));
  auto first = (top + huge_page - 1) & ~(huge_page - 1);
  if (end <= first + huge_page) return;
  // Blocks from the first huge page on: the space up to it is held by a block never written
  // (nor freed), or the first 2 MiB of the evaluation would land in small pages there. A block
  // asked for as n bytes spans n + 8 rounded up to 16 (its size field), so the next block's
  // header is the last 16 bytes below `first`.
  if (first - top >= 64) {
    void* volatile filler = malloc(first - top - 8);
    (void)filler;
  }
  madvise(reinterpret_cast<void*>(first), end - first, MADV_HUGEPAGE);
#else
  (void)bytes;
#endif
}

}  // namespace cairn::detail

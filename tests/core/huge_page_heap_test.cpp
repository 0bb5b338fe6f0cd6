// The heap of host binaries (detail::grow_heap_in_huge_pages): blocks an evaluation allocates
// come from the heap, in a region asked for in huge pages, and backed by them where the kernel
// grants transparent huge pages. Each case runs in a child process: malloc's settings are global.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include <cairn/detail/huge_page_heap.hpp>

namespace {

// The mapping of /proc/self/smaps that holds `address`: its header line and fields.
std::string mapping_of(const void* address) {
  auto a = reinterpret_cast<std::uintptr_t>(address);
  std::ifstream smaps("/proc/self/smaps");
  std::string line, found;
  bool inside = false;
  while (std::getline(smaps, line)) {
    std::uintptr_t begin = 0, end = 0;
    char dash = 0;
    std::istringstream header(line);
    if (header >> std::hex >> begin >> dash >> end && dash == '-' && line.find(':') > line.find(' ')) {
      inside = begin <= a && a < end;
      if (inside) found = line + "\n";
    } else if (inside) {
      found += line + "\n";
    }
  }
  return found;
}

std::uint64_t field_kb(const std::string& mapping, const std::string& name) {
  auto at = mapping.find("\n" + name + ":");
  if (at == std::string::npos) return 0;
  return std::strtoull(mapping.c_str() + at + name.size() + 2, nullptr, 10);
}

std::string transparent_huge_pages() {
  std::ifstream f("/sys/kernel/mm/transparent_hugepage/enabled");
  std::string mode;
  std::getline(f, mode);
  return mode;  // "always [madvise] never"
}

// Runs `check` in a child; its exit code (0 = passed) is returned.
int in_child(const std::function<int()>& check) {
  pid_t pid = fork();
  if (pid == 0) _exit(check());
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 100;
}

TEST(HugePageHeap, LargeBlocksComeFromTheHeapRegionAskedForInHugePages) {
  if (transparent_huge_pages().empty()) GTEST_SKIP() << "this kernel has no transparent huge pages";
  EXPECT_EQ(in_child([] {
              cairn::detail::grow_heap_in_huge_pages(std::size_t{64} << 20);
              // 8 MiB: without the settings, a mapping of its own (glibc's threshold is 128 KiB).
              auto* block = static_cast<char*>(std::malloc(std::size_t{8} << 20));
              std::memset(block, 1, std::size_t{8} << 20);
              if (mapping_of(block).find(" hg") == std::string::npos) return 3;  // from the first huge page on
              auto mapping = mapping_of(block + (std::size_t{4} << 20));
              if (mapping.find("[heap]") == std::string::npos) return 1;
              if (mapping.find("VmFlags:") == std::string::npos || mapping.find(" hg") == std::string::npos) return 2;
              return 0;
            }),
            0)
      << "1: the block is not on the heap; 2: its region is not asked for in huge pages; 3: it begins below it";
}

TEST(HugePageHeap, WrittenBlocksAreBackedByHugePagesWhereTheKernelGrantsThem) {
  auto mode = transparent_huge_pages();
  if (mode.find("[never]") != std::string::npos || mode.empty())
    GTEST_SKIP() << "transparent huge pages are off: " << mode;
  EXPECT_EQ(in_child([] {
              cairn::detail::grow_heap_in_huge_pages(std::size_t{64} << 20);
              // Small blocks, as an evaluation makes them: 16 MiB of them.
              char* last = nullptr;
              for (int i = 0; i < 200000; ++i) {
                last = static_cast<char*>(std::malloc(80));
                std::memset(last, 1, 80);
              }
              auto mapping = mapping_of(last);
              // At least the 2 MiB regions wholly written (the last one may be partly written).
              return field_kb(mapping, "AnonHugePages") >= 8 * 1024 ? 0 : 1;
            }),
            0)
      << "the heap's written blocks are in small pages";
}

TEST(HugePageHeap, TheHeapStaysUsableWhenTheReservationIsRefused) {
  EXPECT_EQ(in_child([] {
              // More address space than a process may have: malloc fails, nothing changes.
              cairn::detail::grow_heap_in_huge_pages(std::size_t{1} << 62);
              std::string s(1 << 20, 'x');
              auto* block = static_cast<char*>(std::malloc(std::size_t{40} << 20));
              if (block == nullptr) return 1;
              std::memset(block, 2, std::size_t{40} << 20);
              return s[12345] == 'x' && block[123] == 2 ? 0 : 2;
            }),
            0);
}

}  // namespace

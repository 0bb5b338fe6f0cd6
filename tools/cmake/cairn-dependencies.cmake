# Finds cairn's dependencies (Debian 12 packages) and lists them in CAIRN_DEPENDENCY_TARGETS.
# Shared by the build tree and the installed package (cairnConfig.cmake).
find_package(Boost 1.74 REQUIRED)                   # Hana: headers only, no CMake config of its own
find_package(fmt 9 REQUIRED)
find_package(range-v3 REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(cairn_botan REQUIRED IMPORTED_TARGET GLOBAL botan-2)
pkg_check_modules(cairn_zstd REQUIRED IMPORTED_TARGET GLOBAL libzstd)
pkg_check_modules(cairn_lzma REQUIRED IMPORTED_TARGET GLOBAL liblzma)
find_package(Threads REQUIRED)
set(CAIRN_DEPENDENCY_TARGETS
  Boost::headers fmt::fmt range-v3::range-v3 SQLite::SQLite3
  PkgConfig::cairn_botan PkgConfig::cairn_zstd PkgConfig::cairn_lzma Threads::Threads)

# Host binaries are copied into their generations and run on the target machine (a plain
# Debian 12 root in the acceptance test): link Botan, SQLite, zstd, xz and the C++ runtime
# statically and fmt header-only, so that they need no more than libc there. A static libstdc++
# also spares every start its symbol lookups (bench/: 1.7 M instructions, about 0.5 ms).
find_library(CAIRN_STATIC_BOTAN NAMES libbotan-2.a)
find_library(CAIRN_STATIC_SQLITE NAMES libsqlite3.a)
find_library(CAIRN_STATIC_ZSTD NAMES libzstd.a)
find_library(CAIRN_STATIC_LZMA NAMES liblzma.a)
find_library(CAIRN_STATIC_BZ2 NAMES libbz2.a)
find_library(CAIRN_STATIC_Z NAMES libz.a)
if(NOT TARGET cairn_self_contained)
  add_library(cairn_self_contained INTERFACE IMPORTED GLOBAL)
  if(CAIRN_STATIC_BOTAN AND CAIRN_STATIC_SQLITE AND CAIRN_STATIC_ZSTD AND CAIRN_STATIC_LZMA AND CAIRN_STATIC_BZ2
     AND CAIRN_STATIC_Z)
    set_target_properties(cairn_self_contained PROPERTIES
      INTERFACE_COMPILE_DEFINITIONS "FMT_HEADER_ONLY=1"
      INTERFACE_LINK_OPTIONS "LINKER:--as-needed;-static-libstdc++;-static-libgcc"
      INTERFACE_LINK_LIBRARIES
        "${CAIRN_STATIC_BOTAN};${CAIRN_STATIC_SQLITE};${CAIRN_STATIC_ZSTD};${CAIRN_STATIC_LZMA};${CAIRN_STATIC_BZ2};${CAIRN_STATIC_Z};Threads::Threads;${CMAKE_DL_LIBS}")
  endif()
endif()

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

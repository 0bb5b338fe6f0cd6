# CMake functions for cairn configurations (the flake's outputs).
#
#   cairn_add_host(NAME SOURCES a.cpp [b.cpp ...] [LIBRARIES ...])
#     Builds the host binary NAME from its configuration sources (host.cpp and any separately
#     compiled modules). The binary evaluates, builds and activates itself.
function(cairn_add_host name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "" "SOURCES;LIBRARIES")
  add_executable(${name} ${arg_SOURCES})
  target_link_libraries(${name} PRIVATE cairn::cairn ${arg_LIBRARIES})
  if(TARGET cairn::modules)
    target_link_libraries(${name} PRIVATE cairn::modules)
  endif()
  set_property(GLOBAL APPEND PROPERTY CAIRN_HOSTS ${name})
endfunction()

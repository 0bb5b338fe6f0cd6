# CMake functions for cairn configurations (the flake's outputs).
#
#   cairn_add_host(NAME SOURCES host.cpp [module.cpp ...] [CHECK check.cpp ...] [LIBRARIES ...]
#                  [INPUTS a ...])
#     The host binary NAME: its configuration sources (host.cpp with CAIRN_HOST, and any
#     separately compiled modules). It evaluates, builds and activates itself.
#
#   cairn_add_home(USER SOURCES home.cpp [CHECK check.cpp ...] [TARGET name] [LIBRARIES ...]
#                  [INPUTS a ...])
#     The home binary home-USER (or TARGET; home.cpp with CAIRN_HOME): home-manager's command
#     line for USER's home, standalone on any machine with a cairn store.
#
#   CHECK: units with CAIRN_CHECK_AT_COMPILE_TIME, built before the binary and not linked into
#   it: the binary links the module library compiled once (cairn::module_library), and a check
#   needs every module's definition in view.
#
#   INPUTS: inputs declared with cairn_input (inputs.cmake, see cairn-inputs.cmake), fetched at
#   their pins in cairn.lock; #include <NAME/...> reads the input NAME's tree.

include("${CMAKE_CURRENT_LIST_DIR}/cairn-inputs.cmake")

# The command-line implementation shared by every host: compiled once per build tree.
function(_cairn_host_runtime)
  if(TARGET cairn_host_runtime)
    return()
  endif()
  set(source "${CMAKE_BINARY_DIR}/cairn/host_runtime.cpp")
  file(CONFIGURE OUTPUT "${source}" CONTENT "#include <cairn/home_main.hpp>\n#include <cairn/host_main.hpp>\n")
  # Objects, not an archive: linked first, their references resolve against the static
  # dependencies (cairn_self_contained) before any shared library.
  add_library(cairn_host_runtime OBJECT "${source}")
  target_link_libraries(cairn_host_runtime PUBLIC cairn_self_contained cairn::cairn)
  # Relative secrets.<name>.file paths start at the repository (CAIRN_REPO overrides it).
  target_compile_definitions(cairn_host_runtime PRIVATE "CAIRN_REPO_DIR=\"${CMAKE_SOURCE_DIR}\"")
  # The program every generation links as bin/switch-to-configuration: no configuration in it,
  # so generations share it and a deploy of a changed configuration does not carry it again.
  set(main "${CMAKE_BINARY_DIR}/cairn/switch_to_configuration.cpp")
  file(CONFIGURE OUTPUT "${main}" CONTENT "#include <cairn/activation_main.hpp>\n\nint main(int argc, char** argv) { return cairn::detail::run_switch_to_configuration(argc, argv); }\n")
  add_executable(cairn-switch-to-configuration "${main}")
  target_link_libraries(cairn-switch-to-configuration PRIVATE cairn_self_contained cairn::cairn)
  target_link_options(cairn-switch-to-configuration PRIVATE "LINKER:--strip-debug")
  target_compile_definitions(cairn_host_runtime PRIVATE
    "CAIRN_ACTIVATION_PROGRAM=\"$<TARGET_FILE:cairn-switch-to-configuration>\"")
endfunction()

# A configuration's binary (a host's or a home's): its sources, linked with the runtime, its
# libraries and inputs, and its compile-time checks.
function(_cairn_add_configuration name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "" "SOURCES;CHECK;LIBRARIES;INPUTS")
  _cairn_host_runtime()
  add_executable(${name} ${arg_SOURCES})
  add_dependencies(${name} cairn-switch-to-configuration)
  target_link_libraries(${name} PRIVATE cairn_host_runtime cairn_self_contained cairn::cairn)
  # Every generation holds a copy of its host binary: without debug information it stays small.
  target_link_options(${name} PRIVATE "LINKER:--strip-debug")
  if(TARGET cairn::module_library)
    target_link_libraries(${name} PRIVATE cairn::module_library)
    target_precompile_headers(${name} REUSE_FROM cairn_module_library)
  endif()
  target_link_libraries(${name} PRIVATE ${arg_LIBRARIES})
  cairn_use_inputs(${name} INPUTS ${arg_INPUTS})
  if(arg_CHECK)
    # Objects of their own, which the binary waits for: they see every module's definition.
    add_library(${name}-check OBJECT ${arg_CHECK})
    target_link_libraries(${name}-check PRIVATE cairn::cairn ${arg_LIBRARIES})
    if(TARGET cairn::modules)
      target_link_libraries(${name}-check PRIVATE cairn::modules)
    endif()
    cairn_use_inputs(${name}-check INPUTS ${arg_INPUTS})
    add_dependencies(${name} ${name}-check)
  endif()
endfunction()

function(cairn_add_host name)
  _cairn_add_configuration(${name} ${ARGN})
  set_property(GLOBAL APPEND PROPERTY CAIRN_HOSTS ${name})
endfunction()

function(cairn_add_home user)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "TARGET" "")
  set(name home-${user})
  if(arg_TARGET)
    set(name ${arg_TARGET})
  endif()
  _cairn_add_configuration(${name} ${arg_UNPARSED_ARGUMENTS})
  set_property(GLOBAL APPEND PROPERTY CAIRN_HOMES ${user})
  set_property(GLOBAL PROPERTY CAIRN_HOME_TARGET_${user} ${name})
endfunction()

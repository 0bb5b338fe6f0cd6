# Inputs: module sets and sources from other trees, pinned in cairn.lock (flake inputs).
#
#   cairn_input(NAME GIT <url> [BRANCH <branch>])   a git repository, at the newest commit of
#   cairn_input(NAME PATH <dir>)                    BRANCH (or its HEAD) when last updated; or a
#                                                   local directory, pinned by its NAR hash.
#
#   cairn_use_inputs(TARGET INPUTS a b ...)         what cairn_add_host/cairn_add_home(... INPUTS)
#                                                   do: TARGET waits for the inputs to be fetched
#                                                   and verified, and sees each input's tree as
#                                                   #include <NAME/...>. An input's sources are
#                                                   compiled by naming them under
#                                                   ${CAIRN_INPUTS_DIR}/NAME/ in SOURCES.
#
# A build never uses an unpinned input: at build time `cairn-inputs fetch` exports each input at
# its pin in cairn.lock into ${CAIRN_INPUTS_DIR}/NAME and checks its NAR hash, and fails if an
# input is not pinned, its rev is missing or its hash differs. It reruns when cairn.lock
# changes. `tools/cairn update [NAME...]` moves the pins.

set(CAIRN_INPUTS_DIR "${CMAKE_BINARY_DIR}/cairn/inputs")
if(NOT DEFINED CAIRN_LOCK_FILE)
  set(CAIRN_LOCK_FILE "${CMAKE_SOURCE_DIR}/cairn.lock")
endif()
set_property(GLOBAL PROPERTY CAIRN_LOCK_FILE "${CAIRN_LOCK_FILE}")

function(cairn_input name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "GIT;PATH;BRANCH" "")
  if(NOT name MATCHES "^[A-Za-z][A-Za-z0-9_-]*$")
    message(FATAL_ERROR "cairn_input: '${name}' is not a valid input name (letters, digits, '-', '_')")
  endif()
  get_property(known GLOBAL PROPERTY CAIRN_INPUTS)
  if(name IN_LIST known)
    message(FATAL_ERROR "cairn_input: input '${name}' is declared twice")
  endif()
  if(arg_GIT AND NOT arg_PATH)
    set(decl "{\"type\": \"git\", \"url\": \"${arg_GIT}\"")
    if(arg_BRANCH)
      string(APPEND decl ", \"ref\": \"${arg_BRANCH}\"")
    endif()
    string(APPEND decl "}")
  elseif(arg_PATH AND NOT arg_GIT AND NOT arg_BRANCH)
    get_filename_component(dir "${arg_PATH}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
    set(decl "{\"type\": \"path\", \"path\": \"${dir}\"}")
  else()
    message(FATAL_ERROR "cairn_input(${name}): give either GIT <url> [BRANCH <branch>] or PATH <dir>")
  endif()
  set_property(GLOBAL APPEND PROPERTY CAIRN_INPUTS ${name})
  set_property(GLOBAL PROPERTY CAIRN_INPUT_DECLARATION_${name} "${decl}")
endfunction()

function(cairn_use_inputs target)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "" "INPUTS")
  if(NOT arg_INPUTS)
    return()
  endif()
  get_property(known GLOBAL PROPERTY CAIRN_INPUTS)
  foreach(input IN LISTS arg_INPUTS)
    if(NOT input IN_LIST known)
      message(FATAL_ERROR "${target} uses input '${input}', which is not declared (cairn_input in inputs.cmake)")
    endif()
  endforeach()
  add_dependencies(${target} cairn_inputs)
  target_include_directories(${target} PRIVATE "${CAIRN_INPUTS_DIR}")
  # Sources taken from an input exist only once it is fetched: the fetch produces them.
  get_target_property(sources ${target} SOURCES)
  foreach(source IN LISTS sources)
    get_filename_component(path "${source}" ABSOLUTE)
    string(FIND "${path}" "${CAIRN_INPUTS_DIR}/" at)
    if(at EQUAL 0)
      set_source_files_properties("${path}" PROPERTIES GENERATED TRUE)
      set_property(GLOBAL APPEND PROPERTY CAIRN_INPUT_BYPRODUCTS "${path}")
    endif()
  endforeach()
endfunction()

# outputs.json's entries for outputs given as NAME TARGET pairs. Test fixtures are hosts and
# homes too, but not outputs of the tree.
function(_cairn_output_entries out system)
  set(entries "")
  set(pairs ${ARGN})
  while(pairs)
    list(POP_FRONT pairs name target)
    get_target_property(dir ${target} SOURCE_DIR)
    string(FIND "${dir}/" "${CMAKE_SOURCE_DIR}/tests/" at)
    if(NOT at EQUAL 0)
      list(APPEND entries "    \"${name}\": {\"system\": \"${system}\", \"target\": \"${target}\", \"binary\": \"$<TARGET_FILE:${target}>\"}")
    endif()
  endwhile()
  list(JOIN entries ",\n" joined)
  set(${out} "${joined}" PARENT_SCOPE)
endfunction()

# At the end of the top-level directory: the declarations (cairn/inputs.json), the fetch, and
# the list of outputs (cairn/outputs.json) for `tools/cairn show` and `check`.
function(_cairn_inputs_finish)
  set(CAIRN_INPUTS_DIR "${CMAKE_BINARY_DIR}/cairn/inputs")
  get_property(CAIRN_LOCK_FILE GLOBAL PROPERTY CAIRN_LOCK_FILE)
  get_property(inputs GLOBAL PROPERTY CAIRN_INPUTS)
  set(decls "")
  foreach(input IN LISTS inputs)
    get_property(decl GLOBAL PROPERTY CAIRN_INPUT_DECLARATION_${input})
    list(APPEND decls "    \"${input}\": ${decl}")
  endforeach()
  list(JOIN decls ",\n" decls)
  file(CONFIGURE OUTPUT "${CMAKE_BINARY_DIR}/cairn/inputs.json"
    CONTENT "{\n  \"lock\": \"${CAIRN_LOCK_FILE}\",\n  \"inputs\": {\n${decls}\n  }\n}\n" @ONLY)
  if(inputs)
    if(NOT DEFINED CAIRN_INPUTS_TOOL)
      set(CAIRN_INPUTS_TOOL "$<TARGET_FILE:cairn-inputs>")
      set(tool_dependency cairn-inputs)
    endif()
    get_property(byproducts GLOBAL PROPERTY CAIRN_INPUT_BYPRODUCTS)
    set(stamp "${CAIRN_INPUTS_DIR}/.stamp")
    set(lock_dependency "${CAIRN_LOCK_FILE}")
    if(NOT EXISTS "${CAIRN_LOCK_FILE}")
      # No lock yet: the fetch runs (and fails, unpinned) every build until `update` writes
      # one, which reconfigures.
      set(stamp "${CAIRN_INPUTS_DIR}/.stamp-no-lock")
      set(lock_dependency "")
      set_property(DIRECTORY "${CMAKE_SOURCE_DIR}" APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${CAIRN_LOCK_FILE}")
    endif()
    add_custom_command(OUTPUT "${stamp}"
      BYPRODUCTS ${byproducts}
      COMMAND "${CAIRN_INPUTS_TOOL}" fetch --lock "${CAIRN_LOCK_FILE}"
              --declarations "${CMAKE_BINARY_DIR}/cairn/inputs.json" --out "${CAIRN_INPUTS_DIR}"
      DEPENDS ${lock_dependency} "${CMAKE_BINARY_DIR}/cairn/inputs.json" ${tool_dependency}
      COMMENT "Fetching and verifying the inputs pinned in ${CAIRN_LOCK_FILE}"
      VERBATIM)
    add_custom_target(cairn_inputs DEPENDS "${stamp}")
  endif()
  # The outputs, as `nix flake show` lists them.
  execute_process(COMMAND uname -m OUTPUT_VARIABLE arch OUTPUT_STRIP_TRAILING_WHITESPACE)
  set(system "${arch}-linux")
  get_property(hosts GLOBAL PROPERTY CAIRN_HOSTS)
  get_property(homes GLOBAL PROPERTY CAIRN_HOMES)
  list(REMOVE_DUPLICATES homes)
  set(pairs "")
  foreach(host IN LISTS hosts)
    list(APPEND pairs ${host} ${host})
  endforeach()
  _cairn_output_entries(host_entries "${system}" ${pairs})
  set(pairs "")
  foreach(user IN LISTS homes)
    get_property(target GLOBAL PROPERTY CAIRN_HOME_TARGET_${user})
    list(APPEND pairs ${user} ${target})
  endforeach()
  _cairn_output_entries(home_entries "${system}" ${pairs})
  file(GENERATE OUTPUT "${CMAKE_BINARY_DIR}/cairn/outputs.json"
    CONTENT "{\n  \"hosts\": {\n${host_entries}\n  },\n  \"homes\": {\n${home_entries}\n  }\n}\n")
endfunction()

get_property(_cairn_inputs_deferred GLOBAL PROPERTY _CAIRN_INPUTS_DEFERRED)
if(NOT _cairn_inputs_deferred)
  set_property(GLOBAL PROPERTY _CAIRN_INPUTS_DEFERRED TRUE)
  cmake_language(DEFER DIRECTORY "${CMAKE_SOURCE_DIR}" CALL _cairn_inputs_finish)
endif()
unset(_cairn_inputs_deferred)

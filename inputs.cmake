# The tree's inputs: other trees (module sets, sources) that hosts and homes use, as a flake's
# inputs. Each is pinned in cairn.lock; `tools/cairn update [NAME...]` moves the pins and a
# build fetches every input at its pin and verifies its NAR hash.
#
#   cairn_input(NAME GIT <url> [BRANCH <branch>])   a git repository (BRANCH, or the remote's HEAD)
#   cairn_input(NAME PATH <dir>)                    a local directory, pinned by its NAR hash
#
# A host or home uses inputs with INPUTS, and includes from an input's tree as <NAME/...>:
#
#   cairn_input(extra GIT https://example.org/cairn-extra.git BRANCH main)   # here
#   cairn_add_host(web SOURCES host.cpp INPUTS extra)                         # hosts/web/CMakeLists.txt
#   #include <extra/modules/foo.hpp>                                         # hosts/web/host.cpp
#
# An input's sources are compiled by listing them under ${CAIRN_INPUTS_DIR}/NAME/ in SOURCES.
#
# This tree declares no inputs today.

# tests/lua/lib.sh - helpers for the shell tests of the Lua layer (sourced;
# not a test itself).  Arguments of every test: MEMSIM SRC [MODULE_DIR].
# The CLI tests' helpers (ok, fail, expect_exit, finish; MEMSIM, SRC, TMP),
# then what these tests add: the module directory, a working directory of
# their own, and one-value queries.
source "$(dirname "${BASH_SOURCE[0]}")/../cli/lib.sh" "$1" "$2"
MODDIR=$3
cd "$TMP" || exit 1
# sql DB QUERY: one value
sql() { sqlite3 "$1" "$2"; }

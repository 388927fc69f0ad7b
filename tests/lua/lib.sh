# tests/lua/lib.sh - helpers for the shell tests of the Lua layer (sourced;
# not a test itself).  Arguments of every test: MEMSIM SRC [MODULE_DIR].
MEMSIM=$1
SRC=$2
MODDIR=$3
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
cd "$TMP" || exit 1
fails=0
passes=0
ok() { passes=$((passes + 1)); }
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
# expect_exit CODE PATTERN -- CMD...: exit status and a stderr pattern (ERE)
expect_exit() {
	local code=$1 pat=$2
	shift 3
	"$@" >"$TMP/out" 2>"$TMP/err"
	local rc=$?
	if [ "$rc" != "$code" ]; then
		fail "$* -> exit $rc, expected $code; stderr: $(head -c 400 "$TMP/err")"
	elif [ -n "$pat" ] && ! grep -qE -- "$pat" "$TMP/err"; then
		fail "$* -> stderr does not match '$pat': $(head -c 400 "$TMP/err")"
	else
		ok
	fi
}
# sql DB QUERY: one value
sql() { sqlite3 "$1" "$2"; }
finish() {
	echo "$passes passed, $fails failed"
	[ "$fails" = 0 ]
}

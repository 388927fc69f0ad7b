# tests/cli/lib.sh - helpers for the CLI tests (sourced; not a test itself).
# usage in a test: source "$(dirname "$0")/lib.sh" "$@"
MEMSIM=$1
SRC=$2
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fails=0
passes=0
ok() { passes=$((passes + 1)); }
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
# expect_exit CODE PATTERN -- CMD...: exit status and a stderr pattern
expect_exit() {
	local code=$1 pat=$2
	shift 3
	"$@" >"$TMP/out" 2>"$TMP/err"
	local rc=$?
	if [ "$rc" != "$code" ]; then
		fail "$* -> exit $rc, expected $code; stderr: $(head -c 300 "$TMP/err")"
	elif [ -n "$pat" ] && ! grep -qE -- "$pat" "$TMP/err"; then
		fail "$* -> stderr does not match '$pat': $(head -c 300 "$TMP/err")"
	else
		ok
	fi
}
finish() {
	echo "$passes passed, $fails failed"
	[ "$fails" = 0 ]
}

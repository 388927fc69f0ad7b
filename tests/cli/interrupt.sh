#!/usr/bin/env bash
# Ctrl-C (SIGINT) and SIGTERM during a replay from standard input: exit 130,
# the run is 'interrupted', and what was simulated is in a readable database.
source "$(dirname "$0")/lib.sh" "$@"
for sig in INT TERM; do
	rm -f "$TMP/i.db"
	(yes "1 R 0x7e0000001000" | $MEMSIM replay - --mode tlb -o "$TMP/i.db" -q; echo $? > "$TMP/rc") &
	sleep 1
	pkill -$sig -f "replay - --mode tlb -o $TMP/i.db"
	wait
	rc=$(cat "$TMP/rc")
	[ "$rc" = 130 ] && ok || fail "SIG$sig: exit $rc, expected 130"
	st=$(sqlite3 "$TMP/i.db" "SELECT status FROM runs")
	[ "$st" = interrupted ] && ok || fail "SIG$sig: status '$st'"
	n=$(sqlite3 "$TMP/i.db" "SELECT value FROM counters WHERE pid = 0 AND name = 'accesses'")
	[ "${n:-0}" -gt 0 ] && ok || fail "SIG$sig: no accesses recorded ($n)"
	sqlite3 "$TMP/i.db" "PRAGMA integrity_check" | grep -qx ok && ok || fail "SIG$sig: integrity"
done
# a run that completes is 'complete'; a second run appends
printf '1 mmap 0x7e0000000000 8K rw- private,anon,fixed\n1 W 0x7e0000000000\n' > "$TMP/a.mtr"
$MEMSIM replay "$TMP/a.mtr" -o "$TMP/i.db" -q && ok || fail "replay"
st=$(sqlite3 "$TMP/i.db" "SELECT status FROM runs ORDER BY run_id DESC LIMIT 1")
[ "$st" = complete ] && ok || fail "status '$st'"
n=$(sqlite3 "$TMP/i.db" "SELECT count(*) FROM runs")
[ "$n" = 2 ] && ok || fail "runs: $n"
finish

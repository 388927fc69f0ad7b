#!/usr/bin/env bash
# Errors during a replay: a bad line with the RSS sampler on ends promptly;
# an operation the engine refuses names FILE:LINE (FILE:@OFFSET in binary
# traces); exit status 2 and the run 'failed' in every case.
source "$(dirname "$0")/lib.sh" "$@"
M=$MEMSIM
status() { sqlite3 "$1" "SELECT status FROM runs ORDER BY run_id DESC LIMIT 1"; }

# a bad line at line 5 with output.sample_ns: exit 2 at once, not a spinning sampler
printf '1 mmap 0x7e0000000000 64K rw- private,anon,fixed\n1 W 0x7e0000000000\n1 sleep 100000\n1 W 0x7e0000001000\n1 frob\n1 W 0x7e0000002000\n' > "$TMP/bad.mtr"
printf '1 W 0x7e0000000000\n1 sleep 10000000\n1 W 0x7e0000001000\n' > "$TMP/other.mtr"
for mode in full tlb; do
	expect_exit 2 'bad.mtr:5: ' -- timeout 20 $M replay "$TMP/bad.mtr" --mode $mode \
		--set output.sample_ns=1000 -o "$TMP/s.db"
	[ "$(status "$TMP/s.db")" = failed ] && ok || fail "$mode: status $(status "$TMP/s.db")"
	# with a second trace that would go on
	expect_exit 2 'bad.mtr:5: ' -- timeout 20 $M replay "$TMP/other.mtr" "$TMP/bad.mtr" \
		--mode $mode --set output.sample_ns=1000 -o "$TMP/s.db"
done
n=$(sqlite3 "$TMP/s.db" "SELECT count(*) FROM samples WHERE run_id = 1")
[ "${n:-0}" -gt 0 ] && ok || fail "no samples before the bad line ($n)"

# operations the engine refuses, on the line that asked for them
printf '1 W 0x1000\n2 W 0x1000\n# fork to a pid in use\n1 fork 2\n' > "$TMP/fork.mtr"
for mode in full tlb; do
	expect_exit 2 'fork.mtr:4: fork: child pid 2 already exists' -- \
		$M replay "$TMP/fork.mtr" --mode $mode -o "$TMP/e.db"
done
[ "$(status "$TMP/e.db")" = failed ] && ok || fail "fork: status $(status "$TMP/e.db")"
printf '1 mmap 0x7e0000000000 8K rw- private,anon,fixed\n1 W 0x7e0000000000\n1 exit\n1 W 0x7e0000000000\n' > "$TMP/exit.mtr"
expect_exit 2 'exit.mtr:4: access: process 1 has exited' -- $M replay "$TMP/exit.mtr" -o "$TMP/e.db"
printf '1 W 0x1000\n1 exit\n1 munmap 0x1000 4096\n' > "$TMP/exit2.mtr"
expect_exit 2 'exit2.mtr:3: munmap: process 1 has exited' -- $M replay "$TMP/exit2.mtr" -o "$TMP/e.db"
printf '1 W 0x1000\n1 exit\n1 exit\n' > "$TMP/exit3.mtr"
expect_exit 2 'exit3.mtr:3: exit: process 1 has exited' -- $M replay "$TMP/exit3.mtr" --mode tlb -o "$TMP/e.db"
# from standard input and from a binary trace
expect_exit 2 '<stdin>:4: fork: child pid 2' -- sh -c "$M replay - -o '$TMP/e.db' < '$TMP/fork.mtr'"
$M convert "$TMP/fork.mtr" "$TMP/fork.bin" && ok || fail "convert"
expect_exit 2 'fork.bin:@[0-9]+: fork: child pid 2 already exists' -- \
	$M replay "$TMP/fork.bin" -o "$TMP/e.db"
# what came before the refused line is kept
n=$(sqlite3 "$TMP/e.db" "SELECT value FROM counters WHERE run_id = (SELECT max(run_id) FROM runs) AND pid = 0 AND name = 'accesses'")
[ "$n" = 2 ] && ok || fail "accesses before the refused fork: '$n'"
finish

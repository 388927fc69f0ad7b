#!/usr/bin/env bash
# The three seed stories, replayed from traces/examples/demo.mtr and read back
# from the database: malloc -> brk -> first touch -> do_anonymous_page (x86
# error code 0x6), the same write on arm64 from do_mem_abort (ESR 0x92000044
# with no table yet), and fork then COW (copy while shared, reuse after exit).
source "$(dirname "$0")/lib.sh" "$@"
q() { sqlite3 "$TMP/$1.db" "$2"; }
for arch in x86_64 arm64; do
	$MEMSIM replay "$SRC/traces/examples/demo.mtr" --set arch=$arch -o "$TMP/$arch.db" -q || fail "replay $arch"
done
first="SELECT printf('%s|0x%x|%s', kind, code, path) FROM faults ORDER BY seq LIMIT 1"
[ "$(q x86_64 "$first")" = "anon|0x6|exc_page_fault>do_user_addr_fault>lock_vma_under_rcu>access_error>handle_mm_fault>__handle_mm_fault>handle_pte_fault>do_pte_missing>do_anonymous_page" ] && ok || fail "x86 first touch: $(q x86_64 "$first")"
[ "$(q arm64 "$first")" = "anon|0x92000044|do_mem_abort>do_translation_fault>do_page_fault>lock_vma_under_rcu>handle_mm_fault>__handle_mm_fault>handle_pte_fault>do_pte_missing>do_anonymous_page" ] && ok || fail "arm64 first touch: $(q arm64 "$first")"
for arch in x86_64 arm64; do
	kinds=$(q $arch "SELECT group_concat(kind, ',') FROM (SELECT kind FROM faults WHERE pid = 2 OR seq > (SELECT seq FROM events WHERE type = 'mark' AND label = 'parent-write-again') ORDER BY seq)")
	[ "$kinds" = "cow,cow,reuse,segv_maperr,segv_accerr" ] && ok || fail "$arch COW story: $kinds"
	n=$(q $arch "SELECT count(*) FROM events WHERE type = 'fork'")
	[ "$n" = 1 ] && ok || fail "$arch fork events: $n"
	n=$(q $arch "SELECT count(*) FROM faults WHERE kind = 'file' AND path LIKE '%do_fault_around%'")
	[ "$n" -ge 1 ] && ok || fail "$arch fault-around: $n"
done
finish

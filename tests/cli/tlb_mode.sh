#!/usr/bin/env bash
# `memsim replay --mode tlb` against the independent Lua reference model of
# DESIGN 5b (tests/tlb_ref/tlb_ref.lua), on real-program lackey traces, and
# the same trace in binary form must give the same counters.
source "$(dirname "$0")/lib.sh" "$@"
command -v lua5.4 >/dev/null || { echo "lua5.4 missing"; exit 1; }
for tr in "$SRC"/traces/lackey/ls_root.lackey.gz "$SRC"/traces/lackey/sort_small.lackey.gz; do
	for cfg in "l1d=64:4 l1i=128:8 l2=1536:12 policy=lru" "l1d=24:8 l1i=40:4 l2=96:8 policy=fifo"; do
		set -- $cfg
		sets=()
		for kv in "$@"; do
			k=${kv%%=*}; v=${kv#*=}
			[ "$k" = policy ] && sets+=(--set "tlb.policy=$v") || sets+=(--set "tlb.$k=$v")
		done
		lua5.4 "$SRC/tests/tlb_ref/tlb_ref.lua" "$tr" $cfg > "$TMP/ref" || fail "reference failed"
		rm -f "$TMP/o.db"
		$MEMSIM replay "$tr" --mode tlb "${sets[@]}" -o "$TMP/o.db" -q || fail "replay $tr"
		sqlite3 "$TMP/o.db" "SELECT name || ' ' || value FROM counters WHERE pid = 0 AND
			name IN ('accesses','tlb.l1d.hits','tlb.l1d.misses','tlb.l1i.hits','tlb.l1i.misses',
			'tlb.l2.hits','tlb.l2.misses') ORDER BY name" > "$TMP/got"
		if diff <(sort "$TMP/ref") "$TMP/got" >/dev/null; then ok; else
			fail "$tr [$cfg]: $(diff <(sort "$TMP/ref") "$TMP/got" | head -5)"; fi
	done
done
# binary round trip gives identical counters
tr=$SRC/traces/lackey/sort_small.lackey.gz
$MEMSIM convert "$tr" "$TMP/s.bin" || fail "convert to binary"
$MEMSIM convert "$TMP/s.bin" "$TMP/s.mtr" || fail "convert to text"
$MEMSIM convert "$TMP/s.mtr" "$TMP/s2.bin" || fail "convert back"
cmp -s "$TMP/s.bin" "$TMP/s2.bin" && ok || fail "binary -> text -> binary differs"
for f in "$tr" "$TMP/s.bin" "$TMP/s.mtr"; do
	rm -f "$TMP/b.db"
	$MEMSIM replay "$f" --mode tlb -o "$TMP/b.db" -q || fail "replay $f"
	sqlite3 "$TMP/b.db" "SELECT name, value FROM counters WHERE pid = 0 ORDER BY name" > "$TMP/c.$(basename "$f")"
done
cmp -s "$TMP/c.$(basename "$tr")" "$TMP/c.s.bin" && ok || fail "binary replay differs from lackey"
cmp -s "$TMP/c.$(basename "$tr")" "$TMP/c.s.mtr" && ok || fail "text replay differs from lackey"
finish

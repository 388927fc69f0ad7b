#!/usr/bin/env bash
# Configuration values on the command line (--set, -c JSON) of `memsim
# replay` and `memsim run`: time-valued keys take time strings; a JSON
# boolean is for on/off keys only; a bad value names the key and what it
# takes.  Test groups: cfg-1.x time strings; cfg-2.x booleans.
source "$(dirname "$0")/lib.sh" "$@"
M=$MEMSIM
printf '1 mmap 0x7e0000000000 8K rw- private,anon\n1 W 0x7e0000000000\n' > "$TMP/t.mtr"
cfg() { sqlite3 "$1" "SELECT json_extract(config_json, '\$.\"$2\"') FROM runs"; }

# cfg-1: output.sample_ns and cost.*_ns take "100us", "1ms", "2s" as the Lua API does
expect_exit 0 '' -- $M replay "$TMP/t.mtr" --set output.sample_ns=1ms --set cost.fault_ns=1.5us -o "$TMP/a.db"
[ "$(cfg "$TMP/a.db" output.sample_ns)" = 1000000 ] && ok || fail "cfg-1.1: $(cfg "$TMP/a.db" output.sample_ns)"
[ "$(cfg "$TMP/a.db" cost.fault_ns)" = 1500 ] && ok || fail "cfg-1.2: $(cfg "$TMP/a.db" cost.fault_ns)"
expect_exit 2 "bad value for output.sample_ns: 'soon' \(expected a time" -- \
	$M replay "$TMP/t.mtr" --set output.sample_ns=soon -o "$TMP/b.db"
echo '{"output": {"sample_ns": "250us"}, "cost": {"io_read_ns": "0.1ms"}}' > "$TMP/c.json"
expect_exit 0 '' -- $M replay "$TMP/t.mtr" -c "$TMP/c.json" -o "$TMP/c.db"
[ "$(cfg "$TMP/c.db" output.sample_ns)" = 250000 ] && ok || fail "cfg-1.3"
[ "$(cfg "$TMP/c.db" cost.io_read_ns)" = 100000 ] && ok || fail "cfg-1.4"
cat > "$TMP/s.lua" <<'LUA'
local sim = memsim.new{ db = false, output = { sample_ns = "5ms" } }
io.write(sim:config("output.sample_ns"), "\n")
LUA
expect_exit 0 '' -- $M run "$TMP/s.lua" --set output.sample_ns=100us
[ "$(cat "$TMP/out")" = 100000 ] && ok || fail "cfg-1.5: --set wins: $(cat "$TMP/out")"
expect_exit 2 "output.sample_ns: '1 ms'" -- $M run "$TMP/s.lua" --set 'output.sample_ns=1 ms'

# cfg-2: a JSON boolean sets an on/off key; elsewhere the message shows true
echo '{"tlb": {"asid": false}}' > "$TMP/b.json"
expect_exit 0 '' -- $M replay "$TMP/t.mtr" -c "$TMP/b.json" -o "$TMP/d.db"
[ "$(cfg "$TMP/d.db" tlb.asid)" = off ] && ok || fail "cfg-2.1"
echo '{"thp": true}' > "$TMP/thp.json"
expect_exit 2 "thp.json: bad value for thp: true \(a boolean; expected one of always, madvise, never\)" -- \
	$M replay "$TMP/t.mtr" -c "$TMP/thp.json" -o "$TMP/e.db"
expect_exit 2 "bad value for thp: 'true' \(expected one of always, madvise, never\)" -- \
	$M replay "$TMP/t.mtr" --set thp=true -o "$TMP/e.db"
finish

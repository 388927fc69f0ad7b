#!/usr/bin/env bash
# memsim.so in a stock interpreter: `lua5.4 -l memsim` and require "memsim"
# work without the memsim CLI (no main, no runner).
source "$(dirname "$0")/lib.sh" "$@"
command -v lua5.4 >/dev/null || { echo "lua5.4 missing"; exit 1; }
export LUA_CPATH="$MODDIR/?.so;;"

cat >m.lua <<'LUA'
local sim <close> = memsim.new{ ram = "64M", db = "m.db" }
local p = sim:process{ name = "mod" }
local a = p:mmap{ len = "40K" }
p:write(a, "40K")
local c = p:fork()
c:write(a, "40K")
assert(c:stats().cow_copies == 10, "ten copies")
assert(sim:query("SELECT count(*) AS n FROM faults")[1].n == 20)
assert(require("memsim") == memsim)
print("module ok", memsim.version)
LUA
# a C module takes Lua from the interpreter that loads it: no liblua of its own
if command -v readelf >/dev/null; then
	readelf -d "$MODDIR/memsim.so" | grep -q 'NEEDED.*liblua' &&
		fail "memsim.so links liblua itself: $(readelf -d "$MODDIR/memsim.so" | grep NEEDED)" || ok
fi
expect_exit 0 '' -- lua5.4 -l memsim m.lua
grep -q "module ok" out && ok || fail "output: $(cat out) $(cat err)"
[ "$(sql m.db "SELECT status FROM runs")" = complete ] && ok || fail "run status"
[ "$(sql m.db "SELECT value FROM counters WHERE pid = 0 AND name = 'cow_copies'")" = 10 ] && ok ||
	fail "counters"
expect_exit 0 '' -- lua5.4 -e 'local m = require "memsim"; local s = m.new{ db = false, mode = "tlb" };
	local p = s:process{}; p:write(0x1000, "8K"); assert(p:stats().accesses == 2)'
expect_exit 1 "bad argument" -- lua5.4 -e 'require("memsim").new{ db = false }:process{}:write("x")'
finish

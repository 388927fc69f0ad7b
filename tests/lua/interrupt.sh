#!/usr/bin/env bash
# Ctrl-C stops a scenario that loops forever (in Lua, in a spawned body, or
# in a long sim:replay): exit 130, run status 'interrupted', and the
# database stays readable with what was simulated.
source "$(dirname "$0")/lib.sh" "$@"

cat >loop.lua <<'LUA'
local sim = memsim.new{ ram = "64M" }
local p = sim:process{}
local a = p:mmap{ len = "64K" }
print("ready"); io.stdout:flush()
while true do p:write(a, "64K") end
LUA
cat >body.lua <<'LUA'
local sim = memsim.new{ ram = "64M" }
sim:every(1000, function() end)
sim:spawn(function(q)
  local a = q:mmap{ len = "64K" }
  print("ready"); io.stdout:flush()
  while true do q:write(a, "64K") end
end)
sim:run()
LUA
cat >pcall.lua <<'LUA'
local sim = memsim.new{ ram = "64M" }
print("ready"); io.stdout:flush()
while true do pcall(function() while true do end end) end
LUA

interrupt() { # SCENARIO DB
	rm -f "$2"
	"$MEMSIM" run "$1" -o "$2" >"$TMP/out" 2>"$TMP/err" &
	local pid=$! i
	for i in $(seq 1 200); do
		grep -q ready "$TMP/out" 2>/dev/null && break
		sleep 0.05
	done
	sleep 0.2
	kill -INT $pid
	wait $pid
	local rc=$?
	[ "$rc" = 130 ] && ok || fail "$1: exit $rc, expected 130; $(head -c 300 "$TMP/err")"
	grep -q interrupted "$TMP/err" && ok || fail "$1: no 'interrupted' message"
	[ "$(sql "$2" "SELECT status FROM runs")" = interrupted ] && ok ||
		fail "$1: status $(sql "$2" "SELECT status FROM runs")"
	[ "$(sql "$2" "SELECT count(*) > 0 FROM counters WHERE pid = 0 AND name = 'accesses'")" = 1 ] &&
		ok || fail "$1: counters missing"
	[ "$(sql "$2" "PRAGMA integrity_check")" = ok ] && ok || fail "$1: database damaged"
}
interrupt loop.lua loop.db
interrupt body.lua body.db
interrupt pcall.lua pcall.db
finish

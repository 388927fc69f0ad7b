#!/usr/bin/env bash
# `memsim run`: exit status, error messages (FILE:LINE: message and a
# traceback), and the run status each outcome leaves in the database.
# Test groups: exit-1.x errors in the scenario (status 1); exit-2.x bad
# input (status 2); exit-3.x run status in the database.
source "$(dirname "$0")/lib.sh" "$@"

cat >err.lua <<'LUA'
local sim = memsim.new{ ram = "64M" }
local p = sim:process{}
p:write(p:mmap{ len = 4096 })
local x = nil
print(x.field)
LUA
expect_exit 1 '^err\.lua:5: attempt to index a nil value' -- $MEMSIM run err.lua -o e.db
grep -q 'stack traceback:' err || fail "no traceback: $(cat err)"
grep -q 'err.lua:5: in main chunk' err && ok || fail "traceback without the line: $(cat err)"
[ "$(sql e.db "SELECT status FROM runs")" = failed ] && ok || fail "status after an error"
[ "$(sql e.db "SELECT value FROM counters WHERE pid = 0 AND name = 'minflt'")" = 1 ] && ok ||
	fail "counters written after an error"

cat >assert.lua <<'LUA'
local sim = memsim.new{ ram = "64M" }
assert(sim:stats().minflt == 1, "expected one fault")
LUA
expect_exit 1 '^assert\.lua:2: expected one fault' -- $MEMSIM run assert.lua -o a.db

cat >cb.lua <<'LUA'
local sim = memsim.new{ ram = "64M", db = false }
sim:at(10, function()
  error("from the timer")
end)
sim:run()
LUA
expect_exit 1 '^cb\.lua:3: from the timer' -- $MEMSIM run cb.lua
grep -q "cb.lua:5: in main chunk" err && ok || fail "callback traceback lacks the sim:run line: $(cat err)"

cat >body.lua <<'LUA'
local sim = memsim.new{ ram = "64M", db = false }
sim:spawn(function(q)
  q:sleep(5)
  error("from the body")
end)
sim:run()
LUA
expect_exit 1 '^body\.lua:4: from the body' -- $MEMSIM run body.lua
grep -q "spawned process" err && grep -q "body.lua:6: in main chunk" err && ok ||
	fail "body traceback: $(cat err)"

cat >ok.lua <<'LUA'
local sim = memsim.new{ ram = "64M" }
print("hello", ...)
LUA
expect_exit 0 '' -- $MEMSIM run ok.lua -o ok.db -- a b
[ "$(cat out)" = "$(printf 'hello\ta\tb')" ] && ok || fail "output: $(cat out)"
[ "$(sql ok.db "SELECT status || ' ' || source FROM runs")" = "complete ok.lua" ] && ok ||
	fail "status of a clean run: $(sql ok.db 'SELECT * FROM runs')"
expect_exit 0 '' -- $MEMSIM run ok.lua -o ok.db
[ "$(sql ok.db "SELECT count(*) FROM runs")" = 2 ] && ok || fail "a second run appends"
# options after the scenario and before it
expect_exit 0 '' -- $MEMSIM run -o ok2.db ok.lua --set arch=arm64
[ "$(sql ok2.db "SELECT arch FROM runs")" = arm64 ] && ok || fail "--set after the scenario"

# -c CONFIG.json and --set apply in command-line order, after the scenario's table
cat >cfg.lua <<'LUA'
local sim = memsim.new{ ram = "64M", tlb = { l2 = "64:4" } }
print(sim:config("tlb.l2"), sim:config("vm.swappiness"), sim:config("ram"))
LUA
printf '{"tlb": {"l2": "512:4"}, "vm.swappiness": 5}\n' >c.json
expect_exit 0 '' -- $MEMSIM run cfg.lua -o c.db -c c.json
[ "$(cat out)" = "$(printf '512:4\t5\t67108864')" ] && ok || fail "-c: $(cat out)"
expect_exit 0 '' -- $MEMSIM run cfg.lua -o c.db -c c.json --set tlb.l2=128:4
[ "$(cat out)" = "$(printf '128:4\t5\t67108864')" ] && ok || fail "-c then --set: $(cat out)"
expect_exit 2 'nothere.json' -- $MEMSIM run cfg.lua -c nothere.json
# --unsafe: os.exit still ends the runs
cat >exit.lua <<'LUA'
local sim = memsim.new{ ram = "64M" }
os.exit(3)
LUA
expect_exit 3 '' -- $MEMSIM run exit.lua -o x.db --unsafe
[ "$(sql x.db "SELECT status FROM runs")" = failed ] && ok || fail "os.exit(3): $(sql x.db 'SELECT status FROM runs')"

# exit-2: bad input
expect_exit 2 'usage|no scenario' -- $MEMSIM run
expect_exit 2 'cannot open nothere\.lua' -- $MEMSIM run nothere.lua
printf 'local x = \n' >syntax.lua
expect_exit 2 '^syntax\.lua:2: unexpected symbol' -- $MEMSIM run syntax.lua
expect_exit 2 "unknown config key 'nope'" -- $MEMSIM run ok.lua --set nope=1
expect_exit 2 "bad value for arch" -- $MEMSIM run ok.lua --set arch=sparc
expect_exit 2 "expected KEY=VALUE" -- $MEMSIM run ok.lua --set arch
expect_exit 2 "unknown option '--bogus'" -- $MEMSIM run --bogus ok.lua
# after the scenario an unknown option is the scenario's argument, not an error
printf 'io.write(table.concat(arg, " ", 1), "|", select("#", ...))\n' >args.lua
expect_exit 0 '' -- $MEMSIM run args.lua --sett arch=arm64 -o x.db -- -o
[ "$(cat out)" = "--sett arch=arm64 -o|3" ] && ok || fail "arguments after the scenario: $(cat out)"
expect_exit 2 "needs an argument" -- $MEMSIM run ok.lua -o
expect_exit 0 '' -- $MEMSIM run --help
finish

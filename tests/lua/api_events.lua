-- tests/lua/api_events.lua - sim:on / sim:off: the fields of fault and
-- event tables (those of their database rows), ordering, several
-- callbacks, errors raised in callbacks, and the read-only rule.
--
-- Test groups: events-1.x fault fields; events-2.x event fields;
-- events-3.x order and registration; events-4.x errors in callbacks;
-- events-5.x what a callback may do; events-6.x output.events = none;
-- events-7.x an error in a callback stops a replay, which ends cleanly;
-- events-8.x ... and stops sim:run and spawned bodies, reported once.
local t = require "t"

local sim = memsim.new{ db = ":memory:", ram = "64M" }
local p = sim:process{ name = "ev" }

-- events-1: a fault table has the columns of the faults table
local faults, events = {}, {}
local fcb = sim:on("fault", function(ev) faults[#faults + 1] = ev end)
t.eq("events-1.0", type(fcb), "function")
local a = p:mmap{ addr = 0x7e0000000000, len = "8K", flags = "private,anon,fixed" }
p:write(a + 8, 8)
t.eq("events-1.1", #faults, 1)
local f = faults[1]
local row = sim:query("SELECT * FROM faults")[1]
for _, k in ipairs{ "seq", "t_ns", "pid", "vaddr", "access", "kind", "major", "code", "level",
                    "path", "latency_ns" } do
  t.eq("events-1.2 " .. k, f[k], row[k])
end
t.eq("events-1.3", f.type, "fault")
t.eq("events-1.4", f.kind, "anon")
t.eq("events-1.5", f.access, "W")
t.eq("events-1.6", f.vaddr, a + 8)
t.eq("events-1.7", f.major, 0)
t.eq("events-1.8", f.code, 0x6)

-- events-2: event tables
sim:on("mmap", function(ev) events[#events + 1] = ev end)
sim:on("mark", function(ev) events[#events + 1] = ev end)
sim:on("munmap", function(ev) events[#events + 1] = ev end)
sim:file{ name = "lib.so", size = "64K", cached = true }
local m = p:mmap{ len = "64K", prot = "r--", file = "lib.so" }
sim:mark("hello")
p:munmap(m, "64K")
t.eq("events-2.1", #events, 3)
t.eq("events-2.2", events[1].type, "mmap")
t.eq("events-2.3", events[1].label, "lib.so")
t.eq("events-2.4", events[1].vaddr, m)
t.eq("events-2.5", events[1].len, 65536)
t.eq("events-2.6", events[1].pid, p.pid)
t.eq("events-2.7", events[2].type .. " " .. events[2].label, "mark hello")
t.eq("events-2.8", events[3].type, "munmap")
t.eq("events-2.9", events[3].label, nil)
local erow = sim:query("SELECT * FROM events WHERE type = 'mark'")[1]
t.eq("events-2.10", events[2].seq, erow.seq)
t.eq("events-2.11", events[2].t_ns, erow.t_ns)

-- events-3: order and registration
t.ok("events-3.1", events[1].seq < events[2].seq and events[2].seq < events[3].seq)
t.ok("events-3.2", faults[1].seq < events[1].seq) -- one sequence for faults and events
local order = {}
local f1 = sim:on("fork", function() order[#order + 1] = 1 end)
sim:on("fork", function() order[#order + 1] = 2 end)
local c = p:fork()
t.eq("events-3.3", table.concat(order, ","), "1,2")
sim:off("fork", f1)
c:exit()
c = p:fork()
t.eq("events-3.4", table.concat(order, ","), "1,2,2")
sim:off("fork")
c:exit()
c = p:fork()
t.eq("events-3.5", #order, 3)
c:exit()
local n = #faults
sim:off("fault", fcb)
p:write(a + 4096)
t.eq("events-3.6", #faults, n)
-- a callback that removes itself while being called: the others still run
local seen = {}
local self_rm
self_rm = sim:on("mark", function() seen[#seen + 1] = "a"; sim:off("mark", self_rm) end)
sim:on("mark", function() seen[#seen + 1] = "b" end)
sim:mark("m1")
sim:mark("m2")
t.eq("events-3.7", table.concat(seen, ""), "abb")
sim:off("mark")

-- events-4: an error in a callback surfaces after the operation, once
sim:on("segv", function(ev) error("segv seen at " .. memsim.hex(ev.vaddr)) end)
local err = t.raises("events-4.1", "segv seen at 0x10", p.write, p, 0x10)
t.ok("events-4.2", err:match("^.-api_events%.lua:%d+: segv seen"), "message keeps its position")
t.eq("events-4.3", p:stats().segv, 1) -- the operation itself completed
sim:off("segv")
p:write(0x10) -- no callback any more: no error
t.eq("events-4.4", p:stats().segv, 2)
local calls = 0
sim:on("fault", function() calls = calls + 1; error({ code = 42 }) end)
local ok, obj = pcall(p.write, p, 0x7e0000100000, "12K") -- three SEGVs, one error
t.eq("events-4.5", ok, false)
t.eq("events-4.6", type(obj) == "table" and obj.code, 42) -- error objects pass unchanged
t.eq("events-4.7", calls, 1) -- after an error no more callbacks in that operation
sim:off("fault")

-- events-5: inside a callback the simulation is read-only, but may schedule
local later = false
sim:on("mmap", function()
  t.raises("events-5.1", "not allowed inside a sim:on callback", p.write, p, a)
  t.raises("events-5.2", "not allowed inside a sim:on callback", sim.mark, sim, "x")
  t.raises("events-5.3", "not allowed inside a sim:on callback", sim.process, sim)
  t.raises("events-5.4", "not allowed inside a sim:on callback", p.fork, p)
  t.eq("events-5.5", p:stats().pid, p.pid) -- reading is fine
  t.eq("events-5.6", #sim:query("SELECT 1 AS x"), 1)
  sim:at(sim:now(), function() later = true; p:write(a) end)
end)
p:mmap{ len = 4096 }
sim:off("mmap")
t.eq("events-5.7", later, false)
sim:run()
t.eq("events-5.8", later, true)

-- events-6: callbacks see everything even when nothing is recorded
local quiet = memsim.new{ db = ":memory:", ram = "64M", output = { events = "none" } }
local q = quiet:process{}
local seen6 = 0
quiet:on("fault", function() seen6 = seen6 + 1 end)
local qa = q:mmap{ len = "16K" }
q:write(qa, "16K")
t.eq("events-6.1", seen6, 4)
t.eq("events-6.2", quiet:query("SELECT count(*) AS n FROM faults")[1].n, 0)

-- events-7: an error in a callback stops a replay at once; the replay
-- ends cleanly (RSS sampler on), so the simulation runs and replays again
local root = arg[0]:match("^(.*)/tests/lua/[^/]*$") or "."
local r = memsim.new{ db = ":memory:", ram = "64M", output = { sample_ns = 1000 } }
r:on("mmap", function() error("stop the replay") end)
local e7 = t.raises("events-7.1", "stop the replay", r.replay, r, root .. "/traces/regression/fork_cow_1000.mtr")
t.eq("events-7.2", r:stats().accesses, 0) -- the mmap is the trace's first line
t.eq("events-7.3", select(2, e7:gsub("stop the replay", "")), 1) -- reported once
t.eq("events-7.4", r:query("SELECT count(*) AS n FROM events WHERE type = 'mmap'")[1].n, 1)
r:off("mmap")
local ticks = 0
r:every("1us", function() ticks = ticks + 1 end)
r:at(r:now() + 5000, function() end)
t.eq("events-7.5", r:run(), r:now())
t.ok("events-7.6", ticks >= 4 and ticks <= 6, "the periodic timer ran and stopped: " .. ticks)
local _, pids = r:replay(root .. "/traces/regression/fork_cow_1.mtr")
t.eq("events-7.7", pids[1], 2) -- pid 1 exists (the failed replay made it)
t.eq("events-7.8", pids[2], 3)
t.eq("events-7.9", r:find(3):stats().cow_copies, 1)

-- events-8: an error in a callback stops sim:run (a timer's operation, a
-- spawned body's) and is raised by it, once; what is queued stays queued
local q8 = memsim.new{ db = ":memory:", ram = "64M" }
local p8 = q8:process{}
local a8 = p8:mmap{ len = "64K" }
local calls8, later = 0, false
q8:on("fault", function() calls8 = calls8 + 1; error("boom in a callback") end)
q8:at(10, function() p8:write(a8, "64K") end)
q8:at(20, function() later = true end)
local e8 = t.raises("events-8.1", "boom in a callback", q8.run, q8)
t.eq("events-8.2", select(2, e8:gsub("boom in a callback", "")), 1)
t.eq("events-8.3", calls8, 1)
t.eq("events-8.4", later, false)
t.eq("events-8.5", p8:stats().minflt, 1) -- stopped right after that fault
q8:off("fault")
q8:run()
t.eq("events-8.6", later, true)
q8:on("fault", function() error("boom in a body") end)
local after = false
q8:spawn(p8, function(q) q:read(a8 + 16 * 4096); after = true end)
t.raises("events-8.7", "boom in a body", q8.run, q8)
t.eq("events-8.8", after, false) -- the error ended the body at its operation
q8:off("fault")
t.eq("events-8.9", q8:run(), q8:now()) -- nothing stays pending
t.done()

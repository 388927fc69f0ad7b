-- tests/lua/api_spawn.lua - processes as coroutines under the scheduler:
-- each operation of a spawned body takes simulated time during which the
-- other processes run; sleep, timers (at, every), run(until), stop, and
-- errors inside bodies.
--
-- Test groups: spawn-1.x interleaving by time; spawn-2.x sleep and major
-- faults block one process only; spawn-3.x timers; spawn-4.x run(until)
-- and stop; spawn-5.x results and errors inside bodies; spawn-6.x
-- determinism; spawn-7.x periodic timers end with the last other event
-- (sim:run's end time is never a later tick), also in a replay.
local t = require "t"

local function new() return memsim.new{ db = ":memory:", ram = "64M" } end

-- spawn-1: two bodies writing page by page interleave by simulated time
local sim = new()
local log = {}
local function writer(q, tag, n)
  local a = q:mmap{ len = n * 4096 }
  for i = 0, n - 1 do
    q:write(a + i * 4096)
    log[#log + 1] = { tag = tag, t = sim:now() }
  end
end
local pa = sim:spawn({ name = "A" }, writer, "A", 4)
local pb = sim:spawn({ name = "B" }, writer, "B", 4)
t.eq("spawn-1.1", pa.name .. pb.name, "AB")
t.eq("spawn-1.2", #log, 0) -- nothing runs before sim:run()
local tend = sim:run()
t.eq("spawn-1.3", #log, 8)
local tags = ""
for i, e in ipairs(log) do
  tags = tags .. e.tag
  if i > 1 then t.ok("spawn-1.4", e.t >= log[i - 1].t, "execution follows simulated time") end
end
t.eq("spawn-1.5", tags, "ABABABAB") -- same costs: strict alternation
t.eq("spawn-1.6", tend, sim:now())
t.eq("spawn-1.7", pa:stats().minflt + pb:stats().minflt, 8)

-- spawn-2: sleep, and a major fault blocks only the process that takes it
sim = new()
sim:file{ name = "cold", size = "4K" } -- not in the page cache
local order = {}
local slept
sim:spawn(function(q)
  local f = q:mmap{ len = "4K", prot = "r--", file = "cold" }
  local t0 = sim:now()
  q:read(f)                  -- major fault: waits for the disk
  order[#order + 1] = "A read done"
  local t1 = sim:now()
  t.ok("spawn-2.1", t1 - t0 >= tonumber(sim:config("cost.io_read_ns")), "the read took the I/O time")
  q:sleep("1ms")
  slept = sim:now() - t1
end)
sim:spawn(function(q)
  local a = q:mmap{ len = "40K" }
  for i = 0, 9 do q:write(a + i * 4096) end
  order[#order + 1] = "B wrote 10 pages"
end)
sim:run()
t.eq("spawn-2.2", table.concat(order, "; "), "B wrote 10 pages; A read done")
t.eq("spawn-2.3", slept, 1000000)

-- spawn-3: timers
sim = new()
local seq = {}
sim:spawn(function(q)
  q:sleep(1000); seq[#seq + 1] = "body@" .. sim:now()
  q:sleep(2000); seq[#seq + 1] = "body@" .. sim:now()
end)
sim:at(2000, function(tt) seq[#seq + 1] = "at@" .. tt end)
sim:at("1500ns", function(tt) seq[#seq + 1] = "at@" .. tt end)
local ticks = 0
sim:every(500, function() ticks = ticks + 1 end)
local stopped_at
local n = 0
sim:every("700ns", function(tt) n = n + 1; if n == 2 then stopped_at = tt; return false end end)
sim:run()
t.eq("spawn-3.1", table.concat(seq, " "), "body@1000 at@1500 at@2000 body@3000")
t.eq("spawn-3.2", stopped_at, 1400)        -- returning false stops a periodic timer
t.eq("spawn-3.3", ticks, 6)                -- 500..3000: stops once nothing else is queued
t.eq("spawn-3.4", sim:now(), 3000)
local lone = 0
sim:every(100, function() lone = lone + 1 end)
t.eq("spawn-3.5", sim:run(), 3000)
t.eq("spawn-3.6", lone, 0)                 -- alone, a periodic timer never runs

-- spawn-4: run(until) and stop
sim = new()
local fired = {}
for _, at in ipairs{ 100, 200, 300, 400 } do
  sim:at(at, function() fired[#fired + 1] = at end)
end
t.eq("spawn-4.1", sim:run(250), 250)
t.eq("spawn-4.2", table.concat(fired, ","), "100,200")
sim:at(310, function() sim:stop() end)
sim:run()
t.eq("spawn-4.3", table.concat(fired, ","), "100,200,300") -- stopped after 310
sim:run()
t.eq("spawn-4.4", table.concat(fired, ","), "100,200,300,400")
t.raises("spawn-4.5", "already running", function()
  sim:at(500, function() sim:run() end)
  sim:run()
end)

-- spawn-5: results and errors inside bodies
sim = new()
local res = {}
local parent = sim:process{ name = "parent" }
sim:spawn(parent, function(q, x, y)
  res.args = x .. y
  res.addr = q:mmap{ len = "8K" }
  res.nilv, res.ename, res.eno = q:munmap(res.addr + 1, 4096)
  local c = q:fork()
  res.child = c
  sim:spawn(c, function(cc) cc:write(res.addr); cc:exit(); res.after_exit = true; cc:write(res.addr) end)
  coroutine.yield() -- a plain yield just lets the others run
  q:write(res.addr)
end, "x", "y")
sim:spawn({ name = "late", at = 5000 }, function(q) res.late = sim:now() end)
sim:run()
t.eq("spawn-5.1", res.args, "xy")
t.ok("spawn-5.2", math.type(res.addr) == "integer")
t.eq("spawn-5.3", tostring(res.nilv) .. res.ename .. res.eno, "nilEINVAL22")
t.eq("spawn-5.4", getmetatable(res.child).__name, "memsim.Process")
t.eq("spawn-5.5", res.child.alive, false)
t.eq("spawn-5.6", res.after_exit, true)    -- the body went on after exit ...
t.eq("spawn-5.7", res.child:stats().minflt, 1) -- ... and ended at its next operation
t.eq("spawn-5.8", res.late, 5000)
local err = t.raises("spawn-5.9", "body failed", function()
  sim:spawn(function(q) q:sleep(10); error("body failed") end)
  sim:run()
end)
t.ok("spawn-5.10", err:find("api_spawn.lua:%d+: body failed"), "position of the error in the body")
t.raises("spawn-5.11", "already running", function()
  sim:spawn(function(q) sim:run() end)
  sim:run()
end)
sim:run() -- whatever is left runs normally after an error

-- spawn-6: the same program gives the same events
local function program()
  local s = new()
  for i = 1, 3 do
    s:spawn(function(q)
      local a = q:mmap{ len = "64K" }
      for j = 0, 15 do q:write(a + ((j * 7 + i) % 16) * 4096); q:sleep(i * 10) end
      local c = q:fork()
      c:write(a, "64K")
    end)
  end
  s:run()
  local out = {}
  for _, r in ipairs(s:query("SELECT t_ns, pid, vaddr, kind FROM faults ORDER BY seq")) do
    out[#out + 1] = table.concat({ r.t_ns, r.pid, r.vaddr, r.kind }, " ")
  end
  return table.concat(out, "\n"), #out
end
local one, nf = program()
local two = program()
t.eq("spawn-6.1", nf, 3 * 16 + 3 * 16)
t.eq("spawn-6.2", one, two)

-- spawn-7: periodic timers tick while something else is queued, and stop
-- the moment the last at-timer or body is done
sim = memsim.new{ db = ":memory:", ram = "64M", output = { sample_ns = 100 } }
local ticks7 = {}
sim:every(1000, function(tt) ticks7[#ticks7 + 1] = tt end)
local last7
local p7 = sim:spawn(function(q) q:write(q:mmap{ len = 4096 }); q:sleep(2500); last7 = sim:now() end)
local end7 = sim:run()
t.ok("spawn-7.1", end7 == last7 and end7 % 1000 ~= 0, "ends with the body, not at a tick: " .. end7)
t.eq("spawn-7.2", #ticks7, end7 // 1000)   -- every tick up to then, none after
t.ok("spawn-7.3", sim:query("SELECT max(t_ns) AS t FROM samples")[1].t <= end7, "no sample after the end")
sim:spawn(p7, function(q) q:sleep(5000) end)
t.eq("spawn-7.4", sim:run(), end7 + 5000)
t.eq("spawn-7.5", #ticks7, end7 // 1000)  -- it stopped for good
sim = new()
ticks7 = {}
sim:every(1000, function(tt) ticks7[#ticks7 + 1] = tt end)
sim:at(3000, function() end)
t.eq("spawn-7.6", sim:run(), 3000)
t.eq("spawn-7.7", table.concat(ticks7, ","), "1000,2000,3000") -- a tick at the end time runs
sim = new()
ticks7 = {}
sim:every(1000, function(tt) ticks7[#ticks7 + 1] = tt end)
t.eq("spawn-7.8", sim:run(5500), 5500)     -- run(t): they tick until t
t.eq("spawn-7.9", #ticks7, 5)
t.eq("spawn-7.10", sim:run(7000), 7000)
t.eq("spawn-7.11", #ticks7, 6)             -- the end time came before the tick at 7000
t.eq("spawn-7.12", sim:run(), 7000)        -- which runs now, and no later one
t.eq("spawn-7.13", #ticks7, 7)
-- in a replay they tick while the trace runs, between its batches of
-- accesses (so possibly late); the first tick after the trace ended is
-- the last one, and the replay's end time
local root = arg[0]:match("^(.*)/tests/lua/[^/]*$") or "."
sim = new()
ticks7 = {}
sim:every("100us", function(tt) ticks7[#ticks7 + 1] = tt end)
local rend = sim:replay(root .. "/traces/regression/fork_cow_1000.mtr")
t.ok("spawn-7.14", #ticks7 >= 2 and rend == ticks7[#ticks7], #ticks7 .. " ticks, replay ended at " .. rend)
local n7 = #ticks7
t.eq("spawn-7.15", sim:run(), rend)        -- nothing left
t.eq("spawn-7.16", #ticks7, n7)
t.done()

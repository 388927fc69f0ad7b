-- tests/lua/api_process.lua - what a process answers: its name (given,
-- inherited by fork, "proc" for one a trace made), brk as a query (no
-- failed-call event), mmap/brk/sbrk/mremap addresses in mode tlb (the
-- same as full mode), and the system-wide rss of sim:stats().
--
-- Test groups: proc-1.x names; proc-2.x brk queries; proc-3.x mode tlb;
-- proc-4.x sim:stats().rss and swap; proc-5.x timers queued at close.
local t = require "t"
local root = arg[0]:match("^(.*)/tests/lua/[^/]*$") or "."

-- proc-1: names come from the core's task
local sim = memsim.new{ db = ":memory:", ram = "64M" }
local p = sim:process{ name = "server" }
t.eq("proc-1.1", p.name, "server")
local c = p:fork()
t.eq("proc-1.2", c.name, "server")
t.eq("proc-1.3", sim:find(c.pid).name, "server")
local _, pids = sim:replay(root .. "/traces/regression/fork_cow_1.mtr")
t.eq("proc-1.4", sim:find(pids[1]).name, "proc")
t.eq("proc-1.5", sim:find(pids[2]).name, "proc") -- a fork child of a trace's process
t.eq("proc-1.6", tostring(p):match("server") ~= nil, true)
t.eq("proc-1.7", sim:process{}.name, "proc")

-- proc-2: brk(0) and brk below start_brk read the break: no "error" event
local q = sim:process{ name = "heap" }
t.eq("proc-2.1", q:brk(0), 0)                           -- no heap yet
local start = q:brk(0x555555559000)
t.eq("proc-2.2", start, 0x555555559000)
t.eq("proc-2.3", q:sbrk(8192), start)                   -- sbrk reads with brk(0)
t.eq("proc-2.4", q:brk(0), start + 8192)
t.eq("proc-2.5", q:brk(0x1000), start + 8192)           -- below start_brk
local ev = sim:query("SELECT vaddr, label FROM events WHERE type = 'brk' AND pid = ? ORDER BY seq", q.pid)
t.eq("proc-2.6", #ev, 2)                                -- the placement and the sbrk
t.eq("proc-2.7", ev[1].label, nil)
t.eq("proc-2.8", ev[2].label, nil)
t.eq("proc-2.9", ev[2].vaddr, start + 8192)
t.eq("proc-2.10", q:brk(0x7ff000000000), start + 8192)  -- a refused brk still is one
t.eq("proc-2.11", sim:query("SELECT label FROM events WHERE type = 'brk' AND pid = ? ORDER BY seq DESC",
                            q.pid)[1].label, "error ENOMEM")

-- proc-3: mode tlb gives the addresses full mode gives
local function layout(mode)
  local s <close> = memsim.new{ db = false, mode = mode }
  local x = s:process{}
  local r = {}
  r[#r + 1] = x:mmap{ len = "400K" }
  r[#r + 1] = x:mmap{ len = "2M", prot = "r--" }
  r[#r + 1] = x:mmap{ addr = 0x10000000, len = "8K", flags = "private,anon,fixed" }
  r[#r + 1] = x:mmap{ addr = 0x20000000, len = "8K" }  -- a free hint is taken
  r[#r + 1] = x:brk(0x555555559123)
  r[#r + 1] = x:sbrk(4096)
  r[#r + 1] = x:brk(0)
  r[#r + 1] = x:mremap(r[3], "8K", "4K")
  local y = x:fork()
  r[#r + 1] = y:mmap{ len = "4K" }
  r[#r + 1] = y:brk(0)
  x:write(r[1], "400K")                                -- identity translation
  return r, s:stats()
end
local full = layout("full")
local tlb, ts = layout("tlb")
for i = 1, #full do t.eq("proc-3." .. i, tlb[i], full[i]) end
t.eq("proc-3.20", ts.accesses, 100)
t.eq("proc-3.21", ts.minflt, 0)
do
  local s <close> = memsim.new{ db = false, mode = "tlb" }
  local x = s:process{}
  local a, name, errno = x:mmap{ len = 0 }
  t.eq("proc-3.22", a, nil)
  t.eq("proc-3.23", name .. errno, "EINVAL22")
end

-- proc-4: sim:stats() has rss and swap summed over the processes
local s4 = memsim.new{ db = false, ram = "64M" }
local u, v = s4:process{}, s4:process{}
t.eq("proc-4.1", s4:stats().rss, 0)
u:write(u:mmap{ len = "40K" }, "40K")
local b = v:mmap{ len = "8K" }
v:write(b, "8K")
t.eq("proc-4.2", s4:stats().rss, 12)
local w = u:fork()                                      -- shared pages count per process
t.eq("proc-4.3", s4:stats().rss, 22)
t.eq("proc-4.4", s4:stats().rss, u:stats().rss + v:stats().rss + w:stats().rss)
t.eq("proc-4.5", s4:stats().swap, 0)
w:exit()
t.eq("proc-4.6", s4:stats().rss, 12)
s4:close()

-- proc-5: timers still queued when a simulation closes are freed (the
-- sanitizer build checks the memory); the closures never run
local ran = false
do
  local s5 <close> = memsim.new{ db = false }
  s5:at("1s", function() ran = true end)
  s5:every("1ms", function() ran = true end)
  s5:spawn(function(x) x:sleep("1s"); ran = true end)
end
local s6 = memsim.new{ db = false }
s6:at("1s", function() ran = true end)
s6:run(1000)                                            -- an until-closure stays queued too
s6 = nil
collectgarbage()
collectgarbage()
t.eq("proc-5.1", ran, false)
t.done()

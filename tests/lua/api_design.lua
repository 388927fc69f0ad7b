-- tests/lua/api_design.lua - the example of DESIGN.md section 7, as written
-- there (the trace traces/regression/fork_cow.mtr is found from this
-- file's place in the tree), followed by checks of what it computed.  If
-- this test fails, the contract example does not work.
--
-- Test groups: design-1.x the example runs; design-2.x its numbers;
-- design-3.x the trace's pids 1 and 2 collide with p and c, so the replay
-- runs them as fresh pids.
local t = require "t"
local root = arg[0]:match("^(.*)/tests/lua/[^/]*$") or "."
local trace = root .. "/traces/regression/fork_cow.mtr"
local events = {}

local sim = memsim.new{ arch = "arm64", ram = "256M", swap = "512M", thp = "never" }
local p = sim:process{ name = "app" }              -- new, empty address space
local a = p:mmap{ len = "400K", prot = "rw-", flags = "private,anon" } -- returns address
p:madvise(a, "400K", "nohugepage")
p:write(a, "400K")        -- one write to every page in the range (loop runs in C)
p:read(a, "400K")
sim:mark("after-fork")
local c = p:fork()
c:write(a, "400K"); c:exit()
sim:on("fault", function(ev) --[[ ev.kind, ev.pid, ev.vaddr, ev.code, ev.major ]] events[#events + 1] = ev end)
sim:at(5e6, function() p:oom_score_adj(500) end)
sim:spawn(function(q) --[[ a process body; each op yields to the scheduler ]] end)
local _, pids = sim:replay(trace)
sim:run()                 -- run until no event is left
local s = p:stats()       -- { minflt = .., majflt = .., rss = .., ... }
local rows = sim:query("SELECT kind, count(*) AS n FROM faults GROUP BY kind")

-- design-1: it ran
t.eq("design-1.1", sim.arch, "arm64")
t.ok("design-1.2", a > 0 and c.alive == false)
t.ok("design-1.3", #rows > 0)

-- design-2: the numbers (arm64, 4K pages, THP off); the trace is oracle
-- case fork_cow with 10 pages: 10 anon, 10 cow copies, 10 reuses
local n = {}
for _, r in ipairs(rows) do n[r.kind] = r.n end
t.eq("design-2.1", n.anon, 110)           -- 100 pages by p, 10 by the trace's parent
t.eq("design-2.2", n.cow, 110)            -- c's writes after fork, the trace child's
t.eq("design-2.3", s.minflt, 100)         -- the trace did not run as p
t.eq("design-2.4", s.majflt, 0)
t.eq("design-2.5", s.rss, 100)
t.eq("design-2.6", c:stats().cow_copies, 100)
t.eq("design-2.7", #events, 30)           -- sim:on was registered after the fork
t.ok("design-2.9", sim:now() >= 5e6, "the timer at 5 ms ran")
t.eq("design-2.10", n.reuse, 10)          -- the trace's parent after its child exited
t.eq("design-2.11", sim:stats().cow_copies, 110)

-- design-3: pids 1 (p), 2 (c) and 3 (the spawned body) existed: the trace's
-- pids 1 and 2 ran as the next free ones
t.eq("design-3.1", pids[1], 4)
t.eq("design-3.2", pids[2], 5)
t.eq("design-3.3", events[1].pid, 4)
local tp = sim:find(pids[1])
t.eq("design-3.4", tp:stats().minflt, 20)  -- 10 writes, 10 reuse faults
t.eq("design-3.5", sim:find(pids[2]):stats().cow_copies, 10)
t.eq("design-3.6", sim:find(pids[2]).alive, false)
t.eq("design-3.7", tp.name, "proc")
t.done()

-- tests/lua/docs_fork_timeline.lua - a scenario written from the
-- documentation alone (an outside review): parent and child as spawned
-- bodies; COW copy vs reuse as Linux 6.x decides it.
--   t~0      parent writes N pages           -> N anon faults
--            parent forks, spawns the child body
--   child    writes the first half            -> H cow copies (pages shared, refcount 2)
--   t~1ms    parent writes all N pages       -> H reuse (the child has its copies)
--                                               + H cow copies (second half still shared)
--   t~2ms    child writes the second half    -> H reuse (the parent copied away)
--
-- Test groups: fork-1.x timers (sim:at, sim:every) and the end time;
-- fork-2.x counters; fork-3.x the faults table; fork-4.x events;
-- fork-5.x RSS over time (sim:every and the engine's samples).
local t = require "t"

local sim = memsim.new{ ram = "256M", thp = "never",
                        output = { events = "all", sample_ns = "100us" } }

local N, H = 64, 32
local LEN = N * 4096
local parent, child, a
local log = {}          -- RSS samples taken by sim:every
local checked_at = nil  -- set by the sim:at timer

local faults_by = {}    -- [pid][kind] = n
sim:on("fault", function(ev)
  faults_by[ev.pid] = faults_by[ev.pid] or {}
  faults_by[ev.pid][ev.kind] = (faults_by[ev.pid][ev.kind] or 0) + 1
end)

sim:every("100us", function(tt)
  local row = { t = tt, free = sim:stats().free_pages }
  if parent then row.prss = parent:stats().rss end
  if child then row.crss = child:stats().rss end
  log[#log + 1] = row
end)

-- a timer between the parent's writes (~1.1ms) and the child's second half (~2.1ms)
sim:at("1600us", function(tt)
  checked_at = tt
  local ps, cs = parent:stats(), child:stats()
  t.ok("fork-1.1", cs.cow_copies == H and cs.cow_reuses == 0, "child at 1.6ms: " .. cs.cow_copies)
  t.ok("fork-1.2", ps.cow_copies == H and ps.cow_reuses == H,
       "parent at 1.6ms: " .. ps.cow_copies .. "/" .. ps.cow_reuses)
  sim:mark("checked")
end)

parent = sim:spawn({ name = "parent" }, function(q)
  a = assert(q:mmap{ len = LEN })
  q:write(a, LEN)
  q:mark("fork")
  local c = q:fork()
  child = c
  sim:spawn(c, function(cc)
    cc:mark("child-first-half")
    cc:write(a, H * 4096)
    cc:sleep("2ms")
    cc:mark("child-second-half")
    cc:write(a + H * 4096, H * 4096)
    cc:sleep("1ms")
    cc:exit()
  end)
  q:sleep("1ms")
  q:mark("parent-writes")
  q:write(a, LEN)
  q:sleep("3ms")
  q:exit()
end)

local t_end = sim:run()
t.eq("fork-1.3", checked_at, 1600000)
t.ok("fork-1.4", not parent.alive and not child.alive)
-- sim:run ends when the last process does, not at the next sim:every tick
local last_exit = sim:query("SELECT max(t_ns) AS t FROM events WHERE type = 'exit'")[1].t
t.eq("fork-1.5", t_end, last_exit)
t.ok("fork-1.6", t_end % 100000 ~= 0, "end time " .. t_end .. " is a tick")
t.eq("fork-1.7", #log, t_end // 100000) -- every tick up to the end, none after

-- fork-2: p:stats() / sim:stats()
local ps, cs, ss = parent:stats(), child:stats(), sim:stats()
t.ok("fork-2.1", ps.cow_copies == H and ps.cow_reuses == H)
t.ok("fork-2.2", cs.cow_copies == H and cs.cow_reuses == H)
t.ok("fork-2.3", ss.cow_copies == N and ss.cow_reuses == N)
t.eq("fork-2.4", ps.minflt, N + N)        -- N anon + N write-protect faults
t.eq("fork-2.5", cs.minflt, N)            -- N write-protect faults
-- Linux's VmHWM: an anon -> anon wp_page_copy does not change MM_ANONPAGES
t.eq("fork-2.6", ps.rss_peak_pages, N)
t.eq("fork-2.7", cs.rss_peak_pages, N)
t.ok("fork-2.8", ps.rss == 0 and cs.rss == 0) -- both exited
-- sim:on tallies
t.ok("fork-2.9", faults_by[parent.pid].anon == N and faults_by[parent.pid].cow == H
     and faults_by[parent.pid].reuse == H)
t.ok("fork-2.10", faults_by[child.pid].cow == H and faults_by[child.pid].reuse == H
     and faults_by[child.pid].anon == nil)

-- fork-3: the database: the same, and the order child-copy < parent-reuse < child-reuse
local k = {}
for _, r in ipairs(sim:query([[SELECT pid, kind, count(*) AS n, min(t_ns) AS t0, max(t_ns) AS t1
                               FROM faults GROUP BY pid, kind]])) do
  k[r.pid .. r.kind] = r
end
local P, C = parent.pid, child.pid
t.ok("fork-3.1", k[P .. "anon"].n == N and k[P .. "cow"].n == H and k[P .. "reuse"].n == H)
t.ok("fork-3.2", k[C .. "cow"].n == H and k[C .. "reuse"].n == H)
t.ok("fork-3.3", k[C .. "cow"].t1 < k[P .. "reuse"].t0 and k[P .. "reuse"].t1 < k[C .. "reuse"].t0)
-- one p:write takes effect at its start; its faults carry increasing times
local wstart = sim:query("SELECT t_ns FROM events WHERE type = 'mark' AND label = 'parent-writes'")[1].t_ns
t.ok("fork-3.4", k[P .. "reuse"].t0 > wstart and k[P .. "cow"].t1 > k[P .. "reuse"].t0)
-- the parent's reuse faults are exactly the pages the child had copied
local r = sim:query([[SELECT count(*) AS n FROM faults f JOIN faults g ON f.vaddr = g.vaddr
                      WHERE f.pid = ? AND f.kind = 'reuse' AND g.pid = ? AND g.kind = 'cow']], P, C)[1]
t.eq("fork-3.5", r.n, H)
-- the path of a reuse fault is Linux's wp_page_reuse
r = sim:query("SELECT DISTINCT path FROM faults WHERE kind = 'reuse'")
t.ok("fork-3.6", #r == 1 and r[1].path:match(">do_wp_page>wp_page_reuse$"), r[1] and r[1].path)

-- fork-4: fork and exit events (output.events = all); a fork event has the
-- child's pid in len and the label "child N"
r = sim:query("SELECT type, pid, vaddr FROM events WHERE type IN ('fork', 'exit') ORDER BY seq")
t.ok("fork-4.1", #r == 3 and r[1].type == "fork" and r[1].pid == P)
r = sim:query("SELECT len, label FROM events WHERE type = 'fork'")[1]
t.ok("fork-4.2", r.len == C and r.label == "child " .. C)

-- fork-5: the sim:every log: free pages drop by H at each copy phase, RSS
-- of both is N in between
local saw_both = false
for _, row in ipairs(log) do
  if row.prss == N and row.crss == N then saw_both = true end
end
t.ok("fork-5.1", saw_both)
local free0 = log[1].free
local free_mid
for _, row in ipairs(log) do if row.t == 1600000 then free_mid = row.free end end
t.eq("fork-5.2", free_mid, free0 - H)     -- the parent's H copies, nothing for its H reuses
t.ok("fork-5.3", log[#log].prss == N and log[#log].crss == 0) -- the last tick: before the parent's exit
t.eq("fork-5.4", sim:stats().free_pages, 65535) -- all freed (1 page reserved)
-- the engine's own samples (output.sample_ns)
r = sim:query("SELECT pid, count(*) AS n, max(rss_pages) AS mx, max(t_ns) AS t FROM samples GROUP BY pid ORDER BY pid")
t.ok("fork-5.5", #r == 2 and r[1].pid == P and r[1].mx == N and r[2].pid == C and r[2].mx == N)
t.ok("fork-5.6", r[1].t <= t_end and r[2].t <= t_end)

sim:close()
t.done()

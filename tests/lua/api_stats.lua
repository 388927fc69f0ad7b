-- tests/lua/api_stats.lua - system-wide counters after processes exit, and
-- the seed of tlb.policy = random.
--
-- Test groups: stats-1.x the system RSS and its peak once every process
-- has exited (the sum of the processes' RSS, as Linux's VmRSS adds up: a
-- page shared after fork counts in both); stats-2.x the seed.
local t = require "t"

-- stats-1: 16 pages written, fork (the child maps the same 16), the child
-- copies 4 (anon -> anon: no RSS change), both exit
local sim = memsim.new{ db = ":memory:", ram = "64M" }
local p = sim:process{}
local a = p:mmap{ len = "64K" }
p:write(a, "64K")
local q = p:fork()
q:write(a, "16K")
t.eq("stats-1.1", q:stats().rss_peak_pages, 16)
q:exit()
p:exit()
local s = sim:stats()
t.eq("stats-1.2", s.rss, 0)
t.eq("stats-1.3", s.rss_peak_pages, 32)
t.eq("stats-1.4", s.cow_copies, 4)
sim:close()

-- stats-2: random replacement follows the seed; the same seed, the same hits
local function hits(seed)
  local m = memsim.new{ db = ":memory:", mode = "tlb", seed = seed,
                        tlb = { policy = "random", l1d = "4:4", l2 = "8:8" } }
  local r = m:process{}
  for i = 1, 400 do r:read(0x10000 + (i * 7 % 13) * 4096) end
  local h = r:stats()["tlb.l1d.hits"]
  m:close()
  return h
end
local seen = {}
for seed = 1, 6 do seen[hits(seed)] = true end
local distinct = 0
for _ in pairs(seen) do distinct = distinct + 1 end
t.ok("stats-2.1", distinct > 1, "six seeds gave the same hits")
t.eq("stats-2.2", hits(42), hits(42))

-- stats-3: the shmem object of a shared anonymous mapping goes with its
-- last VMA (munmap in both processes after a fork), and its pages with it
local m3 = memsim.new{ db = ":memory:", ram = "64M" }
local p3 = m3:process{}
local a3 = p3:mmap{ len = "1M", flags = "shared,anon" }
p3:write(a3, "1M")
local c3 = p3:fork()
local free1 = m3:stats().free_pages
p3:munmap(a3, "1M")
t.eq("stats-3.1", m3:stats().free_pages, free1) -- the child's VMA keeps the object
c3:munmap(a3, "1M")
t.eq("stats-3.2", m3:stats().free_pages, free1 + 256) -- the last fput frees its pages
t.done()

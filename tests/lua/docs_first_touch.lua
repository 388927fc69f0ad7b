-- tests/lua/docs_first_touch.lua - a scenario written from the
-- documentation alone (an outside review): read half of a mapping (zero
-- page), then write all of it.  The read half takes write-protect faults
-- from the zero page (do_wp_page > wp_page_copy, kind cow: a zeroed page,
-- counted in cow_copies); the other half do_anonymous_page.
--
-- Test groups: first-1.x the read half; first-2.x the write; first-3.x
-- what sim:on saw (paths, x86 #PF codes); first-4.x the faults table;
-- first-5.x the level column (x86: 4 = PML4 ... 1 = PTE) and TLB flushes.
local t = require "t"

local sim = memsim.new{ arch = "x86_64", ram = "256M", thp = "never",
                        output = { events = "all" } }
t.ok("first-0.1", sim.arch == "x86_64" and sim.mode == "full" and sim.page_size == 4096)

local PAGES = 256
local HALF = PAGES // 2

-- tally faults by path (and by kind) as they happen
local by_path, by_kind, by_code, n_cb = {}, {}, {}, 0
local first_ev
sim:on("fault", function(ev)
  n_cb = n_cb + 1
  first_ev = first_ev or ev
  by_path[ev.path] = (by_path[ev.path] or 0) + 1
  by_kind[ev.kind] = (by_kind[ev.kind] or 0) + 1
  by_code[ev.code] = (by_code[ev.code] or 0) + 1
end)

local p = sim:process{ name = "toucher" }
local a = assert(p:mmap{ len = "1M", prot = "rw-", flags = "private,anon" })
t.eq("first-0.2", a % 4096, 0)

-- first-1: read the first half: zero-page faults, nothing resident
p:mark("read-half")
p:read(a, "512K")
local s1 = p:stats()
t.eq("first-1.1", s1.minflt, HALF)
t.eq("first-1.2", s1.majflt, 0)
t.eq("first-1.3", s1.faults, HALF)
t.eq("first-1.4", s1.rss, 0)              -- the zero page is not in RSS
t.eq("first-1.5", by_kind.zero, HALF)

-- first-2: write everything
p:mark("write-all")
p:write(a, "1M")
local s2 = p:stats()
t.eq("first-2.1", s2.minflt, PAGES + HALF)
t.eq("first-2.2", s2.majflt, 0)
t.eq("first-2.3", s2.faults, PAGES + HALF)
t.eq("first-2.4", s2.rss, PAGES)
t.eq("first-2.5", s2.rss_peak_pages, PAGES)
t.eq("first-2.6", s2.accesses, PAGES + HALF)
t.eq("first-2.7", s2.cow_reuses, 0)
t.eq("first-2.8", s2.cow_copies, HALF)    -- a copy from the zero page is a COW copy too

-- first-3: the sim:on tallies.  The real chain (Linux 6.4+) lists
-- lock_vma_under_rcu, access_error and do_pte_missing too.
local ZERO_PATH = "exc_page_fault>do_user_addr_fault>lock_vma_under_rcu>access_error>"
  .. "handle_mm_fault>__handle_mm_fault>handle_pte_fault>do_pte_missing>do_anonymous_page"
local WP_PATH = "exc_page_fault>do_user_addr_fault>lock_vma_under_rcu>access_error>"
  .. "handle_mm_fault>__handle_mm_fault>handle_pte_fault>do_wp_page>wp_page_copy"
t.eq("first-3.1", n_cb, PAGES + HALF)
t.eq("first-3.2", by_kind.zero, HALF)
t.eq("first-3.3", by_kind.anon, HALF)
t.eq("first-3.4", by_kind.cow, HALF)
t.eq("first-3.5", by_path[ZERO_PATH], PAGES) -- 128 zero + 128 anon
t.eq("first-3.6", by_path[WP_PATH], HALF)
-- x86 #PF codes: 0x4 user read not-present, 0x6 user write not-present,
-- 0x7 user write protection
t.eq("first-3.7", by_code[0x4], HALF)
t.eq("first-3.8", by_code[0x6], HALF)
t.eq("first-3.9", by_code[0x7], HALF)
t.ok("first-3.10", first_ev.type == "fault" and first_ev.access == "R" and first_ev.major == 0
     and first_ev.vaddr == a and first_ev.pid == p.pid)

-- first-4: the database says the same
local rows = sim:query([[SELECT kind, access, code, path, count(*) AS n, sum(major) AS maj
                         FROM faults WHERE pid = ? GROUP BY kind, access, code, path ORDER BY kind]], p.pid)
local db = {}
for _, r in ipairs(rows) do db[r.kind] = r end
t.eq("first-4.1", #rows, 3)
t.ok("first-4.2", db.zero.n == HALF and db.zero.access == "R" and db.zero.code == 0x4
     and db.zero.path == ZERO_PATH and db.zero.maj == 0)
t.ok("first-4.3", db.anon.n == HALF and db.anon.access == "W" and db.anon.code == 0x6
     and db.anon.path == ZERO_PATH and db.anon.maj == 0)
t.ok("first-4.4", db.cow.n == HALF and db.cow.access == "W" and db.cow.code == 0x7
     and db.cow.path == WP_PATH and db.cow.maj == 0)
-- the zero/cow faults are in the first half, anon in the second
local r = sim:query([[SELECT min(vaddr) AS lo, max(vaddr) AS hi FROM faults WHERE kind = 'cow']])[1]
t.ok("first-4.5", r.lo == a and r.hi == a + (HALF - 1) * 4096)
r = sim:query([[SELECT min(vaddr) AS lo, max(vaddr) AS hi FROM faults WHERE kind = 'anon']])[1]
t.ok("first-4.6", r.lo == a + HALF * 4096 and r.hi == a + (PAGES - 1) * 4096)
-- the zero-page fault then the wp fault on the same page, in this order
r = sim:query([[SELECT group_concat(kind, ',') AS ks
                FROM (SELECT kind FROM faults WHERE vaddr = ? ORDER BY seq)]], a)[1]
t.eq("first-4.7", r.ks, "zero,cow")
-- output.events = all: one events row of type fault per fault, label = kind
r = sim:query("SELECT count(*) AS n, sum(label = 'cow') AS c FROM events WHERE type = 'fault'")[1]
t.ok("first-4.8", r.n == PAGES + HALF and r.c == HALF)

-- first-5: level is Intel's numbering, 4 = PML4 ... 1 = PTE: only the very
-- first fault finds the PML4 entry empty, every later walk stops at the PTE
r = sim:query([[SELECT level, count(*) AS n FROM faults GROUP BY level ORDER BY level]])
t.ok("first-5.1", #r == 2 and r[1].level == 1 and r[1].n == PAGES + HALF - 1
     and r[2].level == 4 and r[2].n == 1)
-- wp_page_copy flushes the old translation (ptep_clear_flush): one
-- tlb_shootdown each, with cpus = 1 too (Linux's flush_tlb_page, local)
t.eq("first-5.2", s2.tlb_shootdowns, HALF)
r = sim:query("SELECT count(*) AS n, sum(len) AS pages FROM events WHERE type = 'tlb_shootdown'")[1]
t.ok("first-5.3", r.n == HALF and r.pages == HALF)
sim:close()
t.ok("first-5.4", sim.closed)
t.done()

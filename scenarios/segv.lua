-- scenarios/segv.lua - when a fault ends in SIGSEGV, and which si_code it
-- carries: SEGV_MAPERR when no VMA covers the address (or a stack may not
-- grow to it), SEGV_ACCERR when a VMA covers it but does not allow the
-- access.  Both are decided in the arch entry (do_user_addr_fault /
-- do_page_fault: lock_vma_under_rcu, which finds no VMA and falls back to
-- lock_mm_and_find_vma; access_error) before
-- handle_mm_fault, so getrusage's minflt does not count them; perf's
-- page-faults does (oracle case 6).  Then the stack: a VM_GROWSDOWN VMA
-- grows on a fault below it (expand_stack), unless that would come closer
-- than stack_guard_gap to the mapping below, or exceed RLIMIT_STACK.
--
-- As in memsim's traces, the process "has a handler": the access is
-- skipped and the process goes on.
--
--   memsim run scenarios/segv.lua [--set arch=arm64]
--
-- Test groups (R34):
--   segv-1.x  SEGV_MAPERR: an address no VMA covers
--   segv-2.x  SEGV_ACCERR: write to r--, read of ---
--   segv-3.x  none of them counts in minflt; all count as faults
--   segv-4.x  a stack grows down on a fault below it (expand_stack)
--   segv-5.x  the guard gap: no growth closer than stack_guard_gap to the
--             mapping below (SEGV_MAPERR); a smaller gap allows it
--   segv-6.x  RLIMIT_STACK bounds the growth
--   segv-7.x  the segv events in the database carry the si_code
local passed = 0
local function check(id, what, got, want)
  if got ~= want then
    error(string.format("%s: %s: got %s, expected %s", id, what, tostring(got), tostring(want)), 2)
  end
  passed = passed + 1
end

local function machine(cfg)
  cfg.ram = cfg.ram or "64M"
  local sim = memsim.new(cfg)
  local p = sim:process{ name = "victim" }
  local m = { sim = sim, p = p }
  sim:on("fault", function(ev) m.last = ev end)
  sim:on("segv", function(ev) m.signal = ev.label end)
  function m.touch(op, addr)
    m.last, m.signal = nil, nil
    p[op](p, addr)
    return m.last, m.signal
  end
  return m
end

local m = machine{}
local sim, p = m.sim, m.p
local hex = memsim.hex
local data = p:mmap{ addr = 0x7e0000000000, len = "64K", flags = "private,anon,fixed" }
p:write(data, "64K")
local base = p:stats()

print("1. SEGV_MAPERR: no VMA at the address")
local f, sig = m.touch("write", 0x7e0000100000)
print(string.format("   write %s -> %s, %s\n   path %s", hex(f.vaddr), f.kind, sig, f.path))
check("segv-1.1", "kind", f.kind, "segv_maperr")
check("segv-1.2", "si_code", sig, "SEGV_MAPERR")
f, sig = m.touch("read", 0x10)
check("segv-1.3", "a NULL-pointer read", sig, "SEGV_MAPERR")

print("\n2. SEGV_ACCERR: a VMA covers the address, its protection forbids the access")
p:mprotect(data, "4K", "r--")
f, sig = m.touch("write", data)
print(string.format("   write to r--  %s -> %s, %s", hex(f.vaddr), f.kind, sig))
check("segv-2.1", "write to r--", sig, "SEGV_ACCERR")
check("segv-2.2", "path ends in", f.path:match("([^>]+)$"), "force_sig_fault(SIGSEGV)")
p:mprotect(data + 4096, "4K", "---")
f, sig = m.touch("read", data + 4096)
print(string.format("   read of ---   %s -> %s, %s", hex(f.vaddr), f.kind, sig))
check("segv-2.3", "read of PROT_NONE", sig, "SEGV_ACCERR")
f = m.touch("read", data)
check("segv-2.4", "a read of the r-- page is fine (no fault)", f, nil)

local s = p:stats()
print(string.format("\n3. counters: segv %d, faults +%d, minflt +%d",
  s.segv, s.faults - base.faults, s.minflt - base.minflt))
check("segv-3.1", "segv", s.segv, 4)
check("segv-3.2", "minflt does not count them", s.minflt - base.minflt, 0)
check("segv-3.3", "faults (perf page-faults) does", s.faults - base.faults, 4)

-- A stack: a VM_GROWSDOWN mapping of 128K ending at STACK_TOP, and a
-- library mapped below it, its end `gap_below` under the stack's start.
local STACK_TOP = 0x7ff000000000
local function stack_and_lib(mm, gap_below)
  local st = mm.p:mmap{ addr = STACK_TOP - 128 * 1024, len = "128K",
                        flags = "private,anon,growsdown,fixed" }
  mm.p:mmap{ addr = st - gap_below - 64 * 1024, len = "64K", prot = "r--",
             flags = "private,anon,fixed" }
  return st, st - gap_below
end
local K = 1024
local stk, lib_end = stack_and_lib(m, 1152 * K) -- 1M + 128K of room

print("\n4. the stack grows down on a fault below it")
f, sig = m.touch("write", stk - 64 * K + 8)
local rss0 = p:stats().rss
print(string.format("   write %s (64K below the stack VMA) -> %s", hex(f.vaddr), f.kind))
print("   path " .. f.path)
check("segv-4.1", "kind", f.kind, "anon")
check("segv-4.2", "no signal", sig, nil)
check("segv-4.3", "expand_stack ran", f.path:find("expand_stack", 1, true) ~= nil, true)
f = m.touch("write", stk - 32 * K)
check("segv-4.4", "the pages between are inside the grown VMA now", f.kind, "anon")
check("segv-4.5", "resident pages grew", p:stats().rss, rss0 + 1)

print("\n5. the guard gap: stack_guard_gap is 256 pages (1M) above the library's end")
f, sig = m.touch("write", stk - 128 * K)
print(string.format("   write %s: gap left %4dK -> %s", hex(f.vaddr), (f.vaddr - lib_end) // K, f.kind))
check("segv-5.1", "growth to exactly the gap is allowed", f.kind, "anon")
f, sig = m.touch("write", stk - 128 * K - 4096)
print(string.format("   write %s: gap left %4dK -> %s, %s", hex(f.vaddr), (f.vaddr - lib_end) // K,
  f.kind, sig))
check("segv-5.2", "one page more is refused", sig, "SEGV_MAPERR")
check("segv-5.3", "expand_stack was tried", f.path:find("expand_stack", 1, true) ~= nil, true)

local m2 = machine{ db = false, mm = { stack_guard_gap = 64 } } -- 64 pages = 256K
local stk2, lib2 = stack_and_lib(m2, 1152 * K)
f, sig = m2.touch("write", stk2 - 128 * K - 4096)
print(string.format("   with mm.stack_guard_gap = 64 pages (256K): the same write -> %s", f.kind))
check("segv-5.4", "growth allowed with a 256K gap", f.kind, "anon")
f, sig = m2.touch("write", lib2 + 256 * K - 4096)
check("segv-5.5", "but not into the last 256K above the library", sig, "SEGV_MAPERR")

print("\n6. RLIMIT_STACK: rlimit.stack = 256K")
local m3 = machine{ db = false, rlimit = { stack = "256K" } }
local stk3 = stack_and_lib(m3, 4 * 1024 * K)
f, sig = m3.touch("write", STACK_TOP - 256 * K)
check("segv-6.1", "a 256K stack is allowed", f.kind, "anon")
f, sig = m3.touch("write", STACK_TOP - 256 * K - 4096)
print(string.format("   write %dK below the top -> %s, %s", (STACK_TOP - f.vaddr) // K, f.kind, sig))
check("segv-6.2", "one page more is refused", sig, "SEGV_MAPERR")
check("segv-6.3", "the stack VMA kept its start", stk3, STACK_TOP - 128 * K)

print("\n7. in the database (first machine):")
for _, r in ipairs(sim:query("SELECT label, count(*) AS n FROM events WHERE type = 'segv' " ..
                              "GROUP BY label ORDER BY label")) do
  print(string.format("   %-12s %d", r.label, r.n))
end
local n = sim:query("SELECT count(*) AS n FROM faults WHERE kind LIKE 'segv%'")[1].n
check("segv-7.1", "segv faults recorded", n, 5)
print(string.format("\n%d checks passed", passed))

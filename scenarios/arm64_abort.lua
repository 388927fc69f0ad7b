-- scenarios/arm64_abort.lua - the same accesses on x86-64 and on arm64: how
-- each CPU reports a fault (the x86 #PF error code pushed on the stack, the
-- arm64 ESR_EL1 syndrome register) and which kernel entry takes it
-- (exc_page_fault vs do_mem_abort, which dispatches on the fault status
-- code through fault_info[]).  The generic part from handle_mm_fault on is
-- the same code on both.
--
--   memsim run scenarios/arm64_abort.lua
--
-- Test groups (R34):
--   abort-1.x  write to a page not mapped yet: translation fault
--   abort-2.x  read of a not-present page whose page tables exist (level 3)
--   abort-3.x  write to a read-only page: permission fault, SIGSEGV (ACCERR)
--   abort-4.x  instruction fetch from a non-executable page
--   abort-5.x  both run the same generic handler from handle_mm_fault on
local passed = 0
local function check(id, what, got, want)
  if got ~= want then
    error(string.format("%s: %s: got %s, expected %s", id, what, tostring(got), tostring(want)), 2)
  end
  passed = passed + 1
end

-- One machine per architecture, the same operations on each.
local function machine(arch)
  local sim = memsim.new{ arch = arch, ram = "64M" }
  local p = sim:process{ name = "demo" }
  local last
  sim:on("fault", function(ev) last = ev end)
  local a = p:mmap{ addr = 0x7e0000000000, len = "2M", prot = "rw-", flags = "private,anon,fixed" }
  p:madvise(a, "2M", "nohugepage")
  return {
    arch = arch, sim = sim, p = p, a = a,
    take = function(op, addr) last = nil; p[op](p, addr); return last end,
  }
end
local x86, arm = machine("x86_64"), machine("arm64")

local function bit(v, n) return (v >> n) & 1 end

local function show_x86(f)
  print(string.format("  x86_64  #PF error code 0x%x   P=%d W/R=%d U/S=%d RSVD=%d I/D=%d",
    f.code, bit(f.code, 0), bit(f.code, 1), bit(f.code, 2), bit(f.code, 3), bit(f.code, 4)))
  print("          \"" .. memsim.decode_pf(f.code) .. "\"")
  print("          " .. f.path:gsub(">", " > "))
end

local function esr_fields(esr)
  return { ec = (esr >> 26) & 0x3f, il = bit(esr, 25), iss = esr & 0x1ffffff,
           wnr = bit(esr, 6), fsc = esr & 0x3f }
end

local function show_arm(f)
  local e = esr_fields(f.code)
  print(string.format("  arm64   ESR_EL1 0x%x      EC=0x%02x IL=%d ISS=0x%06x (WnR=%d FSC=0x%02x)",
    f.code, e.ec, e.il, e.iss, e.wnr, e.fsc))
  print("          \"" .. memsim.decode_esr(f.code) .. "\"")
  print("          " .. f.path:gsub(">", " > "))
end

local function case(title, op, offset)
  print("\n" .. title)
  local fx = x86.take(op, x86.a + offset)
  local fa = arm.take(op, arm.a + offset)
  assert(fx and fa, title .. ": both machines must fault")
  show_x86(fx)
  show_arm(fa)
  return fx, fa, esr_fields(fa.code)
end

-- 1. the first write: nothing below the top-level table exists yet
local fx, fa, e = case("1. write to a page of the mapping, never touched", "write", 0)
check("abort-1.1", "x86 error code (user, write, not present)", fx.code, 0x6)
check("abort-1.2", "arm64 EC (data abort from EL0)", e.ec, 0x24)
check("abort-1.3", "arm64 WnR", e.wnr, 1)
check("abort-1.4", "arm64 FSC = translation fault at the level the walk stopped",
  e.fsc, 0x04 + fa.level)
check("abort-1.5", "arm64 entry", fa.path:match("^[^>]+>[^>]+"), "do_mem_abort>do_translation_fault")
check("abort-1.6", "x86 entry", fx.path:match("^[^>]+>[^>]+"), "exc_page_fault>do_user_addr_fault")
check("abort-1.7", "kind on both", fx.kind .. "/" .. fa.kind, "anon/anon")

-- 2. a read next door: the tables exist now, the walk stops at the PTE
fx, fa, e = case("2. read of the next page (tables exist, PTE empty)", "read", 4096)
check("abort-2.1", "x86 error code (user, read, not present)", fx.code, 0x4)
check("abort-2.2", "arm64 WnR", e.wnr, 0)
check("abort-2.3", "arm64 FSC (level 3 translation fault)", e.fsc, 0x07)
check("abort-2.4", "kind on both (zero page)", fx.kind .. "/" .. fa.kind, "zero/zero")

-- 3. write to a page made read-only: present, so a permission fault
x86.p:mprotect(x86.a, 4096, "r--")
arm.p:mprotect(arm.a, 4096, "r--")
fx, fa, e = case("3. write to a read-only page (mprotect r--)", "write", 0)
check("abort-3.1", "x86 error code (user, write, protection)", fx.code, 0x7)
check("abort-3.2", "arm64 FSC (level 3 permission fault)", e.fsc, 0x0f)
check("abort-3.3", "arm64 WnR", e.wnr, 1)
check("abort-3.4", "arm64 entry skips do_translation_fault",
  fa.path:match("^[^>]+>[^>]+"), "do_mem_abort>do_page_fault")
check("abort-3.5", "kind on both", fx.kind .. "/" .. fa.kind, "segv_accerr/segv_accerr")

-- 4. instruction fetch from a present page without exec permission
fx, fa, e = case("4. instruction fetch from a rw- page (NX / UXN)", "exec", 4096)
check("abort-4.1", "x86 error code (user, instruction fetch, protection)", fx.code, 0x15)
check("abort-4.2", "arm64 EC (instruction abort from EL0)", e.ec, 0x20)
check("abort-4.3", "arm64 FSC (level 3 permission fault)", e.fsc, 0x0f)

-- 5. below the entry code both run the same generic fault handler
local function generic(path) return path:match("(handle_mm_fault>.*)$") end
local gx = x86.sim:query("SELECT path FROM faults WHERE kind = 'anon'")[1].path
local ga = arm.sim:query("SELECT path FROM faults WHERE kind = 'anon'")[1].path
print("\n5. the shared part of the anon fault: " .. generic(gx):gsub(">", " > "))
check("abort-5.1", "generic part of the path", generic(gx), generic(ga))
check("abort-5.2", "SIGSEGV counted on both", x86.p:stats().segv + arm.p:stats().segv, 4)
print(string.format("\n%d checks passed", passed))

-- scenarios/malloc_brk.lua - the first seed story: malloc() grows the heap
-- with brk(); the kernel only moves the end of the heap VMA and hands out no
-- memory; the first touch of each page takes a page fault, and the fault
-- path ends in do_anonymous_page, which allocates one zeroed frame.
--
--   memsim run scenarios/malloc_brk.lua [-o OUT.db] [--set arch=arm64]
--
-- Test groups (R34):
--   brk-1.x  brk grows the heap VMA: no fault, no frame, rss unchanged
--   brk-2.x  the first write faults: do_anonymous_page, one data frame
--   brk-3.x  more bytes of the same page: no fault
--   brk-4.x  read first (zero page), then write (write-protect fault, copy)
--   brk-5.x  free() trims the heap: brk down unmaps and frees the frames
local sim = memsim.new{ ram = "64M" }
local p = sim:process{ name = "malloc" }
local passed = 0

local function check(id, what, got, want)
  if got ~= want then
    error(string.format("%s: %s: got %s, expected %s", id, what, tostring(got), tostring(want)), 2)
  end
  passed = passed + 1
end

local faults = {}
sim:on("fault", function(ev) faults[#faults + 1] = ev end)

local function frames() return sim:stats().free_pages end
local function hex(a) return memsim.hex(a) end

-- exec left the program break at the end of .bss; the first brk() of a
-- process records it as start_brk (what exec does in Linux).
local start = p:brk(0x555555559000)
print(string.format("heap start (start_brk)     %s", hex(start)))

-- malloc(1000) on an empty heap: glibc asks for the request plus
-- M_TOP_PAD (128 KiB), rounded to pages: sbrk(132 KiB).
local free0 = frames()
local brk1 = p:brk(start + 132 * 1024)
print(string.format("brk(%s)        heap is now [%s, %s): %d pages",
  hex(start + 132 * 1024), hex(start), hex(brk1), (brk1 - start) // 4096))
check("brk-1.1", "new break", brk1, start + 132 * 1024)
check("brk-1.2", "resident pages after brk", p:stats().rss, 0)
check("brk-1.3", "frames used by brk", free0 - frames(), 0)
check("brk-1.4", "faults taken by brk", #faults, 0)
print("  -> the VMA grew, but no page is mapped and no frame is used yet")

-- malloc writes the chunk header (size field) at the start of the heap
print("\nfirst touch: malloc writes the chunk header at " .. hex(start + 8))
p:write(start + 8, 8)
check("brk-2.1", "faults after the first write", #faults, 1)
local f = faults[1]
print(string.format("  page fault: %s access at %s, kind '%s', major %d, %d ns",
  f.access, hex(f.vaddr), f.kind, f.major, f.latency_ns))
if sim.arch == "x86_64" then
  print(string.format("  #PF error code 0x%x: %s", f.code, memsim.decode_pf(f.code)))
else
  print(string.format("  ESR_EL1 0x%x: %s", f.code, memsim.decode_esr(f.code)))
end
print("  the functions that handled it, in order (faults.path):")
for fn in f.path:gmatch("[^>]+") do print("    > " .. fn) end
local used = free0 - frames()
print(string.format("  frames used: %d (1 data page + %d page-table pages)", used, used - 1))
check("brk-2.2", "fault kind", f.kind, "anon")
check("brk-2.3", "access", f.access, "W")
check("brk-2.4", "last function", f.path:match("([^>]+)$"), "do_anonymous_page")
check("brk-2.5", "minflt", p:stats().minflt, 1)
check("brk-2.6", "resident pages", p:stats().rss, 1)
assert(used >= 1, "brk-2.7: the fault must use at least the data frame")

-- the rest of the 1000-byte chunk is in the same page
p:write(start + 16, 1000)
check("brk-3.1", "faults after writing the rest of the chunk", #faults, 1)
print("\nwriting the other 1000 bytes of the chunk: no fault (the PTE is present and writable)")

-- calloc-like: the next page is read first, then written
local page2 = start + 4096
p:read(page2, 8)
p:write(page2, 8)
local r, w = faults[2], faults[3]
print(string.format("\nread then write %s:", hex(page2)))
print(string.format("  read  -> kind '%s' (the shared zero page is mapped read-only, no frame)", r.kind))
print(string.format("  write -> kind '%s' via %s", w.kind, w.path:match("([^>]+>[^>]+)$")))
check("brk-4.1", "read fault kind", r.kind, "zero")
check("brk-4.2", "write fault kind", w.kind, "cow")
check("brk-4.3", "write path", w.path:match("([^>]+)$"), "wp_page_copy")
check("brk-4.4", "resident pages", p:stats().rss, 2)

-- free() of everything: glibc trims the top of the heap with a negative sbrk
local before = frames()
local brk2 = p:brk(start)
print(string.format("\nfree(): brk(%s) trims the heap; %d frames come back",
  hex(start), frames() - before))
check("brk-5.1", "break after the trim", brk2, start)
check("brk-5.2", "resident pages after the trim", p:stats().rss, 0)
check("brk-5.3", "data frames freed", frames() - before, 2)

print("\nfaults by kind (from the database):")
for _, row in ipairs(sim:query("SELECT kind, count(*) AS n FROM faults GROUP BY kind ORDER BY min(seq)")) do
  print(string.format("  %-6s %d", row.kind, row.n))
end
local brks = sim:query("SELECT count(*) AS n FROM events WHERE type = 'brk'")[1].n
check("brk-5.4", "brk events recorded", brks, 3)
print(string.format("\n%d checks passed", passed))

-- scenarios/file_faultaround.lua - file mappings: page-cache pages mapped by
-- fault-around, minor vs major faults, and what a write does afterwards.
--
-- A read fault on a file mapping (do_read_fault) first calls
-- do_fault_around, which maps every page of the 64 KiB window around the
-- fault (16 PTEs, aligned in virtual address, clipped to the VMA) that is
-- already in the page cache: one fault maps 16 pages.  A page that is not
-- in the cache needs I/O: filemap_fault starts readahead and the fault is
-- major.  Writes get no fault-around: a private mapping copies the page
-- (do_cow_fault / wp_page_copy); a shared tmpfs/memfd mapping is writable
-- at once; a shared ext4 mapping faults once per page for page_mkwrite.
-- Counts as measured on Linux 6.18 (reference/oracle-cases.md, case 5).
--
--   memsim run scenarios/file_faultaround.lua [--set arch=arm64]
--
-- Test groups (R34):
--   fa-1.x  cached file, private, read 256 pages: 16 faults, 16 PTEs each
--   fa-2.x  a VMA not 64K-aligned: the windows are aligned in virtual
--           address, so one more fault
--   fa-3.x  mm.fault_around_bytes = 4K: one fault per page
--   fa-4.x  write after read: private -> 256 COW faults; shared memfd -> 0;
--           shared ext4 -> 256 page_mkwrite faults
--   fa-5.x  not cached: major faults (I/O), readahead brings neighbours in
local passed = 0
local function check(id, what, got, want)
  if got ~= want then
    error(string.format("%s: %s: got %s, expected %s", id, what, tostring(got), tostring(want)), 2)
  end
  passed = passed + 1
end

local ADDR = 0x7d0000000000 -- 2 MiB aligned
local MB = 1024 * 1024

-- One machine with one file mapped; returns a table with the helpers.
local function setup(file, map, cfg)
  cfg = cfg or {}
  cfg.ram = "64M"
  local sim = memsim.new(cfg)
  local p = sim:process{ name = "reader" }
  file.name, file.size = "data.bin", file.size or "1M"
  sim:file(file)
  local a = p:mmap{ addr = map.addr or ADDR, len = file.size, prot = map.prot or "rw-",
                    flags = map.flags .. ",fixed", file = "data.bin" }
  local t = { sim = sim, p = p, a = a, len = memsim.size(file.size) }
  function t.phase(op)
    local b = p:stats()
    p[op](p, a, t.len)
    local s = p:stats()
    return s.minflt - b.minflt, s.majflt - b.majflt
  end
  function t.kinds()
    local k = {}
    for _, r in ipairs(sim:query("SELECT kind, sum(major) AS major, count(*) AS n FROM faults " ..
                                 "GROUP BY kind ORDER BY min(seq)")) do
      k[#k + 1] = string.format("%s %d%s", r.kind, r.n, r.major > 0 and (" (" .. r.major .. " major)") or "")
      k[r.kind] = r.n
    end
    return k
  end
  return t
end

print("1. a 1 MiB library in the page cache, mapped private, every page read once")
local t = setup({ cached = true }, { flags = "private", prot = "r-x" })
local minflt, majflt = t.phase("read")
local k = t.kinds()
print(string.format("   %d minor, %d major faults for 256 pages; rss %d pages", minflt, majflt, t.p:stats().rss))
local first = t.sim:query("SELECT vaddr, path FROM faults ORDER BY seq LIMIT 2")
print("   path: " .. first[1].path:gsub(">", " > "))
print(string.format("   the second fault is at page %d: the first one mapped pages 0..15",
  (first[2].vaddr - t.a) // 4096))
check("fa-1.1", "minor faults", minflt, 16)
check("fa-1.2", "major faults", majflt, 0)
check("fa-1.3", "resident pages", t.p:stats().rss, 256)
check("fa-1.4", "second fault", (first[2].vaddr - t.a) // 4096, 16)
check("fa-1.5", "handler", first[1].path:match("(do_fault_around>[^>]+)$"), "do_fault_around>filemap_map_pages")
check("fa-1.6", "kind", k.file, 16)
t.sim:close()

print("\n2. the same, mapped at a 2M + 60K address")
t = setup({ cached = true }, { flags = "private", prot = "r-x", addr = ADDR + 60 * 1024 })
minflt = t.phase("read")
print(string.format("   %d faults: the VMA starts 15 pages into a 64K window, so the windows no" ..
  " longer line up with it", minflt))
check("fa-2.1", "minor faults", minflt, 17)
t.sim:close()

print("\n3. fault-around off (mm.fault_around_bytes = 4K)")
t = setup({ cached = true }, { flags = "private", prot = "r-x" }, { mm = { fault_around_bytes = "4K" } })
minflt = t.phase("read")
print(string.format("   %d faults: one per page", minflt))
check("fa-3.1", "minor faults", minflt, 256)
t.sim:close()

print("\n4. write after read")
t = setup({ cached = true }, { flags = "private" })
t.phase("read")
minflt = t.phase("write")
local again = t.phase("read")
print(string.format("   private:      %3d faults (%s)", minflt, t.kinds()[2]))
check("fa-4.1", "private write faults (fault-around PTEs are read-only)", minflt, 256)
check("fa-4.2", "kind", t.kinds().file_cow, 256)
check("fa-4.3", "reread", again, 0)
t.sim:close()
t = setup({ cached = true, shmem = true }, { flags = "shared" })
t.phase("read")
minflt = t.phase("write")
print(string.format("   shared memfd: %3d faults (no write-notify: the PTEs were mapped writable)", minflt))
check("fa-4.4", "shared memfd write faults", minflt, 0)
t.sim:close()
t = setup({ cached = true }, { flags = "shared" })
t.phase("read")
minflt = t.phase("write")
print(string.format("   shared ext4:  %3d faults (%s: page_mkwrite, dirty tracking)", minflt, t.kinds()[2]))
check("fa-4.5", "shared ext4 write faults", minflt, 256)
check("fa-4.6", "kind", t.kinds().shared, 256)
check("fa-4.7", "rewrite", t.phase("write"), 0)
t.sim:close()

print("\n5. files not in the page cache: major faults")
t = setup({ cached = false, size = "4K" }, { flags = "private", prot = "r--" })
minflt, majflt = t.phase("read")
local lat = t.sim:query("SELECT latency_ns, path FROM faults")[1]
print(string.format("   one page:  %d minor, %d major, %d us", minflt, majflt, lat.latency_ns // 1000))
print("   path: " .. lat.path:gsub(">", " > "))
check("fa-5.1", "one-page file: minor", minflt, 0)
check("fa-5.2", "one-page file: major (VM_FAULT_RETRY, counted once)", majflt, 1)
check("fa-5.3", "reread", select(2, t.phase("read")), 0)
local io = tonumber(t.sim:config("cost.io_read_ns"))
assert(lat.latency_ns >= io, "fa-5.4: a major fault waits for the read")
passed = passed + 1
t.sim:close()

t = setup({ cached = false }, { flags = "private", prot = "r--" })
minflt, majflt = t.phase("read")
print(string.format("   256 pages: %d minor, %d major: readahead reads neighbours, so later faults" ..
  " find them cached", minflt, majflt))
local f1 = t.sim:query("SELECT major FROM faults ORDER BY seq LIMIT 1")[1].major
check("fa-5.5", "the first fault is major", f1, 1)
-- the faults that find a PG_readahead page start the next window
-- asynchronously: they drop the per-VMA lock and retry, but without
-- VM_FAULT_MAJOR, so the retry is a first try and counts as minor
check("fa-5.6", "readahead: only the first fault is major", majflt, 1)
check("fa-5.7", "every page resident after the read", t.p:stats().rss, 256)
print(string.format("   simulated time %.2f ms (%.1f ms of it waiting for I/O)", t.sim:now() / 1e6,
  t.sim:query("SELECT sum(latency_ns) AS l FROM faults WHERE major = 1")[1].l / 1e6))
print(string.format("\n%d checks passed", passed))

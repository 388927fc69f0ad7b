-- scenarios/fork_cow.lua - fork() and copy-on-write.  fork copies the
-- parent's page tables (dup_mmap > copy_page_range) instead of its memory,
-- and write-protects every private anonymous PTE in both processes.  The
-- first write to such a page on either side takes a write-protect fault
-- (do_wp_page): it copies the page (wp_page_copy) while the page is shared,
-- or reuses it (wp_page_reuse) once this process is its only user.  Reads
-- never fault.  The counts are the ones measured on Linux 6.18
-- (reference/oracle-cases.md, cases 4: fork_cow and fork_cow_alive).
--
--   memsim run scenarios/fork_cow.lua [--set arch=arm64] [-- N]
--
-- Test groups (R34):
--   cow-1.x  parent writes N pages: N anonymous faults
--   cow-2.x  fork; the child reads: no fault (PTEs copied, write-protected)
--   cow-3.x  the child writes: N COW copies; rewrite: none
--   cow-4.x  the child exits; the parent writes: N reuse faults, no copy
--   cow-5.x  fork again; the parent writes first (copies), then the child (reuses)
--   cow-6.x  the same story in the database: faults per phase, by kind
local N = tonumber(arg and arg[1]) or 100
local sim = memsim.new{ ram = "256M" }
local parent = sim:process{ name = "parent" }
local passed = 0
local function check(id, what, got, want)
  if got ~= want then
    error(string.format("%s: %s: got %s, expected %s", id, what, tostring(got), tostring(want)), 2)
  end
  passed = passed + 1
end

local len = N * 4096
local a = parent:mmap{ addr = 0x7e0000000000, len = len, flags = "private,anon,fixed" }
parent:madvise(a, len, "nohugepage")

-- Faults of one phase, by kind, with the syndrome of the first one.
local cur
sim:on("fault", function(ev)
  cur.n = cur.n + 1
  cur[ev.kind] = (cur[ev.kind] or 0) + 1
  cur.code = cur.code or ev.code
  cur.path = cur.path or ev.path
end)
local function phase(label, fn)
  sim:mark(label)
  cur = { n = 0 }
  fn()
  local kinds = {}
  for k, v in pairs(cur) do
    if type(v) == "number" and k ~= "n" and k ~= "code" then kinds[#kinds + 1] = k .. " " .. v end
  end
  table.sort(kinds)
  print(string.format("%-28s %5d faults  %s", label, cur.n, table.concat(kinds, ", ")))
  return cur
end

local r = phase("parent write", function() parent:write(a, len) end)
check("cow-1.1", "parent write faults", r.n, N)
check("cow-1.2", "all anonymous", r.anon, N)

local child
r = phase("fork", function() child = parent:fork() end)
check("cow-2.1", "faults during fork", r.n, 0)
r = phase("child read", function() child:read(a, len) end)
check("cow-2.2", "child read faults (PTEs were copied)", r.n, 0)
check("cow-2.3", "pages the child maps after fork", child:stats().rss, N)

r = phase("child write", function() child:write(a, len) end)
check("cow-3.1", "child write faults", r.n, N)
check("cow-3.2", "copies", r.cow, N)
check("cow-3.3", "handler", r.path:match("([^>]+>[^>]+)$"), "do_wp_page>wp_page_copy")
if sim.arch == "x86_64" then
  check("cow-3.4", "#PF code: the PTE is present but read-only", r.code, 0x7)
  print("    #PF 0x7 = " .. memsim.decode_pf(r.code) .. ": fork left the PTE write-protected")
end
r = phase("child rewrite", function() child:write(a, len) end)
check("cow-3.5", "child rewrite faults", r.n, 0)

r = phase("child exit", function() child:exit() end)
r = phase("parent write after exit", function() parent:write(a, len) end)
check("cow-4.1", "parent faults: its PTEs stayed write-protected", r.n, N)
check("cow-4.2", "all reused (refcount 1), none copied", r.reuse, N)
r = phase("parent rewrite", function() parent:write(a, len) end)
check("cow-4.3", "parent rewrite faults", r.n, 0)
local ps = parent:stats()
check("cow-4.4", "parent cow_copies", ps.cow_copies, 0)
check("cow-4.5", "parent cow_reuses", ps.cow_reuses, N)
check("cow-4.6", "child cow_copies", child:stats().cow_copies, N)

-- fork_cow_alive: this time the parent writes while the child lives
local child2
phase("fork again", function() child2 = parent:fork() end)
r = phase("parent write, child alive", function() parent:write(a, len) end)
check("cow-5.1", "parent copies while the page is shared", r.cow, N)
r = phase("child2 write", function() child2:write(a, len) end)
check("cow-5.2", "child2 reuses the page the parent left it", r.reuse, N)
check("cow-5.3", "child2 copies", r.cow, nil)
child2:exit()

-- The database has every fault; each mark opens a phase.
print("\nfaults per phase, from the database:")
local rows = sim:query([[
  SELECT (SELECT label FROM events m WHERE m.type = 'mark' AND m.seq < f.seq
          ORDER BY m.seq DESC LIMIT 1) AS phase,
         f.kind, count(*) AS n
  FROM faults f GROUP BY phase, f.kind ORDER BY min(f.seq)]])
for _, row in ipairs(rows) do print(string.format("  %-28s %-6s %d", row.phase, row.kind, row.n)) end
check("cow-6.1", "phase/kind groups", #rows, 5)
local total = sim:query("SELECT count(*) AS n FROM faults WHERE kind IN ('cow', 'reuse')")[1].n
check("cow-6.2", "write-protect faults in the database", total, 4 * N)
print(string.format("\n%d checks passed (N = %d)", passed, N))

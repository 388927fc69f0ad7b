-- scenarios/tlb_sweep.lua - one trace, many TLBs: replay a real program's
-- memory accesses (valgrind lackey output of `ls /`) in TLB-only mode
-- (identity translation, no page faults: DESIGN 5b) through L1 data TLBs
-- and unified L2 TLBs of several sizes, and print the miss rates.  Each
-- configuration is one simulation, one run in the database.
--
--   memsim run scenarios/tlb_sweep.lua [-o sweep.db] [-- TRACE]
--
-- label: medium
--
-- Test groups (R34):
--   tlb-1.x  every configuration replays the whole trace; each L1 miss
--            looks up the L2 exactly once; in tlb mode walks = L2 misses
--   tlb-2.x  the L1 does not depend on the L2 (neither is inclusive)
--   tlb-3.x  LRU is a stack algorithm: a bigger fully associative L2
--            never misses more
--            and a big one misses only on the first touch of each page
--   tlb-4.x  the runs in the database agree with sim:stats()
local here = (arg and arg[0] or ""):match("^(.*)/[^/]*$") or "."
local trace = arg and arg[1] or (here .. "/../traces/lackey/ls_root.lackey.gz")
local passed = 0
local function check(id, what, got, want)
  if got ~= want then
    error(string.format("%s: %s: got %s, expected %s", id, what, tostring(got), tostring(want)), 2)
  end
  passed = passed + 1
end

local l1ds = { "16:4", "32:4", "64:4" }
local l2s = { "16:0", "32:0", "64:0", "128:0", "1536:12" }
local results, first_run = {}, nil

print("trace: " .. trace:match("[^/]+$"))
print(string.format("%-8s %-8s %10s %9s %10s %9s %8s", "L1d", "L2", "L1d miss", "rate", "L2 miss", "rate", "walks"))
for _, l1d in ipairs(l1ds) do
  for _, l2 in ipairs(l2s) do
    local sim <close> = memsim.new{ mode = "tlb", tlb = { l1d = l1d, l2 = l2 },
                                    source = string.format("tlb_sweep l1d=%s l2=%s", l1d, l2) }
    sim:replay(trace)
    local s = sim:stats()
    first_run = first_run or sim.run_id
    local r = { l1d = l1d, l2 = l2, s = s, run = sim.run_id }
    results[#results + 1] = r
    print(string.format("%-8s %-8s %10d %8.3f%% %10d %8.2f%% %8d", l1d, l2,
      s.tlb.l1d.misses, 100 * s.tlb.l1d.miss_rate, s.tlb.l2.misses, 100 * s.tlb.l2.miss_rate, s.walks))
    check("tlb-1.2", "L2 lookups = L1 misses",
      s.tlb.l2.hits + s.tlb.l2.misses, s.tlb.l1d.misses + s.tlb.l1i.misses)
    check("tlb-1.3", "walks = L2 misses", s.walks, s.tlb.l2.misses)
  end
end

local acc = results[1].s.accesses
assert(acc > 0, "tlb-1.1: the trace has accesses")
for _, r in ipairs(results) do
  check("tlb-1.1", "accesses of every run", r.s.accesses, acc)
end
for i, r in ipairs(results) do
  local same = results[(i - 1) // #l2s * #l2s + 1]
  check("tlb-2.1", "L1d misses do not depend on the L2 (" .. r.l1d .. ")",
    r.s.tlb.l1d.misses, same.s.tlb.l1d.misses)
  if i % #l2s ~= 1 and r.l2:match(":0$") then
    local prev = results[i - 1].s.tlb.l2.misses
    assert(r.s.tlb.l2.misses <= prev, string.format(
      "tlb-3.1: fully associative L2 %s misses %d > %d of the smaller one", r.l2, r.s.tlb.l2.misses, prev))
    passed = passed + 1
  end
end

-- The floor: the first touch of each page misses in every TLB (compulsory).
local floor = math.huge
for _, r in ipairs(results) do floor = math.min(floor, r.s.tlb.l2.misses) end
print(string.format("\nL2 misses never go below %d: the pages the trace touches (compulsory misses)", floor))
for i, r in ipairs(results) do
  if r.l2 == "1536:12" then check("tlb-3.2", "a 1536-entry L2 misses only compulsory", r.s.tlb.l2.misses, floor) end
end

-- All runs are in the database now (each sim closed at the end of its loop
-- body: <close>); `main.` reaches every run, not only the current one.
local db <close> = memsim.new{ mode = "tlb", source = "tlb_sweep summary" }
if db.db then
  local rows = db:query([[
    SELECT r.run_id, r.source, c.value AS l2_misses
    FROM main.runs r JOIN main.counters c ON c.run_id = r.run_id
    WHERE r.run_id >= ? AND r.run_id < ? AND c.pid = 0 AND c.name = 'tlb.l2.misses'
    ORDER BY r.run_id]], first_run, db.run_id)
  check("tlb-4.1", "runs in the database", #rows, #results)
  for i, row in ipairs(rows) do
    check("tlb-4.2", "L2 misses of run " .. row.run_id, row.l2_misses, results[i].s.tlb.l2.misses)
  end
  local best = db:query([[
    SELECT r.source, c.value AS walks FROM main.runs r JOIN main.counters c USING (run_id)
    WHERE r.run_id >= ? AND r.run_id < ? AND c.pid = 0 AND c.name = 'walks'
    ORDER BY c.value, r.run_id LIMIT 1]], first_run, db.run_id)[1]
  print(string.format("fewest page walks: %s (%d)", best.source, best.walks))
end
print(string.format("\n%d checks passed (%d accesses per run)", passed, acc))

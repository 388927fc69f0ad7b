-- tests/lua/api_query.lua - sim:query: rows as tables, value types, bound
-- parameters, errors, and the scope of a query (only this simulation's
-- run; `main.` reaches every run), plus what the runs and counters rows
-- hold once a simulation is closed.  Uses the runner's database (-o).
--
-- Test groups: query-1.x rows and types; query-2.x parameters;
-- query-3.x errors; query-4.x one run per simulation; query-5.x runs and
-- counters rows.
local t = require "t"

local s1 = memsim.new{ ram = "64M", source = "query-test one" }
local p = s1:process{}
local a = p:mmap{ len = "40K" }
p:write(a, "40K")
s1:mark("phase one")

-- query-1: rows and types
local rows = s1:query("SELECT 1 AS i, 2.5 AS r, 'x' AS s, NULL AS n, x'41' AS b")
t.eq("query-1.1", #rows, 1)
t.eq("query-1.2", math.type(rows[1].i), "integer")
t.eq("query-1.3", rows[1].r, 2.5)
t.eq("query-1.4", rows[1].s, "x")
t.eq("query-1.5", rows[1].n, nil)
t.eq("query-1.6", rows[1].b, "A")
rows = s1:query("SELECT kind, count(*) AS n FROM faults GROUP BY kind")
t.eq("query-1.7", #rows, 1)
t.eq("query-1.8", rows[1].kind .. rows[1].n, "anon10")
t.eq("query-1.9", #s1:query("SELECT * FROM faults WHERE 0"), 0)
rows = s1:query("SELECT 1 AS a; SELECT 2 AS a") -- several statements: all rows
t.eq("query-1.10", #rows, 2)

-- query-2: parameters
t.eq("query-2.1", s1:query("SELECT ? + ? AS v", 40, 2)[1].v, 42)
t.eq("query-2.2", s1:query("SELECT ? AS v", "text")[1].v, "text")
t.eq("query-2.3", s1:query("SELECT ? IS NULL AS v", nil)[1].v, 1)
t.eq("query-2.4", s1:query("SELECT ? AS v", true)[1].v, 1)
t.eq("query-2.5", s1:query("SELECT ? * 2 AS v", 1.25)[1].v, 2.5)
t.eq("query-2.6", #s1:query("SELECT * FROM events WHERE type = ? AND label = ?", "mark", "phase one"), 1)
t.eq("query-2.7", s1:query("SELECT count(*) AS n FROM faults WHERE vaddr >= ? AND vaddr < ?",
  a, a + 4096 * 5)[1].n, 5)
t.eq("query-2.8", s1:query("SELECT length(?) AS n", "")[1].n, 0)

-- query-3: errors
t.raises("query-3.1", "syntax error", s1.query, s1, "SELEC 1")
t.raises("query-3.2", "no such table: nope", s1.query, s1, "SELECT * FROM nope")
t.raises("query-3.3", "the SQL takes 2 parameters, 1 given", s1.query, s1, "SELECT ?, ?", 1)
t.raises("query-3.4", "string expected", s1.query, s1)
local ok = pcall(s1.query, s1, "SELEC 1")
t.eq("query-3.5", ok, false)
t.eq("query-3.6", s1:query("SELECT 7 AS v")[1].v, 7) -- still usable afterwards
t.raises("query-3.7", "no database", memsim.new{ db = false }.query, memsim.new{ db = false }, "SELECT 1")

-- query-4: two simulations in one database; each query sees its own run
local s2 = memsim.new{ ram = "64M", source = "query-test two" }
t.eq("query-4.1", s1.db, s2.db)
t.ok("query-4.2", s2.run_id > s1.run_id)
local q = s2:process{}
local b = q:mmap{ len = "12K" }
q:write(b, "12K")
t.eq("query-4.3", s2:query("SELECT count(*) AS n FROM faults")[1].n, 3)
t.eq("query-4.4", s1:query("SELECT count(*) AS n FROM faults")[1].n, 10)
t.eq("query-4.5", s2:query("SELECT count(*) AS n FROM main.faults WHERE run_id IN (?, ?)",
  s1.run_id, s2.run_id)[1].n, 13)
t.eq("query-4.6", #s2:query("SELECT * FROM runs"), 1)
t.eq("query-4.7", s2:query("SELECT source FROM runs")[1].source, "query-test two")
t.eq("query-4.8", s2:query("SELECT status FROM runs")[1].status, "interrupted") -- until it ends

-- query-5: closing writes the counters and the final status
local id1 = s1.run_id
s1:close()
rows = s2:query("SELECT status, arch, config_json, memsim_version, finished_at FROM main.runs WHERE run_id = ?", id1)
t.eq("query-5.1", rows[1].status, "complete")
t.eq("query-5.2", rows[1].arch, "x86_64")
t.ok("query-5.3", rows[1].config_json:find('"ram":"67108864"', 1, true))
t.eq("query-5.4", rows[1].memsim_version, memsim.version)
t.ok("query-5.5", rows[1].finished_at ~= nil)
local c = {}
for _, r in ipairs(s2:query("SELECT pid, name, value FROM main.counters WHERE run_id = ?", id1)) do
  c[r.pid .. " " .. r.name] = r.value
end
t.eq("query-5.6", c["0 minflt"], 10)
t.eq("query-5.7", c["1 minflt"], 10)
t.eq("query-5.8", c["0 accesses"], 10)
t.ok("query-5.9", c["0 tlb.l1d.misses"] ~= nil and c["0 rss_peak_pages"] ~= nil)
t.raises("query-5.10", "simulation is closed", s1.query, s1, "SELECT 1")
-- a to-be-closed simulation closed by an error ends 'failed'
local id3
pcall(function()
  local s3 <close> = memsim.new{ ram = "64M" }
  id3 = s3.run_id
  error("boom")
end)
t.eq("query-5.11", s2:query("SELECT status FROM main.runs WHERE run_id = ?", id3)[1].status, "failed")
-- in-memory databases work too
local m = memsim.new{ db = ":memory:", ram = "64M" }
m:mark("x")
t.eq("query-5.12", #m:query("SELECT * FROM events"), 1)
t.done()

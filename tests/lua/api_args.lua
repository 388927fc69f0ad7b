-- tests/lua/api_args.lua - argument checking of every binding: a wrong type,
-- a bad size, a bad name or an exited process is a Lua error naming the
-- argument (never a crash), and a system call that fails as Linux's would
-- returns nil, ERRNAME, errno.
--
-- Test groups: args-1.x memsim.new; args-2.x sizes and addresses;
-- args-3.x process operations; args-4.x life cycle; args-5.x errno results;
-- args-6.x module helpers; args-7.x unknown fields of every options table;
-- args-8.x messages name the function, the argument and the value.
local t = require "t"

-- args-1: memsim.new
t.raises("args-1.1", "table expected", memsim.new, 5)
t.raises("args-1.2", "unknown config key 'tlb.l3'", memsim.new, { tlb = { l3 = "1:1" } })
t.raises("args-1.3", "unknown config key 'bogus'", memsim.new, { bogus = true })
t.raises("args-1.4", "bad value for thp: 'sometimes'", memsim.new, { thp = "sometimes" })
t.raises("args-1.5", "config keys must be strings", memsim.new, { "x86_64" })
t.raises("args-1.6", "expected a string, number, boolean or table", memsim.new, { arch = print })
t.raises("args-1.7", "field 'db': expected a file name or false", memsim.new, { db = 5 })
t.raises("args-1.8", "given twice", memsim.new, { tlb = { l2 = "64:4" }, ["tlb.l2"] = "64:4" })
t.raises("args-1.9", "size overflows", memsim.new, { ram = "99999999999999999999G" })
t.raises("args-1.10", "bad value for paging.va_bits", memsim.new,
  { arch = "arm64", paging = { granule = "64K", va_bits = 39 } })

local sim = memsim.new{ db = false, ram = "64M" }
local p = sim:process{ name = "args" }

-- args-2: sizes and addresses
t.raises("args-2.1", "bad argument #1 to 'write' (bad address 'x'", function() p:write("x") end)
t.raises("args-2.2", "bad argument #2 to 'write' (bad size '12Q'", function() p:write(0x1000, "12Q") end)
t.raises("args-2.3", "size must not be negative", p.write, p, 0x1000, -1)
t.raises("args-2.4", "size must be a whole number of bytes", p.write, p, 0x1000, 1.5)
t.raises("args-2.5", "overflows", p.write, p, 0x1000, "99999999999999999999999")
t.raises("args-2.6", "address must not be negative", p.read, p, -4096)
t.raises("args-2.7", "got table", p.read, p, 0x1000, {})
t.eq("args-2.8", memsim.size("100p"), 409600)
t.eq("args-2.9", memsim.size("2M"), 2097152)
t.eq("args-2.10", memsim.size(4096.0), 4096)
local a = p:mmap{ len = "2M" }
t.ok("args-2.11", math.type(a) == "integer" and a > 0, "mmap returns an integer address")
p:write(string.format("0x%x", a), "1p") -- addresses may be numeric strings
t.eq("args-2.12", p:stats().minflt, 1)

-- args-3: process operations
t.raises("args-3.1", "field 'len' is required", p.mmap, p, {})
t.raises("args-3.2", "table expected", p.mmap, p, 4096)
t.raises("args-3.3", "unknown flag 'bogus'", p.mmap, p, { len = 4096, flags = "private,bogus" })
t.raises("args-3.4", "exactly one of private or shared", p.mmap, p, { len = 4096, flags = "anon" })
t.raises("args-3.5", "bad prot 'rwz'", p.mmap, p, { len = 4096, prot = "rwz" })
t.raises("args-3.6", "'anon' with a file", p.mmap, p, { len = 4096, file = "f", flags = "private,anon" })
t.raises("args-3.7", "unknown file 'nofile'", p.mmap, p, { len = 4096, file = "nofile" })
t.raises("args-3.8", "unknown advice 'sometimes'", p.madvise, p, a, 4096, "sometimes")
t.raises("args-3.9", "must be in -1000..1000, got 1001", p.oom_score_adj, p, 1001)
t.raises("args-3.10", "kind: expected one of R, W, X, r, w, x, read, write, exec; got 'Q'",
  p.access, p, "Q", a)
t.raises("args-3.11", "bad prot", p.mprotect, p, a, 4096, "rw")
t.raises("args-3.12", "time must be a non-negative number", p.sleep, p, -5)
t.raises("args-3.13", "bad time '5 parsecs'", p.sleep, p, "5 parsecs")
t.raises("args-3.14", "field 'name': expected a string", sim.file, sim, { size = 4096 })
t.raises("args-3.15", "field 'size' is required", sim.file, sim, { name = "f" })
t.raises("args-3.16", "pid 1 exists already", sim.process, sim, { pid = 1 })
t.raises("args-3.17", "field 'pid'", sim.process, sim, { pid = "x" })
t.raises("args-3.18", "function expected", sim.at, sim, 10, "not a function")
t.raises("args-3.19", "period must be positive", sim.every, sim, 0, function() end)
t.raises("args-3.20", "unknown event type 'page_fault'", sim.on, sim, "page_fault", print)
t.raises("args-3.21", "function expected", sim.spawn, sim, { name = "x" }, 42)
t.raises("args-3.22", "SQL parameter must be", sim.query, sim, "SELECT ?", {})
t.raises("args-3.23", "memsim.Process expected", p.write, sim, 0)
t.raises("args-3.24", "memsim.Sim expected", sim.run, p)
t.raises("args-3.25", "trace file name expected", sim.replay, sim)

-- args-4: life cycle
local c = p:fork()
t.eq("args-4.1", c.name, "args")
t.ok("args-4.2", c.pid ~= p.pid and c.alive)
t.eq("args-4.3", sim:find(c.pid), c)
t.eq("args-4.4", sim:find(9999), nil)
c:exit()
t.eq("args-4.5", c.alive, false)
t.raises("args-4.6", "write: process " .. c.pid .. " has exited", c.write, c, a)
t.raises("args-4.7", "exit: process " .. c.pid .. " has exited", c.exit, c)
t.eq("args-4.8", c:stats().minflt, 0) -- counters stay readable
t.eq("args-4.9", c.sim, sim)
t.ok("args-4.10", tostring(c):find("exited", 1, true))
do
  local s2 <close> = memsim.new{ db = false }
  local q = s2:process{}
  s2:close()
  t.raises("args-4.11", "write: simulation is closed", q.write, q, 0)
  t.raises("args-4.12", "sim:process: simulation is closed", s2.process, s2)
  t.eq("args-4.13", s2.closed, true)
  s2:close() -- idempotent
end
do
  local q <close> = sim:process{ name = "tbc" }
  q:mmap{ len = 4096 }
  CLOSED = q
end
t.eq("args-4.14", CLOSED.alive, false) -- a to-be-closed process exits

-- args-5: errno results
local r, name, no = p:mmap{ addr = 0x1000, len = 4096, flags = "private,anon,fixed" }
t.eq("args-5.1", r, nil)
t.eq("args-5.2", name, "EPERM") -- below vm.mmap_min_addr
t.eq("args-5.3", no, 1)
r, name, no = p:munmap(a + 1, 4096)
t.eq("args-5.4", name .. " " .. no, "EINVAL 22")
t.eq("args-5.5", p:munmap(a, 4096), true)
r, name = p:mmap{ len = "900G" }
t.eq("args-5.6", name, "ENOMEM")

-- args-6: module helpers
t.eq("args-6.1", memsim.hex(255), "0xff")
t.eq("args-6.2", memsim.decode_pf(0x6), "user write, page not present")
t.ok("args-6.3", memsim.decode_esr(0x92000047):find("level 3 translation fault", 1, true))
t.raises("args-6.4", "number expected", memsim.decode_esr, "x")
t.ok("args-6.5", #memsim.keys() > 20 and memsim.keys()[1].name == "arch")
t.ok("args-6.6", type(memsim.version) == "string")
t.ok("args-6.7", tostring(sim):match("^memsim%.Sim%(x86_64, full"))
t.eq("args-6.8", sim:config("ram"), tostring(64 * 1024 * 1024))
t.raises("args-6.9", "unknown config key 'nope'", sim.config, sim, "nope")

-- args-7: a misspelt field of an options table is an error naming the
-- function, the field and the fields there are (never silently ignored)
t.raises("args-7.1", "mmap: unknown field 'lenght' (expected addr, len, prot, flags, file, offset)",
  p.mmap, p, { len = 4096, lenght = 8192 })
t.raises("args-7.2", "mmap: unknown field 'flag'", p.mmap, p, { len = 4096, flag = "shared,anon" })
t.raises("args-7.3", "mmap: unknown field [1]", p.mmap, p, { "4K" })
t.raises("args-7.4", "sim:process: unknown field 'nmae' (expected name, pid)",
  sim.process, sim, { nmae = "typo" })
t.raises("args-7.5", "sim:file: unknown field 'cahced' (expected name, size, cached, shmem)",
  sim.file, sim, { name = "f", size = 4096, cahced = true })
t.raises("args-7.6", "sim:spawn: unknown field 'nmae' (expected name, pid, at)",
  sim.spawn, sim, { nmae = "typo" }, function() end)
t.raises("args-7.7", "memsim.new: unknown config key 'rma'", memsim.new, { rma = "64M" })
t.raises("args-7.8", "field 'cached': expected a boolean, got string",
  sim.file, sim, { name = "f", size = 4096, cached = "yes" })
local nproc = 0
for pid = 1, 100 do if sim:find(pid) then nproc = nproc + 1 end end
t.eq("args-7.9", nproc, 3) -- no process was made by a refused call (p, c, tbc)

-- args-8: messages
t.raises("args-8.1", "memsim.new: bad value for thp: true (a boolean; expected one of always, "
  .. "madvise, never)", memsim.new, { db = false, thp = true })
t.raises("args-8.2", "bad value for vm.swappiness: false (a boolean; expected a decimal number "
  .. "in 0..200)", memsim.new, { db = false, vm = { swappiness = false } })
t.raises("args-8.3", "bad value for output.sample_ns: '1 fortnight' (expected a time",
  memsim.new, { db = false, output = { sample_ns = "1 fortnight" } })
t.raises("args-8.4", "bad value for cost.fault_ns: '5s' (must be in 0..4294967295 ns)",
  memsim.new, { db = false, cost = { fault_ns = "5s" } })
local mem = memsim.new{ db = ":memory:" }
t.raises("args-8.5", "sim:query: the SQL takes 1 parameter, 2 given", mem.query, mem, "SELECT ? AS x", 1, 2)
t.raises("args-8.6", "sim:query: the SQL takes 2 parameters, 1 given", mem.query, mem, "SELECT ?1 + ?2 AS x", 1)
t.raises("args-8.7", "got number", p.access, p, 1, a)
do
  local s3 = memsim.new{ db = false }
  s3:close()
  for _, m in ipairs{ "query", "run", "replay", "at", "every", "on", "off", "spawn", "mark",
                      "stats", "now", "config", "file", "find", "process", "stop" } do
    t.raises("args-8.8 " .. m, "sim:" .. m .. ": simulation is closed", s3[m], s3, "x", "y")
  end
end
t.done()

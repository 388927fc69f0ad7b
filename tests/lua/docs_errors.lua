-- tests/lua/docs_errors.lua - the documented error behaviours, checked
-- from the documentation alone (an outside review): each misuse raises an
-- error whose message names what is wrong; a system call that fails as
-- Linux's would returns nil, ENAME, errno.
--
-- Test groups: err-1.x argument types and names; err-2.x sizes; err-3.x
-- configuration keys and values; err-4.x an exited process; err-5.x SQL;
-- err-6.x callbacks; err-7.x errno results; err-8.x replays; err-9.x a
-- closed simulation.
local t = require "t"
local root = arg[0]:match("^(.*)/tests/lua/[^/]*$") or "."

-- a Linux-style failure: nil, "ENAME", errno
local function fails(id, ename, errno, ...)
  local r = table.pack(...)
  t.ok(id, r[1] == nil and r[2] == ename and r[3] == errno,
       ("expected nil, %s, %d; got %s, %s, %s"):format(ename, errno, tostring(r[1]),
                                                        tostring(r[2]), tostring(r[3])))
end

local sim = memsim.new{ ram = "64M" }   -- the runner's -o database
local p = sim:process{ name = "victim" }
local a = assert(p:mmap{ len = "64K" })

-- err-1: wrong argument types and names
t.raises("err-1.1", "mmap", function() p:mmap("4K") end)
t.raises("err-1.2", "len", function() p:mmap{ len = {} } end)
t.raises("err-1.3", "prot", function() p:mmap{ len = "4K", prot = 7 } end)
t.raises("err-1.4", { "prot", "rwz" }, function() p:mmap{ len = "4K", prot = "rwz" } end)
t.raises("err-1.5", { "flags", "bogus" }, function() p:mmap{ len = "4K", flags = "private,anon,bogus" } end)
t.raises("err-1.6", "flags", function() p:mmap{ len = "4K", flags = "private,shared,anon" } end)
-- unknown fields of options tables raise, naming the function and the field
t.raises("err-1.7", { "mmap", "unknown field 'lenght'" }, function() p:mmap{ len = "4K", lenght = "8K" } end)
t.raises("err-1.8", { "mmap", "unknown field 'flag'" }, function() p:mmap{ len = "4K", flag = "shared,anon" } end)
t.raises("err-1.9", { "sim:process", "unknown field 'nmae'" }, function() sim:process{ nmae = "typo" } end)
t.raises("err-1.10", { "sim:file", "unknown field 'cahced'" },
  function() sim:file{ name = "f", size = "8K", cahced = true } end)
t.raises("err-1.11", { "sim:spawn", "unknown field 'nmae'" },
  function() sim:spawn({ nmae = "typo" }, function() end) end)
t.raises("err-1.12", "heap", function() p:write("heap") end)
t.raises("err-1.13", "boolean", function() p:write(a, true) end)
t.raises("err-1.14", { "access", "kind", "'Q'", "R, W, X" }, function() p:access("Q", a) end)
t.raises("err-1.15", { "advice", "forget" }, function() p:madvise(a, "4K", "forget") end)
t.raises("err-1.16", "pid", function() sim:process{ pid = "one" } end)
t.raises("err-1.17", "pagefault", function() sim:on("pagefault", function() end) end)
t.raises("err-1.18", "function", function() sim:on("fault", 42) end)
t.raises("err-1.19", "function", function() sim:at(1000) end)
t.raises("err-1.20", "5 fortnights", function() p:sleep("5 fortnights") end)
t.raises("err-1.21", "often", function() sim:every("often", function() end) end)
t.raises("err-1.22", { "oom_score_adj", "-1000..1000", "5000" }, function() p:oom_score_adj(5000) end)
t.raises("err-1.23", "decode_pf", function() memsim.decode_pf("x") end)

-- err-2: bad size strings
t.raises("err-2.1", "12Q", function() memsim.size("12Q") end)
t.raises("err-2.2", { "len", "12Q" }, function() p:mmap{ len = "12Q" } end)
t.raises("err-2.3", "12Q", function() p:write(a, "12Q") end)
t.raises("err-2.4", { "ram", "12Q" }, function() memsim.new{ ram = "12Q", db = false } end)
t.raises("err-2.5", "len", function() p:mmap{ len = -4096 } end)

-- err-3: configuration keys
t.raises("err-3.1", "bogus_key", function() memsim.new{ bogus_key = 1, db = false } end)
t.raises("err-3.2", "tlb.l3", function() memsim.new{ tlb = { l3 = "64:4" }, db = false } end)
t.raises("err-3.3", "vm.swapiness", function() memsim.new{ ["vm.swapiness"] = 10, db = false } end)
t.raises("err-3.4", { "arch", "riscv" }, function() memsim.new{ arch = "riscv", db = false } end)
t.raises("err-3.5", "tlb.l2", function() memsim.new{ tlb = { l2 = "64:5" }, db = false } end)
t.raises("err-3.6", "tlb.l2", function()
  memsim.new{ tlb = { l2 = "64:4" }, ["tlb.l2"] = "64:4", db = false } end)
t.raises("err-3.7", "no.such.key", function() sim:config("no.such.key") end)
-- a boolean for a key that is not on/off: the message shows true, not 'on'
local e = t.raises("err-3.8", { "thp", "true", "always, madvise, never" },
  function() memsim.new{ thp = true, db = false } end)
t.ok("err-3.9", not e:find("'on'", 1, true), e)
-- a time-valued key takes a time string; a bad one names the key
t.eq("err-3.10", memsim.new{ output = { sample_ns = "1ms" }, db = false }:config("output.sample_ns"),
  "1000000")
t.raises("err-3.11", { "output.sample_ns", "1 ms" },
  function() memsim.new{ output = { sample_ns = "1 ms" }, db = false } end)

-- err-4: an exited process
local q = sim:process{ name = "short-lived" }
local qa = assert(q:mmap{ len = "8K" })
q:write(qa, "8K")
q:exit()
t.eq("err-4.1", q.alive, false)
local exited = "process " .. q.pid .. " has exited"
t.raises("err-4.2", exited, function() q:write(qa) end)
t.raises("err-4.3", exited, function() q:mmap{ len = "4K" } end)
t.raises("err-4.4", exited, function() q:fork() end)
t.raises("err-4.5", exited, function() q:exit() end)
local qs = q:stats()                         -- counters stay readable
t.ok("err-4.6", qs.minflt == 2 and qs.rss == 0 and qs.alive == false and qs.pid == q.pid)

-- err-5: bad SQL
t.raises("err-5.1", "SELEC", function() sim:query("SELEC kind FROM faults") end)
t.raises("err-5.2", "no_such_table", function() sim:query("SELECT * FROM no_such_table") end)
t.raises("err-5.3", "nonsense_col", function() sim:query("SELECT nonsense_col FROM faults") end)
t.raises("err-5.4", "takes 1 parameter, 2 given", function() sim:query("SELECT ? AS x", 1, 2) end)
t.raises("err-5.5", "table", function() sim:query("SELECT ? AS x", {}) end)

-- err-6: read-only inside sim:on, and errors in callbacks
sim:on("fault", function() p:write(a + 8192) end)
t.raises("err-6.1", "sim:on", function() p:write(a + 4096) end)
sim:off("fault")
sim:on("fault", function() error("boom in callback") end)
t.raises("err-6.2", "boom in callback", function() p:write(a + 12288) end)
sim:off("fault")
sim:at(sim:now(), function() sim:run() end)
t.raises("err-6.3", "sim:run", function() sim:run() end)

-- err-7: system calls that fail as Linux's do return nil, ENAME, errno
fails("err-7.1", "EPERM", 1, p:mmap{ addr = 0x1000, len = "4K", flags = "private,anon,fixed" })
fails("err-7.2", "EINVAL", 22, p:munmap(a + 1, "4K"))
fails("err-7.3", "ENOMEM", 12, p:mprotect(0x10000000000, "4K", "r--"))
-- p:sbrk before p:brk is misuse (memsim places no heap by itself): it raises
t.raises("err-7.4", { "sbrk", "p:brk" }, function() p:sbrk("4K") end)

-- err-8: replays
local sim3 = memsim.new{ db = false }
t.raises("err-8.1", { "sim:replay", "no_such_trace.mtr", "No such file" },
  function() sim3:replay(root .. "/no_such_trace.mtr") end)
t.eq("err-8.2", sim3:run(), sim3:now())      -- a failed replay leaves it usable
-- a trace whose pids collide with the scenario's processes replays as fresh pids
local sim4 = memsim.new{ db = false }
local p4 = sim4:process{}
p4:fork()
local _, pids = sim4:replay(root .. "/traces/regression/fork_cow_100.mtr")
t.ok("err-8.3", pids[1] == 3 and pids[2] == 4, "pids " .. tostring(pids[1]) .. ", " .. tostring(pids[2]))
t.eq("err-8.4", sim4:find(pids[2]):stats().cow_copies, 100)
t.eq("err-8.5", p4:stats().minflt, 0)        -- the scenario's pid 1 was left alone

-- err-9: a closed simulation
local sim2 = memsim.new{ db = false }
sim2:close()
sim2:close()                                 -- idempotent
t.eq("err-9.1", sim2.closed, true)
t.raises("err-9.2", "sim:process: simulation is closed", function() sim2:process{} end)
sim:close()
t.raises("err-9.3", "sim:query: simulation is closed", function() sim:query("SELECT 1") end)
t.raises("err-9.4", "write: simulation is closed", function() p:write(a) end)
t.done()

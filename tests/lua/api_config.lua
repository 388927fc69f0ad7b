-- tests/lua/api_config.lua - memsim.new's configuration table: nested and
-- dotted keys, value types, and the runner's --set, which overrides the
-- table.  Run as `memsim run api_config.lua --set tlb.l1d=32:4 --set
-- cost.fault_ns=2us -- one two`.
-- args: --set tlb.l1d=32:4 --set cost.fault_ns=2us -- one two
--
-- Test groups: config-1.x forms of the table; config-2.x --set wins;
-- config-3.x derived fields; config-4.x arg; config-5.x time-valued keys
-- take time strings; config-6.x booleans are for on/off keys.
local t = require "t"

-- config-1
local a = memsim.new{ db = false, tlb = { l2 = "512:4", policy = "fifo" }, thp = "never",
                      ["thp.defrag"] = "never", vm = { swappiness = 10 }, ram = 64 * 1024 * 1024,
                      arm64 = { hw_af = false }, output = { sample_ns = 5e5 } }
t.eq("config-1.1", a:config("tlb.l2"), "512:4")
t.eq("config-1.2", a:config("tlb.policy"), "fifo")
t.eq("config-1.3", a:config("thp"), "never")
t.eq("config-1.4", a:config("thp.defrag"), "never")
t.eq("config-1.5", a:config("vm.swappiness"), "10")
t.eq("config-1.6", a:config("ram"), "67108864")
t.eq("config-1.7", a:config("arm64.hw_af"), "off")
t.eq("config-1.8", a:config("output.sample_ns"), "500000") -- a float with no fraction is fine
local all = a:config()
t.eq("config-1.9", all["tlb.l2"], "512:4")
t.eq("config-1.10", all.arch, "x86_64")
local b = memsim.new{ db = false, ["tlb.l2"] = "512:4", ["vm.swappiness"] = "10", ram = "64M" }
t.eq("config-1.11", b:config("tlb.l2") .. b:config("vm.swappiness") .. b:config("ram"),
  a:config("tlb.l2") .. a:config("vm.swappiness") .. a:config("ram"))

-- every key with its default value round-trips through memsim.new
local defaults = { db = false }
for _, k in ipairs(memsim.keys()) do defaults[k.name] = k.default end
local r = memsim.new(defaults)
for _, k in ipairs(memsim.keys()) do
  if k.name ~= "tlb.l1d" and k.name ~= "cost.fault_ns" then -- (set by --set)
    t.eq("config-1.12 " .. k.name, r:config(k.name), k.default)
  end
end

-- config-2: --set tlb.l1d=32:4 overrides whatever the table says
t.eq("config-2.1", a:config("tlb.l1d"), "32:4")
local c = memsim.new{ db = false, tlb = { l1d = "16:4" } }
t.eq("config-2.2", c:config("tlb.l1d"), "32:4")
t.eq("config-2.3", c:config("cost.fault_ns"), "2000") -- --set cost.fault_ns=2us

-- config-3: fields derived from the configuration
local arm = memsim.new{ db = false, arch = "arm64", paging = { granule = "64K" }, ram = "64M" }
t.eq("config-3.1", arm.arch, "arm64")
t.eq("config-3.2", arm.page_size, 65536)
t.eq("config-3.3", arm.mode, "full")
t.eq("config-3.4", a.page_size, 4096)
t.eq("config-3.5", memsim.new{ db = false, mode = "tlb" }.mode, "tlb")
t.eq("config-3.6", a.db, nil)
t.eq("config-3.7", a.run_id, nil)
local d = memsim.new{ ram = "64M" }
t.ok("config-3.8", d.db:match("%.db$") and d.run_id >= 1, "the runner's -o database")

-- config-4: the scenario's arguments
t.eq("config-4.1", arg[1], "one")
t.eq("config-4.2", arg[2], "two")
t.ok("config-4.3", arg[0]:match("api_config%.lua$"))
t.eq("config-4.4", select("#", ...), 2)
t.eq("config-4.5", (...), "one")

-- config-5: output.sample_ns and cost.*_ns take what every time argument
-- of the API takes: ns, or a number with a unit ns, us, ms, s
local tm = memsim.new{ db = false, output = { sample_ns = "100us" },
                       cost = { io_read_ns = "0.1ms", syscall_ns = 250, page_copy_ns = "1.5us" },
                       ["cost.page_zero_ns"] = "250ns" }
t.eq("config-5.1", tm:config("output.sample_ns"), "100000")
t.eq("config-5.2", tm:config("cost.io_read_ns"), "100000")
t.eq("config-5.3", tm:config("cost.syscall_ns"), "250")
t.eq("config-5.4", tm:config("cost.page_copy_ns"), "1500")
t.eq("config-5.5", tm:config("cost.page_zero_ns"), "250")
t.eq("config-5.6", memsim.new{ db = false, output = { sample_ns = "2s" } }:config("output.sample_ns"),
  "2000000000")
t.eq("config-5.7", memsim.new{ db = false, output = { sample_ns = 0 } }:config("output.sample_ns"), "0")
t.eq("config-5.8", memsim.new{ db = false, output = { sample_ns = 1e6 } }:config("output.sample_ns"),
  "1000000")
t.eq("config-5.9", memsim.new{ db = false, output = { sample_ns = "0.29us" } }:config("output.sample_ns"),
  "290") -- to the nearest ns
t.raises("config-5.10", "bad value for output.sample_ns: '-1ms'", memsim.new,
  { db = false, output = { sample_ns = "-1ms" } })
t.raises("config-5.11", "bad value for output.sample_ns: '5 ms'", memsim.new,
  { db = false, output = { sample_ns = "5 ms" } })
t.raises("config-5.12", "bad value for cost.fault_ns: 'fast'", memsim.new,
  { db = false, cost = { fault_ns = "fast" } })
t.raises("config-5.13", "bad value for output.sample_ns: '1e30'", memsim.new,
  { db = false, output = { sample_ns = "1e30" } })
-- the runner's sampler takes the period: samples every 100 us of a 1 ms sleep
local sm = memsim.new{ db = ":memory:", output = { sample_ns = "100us" } }
sm:spawn(function(q) q:write(q:mmap{ len = 4096 }); q:sleep("1ms"); q:exit() end)
sm:run()
local ns = sm:query("SELECT count(*) AS n FROM samples")[1].n
t.ok("config-5.14", ns >= 9 and ns <= 11, "samples: " .. ns)

-- config-6: a boolean sets an on/off key; any other key refuses it and
-- says what it takes
local b6 = memsim.new{ db = false, tlb = { asid = false }, arm64 = { hw_af = true },
                       ["thp.use_zero_page"] = false }
t.eq("config-6.1", b6:config("tlb.asid"), "off")
t.eq("config-6.2", b6:config("arm64.hw_af"), "on")
t.eq("config-6.3", b6:config("thp.use_zero_page"), "off")
t.raises("config-6.4", "bad value for thp: true (a boolean; expected one of always, madvise, never)",
  memsim.new, { db = false, thp = true })
t.raises("config-6.5", "bad value for ram: false (a boolean; expected a size", memsim.new,
  { db = false, ram = false })
t.raises("config-6.6", "bad value for tlb.l2: true (a boolean; expected ENTRIES:WAYS", memsim.new,
  { db = false, tlb = { l2 = true } })
t.raises("config-6.7", "bad value for output.sample_ns: true (a boolean; expected a time",
  memsim.new, { db = false, output = { sample_ns = true } })
t.done()

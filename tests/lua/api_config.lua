-- tests/lua/api_config.lua - memsim.new's configuration table: nested and
-- dotted keys, value types, and the runner's --set, which overrides the
-- table.  Run as `memsim run api_config.lua --set tlb.l1d=32:4 -- one two`.
-- args: --set tlb.l1d=32:4 -- one two
--
-- Test groups: config-1.x forms of the table; config-2.x --set wins;
-- config-3.x derived fields; config-4.x arg.
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
  if k.name ~= "tlb.l1d" then t.eq("config-1.12 " .. k.name, r:config(k.name), k.default) end
end

-- config-2: --set tlb.l1d=32:4 overrides whatever the table says
t.eq("config-2.1", a:config("tlb.l1d"), "32:4")
local c = memsim.new{ db = false, tlb = { l1d = "16:4" } }
t.eq("config-2.2", c:config("tlb.l1d"), "32:4")

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
t.done()

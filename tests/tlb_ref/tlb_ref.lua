-- tlb_ref.lua - an independent reference model of DESIGN.md section 5b
-- ("How TLBs count"), for checking core/tlb against lackey traces.
--
-- Usage: lua5.4 tlb_ref.lua TRACE [l1d=E:W] [l1i=E:W] [l2=E:W] [policy=lru|fifo|plru]
--   TRACE is Valgrind lackey output (plain, or .gz read through gzip -dc).
--   Defaults: l1d=64:4 l1i=128:8 l2=1536:12 policy=lru.  WAYS 0 = fully
--   associative.  Prints "name value" lines sorted by name:
--   accesses (access records), tlb.{l1d,l1i,l2}.{hits,misses}.
--
-- Written from the contract text only, deliberately unlike the C code:
-- every set is a plain Lua list of page numbers in replacement order (first
-- element = next victim).  LRU moves a hit to the end; FIFO leaves hits
-- alone; a fill appends and, when the set is full, drops the first element.
-- Which way an entry sits in does not change any count, so ways are not
-- modelled for those two.  plru (tree pseudo-LRU, core/tlb/tlb.c's header)
-- does depend on ways: there each set is an array of ways filled lowest
-- invalid way first, plus one bit per tree node (1 = victim on the right),
-- and every fill or hit points the nodes on the way's path away from it.
-- Random replacement is seed-specific and not modelled.
--
-- The rules (5b): one lookup per 4 KiB page an access touches, ascending;
-- I uses the L1 instruction TLB, L/S/M the L1 data TLB (M is one access);
-- set = vpn mod (entries / ways); every L1 miss and only an L1 miss looks up
-- the unified L2; the L1 is filled on every L1 miss, the L2 on an L2 miss;
-- no inclusion.  A single process: ASIDs play no part.

local PAGE = 4096

local function die(msg)
  io.stderr:write("tlb_ref: ", msg, "\n")
  os.exit(2)
end

local function geom(s, name)
  local e, w = s:match("^(%d+):(%d+)$")
  e, w = tonumber(e), tonumber(w)
  if not e or e == 0 then die("bad " .. name .. ": " .. s) end
  if w == 0 then w = e end
  if e % w ~= 0 then die("bad " .. name .. ": " .. s) end
  return { entries = e, ways = w }
end

local function new_tlb(g, policy)
  local t = { nsets = g.entries // g.ways, ways = g.ways, lru = policy == "lru",
              plru = policy == "plru", sets = {}, hits = 0, misses = 0 }
  if t.plru and (t.ways & (t.ways - 1)) ~= 0 then die("plru needs power-of-two ways") end
  for i = 0, t.nsets - 1 do t.sets[i] = t.plru and { way = {}, bit = {} } or {} end
  return t
end

-- tree PLRU: ways are numbered from 0, nodes from 1 (root)
local function plru_touch(t, set, w)
  local node, half = 1, t.ways // 2
  while half > 0 do
    local right = (w & half) ~= 0
    set.bit[node] = right and 0 or 1
    node = 2 * node + (right and 1 or 0)
    half = half // 2
  end
end

local function plru_lookup(t, vpn)
  local set = t.sets[vpn % t.nsets]
  for w = 0, t.ways - 1 do
    if set.way[w] == vpn then plru_touch(t, set, w); return true end
  end
  return false
end

local function plru_fill(t, vpn)
  local set = t.sets[vpn % t.nsets]
  local victim
  for w = 0, t.ways - 1 do
    if set.way[w] == nil then victim = w; break end
  end
  if not victim then
    local node, half = 1, t.ways // 2
    victim = 0
    while half > 0 do
      local b = set.bit[node] or 0
      if b == 1 then victim = victim + half end
      node = 2 * node + b
      half = half // 2
    end
  end
  set.way[victim] = vpn
  plru_touch(t, set, victim)
end

-- true on a hit (and, under LRU, the page becomes the most recent)
local function lookup(t, vpn)
  if t.plru then return plru_lookup(t, vpn) end
  local set = t.sets[vpn % t.nsets]
  for i = 1, #set do
    if set[i] == vpn then
      if t.lru then
        table.remove(set, i)
        set[#set + 1] = vpn
      end
      return true
    end
  end
  return false
end

local function fill(t, vpn)
  if t.plru then return plru_fill(t, vpn) end
  local set = t.sets[vpn % t.nsets]
  if #set >= t.ways then table.remove(set, 1) end
  set[#set + 1] = vpn
end

-- ---- arguments ----------------------------------------------------------------
local trace = arg[1] or die("usage: tlb_ref.lua TRACE [l1d=E:W] [l1i=E:W] [l2=E:W] [policy=lru|fifo|plru]")
local opt = { l1d = "64:4", l1i = "128:8", l2 = "1536:12", policy = "lru" }
for i = 2, #arg do
  local k, v = arg[i]:match("^([%w_]+)=(.*)$")
  if not k or opt[k] == nil then die("unknown argument " .. arg[i]) end
  opt[k] = v
end
if opt.policy ~= "lru" and opt.policy ~= "fifo" and opt.policy ~= "plru" then
  die("policy must be lru, fifo or plru (random is seed-specific)")
end

local l1d = new_tlb(geom(opt.l1d, "l1d"), opt.policy)
local l1i = new_tlb(geom(opt.l1i, "l1i"), opt.policy)
local l2 = new_tlb(geom(opt.l2, "l2"), opt.policy)

-- ---- replay -------------------------------------------------------------------
local f
if trace:match("%.gz$") then
  f = io.popen("gzip -dc '" .. trace:gsub("'", "'\\''") .. "'")
else
  f = io.open(trace, "r")
end
if not f then die("cannot open " .. trace) end

local accesses = 0
for line in f:lines() do
  local op, addr, size = line:match("^%s*([ILSM])%s+(%x+),(%d+)%s*$")
  if op then
    accesses = accesses + 1
    addr, size = tonumber(addr, 16), tonumber(size)
    if size < 1 then size = 1 end
    local l1 = (op == "I") and l1i or l1d
    for vpn = addr // PAGE, (addr + size - 1) // PAGE do
      if lookup(l1, vpn) then
        l1.hits = l1.hits + 1
      else
        l1.misses = l1.misses + 1
        if lookup(l2, vpn) then
          l2.hits = l2.hits + 1
        else
          l2.misses = l2.misses + 1
          fill(l2, vpn)
        end
        fill(l1, vpn)
      end
    end
  end
end
f:close()

local out = {
  ["accesses"] = accesses,
  ["tlb.l1d.hits"] = l1d.hits, ["tlb.l1d.misses"] = l1d.misses,
  ["tlb.l1i.hits"] = l1i.hits, ["tlb.l1i.misses"] = l1i.misses,
  ["tlb.l2.hits"] = l2.hits, ["tlb.l2.misses"] = l2.misses,
}
local names = {}
for k in pairs(out) do names[#names + 1] = k end
table.sort(names)
for _, k in ipairs(names) do io.write(k, " ", out[k], "\n") end

-- gen_synth.lua - write a synthetic lackey trace that stresses the TLB
-- counting rules: a looping code stream, a hot stack, random data over more
-- pages than the default L2 holds, strided streams that pile into few sets,
-- and accesses that cross a page boundary.  Deterministic (own LCG).
--
-- Usage: lua5.4 gen_synth.lua N > traces/lackey/synth_mix.lackey
--   (the committed file was made with N = 200000 and then gzip -9)
local n = tonumber(arg[1] or "200000")
local state = 12345
local function rnd(k) -- 0 .. k-1
  state = (state * 6364136223846793005 + 1442695040888963407)
  return ((state >> 33) % k)
end

io.write("==1== synthetic TLB stress trace (tests/tlb_ref/gen_synth.lua ", n, ")\n")
local pc = 0x400000
local stride_base, stride_i = 0x20000000, 0
local ops = { "L", "S", "M" }
for _ = 1, n do
  local r = rnd(100)
  if r < 40 then
    -- code: mostly sequential, sometimes a jump within 400 pages
    local size = 1 + rnd(15)
    io.write(string.format("I  %08x,%d\n", pc, size))
    pc = pc + size
    if rnd(20) == 0 then pc = 0x400000 + rnd(400 * 4096) end
  elseif r < 55 then
    -- hot stack: 8 pages
    io.write(string.format(" %s %09x,8\n", ops[1 + rnd(3)], 0x7ff000000 + rnd(8 * 4096) // 8 * 8))
  elseif r < 75 then
    -- random data over 3000 pages
    io.write(string.format(" %s %08x,%d\n", ops[1 + rnd(3)], 0x10000000 + rnd(3000 * 4096), 1 << rnd(4)))
  elseif r < 90 then
    -- strided stream: page stride 128 lands in one set of 128- or 64-set arrays
    stride_i = (stride_i + 1) % 40
    io.write(string.format(" %s %08x,4\n", ops[1 + rnd(2)], stride_base + stride_i * 128 * 4096))
  else
    -- page-crossing access (code or data)
    local page = rnd(600)
    local size = 2 + rnd(63)
    local a = 0x30000000 + page * 4096 + 4096 - 1 - rnd(size - 1)
    if rnd(4) == 0 then
      io.write(string.format("I  %08x,%d\n", a, size))
    else
      io.write(string.format(" %s %08x,%d\n", ops[1 + rnd(3)], a, size))
    end
  end
end
io.write("==1== \n")

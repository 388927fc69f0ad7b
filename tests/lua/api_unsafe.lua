-- tests/lua/api_unsafe.lua - `memsim run --unsafe` gives the standard
-- libraries back: io.open, io.popen, os.execute, C modules.
-- args: --unsafe
local t = require "t"
t.eq("unsafe-1.1", type(os.execute), "function")
t.eq("unsafe-1.2", type(io.popen), "function")
t.eq("unsafe-1.3", type(io.open), "function")
t.eq("unsafe-1.4", type(package.loadlib), "function")
t.eq("unsafe-1.5", type(dofile), "function")
t.eq("unsafe-1.6", require("cjson").encode({}), "{}")
t.eq("unsafe-1.7", require "memsim", memsim)
t.done()

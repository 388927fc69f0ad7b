-- tests/lua/api_sandbox.lua - the safe standard libraries of `memsim run`
-- (without --unsafe): what is there, what is gone, and the modules that
-- still load (memsim, cjson).
--
-- Test groups: sandbox-1.x removed functions; sandbox-2.x kept functions;
-- sandbox-3.x modules.
local t = require "t"

-- sandbox-1
t.eq("sandbox-1.1", os.execute, nil)
t.eq("sandbox-1.2", io.popen, nil)
t.eq("sandbox-1.3", io.open, nil)
t.eq("sandbox-1.4", dofile, nil)
t.eq("sandbox-1.5", loadfile, nil)
t.eq("sandbox-1.6", package.loadlib, nil)
t.eq("sandbox-1.7", os.remove, nil)
t.eq("sandbox-1.8", os.exit, nil)
t.eq("sandbox-1.9", debug.getregistry, nil)
t.eq("sandbox-1.10", io.lines, nil)
local f, err = load(string.dump(function() return 1 end))
t.eq("sandbox-1.11", f, nil)
t.ok("sandbox-1.12", err:find("binary chunk", 1, true), err)
t.eq("sandbox-1.13", package.loaded.os, os) -- the same (restricted) tables
t.eq("sandbox-1.14", package.cpath, "")

-- sandbox-2
t.eq("sandbox-2.1", load("return 1 + 1")(), 2)
t.eq("sandbox-2.2", type(os.time()), "number")
t.eq("sandbox-2.3", type(os.clock()), "number")
t.eq("sandbox-2.4", type(os.date("%Y")), "string")
t.ok("sandbox-2.5", os.getenv("PATH") ~= nil or true)
t.eq("sandbox-2.6", type(io.write), "function")
t.eq("sandbox-2.7", io.type, nil)
t.eq("sandbox-2.8", type(debug.traceback()), "string")
t.eq("sandbox-2.9", type(string.format), "function")
t.eq("sandbox-2.10", coroutine.wrap(function() coroutine.yield(5) end)(), 5)
io.stdout:write("")

-- sandbox-3
t.eq("sandbox-3.1", require "memsim", memsim)
local cjson = require "cjson"
t.eq("sandbox-3.2", cjson.encode({ 1, 2 }), "[1,2]")
t.eq("sandbox-3.3", cjson.decode('{"a":[true]}').a[1], true)
local safe = require "cjson.safe"
t.eq("sandbox-3.4", safe.decode("{bad"), nil)
t.raises("sandbox-3.5", "module 'socket' not found", require, "socket")
t.eq("sandbox-3.6", require "t", t) -- Lua modules next to the scenario
t.done()

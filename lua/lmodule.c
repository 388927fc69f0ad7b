/*
 * lua/lmodule.c - memsim.so, the module a stock interpreter loads
 * (`lua5.4 -l memsim`, `require "memsim"`).
 *
 * luaopen_memsim itself is in lmemsim.c (part of the memsim_lua library
 * that the `memsim` executable links too: there is one luaopen_memsim,
 * R21).  This file only makes the linker pull it, and everything it uses,
 * out of that static library into the shared object; it needs nothing of
 * the CLI (no main, no signal handling: a stock interpreter handles
 * Ctrl-C itself).
 */
#include <lua.h>

#include "lmemsim.h"

/* Referenced so that lmemsim.o is linked in and luaopen_memsim exported. */
int (*const lsim__module_entry)(lua_State *L) = luaopen_memsim;

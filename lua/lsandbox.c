/*
 * lua/lsandbox.c - the standard libraries a scenario gets from `memsim run`
 * (DESIGN.md section 7: "Scenarios run with the safe standard libraries").
 *
 * Safe mode keeps what computes and prints, and drops what reaches the host:
 *   base       all but dofile and loadfile; load() accepts text chunks only
 *              (binary chunks are not verified by Lua and can crash it)
 *   string, table, math, utf8, coroutine   complete
 *   os         clock, date, difftime, getenv, time
 *   io         write, read, stdout, stderr
 *   debug      traceback only (the rest reaches every upvalue and the
 *              registry, which would undo the sandbox)
 *   package    require of Lua modules (package.path, with the scenario's
 *              directory first) and of the preloaded C modules `memsim`,
 *              `cjson` and `cjson.safe`; no package.loadlib, no cpath
 * `--unsafe` leaves every library as lua5.4 has it (os.execute, io.popen,
 * io.open, C modules from package.cpath); `cjson` then loads normally.
 *
 * The libraries are edited in place, so package.loaded sees the same
 * restricted tables as the globals.
 */
#include <string.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "lmemsim.h"

/* Keep only the fields of table `lib` (a global) named in keep[]. */
static void restrict_lib(lua_State *L, const char *lib, const char *const *keep)
{
	if (lua_getglobal(L, lib) != LUA_TTABLE) {
		lua_pop(L, 1);
		return;
	}
	int t = lua_gettop(L);
	lua_newtable(L); /* keys to drop */
	int drop = lua_gettop(L);
	lua_Integer n = 0;
	lua_pushnil(L);
	while (lua_next(L, t)) {
		lua_pop(L, 1);
		int kept = 0;
		if (lua_type(L, -1) == LUA_TSTRING)
			for (const char *const *k = keep; *k && !kept; k++)
				kept = !strcmp(*k, lua_tostring(L, -1));
		if (!kept) {
			lua_pushvalue(L, -1);
			lua_rawseti(L, drop, ++n);
		}
	}
	for (lua_Integer i = 1; i <= n; i++) {
		lua_rawgeti(L, drop, i);
		lua_pushnil(L);
		lua_rawset(L, t);
	}
	lua_pop(L, 2);
}

/* load(chunk [, name [, mode [, env]]]) with mode forced to "t". */
static int safe_load(lua_State *L)
{
	lua_settop(L, 4);
	lua_pushliteral(L, "t");
	lua_replace(L, 3);
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, 4, LUA_MULTRET);
	return lua_gettop(L);
}

/* package.preload loader for a C module of lua-cjson: upvalue 1 is the
 * original package.loadlib, 2 the original cpath, 3 the luaopen_ name. */
static int load_cjson(lua_State *L)
{
	const char *open = lua_tostring(L, lua_upvalueindex(3));
	lua_getglobal(L, "package");
	lua_getfield(L, -1, "searchpath");
	lua_pushliteral(L, "cjson");
	lua_pushvalue(L, lua_upvalueindex(2));
	lua_call(L, 2, 2);
	if (lua_isnil(L, -2))
		return luaL_error(L, "module 'cjson' not found (install lua-cjson):%s",
				  lua_tostring(L, -1));
	lua_pop(L, 1);
	int path = lua_gettop(L);
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_pushvalue(L, path);
	lua_pushstring(L, open);
	lua_call(L, 2, 2);
	if (lua_isnil(L, -2))
		return luaL_error(L, "cannot load cjson from %s: %s", lua_tostring(L, path),
				  lua_tostring(L, -1));
	lua_pop(L, 1);
	lua_pushvalue(L, 1);
	lua_call(L, 1, 1);
	return 1;
}

static void preload_cjson(lua_State *L, int package, int loadlib, int cpath)
{
	static const char *const mods[][2] = { { "cjson", "luaopen_cjson" },
					       { "cjson.safe", "luaopen_cjson_safe" } };
	lua_getfield(L, package, "preload");
	for (size_t i = 0; i < 2; i++) {
		lua_pushvalue(L, loadlib);
		lua_pushvalue(L, cpath);
		lua_pushstring(L, mods[i][1]);
		lua_pushcclosure(L, load_cjson, 3);
		lua_setfield(L, -2, mods[i][0]);
	}
	lua_pop(L, 1);
}

static void restrict_package(lua_State *L)
{
	lua_getglobal(L, "package");
	int pkg = lua_gettop(L);
	lua_getfield(L, pkg, "loadlib");
	lua_getfield(L, pkg, "cpath");
	preload_cjson(L, pkg, pkg + 1, pkg + 2);
	lua_pop(L, 2);
	lua_pushnil(L);
	lua_setfield(L, pkg, "loadlib");
	lua_pushliteral(L, "");
	lua_setfield(L, pkg, "cpath");
	/* searchers: 1 preload, 2 Lua files; drop 3 (C) and 4 (all-in-one) */
	lua_getfield(L, pkg, "searchers");
	lua_pushnil(L);
	lua_rawseti(L, -2, 4);
	lua_pushnil(L);
	lua_rawseti(L, -2, 3);
	lua_pop(L, 2);
}

void lsim_sandbox(lua_State *L)
{
	static const char *const os_keep[] = { "clock", "date", "difftime", "getenv", "time",
						NULL };
	static const char *const io_keep[] = { "write", "read", "stdout", "stderr", NULL };
	static const char *const debug_keep[] = { "traceback", NULL };
	lua_pushnil(L);
	lua_setglobal(L, "dofile");
	lua_pushnil(L);
	lua_setglobal(L, "loadfile");
	lua_getglobal(L, "load");
	lua_pushcclosure(L, safe_load, 1);
	lua_setglobal(L, "load");
	restrict_lib(L, "os", os_keep);
	restrict_lib(L, "io", io_keep);
	restrict_lib(L, "debug", debug_keep);
	restrict_package(L);
}

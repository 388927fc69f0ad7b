/*
 * lua/lconfig.c - memsim.new's table to a struct sim_config (DESIGN.md 4),
 * and the runner's settings (-o, -c, --set) that memsim.new applies.
 *
 * The table may be nested ({tlb = {l2 = "1536:12"}}) or dotted
 * ({["tlb.l2"] = "1536:12"}) or both; values are strings, numbers (a whole
 * number is written in decimal, so sizes in bytes work) or booleans (only
 * for on/off keys, config_set_bool: `thp = true` is an error that shows
 * true and the values thp takes).  The pairs are collected first, sorted
 * by key and then set, so the result never depends on table iteration
 * order; the same key given twice (nested and dotted) is an error.
 * Precedence, lowest first: defaults, the table, then the runner's -c FILE
 * and --set KEY=VALUE in command-line order (so `memsim run x.lua --set
 * arch=arm64` overrides what x.lua asks).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <memsim/config.h>

#include "lmemsim.h"

static const char runner_key = 0;

void lsim_set_runner(lua_State *L, const struct lsim_runner *r)
{
	lua_pushlightuserdata(L, (void *)r);
	lua_rawsetp(L, LUA_REGISTRYINDEX, &runner_key);
}

const struct lsim_runner *lsim__runner(lua_State *L)
{
	lua_rawgetp(L, LUA_REGISTRYINDEX, &runner_key);
	const struct lsim_runner *r = lua_touserdata(L, -1);
	lua_pop(L, 1);
	return r;
}

/* Push the value at idx for key `key` as config_set takes it (a string,
 * or a boolean kept as it is for config_set_bool), or raise. */
static void value_string(lua_State *L, int idx, const char *key)
{
	switch (lua_type(L, idx)) {
	case LUA_TSTRING:
	case LUA_TBOOLEAN:
		lua_pushvalue(L, idx);
		return;
	case LUA_TNUMBER:
		if (lua_isinteger(L, idx)) {
			lua_pushfstring(L, "%I", lua_tointeger(L, idx));
		} else {
			lua_Number d = lua_tonumber(L, idx);
			char buf[64];
			if (d == floor(d) && fabs(d) < 9.2e18)
				snprintf(buf, sizeof buf, "%.0f", d);
			else
				snprintf(buf, sizeof buf, "%.17g", d);
			lua_pushstring(L, buf);
		}
		return;
	default:
		luaL_error(L, "memsim.new: bad value for config key '%s': expected a string, "
			   "number, boolean or table, got %s", key, luaL_typename(L, idx));
	}
}

/* Flatten the table at tidx into out (a table key -> string at outidx). */
static void flatten(lua_State *L, int tidx, const char *prefix, int outidx, int top)
{
	lua_pushnil(L);
	while (lua_next(L, tidx)) {
		if (lua_type(L, -2) != LUA_TSTRING)
			luaL_error(L, "memsim.new: config keys must be strings (got a %s key%s%s)",
				   luaL_typename(L, -2), *prefix ? " in " : "", prefix);
		const char *k = lua_tostring(L, -2);
		if (top && (!strcmp(k, "db") || !strcmp(k, "source"))) {
			lua_pop(L, 1);
			continue;
		}
		const char *full = *prefix ? lua_pushfstring(L, "%s.%s", prefix, k)
					   : lua_pushstring(L, k);
		int fullidx = lua_gettop(L);
		if (lua_type(L, -2) == LUA_TTABLE) {
			flatten(L, lua_absindex(L, -2), full, outidx, 0);
		} else {
			if (lua_getfield(L, outidx, full) != LUA_TNIL)
				luaL_error(L, "memsim.new: config key '%s' is given twice", full);
			lua_pop(L, 1);
			value_string(L, fullidx - 1, full);
			lua_setfield(L, outidx, full);
		}
		lua_settop(L, fullidx - 2); /* keep the key */
	}
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void apply_runner(lua_State *L, struct sim_config *c)
{
	const struct lsim_runner *r = lsim__runner(L);
	char why[700];
	for (int i = 0; r && i < r->nov; i++) {
		const struct lsim_override *o = &r->ov[i];
		int rc = o->is_file ? config_load_json(c, o->arg, why, sizeof why)
				    : config_set_kv(c, o->arg, why, sizeof why);
		if (rc)
			luaL_error(L, "%s %s: %s", o->is_file ? "-c" : "--set", o->arg, why);
	}
}

void lsim__config_from_table(lua_State *L, int idx, struct sim_config *c)
{
	config_defaults(c);
	if (!lua_isnoneornil(L, idx)) {
		luaL_checktype(L, idx, LUA_TTABLE);
		idx = lua_absindex(L, idx);
		lua_newtable(L);
		int out = lua_gettop(L);
		flatten(L, idx, "", out, 1);
		size_t n = 0, cap = 16;
		const char **keys = lua_newuserdatauv(L, cap * sizeof(char *), 0);
		lua_pushnil(L);
		while (lua_next(L, out)) {
			lua_pop(L, 1);
			if (n == cap) {
				const char **nk = lua_newuserdatauv(L, 2 * cap * sizeof(char *), 0);
				memcpy(nk, keys, n * sizeof(char *));
				lua_replace(L, out + 1);
				keys = nk;
				cap *= 2;
			}
			keys[n++] = lua_tostring(L, -1); /* anchored by `out` */
		}
		qsort(keys, n, sizeof(char *), cmp_str);
		for (size_t i = 0; i < n; i++) {
			char why[600];
			int rc;
			if (lua_getfield(L, out, keys[i]) == LUA_TBOOLEAN)
				rc = config_set_bool(c, keys[i], lua_toboolean(L, -1), why, sizeof why);
			else
				rc = config_set(c, keys[i], lua_tostring(L, -1), why, sizeof why);
			if (rc)
				luaL_error(L, "memsim.new: %s", why);
			lua_pop(L, 1);
		}
		lua_settop(L, out - 1);
	}
	apply_runner(L, c);
}

/*
 * lua/lmemsim.c - `luaopen_memsim`: the module table of DESIGN.md section 7
 * (memsim.new and the helpers around it), the registry of live
 * simulations, and the argument checks every binding shares (sizes,
 * addresses, times) plus the message handlers that keep callback
 * tracebacks.
 *
 * The same module serves two hosts: the `memsim run` scenario runner
 * (run.c, which also calls lsim_set_runner) and a stock interpreter
 * (`lua5.4 -l memsim`, through memsim.so built from lmodule.c).  Nothing
 * here refers to the CLI.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <memsim/config.h>
#include <memsim/decode.h>
#include <memsim/trace.h>

#include "lmemsim.h"

#ifndef MEMSIM_VERSION
#define MEMSIM_VERSION "unknown"
#endif

/* Registry keys (their addresses are the keys). */
static const char sims_key = 0;    /* weak table: lsim pointer -> Sim userdata */
static const char errval_key = 0;  /* last error seen by a message handler */
static const char errtb_key = 0;   /* ... its traceback */
static const char errco_key = 0;   /* ... true when taken in a spawned body */

/* ---- registry of live simulations ------------------------------------------------------ */

void lsim__push_sims(lua_State *L)
{
	if (lua_rawgetp(L, LUA_REGISTRYINDEX, &sims_key) == LUA_TTABLE)
		return;
	lua_pop(L, 1);
	lua_newtable(L);
	lua_createtable(L, 0, 1);
	lua_pushliteral(L, "v");
	lua_setfield(L, -2, "__mode");
	lua_setmetatable(L, -2);
	lua_pushvalue(L, -1);
	lua_rawsetp(L, LUA_REGISTRYINDEX, &sims_key);
}

/* ---- argument checks ---------------------------------------------------------------- */

static const char size_help[] =
	"expected a number of bytes or a string such as \"4096\", \"400K\", \"2M\", \"1G\" "
	"or \"100p\"";

/* Convert the value at idx to a size; on failure push a message and return -1. */
static int tosize(lua_State *L, int idx, uint64_t *out)
{
	int t = lua_type(L, idx);
	if (t == LUA_TNUMBER) {
		if (lua_isinteger(L, idx)) {
			lua_Integer v = lua_tointeger(L, idx);
			if (v < 0) {
				lua_pushfstring(L, "size must not be negative (got %I)", v);
				return -1;
			}
			*out = (uint64_t)v;
			return 0;
		}
		lua_Number d = lua_tonumber(L, idx);
		if (!(d >= 0) || d != floor(d) || d >= 9223372036854775808.0) {
			lua_pushfstring(L, "size must be a whole number of bytes (got %f)", d);
			return -1;
		}
		*out = (uint64_t)d;
		return 0;
	}
	if (t == LUA_TSTRING) {
		size_t n;
		const char *s = lua_tolstring(L, idx, &n);
		int rc = trace_parse_size(s, n, out);
		if (rc == -2) {
			lua_pushfstring(L, "size '%s' overflows", s);
			return -1;
		}
		if (rc) {
			lua_pushfstring(L, "bad size '%s' (%s)", s, size_help);
			return -1;
		}
		return 0;
	}
	lua_pushfstring(L, "%s, got %s", size_help, luaL_typename(L, idx));
	return -1;
}

uint64_t lsim__checksize(lua_State *L, int arg)
{
	uint64_t v;
	if (tosize(L, arg, &v))
		luaL_argerror(L, arg, lua_tostring(L, -1));
	return v;
}

uint64_t lsim__optsize(lua_State *L, int arg, uint64_t def)
{
	return lua_isnoneornil(L, arg) ? def : lsim__checksize(L, arg);
}

static int toaddr(lua_State *L, int idx, uint64_t *out)
{
	int isnum = 0;
	lua_Integer v = 0;
	if (lua_type(L, idx) == LUA_TNUMBER || lua_type(L, idx) == LUA_TSTRING)
		v = lua_tointegerx(L, idx, &isnum);
	if (!isnum) {
		if (lua_type(L, idx) == LUA_TNUMBER || lua_type(L, idx) == LUA_TSTRING)
			lua_pushfstring(L, "bad address '%s' (expected an integer)",
					lua_tostring(L, idx));
		else
			lua_pushfstring(L, "address expected, got %s", luaL_typename(L, idx));
		return -1;
	}
	if (v < 0) {
		lua_pushfstring(L, "address must not be negative (got %I)", v);
		return -1;
	}
	*out = (uint64_t)v;
	return 0;
}

uint64_t lsim__checkaddr(lua_State *L, int arg)
{
	uint64_t v;
	if (toaddr(L, arg, &v))
		luaL_argerror(L, arg, lua_tostring(L, -1));
	return v;
}

/* A time: a number of ns, or a string config_parse_time takes ("250",
 * "250ns", "10us", "1.5ms", "2s"), the syntax of the time-valued config
 * keys too. */
sim_time_t lsim__checktime(lua_State *L, int arg)
{
	if (lua_type(L, arg) == LUA_TSTRING) {
		const char *s = lua_tostring(L, arg);
		uint64_t v;
		int rc = config_parse_time(s, &v);
		if (rc == 0)
			return (sim_time_t)v;
		luaL_argerror(L, arg, rc == -2 ? lua_pushfstring(L, "time '%s' is too large", s)
			      : lua_pushfstring(L, "bad time '%s' (expected ns, or a string "
						"such as \"250ns\", \"10us\", \"5ms\", \"2s\")", s));
	}
	lua_Number d = luaL_checknumber(L, arg);
	if (!(d >= 0) || d >= 1.8e19)
		luaL_argerror(L, arg, "time must be a non-negative number of ns");
	return (sim_time_t)d;
}

static int field_error(lua_State *L, int arg, const char *field)
{
	return luaL_argerror(L, arg, lua_pushfstring(L, "field '%s': %s", field,
						     lua_tostring(L, -1)));
}

int lsim__fieldsize(lua_State *L, int arg, const char *field, uint64_t *out)
{
	if (lua_getfield(L, arg, field) == LUA_TNIL) {
		lua_pop(L, 1);
		return 0;
	}
	if (tosize(L, -1, out))
		field_error(L, arg, field);
	lua_pop(L, 1);
	return 1;
}

int lsim__fieldaddr(lua_State *L, int arg, const char *field, uint64_t *out)
{
	if (lua_getfield(L, arg, field) == LUA_TNIL) {
		lua_pop(L, 1);
		return 0;
	}
	if (toaddr(L, -1, out))
		field_error(L, arg, field);
	lua_pop(L, 1);
	return 1;
}

void lsim__name_pid(lua_State *L, int arg, const char **name, lua_Integer *pid)
{
	int isnum = 1;
	if (lua_getfield(L, arg, "name") != LUA_TNIL && !(*name = lua_tostring(L, -1)))
		luaL_argerror(L, arg, "field 'name': expected a string");
	if (lua_getfield(L, arg, "pid") != LUA_TNIL)
		*pid = lua_tointegerx(L, -1, &isnum);
	if (!isnum || *pid < 0 || *pid > 0x7fffffff)
		luaL_argerror(L, arg, "field 'pid': expected an integer in 1..2147483647");
	lua_pop(L, 2); /* the name string stays alive in the options table */
}

void lsim__checkfields(lua_State *L, int arg, const char *what, const char *const fields[])
{
	arg = lua_absindex(L, arg);
	lua_pushnil(L);
	while (lua_next(L, arg)) {
		lua_pop(L, 1);
		const char *k = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
		size_t i = 0;
		while (k && fields[i] && strcmp(k, fields[i]))
			i++;
		if (k && fields[i])
			continue;
		const char *name = k ? lua_pushfstring(L, "'%s'", k)
				     : lua_pushfstring(L, "[%s]", luaL_tolstring(L, -1, NULL));
		luaL_Buffer b;
		luaL_buffinit(L, &b);
		for (i = 0; fields[i]; i++) {
			if (i)
				luaL_addstring(&b, ", ");
			luaL_addstring(&b, fields[i]);
		}
		luaL_pushresult(&b);
		luaL_error(L, "%s: unknown field %s (expected %s)", what, name, lua_tostring(L, -1));
	}
}

/* ---- tracebacks ------------------------------------------------------------------------- */

static const char *errtext(lua_State *L, int idx)
{
	const char *msg = lua_tostring(L, idx);
	if (msg)
		return msg;
	if (luaL_callmeta(L, idx, "__tostring") && lua_type(L, -1) == LUA_TSTRING)
		return lua_tostring(L, -1);
	return lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, idx));
}

void lsim__note_traceback(lua_State *L, lua_State *co, int msgidx)
{
	msgidx = lua_absindex(L, msgidx);
	int top = lua_gettop(L);
	const char *msg = errtext(L, msgidx);
	luaL_traceback(L, co, msg, co == L ? 1 : 0);
	lua_rawsetp(L, LUA_REGISTRYINDEX, &errtb_key);
	lua_pushvalue(L, msgidx);
	lua_rawsetp(L, LUA_REGISTRYINDEX, &errval_key);
	lua_pushboolean(L, co != L);
	lua_rawsetp(L, LUA_REGISTRYINDEX, &errco_key);
	lua_settop(L, top);
}

int lsim__msgh(lua_State *L)
{
	lsim__note_traceback(L, L, 1);
	lua_settop(L, 1);
	return 1;
}

int lsim_msghandler(lua_State *L)
{
	const char *msg = errtext(L, 1);
	int msgidx = lua_gettop(L);
	lua_rawgetp(L, LUA_REGISTRYINDEX, &errval_key);
	if (!lua_isnil(L, -1) && lua_rawequal(L, -1, 1)) {
		lua_rawgetp(L, LUA_REGISTRYINDEX, &errtb_key);
		if (lua_rawgetp(L, LUA_REGISTRYINDEX, &errco_key) == LUA_TBOOLEAN &&
		    lua_toboolean(L, -1)) {
			lua_pop(L, 1);
			lua_pushliteral(L, "\n(in the body of a spawned process, resumed by)\n");
			luaL_traceback(L, L, NULL, 1);
			lua_concat(L, 3);
		} else {
			lua_pop(L, 1);
		}
		return 1;
	}
	luaL_traceback(L, L, lua_tostring(L, msgidx) ? lua_tostring(L, msgidx) : msg, 1);
	return 1;
}

/* ---- module functions --------------------------------------------------------------------- */

typedef int (*decode_fn)(uint64_t, char *, size_t);

static int decode_with(lua_State *L, decode_fn fn)
{
	lua_Integer v = luaL_checkinteger(L, 1);
	char buf[256];
	int n = fn((uint64_t)v, buf, sizeof buf);
	if ((size_t)n < sizeof buf) {
		lua_pushlstring(L, buf, (size_t)n);
	} else {
		luaL_Buffer b;
		char *p = luaL_buffinitsize(L, &b, (size_t)n + 1);
		fn((uint64_t)v, p, (size_t)n + 1);
		luaL_pushresultsize(&b, (size_t)n);
	}
	return 1;
}

/* memsim.decode_esr(esr) -> "EC=0x24 (DABT (lower EL)) IL=1 WnR=1 FSC=0x07 (...)" */
static int l_decode_esr(lua_State *L) { return decode_with(L, arm64_esr_decode); }
/* memsim.decode_pf(code) -> "user write, page not present" */
static int l_decode_pf(lua_State *L) { return decode_with(L, x86_pf_error_decode); }

/* memsim.size("400K") -> 409600 */
static int l_size(lua_State *L)
{
	lua_pushinteger(L, (lua_Integer)lsim__checksize(L, 1));
	return 1;
}

/* memsim.hex(n) -> "0x7f0000000000" */
static int l_hex(lua_State *L)
{
	lua_Integer v = luaL_checkinteger(L, 1);
	char buf[32];
	snprintf(buf, sizeof buf, "0x%" PRIx64, (uint64_t)v);
	lua_pushstring(L, buf);
	return 1;
}

/* memsim.keys() -> { {name=, default=, help=}, ... } */
static int l_keys(lua_State *L)
{
	struct sim_config c;
	config_defaults(&c);
	lua_newtable(L);
	for (unsigned i = 0; config_key_name(i); i++) {
		char v[96];
		config_get(&c, config_key_name(i), v, sizeof v);
		lua_createtable(L, 0, 3);
		lua_pushstring(L, config_key_name(i));
		lua_setfield(L, -2, "name");
		lua_pushstring(L, v);
		lua_setfield(L, -2, "default");
		lua_pushstring(L, config_key_help(i));
		lua_setfield(L, -2, "help");
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	return 1;
}

static const luaL_Reg module_funcs[] = {
	{ "new", lsim__new },
	{ "decode_esr", l_decode_esr },
	{ "decode_pf", l_decode_pf },
	{ "size", l_size },
	{ "hex", l_hex },
	{ "keys", l_keys },
	{ NULL, NULL },
};

int luaopen_memsim(lua_State *L)
{
	lsim__push_sims(L);
	lua_pop(L, 1);
	lsim__open_sim(L);
	lsim__open_process(L);
	luaL_newlib(L, module_funcs);
	lua_pushliteral(L, MEMSIM_VERSION);
	lua_setfield(L, -2, "version");
	return 1;
}

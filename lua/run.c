/*
 * lua/run.c - `memsim run SCENARIO.lua [-o OUT.db] [--set KEY=VALUE]...
 * [-c CONFIG.json] [--unsafe] [--] [ARGS...]`: the Lua scenario runner.
 *
 * Works like lua.c (R24): a protected pmain opens the libraries (the safe
 * set unless --unsafe, lsandbox.c), provides `memsim` (global and
 * require), `arg`, a count hook that turns Ctrl-C into a Lua error, loads
 * the scenario and calls it through docall, whose message handler adds a
 * traceback (including the traceback of a failing callback or spawned
 * process body, lsim_msghandler).
 *
 * Every simulation the scenario made and did not close is closed at the
 * end with the scenario's outcome as its run status: complete, failed (a
 * Lua error or a failed assert) or interrupted (Ctrl-C / SIGTERM).
 *
 * Exit status: 0 success; 1 a Lua error or failed assertion; 2 bad usage,
 * a missing scenario file, a syntax error, a bad --set / -c; 130
 * interrupted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include <memsim/config.h>

#include "cli.h"
#include "lmemsim.h"

static const char run_usage[] =
	"usage: memsim run SCENARIO.lua [-o OUT.db] [--set KEY=VALUE]... [-c CONFIG.json]\n"
	"                  [--unsafe] [--] [ARGS...]\n"
	"\n"
	"Run a Lua scenario (see lua/README.md).  `memsim` is a global; ARGS are in\n"
	"`arg` (arg[0] is the scenario) and in `...`.  After SCENARIO.lua, anything\n"
	"that is not one of the options below goes to the scenario, an unknown\n"
	"option too (no error); before it, an unknown option is an error.\n"
	"\n"
	"  -o OUT.db        default database of memsim.new (default memsim.db)\n"
	"  --set KEY=VALUE  configuration key for every memsim.new (repeatable); it\n"
	"                   overrides what the scenario's table says\n"
	"  -c CONFIG.json   configuration file, applied the same way, in order\n"
	"  --unsafe         full standard libraries (os.execute, io.popen, io.open,\n"
	"                   C modules); default: the safe subset\n"
	"  --               end of memsim options; the rest goes to the scenario\n";

#define HOOK_COUNT 1000 /* instructions between two looks at the stop flag */

struct run_opts {
	const char *script;
	const char *out;
	struct lsim_override *ov;
	int nov;
	int unsafe;
	char **args;             /* the scenario's arguments */
	int nargs;
	int exit_code;           /* set by pmain */
	struct lsim_runner r;    /* memsim.new's settings; lives as long as L */
};

/* ---- options ----------------------------------------------------------------------------- */

static int take_option(struct run_opts *o, int argc, char **argv, int *i)
{
	const char *a = argv[*i], *v = *i + 1 < argc ? argv[*i + 1] : NULL;
	if (!strcmp(a, "-o") || !strcmp(a, "--set") || !strcmp(a, "-c") || !strcmp(a, "--config")) {
		if (!v) {
			cli_err("option %s needs an argument", a);
			return EXIT_BADINPUT;
		}
		if (!strcmp(a, "-o")) {
			o->out = v;
		} else {
			o->ov[o->nov].is_file = strcmp(a, "--set") != 0;
			o->ov[o->nov++].arg = v;
		}
		++*i;
		return 0;
	}
	if (!strcmp(a, "--unsafe")) {
		o->unsafe = 1;
		return 0;
	}
	return -1; /* not ours */
}

static int parse_args(int argc, char **argv, struct run_opts *o)
{
	o->ov = calloc((size_t)argc + 1, sizeof(*o->ov));
	o->args = calloc((size_t)argc + 1, sizeof(char *));
	if (!o->ov || !o->args)
		return EXIT_BADINPUT;
	int i, dashdash = 0;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!dashdash && (!strcmp(a, "-h") || !strcmp(a, "--help"))) {
			fputs(run_usage, stdout);
			exit(0);
		}
		if (!dashdash && !strcmp(a, "--")) {
			dashdash = 1;
			continue;
		}
		if (!dashdash) {
			int rc = take_option(o, argc, argv, &i);
			if (rc > 0)
				return rc;
			if (rc == 0)
				continue;
			if (!o->script && a[0] == '-' && a[1]) {
				cli_err("run: unknown option '%s' (try memsim run --help)", a);
				return EXIT_BADINPUT;
			}
		}
		if (!o->script)
			o->script = a;
		else
			o->args[o->nargs++] = argv[i];
	}
	if (!o->script) {
		cli_err("run: no scenario given (try memsim run --help)");
		return EXIT_BADINPUT;
	}
	return 0;
}

/* Check -c / --set once up front, so a typo is a usage error (exit 2). */
static int check_overrides(const struct run_opts *o)
{
	struct sim_config c;
	char why[700];
	config_defaults(&c);
	for (int i = 0; i < o->nov; i++) {
		int rc = o->ov[i].is_file ? config_load_json(&c, o->ov[i].arg, why, sizeof why)
					  : config_set_kv(&c, o->ov[i].arg, why, sizeof why);
		if (rc) {
			cli_err("%s", why);
			return EXIT_BADINPUT;
		}
	}
	return 0;
}

/* ---- the Lua side --------------------------------------------------------------------------- */

/* Once the stop flag is up, the hook fires on every instruction of the
 * thread (so a script that catches the error with pcall still ends: the
 * next instruction outside the pcall raises again). */
static void stop_hook(lua_State *L, lua_Debug *ar)
{
	(void)ar;
	if (cli_stop) {
		lua_sethook(L, stop_hook, LUA_MASKCOUNT, 1);
		luaL_error(L, "interrupted");
	}
}

/* package.path gets the scenario's directory first (helper modules). */
static void add_script_dir(lua_State *L, const char *script)
{
	const char *slash = strrchr(script, '/');
	lua_getglobal(L, "package");
	if (slash)
		lua_pushlstring(L, script, (size_t)(slash - script));
	else
		lua_pushliteral(L, ".");
	lua_pushliteral(L, "/?.lua;");
	lua_getfield(L, -3, "path");
	lua_concat(L, 3);
	lua_setfield(L, -2, "path");
	lua_pop(L, 1);
}

static void set_arg(lua_State *L, const struct run_opts *o)
{
	lua_createtable(L, o->nargs, 2);
	lua_pushstring(L, o->script);
	lua_rawseti(L, -2, 0);
	lua_pushliteral(L, "memsim run");
	lua_rawseti(L, -2, -1);
	for (int i = 0; i < o->nargs; i++) {
		lua_pushstring(L, o->args[i]);
		lua_rawseti(L, -2, i + 1);
	}
	lua_setglobal(L, "arg");
}

static void report(lua_State *L, const struct run_opts *o)
{
	const char *msg = lua_tostring(L, -1);
	fflush(stdout);
	fprintf(stderr, "%s\n", msg ? msg : "(error object is not a string)");
	if (cli_stop)
		cli_err("interrupted; results so far are in %s", o->out);
	fflush(stderr);
}

/* --unsafe: os.exit ends the runs first (status complete for a true or 0
 * status, failed otherwise), since it does not return to pmain.  Upvalue 1
 * is the original os.exit. */
static int exit_after_runs(lua_State *L)
{
	int okay = lua_isnoneornil(L, 1) ||
		   (lua_isboolean(L, 1) ? lua_toboolean(L, 1) : lua_tointeger(L, 1) == 0);
	fflush(stdout);
	lsim_finish_all(L, okay ? RUN_COMPLETE : RUN_FAILED);
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, lua_gettop(L) - 1, 0);
	return 0;
}

static void wrap_os_exit(lua_State *L)
{
	lua_getglobal(L, "os");
	lua_getfield(L, -1, "exit");
	lua_pushcclosure(L, exit_after_runs, 1);
	lua_setfield(L, -2, "exit");
	lua_pop(L, 1);
}

/* Protected main: arg 1 is the struct run_opts. */
static int pmain(lua_State *L)
{
	struct run_opts *o = lua_touserdata(L, 1);
	o->r = (struct lsim_runner){ o->out, o->script, o->ov, o->nov, &cli_stop };
	luaL_openlibs(L);
	if (!o->unsafe)
		lsim_sandbox(L);
	else
		wrap_os_exit(L);
	luaL_requiref(L, "memsim", luaopen_memsim, 1);
	lua_pop(L, 1);
	lsim_set_runner(L, &o->r);
	add_script_dir(L, o->script);
	set_arg(L, o);
	lua_sethook(L, stop_hook, LUA_MASKCOUNT, HOOK_COUNT);

	int st = luaL_loadfile(L, o->script);
	if (st == LUA_ERRFILE) {
		/* "cannot open FILE: reason" names no line: a usage error, so the
		 * "memsim: " prefix of the other usage errors */
		const char *msg = lua_tostring(L, -1);
		cli_err("%s", msg ? msg : "cannot read the scenario");
		o->exit_code = EXIT_BADINPUT;
		return 0;
	}
	if (st != LUA_OK) {
		report(L, o);
		o->exit_code = EXIT_BADINPUT;
		return 0;
	}
	lua_pushcfunction(L, lsim_msghandler);
	lua_insert(L, -2);
	int base = lua_gettop(L) - 1;
	for (int i = 0; i < o->nargs; i++)
		lua_pushstring(L, o->args[i]);
	st = lua_pcall(L, o->nargs, 0, base);
	enum run_status rs = RUN_COMPLETE;
	o->exit_code = 0;
	if (st != LUA_OK) {
		report(L, o);
		rs = cli_stop ? RUN_INTERRUPTED : RUN_FAILED;
		o->exit_code = cli_stop ? EXIT_INTERRUPTED : EXIT_SIMFAIL;
	}
	lua_sethook(L, NULL, 0, 0);
	fflush(stdout);
	lsim_finish_all(L, rs);
	return 0;
}

int cli_run(int argc, char **argv)
{
	struct run_opts o;
	memset(&o, 0, sizeof o);
	o.out = "memsim.db";
	int rc = parse_args(argc, argv, &o);
	if (!rc)
		rc = check_overrides(&o);
	if (rc) {
		free(o.ov);
		free(o.args);
		return rc;
	}
	lua_State *L = luaL_newstate();
	if (!L) {
		cli_err("run: cannot create a Lua state (out of memory)");
		free(o.ov);
		free(o.args);
		return EXIT_SIMFAIL;
	}
	cli_install_signals();
	o.exit_code = EXIT_SIMFAIL;
	lua_pushcfunction(L, pmain);
	lua_pushlightuserdata(L, &o);
	if (lua_pcall(L, 1, 0, 0) != LUA_OK) {
		const char *msg = lua_tostring(L, -1);
		fprintf(stderr, "memsim: %s\n", msg ? msg : "error");
		o.exit_code = cli_stop ? EXIT_INTERRUPTED : EXIT_SIMFAIL;
		lsim_finish_all(L, cli_stop ? RUN_INTERRUPTED : RUN_FAILED);
	}
	lua_close(L);
	fflush(stdout);
	free(o.ov);
	free(o.args);
	return o.exit_code;
}

/*
 * lua/lsim.c - the "memsim.Sim" object: memsim.new, the run in the result
 * database, processes and files, marks, statistics, sim:query, closing.
 *
 * Life cycle of a simulation (one `runs` row each):
 *
 *   memsim.new{...} --> open --(sim:close(), <close>, __gc, end of the
 *                        |      scenario: lsim_finish_all)--> closed
 *                        +-- sim:run / sim:replay (running; rule 1 of
 *                            lmemsim.h: cannot close while running)
 *
 * At close: counters (sim_write_counters), the run's final status
 * (complete; failed or interrupted when a to-be-closed variable is closed by
 * an error or the runner ends a failed scenario), the queued timers are
 * drained, the database closed and the machine destroyed.  Process objects
 * outlive it and then raise "simulation is closed".
 *
 * sim:query sees only this simulation's run: on first use it creates TEMP
 * views named like the tables (runs, events, faults, counters, samples and
 * the summary views) on the query connection, filtered by run_id; SQLite
 * resolves unqualified names to TEMP first.  `main.faults` reaches every run.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <memsim/config.h>
#include <memsim/trace.h>

#include "lmemsim.h"

#ifndef MEMSIM_VERSION
#define MEMSIM_VERSION "unknown"
#endif

/* ---- access ------------------------------------------------------------------------------ */

struct lsim *lsim__checkany(lua_State *L, int idx)
{
	return luaL_checkudata(L, idx, LSIM_SIM_MT);
}

struct lsim *lsim__check(lua_State *L, int idx, const char *what)
{
	struct lsim *ls = lsim__checkany(L, idx);
	if (!ls->s)
		luaL_error(L, "%s: simulation is closed", what);
	return ls;
}

void lsim__uv(lua_State *L, int idx)
{
	lua_getiuservalue(L, idx, 1);
}

lua_State *lsim__enter(struct lsim *ls, lua_State *L)
{
	lua_State *prev = ls->L;
	ls->L = L;
	ls->depth++;
	return prev;
}

void lsim__leave(struct lsim *ls, lua_State *prev)
{
	ls->L = prev;
	ls->depth--;
}

void lsim__raise_pending(lua_State *L, struct lsim *ls, int simidx)
{
	if (ls->err_nomem) {
		ls->err_nomem = 0;
		ls->err_pending = 0;
		luaL_error(L, "not enough memory (in a memsim callback)");
	}
	if (!ls->err_pending)
		return;
	ls->err_pending = 0;
	simidx = lua_absindex(L, simidx);
	lsim__uv(L, simidx);
	lua_getfield(L, -1, "err");
	lua_pushnil(L);
	lua_setfield(L, -3, "err");
	lua_error(L);
}

int lsim__core_error(lua_State *L, struct lsim *ls, const char *what, int rc)
{
	if (rc == SIM_EINTR)
		return luaL_error(L, "%s: interrupted", what);
	return luaL_error(L, "%s: %s", what, sim_errmsg(ls->s));
}

void lsim__check_mutable(lua_State *L, struct lsim *ls, const char *what)
{
	if (ls->in_observer)
		luaL_error(L, "%s: not allowed inside a sim:on callback (the simulation is "
			   "read-only there; schedule the work with sim:at(sim:now(), fn))", what);
}

/* ---- memsim.new ------------------------------------------------------------------------- */

static void sims_register(lua_State *L, struct lsim *ls, int idx)
{
	idx = lua_absindex(L, idx);
	lsim__push_sims(L);
	lua_pushvalue(L, idx);
	lua_rawsetp(L, -2, ls);
	lua_pop(L, 1);
}

/* The options that are not config keys: db (string, or false for none) and
 * source (the runs.source label). */
static const char *opt_db(lua_State *L, int opts, int *none)
{
	const struct lsim_runner *r = lsim__runner(L);
	const char *def = r && r->db ? r->db : "memsim.db";
	*none = 0;
	if (lua_isnoneornil(L, opts))
		return def;
	switch (lua_getfield(L, opts, "db")) {
	case LUA_TNIL:
		lua_pop(L, 1);
		return def;
	case LUA_TBOOLEAN:
		if (!lua_toboolean(L, -1)) {
			lua_pop(L, 1);
			*none = 1;
			return NULL;
		}
		break;
	case LUA_TSTRING: {
		const char *s = lua_tostring(L, -1); /* anchored by the options table */
		lua_pop(L, 1);
		return s;
	}
	default:
		break;
	}
	luaL_argerror(L, opts, "field 'db': expected a file name or false");
	return NULL;
}

static const char *opt_source(lua_State *L, int opts)
{
	const struct lsim_runner *r = lsim__runner(L);
	const char *def = r && r->source ? r->source : "lua";
	if (lua_isnoneornil(L, opts) || lua_getfield(L, opts, "source") == LUA_TNIL) {
		if (!lua_isnoneornil(L, opts))
			lua_pop(L, 1);
		return def;
	}
	if (lua_type(L, -1) != LUA_TSTRING)
		luaL_argerror(L, opts, "field 'source': expected a string");
	const char *s = lua_tostring(L, -1);
	lua_pop(L, 1);
	return s;
}

static void open_db(lua_State *L, struct lsim *ls, const char *db, const char *source,
		    const struct sim_config *cfg)
{
	char err[SIM_ERRMSG_MAX + 128], arch[32];
	ls->db = strdup(db);
	if (!ls->db)
		luaL_error(L, "memsim.new: out of memory");
	ls->k = sink_open(db, err, sizeof err);
	if (!ls->k)
		luaL_error(L, "memsim.new: %s", err);
	char *json = config_to_json(cfg);
	config_get(cfg, "arch", arch, sizeof arch);
	struct sink_run_info ri = { arch, json ? json : "{}", source, MEMSIM_VERSION, 0 };
	int64_t id = sink_run_begin(ls->k, &ri);
	free(json);
	if (id < 0)
		luaL_error(L, "memsim.new: %s: %s", db, sink_errmsg(ls->k));
	ls->run_id = id;
	sim_set_sink(ls->s, ls->k);
}

/* memsim.new([opts]) -> Sim */
int lsim__new(lua_State *L)
{
	struct sim_config cfg;
	int nodb;
	lsim__config_from_table(L, 1, &cfg);
	const char *db = opt_db(L, 1, &nodb);
	const char *source = opt_source(L, 1);

	struct lsim *ls = lua_newuserdatauv(L, sizeof(*ls), 1);
	memset(ls, 0, sizeof(*ls));
	lua_createtable(L, 0, 4);
	lua_newtable(L);
	lua_setfield(L, -2, "procs");   /* pid -> Process */
	lua_newtable(L);
	lua_setfield(L, -2, "cbs");     /* event type -> { fn, ... } */
	lua_newtable(L);
	lua_setfield(L, -2, "refs");    /* timer closures and coroutines (luaL_ref) */
	lua_setiuservalue(L, -2, 1);
	luaL_setmetatable(L, LSIM_SIM_MT);

	char err[SIM_ERRMSG_MAX + 64];
	ls->s = sim_create(&cfg, err, sizeof err);
	if (!ls->s)
		return luaL_error(L, "memsim.new: %s", err);
	sims_register(L, ls, -1);
	if (!nodb)
		open_db(L, ls, db, source, &cfg);
	const struct lsim_runner *r = lsim__runner(L);
	if (r && r->stop) {
		ls->stop = r->stop;
		sim_set_stop_flag(ls->s, r->stop);
	}
	return 1;
}

/* ---- closing ---------------------------------------------------------------------------- */

/* End the run and free the machine; returns 0 or the sink's error. */
static int close_quiet(struct lsim *ls, enum run_status st)
{
	int rc = 0;
	if (!ls->s)
		return 0;
	ls->closed = 1;
	if (ls->k && ls->run_id > 0) {
		sim_write_counters(ls->s);
		rc = sink_run_end(ls->k, st);
	}
	sim_set_sink(ls->s, NULL);
	sim_set_observer(ls->s, NULL, NULL);
	lsim__drain(ls);
	sink_close(ls->k);
	sim_destroy(ls->s);
	free(ls->db);
	ls->s = NULL;
	ls->k = NULL;
	ls->db = NULL;
	return rc;
}

void lsim__close(lua_State *L, struct lsim *ls, enum run_status st)
{
	if (!ls->s)
		return;
	if (ls->depth > 0 || ls->running)
		luaL_error(L, "cannot close a simulation while it is running");
	char path[512];
	snprintf(path, sizeof path, "%s", ls->db ? ls->db : "");
	if (close_quiet(ls, st))
		luaL_error(L, "closing %s: the database could not be completed", path);
}

static enum run_status status_for_error(lua_State *L, int erridx)
{
	if (lua_isnoneornil(L, erridx))
		return RUN_COMPLETE;
	const struct lsim_runner *r = lsim__runner(L);
	return r && r->stop && *r->stop ? RUN_INTERRUPTED : RUN_FAILED;
}

/* sim:close() */
static int l_close(lua_State *L)
{
	lsim__close(L, lsim__checkany(L, 1), RUN_COMPLETE);
	return 0;
}

/* __close(sim, err): status failed (or interrupted) when closed by an error */
static int l_tbc(lua_State *L)
{
	struct lsim *ls = lsim__checkany(L, 1);
	lsim__close(L, ls, status_for_error(L, 2));
	return 0;
}

static int l_gc(lua_State *L)
{
	struct lsim *ls = lsim__checkany(L, 1);
	if (ls->depth == 0 && !ls->running)
		close_quiet(ls, RUN_COMPLETE);
	return 0;
}

void lsim_finish_all(lua_State *L, enum run_status st)
{
	lsim__push_sims(L);
	int t = lua_gettop(L);
	lua_pushnil(L);
	while (lua_next(L, t)) {
		struct lsim *ls = luaL_testudata(L, -1, LSIM_SIM_MT);
		if (ls && ls->depth == 0 && !ls->running)
			close_quiet(ls, st);
		lua_pop(L, 1);
	}
	lua_pop(L, 1);
}

/* ---- processes and files ---------------------------------------------------------------- */

void lsim__push_proc(lua_State *L, int simidx, uint32_t pid)
{
	simidx = lua_absindex(L, simidx);
	struct lsim *ls = lsim__checkany(L, simidx);
	lsim__uv(L, simidx);
	lua_getfield(L, -1, "procs");
	lua_remove(L, -2);
	if (lua_rawgeti(L, -1, pid) != LUA_TNIL) {
		lua_remove(L, -2);
		return;
	}
	lua_pop(L, 1);
	struct task *t = ls->s ? sim_task(ls->s, pid) : NULL;
	if (!t) {
		lua_pop(L, 1);
		lua_pushnil(L);
		return;
	}
	struct lproc *p = lua_newuserdatauv(L, sizeof(*p), 1);
	memset(p, 0, sizeof(*p));
	p->ls = ls;
	p->t = t;
	p->pid = pid;
	snprintf(p->name, sizeof p->name, "%s", task_name(t)); /* kept after close */
	lua_pushvalue(L, simidx);
	lua_setiuservalue(L, -2, 1);
	luaL_setmetatable(L, LSIM_PROC_MT);
	lua_pushvalue(L, -1);
	lua_rawseti(L, -3, pid);
	lua_remove(L, -2);
}

/* sim:process{name=, pid=} -> Process */
static int l_process(lua_State *L)
{
	struct lsim *ls = lsim__check(L, 1, "sim:process");
	const char *name = NULL;
	lua_Integer pid = 0;
	lsim__check_mutable(L, ls, "sim:process");
	if (!lua_isnoneornil(L, 2)) {
		static const char *const fields[] = { "name", "pid", NULL };
		luaL_checktype(L, 2, LUA_TTABLE);
		lsim__checkfields(L, 2, "sim:process", fields);
		lsim__name_pid(L, 2, &name, &pid);
	}
	if (pid && sim_task(ls->s, (uint32_t)pid))
		return luaL_error(L, "sim:process: pid %d exists already", (int)pid);
	struct task *t = sim_task_create(ls->s, (uint32_t)pid, name);
	if (!t)
		return luaL_error(L, "sim:process: out of memory");
	lsim__push_proc(L, 1, task_pid(t));
	return 1;
}

/* sim:find(pid) -> Process or nil */
static int l_find(lua_State *L)
{
	lsim__check(L, 1, "sim:find");
	lua_Integer pid = luaL_checkinteger(L, 2);
	if (pid <= 0 || pid > 0x7fffffff)
		lua_pushnil(L);
	else
		lsim__push_proc(L, 1, (uint32_t)pid);
	return 1;
}

/* A boolean field of an options table (absent: false). */
static int field_bool(lua_State *L, int arg, const char *field)
{
	int t = lua_getfield(L, arg, field);
	if (t != LUA_TNIL && t != LUA_TBOOLEAN)
		luaL_argerror(L, arg, lua_pushfstring(L, "field '%s': expected a boolean, got %s",
						      field, luaL_typename(L, -1)));
	int b = lua_toboolean(L, -1);
	lua_pop(L, 1);
	return b;
}

/* sim:file{name=, size=, cached=false, shmem=false} -> name */
static int l_file(lua_State *L)
{
	static const char *const fields[] = { "name", "size", "cached", "shmem", NULL };
	struct lsim *ls = lsim__check(L, 1, "sim:file");
	struct trace_op op;
	memset(&op, 0, sizeof op);
	lsim__check_mutable(L, ls, "sim:file");
	luaL_checktype(L, 2, LUA_TTABLE);
	lsim__checkfields(L, 2, "sim:file", fields);
	if (lua_getfield(L, 2, "name") != LUA_TSTRING)
		luaL_argerror(L, 2, "field 'name': expected a string");
	op.name = lua_tostring(L, -1);
	if (!*op.name || strpbrk(op.name, " \t\n:"))
		luaL_argerror(L, 2, "field 'name': must be non-empty, without blanks or ':'");
	if (!lsim__fieldsize(L, 2, "size", &op.len))
		luaL_argerror(L, 2, "field 'size' is required");
	op.flags = (field_bool(L, 2, "cached") ? TFILE_CACHED : 0) |
		   (field_bool(L, 2, "shmem") ? TFILE_SHMEM : 0);
	op.op = TOP_FILE;
	int rc;
	lua_State *prev = lsim__enter(ls, L);
	sim_syscall(ls->s, &op, &rc);
	lsim__leave(ls, prev);
	lsim__raise_pending(L, ls, 1);
	if (rc)
		return lsim__core_error(L, ls, "sim:file", rc);
	lua_pushstring(L, op.name);
	return 1;
}

/* sim:mark(label) */
static int l_mark(lua_State *L)
{
	struct lsim *ls = lsim__check(L, 1, "sim:mark");
	const char *label = luaL_checkstring(L, 2);
	lsim__check_mutable(L, ls, "sim:mark");
	lua_State *prev = lsim__enter(ls, L);
	int rc = sim_mark(ls->s, 0, label);
	lsim__leave(ls, prev);
	lsim__raise_pending(L, ls, 1);
	if (rc)
		return lsim__core_error(L, ls, "sim:mark", rc);
	return 0;
}

/* ---- statistics ------------------------------------------------------------------------- */

static void set_u64(lua_State *L, const char *k, uint64_t v)
{
	lua_pushinteger(L, (lua_Integer)v);
	lua_setfield(L, -2, k);
}

static void push_tlb_level(lua_State *L, const char *name, uint64_t hits, uint64_t misses)
{
	lua_createtable(L, 0, 3);
	set_u64(L, "hits", hits);
	set_u64(L, "misses", misses);
	lua_pushnumber(L, hits + misses ? (double)misses / (double)(hits + misses) : 0.0);
	lua_setfield(L, -2, "miss_rate");
	lua_setfield(L, -2, name);
}

/* Push the counters of *st as a table (the names of the counters table, DESIGN 6). */
void lsim__push_stats(lua_State *L, const struct proc_stats *st)
{
	const struct tlb_stats *t = &st->tlb;
	lua_createtable(L, 0, 32);
	for (size_t i = 0; i < SIM_NCOUNTERS; i++)
		set_u64(L, sim_counters[i].name, sim_counter_value(st, &sim_counters[i]));
	lua_createtable(L, 0, 3);
	push_tlb_level(L, "l1d", t->l1d_hits, t->l1d_misses);
	push_tlb_level(L, "l1i", t->l1i_hits, t->l1i_misses);
	push_tlb_level(L, "l2", t->l2_hits, t->l2_misses);
	lua_setfield(L, -2, "tlb");
}

/* sim:stats() -> counters of the whole system (pid 0), plus rss and swap
 * (summed over the processes), free_pages and t_ns */
static int l_stats(lua_State *L)
{
	struct lsim *ls = lsim__check(L, 1, "sim:stats");
	struct proc_stats st;
	sim_stats(ls->s, &st);
	lsim__push_stats(L, &st);
	set_u64(L, "rss", sim_rss(ls->s));
	set_u64(L, "swap", sim_swapents(ls->s));
	set_u64(L, "free_pages", sim_free_pages(ls->s));
	set_u64(L, "t_ns", sim_now(ls->s));
	return 1;
}

/* sim:now() -> simulated time in ns */
static int l_now(lua_State *L)
{
	struct lsim *ls = lsim__check(L, 1, "sim:now");
	lua_pushinteger(L, (lua_Integer)sim_now(ls->s));
	return 1;
}

/* sim:config([key]) -> value string, or a table of every key */
static int l_config(lua_State *L)
{
	struct lsim *ls = lsim__check(L, 1, "sim:config");
	const struct sim_config *c = sim_config(ls->s);
	char v[128];
	if (!lua_isnoneornil(L, 2)) {
		const char *k = luaL_checkstring(L, 2);
		if (config_get(c, k, v, sizeof v))
			return luaL_argerror(L, 2,
					     lua_pushfstring(L, "unknown config key '%s'", k));
		lua_pushstring(L, v);
		return 1;
	}
	lua_newtable(L);
	for (unsigned i = 0; config_key_name(i); i++) {
		config_get(c, config_key_name(i), v, sizeof v);
		lua_pushstring(L, v);
		lua_setfield(L, -2, config_key_name(i));
	}
	return 1;
}

/* ---- sim:query ----------------------------------------------------------------------------- */

struct qrow {
	int ncol;
	const char *const *names;
	const struct sink_value *vals;
};

/* Protected: append one row table to the list (arg 1). */
static int qrow_push(lua_State *L)
{
	const struct qrow *r = lua_touserdata(L, 2);
	lua_createtable(L, 0, r->ncol);
	for (int c = 0; c < r->ncol; c++) {
		const struct sink_value *v = &r->vals[c];
		switch (v->type) {
		case SINK_INT: lua_pushinteger(L, v->i); break;
		case SINK_REAL: lua_pushnumber(L, v->d); break;
		case SINK_TEXT: lua_pushlstring(L, v->s ? v->s : "", v->n); break;
		default: continue;
		}
		lua_setfield(L, -2, r->names[c]);
	}
	lua_rawseti(L, 1, (lua_Integer)lua_rawlen(L, 1) + 1);
	return 0;
}

struct qctx {
	lua_State *L;
	int list;
	int failed;
};

/* sink_query's row callback: never raises (R23). */
static int qrow_cb(void *ud, int ncol, const char *const *names, const struct sink_value *vals)
{
	struct qctx *q = ud;
	struct qrow r = { ncol, names, vals };
	if (!lua_checkstack(q->L, 4)) {
		q->failed = 1;
		return 1;
	}
	lua_pushcfunction(q->L, qrow_push);
	lua_pushvalue(q->L, q->list);
	lua_pushlightuserdata(q->L, &r);
	if (lua_pcall(q->L, 2, 0, 0) != LUA_OK) {
		lua_pop(q->L, 1);
		q->failed = 1;
		return 1;
	}
	return 0;
}

static void make_views(lua_State *L, struct lsim *ls)
{
	static const char *const names[] = { "runs", "events", "faults", "counters", "samples",
					     "fault_summary", "event_summary", "tlb_summary" };
	luaL_Buffer b;
	char err[600];
	luaL_buffinit(L, &b);
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		char line[200];
		snprintf(line, sizeof line, "CREATE TEMP VIEW IF NOT EXISTS %s AS SELECT * FROM "
			 "main.%s WHERE run_id = %" PRId64 ";\n", names[i], names[i], ls->run_id);
		luaL_addstring(&b, line);
	}
	luaL_pushresult(&b);
	if (sink_query(ls->k, lua_tostring(L, -1), NULL, 0, NULL, NULL, err, sizeof err))
		luaL_error(L, "sim:query: %s", err);
	lua_pop(L, 1);
	ls->views = 1;
}

static void query_params(lua_State *L, int first, int n, struct sink_value *p)
{
	for (int i = 0; i < n; i++) {
		int a = first + i;
		memset(&p[i], 0, sizeof p[i]);
		switch (lua_type(L, a)) {
		case LUA_TNIL: p[i].type = SINK_NULL; break;
		case LUA_TBOOLEAN: p[i].type = SINK_INT; p[i].i = lua_toboolean(L, a); break;
		case LUA_TNUMBER:
			if (lua_isinteger(L, a)) {
				p[i].type = SINK_INT;
				p[i].i = lua_tointeger(L, a);
			} else {
				p[i].type = SINK_REAL;
				p[i].d = lua_tonumber(L, a);
			}
			break;
		case LUA_TSTRING:
			p[i].type = SINK_TEXT;
			p[i].s = lua_tolstring(L, a, &p[i].n);
			if (!p[i].n)
				p[i].s = "";
			break;
		default:
			luaL_argerror(L, a, lua_pushfstring(L, "SQL parameter must be nil, a "
					"boolean, number or string, got %s", luaL_typename(L, a)));
		}
	}
}

/* Raise a query's error, named after the method. */
static int query_error(lua_State *L, const char *err)
{
	return luaL_error(L, "sim:query: %s", err);
}

/* sim:query(sql, ...) -> { {col = value, ...}, ... } */
static int l_query(lua_State *L)
{
	struct lsim *ls = lsim__check(L, 1, "sim:query");
	const char *sql = luaL_checkstring(L, 2);
	int nparams = lua_gettop(L) - 2;
	struct sink_value *p = lua_newuserdatauv(L, sizeof(*p) * (size_t)(nparams + 1), 0);
	query_params(L, 3, nparams, p);
	if (!ls->k)
		return luaL_error(L, "sim:query: this simulation has no database "
				  "(it was made with memsim.new{db = false})");
	if (!ls->views)
		make_views(L, ls);
	lua_newtable(L);
	struct qctx q = { L, lua_gettop(L), 0 };
	char err[600];
	int rc = sink_query(ls->k, sql, p, nparams, qrow_cb, &q, err, sizeof err);
	if (q.failed)
		return luaL_error(L, "sim:query: not enough memory for the result");
	if (rc)
		return query_error(L, err);
	return 1;
}

/* ---- metatable ----------------------------------------------------------------------------- */

static int l_tostring(lua_State *L)
{
	struct lsim *ls = lsim__checkany(L, 1);
	if (!ls->s) {
		lua_pushfstring(L, "memsim.Sim (closed) %p", (void *)ls);
		return 1;
	}
	char arch[32], mode[16];
	config_get(sim_config(ls->s), "arch", arch, sizeof arch);
	config_get(sim_config(ls->s), "mode", mode, sizeof mode);
	lua_pushfstring(L, "memsim.Sim(%s, %s, t=%I ns, run %I)", arch, mode,
			(lua_Integer)sim_now(ls->s), (lua_Integer)ls->run_id);
	return 1;
}

/* __index: methods first, then the read-only fields. */
static int l_index(lua_State *L)
{
	struct lsim *ls = lsim__checkany(L, 1);
	lua_pushvalue(L, 2);
	if (lua_rawget(L, lua_upvalueindex(1)) != LUA_TNIL)
		return 1;
	const char *k = lua_tostring(L, 2);
	if (!k)
		return 1;
	if (!strcmp(k, "closed")) {
		lua_pushboolean(L, ls->s == NULL);
	} else if (!strcmp(k, "db")) {
		if (ls->db)
			lua_pushstring(L, ls->db);
		else
			lua_pushnil(L);
	} else if (!strcmp(k, "run_id")) {
		if (ls->run_id > 0)
			lua_pushinteger(L, ls->run_id);
		else
			lua_pushnil(L);
	} else if (ls->s && (!strcmp(k, "arch") || !strcmp(k, "mode"))) {
		char v[32];
		config_get(sim_config(ls->s), k, v, sizeof v);
		lua_pushstring(L, v);
	} else if (ls->s && !strcmp(k, "page_size")) {
		const struct sim_config *c = sim_config(ls->s);
		lua_pushinteger(L, c->arch == ARCH_ARM64 ? c->paging_granule : 4096);
	} else {
		lua_pushnil(L);
	}
	return 1;
}

static const luaL_Reg sim_methods[] = {
	{ "close", l_close },     { "process", l_process }, { "find", l_find },
	{ "file", l_file },       { "mark", l_mark },       { "stats", l_stats },
	{ "now", l_now },         { "config", l_config },   { "query", l_query },
	{ NULL, NULL },
};

void lsim__open_sim(lua_State *L)
{
	if (!luaL_newmetatable(L, LSIM_SIM_MT)) {
		lua_pop(L, 1);
		return;
	}
	luaL_newlib(L, sim_methods);
	lsim__sched_methods(L);
	lua_pushcclosure(L, l_index, 1);
	lua_setfield(L, -2, "__index");
	lua_pushcfunction(L, l_gc);
	lua_setfield(L, -2, "__gc");
	lua_pushcfunction(L, l_tbc);
	lua_setfield(L, -2, "__close");
	lua_pushcfunction(L, l_tostring);
	lua_setfield(L, -2, "__tostring");
	lua_pushliteral(L, LSIM_SIM_MT);
	lua_setfield(L, -2, "__name");
	lua_pop(L, 1);
}

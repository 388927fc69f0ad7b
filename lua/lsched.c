/*
 * lua/lsched.c - Lua under the discrete-event engine: timers (sim:at,
 * sim:every), processes as coroutines (sim:spawn), sim:run / sim:stop,
 * sim:replay, and the sim:on observers.  Home of every trampoline (R23):
 * the core calls lev_fire (a queued closure) and observer(); both run Lua
 * only under lua_pcall / lua_resume and hand errors back as a stored error
 * plus a negative rc, never as a longjmp across core frames.
 *
 * Scheduling a spawned process (a coroutine with its own clock):
 *
 *   sim_at(T) --> lev_fire at T: resume the body; it runs until its next
 *      operation has run (the op binding yields, lsim__op_return) or it
 *      sleeps (lsim__sleep) or returns.
 *      yielded after an op:  cost = now - T; clock set back to T;
 *                            next resume queued at T + cost
 *      slept ns:             next resume at T + ns
 *      returned / failed:    the body is over (an error is stored)
 *
 * So one process's operation takes simulated time during which the others
 * run: a major fault (io_read_ns) blocks only the process that took it.
 * Timer callbacks are instantaneous: the clock is set back to their time
 * after they return (their operations still record their latencies).
 *
 * Invariants:
 *   1. Every queued closure is a malloc'd struct lev owned by the queue: it
 *      is freed by the lev_fire call that does not queue it again, or by
 *      lsim__drain (sim_drop_timers) when the simulation closes.
 *   2. ls->npending = queued at-timers + bodies not finished; ls->nuntil =
 *      queued end times of sim:run(t) not cancelled.  There is work while
 *      npending > 0, nuntil > 0 or a trace stream of sim:replay is live
 *      (has_work).  Periodic timers run only while there is work: the
 *      moment the last at-timer or body is done, stop_periodic frees every
 *      periodic timer due later (so sim:run ends at the time of that last
 *      event, never at a later tick); one due at that very time still runs
 *      once.  The end of a replay's traces is seen only by the next tick
 *      (the engine tells no one): that tick still runs, then they all stop.
 *      So periodic timers never keep each other (or the engine's RSS
 *      sampler) alive.
 *   3. The Lua values a lev needs (function, coroutine) live in uv.refs;
 *      they are released by the lev_fire call that frees the lev, or with
 *      the uv table when the simulation is collected.
 *   4. ls->nqueued = closures in the engine's queue (push counts them,
 *      lev_fire uncounts each one it is called for, lev_drop each one
 *      sim_drop_timers hands back).
 */
#include <stdlib.h>
#include <string.h>

#include "lmemsim.h"

enum lev_kind { LEV_AT = 1, LEV_EVERY, LEV_SPAWN, LEV_UNTIL };

struct lev {
	struct lsim *ls;
	int kind;                /* enum lev_kind */
	int ref;                 /* uv.refs: function (AT, EVERY) or thread (SPAWN) */
	sim_time_t due;          /* the time it is queued for */
	uint64_t order;          /* push order (ties among re-queued ones) */
	struct lev *next;        /* stop_periodic's lists */
	int last;                /* EVERY: due when the work ended: runs once more */
	sim_time_t period;       /* EVERY */
	uint32_t pid;            /* SPAWN: the body's process */
	int nargs;               /* SPAWN: arguments of the first resume; -1 after */
	int done;                /* lev_fire_p: do not queue it again */
	int cancelled;           /* UNTIL: its sim:run is over */
};

static const char end_body_key = 0;

int lsim__end_body(lua_State *L)
{
	lua_pushlightuserdata(L, (void *)&end_body_key);
	return lua_error(L);
}

/* ---- yielding from operations ---------------------------------------------------------- */

static int op_cont(lua_State *L, int status, lua_KContext ctx)
{
	(void)L;
	(void)status;
	return (int)ctx;
}

int lsim__op_return(lua_State *L, struct lsim *ls, int nres)
{
	if (L == ls->cur_co && !ls->in_observer && lua_isyieldable(L)) {
		ls->yield = LSIM_Y_OP;
		return lua_yieldk(L, 0, nres, op_cont);
	}
	return nres;
}

int lsim__sleep(lua_State *L, struct lsim *ls, sim_time_t ns)
{
	if (L == ls->cur_co && !ls->in_observer && lua_isyieldable(L)) {
		ls->yield = LSIM_Y_SLEEP;
		ls->sleep_ns = ns;
		return lua_yieldk(L, 0, 0, op_cont);
	}
	sim_advance(ls->s, sim_now(ls->s) + ns);
	return 0;
}

/* ---- the closures the core calls ------------------------------------------------------- */

static int lev_fire(struct sim *s, void *ud);

/* Queue ev at t; counts it in ls->nqueued (invariant 4).  0 or SIM_ENOMEM. */
static int push(struct lsim *ls, sim_time_t t, struct lev *ev)
{
	sim_time_t now = sim_now(ls->s);
	int rc = sim_at(ls->s, t, lev_fire, ev);
	if (!rc) {
		ls->nqueued++;
		ev->due = t < now ? now : t;
		ev->order = ++ls->push_order;
	}
	return rc;
}

/* Invariant 2: anything but periodic timers left to run? */
static int has_work(const struct lsim *ls)
{
	return ls->npending > 0 || ls->nuntil > 0 || sim_streams_live(ls->s) > 0;
}

/* Push the Sim userdata of ls and its uv table (protected context only). */
static void push_sim_uv(lua_State *L, struct lsim *ls)
{
	lsim__push_sims(L);
	lua_rawgetp(L, -1, ls);
	lua_remove(L, -2);
	lsim__uv(L, -1);
}

/* Store the error at the top of L (with the traceback noted by lsim__msgh
 * or taken on `co`) as the pending error of ls.  uv at index uv. */
static void store_error(lua_State *L, struct lsim *ls, int uv, lua_State *co)
{
	if (co)
		lsim__note_traceback(L, co, -1);
	lua_setfield(L, uv, "err");
	ls->err_pending = 1;
}

static void unref(lua_State *L, int uv, int ref)
{
	lua_getfield(L, uv, "refs");
	luaL_unref(L, -1, ref);
	lua_pop(L, 1);
}

/* sim_drop_timers' callback of stop_periodic: onto ls->dropped. */
static void collect(void *ud)
{
	struct lev *ev = ud;
	ev->ls->nqueued--;
	ev->next = ev->ls->dropped;
	ev->ls->dropped = ev;
}

/* Invariant 2, once there is no work: take every closure out of the queue;
 * free the periodic timers due later than now (and cancelled end times)
 * without running them; queue again, in their order, those due now (they
 * run once more) and anything else (there is none: no work).  uv: the uv
 * table's index (for the references). */
static void stop_periodic(lua_State *L, struct lsim *ls, int uv)
{
	sim_time_t now = sim_now(ls->s);
	struct lev *keep = NULL;
	ls->dropped = NULL;
	sim_drop_timers(ls->s, collect);
	while (ls->dropped) {
		struct lev *ev = ls->dropped;
		ls->dropped = ev->next;
		if ((ev->kind == LEV_EVERY && ev->due > now) ||
		    (ev->kind == LEV_UNTIL && ev->cancelled)) {
			if (ev->ref != LUA_NOREF)
				unref(L, uv, ev->ref);
			free(ev);
			continue;
		}
		ev->last = ev->kind == LEV_EVERY;
		struct lev **pp = &keep; /* sorted by (due, order) */
		while (*pp && ((*pp)->due < ev->due ||
			       ((*pp)->due == ev->due && (*pp)->order < ev->order)))
			pp = &(*pp)->next;
		ev->next = *pp;
		*pp = ev;
	}
	while (keep) {
		struct lev *ev = keep;
		keep = ev->next;
		if (push(ls, ev->due, ev)) {
			if (ev->ref != LUA_NOREF)
				unref(L, uv, ev->ref);
			free(ev);
			luaL_error(L, "out of memory (queueing a timer)");
		}
	}
}

/* at / every: call the function with the time; 1 if it returned false. */
static int fire_timer(lua_State *L, struct lev *ev, int uv)
{
	struct lsim *ls = ev->ls;
	lua_pushcfunction(L, lsim__msgh);
	int h = lua_gettop(L);
	lua_getfield(L, uv, "refs");
	lua_rawgeti(L, -1, ev->ref);
	lua_remove(L, -2);
	lua_pushinteger(L, (lua_Integer)sim_now(ls->s));
	sim_time_t t = sim_now(ls->s);
	int st = lua_pcall(L, 1, 1, h);
	sim_set_clock(ls->s, t);
	if (st != LUA_OK) {
		store_error(L, ls, uv, NULL);
		return 1;
	}
	return lua_type(L, -1) == LUA_TBOOLEAN && !lua_toboolean(L, -1);
}

/* spawn: resume the body once (see the diagram above). */
static void fire_spawn(lua_State *L, struct lev *ev, int uv)
{
	struct lsim *ls = ev->ls;
	lua_getfield(L, uv, "refs");
	lua_rawgeti(L, -1, ev->ref);
	lua_State *co = lua_tothread(L, -1);
	if (!sim_task(ls->s, ev->pid)) {
		ev->done = 1;
		return;
	}
	sim_time_t T = sim_now(ls->s);
	lua_State *prev_co = ls->cur_co;
	uint32_t prev_pid = ls->cur_pid;
	int nres, nargs = ev->nargs > 0 ? ev->nargs : 0;
	ls->cur_co = co;
	ls->cur_pid = ev->pid;
	ls->yield = LSIM_Y_NONE;
	ev->nargs = -1;
	int st = lua_resume(co, L, nargs, &nres);
	ls->cur_co = prev_co;
	ls->cur_pid = prev_pid;
	sim_time_t wake = sim_now(ls->s);
	sim_set_clock(ls->s, T);
	if (st == LUA_YIELD) {
		lua_pop(co, nres);
		if (ls->yield == LSIM_Y_SLEEP)
			wake = T + ls->sleep_ns;
		if (push(ls, wake, ev))
			luaL_error(L, "out of memory (queueing a spawned process)");
		return;
	}
	ev->done = 1;
	if (st != LUA_OK && !(lua_touserdata(co, -1) == &end_body_key)) {
		lua_xmove(co, L, 1);
		store_error(L, ls, uv, co);
	}
}

/* Protected part of lev_fire: arg 1 is the lev. */
static int lev_fire_p(lua_State *L)
{
	struct lev *ev = lua_touserdata(L, 1);
	struct lsim *ls = ev->ls;
	push_sim_uv(L, ls);
	int uv = lua_gettop(L);
	switch (ev->kind) {
	case LEV_AT:
		fire_timer(L, ev, uv);
		ev->done = 1;
		break;
	case LEV_EVERY: {
		if (!has_work(ls) && !ev->last && !ls->replaying) {
			ev->done = 1; /* no work: no tick (stop_periodic took the others) */
			break;
		}
		ev->last = 0;
		int stop = fire_timer(L, ev, uv);
		ev->done = stop || ls->err_pending || !has_work(ls);
		if (!ev->done && push(ls, sim_now(ls->s) + ev->period, ev))
			luaL_error(L, "out of memory (queueing a timer)");
		break;
	}
	case LEV_SPAWN:
		fire_spawn(L, ev, uv);
		if (ev->done)
			ls->npending--;
		break;
	}
	if (ev->done)
		unref(L, uv, ev->ref);
	if (ev->done && !has_work(ls) && !ls->err_pending)
		stop_periodic(L, ls, uv);
	return 0;
}

static int lev_fire(struct sim *s, void *ud)
{
	struct lev *ev = ud;
	struct lsim *ls = ev->ls;
	ls->nqueued--;
	if (ev->kind == LEV_UNTIL) {
		int cancelled = ev->cancelled;
		if (!cancelled)
			ls->nuntil--;
		free(ev);
		return cancelled ? 0 : LSIM_STOP;
	}
	(void)s;
	if (ls->err_pending || ls->err_nomem || ls->stop_requested) {
		/* stop now; the closure runs when the simulation runs again */
		if (push(ls, sim_now(ls->s), ev))
			free(ev);
		return ls->stop_requested && !ls->err_pending ? LSIM_STOP : SIM_EASSERT;
	}
	lua_State *L = ls->L;
	if (ev->kind == LEV_AT)
		ls->npending--;
	ev->done = 0;
	if (!lua_checkstack(L, 4)) {
		ls->err_nomem = 1;
		free(ev);
		return SIM_ENOMEM;
	}
	lua_pushcfunction(L, lev_fire_p);
	lua_pushlightuserdata(L, ev);
	if (lua_pcall(L, 1, 0, 0) != LUA_OK) {
		lua_pop(L, 1);
		ls->err_nomem = 1;
		ev->done = 1;
	}
	if (ev->done)
		free(ev);
	if (ls->err_pending || ls->err_nomem)
		return SIM_EASSERT;
	return ls->stop_requested ? LSIM_STOP : 0;
}

static void lev_drop(void *ud)
{
	struct lev *ev = ud;
	ev->ls->nqueued--;
	free(ev);
}

/* Free every queued closure without running it (the engine hands them back
 * with sim_drop_timers); their Lua values go with the uv table. */
void lsim__drain(struct lsim *ls)
{
	ls->draining = 1;
	sim_drop_timers(ls->s, lev_drop);
}

/* Queue a new lev; the Lua value at the top is stored in uv.refs (popped). */
static struct lev *queue(lua_State *L, struct lsim *ls, int kind, sim_time_t t)
{
	struct lev *ev = calloc(1, sizeof(*ev));
	if (!ev)
		luaL_error(L, "out of memory");
	ev->ls = ls;
	ev->kind = kind;
	ev->ref = LUA_NOREF;
	if (kind != LEV_UNTIL) {
		lsim__uv(L, 1);
		lua_getfield(L, -1, "refs");
		lua_pushvalue(L, -3);
		ev->ref = luaL_ref(L, -2);
		lua_pop(L, 3);
	}
	if (push(ls, t, ev)) {
		free(ev);
		luaL_error(L, "out of memory");
	}
	if (kind == LEV_AT || kind == LEV_SPAWN)
		ls->npending++;
	else if (kind == LEV_UNTIL)
		ls->nuntil++;
	return ev;
}

/* sim:at(t, fn): call fn(t) at simulated time t (ns; now if t is past) */
static int l_at(lua_State *L)
{
	struct lsim *ls = lsim__check(L, 1, "sim:at");
	sim_time_t t = lsim__checktime(L, 2);
	luaL_checktype(L, 3, LUA_TFUNCTION);
	lua_settop(L, 3);
	queue(L, ls, LEV_AT, t);
	return 0;
}

/* sim:every(period, fn [, first]): call fn(t) every period ns */
static int l_every(lua_State *L)
{
	struct lsim *ls = lsim__check(L, 1, "sim:every");
	sim_time_t period = lsim__checktime(L, 2);
	luaL_argcheck(L, period > 0, 2, "period must be positive");
	luaL_checktype(L, 3, LUA_TFUNCTION);
	sim_time_t first = lua_isnoneornil(L, 4) ? sim_now(ls->s) + period : lsim__checktime(L, 4);
	lua_settop(L, 3);
	struct lev *ev = queue(L, ls, LEV_EVERY, first);
	ev->period = period;
	return 0;
}

/* The process a spawned body runs as: arg 2 is a Process, an options
 * table {name=, pid=, at=} or absent (then the body is arg 2). Pushes it. */
static int spawn_target(lua_State *L, struct lsim *ls, sim_time_t *at)
{
	*at = sim_now(ls->s);
	if (luaL_testudata(L, 2, LSIM_PROC_MT)) {
		struct lproc *p = lsim__checkproc(L, 2, "sim:spawn");
		if (p->ls != ls)
			luaL_argerror(L, 2, "the process belongs to another simulation");
		lua_pushvalue(L, 2);
		return 3;
	}
	const char *name = NULL;
	lua_Integer pid = 0;
	int fn = 2;
	if (lua_istable(L, 2)) {
		static const char *const fields[] = { "name", "pid", "at", NULL };
		lsim__checkfields(L, 2, "sim:spawn", fields);
		fn = 3;
		lsim__name_pid(L, 2, &name, &pid);
		if (lua_getfield(L, 2, "at") != LUA_TNIL)
			*at = lsim__checktime(L, lua_gettop(L));
		lua_pop(L, 1);
	}
	if (pid && sim_task(ls->s, (uint32_t)pid))
		luaL_error(L, "sim:spawn: pid %d exists already", (int)pid);
	struct task *t = sim_task_create(ls->s, (uint32_t)pid, name);
	if (!t)
		luaL_error(L, "sim:spawn: out of memory");
	lsim__push_proc(L, 1, task_pid(t));
	return fn;
}

/* sim:spawn([process | {name=, pid=, at=},] fn, ...) -> Process: run
 * fn(process, ...) as that process, one operation at a time */
static int l_spawn(lua_State *L)
{
	struct lsim *ls = lsim__check(L, 1, "sim:spawn");
	sim_time_t at;
	lsim__check_mutable(L, ls, "sim:spawn");
	int top = lua_gettop(L);
	int istarget = luaL_testudata(L, 2, LSIM_PROC_MT) || lua_istable(L, 2);
	luaL_checktype(L, istarget ? 3 : 2, LUA_TFUNCTION); /* before making a process */
	int fn = spawn_target(L, ls, &at);
	int proc = lua_gettop(L);
	struct lproc *p = lua_touserdata(L, proc);
	lua_State *co = lua_newthread(L);
	lua_pushvalue(L, fn);
	lua_pushvalue(L, proc);
	for (int i = fn + 1; i <= top; i++)
		lua_pushvalue(L, i);
	int nargs = 1 + (top - fn);
	lua_xmove(L, co, nargs + 1);
	struct lev *ev = queue(L, ls, LEV_SPAWN, at); /* pops the thread */
	ev->pid = p->pid;
	ev->nargs = nargs;
	return 1;
}

/* sim:run and sim:replay do not nest (rule 1). */
static void check_can_run(lua_State *L, struct lsim *ls, const char *what)
{
	if (ls->running || ls->depth)
		luaL_error(L, "%s: the simulation is already running (%s cannot be called "
			   "from a callback or a spawned process)", what, what);
}

/* sim:run([until]) -> now: run every queued event (or until time `until`) */
static int l_run(lua_State *L)
{
	struct lsim *ls = lsim__check(L, 1, "sim:run");
	check_can_run(L, ls, "sim:run");
	struct lev *until = NULL;
	if (!lua_isnoneornil(L, 2)) {
		sim_time_t t = lsim__checktime(L, 2);
		until = queue(L, ls, LEV_UNTIL, t);
	}
	if (!has_work(ls)) {
		/* only periodic timers: they do not run on their own (invariant 2) */
		lsim__uv(L, 1);
		stop_periodic(L, ls, lua_gettop(L));
		lua_pop(L, 1);
	}
	ls->running = 1;
	ls->stop_requested = 0;
	lua_State *prev = lsim__enter(ls, L);
	int rc = sim_run(ls->s);
	lsim__leave(ls, prev);
	ls->running = 0;
	ls->stop_requested = 0;
	if (until && rc != LSIM_STOP) {
		until->cancelled = 1; /* still queued: freed when it comes up */
		ls->nuntil--;
	}
	lsim__raise_pending(L, ls, 1);
	if (rc && rc != LSIM_STOP)
		return lsim__core_error(L, ls, "sim:run", rc);
	lua_pushinteger(L, (lua_Integer)sim_now(ls->s));
	return 1;
}

/* sim:stop(): end the current sim:run after the running callback */
static int l_stop(lua_State *L)
{
	struct lsim *ls = lsim__check(L, 1, "sim:stop");
	if (ls->running)
		ls->stop_requested = 1;
	return 0;
}

/* Push { [trace pid] = simulation pid } of the last replay. */
static void push_replay_pids(lua_State *L, struct lsim *ls)
{
	uint32_t tp, pid;
	lua_newtable(L);
	for (size_t i = 0; sim_replay_pid(ls->s, i, &tp, &pid); i++) {
		lua_pushinteger(L, (lua_Integer)pid);
		lua_rawseti(L, -2, (lua_Integer)tp);
	}
}

/* sim:replay(trace, ...) -> now, pids: replay trace files (with everything
 * queued); pids maps each trace pid to the simulation pid it ran as */
static int l_replay(lua_State *L)
{
	struct lsim *ls = lsim__check(L, 1, "sim:replay");
	int n = lua_gettop(L) - 1;
	luaL_argcheck(L, n >= 1, 2, "trace file name expected");
	check_can_run(L, ls, "sim:replay");
	const char **paths = lua_newuserdatauv(L, sizeof(char *) * (size_t)n, 0);
	for (int i = 0; i < n; i++)
		paths[i] = luaL_checkstring(L, i + 2);
	ls->running = 1;
	ls->replaying = 1;
	lua_State *prev = lsim__enter(ls, L);
	int rc = sim_replay(ls->s, paths, n, TRACE_AUTO);
	lsim__leave(ls, prev);
	ls->running = 0;
	ls->replaying = 0;
	ls->stop_requested = 0;
	lsim__raise_pending(L, ls, 1);
	if (rc && rc != LSIM_STOP)
		return lsim__core_error(L, ls, "sim:replay", rc);
	lua_pushinteger(L, (lua_Integer)sim_now(ls->s));
	push_replay_pids(L, ls);
	return 2;
}

/* ---- sim:on ----------------------------------------------------------------------------- */

static const char *on_name(unsigned type)
{
	return type == LSIM_ON_FAULT ? "fault" : sink_event_name(type);
}

static void push_fault(lua_State *L, const struct sink_fault *f)
{
	static const char *const acc[] = { "?", "R", "W", "X" };
	lua_createtable(L, 0, 13);
	lua_pushliteral(L, "fault");
	lua_setfield(L, -2, "type");
#define SETI(k, v) (lua_pushinteger(L, (lua_Integer)(v)), lua_setfield(L, -2, k))
	SETI("seq", f->seq);
	SETI("t_ns", f->t_ns);
	SETI("pid", f->pid);
	SETI("vaddr", f->vaddr);
	lua_pushstring(L, acc[f->access & 3]);
	lua_setfield(L, -2, "access");
	lua_pushstring(L, sink_fault_kind_name(f->kind));
	lua_setfield(L, -2, "kind");
	SETI("major", f->major);
	SETI("code", f->code);
	SETI("level", f->level);
	lua_pushstring(L, f->path ? f->path : "");
	lua_setfield(L, -2, "path");
	SETI("latency_ns", f->latency_ns);
}

static void push_event(lua_State *L, const struct sink_event *e)
{
	lua_createtable(L, 0, 8);
	SETI("seq", e->seq);
	SETI("t_ns", e->t_ns);
	SETI("pid", e->pid);
	lua_pushstring(L, sink_event_name(e->type));
	lua_setfield(L, -2, "type");
	SETI("vaddr", e->vaddr);
	SETI("len", e->len);
	if (e->label) {
		lua_pushstring(L, e->label);
		lua_setfield(L, -2, "label");
	}
#undef SETI
}

/* Protected: args ls, event, fault (light userdata). */
static int observer_p(lua_State *L)
{
	struct lsim *ls = lua_touserdata(L, 1);
	const struct sink_event *e = lua_touserdata(L, 2);
	const struct sink_fault *f = lua_touserdata(L, 3);
	push_sim_uv(L, ls);
	int uv = lua_gettop(L);
	lua_getfield(L, uv, "cbs");
	lua_getfield(L, -1, on_name(f ? LSIM_ON_FAULT : e->type));
	int list = lua_gettop(L);
	if (!lua_istable(L, list))
		return 0;
	if (f)
		push_fault(L, f);
	else
		push_event(L, e);
	int evt = lua_gettop(L);
	lua_pushcfunction(L, lsim__msgh);
	int h = lua_gettop(L);
	lua_Integer n = (lua_Integer)lua_rawlen(L, list);
	for (lua_Integer i = 1; i <= n; i++) {
		lua_rawgeti(L, list, i);
		lua_pushvalue(L, evt);
		if (lua_pcall(L, 1, 0, h) != LUA_OK) {
			store_error(L, ls, uv, NULL);
			break;
		}
	}
	return 0;
}

/* The core's observer: runs the sim:on callbacks of the event's type.  An
 * error in one is stored (store_error) and SIM_EASSERT returned: the core
 * completes the operation, delivers nothing more, and its driver returns
 * the rc, so the binding that called it raises the stored error (once). */
static int observer(void *ud, const struct sink_event *e, const struct sink_fault *f)
{
	struct lsim *ls = ud;
	unsigned type = f ? LSIM_ON_FAULT : e->type;
	if (ls->err_pending || ls->err_nomem)
		return SIM_EASSERT;
	if (!(ls->on_mask >> type & 1u) || ls->draining || !ls->L)
		return 0;
	lua_State *L = ls->L;
	if (!lua_checkstack(L, 5)) {
		ls->err_nomem = 1;
		return SIM_ENOMEM;
	}
	lua_pushcfunction(L, observer_p);
	lua_pushlightuserdata(L, ls);
	lua_pushlightuserdata(L, (void *)e);
	lua_pushlightuserdata(L, (void *)f);
	ls->in_observer++;
	if (lua_pcall(L, 3, 0, 0) != LUA_OK) {
		lua_pop(L, 1);
		ls->err_nomem = 1;
	}
	ls->in_observer--;
	if (ls->err_nomem)
		return SIM_ENOMEM;
	return ls->err_pending ? SIM_EASSERT : 0;
}

static int check_type(lua_State *L, int arg)
{
	const char *name = luaL_checkstring(L, arg);
	for (unsigned i = 0; i < LSIM_ON_NTYPES; i++)
		if (i != EV_FAULT && !strcmp(name, on_name(i))) /* "fault" is LSIM_ON_FAULT */
			return (int)i;
	luaL_Buffer b;
	luaL_buffinit(L, &b);
	lua_pushfstring(L, "unknown event type '%s' (expected fault", name);
	luaL_addvalue(&b);
	for (unsigned i = 0; i < EV__COUNT; i++) {
		if (i == EV_FAULT)
			continue;
		luaL_addstring(&b, ", ");
		luaL_addstring(&b, on_name(i));
	}
	luaL_addchar(&b, ')');
	luaL_pushresult(&b);
	return luaL_argerror(L, arg, lua_tostring(L, -1));
}

/* Replace uv.cbs[type] by a copy without fn (all when fn is nil), plus
 * `add` (a function index, 0 for none): lists are copied on write, so an
 * observer iterating one is never disturbed. */
static void set_callbacks(lua_State *L, struct lsim *ls, int type, int fn, int add)
{
	lsim__uv(L, 1);
	lua_getfield(L, -1, "cbs");
	lua_getfield(L, -1, on_name((unsigned)type));
	int old = lua_gettop(L);
	lua_newtable(L);
	lua_Integer n = 0;
	if (lua_istable(L, old) && (fn || add)) {
		lua_Integer m = (lua_Integer)lua_rawlen(L, old);
		for (lua_Integer i = 1; i <= m; i++) {
			lua_rawgeti(L, old, i);
			if (fn && lua_rawequal(L, -1, fn))
				lua_pop(L, 1);
			else
				lua_rawseti(L, -2, ++n);
		}
	}
	if (add) {
		lua_pushvalue(L, add);
		lua_rawseti(L, -2, ++n);
	}
	if (n == 0) {
		lua_pop(L, 1);
		lua_pushnil(L);
	}
	lua_setfield(L, old - 1, on_name((unsigned)type));
	lua_pop(L, 3);
	if (n)
		ls->on_mask |= 1u << type;
	else
		ls->on_mask &= ~(1u << type);
	sim_set_observer(ls->s, ls->on_mask ? observer : NULL, ls->on_mask ? ls : NULL);
}

/* sim:on(type, fn) -> fn: call fn(event) for every event of `type` */
static int l_on(lua_State *L)
{
	struct lsim *ls = lsim__check(L, 1, "sim:on");
	int type = check_type(L, 2);
	luaL_checktype(L, 3, LUA_TFUNCTION);
	set_callbacks(L, ls, type, 0, 3);
	lua_settop(L, 3);
	return 1;
}

/* sim:off(type [, fn]): remove fn (or every callback) for `type` */
static int l_off(lua_State *L)
{
	struct lsim *ls = lsim__check(L, 1, "sim:off");
	int type = check_type(L, 2);
	if (!lua_isnoneornil(L, 3))
		luaL_checktype(L, 3, LUA_TFUNCTION);
	set_callbacks(L, ls, type, lua_isnoneornil(L, 3) ? 0 : 3, 0);
	return 0;
}

static const luaL_Reg sched_methods[] = {
	{ "at", l_at },       { "every", l_every },   { "spawn", l_spawn }, { "run", l_run },
	{ "stop", l_stop },   { "replay", l_replay }, { "on", l_on },       { "off", l_off },
	{ NULL, NULL },
};

void lsim__sched_methods(lua_State *L)
{
	luaL_setfuncs(L, sched_methods, 0);
}

/*
 * lua/lmemsim.h - the Lua binding of memsim (DESIGN.md section 7): shared
 * internals of lmemsim.c, lconfig.c, lsim.c, lprocess.c and lsched.c, and the
 * few entry points the `memsim run` runner (run.c) uses.
 *
 * Objects.  A simulation is a full userdata "memsim.Sim" holding a
 * struct lsim; its user value 1 is a table (the "uv table") holding what the
 * C side must reach from Lua: callbacks, timer closures, spawned coroutines,
 * the Process objects by pid, a pending error.  A process is a full userdata
 * "memsim.Process" holding a struct lproc; its user value 1 is its Sim, so a
 * simulation lives at least as long as any of its processes.
 *
 * Errors (R21, R23).  Bindings check their arguments with luaL_check* and
 * turn a core rc into one luaL_error at the boundary.  The core calls back
 * into Lua (timers, spawned processes, sim:on observers) only through the
 * trampolines of lsched.c, which run Lua code under lua_pcall / lua_resume
 * and never let an error longjmp across core frames: an error raised in a
 * callback is stored in the uv table (ls->err_pending) and re-raised by the
 * binding once the core call has returned (lsim__raise_pending).
 *
 * Re-entrancy rules (numbered, relied on by every binding):
 *   1. ls->depth counts core calls in progress; sim:run, sim:replay and
 *      sim:close refuse to start while depth > 0.
 *   2. ls->in_observer > 0 while a sim:on callback runs: the simulation is
 *      read-only then (no operation, no mark, no new process), because the
 *      core is in the middle of the operation that produced the event.
 *   3. ls->L is the thread on which trampolines run Lua code: the thread of
 *      the innermost binding that called into the core.  Every binding that
 *      calls the core saves and restores it (lsim__enter / lsim__leave).
 *   4. ls->cur_co is the coroutine of the spawned process being resumed by
 *      the scheduler (NULL otherwise); an operation called on that thread
 *      yields after it has run (lsim__op_return).
 */
#ifndef MEMSIM_LUA_LMEMSIM_H
#define MEMSIM_LUA_LMEMSIM_H

#include <lauxlib.h>
#include <lua.h>

#include <memsim/sim.h>
#include <memsim/sink.h>

#define LSIM_SIM_MT "memsim.Sim"
#define LSIM_PROC_MT "memsim.Process"

/* An extra rc (besides SIM_E*) a trampoline returns to end sim_run early
 * on purpose: sim:stop() or the end time of sim:run(t). */
#define LSIM_STOP (-100)

/* The sim:on types: the event types of sink.h, plus "fault" (fault rows). */
#define LSIM_ON_FAULT EV__COUNT
#define LSIM_ON_NTYPES (EV__COUNT + 1)

struct lev;                  /* a queued Lua closure (lsched.c) */

/* How a spawned body gave control back to the scheduler. */
enum lsim_yield { LSIM_Y_NONE = 0, LSIM_Y_OP, LSIM_Y_SLEEP };

struct lsim {
	struct sim *s;           /* NULL once closed */
	struct sink *k;          /* NULL: no database (db = false) */
	char *db;                /* database path (malloc'd) or NULL */
	int64_t run_id;          /* runs.run_id, 0 without a database */
	int closed;              /* the run has ended */
	int views;               /* the per-run TEMP views exist (sim:query) */
	lua_State *L;            /* rule 3 */
	lua_State *cur_co;       /* rule 4 */
	uint32_t cur_pid;        /* the process whose body cur_co runs */
	int depth;               /* rule 1 */
	int in_observer;         /* rule 2 */
	int running;             /* inside sim:run / sim:replay */
	int replaying;           /* inside sim:replay */
	int stop_requested;      /* sim:stop() was called */
	int err_pending;         /* an error waits in uv.err */
	int err_nomem;           /* ... or a memory error could not even be stored */
	volatile int *stop;      /* the runner's stop flag (SIGINT), or NULL */
	int draining;            /* closing: the observer delivers nothing more */
	uint32_t on_mask;        /* bit i: sim:on callbacks exist for type i */
	long npending;           /* queued at-timers and live spawned bodies */
	long nuntil;             /* queued end times of sim:run(t), not cancelled */
	long nqueued;            /* struct lev closures in the engine's queue */
	uint64_t push_order;     /* closures queued so far (their order) */
	struct lev *dropped;     /* closures taken out of the queue (lsched.c) */
	enum lsim_yield yield;   /* set by the binding that yields a spawned body */
	sim_time_t sleep_ns;     /* LSIM_Y_SLEEP: how long */
};

struct lproc {
	struct lsim *ls;
	struct task *t;
	uint32_t pid;
	char name[32];           /* task_name(t), readable after the sim closed */
};

/* ---- lmemsim.c: module, registry, shared checks ------------------------------------ */
int luaopen_memsim(lua_State *L);
/* Push the registry table of live simulations (weak values, keyed by the
 * struct lsim pointer as a light userdata). */
void lsim__push_sims(lua_State *L);
/* Arguments: a size (bytes, "400K", "2M", "100p"), an address, a time in ns. */
uint64_t lsim__checksize(lua_State *L, int arg);
uint64_t lsim__optsize(lua_State *L, int arg, uint64_t def);
uint64_t lsim__checkaddr(lua_State *L, int arg);
sim_time_t lsim__checktime(lua_State *L, int arg);
/* The same checks for a field of an options table at `arg`: the error names
 * the field.  Return 0 when the field is absent (nil). */
int lsim__fieldsize(lua_State *L, int arg, const char *field, uint64_t *out);
int lsim__fieldaddr(lua_State *L, int arg, const char *field, uint64_t *out);
/* Raise "WHAT: unknown field 'NAME' (expected a, b, c)" when the options
 * table at `arg` has a key not in `fields` (NULL-terminated): a misspelt
 * option is an error, never silently ignored. */
void lsim__checkfields(lua_State *L, int arg, const char *what, const char *const fields[]);
/* The `name` and `pid` fields of the options table at `arg` (sim:process,
 * sim:spawn): *name stays NULL and *pid 0 when absent; a wrong type or a
 * pid out of 1..2^31-1 raises naming the field. */
void lsim__name_pid(lua_State *L, int arg, const char **name, lua_Integer *pid);
/* Message handler for callbacks: keeps the message, records its traceback. */
int lsim__msgh(lua_State *L);
/* Record `msg` (at the top of `L`) as the last error and its traceback
 * taken on thread `co` (a spawned body that died). */
void lsim__note_traceback(lua_State *L, lua_State *co, int msgidx);

/* ---- lconfig.c ------------------------------------------------------------------------ */
/* Fill *c from the options table at `idx` (config keys, nested or dotted;
 * "db" and "source" are skipped: they are not config keys), then apply the
 * runner's -c/--set overrides.  Raises a Lua error naming the key. */
void lsim__config_from_table(lua_State *L, int idx, struct sim_config *c);
/* The settings given by lsim_set_runner, or NULL (stock interpreter). */
const struct lsim_runner *lsim__runner(lua_State *L);

/* ---- lsim.c: the Sim object ----------------------------------------------------------- */
void lsim__open_sim(lua_State *L);      /* metatable "memsim.Sim" */
int lsim__new(lua_State *L);            /* memsim.new */
/* The open simulation at idx; raises "WHAT: simulation is closed". */
struct lsim *lsim__check(lua_State *L, int idx, const char *what);
struct lsim *lsim__checkany(lua_State *L, int idx);   /* open or closed */
/* Push the uv table of the Sim at idx. */
void lsim__uv(lua_State *L, int idx);
/* Push the Process object of pid (creating it for a process the core made:
 * fork, a trace), named as the core's task; nil if the pid never existed. */
void lsim__push_proc(lua_State *L, int simidx, uint32_t pid);
/* Close: end the run with `st`, free everything; idempotent.  Refuses
 * (Lua error) while the simulation is running (rule 1). */
void lsim__close(lua_State *L, struct lsim *ls, enum run_status st);
/* Boundary helpers (rules 1 and 3). */
lua_State *lsim__enter(struct lsim *ls, lua_State *L);
void lsim__leave(struct lsim *ls, lua_State *prev);
/* Push the counters of *st as a table (names of the counters table). */
void lsim__push_stats(lua_State *L, const struct proc_stats *st);
/* Raise the error stored by a trampoline, if any. */
void lsim__raise_pending(lua_State *L, struct lsim *ls, int simidx);
/* Raise the error of a failed core call (rc < 0): "what: sim_errmsg". */
int lsim__core_error(lua_State *L, struct lsim *ls, const char *what, int rc);
/* Refuse a state-changing call inside a sim:on callback (rule 2). */
void lsim__check_mutable(lua_State *L, struct lsim *ls, const char *what);

/* ---- lprocess.c: the Process object -------------------------------------------------- */
void lsim__open_process(lua_State *L);  /* metatable "memsim.Process" */
/* The Process at idx, of an open simulation ("WHAT: simulation is closed"). */
struct lproc *lsim__checkproc(lua_State *L, int idx, const char *what);

/* ---- lsched.c: timers, spawned processes, events, run -------------------------------- */
void lsim__sched_methods(lua_State *L); /* adds at/every/spawn/run/stop/replay/on/off */
/* After an operation with `nres` results on the stack: yield the spawned
 * body it runs in (rule 4), or return nres. */
int lsim__op_return(lua_State *L, struct lsim *ls, int nres);
/* p:sleep(ns) */
int lsim__sleep(lua_State *L, struct lsim *ls, sim_time_t ns);
/* End the spawned body running on L quietly (its process has exited). */
int lsim__end_body(lua_State *L);
/* Free every queued closure without running it (closing). */
void lsim__drain(struct lsim *ls);

/* ---- runner interface (run.c) -------------------------------------------------------- */
struct lsim_override {
	int is_file;             /* 1: "-c FILE.json"; 0: "--set KEY=VALUE" */
	const char *arg;
};
struct lsim_runner {
	const char *db;          /* default database (NULL: "memsim.db") */
	const char *source;      /* runs.source (the scenario path) */
	const struct lsim_override *ov;   /* applied after memsim.new's table */
	int nov;
	volatile int *stop;      /* SIGINT flag, given to every sim */
};
/* Make memsim.new use these settings; `r` must outlive `L`. */
void lsim_set_runner(lua_State *L, const struct lsim_runner *r);
/* End the run of every simulation still open with status `st`. */
void lsim_finish_all(lua_State *L, enum run_status st);
/* Restrict the standard libraries of L to the safe set (lsandbox.c). */
void lsim_sandbox(lua_State *L);
/* A message handler like lua.c's: message plus traceback; when the error
 * was raised inside a callback or a spawned body, that traceback too. */
int lsim_msghandler(lua_State *L);

#endif

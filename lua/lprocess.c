/*
 * lua/lprocess.c - the "memsim.Process" object: a process's system calls
 * (mmap, munmap, mprotect, madvise, mremap, brk, fork, exit,
 * oom_score_adj), its memory accesses (read, write, exec, access), sleep,
 * marks and counters.
 *
 * Every operation builds a struct trace_op, exactly as a trace line would,
 * and hands it to the core (sim_syscall, sim_touch, sim_do_op); what it
 * costs in simulated time is the core's business.  A system call that fails
 * the way the real one would returns nil, "ENOMEM", 12 (name and number of
 * the errno), like io.open; misuse (bad arguments, an exited process, a
 * closed simulation) and engine errors raise a Lua error.  Called from the
 * body of a spawned process, an operation yields to the scheduler after it
 * has run (lsim__op_return, lsched.c).
 */
#include <stdio.h>
#include <string.h>

#include <memsim/config.h>
#include <memsim/trace.h>

#include "lmemsim.h"

struct lproc *lsim__checkproc(lua_State *L, int idx, const char *what)
{
	struct lproc *p = luaL_checkudata(L, idx, LSIM_PROC_MT);
	if (!p->ls->s)
		luaL_error(L, "%s: simulation is closed", what);
	return p;
}

/* The process must be alive for `what`. */
static struct lproc *checklive(lua_State *L, const char *what)
{
	struct lproc *p = lsim__checkproc(L, 1, what);
	if (!task_alive(p->t)) {
		if (L == p->ls->cur_co && p->pid == p->ls->cur_pid)
			lsim__end_body(L); /* killed or exited: its body ends here */
		luaL_error(L, "%s: process %d has exited", what, (int)p->pid);
	}
	lsim__check_mutable(L, p->ls, what);
	return p;
}

static const char *errno_name(int e)
{
	static const struct { int e; const char *n; } names[] = {
		{ 1, "EPERM" },   { 2, "ENOENT" },  { 3, "ESRCH" },   { 4, "EINTR" },
		{ 5, "EIO" },     { 9, "EBADF" },   { 11, "EAGAIN" }, { 12, "ENOMEM" },
		{ 13, "EACCES" }, { 14, "EFAULT" }, { 16, "EBUSY" },  { 17, "EEXIST" },
		{ 19, "ENODEV" }, { 22, "EINVAL" }, { 23, "ENFILE" }, { 24, "EMFILE" },
		{ 27, "EFBIG" },  { 75, "EOVERFLOW" },
	};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (names[i].e == e)
			return names[i].n;
	return "EUNKNOWN";
}

/* Run a system call of process p (at stack index 1); raise on engine errors. */
static int64_t syscall_op(lua_State *L, struct lproc *p, struct trace_op *op, const char *what)
{
	struct lsim *ls = p->ls;
	int rc;
	op->pid = p->pid;
	lua_getiuservalue(L, 1, 1);
	lua_State *prev = lsim__enter(ls, L);
	int64_t r = sim_syscall(ls->s, op, &rc);
	lsim__leave(ls, prev);
	lsim__raise_pending(L, ls, -1);
	lua_pop(L, 1);
	if (rc)
		lsim__core_error(L, ls, what, rc);
	return r;
}

/* Push the result of a syscall: `ok` values on success, or nil, ENAME, errno. */
static int errno_result(lua_State *L, int64_t r)
{
	lua_pushnil(L);
	lua_pushstring(L, errno_name((int)-r));
	lua_pushinteger(L, -r);
	return 3;
}

/* ---- mmap ------------------------------------------------------------------------------ */

static unsigned parse_flags(lua_State *L, int arg, const char *s)
{
	static const struct { const char *n; unsigned f; } names[] = {
		{ "private", TMAP_PRIVATE },   { "shared", TMAP_SHARED },
		{ "anon", TMAP_ANON },         { "file", TMAP_FILE },
		{ "fixed", TMAP_FIXED },       { "growsdown", TMAP_GROWSDOWN },
		{ "populate", TMAP_POPULATE }, { "locked", TMAP_LOCKED },
		{ "noreserve", TMAP_NORESERVE },
	};
	unsigned flags = 0;
	const char *p = s;
	while (*p) {
		size_t n = strcspn(p, ",");
		size_t i;
		for (i = 0; i < sizeof names / sizeof names[0]; i++)
			if (strlen(names[i].n) == n && !strncmp(p, names[i].n, n))
				break;
		if (i == sizeof names / sizeof names[0])
			luaL_argerror(L, arg, lua_pushfstring(L, "field 'flags': unknown flag '%s' "
					"(expected a comma list of private, shared, anon, file, "
					"fixed, growsdown, populate, locked, noreserve)",
					lua_pushlstring(L, p, n)));
		flags |= names[i].f;
		p += n + (p[n] == ',');
	}
	return flags;
}

static unsigned check_prot(lua_State *L, int arg, const char *s, size_t n, const char *field)
{
	int prot = trace_parse_prot(s, n);
	if (prot < 0)
		luaL_argerror(L, arg, lua_pushfstring(L, "%s%s%sbad prot '%s' (expected 3 "
						      "characters of rwx-, such as \"rw-\")",
						      field ? "field '" : "", field ? field : "",
						      field ? "': " : "", s));
	return (unsigned)prot;
}

static void mmap_file(lua_State *L, struct trace_op *op)
{
	if (lua_getfield(L, 2, "file") != LUA_TNIL) {
		if (lua_type(L, -1) != LUA_TSTRING)
			luaL_argerror(L, 2, "field 'file': expected the name given to sim:file");
		op->name = lua_tostring(L, -1); /* anchored by the options table */
		op->flags |= TMAP_FILE;
		if (op->flags & TMAP_ANON)
			luaL_argerror(L, 2, "field 'flags': 'anon' with a file");
	}
	lua_pop(L, 1);
	lsim__fieldsize(L, 2, "offset", &op->arg);
}

/* p:mmap{addr=, len=, prot="rw-", flags="private,anon", file=, offset=} -> address */
static int l_mmap(lua_State *L)
{
	static const char *const fields[] = { "addr", "len", "prot", "flags", "file", "offset",
					      NULL };
	struct lproc *p = checklive(L, "mmap");
	struct trace_op op;
	memset(&op, 0, sizeof op);
	luaL_checktype(L, 2, LUA_TTABLE);
	lsim__checkfields(L, 2, "mmap", fields);
	op.op = TOP_MMAP;
	lsim__fieldaddr(L, 2, "addr", &op.addr);
	if (!lsim__fieldsize(L, 2, "len", &op.len))
		return luaL_argerror(L, 2, "field 'len' is required");
	size_t n;
	const char *s = "rw-";
	n = 3;
	if (lua_getfield(L, 2, "prot") != LUA_TNIL && !(s = lua_tolstring(L, -1, &n)))
		luaL_argerror(L, 2, "field 'prot': expected a string such as \"rw-\"");
	op.prot = (uint8_t)check_prot(L, 2, s, n, "prot");
	lua_getfield(L, 2, "file");
	int has_file = !lua_isnil(L, -1);
	lua_pop(L, 1);
	s = has_file ? "private" : "private,anon";
	if (lua_getfield(L, 2, "flags") != LUA_TNIL && !(s = lua_tostring(L, -1)))
		luaL_argerror(L, 2, "field 'flags': expected a string such as \"private,anon\"");
	op.flags = parse_flags(L, 2, s);
	lua_pop(L, 2);
	if (!(op.flags & (TMAP_PRIVATE | TMAP_SHARED)) ||
	    (op.flags & TMAP_PRIVATE && op.flags & TMAP_SHARED))
		return luaL_argerror(L, 2, "field 'flags': exactly one of private or shared");
	mmap_file(L, &op);
	int64_t r = syscall_op(L, p, &op, "mmap");
	if (r < 0)
		return lsim__op_return(L, p->ls, errno_result(L, r));
	lua_pushinteger(L, r);
	return lsim__op_return(L, p->ls, 1);
}

/* ---- the other system calls -------------------------------------------------------------- */

/* Push true or the errno triple, then yield if in a spawned body. */
static int ok_or_errno(lua_State *L, struct lproc *p, int64_t r)
{
	if (r < 0)
		return lsim__op_return(L, p->ls, errno_result(L, r));
	lua_pushboolean(L, 1);
	return lsim__op_return(L, p->ls, 1);
}

/* p:munmap(addr, len) -> true | nil, errname, errno */
static int l_munmap(lua_State *L)
{
	struct lproc *p = checklive(L, "munmap");
	struct trace_op op = { .op = TOP_MUNMAP };
	op.addr = lsim__checkaddr(L, 2);
	op.len = lsim__checksize(L, 3);
	return ok_or_errno(L, p, syscall_op(L, p, &op, "munmap"));
}

/* p:mprotect(addr, len, prot) -> true | nil, errname, errno */
static int l_mprotect(lua_State *L)
{
	struct lproc *p = checklive(L, "mprotect");
	struct trace_op op = { .op = TOP_MPROTECT };
	size_t n;
	op.addr = lsim__checkaddr(L, 2);
	op.len = lsim__checksize(L, 3);
	const char *s = luaL_checklstring(L, 4, &n);
	op.prot = (uint8_t)check_prot(L, 4, s, n, NULL);
	return ok_or_errno(L, p, syscall_op(L, p, &op, "mprotect"));
}

static int advice_error(lua_State *L, int arg, const char *s)
{
	luaL_Buffer b;
	luaL_buffinit(L, &b);
	lua_pushfstring(L, "unknown advice '%s' (expected one of ", s);
	luaL_addvalue(&b);
	for (unsigned i = 1; i < TADV__COUNT; i++) {
		if (i > 1)
			luaL_addstring(&b, ", ");
		luaL_addstring(&b, trace_advice_name(i));
	}
	luaL_addchar(&b, ')');
	luaL_pushresult(&b);
	return luaL_argerror(L, arg, lua_tostring(L, -1));
}

/* p:madvise(addr, len, advice) -> true | nil, errname, errno */
static int l_madvise(lua_State *L)
{
	struct lproc *p = checklive(L, "madvise");
	struct trace_op op = { .op = TOP_MADVISE };
	size_t n;
	op.addr = lsim__checkaddr(L, 2);
	op.len = lsim__checksize(L, 3);
	const char *s = luaL_checklstring(L, 4, &n);
	int adv = trace_advice_lookup(s, n);
	if (adv <= 0)
		return advice_error(L, 4, s);
	op.flags = (uint32_t)adv;
	return ok_or_errno(L, p, syscall_op(L, p, &op, "madvise"));
}

/* p:mremap(old, oldlen, newlen [, newaddr]) -> address | nil, errname, errno */
static int l_mremap(lua_State *L)
{
	struct lproc *p = checklive(L, "mremap");
	struct trace_op op = { .op = TOP_MREMAP };
	op.addr = lsim__checkaddr(L, 2);
	op.len = lsim__checksize(L, 3);
	op.arg = lsim__checksize(L, 4);
	if (!lua_isnoneornil(L, 5)) {
		op.newaddr = lsim__checkaddr(L, 5);
		op.has_newaddr = 1;
	}
	int64_t r = syscall_op(L, p, &op, "mremap");
	if (r < 0)
		return lsim__op_return(L, p->ls, errno_result(L, r));
	lua_pushinteger(L, r);
	return lsim__op_return(L, p->ls, 1);
}

/* p:brk(addr) -> the new break (the old one when refused, as brk(2)) */
static int l_brk(lua_State *L)
{
	struct lproc *p = checklive(L, "brk");
	struct trace_op op = { .op = TOP_BRK };
	op.addr = lsim__checkaddr(L, 2);
	lua_pushinteger(L, syscall_op(L, p, &op, "brk"));
	return lsim__op_return(L, p->ls, 1);
}

/* p:sbrk(incr) -> the old break | nil, "ENOMEM", 12 (as sbrk(3)) */
static int l_sbrk(lua_State *L)
{
	struct lproc *p = checklive(L, "sbrk");
	int64_t incr;
	if (lua_type(L, 2) == LUA_TNUMBER && lua_tonumber(L, 2) < 0)
		incr = (int64_t)luaL_checkinteger(L, 2);
	else
		incr = (int64_t)lsim__checksize(L, 2);
	struct trace_op op = { .op = TOP_BRK };
	int64_t cur = syscall_op(L, p, &op, "sbrk");
	if (cur <= 0)
		return luaL_error(L, "sbrk: process %d has no heap yet (place it first with "
				  "p:brk(addr), as exec would)", (int)p->pid);
	op.addr = (uint64_t)(cur + incr);
	int64_t r = syscall_op(L, p, &op, "sbrk");
	if (r != cur + incr)
		return lsim__op_return(L, p->ls, errno_result(L, -12));
	lua_pushinteger(L, cur);
	return lsim__op_return(L, p->ls, 1);
}

/* p:fork() -> the child Process | nil, errname, errno */
static int l_fork(lua_State *L)
{
	struct lproc *p = checklive(L, "fork");
	struct trace_op op = { .op = TOP_FORK };
	int64_t r = syscall_op(L, p, &op, "fork");
	if (r < 0)
		return lsim__op_return(L, p->ls, errno_result(L, r));
	lua_getiuservalue(L, 1, 1);
	lsim__push_proc(L, -1, (uint32_t)r);
	lua_remove(L, -2);
	return lsim__op_return(L, p->ls, 1);
}

/* p:exit() */
static int l_exit(lua_State *L)
{
	struct lproc *p = checklive(L, "exit");
	struct trace_op op = { .op = TOP_EXIT };
	syscall_op(L, p, &op, "exit");
	return lsim__op_return(L, p->ls, 0);
}

/* p:oom_score_adj(n) */
static int l_oom_score_adj(lua_State *L)
{
	struct lproc *p = checklive(L, "oom_score_adj");
	lua_Integer v = luaL_checkinteger(L, 2);
	if (v < -1000 || v > 1000)
		luaL_argerror(L, 2, lua_pushfstring(L, "must be in -1000..1000, got %I", v));
	struct trace_op op = { .op = TOP_OOM_SCORE_ADJ, .ival = (int32_t)v };
	syscall_op(L, p, &op, "oom_score_adj");
	return lsim__op_return(L, p->ls, 0);
}

/* ---- accesses --------------------------------------------------------------------------- */

static int touch(lua_State *L, unsigned kind, const char *what)
{
	struct lproc *p = checklive(L, what);
	struct lsim *ls = p->ls;
	uint64_t a = lsim__checkaddr(L, 2);
	uint64_t len = lsim__optsize(L, 3, 1);
	lua_getiuservalue(L, 1, 1);
	lua_State *prev = lsim__enter(ls, L);
	int rc = sim_touch(ls->s, p->pid, kind, a, len);
	lsim__leave(ls, prev);
	lsim__raise_pending(L, ls, -1);
	lua_pop(L, 1);
	if (rc)
		lsim__core_error(L, ls, what, rc);
	return lsim__op_return(L, ls, 0);
}

/* p:read(addr [, len]) / p:write / p:exec: one access to every page of the range */
static int l_read(lua_State *L) { return touch(L, ACC_READ, "read"); }
static int l_write(lua_State *L) { return touch(L, ACC_WRITE, "write"); }
static int l_exec(lua_State *L) { return touch(L, ACC_EXEC, "exec"); }

/* The `kind` argument of p:access: 0 read, 1 write, 2 exec. */
static int access_kind(lua_State *L, int arg)
{
	static const char *const kinds[] = { "R", "W", "X", "r", "w", "x", "read", "write",
					     "exec", NULL };
	const char *k = lua_type(L, arg) == LUA_TSTRING ? lua_tostring(L, arg) : NULL;
	for (int i = 0; k && kinds[i]; i++)
		if (!strcmp(k, kinds[i]))
			return i % 3;
	return luaL_argerror(L, arg, lua_pushfstring(L, "kind: expected one of R, W, X, r, w, x, "
			"read, write, exec; got %s%s%s", k ? "'" : "",
			k ? k : luaL_typename(L, arg), k ? "'" : ""));
}

/* p:access(kind, addr [, size]): one access of `size` bytes ("R", "W", "X") */
static int l_access(lua_State *L)
{
	struct lproc *p = checklive(L, "access");
	struct lsim *ls = p->ls;
	int k = access_kind(L, 2);
	struct trace_op op = { .op = (uint8_t)(TOP_R + k), .pid = p->pid };
	op.addr = lsim__checkaddr(L, 3);
	op.len = lsim__optsize(L, 4, 1);
	luaL_argcheck(L, op.len > 0, 4, "size must be at least 1");
	lua_getiuservalue(L, 1, 1);
	lua_State *prev = lsim__enter(ls, L);
	int rc = sim_do_op(ls->s, &op);
	lsim__leave(ls, prev);
	lsim__raise_pending(L, ls, -1);
	lua_pop(L, 1);
	if (rc)
		lsim__core_error(L, ls, "access", rc);
	return lsim__op_return(L, ls, 0);
}

/* p:sleep(ns): think time */
static int l_sleep(lua_State *L)
{
	struct lproc *p = checklive(L, "sleep");
	return lsim__sleep(L, p->ls, lsim__checktime(L, 2));
}

/* p:mark(label): a phase marker recorded with this process's pid */
static int l_mark(lua_State *L)
{
	struct lproc *p = lsim__checkproc(L, 1, "mark");
	const char *label = luaL_checkstring(L, 2);
	lsim__check_mutable(L, p->ls, "mark");
	lua_getiuservalue(L, 1, 1);
	lua_State *prev = lsim__enter(p->ls, L);
	int rc = sim_mark(p->ls->s, p->pid, label);
	lsim__leave(p->ls, prev);
	lsim__raise_pending(L, p->ls, -1);
	if (rc)
		lsim__core_error(L, p->ls, "mark", rc);
	return 0;
}

/* p:stats() -> counters of this process, plus rss, swap, alive */
static int l_stats(lua_State *L)
{
	struct lproc *p = lsim__checkproc(L, 1, "stats");
	lsim__push_stats(L, task_stats(p->t));
	lua_pushinteger(L, (lua_Integer)task_rss(p->t));
	lua_setfield(L, -2, "rss");
	lua_pushinteger(L, (lua_Integer)task_swapents(p->t));
	lua_setfield(L, -2, "swap");
	lua_pushboolean(L, task_alive(p->t));
	lua_setfield(L, -2, "alive");
	lua_pushinteger(L, p->pid);
	lua_setfield(L, -2, "pid");
	return 1;
}

/* ---- metatable ------------------------------------------------------------------------------ */

static int l_tostring(lua_State *L)
{
	struct lproc *p = luaL_checkudata(L, 1, LSIM_PROC_MT);
	const char *state = !p->ls->s ? "closed simulation" : task_alive(p->t) ? "alive" : "exited";
	lua_pushfstring(L, "memsim.Process(pid %d, %s, %s)", (int)p->pid, p->name, state);
	return 1;
}

static int l_index(lua_State *L)
{
	struct lproc *p = luaL_checkudata(L, 1, LSIM_PROC_MT);
	lua_pushvalue(L, 2);
	if (lua_rawget(L, lua_upvalueindex(1)) != LUA_TNIL)
		return 1;
	const char *k = lua_tostring(L, 2);
	if (!k)
		return 1;
	if (!strcmp(k, "pid"))
		lua_pushinteger(L, p->pid);
	else if (!strcmp(k, "name"))
		lua_pushstring(L, p->name);
	else if (!strcmp(k, "alive"))
		lua_pushboolean(L, p->ls->s && task_alive(p->t));
	else if (!strcmp(k, "sim"))
		lua_getiuservalue(L, 1, 1);
	else
		lua_pushnil(L);
	return 1;
}

/* __close: a to-be-closed process exits (if it still runs) */
static int l_tbc(lua_State *L)
{
	struct lproc *p = luaL_checkudata(L, 1, LSIM_PROC_MT);
	if (p->ls->s && task_alive(p->t) && !p->ls->in_observer) {
		lua_settop(L, 1);
		struct trace_op op = { .op = TOP_EXIT };
		syscall_op(L, p, &op, "exit");
	}
	return 0;
}

/* __gc: the process belongs to its simulation; nothing to free here. */
static int l_gc(lua_State *L)
{
	(void)L;
	return 0;
}

static const luaL_Reg proc_methods[] = {
	{ "mmap", l_mmap },       { "munmap", l_munmap }, { "mprotect", l_mprotect },
	{ "madvise", l_madvise }, { "mremap", l_mremap }, { "brk", l_brk },
	{ "sbrk", l_sbrk },       { "fork", l_fork },     { "exit", l_exit },
	{ "oom_score_adj", l_oom_score_adj },             { "read", l_read },
	{ "write", l_write },     { "exec", l_exec },     { "access", l_access },
	{ "sleep", l_sleep },     { "mark", l_mark },     { "stats", l_stats },
	{ NULL, NULL },
};

void lsim__open_process(lua_State *L)
{
	if (!luaL_newmetatable(L, LSIM_PROC_MT)) {
		lua_pop(L, 1);
		return;
	}
	luaL_newlib(L, proc_methods);
	lua_pushcclosure(L, l_index, 1);
	lua_setfield(L, -2, "__index");
	lua_pushcfunction(L, l_gc);
	lua_setfield(L, -2, "__gc");
	lua_pushcfunction(L, l_tbc);
	lua_setfield(L, -2, "__close");
	lua_pushcfunction(L, l_tostring);
	lua_setfield(L, -2, "__tostring");
	lua_pop(L, 1);
}

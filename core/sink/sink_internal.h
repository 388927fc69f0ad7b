/*
 * core/sink/sink_internal.h - what the files of core/sink/ share (R8, R13).
 *
 * Never installed and never included outside core/sink/: it names sqlite3
 * types, and only this directory may see sqlite3.h (R1).
 */
#ifndef MEMSIM_SINK_INTERNAL_H
#define MEMSIM_SINK_INTERNAL_H

#include <sqlite3.h>
#include <stdarg.h>

#include "memsim/sink.h"

/* Version of the schema in schema.c, kept in PRAGMA user_version. */
#define SINK_SCHEMA_VERSION 1
/* PRAGMA application_id of a memsim database: "MEMS". */
#define SINK_APPLICATION_ID 0x4D454D53

/* The INSERT statements the writer thread prepares once (schema.c). */
extern const char sink__sql_insert_fault[];
extern const char sink__sql_insert_event[];
extern const char sink__sql_insert_sample[];
extern const char sink__sql_insert_counter[];

/* Format a message into buf (which may be NULL or len 0: then nothing). */
void sink__fmt(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Page size of a new memsim database: bigger pages mean fewer page writes
 * (and syscalls) per row for these append-only, scan-read tables. */
#ifndef SINK_PAGE_SIZE
#define SINK_PAGE_SIZE 16384
#endif

/* Make the database behind `db` (opened read-write as `path`) a memsim
 * database: refuse a file that is not SQLite, a database of another program
 * or one whose tables of our names have the wrong shape; otherwise set the
 * page size (new files only), run `pragmas` (may be NULL), and create
 * whatever is missing of the schema.  0, or SIM_EINPUT / SIM_EIO with
 * "PATH: ..." in err.  A refused file is not written to. */
int sink__schema_apply(sqlite3 *db, const char *path, const char *pragmas,
		       char *err, size_t errlen);

/* Check, without writing, that `db` holds the memsim tables with at least
 * their contract columns.  0 or SIM_EINPUT ("PATH: not a memsim database")
 * / SIM_EIO. */
int sink__schema_check(sqlite3 *db, const char *path, char *err, size_t errlen);

/* Pragmas of the writer's connection during a run (see schema.c). */
extern const char sink__run_pragmas[];

/* Bind one row at parameters base+1.. of a statement prepared from the
 * matching sink__sql_insert_* (or its sink__sql_multi form, base = row index
 * x columns).  Shared by the writer thread and the raw benchmark loop, so
 * both do exactly the same work per row. */
void sink__bind_fault(sqlite3_stmt *st, int base, int64_t run_id,
		      const struct sink_fault *f);
void sink__bind_event(sqlite3_stmt *st, int base, int64_t run_id,
		      const struct sink_event *e, const char *label);
void sink__bind_sample(sqlite3_stmt *st, int base, int64_t run_id,
		       const struct sink_sample *smp);
#define SINK_FAULT_COLS 12
#define SINK_EVENT_COLS 8
#define SINK_SAMPLE_COLS 6

/* The k-row form of a one-row INSERT (tuples repeated), sqlite3_malloc'd;
 * NULL on failure.  Not for the counters upsert. */
char *sink__sql_multi(const char *one_row, int k);

/* "R", "W", "X" or NULL for an enum access_kind. */
const char *sink__access_name(unsigned acc);

#endif

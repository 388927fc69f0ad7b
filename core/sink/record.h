/*
 * core/sink/record.h - the queued record and the block that carries records
 * from the simulation thread to the writer thread.
 *
 * The producer (the simulation) copies each record into the block it is
 * filling; a full block moves to the writer as a whole, so the cost of the
 * hand-off (one mutex round trip) is shared by SINK_BLOCK_RECS records.
 * Strings that the caller does not keep alive (event labels, counter names)
 * are copied into the block's arena and referred to by offset: the arena may
 * grow with realloc, and it is kept when the block is recycled, so once the
 * run is warm no record costs an allocation.  Fault paths are interned by the
 * caller and stay valid until sink_close, so only the pointer is copied.
 */
#ifndef MEMSIM_SINK_RECORD_H
#define MEMSIM_SINK_RECORD_H

#include "memsim/sink.h"

#define SINK_BLOCK_RECS 1024       /* records per block (one hand-off) */
#define SINK_NBLOCKS 64            /* blocks in the queue (4 MiB): its bound */
#define SINK_ARENA_INIT 4096       /* first arena size of a block */
#define SINK_ARENA_SOFT_MAX 65536  /* a block whose arena would pass this is
				      handed off early */
#define SINK_NO_STR UINT32_MAX     /* str_off of a NULL string */

enum sink_rec_tag { REC_FAULT = 1, REC_EVENT, REC_SAMPLE, REC_COUNTER };

struct sink_counter_rec {
	uint32_t pid;
	int64_t value;             /* the name is at str_off */
};

/* One queued record: 64 bytes, the public struct copied by value. */
struct sink_rec {
	uint8_t tag;               /* enum sink_rec_tag */
	uint32_t str_off;          /* label / counter name in the arena, or
				      SINK_NO_STR; the pointer in u.e is unused */
	union {
		struct sink_fault f;
		struct sink_event e;
		struct sink_sample smp;
		struct sink_counter_rec c;
	} u;
};

struct sink_block {
	uint32_t n;                /* records filled */
	int64_t run_id;            /* a block never spans two runs */
	char *arena;               /* NUL-terminated strings of this block */
	size_t arena_used, arena_cap;
	struct sink_rec recs[SINK_BLOCK_RECS];
};

#endif

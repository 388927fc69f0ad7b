/*
 * memsim/types.h - scalar units and error codes shared by every core layer.
 *
 * Only scalar units are typedef'd (R10); structures keep their `struct` name.
 */
#ifndef MEMSIM_TYPES_H
#define MEMSIM_TYPES_H

#include <stddef.h>
#include <stdint.h>

typedef uint64_t vaddr_t;    /* a virtual address */
typedef uint64_t paddr_t;    /* a physical address */
typedef uint32_t pfn_t;      /* a physical frame number (ram / PAGE_SIZE) */
typedef uint64_t sim_time_t; /* simulated time in nanoseconds */

/* Return codes of core functions (R17): 0 or a negative SIM_E* value.
 * The detail goes into the owning context's message buffer. */
enum {
	SIM_OK = 0,
	SIM_EINPUT = -1,     /* malformed input (trace, config): exit status 2 */
	SIM_ENOMEM = -2,     /* host allocation failed */
	SIM_EIO = -3,        /* file could not be opened, read or written */
	SIM_ESTATE = -4,     /* operation not valid in the current state */
	SIM_EINTR = -5,      /* interrupted (SIGINT / SIGTERM) */
	SIM_EASSERT = -6     /* a simulation-level check failed: exit status 1 */
};

/* Memory access kinds, as in the trace (R, W, X). */
enum access_kind { ACC_NONE = 0, ACC_READ = 1, ACC_WRITE = 2, ACC_EXEC = 3 };

/* Size of an error message buffer owned by a context. */
#define SIM_ERRMSG_MAX 512

#endif

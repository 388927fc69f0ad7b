/*
 * 409-mmap-t.h - helpers for the VMA-level tests (401..404): a machine with
 * default configuration, one process, and short forms of the syscalls.
 */
#ifndef MEMSIM_TEST_MMAP_T_H
#define MEMSIM_TEST_MMAP_T_H

#include <stdio.h>

#include "engine/sim_impl.h"
#include "mm/internal.h"
#include "t.h"

#define P UINT64_C(4096)
#define MiB (UINT64_C(1) << 20)
#define RW (TPROT_READ | TPROT_WRITE)
#define PRIV_ANON (TMAP_PRIVATE | TMAP_ANON)
#define FIXED_ANON (TMAP_PRIVATE | TMAP_ANON | TMAP_FIXED)
#define VM_ACCESS (VM_READ | VM_WRITE | VM_EXEC)

/* A 256 MiB x86-64 machine with default settings, changed by `tweak`. */
static inline struct sim *tsim_new_cfg(void (*tweak)(struct sim_config *))
{
	struct sim_config c;
	char err[256];
	struct sim *s;

	config_defaults(&c);
	c.ram = 256 * MiB;
	if (tweak)
		tweak(&c);
	s = sim_create(&c, err, sizeof err);
	if (!s)
		fprintf(stderr, "sim_create: %s\n", err);
	return s;
}

static inline struct sim *tsim_new(void)
{
	return tsim_new_cfg(NULL);
}

static inline struct task *tsim_task(struct sim *s, uint32_t pid)
{
	return sim_task_create(s, pid, "t");
}

/* The VMA containing addr, or NULL. */
static inline struct vma *vma_at(struct task *t, vaddr_t addr)
{
	struct vma *v = find_vma(task_mm(t), addr);

	return v && v->vm_start <= addr ? v : NULL;
}

static inline int64_t anon_fixed(struct sim *s, struct task *t, vaddr_t addr, uint64_t len,
				 unsigned prot)
{
	return do_mmap(s, t, addr, len, prot, FIXED_ANON, NULL, 0);
}

/* Declare a file of `size` bytes (not cached). */
static inline struct file *tsim_file(struct sim *s, const char *name, uint64_t size)
{
	if (mm_file_declare(s, name, size, 0))
		return NULL;
	return mm__file(s, name);
}

#endif

/*
 * 410-fault-anon.c - the anonymous fault path end to end, on both
 * architectures: the PTE the handler installs (real bits), the syndrome the
 * hardware reports, the recorded function path, page refcounts.
 */
#include <stdlib.h>

#include "t.h"
#include "engine/sim_impl.h"
#include "mm/fault.h"

#define BASE UINT64_C(0x7e0000000000)

struct seen {
	int n;
	struct sink_fault f[16];
	char path[16][400];
};

static int observe(void *ud, const struct sink_event *e, const struct sink_fault *f)
{
	struct seen *s = ud;
	(void)e;
	if (f && s->n < 16) {
		s->f[s->n] = *f;
		snprintf(s->path[s->n], sizeof s->path[0], "%s", f->path);
		s->n++;
	}
	return 0;
}

static struct sim *make(const char *arch, struct seen *seen)
{
	struct sim_config c;
	char err[256];
	config_defaults(&c);
	config_set(&c, "arch", arch, err, sizeof err);
	struct sim *s = sim_create(&c, err, sizeof err);
	CHECK(s != NULL);
	memset(seen, 0, sizeof(*seen));
	sim_set_observer(s, observe, seen);
	return s;
}

static int64_t sys(struct sim *s, uint32_t pid, unsigned op, uint64_t a, uint64_t len,
		   unsigned prot, unsigned flags)
{
	struct trace_op o = { .op = (uint8_t)op, .pid = pid, .addr = a, .len = len,
			      .prot = (uint8_t)prot, .flags = flags };
	int rc;
	int64_t r = sim_syscall(s, &o, &rc);
	CHECK_EQ(rc, 0);
	return r;
}

static pte_t pte_of(struct sim *s, uint32_t pid, vaddr_t va)
{
	struct task *t = sim_task(s, pid);
	pte_t *p = pt_walk(s, t->mm, va, s->fmt.levels - 1, 0, NULL, NULL);
	return p ? *p : 0;
}

static void fault_should_map_zero_page_on_read_then_copy_on_write_x86(void)
{
	struct seen seen;
	struct sim *s = make("x86_64", &seen);
	CHECK_EQ(sys(s, 1, TOP_MMAP, BASE, 1 << 21, TPROT_READ | TPROT_WRITE,
		     TMAP_PRIVATE | TMAP_ANON | TMAP_FIXED), BASE);
	sim_touch(s, 1, ACC_READ, BASE, 1);
	CHECK_EQ(seen.n, 1);
	CHECK_EQ(seen.f[0].code, 0x4);          /* user read, not present */
	CHECK_EQ(seen.f[0].kind, FK_ZERO);
	CHECK_EQ(seen.f[0].level, 4);           /* stopped at the PML4: no tables yet */
	CHECK_STR(seen.path[0], "exc_page_fault>do_user_addr_fault>lock_vma_under_rcu>"
				"access_error>handle_mm_fault>__handle_mm_fault>handle_pte_fault>"
				"do_pte_missing>do_anonymous_page");
	/* facts 1.2: zero-page PTE = 0x8000000000000225 | zero_pfn << 12 */
	CHECK_EQ(pte_of(s, 1, BASE), UINT64_C(0x8000000000000225) | (uint64_t)s->zero_pfn << 12);
	CHECK_EQ(task_rss(sim_task(s, 1)), 0);
	sim_touch(s, 1, ACC_WRITE, BASE, 1);
	CHECK_EQ(seen.n, 2);
	CHECK_EQ(seen.f[1].code, 0x7);          /* user write, protection */
	CHECK_EQ(seen.f[1].kind, FK_COW);
	CHECK_EQ(seen.f[1].level, 1);
	pte_t e = pte_of(s, 1, BASE);
	CHECK_EQ(e & ~UINT64_C(0x000ffffffffff000), UINT64_C(0x8000000000000067));
	struct page *pg = pfn_to_page(s->phys, (pfn_t)((e >> 12) & 0xffffffffff));
	CHECK_EQ(pg->refcount, 1);
	CHECK_EQ(pg->mapcount, 1);
	CHECK(pg->flags & PG_anon_exclusive);
	CHECK_EQ(task_rss(sim_task(s, 1)), 1);
	CHECK_EQ(task_stats(sim_task(s, 1))->minflt, 2);
	/* a second write hits the TLB: no fault */
	sim_touch(s, 1, ACC_WRITE, BASE + 8, 1);
	CHECK_EQ(seen.n, 2);
	sim_destroy(s);
}

static void fault_should_report_esr_on_arm64(void)
{
	struct seen seen;
	struct sim *s = make("arm64", &seen);
	sys(s, 1, TOP_MMAP, BASE, 1 << 21, TPROT_READ | TPROT_WRITE,
	    TMAP_PRIVATE | TMAP_ANON | TMAP_FIXED);
	sim_touch(s, 1, ACC_WRITE, BASE, 1);
	CHECK_EQ(seen.n, 1);
	CHECK_EQ(seen.f[0].kind, FK_ANON);
	/* no tables yet: the walk stops at level 0: translation fault L0 */
	CHECK_EQ(seen.f[0].code, 0x92000044);
	CHECK_STR(seen.path[0], "do_mem_abort>do_translation_fault>do_page_fault>"
				"lock_vma_under_rcu>handle_mm_fault>__handle_mm_fault>"
				"handle_pte_fault>do_pte_missing>do_anonymous_page");
	sim_touch(s, 1, ACC_WRITE, BASE + 4096, 1);
	CHECK_EQ(seen.f[1].code, 0x92000047);   /* table exists: level 3 translation */
	CHECK_EQ(seen.f[1].level, 3);
	/* read-only VMA: permission fault after a read maps the zero page */
	sys(s, 1, TOP_MMAP, BASE + (4 << 20), 4096, TPROT_READ, TMAP_PRIVATE | TMAP_ANON | TMAP_FIXED);
	sim_touch(s, 1, ACC_READ, BASE + (4 << 20), 1);
	sim_touch(s, 1, ACC_WRITE, BASE + (4 << 20), 1);
	CHECK_EQ(seen.f[seen.n - 1].code, 0x9200004F);
	CHECK_EQ(seen.f[seen.n - 1].kind, FK_SEGV_ACCERR);
	CHECK_EQ(task_stats(sim_task(s, 1))->segv, 1);
	sim_destroy(s);
}

static void fault_should_cow_after_fork_and_reuse_after_exit(void)
{
	struct seen seen;
	struct sim *s = make("x86_64", &seen);
	sys(s, 1, TOP_MMAP, BASE, 1 << 21, TPROT_READ | TPROT_WRITE,
	    TMAP_PRIVATE | TMAP_ANON | TMAP_FIXED);
	sim_touch(s, 1, ACC_WRITE, BASE, 4096);
	pte_t e = pte_of(s, 1, BASE);
	pfn_t pfn = (pfn_t)((e >> 12) & 0xffffffffff);
	struct trace_op fork = { .op = TOP_FORK, .pid = 1, .arg = 2 };
	int rc;
	CHECK_EQ(sim_syscall(s, &fork, &rc), 2);
	struct page *pg = pfn_to_page(s->phys, pfn);
	CHECK_EQ(pg->refcount, 2);
	CHECK_EQ(pg->mapcount, 2);
	CHECK(!(pg->flags & PG_anon_exclusive));
	CHECK(!(pte_of(s, 1, BASE) & 2));       /* parent write-protected */
	CHECK(!(pte_of(s, 2, BASE) & 2));       /* child write-protected */
	CHECK(!(pte_of(s, 2, BASE) & 0x20));    /* child PTE old */
	sim_touch(s, 2, ACC_WRITE, BASE, 1);    /* child copies */
	CHECK_EQ(task_stats(sim_task(s, 2))->cow_copies, 1);
	CHECK_EQ(pg->refcount, 1);
	struct trace_op ex = { .op = TOP_EXIT, .pid = 2 };
	sim_syscall(s, &ex, &rc);
	int n = seen.n;
	sim_touch(s, 1, ACC_WRITE, BASE, 1);    /* parent: write-protected, refcount 1 */
	CHECK_EQ(seen.n, n + 1);
	CHECK_EQ(seen.f[n].kind, FK_REUSE);
	CHECK_STR(seen.path[n], "exc_page_fault>do_user_addr_fault>lock_vma_under_rcu>"
				"access_error>handle_mm_fault>__handle_mm_fault>handle_pte_fault>"
				"do_wp_page>wp_page_reuse");
	CHECK_EQ(task_stats(sim_task(s, 1))->cow_copies, 0);
	sim_destroy(s);
}

static void fault_should_free_everything_at_exit(void)
{
	struct seen seen;
	struct sim *s = make("x86_64", &seen);
	uint64_t free0 = sim_free_pages(s);
	sys(s, 1, TOP_MMAP, BASE, 1 << 21, TPROT_READ | TPROT_WRITE,
	    TMAP_PRIVATE | TMAP_ANON | TMAP_FIXED);
	sim_touch(s, 1, ACC_WRITE, BASE, 100 * 4096);
	struct trace_op fork = { .op = TOP_FORK, .pid = 1, .arg = 2 };
	int rc;
	sim_syscall(s, &fork, &rc);
	sim_touch(s, 2, ACC_WRITE, BASE, 50 * 4096);
	CHECK(sim_free_pages(s) < free0 - 150);
	struct trace_op ex = { .op = TOP_EXIT, .pid = 2 };
	sim_syscall(s, &ex, &rc);
	ex.pid = 1;
	sim_syscall(s, &ex, &rc);
	CHECK_EQ(sim_free_pages(s), free0);
	sim_destroy(s);
}

int main(void)
{
	RUN(fault_should_map_zero_page_on_read_then_copy_on_write_x86);
	RUN(fault_should_report_esr_on_arm64);
	RUN(fault_should_cow_after_fork_and_reuse_after_exit);
	RUN(fault_should_free_everything_at_exit);
	return T_DONE();
}

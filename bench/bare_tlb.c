/*
 * bench/bare_tlb.c - the physical limit for TLB-only replay: a bare
 * in-memory 64-entry 4-way LRU lookup loop over the accesses of a binary
 * trace already in memory (one TLB, no L1/L2 hierarchy, no instruction /
 * data split, no counters per process, no trace reading or checking, no
 * results database).  Prints accesses/s and the hit count.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <memsim/trace.h>

int main(int argc, char **argv)
{
	if (argc != 2)
		return 2;
	char err[512];
	struct trace_reader *r = trace_open(argv[1], TRACE_AUTO, err, sizeof err);
	if (!r) {
		fprintf(stderr, "%s\n", err);
		return 2;
	}
	size_t n = 0, cap = 1 << 20;
	uint64_t *w = malloc(cap * 8);
	struct trace_batch b;
	while (trace_next(r, &b) > 0) {
		if (!b.n)
			continue;
		if (n + b.n > cap) {
			cap = (n + b.n) * 2;
			w = realloc(w, cap * 8);
		}
		memcpy(w + n, b.acc, b.n * 8);
		n += b.n;
	}
	trace_close(r);
	/* Each set keeps its tags in recency order (move to front), which is
	 * exact LRU: a hit on the most recent way costs one compare. */
	uint64_t tag[16][4] = { { 0 } }, hits = 0;
	struct timespec a, c;
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (size_t i = 0; i < n; i++) {
		uint64_t vpn = tacc_addr(w[i]) >> 12, t = vpn + 1;
		uint64_t *set = tag[vpn & 15];
		if (set[0] == t) {
			hits++;
			continue;
		}
		int k = 1;
		while (k < 3 && set[k] != t)
			k++;
		hits += set[k] == t;
		for (; k > 0; k--)
			set[k] = set[k - 1];
		set[0] = t;
	}
	clock_gettime(CLOCK_MONOTONIC, &c);
	double s = (c.tv_sec - a.tv_sec) + (c.tv_nsec - a.tv_nsec) / 1e9;
	printf("%.0f %llu\n", n / s, (unsigned long long)hits);
	free(w);
	return 0;
}

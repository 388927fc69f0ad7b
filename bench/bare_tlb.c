/*
 * bench/bare_tlb.c - the physical limit for TLB-only replay: a bare
 * in-memory 64-entry 4-way LRU lookup loop over the accesses of a binary
 * trace already in memory (no TLB hierarchy, no counters per process, no
 * trace decoding).  Prints accesses/s.
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
	uint64_t tag[16][4] = { { 0 } }, stamp[16][4] = { { 0 } }, clk = 0, hits = 0;
	struct timespec a, c;
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (size_t i = 0; i < n; i++) {
		uint64_t vpn = tacc_addr(w[i]) >> 12, set = vpn & 15, t = vpn + 1;
		int way = -1, victim = 0;
		for (int k = 0; k < 4; k++) {
			if (tag[set][k] == t)
				way = k;
			if (stamp[set][k] < stamp[set][victim])
				victim = k;
		}
		if (way >= 0)
			hits++;
		else
			tag[set][way = victim] = t;
		stamp[set][way] = ++clk;
	}
	clock_gettime(CLOCK_MONOTONIC, &c);
	double s = (c.tv_sec - a.tv_sec) + (c.tv_nsec - a.tv_nsec) / 1e9;
	printf("%.0f %llu\n", n / s, (unsigned long long)hits);
	free(w);
	return 0;
}

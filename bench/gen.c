/*
 * bench/gen.c - synthetic traces for the benchmark.
 *   gen lackey N      N lackey lines: a mix of I/L/S over a 64 MiB working set
 *   gen touch PAGES   mtrace: one anonymous mapping, one write per page
 *   gen hit N         mtrace: 16 pages written once, then N reads of them
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	if (argc != 3)
		return 2;
	uint64_t n = strtoull(argv[2], NULL, 10), x = 88172645463325252ull;
	if (!strcmp(argv[1], "lackey")) {
		uint64_t pc = 0x400000, data = 0x4000000;
		for (uint64_t i = 0; i < n; i++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			unsigned r = x & 15;
			if (r < 6) {
				pc += (x >> 8) & 7 ? 4 : ((x >> 12) & 0xffff);
				printf("I  %08llx,4\n", (unsigned long long)(pc & 0xffffff));
			} else {
				uint64_t a = (x & 3) ? data + ((x >> 20) & 0xffff) : 0x4000000 + ((x >> 16) & 0x3ffffff);
				printf(" %c %08llx,8\n", r < 12 ? 'L' : 'S', (unsigned long long)a);
				data = a;
			}
		}
	} else if (!strcmp(argv[1], "hit")) {
		printf("1 mmap 0x7e0000000000 65536 rw- private,anon,fixed\n");
		for (int i = 0; i < 16; i++)
			printf("1 W 0x%llx\n", 0x7e0000000000ull + i * 4096ull);
		for (uint64_t i = 0; i < n; i++)
			printf("1 R 0x%llx\n", 0x7e0000000000ull + ((i / 100 * 7 + i % 100) % 16) * 4096 +
				(i % 100) * 8 % 4096);
	} else {
		printf("1 mmap 0x7e0000000000 %llu rw- private,anon,fixed\n", (unsigned long long)n * 4096);
		printf("1 madvise 0x7e0000000000 %llu nohugepage\n", (unsigned long long)n * 4096);
		for (uint64_t i = 0; i < n; i++)
			printf("1 W 0x%llx\n", (unsigned long long)(0x7e0000000000ull + i * 4096));
	}
	return 0;
}

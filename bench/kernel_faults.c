/*
 * bench/kernel_faults.c - the real kernel's first-touch anonymous fault rate
 * on this machine: mmap N pages, touch each once, time it.  Prints faults/s.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>

int main(int argc, char **argv)
{
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 262144;
	char *p = mmap(NULL, n * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return 1;
	madvise(p, n * 4096, MADV_NOHUGEPAGE);
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (size_t i = 0; i < n; i++)
		p[i * 4096] = 1;
	clock_gettime(CLOCK_MONOTONIC, &b);
	double s = (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
	printf("%.0f\n", n / s);
	return 0;
}

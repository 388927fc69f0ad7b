/* bench/raw_insert.c - the raw SQLite insert rate of a faults-shaped row. */
#include <stdio.h>
#include <stdlib.h>

#include <memsim/sink.h>

int main(int argc, char **argv)
{
	uint64_t n = argc > 2 ? strtoull(argv[2], NULL, 10) : 1000000;
	double s = 0;
	if (argc < 2 || sink_bench_raw_insert(argv[1], n, &s))
		return 1;
	printf("%.0f\n", n / s);
	return 0;
}

/* 002-config.c - configuration keys: defaults, values, errors, JSON. */
#include <stdlib.h>
#include <unistd.h>

#include "t.h"
#include <memsim/config.h>

static void config_should_have_linux_defaults(void)
{
	struct sim_config c;
	char v[64];
	config_defaults(&c);
	CHECK_EQ(c.ram, UINT64_C(1) << 30);
	CHECK_EQ(c.swappiness, 60);
	CHECK_EQ(c.fault_around_bytes, 65536);
	CHECK_EQ(c.stack_guard_gap, 256);
	CHECK(c.thp == THP_MADVISE);
	config_get(&c, "tlb.l1d", v, sizeof v);
	CHECK_STR(v, "64:4");
	config_get(&c, "output.events", v, sizeof v);
	CHECK_STR(v, "faults");
	/* min_free_kbytes = clamp(int_sqrt(kB * 16), 128, 262144): 1G -> 4096 */
	CHECK_EQ(config_derived_min_free_kbytes(&c), 4096);
	config_set(&c, "ram", "16G", v, sizeof v);
	CHECK_EQ(config_derived_min_free_kbytes(&c), 16384);
}

static void config_should_reject_bad_keys_and_values_by_name(void)
{
	struct sim_config c;
	char why[400];
	config_defaults(&c);
	CHECK(config_set(&c, "frob", "1", why, sizeof why) != 0);
	CHECK(strstr(why, "unknown config key 'frob'") != NULL);
	CHECK(config_set(&c, "tlb.l1d", "63:4", why, sizeof why) != 0);
	CHECK(strstr(why, "tlb.l1d") && strstr(why, "63:4"));
	CHECK(config_set(&c, "arch", "sparc", why, sizeof why) != 0);
	CHECK(strstr(why, "sparc") != NULL);
	CHECK(config_set(&c, "vm.swappiness", "201", why, sizeof why) != 0);
	CHECK(config_set(&c, "ram", "99999999999999999999G", why, sizeof why) != 0);
	CHECK(config_set_kv(&c, "noequals", why, sizeof why) != 0);
	CHECK_EQ(config_set(&c, "arch", "arm64", why, sizeof why), 0);
	CHECK_EQ(config_set(&c, "paging.granule", "64K", why, sizeof why), 0);
	CHECK_EQ(c.paging_granule, 65536);
	CHECK_EQ(config_set(&c, "paging.va_bits", "39", why, sizeof why), 0);
	CHECK(config_validate(&c, why, sizeof why) != 0); /* 64K has no 39-bit config */
	CHECK_EQ(config_set_kv(&c, "paging.va_bits=48", why, sizeof why), 0);
	CHECK_EQ(config_validate(&c, why, sizeof why), 0);
}

static void config_should_load_nested_json_and_export_it(void)
{
	struct sim_config c;
	char why[400], path[] = "/tmp/memsim-cfg-XXXXXX";
	int fd = mkstemp(path);
	const char *j = "{\"arch\": \"arm64\", \"tlb\": {\"l2\": \"512:4\", \"asid\": false},"
			" \"vm\": {\"swappiness\": 10}}";
	CHECK(write(fd, j, strlen(j)) == (ssize_t)strlen(j));
	close(fd);
	config_defaults(&c);
	CHECK_EQ(config_load_json(&c, path, why, sizeof why), 0);
	CHECK(c.arch == ARCH_ARM64);
	CHECK_EQ(c.tlb.l2.entries, 512);
	CHECK_EQ(c.tlb_asid, 0);
	CHECK_EQ(c.swappiness, 10);
	char *out = config_to_json(&c);
	CHECK(out && strstr(out, "\"tlb.l2\":\"512:4\""));
	free(out);
	FILE *f = fopen(path, "w");
	fputs("{\"vm\": {\"swappiness\": \"x\"}}", f);
	fclose(f);
	CHECK(config_load_json(&c, path, why, sizeof why) != 0);
	CHECK(strstr(why, path) && strstr(why, "vm.swappiness"));
	unlink(path);
}

int main(void)
{
	RUN(config_should_have_linux_defaults);
	RUN(config_should_reject_bad_keys_and_values_by_name);
	RUN(config_should_load_nested_json_and_export_it);
	return T_DONE();
}

/*
 * 103-tlb-geom.c - "ENTRIES:WAYS" parsing (tlb_geom_parse): good values,
 * normalisation of ways 0, and a clear reason for every bad value.
 */
#include "memsim/tlb.h"
#include "t.h"

static void ok(const char *s, uint32_t e, uint32_t w)
{
	struct tlb_geom g = { 0, 0 };
	char why[160] = "";
	CHECK_EQ(tlb_geom_parse(s, &g, why, sizeof why), 0);
	CHECK_EQ(g.entries, e);
	CHECK_EQ(g.ways, w);
	CHECK_STR(why, "");
}

/* Rejected with a reason containing `part`; *g left alone. */
static void bad(const char *s, const char *part)
{
	struct tlb_geom g = { 7, 7 };
	char why[160] = "";
	CHECK_EQ(tlb_geom_parse(s, &g, why, sizeof why), -1);
	CHECK(strstr(why, part) != NULL);
	if (!strstr(why, part))
		fprintf(stderr, "  '%s': reason '%s' lacks '%s'\n", s ? s : "(null)", why, part);
	CHECK(g.entries == 7 && g.ways == 7);
}

static void geom_should_parse_entries_and_ways(void)
{
	ok("64:4", 64, 4);
	ok("128:8", 128, 8);
	ok("1536:12", 1536, 12);
	ok("24:8", 24, 8);
	ok("1:1", 1, 1);
	ok("007:7", 7, 7);
	ok("16777216:16", 16777216, 16);
}

static void geom_should_make_ways_zero_fully_associative(void)
{
	ok("16:0", 16, 16);
	ok("16:16", 16, 16);
	ok("48:0", 48, 48);
}

static void geom_should_explain_bad_values(void)
{
	bad("63:4", "63 entries is not a multiple of 4 ways");
	bad("64:3", "64 entries is not a multiple of 3 ways");
	bad("0:0", "ENTRIES must be at least 1");
	bad("0:4", "ENTRIES must be at least 1");
	bad("4:8", "8 ways is more than the 4 entries");
	bad("abc", "ENTRIES is not a decimal number");
	bad("", "empty");
	bad(NULL, "empty");
	bad(":4", "ENTRIES is not a decimal number");
	bad("-1:4", "ENTRIES is not a decimal number");
	bad(" 64:4", "ENTRIES is not a decimal number");
	bad("64:", "WAYS is not a decimal number");
	bad("64:x", "WAYS is not a decimal number");
	bad("64", "missing ':WAYS'");
	bad("64/4", "missing ':WAYS'");
	bad("64:4x", "unexpected 'x' after WAYS");
	bad("64:4:2", "unexpected ':2' after WAYS");
	bad("64:4 ", "unexpected ' ' after WAYS");
	bad("99999999999999999999999:4", "ENTRIES is too large (at most 16777216)");
	bad("16777217:1", "ENTRIES is too large");
	bad("4294967296:4", "ENTRIES is too large");
	bad("64:18446744073709551617", "WAYS is too large");
}

static void geom_should_survive_a_short_reason_buffer(void)
{
	struct tlb_geom g;
	char why[8];
	CHECK_EQ(tlb_geom_parse("63:4", &g, why, sizeof why), -1);
	CHECK_EQ(strlen(why), 7);
	CHECK_EQ(tlb_geom_parse("63:4", &g, NULL, 0), -1);
}

int main(void)
{
	RUN(geom_should_parse_entries_and_ways);
	RUN(geom_should_make_ways_zero_fully_associative);
	RUN(geom_should_explain_bad_values);
	RUN(geom_should_survive_a_short_reason_buffer);
	return T_DONE();
}

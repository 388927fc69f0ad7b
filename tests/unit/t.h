/*
 * t.h - the unit-test harness: named test functions, CHECK macros, a summary.
 *
 * A test file defines `static void <unit>_should_<behaviour>(void)` functions
 * and lists them in main() with RUN(name).  CHECK failures print file:line and
 * the failed expression; main returns nonzero if any check failed.
 */
#ifndef MEMSIM_T_H
#define MEMSIM_T_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int t_failed, t_checks, t_tests;
static const char *t_current;

#define CHECK(cond)                                                              \
	do {                                                                     \
		t_checks++;                                                      \
		if (!(cond)) {                                                   \
			t_failed++;                                              \
			fprintf(stderr, "%s:%d: %s: CHECK(%s) failed\n", __FILE__, \
				__LINE__, t_current, #cond);                     \
		}                                                                \
	} while (0)

#define CHECK_EQ(a, b)                                                           \
	do {                                                                     \
		uint64_t t_a_ = (uint64_t)(a), t_b_ = (uint64_t)(b);             \
		t_checks++;                                                      \
		if (t_a_ != t_b_) {                                              \
			t_failed++;                                              \
			fprintf(stderr,                                          \
				"%s:%d: %s: %s == %s failed: 0x%" PRIx64         \
				" (%" PRIu64 ") != 0x%" PRIx64 " (%" PRIu64 ")\n",   \
				__FILE__, __LINE__, t_current, #a, #b, t_a_, t_a_, \
				t_b_, t_b_);                                     \
		}                                                                \
	} while (0)

#define CHECK_STR(a, b)                                                          \
	do {                                                                     \
		const char *t_a_ = (a), *t_b_ = (b);                             \
		t_checks++;                                                      \
		if (!t_a_ || !t_b_ || strcmp(t_a_, t_b_) != 0) {                 \
			t_failed++;                                              \
			fprintf(stderr, "%s:%d: %s: %s == %s failed: \"%s\" != \"%s\"\n", \
				__FILE__, __LINE__, t_current, #a, #b,           \
				t_a_ ? t_a_ : "(null)", t_b_ ? t_b_ : "(null)"); \
		}                                                                \
	} while (0)

#define RUN(fn)                                                                  \
	do {                                                                     \
		t_current = #fn;                                                 \
		t_tests++;                                                       \
		fn();                                                            \
	} while (0)

#define T_DONE()                                                                 \
	(printf("%d tests, %d checks, %d failed\n", t_tests, t_checks, t_failed), \
	 t_failed ? 1 : 0)

#endif

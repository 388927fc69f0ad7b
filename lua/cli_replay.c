/*
 * lua/cli_replay.c - `memsim replay`: traces in, a result database out.
 *
 * Order of work: configuration (defaults, then -c files and --set in
 * command-line order), the machine, the database run (status
 * 'interrupted' until the end), the replay, counters, the final status.
 * Whatever happens after the database is open, what was simulated is
 * written: a bad line in the middle of a trace ends the run as 'failed'
 * with everything before it recorded.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <memsim/sim.h>
#include <memsim/sink.h>

#include "cli.h"

static const char replay_usage[] =
	"usage: memsim replay TRACE... [-c CONFIG.json] [--set KEY=VALUE]... [-o OUT.db]\n"
	"                     [--format auto|mtrace|lackey|binary] [--mode full|tlb]\n"
	"\n"
	"Replay memory-access traces through the modelled MMU, TLBs and Linux fault\n"
	"path.  TRACE is an mtrace text file, Valgrind lackey output or a memsim binary\n"
	"trace (detected automatically); '-' reads standard input; .gz .xz .zst files\n"
	"are read directly.  Several traces are interleaved by simulated time.\n"
	"\n"
	"  -o OUT.db        result database (default memsim.db; an existing one gets\n"
	"                   a new run)\n"
	"  -c CONFIG.json   configuration file (keys of `memsim --keys`)\n"
	"  --set KEY=VALUE  one configuration key (repeatable; later wins)\n"
	"  --format F       force the trace format\n"
	"  --mode full|tlb  full: page faults and the kernel (default);\n"
	"                   tlb: identity translation, TLB statistics only\n"
	"  -q, --quiet      no summary on stdout\n";

int cli_config_opt(struct sim_config *c, const char *opt, const char *arg)
{
	char why[600];
	int rc;
	if (!arg) {
		cli_err("option %s needs an argument", opt);
		return EXIT_BADINPUT;
	}
	if (!strcmp(opt, "-c") || !strcmp(opt, "--config"))
		rc = config_load_json(c, arg, why, sizeof why);
	else
		rc = config_set_kv(c, arg, why, sizeof why);
	if (rc) {
		cli_err("%s", why);
		return EXIT_BADINPUT;
	}
	return 0;
}

static void progress(void *ud, uint64_t done, uint64_t total, uint64_t accesses)
{
	(void)ud;
	if (total)
		fprintf(stderr, "\rmemsim: %5.1f%%  %" PRIu64 " accesses", 100.0 * done / total,
			accesses);
	else
		fprintf(stderr, "\rmemsim: %" PRIu64 " MiB  %" PRIu64 " accesses", done >> 20,
			accesses);
	fflush(stderr);
}

static double rate(uint64_t miss, uint64_t hit)
{
	return miss + hit ? 100.0 * miss / (double)(miss + hit) : 0.0;
}

static void print_summary(struct sim *s, const char *out, double secs)
{
	struct proc_stats a;
	sim_stats(s, &a);
	const struct sim_config *c = sim_config(s);
	char arch[32];
	config_get(c, "arch", arch, sizeof arch);
	printf("memsim replay: %s, %s mode, %.3f s\n", arch,
	       c->mode == MODE_TLB ? "tlb" : "full", secs);
	printf("  accesses        %12" PRIu64 "  (%.1f M/s)\n", a.accesses,
	       secs > 0 ? a.accesses / secs / 1e6 : 0.0);
	printf("  L1d TLB         %12" PRIu64 " hits %12" PRIu64 " misses (%.2f%%)\n",
	       a.tlb.l1d_hits, a.tlb.l1d_misses, rate(a.tlb.l1d_misses, a.tlb.l1d_hits));
	printf("  L1i TLB         %12" PRIu64 " hits %12" PRIu64 " misses (%.2f%%)\n",
	       a.tlb.l1i_hits, a.tlb.l1i_misses, rate(a.tlb.l1i_misses, a.tlb.l1i_hits));
	printf("  L2 TLB          %12" PRIu64 " hits %12" PRIu64 " misses (%.2f%%)\n",
	       a.tlb.l2_hits, a.tlb.l2_misses, rate(a.tlb.l2_misses, a.tlb.l2_hits));
	printf("  page walks      %12" PRIu64 "\n", a.walks);
	if (c->mode == MODE_FULL) {
		printf("  faults          %12" PRIu64 "  minflt %" PRIu64 "  majflt %" PRIu64
		       "  segv %" PRIu64 "  sigbus %" PRIu64 "\n",
		       a.faults, a.minflt, a.majflt, a.segv, a.sigbus);
		printf("  cow copies      %12" PRIu64 "  reuses %" PRIu64 "\n", a.cow_copies,
		       a.cow_reuses);
		printf("  rss peak        %12" PRIu64 " pages\n", a.rss_peak_pages);
	}
	printf("  simulated time  %12.6f s\n", (double)sim_now(s) / 1e9);
	if (out)
		printf("  results         %s\n", out);
}

struct replay_opts {
	const char **traces;
	int ntraces;
	const char *out;
	enum trace_format fmt;
	int quiet;
};

static int parse_format(const char *s, enum trace_format *f)
{
	static const char *const names[] = { "auto", "mtrace", "lackey", "binary" };
	for (int i = 0; i < 4; i++)
		if (s && !strcmp(s, names[i])) {
			*f = (enum trace_format)i;
			return 0;
		}
	cli_err("bad value for --format: '%s' (expected auto, mtrace, lackey or binary)",
		s ? s : "");
	return EXIT_BADINPUT;
}

static int parse_args(int argc, char **argv, struct sim_config *c, struct replay_opts *o)
{
	o->traces = calloc((size_t)argc, sizeof(char *));
	if (!o->traces)
		return EXIT_BADINPUT;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		int rc = 0;
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			fputs(replay_usage, stdout);
			exit(0);
		} else if (!strcmp(a, "-o")) {
			if (!v) {
				cli_err("option -o needs an argument");
				return EXIT_BADINPUT;
			}
			o->out = v;
			i++;
		} else if (!strcmp(a, "-c") || !strcmp(a, "--config") || !strcmp(a, "--set")) {
			rc = cli_config_opt(c, a, v);
			i++;
		} else if (!strcmp(a, "--format")) {
			rc = parse_format(v, &o->fmt);
			i++;
		} else if (!strcmp(a, "--mode")) {
			char why[300];
			if (config_set(c, "mode", v ? v : "", why, sizeof why)) {
				cli_err("bad value for --mode: '%s' (expected full or tlb)", v ? v : "");
				return EXIT_BADINPUT;
			}
			i++;
		} else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
			o->quiet = 1;
		} else if (a[0] == '-' && a[1]) {
			cli_err("replay: unknown option '%s' (try memsim replay --help)", a);
			return EXIT_BADINPUT;
		} else {
			o->traces[o->ntraces++] = a;
		}
		if (rc)
			return rc;
	}
	if (!o->ntraces) {
		cli_err("replay: no trace given (try memsim replay --help)");
		return EXIT_BADINPUT;
	}
	return 0;
}

static char *join_sources(const struct replay_opts *o)
{
	size_t n = 1;
	for (int i = 0; i < o->ntraces; i++)
		n += strlen(o->traces[i]) + 1;
	char *s = calloc(1, n);
	for (int i = 0; s && i < o->ntraces; i++) {
		if (i)
			strcat(s, " ");
		strcat(s, o->traces[i]);
	}
	return s;
}

static int exit_for(int rc)
{
	switch (rc) {
	case 0: return 0;
	case SIM_EINPUT:
	case SIM_EIO: return EXIT_BADINPUT;
	case SIM_EINTR: return EXIT_INTERRUPTED;
	default: return EXIT_SIMFAIL;
	}
}

static double now_secs(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int cli_replay(int argc, char **argv)
{
	struct sim_config cfg;
	struct replay_opts o = { NULL, 0, "memsim.db", TRACE_AUTO, 0 };
	char err[SIM_ERRMSG_MAX + 64];
	config_defaults(&cfg);
	int rc = parse_args(argc, argv, &cfg, &o);
	if (rc) {
		free(o.traces);
		return rc;
	}
	struct sim *s = sim_create(&cfg, err, sizeof err);
	if (!s) {
		cli_err("%s", err);
		free(o.traces);
		return EXIT_BADINPUT;
	}
	struct sink *k = sink_open(o.out, err, sizeof err);
	if (!k) {
		cli_err("%s", err);
		sim_destroy(s);
		free(o.traces);
		return EXIT_BADINPUT;
	}
	char *json = config_to_json(&cfg), *src = join_sources(&o), arch[32];
	config_get(&cfg, "arch", arch, sizeof arch);
	struct sink_run_info ri = { arch, json, src, MEMSIM_VERSION, 0 };
	if (sink_run_begin(k, &ri) < 0) {
		cli_err("%s: %s", o.out, sink_errmsg(k));
		rc = EXIT_BADINPUT;
		goto out;
	}
	sim_set_sink(s, k);
	cli_install_signals();
	sim_set_stop_flag(s, &cli_stop);
	int tty = isatty(2);
	if (tty)
		sim_set_progress(s, progress, NULL);
	double t0 = now_secs();
	int src_rc = sim_replay(s, o.traces, o.ntraces, o.fmt);
	double secs = now_secs() - t0;
	if (tty && !o.quiet)
		fputs("\r\033[K", stderr);
	sim_write_counters(s);
	enum run_status st = src_rc == 0 ? RUN_COMPLETE :
			     src_rc == SIM_EINTR ? RUN_INTERRUPTED : RUN_FAILED;
	if (sink_run_end(k, st)) {
		cli_err("%s: %s", o.out, sink_errmsg(k));
		src_rc = src_rc ? src_rc : SIM_EIO;
	}
	if (src_rc && src_rc != SIM_EINTR)
		fprintf(stderr, "%s\n", sim_errmsg(s));
	else if (src_rc == SIM_EINTR)
		cli_err("interrupted; results so far are in %s", o.out);
	if (!o.quiet && (src_rc == 0 || src_rc == SIM_EINTR))
		print_summary(s, o.out, secs);
	rc = exit_for(src_rc);
out:
	sink_close(k);
	sim_destroy(s);
	free(json);
	free(src);
	free(o.traces);
	return rc;
}

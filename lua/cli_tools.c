/*
 * lua/cli_tools.c - `memsim convert`, `memsim report` and `memsim capture`.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <memsim/sink.h>
#include <memsim/trace.h>

#include "cli.h"

static int wants_help(int argc, char **argv, const char *usage)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			fputs(usage, stdout);
			return 1;
		}
	return 0;
}

/* OUT names a compressed file: the writer does not compress. */
static int compressed_name(const char *out)
{
	static const char *const ext[] = { ".gz", ".xz", ".zst" };
	size_t n = strlen(out);
	for (size_t i = 0; i < sizeof ext / sizeof ext[0]; i++)
		if (n > strlen(ext[i]) && !strcmp(out + n - strlen(ext[i]), ext[i]))
			return 1;
	return 0;
}

/*
 * The output format of `convert`: --to, else text for '-' (a terminal or a
 * pager: binary on stdout needs --to binary) and for names ending in .mtr or
 * .txt, binary otherwise (the rule of trace_writer_open).
 */
static enum trace_format convert_format(const char *out, const char *to)
{
	if (to)
		return !strcmp(to, "binary") ? TRACE_BINARY : TRACE_MTRACE;
	return !strcmp(out, "-") ? TRACE_MTRACE : TRACE_AUTO;
}

int cli_convert(int argc, char **argv)
{
	static const char usage[] =
		"usage: memsim convert [--to text|binary] IN OUT\n"
		"\n"
		"Convert a trace between mtrace text and memsim binary, losslessly.  IN may\n"
		"be any readable trace (mtrace, lackey, binary; '-' for stdin; .gz/.xz/.zst).\n"
		"The output format is --to when given; otherwise text when OUT is '-'\n"
		"(standard output) or ends in .mtr or .txt, and binary for any other name\n"
		"(.mtb by convention).  OUT is never compressed: pipe it\n"
		"(memsim convert IN - | gzip > OUT.mtr.gz).  Comments and spacing of text\n"
		"input are not kept.  Formats: traces/FORMAT.md.\n";
	if (wants_help(argc, argv, usage))
		return 0;
	const char *files[2], *to = NULL;
	int n = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--to")) {
			to = i + 1 < argc ? argv[++i] : "";
			if (strcmp(to, "text") && strcmp(to, "binary")) {
				cli_err("convert: bad value for --to: '%s' (expected text or binary)",
					to);
				return EXIT_BADINPUT;
			}
		} else if (argv[i][0] == '-' && argv[i][1]) {
			cli_err("convert: unknown option '%s' (try memsim convert --help)", argv[i]);
			return EXIT_BADINPUT;
		} else if (n == 2) {
			cli_err("convert: expected IN and OUT, got a third file '%s'", argv[i]);
			return EXIT_BADINPUT;
		} else {
			files[n++] = argv[i];
		}
	}
	if (n != 2) {
		cli_err("convert: expected IN and OUT (try memsim convert --help)");
		return EXIT_BADINPUT;
	}
	if (compressed_name(files[1])) {
		cli_err("convert: cannot write a compressed trace '%s' (pipe it: memsim "
			"convert IN - | gzip > FILE.gz)", files[1]);
		return EXIT_BADINPUT;
	}
	char err[SIM_ERRMSG_MAX];
	int rc = trace_convert(files[0], files[1], convert_format(files[1], to), err, sizeof err);
	if (rc) {
		fprintf(stderr, "%s\n", err);
		return EXIT_BADINPUT;
	}
	return 0;
}

int cli_report(int argc, char **argv)
{
	static const char usage[] =
		"usage: memsim report OUT.db [--html FILE]\n"
		"\n"
		"Print the runs of a result database as tables: counters, faults by kind,\n"
		"processes, events.  --html also writes a page with charts.\n";
	if (wants_help(argc, argv, usage))
		return 0;
	const char *db = NULL, *html = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--html")) {
			if (i + 1 >= argc) {
				cli_err("option --html needs an argument");
				return EXIT_BADINPUT;
			}
			html = argv[++i];
		} else if (argv[i][0] == '-') {
			cli_err("report: unknown option '%s'", argv[i]);
			return EXIT_BADINPUT;
		} else if (!db) {
			db = argv[i];
		} else {
			cli_err("report: more than one database given");
			return EXIT_BADINPUT;
		}
	}
	if (!db) {
		cli_err("report: no database given (try memsim report --help)");
		return EXIT_BADINPUT;
	}
	if (access(db, R_OK) != 0) {
		fprintf(stderr, "%s: %s\n", db, strerror(errno));
		return EXIT_BADINPUT;
	}
	char err[SIM_ERRMSG_MAX];
	if (sink_report(db, stdout, html, err, sizeof err)) {
		fprintf(stderr, "%s\n", err);
		return EXIT_BADINPUT;
	}
	return 0;
}

int cli_capture(int argc, char **argv)
{
	static const char usage[] =
		"usage: memsim capture -o OUT.mtr -- CMD ARGS...\n"
		"\n"
		"Run CMD under `valgrind --tool=lackey --trace-mem=yes` and write its memory\n"
		"accesses as a trace: text when OUT is '-' or ends in .mtr or .txt, binary\n"
		"otherwise (as memsim convert).\n";
	const char *out = NULL;
	int i = 1;
	for (; i < argc; i++) {
		if (!strcmp(argv[i], "--")) {
			i++;
			break;
		}
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			fputs(usage, stdout);
			return 0;
		}
		if (!strcmp(argv[i], "-o") && i + 1 < argc)
			out = argv[++i];
		else {
			cli_err("capture: unexpected '%s' (try memsim capture --help)", argv[i]);
			return EXIT_BADINPUT;
		}
	}
	if (!out || i >= argc) {
		cli_err("capture: need -o OUT and -- CMD (try memsim capture --help)");
		return EXIT_BADINPUT;
	}
	if (compressed_name(out)) {
		cli_err("capture: cannot write a compressed trace '%s' (write it, then "
			"compress it)", out);
		return EXIT_BADINPUT;
	}
	char tmpl[] = "/tmp/memsim-capture-XXXXXX";
	int fd = mkstemp(tmpl);
	if (fd < 0) {
		cli_err("capture: cannot create a temporary file: %s", strerror(errno));
		return EXIT_SIMFAIL;
	}
	close(fd);
	char logopt[64];
	snprintf(logopt, sizeof logopt, "--log-file=%s", tmpl);
	char **av = calloc((size_t)(argc - i + 6), sizeof(char *));
	if (!av)
		return EXIT_SIMFAIL;
	int n = 0;
	av[n++] = "valgrind";
	av[n++] = "--tool=lackey";
	av[n++] = "--trace-mem=yes";
	av[n++] = logopt;
	for (; i < argc; i++)
		av[n++] = argv[i];
	pid_t pid = fork();
	if (pid == 0) {
		execvp("valgrind", av);
		fprintf(stderr, "memsim: capture: cannot run valgrind: %s\n", strerror(errno));
		_exit(127);
	}
	int status = 0;
	waitpid(pid, &status, 0);
	free(av);
	if (!WIFEXITED(status) || WEXITSTATUS(status) == 127) {
		unlink(tmpl);
		cli_err("capture: valgrind failed (is the valgrind package installed?)");
		return EXIT_SIMFAIL;
	}
	char err[SIM_ERRMSG_MAX];
	int rc = trace_convert(tmpl, out, convert_format(out, NULL), err, sizeof err);
	unlink(tmpl);
	if (rc) {
		fprintf(stderr, "%s\n", err);
		return EXIT_SIMFAIL;
	}
	return 0;
}

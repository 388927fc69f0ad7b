/*
 * lua/main.c - `memsim`: dispatch to a command, --help, --version, signals.
 */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

volatile int cli_stop;

static void on_signal(int sig)
{
	(void)sig;
	cli_stop = 1;
}

void cli_install_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

void cli_err(const char *fmt, ...)
{
	va_list ap;
	fputs("memsim: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static const char usage[] =
	"usage: memsim COMMAND [ARGS]\n"
	"\n"
	"A trace-driven simulator of Linux virtual memory (x86-64 and arm64).\n"
	"\n"
	"commands:\n"
	"  run SCENARIO.lua [-o OUT.db] [--set KEY=VALUE]...   run a Lua scenario\n"
	"  replay TRACE... [-c CONFIG.json] [--set KEY=VALUE]... [-o OUT.db]\n"
	"         [--format auto|mtrace|lackey|binary] [--mode full|tlb]\n"
	"                                              replay traces, write results\n"
	"  check [DIR|CASE.json]...                    run a regression suite\n"
	"  convert [--to text|binary] IN OUT          mtrace text <-> binary\n"
	"  report OUT.db [--html FILE]                 summary of a result database\n"
	"  capture -o OUT.mtr -- CMD ARGS...           record a program with valgrind\n"
	"\n"
	"options:\n"
	"  -h, --help      this help; `memsim COMMAND --help` for a command\n"
	"  --version       print the version\n"
	"  --keys          list every configuration key with its default\n"
	"\n"
	"Exit status: 0 ok, 1 simulation failure, 2 bad usage or input, 130 interrupted.\n";

static int list_keys(void)
{
	struct sim_config c;
	config_defaults(&c);
	for (unsigned i = 0; config_key_name(i); i++) {
		char v[64];
		config_get(&c, config_key_name(i), v, sizeof v);
		printf("%-28s %-12s %s\n", config_key_name(i), v, config_key_help(i));
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} cmds[] = {
		{ "run", cli_run },         { "replay", cli_replay }, { "check", cli_check },
		{ "convert", cli_convert }, { "report", cli_report }, { "capture", cli_capture },
	};
	if (argc < 2) {
		fputs(usage, stderr);
		return EXIT_BADINPUT;
	}
	const char *cmd = argv[1];
	if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
		fputs(usage, stdout);
		return 0;
	}
	if (!strcmp(cmd, "--version") || !strcmp(cmd, "-V")) {
		printf("memsim %s\n", MEMSIM_VERSION);
		return 0;
	}
	if (!strcmp(cmd, "--keys"))
		return list_keys();
	for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
		if (!strcmp(cmd, cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	cli_err("unknown command '%s' (try memsim --help)", cmd);
	return EXIT_BADINPUT;
}

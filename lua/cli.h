/*
 * lua/cli.h - the `memsim` command line: one function per command.
 *
 * Exit status (DESIGN 3): 0 success, 1 simulation or assertion failure,
 * 2 bad usage or bad input (a message naming the file, line and field),
 * 130 interrupted by SIGINT/SIGTERM (what was simulated is kept).
 */
#ifndef MEMSIM_CLI_H
#define MEMSIM_CLI_H

#include <memsim/config.h>

#define EXIT_SIMFAIL 1
#define EXIT_BADINPUT 2
#define EXIT_INTERRUPTED 130

/* Set by the SIGINT/SIGTERM handler; the engine polls it. */
extern volatile int cli_stop;
void cli_install_signals(void);

int cli_replay(int argc, char **argv);
int cli_check(int argc, char **argv);
int cli_convert(int argc, char **argv);
int cli_report(int argc, char **argv);
int cli_capture(int argc, char **argv);
int cli_run(int argc, char **argv);     /* lua/run.c: Lua scenarios */

/* Shared option handling: -c FILE and --set KEY=VALUE (in command-line order,
 * later wins).  Returns 0 or prints "memsim: ..." and returns EXIT_BADINPUT. */
int cli_config_opt(struct sim_config *c, const char *opt, const char *arg);

/* "memsim: " + message on stderr. */
void cli_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif

/*
 * lua/run.c - `memsim run SCENARIO.lua` (the Lua scenario runtime).
 */
#include "cli.h"

int cli_run(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	cli_err("run: Lua scenarios are not built yet");
	return EXIT_BADINPUT;
}

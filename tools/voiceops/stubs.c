#include "cli.h"
int cmd_scan(cli *c, int argc, char **argv) { (void)argc; (void)argv; return cli_failf(c, EXIT_ERROR, "todo"); }
int cmd_smtp(cli *c, int argc, char **argv) { (void)argc; (void)argv; return cli_failf(c, EXIT_ERROR, "todo"); }

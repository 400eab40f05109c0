#include "cli.h"
int cmd_smtp(cli *c, int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return cli_failf(c, EXIT_ERROR, "todo");
}

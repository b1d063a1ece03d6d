/* `replsim real`: placeholder while it is being written. */
#include "commands.h"
#include <stdio.h>
int cmd_real(int argc, char **argv)
{
  (void)argc;
  (void)argv;
  fprintf(stderr, "replsim real: not yet\n");
  return RS_EXIT_BAD_INPUT;
}

/* replsim: the command line entry point, which hands each subcommand its own arguments. */
#include "commands.h"

#include <glib.h>
#include <stdio.h>
#include <string.h>

static const char usage[] =
    "Usage: replsim COMMAND [OPTIONS]\n"
    "\n"
    "A deterministic test bed for primary-backup and quorum replication, on SimGrid.\n"
    "\n"
    "Commands:\n"
    "  run SCENARIO.xml [--seed N] [--set KEY=VALUE]... [--out DIR]\n"
    "                   replay a scenario: trace.jsonl, summary.json and logs/ in DIR\n"
    "\n"
    "Run 'replsim COMMAND --help' for a command's options.\n";

int main(int argc, char **argv)
{
  if (argc < 2) {
    fputs(usage, stderr);
    return RS_EXIT_BAD_INPUT;
  }
  if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
    fputs(usage, stdout);
    return RS_EXIT_OK;
  }
  if (strcmp(argv[1], "run") == 0)
    return cmd_run(argc - 1, argv + 1);
  fprintf(stderr, "replsim: unknown command '%s'\n\n%s", argv[1], usage);
  return RS_EXIT_BAD_INPUT;
}

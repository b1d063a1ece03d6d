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
    "  check DIR|TRACE.jsonl|HISTORY.jsonl|HISTORY.edn [--model M] [--html FILE] [--json]\n"
    "                   check a run or any history: linearizability, lost writes, stale reads\n"
    "  compare SCENARIO.xml --protocols a,b,c [--seeds 1-10] [--vary KEY=v1,v2]\n"
    "          [--jobs N] [--out DIR]\n"
    "                   run every combination; results.csv, a side-by-side table, plots\n"
    "  plot DIR [--from S] [--to S] [--nodes a,b]\n"
    "                   draw a run's plots: latency over time, space-time diagram\n"
    "  export DIR --to perfetto|shiviz\n"
    "                   a run for Perfetto (trace.perfetto.json) or ShiViz (shiviz.log)\n"
    "  swarm --runs N --seed S [--jobs J] [--out DIR] [--quick]\n"
    "                   random valid scenarios, each judged against its design's promises\n"
    "\n"
    "Real mode (the same scenario over TCP):\n"
    "  real SCENARIO.xml [--seed N] [--set KEY=VALUE]... [--out DIR] [--hosts FILE]\n"
    "       [--data DIR] [--key FILE]\n"
    "                   every server node its own process, the clients here; same outputs\n"
    "  node SCENARIO.xml --id NODE [--hosts FILE] [--data DIR] [--key FILE]\n"
    "                   one registry, view service or replica as a daemon\n"
    "  client SCENARIO.xml [--hosts FILE] [--key FILE] OP [ARGS]...\n"
    "                   one operation from the shell (write, read, delete, put, get, append, cas)\n"
    "\n"
    "Run 'replsim COMMAND --help' for a command's options.\n";

/* Runs the subcommand; stdout is flushed before returning, so that what a command printed is
 * never lost to a sanitizer or another exit handler that ends the process without flushing. */
static int dispatch(int argc, char **argv)
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
  if (strcmp(argv[1], "check") == 0)
    return cmd_check(argc - 1, argv + 1);
  if (strcmp(argv[1], "compare") == 0)
    return cmd_compare(argc - 1, argv + 1);
  if (strcmp(argv[1], "plot") == 0)
    return cmd_plot(argc - 1, argv + 1);
  if (strcmp(argv[1], "export") == 0)
    return cmd_export(argc - 1, argv + 1);
  if (strcmp(argv[1], "swarm") == 0)
    return cmd_swarm(argc - 1, argv + 1);
  if (strcmp(argv[1], "node") == 0)
    return cmd_node(argc - 1, argv + 1);
  if (strcmp(argv[1], "real") == 0)
    return cmd_real(argc - 1, argv + 1);
  if (strcmp(argv[1], "client") == 0)
    return cmd_client(argc - 1, argv + 1);
  fprintf(stderr, "replsim: unknown command '%s'\n\n%s", argv[1], usage);
  return RS_EXIT_BAD_INPUT;
}

int main(int argc, char **argv)
{
  int status = dispatch(argc, argv);
  fflush(stdout);
  return status;
}

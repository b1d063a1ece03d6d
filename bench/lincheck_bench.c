/* Times the linearizability checker on large generated histories (kv and files); `make bench`. */
#include "analysis/histgen.h"
#include "trace/history.h"
#include "analysis/linearize.h"

#include <glib.h>
#include <stdio.h>
#include <stdlib.h>

static const char *bench_verdict(const lin_result *r)
{
  if (!r)
    return "ERROR";
  return r->verdict == LIN_LINEARIZABLE ? "LINEARIZABLE"
         : r->verdict == LIN_VIOLATION  ? "VIOLATION"
                                        : "UNKNOWN";
}

/* Generates and checks one history, prints its line; returns the seconds the check took and
 * sets *ok unless it was found linearizable. */
static double bench_run(const histgen_cfg *c, bool *ok)
{
  history *h = histgen_generate(c);
  lin_options opt = {.deadline = 60};
  double t0 = lin_monotonic_clock(NULL);
  lin_result *r = lin_check(h, c->files ? "files" : "kv", &opt, NULL);
  double took = lin_monotonic_clock(NULL) - t0;
  printf("lincheck %-6s %d ops, %d keys, %d clients, %g%% info: %.2f s (%s)\n",
         c->files ? "files:" : "kv:", c->ops, c->keys, c->clients, 100 * c->info_p, took,
         bench_verdict(r));
  if (!r || r->verdict != LIN_LINEARIZABLE) {
    *ok = false;
    if (r)
      lin_report_print(r, stderr);
  }
  lin_result_free(r);
  history_free(h);
  return took;
}

/* Usage: lincheck_bench [OPS [KEYS [CLIENTS [INFO-FRACTION]]]] (defaults 100000 100 16 0.01).
 * Exit status 1 unless both histories were found linearizable. */
int main(int argc, char **argv)
{
  histgen_cfg c = {.ops = 100000, .keys = 100, .clients = 16, .info_p = 0.01, .fail_p = 0.01,
                   .delete_p = 0.002, .cas_recent = 4, .seed = 42};
  if (argc > 1)
    c.ops = atoi(argv[1]);
  if (argc > 2)
    c.keys = atoi(argv[2]);
  if (argc > 3)
    c.clients = atoi(argv[3]);
  if (argc > 4)
    c.info_p = atof(argv[4]);
  if (c.ops < 1 || c.keys < 1 || c.clients < 1 || c.info_p < 0 || c.info_p > 0.9) {
    fprintf(stderr, "usage: lincheck_bench [OPS [KEYS [CLIENTS [INFO-FRACTION]]]]\n");
    return 2;
  }
  bool ok = true;
  double kv = bench_run(&c, &ok);
  c.files = true;
  double files = bench_run(&c, &ok);
  /* The headline is the slower of the two. */
  printf("lincheck: %d ops, %d keys, %d clients: %.2f s (%s)\n", c.ops, c.keys, c.clients,
         MAX(kv, files), ok ? "LINEARIZABLE" : "NOT LINEARIZABLE");
  return ok ? 0 : 1;
}

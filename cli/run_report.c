/* Judging and publishing a finished run: the part `run` and `real` share. */
#include "run_report.h"

#include "analysis/edn.h"
#include "commands.h"
#include "expect.h"
#include "outdir.h"

#include <stdio.h>
#include <string.h>

/* The summary of a finished run: its figures, and the verdict reached from its trace read back,
 * the one path `replsim check` takes too. */
static summary *summarize(const scenario *sc, const sim_outcome *out, double wall, double check_timeout,
                          const char *staged, const char *cmd, verdict **v, history **h)
{
  summary *s = summary_new(sc->name, rs_protocol_name(sc->protocol), sc->seed);
  s->sim_time = out->end_time;
  s->stopped = g_strdup(out->stopped);
  s->wall_seconds = wall;
  s->real_mode = strcmp(cmd, "real") == 0;
  s->messages_sent = out->messages_sent;
  s->messages_dropped = out->messages_dropped;
  char *trace = g_build_filename(staged, "trace.jsonl", NULL);
  *v = expect_verdict(trace, check_timeout, s, h);
  expect_judge(sc, out, s);
  g_free(trace);
  return s;
}

int run_report(const scenario *sc, const sim_outcome *out, const char *staged, const char *dir, double wall,
               double check_timeout, const char *cmd)
{
  char *err = NULL;
  verdict *v = NULL;
  history *h = NULL;
  summary *s = summarize(sc, out, wall, check_timeout, staged, cmd, &v, &h);
  char *path = g_build_filename(staged, "summary.json", NULL);
  char *edn = g_build_filename(staged, "history.edn", NULL);
  bool ok = summary_write_json(s, path, &err) && (!h || edn_write_history_file(h, v ? v->model : NULL, edn, &err));
  g_free(edn);
  g_free(path);
  int status = RS_EXIT_BAD_INPUT;
  if (ok && !outdir_commit(staged, dir, &err)) {
    /* The target changed during the run: keep what was measured, touch nothing else. */
    outdir_unguard();
    fprintf(stderr, "replsim %s: %s\nreplsim %s: the run's outputs are kept in %s/\n", cmd, err, cmd, staged);
  } else if (!ok) {
    fprintf(stderr, "replsim %s: %s\n", cmd, err ? err : "the run failed");
    outdir_discard(staged);
  } else {
    summary_print(s, stdout);
    if (v && v->lin->verdict == LIN_VIOLATION)
      lin_report_print(v->lin, stdout);
    if (v && (v->anom->lost_writes || v->anom->stale_reads)) {
      printf("\n");
      anomalies_print(v->anom, 5, stdout); /* `replsim check DIR` lists 20 */
    }
    printf("output: %s/\n", dir);
    status = summary_all_held(s) ? RS_EXIT_OK : RS_EXIT_FAILED;
  }
  verdict_free(v);
  history_free(h);
  summary_free(s);
  g_free(err);
  return status;
}

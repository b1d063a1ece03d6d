/* `replsim swarm`: draws random valid scenarios from one seed, runs each as `replsim run` in its
 * own process (J at a time), judges it (it ends, it replays byte for byte, its design's promises
 * hold, it is live again after the faults), shrinks the failures, and writes DIR/swarm.csv. */
#include "commands.h"
#include "outdir.h"
#include "swarm.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef struct sw_options {
  int runs, jobs, replay_every, shrink_attempts, from;
  char *seed_text, *out, *wall_text, *platforms, *plan, *collect;
  gboolean keep_passing, quick, no_shrink, strict;
} sw_options;

/* One case's outcome, filled by a worker thread. */
typedef struct sw_result {
  unsigned index;
  sw_scenario *s;
  sw_promise p;
  sw_judgement j;
  bool replayed, shrunk;
  int shrink_attempts, shrunk_faults;
} sw_result;

typedef struct sw_run {
  sw_options *o;
  uint64_t seed;
  sw_ctx ctx;
  char *staged, *final;
  sw_result *results;
  GMutex lock;
  unsigned done, failed;
  double start;
} sw_run;

static double now_s(void)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

/* Removes a case folder this process wrote: its scenario files and logs, and the run folders
 * `replsim run` marked (only what their markers list). A crashed run's staging folder stays,
 * and then so does the case folder. */
void sw_remove_case(const char *dir)
{
  static const char *runs[] = {"run", "replay"};
  static const char *files[] = {"scenario.xml", "run.log", "replay.log", "shrunk.xml"};
  for (size_t i = 0; i < G_N_ELEMENTS(runs); i++) {
    char *p = g_build_filename(dir, runs[i], NULL), *err = NULL;
    if (!outdir_remove_marked(p, &err)) {
      fprintf(stderr, "replsim swarm: %s\n", err);
      g_free(err);
    }
    g_free(p);
  }
  for (size_t i = 0; i < G_N_ELEMENTS(files); i++) {
    char *p = g_build_filename(dir, files[i], NULL);
    g_unlink(p);
    g_free(p);
  }
  g_rmdir(dir);
}

static void sw_case(gpointer data, gpointer user)
{
  sw_run *r = user;
  sw_result *res = data;
  sw_options *o = r->o;
  res->s = sw_draw(r->seed, res->index, o->quick);
  res->p = sw_promise_of(res->s);
  res->replayed = o->replay_every > 0 && res->index % (unsigned)o->replay_every == 0;
  char *name = g_strdup_printf("%05u", res->index);
  char *work = g_build_filename(r->staged, "work", name, NULL);
  res->j = sw_run_case(&r->ctx, res->s, work, res->replayed);
  /* Only a run that passed is replayed (a failed replay is its verdict). */
  if (res->j.verdict != SW_PASS && res->j.verdict != SW_F_REPLAY && strncmp(res->j.detail, "the replay", 10) != 0)
    res->replayed = false;
  bool failed = res->j.verdict != SW_PASS;
  char *kept = NULL;
  if (failed || o->keep_passing) {
    kept = g_build_filename(r->staged, failed ? "failures" : "passing", name, NULL);
    char *parent = g_path_get_dirname(kept);
    g_mkdir_with_parents(parent, 0755);
    g_free(parent);
    if (g_rename(work, kept) != 0)
      fprintf(stderr, "replsim swarm: %s: %s\n", kept, g_strerror(errno));
  } else {
    sw_remove_case(work);
  }
  if (failed && !o->no_shrink && kept) {
    char *tmp = g_build_filename(r->staged, "work", name, NULL);
    sw_scenario *small = sw_shrink(&r->ctx, res->s, res->j.verdict, tmp, o->shrink_attempts, &res->shrink_attempts);
    g_rmdir(tmp);
    g_free(tmp);
    char *file = g_build_filename(kept, "shrunk.xml", NULL);
    char *xml = sw_render(small, r->ctx.platform_dir);
    g_file_set_contents(file, xml, -1, NULL);
    res->shrunk = true;
    res->shrunk_faults = (int)small->faults->len;
    g_free(xml);
    g_free(file);
    sw_free(small);
  }
  g_mutex_lock(&r->lock);
  r->done++;
  if (failed) {
    r->failed++;
    fprintf(stderr, "swarm: case %u FAILED (%s): %s\n  replay: replsim run %s/failures/%s/scenario.xml --seed %" G_GUINT64_FORMAT "\n",
            res->index, sw_verdict_name(res->j.verdict), res->j.detail, r->final, name, res->s->seed);
    if (res->shrunk)
      fprintf(stderr, "  shrunk (%d faults, %d attempts): replsim run %s/failures/%s/shrunk.xml\n", res->shrunk_faults,
              res->shrink_attempts, r->final, name);
  }
  if (r->done % 100 == 0 || (r->done == (unsigned)o->runs && o->runs > 1))
    fprintf(stderr, "swarm: %u/%d runs, %u failed, %.0f s\n", r->done, o->runs, r->failed, now_s() - r->start);
  g_mutex_unlock(&r->lock);
  g_free(kept);
  g_free(work);
  g_free(name);
}

static const char *flag(bool b) { return b ? "yes" : "-"; }

/* Quotes a CSV field (details hold commas). */
static void csv_field(GString *out, const char *text)
{
  g_string_append_c(out, '"');
  for (const char *c = text; *c; c++) {
    if (*c == '"')
      g_string_append_c(out, '"');
    g_string_append_c(out, *c);
  }
  g_string_append_c(out, '"');
}

static bool write_csv(sw_run *r, char **err)
{
  GString *out = g_string_new("case,seed,protocol,app,failover,reads,read_repair,replicas,heartbeat,dead_after,"
                              "duration,faults,promise_linearizable,promise_no_lost_writes,promise_no_divergence,"
                              "promise_liveness,verdict,exit,ops,ok,simulated_time,wall,replayed,shrunk_faults,detail\n");
  for (int i = 0; i < r->o->runs; i++) {
    sw_result *x = &r->results[i];
    sw_scenario *s = x->s;
    g_string_append_printf(out, "%u,%" G_GUINT64_FORMAT ",%s,%s,%s,%s,%s,%d,%.3f,%d,%.3f,%u,%s,%s,%s,%s,%s,%d,%d,%d,%.3f,%.3f,%s,%d,",
                           x->index, s->seed, s->protocol, s->app, s->failover, s->reads, flag(s->read_repair),
                           s->replicas, s->heartbeat, s->dead_after, s->duration, s->faults->len,
                           flag(x->p.linearizable), flag(x->p.no_lost_writes), flag(x->p.no_divergence),
                           flag(x->p.liveness), sw_verdict_name(x->j.verdict), x->j.exit_code, x->j.ops, x->j.ok,
                           x->j.sim_time, x->j.wall, flag(x->replayed), x->shrunk ? x->shrunk_faults : -1);
    csv_field(out, x->j.detail);
    g_string_append_c(out, '\n');
  }
  char *path = g_build_filename(r->staged, "swarm.csv", NULL);
  GError *e = NULL;
  bool ok = g_file_set_contents(path, out->str, (gssize)out->len, &e);
  if (!ok) {
    *err = g_strdup(e->message);
    g_error_free(e);
  }
  g_free(path);
  g_string_free(out, TRUE);
  return ok;
}

/* platforms/ beside the binary's build folder, or in the current folder. */
static char *find_platforms(const char *self)
{
  char *bin = g_path_get_dirname(self);
  char *candidates[] = {g_build_filename(bin, "..", "platforms", NULL), g_build_filename(bin, "platforms", NULL),
                        g_strdup("platforms")};
  char *found = NULL;
  for (size_t i = 0; i < G_N_ELEMENTS(candidates); i++) {
    char *lan = g_build_filename(candidates[i], "lan.xml", NULL);
    if (!found && g_file_test(lan, G_FILE_TEST_IS_REGULAR))
      found = g_strdup(candidates[i]);
    g_free(lan);
    g_free(candidates[i]);
  }
  g_free(bin);
  return found;
}

static bool copy_platforms(const char *from, const char *staged, char **err)
{
  char *dir = g_build_filename(staged, "platforms", NULL);
  g_mkdir_with_parents(dir, 0755);
  static const char *names[] = {"lan.xml", "wan.xml"};
  bool ok = true;
  for (size_t i = 0; i < G_N_ELEMENTS(names) && ok; i++) {
    char *src = g_build_filename(from, names[i], NULL), *dst = g_build_filename(dir, names[i], NULL), *text = NULL;
    gsize len = 0;
    ok = g_file_get_contents(src, &text, &len, NULL) && g_file_set_contents(dst, text, (gssize)len, NULL);
    if (!ok)
      *err = g_strdup_printf("%s: cannot copy", src);
    g_free(text);
    g_free(src);
    g_free(dst);
  }
  g_free(dir);
  return ok;
}

/* Frees what option parsing allocated, and passes `status` on. */
static int sw_done(sw_options *o, int status)
{
  g_free(o->seed_text);
  g_free(o->out);
  g_free(o->wall_text);
  g_free(o->platforms);
  g_free(o->plan);
  g_free(o->collect);
  return status;
}

static int sw_usage_error(GOptionContext *ctx, const char *msg)
{
  fprintf(stderr, "replsim swarm: %s\n", msg);
  g_option_context_free(ctx);
  return RS_EXIT_BAD_INPUT;
}

int cmd_swarm(int argc, char **argv)
{
  sw_options o = {.runs = 100, .jobs = 0, .replay_every = 1, .shrink_attempts = 40};
  GOptionEntry entries[] = {
      {"runs", 0, 0, G_OPTION_ARG_INT, &o.runs, "Scenarios to draw and run (default 100)", "N"},
      {"seed", 0, 0, G_OPTION_ARG_STRING, &o.seed_text, "The swarm's seed (default 1): case i's scenario seed derives from it and i", "S"},
      {"from", 0, 0, G_OPTION_ARG_INT, &o.from, "First case number (default 0): --from 961 --runs 1 draws case 961 again", "I"},
      {"jobs", 0, 0, G_OPTION_ARG_INT, &o.jobs, "Runs at a time (default: the number of CPUs)", "J"},
      {"out", 0, 0, G_OPTION_ARG_FILENAME, &o.out, "Output folder (default out/swarm-S)", "DIR"},
      {"wall", 0, 0, G_OPTION_ARG_STRING, &o.wall_text, "Each run's --max-wall (default 20 s); the swarm kills a run 10 s later", "S"},
      {"replay-every", 0, 0, G_OPTION_ARG_INT, &o.replay_every, "Replay every K-th case and compare its outputs byte for byte (default 1: all; 0: none)", "K"},
      {"keep-passing", 0, 0, G_OPTION_ARG_NONE, &o.keep_passing, "Keep the passing cases' folders too (DIR/passing/)", NULL},
      {"quick", 0, 0, G_OPTION_ARG_NONE, &o.quick, "Short scenarios (3-8 s simulated, heartbeats 50-300 ms)", NULL},
      {"no-shrink", 0, 0, G_OPTION_ARG_NONE, &o.no_shrink, "Do not shrink the failures", NULL},
      {"strict", 0, 0, G_OPTION_ARG_NONE, &o.strict, "Hold every design to linearizability, no lost write and no divergence (shows what the table does not promise)", NULL},
      {"shrink-attempts", 0, 0, G_OPTION_ARG_INT, &o.shrink_attempts, "Runs a shrink may take per failure (default 40)", "N"},
      {"platforms", 0, 0, G_OPTION_ARG_FILENAME, &o.platforms, "Where lan.xml and wan.xml are (default: the source tree's platforms/)", "DIR"},
      {"plan", 0, 0, G_OPTION_ARG_FILENAME, &o.plan, "Run nothing: make DIR and write FILE, one `replsim swarm --from I --runs 1` line per case, for GNU parallel or a job array", "FILE"},
      {"collect", 0, 0, G_OPTION_ARG_FILENAME, &o.collect, "Build DIR/swarm.csv from the cases a --plan ran, naming any that did not run", "DIR"},
      {NULL, 0, 0, 0, NULL, NULL, NULL}};
  GOptionContext *ctx = g_option_context_new(NULL);
  g_option_context_set_summary(
      ctx, "Draws N random valid scenarios from seed S (every protocol, app and failover design, 1-7 replicas,\n"
           "every fault kind), runs each as `replsim run FILE --out DIR --max-wall W`, and judges it: it ends\n"
           "(no signal, hang, sanitizer report, refusal or \"stopped\"), it replays byte for byte, the promises\n"
           "of its design hold (README, \"What each design promises\"), and operations succeed again once the\n"
           "faults are over. Failures are kept in DIR/failures/CASE/ (scenario.xml, the run, shrunk.xml) with\n"
           "one replay command each; DIR/swarm.csv has a row per case.\n"
           "Exit status: 0 every run passed, 1 a run failed, 2 bad input.");
  g_option_context_add_main_entries(ctx, entries, NULL);
  GError *error = NULL;
  if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
    fprintf(stderr, "replsim swarm: %s\n", error->message);
    g_error_free(error);
    g_option_context_free(ctx);
    return sw_done(&o, RS_EXIT_BAD_INPUT);
  }
  if (argc > 1)
    return sw_done(&o, sw_usage_error(ctx, "unexpected argument (swarm takes options only)"));
  if (o.collect) {
    g_option_context_free(ctx);
    return sw_done(&o, sw_collect(o.collect));
  }
  if (o.runs < 1 || o.runs > 1000000)
    return sw_done(&o, sw_usage_error(ctx, "--runs: between 1 and 1000000"));
  if (o.jobs == 0)
    o.jobs = (int)g_get_num_processors();
  if (o.jobs < 1 || o.jobs > 256)
    return sw_done(&o, sw_usage_error(ctx, "--jobs: between 1 and 256"));
  if (o.from < 0)
    return sw_done(&o, sw_usage_error(ctx, "--from: 0 or more"));
  if (o.replay_every < 0 || o.shrink_attempts < 0)
    return sw_done(&o, sw_usage_error(ctx, "--replay-every and --shrink-attempts: 0 or more"));
  uint64_t seed = 1;
  if (o.seed_text) {
    char *end = NULL;
    errno = 0;
    unsigned long long v = g_ascii_strtoull(o.seed_text, &end, 10);
    if (errno || !end || *end || end == o.seed_text || o.seed_text[0] == '-')
      return sw_done(&o, sw_usage_error(ctx, "--seed: a number 0 or more"));
    seed = v;
  }
  double wall = 20;
  if (o.wall_text) {
    char *end = NULL;
    wall = g_ascii_strtod(o.wall_text, &end);
    if (!end || *end || !(wall > 0) || wall > 1e6)
      return sw_done(&o, sw_usage_error(ctx, "--wall: seconds, above 0"));
  }
  g_option_context_free(ctx);
  sw_set_strict(o.strict);

  GError *e = NULL;
  char *self = g_file_read_link("/proc/self/exe", &e);
  if (!self) {
    fprintf(stderr, "replsim swarm: /proc/self/exe: %s\n", e->message);
    g_error_free(e);
    return sw_done(&o, RS_EXIT_BAD_INPUT);
  }
  char *platforms = o.platforms ? g_strdup(o.platforms) : find_platforms(self);
  if (!platforms) {
    fprintf(stderr, "replsim swarm: no platforms/lan.xml found: give --platforms DIR\n");
    g_free(self);
    return sw_done(&o, RS_EXIT_BAD_INPUT);
  }
  char *out = o.out ? g_strdup(o.out) : g_strdup_printf("out/swarm-%" G_GUINT64_FORMAT, seed);
  char *err = NULL;
  if (o.plan) {
    char *abs_platforms = g_canonicalize_filename(platforms, NULL);
    char *wall_s = g_strdup_printf("%g", wall), *every = g_strdup_printf("%d", o.replay_every);
    char *attempts = g_strdup_printf("%d", o.shrink_attempts);
    const char *pass_on[12];
    int k = 0;
    pass_on[k++] = "--wall", pass_on[k++] = wall_s, pass_on[k++] = "--replay-every", pass_on[k++] = every;
    pass_on[k++] = "--shrink-attempts", pass_on[k++] = attempts;
    if (o.quick)
      pass_on[k++] = "--quick";
    if (o.strict)
      pass_on[k++] = "--strict";
    if (o.no_shrink)
      pass_on[k++] = "--no-shrink";
    if (o.keep_passing)
      pass_on[k++] = "--keep-passing";
    pass_on[k] = NULL;
    sw_plan_args a = {self, o.plan, out, abs_platforms, seed, o.from, o.runs, pass_on};
    bool planned = sw_write_plan(&a, &err);
    if (!planned) {
      fprintf(stderr, "replsim swarm: %s\n", err);
      g_free(err);
    }
    g_free(abs_platforms);
    g_free(wall_s);
    g_free(every);
    g_free(attempts);
    g_free(out);
    g_free(platforms);
    g_free(self);
    return sw_done(&o, planned ? RS_EXIT_OK : RS_EXIT_BAD_INPUT);
  }
  char *staged = outdir_check_target(out, &err) ? outdir_stage_with(out, OUTDIR_SPAWNS, &err) : NULL;
  if (!staged || !copy_platforms(platforms, staged, &err)) {
    fprintf(stderr, "replsim swarm: %s\n", err);
    g_free(err);
    if (staged)
      outdir_discard(staged);
    g_free(staged);
    g_free(out);
    g_free(platforms);
    g_free(self);
    return sw_done(&o, RS_EXIT_BAD_INPUT);
  }

  sw_run r = {.o = &o, .seed = seed, .staged = staged, .final = out, .start = now_s()};
  r.ctx = (sw_ctx){self, wall, "../../platforms"};
  r.results = g_new0(sw_result, o.runs);
  g_mutex_init(&r.lock);
  fprintf(stderr, "swarm: %d runs from seed %" G_GUINT64_FORMAT ", %d at a time%s, into %s\n", o.runs, seed, o.jobs,
          o.quick ? ", quick" : "", out);
  GThreadPool *pool = g_thread_pool_new(sw_case, &r, o.jobs, TRUE, NULL);
  for (int i = 0; i < o.runs; i++) {
    r.results[i].index = (unsigned)(o.from + i);
    g_thread_pool_push(pool, &r.results[i], NULL);
  }
  g_thread_pool_free(pool, FALSE, TRUE);
  char *work = g_build_filename(staged, "work", NULL);
  g_rmdir(work);
  g_free(work);

  unsigned counts[SW_F_KINDS] = {0}, replayed = 0;
  for (int i = 0; i < o.runs; i++) {
    counts[r.results[i].j.verdict]++;
    replayed += r.results[i].replayed;
  }
  bool ok = write_csv(&r, &err) && outdir_commit(staged, out, &err);
  if (!ok) {
    fprintf(stderr, "replsim swarm: %s\n", err);
    g_free(err);
  }
  double took = now_s() - r.start;
  printf("swarm: %d runs (seed %" G_GUINT64_FORMAT ", %d jobs%s) in %.1f s, %u replayed byte for byte\n", o.runs, seed,
         o.jobs, o.quick ? ", quick" : "", took, replayed);
  printf("  passed %u, failed %u", counts[SW_PASS], r.failed);
  for (int v = 1; v < SW_F_KINDS; v++)
    if (counts[v])
      printf(", %s %u", sw_verdict_name((sw_verdict)v), counts[v]);
  printf("\n  results: %s/swarm.csv%s\n", out, r.failed ? ", failures in DIR/failures/" : "");
  for (int i = 0; i < o.runs; i++)
    sw_free(r.results[i].s);
  g_free(r.results);
  g_mutex_clear(&r.lock);
  g_free(staged);
  g_free(out);
  g_free(platforms);
  g_free(self);
  if (!ok)
    return sw_done(&o, RS_EXIT_BAD_INPUT);
  return sw_done(&o, r.failed ? RS_EXIT_FAILED : RS_EXIT_OK);
}

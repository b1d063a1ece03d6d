/* Runs a comparison's runs as child processes of this very binary, a few at a time, each one's
 * output captured in a log beside its results, with a progress bar on a terminal. */
#include "compare.h"
#include "outdir.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct cmp_sched {
  cmp_plan *plan;
  char *self;           /* this binary, from /proc/self/exe */
  GMainLoop *loop;
  guint next, running, done, failed;
  bool tty, bar_closed;
} cmp_sched;

/* What a child watch needs to know when its child ends. */
typedef struct cmp_child {
  cmp_sched *sched;
  cmp_run *run;
} cmp_child;

/* The argument vector of one run: replsim run SCENARIO --seed S --set protocol=P [--set K=V]
 * --out DIR. */
static char **cmp_argv(const cmp_sched *s, const cmp_run *r)
{
  GPtrArray *a = g_ptr_array_new();
  g_ptr_array_add(a, g_strdup(s->self));
  g_ptr_array_add(a, g_strdup("run"));
  g_ptr_array_add(a, g_strdup(s->plan->scenario));
  g_ptr_array_add(a, g_strdup("--seed"));
  g_ptr_array_add(a, g_strdup_printf("%" G_GUINT64_FORMAT, r->seed));
  g_ptr_array_add(a, g_strdup("--set"));
  g_ptr_array_add(a, g_strdup_printf("protocol=%s", r->protocol));
  if (r->value) {
    g_ptr_array_add(a, g_strdup("--set"));
    g_ptr_array_add(a, g_strdup_printf("%s=%s", s->plan->vary_key, r->value));
  }
  g_ptr_array_add(a, g_strdup("--out"));
  g_ptr_array_add(a, g_strdup(r->dir));
  g_ptr_array_add(a, NULL);
  return (char **)g_ptr_array_free(a, FALSE);
}

/* The run's output goes to OUT/runs/NAME.log while it runs (the run puts its folder in place
 * whole when it finishes), then moves to OUT/runs/NAME/run.log, which the run's marker then
 * lists so that the folder stays one replsim may replace. */
void cmp_keep_log(cmp_run *r)
{
  char *final = g_build_filename(r->dir, "run.log", NULL);
  char *marker = g_build_filename(r->dir, OUTDIR_MARKER, NULL);
  char *err = NULL;
  g_mkdir_with_parents(r->dir, 0755);
  if (g_rename(r->log, final) == 0) {
    g_free(r->log);
    r->log = final;
    if (g_file_test(marker, G_FILE_TEST_IS_REGULAR) && !outdir_adopt(r->dir, "run.log", &err)) {
      fprintf(stderr, "replsim compare: %s\n", err);
      g_free(err);
    }
  } else {
    g_free(final);
  }
  g_free(marker);
}

/* A bar redrawn in place on a terminal; otherwise a line per finished run. */
static void cmp_progress(cmp_sched *s, const cmp_run *finished)
{
  guint total = s->plan->runs->len;
  if (s->tty && !s->bar_closed) {
    enum { BAR = 30 };
    guint filled = total ? s->done * BAR / total : BAR;
    char bar[BAR + 1];
    for (guint i = 0; i < BAR; i++)
      bar[i] = i < filled ? '#' : '.';
    bar[BAR] = '\0';
    fprintf(stderr, "\r\033[K[%s] %u/%u runs, %u running", bar, s->done, total, s->running);
    if (s->failed)
      fprintf(stderr, ", %u failed", s->failed);
    if (s->done == total && !s->bar_closed) {
      fputc('\n', stderr);
      s->bar_closed = true;
    }
  } else if (finished) {
    fprintf(stderr, "compare: [%u/%u] %s: %s\n", s->done, total, finished->name,
            finished->status == CMP_OK ? "ok" : finished->status == CMP_EXPECT_FAILED ? "an expectation failed" : "FAILED");
  }
  fflush(stderr);
}

/* Classifies a wait status: exit 0, 1 and 2 mean what `replsim run` says they mean. */
static void cmp_record_status(cmp_run *r, int status)
{
  if (WIFEXITED(status)) {
    r->code = WEXITSTATUS(status);
    r->status = r->code == 0 ? CMP_OK : r->code == 1 ? CMP_EXPECT_FAILED : r->code == 2 ? CMP_BAD_INPUT
                                                                                      : CMP_EXIT_OTHER;
  } else {
    r->code = WIFSIGNALED(status) ? WTERMSIG(status) : -1;
    r->status = CMP_CRASHED;
  }
}

static void cmp_start_next(cmp_sched *s);

/* A child ended: record how, move its log into its folder, show progress, start the next one,
 * and stop the loop after the last. */
static void cmp_on_exit(GPid pid, gint status, gpointer ud)
{
  cmp_child *c = ud;
  cmp_sched *s = c->sched;
  g_spawn_close_pid(pid);
  cmp_record_status(c->run, status);
  cmp_keep_log(c->run);
  char *partial = g_strdup_printf("%s.partial-%d", c->run->dir, (int)pid);
  if (g_file_test(partial, G_FILE_TEST_IS_DIR))
    c->run->partial = partial;
  else
    g_free(partial);
  s->running--;
  s->done++;
  if (c->run->status != CMP_OK && c->run->status != CMP_EXPECT_FAILED)
    s->failed++;
  cmp_progress(s, c->run);
  g_free(c);
  cmp_start_next(s);
  if (s->done == s->plan->runs->len)
    g_main_loop_quit(s->loop);
}

/* In the child before exec: if compare dies (a signal, a crash), the run gets SIGTERM, which
 * makes it remove its own staging folder rather than write on into a folder that is gone. */
static void cmp_child_setup(gpointer unused)
{
  (void)unused;
  prctl(PR_SET_PDEATHSIG, SIGTERM);
}

/* Starts one run with its output going to its log; false (and the run marked) if it cannot.
 * The comparison's folder is new (outdir.h), so no earlier run's summary can be in the way. */
static bool cmp_spawn(cmp_sched *s, cmp_run *r)
{
  int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  int log_fd = open(r->log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  char **argv = cmp_argv(s, r);
  GPid pid = 0;
  GError *e = NULL;
  bool ok = null_fd >= 0 && log_fd >= 0 &&
            g_spawn_async_with_fds(NULL, argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD, cmp_child_setup, NULL, &pid,
                                   null_fd, log_fd, log_fd, &e);
  if (ok) {
    cmp_child *c = g_new0(cmp_child, 1);
    *c = (cmp_child){s, r};
    g_child_watch_add(pid, cmp_on_exit, c);
  } else {
    fprintf(stderr, "replsim compare: %s: cannot start: %s\n", r->name,
            e ? e->message : g_strerror(errno));
    r->status = CMP_EXIT_OTHER;
    r->code = -1;
  }
  if (e)
    g_error_free(e);
  g_strfreev(argv);
  if (null_fd >= 0)
    close(null_fd);
  if (log_fd >= 0)
    close(log_fd);
  return ok;
}

/* Keeps `jobs` runs going; runs that cannot even start count as done and failed. */
static void cmp_start_next(cmp_sched *s)
{
  cmp_plan *p = s->plan;
  while (s->running < (guint)p->jobs && s->next < p->runs->len) {
    cmp_run *r = p->runs->pdata[s->next++];
    if (cmp_spawn(s, r)) {
      s->running++;
    } else {
      s->done++;
      s->failed++;
    }
  }
  cmp_progress(s, NULL);
}

/* The default main context drives the child watches; nothing polls. */
bool cmp_run_all(cmp_plan *plan, char **err)
{
  GError *e = NULL;
  char *self = g_file_read_link("/proc/self/exe", &e);
  if (!self) {
    *err = g_strdup_printf("cannot find the replsim binary: %s", e->message);
    g_error_free(e);
    return false;
  }
  cmp_sched s = {.plan = plan, .self = self, .tty = isatty(STDERR_FILENO) == 1};
  s.loop = g_main_loop_new(NULL, FALSE);
  cmp_start_next(&s);
  if (s.done < plan->runs->len)
    g_main_loop_run(s.loop);
  g_main_loop_unref(s.loop);
  g_free(self);
  return true;
}

/* The swarm's judge: what each design promises (one table, the README's "What each design
 * promises"), and whether a run kept it: it ended, it replays byte for byte, its guarantees held,
 * and operations succeeded again once the faults were over. */
#include "swarm.h"

#include <errno.h>
#include <fcntl.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The kinds of fault a row of the table allows. */
enum {
  F_REPLICA_DOWN = 1u << 0, /* crash or pause of a replica */
  F_NET = 1u << 1,          /* partition, link-down, delay */
  F_LOSSDUP = 1u << 2,      /* loss, duplicate */
  F_JOIN = 1u << 3,
  F_OTHER = 1u << 4,        /* crash or pause of a client, pause of the registry or view service */
  F_VS_CRASH = 1u << 5,     /* crash of the view service: it restarts with no memory of its views */
  F_LONE_CRASH = 1u << 6,   /* a replica of a cluster of at most two crashed for good: the other may
                               have been down too, so the dead one may be the only one holding
                               what it acknowledged while it served alone */
  F_REG_AFTER_JOIN = 1u << 7, /* a crash of the registry at or after a join: it restarts knowing only
                               the scenario's replicas, not the joiners it admitted */
  F_ANY = 0xff,
};

/* What each design promises, first matching row wins. protocol/failover/reads NULL: any;
 * read_repair -1: any; dead_after_max: the row applies only up to that dead-after (0: any). */
typedef struct promise_row {
  const char *protocol, *failover, *reads;
  int read_repair, dead_after_max;
  unsigned faults; /* the row applies only if every fault of the scenario is of these kinds */
  unsigned needs;  /* ...and (when not 0) one of them is of these */
  bool lin, lost, div, live;
  const char *why;
} promise_row;

static const promise_row promise_table[] = {
    /* one late heartbeat is a false suspicion: two primaries may serve at once */
    {"pb-*", "peer", NULL, -1, 1, F_ANY, 0, false, false, false, false, "peer with dead-after=1: no promise"},
    {"pb-*", "ordered", NULL, -1, 1, F_ANY, 0, false, false, false, false, "ordered with dead-after=1: no promise"},
    /* MIT 6.824's view service is a single point of failure that keeps its views in memory */
    {"pb-*", "view-service", NULL, -1, 0, F_ANY, F_VS_CRASH, false, false, false, false,
     "view-service with the view service crashed: no promise"},
    /* seed 004's no-failure assumption: safe only while every replica stays up and reachable */
    {"pb-blocking", "none", "primary", -1, 0, F_LOSSDUP | F_OTHER, 0, true, true, true, false,
     "pb-blocking, no failover, no replica fault: linearizable, no lost write, no divergence"},
    {"pb-*", "none", NULL, -1, 0, F_LOSSDUP | F_OTHER, 0, false, true, true, false,
     "pb, no failover, no replica fault: no lost write, no divergence"},
    {"pb-*", "none", NULL, -1, 0, F_ANY, 0, false, false, false, false, "pb, no failover, replica faults: no promise"},
    /* seed 002 and seed 003 have no quorum: under a partition both sides may act as primary
     * (DESIGN.md: allowed, the checker shows the damage); the replicas agree again once it heals */
    {"pb-*", "peer", NULL, -1, 0, F_ANY, F_NET, false, false, true, true,
     "peer under partitions, link faults or delays (split brain allowed): no divergence, live"},
    {"pb-*", "ordered", NULL, -1, 0, F_ANY, F_NET, false, false, true, true,
     "ordered under partitions, link faults or delays (split brain allowed): no divergence, live"},
    {"pb-blocking", NULL, "primary", -1, 0, F_ANY, F_LONE_CRASH, true, false, true, true,
     "pb-blocking with failover, reads at the primary, a replica of two crashed for good: linearizable, no divergence, live"},
    {"pb-blocking", NULL, "local", -1, 0, F_ANY, F_LONE_CRASH, false, false, true, true,
     "pb-blocking with failover, local reads, a replica of two crashed for good: no divergence, live"},
    {"pb-blocking", NULL, "primary", -1, 0, F_ANY, 0, true, true, true, true,
     "pb-blocking with failover, reads at the primary: linearizable, no lost write, no divergence, live"},
    {"pb-blocking", NULL, "local", -1, 0, F_ANY, 0, false, true, true, true,
     "pb-blocking with failover, local reads (may be stale): no lost write, no divergence, live"},
    /* acknowledged before the backups have it: a failover may lose acknowledged writes, and lost
     * heartbeats can fail over a healthy primary (the swarm, --seed 2 case 583: loss alone) */
    {"pb-nonblocking", NULL, "primary", -1, 0, F_OTHER, 0, true, true, true, true,
     "pb-nonblocking with failover, no replica fault, no loss: linearizable, no lost write, no divergence, live"},
    {"pb-nonblocking", NULL, NULL, -1, 0, F_ANY, 0, false, false, true, true,
     "pb-nonblocking with failover: no divergence, live (acknowledged writes may be lost in a failover)"},
    /* The registry keeps the membership a join grew in memory (as the view service its views): a
     * restarted one sizes quorums for the scenario's replicas until it hears the joiners again,
     * and a read quorum sized after that may miss a put acknowledged by one sized before (the
     * swarm, --seed 2 case 782: one replica and a joiner, Nr = Nw = 1 for both between the
     * restart and the joiner's next heartbeat). Writes still learn the newest version from a
     * write quorum that holds every member it knows, so no acknowledged write is lost. */
    {"quorum", NULL, NULL, 1, 0, F_ANY, F_REG_AFTER_JOIN, false, true, false, true,
     "quorum with read-repair, the registry crashed after a join: no lost write, live; not linearizable"},
    {"quorum", NULL, NULL, 1, 0, F_ANY, 0, true, true, false, true,
     "quorum with read-repair: linearizable, no lost write, live"},
    {"quorum", NULL, NULL, 0, 0, F_ANY, 0, false, true, false, true,
     "quorum (seed 004): no lost write, live; not linearizable"},
};

static bool match(const char *pattern, const char *value)
{
  if (!pattern)
    return true;
  size_t n = strlen(pattern);
  if (n && pattern[n - 1] == '*')
    return strncmp(pattern, value, n - 1) == 0;
  return strcmp(pattern, value) == 0;
}

static bool is_replica(const sw_scenario *s, const char *node)
{
  return node && node[0] == 'r' && g_ascii_isdigit(node[1]) && atoi(node + 1) <= s->replicas;
}

static unsigned fault_kinds(const sw_scenario *s)
{
  unsigned k = 0;
  for (guint i = 0; i < s->faults->len; i++) {
    const sw_fault *f = s->faults->pdata[i];
    switch (f->kind) {
    case SW_CRASH:
    case SW_PAUSE:
      if (f->kind == SW_CRASH && f->restart_at < 0 && is_replica(s, f->node) && s->replicas <= 2)
        k |= F_LONE_CRASH;
      k |= is_replica(s, f->node)                                     ? F_REPLICA_DOWN
           : f->kind == SW_CRASH && !strcmp(f->node, "view-service") ? F_VS_CRASH
                                                                      : F_OTHER;
      break;
    case SW_PARTITION:
    case SW_LINK_DOWN:
    case SW_DELAY:
      k |= F_NET;
      break;
    case SW_LOSS:
    case SW_DUPLICATE:
      k |= F_LOSSDUP;
      break;
    case SW_JOIN:
      k |= F_JOIN;
      break;
    }
  }
  for (guint i = 0; i < s->faults->len; i++) {
    const sw_fault *crash = s->faults->pdata[i];
    if (crash->kind != SW_CRASH || strcmp(crash->node, "registry"))
      continue;
    for (guint j = 0; j < s->faults->len; j++) {
      const sw_fault *join = s->faults->pdata[j];
      if (join->kind == SW_JOIN && join->at <= crash->at)
        k |= F_REG_AFTER_JOIN;
    }
  }
  return k;
}

/* Whether enough of the cluster is up once the faults are over for the design to serve: the
 * registry and the view service never crashed, a client and (pb) a replica or (quorum) a quorum of
 * replicas up at the end. */
static bool enough_up(const sw_scenario *s)
{
  int replicas_down = 0, clients_down = 0;
  for (guint i = 0; i < s->faults->len; i++) {
    const sw_fault *f = s->faults->pdata[i];
    if (f->kind != SW_CRASH)
      continue;
    if (!strcmp(f->node, "registry") || !strcmp(f->node, "view-service"))
      return false;
    if (f->restart_at < 0)
      *(is_replica(s, f->node) ? &replicas_down : &clients_down) += 1;
  }
  if (clients_down >= s->clients)
    return false;
  if (!strcmp(s->protocol, "quorum")) {
    int n = s->replicas, nw = s->nw ? s->nw : n / 2 + 1, nr = s->nr ? s->nr : n - nw + 1;
    return n - replicas_down >= MAX(nr, nw);
  }
  return replicas_down < s->replicas;
}

static bool strict;
void sw_set_strict(bool on) { strict = on; }

sw_promise sw_promise_of(const sw_scenario *s)
{
  unsigned kinds = fault_kinds(s);
  sw_promise p = {0};
  p.why = "no row of the table: no promise";
  if (strict) {
    p.linearizable = p.no_lost_writes = p.no_divergence = true;
    p.why = "--strict: every design held to linearizability, no lost write, no divergence";
  }
  for (size_t i = 0; i < G_N_ELEMENTS(promise_table) && !strict; i++) {
    const promise_row *r = &promise_table[i];
    if (!match(r->protocol, s->protocol) || !match(r->failover, s->failover) || !match(r->reads, s->reads))
      continue;
    if (r->read_repair >= 0 && r->read_repair != (int)s->read_repair)
      continue;
    if (r->dead_after_max && s->dead_after > r->dead_after_max)
      continue;
    if (kinds & ~r->faults)
      continue;
    if (r->needs && !(kinds & r->needs))
      continue;
    p.linearizable = r->lin;
    p.no_lost_writes = r->lost;
    p.no_divergence = r->div;
    p.liveness = r->live && enough_up(s) && isfinite(sw_faults_end(s));
    p.why = r->why;
    break;
  }
  /* The design's recovery bound: detect (dead-after beats, a few times over for a chain of view
   * changes), restart and boot (peer), then a client's attempts and think time, plus a second. */
  double boot = 0;
  for (guint i = 0; i < s->faults->len; i++)
    boot = MAX(boot, ((const sw_fault *)s->faults->pdata[i])->boot);
  p.bound = 1.0 + s->think + s->timeout * (s->retries + 1) + 3 * s->heartbeat * (s->dead_after + 2) + boot +
            (!strcmp(s->failover, "peer") ? s->restart_delay : 0);
  /* Liveness is judged only when the run leaves time to see it, and when an attempt can succeed
   * at all: on wan.xml one crosses the 40 ms wan up to four times (client, primary or coordinator,
   * a copy on the other site, and back), so a shorter client timeout fails every operation,
   * faults or none (seed 7 case 261: quorum, timeout 66 ms, 98 operations, none ok). */
  if (p.liveness && sw_faults_end(s) + p.bound + 0.5 > s->duration)
    p.liveness = false;
  if (p.liveness && s->timeout <= sw_attempt_floor(s))
    p.liveness = false;
  return p;
}

double sw_attempt_floor(const sw_scenario *s)
{
  return s->platform && !strcmp(s->platform, "wan.xml") ? 4 * 0.040 + 0.040 : 0;
}

const char *sw_verdict_name(sw_verdict v)
{
  static const char *names[SW_F_KINDS] = {"pass",     "signal",  "hang",         "refused",      "exit",
                                          "sanitizer", "stopped", "no-summary",   "replay",       "linearizable",
                                          "lost-writes", "diverged", "liveness"};
  return v < SW_F_KINDS ? names[v] : "?";
}

static double now_s(void)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

int sw_exec_run(const char *self, const char *file, const char *dir, const char *log, double wall,
                bool *killed, double *wall_taken)
{
  char wall_s[32];
  g_snprintf(wall_s, sizeof wall_s, "%g", wall);
  double start = now_s();
  *killed = false;
  pid_t pid = fork();
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int null_fd = open("/dev/null", O_RDONLY);
    if (fd < 0 || null_fd < 0)
      _exit(127);
    dup2(null_fd, 0);
    dup2(fd, 1);
    dup2(fd, 2);
    execl(self, self, "run", file, "--out", dir, "--max-wall", wall_s, (char *)NULL);
    _exit(127);
  }
  if (pid < 0)
    return -1;
  int status = 0;
  for (;;) {
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid)
      break;
    if (r < 0 && errno != EINTR)
      break;
    if (!*killed && now_s() - start > wall + 10) {
      kill(pid, SIGKILL); /* the run's own watchdog failed: a hang */
      *killed = true;
    }
    g_usleep(5000);
  }
  *wall_taken = now_s() - start;
  return status;
}

/* The seconds of every "ok" line of the trace at or after `after`: how many. */
static int oks_after(const char *trace, double after)
{
  FILE *f = fopen(trace, "r");
  if (!f)
    return 0;
  char *line = NULL;
  size_t cap = 0;
  int n = 0;
  while (getline(&line, &cap, f) > 0) {
    if (strncmp(line, "{\"t\":", 5) != 0 || !strstr(line, "\"type\":\"ok\""))
      continue;
    if (strtod(line + 5, NULL) >= after)
      n++;
  }
  free(line);
  fclose(f);
  return n;
}

static bool log_has_sanitizer_report(const char *log)
{
  char *text = NULL;
  if (!g_file_get_contents(log, &text, NULL, NULL))
    return false;
  bool bad = strstr(text, "ERROR: AddressSanitizer") || strstr(text, "ERROR: LeakSanitizer") ||
             strstr(text, "runtime error:");
  g_free(text);
  return bad;
}

sw_judgement sw_judge_run(const sw_scenario *s, const sw_promise *p, int wait_status, bool killed,
                          const char *run_dir, const char *log_path)
{
  sw_judgement j = {0};
  j.verdict = SW_PASS;
  if (WIFEXITED(wait_status))
    j.exit_code = WEXITSTATUS(wait_status);
  else
    j.exit_code = WIFSIGNALED(wait_status) ? -WTERMSIG(wait_status) : -1;
  if (killed) {
    j.verdict = SW_F_HANG;
    g_snprintf(j.detail, sizeof j.detail, "still running after the wall bound + 10 s: killed");
    return j;
  }
  if (log_has_sanitizer_report(log_path)) {
    j.verdict = SW_F_SANITIZER;
    g_snprintf(j.detail, sizeof j.detail, "a sanitizer report in the run's output");
    return j;
  }
  if (j.exit_code < 0) {
    j.verdict = SW_F_SIGNAL;
    g_snprintf(j.detail, sizeof j.detail, "killed by signal %d (%s)", -j.exit_code, g_strsignal(-j.exit_code));
    return j;
  }
  if (j.exit_code == 2) {
    j.verdict = SW_F_REFUSED;
    g_snprintf(j.detail, sizeof j.detail, "the scenario was refused (exit 2): a generator mistake");
    return j;
  }
  if (j.exit_code != 0 && j.exit_code != 1) {
    j.verdict = SW_F_EXIT;
    g_snprintf(j.detail, sizeof j.detail, "exit status %d", j.exit_code);
    return j;
  }
  char *summary = g_build_filename(run_dir, "summary.json", NULL);
  JsonParser *parser = json_parser_new();
  GError *e = NULL;
  if (!json_parser_load_from_file(parser, summary, &e)) {
    j.verdict = SW_F_NO_SUMMARY;
    g_snprintf(j.detail, sizeof j.detail, "no summary.json: %s", e->message);
    g_error_free(e);
    g_object_unref(parser);
    g_free(summary);
    return j;
  }
  g_free(summary);
  JsonObject *o = json_node_get_object(json_parser_get_root(parser));
  j.sim_time = json_object_get_double_member_with_default(o, "simulated_time", 0);
  j.ops = (int)json_object_get_int_member_with_default(o, "ops", 0);
  j.ok = (int)json_object_get_int_member_with_default(o, "ok", 0);
  const char *stopped = json_object_get_string_member_with_default(o, "stopped", NULL);
  gint64 lost = json_object_get_int_member_with_default(o, "lost_writes", 0);
  gint64 diverged = json_object_get_int_member_with_default(o, "diverged", 0);
  /* "linearizable": "unknown" when the check ran out of time: not judged, but said. */
  JsonNode *lin_node = json_object_get_member(o, "linearizable");
  bool lin_known = lin_node && JSON_NODE_HOLDS_VALUE(lin_node) && json_node_get_value_type(lin_node) == G_TYPE_BOOLEAN;
  bool lin = !lin_known || json_node_get_boolean(lin_node);
  if (stopped) {
    j.verdict = SW_F_STOPPED;
    g_snprintf(j.detail, sizeof j.detail, "stopped: %s", stopped);
  } else if (p->linearizable && !lin) {
    j.verdict = SW_F_LINEARIZABLE;
    g_snprintf(j.detail, sizeof j.detail, "not linearizable (%s)", p->why);
  } else if (p->no_lost_writes && lost) {
    j.verdict = SW_F_LOST_WRITES;
    g_snprintf(j.detail, sizeof j.detail, "%" G_GINT64_FORMAT " acknowledged writes lost (%s)", lost, p->why);
  } else if (p->no_divergence && diverged) {
    j.verdict = SW_F_DIVERGED;
    g_snprintf(j.detail, sizeof j.detail, "%" G_GINT64_FORMAT " replicas diverged (%s)", diverged, p->why);
  } else if (j.exit_code == 1 && !(p->linearizable && !lin_known && lin_node)) {
    /* every expectation the file states is the promise: exit 1 without a broken promise above
     * is an expectation the judge did not read */
    j.verdict = SW_F_EXIT;
    g_snprintf(j.detail, sizeof j.detail, "exit 1 with every promise kept");
  } else if (p->linearizable && !lin_known && lin_node) {
    g_snprintf(j.detail, sizeof j.detail, "linearizability unknown: the check ran out of time");
  }
  if (j.verdict == SW_PASS && p->liveness) {
    double after = sw_faults_end(s) + p->bound;
    char *trace = g_build_filename(run_dir, "trace.jsonl", NULL);
    if (oks_after(trace, after) == 0) {
      j.verdict = SW_F_LIVENESS;
      g_snprintf(j.detail, sizeof j.detail, "no operation succeeded after %.3f s (faults over at %.3f s, bound %.3f s)",
                 after, sw_faults_end(s), p->bound);
    }
    g_free(trace);
  }
  g_object_unref(parser);
  return j;
}

bool sw_same_bytes(const char *dir_a, const char *dir_b, char *why, size_t why_len)
{
  static const char *files[] = {"trace.jsonl", "summary.json"};
  for (size_t i = 0; i < G_N_ELEMENTS(files); i++) {
    char *a = g_build_filename(dir_a, files[i], NULL), *b = g_build_filename(dir_b, files[i], NULL);
    char *ta = NULL, *tb = NULL;
    gsize la = 0, lb = 0;
    bool ra = g_file_get_contents(a, &ta, &la, NULL), rb = g_file_get_contents(b, &tb, &lb, NULL);
    bool same = ra && rb && la == lb && memcmp(ta, tb, la) == 0;
    if (!same) {
      gsize k = 0;
      while (ra && rb && k < la && k < lb && ta[k] == tb[k])
        k++;
      g_snprintf(why, why_len, "%s differs from its replay at byte %" G_GSIZE_FORMAT, files[i], k);
    }
    g_free(ta);
    g_free(tb);
    g_free(a);
    g_free(b);
    if (!same)
      return false;
  }
  return true;
}

sw_judgement sw_run_case(const sw_ctx *c, const sw_scenario *s, const char *dir, bool replay)
{
  sw_promise p = sw_promise_of(s);
  g_mkdir_with_parents(dir, 0755);
  char *file = g_build_filename(dir, "scenario.xml", NULL);
  char *xml = sw_render(s, c->platform_dir);
  g_file_set_contents(file, xml, -1, NULL);
  g_free(xml);
  char *run = g_build_filename(dir, "run", NULL), *log = g_build_filename(dir, "run.log", NULL);
  bool killed = false;
  double wall = 0;
  int status = sw_exec_run(c->self, file, run, log, c->wall, &killed, &wall);
  sw_judgement j = sw_judge_run(s, &p, status, killed, run, log);
  j.wall = wall;
  if (j.verdict == SW_PASS && replay) {
    char *again = g_build_filename(dir, "replay", NULL), *log2 = g_build_filename(dir, "replay.log", NULL);
    double wall2 = 0;
    int status2 = sw_exec_run(c->self, file, again, log2, c->wall, &killed, &wall2);
    sw_judgement j2 = sw_judge_run(s, &p, status2, killed, again, log2);
    char why[160];
    if (j2.verdict != SW_PASS) {
      j = j2;
      g_snprintf(j.detail, sizeof j.detail, "the replay: %s", j2.detail);
    } else if (!sw_same_bytes(run, again, why, sizeof why)) {
      j.verdict = SW_F_REPLAY;
      g_snprintf(j.detail, sizeof j.detail, "%s", why);
    }
    j.wall += wall2;
    g_free(again);
    g_free(log2);
  }
  g_free(run);
  g_free(log);
  g_free(file);
  return j;
}

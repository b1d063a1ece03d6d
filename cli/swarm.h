/* The swarm (`replsim swarm`): random valid scenarios as a model that can be drawn, written out as
 * XML, judged against what its design promises, and shrunk. */
#ifndef RS_SWARM_H
#define RS_SWARM_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

typedef enum {
  SW_CRASH,     /* node, at; restart_at >= 0 adds the <restart> */
  SW_PAUSE,     /* node, at, until */
  SW_PARTITION, /* groups ("a b | c"), or from/to (one way); at, until (< 0: to the end) */
  SW_LINK_DOWN, /* link, at, until */
  SW_DELAY,     /* link, latency, at, until */
  SW_LOSS,      /* rate, at, until */
  SW_DUPLICATE, /* rate, at, until */
  SW_JOIN,      /* node, host, at */
} sw_kind;

typedef struct sw_fault {
  sw_kind kind;
  char *node, *host, *groups, *from, *to, *link;
  double at, until, restart_at, boot, rate, latency;
} sw_fault;

/* One drawn scenario. Times in seconds. */
typedef struct sw_scenario {
  uint64_t seed;               /* the scenario's own seed (the run's) */
  char *name;
  char *platform;              /* lan.xml or wan.xml */
  char *protocol, *app, *failover, *reads;
  int replicas, dead_after, nr, nw; /* nr, nw: 0 = the defaults (quorum) */
  bool read_repair;
  double heartbeat, restart_delay, duration, jitter_mean;
  int clients;
  double think, timeout;
  int retries, keys, value_size;
  char *mix;
  int voters, ballots;         /* app votes (seed 002's poll, no workload) */
  double every, yes, deadline;
  GPtrArray *faults;           /* sw_fault* */
} sw_scenario;

/* Draws scenario number `index` of the swarm seeded with `seed` (its own seed is derived from
 * both); `quick` keeps durations short (each run well under a second of wall time). */
sw_scenario *sw_draw(uint64_t seed, unsigned index, bool quick);
sw_scenario *sw_copy(const sw_scenario *s);
void sw_fault_free(sw_fault *f);
void sw_free(sw_scenario *s);
/* The scenario file; `platform_dir` is how the file reaches platforms/ ("../../platforms"). The
 * `<expect>` states what the design promises (sw_promise), so a replay says what failed. */
char *sw_render(const sw_scenario *s, const char *platform_dir);
/* When every fault is over (a crash without a restart never ends: +inf). */
double sw_faults_end(const sw_scenario *s);

/* What a design promises under the faults a scenario holds (README, "What each design
 * promises"); every field false is "no promise" beyond ending and replaying. */
typedef struct sw_promise {
  bool linearizable, no_lost_writes, no_divergence;
  bool liveness;      /* operations succeed again after the faults, within bound */
  double bound;       /* seconds after the last fault ends */
  const char *why;    /* the table row that applied */
} sw_promise;
sw_promise sw_promise_of(const sw_scenario *s);
/* Seconds below which a client's timeout lets no attempt succeed on the scenario's platform even
 * without faults (wan.xml: four crossings of its 40 ms link, and a margin; lan.xml: 0). */
double sw_attempt_floor(const sw_scenario *s);
/* --strict: every design is held to the strongest promise (what the table does not promise then
 * shows up as failures); liveness is not judged. */
void sw_set_strict(bool on);

/* What happened to one run and how it was judged. */
typedef enum {
  SW_PASS = 0,
  SW_F_SIGNAL,      /* the run died of a signal (or the wall bound of the swarm itself) */
  SW_F_HANG,        /* it outlived the swarm's own kill bound */
  SW_F_REFUSED,     /* exit 2 on a scenario the generator believed valid */
  SW_F_EXIT,        /* another exit status */
  SW_F_SANITIZER,   /* a sanitizer report in its output */
  SW_F_STOPPED,     /* "stopped" in summary.json (livelock, wall bound) */
  SW_F_NO_SUMMARY,
  SW_F_REPLAY,      /* the replay's trace or summary differ */
  SW_F_LINEARIZABLE,
  SW_F_LOST_WRITES,
  SW_F_DIVERGED,
  SW_F_LIVENESS,
  SW_F_KINDS
} sw_verdict;
const char *sw_verdict_name(sw_verdict v);

typedef struct sw_judgement {
  sw_verdict verdict;
  int exit_code;          /* -signal if signalled */
  double sim_time, wall;
  int ops, ok;
  char detail[256];
} sw_judgement;

/* Judges one finished run in `run_dir` (exit status as waitpid gave it, its log). */
sw_judgement sw_judge_run(const sw_scenario *s, const sw_promise *p, int wait_status, bool killed,
                          const char *run_dir, const char *log_path);
/* SW_PASS if the two runs' trace.jsonl and summary.json are byte for byte the same. */
bool sw_same_bytes(const char *dir_a, const char *dir_b, char *why, size_t why_len);

/* Runs `replsim run FILE --out DIR --max-wall W` as a child, output to LOG; the wait status,
 * *killed when the swarm had to kill it (W + 10 s). */
int sw_exec_run(const char *self, const char *file, const char *dir, const char *log, double wall,
                bool *killed, double *wall_taken);

/* One case, end to end: writes the scenario to DIR/scenario.xml, runs it into DIR/run,
 * optionally replays into DIR/replay, judges. */
typedef struct sw_ctx {
  const char *self;
  double wall;
  const char *platform_dir; /* as written into scenario files in DIR */
} sw_ctx;
sw_judgement sw_run_case(const sw_ctx *c, const sw_scenario *s, const char *dir, bool replay);

/* Shrinks a failing scenario while it still fails with the same verdict; returns the smallest
 * found (a copy), running its attempts in `work` (a folder it may fill and empty). */
sw_scenario *sw_shrink(const sw_ctx *c, const sw_scenario *s, sw_verdict verdict, const char *work,
                       int max_attempts, int *attempts);

/* Removes a case folder the swarm wrote (only what it and `replsim run` wrote there). */
void sw_remove_case(const char *dir);

/* swarm_plan.c: --plan FILE writes one `replsim swarm --from I --runs 1` line per case into
 * FILE and makes OUT (cases/, the record); --collect DIR builds DIR/swarm.csv from the finished
 * cases (exit 0 all passed, 1 a case failed or did not run, 2 not a planned folder). */
typedef struct sw_plan_args {
  const char *self, *file, *out, *platforms;
  uint64_t seed;
  int from, runs;
  const char *const *pass_on; /* the options every line repeats (--quick, --wall W, ...), NULL-ended */
} sw_plan_args;
bool sw_write_plan(const sw_plan_args *a, char **err);
int sw_collect(const char *dir);

#endif

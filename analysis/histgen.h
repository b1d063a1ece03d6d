/* Random linearizable histories of files or kv from a plain sequential model, for tests and benches. */
#ifndef RS_HISTGEN_H
#define RS_HISTGEN_H

#include "trace/history.h"

#include <stdbool.h>
#include <stdint.h>

/* What to generate. Each client runs its ops back to back with a think time between; every op
 * takes effect at a random point inside its [invoke, complete] interval (ok), at any time after
 * its invocation or never (info), or never (fail). */
typedef struct histgen_cfg {
  bool files;            /* files (read, write, delete) rather than kv (get, put, append, cas) */
  int ops, keys, clients;
  double info_p, fail_p; /* the fractions of ops that end info and fail */
  double delete_p;       /* files: the chance an op is a delete (a deleted uuid stays deleted) */
  double same_name_p;    /* files: the chance a first ok write on a uuid answers SAME NAME */
  int cas_recent;        /* kv: a cas expects one of the last N values written to its key, 0 any */
  uint32_t seed;
} histgen_cfg;

/* Generates the history; the same config always gives the same history. */
history *histgen_generate(const histgen_cfg *c);

/* Gives the ok read or get number `pick` (modulo their count) an answer no linearization could
 * produce: SUCCESS with a value nobody wrote, HISTGEN_NEVER_WRITTEN. False if there is no ok read. */
#define HISTGEN_NEVER_WRITTEN "#never-written#"
bool histgen_corrupt_read(history *h, uint32_t pick);

#endif

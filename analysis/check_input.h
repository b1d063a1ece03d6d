/* What `replsim check` reads: a replsim trace, a JSONL history without a run line, or an EDN
 * history (replsim's history.edn, Jepsen's and Maelstrom's, MIT 6.824's as Porcupine has it). */
#ifndef RS_CHECK_INPUT_H
#define RS_CHECK_INPUT_H

#include "trace/facts.h"
#include "trace/history.h"

#include <glib.h>
#include <stdbool.h>

typedef struct check_input {
  history *history;
  trace_facts *facts;     /* empty (no run line) for a history from elsewhere */
  const char *format;     /* "replsim trace", "JSONL history", "EDN history (...)" */
  const char *kv_initial; /* what a never-written key reads as, when the format says ("") */
  const char *model;      /* a model the format implies (replsim's history.edn says), or NULL */
  GPtrArray *notes;       /* char*: what a person should know about how it was read */
  bool positions;         /* the history had no times: t is each operation's position */
} check_input;

/* Reads `path`, telling the format by its first character (`{"` JSON, `{:`, `[` or `;` EDN).
 * False with "FILE:LINE: what is wrong" in `err`; a replsim trace that ends before its final
 * states and digests (a run writes them last) is refused as truncated. */
bool check_input_read(const char *path, check_input *in, char **err);
void check_input_clear(check_input *in);

#endif

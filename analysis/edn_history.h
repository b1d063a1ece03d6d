/* EDN histories read into the checker's history: replsim's history.edn, Jepsen's and Maelstrom's
 * (lin-kv: :value [k v]; a single register: a bare value), MIT 6.824's kv as Porcupine has it. */
#ifndef RS_EDN_HISTORY_H
#define RS_EDN_HISTORY_H

#include "analysis/check_input.h"

/* Reads `path` into `in` (history, empty facts, format, notes). False with "FILE:LINE: what is
 * wrong" in `err`. */
bool edn_history_read(const char *path, check_input *in, char **err);

#endif

/* Reading trace.jsonl back: line by line with json-glib, into a client history or a callback. */
#ifndef RS_TRACE_READER_H
#define RS_TRACE_READER_H

#include "trace/history.h"

#include <json-glib/json-glib.h>
#include <stdbool.h>

/* Called once per line with its 1-based number, its `t`, its `type` and the whole object (valid
 * during the call only). Returns false to stop, with a message in `why` (no FILE:LINE prefix:
 * the reader adds it). */
typedef bool (*trace_line_fn)(void *ud, long line, double t, const char *type, JsonObject *obj,
                              char **why);

/* Calls `fn` for every line of `path`, in order. Every line must be exactly one JSON object
 * (strict RFC 8259, nested at most 64 deep) with a finite number `t` and a string `type`;
 * anything else stops the read with "FILE:LINE: what is wrong" in `err` (blank lines too:
 * nothing is skipped silently). */
bool trace_foreach(const char *path, trace_line_fn fn, void *ud, char **err);
/* The same, but only lines whose type is in the NULL-terminated `types` reach `fn`; the others
 * are still checked (one valid JSON object, finite `t`, string `type`) without building a tree,
 * which is many times faster. */
bool trace_foreach_types(const char *path, const char *const *types, trace_line_fn fn, void *ud,
                         char **err);

/* Builds the client history from the invoke/ok/fail/info lines of `path`, skipping every other
 * event type. NULL with "FILE:LINE: what is wrong" in `err` for malformed JSON, a missing or
 * mistyped field, an invocation while the process still has one open, a completion with no open
 * invocation, or one whose op, key or time contradicts its invocation. Operations still open at
 * the end stay pending. */
history *trace_read_history(const char *path, char **err);

#endif

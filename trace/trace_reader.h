/* Reading trace.jsonl back: one strict pass, each line's members handed to a callback. */
#ifndef RS_TRACE_READER_H
#define RS_TRACE_READER_H

#include "trace/history.h"

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

/* One checked line: its number, `t`, `type` and top-level members. Valid during the callback
 * only (strings point into the reader's buffers). */
typedef struct trace_line trace_line;

/* What a member's value is. */
typedef enum trace_vkind {
  TRACE_V_STRING,
  TRACE_V_INT,    /* an integer that fits in 64 bits (signed or unsigned) */
  TRACE_V_NUMBER, /* any other number */
  TRACE_V_BOOL,
  TRACE_V_NULL,
  TRACE_V_NESTED, /* an object or an array */
} trace_vkind;

long trace_line_no(const trace_line *l);
double trace_line_t(const trace_line *l);
const char *trace_line_type(const trace_line *l);

/* Field readers. Each returns false with a message in `why` (no FILE:LINE: the reader adds it)
 * when the member has the wrong type. */
/* An optional string: absent or null gives NULL (null also sets *is_null when given). */
bool trace_line_opt_str(const trace_line *l, const char *name, const char **out, bool *is_null,
                        char **why);
/* A required, non-empty string. */
bool trace_line_req_str(const trace_line *l, const char *name, const char **out, char **why);
/* An optional non-negative integer: absent or null gives 0. */
bool trace_line_opt_u64(const trace_line *l, const char *name, uint64_t *out, char **why);
/* An optional boolean: absent or null gives `dflt`. */
/* A non-negative finite number; `*out` is left as it is when the field is absent. */
bool trace_line_opt_time(const trace_line *l, const char *name, double *out, char **why);
/* A plain decimal ("3.309122608", "-12") of at most 15 digits, NUL-terminated, read exactly as
 * strtod reads it; false for any other text (strtod's to read). */
bool trace_decimal(const char *text, double *out);
bool trace_line_opt_bool(const trace_line *l, const char *name, bool dflt, bool *out, char **why);

/* The members in line order (a name given twice counts twice; lookups take the last). */
guint trace_line_n_members(const trace_line *l);
/* Member i's name and kind; *text is a scalar's text (a string decoded, a number as written,
 * "true"/"false") or NULL for null and nested values. */
const char *trace_line_member(const trace_line *l, guint i, trace_vkind *kind, const char **text);

/* Called once per line; returns false to stop, with a message in `why` (NULL `why` with false
 * stops quietly: trace_foreach then returns true). */
typedef bool (*trace_line_fn)(void *ud, const trace_line *l, char **why);

/* Calls `fn` for every line of `path`, in order. Every line must be exactly one JSON object
 * (strict RFC 8259, valid UTF-8, nested at most 64 deep) with a finite number `t` and a string
 * `type`, and must end with a newline (a last line cut short is a truncated trace); anything
 * else stops the read with "FILE:LINE: what is wrong" in `err` (blank lines too: nothing is
 * skipped silently). */
bool trace_foreach(const char *path, trace_line_fn fn, void *ud, char **err);
/* The same, but only lines whose type is in the NULL-terminated `types` reach `fn`; the others
 * are still checked in full. */
bool trace_foreach_types(const char *path, const char *const *types, trace_line_fn fn, void *ud,
                         char **err);
/* The same, telling in *lines how many lines were read. */
bool trace_foreach_counted(const char *path, const char *const *types, trace_line_fn fn, void *ud,
                           long *lines, char **err);

/* Builds the client history from the invoke/ok/fail/info lines of `path`. NULL with
 * "FILE:LINE: what is wrong" in `err` for malformed JSON, a missing or mistyped field, an
 * invocation while the process still has one open, a completion with no open invocation, or
 * one whose op, key or time contradicts its invocation. Operations still open at the end stay
 * pending. */
history *trace_read_history(const char *path, char **err);

/* For readers that want operations and other lines in one pass: feeds one invoke/ok/fail/info
 * line into `h` (false with `why` as above); other types are ignored. */
bool trace_history_line(history *h, const trace_line *l, char **why);

#endif
